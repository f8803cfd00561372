"""The server's state: settings, clock, database, plugins, enforcers and schemas, built once per process."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import rls
from core.auth import Principal
from core.authz import EnforcerCache, RequestAuthz, read_policy_csv
from core.clock import Clock, clock_from_setting
from core.context import Context, bind_context, session_info
from core.db import make_engine, make_sessionmaker
from core.i18n import current_locale, request_locale
from core.models import Person, PolicyRule, Tenant
from core.plugins import PluginRegistry, load_plugins
from core.settings import Settings, get_settings
from schema.builder import SchemaCache


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    plugins: PluginRegistry
    enforcers: EnforcerCache
    schemas: SchemaCache
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    extra: dict[str, Any] = field(default_factory=dict)
    # core.caller: the plugins' role checks of each person's last request (email -> tenant, checks).
    role_check_guesses: LRUCache[str, Any] = field(default_factory=lambda: LRUCache(maxsize=10_000))
    # core.limits: the (schema, query text) pairs that passed validation, every rule included.
    valid_documents: Any = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def tenant_policy_rows(self, session: AsyncSession, tenant: Tenant) -> tuple[tuple[str, ...], ...]:
        key = ("policy_rows", tenant.id, tenant.config_version)
        rows = self.extra.get(key)
        if rows is None:
            found = (await session.execute(select(PolicyRule).where(PolicyRule.tenant_id == tenant.id))).scalars()
            rows = tuple(tuple(v for v in (r.ptype, r.v0, r.v1, r.v2, r.v3, r.v4) if v != "") for r in found)
            self.extra[key] = rows
        return rows

    async def context_for(
        self,
        session: AsyncSession,
        principal: Principal,
        tenant: Tenant | None,
        request: Any = None,
        person: Person | None = None,
        *,
        bind: bool = True,
    ) -> Context:
        """The context of ``principal`` in ``tenant`` on ``session``; with ``bind`` it becomes the
        session's own (``core.context.context_of`` answers it to code holding only the session)."""
        plugins = tenant.enabled_plugins if tenant else frozenset(self.plugins.names)
        tenant_rows = await self.tenant_policy_rows(session, tenant) if tenant else ()
        authz = RequestAuthz(
            enforcer=self.enforcers.get(plugins, tenant_rows),
            domain=tenant.key if tenant else "*",
            roles=principal.roles,
            owner_domains=tuple(sorted(tenant.domain_names)) if tenant else (),
        )
        locale = request_locale(person, tenant, request.headers.get("accept-language") if request else None)
        current_locale.set(locale)
        ctx = Context(
            state=self,
            session=session,
            principal=principal,
            authz=authz,
            tenant=tenant,
            enabled_plugins=plugins,
            request=request,
            person=person,
            locale=locale,
        )
        if bind:
            bind_context(session, ctx)
        return ctx


def configured_clock(settings: Settings) -> Clock:
    """The clock ``CC_CLOCK`` asks for (the system clock when unset); refused in production settings."""
    refusal = settings.clock_refusal()
    if refusal:
        raise RuntimeError(refusal)
    return clock_from_setting(settings.clock)


def create_state(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    extra_plugins: list[Any] | None = None,
    engine: AsyncEngine | None = None,
    plugins: Collection[str] | None = None,
) -> AppState:
    """The server's state. ``plugins`` limits the installed plugins loaded to those entry-point names
    (tests; None loads every installed plugin); ``extra_plugins`` adds modules without installing them."""
    settings = settings or get_settings()
    registry = load_plugins(extra_plugins, only=plugins)
    policies: dict[str, list[list[str]]] = {}
    for name in registry.names:
        impl = getattr(registry.plugin(name), "cc_policies", None)
        path = impl() if impl else None
        policies[name] = read_policy_csv(path) if path else []
    engine = engine or make_engine(settings.database_url)
    state = AppState(
        settings=settings,
        clock=clock or configured_clock(settings),
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        plugins=registry,
        enforcers=EnforcerCache(policies),
        schemas=SchemaCache(registry, fast_executor=settings.fast_executor, compiled_reads=settings.compiled_reads),
    )
    from core.limits import schema_extensions

    state.schemas.extensions = lambda: schema_extensions(state)
    state.sessionmaker.configure(info={**session_info(state), **rls.session_flags(state)})
    return state
