"""The one CSV writer of every export (renewals R-R18…R-R20, invoicing R-I2 and R-I14, and any
plugin's): every cell goes through ``safe_cell``, so no text a customer typed (a customer reference,
a payment reference, a cart name…) opens in a spreadsheet as a live formula (OWASP "CSV Injection").

Plugins write CSV only through this module: ``csv_header`` for the header in the downloader's
language, ``csv_line`` for one row, ``CsvWriter`` for streamed
partitions, ``csv_stream`` for a header plus rows, and ``csv_response`` for the download itself.

On PostgreSQL a large export can be written by the database instead (issue 21): ``database_csv``
streams ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` on the request's own connection — its tenant
filter and row-level-security scope — with every cell an SQL expression giving the very text
Python would write: ``sql_text_cell`` (``safe_cell`` of a text), ``sql_date_cell``, and
``core.money.sql_quantized_text`` for amounts. The bytes are those of ``csv_stream`` (a
differential test holds both paths to it); ``Settings.database_csv`` (``CC_DATABASE_CSV=false``)
turns it off.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from core.db import is_postgres, tenant_filtered
from core.i18n import render

# OWASP: a cell starting with one of these is run as a formula (or, for tab and CR, lets the
# next character be read as one) by Excel, LibreOffice or Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The full-width forms, which Excel on East-Asian locales also reads as formula starts.
FULLWIDTH_TRIGGERS = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
NEUTRALISER = "'"
DEFAULT_PARTITION = 500
_AFTER_BLANKS = tuple(t for t in FORMULA_TRIGGERS if not t.isspace()) + FULLWIDTH_TRIGGERS
# A text whose first character is neither a trigger nor a blank is written as it is (``neutralise``
# only ever changes a text that starts with one): ``safe_row`` tests that inline, so a 100,000-row
# export does not pay a function call per cell (issue 21).
_FIRST_TRIGGERS = frozenset(FORMULA_TRIGGERS + FULLWIDTH_TRIGGERS)
_NUMBERS = frozenset({int, Decimal, float})  # exact types: bool (an int) is text, as in safe_cell


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it without evaluating it: prefixed with a single quote when
    it starts with a formula trigger — also after leading blanks, which some importers trim."""
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip().startswith(_AFTER_BLANKS):
        return NEUTRALISER + text
    return text


