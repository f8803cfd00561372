"""The card gateway interface (R-I16…R-I18). Only a token and the last four digits ever reach us.

Production plugs a real processor in with ``set_gateway(state, gateway)``; the default is the test
gateway, which declines tokens starting with ``tok_decline`` (or every charge after
``decline_all = True``) and reads the last four digits from the token's tail (``tok_visa_4242``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

DECLINE_PREFIX = "tok_decline"


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    reference: str
    last4: str
    failure_reason: str | None = None


class CardGateway(Protocol):
    async def charge(self, token: str, amount: Decimal, currency: str, description: str) -> ChargeResult: ...


class TestGateway:
    """Deterministic gateway for tests and the demo; no network."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.decline_all = False
        self.charges: list[tuple[str, Decimal, str]] = []

    async def charge(self, token: str, amount: Decimal, currency: str, description: str) -> ChargeResult:
        digits = "".join(ch for ch in token if ch.isdigit())
        last4 = (digits[-4:] if len(digits) >= 4 else digits.rjust(4, "0")) or "0000"
        ref = "ch_" + hashlib.sha256(f"{token}|{amount}|{currency}|{description}".encode()).hexdigest()[:16]
        if self.decline_all or token.startswith(DECLINE_PREFIX):
            return ChargeResult(False, ref, last4, "Card declined by the issuer")
        self.charges.append((token, amount, currency))
        return ChargeResult(True, ref, last4)


GATEWAY_KEY = "invoicing.gateway"


def get_gateway(state: Any) -> CardGateway:
    gw = state.extra.get(GATEWAY_KEY)
    if gw is None:
        gw = state.extra[GATEWAY_KEY] = TestGateway()
    return gw


def set_gateway(state: Any, gateway: CardGateway) -> None:
    state.extra[GATEWAY_KEY] = gateway
