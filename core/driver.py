"""Read statements compiled once and sent to the driver as they are (issue 21): SQLAlchemy's
per-execution work (the statement's cache key, the execution context, result processing) was a
third of a compiled page's CPU. On the session's connection — its transaction, or its autocommit
and row-level-security scope — and seen by the engine's ``before_cursor_execute`` listeners as any
statement (the request log's count, the tests' counts, the bench). Results are the driver's values:
no result processing (a ``TypeDecorator``'s ``process_result_value`` does not run). The driver's own
errors are raised as SQLAlchemy's ``DBAPIError`` (a killed backend is a retryable 503, not a 500)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import asyncpg
from sqlalchemy import Date, bindparam
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

#: The acting tenant and the request's day (``ctx.today()``), bound by name in the statements the
#: compiled reads and the dashboards' records run; unbound, the tenant matches no row.
TENANT = bindparam("cc_tenant", required=False)
TODAY = bindparam("cc_today", type_=Date, required=False)
#: What asyncpg raises itself (the server's errors, a lost or confused connection): seen by the
#: request's error handling as SQLAlchemy's ``DBAPIError``, as through SQLAlchemy's own execution.
DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)


@dataclass(frozen=True)
class DriverStatement:
    """A statement compiled once: its text, its parameters in position order — a name given per
    request (with an item's index for an ``IN`` list's values), with its bind processing, or a
    constant of the statement (processed once) — and the names the list's conditions' parameters
    got (in their cache key's order)."""

    sql: str
    positions: tuple[tuple[str, int | None, Callable[[Any], Any] | None, Any], ...]
    where_names: tuple[str, ...]

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, index, process, constant in self.positions:
            if name in values:
                value = values[name] if index is None else values[name][index]
                out.append(value if process is None else process(value))
            else:
                out.append(constant)
        return out


def compile_once(statement: Any, dialect: Any, where_binds: list[Any]) -> DriverStatement | None:
    """``statement`` for the driver, with its ``IN`` lists expanded for as many values as they have
    now (their lengths are part of the statement's shape), or None when its text depends on a value
    (one rendered as a literal)."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    binds = compiled.binds
    if any(b.literal_execute for b in binds.values()):
        return None
    try:
        where_names = tuple(compiled.bind_names[b] for b in where_binds)
    except KeyError:
        return None
    processors = compiled._bind_processors  # what SQLAlchemy's execution context applies
    first = compiled.construct_params(_check=False)  # the request's names have no value yet
    positions = []
    for name in compiled.positiontup or ():
        base, index = name, None
        if name not in binds:  # an IN list's values are named after its parameter: ``x_1`` → ``x_1_2``
            base, _, position = name.rpartition("_")
            if base not in binds or not binds[base].expanding:
                return None
            index = int(position) - 1
        process, constant = processors.get(base), first.get(name)
        if process is not None and constant is not None:
            constant = process(constant)
        positions.append((base, index, process, constant))
    return DriverStatement(compiled.string, tuple(positions), where_names)


class Prepared:
    """A read statement built once (``build``; its values bound by name) and compiled once per
    dialect, for a hot path: ``await Prepared(build).rows(session, {name: value})``."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._statement: Any = None
        self._compiled: dict[str, DriverStatement] = {}

    async def rows(self, session: AsyncSession, values: Mapping[str, Any]) -> Sequence[Any]:
        if session.new or session.dirty or session.deleted:
            await session.flush()  # as the session's own execute would: the read sees this request's changes
        if self._statement is None:
            self._statement = self._build()
        dialect = session.bind.dialect
        if dialect.name != "postgresql" or dialect.driver != "asyncpg":
            connection = await session.connection()
            return (await connection.execute(self._statement, dict(values))).all()
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = compile_once(self._statement, dialect, [])
            if compiled is None:
                raise ValueError("a prepared statement's text may not depend on its values")
            self._compiled[dialect.name] = compiled
        return await fetch(session, compiled, values)


async def fetch(session: Any, statement: DriverStatement, values: Mapping[str, Any]) -> list[Any]:
    """The statement's rows, on the session's connection (its row-level-security scope): straight
    through asyncpg when the connection reads in autocommit (a query's), else through SQLAlchemy's
    driver-level execution, which begins the session's transaction first. In a root field that
    runs :func:`apart`, on that field's own connection when it could have one."""
    arguments = statement.arguments(values)
    own = _APART.get()
    if own is not None and own.session is session and (connection := await own.connection()) is not None:
        return await _fetch_in_autocommit(connection.sync_connection, statement.sql, arguments)
    async with session.serial():
        connection = await session.connection()
        sync = connection.sync_connection
        if sync.connection.dbapi_connection.autocommit:
            return await _fetch_in_autocommit(sync, statement.sql, arguments)
        return list((await connection.exec_driver_sql(statement.sql, tuple(arguments))).all())


async def _fetch_in_autocommit(sync: Any, sql: str, arguments: list[Any]) -> list[Any]:
    adapted = sync.connection.dbapi_connection
    # Seen as any statement by the engine's listeners (the request log, tests, the bench, a tracing
    # span: started before, ended after, on the execution object they annotate).
    listened = sync._has_events or sync.engine._has_events
    execution, parameters = SimpleNamespace(), tuple(arguments)
    if listened:
        for listener in sync.dispatch.before_cursor_execute:
            listener(sync, None, sql, parameters, execution, False)
    try:
        # The adapter's own lock: another root field's statement may be running on the connection.
        async with adapted._execute_mutex:
            return await adapted.driver_connection.fetch(sql, *arguments)
    except DRIVER_ERRORS as exc:  # as SQLAlchemy's adapter reports them: a lost connection is a 503
        raise DBAPIError(sql, None, exc) from exc
    finally:
        if listened:
            for listener in sync.dispatch.after_cursor_execute:
                listener(sync, None, sql, parameters, execution, False)


#: A query's session whose reads may run on connections beside its own (``core.db.make_read_only``
#: on an autocommit connection: each statement sees what is committed when it starts, on any
#: connection alike).
READS_APART = "cc_reads_apart"
#: How many connections a query's root fields hold beside the request's own (``session.info``).
_BORROWED = "cc_borrowed"


class _Apart:
    """A root field's own connection, checked out at its first statement (:func:`apart`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._connection: AsyncConnection | None = None
        self._tried = False

    async def connection(self) -> AsyncConnection | None:
        if not self._tried:
            self._tried = True
            if _may_borrow(self.session):
                from core.rls import scoped_connection

                info = self.session.info
                info[_BORROWED] = info.get(_BORROWED, 0) + 1  # before the check-out: fields start together
                try:
                    self._connection = await scoped_connection(self.session)
                except (DBAPIError, SQLAlchemyTimeout, OSError):
                    info[_BORROWED] -= 1
                    self._connection = None  # the request's own connection then answers, or reports the outage
        return self._connection

    async def close(self) -> None:
        if self._connection is not None:
            self.session.info[_BORROWED] -= 1
            await self._connection.close()


def _may_borrow(session: AsyncSession) -> bool:
    """Only a query's autocommit reads, on asyncpg, while no other request of this process holds a
    connection and at most half the pool's are in use. Beside other requests the CPUs are busy
    already: a borrowed connection then shortens nothing and costs its check-out's round trip and
    statement (a dashboard as finance: three of its ten), so the fields share the request's one."""
    if not session.info.get(READS_APART):
        return False
    bind = session.bind
    if bind.dialect.driver != "asyncpg":
        return False
    pool = bind.sync_engine.pool
    held = pool.checkedout()
    others = held - 1 - session.info.get(_BORROWED, 0)  # 1: the request's own connection
    return others <= 0 and held < pool.size() // 2


_APART: ContextVar[_Apart | None] = ContextVar("cc_driver_apart", default=None)


@asynccontextmanager
async def apart(session: AsyncSession) -> AsyncIterator[None]:
    """The block's driver statements on ``session`` (a query's) run on a connection of their own,
    beside the request's, when :func:`_may_borrow` allows, else on the session's: a query's
    independent root fields are not serialised behind each other on one connection (issue 21)."""
    own = _Apart(session)
    token = _APART.set(own)
    try:
        yield
    finally:
        _APART.reset(token)
        await own.close()
