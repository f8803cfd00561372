"""Storage: the declarative base, the tenant mixin and the central tenant filter.

Every tenant-owned model inherits :class:`TenantOwned`. A session bound to a tenant
(``session.info["tenant_id"]``) adds ``tenant_id = :tenant`` to every SELECT, UPDATE and DELETE
of such models and stamps new rows with it, so a query that forgets to filter by tenant still
cannot see another tenant's rows (R-T1). Staff and jobs that must cross tenants open a session
with ``tenant_id=None`` on purpose.
"""

from __future__ import annotations

import asyncio
import functools
from collections import namedtuple
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    any_,
    bindparam,
    event,
    select,
)
from sqlalchemy.engine import Result, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransactionOrigin,
    declared_attr,
    make_transient_to_detached,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from core.driver import READS_APART


def _fk_column(constraint: ForeignKeyConstraint, _table: Table) -> str:
    """The referring column a foreign key is named after: the last one, so a tenant-scoped key
    (``tenant_id``, ``invoice_id``) is named after ``invoice_id``, as it was when it was that alone."""
    return list(constraint.columns)[-1].name if constraint.columns else list(constraint.column_keys)[-1]


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk_column": _fk_column,
    "fk": "fk_%(table_name)s_%(fk_column)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite (so SQLite keeps its rowid auto-increment).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both engines (SQLite drops tzinfo otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        from datetime import UTC

        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Amount(TypeDecorator):
    """A money column: Numeric(19, 3), so a 3-decimal currency (KWD, BHD) is stored exactly.

    Read back with at least two decimals and a third only when it is not zero ("12.34", "1.250" is
    "1.25", "1.235"): the amount is the same number, and 2-decimal currencies keep their spelling.
    Display rounds per currency in ``core.money``."""

    impl = Numeric(19, 3)
    cache_ok = True

    def process_result_value(self, value: Decimal | None, dialect: object) -> Decimal | None:
        if value is None:
            return None
        value = Decimal(value)
        cents = value.quantize(CENTS)
        return cents if cents == value else value


CENTS = Decimal("0.01")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        Decimal: Amount(),
        datetime: UTCDateTime(),
        int: BigId,
    }


def record_columns(model: type[Base]) -> list[Any]:
    """Every column attribute of ``model``, named as on the model."""
    return [getattr(model, a.key) for a in model.__mapper__.column_attrs]


def records(model: type[Base]) -> Select:
    """``SELECT`` of every column of ``model``, for read-only lists read with :func:`as_records`.

    A record costs a fraction of an ORM instance (no identity map, instance state or change
    tracking: a third of a 50-invoice page's time went there), and the statement is still an ORM
    select of ``model``'s columns, so the tenant filter below applies to it as to ``select(model)``."""
    return select(*record_columns(model))


@functools.lru_cache(maxsize=256)
def _record_type(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    return namedtuple("Record", keys)  # noqa: PYI024 - the fields are only known at run time


def as_records(result: Result[Any]) -> list[Any]:
    """The rows of ``result`` as named tuples with the columns as attributes (a SQLAlchemy ``Row``
    answers attribute access through a slower lookup, and each page reads thousands of them)."""
    make = _record_type(tuple(result.keys()))._make
    return [make(row) for row in result]


class TenantOwned:
    """Mixin for every business row: it belongs to exactly one tenant (R-T1).

    Keyed by tenant, so the data can be distributed by ``tenant_id`` (Citus, docs/scaling.md): the
    table's primary key is (``tenant_id``, ``id``), with ``id`` generated by the database (BIGSERIAL),
    and a foreign key to another tenant-owned table is (``tenant_id``, ``x_id``) → (``tenant_id``,
    ``id``) (:func:`tenant_fk`), so the database itself refuses a row pointing at another tenant's.
    The ORM still knows a row by ``id`` alone (``session.get(Model, id)``, global ids): ``id`` is
    unique on its own. SQLite cannot generate a column of a composite key, so there the key stays
    ``id`` (the rowid) and (``tenant_id``, ``id``) is a unique constraint (``_sqlite_tenant_key``).
    A model inherits both columns: it declares neither."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The key is declared here rather than by the columns: an implicit composite key is put in
        # the order autoincrement column first, (id, tenant_id), and the index of the key is what
        # answers every "rows of this tenant" read.
        args = cls.__dict__.get("__table_args__", ())
        options = args if isinstance(args, dict) else (args[-1] if args and isinstance(args[-1], dict) else None)
        constraints = () if isinstance(args, dict) else (args[:-1] if options is not None else args)
        key = PrimaryKeyConstraint("tenant_id", "id")
        cls.__table_args__ = (*constraints, key, options) if options is not None else (*constraints, key)
        super().__init_subclass__(**kwargs)

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, sort_order=-2)

    @declared_attr
    def id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(BigId, autoincrement=True, nullable=False, sort_order=-1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"primary_key": [cls.__table__.c.id]}


def tenant_fk(column: str, parent: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """The foreign key ``column`` → ``parent.id`` between tenant-owned tables, scoped by tenant:
    (``tenant_id``, ``column``) → (``parent.tenant_id``, ``parent.id``). Put it in the model's
    ``__table_args__``; the column itself is declared without ``ForeignKey``."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{parent}.tenant_id", f"{parent}.id"], ondelete=ondelete)


