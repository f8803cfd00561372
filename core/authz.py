"""The one enforcement point. Every resolver, mutation, download and job asks here.

Decisions are made at (role, tenant, object type, action) granularity by pycasbin and memoised
per request; per-object relations (owner, participant, viewer) are passed in as extra roles by the
plugin that knows them. Enforcers are built once per (plugin set, tenant policy version).
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import casbin
from casbin.util import key_match

from core.errors import BadUserInput, Forbidden
from core.i18n import _

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
MODEL_PATH = POLICY_DIR / "model.conf"
CORE_POLICY = POLICY_DIR / "core.csv"

# Public mail providers: the same-domain rule means nothing for them (DESIGN.md).
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "gmx.com",
        "gmx.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
    }
)


def read_policy_csv(path: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    with path.open(newline="") as fh:
        for raw in csv.reader(fh, skipinitialspace=True):
            if not raw or raw[0].strip().startswith("#"):
                continue
            rows.append([c.strip() for c in raw])
    return rows


def same_domain(target_email: str, owner_domains: str) -> bool:
    """True when the target email's domain is one of the owner's domains (comma-separated)."""
    if target_email.count("@") != 1:
        return False
    domain = target_email.rsplit("@", 1)[1].strip().lower()
    allowed = {d.strip().lower() for d in owner_domains.split(",") if d.strip()}
    return bool(domain) and domain not in PUBLIC_MAIL_DOMAINS and domain in allowed


def build_enforcer(rows: Iterable[list[str]]) -> casbin.Enforcer:
    enforcer = casbin.Enforcer(str(MODEL_PATH))
    enforcer.add_function("sameDomain", same_domain)
    grouped: dict[str, list[list[str]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row[1:])
    for ptype, values in grouped.items():
        if ptype.startswith("g"):
            enforcer.add_named_grouping_policies(ptype, values)
        else:
            enforcer.add_named_policies(ptype, values)
    return enforcer


class EnforcerCache:
    """Enforcers per (enabled plugin set, tenant policy version). Built once, shared by requests."""

    def __init__(self, plugin_policies: dict[str, list[list[str]]]) -> None:
        self.core_rows = read_policy_csv(CORE_POLICY)
        self.plugin_policies = plugin_policies
        self._cache: dict[tuple, casbin.Enforcer] = {}
        self._lock = threading.Lock()

    def get(self, plugins: frozenset[str], tenant_rows: tuple[tuple[str, ...], ...] = ()) -> casbin.Enforcer:
        key = (plugins, tenant_rows)
        enforcer = self._cache.get(key)
        if enforcer is None:
            with self._lock:
                rows = list(self.core_rows)
                for name in sorted(plugins):
                    rows.extend(self.plugin_policies.get(name, []))
                rows.extend(list(r) for r in tenant_rows)
                enforcer = self._cache[key] = build_enforcer(rows)
        return enforcer


def shared_decisions(enforcer: casbin.Enforcer) -> dict[tuple[str, str, str, str], bool]:
    """Decisions of one enforcer, shared by every request that uses it.

    An enforcer is built for one (plugin set, tenant policy version) and never changed afterwards
    (a policy change makes a new one, EnforcerCache), so a (role, tenant, object, action) answer
    stays true for its lifetime. A pycasbin ``enforce()`` costs ≈ 0.2–0.5 ms (DESIGN.md), which
    was a tenth of a dashboard request; a dict lookup costs nothing (docs/performance.md)."""
    decisions = getattr(enforcer, "_cc_decisions", None)
    if decisions is None:
        decisions = {}
        enforcer._cc_decisions = decisions
    return decisions


def vocabulary(enforcer: casbin.Enforcer) -> dict[str, frozenset[str]]:
    """The object types and, for each, the actions some policy row names (wildcard rows match by
    ``keyMatch``, as the model does), kept on the enforcer like its decisions (never changed)."""
    known = getattr(enforcer, "_cc_vocabulary", None)
    if known is None:
        rows = enforcer.get_named_policy("p")
        objects = {obj for _sub, _dom, obj, _act in rows if "*" not in obj}
        known = {
            obj: frozenset(act for _s, _d, o, act in rows if key_match(obj, o) and "*" not in act) for obj in objects
        }
        enforcer._cc_vocabulary = known
    return known


def known_names(enforcer: casbin.Enforcer, installed: casbin.Enforcer) -> dict[str, frozenset[str]]:
    """What ``can``/``explain`` accept: the names of the tenant's enforcer and of every installed
    module's policies (a module the tenant switched off answers false, not "unknown")."""
    known = getattr(enforcer, "_cc_known", None)
    if known is None:
        ours, theirs = vocabulary(enforcer), vocabulary(installed)
        known = {obj: ours.get(obj, frozenset()) | theirs.get(obj, frozenset()) for obj in ours.keys() | theirs.keys()}
        enforcer._cc_known = known
    return known


