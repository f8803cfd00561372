"""Import sections validated by pydantic models (docs/import-format.md), one set of field types for
every plugin: an amount is a JSON number or string read as an exact decimal (:func:`to_decimal`); an
email is parsed by core.emails; dates are ISO 8601.

A section declares a model per item and calls :func:`validate_items`, which returns the items it
could read and the errors in the documented form, each naming the path at fault::

    renewals[3].amount: not a decimal amount (give a string such as "1234.50")
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from core.emails import parse_email
from core.money import CURRENCIES, MAX_AMOUNT

DECIMAL_HINT = 'not a decimal amount (give a string such as "1234.50")'


def to_decimal(value: Any) -> Decimal | None:
    """The exact decimal of an import value, or None. Import files are parsed with every JSON number
    read as a Decimal (``core.importer.parse_json``), so ``1234.50`` and ``"1234.50"`` are the same
    value in every section; a Python float (a caller's dict) is read by its shortest repr. Booleans,
    non-finite values and magnitudes beyond the money columns (16 integer digits) are not amounts."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None
    try:
        found = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        return None
    if not found.is_finite() or abs(found) > MAX_AMOUNT:
        return None
    return found


def _decimal(value: Any) -> Decimal:
    found = to_decimal(value)
    if found is None:
        raise ValueError(DECIMAL_HINT)
    return found


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _email(value: Any) -> str:
    found = parse_email(value)
    if found is None:
        raise ValueError("not a valid email address")
    return found


def _iso_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("an ISO date (YYYY-MM-DD)") from exc


CURRENCY_HINT = "an active ISO 4217 currency code in capitals (such as USD, EUR, PLN, JPY, KWD)"


def _currency(value: Any) -> str:
    if not isinstance(value, str) or value not in CURRENCIES:
        raise ValueError(f"{CURRENCY_HINT}, not {value!r}")
    return value


def text(max_length: int, *, required: bool = True) -> Any:
    """A string of at most ``max_length`` characters; ``required`` ones must not be blank."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if required and not value.strip():
            raise ValueError("must be a non-empty string")
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        return value

    return Annotated[str, BeforeValidator(check)]


DecimalValue = Annotated[Decimal, BeforeValidator(_decimal)]
Amount = Annotated[Decimal, BeforeValidator(_decimal), AfterValidator(_not_negative)]
Email = Annotated[str, BeforeValidator(_email)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Currency = Annotated[str, BeforeValidator(_currency)]


class ImportItem(BaseModel):
    """Base of an item model: values are not coerced between types (``"12"`` is not an int), field
    names are the documented camelCase. Unknown keys are ignored, as the format has always done, so a
    file written for a newer release (with keys this one does not know) still imports."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


M = TypeVar("M", bound=BaseModel)


def _path(section: str, index: int, loc: Sequence[int | str]) -> str:
    out = f"{section}[{index}]"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# pydantic's wording for a value of the wrong JSON type, in the import format's own words.
_TYPE_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown field",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be a list",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
}


def _message(error: dict[str, Any]) -> str:
    known = _TYPE_MESSAGES.get(error["type"])
    return known or str(error["msg"]).removeprefix("Value error, ")


def validate_items(
    model: type[M], items: Any, section: str, *, max_items: int = 100_000
) -> tuple[list[tuple[int, M]], list[str]]:
    """Read ``items`` (the section's JSON value) as a list of ``model``: the (index, item) pairs that
    are valid, and one error string per fault, in document order."""
    if not isinstance(items, list):
        return [], [f"{section}: must be a list"]
    if len(items) > max_items:
        return [], [f"{section}: at most {max_items} items per document"]
    valid: list[tuple[int, M]] = []
    errors: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(f"{section}[{i}]: must be an object")
            continue
        try:
            valid.append((i, model.model_validate(item)))
        except ValidationError as exc:
            errors += [f"{_path(section, i, e['loc'])}: {_message(e)}" for e in exc.errors()]
    return valid, errors
