"""Documents a person downloads (the invoice, the renewal's ordering document): one localized HTML
template per document, rendered in the reader's language (``core.i18n``: ``lang``/``dir``, CLDR money
and dates) and served as HTML or as PDF (WeasyPrint, with the fonts the set-up installs: Noto for
Latin with Polish and Romanian diacritics, and Arabic; README).

A document's language is the ``lang`` query parameter when it names a supported locale (a billing
contact may download the invoice in the buyer's language), else the request's (``ctx.locale``)."""

from __future__ import annotations

import asyncio
import re
import threading
import unicodedata
from copy import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import parse_pattern
from jinja2 import Environment, FileSystemLoader, pass_context
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from core.errors import BadUserInput
from core.i18n import DEFAULT_LOCALE, _, jinja_environment, locales_list, render_template, supported_locale
from core.money import whole_units

PDF = "application/pdf"
# Fonts named first are used when they have the glyph; Noto Sans (fonts-noto-core) covers Latin
# (ą ę ł ż ș ț ä ö ß) and Noto Sans Arabic the Arabic script, DejaVu Sans is the last resort.
FONT_STACK = '"Noto Sans", "Noto Sans Arabic", "Noto Naskh Arabic", "DejaVu Sans", sans-serif'


def format_money_whole(amount: Decimal, currency: str, locale: str) -> str:
    """``amount`` rounded to whole units (R-I10's display: "USD 709") in the locale's currency pattern."""
    loc = Locale.parse(supported_locale(locale) or DEFAULT_LOCALE)
    pattern = copy(parse_pattern(loc.currency_formats["standard"].pattern))
    pattern.frac_prec = (0, 0)
    return pattern.apply(whole_units(amount), loc, currency=currency, currency_digits=False)


@pass_context
def _money_whole(context: Any, amount: Decimal, currency: str) -> str:
    return format_money_whole(amount, currency, context.get("locale") or DEFAULT_LOCALE)


def percent(rate: Decimal, locale: str) -> str:
    """A tax rate (0.23) as the locale writes a percentage (23 %, 23%, ٢٣٪؜ as CLDR says)."""
    loc = Locale.parse(supported_locale(locale) or DEFAULT_LOCALE)
    pattern = copy(parse_pattern(loc.percent_formats[None].pattern))
    pattern.frac_prec = (0, 4)  # 23 %, 7,25 %, 8,1 %: every digit of the rate, none invented
    return pattern.apply(rate, loc)


@pass_context
def _percent(context: Any, rate: Decimal) -> str:
    return percent(rate, context.get("locale") or DEFAULT_LOCALE)


def text_direction_of(value: object) -> str:
    """``rtl`` when the text's first strong character is right-to-left (Arabic, Hebrew), else ``ltr``:
    the direction of a value (a name, an address) inside a document of either direction (what
    ``dir="auto"`` means, which the PDF renderer does not implement)."""
    for char in str(value or ""):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def environment(templates: Path) -> Environment:
    """The localized jinja2 environment of a plugin's ``templates`` folder: ``_()`` and the filters
    ``money``, ``date``, ``decimal`` of core.i18n, plus ``money_whole``, ``percent`` and ``textdir``
    (``<bdi dir="{{ name|textdir }}">``: a value keeps its own direction)."""
    env = jinja_environment(FileSystemLoader(templates))
    env.globals["font_stack"] = FONT_STACK
    env.filters["money_whole"] = _money_whole
    env.filters["percent"] = _percent
    env.filters["textdir"] = text_direction_of
    return env


def document_locale(ctx: Any, request: Request) -> str:
    """``?lang=`` when it is a supported locale, else the request's locale."""
    return supported_locale(request.query_params.get("lang")) or getattr(ctx, "locale", None) or "en"


def document_path(path: str, lang: str | None) -> str:
    """A document route's path, in the language ``lang`` names (a ``…Url(lang:)`` field signs it with
    the query, so the link keeps its language); BAD_USER_INPUT for a language with no catalog."""
    if lang is None:
        return path
    locale = supported_locale(lang)
    if locale is None:
        raise BadUserInput(_("lang must be one of {locales}", locales=locales_list()), field="lang")
    return f"{path}?lang={locale}"


def render(env: Environment, name: str, locale: str, **variables: Any) -> str:
    return render_template(env, name, locale, **variables)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (no external resources are fetched: the base URL is
    unset and every style is inline, so a document cannot make the server request anything)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"documents load no external resource ({url[:40]})")


def _disposition(filename: str, extension: str, disposition: str) -> dict[str, str]:
    # Numbers come from imported data: only safe characters reach the header.
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:100]
    return {"Content-Disposition": f'{disposition}; filename="{safe}.{extension}"'}


# A render takes a CPU for a fraction of a second: at most this many at once per process, so a burst
# of PDF downloads queues (in worker threads, never on the event loop) instead of taking every core.
RENDERS_AT_ONCE = 2
_renders = threading.BoundedSemaphore(RENDERS_AT_ONCE)


def _bounded_render(html: str) -> bytes:
    with _renders:
        return html_to_pdf(html)


async def pdf_response(html: str, filename: str, disposition: str = "inline") -> Response:
    """``html`` rendered to PDF off the event loop, a bounded number of renders at a time."""
    pdf = await asyncio.to_thread(_bounded_render, html)
    return Response(pdf, media_type=PDF, headers=_disposition(filename, "pdf", disposition))


def html_response(html: str, filename: str, disposition: str = "inline") -> Response:
    return HTMLResponse(html, headers=_disposition(filename, "html", disposition))
