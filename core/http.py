"""Helpers for plain HTTP routes (downloads): the same auth, tenant filter and enforcer as GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.auth import STAFF_ROLES
from core.context import Context
from core.errors import (
    UNAVAILABLE_MESSAGE,
    AppError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    error_body,
)
from core.i18n import _, in_asked_locale
from core.links import has_link, verify_link

STATUS = {Unauthenticated: 401, Forbidden: 403, NotFound: 404}


def download_route(
    handler: Callable[[Context, Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a download handler: authenticate (the bearer header, or else a signed link: core/links.py),
    open a tenant-bound read session, map typed errors. Every route is reachable by link this way."""

    @in_asked_locale
    async def endpoint(request: Request) -> Response:
        from core.caller import authenticate, bind_caller, commit_sign_in

        state = request.app.state.cc
        session = state.sessionmaker()
        try:
            if "authorization" not in request.headers and has_link(request):
                caller = await _link_caller(state, request, session)
            else:
                caller = await authenticate(state, request, session)
            await commit_sign_in(session, carry_on=True)
            tenant = caller.tenant
            await bind_caller(session, caller)
            ctx = await state.context_for(session, caller.principal, tenant, request, person=caller.person)
            response = await handler(ctx, request)
        except AppError as exc:
            await session.close()
            return error_response(exc, next((s for t, s in STATUS.items() if isinstance(exc, t)), 400))
        except (DBAPIError, OSError, PoolTimeout):
            await session.close()
            return error_response(ServiceUnavailable(UNAVAILABLE_MESSAGE), 503)
        except BaseException:
            await session.close()
            raise
        # A link carries a credential in its URL: no Referer may pass it on, no cache may keep the file.
        response.headers.setdefault("referrer-policy", "no-referrer")
        response.headers.setdefault("cache-control", "private, no-store")
        # Streaming responses keep the session until the body is sent.
        response.background = _close_later(session, response.background)
        return response

    return endpoint


async def _link_caller(state: Any, request: Request, session: Any) -> Any:
    """The caller a signed link names, through the same checks as a bearer token's claims."""
    from core.caller import authenticate_claims, note_acting_tenants

    claims = verify_link(state.settings, request)
    staff = claims.get("staff_roles", [])
    if not isinstance(staff, list) or not set(staff) <= STAFF_ROLES:
        raise Forbidden(_("Invalid download link"))
    caller = await authenticate_claims(state, session, claims, claims.get("ten"))
    note_acting_tenants(request, caller)
    return caller


def error_response(exc: AppError, status: int = 200, extensions: dict[str, Any] | None = None) -> JSONResponse:
    """A typed error as a whole response (a refusal before any resolver ran), with ``extensions``
    such as /graphql's cost."""
    body = error_body(exc)
    if extensions:
        body["extensions"] = extensions
    return JSONResponse(body, status_code=status)


def _close_later(session: Any, previous: Any) -> Any:
    from starlette.background import BackgroundTask

    async def close() -> None:
        if previous is not None:
            await previous()
        await session.close()

    return BackgroundTask(close)


async def aiter_rows(result: Any, size: int = 500) -> AsyncIterator[Any]:
    """Iterate a streamed SQLAlchemy result in partitions (memory stays flat)."""
    async for partition in result.partitions(size):
        for row in partition:
            yield row
