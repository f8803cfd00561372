"""Sharing GraphQL: renewal shares (R-S1, R-S5), share lists, billing-dashboard shares (R-S4).
Resolvers translate arguments and call ``service``; every decision is made there by the enforcer."""

from __future__ import annotations

from plugins.sharing.graph.descriptions import DESCRIPTIONS
from plugins.sharing.graph.mutations import Mutation
from plugins.sharing.graph.nodes import NODES
from plugins.sharing.graph.queries import Query
from plugins.sharing.graph.queues import SharingQueues
from plugins.sharing.graph.types import BillingDashboardShareType, RenewalShareType, RenewalSharing, ShareListType

TYPES: tuple[type, ...] = (RenewalShareType, BillingDashboardShareType, ShareListType)
# The sharing tab on the renewal itself; grafted only where the renewals plugin provides Renewal. Billing
# support's share-requests queue on core's WorkQueues (core.queues).
TYPE_EXTENSIONS: dict[str, list[type]] = {"Renewal": [RenewalSharing], "WorkQueues": [SharingQueues]}

__all__ = [
    "DESCRIPTIONS",
    "NODES",
    "TYPES",
    "TYPE_EXTENSIONS",
    "Mutation",
    "Query",
    "RenewalSharing",
    "SharingQueues",
]
