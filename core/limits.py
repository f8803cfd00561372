"""Query limits applied before any resolver runs (OWASP GraphQL floor; see docs/security.md)."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import DisableIntrospection, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter


def schema_extensions(state: Any) -> list[Any]:
    settings = state.settings
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return extensions
