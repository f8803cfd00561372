"""Typed errors. Every error a client sees carries ``extensions.code``; anything else is masked."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = {k: v for k, v in extensions.items() if v is not None}


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


UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; retry shortly"


def error_body(exc: AppError) -> dict[str, Any]:
    """A refused request's GraphQL-shaped body (also used by plain HTTP routes)."""
    extensions = {"code": exc.code, **exc.extensions}
    if isinstance(exc, ServiceUnavailable):
        extensions["retryable"] = True
    return {"data": None, "errors": [{"message": exc.message, "extensions": extensions}]}
