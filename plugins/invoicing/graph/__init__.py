"""Invoicing GraphQL: types, queries and mutations. Resolvers translate GraphQL to calls of
``plugins.invoicing.service``, which authorizes and applies the rules; per-invoice lists (lines,
payments applied) batch through the loaders of ``graph.loaders``, so a page of invoices costs the same
number of SQL statements whatever its size."""

from __future__ import annotations

from plugins.invoicing.graph.compiled import COMPILED
from plugins.invoicing.graph.descriptions import DESCRIPTIONS
from plugins.invoicing.graph.extensions import RenewalOrderInvoices
from plugins.invoicing.graph.mutations import Mutation
from plugins.invoicing.graph.nodes import NODES
from plugins.invoicing.graph.queries import Query
from plugins.invoicing.graph.queues import InvoicingQueues

TYPES: tuple[type, ...] = ()  # every invoicing type is reachable from Query or Mutation
#: Fields on other types: billing support's queues on core's WorkQueues (core.queues), a renewal
#: order's invoices on the renewals plugin's RenewalOrder.
TYPE_EXTENSIONS: dict[str, list[type]] = {"WorkQueues": [InvoicingQueues], "RenewalOrder": [RenewalOrderInvoices]}

__all__ = ["COMPILED", "DESCRIPTIONS", "NODES", "TYPES", "TYPE_EXTENSIONS", "InvoicingQueues", "Mutation", "Query"]
