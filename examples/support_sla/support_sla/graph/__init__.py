"""GraphQL of the support SLA plugin: its type, root fields, and a field grafted onto ``Renewal``."""

from support_sla.graph.mutations import Mutation
from support_sla.graph.queries import Query
from support_sla.graph.types import RenewalSla, SupportSlaType

TYPES = (SupportSlaType,)
TYPE_EXTENSIONS = {"Renewal": [RenewalSla]}  # grafted for tenants that enable both modules

__all__ = ["TYPES", "TYPE_EXTENSIONS", "Mutation", "Query", "RenewalSla", "SupportSlaType"]
