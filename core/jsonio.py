"""JSON through orjson on the hot paths: a GraphQL response and the compiled reads' child rows
(issue 21: the standard library's encoder was a tenth of a page's CPU, its decoder another)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

# Non-string keys as the standard library writes them; no other option: the bytes are those of
# starlette's JSONResponse (compact separators, UTF-8 unescaped) for every value a response holds.
_OPTIONS = orjson.OPT_NON_STR_KEYS


class FastJSONResponse(JSONResponse):
    """starlette's JSONResponse, encoded by orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=_OPTIONS)


loads = orjson.loads
# JSON text put into a response as it is (PostgreSQL wrote it: core.compiled.RawChildren).
Fragment = orjson.Fragment
