"""Webhooks: a tenant's domain events POSTed, signed, to the endpoints it registers (docs/webhooks.md).

Why core and not a plugin: a webhook is a delivery channel for every plugin's events, like the email
outbox it shares its claim/retry rules with (core/outbox.py); it hooks into the one path every event
takes (``Context.emit``) rather than being one more ``cc_on_event`` listener that plugin order,
per-tenant switches and ``every_plugin`` events would each have to be reasoned about; and its
authorization (tenant admin, operator, reseller admin) is core's, not a module's.

- **Same transaction**: ``queue_event`` (called by ``Context.emit``) adds one ``WebhookDelivery``
  per subscribed, enabled endpoint of the event's tenant to the request's session: a rolled-back
  mutation leaves no delivery behind.
- **Delivery**: ``deliver_due`` (job ``webhooks.deliver``, ``customer-center jobs run``) claims due
  rows like the email outbox, POSTs each outside any transaction, and records the outcome: 2xx is
  DELIVERED; anything else is retried at ``now + backoff * 2**(attempts-1)``, FAILED after
  ``webhook_max_attempts``.
- **Signature** (Stripe-style): ``CC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
  "<t>.<body>" keyed by the endpoint's secret>``; ``CC-Event-Id`` is stable across retries and
  redeliveries so receivers drop duplicates.
- **SSRF policy**: only ``http``/``https``; no credentials in the URL; a target address that is not
  globally routable (loopback, private, link-local — cloud metadata —, shared, reserved, multicast)
  is refused at registration when the URL names it and again at every delivery after DNS
  resolution, where the connection is pinned to the checked address. ``webhook_allowed_networks``
  lists CIDRs allowed despite that (an internal tool's network, loopback in tests). Redirects are
  not followed and the environment's proxy settings are ignored.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import func, select, update

from core.errors import BadUserInput, Conflict, NotFound
from core.i18n import _
from core.ids import from_global_id
from core.metrics import record_webhook_delivery
from core.models import Tenant, WebhookDelivery, WebhookEndpoint
from core.outbox import claim, release_expired_claims, retry_at
from core.pagination import Page, keyset_page
from core.rls import EVERY_TENANT

if TYPE_CHECKING:
    from core.context import Context

log = logging.getLogger("customer_center.webhooks")

OBJECT = "webhook"  # the Casbin object: ``p, ADMIN, *, webhook, manage`` (policies/core.csv)
SIGNATURE_HEADER = "CC-Signature"
EVENT_ID_HEADER = "CC-Event-Id"
EVENT_TYPE_HEADER = "CC-Event-Type"
DELIVERY_ID_HEADER = "CC-Delivery-Id"
SECRET_PREFIX = "whsec_"
MAX_URL_CHARS = 2048
MAX_DESCRIPTION_CHARS = 300
MAX_ENDPOINTS_PER_TENANT = 20
MAX_ERROR_CHARS = 500
STATUSES = ("PENDING", "SENDING", "DELIVERED", "FAILED")
# The ``outcome`` label of cc_webhook_deliveries_total for an attempt that left a delivery in a status.
OUTCOMES = {"DELIVERED": "delivered", "PENDING": "retry", "FAILED": "gave_up"}


# ------------------------------------------------------------------------------------ events
@dataclass(frozen=True)
class WebhookEvent:
    key: str  # the GraphQL enum value
    name: str  # the domain event emitted through ``Context.emit``
    description: str


EVENTS: tuple[WebhookEvent, ...] = (
    WebhookEvent("RENEWAL_ACCEPTED", "renewal.accepted", "An order accepted a renewal (R-R4, R-R12, R-R10)."),
    WebhookEvent("RENEWAL_AUTO_RENEWED", "renewal.auto_renewed", "The AutoRenew job activated a renewal (R-R10)."),
    WebhookEvent("INVOICE_ISSUED", "invoice.created", "An invoice was issued."),
    WebhookEvent("PAYMENT_RECEIVED", "payment.created", "A payment was recorded (card, wire notice, receipt)."),
    WebhookEvent("DISPUTE_RESOLVED", "dispute.resolved", "A dispute was rebilled, cancelled or rejected (R-I20)."),
    WebhookEvent("REWARDS_DEPOSITED", "rewards_deposit.created", "Rewards were deposited (R-W3)."),
    WebhookEvent("REWARDS_EXPIRED", "rewards_deposit.expired", "A deposit's remaining rewards expired (R-W5)."),
    WebhookEvent("SHARE_ADDED", "renewal.shared", "A renewal was shared with colleagues (R-S1)."),
    WebhookEvent("SHARE_CHANGED", "renewal.share_changed", "A renewal share's role was changed."),
    WebhookEvent("SHARE_REVOKED", "renewal.unshared", "A renewal share was revoked."),
)
"""The subscribable events: the public ones a portal or integration acts on. Each name is declared by
its module (``api.EVENTS``, core/events.py) with its payload; imports' ``*.imported`` events are not
offered (an import is the vendor's data load, not a change in the customer's account)."""
EVENT_BY_NAME = {e.name: e for e in EVENTS}
EVENT_BY_KEY = {e.key: e for e in EVENTS}


# ----------------------------------------------------------------------------- URL policy
def allowed_networks(settings: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return _networks(settings.webhook_allowed_networks)


@lru_cache(maxsize=16)
def _networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def address_allowed(address: str, settings: Any) -> bool:
    """A target address is allowed when it is globally routable or inside an allowed network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    if any(ip in net for net in allowed_networks(settings)):
        return True
    return ip.is_global and not ip.is_multicast


