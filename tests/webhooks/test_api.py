"""Webhooks through the GraphQL endpoint with a real HTTP receiver (docs/webhooks.md): signed,
verifiable deliveries from the outbox in the mutation's transaction; retries with backoff against a
receiver that is down, then failing; redelivery; tenant isolation; who may manage endpoints (the
tenant's ADMIN, OPERATOR staff, its reseller's RESELLER_ADMIN — SPEC §1/§6, R-T1)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.test_observability import samples
from tests.webhooks.conftest import QUEUED_AT_VETO, VETOED, Receiver

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
ADMIN = {"as_": "admin@acme.com"}

CREATE = """mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  secret endpoint { id url events enabled createdBy } } }"""
UPDATE = """mutation($id: ID!, $changes: WebhookEndpointChanges!) {
  updateWebhookEndpoint(id: $id, changes: $changes) { id url events enabled description } }"""
DELETE = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }"
ROTATE = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id secretRotatedAt } } }"
REDELIVER = "mutation($id: ID!) { redeliverWebhook(id: $id) { id eventId status attempts } }"
ENDPOINTS = "{ webhookEndpoints(first: 50) { totalCount edges { node { id url events } } } }"
ENDPOINT = "query($id: ID!) { webhookEndpoint(id: $id) { id url } }"
DELIVERIES = """query($endpoint: ID, $status: WebhookDeliveryStatus, $first: Int) {
  webhookDeliveries(endpointId: $endpoint, status: $status, first: $first) { totalCount edges { node {
    id eventId eventType status attempts lastResponseCode lastError nextAttemptAt lastAttemptAt deliveredAt
    endpointId endpointUrl payload } } } }"""
SHARE = """mutation($sn: String!, $emails: [String!]) {
  shareRenewal(supportNumber: $sn, role: PARTICIPANT, emails: $emails) { id } }"""


def docs_verify() -> Any:
    """The signature check exactly as docs/webhooks.md shows it to integrators."""
    text = DOCS.read_text()
    code = re.search(r"## Verifying the signature.*?```python\n(.*?)```", text, re.S).group(1)
    scope: dict[str, Any] = {}
    exec(compile(code, str(DOCS), "exec"), scope)  # noqa: S102 - our own documentation
    return scope["verify"]


async def create(api: Any, url: str, events: list[str] | None = None, **who: Any) -> dict[str, Any]:
    data = await api.ok(CREATE, {"input": {"url": url, "events": events or ["SHARE_ADDED"]}}, **(who or ADMIN))
    return data["createWebhookEndpoint"]


async def share(api: Any, email: str = "plain@acme.com", sn: str = "SN-1", as_: str = "tech@acme.com") -> None:
    await api.ok(SHARE, {"sn": sn, "emails": [email]}, as_=as_)


async def deliveries(api: Any, **who: Any) -> list[dict[str, Any]]:
    data = await api.ok(DELIVERIES, {"first": 50}, **(who or ADMIN))
    return [e["node"] for e in data["webhookDeliveries"]["edges"]]


async def deliver(api: Any) -> int:
    return (await api.run_jobs("webhooks.deliver"))["webhooks.deliver"]


async def test_a_delivery_arrives_signed_and_verifiable(wapi, receiver: Receiver):
    api = wapi
    made = await create(api, receiver.url, ["SHARE_ADDED", "SHARE_REVOKED"])
    secret = made["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert made["endpoint"]["events"] == ["SHARE_ADDED", "SHARE_REVOKED"]
    assert made["endpoint"]["createdBy"] == "admin@acme.com"

    await share(api)
    assert receiver.received == []  # nothing is sent inside the request: the job sends
    assert await deliver(api) == 1
    (got,) = receiver.received
    verify = docs_verify()
    now = api.clock.now().timestamp()
    assert verify(secret, got.headers["CC-Signature"], got.body, now=now)
    assert got.headers["CC-Signature"].startswith(f"t={int(now)},v1=")
    assert not verify(secret, got.headers["CC-Signature"], got.body + b" ", now=now)  # altered body
    assert not verify("whsec_other", got.headers["CC-Signature"], got.body, now=now)
    assert not verify(secret, got.headers["CC-Signature"], got.body, now=now + 301)  # replayed later
    body = got.json()
    assert body["type"] == "renewal.shared" and body["tenant"] == "acme"
    assert body["data"] == {
        "support_number": "SN-1",
        "emails": ["plain@acme.com"],
        "role": "PARTICIPANT",
        "shared_by": "tech@acme.com",
    }
    assert got.headers["CC-Event-Id"] == body["id"] and body["id"].startswith("evt_")
    assert got.headers["CC-Event-Type"] == "renewal.shared"
    assert got.headers["Content-Type"] == "application/json" and got.path == "/hooks"

    (logged,) = await deliveries(api)
    assert logged["status"] == "DELIVERED" and logged["attempts"] == 1 and logged["lastResponseCode"] == 200
    assert logged["eventId"] == body["id"] and logged["eventType"] == "SHARE_ADDED"
    assert logged["payload"] == body and logged["endpointUrl"] == receiver.url
    assert logged["nextAttemptAt"] is None and logged["deliveredAt"] is not None
    assert await deliver(api) == 0  # delivered once

    # The secret is stored encrypted and is in no audit entry.
    (sealed,) = await api.sql("select secret_sealed from webhook_endpoints")
    assert secret not in sealed[0] and secret[6:] not in sealed[0]
    audit = await api.sql("select detail from audit_log")
    assert audit and not any(secret[6:] in row[0] for row in audit)


async def test_a_down_receiver_is_retried_with_backoff_until_it_answers(wapi, receivers):
    api = wapi
    receiver = Receiver()  # its port is closed for now
    receivers.append(receiver)
    await create(api, receiver.url)
    await share(api)
    start = api.clock.now()

    assert await deliver(api) == 0
    (d,) = await deliveries(api)
    assert d["status"] == "PENDING" and d["attempts"] == 1 and d["lastResponseCode"] is None
    assert "ConnectError" in d["lastError"]
    assert d["nextAttemptAt"] == "2026-11-23T12:01:00+00:00"  # backoff 60 s after the first failure
    assert await deliver(api) == 0  # not due yet: no attempt
    assert (await deliveries(api))[0]["attempts"] == 1

    receiver.statuses = [500]
    receiver.start()
    api.clock.advance(seconds=60)
    assert await deliver(api) == 0
    (d,) = await deliveries(api)
    assert d["status"] == "PENDING" and d["attempts"] == 2 and d["lastResponseCode"] == 500
    assert d["lastError"] == "HTTP 500" and d["nextAttemptAt"] == "2026-11-23T12:03:00+00:00"  # then 120 s

    api.clock.advance(seconds=119)
    assert await deliver(api) == 0 and len(receiver.received) == 1  # one second early
    api.clock.advance(seconds=1)
    assert await deliver(api) == 1
    (d,) = await deliveries(api)
    assert d["status"] == "DELIVERED" and d["attempts"] == 3 and d["lastResponseCode"] == 200
    assert d["lastError"] is None
    first, second = receiver.received
    assert first.headers["CC-Event-Id"] == second.headers["CC-Event-Id"]  # one event, two attempts
    assert second.headers["CC-Signature"].startswith(f"t={int(start.timestamp()) + 180},")


async def test_after_the_last_attempt_it_fails_and_redelivery_sends_the_same_event(wapi, receiver: Receiver):
    api = wapi  # webhook_max_attempts = 4 in these tests
    made = await create(api, receiver.url)
    await share(api)
    before = (await api.client.get("/metrics")).text
    receiver.statuses = [503, 503, 503, 503]
    for wait in (0, 60, 120, 240):
        api.clock.advance(seconds=wait)
        assert await deliver(api) == 0
    (d,) = await deliveries(api)
    assert d["status"] == "FAILED" and d["attempts"] == 4 and d["lastResponseCode"] == 503
    assert d["nextAttemptAt"] is None
    api.clock.advance(days=1)
    assert await deliver(api) == 0 and len(receiver.received) == 4  # given up
    after = (await api.client.get("/metrics")).text

    def delta(outcome: str) -> float:
        key = (("event", "renewal.shared"), ("outcome", outcome))
        return samples(after, "cc_webhook_deliveries_total").get(key, 0) - samples(
            before, "cc_webhook_deliveries_total"
        ).get(key, 0)

    assert (delta("retry"), delta("gave_up"), delta("delivered")) == (3, 1, 0)
    assert samples(after, "cc_webhook_failed")[()] == 1 and samples(after, "cc_webhook_backlog")[()] == 0

    failed = (await api.ok(DELIVERIES, {"status": "FAILED"}, **ADMIN))["webhookDeliveries"]
    assert failed["totalCount"] == 1
    again = (await api.ok(REDELIVER, {"id": d["id"]}, **ADMIN))["redeliverWebhook"]
    assert again["eventId"] == d["eventId"] and again["status"] == "PENDING" and again["attempts"] == 0
    err = await api.error(REDELIVER, {"id": d["id"]}, **ADMIN)  # one waiting copy is enough
    assert (err["extensions"]["code"], err["extensions"]["reason"]) == ("CONFLICT", "WAITING")
    assert await deliver(api) == 1
    assert receiver.received[-1].headers["CC-Event-Id"] == d["eventId"]
    assert receiver.received[-1].body == receiver.received[0].body
    assert docs_verify()(
        made["secret"],
        receiver.received[-1].headers["CC-Signature"],
        receiver.received[-1].body,
        now=api.clock.now().timestamp(),
    )
    statuses = sorted(x["status"] for x in await deliveries(api))
    assert statuses == ["DELIVERED", "FAILED"]  # the original stays in the log as it ended


async def test_a_rolled_back_mutation_sends_nothing(wapi, receiver: Receiver):
    api = wapi
    await create(api, receiver.url)
    QUEUED_AT_VETO.clear()
    err = await api.error(SHARE, {"sn": "SN-1", "emails": [VETOED]}, as_="tech@acme.com")
    assert err["extensions"]["code"] == "CONFLICT"
    assert QUEUED_AT_VETO == [1]  # the plugin vetoed after the delivery was queued in the transaction
    assert await api.sql("select count(*) from webhook_deliveries") == [(0,)]
    assert await deliver(api) == 0 and receiver.received == []
    await share(api)  # the same mutation, not vetoed: one delivery
    assert await deliver(api) == 1 and len(receiver.received) == 1


async def test_a_tenant_never_receives_another_tenants_events(wapi, receivers):
    api = wapi
    acme_rx, globex_rx = Receiver().start(), Receiver().start()
    receivers.extend([acme_rx, globex_rx])
    acme = await create(api, acme_rx.url)
    globex = await create(api, globex_rx.url, as_="admin@globex.com")
    await share(api)  # in acme
    await share(api, "fin@globex.com", "SN-9", "tech@globex.com")  # in globex
    assert await deliver(api) == 2
    assert [r.json()["tenant"] for r in acme_rx.received] == ["acme"]
    assert [r.json()["data"]["support_number"] for r in globex_rx.received] == ["SN-9"]

    # Globex's admin sees and touches nothing of Acme's.
    listed = (await api.ok(ENDPOINTS, as_="admin@globex.com"))["webhookEndpoints"]
    assert [e["node"]["id"] for e in listed["edges"]] == [globex["endpoint"]["id"]]
    acme_id = acme["endpoint"]["id"]
    for query, variables in (
        (ENDPOINT, {"id": acme_id}),
        (UPDATE, {"id": acme_id, "changes": {"url": globex_rx.url}}),
        (DELETE, {"id": acme_id}),
        (ROTATE, {"id": acme_id}),
        (DELIVERIES, {"endpoint": acme_id}),
    ):
        assert await api.code(query, variables, as_="admin@globex.com") == "NOT_FOUND", query
    acme_delivery = (await deliveries(api))[0]["id"]
    assert await api.code(REDELIVER, {"id": acme_delivery}, as_="admin@globex.com") == "NOT_FOUND"
    assert [d["endpointUrl"] for d in await deliveries(api, as_="admin@globex.com")] == [globex_rx.url]
    assert (await api.ok(ENDPOINT, {"id": acme_id}, **ADMIN))["webhookEndpoint"]["url"] == acme_rx.url


async def test_who_may_manage_endpoints(wapi, receiver: Receiver):
    api = wapi
    for who in ({"as_": "tech@acme.com"}, {"as_": "fin@acme.com"}, {"as_": "plain@acme.com"}):
        assert await api.code(CREATE, {"input": {"url": receiver.url, "events": ["SHARE_ADDED"]}}, **who) == "FORBIDDEN"
        assert await api.code(ENDPOINTS, **who) == "FORBIDDEN"
        assert await api.code(DELIVERIES, **who) == "FORBIDDEN"
    support = {"as_": "bs@vendor.example", "staff": ["BILLING_SUPPORT"], "tenant": "acme"}
    assert await api.code(CREATE, {"input": {"url": receiver.url, "events": ["SHARE_ADDED"]}}, **support) == "FORBIDDEN"
    assert await api.sql("select count(*) from webhook_endpoints") == [(0,)]

    # An operator in the tenant (X-Tenant); the endpoint is the tenant's, its admin sees it.
    by_operator = await create(api, receiver.url, **OPERATOR, tenant="acme")
    assert by_operator["endpoint"]["createdBy"] == "op@vendor.example"
    listed = (await api.ok(ENDPOINTS, **ADMIN))["webhookEndpoints"]["edges"]
    assert [e["node"]["id"] for e in listed] == [by_operator["endpoint"]["id"]]
    assert await api.code(CREATE, {"input": {"url": receiver.url, "events": ["SHARE_ADDED"]}}, **OPERATOR) == (
        "BAD_USER_INPUT"  # staff must name the tenant
    )

    # A reseller's admin in its customer tenant, not in another reseller's.
    reseller = {"as_": "boss@alpha-resale.com", "tenant": "a-cust"}
    made = await create(api, receiver.url, **reseller)
    assert (await api.ok(ENDPOINT, {"id": made["endpoint"]["id"]}, **reseller))["webhookEndpoint"]["url"]
    assert await api.code(ENDPOINTS, as_="boss@alpha-resale.com", tenant="b-cust") == "FORBIDDEN"
    assert await api.code(ENDPOINTS, as_="tech@alpha-resale.com", tenant="a-cust") == "FORBIDDEN"
    # the endpoint belongs to the customer tenant: its events only
    rows = await api.sql("select t.key from webhook_endpoints e join tenants t on t.id = e.tenant_id order by e.id")
    assert [r[0] for r in rows] == ["acme", "a-cust"]


async def test_urls_are_validated_and_private_addresses_refused(wapi, receiver: Receiver):
    api = wapi
    for url, reason in (
        ("ftp://hooks.example.com/x", "SCHEME"),
        ("file:///etc/passwd", "SCHEME"),
        ("javascript:alert(1)", "SCHEME"),
        ("gopher://127.0.0.1:25/", "SCHEME"),
        ("https://user:pass@hooks.example.com/", "CREDENTIALS"),
        (f"http://u@127.0.0.1:{receiver.port}/", "CREDENTIALS"),
        ("http://169.254.169.254/latest/meta-data/", "PRIVATE_ADDRESS"),
        ("http://2852039166/", "PRIVATE_ADDRESS"),  # 169.254.169.254 written as one number
        ("http://10.1.2.3/", "PRIVATE_ADDRESS"),
        ("http://[::1]:8080/", "PRIVATE_ADDRESS"),  # loopback allowed for IPv4 only in these tests
        ("http://[::ffff:10.0.0.1]/", "PRIVATE_ADDRESS"),
        ("http://192.168.0.10/", "PRIVATE_ADDRESS"),
        ("https://hooks.example.com/a b", "INVALID"),
        ("https:///nohost", "INVALID"),
        ("https://hooks.example.com/#frag", "INVALID"),
        ("", "REQUIRED"),
        ("https://hooks.example.com/" + "a" * 2048, "TOO_LONG"),
    ):
        err = await api.error(CREATE, {"input": {"url": url, "events": ["SHARE_ADDED"]}}, **ADMIN)
        assert err["extensions"]["code"] == "BAD_USER_INPUT", url
        assert (err["extensions"]["field"], err["extensions"]["reason"]) == ("url", reason), url
    err = await api.error(CREATE, {"input": {"url": receiver.url, "events": []}}, **ADMIN)
    assert (err["extensions"]["field"], err["extensions"]["reason"]) == ("events", "REQUIRED")
    assert await api.sql("select count(*) from webhook_endpoints") == [(0,)]
    made = await create(api, "https://hooks.example.com/cc?x=1")
    assert made["endpoint"]["url"] == "https://hooks.example.com/cc?x=1"
    err = await api.error(UPDATE, {"id": made["endpoint"]["id"], "changes": {"url": "http://10.0.0.1/"}}, **ADMIN)
    assert err["extensions"]["reason"] == "PRIVATE_ADDRESS"


async def test_a_private_address_is_refused_again_at_delivery(wapi, receiver: Receiver):
    """The network allow-list changed after registration: the delivery checks the address again."""
    api = wapi
    await create(api, f"http://localhost:{receiver.port}/hooks")
    await share(api)
    assert await deliver(api) == 1  # a name: resolved, checked, connected to the checked address
    assert receiver.received[0].headers["Host"] == f"localhost:{receiver.port}"
    api.state.settings.webhook_allowed_networks = ""
    await share(api, "fin@acme.com")
    assert await deliver(api) == 0 and len(receiver.received) == 1
    d = (await deliveries(api))[0]
    assert d["status"] == "PENDING" and "no address webhooks may reach" in d["lastError"]


async def test_update_disable_rotate_and_delete(wapi, receiver: Receiver):
    api = wapi
    made = await create(api, receiver.url, ["SHARE_REVOKED"])
    endpoint_id = made["endpoint"]["id"]
    await share(api)  # renewal.shared: not subscribed
    assert await api.sql("select count(*) from webhook_deliveries") == [(0,)]

    changed = await api.ok(
        UPDATE, {"id": endpoint_id, "changes": {"events": ["SHARE_ADDED"], "description": "CRM"}}, **ADMIN
    )
    assert changed["updateWebhookEndpoint"]["events"] == ["SHARE_ADDED"]
    assert changed["updateWebhookEndpoint"]["description"] == "CRM"
    rotated = (await api.ok(ROTATE, {"id": endpoint_id}, **ADMIN))["rotateWebhookSecret"]
    assert rotated["secret"] != made["secret"]
    await share(api, "fin@acme.com")
    assert await deliver(api) == 1
    verify, got = docs_verify(), receiver.received[-1]
    now = api.clock.now().timestamp()
    assert verify(rotated["secret"], got.headers["CC-Signature"], got.body, now=now)
    assert not verify(made["secret"], got.headers["CC-Signature"], got.body, now=now)

    await api.ok(UPDATE, {"id": endpoint_id, "changes": {"enabled": False}}, **ADMIN)
    await share(api, "admin@acme.com")
    assert await api.sql("select count(*) from webhook_deliveries") == [(1,)]  # disabled: nothing queued
    (delivered,) = await deliveries(api)
    err = await api.error(REDELIVER, {"id": delivered["id"]}, **ADMIN)
    assert (err["extensions"]["code"], err["extensions"]["reason"]) == ("BAD_USER_INPUT", "DISABLED")

    assert (await api.ok(DELETE, {"id": endpoint_id}, **ADMIN))["deleteWebhookEndpoint"] == endpoint_id
    assert (await api.ok(ENDPOINTS, **ADMIN))["webhookEndpoints"]["totalCount"] == 0
    assert await api.sql("select count(*) from webhook_deliveries") == [(0,)]
    assert await api.code(ENDPOINT, {"id": endpoint_id}, **ADMIN) == "NOT_FOUND"


def _endpoint_reads(statements: list[str]) -> int:
    return sum("FROM webhook_endpoints" in s for s in statements)


async def test_the_endpoint_list_is_kept_across_requests_and_never_served_stale(wapi, receiver: Receiver):
    """Issue 21: a server keeps a tenant's endpoint list across requests (no statement for it per
    mutation), for the endpoint version the request read as it began; every change of the endpoints
    bumps that version in its own transaction — this server's mutations or another server's — so the
    first request after a change sees the change."""
    api = wapi
    endpoint_id = (await create(api, receiver.url, ["SHARE_ADDED"]))["endpoint"]["id"]

    async def share_counting(email: str) -> int:
        with api.count_statements() as st:
            await share(api, email)
        return _endpoint_reads(st)

    async def queued() -> int:
        return (await api.sql("select count(*) from webhook_deliveries"))[0][0]

    assert await share_counting("a1@acme.com") == 1  # read after the change, and kept
    assert await share_counting("a2@acme.com") == 0  # kept
    assert await queued() == 2
    await api.ok(UPDATE, {"id": endpoint_id, "changes": {"events": ["SHARE_REVOKED"]}}, **ADMIN)
    assert await share_counting("a3@acme.com") == 1 and await queued() == 2  # unsubscribed: nothing
    await api.ok(UPDATE, {"id": endpoint_id, "changes": {"events": ["SHARE_ADDED"]}}, **ADMIN)
    assert await share_counting("a4@acme.com") == 1 and await queued() == 3
    # Another server's change: the endpoint and the version in one transaction.
    await api.sql(
        "update webhook_endpoints set enabled = false where tenant_id = (select id from tenants where key = 'acme')"
    )
    await api.sql("update tenants set webhooks_version = webhooks_version + 1 where key = 'acme'")
    assert await share_counting("a5@acme.com") == 1 and await queued() == 3  # disabled: nothing
    await api.ok(UPDATE, {"id": endpoint_id, "changes": {"enabled": True}}, **ADMIN)
    second = (await create(api, receiver.url, ["SHARE_ADDED"]))["endpoint"]["id"]
    assert await share_counting("a6@acme.com") == 1 and await queued() == 5  # both endpoints
    assert await share_counting("a7@acme.com") == 0 and await queued() == 7
    await api.ok(DELETE, {"id": second}, **ADMIN)  # its 2 deliveries go with it
    assert await share_counting("a8@acme.com") == 1 and await queued() == 6
    assert await share_counting("a9@acme.com") == 0 and await queued() == 7


async def test_the_delivery_log_costs_the_same_statements_for_10_and_100(wapi, receiver: Receiver):
    api = wapi
    await create(api, receiver.url)
    await create(api, receiver.url)
    await share(api)
    for _ in range(60):  # 2 endpoints x 61 deliveries, copied in SQL
        await api.sql(
            "insert into webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, body, status, attempts,"
            " next_attempt_at, created_at) select tenant_id, endpoint_id, event_id, event_type, body, status,"
            " attempts, next_attempt_at, created_at from webhook_deliveries where id <= 2"
        )
    counts = []
    for first in (10, 100):
        with api.count_statements() as statements:
            data = await api.ok(DELIVERIES, {"first": first}, **ADMIN)
        assert len(data["webhookDeliveries"]["edges"]) == first
        counts.append(len(statements))
    assert counts[0] == counts[1]


ACCEPT = """mutation($sn: String!) { checkout(input: {supportNumbers: [$sn], paymentMethod: INVOICE,
  acceptTerms: true, acceptTssa: true}) { __typename } }"""


async def test_a_checkout_delivers_renewal_accepted(wapi, receiver: Receiver):
    """R-R4: the order's acceptance reaches an endpoint subscribed to RENEWAL_ACCEPTED, and only it."""
    api = wapi
    await create(api, receiver.url, ["RENEWAL_ACCEPTED"])
    shares = Receiver().start()
    try:
        await create(api, shares.url, ["SHARE_ADDED"])
        await api.ok(ACCEPT, {"sn": "SN-1"}, as_="tech@acme.com")
        assert await deliver(api) == 1
        (got,) = receiver.received
        body = got.json()
        assert body["type"] == "renewal.accepted" and body["tenant"] == "acme"
        assert body["data"]["support_number"] == "SN-1" and body["data"]["amount"] == "2400.00"
        assert body["data"]["currency"] == "USD" and body["data"]["payment_method"] == "INVOICE"
        assert shares.received == []
    finally:
        shares.stop()


