"""Invoicing GraphQL: types, queries and mutations. Resolvers authorize (Casbin, one decision per
request) and call the service; per-invoice lists (lines, payments applied) batch through DataLoaders,
so a page of invoices costs the same number of SQL statements whatever its size."""

from __future__ import annotations

from plugins.invoicing.graph.mutations import InvoicingMutation
from plugins.invoicing.graph.queries import InvoicingQuery

__all__ = ["InvoicingMutation", "InvoicingQuery"]