def _literal_address(host: str) -> str | None:
    """The address a host names literally, also in the legacy forms resolvers accept
    (``2130706433``, ``0x7f.1``, ``127.1``), or None for a name."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url(url: object, settings: Any) -> str:
    """The endpoint URL as stored, or BAD_USER_INPUT (field ``url``) saying what is refused."""

    def refuse(reason: str, message: str) -> BadUserInput:
        return BadUserInput(message, field="url", reason=reason)

    if not isinstance(url, str) or not url.strip():
        raise refuse("REQUIRED", "Give the endpoint's URL")
    text = url.strip()
    if len(text) > MAX_URL_CHARS:
        raise refuse("TOO_LONG", f"The URL is longer than {MAX_URL_CHARS} characters")
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise refuse("INVALID", "The URL contains spaces or control characters")
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise refuse("INVALID", "Not a valid URL") from exc
    if parsed.scheme not in ("http", "https"):
        raise refuse("SCHEME", "Only http and https URLs can receive webhooks")
    if parsed.userinfo:
        raise refuse("CREDENTIALS", "Put no user name or password in the URL; verify the signature instead")
    if not parsed.host:
        raise refuse("INVALID", "The URL has no host")
    if parsed.fragment:
        raise refuse("INVALID", "The URL may not have a #fragment")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise refuse("INVALID", "The URL's port is not between 1 and 65535")
    host = parsed.host.rstrip(".").lower()
    literal = _literal_address(host)
    if host == "localhost" or host.endswith(".localhost"):
        literal = literal or "127.0.0.1"
    if literal is not None and not address_allowed(literal, settings):
        raise refuse(
            "PRIVATE_ADDRESS",
            "The URL points to a private, loopback or link-local address; webhooks go to public addresses "
            "(an operator may allow a network with CC_WEBHOOK_ALLOWED_NETWORKS)",
        )
    return str(parsed)


def check_events(keys: Sequence[str]) -> list[str]:
    """Event names for the enum values ``keys`` (at least one, each once, in catalogue order)."""
    wanted = set(keys)
    unknown = sorted(wanted - set(EVENT_BY_KEY))
    if unknown:
        raise BadUserInput(_("Unknown event types {unknown}", unknown=unknown), field="events", reason="UNKNOWN")
    if not wanted:
        raise BadUserInput(_("Subscribe the endpoint to at least one event type"), field="events", reason="REQUIRED")
    return [e.name for e in EVENTS if e.key in wanted]


def check_description(text: str | None) -> str:
    value = (text or "").strip()
    if len(value) > MAX_DESCRIPTION_CHARS:
        raise BadUserInput(
            _(
                "The description is longer than {MAX_DESCRIPTION_CHARS} characters",
                MAX_DESCRIPTION_CHARS=MAX_DESCRIPTION_CHARS,
            ),
            field="description",
            reason="TOO_LONG",
        )
    return value


# ---------------------------------------------------------------------------------- secrets
def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@lru_cache(maxsize=8)
def _sealer(keys: str, fallback: str) -> MultiFernet:
    material = [k.strip() for k in keys.split(",") if k.strip()] or [fallback]
    # Any text is a key: hashed to Fernet's 32 bytes (a deployment sets long random keys).
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"cc-webhooks:{k}".encode()).digest())) for k in material]
    )


def _keys(settings: Any) -> MultiFernet:
    # Without keys of its own, the link secret: ``serve`` refuses a public host while it is the
    # published development one (core.cli.serving_refusals), unlike the JWT secret under RS256.
    return _sealer(settings.webhook_secrets_keys, settings.link_secret)


def seal(settings: Any, secret: str) -> str:
    """The secret encrypted (and authenticated) for storage: a database dump alone cannot sign."""
    return _keys(settings).encrypt(secret.encode()).decode()


def unseal(settings: Any, sealed: str) -> str:
    return _keys(settings).decrypt(sealed.encode()).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``CC-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


# --------------------------------------------------------------------------------- service
def _authorize(ctx: Context) -> int:
    """Tenant admins, operators (X-Tenant) and a reseller's admins in its customer tenants."""
    tenant = ctx.require_tenant()
    ctx.require(OBJECT, "manage")
    return tenant.id


