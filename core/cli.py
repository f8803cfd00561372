"""``customer-center``: serve, db, import, token, jobs, plugins, schema, demo."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.settings import Settings

app = typer.Typer(help="Customer Center Graph command line.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs.", no_args_is_help=True)
plugins_app = typer.Typer(help="Plugins (modules) per tenant.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
assets_app = typer.Typer(help="GraphiQL's browser assets (served by the app, fetched at install time).")
for sub, name in (
    (db_app, "db"),
    (jobs_app, "jobs"),
    (plugins_app, "plugins"),
    (schema_app, "schema"),
    (demo_app, "demo"),
    (assets_app, "assets"),
):
    app.add_typer(sub, name=name)

DbUrl = Annotated[str | None, typer.Option("--database-url", envvar="CC_DATABASE_URL", help="SQLAlchemy URL")]
SDL_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def _settings(database_url: str | None) -> Settings:
    if database_url:
        os.environ["CC_DATABASE_URL"] = database_url
    from core.settings import get_settings

    get_settings.cache_clear()
    return get_settings()


def _state(database_url: str | None):  # noqa: ANN202
    from core.app import create_state

    return create_state(_settings(database_url))


def _owner_url(settings: Settings) -> str:
    """The tables' owner's connection (migrations, policies, roles): CC_MIGRATION_DATABASE_URL, else
    the app's own (a single-role development database)."""
    return settings.migration_database_url or settings.database_url


def _upgrade(state) -> list[str]:  # noqa: ANN001
    from core.migrate import upgrade

    settings = state.settings
    return upgrade(_owner_url(settings), state.plugins, row_security=settings.row_level_security)


def _bypass_reason(state) -> str | None:  # noqa: ANN001
    """Why the app's role would not be held by row-level security (core/rls.py), or None."""
    from core.rls import bypass_reason, row_security_on

    if not row_security_on(state):
        return None

    async def check() -> str | None:
        async with state.engine.connect() as conn:
            return await bypass_reason(conn)

    return asyncio.run(_dispose(state, check()))


async def _dispose_engine(engine, coro):  # noqa: ANN001, ANN202
    try:
        return await coro
    finally:
        await engine.dispose()


async def _dispose(state, coro):  # noqa: ANN001, ANN202
    try:
        return await coro
    finally:
        await state.engine.dispose()


@db_app.command("upgrade")
def db_upgrade(database_url: DbUrl = None) -> None:
    """Apply every migration of core and all plugins."""
    state = _state(database_url)
    applied = _upgrade(state)
    for revision in applied:
        typer.echo(f"applied {revision}")
    if applied:
        typer.echo(f"database upgraded: {len(applied)} revision(s) applied")
    else:
        typer.echo("database is up to date: nothing to apply")


