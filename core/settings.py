"""Settings read from the environment (prefix ``CC_``) with safe development defaults."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

# Published in this repository, so anyone can sign tokens with it: development on loopback only.
DEVELOPMENT_JWT_SECRET = "dev-secret-change-me-please-32-bytes!"
# Signs download links (core/links.py); published too, so the same rule applies.
DEVELOPMENT_LINK_SECRET = "dev-link-secret-change-me-please-32-bytes!"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CC_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./customer_center.db"

    # Auth: HS256 with a shared secret in development, RS256 with a JWKS URL or PEM key in production.
    jwt_algorithm: str = "HS256"
    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_public_key: str | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "customer-center-dev"
    jwt_audience: str = "customer-center"
    jwt_ttl_seconds: int = 8 * 3600

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "customer-center@vendor.example"
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: int = 30

    # Webhooks (docs/webhooks.md): attempt n waits backoff * 2**(n-1) after a failure; FAILED after
    # max attempts. Private, loopback and link-local addresses are refused as targets (SSRF) unless
    # inside one of the allowed networks (CIDRs, comma-separated), e.g. "127.0.0.0/8" in tests.
    webhook_max_attempts: int = 8
    webhook_backoff_seconds: int = 60
    webhook_timeout_seconds: float = 10.0
    webhook_concurrency: int = 8  # endpoints served side by side by one delivery run
    webhook_allowed_networks: str = ""
    # Keys (comma-separated, newest first) that encrypt endpoint secrets at rest; empty derives one
    # from link_secret. Rotating: put the new key first, keep the old one after it.
    webhook_secrets_keys: str = ""

    graphiql: bool = True
    # The reference customer portal at /portal (core/portal.py, docs/portal.md); ``make serve`` sets
    # CC_PORTAL=true.
    portal: bool = False
    introspection: bool = True
    # With introspection on, an operation made only of introspection fields (``__schema``,
    # ``__type``, ``__typename``) answers without a token, so GraphiQL's docs load before sign-in.
    # It shows the schema of every installed module (the committed SDL), never any data.
    introspection_without_token: bool = True

    # Browsers on other origins (core/cors.py): comma-separated origins, exact ("https://portal.example")
    # or any port ("http://localhost:*"). None in production until configured; ``make serve`` sets
    # the development loopback origins. Tenants add their portals' origins (Tenant.portalOrigins).
    cors_origins: str = ""
    cors_max_age_seconds: int = 600
    # How long a process trusts its copy of the tenants' portal origins (other processes' changes).
    cors_tenant_cache_seconds: int = 30

    # Signed download links (core/links.py): absolute URLs usable from ``<a href>`` without the
    # bearer header, bound to the person, tenant, resource and expiry.
    link_secret: str = DEVELOPMENT_LINK_SECRET
    link_ttl_seconds: int = 600
    # The server's public address for absolute links (``https://center.example``); unset, each
    # request's own scheme and host are used.
    public_base_url: str | None = None

    # Automatic persisted queries (core/persisted.py): documents kept by hash, at most this many.
    persisted_queries_max: int = 10_000

    # OWASP GraphQL floor (see docs/security.md).
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_query_bytes: int = 50_000
    max_query_cost: int = 50_000
    rate_limit_cost_per_minute: int = 200_000
    # Where the rate budgets are counted: memory:// (each process alone) or redis://host:port/db (one
    # budget across every process and host using that server; docs/operations.md).
    rate_limit_storage: str = "memory://"

    log_level: str = "INFO"

    # "production" marks a live deployment; with it (or with real token keys) CC_CLOCK is refused.
    environment: str = "development"
    # The server's clock for demos, staging and acceptance runs (docs/operations.md): empty = system
    # time; "2026-03-01T09:00:00Z" frozen there; "+45d" / "-3h" the system clock shifted.
    clock: str = ""
    allow_clock_override: bool = False  # lets CC_CLOCK through in production settings (deliberately)
    # PostgreSQL row-level security per tenant under the ORM filter (core/rls.py; no effect on
    # SQLite), on by default: the app then connects as an ordinary role (db create-app-role), never
    # the tables' owner, a superuser or a role with BYPASSRLS. Off: the app must connect as the owner.
    row_level_security: bool = True
    # The tables' owner, for db upgrade, serve's migration step and db create-app-role (default: the
    # app's own URL, for a single-role development database).
    migration_database_url: str | None = None
    # Jobs catch up at most this many missed days (older ones are folded into the first day run).
    jobs_max_catch_up_days: int = 31
    # GET /metrics: with a token, only "Authorization: Bearer <token>"; without, loopback clients only.
    metrics_token: str | None = None

    # Invoicing (R-I19): a customer's refund above this amount (in USD at the billing rates) waits
    # for billing support's approval; at or below it the refund is paid out at once.
    invoicing_refund_approval_usd: Decimal = Decimal("10000.00")

    # The seller on every invoice (issue 17; an invoice must name it): legal name, address and tax id,
    # and the bank account a wire transfer goes to, citing the invoice number (R-I17).
    vendor_legal_name: str = "Vendor Example Ltd."
    vendor_address: str = "1 Example Street, London EC1A 1AA, United Kingdom"
    vendor_tax_id: str = "GB 123 4567 89"
    vendor_bank_name: str = "Example Bank plc"
    vendor_iban: str = "GB29 NWBK 6016 1331 9268 19"
    vendor_bic: str = "NWBKGB2L"

    # Collector tuning applied by each server process once started (core.app.settle_heap); 0 keeps
    # Python's default. A request allocates tens of thousands of short-lived objects, so the default
    # 700 runs the young-generation collection dozens of times per request.
    gc_gen0_threshold: int = 50_000

    # The executor shortcut for plain fields (schema/execution.py); false runs strawberry's own executor.
    fast_executor: bool = True
    # Compiled reads (core/compiled.py, issue 21): the root fields plugins declare compilable answered
    # by one SQL statement each; false answers them by their resolvers. Needs the executor shortcut.
    compiled_reads: bool = True
    # Large CSV exports written by PostgreSQL (``COPY``, core/csvout.py ``database_csv``, issue 21);
    # false writes them in Python as on SQLite. The same bytes either way.
    database_csv: bool = True

    @property
    def uses_development_secret(self) -> bool:
        """Tokens are verified with the secret published in this repository: anyone can forge one."""
        return self.jwt_algorithm == "HS256" and self.jwt_secret == DEVELOPMENT_JWT_SECRET

    @property
    def uses_development_link_secret(self) -> bool:
        return self.link_secret == DEVELOPMENT_LINK_SECRET

    @property
    def cors_origin_patterns(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.cors_origins.split(",") if o.strip())

    @property
    def is_production(self) -> bool:
        """A live deployment: said so, or verifying tokens with real keys."""
        return self.environment.strip().lower() == "production" or not self.uses_development_secret

    def clock_refusal(self) -> str | None:
        """Why CC_CLOCK may not be used with these settings (None when it may, or is unset)."""
        if self.clock.strip() and self.is_production and not self.allow_clock_override:
            return (
                f"refusing CC_CLOCK={self.clock!r} in production settings (CC_ENVIRONMENT=production or real token "
                "keys): every date the product computes would follow it. Unset it, or set "
                "CC_ALLOW_CLOCK_OVERRIDE=true for a staging server that needs it (docs/operations.md)."
            )
        return None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
