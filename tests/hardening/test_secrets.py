"""Secrets never reach the audit log or the logs (security review: secrets in the audit log, medium).

``redeemRewards`` carries the redemption code (R-W6) and ``addBillingCard`` / ``payInvoices`` a
card token (R-I14, R-I16); the audit log is read by tenant admins and staff. Arguments marked
``@secret`` in the schema (core/secret.py) are redacted centrally, whether sent as variables or
inline; and every mutation argument whose name looks like a secret must be marked or explained."""

from __future__ import annotations

import json
import logging
import re

from graphql import get_named_type, is_input_object_type

from core.app import create_state
from core.secret import REDACTED, is_secret
from core.settings import Settings
from tests.invoicing.test_api import PAY
from tests.rewards.test_redeem import ELIGIBLE, REDEEM, make_invoice, redeem_input, rewarded_acme

AUDIT = "{ auditLog(first: 100) { totalCount edges { node { actor action outcome detail } } } }"
ADD_CARD = "mutation($i: AddCardInput!) { addBillingCard(input: $i) { cards { id } } }"
FIN = {"as_": "fin@acme.com"}
TOKEN_VARIABLE = "tok_visa_vvvv_4242"
TOKEN_INLINE = "tok_visa_iiii_5555"
TOKEN_PAY = "tok_visa_pppp_1881"
PAN = "4111111111111111"  # a card number pasted where a token belongs: refused, and still audited


def audited_text(rows) -> str:
    return json.dumps([[str(v) for v in r] for r in rows])


async def test_codes_and_tokens_are_redacted_from_the_audit_log_and_logs(api, caplog):
    """Security review: the redemption code (variables, inline literal, a variable inside an inline
    object) and card tokens (variables, inline, a refused card number, a payment) appear nowhere in
    ``audit_log`` — neither through ``auditLog`` for the tenant admin and staff nor in the table —
    nor in any log record; the non-secret arguments are still recorded."""
    caplog.set_level(logging.INFO)
    code = await rewarded_acme(api)
    for number in ("INV-S1", "INV-S2", "INV-S3"):
        await make_invoice(api, "acme", number, [{**ELIGIBLE, "pre_tax": "100.00"}])
    await api.ok(REDEEM, redeem_input("INV-S1", code, "k1", "10.00"), **FIN)
    amount = '{amount: "5.00", currency: "USD"}'
    inline = (
        f'mutation {{ redeemRewards(input: {{invoiceNumber: "INV-S2", redemptionCode: "{code}", '
        f'idempotencyKey: "k2", amount: {amount}}}) {{ id }} }}'
    )
    await api.ok(inline, **FIN)
    mixed = (
        'mutation($c: String!) { redeemRewards(input: {invoiceNumber: "INV-S2", redemptionCode: $c, '
        f'idempotencyKey: "k3", amount: {amount}}}) {{ id }} }}'
    )
    await api.ok(mixed, {"c": code}, **FIN)
    await api.ok(ADD_CARD, {"i": {"token": TOKEN_VARIABLE, "expMonth": 12, "expYear": 2030}}, **FIN)
    card = f'{{token: "{TOKEN_INLINE}", expMonth: 1, expYear: 2031}}'
    await api.ok(f"mutation {{ addBillingCard(input: {card}) {{ cards {{ id }} }} }}", **FIN)
    # refused by the service, and by variable coercion (whose message quotes the value sent)
    assert await api.code(ADD_CARD, {"i": {"token": PAN, "expMonth": 1, "expYear": 2030}}, **FIN) == "BAD_USER_INPUT"
    assert await api.code(ADD_CARD, {"i": {"token": PAN, "expMonth": 1}}, **FIN) == "BAD_USER_INPUT"
    pay = {"invoices": [{"invoiceNumber": "INV-S3"}], "method": "CARD", "cardToken": TOKEN_PAY, "reference": "r-1"}
    await api.ok(PAY, {"input": pay}, **FIN)

    secrets = [code, re.sub(r"[^A-Za-z0-9]", "", code), TOKEN_VARIABLE, TOKEN_INLINE, TOKEN_PAY, PAN]
    rows = await api.sql("select * from audit_log order by id")
    table = audited_text(rows)
    for secret in secrets:
        assert secret not in table, secret
    assert len(rows) >= 7 and REDACTED in table
    readers = [
        {"as_": "admin@acme.com"},
        {"as_": "ops@vendor.example", "staff": ["OPERATOR"], "tenant": "acme"},
        {"as_": "bs@vendor.example", "staff": ["BILLING_SUPPORT"], "tenant": "acme"},
    ]
    for reader in readers:
        page = json.dumps(await api.ok(AUDIT, **reader))
        assert "redeemRewards" in page and "addBillingCard" in page
        for secret in secrets:
            assert secret not in page, (reader, secret)
    # what is not secret is still there, by variable and inline
    by_variables, by_inline, mixed_detail = [json.loads(r.detail) for r in rows if r.action == "redeemRewards"]
    assert by_variables["variables"]["input"] == {
        "invoiceNumber": "INV-S1",
        "redemptionCode": REDACTED,
        "idempotencyKey": "k1",
        "amount": {"amount": "10.00", "currency": "USD"},
    }
    inline_input = by_inline["arguments"]["redeemRewards"]["input"]
    assert inline_input["invoiceNumber"] == "INV-S2" and inline_input["redemptionCode"] == REDACTED
    assert mixed_detail["variables"] == {"c": REDACTED}
    logged = "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in caplog.records if r.levelno >= logging.INFO)
    for secret in secrets:
        assert secret not in logged, secret


