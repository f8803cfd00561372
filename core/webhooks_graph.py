"""The webhooks graph (docs/webhooks.md): endpoints, their delivery log, and the mutations that
manage them. Resolvers only translate: core/webhooks.py authorizes and applies every rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from core import webhooks as service
from core.context import Context
from core.ids import to_global_id
from core.models import WebhookDelivery, WebhookEndpoint
from core.nodes import Node, NodeLoader
from core.pagination import Connection, connection, connection_of


@strawberry.enum(description="Domain events an endpoint can subscribe to (docs/webhooks.md lists their payloads).")
class WebhookEventType(Enum):
    RENEWAL_ACCEPTED = strawberry.enum_value(
        "RENEWAL_ACCEPTED", description="`renewal.accepted`: an order accepted a renewal (checkout, AutoRenew)."
    )
    RENEWAL_AUTO_RENEWED = strawberry.enum_value(
        "RENEWAL_AUTO_RENEWED", description="`renewal.auto_renewed`: the AutoRenew job activated a renewal."
    )
    INVOICE_ISSUED = strawberry.enum_value("INVOICE_ISSUED", description="`invoice.created`: an invoice was issued.")
    PAYMENT_RECEIVED = strawberry.enum_value(
        "PAYMENT_RECEIVED", description="`payment.created`: a payment was recorded (see its `status`)."
    )
    DISPUTE_RESOLVED = strawberry.enum_value(
        "DISPUTE_RESOLVED", description="`dispute.resolved`: a dispute was rebilled, cancelled or rejected."
    )
    REWARDS_DEPOSITED = strawberry.enum_value(
        "REWARDS_DEPOSITED", description="`rewards_deposit.created`: rewards were deposited."
    )
    REWARDS_EXPIRED = strawberry.enum_value(
        "REWARDS_EXPIRED", description="`rewards_deposit.expired`: a deposit's remaining rewards expired."
    )
    SHARE_ADDED = strawberry.enum_value("SHARE_ADDED", description="`renewal.shared`: a renewal was shared.")
    SHARE_CHANGED = strawberry.enum_value(
        "SHARE_CHANGED", description="`renewal.share_changed`: a renewal share's role was changed."
    )
    SHARE_REVOKED = strawberry.enum_value(
        "SHARE_REVOKED", description="`renewal.unshared`: a renewal share was revoked."
    )


@strawberry.enum(description="Where a webhook delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting for its next attempt (see `nextAttemptAt`).")
    SENDING = strawberry.enum_value("SENDING", description="Being sent by the delivery job right now.")
    DELIVERED = strawberry.enum_value("DELIVERED", description="The endpoint answered with a 2xx status.")
    FAILED = strawberry.enum_value(
        "FAILED",
        description="Given up: the attempts ran out, or the endpoint was disabled. `redeliverWebhook` sends it again.",
    )


def _event(name: str) -> WebhookEventType:
    return WebhookEventType(service.EVENT_BY_NAME[name].key)


@strawberry.type(name="WebhookEndpoint", description="A URL the tenant's subscribed events are POSTed to, signed.")
class WebhookEndpointType(Node):
    url: str = strawberry.field(description="Where deliveries are POSTed (http or https).")
    description: str = strawberry.field(description="A note for the people who manage the endpoint.")
    events: list[WebhookEventType] = strawberry.field(description="The event types delivered to this endpoint.")
    enabled: bool = strawberry.field(description="A disabled endpoint receives nothing; its pending deliveries fail.")
    created_by: str = strawberry.field(description="Email of who registered the endpoint.")
    created_at: datetime = strawberry.field(description="When the endpoint was registered.")
    updated_at: datetime = strawberry.field(description="When the endpoint was last changed.")
    secret_rotated_at: datetime = strawberry.field(
        description="When the signing secret was last set; the secret itself is shown only when it is set."
    )

    @classmethod
    def of(cls, e: WebhookEndpoint) -> WebhookEndpointType:
        return cls(
            id=strawberry.ID(to_global_id("WebhookEndpoint", e.id)),
            url=e.url,
            description=e.description,
            events=[_event(n) for n in e.event_types if n in service.EVENT_BY_NAME],
            enabled=e.enabled,
            created_by=e.created_by,
            created_at=e.created_at,
            updated_at=e.updated_at,
            secret_rotated_at=e.secret_rotated_at,
        )


@strawberry.type(description="An endpoint with its new signing secret: the only time the secret is shown.")
class WebhookEndpointSecret:
    endpoint: WebhookEndpointType = strawberry.field(description="The endpoint the secret signs for.")
    secret: str = strawberry.field(
        description="The HMAC-SHA256 key of the `CC-Signature` header. Store it now: it is never shown again "
        "(rotate it to get a new one)."
    )


@strawberry.type(name="WebhookDelivery", description="One event sent (or to send) to one endpoint: the delivery log.")
class WebhookDeliveryType(Node):
    event_id: str = strawberry.field(
        description="The event's id (`CC-Event-Id`): the same for every endpoint, retry and redelivery of the event."
    )
    event_type: WebhookEventType = strawberry.field(description="The event's type (the body's `type`).")
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_response_code: int | None = strawberry.field(description="HTTP status of the last attempt's response.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next, while PENDING.")
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    delivered_at: datetime | None = strawberry.field(description="When the endpoint accepted it (a 2xx answer).")
    created_at: datetime = strawberry.field(description="When its event happened (the delivery was queued).")
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint's global id.")
    endpoint_url: str | None = strawberry.field(description="The endpoint's URL now (null once it was deleted).")
    payload: strawberry.scalars.JSON = strawberry.field(
        description="The JSON body sent (id, type, createdAt, tenant, data)."
    )

    @classmethod
    def of(cls, d: WebhookDelivery, endpoint: WebhookEndpoint | None) -> WebhookDeliveryType:
        return cls(
            id=strawberry.ID(to_global_id("WebhookDelivery", d.id)),
            event_id=d.event_id,
            event_type=_event(d.event_type),
            status=WebhookDeliveryStatus(d.status),
            attempts=d.attempts,
            last_response_code=d.last_response_code,
            last_error=d.last_error,
            next_attempt_at=d.next_attempt_at if d.status == "PENDING" else None,
            last_attempt_at=d.last_attempt_at,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
            endpoint_id=strawberry.ID(to_global_id("WebhookEndpoint", d.endpoint_id)),
            endpoint_url=endpoint.url if endpoint else None,
            payload=json.loads(d.body),
        )


@strawberry.input(description="A new webhook endpoint.")
class WebhookEndpointInput:
    url: str = strawberry.field(description="http(s) URL on a public address; no user name or password in it.")
    events: list[WebhookEventType] = strawberry.field(description="At least one event type.")
    enabled: bool = strawberry.field(default=True, description="Deliver from now on (or register it switched off).")
    description: str = strawberry.field(default="", description="A note for the people who manage the endpoint.")


@strawberry.input(description="Changes to a webhook endpoint; what is left out stays as it is.")
class WebhookEndpointChanges:
    url: str | None = strawberry.field(default=None, description="A new URL (checked as on registration).")
    events: list[WebhookEventType] | None = strawberry.field(default=None, description="The new event types.")
    enabled: bool | None = strawberry.field(default=None, description="Switch the endpoint on or off.")
    description: str | None = strawberry.field(default=None, description="A new note.")


def _keys(events: list[WebhookEventType] | None) -> list[str] | None:
    return None if events is None else [e.value for e in events]


async def _deliveries(ctx: Context, rows: list[WebhookDelivery]) -> list[WebhookDeliveryType]:
    endpoints = await service.endpoints_by_id(ctx, [d.endpoint_id for d in rows])
    return [WebhookDeliveryType.of(d, endpoints.get(d.endpoint_id)) for d in rows]


async def _endpoint_nodes(ctx: Context, pks: Sequence[int]) -> dict[int, WebhookEndpointType]:
    return {pk: WebhookEndpointType.of(e) for pk, e in (await service.endpoints_by_id(ctx, pks)).items()}


async def _delivery_nodes(ctx: Context, pks: Sequence[int]) -> dict[int, WebhookDeliveryType]:
    rows = await service.deliveries_by_id(ctx, pks)
    return {d.id: node for d, node in zip(rows, await _deliveries(ctx, rows), strict=True)}


WEBHOOK_NODES: dict[str, NodeLoader] = {"WebhookEndpoint": _endpoint_nodes, "WebhookDelivery": _delivery_nodes}
"""``node(id:)`` for endpoints and deliveries, authorized as ``webhookEndpoint`` and the delivery log."""

EndpointId = Annotated[strawberry.ID, strawberry.argument(description="A webhook endpoint's global id.")]
ADMINS = "Tenant admins, operators (X-Tenant) and the tenant's reseller admins."


@strawberry.type
class WebhookQuery:
    @strawberry.field(description=f"The tenant's webhook endpoints, oldest first. {ADMINS}")
    async def webhook_endpoints(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[WebhookEndpointType] | None:
        return connection_of(WebhookEndpointType.of, await service.endpoint_page(info.context, first, after))

    @strawberry.field(description=f"One webhook endpoint. {ADMINS}")
    async def webhook_endpoint(self, info: Info[Context, None], id: EndpointId) -> WebhookEndpointType | None:
        return WebhookEndpointType.of(await service.find_endpoint(info.context, id))

    @strawberry.field(description=f"The delivery log, newest first: of one endpoint, or of all the tenant's. {ADMINS}")
    async def webhook_deliveries(
        self,
        info: Info[Context, None],
        endpoint_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this endpoint's deliveries.")
        ] = None,
        status: Annotated[
            WebhookDeliveryStatus | None, strawberry.argument(description="Only deliveries in this status.")
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryType] | None:
        ctx = info.context
        rows, page, total, cursors = await service.delivery_page(
            ctx, endpoint_id, status.value if status else None, first, after
        )
        return connection(await _deliveries(ctx, rows), page, total, cursors)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description=f"Register a webhook endpoint; answers its signing secret, this once. {ADMINS}")
    async def create_webhook_endpoint(
        self, info: Info[Context, None], input: WebhookEndpointInput
    ) -> WebhookEndpointSecret:
        endpoint, secret = await service.create_endpoint(
            info.context, input.url, _keys(input.events) or [], input.enabled, input.description
        )
        return WebhookEndpointSecret(endpoint=WebhookEndpointType.of(endpoint), secret=secret)

    @strawberry.mutation(description=f"Change a webhook endpoint's URL, events, description or switch it. {ADMINS}")
    async def update_webhook_endpoint(
        self, info: Info[Context, None], id: EndpointId, changes: WebhookEndpointChanges
    ) -> WebhookEndpointType:
        endpoint = await service.update_endpoint(
            info.context,
            id,
            url=changes.url,
            events=_keys(changes.events),
            enabled=changes.enabled,
            description=changes.description,
        )
        return WebhookEndpointType.of(endpoint)

    @strawberry.mutation(description=f"Delete a webhook endpoint and its delivery log; answers its id. {ADMINS}")
    async def delete_webhook_endpoint(self, info: Info[Context, None], id: EndpointId) -> strawberry.ID:
        await service.delete_endpoint(info.context, id)
        return id

    @strawberry.mutation(
        description=f"Replace an endpoint's signing secret; answers the new one, this once. The old one stops "
        f"at once. {ADMINS}"
    )
    async def rotate_webhook_secret(self, info: Info[Context, None], id: EndpointId) -> WebhookEndpointSecret:
        endpoint, secret = await service.rotate_secret(info.context, id)
        return WebhookEndpointSecret(endpoint=WebhookEndpointType.of(endpoint), secret=secret)

    @strawberry.mutation(
        description=f"Send a delivery's event again now, as a new delivery with the same event id. {ADMINS}"
    )
    async def redeliver_webhook(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A delivery's id.")],
    ) -> WebhookDeliveryType:
        ctx = info.context
        delivery = await service.redeliver(ctx, id)
        return (await _deliveries(ctx, [delivery]))[0]