async def test_a_down_endpoint_holds_back_only_its_own_deliveries(wapi, receiver: Receiver, receivers):
    api = wapi
    down = Receiver()  # never started: its port is closed
    receivers.append(down)
    await create(api, down.url)
    await create(api, receiver.url)
    await share(api)
    await share(api, "fin@acme.com")
    assert await deliver(api) == 2  # the healthy endpoint gets both events
    assert [r.json()["data"]["emails"] for r in receiver.received] == [["plain@acme.com"], ["fin@acme.com"]]
    tried = [d["attempts"] for d in await deliveries(api) if d["endpointUrl"] == down.url]
    assert sorted(tried) == [0, 1]  # after the first refused connection the second waits, untouched


QUEUE = """query($status: WebhookDeliveryStatus, $tenant: String) { workQueues {
  webhookDeliveries(status: $status, tenantKey: $tenant, first: 50) { totalCount edges { node {
    tenant { key } delivery { status eventType attempts endpointUrl } } } } } }"""


async def test_operators_see_the_backlog_of_every_tenant_resellers_of_their_customers(wapi, receivers):
    api = wapi
    down = Receiver()  # closed port: every delivery stays in the backlog
    receivers.append(down)
    await create(api, down.url)
    await create(api, down.url, as_="admin@globex.com")
    await create(api, down.url, as_="boss@alpha-resale.com", tenant="a-cust")
    await share(api)
    await share(api, "fin@globex.com", "SN-9", "tech@globex.com")
    await share(api, "fin@a-cust.com", "A-1", "tech@a-cust.com")
    await deliver(api)

    def tenants(data: dict) -> list[str]:
        return sorted(e["node"]["tenant"]["key"] for e in data["workQueues"]["webhookDeliveries"]["edges"])

    everything = await api.ok(QUEUE, **OPERATOR)
    assert tenants(everything) == ["a-cust", "acme", "globex"]
    node = everything["workQueues"]["webhookDeliveries"]["edges"][0]["node"]["delivery"]
    assert node["status"] == "PENDING" and node["eventType"] == "SHARE_ADDED" and node["endpointUrl"] == down.url
    assert tenants(await api.ok(QUEUE, {"tenant": "globex"}, **OPERATOR)) == ["globex"]
    assert tenants(await api.ok(QUEUE, {"status": "FAILED"}, **OPERATOR)) == []
    assert tenants(await api.ok(QUEUE, as_="boss@alpha-resale.com")) == ["a-cust"]  # its customers only
    assert tenants(await api.ok(QUEUE, {"tenant": "acme"}, as_="boss@alpha-resale.com")) == []
    assert await api.code(QUEUE, **ADMIN) == "FORBIDDEN"  # a customer's admin: its own log, not the queue


