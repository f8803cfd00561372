"""Delivering the transactional outbox over SMTP, with retries and exponential backoff.

An email is claimed, sent, and marked SENT in its own transaction; a failure records the error and
schedules the next attempt (``backoff * 2**attempts``), so none is lost and none is sent twice
while the outbox row's state is the source of truth.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import select

from core.db import is_postgres
from core.models import OutboxEmail

log = logging.getLogger("customer_center.outbox")


async def deliver_due(state: object, *, limit: int = 200) -> int:
    """Send due emails; returns how many were sent."""
    settings, clock = state.settings, state.clock  # type: ignore[attr-defined]
    sent = 0
    async with state.sessionmaker() as session:  # type: ignore[attr-defined]
        now = clock.now()
        stmt = (
            select(OutboxEmail.id)
            .where(OutboxEmail.status == "PENDING", OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
        ids = list((await session.execute(stmt)).scalars())
    for email_id in ids:
        async with state.sessionmaker() as session, session.begin():  # type: ignore[attr-defined]
            stmt = select(OutboxEmail).where(OutboxEmail.id == email_id, OutboxEmail.status == "PENDING")
            if is_postgres(session):
                stmt = stmt.with_for_update(skip_locked=True)
            email = (await session.execute(stmt)).scalar_one_or_none()
            if email is None:
                continue
            msg = EmailMessage()
            msg["From"] = settings.mail_from
            msg["To"] = email.to_addr
            if email.cc:
                msg["Cc"] = email.cc
            msg["Subject"] = email.subject
            msg["X-Outbox-Id"] = str(email.id)
            msg.set_content(email.body)
            try:
                await aiosmtplib.send(msg, hostname=settings.smtp_host, port=settings.smtp_port, timeout=10)
            except (aiosmtplib.SMTPException, OSError) as exc:
                email.attempts += 1
                email.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if email.attempts >= settings.outbox_max_attempts:
                    email.status = "FAILED"
                email.next_attempt_at = clock.now() + timedelta(
                    seconds=settings.outbox_backoff_seconds * 2 ** (email.attempts - 1)
                )
                log.warning("email %s not sent (attempt %s): %s", email.id, email.attempts, email.last_error)
                continue
            email.status = "SENT"
            email.attempts += 1
            email.sent_at = clock.now()
            sent += 1
    return sent
