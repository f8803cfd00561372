"""The core graph: viewer, users, capability checks, import, plugin switches, audit log, exchange rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from strawberry.types import Info

from core import exchange
from core import users as user_service
from core.auth import CONTACT_KINDS, MEMBER_ROLE
from core.authz import check_known, known_names
from core.compiled import Record
from core.context import Context
from core.errors import AppError, BadUserInput, Forbidden, NotFound
from core.i18n import _, current_locale, render_content, text_direction
from core.ids import to_global_id
from core.models import AuditEntry, Message, Person, Tenant, TenantPlugin
from core.nodes import MAX_NODES, Node, NodeLoader, load_nodes, node_items
from core.pagination import Connection, connection_of, keyset_page


@strawberry.enum(description="Roles a person can hold in their tenant (contact kinds of R-A1 plus ADMIN).")
class PersonRoleName(Enum):
    FINANCE = "FINANCE"
    TECHNICAL = "TECHNICAL"
    EXECUTIVE = "EXECUTIVE"
    ADMIN = "ADMIN"


@strawberry.enum(description="Which way the reader's language is written (the `dir` of an HTML page).")
class TextDirection(Enum):
    # Lower case, as HTML's ``dir`` attribute spells them: a client may set it without mapping.
    ltr = strawberry.enum_value("ltr", description="Left to right (en, pl, ro, de).")
    rtl = strawberry.enum_value("rtl", description="Right to left (ar).")


@strawberry.enum(description="Where a person's account is (R-A3).")
class UserStatus(Enum):
    INVITED = strawberry.enum_value("INVITED", description="Invited; becomes ACTIVE at the first sign-in.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="Has signed in.")
    REMOVED = strawberry.enum_value("REMOVED", description="Removed from the organisation; cannot sign in.")


@strawberry.type(name="Tenant")
class TenantType(Node):
    id: strawberry.ID
    key: str
    name: str
    country: str
    sector: str
    is_reseller: bool
    domains: list[str]
    enabled_modules: list[str]
    portal_origins: list[str] = strawberry.field(
        description="Browser origins of this tenant's portal (scheme://host[:port]): pages there may call the "
        "API for this tenant and, for a reseller, for its customer tenants (CORS)."
    )
    default_locale: str = strawberry.field(
        description="The language of its people who chose none (import field `locale`): en, pl, ro, de or ar."
    )

    @classmethod
    def of(cls, t: Tenant) -> TenantType:
        return cls(
            id=strawberry.ID(to_global_id("Tenant", t.id)),
            key=t.key,
            name=t.name,
            country=t.country,
            sector=t.sector,
            is_reseller=t.is_reseller,
            domains=sorted(t.domain_names),
            enabled_modules=sorted(t.enabled_plugins),
            portal_origins=list(t.portal_origins or []),
            default_locale=t.default_locale or "en",
        )


@strawberry.type(name="User")
class UserType(Node):
    id: strawberry.ID
    email: str
    first_name: str
    last_name: str
    status: UserStatus
    roles: list[str]
    last_sign_in_at: datetime | None

    @classmethod
    def of(cls, p: Person) -> UserType:
        return cls(
            id=strawberry.ID(to_global_id("User", p.id)),
            email=p.email,
            first_name=p.first_name,
            last_name=p.last_name,
            status=UserStatus(p.status),
            roles=sorted(p.role_names),
            last_sign_in_at=p.last_sign_in_at,
        )


@strawberry.type(
    name="MessageCenterEntry",
    description="A message-center entry; subject and body in the reader's language (viewer.locale), rendered "
    "when read. `kind` is a machine value.",
)
class MessageType(Node):
    id: strawberry.ID
    kind: str
    subject: str
    body: str
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, m: Message, locale: str | None = None) -> MessageType:
        """In ``locale``, the reader's (the request's when not given: a ``node(id:)`` lookup)."""
        subject, body = render_content(m.content, m.subject, m.body, locale or current_locale.get())
        return cls(
            id=strawberry.ID(to_global_id("Message", m.id)),
            kind=m.kind,
            subject=subject,
            body=body,
            created_at=m.created_at,
            read=m.read_at is not None,
        )


@strawberry.type
class Viewer:
    email: str
    first_name: str
    last_name: str
    last_sign_in_at: datetime | None = strawberry.field(
        description="The last sign-in to show on the dashboard (R-A4): the one before this session, or "
        "this session's own when it is the person's first."
    )
    signed_in_at: datetime | None = strawberry.field(description="When this session signed in.")
    previous_sign_in_at: datetime | None = strawberry.field(
        description="The sign-in before this session (null at the first).",
        deprecation_reason="Use lastSignInAt (the same, but never null once signed in).",
    )
    roles: list[str]
    contact_kinds: list[str]
    is_admin: bool
    staff_roles: list[str]
    tenant: TenantType | None
    enabled_modules: list[str]
    locale: str = strawberry.field(
        description="The language this person reads in (en, pl, ro, de, ar): their own choice (setMyLocale), "
        "else what the request's Accept-Language asks for, else the tenant's default. Every text of this "
        "response, every email and message to them is in it."
    )
    text_direction: TextDirection = strawberry.field(description="`ltr`, or `rtl` for a right-to-left language (ar).")

    @strawberry.field(description="Message-center entries for this person, newest first (R-R5).")
    async def messages(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[MessageType]:
        ctx = info.context
        page = await keyset_page(
            ctx.session,
            select(Message).where(Message.person_email == ctx.principal.email),
            [(Message.created_at, True), (Message.id, True)],
            first=first,
            after=after,
        )
        return connection_of(lambda m: MessageType.of(m, ctx.locale), page)


@strawberry.type
class Explanation:
    allowed: bool
    decided_by_role: str | None
    rule: str | None
    roles_considered: list[str]


@strawberry.type
class PluginStatus:
    name: str
    title: str
    version: str
    enabled: bool


@strawberry.type
class PluginFailure:
    source: str = strawberry.field(description="Entry point or plugin name.")
    reason: str = strawberry.field(description="Why it was refused (names the plugin and the problem).")


@strawberry.type
class AuditLogEntry(Node):
    id: strawberry.ID
    actor: str
    action: str
    outcome: str
    detail: str
    created_at: datetime

    @classmethod
    def of(cls, a: AuditEntry) -> AuditLogEntry:
        return cls(
            id=strawberry.ID(to_global_id("Audit", a.id)),
            actor=a.actor,
            action=a.action,
            outcome=a.outcome,
            detail=a.detail,
            created_at=a.created_at,
        )


@strawberry.type(
    name="ExchangeRate",
    description="A row of the dated rate table (R-T4): USD per unit of a currency from a day on.",
)
class ExchangeRateType:
    currency: str
    valid_from: date | None = strawberry.field(description="Null for USD, whose rate is always 1.")
    usd_per_unit: Decimal


@strawberry.type
class ImportResult:
    tenants: int
    sections: strawberry.scalars.JSON


@strawberry.input
class InviteUserInput:
    email: str
    first_name: str = ""
    last_name: str = ""
    roles: list[PersonRoleName] = strawberry.field(default_factory=list)


def _viewer(ctx: Context, person: Person | None) -> Viewer:
    values = _viewer_values(ctx, person)
    # The compiled read writes the plain value ("rtl"), the typed object holds the enum of that value.
    values["text_direction"] = TextDirection(values["text_direction"])
    return Viewer(**values)


def _viewer_values(ctx: Context, person: Person | None) -> dict[str, object]:
    """What ``Viewer`` holds, by the Python name of its field (the compiled read answers from it)."""
    p = ctx.principal
    return {
        "email": p.email,
        "first_name": person.first_name if person else "",
        "last_name": person.last_name if person else "",
        "last_sign_in_at": (person.previous_sign_in_at or person.last_sign_in_at) if person else None,
        "signed_in_at": person.last_sign_in_at if person else None,
        "previous_sign_in_at": person.previous_sign_in_at if person else None,
        "roles": sorted(p.roles - {MEMBER_ROLE}),
        "contact_kinds": [k for k in CONTACT_KINDS if k in p.roles],
        "is_admin": "ADMIN" in p.roles,
        "staff_roles": sorted(p.staff_roles),
        "tenant": TenantType.of(ctx.tenant) if ctx.tenant else None,
        "enabled_modules": sorted(ctx.enabled_plugins),
        "locale": ctx.locale,
        "text_direction": text_direction(ctx.locale),
    }


async def _viewer_person(ctx: Context) -> Person | None:
    """The caller's person (R-A4; vendor staff have none here), after the ``viewer`` decision."""
    if ctx.principal.person_id and not ctx.principal.is_staff:
        ctx.require("viewer", "view")
        return ctx.person or await ctx.session.get(Person, ctx.principal.person_id)
    return None