async def test_auto_renewal_invoice_and_dispute_events_are_delivered(wapi, receiver: Receiver):
    """R-R10 (the AutoRenew job), the invoice it issues, and R-I20 (billing support resolves a dispute)."""
    from tests.renewals.helpers import renewal

    api = wapi
    events = ["RENEWAL_ACCEPTED", "RENEWAL_AUTO_RENEWED", "INVOICE_ISSUED", "DISPUTE_RESOLVED"]
    await create(api, receiver.url, events)
    await api.load({"renewals": [renewal("AR-1", 30, autoRenew=True)]})
    assert await api.run_jobs("renewals.autorenew") == {"renewals.autorenew": 1}
    assert await deliver(api) == 3
    kinds = [r.json()["type"] for r in receiver.received]
    assert sorted(kinds) == ["invoice.created", "renewal.accepted", "renewal.auto_renewed"]
    by_type = {r.json()["type"]: r.json() for r in receiver.received}
    auto = by_type["renewal.auto_renewed"]["data"]
    assert auto["support_number"] == "AR-1" and auto["status"] == "AUTO_RENEWED"
    assert auto["order_number"] == by_type["renewal.accepted"]["data"]["order_number"]
    invoice = by_type["invoice.created"]["data"]
    assert invoice["source"] == "RENEWAL" and invoice["total"]

    opened = await api.ok(
        """mutation($n: String!) { openInvoiceDispute(invoiceNumber: $n, reason: "Wrong amount") { number } }""",
        {"n": invoice["number"]},
        as_="fin@acme.com",
    )
    number = opened["openInvoiceDispute"]["number"]
    await api.ok(
        """mutation($n: String!) { resolveInvoiceDispute(input: {disputeNumber: $n, outcome: REJECT}) { status } }""",
        {"n": number},
        as_="bs@vendor.example",
        staff=["BILLING_SUPPORT"],
        tenant="acme",
    )
    assert await deliver(api) == 1
    resolved = receiver.received[-1].json()
    assert resolved["type"] == "dispute.resolved"
    assert resolved["data"]["number"] == number and resolved["data"]["invoice_number"] == invoice["number"]
    assert resolved["data"]["status"] == "REJECTED" and resolved["data"]["rebill_invoice_number"] is None
    assert resolved["data"]["resolved_by"] == "bs@vendor.example"


