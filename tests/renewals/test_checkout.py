"""Checkout and carts (R-R4, R-R5, R-R6, R-R17): payment by country, PO match, terms, TSSA on the first
renewal only, confirmation, history, message center, email, the renewal.accepted event, idempotency."""

from __future__ import annotations

import pytest

from tests.conftest import link_path
from tests.renewals.helpers import grant, load, renewal, status_of

CHECKOUT = """mutation($input: CheckoutInput!) { checkout(input: $input) {
  orderNumber orderNumbers placedAt total { amount currency } paymentMethod supportNumbers
  renewals { supportNumber list status } } }"""
ADD = """mutation($sns: [String!]!) { addToCart(supportNumbers: $sns) { id status itemCount
  totals { amount currency } renewals { supportNumber } } }"""
REMOVE = "mutation($sn: String!) { removeFromCart(supportNumber: $sn) { itemCount } }"
SAVE = "mutation($name: String!) { saveCart(name: $name) { id name status itemCount summaryReportUrl } }"
OPEN = "mutation($id: ID!) { openSavedCart(id: $id) { id status itemCount } }"
CARTS = "{ activeCart { id itemCount renewals { supportNumber } } savedCarts { nodes { id name itemCount } } }"
CANCEL = "mutation($sn: String!) { cancelRenewalOrder(supportNumber: $sn) }"
BILLING = {"name": "Fay Fin", "email": "fin@acme.com", "address": "1 Main St, Springfield"}
TECH = {"as_": "tech@acme.com"}


def order(sns: list[str] | None = None, **extra) -> dict:
    base = {"paymentMethod": "INVOICE", "billing": BILLING, "acceptTerms": True, "acceptTssa": True}
    if sns is not None:
        base["supportNumbers"] = sns
    return {"input": {**base, **extra}}


async def counts(api) -> tuple:
    rows = await api.sql(
        "select (select count(*) from renewal_orders),"
        " (select count(*) from renewal_renewals where accepted_at is not null),"
        " (select count(*) from messages), (select count(*) from outbox_emails),"
        " (select count(*) from invoicing_invoices)"
    )
    return tuple(rows[0])


