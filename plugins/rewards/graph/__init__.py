"""GraphQL for support rewards (SPEC §4). Resolvers translate GraphQL to calls of ``plugins.rewards.service``,
which authorises and applies the rules."""

from __future__ import annotations

from plugins.rewards.graph.mutations import Mutation
from plugins.rewards.graph.nodes import NODES
from plugins.rewards.graph.queries import Query

TYPES: tuple[type, ...] = ()  # every rewards type is reachable from Query or Mutation

__all__ = ["NODES", "TYPES", "Mutation", "Query"]
