"""The one CSV writer of every export (renewals R-R18…R-R20, invoicing R-I2 and R-I14, and any
plugin's): every cell goes through ``safe_cell``, so no text a customer typed (a customer reference,
a payment reference, a cart name…) opens in a spreadsheet as a live formula (OWASP "CSV Injection").

Plugins write CSV only through this module: ``csv_header`` for the header in the downloader's
language, ``csv_line`` for one row, ``CsvWriter`` for streamed
partitions, ``csv_stream`` for a header plus rows, and ``csv_response`` for the download itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response, StreamingResponse

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


def csv_response(body: str | AsyncIterable[str], filename: str) -> Response:
    """The download: ``text/csv`` in UTF-8, as an attachment named ``filename``."""
    headers = {"Content-Disposition": f'attachment; filename="{safe_filename(filename)}"'}
    media_type = "text/csv; charset=utf-8"
    if isinstance(body, str):
        return Response(body, media_type=media_type, headers=headers)
    return StreamingResponse(body, media_type=media_type, headers=headers)