def check_known(known: dict[str, frozenset[str]], obj: str, act: str) -> None:
    """BAD_USER_INPUT, listing the valid names, for an object type or action no policy row names:
    ``can(object: "renewals")`` would otherwise answer false, indistinguishable from a refusal."""
    if obj not in known:
        valid = sorted(known)
        raise BadUserInput(
            _("Unknown object '{obj}'; valid objects: {names}", obj=obj, names=", ".join(valid)),
            field="object",
            reason="UNKNOWN_OBJECT",
            valid=valid,
        )
    if act not in known[obj]:
        valid = sorted(known[obj])
        raise BadUserInput(
            _("Unknown action '{act}' on {obj}; valid actions: {names}", act=act, obj=obj, names=", ".join(valid)),
            field="action",
            reason="UNKNOWN_ACTION",
            valid=valid,
        )


@dataclass
class Decision:
    allowed: bool
    role: str | None
    rule: list[str] | None


@dataclass
class RequestAuthz:
    """Per-request view of the enforcer: the caller's roles in one tenant, with memoised answers."""

    enforcer: casbin.Enforcer
    domain: str
    roles: frozenset[str]
    owner_domains: tuple[str, ...] = ()
    _memo: dict[tuple, bool] = field(default_factory=dict)
    enforce_calls: int = 0

    def allowed(self, obj: str, act: str, extra_roles: Iterable[str] = ()) -> bool:
        roles = self.roles | frozenset(extra_roles)
        key = (roles, obj, act)
        hit = self._memo.get(key)
        if hit is None:
            hit = False
            decisions = shared_decisions(self.enforcer)
            for role in sorted(roles):
                self.enforce_calls += 1
                asked = (role, self.domain, obj, act)
                ok = decisions.get(asked)
                if ok is None:
                    ok = decisions[asked] = bool(self.enforcer.enforce(role, self.domain, obj, act))
                if ok:
                    hit = True
                    break
            self._memo[key] = hit
        return hit

    def require(self, obj: str, act: str, extra_roles: Iterable[str] = ()) -> None:
        if not self.allowed(obj, act, extra_roles):
            raise Forbidden(_("Not allowed to {act} {obj}", act=act, obj=obj), object=obj, action=act)

    def explain(self, obj: str, act: str, roles: Iterable[str]) -> Decision:
        for role in sorted(roles):
            ok, rule = self.enforcer.enforce_ex(role, self.domain, obj, act)
            if ok:
                return Decision(True, role, list(rule))
        return Decision(False, None, None)

    def same_domain_allowed(self, act: str, target_email: str) -> bool:
        """R-S3 through the Casbin model (request/matcher 2), e.g. act = invite | share | quote_to."""
        ctx = self.enforcer.new_enforce_context("2")
        return bool(self.enforcer.enforce(ctx, act, target_email.lower(), ",".join(self.owner_domains)))

    def require_same_domain(self, act: str, emails: Iterable[str]) -> None:
        """Refuse the whole list when any address is outside the tenant's domains, naming it."""
        foreign = [e for e in emails if not self.same_domain_allowed(act, e)]
        if foreign:
            from core.errors import BadUserInput

            raise BadUserInput(
                _(
                    "{names} is not in your organisation's email domains ({names2}); nothing was changed",
                    names=", ".join(foreign),
                    names2=", ".join(self.owner_domains),
                ),
                reason="DOMAIN_MISMATCH",
                emails=foreign,
            )
