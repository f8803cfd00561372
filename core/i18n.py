"""Languages: gettext catalogs, CLDR formatting (Babel) and the reader's locale.

Every text a person reads — emails, message-center entries, documents, CSV headers, error messages —
is written in English in the code, marked with :func:`_`, and rendered in the reader's locale:

- ``_("Invoice {number} is due on {due}", number=n, due=d)`` is a :class:`LazyText`; it is rendered
  when it is read (``str()`` uses the request's locale, :func:`render` a chosen one). Parameters that
  are a :class:`~core.money.Money`, a ``Decimal``, a ``date``/``datetime`` or another ``LazyText`` are
  formatted for that locale; anything else is inserted as text. Placeholders are ``{name}`` only (no
  attribute access, no format spec), so a translator's string cannot reach into an object.
- Catalogs are ``core/locale/<lang>/LC_MESSAGES/messages.po`` (the template ``core/locale/messages.pot``
  is extracted from core/ and plugins/ by ``make i18n-extract``, see babel.cfg and docs/i18n.md). The
  ``.po`` files are the source of truth: they are compiled in memory on first use, so a fresh clone
  needs no build step and a compiled file can never be stale.
- The request's locale is ``ctx.locale`` (core/context.py), also held by :data:`current_locale` for
  code that has no context (an error's message is rendered when the response is written).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache, wraps
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.numbers import format_decimal as _babel_decimal
from babel.support import NullTranslations, Translations
from jinja2 import BaseLoader, Environment, pass_context, select_autoescape

DEFAULT_LOCALE = "en"
# The languages with a complete catalog (tests/test_i18n.py holds every catalog to the template).
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "pl", "ro", "de", "ar")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# Catalog directories of installed plugins that ship their own (a reseller's package); built-in plugins
# share core's catalog. Each is ``<dir>/<lang>/LC_MESSAGES/messages.po``.
_EXTRA_DIRS: list[Path] = []

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)

PLACEHOLDER = re.compile(r"\{(\w+)\}")


# -- locales ------------------------------------------------------------------------------------


def supported_locale(value: object) -> str | None:
    """The supported locale ``value`` names (``pl``, ``PL``, ``pl-PL``, ``pl_PL`` → ``pl``), or None."""
    if not isinstance(value, str) or not value.strip() or len(value) > 35:
        return None
    return _supported(value.strip().replace("-", "_"))


# Every request asks for its caller's locale; Babel's parse of a tag costs more than the rest of it.
@lru_cache(maxsize=256)
def _supported(tag: str) -> str | None:
    try:
        parsed = Locale.parse(tag)
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return parsed.language if parsed.language in SUPPORTED_LOCALES else None


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most preferred first (RFC 9110 §12.5.4);
    ``q=0`` means "not acceptable" and is dropped, a malformed weight counts as 0."""
    ranked: list[tuple[Decimal, int, str]] = []
    for i, part in enumerate((header or "")[:1000].split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        q = Decimal(1)
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = Decimal(value)
                except InvalidOperation:
                    q = Decimal(0)
        if not q.is_nan() and q > 0:
            ranked.append((-q, i, tag))
    return [tag for _q, _i, tag in sorted(ranked)]


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The supported locale that best matches an ``Accept-Language`` header (Babel's negotiation,
    then the bare language of a regional tag: ``de-AT`` → ``de``), or ``default``."""
    preferred = parse_accept_language(accept_language)
    found = negotiate_locale([t.replace("-", "_") for t in preferred], list(SUPPORTED_LOCALES), sep="_")
    if found:
        return found
    for tag in preferred:
        locale = supported_locale(tag)
        if locale:
            return locale
    return default


R = TypeVar("R")


def in_asked_locale(endpoint: Callable[[Any], Awaitable[R]]) -> Callable[[Any], Awaitable[R]]:
    """An HTTP endpoint answering in the locale its request's ``Accept-Language`` asks for until the
    caller is known (their context then sets their own: request_locale)."""

    @wraps(endpoint)
    async def localized(request: Any) -> R:
        token = current_locale.set(negotiate(request.headers.get("accept-language")))
        try:
            return await endpoint(request)
        finally:
            current_locale.reset(token)

    return localized


def locale_of(person: Any = None, tenant: Any = None) -> str:
    """The locale a person reads in when no request says otherwise (emails, jobs): their own choice,
    else their tenant's default, else English."""
    for candidate in (getattr(person, "locale", None), getattr(tenant, "default_locale", None)):
        found = supported_locale(candidate)
        if found:
            return found
    return DEFAULT_LOCALE


def request_locale(person: Any = None, tenant: Any = None, accept_language: str | None = None) -> str:
    """The locale of a request: the person's own choice, else what the client asks for
    (``Accept-Language``: an anonymous caller, or a person who never chose), else the tenant's
    default, else English."""
    own = supported_locale(getattr(person, "locale", None))
    if own:
        return own
    if accept_language:
        asked = negotiate(accept_language, default="")
        if asked:
            return asked
    return locale_of(None, tenant)


def text_direction(locale: str) -> str:
    """``rtl`` or ``ltr``, from CLDR's character order (Arabic is right-to-left)."""
    return "rtl" if _locale(locale).character_order == "right-to-left" else "ltr"


@lru_cache(maxsize=64)
def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(supported_locale(locale) or DEFAULT_LOCALE)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LOCALE)


