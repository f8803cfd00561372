"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from core.auth import Principal
from core.authz import RequestAuthz
from core.i18n import DEFAULT_LOCALE, LazyText, _, as_content, render
from core.models import Message, OutboxEmail, Person, Tenant

if TYPE_CHECKING:
    from core.state import AppState


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
            raise BadUserInput(_("Choose a tenant first (X-Tenant header) for this operation"))
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
        self,
        to: str,
        subject: str | LazyText,
        body: str | LazyText,
        *,
        kind: str,
        cc: Iterable[str] = (),
        tenant_id: int | None = None,
    ) -> OutboxEmail:
        """Queue an email. Give the subject and body as ``_()`` messages: each recipient reads it in
        their own language (core/outbox.py renders it when it is sent)."""
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

    def post_message(
        self,
        person_email: str,
        subject: str | LazyText,
        body: str | LazyText,
        *,
        kind: str,
        tenant_id: int | None = None,
    ) -> Message:
        """A message-center entry, read in its reader's language (``_()`` messages are kept as such)."""
        return post_message(
            self.session,
            self.now(),
            self.tenant_id if tenant_id is None else tenant_id,
            person_email,
            subject,
            body,
            kind=kind,
        )

    async def emit(self, event: str, payload: dict[str, Any], *, every_plugin: bool = False) -> None:
        """Publish a domain event to every plugin enabled for this tenant (same transaction), or with
        ``every_plugin`` to every installed one (for events a disabled plugin must not miss).

        The one way events are published (core/events.py): a declared event's payload must carry
        exactly its declared keys (``EventPayloadError`` otherwise, a bug of the emitting module).
        The tenant's webhook endpoints subscribed to the event get their deliveries first, in the
        same transaction (core/webhooks.py): a handler that vetoes rolls them back with the rest."""
        from core.events import check_payload
        from core.webhooks import queue_event

        check_payload(self.state.plugins.events, event, payload)
        await queue_event(self, event, payload)
        hook = self.state.plugins.hook_for("cc_on_event", None if every_plugin else self.enabled_plugins)
        pending = list(hook(ctx=self, event=event, payload=payload))
        try:
            while pending:
                coro = pending.pop(0)
                if hasattr(coro, "__await__"):
                    await coro
        finally:  # a veto stops the rest: close their coroutines, which never ran
            for coro in pending:
                if hasattr(coro, "close"):
                    coro.close()


SYSTEM_EMAIL = "system@customer-center"
"""The actor of work no person asked for (jobs); an import acts as ``IMPORT_EMAIL``."""
IMPORT_EMAIL = "import@customer-center"
_CONTEXT = "cc_context"
_STATE = "cc_state"
_ACTOR = "cc_actor"
_SYSTEM_CONTEXTS = "cc_system_contexts"


@dataclass
class SystemContext(Context):
    """The context of work without a request (an import, a job): a system actor in one tenant, on a
    session that may serve several tenants. While it emits, the session is bound to its tenant, so
    handlers write and read that tenant's rows as they would in a request."""

    async def emit(self, event: str, payload: dict[str, Any], *, every_plugin: bool = False) -> None:
        info = self.session.info
        before = info.get("tenant_id")
        if before == self.tenant_id:
            await Context.emit(self, event, payload, every_plugin=every_plugin)
            return
        await self.session.flush()  # rows of other tenants are stamped before the binding changes
        info["tenant_id"] = self.tenant_id
        try:
            await Context.emit(self, event, payload, every_plugin=every_plugin)
            await self.session.flush()
        finally:
            info["tenant_id"] = before


def session_info(state: AppState) -> dict[str, Any]:
    """What every session of the server's sessionmaker starts with: the state ``context_of`` needs."""
    return {_STATE: state}


def bind_context(session: AsyncSession, ctx: Context) -> None:
    """Record ``ctx`` as the context the session works for (``AppState.context_for`` does)."""
    session.info[_CONTEXT] = ctx


def mark_import(session: AsyncSession) -> None:
    """The importer's session: contexts made for it act as ``IMPORT_EMAIL``."""
    session.info[_ACTOR] = IMPORT_EMAIL


def is_import(ctx: Context) -> bool:
    """Whether ``ctx`` is the import's (what it writes is "imported", not "created")."""
    return ctx.principal.email == IMPORT_EMAIL


async def context_of(session: AsyncSession, tenant_id: int | None = None) -> Context:
    """The context to emit events with from code that holds only a session (an import section's
    ``apply``, a job, a service function below the request): the request's own context when the
    session serves a request in that tenant, else a :class:`SystemContext` for ``tenant_id`` (default:
    the tenant the session is bound to), made once per session and tenant, in the same transaction.

    Raises ``LookupError`` for a session that no server state made (none of the above)."""
    info = session.info
    ctx = info.get(_CONTEXT)
    if ctx is not None and (tenant_id is None or ctx.tenant_id == tenant_id):
        return ctx
    tid = tenant_id if tenant_id is not None else info.get("tenant_id")
    if tid is None:
        raise LookupError("context_of needs a tenant: the session is bound to none and no tenant_id was given")
    made: dict[int, Context] = info.setdefault(_SYSTEM_CONTEXTS, {})
    if tid in made:
        return made[tid]
    state = info.get(_STATE) if ctx is None else ctx.state
    if state is None:
        raise LookupError("context_of: this session was not made by the server's sessionmaker")
    from core.auth import Principal

    tenant = (await session.execute(select(Tenant).where(Tenant.id == tid))).scalar_one()
    actor = info.get(_ACTOR, SYSTEM_EMAIL)
    principal = Principal(email=actor, tenant_id=tid, tenant_key=tenant.key, roles=frozenset({"SYSTEM"}))
    from core.i18n import current_locale

    locale = current_locale.get()  # context_for sets the tenant's; the caller's own stays in force
    base = await state.context_for(session, principal, tenant, bind=False)
    current_locale.set(locale)
    system = SystemContext(**{f.name: getattr(base, f.name) for f in fields(Context)})
    made[tid] = system
    return system


def queue_email(
    session: AsyncSession,
    now: datetime,
    tenant_id: int | None,
    to: str,
    subject: str | LazyText,
    body: str | LazyText,
    *,
    kind: str,
    cc: Iterable[str] = (),
) -> OutboxEmail:
    email = OutboxEmail(
        tenant_id=tenant_id,
        to_addr=to,
        cc=",".join(cc),
        subject=render(subject, DEFAULT_LOCALE)[:300],
        body=render(body, DEFAULT_LOCALE),
        content=as_content(subject, body),
        kind=kind,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    return email


def post_message(
    session: AsyncSession,
    now: datetime,
    tenant_id: int | None,
    person_email: str,
    subject: str | LazyText,
    body: str | LazyText,
    *,
    kind: str,
) -> Message:
    msg = Message(
        tenant_id=tenant_id,
        person_email=person_email,
        kind=kind,
        subject=render(subject, DEFAULT_LOCALE)[:300],
        body=render(body, DEFAULT_LOCALE),
        content=as_content(subject, body),
        created_at=now,
    )
    session.add(msg)
    return msg