async def _viewer_record(ctx: Context) -> dict[str, object]:
    return _viewer_values(ctx, await _viewer_person(ctx))


#: Core's root fields answered without a typed object (core/compiled.py): ``viewer``'s fields of
#: plain values (its messages take the resolvers).
CORE_COMPILED = {
    "viewer": Record(
        {
            "email": "email",
            "firstName": "first_name",
            "lastName": "last_name",
            "lastSignInAt": "last_sign_in_at",
            "signedInAt": "signed_in_at",
            "previousSignInAt": "previous_sign_in_at",
            "roles": "roles",
            "contactKinds": "contact_kinds",
            "isAdmin": "is_admin",
            "staffRoles": "staff_roles",
            "tenant": "tenant",
            "enabledModules": "enabled_modules",
            "locale": "locale",
            "textDirection": "text_direction",
        },
        _viewer_record,
    )
}


# ---- node(id:) for core's types: each loader authorizes as the typed field does (core/nodes.py) ----
async def _tenant_nodes(ctx: Context, pks: Sequence[int]) -> dict[int, TenantType]:
    """``viewer.tenant`` (the caller's own), and for operators and resellers' staff the tenants of
    their ``workQueues.tenants`` scope."""
    from core import queues

    found = {ctx.tenant.id: TenantType.of(ctx.tenant)} if ctx.tenant is not None and ctx.tenant.id in pks else {}
    if len(found) == len(pks):
        return found
    try:
        scope = queues.queue_scope(ctx)
    except Forbidden:
        return found
    if not scope.allowed(queues.TENANTS_QUEUE):
        return found
    stmt = (
        select(Tenant)
        .where(Tenant.id.in_(list(pks)), Tenant.id.in_(scope.tenant_ids()))
        .options(selectinload(Tenant.domains), selectinload(Tenant.plugins))
    )
    return found | {t.id: TenantType.of(t) for t in (await ctx.session.execute(stmt)).scalars()}