# -- formatting (CLDR) --------------------------------------------------------------------------


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """``12 000,00 zł`` (pl), ``1.234,56 €`` (de), ``$1,234.56`` (en): CLDR's pattern, symbol and the
    currency's own number of decimals (JPY 0, KWD 3)."""
    return format_currency(amount, currency, locale=_locale(locale))


def format_decimal(value: Decimal | int | float, locale: str) -> str:
    """A number with the locale's grouping and decimal separators; every given digit is kept."""
    if isinstance(value, Decimal):
        places = max(0, -value.as_tuple().exponent) if isinstance(value.as_tuple().exponent, int) else 0
        pattern_digits = "#,##0" + ("." + "0" * places if places else "")
        return _babel_decimal(value, format=pattern_digits, locale=_locale(locale))
    return _babel_decimal(value, locale=_locale(locale))


def format_date(value: date | datetime, locale: str, format: str = "long") -> str:
    """A calendar date for a reader: ``1 marca 2027`` (pl), ``1. März 2027`` (de), ``March 1, 2027``
    (en). The long form never leaves day and month ambiguous across languages."""
    if isinstance(value, datetime):
        value = value.date()
    return _babel_date(value, format=format, locale=_locale(locale))


def format_datetime(value: datetime, locale: str, format: str = "medium") -> str:
    return _babel_datetime(value, format=format, locale=_locale(locale))


# -- catalogs -----------------------------------------------------------------------------------


def add_catalog_dir(path: Path) -> None:
    """Also look up messages in ``path`` (a plugin package's ``locale`` directory); core's catalog
    wins where both translate the same message."""
    if path not in _EXTRA_DIRS:
        _EXTRA_DIRS.append(path)
        translations.cache_clear()


def _read(path: Path, locale: str) -> Translations | None:
    po = path / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return None
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


@lru_cache(maxsize=16)
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of a supported locale. English is the source language: its messages are
    the msgids themselves, so it has no catalog."""
    found: NullTranslations | None = _read(LOCALE_DIR, locale)
    for extra in _EXTRA_DIRS:
        more = _read(extra, locale)
        if more is None:
            continue
        if found is None:
            found = more
        else:
            found.add_fallback(more)
    return found or NullTranslations()


# -- messages -----------------------------------------------------------------------------------


def format_value(value: Any, locale: str) -> str:
    """A message parameter as the reader of ``locale`` reads it."""
    from core.money import Money

    if isinstance(value, LazyText):
        return value.render(locale)
    if isinstance(value, Money):
        return format_money(value.amount, value.currency, locale)
    if isinstance(value, Decimal):
        return format_decimal(value, locale)
    if isinstance(value, int) and not isinstance(value, bool):
        # Counts and limits in messages are small; ids, years and line numbers must not be grouped.
        return str(value)
    if isinstance(value, (date, datetime)):
        return format_date(value, locale)
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v, locale) for v in value)
    return str(value)


def interpolate(text: str, params: Mapping[str, Any], locale: str) -> str:
    """Replace each ``{name}`` by its formatted parameter; an unknown name stays as written."""
    if not params:
        return text

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return format_value(params[name], locale) if name in params else match.group(0)

    return PLACEHOLDER.sub(one, text)


def translate(locale: str | None, msgid: str, /, **params: Any) -> str:
    """``msgid`` in ``locale``'s catalog (English when it has none), with its parameters formatted."""
    loc = supported_locale(locale) or DEFAULT_LOCALE
    text = translations(loc).gettext(msgid) if loc != DEFAULT_LOCALE else msgid
    return interpolate(text or msgid, params, loc)