NODE = """query($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url } ... on WebhookDelivery {
  eventId endpointUrl } } }"""


async def test_node_answers_endpoints_and_deliveries_as_their_typed_fields(wapi, receiver: Receiver):
    """node(id:) is the classic way around a typed field's checks: same answers as webhookEndpoint."""
    api = wapi
    endpoint_id = (await create(api, receiver.url))["endpoint"]["id"]
    await share(api)
    delivery = (await deliveries(api))[0]
    for global_id, field, value in (
        (endpoint_id, "url", receiver.url),
        (delivery["id"], "eventId", delivery["eventId"]),
    ):
        got = (await api.ok(NODE, {"id": global_id}, **ADMIN))["node"]
        assert got["id"] == global_id and got[field] == value
        assert (await api.ok(NODE, {"id": global_id}, **OPERATOR, tenant="acme"))["node"]["id"] == global_id
        assert await api.code(NODE, {"id": global_id}, as_="admin@globex.com") == "NOT_FOUND"
        assert await api.code(NODE, {"id": global_id}, as_="tech@acme.com") == "FORBIDDEN"
        assert await api.code(NODE, {"id": global_id}, as_="boss@alpha-resale.com", tenant="a-cust") == "NOT_FOUND"


async def test_a_jobs_rewards_deposit_is_delivered(wapi, receiver: Receiver):
    """R-W3: the month-end accrual job deposits rewards; its event goes out like a request's."""
    from datetime import date

    from tests.rewards.test_api import account, usage

    api = wapi
    await create(api, receiver.url, ["REWARDS_DEPOSITED"])
    globex = Receiver().start()
    try:
        await create(api, globex.url, ["REWARDS_DEPOSITED"], as_="admin@globex.com")
        await api.load({"rewardAccounts": [account("acme")], "cloudUsage": [usage("acme", "2026-10-15")]})
        api.clock.set(date(2026, 11, 1))
        await api.run_jobs("rewards.accrue")
        assert await deliver(api) == 1
        (got,) = receiver.received
        body = got.json()
        assert body["type"] == "rewards_deposit.created" and body["tenant"] == "acme"
        assert globex.received == []  # Globex deposited nothing
    finally:
        globex.stop()