async def test_cart_checkout_places_orders_moves_to_history_and_notifies(rec_api, smtp):
    api = rec_api
    await load(api, renewal("C-1", 60), renewal("C-2", 90, amount="500.50"), renewal("C-F", 200))
    err = await api.error(ADD, {"sns": ["C-F"]}, **TECH)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"  # future renewals cannot be ordered yet
    cart = (await api.ok(ADD, {"sns": ["C-1", "C-2"]}, **TECH))["addToCart"]
    assert cart["itemCount"] == 2 and cart["totals"] == [{"amount": "12500.50", "currency": "USD"}]
    assert (await api.ok(ADD, {"sns": ["C-1"]}, **TECH))["addToCart"]["itemCount"] == 2  # no duplicates
    assert (await api.ok(REMOVE, {"sn": "C-2"}, **TECH))["removeFromCart"]["itemCount"] == 1
    assert await api.code(REMOVE, {"sn": "C-2"}, **TECH) == "NOT_FOUND"
    await api.ok(ADD, {"sns": ["C-2"]}, **TECH)
    saved = (await api.ok(SAVE, {"name": "Q1 renewals"}, **TECH))["saveCart"]
    assert saved["status"] == "SAVED" and saved["itemCount"] == 2
    assert link_path(saved["summaryReportUrl"]) == "/renewals/report/summary.csv?source=saved_carts"
    carts = await api.ok(CARTS, **TECH)
    assert carts["activeCart"] is None and carts["savedCarts"]["nodes"] == [
        {"id": saved["id"], "name": "Q1 renewals", "itemCount": 2}
    ]
    assert await api.code(SAVE, {"name": "empty"}, **TECH) == "BAD_USER_INPUT"
    await api.ok(ADD, {"sns": ["C-1"]}, **TECH)  # a new active cart; opening the saved one saves it away
    assert (await api.ok(OPEN, {"id": saved["id"]}, **TECH))["openSavedCart"]["status"] == "ACTIVE"
    assert len((await api.ok(CARTS, **TECH))["savedCarts"]["nodes"]) == 1
    # the owner of a cart only
    assert await api.code(CHECKOUT, order(cartId=saved["id"]), as_="admin@acme.com") == "NOT_FOUND"
    before = await counts(api)
    data = (await api.ok(CHECKOUT, order(cartId=saved["id"]), **TECH))["checkout"]
    assert len(data["orderNumbers"]) == 2 and data["orderNumber"] == data["orderNumbers"][0]
    assert data["total"] == {"amount": "12500.50", "currency": "USD"} and data["paymentMethod"] == "INVOICE"
    assert data["renewals"] == [
        {"supportNumber": "C-1", "list": "HISTORY", "status": "ACCEPTED"},
        {"supportNumber": "C-2", "list": "HISTORY", "status": "ACCEPTED"},
    ]
    after = await counts(api)
    assert after[0] - before[0] == 2 and after[1] - before[1] == 2
    assert after[4] - before[4] == 2  # the invoicing plugin issued one invoice per order (renewal.accepted)
    # R-R5: message center entry and confirmation email
    msgs = (await api.ok("{ viewer { messages { nodes { kind subject } } } }", **TECH))["viewer"]["messages"]["nodes"]
    assert [m["kind"] for m in msgs] == ["renewal.accepted"]
    await api.run_jobs("outbox.deliver")
    assert any("accepted" in (m["Subject"] or "") for m in smtp.to("tech@acme.com"))
    # the event carries exactly the agreed payload
    events = [p for e, p in api.recorder.events if e == "renewal.accepted"]
    assert len(events) == 2
    p = next(e for e in events if e["support_number"] == "C-2")
    assert set(p) == {
        "renewal_id",
        "support_number",
        "order_number",
        "currency",
        "amount",
        "payment_method",
        "billing_name",
        "billing_address",
        "po_number",
        "billing_email",
        "quote_to_email",
        "accepted_by",
        "accepted_at",
        "country",
        "lines",
    }
    assert p["amount"] == "500.50" and p["currency"] == "USD" and p["country"] == "US"
    assert p["billing_email"] == "fin@acme.com" and p["accepted_by"] == "tech@acme.com" and p["po_number"] is None
    assert isinstance(p["renewal_id"], int) and p["order_number"] in data["orderNumbers"]
    # lines always add up to the order amount (the invoice relies on it)
    assert sum(__import__("decimal").Decimal(x["amount"]) for x in p["lines"]) == __import__("decimal").Decimal(
        "500.50"
    )
    # a checked-out cart cannot be ordered again; accepted renewals left every cart
    assert await api.code(CHECKOUT, order(cartId=saved["id"]), **TECH) == "CONFLICT"
    assert await counts(api) == after
    assert await api.sql("select count(*) from renewal_cart_items") == [(0,)]


async def test_place_order_twice_places_it_once(rec_api):
    api = rec_api
    await load(api, renewal("I-1", 60), renewal("I-2", 60))
    first = (await api.ok(CHECKOUT, order(["I-1"], idempotencyKey="click-1"), **TECH))["checkout"]
    snapshot = await counts(api)
    again = (await api.ok(CHECKOUT, order(["I-1"], idempotencyKey="click-1"), **TECH))["checkout"]
    assert again["orderNumbers"] == first["orderNumbers"] and again["placedAt"] == first["placedAt"]
    assert await counts(api) == snapshot
    # same key, other request: conflict; no key: the state check refuses a second order
    assert await api.code(CHECKOUT, order(["I-2"], idempotencyKey="click-1"), **TECH) == "CONFLICT"
    err = await api.error(CHECKOUT, order(["I-1"]), **TECH)
    assert err["extensions"]["code"] == "CONFLICT" and "already accepted" in err["message"]
    assert await counts(api) == snapshot
    assert len([e for e, _ in api.recorder.events if e == "renewal.accepted"]) == 1


