"""Global node IDs ("Type:pk", base64) so IDs are opaque and typed (Relay convention)."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Text, cast, func, literal_column

from core.errors import BadUserInput
from core.i18n import _

MAX_PK = 2**63 - 1


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def sql_global_id(type_name: str, pk: Any) -> Any:
    """``to_global_id`` in SQL (PostgreSQL), for pages the database writes (core/compiled.py)."""
    if not type_name.isidentifier():
        raise ValueError(type_name)
    return sql_base64url(literal_column(f"'{type_name}:'", Text).op("||")(cast(pk, Text)))


def sql_base64url(text: Any) -> Any:
    """``base64.urlsafe_b64encode(text.encode()).rstrip("=")`` in SQL (PostgreSQL): its base64
    breaks lines every 76 characters and uses the standard alphabet."""
    encoded = func.encode(func.convert_to(text, literal_column("'UTF8'")), literal_column("'base64'"))
    unbroken = func.replace(encoded, literal_column("E'\\n'"), literal_column("''"))
    return func.rtrim(func.translate(unbroken, literal_column("'+/'"), literal_column("'-_'")), literal_column("'='"))


def parse_global_id(global_id: str) -> tuple[str, int]:
    """The (type name, primary key) of a global id; BAD_USER_INPUT when it is not one."""
    try:
        raw = base64.urlsafe_b64decode((global_id + "=" * (-len(global_id) % 4)).encode()).decode()
        type_name, sep, pk = raw.partition(":")
        if not sep or not type_name.isidentifier() or not pk.isdigit():
            raise ValueError(raw)
        value = int(pk)
        if not 0 < value <= MAX_PK:  # beyond BIGINT the drivers overflow (an unmasked error otherwise)
            raise ValueError(pk)
        return type_name, value
    except Exception as exc:
        raise BadUserInput(_("Not a valid id"), field="id") from exc


def from_global_id(global_id: str, expected_type: str) -> int:
    try:
        type_name, value = parse_global_id(global_id)
        if type_name != expected_type:
            raise ValueError(type_name)
        return value
    except Exception as exc:
        raise BadUserInput(_("Not a valid {expected_type} id", expected_type=expected_type), field="id") from exc