async def _user_nodes(ctx: Context, pks: Sequence[int]) -> dict[int, UserType]:
    """``users``: the tenant's people, for those who may view users."""
    tenant = ctx.require_tenant()
    ctx.require("user", "view")
    stmt = select(Person).where(Person.id.in_(list(pks)), Person.tenant_id == tenant.id)
    return {p.id: UserType.of(p) for p in (await ctx.session.execute(stmt)).scalars()}


async def _message_nodes(ctx: Context, pks: Sequence[int]) -> dict[int, MessageType]:
    """``viewer.messages``: the caller's own message-center entries only."""
    if not ctx.principal.person_id or ctx.principal.is_staff:
        return {}
    ctx.require("viewer", "view")
    stmt = select(Message).where(Message.id.in_(list(pks)), Message.person_email == ctx.principal.email)
    return {m.id: MessageType.of(m) for m in (await ctx.session.execute(stmt)).scalars()}


async def _audit_nodes(ctx: Context, pks: Sequence[int]) -> dict[int, AuditLogEntry]:
    """``auditLog``: the tenant's entries, for tenant admins and staff."""
    tenant = ctx.require_tenant()
    ctx.require("audit", "view")
    stmt = select(AuditEntry).where(AuditEntry.id.in_(list(pks)), AuditEntry.tenant_id == tenant.id)
    return {a.id: AuditLogEntry.of(a) for a in (await ctx.session.execute(stmt)).scalars()}