async def test_terms_tssa_first_renewal_only_and_bad_input_change_nothing(rec_api):
    api = rec_api
    await load(api, renewal("T-1", 60), renewal("T-2", 60))
    snapshot = await counts(api)
    no_terms = order(["T-1"], acceptTerms=False)
    err = await api.error(CHECKOUT, no_terms, **TECH)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and err["extensions"]["field"] == "acceptTerms"
    assert (await api.ok('{ renewal(supportNumber: "T-1") { tssaRequired } }', **TECH))["renewal"]["tssaRequired"]
    err = await api.error(CHECKOUT, order(["T-1"], acceptTssa=False), **TECH)
    assert err["extensions"]["field"] == "acceptTssa"
    bad_billing = order(["T-1"], billing={"name": "", "email": "fin@acme.com", "address": "x"})
    assert await api.code(CHECKOUT, bad_billing, **TECH) == "BAD_USER_INPUT"
    assert await api.code(CHECKOUT, order([]), **TECH) == "BAD_USER_INPUT"
    assert await api.code(CHECKOUT, order(["T-1"], cartId="Q2FydDox"), **TECH) == "BAD_USER_INPUT"  # both
    assert await counts(api) == snapshot and (await status_of(api, "T-1"))[0] == "OPEN"
    await api.ok(CHECKOUT, order(["T-1"]), **TECH)
    # the TSSA is not asked again on later renewals
    assert not (await api.ok('{ renewal(supportNumber: "T-2") { tssaRequired } }', **TECH))["renewal"]["tssaRequired"]
    await api.ok(CHECKOUT, order(["T-2"], acceptTssa=False), **TECH)


async def test_payment_methods_by_country_and_po_match_r_r4(rec_api):
    api = rec_api
    await load(
        api, renewal("P-1", 60), renewal("P-2", 60), renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com")
    )
    snapshot = await counts(api)
    po_other = {"number": "PO-55", "billToName": "Fay Fin", "billToEmail": "ap@acme.com", "billToAddress": "2 Other Rd"}
    err = await api.error(CHECKOUT, order(["P-1"], paymentMethod="PO", purchaseOrder=po_other), **TECH)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert err["extensions"]["mismatched"] == ["billToEmail", "billToAddress"]
    assert await api.code(CHECKOUT, order(["P-1"], paymentMethod="PO"), **TECH) == "BAD_USER_INPUT"  # no PO given
    assert await counts(api) == snapshot
    po = {
        "number": "PO-55",
        "billToName": "FAY FIN",
        "billToEmail": "fin@acme.com",
        "billToAddress": "1 Main St,  Springfield",
    }
    data = (await api.ok(CHECKOUT, order(["P-1"], paymentMethod="PO", purchaseOrder=po), **TECH))["checkout"]
    assert data["paymentMethod"] == "PO"
    event = [p for e, p in api.recorder.events if e == "renewal.accepted"][-1]
    assert event["po_number"] == "PO-55" and event["payment_method"] == "PO"
    assert (await api.ok(CHECKOUT, order(["P-2"], paymentMethod="POEF"), **TECH))["checkout"]["paymentMethod"] == "POEF"
    # Germany: no POEF
    gbill = {"name": "G", "email": "fin@globex.com", "address": "Berlin"}
    err = await api.error(CHECKOUT, order(["G-1"], paymentMethod="POEF", billing=gbill), as_="tech@globex.com")
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "DE" in err["message"]
    data = await api.ok(CHECKOUT, order(["G-1"], paymentMethod="CARD", billing=gbill), as_="tech@globex.com")
    assert [p for e, p in api.recorder.events if e == "renewal.accepted"][-1]["country"] == "DE" and data["checkout"][
        "paymentMethod"
    ] == "CARD"


async def test_who_may_place_orders_and_another_tenant(rec_api):
    """§6: TECHNICAL/EXECUTIVE and participants accept; FINANCE, viewers and plain members may not;
    carts (checkout) are for TECHNICAL; another tenant's renewal does not exist for the caller."""
    api = rec_api
    await load(
        api,
        renewal("W-F", 60, quote_to="fin@acme.com"),
        renewal("W-E", 60, quote_to="exec@acme.com"),
        renewal("W-P", 60),
        renewal("W-V", 60),
        renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com"),
    )
    await grant(api, "W-P", "plain@acme.com", "PARTICIPANT")
    await grant(api, "W-V", "exec@acme.com", "VIEWER")
    snapshot = await counts(api)
    assert await api.code(CHECKOUT, order(["W-F"]), as_="fin@acme.com") == "FORBIDDEN"
    assert await api.code(ADD, {"sns": ["W-E"]}, as_="exec@acme.com") == "FORBIDDEN"
    assert await api.code(CHECKOUT, order(["W-V"]), as_="plain@acme.com") == "NOT_FOUND"
    assert await api.code(CHECKOUT, order(["G-1"]), **TECH) == "NOT_FOUND"
    assert await counts(api) == snapshot
    assert (await api.ok(CHECKOUT, order(["W-E"]), as_="exec@acme.com"))["checkout"]["supportNumbers"] == ["W-E"]
    assert (await api.ok(CHECKOUT, order(["W-P"]), as_="plain@acme.com"))["checkout"]["supportNumbers"] == ["W-P"]
    # an executive who is only a viewer of W-V still accepts as EXECUTIVE (permissions add up, §6)
    assert (await api.ok(CHECKOUT, order(["W-V"]), as_="exec@acme.com"))["checkout"]["supportNumbers"] == ["W-V"]


