"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from core.auth import Principal
from core.authz import RequestAuthz
from core.i18n import DEFAULT_LOCALE
from core.models import Message, OutboxEmail, Person, Tenant

if TYPE_CHECKING:
    from core.app import AppState


@dataclass
class Context:
    state: AppState
    session: AsyncSession
    principal: Principal
    authz: RequestAuthz
    tenant: Tenant | None
    enabled_plugins: frozenset[str]
    request: Any = None
    # The caller's own row when a person acts in their own tenant (loaded by authentication).
    person: Person | None = None
    # The reader's locale for this request (core.i18n.request_locale): error messages, CSV headers.
    locale: str = DEFAULT_LOCALE
    # Tenants a staff or reseller caller acted in from a work queue (core.queues.acting_in): audited there.
    acted_in: set[int] = field(default_factory=set)
    _loaders: dict[Any, DataLoader] = field(default_factory=dict)  # by name, or by core.loaders.Loader class
    _despite_rollback: list[tuple[int | None, Callable[[AsyncSession], Awaitable[None]]]] = field(default_factory=list)

    # -- time -------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.state.clock.now()

    def today(self) -> date:
        return self.state.clock.today()

    @property
    def tenant_id(self) -> int | None:
        return self.tenant.id if self.tenant else None

    def require_tenant(self) -> Tenant:
        from core.errors import BadUserInput

        if self.tenant is None:
            raise BadUserInput("Choose a tenant first (X-Tenant header) for this operation")
        return self.tenant

    # -- authorization shortcuts ------------------------------------------------------------
    def require(self, obj: str, act: str, extra_roles: Iterable[str] = ()) -> None:
        self.authz.require(obj, act, extra_roles)

    def allowed(self, obj: str, act: str, extra_roles: Iterable[str] = ()) -> bool:
        return self.authz.allowed(obj, act, extra_roles)

    # -- writes that outlive a failed request ------------------------------------------------
    def record_despite_rollback(self, write: Callable[[AsyncSession], Awaitable[None]]) -> None:
        """Keep ``write`` whatever becomes of the request: a failed request changes nothing, yet a
        wrong secret must still count towards a lockout. ``write(session)`` runs once the request's
        transaction has ended, in a transaction of its own on a session bound to this tenant."""
        # The tenant's id is read now: after the rollback its row is expired and reading it would load.
        self._despite_rollback.append((self.tenant_id, write))

    async def run_despite_rollback(self) -> None:
        """Called by the request handler after the request's commit or rollback."""
        writes, self._despite_rollback = self._despite_rollback, []
        if not writes:
            return
        for tenant_id, write in writes:
            async with self.state.sessionmaker() as session, session.begin():
                session.info["tenant_id"] = tenant_id
                await write(session)

    # -- batching ---------------------------------------------------------------------------
    def loader(self, name: str, load: Callable[[list[Any]], Awaitable[Sequence[Any]]]) -> DataLoader:
        """A request-scoped DataLoader, created on first use under ``name``."""
        dl = self._loaders.get(name)
        if dl is None:
            dl = self._loaders[name] = DataLoader(load_fn=load)
        return dl

    # -- side effects in the same transaction ------------------------------------------------
    def send_email(
        self, to: str, subject: str, body: str, *, kind: str, cc: Iterable[str] = (), tenant_id: int | None = None
    ) -> OutboxEmail:
        return queue_email(
            self.session,
            self.now(),
            self.tenant_id if tenant_id is None else tenant_id,
            to,
            subject,
            body,
            kind=kind,
            cc=cc,
        )

    def post_message(self, person_email: str, subject: str, body: str, *, kind: str) -> Message:
        msg = Message(
            tenant_id=self.tenant_id,
            person_email=person_email,
            kind=kind,
            subject=subject,
            body=body,
            created_at=self.now(),
        )
        self.session.add(msg)
        return msg

    async def emit(self, event: str, payload: dict[str, Any], *, every_plugin: bool = False) -> None:
        """Publish a domain event to every plugin enabled for this tenant (same transaction), or with
        ``every_plugin`` to every installed one (for events a disabled plugin must not miss).

        The tenant's webhook endpoints subscribed to the event get their deliveries first, in the
        same transaction (core/webhooks.py): a handler that vetoes rolls them back with the rest."""
        from core.webhooks import queue_event

        await queue_event(self, event, payload)
        hook = self.state.plugins.hook_for("cc_on_event", None if every_plugin else self.enabled_plugins)
        for coro in hook(ctx=self, event=event, payload=payload):
            if hasattr(coro, "__await__"):
                await coro


def queue_email(
    session: AsyncSession,
    now: datetime,
    tenant_id: int | None,
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    cc: Iterable[str] = (),
) -> OutboxEmail:
    email = OutboxEmail(
        tenant_id=tenant_id,
        to_addr=to,
        cc=",".join(cc),
        subject=subject,
        body=body,
        kind=kind,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    return email