@db_app.command("create-app-role")
def db_create_app_role(
    role: Annotated[str, typer.Argument(help="The role the app connects as (CC_DATABASE_URL's user)")] = "cc_app",
    password_env: Annotated[
        str | None, typer.Option(help="Name of an environment variable holding the role's password")
    ] = None,
    database_url: DbUrl = None,
) -> None:
    """Create (or bring up to date) the app's PostgreSQL role, as the tables' owner
    (CC_MIGRATION_DATABASE_URL): LOGIN, NOSUPERUSER, NOBYPASSRLS, owning nothing, with data rights on
    every table — so row-level security holds it (core/rls.py). Run after db upgrade."""

    from core.db import make_engine
    from core.rls import create_app_role

    settings = _settings(database_url)
    if settings.is_sqlite:
        typer.secho("SQLite has no roles: nothing to create", fg="red", err=True)
        raise typer.Exit(1)
    password = os.environ.get(password_env) if password_env else None
    if password_env and not password:
        typer.secho(f"{password_env} is not set", fg="red", err=True)
        raise typer.Exit(1)
    engine = make_engine(_owner_url(settings))
    try:
        asyncio.run(_dispose_engine(engine, create_app_role(engine, role, password)))
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"role {role}: LOGIN NOSUPERUSER NOBYPASSRLS, data rights granted; connect the app as it")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m")], plugin: str | None = None, database_url: DbUrl = None
) -> None:
    """Autogenerate a migration for core or for one plugin's tables."""
    from core.migrate import revision

    state = _state(database_url)
    revision(state.settings.database_url, state.plugins, plugin, message)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="CC_HOST", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="CC_PORT", help="Port to listen on")] = 8000,
    workers: int = 1,
    database_url: DbUrl = None,
    seed: Annotated[bool, typer.Option(help="Seed the demo tenant")] = True,
) -> None:
    """Migrate, seed the demo tenant and start the server (GraphiQL at /graphql)."""
    import uvicorn

    from core.demo import DEMO_PEOPLE, seed_demo

    settings = _settings(database_url)
    for warning in serving_refusals(settings, host, workers):
        typer.secho(warning, fg="red", err=True)
        raise typer.Exit(2)
    if settings.uses_development_secret:
        typer.secho(
            "warning: tokens are verified with the development secret, which anyone can read in the repository; "
            "set CC_JWT_ALGORITHM and a key before this server is reachable by others (docs/security.md)",
            fg="yellow",
            err=True,
        )
    for warning in serving_warnings(settings, workers):
        typer.secho(f"warning: {warning}", fg="yellow", err=True)
    state = _state(database_url)
    _upgrade(state)
    bypass = _bypass_reason(state)
    if bypass:
        message = (
            f"row-level security does not hold the app: {bypass}; connect as the role made by "
            "'customer-center db create-app-role' (CC_DATABASE_URL) and migrate as the owner "
            "(CC_MIGRATION_DATABASE_URL) — docs/operations.md"
        )
        if settings.environment == "production":
            typer.secho(message, fg="red", err=True)
            raise typer.Exit(2)
        typer.secho(f"warning: {message}", fg="yellow", err=True)
    if seed:
        asyncio.run(_dispose(state, seed_demo(state)))
    for name, reason in state.plugins.failures.items():
        typer.secho(f"plugin {name} not loaded: {reason}", fg="red", err=True)
    typer.echo(f"GraphiQL: http://{host}:{port}/graphql   health: http://{host}:{port}/healthz")
    if settings.portal:
        typer.echo(f"Customer portal: http://{host}:{port}/portal   (docs/portal.md)")
    origins = ", ".join(settings.cors_origin_patterns) or "none (set CC_CORS_ORIGINS)"
    typer.echo(f"Browser origins allowed (CORS): {origins}; tenants add their portals' (setPortalOrigins)")
    from core.auth import issue_token

    if settings.uses_development_secret:  # with a real key, printed tokens would be real credentials
        typer.echo("Demo tokens (valid 8 h) — send one as the header 'Authorization: Bearer <token>':")
        for kind, email in DEMO_PEOPLE.items():
            typer.echo(f"  {kind:<10} {email:<32} {issue_token(state.settings, email)}")
        typer.echo(
            "More tokens: .venv/bin/customer-center token EMAIL  (staff: --staff SALES_REP, header X-Tenant: demo)"
        )
    from core.metrics import prepare_multiprocess_dir
    from core.serving import uvicorn_options

    prepare_multiprocess_dir(workers)  # before the workers start: they inherit it
    uvicorn.run("core.asgi:app", **uvicorn_options(host, port, workers, settings.log_level))


def serving_refusals(settings: Settings, host: str, workers: int) -> list[str]:
    """Why ``serve`` must not start with these settings (empty when it may)."""
    refusals = []
    if settings.uses_development_secret and not _is_loopback(host):
        refusals.append(
            f"refusing to serve on {host}: tokens would be verified with the published development secret. "
            "Configure production keys (CC_JWT_ALGORITHM=RS256 with CC_JWT_JWKS_URL or CC_JWT_PUBLIC_KEY, or "
            "a private CC_JWT_SECRET) — see docs/security.md — or serve on 127.0.0.1."
        )
    if settings.uses_development_link_secret and not _is_loopback(host):
        refusals.append(
            f"refusing to serve on {host}: download links would be signed with the published development "
            "secret. Set a private CC_LINK_SECRET (docs/security.md) or serve on 127.0.0.1."
        )
    refusal = settings.clock_refusal()
    if refusal:
        refusals.append(refusal)
    if settings.is_sqlite and workers > 1:
        refusals.append(
            f"refusing --workers {workers} on SQLite: its writes are serialised inside one process only, so "
            "several processes could charge or pay twice. Use one worker, or PostgreSQL (--database-url)."
        )
    return refusals