class LazyText:
    """A message to be rendered in its reader's locale: the English msgid and its parameters."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, params: Mapping[str, Any] | None = None) -> None:
        self.msgid = msgid
        self.params = dict(params or {})

    def render(self, locale: str | None = None) -> str:
        return translate(locale or current_locale.get(), self.msgid, **self.params)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"LazyText({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return (self.msgid, self.params) == (other.msgid, other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def to_json(self) -> dict[str, Any]:
        """The message as stored (a message-center entry is rendered when it is read): the msgid and
        its parameters, each reduced to JSON with enough to format it again."""
        return {"msgid": self.msgid, "params": {k: _param_json(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LazyText:
        return cls(str(data["msgid"]), {k: _param_value(v) for k, v in dict(data.get("params") or {}).items()})


def _(msgid: str, /, **params: Any) -> LazyText:
    """Mark a message for translation (extracted by ``make i18n-extract``); rendered when read."""
    return LazyText(msgid, params)


def join(parts: Iterable[object], sep: str = "\n") -> LazyText:
    """Messages (or plain text) one after the other, each rendered in the reader's locale: an email
    body of paragraphs, a list of lines. Nothing to translate of its own."""
    items = list(parts)
    msgid = sep.join(f"{{p{i}}}" for i in range(len(items)))
    return LazyText(msgid, {f"p{i}": part for i, part in enumerate(items)})


def as_content(subject: object, body: object) -> dict[str, Any] | None:
    """An email's or a message's subject and body as stored for rendering later, or None when both
    are plain text (nothing to translate)."""
    if not isinstance(subject, LazyText) and not isinstance(body, LazyText):
        return None
    return {
        "subject": (subject if isinstance(subject, LazyText) else LazyText("{t}", {"t": subject})).to_json(),
        "body": (body if isinstance(body, LazyText) else LazyText("{t}", {"t": body})).to_json(),
    }


def render_content(content: Mapping[str, Any] | None, subject: str, body: str, locale: str) -> tuple[str, str]:
    """(subject, body) in ``locale``, from what :func:`as_content` stored (or the plain text)."""
    if not content:
        return subject, body
    return LazyText.from_json(content["subject"]).render(locale), LazyText.from_json(content["body"]).render(locale)


def _param_json(value: Any) -> Any:
    from core.money import Money

    if isinstance(value, LazyText):
        return {"$text": value.to_json()}
    if isinstance(value, Money):
        return {"$money": [str(value.amount), value.currency]}
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | int):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$date": value.date().isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [_param_json(v) for v in value]
    return str(value)


def _param_value(value: Any) -> Any:
    from core.money import Money

    if isinstance(value, list):
        return [_param_value(v) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        ((kind, v),) = value.items()
        if kind == "$text":
            return LazyText.from_json(v)
        if kind == "$money":
            return Money(Decimal(v[0]), v[1])
        if kind == "$decimal":
            return Decimal(v)
        if kind == "$date":
            return date.fromisoformat(v)
    return value


def render(text: object, locale: str | None = None) -> str:
    """Any message (a LazyText or plain text) as text in ``locale`` (the request's by default)."""
    if isinstance(text, LazyText):
        return text.render(locale)
    return "" if text is None else str(text)


def locales_list() -> str:
    return ", ".join(SUPPORTED_LOCALES)


# -- templates ----------------------------------------------------------------------------------


@pass_context
def _template_gettext(context: Any, msgid: str, /, **params: Any) -> str:
    return translate(context.get("locale"), msgid, **params)


@pass_context
def _template_ngettext(context: Any, singular: str, plural: str, n: int, /, **params: Any) -> str:
    locale = supported_locale(context.get("locale")) or DEFAULT_LOCALE
    text = translations(locale).ngettext(singular, plural, n)
    return interpolate(text, {"n": n, **params}, locale)


@pass_context
def _money_filter(context: Any, amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, context.get("locale") or DEFAULT_LOCALE)


@pass_context
def _date_filter(context: Any, value: date | datetime | None, format: str = "long") -> str:
    return "" if value is None else format_date(value, context.get("locale") or DEFAULT_LOCALE, format)


@pass_context
def _decimal_filter(context: Any, value: Decimal) -> str:
    return format_decimal(value, context.get("locale") or DEFAULT_LOCALE)


def jinja_environment(loader: BaseLoader, *, autoescape: bool | Iterable[str] = ("html", "xml")) -> Environment:
    """A jinja2 environment with the i18n extension whose ``_()`` renders in the template's
    ``locale`` variable: ``{{ _("Due on {due}", due=invoice.due_date) }}`` (``{name}`` placeholders,
    as in Python; ``{% trans %}`` blocks are not used). Filters ``money(currency)``, ``date`` and
    ``decimal`` format for the same locale. Render through :func:`render_template`, which sets
    ``locale``, ``lang`` and ``dir``."""
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(list(autoescape)) if not isinstance(autoescape, bool) else autoescape,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_template_gettext, _template_ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.filters["money"] = _money_filter
    env.filters["date"] = _date_filter
    env.filters["decimal"] = _decimal_filter
    return env


def template_vars(locale: str | None) -> dict[str, str]:
    """What every localized template needs: ``locale``, ``lang`` (for ``<html lang>``) and ``dir``."""
    loc = supported_locale(locale) or DEFAULT_LOCALE
    return {"locale": loc, "lang": loc, "dir": text_direction(loc)}


def render_template(env: Environment, name: str, locale: str | None, **variables: Any) -> str:
    return env.get_template(name).render(**template_vars(locale), **variables)