def tenant_key_unique_name(table: str) -> str:
    """The name of SQLite's UNIQUE (tenant_id, id), the key composite foreign keys refer to there."""
    return f"uq_{table}_tenant_id_id"


def _generated_in_composite_key(column: Column) -> bool:
    table = column.table
    return table.autoincrement_column is column and len(table.primary_key.columns) > 1


@compiles(CreateColumn, "sqlite")
def _sqlite_tenant_key_column(create: CreateColumn, compiler: Any, **kw: Any) -> str | None:
    """SQLite's column of a composite key with a generated ``id``: a plain ``INTEGER NOT NULL`` that
    :func:`_sqlite_tenant_key` makes the rowid (the dialect refuses to render it otherwise)."""
    column = create.element
    if not _generated_in_composite_key(column):
        return compiler.visit_create_column(create, **kw)
    kind = compiler.dialect.type_compiler_instance.process(column.type, type_expression=column)
    return f"{compiler.preparer.format_column(column)} {kind} NOT NULL"


@compiles(PrimaryKeyConstraint, "sqlite")
def _sqlite_tenant_key(constraint: PrimaryKeyConstraint, compiler: Any, **kw: Any) -> str:
    """On SQLite a composite key with a generated column, (tenant_id, id), is rendered as
    ``PRIMARY KEY (id)`` — an INTEGER primary key alone is the rowid, which SQLite generates — plus
    ``UNIQUE (tenant_id, id)`` for the foreign keys that refer to it."""
    table = constraint.table
    auto = table.autoincrement_column
    if auto is None or len(constraint.columns) < 2:
        return compiler.visit_primary_key_constraint(constraint, **kw)
    quote = compiler.preparer.quote
    name = compiler.preparer.format_constraint(constraint) if constraint.name is not None else None
    key = f"CONSTRAINT {name} " if name else ""
    columns = ", ".join(quote(c.name) for c in constraint.columns)
    return (
        f"{key}PRIMARY KEY ({quote(auto.name)}), "
        f"CONSTRAINT {quote(tenant_key_unique_name(table.name))} UNIQUE ({columns})"
    )


_READ_ONLY = "read_only"  # session.info flag set by make_read_only
# session.info: the current transaction ran a statement the ORM does not know to be a SELECT
_WROTE = "cc_wrote"


class ReadOnlySession(RuntimeError):
    """A read request tried to write: a bug in the code it ran, refused before reaching the database."""


