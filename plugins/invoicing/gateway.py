"""The card gateway interface (R-I16…R-I18). Only a token and the last four digits ever reach us.

Production plugs a real processor in with ``set_gateway(state, gateway)``; the default is the test
gateway, which declines tokens starting with ``tok_decline`` (or every charge after
``decline_all = True``) and reads the last four digits from the token's tail (``tok_visa_4242``).

Every charge carries an idempotency key (the payment intent's ``gateway_key``): charging twice with
one key charges once and answers the first result, and ``lookup`` tells what happened to a key, which
is how a payment left unsettled by a crash is reconciled (plugins/invoicing/service.py).
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


class GatewayError(Exception):
    """The gateway did not answer: whether the card was charged is unknown until ``lookup``."""


class CardGateway(Protocol):
    async def charge(
        self, token: str, amount: Decimal, currency: str, description: str, *, idempotency_key: str
    ) -> ChargeResult: ...

    async def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """The result of the charge made with that key, or None when the gateway never received it."""
        ...


class TestGateway:
    """Deterministic gateway for tests and the demo; no network.

    ``charges`` lists the charges really made (a repeat of a key is not one). ``fail_next`` makes the
    next call fail like a network fault: ``"before"`` — the gateway never received it; ``"after"`` —
    the card was charged but the answer was lost."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.decline_all = False
        self.charges: list[tuple[str, Decimal, str]] = []
        self.calls = 0
        self.fail_next: str | None = None
        self._by_key: dict[str, ChargeResult] = {}

    async def charge(
        self, token: str, amount: Decimal, currency: str, description: str, *, idempotency_key: str
    ) -> ChargeResult:
        self.calls += 1
        fault, self.fail_next = self.fail_next, None
        if fault == "before":
            raise GatewayError("card gateway unreachable")
        done = self._by_key.get(idempotency_key)
        if done is None:
            done = self._by_key[idempotency_key] = self._charge(token, amount, currency, idempotency_key)
        if fault == "after":
            raise GatewayError("card gateway timed out")
        return done

    def _charge(self, token: str, amount: Decimal, currency: str, key: str) -> ChargeResult:
        digits = "".join(ch for ch in token if ch.isdigit())
        last4 = (digits[-4:] if len(digits) >= 4 else digits.rjust(4, "0")) or "0000"
        ref = "ch_" + hashlib.sha256(f"{key}|{token}|{amount}|{currency}".encode()).hexdigest()[:16]
        if self.decline_all or token.startswith(DECLINE_PREFIX):
            return ChargeResult(False, ref, last4, "Card declined by the issuer")
        self.charges.append((token, amount, currency))
        return ChargeResult(True, ref, last4)

    async def lookup(self, idempotency_key: str) -> ChargeResult | None:
        return self._by_key.get(idempotency_key)


GATEWAY_KEY = "invoicing.gateway"


def get_gateway(state: Any) -> CardGateway:
    gw = state.extra.get(GATEWAY_KEY)
    if gw is None:
        gw = state.extra[GATEWAY_KEY] = TestGateway()
    return gw


def set_gateway(state: Any, gateway: CardGateway) -> None:
    state.extra[GATEWAY_KEY] = gateway
