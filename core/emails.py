"""Email addresses, parsed once for the whole product (R-A2: the email is the username; R-S3 compares
their domains). Syntax is email-validator's (RFC 5321/5322 and IDNA), not a hand-written pattern."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from core.errors import BadUserInput
from core.i18n import _

MAX_EMAIL_CHARS = 254  # RFC 5321 path limit; also the width of every email column


def parse_email(value: object) -> str | None:
    """The canonical (lower-case, ASCII) form of ``value``, or None when it is not an email address.

    No DNS lookup: imports and tests must not depend on the network. Internationalised domains are
    kept in their ASCII (punycode) form, so they compare equal to a tenant's registered domain; local
    parts must be ASCII because the outbox's SMTP server may not speak SMTPUTF8."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_EMAIL_CHARS:
        return None
    try:
        found = validate_email(
            text, check_deliverability=False, allow_smtputf8=False, globally_deliverable=False, strict=True
        )
    except EmailNotValidError:
        return None
    # globally_deliverable=False admits the reserved test domains (``vendor.example``) the demo and
    # tests use, and single labels too; an organisation's domain always has a dot.
    if "." not in found.ascii_domain:
        return None
    return (found.ascii_email or found.normalized).lower()


def is_email(value: object) -> bool:
    return parse_email(value) is not None


def normalise_email(value: object, field: str = "email") -> str:
    """The canonical form of ``value``, or a BAD_USER_INPUT naming ``field``."""
    email = parse_email(value)
    if email is None:
        shown = value.strip() if isinstance(value, str) else value
        raise BadUserInput(_("'{shown}' is not a valid email address", shown=shown), field=field)
    return email
