"""The downloads a list offers (R-R18, R-R19, R-R20): their links, which carry the list's filters."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from core.context import Context
from plugins.renewals.service.inputs import RenewalFilters
from plugins.renewals.service.rules import ASSIGNED_REP, GRANT_ROLES, OBJECT, OWNER, PENDING


@dataclass(frozen=True)
class DownloadLinks:
    standard_csv_url: str
    summary_report_url: str
    #: R-R20: only the pending list has a detailed report.
    detailed_report_url: str | None


def filter_query(filters: RenewalFilters) -> str:
    """The standard CSV's query string for a list and its filters (R-R18 honours the page filters);
    ``downloads.filters_from`` reads it back."""
    params: dict[str, str] = {"list": filters.list.lower()}
    if filters.statuses:
        params["status"] = ",".join(filters.statuses)
    for name, value in (
        ("startFrom", filters.start_from),
        ("startTo", filters.start_to),
        ("endFrom", filters.end_from),
        ("endTo", filters.end_to),
    ):
        if value:
            params[name] = value.isoformat()
    if filters.po_number:
        params["poNumber"] = filters.po_number
    if filters.search:
        params["search"] = filters.search
    if filters.auto_renew is not None:
        params["autoRenew"] = "true" if filters.auto_renew else "false"
    return urlencode(params)


def download_links(ctx: Context, filters: RenewalFilters) -> DownloadLinks:
    """The downloads of one list; FORBIDDEN to a caller whom no relation could let view a renewal."""
    ctx.require(OBJECT, "view", [OWNER, *GRANT_ROLES, ASSIGNED_REP])
    return DownloadLinks(
        standard_csv_url=f"/renewals/export.csv?{filter_query(filters)}",
        summary_report_url=f"/renewals/report/summary.csv?source={filters.list.lower()}",
        detailed_report_url="/renewals/report/detailed.csv" if filters.list == PENDING else None,
    )