async def test_paid_renewal_orders_cannot_be_cancelled_r_r6(rec_api):
    api = rec_api
    await load(api, renewal("X-1", 60), renewal("X-2", 60))
    assert await api.code(CANCEL, {"sn": "X-1"}, **TECH) == "BAD_USER_INPUT"  # nothing to cancel yet
    await api.ok(CHECKOUT, order(["X-1"]), **TECH)
    err = await api.error(CANCEL, {"sn": "X-1"}, **TECH)
    assert err["extensions"]["code"] == "CONFLICT" and "not refundable" in err["message"]
    assert (await status_of(api, "X-1"))[:2] == ("ACCEPTED", True)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
async def test_a_vetoing_event_handler_rolls_the_whole_order_back(rec_api):
    """The event runs in the same transaction: when a handler refuses, no order exists."""
    api = rec_api
    await load(api, renewal("V-1", 60))
    api.recorder.veto = "invoicing is closed for the night"
    snapshot = await counts(api)
    err = await api.error(CHECKOUT, order(["V-1"]), **TECH)
    assert err["extensions"]["code"] == "CONFLICT" and "closed" in err["message"]
    assert await counts(api) == snapshot
    assert (await status_of(api, "V-1"))[:2] == ("OPEN", False)


async def test_concurrent_double_click_places_one_order(rec_api):
    """Two simultaneous requests (double click, retry): one order; the other replays it or is refused."""
    import asyncio

    api = rec_api
    await load(api, renewal("CC-1", 60), renewal("CC-2", 60))
    same_key = order(["CC-1"], idempotencyKey="dbl-1")
    a, b = await asyncio.gather(api.gql(CHECKOUT, same_key, **TECH), api.gql(CHECKOUT, same_key, **TECH))
    assert not a.get("errors") and not b.get("errors"), (a, b)
    assert a["data"]["checkout"]["orderNumbers"] == b["data"]["checkout"]["orderNumbers"]
    no_key = order(["CC-2"])
    a, b = await asyncio.gather(api.gql(CHECKOUT, no_key, **TECH), api.gql(CHECKOUT, no_key, **TECH))
    codes = sorted(str(x.get("errors", [{}])[0].get("extensions", {}).get("code")) for x in (a, b))
    assert codes == ["CONFLICT", "None"], (a, b)
    rows = await api.sql("select count(*) from renewal_orders")
    assert rows[0][0] == 2
    assert len([e for e, _ in api.recorder.events if e == "renewal.accepted"]) == 2


async def test_checkout_applies_the_card_only_rule_of_invoice_payment_r_i16(two_tenants):
    """R-I16 at checkout, as when paying the invoice: an order whose invoice total (net plus tax) is under
    USD 2,000.00 is card-only where cards are accepted (Acme is in the US), counting every renewal of the
    order; refused orders change nothing."""
    api = two_tenants
    await load(api, renewal("S-1", 60, amount="1864.00"), renewal("S-2", 60, amount="1.00"), renewal("S-3", 60))
    before = await counts(api)
    err = await api.error(CHECKOUT, order(["S-1"], paymentMethod="POEF"), **TECH)
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and err["extensions"]["reason"] == "CARD_ONLY"
    err = await api.error(CHECKOUT, order(["S-1"]), **TECH)  # pay by invoice: refused the same way
    assert err["extensions"]["reason"] == "CARD_ONLY"
    assert await counts(api) == before
    # Together the two renewals reach 1,865.00 net = 2,000.21 with tax: any offered method
    placed = (await api.ok(CHECKOUT, order(["S-1", "S-2"]), **TECH))["checkout"]
    assert placed["paymentMethod"] == "INVOICE" and placed["total"]["amount"] == "1865.00"
    # and a card pays a small order
    placed = (await api.ok(CHECKOUT, order(["S-3"], paymentMethod="CARD"), **TECH))["checkout"]
    assert placed["paymentMethod"] == "CARD"
