"""Renewals GraphQL: types, queries and mutations. Resolvers translate GraphQL to service calls;
per-row fields read preloaded rows or batch through the loaders of ``graph.loaders`` (a page costs a
constant number of queries)."""

from __future__ import annotations

from plugins.renewals.graph.compiled import COMPILED
from plugins.renewals.graph.descriptions import DESCRIPTIONS
from plugins.renewals.graph.extensions import InvoiceRenewal
from plugins.renewals.graph.mutations import Mutation
from plugins.renewals.graph.nodes import NODES
from plugins.renewals.graph.queries import Query
from plugins.renewals.graph.queues import RenewalQueues
from plugins.renewals.graph.types import CartType, RenewalLineType, RenewalType

#: The extra types to register (core.hookspecs.GraphContribution.types): ``Renewal`` is what other
#: plugins graft fields onto, and the line and cart types are reachable only through it.
TYPES = (RenewalType, RenewalLineType, CartType)
#: Fields on other types: sales reps' queues on core's WorkQueues (core.queues), an invoice's renewal
#: on the invoicing plugin's Invoice.
TYPE_EXTENSIONS: dict[str, list[type]] = {"WorkQueues": [RenewalQueues], "Invoice": [InvoiceRenewal]}

__all__ = [
    "COMPILED",
    "DESCRIPTIONS",
    "NODES",
    "TYPES",
    "TYPE_EXTENSIONS",
    "RenewalQueues",
    "CartType",
    "Mutation",
    "Query",
    "RenewalLineType",
    "RenewalType",
]