def serving_warnings(settings: Settings, workers: int) -> list[str]:
    """What ``serve`` should tell the operator before starting (it starts all the same)."""
    from core.limits import is_shared_storage

    warnings = []
    if settings.clock.strip():
        warnings.append(f"the server's clock is set by CC_CLOCK={settings.clock!r}: every date follows it")
    if workers > 1 and not is_shared_storage(settings.rate_limit_storage):
        warnings.append(
            f"--workers {workers} with the rate limiter in process memory: each worker counts its own budget, "
            f"so a principal gets {workers} times rate_limit_cost_per_minute. Set CC_RATE_LIMIT_STORAGE="
            "redis://host:6379/0 for one shared budget (docs/operations.md)."
        )
    return warnings


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


@app.command()
def token(
    email: str, staff: Annotated[list[str] | None, typer.Option(help="Staff role(s)")] = None, ttl: int | None = None
) -> None:
    """Print a development token (HS256) for EMAIL."""
    from core.auth import STAFF_ROLES, issue_token

    bad = set(staff or []) - STAFF_ROLES
    if bad:
        typer.secho(f"unknown staff role(s): {', '.join(bad)}", fg="red", err=True)
        raise typer.Exit(2)
    typer.echo(issue_token(_settings(None), email, staff_roles=staff or [], ttl_seconds=ttl))


@app.command("import")
def import_file(file: Path, database_url: DbUrl = None) -> None:
    """Load order data from FILE.json (docs/import-format.md); all or nothing, idempotent."""
    from core.errors import AppError
    from core.importer import import_data, parse_json

    state = _state(database_url)

    if not file.exists():
        typer.secho(f"no such file: {file}", fg="red", err=True)
        raise typer.Exit(1)
    text = file.read_text()

    async def run():  # noqa: ANN202
        from core.rls import EVERY_TENANT  # the vendor's order data spans tenants (core/rls.py)

        async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
            return await import_data(session, parse_json(text), state)

    try:
        report = asyncio.run(_dispose(state, run()))
    except AppError as exc:
        typer.secho(exc.message, fg="red", err=True)
        for line in exc.extensions.get("errors", []):
            typer.secho(f"  {line}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"imported {report.tenants} tenant(s); sections: {json.dumps(report.sections)}")


AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Run the dated jobs for this date (YYYY-MM-DD) instead of catching up to today"),
]


@jobs_app.command("run")
def jobs_run(job: str | None = None, as_of: AsOf = None, database_url: DbUrl = None) -> None:
    """Run the jobs: each dated job for every day since its last run, in order (or for --as-of
    alone); idempotent, suitable for cron (docs/operations.md)."""
    from datetime import date

    from core.jobs import AsOfRefused, run_jobs
    from core.logs import configure_logging

    settings = _settings(database_url)
    configure_logging(settings.log_level)
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.secho(f"--as-of {as_of!r}: expected a date YYYY-MM-DD", fg="red", err=True)
        raise typer.Exit(2) from None
    state = _state(database_url)
    try:
        done = asyncio.run(_dispose(state, run_jobs(state, job, as_of=day)))
    except AsOfRefused as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None
    except Exception:  # logged with its traceback by run_jobs; the other jobs ran
        typer.secho("a job failed (see the log); the other jobs ran", fg="red", err=True)
        raise typer.Exit(1) from None
    for name, count in done.items():
        typer.echo(f"{name}: {count}")


@jobs_app.command("worker")
def jobs_worker(
    interval: Annotated[int, typer.Option(help="Seconds between runs")] = 300, database_url: DbUrl = None
) -> None:
    """Run the jobs every INTERVAL seconds until SIGTERM/SIGINT, for deployments without cron.
    Several workers (hosts) may run at once: each unit of work is claimed once."""
    import signal

    from core.jobs import run_jobs
    from core.logs import configure_logging, get_logger

    settings = _settings(database_url)
    configure_logging(settings.log_level)
    log = get_logger("customer_center.jobs")
    state = _state(database_url)

    async def loop() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        while not stop.is_set():
            try:
                done = await run_jobs(state)
                log.info("jobs ran", units=done)
            except Exception:  # logged per job by run_jobs; the next round retries
                log.warning("jobs round ended with a failure; retrying next round")
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(1, interval))
            except TimeoutError:
                pass

    asyncio.run(_dispose(state, loop()))


