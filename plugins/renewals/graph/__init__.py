"""Renewals GraphQL: types, queries and mutations. Resolvers authorize and call the service; per-row
fields read preloaded rows or batch through DataLoaders (a page costs a constant number of queries)."""

from __future__ import annotations

from plugins.renewals.graph.mutations import RenewalsMutation
from plugins.renewals.graph.queries import RenewalsQuery
from plugins.renewals.graph.types import CartType, RenewalLineType, RenewalType

__all__ = ["CartType", "RenewalLineType", "RenewalType", "RenewalsMutation", "RenewalsQuery"]
