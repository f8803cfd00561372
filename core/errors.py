"""Typed errors. Every error a client sees carries ``extensions.code``; anything else is masked.

One extension shape everywhere (README: API conventions): ``code`` (the class of error), ``reason``
(a machine sub-code when a client can act on it: ``LOCKED``, ``DOMAIN_MISMATCH``, ``CARD_ONLY``…)
and ``field`` (the argument or input path at fault, e.g. ``input.paymentMethod``); any other fact
is a camelCase key (``retryAfterSeconds``, ``module``, ``valid``)."""

from __future__ import annotations

from typing import Any

from core.i18n import LazyText, _, render


class AppError(Exception):
    """``message`` is English text or a :func:`core.i18n._` message, rendered in the request's locale
    when read; ``code`` and the extensions (field names, ids, limits) are machine values, never
    translated."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str | LazyText, **extensions: Any) -> None:
        super().__init__(message)
        self.text = message
        self.extensions = {k: v for k, v in extensions.items() if v is not None}

    @property
    def message(self) -> str:
        return render(self.text)


class BadUserInput(AppError):
    code = "BAD_USER_INPUT"


class Unauthenticated(AppError):
    code = "UNAUTHENTICATED"


class Forbidden(AppError):
    code = "FORBIDDEN"


class NotFound(AppError):
    code = "NOT_FOUND"


class Conflict(AppError):
    code = "CONFLICT"


class ModuleNotEnabled(AppError):
    code = "MODULE_NOT_ENABLED"


class RateLimited(AppError):
    code = "RATE_LIMITED"


class QueryTooComplex(AppError):
    code = "QUERY_TOO_COMPLEX"


class ServiceUnavailable(AppError):
    """A dependency (the database) is unreachable; the client may retry."""

    code = "SERVICE_UNAVAILABLE"


UNAVAILABLE_MESSAGE = _("The service is temporarily unavailable; retry shortly")


def error_body(exc: AppError) -> dict[str, Any]:
    """A refused request's GraphQL-shaped body (also used by plain HTTP routes)."""
    extensions = {"code": exc.code, **exc.extensions}
    if isinstance(exc, ServiceUnavailable):
        extensions["retryable"] = True
    return {"data": None, "errors": [{"message": exc.message, "extensions": extensions}]}
