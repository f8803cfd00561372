"""SPEC §6, table-driven: every role × every action of every module, through the GraphQL endpoint.

Each column is one action, probed by one representative query or mutation of the module that owns it
(renewals, invoicing, rewards, sharing, core users, operator tools). Each row is one row of the §6 table,
played by a person or a staff member. A cell expects:

- ``A`` allowed: the request passes the enforcer (it succeeds, or fails later for a business reason
  such as BAD_USER_INPUT / CONFLICT, never FORBIDDEN nor NOT_FOUND);
- ``F`` FORBIDDEN: the caller may see the object but the enforcer refuses the action;
- ``N`` NOT_FOUND: per-object relations (R-S2) hide that renewal from the caller altogether.

The whole table is computed, then compared at once, so a failure lists every wrong cell.

The user-management columns (R-A3) also play the real requests — invite with a role, invite with a
role the caller does not hold, re-admit a removed person, give a role, remove a person — and the
people table is checked afterwards: only the allowed cells changed anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import ACME, GLOBEX, Api
from tests.sharing.conftest import renewal_item

REP = "rep@vendor.example"
GONE = "gone@acme.com"  # removed by the admin while the world is set up: re-admitting them is probed
QUIT = "quit@acme.com"  # the person the real removeUser probe removes


@dataclass(frozen=True)
class Actor:
    label: str
    email: str
    renewal: str  # the renewal this actor's renewal probes run on
    staff: tuple[str, ...] = ()
    tenant: str | None = None

    def kw(self) -> dict[str, Any]:
        return {"as_": self.email, "staff": self.staff, "tenant": self.tenant}


# One actor per row of the §6 table (plus the authorised redeemer variant of FINANCE, R-W6).
ACTORS = [
    Actor("FINANCE", "fin@acme.com", "R-FIN"),
    Actor("FINANCE+redeemer", "fin2@acme.com", "R-FIN2"),
    Actor("TECHNICAL", "tech@acme.com", "R-TECH"),
    Actor("EXECUTIVE", "exec@acme.com", "R-EXEC"),
    Actor("PARTICIPANT", "part@acme.com", "R-SHARED"),
    Actor("VIEWER", "view@acme.com", "R-SHARED"),
    Actor("BILLING_DASHBOARD", "bd@acme.com", "R-SHARED"),
    Actor("ADMIN(TECHNICAL)", "admin@acme.com", "R-ADMIN"),
    Actor("SALES_REP", REP, "R-TECH", ("SALES_REP",), "acme"),
    Actor("BILLING_SUPPORT", "bs@vendor.example", "R-TECH", ("BILLING_SUPPORT",), "acme"),
    Actor("OPERATOR", "op@vendor.example", "R-TECH", ("OPERATOR",), "acme"),
]


@dataclass
class World:
    invoice: str = ""
    dispute: str = ""
    request_id: str = ""
    codes: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # email -> User id
    seq: int = 0

    def key(self) -> str:
        self.seq += 1
        return f"matrix-{self.seq}"


@dataclass(frozen=True)
class Probe:
    action: str  # "object.action" as in the policy files
    query: str
    variables: Any  # (actor, world) -> dict

    async def run(self, api: Api, actor: Actor, world: World) -> str:
        body = await api.gql(self.query, self.variables(actor, world), **actor.kw())
        errors = body.get("errors") or []
        code = errors[0].get("extensions", {}).get("code") if errors else None
        if code == "FORBIDDEN":
            return "F"
        if code == "NOT_FOUND":
            return "N"
        assert code in (None, "BAD_USER_INPUT", "CONFLICT"), (self.action, actor.label, errors)
        return "A"


def sn(actor: Actor, world: World) -> dict[str, Any]:
    return {"sn": actor.renewal}


def invitee(prefix: str) -> Any:
    """A new address per actor, so each allowed cell creates exactly one person (checked afterwards)."""
    return lambda a, w: {"e": f"{prefix}-{re.sub(r'[^a-z0-9]+', '-', a.label.lower()).strip('-')}@acme.com"}


PROBES = [
    # ---------------------------------------------------------------- renewals (SPEC §2, §6)
    Probe("renewal.view", "query($sn: String!) { renewal(supportNumber: $sn) { supportNumber } }", sn),
    Probe("renewal.checkout", "mutation($sn: String!) { addToCart(supportNumbers: [$sn]) { id } }", sn),
    Probe(
        "renewal.request_assistance",
        'mutation($sn: String!) { requestRenewalAssistance(supportNumber: $sn, message: "Help") { id } }',
        sn,
    ),
    Probe(
        "renewal.edit",
        'mutation($sn: String!) { updateRenewal(input: {supportNumber: $sn, customerReference: "M"}) '
        "{ supportNumber } }",
        sn,
    ),
    Probe("renewal.share", "query($sn: String!) { renewalShares(supportNumber: $sn) { totalCount } }", sn),
    Probe(
        "renewal.update_quote",
        'mutation($sn: String!) { updateMultiYearQuote(supportNumber: $sn, amount: {amount: "100.00", '
        'currency: "USD"}) { supportNumber } }',
        sn,
    ),
    Probe(
        "renewal.answer_assistance",
        'mutation($id: ID!) { answerRenewalAssistance(requestId: $id, answer: "Done") { id } }',
        lambda a, w: {"id": w.request_id},
    ),
    # accept places a real order (checkout), so it runs after the other renewal probes
    Probe(
        "renewal.accept",
        "mutation($sn: String!, $key: String) { checkout(input: {supportNumbers: [$sn], paymentMethod: INVOICE, "
        "acceptTerms: true, acceptTssa: true, idempotencyKey: $key}) { __typename } }",
        lambda a, w: {"sn": a.renewal, "key": w.key()},
    ),
    # ---------------------------------------------------------------- invoicing (SPEC §3, §6)
    Probe("invoice.view", "{ invoices(first: 5) { totalCount } }", lambda a, w: {}),
    Probe(
        "invoice.pay",
        'mutation($n: String!) { payInvoices(input: {invoices: [{invoiceNumber: $n, amount: "0.00"}], '
        'method: WIRE, wireAmount: "0.00"}) { __typename } }',
        lambda a, w: {"n": w.invoice},
    ),
    Probe(
        "invoice.dispute",
        'mutation($n: String!) { openInvoiceDispute(invoiceNumber: $n, reason: "") { __typename } }',
        lambda a, w: {"n": w.invoice},
    ),
    Probe(
        "billing_profile.manage",
        'mutation { updateBillingProfile(billingEmail: "not-an-email") { __typename } }',
        lambda a, w: {},
    ),
    Probe(
        "dispute.resolve",
        "mutation($d: String!) { resolveInvoiceDispute(input: {disputeNumber: $d, outcome: REBILL}) { __typename } }",
        lambda a, w: {"d": w.dispute},
    ),
    Probe(
        "payment.record",
        'mutation($n: String!) { recordInvoicePayment(input: {invoices: [{invoiceNumber: $n, amount: "0.00"}], '
        'method: WIRE, reference: "", amount: "0.00"}) { __typename } }',
        lambda a, w: {"n": w.invoice},
    ),
    # ---------------------------------------------------------------- rewards (SPEC §4, §6)
    Probe("rewards.view", "{ rewards { balance { amount currency } } }", lambda a, w: {}),
    Probe(
        "rewards.redeem",
        "mutation($n: String!, $code: String!, $key: String!) { redeemRewards(input: {invoiceNumber: $n, "
        "redemptionCode: $code, idempotencyKey: $key}) { __typename } }",
        lambda a, w: {"n": w.invoice, "code": w.codes.get(a.email, "NOCODE"), "key": w.key()},
    ),
    Probe("rewards.authorize_redeemer", "{ rewardsRedeemers { email } }", lambda a, w: {}),
    # ---------------------------------------------------------------- sharing and users (SPEC §1, §5, §6)
    Probe("billing_dashboard.share", "{ billingDashboardShares { totalCount } }", lambda a, w: {}),
    Probe("share_list.manage", "{ shareLists { nodes { id } } }", lambda a, w: {}),
    Probe("user.invite", 'mutation { inviteUser(input: {email: "not-an-email"}) { id } }', lambda a, w: {}),
    Probe("user.change_role", 'mutation { changeUserRoles(id: "bogus", roles: []) { id } }', lambda a, w: {}),
    Probe("user.remove", 'mutation { removeUser(id: "bogus") { id } }', lambda a, w: {}),
    # R-A3, real requests: only an admin gives roles, and only roles they hold; operators give any
    Probe(
        "user.invite+role",
        "mutation($e: String!) { inviteUser(input: {email: $e, roles: [ADMIN]}) { id } }",
        invitee("grant-admin"),
    ),
    Probe(
        "user.invite+unheld_role",
        "mutation($e: String!) { inviteUser(input: {email: $e, roles: [FINANCE]}) { id } }",
        invitee("grant-fin"),
    ),
    Probe("user.readmit", "mutation($e: String!) { inviteUser(input: {email: $e}) { id } }", lambda a, w: {"e": GONE}),
    Probe(
        "user.change_role+grant",
        "mutation($id: ID!) { changeUserRoles(id: $id, roles: [TECHNICAL]) { id } }",
        lambda a, w: {"id": w.users["plain@acme.com"]},
    ),
    Probe("user.remove+real", "mutation($id: ID!) { removeUser(id: $id) { id } }", lambda a, w: {"id": w.users[QUIT]}),
    # ---------------------------------------------------------------- operator (SPEC §6)
    Probe(
        "plugin.manage",
        'mutation { setModuleEnabled(tenantKey: "globex", module: "sharing", enabled: true) { key } }',
        lambda a, w: {},
    ),
    Probe("import.run", 'mutation { importData(json: "{") { tenants } }', lambda a, w: {}),
]

# fmt: off
# Expected outcome per actor, in PROBES order:
#   renewal: view checkout assist edit share update_quote answer accept
#   invoicing: view pay dispute profile resolve record | rewards: view redeem authorize
#   sharing/users: bd_share share_list invite change_role remove
#   users, real requests (R-A3): invite+role invite+unheld_role readmit change_role+grant remove
#   operator: plugins import
EXPECTED = {
    "FINANCE":           "A F F F F F N F" + " A A A A F F" + " A F F" + " A A F F F" + " F F F F F" + " F F",
    "FINANCE+redeemer":  "A F F F F F N F" + " A A A A F F" + " A A F" + " A A F F F" + " F F F F F" + " F F",
    "TECHNICAL":         "A A A A A F F A" + " A F F F F F" + " F F F" + " F A A F F" + " F F F F F" + " F F",
    "EXECUTIVE":         "A F A F F F N A" + " A F F F F F" + " A F F" + " F A A F F" + " F F F F F" + " F F",
    "PARTICIPANT":       "A F A F F F N A" + " F F F F F F" + " F F F" + " F A F F F" + " F F F F F" + " F F",
    "VIEWER":            "A F A F F F N F" + " F F F F F F" + " F F F" + " F A F F F" + " F F F F F" + " F F",
    "BILLING_DASHBOARD": "N N N N N N N N" + " A F F F F F" + " A F F" + " F A F F F" + " F F F F F" + " F F",
    "ADMIN(TECHNICAL)":  "A A A A A F N A" + " A F F F F F" + " F F A" + " F A A A A" + " A F A A A" + " F F",
    "SALES_REP":         "A F F F F A A F" + " F F F F F F" + " F F F" + " F F F F F" + " F F F F F" + " F F",
    "BILLING_SUPPORT":   "N N N N N N N N" + " A F F F A A" + " A F F" + " A F F F F" + " F F F F F" + " F F",
    "OPERATOR":          "N N N N N N N N" + " F F F F F F" + " F F F" + " F F A A F" + " A A A A F" + " A A",
}
# fmt: on


async def setup_world(api: Api) -> World:
    """Acme with one person per §6 row, renewals quoted to each contact, one shared renewal, an
    invoice (from an accepted renewal), a dispute, an assistance request and an authorised redeemer."""
    acme = dict(ACME)
    acme["people"] = [
        *ACME["people"],
        {"email": "fin2@acme.com", "roles": ["FINANCE"]},
        {"email": "part@acme.com", "roles": []},
        {"email": "view@acme.com", "roles": []},
        {"email": "bd@acme.com", "roles": []},
        {"email": GONE, "roles": ["FINANCE"]},
        {"email": QUIT, "roles": ["EXECUTIVE"]},
    ]
    owners = {
        "R-FIN": "fin@acme.com",
        "R-FIN2": "fin2@acme.com",
        "R-TECH": "tech@acme.com",
        "R-EXEC": "exec@acme.com",
        "R-ADMIN": "admin@acme.com",
        "R-SHARED": "tech@acme.com",
        "R-BILLED": "tech@acme.com",
    }
    items = [{**renewal_item("acme", n, q), "salesRepEmail": REP} for n, q in owners.items()]
    await api.load({"tenants": [acme, GLOBEX], "renewals": items})
    world = World()
    tech = {"as_": "tech@acme.com"}
    share = (
        'mutation($e: [String!], $r: ShareRole!) { shareRenewal(supportNumber: "R-SHARED", role: $r, emails: $e) '
        "{ id } }"
    )
    await api.ok(share, {"e": ["part@acme.com"], "r": "PARTICIPANT"}, **tech)
    await api.ok(share, {"e": ["view@acme.com"], "r": "VIEWER"}, **tech)
    await api.ok('mutation { shareBillingDashboard(emails: ["bd@acme.com"]) { id } }', as_="fin@acme.com")
    # an invoice: accepting a renewal issues one (renewal.accepted -> invoicing)
    await api.ok(
        'mutation { checkout(input: {supportNumbers: ["R-BILLED"], paymentMethod: INVOICE, acceptTerms: true, '
        "acceptTssa: true}) { __typename } }",
        **tech,
    )
    invoices = await api.ok("{ invoices(first: 5) { edges { node { number } } } }", as_="fin@acme.com")
    world.invoice = invoices["invoices"]["edges"][0]["node"]["number"]
    dispute = await api.ok(
        'mutation($n: String!) { openInvoiceDispute(invoiceNumber: $n, reason: "Wrong amount") { number } }',
        {"n": world.invoice},
        as_="fin@acme.com",
    )
    world.dispute = dispute["openInvoiceDispute"]["number"]
    await api.ok('mutation { requestRenewalAssistance(supportNumber: "R-TECH", message: "Question") { id } }', **tech)
    reqs = await api.ok('{ renewal(supportNumber: "R-TECH") { requests { id } } }', **tech)
    world.request_id = reqs["renewal"]["requests"][0]["id"]
    await api.ok('mutation { authorizeRewardsRedeemer(email: "fin2@acme.com") { email } }', as_="admin@acme.com")
    body = (await api.sql("select body from outbox_emails where to_addr = 'fin2@acme.com' order by id desc"))[0][0]
    world.codes["fin2@acme.com"] = re.search(r"redemption code: (\S+)", body).group(1)
    users = await api.ok("{ users(first: 100) { nodes { id email } } }", as_="admin@acme.com")
    world.users = {u["email"]: u["id"] for u in users["users"]["nodes"]}
    await api.ok("mutation($id: ID!) { removeUser(id: $id) { id } }", {"id": world.users[GONE]}, as_="admin@acme.com")
    return world


async def test_spec_section_6_matrix(api):
    world = await setup_world(api)
    actual: dict[str, list[str]] = {a.label: [] for a in ACTORS}
    for probe in PROBES:
        for actor in ACTORS:
            actual[actor.label].append(await probe.run(api, actor, world))
    header = [p.action for p in PROBES]
    wrong = []
    for actor in ACTORS:
        expected = EXPECTED[actor.label].split()
        assert len(expected) == len(PROBES), actor.label
        for action, want, got in zip(header, expected, actual[actor.label], strict=True):
            if want != got:
                wrong.append(f"{actor.label:<18} {action:<28} expected {want} got {got}")
    assert not wrong, "§6 matrix mismatches:\n" + "\n".join(wrong)
    # R-A3: the refused user-management cells changed nothing, the allowed ones did what they said
    invited = await api.sql("select email from people where email like 'grant-%' order by email")
    assert [r[0] for r in invited] == [
        "grant-admin-admin-technical@acme.com",
        "grant-admin-operator@acme.com",
        "grant-fin-operator@acme.com",
    ]
    status = dict(await api.sql("select email, status from people where email in (:g, :q)", g=GONE, q=QUIT))
    assert status == {GONE: "INVITED", QUIT: "REMOVED"}
    plain = await api.sql(
        "select r.role from person_roles r join people p on p.id = r.person_id where p.email = 'plain@acme.com'"
    )
    assert plain == [("TECHNICAL",)]


SNAPSHOT_TABLES = ("object_grants", "people", "outbox_emails", "sharing_lists", "person_roles")


async def snapshot(api: Api) -> dict[str, int]:
    return {t: (await api.sql(f"select count(*) from {t}"))[0][0] for t in SNAPSHOT_TABLES}


async def test_cross_tenant_and_cross_domain_attempts_change_nothing(api):
    """R-T1, R-S3: another tenant's people and staff acting for another tenant reach nothing of acme's;
    a share naming a foreign address is refused whole."""
    world = await setup_world(api)
    share_id = (
        await api.ok('{ renewalShares(supportNumber: "R-SHARED") { edges { node { id } } } }', as_="tech@acme.com")
    )["renewalShares"]["edges"][0]["node"]["id"]
    before = await snapshot(api)
    attempts = [
        ("tech@globex.com", (), None, 'query { renewal(supportNumber: "R-TECH") { supportNumber } }', {}, "NOT_FOUND"),
        (
            "admin@globex.com",
            (),
            None,
            'mutation { shareRenewal(supportNumber: "R-TECH", role: VIEWER, emails: ["fin@globex.com"]) { id } }',
            {},
            "NOT_FOUND",
        ),
        (
            "admin@globex.com",
            (),
            None,
            "mutation($id: ID!) { revokeShare(id: $id) { email } }",
            {"id": share_id},
            "NOT_FOUND",
        ),
        (
            "tech@globex.com",
            (),
            None,
            "mutation($id: ID!) { changeShareRole(id: $id, role: PARTICIPANT) { email } }",
            {"id": share_id},
            "NOT_FOUND",
        ),
        (
            "fin@globex.com",
            (),
            None,
            'mutation { revokeBillingDashboard(email: "bd@acme.com") { email } }',
            {},
            "NOT_FOUND",
        ),
        (
            "fin@globex.com",
            (),
            None,
            'mutation($n: String!) { openInvoiceDispute(invoiceNumber: $n, reason: "x") { number } }',
            {"n": world.invoice},
            "NOT_FOUND",
        ),
        # cross-domain: globex's finance contact cannot share globex's dashboard with an acme person
        (
            "fin@globex.com",
            (),
            None,
            'mutation { shareBillingDashboard(emails: ["bd@acme.com"]) { id } }',
            {},
            "BAD_USER_INPUT",
        ),
        # billing support acting for globex cannot hand acme people globex's dashboard either
        (
            "bs@vendor.example",
            ("BILLING_SUPPORT",),
            "globex",
            'mutation { shareBillingDashboard(emails: ["fin@globex.com", "exec@acme.com"]) { id } }',
            {},
            "BAD_USER_INPUT",
        ),
        # a person cannot pick another tenant with X-Tenant
        ("tech@globex.com", (), "acme", '{ renewalShares(supportNumber: "R-TECH") { totalCount } }', {}, "FORBIDDEN"),
        # acme's own share naming a foreign address: refused whole, naming it
        (
            "tech@acme.com",
            (),
            None,
            'mutation { shareRenewal(supportNumber: "R-TECH", role: VIEWER, emails: ["new@acme.com", "x@globex.com"]) '
            "{ id } }",
            {},
            "BAD_USER_INPUT",
        ),
    ]
    for email, staff, tenant, query, variables, code in attempts:
        err = await api.error(query, variables, as_=email, staff=staff, tenant=tenant)
        assert err["extensions"]["code"] == code, (email, query, err)
        # nothing of acme's is revealed beyond what the caller sent
        leaked = [x for x in ("Acme Corp", "tech@acme.com", "part@acme.com", "view@acme.com") if x in err["message"]]
        assert not [x for x in leaked if x not in query], err
    assert await snapshot(api) == before
    # globex sees none of acme's shares
    assert (await api.ok("{ billingDashboardShares { totalCount } }", as_="fin@globex.com"))["billingDashboardShares"][
        "totalCount"
    ] == 0


async def test_revoked_access_takes_effect_on_the_next_request(api):
    """R-S5: revoking a renewal share or a billing-dashboard share closes access on the next request."""
    await setup_world(api)
    view = '{ renewal(supportNumber: "R-SHARED") { supportNumber } }'
    assert await api.ok(view, as_="part@acme.com")
    assert await api.ok("{ invoices(first: 1) { totalCount } }", as_="bd@acme.com")
    assert await api.ok("{ rewards { balance { amount } } }", as_="bd@acme.com")
    shares = (
        await api.ok(
            '{ renewalShares(supportNumber: "R-SHARED") { edges { node { id email } } } }', as_="tech@acme.com"
        )
    )["renewalShares"]["edges"]
    part = next(e["node"]["id"] for e in shares if e["node"]["email"] == "part@acme.com")
    await api.ok("mutation($id: ID!) { revokeShare(id: $id) { email } }", {"id": part}, as_="tech@acme.com")
    assert await api.code(view, as_="part@acme.com") == "NOT_FOUND"
    # billing support revokes on the tenant's behalf (R-S4)
    await api.ok(
        'mutation { revokeBillingDashboard(email: "bd@acme.com") { email } }',
        as_="bs@vendor.example",
        staff=["BILLING_SUPPORT"],
        tenant="acme",
    )
    assert await api.code("{ invoices(first: 1) { totalCount } }", as_="bd@acme.com") == "FORBIDDEN"
    assert await api.code("{ rewards { balance { amount } } }", as_="bd@acme.com") == "FORBIDDEN"
