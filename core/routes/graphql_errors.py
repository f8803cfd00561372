"""A GraphQL error as the client sees it: typed, with ``extensions.code``; nothing else leaks."""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.errors import (
    UNAVAILABLE_MESSAGE,
    AppError,
    BadUserInput,
    Conflict,
    Forbidden,
    ModuleNotEnabled,
    QueryTooComplex,
    ServiceUnavailable,
)
from core.i18n import _
from core.limits import is_parser_limit, parser_limit_name
from core.logs import annotate, get_logger, new_error_id
from core.state import AppState

log = get_logger("customer_center.request")


# PostgreSQL serialization failure and deadlock: the transaction was rolled back and may be retried.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


# PostgreSQL: connection exceptions (class 08) and the server shutting down or starting up.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def _db_unavailable(original: BaseException | None) -> bool:
    """The database (or the pool) cannot be reached: the client may retry (SERVICE_UNAVAILABLE)."""
    if isinstance(original, (PoolTimeout, ConnectionError, OSError)):
        return True
    if isinstance(original, DBAPIError):
        sqlstate = sqlstate_of(original) or ""
        return (
            bool(original.connection_invalidated)
            or isinstance(original, (OperationalError, InterfaceError))
            or sqlstate in UNAVAILABLE_SQLSTATES
            or sqlstate.startswith("08")
        )
    return False


def sqlstate_of(original: BaseException | None) -> str | None:
    """The SQLSTATE of a driver error (asyncpg's, under SQLAlchemy's adapter, sits on the cause)."""
    orig = getattr(original, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return None


def error_json(err: GraphQLError, state: AppState) -> dict[str, Any]:
    """One GraphQL error as the client sees it: always with ``extensions.code``; anything that is
    not a typed error is masked as INTERNAL_SERVER_ERROR (and logged)."""
    original = err.original_error
    out: dict[str, Any] = {"message": err.message}
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if err.path:
        out["path"] = err.path
    if err.message.startswith("Variable ") or isinstance(original, GraphQLError):
        out["extensions"] = {"code": "BAD_USER_INPUT"}
    elif isinstance(original, AppError):
        out["message"] = original.message
        out["extensions"] = {"code": original.code, **original.extensions}
    elif isinstance(original, (InvalidOperation, OverflowError)) or (sqlstate_of(original) or "").startswith("22"):
        # An absurd number or an over-long value reached arithmetic or a column (PostgreSQL class
        # 22, data exception): the input was at fault, not the server.
        out["message"] = str(_("A value in the request is out of range or too long"))
        out["extensions"] = {"code": BadUserInput.code}
    elif isinstance(original, IntegrityError) or sqlstate_of(original) in RETRYABLE_SQLSTATES:
        # A concurrent request changed the same rows first (unique race, deadlock, serialization).
        log.info("concurrent write refused", error=type(original).__name__)
        out["message"] = str(_("A concurrent change conflicted with this request; retry it"))
        out["extensions"] = {"code": Conflict.code, "retryable": True}
    elif _db_unavailable(original):
        log.warning("database unavailable", error=type(original).__name__)
        out["message"] = str(UNAVAILABLE_MESSAGE)
        out["extensions"] = {"code": ServiceUnavailable.code, "retryable": True}
    elif isinstance(original, PermissionError):
        out["message"] = str(_("Not allowed"))
        out["extensions"] = {"code": Forbidden.code}
    elif original is not None:
        # The client gets an id to quote, the log the traceback under that id; never the reverse.
        error_id = new_error_id()
        log.error("unexpected error", error_id=error_id, path=err.path, exc_info=original)
        annotate(error_id=error_id)
        out["message"] = str(_("Internal server error"))
        out["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    elif err.extensions and err.extensions.get("code"):
        out["extensions"] = dict(err.extensions)
    elif is_parser_limit(err):
        out["extensions"] = {"code": QueryTooComplex.code, "limit": parser_limit_name(err)}
    elif isinstance(err, GraphQLSyntaxError) or err.message.startswith("Syntax Error"):
        out["extensions"] = {"code": "GRAPHQL_PARSE_FAILED"}
    else:
        out["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
        _explain_disabled_module(err, out, state)
    return out


def _explain_disabled_module(err: GraphQLError, out: dict[str, Any], state: AppState) -> None:
    import re

    m = re.match(r"Cannot query field '(\w+)' on type '(\w+)'", err.message)
    if m:
        owner = state.schemas.owner_of_field(m.group(2), m.group(1))
        if owner:
            out["message"] = str(
                _(
                    "The '{module}' module is not enabled for this tenant ({field} is unavailable)",
                    module=owner,
                    field=m.group(1),
                )
            )
            out["extensions"] = {"code": ModuleNotEnabled.code, "module": owner}
