"""GraphQL for support rewards (SPEC §4). Resolvers translate GraphQL to calls of ``plugins.rewards.service``,
which authorises and applies the rules."""

from __future__ import annotations

from plugins.rewards.graph.compiled import COMPILED
from plugins.rewards.graph.descriptions import DESCRIPTIONS
from plugins.rewards.graph.extensions import InvoiceRewardsField
from plugins.rewards.graph.mutations import Mutation
from plugins.rewards.graph.nodes import NODES
from plugins.rewards.graph.queries import Query

TYPES: tuple[type, ...] = ()  # every rewards type is reachable from Query or Mutation
#: Fields on other types: an invoice's rewards on the invoicing plugin's Invoice.
TYPE_EXTENSIONS: dict[str, list[type]] = {"Invoice": [InvoiceRewardsField]}

__all__ = ["COMPILED", "DESCRIPTIONS", "NODES", "TYPES", "TYPE_EXTENSIONS", "Mutation", "Query"]