CORE_NODES: dict[str, NodeLoader] = {
    "Tenant": _tenant_nodes,
    "User": _user_nodes,
    "Message": _message_nodes,
    "Audit": _audit_nodes,
}


@strawberry.type
class CoreQuery:
    @strawberry.field(
        description="The object with this global id (any type implementing Node), authorized exactly as the "
        "type's own fields: NOT_FOUND for an id of another tenant or one the viewer cannot see, FORBIDDEN where "
        "the typed field answers FORBIDDEN."
    )
    async def node(
        self, info: Info[Context, None], id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")]
    ) -> Node | None:
        [item] = await load_nodes(info.context, info.schema.node_loaders, [id])
        if isinstance(item, AppError):
            raise item
        return item

    @strawberry.field(
        description=f"The objects with these global ids (at most {MAX_NODES}), in order; each one the viewer "
        "may not see is null with its own error (path `nodes.<index>`), as `node` would answer it."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids, of any types.")],
    ) -> list[Node | None]:
        return node_items(await load_nodes(info.context, info.schema.node_loaders, ids))  # type: ignore[return-value]

    @strawberry.field(description="Who am I: person, tenant, roles, contact kinds, modules (R-A4).")
    async def viewer(self, info: Info[Context, None]) -> Viewer:
        ctx = info.context
        return _viewer(ctx, await _viewer_person(ctx))

    @strawberry.field(
        description="May the viewer do `action` on `object` (optionally one object by id)? "
        "Answered by the same enforcer as the mutation would be."
    )
    async def can(self, info: Info[Context, None], object: str, action: str, id: strawberry.ID | None = None) -> bool:
        ctx = info.context
        check_known(_known_names(ctx), object, action)
        extra = await object_roles(ctx, object, id) if id else ()
        return ctx.allowed(object, action, extra)

    @strawberry.field(description="People of the viewer's organisation (R-A3).")
    async def users(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        include_removed: bool = False,
    ) -> Connection[UserType]:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("user", "view")
        stmt = select(Person)
        if not include_removed:
            stmt = stmt.where(Person.status != "REMOVED")
        page = await keyset_page(
            ctx.session,
            stmt,
            [(Person.email, False), (Person.id, False)],
            first=first,
            after=after,
        )
        return connection_of(UserType.of, page)

    @strawberry.field(description="Modules installed on the server and whether the tenant enables each.")
    async def modules(self, info: Info[Context, None]) -> list[PluginStatus]:
        ctx = info.context
        reg = ctx.state.plugins
        return [
            PluginStatus(name=n, title=m.title, version=m.version, enabled=n in ctx.enabled_plugins)
            for n, m in sorted(reg.manifests.items())
        ]

    @strawberry.field(
        description="Staff (OPERATOR): plugins this server refused to load, or left out of a tenant's schema, and why."
    )
    async def plugin_failures(self, info: Info[Context, None]) -> list[PluginFailure]:
        ctx = info.context
        ctx.require("plugin", "manage")
        if not ctx.principal.is_staff:
            raise Forbidden(_("Only vendor staff can see plugin failures"))
        return [PluginFailure(source=k, reason=v) for k, v in sorted(ctx.state.plugins.failures.items())]

    @strawberry.field(
        description="Staff and tenant admins: is `email` allowed to do `action` on "
        "`object` (optionally by id), and which policy rule decided."
    )
    async def explain(
        self, info: Info[Context, None], email: str, object: str, action: str, id: strawberry.ID | None = None
    ) -> Explanation:
        from core.app import principal_for_email

        ctx = info.context
        ctx.require("authz", "explain")
        tenant = ctx.require_tenant()
        check_known(_known_names(ctx), object, action)
        subject = await principal_for_email(ctx.state, ctx.session, email.strip().lower(), tenant)
        if subject is None:
            return Explanation(
                allowed=False, decided_by_role=None, rule="no such person in this tenant", roles_considered=[]
            )
        sub_ctx = await ctx.state.context_for(ctx.session, subject, tenant)
        try:
            extra = await object_roles(sub_ctx, object, id) if id else ()
        except NotFound:
            # The owning plugin hides the object from this person (R-S2): that is the answer.
            return Explanation(
                allowed=False,
                decided_by_role=None,
                rule=f"{object} {id} does not exist or is not visible to {subject.email} "
                "(not theirs and not shared with them)",
                roles_considered=sorted(subject.roles),
            )
        roles = sorted(subject.roles | set(extra))
        decision = sub_ctx.authz.explain(object, action, roles)
        return Explanation(
            allowed=decision.allowed,
            decided_by_role=decision.role,
            rule=", ".join(decision.rule) if decision.rule else "no policy row grants this",
            roles_considered=roles,
        )

    @strawberry.field(description="Audit log of mutations in the tenant (tenant admins and staff).")
    async def audit_log(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[AuditLogEntry]:
        ctx = info.context
        tenant = ctx.require_tenant()
        ctx.require("audit", "view")
        stmt = select(AuditEntry).where(AuditEntry.tenant_id == tenant.id)
        page = await keyset_page(ctx.session, stmt, [(AuditEntry.id, True)], first=first, after=after)
        return connection_of(AuditLogEntry.of, page)

    @strawberry.field(
        description="Staff (OPERATOR, BILLING_SUPPORT): the rate of a currency that applies on a day "
        "(the latest on or before it); BAD_USER_INPUT MISSING_EXCHANGE_RATE when there is none."
    )
    async def exchange_rate(self, info: Info[Context, None], currency: str, on: date) -> ExchangeRateType:
        code, valid_from, rate = await exchange.exchange_rate_on(info.context, currency, on)
        return ExchangeRateType(currency=code, valid_from=valid_from, usd_per_unit=rate)


def _known_names(ctx: Context) -> dict[str, frozenset[str]]:
    return known_names(ctx.authz.enforcer, ctx.state.enforcers.get(frozenset(ctx.state.plugins.names)))


async def object_roles(ctx: Context, obj: str, object_id: str | None) -> list[str]:
    """Per-object relation roles (e.g. renewal PARTICIPANT) from the plugins that own ``obj``."""
    roles: list[str] = []
    hook = ctx.state.plugins.hook_for("cc_object_roles", ctx.enabled_plugins)
    for result in hook(ctx=ctx, object_type=obj, object_id=str(object_id)):
        value = await result if hasattr(result, "__await__") else result
        roles.extend(value or [])  # an async hookimpl may answer None (no roles for this object)
    return roles


@strawberry.type
class CoreMutation:
    # Who may do what is decided in core/users.py (R-A3), the one place every path goes through.
    @strawberry.mutation(description="Invite a person of your own organisation (R-A3, R-S3).")
    async def invite_user(self, info: Info[Context, None], input: InviteUserInput) -> UserType:
        person = await user_service.invite_user(
            info.context, input.email, input.first_name, input.last_name, [r.value for r in input.roles]
        )
        return UserType.of(person)

    @strawberry.mutation(description="Replace a person's roles (tenant admins).")
    async def change_user_roles(
        self, info: Info[Context, None], id: strawberry.ID, roles: list[PersonRoleName]
    ) -> UserType:
        ctx = info.context
        person = await user_service.change_roles(ctx, id, [r.value for r in roles])
        return UserType.of(person)

    @strawberry.mutation(
        description="Choose the language you read in: `en`, `pl`, `ro`, `de` or `ar` (a regional tag such as "
        "`pl-PL` is read as `pl`). Emails, message-center entries, documents, CSV headers and error messages "
        "follow it; codes and enum values stay as they are. Another value: BAD_USER_INPUT listing the languages."
    )
    async def set_my_locale(self, info: Info[Context, None], locale: str) -> Viewer:
        ctx = info.context
        person = await user_service.set_my_locale(ctx, locale)
        return _viewer(ctx, person)

    @strawberry.mutation(description="Remove a person from the organisation (tenant admins).")
    async def remove_user(self, info: Info[Context, None], id: strawberry.ID) -> UserType:
        ctx = info.context
        return UserType.of(await user_service.remove_person(ctx, id))

    @strawberry.mutation(description="Staff (OPERATOR): load order data in the documented JSON format.")
    async def import_data(self, info: Info[Context, None], json: str) -> ImportResult:
        from core.importer import import_data, parse_json

        ctx = info.context
        ctx.require("import", "run")
        if len(json) > 20_000_000:
            raise BadUserInput(_("Import document larger than 20 MB; use the CLI"))
        report = await import_data(ctx.session, parse_json(json), ctx.state)
        return ImportResult(tenants=report.tenants, sections=report.sections)

    @strawberry.mutation(
        description="Staff (OPERATOR, BILLING_SUPPORT): record the USD value of one unit of a currency from "
        "a day on (R-T4); a second rate of the same currency and day corrects the first."
    )
    async def set_exchange_rate(
        self, info: Info[Context, None], currency: str, valid_from: date, usd_per_unit: Decimal
    ) -> ExchangeRateType:
        row = await exchange.set_exchange_rate(info.context, currency, valid_from, usd_per_unit)
        return ExchangeRateType(
            currency=row.currency, valid_from=row.valid_from, usd_per_unit=exchange.plain(row.usd_per_unit)
        )

    @strawberry.mutation(
        description="Staff (OPERATOR): enable or disable a module for a tenant; takes effect on the next request."
    )
    async def set_module_enabled(
        self, info: Info[Context, None], tenant_key: str, module: str, enabled: bool
    ) -> TenantType:
        ctx = info.context
        ctx.require("plugin", "manage")
        if not ctx.principal.is_staff:
            raise Forbidden(_("Only vendor staff can switch modules"))
        tenant = await set_plugin_enabled(ctx.session, ctx.state, tenant_key, module, enabled)
        return TenantType.of(tenant)

    @strawberry.mutation(
        description="Tenant admins (their own tenant) and staff (OPERATOR, the tenant of X-Tenant or `tenantKey`): "
        'replace the browser origins of the tenant\'s portal, e.g. ["https://portal.reseller.example"] '
        "(at most 20; scheme://host[:port] only). Takes effect at once in this server process and within "
        "CC_CORS_TENANT_CACHE_SECONDS in the others."
    )
    async def set_portal_origins(
        self,
        info: Info[Context, None],
        origins: Annotated[
            list[str], strawberry.argument(description="The whole new list (an empty list removes every origin).")
        ],
        tenant_key: Annotated[
            str | None, strawberry.argument(description="Staff: the tenant, when not the one of X-Tenant.")
        ] = None,
    ) -> TenantType:
        from core.cors import forget_tenant_origins, normalise_origins

        ctx = info.context
        ctx.require("tenant", "portal_origins")
        tenant = ctx.tenant
        if tenant_key is not None and (tenant is None or tenant_key != tenant.key):
            if not ctx.principal.is_staff:
                raise Forbidden(_("Tenant admins set their own tenant's portal origins only"))
            tenant = (await ctx.session.execute(select(Tenant).where(Tenant.key == tenant_key))).scalar_one_or_none()
            if tenant is None:
                raise NotFound(_("No tenant '{tenant_key}'", tenant_key=tenant_key))
        if tenant is None:
            raise BadUserInput(_("Name the tenant (tenantKey or the X-Tenant header)"), field="tenantKey")
        try:
            tenant.portal_origins = normalise_origins(origins)
        except ValueError as exc:
            raise BadUserInput(str(exc), field="origins") from exc
        await ctx.session.flush()
        forget_tenant_origins(ctx.state)
        return TenantType.of(tenant)


async def set_plugin_enabled(session, state, tenant_key: str, plugin: str, enabled: bool) -> Tenant:  # noqa: ANN001
    if plugin not in state.plugins.manifests:
        raise NotFound(_("No module named '{plugin}' is installed", plugin=plugin))
    tenant = (await session.execute(select(Tenant).where(Tenant.key == tenant_key))).scalar_one_or_none()
    if tenant is None:
        raise NotFound(_("No tenant '{tenant_key}'", tenant_key=tenant_key))
    row = next((p for p in tenant.plugins if p.plugin == plugin), None)
    if row is None:
        tenant.plugins.append(TenantPlugin(plugin=plugin, enabled=enabled))
    else:
        row.enabled = enabled
    tenant.config_version += 1
    await session.flush()
    return tenant