@event.listens_for(Session, "do_orm_execute")
def _apply_tenant_filter(state: ORMExecuteState) -> None:
    if state.session.info.get(_READ_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlySession("a read request may not write")
    if not state.is_select:
        state.session.info[_WROTE] = True
    if state.execution_options.get("skip_tenant_filter"):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = tenant_filtered(state.session.info, state.statement)


def tenant_filtered(info: dict[str, Any], statement: Any) -> Any:
    """``statement`` with the central tenant filter of a session whose ``info`` is given: what the
    ORM adds before it runs a statement, for a statement sent to the driver without the ORM (a
    PostgreSQL ``COPY``, core/csvout.py)."""
    tenant_id = info.get("tenant_id")
    if tenant_id is None:
        return statement
    return statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, _ctx: object, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        if session.info.get(_READ_ONLY):
            raise ReadOnlySession("a read request may not write")
        session.info[_WROTE] = True
    tenant_id = session.info.get("tenant_id")
    if tenant_id is None:
        return
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise PermissionError("row belongs to another tenant")
    for obj in session.dirty:
        if isinstance(obj, TenantOwned) and obj.tenant_id != tenant_id:
            raise PermissionError("row belongs to another tenant")


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def only_read(session: AsyncSession) -> bool:
    """Whether ``session`` is in a transaction it began by itself (not a caller's ``begin()`` block,
    which ends it) that has only read so far: every statement a SELECT (a text statement counts as
    a write: the ORM cannot tell), nothing flushed. Committing it then changes nothing but the end
    of its locks and the release of its connection."""
    transaction = session.sync_session.get_transaction()
    return (
        transaction is not None
        and transaction.origin is SessionTransactionOrigin.AUTOBEGIN
        and not session.info.get(_WROTE)
    )


def make_engine(url: str, **kwargs: object) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    asyncpg = parsed.get_driver_name() == "asyncpg"
    # asyncpg: the check-out's own statement (below) replaces the pool's ping.
    kwargs.setdefault("pool_pre_ping", not asyncpg)
    if asyncpg:
        # PostgreSQL's JIT compiles any statement whose estimated cost passes jit_above_cost: the
        # summary export of 100,000 renewals spent 2.2 s of its 2.7 s compiling (issue 21). Every
        # statement here is an indexed read, a page or a stream that JIT does not speed up.
        connect_args = dict(kwargs.pop("connect_args", None) or {})  # type: ignore[call-overload]
        server_settings = connect_args.setdefault("server_settings", {})
        server_settings.setdefault("jit", "off")
        # Dates as ISO 8601 text whatever the database's default: an export PostgreSQL writes
        # (core/csvout.py ``database_csv``) has them as Python's ``date.isoformat``.
        server_settings.setdefault("DateStyle", "ISO, MDY")
        kwargs["connect_args"] = connect_args
    engine = create_async_engine(url, **kwargs)
    if asyncpg:
        event.listen(engine.sync_engine.pool, "connect", _fresh)
        event.listen(engine.sync_engine.pool, "checkout", _check_out)
    return engine


_FRESH = "cc_fresh"


def _fresh(dbapi_connection: Any, record: Any) -> None:
    record.info[_FRESH] = True  # just connected: alive, and no scope held


def _check_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Each check-out's check that the connection is alive, in one round trip, which also clears a
    row-level-security scope an autocommit read left on it (``core.rls.ready_for_checkout``).
    SQLAlchemy's own asyncpg ping wraps it in BEGIN … ROLLBACK for PgBouncer's transaction mode,
    which this product does not use (three round trips), and would come on top of the clear. A dead
    connection fails here and the pool replaces it (tests/hardening/test_faults_db.py)."""
    from core.rls import ready_for_checkout

    fresh = record.info.pop(_FRESH, False)
    was_autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # the adapter pings without a transaction around it
    try:
        ready_for_checkout(dbapi_connection, record, fresh)
    except Exception as exc:
        if fresh:
            # Just connected and gone already (the server killing backends, shutting down): the
            # pool's one more attempt would end in "This connection is closed", a 500 — this is
            # the outage the request handlers answer SERVICE_UNAVAILABLE, retryable.
            raise OperationalError("the connection's check-out", None, exc) from exc
        raise DisconnectionError("the pooled connection did not answer") from exc
    finally:
        dbapi_connection.autocommit = was_autocommit


class _TaskLock:
    """An asyncio lock that the task holding it may enter again (session methods call each other)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._depth = 0

    async def __aenter__(self) -> None:
        me = asyncio.current_task()
        if self._owner is me and me is not None:
            self._depth += 1
            return
        await self._lock.acquire()
        self._owner, self._depth = me, 1

    async def __aexit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


def _serialised(name: str) -> object:
    method = getattr(AsyncSession, name)

    @functools.wraps(method)
    async def call(self: SerialAsyncSession, *args: object, **kwargs: object) -> object:
        async with self._serial:
            return await method(self, *args, **kwargs)

    return call


class SerialAsyncSession(AsyncSession):
    """An AsyncSession whose database calls run one at a time.

    graphql-core resolves sibling fields concurrently — the root fields of a query (a portal
    dashboard asks for viewer, renewals and invoices at once) and the batches of different
    DataLoaders — while an AsyncSession must never be used by two coroutines at once ("This session
    is provisioning a new connection; concurrent operations are not permitted"). One request's
    statements run on one connection anyway, so serialising them costs nothing."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._serial = _TaskLock()

    def serial(self) -> _TaskLock:
        """Held around a statement sent to the session's connection by the driver itself (the
        compiled reads' pages), as the session's own methods hold it."""
        return self._serial


for _name in (
    "execute",
    "scalar",
    "scalars",
    "get",
    "get_one",
    "stream",
    "stream_scalars",
    "flush",
    "refresh",
    "merge",
    "delete",
    "run_sync",
    "connection",
    "commit",
    "rollback",
):
    setattr(SerialAsyncSession, _name, _serialised(_name))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    from core.rls import ScopedSession  # applies the row-level security scope on every transaction

    return async_sessionmaker(
        engine,
        class_=SerialAsyncSession,
        sync_session_class=ScopedSession,
        expire_on_commit=False,
        autoflush=True,
    )


@asynccontextmanager
async def tenant_session(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_id: int | None
) -> AsyncIterator[AsyncSession]:
    """One transaction bound to a tenant (the ORM filter and the row-level security scope, core/rls.py):
    committed on success, rolled back on any exception. ``tenant_id`` None: the ORM filter is off,
    and row-level security then shows nothing unless the caller scopes the session (``set_scope``)."""
    async with sessionmaker() as session:
        session.info["tenant_id"] = tenant_id
        async with session.begin():
            yield session


_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


async def use_autocommit(session: AsyncSession) -> AsyncConnection:
    """Run the session's statements without a transaction around them (call it before the
    session's first statement). For reads at READ COMMITTED each statement sees what is committed
    when it starts either way; this only spares a BEGIN and a ROLLBACK round trip per request."""
    return await session.connection(execution_options=_AUTOCOMMIT)


async def make_read_only(session: AsyncSession, *, autocommit: bool = True) -> None:
    """From here on ``session`` only reads (a GraphQL query after its caller's sign-in is committed):
    on an autocommit connection (:func:`use_autocommit`), and any write — a flush of changed rows,
    an INSERT, UPDATE or DELETE — is refused with :class:`ReadOnlySession` instead of reaching the
    database, where autocommit would keep it."""
    if autocommit and not session.in_transaction():  # the sign-in was committed: the next connection too
        await use_autocommit(session)
    session.info[_READ_ONLY] = True
    session.info[READS_APART] = autocommit
    session.autoflush = False


def loaded(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> Any:
    """The ``model`` object of a row read without the ORM (``values`` by attribute, every column's),
    as a query would have loaded it into ``session``: the one the session holds already, else a new
    persistent object with these values and no changes, its relationships not loaded."""
    mapper = model.__mapper__
    key = mapper.identity_key_from_primary_key(
        [values[mapper.get_property_by_column(c).key] for c in mapper.primary_key]
    )
    held = session.sync_session.identity_map.get(key)
    if held is not None:
        return held
    obj = mapper.class_manager.new_instance()
    # As the ORM's loading does: the row's values straight into the new object's dict (no change
    # events: it has none to track yet), then committed as loaded (``make_transient_to_detached``).
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


class _NameSet(TypeDecorator[frozenset[str]]):
    """A list of names as the driver returns it (PostgreSQL's array, SQLite's JSON text), as a set."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(ARRAY(String()) if dialect.name == "postgresql" else JSON())

    def process_result_value(self, value: Any, dialect: object) -> frozenset[str]:
        return frozenset(value) if value else frozenset()


class name_set(FunctionElement[frozenset[str]]):  # noqa: N801 - used as a SQL function, as func.* are
    """``name_set(column)``: the aggregate of a column of names as a ``frozenset`` (empty over no
    rows): ``array_agg`` on PostgreSQL, ``json_group_array`` on SQLite. Exact whatever the names hold
    (no separator to split on); for short lists read on every request (core/caller.py)."""

    type = _NameSet()
    name = "name_set"
    inherit_cache = True


@compiles(name_set)
def _name_set_json(element: name_set, compiler: Any, **kw: Any) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(name_set, "postgresql")
def _name_set_array(element: name_set, compiler: Any, **kw: Any) -> str:
    return f"array_agg({compiler.process(element.clauses, **kw)})"


def one_of(session: AsyncSession, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``column = ANY(:values)`` with one array parameter, so
    a page's 50 ids are one bound value rather than 50 parameters coerced, and rendered into the
    statement, on every request (the page-lines loaders, docs/performance.md)."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def is_postgres(session_or_engine: AsyncSession | AsyncEngine) -> bool:
    bind = session_or_engine.bind if isinstance(session_or_engine, AsyncSession) else session_or_engine
    return bind.dialect.name == "postgresql"
