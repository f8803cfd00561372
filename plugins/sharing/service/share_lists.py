"""Named share lists (R-S1): a person's saved lists of colleagues, checked against R-S3 when saved."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from core.context import Context
from core.errors import BadUserInput, Conflict, NotFound
from core.i18n import _
from core.pagination import Page, keyset_page
from plugins.sharing.models import ShareList, ShareListMember
from plugins.sharing.service.common import MAX_LIST_MEMBERS, SHARE_ACTION, SHARE_LIST_OBJECT, _flush
from plugins.sharing.service.validation import check_list_name, normalise_emails


async def get_share_list(ctx: Context, list_id: int) -> ShareList:
    """A share list of the caller's own (anyone else's is NOT_FOUND, not FORBIDDEN)."""
    ctx.require_tenant()
    ctx.require(SHARE_LIST_OBJECT, "manage")
    found = await ctx.session.get(ShareList, list_id)
    if found is None or found.tenant_id != ctx.tenant_id or found.owner_email != ctx.principal.email:
        raise NotFound(_("No such share list"))
    return found


async def share_list_page(ctx: Context, *, first: int | None, after: str | None) -> Page:
    """The caller's own share lists, by name."""
    ctx.require_tenant()
    ctx.require(SHARE_LIST_OBJECT, "manage")
    stmt = select(ShareList).where(ShareList.owner_email == ctx.principal.email)
    return await keyset_page(
        ctx.session,
        stmt,
        [(ShareList.name, False), (ShareList.id, False)],
        first=first,
        after=after,
    )


async def save_share_list(ctx: Context, name: str, emails: Iterable[str], list_id: int | None = None) -> ShareList:
    """Create or replace a named list. Its members must pass the same-domain rule now (R-S3), so a
    saved list never holds an address that sharing would refuse."""
    ctx.require_tenant()
    ctx.require(SHARE_LIST_OBJECT, "manage")
    name = check_list_name(name)
    members = normalise_emails(emails, limit=MAX_LIST_MEMBERS)
    if not members:
        raise BadUserInput(_("A share list needs at least one email"), field="emails")
    ctx.authz.require_same_domain(SHARE_ACTION, members)
    clash = (
        await ctx.session.execute(
            select(ShareList.id).where(ShareList.owner_email == ctx.principal.email, ShareList.name == name)
        )
    ).scalar_one_or_none()
    if clash is not None and clash != list_id:
        raise Conflict(_("You already have a share list named '{name}'", name=name))
    if list_id is None:
        share_list = ShareList(
            tenant_id=ctx.tenant_id,
            owner_email=ctx.principal.email,
            name=name,
            created_at=ctx.now(),
            updated_at=ctx.now(),
        )
        ctx.session.add(share_list)
    else:
        share_list = await get_share_list(ctx, list_id)
        share_list.name = name
        share_list.updated_at = ctx.now()
    keep = [m for m in share_list.members if m.email in members]
    have = {m.email for m in keep}
    share_list.members = keep + [ShareListMember(tenant_id=ctx.tenant_id, email=e) for e in members if e not in have]
    await _flush(ctx, "This share list")
    await ctx.session.refresh(share_list, ["members"])
    return share_list


async def delete_share_list(ctx: Context, list_id: int) -> ShareList:
    share_list = await get_share_list(ctx, list_id)
    await ctx.session.delete(share_list)
    await ctx.session.flush()
    return share_list
