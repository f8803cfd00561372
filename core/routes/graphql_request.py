"""Reading one GraphQL request: POST's JSON body or GET's query parameters (GraphQL over HTTP)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from core.errors import BadUserInput
from core.i18n import _


@dataclass
class _Request:
    """One GraphQL request as sent: POST's JSON body or GET's query parameters."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: Any = None


def _check_request(raw: dict[str, Any], persisted: bool) -> _Request:
    query = raw.get("query")
    if query is not None and not isinstance(query, str) or (query is None and not persisted):
        raise BadUserInput(_("Expected a JSON object with a 'query' string"))
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadUserInput(_("'variables' must be an object"))
    op = raw.get("operationName")
    if op is not None and not isinstance(op, str):
        raise BadUserInput(_("'operationName' must be a string"))
    return _Request(query, variables, op, raw.get("extensions"))


def _persisted(raw: dict[str, Any]) -> bool:
    ext = raw.get("extensions")
    return isinstance(ext, dict) and "persistedQuery" in ext


async def read_body(request: Request) -> _Request:
    try:
        body = await request.json()
    except Exception as exc:
        raise BadUserInput(_("Request body is not valid JSON")) from exc
    if not isinstance(body, dict):
        raise BadUserInput(_("Expected a JSON object with a 'query' string"))
    return _check_request(body, _persisted(body))


GET_PARAMETERS = ("query", "variables", "operationName", "extensions")


def is_graphql_get(request: Request) -> bool:
    """A GET that asks for an operation (rather than for GraphiQL)."""
    return any(name in request.query_params for name in ("query", "extensions"))


def read_params(request: Request) -> _Request:
    """GET /graphql?query=…&variables=<JSON>&operationName=…&extensions=<JSON> (GraphQL over HTTP)."""
    raw: dict[str, Any] = {}
    for name in GET_PARAMETERS:
        values = request.query_params.getlist(name)
        if len(values) > 1:
            raise BadUserInput(_("'{name}' is given more than once", name=name), field=name)
        if not values:
            continue
        if name in ("variables", "extensions"):
            try:
                raw[name] = json.loads(values[0])
            except ValueError as exc:
                raise BadUserInput(_("'{name}' is not valid JSON", name=name), field=name) from exc
        else:
            raw[name] = values[0]
    return _check_request(raw, _persisted(raw))