# ----------------------------------------------------------------------------- the schema's marks
# Words that name a secret: an argument or input field named with one must be marked @secret.
SECRET_WORDS = frozenset(
    "code token secret password passwd pwd passcode passphrase pin otp cvv cvc pan iban key credential "
    "credentials card signature".split()
)
SECRET_PARTS = ("password", "passwd", "secret", "token", "cvv", "cvc", "iban", "apikey", "credential")
# Names that match but are not secrets, each with the reason; every entry must still occur.
NOT_SECRET = {
    "idempotencyKey": "a client's retry key for one request, scoped to its tenant: a replay needs the same "
    "request and returns only what it already returned; the audit keeps it to trace retries",
    "tenantKey": "a tenant's public identifier (acme), as in X-Tenant",
    "savedCardId": "the global ID of a card already saved (SavedCard:<id>); its gateway token stays on the server",
}


def _words(name: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}


def looks_secret(name: str) -> bool:
    return bool(_words(name) & SECRET_WORDS) or any(p in name.lower() for p in SECRET_PARTS)


def test_every_secret_looking_mutation_argument_is_marked(tmp_path):
    """Security review: walks every mutation's arguments, and recursively their input types, in the
    schema of every installed module; a secret-looking name must be ``@secret`` or in NOT_SECRET."""
    state = create_state(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'secrets.db'}"))
    schema = state.schemas.get(frozenset(state.plugins.names))._schema
    unmarked: list[str] = []
    marked: list[str] = []
    names: set[str] = set()
    walked: set[str] = set()

    def check(path: str, name: str, definition) -> None:
        names.add(name)
        if is_secret(definition):
            marked.append(path)
        elif looks_secret(name) and name not in NOT_SECRET:
            unmarked.append(path)
        walk(path, definition.type)

    def walk(path: str, type_) -> None:
        named = get_named_type(type_)
        if not is_input_object_type(named) or named.name in walked:
            return
        walked.add(named.name)
        for field_name, f in named.fields.items():
            check(f"{path}.{field_name}", field_name, f)

    for field_name, f in schema.mutation_type.fields.items():
        for arg_name, arg in f.args.items():
            check(f"{field_name}({arg_name})", arg_name, arg)
    assert not unmarked, f"mark these @secret (core/secret.py) or explain them in NOT_SECRET: {unmarked}"
    assert {
        "addBillingCard(input).token",
        "payInvoices(input).cardToken",
        "redeemRewards(input).redemptionCode",
    } <= set(marked)
    assert set(NOT_SECRET) <= names, f"stale NOT_SECRET entries: {set(NOT_SECRET) - names}"


def test_secret_looking_names():
    assert all(looks_secret(n) for n in ("redemptionCode", "cardToken", "token", "newPassword", "cardNumber", "cvv"))
    assert all(looks_secret(n) for n in ("accesstoken", "apiKey", "pin", "iban", "otpCode", "clientSecret"))
    assert not any(looks_secret(n) for n in ("currency", "supportNumber", "reference", "expMonth", "spin", "company"))
