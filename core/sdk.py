"""The plugin SDK: the part of core a plugin may use, built-in or a reseller's. Import from here only.

Everything else in ``core`` is internal and may change between releases; these names keep their
meaning for a :data:`HOOK_VERSION` (a change that breaks them bumps it). The guide,
docs/writing-a-plugin.md, and the example plugin in ``examples/reseller_margin`` use nothing else.

What is here, by what a plugin needs it for:

- the contract: ``hookimpl``, :data:`HOOK_VERSION`, ``PluginManifest``, ``GraphContribution``,
  ``Job``, ``ImportSection``, ``RoleCheck`` with its ``TENANT_ID``/``EMAIL`` parameters;
- tables: ``Base``, ``TenantOwned`` (the central tenant filter applies to every ``TenantOwned`` row; it
  brings ``tenant_id`` and ``id``, keyed by tenant), ``tenant_fk`` (a foreign key between tenant-owned tables),
  ``key_by_tenant`` (in a migration: convert tables made before tables were keyed by tenant);
- a request: ``Context`` (``ctx.require``, ``ctx.session``, ``ctx.now()``, ``ctx.emit``,
  ``ctx.send_email``), ``object_roles`` (ask the plugin owning an object whether the caller can see it),
  ``module_api`` (another module's public API: ``module_api("renewals").count_renewals(...)``),
  ``Loader`` for batch loads, typed errors (``BadUserInput``, ``Forbidden``, ``NotFound``, ``Conflict``);
- import sections: ``ImportItem`` (a pydantic item model) with the field types ``text(n)``, ``Email``,
  ``IsoDate``, ``Amount``, ``DecimalValue``, ``Currency``, and ``validate_items`` (errors naming the path);
- jobs: ``JobContext``, ``claim_once`` (idempotent units), ``queue_email``, ``people_with_role``;
- events: ``EventSpec``/``event_spec`` (declare what you emit, ``cc_events``), ``context_of`` (the
  context of an import section's or a job's session, to ``ctx.emit`` with);
- GraphQL: ``MoneyType``/``Money``, ``Connection``/``connection``/``connection_of``/``keyset_page`` (Relay pages with
  keyset pagination), ``secret_argument``/``secret_field`` (never audited);
- shared rules: ``quantize``/``parse_amount`` (money per currency), ``add_months``/``add_years``,
  ``normalise_email``/``parse_email``, ``rate_table``/``to_usd`` (the dated rate table, awaited), ``methods_offered``/
  ``check_payment_method`` (R-R4/R-I16), ``Clock``;
- languages: ``_`` (mark a message; rendered in the reader's locale), ``translate``/``render``,
  ``LazyText``, ``locale_of`` (a person's locale for an email), ``format_money``/``format_decimal``/
  ``format_date`` (CLDR), ``text_direction``, ``jinja_environment``/``render_template`` (templates
  with ``_()``, ``lang`` and ``dir``), ``SUPPORTED_LOCALES`` — docs/i18n.md;
- files: ``download_route`` (authenticated downloads; a signed link works too), ``link_field`` (a
  ``…Url`` field that answers a route's path as the caller's signed absolute link),
  ``CsvWriter``/``csv_response`` (formula-safe CSV).
"""

from __future__ import annotations

from types import ModuleType

from core.calendar import add_months, add_years
from core.clock import Clock
from core.context import Context, context_of, queue_email
from core.countries import check_payment_method, methods_offered
from core.csvout import CsvWriter, csv_response
from core.db import Base, TenantOwned, tenant_fk
from core.emails import normalise_email, parse_email
from core.errors import AppError, BadUserInput, Conflict, Forbidden, NotFound
from core.events import EventSpec, event_spec
from core.exchange import MissingExchangeRate, RateTable, rate_table, to_usd
from core.hookspecs import (
    EMAIL,
    HOOK_VERSION,
    TENANT_ID,
    GraphContribution,
    ImportSection,
    Job,
    PluginManifest,
    RoleCheck,
    hookimpl,
)
from core.http import download_route
from core.i18n import (
    SUPPORTED_LOCALES,
    LazyText,
    _,
    format_date,
    format_decimal,
    format_money,
    jinja_environment,
    locale_of,
    render,
    render_template,
    text_direction,
    translate,
)
from core.importing import Amount, Currency, DecimalValue, Email, ImportItem, IsoDate, text, validate_items
from core.jobs import JobContext, claim_once
from core.links import link_field
from core.loaders import Loader, by_key, grouped
from core.migrate import key_by_tenant
from core.money import Money, MoneyType, parse_amount, quantize
from core.nodes import Node, NodeLoader
from core.pagination import Connection, Page, connection, connection_of, keyset_page
from core.secret import secret_argument, secret_field
from core.users import people_with_role


def module_api(name: str) -> ModuleType:
    """The public API of an installed module (``plugins/<name>/api.py`` for a built-in one, the
    ``api`` module beside a plugin's ``plugin.py`` otherwise): its read functions and ``EVENTS``.
    The way to read another module's data — never its models or tables. ``LookupError`` when no
    plugin of that name is installed, or it has no public API."""
    import importlib
    from importlib.metadata import entry_points

    from core.plugins import ENTRY_POINT_GROUP

    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        raise LookupError(f"no installed module named {name!r}")
    package = found[0].value.split(":")[0].rsplit(".", 1)[0]
    try:
        return importlib.import_module(f"{package}.api")
    except ModuleNotFoundError as exc:
        raise LookupError(f"module {name!r} has no public API ({package}.api)") from exc


async def object_roles(ctx: Context, object_type: str, object_id: str) -> list[str]:
    """The caller's relation roles on one object owned by another plugin (e.g. ``"renewal"`` by
    support number); raises NotFound when the caller cannot see it. Never read its tables instead."""
    from core.graph import object_roles as ask_owners

    return await ask_owners(ctx, object_type, object_id)


__all__ = [
    "IsoDate",
    "ImportItem",
    "Email",
    "DecimalValue",
    "Currency",
    "Amount",
    "SUPPORTED_LOCALES",
    "LazyText",
    "_",
    "format_date",
    "format_decimal",
    "format_money",
    "jinja_environment",
    "locale_of",
    "render",
    "render_template",
    "text_direction",
    "translate",
    "EMAIL",
    "HOOK_VERSION",
    "TENANT_ID",
    "AppError",
    "BadUserInput",
    "Base",
    "Clock",
    "Conflict",
    "Connection",
    "Context",
    "EventSpec",
    "CsvWriter",
    "Forbidden",
    "GraphContribution",
    "ImportSection",
    "Job",
    "JobContext",
    "Loader",
    "Node",
    "NodeLoader",
    "Money",
    "MoneyType",
    "NotFound",
    "Page",
    "PluginManifest",
    "RoleCheck",
    "TenantOwned",
    "add_months",
    "add_years",
    "by_key",
    "check_payment_method",
    "claim_once",
    "connection",
    "connection_of",
    "context_of",
    "csv_response",
    "download_route",
    "event_spec",
    "grouped",
    "hookimpl",
    "key_by_tenant",
    "keyset_page",
    "link_field",
    "methods_offered",
    "module_api",
    "normalise_email",
    "object_roles",
    "parse_amount",
    "parse_email",
    "people_with_role",
    "quantize",
    "queue_email",
    "secret_argument",
    "secret_field",
    "tenant_fk",
    "text",
    "to_usd",
    "validate_items",
    "rate_table",
    "RateTable",
    "MissingExchangeRate",
]