@jobs_app.command("list")
def jobs_list(database_url: DbUrl = None) -> None:
    from core.jobs import all_jobs

    for job in all_jobs(_state(database_url)):
        typer.echo(f"{job.name}\t{job.description}")


@plugins_app.command("list")
def plugins_list(tenant: str | None = None, database_url: DbUrl = None) -> None:
    """Installed plugins, load failures, and (with --tenant) whether each is enabled."""
    from sqlalchemy import select

    from core.models import Tenant

    state = _state(database_url)
    enabled: frozenset[str] = frozenset()
    if tenant:

        async def get():  # noqa: ANN202
            async with state.sessionmaker() as session:
                t = (await session.execute(select(Tenant).where(Tenant.key == tenant))).scalar_one_or_none()
                return t.enabled_plugins if t else None

        found = asyncio.run(_dispose(state, get()))
        if found is None:
            typer.secho(f"no tenant {tenant!r}", fg="red", err=True)
            raise typer.Exit(1)
        enabled = found
    for name, m in sorted(state.plugins.manifests.items()):
        flag = ("enabled" if name in enabled else "disabled") if tenant else ""
        typer.echo(f"{name}\t{m.version}\t{m.title}\t{flag}".rstrip())
    for name, reason in state.plugins.failures.items():
        typer.secho(f"{name}\tFAILED\t{reason}", fg="red")


def _switch(tenant: str, plugin: str, enabled: bool, database_url: str | None) -> None:
    from core.errors import AppError
    from core.graph import set_plugin_enabled

    state = _state(database_url)

    async def run() -> None:
        from core.rls import EVERY_TENANT  # an operator's command, as staff without X-Tenant

        async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
            await set_plugin_enabled(session, state, tenant, plugin, enabled)

    try:
        asyncio.run(_dispose(state, run()))
    except AppError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{plugin} {'enabled' if enabled else 'disabled'} for {tenant}")


@plugins_app.command("enable")
def plugins_enable(tenant: str, plugin: str, database_url: DbUrl = None) -> None:
    _switch(tenant, plugin, True, database_url)


@plugins_app.command("disable")
def plugins_disable(tenant: str, plugin: str, database_url: DbUrl = None) -> None:
    _switch(tenant, plugin, False, database_url)


def full_sdl(state, *, builtin_only: bool = True) -> str:  # noqa: ANN001
    """SDL of core + every built-in plugin (+ every installed external plugin unless ``builtin_only``)."""
    names = [
        n
        for n in state.plugins.names
        if not builtin_only or getattr(state.plugins.plugin(n), "__name__", "").startswith("plugins.")
    ]
    return state.schemas.get(frozenset(names)).as_str() + "\n"


@schema_app.command("export")
def schema_export(
    out: Path = SDL_PATH,
    with_external: Annotated[bool, typer.Option(help="Include installed external plugins")] = False,
) -> None:
    """Write the SDL of the full schema (core + every built-in plugin; the committed file)."""
    state = _state(None)
    text = full_sdl(state, builtin_only=not with_external)
    if str(out) == "-":
        sys.stdout.write(text)
    else:
        out.write_text(text)
        typer.echo(f"wrote {out}")


@assets_app.command("fetch")
def assets_fetch(force: Annotated[bool, typer.Option(help="Fetch again even when present")] = False) -> None:
    """Fetch React, ReactDOM and GraphiQL (pinned versions) with npm and check their integrity."""
    from core.assets import VENDOR_DIR, AssetError, fetch

    try:
        fetched = fetch(force=force)
    except AssetError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{'fetched' if fetched else 'already present'}: GraphiQL assets in {VENDOR_DIR}")


@demo_app.command("seed")
def demo_seed(database_url: DbUrl = None) -> None:
    from core.demo import seed_demo

    state = _state(database_url)
    _upgrade(state)
    created = asyncio.run(_dispose(state, seed_demo(state)))
    typer.echo("demo tenant created" if created else "demo tenant already present")


def main() -> None:
    app()