def _cache_key(tenant_id: int) -> tuple[str, int]:
    return ("webhook_endpoints", tenant_id)


# session.info: the session changed its tenant's endpoints (its list is not everyone's yet).
_CHANGED = "webhooks.endpoints_changed"


async def _endpoints_changed(ctx: Context, tenant_id: int) -> None:
    """In the change's transaction: the tenant's endpoint version moves on, so no server serves the
    list it kept from before (``queue_event``); this session's own list is read again."""
    await ctx.session.execute(
        update(Tenant).where(Tenant.id == tenant_id).values(webhooks_version=Tenant.webhooks_version + 1)
    )
    ctx.session.info.pop(_cache_key(tenant_id), None)
    ctx.session.info[_CHANGED] = True


def _kept_version(ctx: Context) -> int | None:
    """The endpoint version this request may use a server-wide list for: the tenant's as the request
    read it when it began (authentication loads the tenant row), so a change committed before the
    request began is always seen. None — read the endpoints — outside a request (a job's session
    keeps its tenant row across many transactions) or once this session changed them."""
    if ctx.request is None or ctx.tenant is None or ctx.tenant.id != ctx.tenant_id or _CHANGED in ctx.session.info:
        return None
    return ctx.tenant.webhooks_version


async def _endpoint(ctx: Context, endpoint_id: str) -> WebhookEndpoint:
    tenant_id = _authorize(ctx)
    pk = from_global_id(endpoint_id, "WebhookEndpoint")
    found = (
        await ctx.session.execute(
            select(WebhookEndpoint).where(WebhookEndpoint.id == pk, WebhookEndpoint.tenant_id == tenant_id)
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(_("No such webhook endpoint in this tenant"), field="id")
    return found


async def endpoint_page(ctx: Context, first: int | None, after: str | None) -> Page:
    tenant_id = _authorize(ctx)
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id)
    return await keyset_page(ctx.session, stmt, [(WebhookEndpoint.id, False)], first=first, after=after)


async def find_endpoint(ctx: Context, endpoint_id: str) -> WebhookEndpoint:
    return await _endpoint(ctx, endpoint_id)


async def create_endpoint(
    ctx: Context, url: str, events: Sequence[str], enabled: bool, description: str | None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (shown to the caller this once)."""
    tenant_id = _authorize(ctx)
    settings = ctx.state.settings
    clean_url, names, text = check_url(url, settings), check_events(events), check_description(description)
    count = (
        await ctx.session.execute(
            select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id)
        )
    ).scalar_one()
    if count >= MAX_ENDPOINTS_PER_TENANT:
        raise BadUserInput(
            _(
                "A tenant has at most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints; delete one first",
                MAX_ENDPOINTS_PER_TENANT=MAX_ENDPOINTS_PER_TENANT,
            ),
            reason="LIMIT",
        )
    secret, now = new_secret(), ctx.now()
    endpoint = WebhookEndpoint(
        tenant_id=tenant_id,
        url=clean_url,
        description=text,
        event_types=names,
        enabled=enabled,
        secret_sealed=seal(settings, secret),
        created_by=ctx.principal.email,
        created_at=now,
        updated_at=now,
        secret_rotated_at=now,
    )
    ctx.session.add(endpoint)
    await ctx.session.flush()
    await _endpoints_changed(ctx, tenant_id)
    return endpoint, secret


async def update_endpoint(
    ctx: Context,
    endpoint_id: str,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    enabled: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    endpoint = await _endpoint(ctx, endpoint_id)
    if url is not None:
        endpoint.url = check_url(url, ctx.state.settings)
    if events is not None:
        endpoint.event_types = check_events(events)
    if enabled is not None:
        endpoint.enabled = enabled
    if description is not None:
        endpoint.description = check_description(description)
    endpoint.updated_at = ctx.now()
    await ctx.session.flush()
    await _endpoints_changed(ctx, endpoint.tenant_id)
    return endpoint


async def delete_endpoint(ctx: Context, endpoint_id: str) -> None:
    """The endpoint and its delivery log go; deliveries not yet sent are never sent."""
    endpoint = await _endpoint(ctx, endpoint_id)
    await ctx.session.delete(endpoint)
    await ctx.session.flush()
    await _endpoints_changed(ctx, endpoint.tenant_id)


async def rotate_secret(ctx: Context, endpoint_id: str) -> tuple[WebhookEndpoint, str]:
    """A new secret at once: deliveries from now on (retries included) are signed with it."""
    endpoint = await _endpoint(ctx, endpoint_id)
    secret = new_secret()
    endpoint.secret_sealed = seal(ctx.state.settings, secret)
    endpoint.secret_rotated_at = endpoint.updated_at = ctx.now()
    await ctx.session.flush()
    return endpoint, secret


async def delivery_page(
    ctx: Context, endpoint_id: str | None, status: str | None, first: int | None, after: str | None
) -> Page:
    """The delivery log, newest first, of one endpoint or of all the tenant's."""
    tenant_id = _authorize(ctx)
    stmt = select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant_id)
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == (await _endpoint(ctx, endpoint_id)).id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return await keyset_page(ctx.session, stmt, [(WebhookDelivery.id, True)], first=first, after=after)


async def redeliver(ctx: Context, delivery_id: str) -> WebhookDelivery:
    """Send a delivery's event again, now, as a new delivery with the same event id and body (the
    receiver's idempotency key stays the same); the original stays in the log as it ended."""
    tenant_id = _authorize(ctx)
    pk = from_global_id(delivery_id, "WebhookDelivery")
    row = (
        await ctx.session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == pk, WebhookDelivery.tenant_id == tenant_id)
        )
    ).first()
    if row is None:
        raise NotFound(_("No such webhook delivery in this tenant"), field="id")
    original, endpoint = row
    if not endpoint.enabled:
        raise BadUserInput(_("The endpoint is disabled; enable it to redeliver"), field="id", reason="DISABLED")
    waiting = await ctx.session.execute(
        select(WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.event_id == original.event_id,
            WebhookDelivery.status.in_(("PENDING", "SENDING")),
        )
    )
    if waiting.first() is not None:
        # One waiting copy per event and endpoint: redelivering again would only pile up rows.
        raise Conflict(_("This event is already waiting to be delivered to the endpoint"), field="id", reason="WAITING")
    now = ctx.now()
    again = WebhookDelivery(
        tenant_id=tenant_id,
        endpoint_id=endpoint.id,
        event_id=original.event_id,
        event_type=original.event_type,
        body=original.body,
        status="PENDING",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    ctx.session.add(again)
    await ctx.session.flush()
    return again


async def deliveries_by_id(ctx: Context, ids: Sequence[int]) -> list[WebhookDelivery]:
    """The tenant's deliveries among ``ids`` (``node(id:)``), authorized as the delivery log."""
    tenant_id = _authorize(ctx)
    rows = await ctx.session.execute(
        select(WebhookDelivery).where(WebhookDelivery.id.in_(set(ids)), WebhookDelivery.tenant_id == tenant_id)
    )
    return list(rows.scalars())


async def endpoints_by_id(ctx: Context, ids: Sequence[int]) -> dict[int, WebhookEndpoint]:
    """The tenant's endpoints of a page of deliveries, in one statement."""
    tenant_id = _authorize(ctx)
    if not ids:
        return {}
    rows = await ctx.session.execute(
        select(WebhookEndpoint).where(WebhookEndpoint.id.in_(set(ids)), WebhookEndpoint.tenant_id == tenant_id)
    )
    return {e.id: e for e in rows.scalars()}


WEBHOOKS_QUEUE = "webhooks"  # the staff work queue (core.queues): p, OPERATOR, *, queue, webhooks
BACKLOG = ("PENDING", "SENDING", "FAILED")


async def queue_page(
    ctx: Context, *, status: str | None, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Deliveries not delivered yet or given up on, across the caller's queue scope (operators:
    every tenant, or the one named; a reseller's admins: their customer tenants), due soonest first."""
    from core.queues import queue_scope

    scope = queue_scope(ctx)
    scope.require(WEBHOOKS_QUEUE)
    statuses = BACKLOG if status is None else (status,)
    if not set(statuses) <= set(BACKLOG):
        raise BadUserInput(_("status must be one of {names}", names=", ".join(BACKLOG)), field="status")
    stmt = (
        select(WebhookDelivery).where(WebhookDelivery.status.in_(statuses)).execution_options(skip_tenant_filter=True)
    )
    if tenant_key is not None or scope.tenant_id is not None or scope.reseller_id is not None:
        stmt = stmt.where(scope.where(WebhookDelivery.tenant_id, None, tenant_key))
    return await keyset_page(
        ctx.session,
        stmt,
        [(WebhookDelivery.next_attempt_at, False), (WebhookDelivery.id, False)],
        first=first,
        after=after,
    )


async def queue_endpoints(ctx: Context, deliveries: Sequence[WebhookDelivery]) -> dict[int, WebhookEndpoint]:
    """The endpoints of a queue page (already scoped), in one statement, each with its delivery's tenant."""
    pairs = {(d.endpoint_id, d.tenant_id) for d in deliveries}
    if not pairs:
        return {}
    rows = await ctx.session.execute(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_({e for e, _ in pairs}))
        .execution_options(skip_tenant_filter=True)
    )
    return {e.id: e for e in rows.scalars() if (e.id, e.tenant_id) in pairs}


# ------------------------------------------------------------------------------ the outbox
async def queue_event(ctx: Context, event: str, payload: dict[str, Any]) -> int:
    """Add a delivery of ``event`` for each enabled endpoint of the event's tenant subscribed to it,
    in the caller's transaction. Returns how many were queued."""
    tenant_id = ctx.tenant_id
    if event not in EVENT_BY_NAME or tenant_id is None:
        return 0
    key, transaction = _cache_key(tenant_id), ctx.session.get_transaction()
    cached = ctx.session.info.get(key)
    version, kept = _kept_version(ctx), ctx.state.extra.get(key)
    if cached is not None and cached[0] is transaction:
        endpoints = cached[1]
    elif version is not None and kept is not None and kept[0] == version:
        endpoints = kept[1]  # the server's list, for the version this request began with
    else:
        # Loaded once per transaction (a checkout emits an event per renewal; a job's session may
        # run many transactions); the endpoint mutations drop it. Ids and subscriptions only. Read
        # after the request's version was, so it is at least that version's list: kept for it.
        rows = await ctx.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
                WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.enabled.is_(True)
            )
        )
        endpoints = [(i, frozenset(types or ())) for i, types in rows]
        if version is not None and (kept is None or version >= kept[0]):
            ctx.state.extra[key] = (version, endpoints)
    ctx.session.info[key] = (transaction, endpoints)
    targets = [i for i, types in endpoints if event in types]
    if not targets:
        return 0
    now = ctx.now()
    event_id = "evt_" + uuid.uuid4().hex
    body = json.dumps(
        {
            "id": event_id,
            "type": event,
            "createdAt": now.isoformat().replace("+00:00", "Z"),
            "tenant": ctx.tenant.key if ctx.tenant else None,
            "data": payload,
        },
        default=str,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    for endpoint_id in targets:
        ctx.session.add(
            WebhookDelivery(
                tenant_id=tenant_id,
                endpoint_id=endpoint_id,
                event_id=event_id,
                event_type=event,
                body=body,
                status="PENDING",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(targets)


class DeliveryRefused(Exception):
    """The target cannot be sent to (policy, DNS): an attempt that failed before any request."""


async def _pinned_request(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes, settings: Any
) -> httpx.Response:
    """POST to the address checked against the SSRF policy, not to whatever the name resolves to
    when the connection opens (DNS rebinding): the URL's host becomes the checked address, the Host
    header and TLS server name stay the endpoint's."""
    target = httpx.URL(url)
    host, port = target.host, target.port or (443 if target.scheme == "https" else 80)
    literal = _literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise DeliveryRefused(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    # Only a checked address is ever connected to, so a name that also resolves to a private
    # address is sent to one of its allowed addresses; with none, the attempt fails.
    usable = [a for a in addresses if address_allowed(a, settings)]
    if not usable:
        raise DeliveryRefused(f"{host} resolves to no address webhooks may reach ({', '.join(addresses)})")
    extensions = {"sni_hostname": host} if literal is None and target.scheme == "https" else {}
    request = client.build_request(
        "POST",
        target.copy_with(host=usable[0]),
        content=body,
        headers={**headers, "Host": target.netloc.decode("ascii")},
        extensions=extensions,
    )
    # Only the status matters: the body is never read, so an endpoint cannot make the job hold a
    # response of any size in memory.
    response = await client.send(request, stream=True)
    await response.aclose()
    return response


async def _record(state: Any, delivery_id: int, code: int | None, error: str | None, *, permanent: bool = False) -> str:
    """Record an attempt's outcome; returns the delivery's status after it."""
    settings, now = state.settings, state.clock.now()
    async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        d = (await session.execute(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))).scalar_one()
        d.attempts += 1
        d.last_attempt_at = now
        d.last_response_code = code
        if error is None:
            d.status, d.delivered_at, d.last_error = "DELIVERED", now, None
        else:
            d.last_error = error[:MAX_ERROR_CHARS]
            d.status = "FAILED" if permanent or d.attempts >= settings.webhook_max_attempts else "PENDING"
            d.next_attempt_at = retry_at(now, settings.webhook_backoff_seconds, d.attempts)
            log.warning("webhook delivery %s not delivered (attempt %s): %s", d.id, d.attempts, d.last_error)
        status, event = d.status, d.event_type
    record_webhook_delivery(event, OUTCOMES[status])
    return status


async def _target(state: Any, delivery: WebhookDelivery) -> WebhookEndpoint | None:
    """The delivery's endpoint, read with both its id and the delivery's tenant: a row can only
    ever go to an endpoint of the tenant whose event it carries."""
    async with state.sessionmaker(info=EVERY_TENANT) as session:
        return (
            await session.execute(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.id == delivery.endpoint_id, WebhookEndpoint.tenant_id == delivery.tenant_id
                )
            )
        ).scalar_one_or_none()


@dataclass(frozen=True)
class Attempt:
    status: str  # the delivery's status after the attempt
    reached: bool  # the endpoint answered (any HTTP status); False: refused, unreachable, timed out


async def deliver_one(state: Any, client: httpx.AsyncClient, delivery: WebhookDelivery) -> Attempt:
    settings = state.settings
    endpoint = await _target(state, delivery)
    if endpoint is None or not endpoint.enabled:
        return Attempt(await _record(state, delivery.id, None, "endpoint disabled or deleted", permanent=True), True)
    try:
        secret = unseal(settings, endpoint.secret_sealed)
    except InvalidToken:
        # The secrets key changed without keeping the old one: rotate the endpoint's secret.
        return Attempt(
            await _record(state, delivery.id, None, "endpoint secret unreadable; rotate it", permanent=True), True
        )
    body = delivery.body.encode()
    timestamp = int(state.clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CustomerCenter-Webhooks/1",
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        EVENT_ID_HEADER: delivery.event_id,
        EVENT_TYPE_HEADER: delivery.event_type,
        DELIVERY_ID_HEADER: str(delivery.id),
    }
    try:
        response = await _pinned_request(client, endpoint.url, headers, body, settings)
    except DeliveryRefused as exc:
        return Attempt(await _record(state, delivery.id, None, str(exc)), False)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Attempt(await _record(state, delivery.id, None, error), False)
    code = response.status_code
    return Attempt(await _record(state, delivery.id, code, None if 200 <= code < 300 else f"HTTP {code}"), True)


async def _deliver_endpoint(state: Any, client: httpx.AsyncClient, ids: list[int]) -> int:
    """One endpoint's due deliveries, in the order their events happened. Once the endpoint cannot
    be reached the rest wait, untouched, for the next run (no attempts burnt on a host that is down)."""
    delivered = 0
    for delivery_id in ids:
        delivery = await claim(state, WebhookDelivery, delivery_id)
        if delivery is None:
            continue
        attempt = await deliver_one(state, client, delivery)
        delivered += attempt.status == "DELIVERED"
        if not attempt.reached:
            break
    return delivered


async def deliver_due(state: Any, *, limit: int = 200) -> int:
    """Send due deliveries; returns how many were delivered. Endpoints are served side by side
    (``webhook_concurrency`` at a time), so a slow or hanging endpoint delays only its own."""
    await release_expired_claims(state, WebhookDelivery)
    async with state.sessionmaker(info=EVERY_TENANT) as session:
        rows = await session.execute(
            select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.status == "PENDING", WebhookDelivery.next_attempt_at <= state.clock.now())
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
        by_endpoint: dict[int, list[int]] = {}
        for delivery_id, endpoint_id in rows:
            by_endpoint.setdefault(endpoint_id, []).append(delivery_id)
    if not by_endpoint:
        return 0
    gate = asyncio.Semaphore(max(1, state.settings.webhook_concurrency))
    timeout = httpx.Timeout(state.settings.webhook_timeout_seconds)
    # trust_env=False: an HTTP(S)_PROXY in the environment would connect by name, past the pinning.
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False, verify=True) as client:

        async def serve(ids: list[int]) -> int:
            async with gate:
                return await _deliver_endpoint(state, client, ids)

        done = await asyncio.gather(*(serve(ids) for ids in by_endpoint.values()))
    return sum(done)


async def delivery_counts(state: Any) -> dict[str, int]:
    """Deliveries per status and the due backlog, across tenants (for metrics and operators)."""
    async with state.sessionmaker(info=EVERY_TENANT) as session:
        rows = await session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status))
        counts = {status: 0 for status in STATUSES} | {s: int(n) for s, n in rows}
        due = await session.execute(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == "PENDING", WebhookDelivery.next_attempt_at <= state.clock.now())
        )
        counts["due"] = int(due.scalar_one())
    return counts
