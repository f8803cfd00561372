"""Core tables: tenants, domains, plugins, people and their roles, tenant policy rows, outbox,
message center, job runs, idempotency records, the audit log and the dated exchange rates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, BigId, TenantOwned, tenant_fk


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="US")
    sector: Mapped[str] = mapped_column(String(32), default="COMMERCIAL")
    # The language of its people who chose none (core.i18n.SUPPORTED_LOCALES).
    default_locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    is_reseller: Mapped[bool] = mapped_column(Boolean, default=False)
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    # Bumped whenever the tenant's policy rows or enabled plugins change (cache key).
    config_version: Mapped[int] = mapped_column(default=1)
    # Bumped in the transaction of every change of its webhook endpoints: a server keeps the list
    # across requests while the version it read at the request's start is the one it kept it for.
    webhooks_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Browser origins of the tenant's own portal (a reseller's serves its customer tenants too):
    # CORS admits them for requests acting in this tenant (core/cors.py).
    portal_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]

    domains: Mapped[list[TenantDomain]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    plugins: Mapped[list[TenantPlugin]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def enabled_plugins(self) -> frozenset[str]:
        known = _known(self, "plugins", "_known_enabled_plugins")
        return known if known is not None else frozenset(p.plugin for p in self.plugins if p.enabled)

    @property
    def domain_names(self) -> frozenset[str]:
        """Its email domains (verified or not)."""
        known = _known(self, "domains", "_known_domain_names")
        return known if known is not None else frozenset(d.domain for d in self.domains)

    def know(self, domains: frozenset[str], enabled_plugins: frozenset[str]) -> None:
        """Read with the row (core/caller.py) instead of the collections: see :func:`_known`."""
        self._known_domain_names = domains
        self._known_enabled_plugins = enabled_plugins


def _known(obj: Base, collection: str, known: str) -> frozenset[str] | None:
    """What authentication read with ``obj``'s row for ``collection`` (the names only: every request
    pays for them, and building a collection's rows through the ORM cost most of a request's CPU),
    while the collection itself is not loaded. Once it is — a query that returns the row again loads
    it, as a change of it must — the collection answers, so a change in the request is seen at once,
    and the names are forgotten: were the collection expired later (a rollback), it is loaded again
    or refused, never answered from what authentication read. Kept on the instance: one request's
    session, never across requests."""
    state = obj.__dict__
    if collection in state:
        state.pop(known, None)
        return None
    return state.get(known)


class TenantDomain(Base):
    __tablename__ = "tenant_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)


class TenantPlugin(Base):
    __tablename__ = "tenant_plugins"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(TenantOwned, Base):
    """A user of the center. The email is the username (R-A2) and is unique across tenants.

    That uniqueness is the one key not scoped by tenant: a table distributed by tenant cannot enforce
    it, so under Citus ``people`` is a reference table (docs/scaling.md)."""

    __tablename__ = "people"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    # Their own language (core.i18n): NULL follows the tenant's default_locale.
    locale: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")  # INVITED | ACTIVE | REMOVED
    last_sign_in_at: Mapped[datetime | None]
    previous_sign_in_at: Mapped[datetime | None]
    # The ``iat`` of the token last seen: a newer token means a new sign-in.
    last_token_iat: Mapped[int | None]
    invited_by_email: Mapped[str | None] = mapped_column(String(254))
    # Epoch second of the person's last removal (R-A3): every token issued at or before it is refused,
    # also after an admin re-admits them. Wall-clock like a token's ``iat``, not the app clock.
    tokens_revoked_at: Mapped[int | None]
    created_at: Mapped[datetime]

    roles: Mapped[list[PersonRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def role_names(self) -> frozenset[str]:
        known = _known(self, "roles", "_known_role_names")
        return known if known is not None else frozenset(r.role for r in self.roles)

    def know(self, role_names: frozenset[str]) -> None:
        """Read with the row (core/caller.py) instead of the collection: see :func:`_known`."""
        self._known_role_names = role_names


class PersonRole(TenantOwned, Base):
    """A contact kind (FINANCE, TECHNICAL, EXECUTIVE, R-A1) or ADMIN held by a person in a tenant."""

    __tablename__ = "person_roles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "person_id", "role"),
        tenant_fk("person_id", "people", ondelete="CASCADE"),
    )

    person_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(String(32))


class PolicyRule(Base):
    """A tenant-specific Casbin row (``tenant_id`` NULL = a global row added by an operator)."""

    __tablename__ = "policy_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str] = mapped_column(String(128), default="")
    v1: Mapped[str] = mapped_column(String(128), default="")
    v2: Mapped[str] = mapped_column(String(128), default="")
    v3: Mapped[str] = mapped_column(String(128), default="")
    v4: Mapped[str] = mapped_column(String(128), default="")


class OutboxEmail(TenantOwned, Base):
    """An email written in the same transaction as the change that caused it."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    to_addr: Mapped[str] = mapped_column(String(254))
    cc: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Subject and body as messages to translate (core.i18n.LazyText.to_json): the email goes out in
    # each recipient's language, decided when it is sent. ``subject``/``body`` keep the English.
    content: Mapped[dict | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="PENDING")  # PENDING | SENT | FAILED
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Message(TenantOwned, Base):
    """A message-center entry shown to a person in the portal (R-R5)."""

    __tablename__ = "messages"

    person_email: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # As for an email: rendered in the reader's language when read; ``subject``/``body`` in English.
    content: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class JobRun(Base):
    """Marks that a job did a unit of work, so running it again does nothing (idempotent jobs)."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    unit_key: Mapped[str] = mapped_column(String(200))
    tenant_id: Mapped[int | None] = mapped_column(BigId, index=True)
    created_at: Mapped[datetime]


class JobSchedule(Base):
    """Per job: the last date it ran for, so the next run catches up every day since in order."""

    __tablename__ = "job_schedule"

    job: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_date: Mapped[date | None] = mapped_column(Date)
    last_run_at: Mapped[datetime | None]
    last_outcome: Mapped[str] = mapped_column(String(16), default="")  # OK | FAILED
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)


class IdempotencyRecord(TenantOwned, Base):
    """The first response to a money mutation, replayed for the same idempotency key sent by the
    same principal: keys are chosen by clients, so two people of a tenant may pick the same one."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("tenant_id", "principal", "scope", "key"),)

    principal: Mapped[str] = mapped_column(String(254))  # the caller's email (person or staff)
    scope: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """Who did what, in which tenant, when, and how it ended (every mutation)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(BigId, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class ObjectGrant(TenantOwned, Base):
    """A relation tuple: ``grantee_email`` holds ``role`` on one object (e.g. renewal 42 PARTICIPANT,
    billing_dashboard * BILLING_DASHBOARD). Written by the sharing plugin; any plugin joins on it for
    visibility and passes the role to the enforcer, without importing another plugin's models."""

    __tablename__ = "object_grants"
    __table_args__ = (
        UniqueConstraint("tenant_id", "object_type", "object_id", "grantee_email"),
        Index("ix_object_grants_grantee", "tenant_id", "grantee_email", "object_type"),
    )

    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    grantee_email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]


