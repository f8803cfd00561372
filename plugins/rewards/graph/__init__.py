"""GraphQL for support rewards (SPEC §4). Resolvers authorise and call plugins/rewards/service.py."""

from __future__ import annotations

from plugins.rewards.graph.mutations import Mutation
from plugins.rewards.graph.queries import Query

__all__ = ["Mutation", "Query"]