def safe_cell(value: Any) -> str | int | Decimal | float:
    """One cell of an export.

    Numbers the product computes (``int``, ``Decimal``, ``float``; not ``bool``) are written as they
    are, even when negative: a credit or refund of ``-12.50`` must stay a number a finance team can
    sum, and a number's text (digits, sign, point, exponent) cannot call a function. So a plugin
    passes amounts as ``Decimal``, never pre-formatted as text. Everything else is text and is
    neutralised (``neutralise``) — fail closed: an object whose ``str()`` is user text is treated as
    text. ``None`` is an empty cell; dates are ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, (int, Decimal, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return neutralise(value if isinstance(value, str) else str(value))


def safe_row(values: Iterable[Any]) -> list[Any]:
    """``[safe_cell(v) for v in values]``, with plain text and numbers passed without the call."""
    return [
        v
        if (type(v) is str and v[:1] not in _FIRST_TRIGGERS and not v[:1].isspace()) or type(v) in _NUMBERS
        else safe_cell(v)
        for v in values
    ]


# -- the same cells written by PostgreSQL (``database_csv``) ---------------------------------------
# Every character ``str.isspace`` (so ``str.lstrip``) counts as a blank: none lies above U+3000
# (tests/test_csvout_database.py checks the whole range).
BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# ``neutralise`` as a regular expression: a tab or CR first, or a trigger after any blanks.
_BRACKET_ESCAPE = {"\\": "\\\\", "^": "\\^", "-": "\\-", "]": "\\]"}


def _bracket(chars: Iterable[str]) -> str:
    return "[" + "".join(_BRACKET_ESCAPE.get(c, c) for c in chars) + "]"


NEUTRALISE_PATTERN = f"^(?:[\t\r]|{_bracket(BLANKS)}*{_bracket(_AFTER_BLANKS)})"
# The first characters that can start a neutralised text: a cheap test before the pattern's.
_SUSPECT_CODES = sorted({ord(c) for c in BLANKS + "".join(_AFTER_BLANKS)})
# COPY ends each row with LF where Python's csv writes CR LF, and keeps a line break inside a quoted
# cell as it is: to tell the two apart the database writes a cell's own LF as ``_LEAD`` + ",", and
# its own ``_LEAD`` as ``_LEAD`` + ``_LEAD_ITSELF`` (``CopyDecoder`` undoes both after turning row ends
# into CR LF). The comma keeps such a cell quoted, as Python quotes a cell with a line break; no
# byte of these is part of a multi-byte UTF-8 character.
_LEAD, _LEAD_ITSELF = "\x01", "\x02"
# COPY writes NULL as its NULL text and quotes a text equal to it (``""`` for an empty text, by
# default), where Python's csv writes both as nothing: NULL is written as ``_NULL``, which no
# escaped text contains (a lead is followed by a comma or ``_LEAD_ITSELF``), and removed.
_NULL = _LEAD + "N"


def sql_neutralised(text: ColumnElement[str]) -> ColumnElement[str]:
    """SQL (PostgreSQL) for ``neutralise(text)`` (NULL stays NULL)."""
    suspect = and_(func.ascii(text).in_(_SUSPECT_CODES), text.regexp_match(NEUTRALISE_PATTERN))
    return case((suspect, literal(NEUTRALISER) + text), else_=text)


def sql_text_cell(text: ColumnElement[Any]) -> ColumnElement[str]:
    """One text cell as ``database_csv`` writes it: ``safe_cell`` of the text (NULL an empty cell),
    its line breaks and ``_LEAD`` escaped for the trip through COPY."""
    return func.replace(func.replace(sql_neutralised(text), _LEAD, _LEAD + _LEAD_ITSELF), "\n", _LEAD + ",")


def sql_date_cell(day: ColumnElement[date]) -> ColumnElement[date]:
    """A date cell: the column itself, which PostgreSQL writes as ``date.isoformat`` does in the
    ISO DateStyle every connection is opened with (``core.db.make_engine``; ``database_csv``
    refuses another)."""
    return day


def sql_choice(flag: ColumnElement[bool], when_true: str, otherwise: str) -> ColumnElement[str]:
    """A constant text chosen by a flag (NULL chooses ``otherwise``, as Python's ``if``)."""
    return case((flag, when_true), else_=otherwise)


def database_writes_csv(session: AsyncSession, settings: Any) -> bool:
    """Whether ``database_csv`` serves this session: PostgreSQL through asyncpg, and not turned off."""
    on = bool(getattr(settings, "database_csv", True))
    return on and is_postgres(session) and session.bind.dialect.driver == "asyncpg"


def driver_query(session: AsyncSession, statement: Select) -> tuple[str, list[Any]]:
    """``statement`` as the driver receives it from the ORM: with the session's tenant filter
    (``core.db.tenant_filtered``), compiled for its dialect, the parameters in position order, each
    through its type's bind processing (a ``TypeDecorator``'s too, also inside an ``IN`` list)."""
    dialect = session.bind.dialect
    compiled = tenant_filtered(session.info, statement).compile(
        dialect=dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    processors = compiled._bind_processors  # what SQLAlchemy's execution context applies

    def processed(name: str) -> Any:
        value = params[name]
        processor = processors.get(name)
        if processor is None:  # an IN list's values are named after its parameter: ``x_1`` → ``x_1_2``
            base = name.rpartition("_")[0]
            if base in compiled.binds and compiled.binds[base].expanding:
                processor = processors.get(base)
        return value if processor is None else processor(value)

    return compiled.string, [processed(name) for name in compiled.positiontup or ()]


class CopyDecoder:
    """COPY's bytes, chunk by chunk, as Python's csv writes them (see ``_LEAD``): NULLs removed,
    row ends CR LF, the escaped line breaks and leads restored — in that order. A chunk ending in a
    lead holds it back: its pair starts the next chunk."""

    NULL, LEAD, LF, LEAD_ITSELF = (t.encode() for t in (_NULL, _LEAD, _LEAD + ",", _LEAD + _LEAD_ITSELF))

    def __init__(self) -> None:
        self._held = b""

    def feed(self, chunk: bytes | bytearray) -> bytes:
        data = self._held + chunk if self._held else bytes(chunk)  # asyncpg hands a bytearray
        if data.endswith(self.LEAD):
            data, self._held = data[:-1], self.LEAD
        else:
            self._held = b""
        return (
            data.replace(self.NULL, b"")
            .replace(b"\n", b"\r\n")
            .replace(self.LF, b"\n")
            .replace(self.LEAD_ITSELF, self.LEAD)
        )

    def end(self) -> None:
        if self._held:  # COPY ends every row with LF: a lead last is not COPY's output
            raise ValueError("COPY output ended inside an escape")


COPY_QUEUE = 4  # chunks held between the database and the client: the connection waits beyond


class _Abandoned(Exception):
    """Raised into the driver's COPY when the client is gone: it cancels the statement cleanly."""


class DatabaseCsv:
    """The header, then the rows of ``statement`` — two columns or more, each a ``sql_*_cell``
    expression (or an integer, written as it is) — as PostgreSQL's ``COPY … (FORMAT csv)`` writes
    them, on the session's connection: in its transaction, under its row-level-security scope, with
    its tenant filter. The bytes are ``csv_stream``'s for the same values (tests/test_csvout_database.py).

    Streamed: the driver stops reading while ``COPY_QUEUE`` chunks wait for the client, so memory
    stays flat however many rows. The driver pushes chunks from a task of its own; ``close`` (the
    response's background task, run before the session is closed, also when the client went
    away) makes that COPY end — cancelled from inside the driver's own chunk handler, the one
    cancellation that leaves the connection usable — and waits for it."""

    def __init__(self, session: AsyncSession, header: Iterable[str], statement: Select) -> None:
        self._session, self._header, self._statement = session, list(header), statement
        self._queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(COPY_QUEUE)
        self._task: asyncio.Task[None] | None = None
        self._abandoned = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        yield csv_line(self._header).encode()
        sql, args = driver_query(self._session, self._statement)
        connection = await self._session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        server = driver.get_settings()
        if not server.DateStyle.startswith("ISO") or server.server_encoding != "UTF8":
            # A date would be written in another style, a character's test on its first byte alone.
            raise RuntimeError("database_csv needs a UTF8 database and the ISO DateStyle (core.db.make_engine)")
        self._task = asyncio.create_task(self._copy(driver, sql, args))
        decoder = CopyDecoder()
        try:
            while (chunk := await self._queue.get()) is not None:
                if isinstance(chunk, BaseException):
                    raise chunk
                yield decoder.feed(chunk)
            decoder.end()
        finally:
            self._abandon()

    async def _copy(self, driver: Any, sql: str, args: list[Any]) -> None:
        try:
            await driver.copy_from_query(sql, *args, output=self._sink, format="csv", null=_NULL)
        except _Abandoned:
            return
        except Exception as exc:  # handed to the reader, which raises it in the response
            if not self._abandoned:
                await self._queue.put(exc)
            return
        if not self._abandoned:
            await self._queue.put(None)

    async def _sink(self, chunk: bytes) -> None:
        if not self._abandoned:
            await self._queue.put(chunk)
        if self._abandoned:
            raise _Abandoned

    def _abandon(self) -> None:
        """No more chunks are read: a chunk handler waiting for room resumes and ends the COPY."""
        self._abandoned = True
        while not self._queue.empty():
            self._queue.get_nowait()

    async def close(self) -> None:
        """End the COPY if it still runs (the client went away) and wait for the driver to be idle."""
        self._abandon()
        if self._task is not None:
            await asyncio.wait({self._task})


def database_csv(session: AsyncSession, header: Iterable[str], statement: Select) -> DatabaseCsv:
    """An export of ``statement`` written by PostgreSQL (:class:`DatabaseCsv`), for ``csv_response``."""
    return DatabaseCsv(session, header, statement)


class CsvWriter:
    """Rows into CSV text (Python's csv module: quoting, embedded quotes and line breaks); ``take``
    hands over what was written since the last call, so a download streams in partitions."""

    def __init__(self) -> None:
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(values))

    def take(self) -> str:
        text = self._buf.getvalue()
        self._buf.seek(0)
        self._buf.truncate()
        return text


def csv_header(columns: Iterable[Any], locale: str) -> list[str]:
    """A header row in the downloader's language (``ctx.locale``): columns are ``_()`` messages.
    Only the header is translated: the cells stay machine values (ISO dates, plain numbers with a
    point, currency codes, status codes), so a spreadsheet computes with them and a script reads them
    whatever the language (docs/i18n.md)."""
    return [render(c, locale) for c in columns]


def csv_line(values: Iterable[Any]) -> str:
    """One CSV row (with its line end), every cell through ``safe_cell``."""
    writer = CsvWriter()
    writer.writerow(values)
    return writer.take()


async def csv_stream(
    header: Iterable[str], rows: AsyncIterable[Iterable[Any]], partition: int = DEFAULT_PARTITION
) -> AsyncIterator[str]:
    """The header, then the rows in chunks of ``partition`` rows: memory stays flat however many."""
    writer = CsvWriter()
    writer.writerow(header)
    yield writer.take()
    n = 0
    async for row in rows:
        writer.writerow(row)
        n += 1
        if n % partition == 0:
            yield writer.take()
    yield writer.take()


def safe_filename(name: str) -> str:
    """A download's file name as it may stand in ``Content-Disposition``: record numbers in it come
    from imported data, and a quote or line break there would end the header value (headers are
    Latin-1, hence ASCII only)."""
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c in "-_.")) or "download"


def csv_response(body: str | AsyncIterable[str] | DatabaseCsv, filename: str) -> Response:
    """The download: ``text/csv`` in UTF-8, as an attachment named ``filename``."""
    headers = {"Content-Disposition": f'attachment; filename="{safe_filename(filename)}"'}
    media_type = "text/csv; charset=utf-8"
    if isinstance(body, str):
        return Response(body, media_type=media_type, headers=headers)
    # A COPY is ended before anything else touches its connection (core.http closes the session after).
    background = BackgroundTask(body.close) if isinstance(body, DatabaseCsv) else None
    return StreamingResponse(body, media_type=media_type, headers=headers, background=background)
