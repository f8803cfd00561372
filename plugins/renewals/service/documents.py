"""The ordering document (R-R14) of a renewal, as HTML and PDF in the reader's language: the renewal
as the center shows it — contract, customer, support period, lines and total, payment methods
offered, and, while the renewal is still open for ordering and eligible, what a multi-year renewal
saves (R-R11; an accepted renewal advertises no saving)."""

from __future__ import annotations

from pathlib import Path

from core import documents
from core.context import Context
from core.money import Money
from plugins.renewals.service.edits import tenant_country
from plugins.renewals.service.lists import lines_for
from plugins.renewals.service.rules import (
    is_locked,
    list_of,
    lock_date,
    multi_year_saving_now,
    payment_methods_for,
)
from plugins.renewals.service.visibility import authorize

TEMPLATES = documents.environment(Path(__file__).resolve().parent.parent / "templates")


async def ordering_document_html(ctx: Context, support_number: str, locale: str) -> tuple[str, str]:
    """The ordering document of ``support_number`` (anyone who may view the renewal) and its file name."""
    renewal = await authorize(ctx, support_number, "view")
    lines = (await lines_for(ctx, [renewal.id]))[0]
    today = ctx.today()
    accepted = renewal.accepted_at is not None
    saving = await multi_year_saving_now(ctx, renewal, lines)
    html = documents.render(
        TEMPLATES,
        "ordering_document.html",
        locale,
        r=renewal,
        lines=lines,
        total=Money(renewal.amount, renewal.currency),
        list_name=list_of(accepted, renewal.start_date, today),
        locked=is_locked(accepted, renewal.start_date, today),
        lock_date=lock_date(renewal.start_date),
        payment_methods=payment_methods_for(await tenant_country(ctx, renewal)),
        save_up_to=Money(saving, renewal.currency) if saving is not None else None,
        generated_on=today,
    )
    return html, f"ordering-document-{renewal.support_number}"
