"""GraphQL of the reseller margin plugin: its own types, root fields, and a field grafted onto the
renewals plugin's ``Renewal`` type. Resolvers only translate: service.py authorizes and applies the rules."""

from reseller_margin.graph.mutations import Mutation
from reseller_margin.graph.queries import Query
from reseller_margin.graph.types import MarginEarningType, PartnerDiscountType, RenewalMargin

TYPES = (PartnerDiscountType, MarginEarningType)
# Fields grafted onto another plugin's type, for tenants that enable both (docs/writing-a-plugin.md).
TYPE_EXTENSIONS = {"Renewal": [RenewalMargin]}

__all__ = ["TYPES", "TYPE_EXTENSIONS", "MarginEarningType", "Mutation", "PartnerDiscountType", "Query", "RenewalMargin"]
