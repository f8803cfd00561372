"""Unit tests of the sharing rules (pure): input validation at every threshold and the same-domain
rule (R-S3) as the Casbin model decides it (matcher m2)."""

from __future__ import annotations

import pytest

from core.authz import RequestAuthz, build_enforcer, read_policy_csv
from core.errors import BadUserInput
from plugins.sharing import plugin, service


def authz(domains: tuple[str, ...] = ("acme.com", "acme.de")) -> RequestAuthz:
    rows = read_policy_csv(plugin.HERE / "policy.csv") + [["p2", "share", "same_domain"]]
    return RequestAuthz(enforcer=build_enforcer(rows), domain="acme", roles=frozenset(), owner_domains=domains)


def test_share_roles_are_participant_and_viewer():
    assert service.check_share_role("PARTICIPANT") == "PARTICIPANT"
    assert service.check_share_role("VIEWER") == "VIEWER"
    for bad in ["OWNER", "participant", "", "BILLING_DASHBOARD"]:
        with pytest.raises(BadUserInput):
            service.check_share_role(bad)


def test_emails_are_normalised_and_deduplicated():
    assert service.normalise_emails([" A@Acme.com", "a@acme.com", "b@acme.com"]) == ["a@acme.com", "b@acme.com"]
    with pytest.raises(BadUserInput):
        service.normalise_emails(["a@acme.com", "no-at-sign"])


def test_email_list_cap_threshold():
    limit = service.MAX_EMAILS_PER_SHARE
    assert len(service.normalise_emails([f"p{i}@acme.com" for i in range(limit)])) == limit
    with pytest.raises(BadUserInput, match=str(limit)):
        service.normalise_emails([f"p{i}@acme.com" for i in range(limit + 1)])
    # duplicates count against the cap as sent: the cap protects the server, not the result
    with pytest.raises(BadUserInput):
        service.normalise_emails(["a@acme.com"] * (limit + 1))


def test_share_list_member_cap_threshold():
    limit = service.MAX_LIST_MEMBERS
    assert len(service.normalise_emails([f"p{i}@acme.com" for i in range(limit)], limit=limit)) == limit
    with pytest.raises(BadUserInput):
        service.normalise_emails([f"p{i}@acme.com" for i in range(limit + 1)], limit=limit)


def test_list_name_threshold():
    assert service.check_list_name("  Board  ") == "Board"
    assert service.check_list_name("x" * service.MAX_LIST_NAME) == "x" * service.MAX_LIST_NAME
    for bad in ["", "   ", "x" * (service.MAX_LIST_NAME + 1)]:
        with pytest.raises(BadUserInput):
            service.check_list_name(bad)


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("x@acme.com", True),
        ("x@ACME.com", True),
        ("x@acme.de", True),  # any of the tenant's domains
        ("x@globex.com", False),
        ("x@sub.acme.com", False),  # subdomains are other domains
        ("x@acme.com.evil.org", False),
        ("x@evilacme.com", False),
        ("x@gmail.com", False),  # public mail providers never match
        ("x@acme.com@acme.com", False),
        ("acme.com", False),
    ],
)
def test_same_domain_rule_is_decided_by_the_casbin_model(email, allowed):
    assert authz().same_domain_allowed("share", email) is allowed


def test_same_domain_rule_refuses_whole_list_naming_each_foreign_address():
    with pytest.raises(BadUserInput) as info:
        authz().require_same_domain("share", ["a@acme.com", "b@globex.com", "c@gmail.com"])
    assert info.value.extensions["emails"] == ["b@globex.com", "c@gmail.com"]
    assert "a@acme.com" not in info.value.message
    authz().require_same_domain("share", ["a@acme.com", "b@acme.de"])  # no error


def test_gmail_tenant_domain_still_refused():
    # Even a tenant (wrongly) owning a public mail domain cannot share with its addresses.
    assert authz(("gmail.com",)).same_domain_allowed("share", "x@gmail.com") is False


def test_policy_rows_grant_relation_roles_their_actions_only():
    a = authz()
    matrix = {
        ("PARTICIPANT", "renewal", "view"): True,
        ("PARTICIPANT", "renewal", "accept"): True,
        ("PARTICIPANT", "renewal", "request_assistance"): True,
        ("PARTICIPANT", "renewal", "share"): False,
        ("PARTICIPANT", "renewal", "checkout"): False,
        ("VIEWER", "renewal", "view"): True,
        ("VIEWER", "renewal", "request_assistance"): True,
        ("VIEWER", "renewal", "accept"): False,
        ("TECHNICAL", "renewal", "share"): True,
        ("EXECUTIVE", "renewal", "share"): False,
        ("FINANCE", "billing_dashboard", "share"): True,
        ("BILLING_SUPPORT", "billing_dashboard", "share"): True,
        ("BILLING_DASHBOARD", "billing_dashboard", "share"): False,
        ("TECHNICAL", "billing_dashboard", "share"): False,
        ("MEMBER", "share_list", "manage"): True,
    }
    for (role, obj, act), expected in matrix.items():
        assert a.enforcer.enforce(role, "acme", obj, act) is expected, (role, obj, act)
