"""Checking what a share request names: roles, email lists, list names, and the same-domain rule (R-S3)."""

from __future__ import annotations

from collections.abc import Iterable

from core.context import Context
from core.emails import normalise_email
from core.errors import BadUserInput
from core.i18n import _
from plugins.sharing.service.common import MAX_EMAILS_PER_SHARE, MAX_LIST_NAME, SHARE_ACTION, SHARE_ROLES, ShareTargets


def check_share_role(role: str) -> str:
    if role not in SHARE_ROLES:
        raise BadUserInput(
            _("Unknown share role '{role}'; use one of {names}", role=role, names=", ".join(SHARE_ROLES)), field="role"
        )
    return role


def normalise_emails(emails: Iterable[str], *, limit: int = MAX_EMAILS_PER_SHARE, field: str = "emails") -> list[str]:
    """Lower-cased, valid, de-duplicated (first occurrence kept) and at most ``limit`` addresses."""
    raw = list(emails)
    if len(raw) > limit:
        raise BadUserInput(
            _("At most {limit} email addresses at a time (got {raw})", limit=limit, raw=len(raw)), field=field
        )
    out: list[str] = []
    for e in raw:
        email = normalise_email(e)
        if email not in out:
            out.append(email)
    return out


def check_list_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise BadUserInput(_("A share list needs a name"), field="name")
    if len(name) > MAX_LIST_NAME:
        raise BadUserInput(
            _("A share list name is at most {MAX_LIST_NAME} characters", MAX_LIST_NAME=MAX_LIST_NAME), field="name"
        )
    return name


def share_targets(ctx: Context, emails: Iterable[str], *, limit: int = MAX_EMAILS_PER_SHARE) -> ShareTargets:
    """Validate the people to share with. A list with one foreign address is refused whole,
    naming that address (R-S3, decided by the Casbin same-domain matcher)."""
    wanted = normalise_emails(emails, limit=limit)
    if not wanted:
        raise BadUserInput(_("Name at least one person (an email or a share list) to share with"), field="emails")
    if ctx.principal.email in wanted:
        raise BadUserInput(_("You cannot share with yourself"), field="emails")
    ctx.authz.require_same_domain(SHARE_ACTION, wanted)
    return ShareTargets(tuple(wanted))
