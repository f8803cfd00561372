"""Global node IDs ("Type:pk", base64) so IDs are opaque and typed (Relay convention)."""

from __future__ import annotations

import base64

from core.errors import BadUserInput

MAX_PK = 2**63 - 1


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def from_global_id(global_id: str, expected_type: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((global_id + "=" * (-len(global_id) % 4)).encode()).decode()
        type_name, _, pk = raw.partition(":")
        if type_name != expected_type:
            raise ValueError(type_name)
        value = int(pk)
        if not 0 < value <= MAX_PK:  # beyond BIGINT the drivers overflow (an unmasked error otherwise)
            raise ValueError(pk)
        return value
    except Exception as exc:
        raise BadUserInput(f"Not a valid {expected_type} id", field="id") from exc
