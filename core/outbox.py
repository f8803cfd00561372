"""Delivering the transactional outbox over SMTP, with retries and exponential backoff.

Each due email goes through three short transactions, so no database lock is held while talking
to the SMTP server and two deliverers (two processes, or a job and the CLI) never send it twice:

1. claim: ``UPDATE … SET status = 'SENDING', next_attempt_at = now + lease WHERE id = … AND
   status = 'PENDING'`` — only one deliverer's UPDATE matches the row;
2. send over SMTP, outside any transaction;
3. record: SENT, or back to PENDING with ``attempts + 1`` and the next attempt at
   ``now + backoff * 2**(attempts - 1)`` (FAILED after ``outbox_max_attempts``).

A deliverer that dies between 1 and 3 leaves the row SENDING; once its lease expires the row is
PENDING again and sent on the next run. That one case is at-least-once, so every message carries a
stable ``Message-ID`` (``<outbox-ID@…>``) and ``X-Outbox-Id`` for receivers to drop the duplicate.
An email queued with ``_()`` messages (core/context.py) is rendered here, in each recipient's
language (core.i18n.locale_of), with an HTML part that carries the language's direction.
When the SMTP server itself is unreachable the run stops after the first attempt: the remaining
emails stay PENDING, untouched, for the next run (nothing lost, no attempts burnt).
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from jinja2 import PackageLoader
from sqlalchemy import select, update

from core.i18n import DEFAULT_LOCALE, jinja_environment, locale_of, render_content, render_template, supported_locale
from core.models import OutboxEmail, Person, Tenant
from core.rls import EVERY_TENANT

log = logging.getLogger("customer_center.outbox")

# How long a claimed email may stay SENDING before another run takes it back (crash recovery);
# far above the SMTP timeout so a live sender is never overtaken.
CLAIM_LEASE = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 10
HEADER_BREAKS = frozenset({"Cc", "Zl", "Zp"})  # Unicode categories: control, line and paragraph separators
# The server is down or unreachable: every other email of this run would fail the same way.
CONNECTION_ERRORS = (
    OSError,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPConnectTimeoutError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
)


def header_text(text: str) -> str:
    """``text`` on one line, fit for a header. Subjects carry imported or typed text (a tenant's
    name, a support number); the standard library refuses a line break in a header value (it would
    start a header of the sender's choosing), and that refusal would stop the delivery run at that
    email, every run. Control characters and line separators become spaces; format characters
    (the marks right-to-left text relies on, R-T4) stay."""
    return " ".join("".join(" " if unicodedata.category(c) in HEADER_BREAKS else c for c in text).split())


EMAIL_TEMPLATES = jinja_environment(PackageLoader("core", "templates"))


def _message(email: OutboxEmail, settings: Any, locale: str = DEFAULT_LOCALE) -> EmailMessage:
    """The email as sent, in ``locale``: a plain-text part and an HTML part carrying the language and
    its direction (``<html lang="ar" dir="rtl">``). Raises ValueError when an address cannot stand
    in a header (the standard library refuses line breaks there): that email can never be sent and
    fails alone."""
    subject, body = render_content(email.content, email.subject, email.body, locale)
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = email.to_addr
    if email.cc:
        msg["Cc"] = email.cc
    msg["Subject"] = header_text(subject)
    domain = settings.mail_from.rpartition("@")[2] or "customer-center"
    suffix = "" if locale == DEFAULT_LOCALE else f"-{locale}"
    msg["Message-ID"] = f"<outbox-{email.id}{suffix}@{domain}>"
    msg["X-Outbox-Id"] = str(email.id)
    msg.set_content(body)
    if email.content:
        msg.add_alternative(
            render_template(EMAIL_TEMPLATES, "email.html", locale, subject=subject, body=body), subtype="html"
        )
    # After the parts: setting content drops the Content-* headers set before.
    msg["Content-Language"] = locale
    return msg


def _recipients(email: OutboxEmail) -> list[str]:
    return [email.to_addr, *(a for a in (email.cc or "").split(",") if a)]


async def recipient_locales(state: Any, email: OutboxEmail) -> dict[str, list[str]]:
    """The email's recipients by the language each reads (core.i18n.locale_of: their own choice,
    else their tenant's default), the ``To`` recipient's language first. An address that is no
    person of the center (a sales rep, a desk) reads the email's tenant's default."""
    addresses = _recipients(email)
    if not email.content:
        return {DEFAULT_LOCALE: addresses}
    async with state.sessionmaker(info=EVERY_TENANT) as session:
        own = dict(
            (
                await session.execute(
                    select(Person.email, Person.locale)
                    .where(Person.email.in_([a.lower() for a in addresses]))
                    .execution_options(skip_tenant_filter=True)
                )
            ).all()
        )
        tenant = await session.get(Tenant, email.tenant_id) if email.tenant_id is not None else None
    default = locale_of(None, tenant)
    groups: dict[str, list[str]] = {}
    for address in addresses:
        groups.setdefault(supported_locale(own.get(address.lower())) or default, []).append(address)
    return groups


async def claim(state: Any, model: Any, row_id: int) -> Any | None:
    """Take the outbox row (an email, a webhook delivery) for this run, or None when another
    deliverer has it or it was done. ``model`` has ``status``, ``next_attempt_at`` and ``id``."""
    now = state.clock.now()
    async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        claimed = await session.execute(
            update(model)
            .where(model.id == row_id, model.status == "PENDING", model.next_attempt_at <= now)
            .values(status="SENDING", next_attempt_at=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return None
        return (await session.execute(select(model).where(model.id == row_id))).scalar_one()


def retry_at(now: datetime, backoff_seconds: float, attempts: int) -> datetime:
    """When a row that failed its ``attempts``-th attempt is tried again: exponential backoff."""
    return now + timedelta(seconds=backoff_seconds * 2 ** (attempts - 1))


async def _record(state: Any, email_id: int, error: BaseException | None, *, permanent: bool = False) -> None:
    settings, now = state.settings, state.clock.now()
    async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        email = (await session.execute(select(OutboxEmail).where(OutboxEmail.id == email_id))).scalar_one()
        email.attempts += 1
        if error is None:
            email.status = "SENT"
            email.sent_at = now
            email.last_error = None
            return
        email.last_error = f"{type(error).__name__}: {error}"[:500]
        email.status = "FAILED" if permanent or email.attempts >= settings.outbox_max_attempts else "PENDING"
        email.next_attempt_at = retry_at(now, settings.outbox_backoff_seconds, email.attempts)
        log.warning("email %s not sent (attempt %s): %s", email.id, email.attempts, email.last_error)


async def release_expired_claims(state: Any, model: Any = OutboxEmail) -> int:
    """SENDING rows whose lease ran out (their deliverer died) become PENDING again."""
    async with state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        result = await session.execute(
            update(model)
            .where(model.status == "SENDING", model.next_attempt_at <= state.clock.now())
            .values(status="PENDING")
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


async def deliver_due(state: Any, *, limit: int = 200) -> int:
    """Send due emails; returns how many were sent."""
    settings = state.settings
    await release_expired_claims(state)
    async with state.sessionmaker(info=EVERY_TENANT) as session:
        stmt = (
            select(OutboxEmail.id)
            .where(OutboxEmail.status == "PENDING", OutboxEmail.next_attempt_at <= state.clock.now())
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
        ids = list((await session.execute(stmt)).scalars())
    sent = 0
    for email_id in ids:
        email = await claim(state, OutboxEmail, email_id)
        if email is None:
            continue
        try:
            # One copy per language among the recipients, each delivered to its readers only; the
            # headers name every recipient as usual. Most emails have one language: one message.
            groups = await recipient_locales(state, email)
            messages = [(_message(email, settings, locale), rcpts) for locale, rcpts in groups.items()]
        except ValueError as exc:
            await _record(state, email_id, exc, permanent=True)
            continue
        try:
            for message, rcpts in messages:
                await aiosmtplib.send(
                    message,
                    recipients=rcpts if len(messages) > 1 else None,
                    hostname=settings.smtp_host,
                    port=settings.smtp_port,
                    timeout=SMTP_TIMEOUT_SECONDS,
                )
        except (aiosmtplib.SMTPException, OSError) as exc:
            await _record(state, email_id, exc)
            if isinstance(exc, CONNECTION_ERRORS):
                log.warning("SMTP server unreachable; the remaining due emails wait for the next run")
                break
            continue
        await _record(state, email_id, None)
        sent += 1
    return sent