class PersistedQuery(Base):
    """A GraphQL document registered by its SHA-256 (automatic persisted queries, core/persisted.py):
    shared by every server process, so a portal's fixed queries can go by hash over GET."""

    __tablename__ = "persisted_queries"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebhookEndpoint(TenantOwned, Base):
    """Where a tenant's domain events are POSTed (docs/webhooks.md). The signing secret is kept
    encrypted (``core.webhooks.seal``): it must be readable to sign, so it cannot be hashed."""

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(300), default="")
    event_types: Mapped[list] = mapped_column(JSON)  # event names, e.g. ["renewal.accepted"]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    secret_rotated_at: Mapped[datetime]


class WebhookDelivery(TenantOwned, Base):
    """One event for one endpoint, written in the same transaction as the change that caused it;
    sent by ``core.webhooks.deliver_due`` with the email outbox's claim, retry and backoff rules."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        tenant_fk("endpoint_id", "webhook_endpoints", ondelete="CASCADE"),
    )

    endpoint_id: Mapped[int]
    event_id: Mapped[str] = mapped_column(String(40))  # the receiver's idempotency key
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON signed and sent
    status: Mapped[str] = mapped_column(String(16), default="PENDING")  # PENDING | SENDING | DELIVERED | FAILED
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    last_response_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class ExchangeRate(Base):
    """The dated rate table (R-T4): USD per unit of ``currency`` from ``valid_from`` until the next row
    of that currency. Vendor data, not a tenant's: filled by the ``exchangeRates`` import section and
    the staff mutation ``setExchangeRate``; read by ``core.exchange``."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date] = mapped_column(Date)
    usd_per_unit: Mapped[Decimal] = mapped_column(Numeric(24, 12))
    source: Mapped[str] = mapped_column(String(254))  # "import" or the staff member who set it
    recorded_at: Mapped[datetime]


class Counter(Base):
    """One maintained count of a tenant's rows (``name`` says which, e.g. ``invoicing.closed``)."""

    __tablename__ = "core_counters"

    # Not TenantOwned's indexed column: the primary key leads with it.
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigId, default=0)


_KNOWN_NAMES = {"roles": "_known_role_names", "domains": "_known_domain_names", "plugins": "_known_enabled_plugins"}


@event.listens_for(Person, "expire")
@event.listens_for(Tenant, "expire")
def _forget_known(target: Base, attrs: Iterable[str] | None) -> None:
    """A collection expired (a rollback, a refresh) is loaded again to be read: what authentication
    read of it no longer answers for it (:func:`_known`)."""
    for collection in _KNOWN_NAMES if attrs is None else set(attrs) & _KNOWN_NAMES.keys():
        target.__dict__.pop(_KNOWN_NAMES[collection], None)
