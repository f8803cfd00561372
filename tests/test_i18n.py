"""Languages (issue 17): the catalogs are complete and current, and CLDR formatting is the locale's.

Every catalog of core/locale is held to the template extracted from the code: each message present,
translated (not empty, not fuzzy) and with the same ``{placeholders}``; and the committed template
must be what ``make i18n-extract`` produces now, so a new ``_()`` string without translations fails.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from jinja2 import DictLoader

from core.i18n import (
    DEFAULT_LOCALE,
    LOCALE_DIR,
    PLACEHOLDER,
    SUPPORTED_LOCALES,
    LazyText,
    _,
    format_date,
    format_decimal,
    format_money,
    jinja_environment,
    locale_of,
    negotiate,
    parse_accept_language,
    render_template,
    request_locale,
    supported_locale,
    text_direction,
    translate,
)
from core.money import Money

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [loc for loc in SUPPORTED_LOCALES if loc != DEFAULT_LOCALE]
NBSP = "\xa0"


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.fixture(scope="module")
def template():
    return _catalog(LOCALE_DIR / "messages.pot")


# -- the catalogs ----------------------------------------------------------------------------------


def test_the_template_is_what_the_code_marks(tmp_path: Path, template) -> None:
    """A `_()` added or changed in core/ or plugins/ without `make i18n-update` fails here."""
    out = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_", "--no-default-keywords"]
        + ["--no-location", "--sort-output", "-o", str(out), str(ROOT)]
    )
    fresh = {m.id for m in _catalog(out) if m.id}
    committed = {m.id for m in template if m.id}
    assert sorted(fresh - committed) == [], "run `make i18n-update` and translate the new messages"
    assert sorted(committed - fresh) == [], "run `make i18n-update`: the template lists messages no code uses"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_catalog_translates_every_message_with_its_placeholders(locale: str, template) -> None:
    catalog = _catalog(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    missing, empty, fuzzy, placeholders = [], [], [], []
    for source in template:
        if not source.id:
            continue
        found = catalog.get(source.id)
        if found is None:
            missing.append(source.id)
            continue
        if found.fuzzy:
            fuzzy.append(source.id)
        wanted = {p for text in _ids(source) for p in PLACEHOLDER.findall(text)}
        for text in _strings(found):
            if not text.strip():
                empty.append(source.id)
            elif set(PLACEHOLDER.findall(text)) != wanted:
                placeholders.append((source.id, text))
    assert missing == [], f"{locale}: untranslated messages"
    assert empty == [], f"{locale}: empty translations"
    assert fuzzy == [], f"{locale}: fuzzy translations"
    assert placeholders == [], f"{locale}: placeholders differ from the English message"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_a_catalog_is_read_as_its_language(locale: str, template) -> None:
    """Compiled in memory: a message of the template comes back translated (not the English)."""
    some = next(m.id for m in template if m.id and PLACEHOLDER.search(m.id) is None)
    assert translate(locale, some) != some or locale == DEFAULT_LOCALE


# -- locales ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("pl", "pl"), ("PL", "pl"), ("pl-PL", "pl"), ("de_AT", "de"), ("ar-EG", "ar"), ("fr", None), ("", None)]
    + [("x" * 40, None), (None, None), ("en", "en"), ("../../etc", None)],
)
def test_supported_locale(given: object, expected: str | None) -> None:
    assert supported_locale(given) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-AT,de;q=0.9,en;q=0.5", "de"),
        ("fr, ro;q=0.5", "ro"),
        ("en-US,en;q=0.9,pl;q=0.8", "en"),
        ("pl;q=0, de", "de"),  # q=0: not acceptable
        ("pl;q=0.1, ar;q=0.2", "ar"),  # weights, not order
        ("xx, *", "en"),
        ("pl;q=abc, ro", "ro"),  # a malformed weight counts as 0
        ("", "en"),
        (None, "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_accept_language_order_keeps_equal_weights_in_header_order() -> None:
    assert parse_accept_language("ro, pl, de;q=0.9") == ["ro", "pl", "de"]


class _Row:
    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)


def test_a_persons_choice_wins_then_the_client_then_the_tenant() -> None:
    tenant = _Row(default_locale="ro")
    assert request_locale(_Row(locale="pl"), tenant, "de") == "pl"
    assert request_locale(_Row(locale=None), tenant, "de") == "de"
    assert request_locale(_Row(locale=None), tenant, "fr") == "ro"
    assert request_locale(None, None, None) == "en"
    assert locale_of(_Row(locale=None), tenant) == "ro"
    assert locale_of(_Row(locale="ar"), tenant) == "ar"


def test_text_direction() -> None:
    assert text_direction("ar") == "rtl"
    assert [text_direction(loc) for loc in ("en", "pl", "ro", "de")] == ["ltr"] * 4


# -- CLDR formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("12000", "PLN", "pl", f"12{NBSP}000,00{NBSP}zł"),
        ("1234.56", "EUR", "de", f"1.234,56{NBSP}€"),
        ("1234.56", "USD", "en", "$1,234.56"),
        ("1234.56", "RON", "ro", f"1.234,56{NBSP}RON"),
        ("1234", "JPY", "en", "¥1,234"),  # no minor unit
        ("1234.5", "KWD", "en", "KWD1,234.500"),  # three decimals
    ],
)
def test_format_money(amount: str, currency: str, locale: str, expected: str) -> None:
    assert format_money(Decimal(amount), currency, locale) == expected


def test_arabic_amounts_use_cldr_digits_and_right_to_left_marks() -> None:
    text = format_money(Decimal("1234.5"), "SAR", "ar")
    # CLDR's default numbering system for `ar` is latn; the amount is marked right-to-left.
    assert "1,234.50" in text and text.startswith("\u200f")


def test_format_decimal_keeps_every_digit() -> None:
    assert format_decimal(Decimal("1234.500"), "pl") == f"1{NBSP}234,500"
    assert format_decimal(Decimal("1234"), "de") == "1.234"
    assert format_decimal(3, "en") == "3"


def test_format_date_long() -> None:
    d = date(2027, 3, 1)
    assert format_date(d, "pl") == "1 marca 2027"
    assert format_date(d, "de") == "1. März 2027"
    assert format_date(d, "ro") == "1 martie 2027"
    assert format_date(d, "en") == "March 1, 2027"
    assert format_date(datetime(2027, 3, 1, 23, 0), "ar") == "1 مارس 2027"


# -- messages --------------------------------------------------------------------------------------


def test_parameters_are_formatted_for_the_reader() -> None:
    msg = _(
        "{amount} on {day}, {count} items", amount=Money(Decimal("1234.56"), "EUR"), day=date(2027, 3, 1), count=1200
    )
    assert msg.render("de") == f"1.234,56{NBSP}€ on 1. März 2027, 1200 items"
    assert msg.render("en") == "€1,234.56 on March 1, 2027, 1200 items"


def test_placeholders_cannot_reach_into_objects() -> None:
    assert translate("en", "{x.__class__} {y}", x=1, y="{x}") == "{x.__class__} {x}"


def test_a_message_survives_storage() -> None:
    msg = _("{a} {b} {c} {d}", a=Money(Decimal("5.00"), "PLN"), b=date(2027, 1, 2), c=_("Not allowed"), d="text")
    again = LazyText.from_json(msg.to_json())
    assert again == msg
    assert again.render("pl") == msg.render("pl")


def test_templates_render_in_the_given_locale() -> None:
    env = jinja_environment(
        DictLoader(
            {"t.html": '<p dir="{{ dir }}">{{ _("Not allowed") }} {{ x|money("PLN") }} {{ d|date }} {{ y }}</p>'}
        )
    )
    html = render_template(env, "t.html", "ar", x=Decimal("10"), d=date(2027, 3, 1), y="<b>")
    assert 'dir="rtl"' in html and "&lt;b&gt;" in html
    assert translate("ar", "Not allowed") in html
    assert "1 مارس 2027" in html
