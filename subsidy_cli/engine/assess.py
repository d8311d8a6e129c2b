"""Judge every benefit line for one profile on one date. Pure: no I/O, no printing.

Statuses, in the order a line is settled:
- ``ineligible``: a scope or ``requires`` condition is false (wrong organisation, outside Suzhou, ...);
- ``needs_info``: nothing is false but a scope, ``requires`` or ``qualifies`` condition is unknown;
- ``potential``: the applicant could receive it but a ``qualifies`` condition is not (yet) met;
- ``eligible``: every condition holds;
- ``expired``: the date is outside the line's window (``status_if_in_force`` keeps the judgement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from subsidy_cli.engine.evaluate import Amount, Check, compute, evaluate
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.amounts import Percent
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.rules.conditions import Condition

if TYPE_CHECKING:
    from subsidy_cli.rules.layers import Rules

Status = Literal["eligible", "potential", "needs_info", "ineligible", "expired"]
STATUSES: tuple[Status, ...] = ("eligible", "potential", "needs_info", "ineligible", "expired")


@dataclass(frozen=True, eq=False)
class Finding:
    """One condition of a line as applied: its group, its outcome and the leaf tests under it.

    ``scope_reason`` carries the policy's own words for a scope rule (zh, en).
    """

    group: Literal["scope", "requires", "qualifies"]
    condition: Condition
    outcome: bool | None
    checks: tuple[Check, ...]
    scope_reason: tuple[str, str] | None = None

    @property
    def to_confirm(self) -> bool:
        """False only because a fact the profile does not record is not established."""
        return self.outcome is False and all(c.unrecorded for c in self.checks if c.outcome is False)


@dataclass(frozen=True, eq=False)
class LineResult:
    benefit: Benefit
    status: Status
    status_if_in_force: Status
    amount: Amount
    findings: tuple[Finding, ...]
    missing: tuple[str, ...]
    window: tuple[dt.date, dt.date]
    as_of: dt.date
    risk_share_max: Decimal | None = None
    constraints: tuple[Constraint, ...] = ()  # caps across lines and exclusions that concern this line

    @property
    def is_cash(self) -> bool:
        return self.benefit.kind == "cash"

    @property
    def max_award(self) -> Decimal | None:
        return None if self.benefit.kind == "risk_sharing" else self.amount.max

    @property
    def min_award(self) -> Decimal | None:
        return None if self.benefit.kind == "risk_sharing" else self.amount.min


@dataclass(frozen=True, eq=False)
class Constraint:
    """A layer's rule across lines, as it applies to one line: ``kind`` is "cap", "one_of" or "higher"."""

    kind: str
    lines: tuple[str, ...]
    source: str
    key: str | None = None  # for a cap: the profile figure the lines are capped at together
    limit: Decimal | None = None  # its value, when known


@dataclass(frozen=True, eq=False)
class Totals:
    eligible_cash_max: Decimal
    potential_cash_max: Decimal
    open_ended: tuple[str, ...]
    counts: dict[str, int]


@dataclass(frozen=True, eq=False)
class RefineHint:
    """An unknown key and the largest award its answer could settle."""

    key: str
    largest: Decimal  # zero when the lines it settles pay no stated amount
    open_ended: bool  # it settles a cash line with no upper bound
    benefits: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Assessment:
    catalog: Catalog
    profile: Profile
    as_of: dt.date
    results: tuple[LineResult, ...]
    totals: Totals
    refine: tuple[RefineHint, ...] = field(default=())

    @property
    def in_force(self) -> bool:
        policy = self.catalog.policy
        return policy.valid_from <= self.as_of <= policy.valid_until


def evaluation_date(profile: Profile, as_of: dt.date | None, today: dt.date | None = None) -> dt.date:
    """``--as-of``, else the profile's application_date, else today."""
    return as_of or profile.application_date or today or dt.date.today()


def combine(outcomes: Iterable[bool | None]) -> bool | None:
    """All of several three-valued outcomes: False if any is False, else None if any is unknown."""
    result: bool | None = True
    for outcome in outcomes:
        if outcome is False:
            return False
        if outcome is None:
            result = None
    return result


def gate_findings(benefit: Benefit, catalog: Catalog, profile: Profile) -> list[Finding]:
    """Who may receive the line: the policy's scope (or the line's own recipients) and its ``requires``."""
    findings = []
    for rule in catalog.policy.scope:
        cond = benefit.scope_override.get(rule.id, rule.test)
        reason = None if rule.id in benefit.scope_override else (rule.reason_zh, rule.reason_en)
        findings.append(_find("scope", cond, profile, reason))
    findings.extend(_find("requires", cond, profile) for cond in benefit.requires)
    return findings


def qualifies_findings(benefit: Benefit, profile: Profile) -> list[Finding]:
    """What the line pays for: its ``qualifies`` conditions."""
    return [_find("qualifies", cond, profile) for cond in benefit.qualifies]


def settle(benefit: Benefit, gate: bool | None, met: bool | None) -> Status:
    """The status (in force) from who may receive the line and whether it has what the line pays for."""
    if benefit.open_to != "applicants" or gate is False:
        return "ineligible"
    if gate is None:
        return "needs_info"
    if met is False:
        return "potential"
    return "needs_info" if met is None else "eligible"


def judge(benefit: Benefit, catalog: Catalog, profile: Profile, as_of: dt.date) -> LineResult:
    window = catalog.window(benefit)
    findings: list[Finding] = []
    if benefit.open_to != "applicants":
        status: Status = "ineligible"
        amount = Amount(None, None)
    else:
        gate = gate_findings(benefit, catalog, profile)
        qualifies = qualifies_findings(benefit, profile)
        findings = gate + qualifies
        amount = compute(benefit.amount, vars(profile))
        status = settle(benefit, combine(f.outcome for f in gate), combine(f.outcome for f in qualifies))
    missing = _missing(findings, amount, status)
    in_force_status = status
    if not window[0] <= as_of <= window[1]:
        status = "expired"
    risk = amount.max if benefit.kind == "risk_sharing" and isinstance(benefit.amount, Percent) else None
    return LineResult(benefit, status, in_force_status, amount, tuple(findings), missing, window, as_of, risk)


def _find(
    group: Literal["scope", "requires", "qualifies"],
    cond: Condition,
    profile: Profile,
    reason: tuple[str, str] | None = None,
) -> Finding:
    outcome = evaluate(cond, profile)
    return Finding(group, cond, outcome.result, outcome.checks, reason)


def _missing(findings: list[Finding], amount: Amount, status: Status) -> tuple[str, ...]:
    if status == "ineligible":
        return ()
    keys: list[str] = []
    for finding in findings:
        if finding.outcome is not None:
            continue
        for check in finding.checks:
            key = check.condition.key
            if check.outcome is None and key and key not in keys:
                keys.append(key)
    for key in amount.missing:
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def _constrain(results: tuple[LineResult, ...], catalog: Catalog, profile: Profile) -> tuple[LineResult, ...]:
    """Apply the layers' caps across lines (each line is then at most the cap too) and exclusions."""
    notes: dict[str, list[Constraint]] = {}
    capped: dict[str, Decimal] = {}
    for cap in catalog.caps:
        if cap.district is not None and cap.district != profile.district:
            continue
        limit = getattr(profile, cap.at_most)
        constraint = Constraint("cap", tuple(cap.lines), cap.source, cap.at_most, limit)
        for line in cap.lines:
            notes.setdefault(line, []).append(constraint)
            if limit is not None:
                capped[line] = min(capped.get(line, limit), limit)
    for group in catalog.exclusive:
        constraint = Constraint(group.rule, tuple(group.lines), group.source)
        for line in group.lines:
            notes.setdefault(line, []).append(constraint)
    out = []
    for result in results:
        line = result.benefit.id
        if line not in notes:
            out.append(result)
            continue
        amount = result.amount
        missing = result.missing
        if line in capped:
            limit = capped[line]
            high = limit if amount.max is None else min(amount.max, limit)
            low = None if amount.min is None else min(amount.min, limit)
            amount = Amount(low, high, open_ended=False, missing=amount.missing)
        elif result.status in ("eligible", "potential", "needs_info"):
            missing += tuple(c.key for c in notes[line] if c.kind == "cap" and c.key and c.key not in missing)
        out.append(replace(result, amount=amount, missing=missing, constraints=tuple(notes[line])))
    return tuple(out)


def _totals(results: tuple[LineResult, ...], catalog: Catalog, profile: Profile) -> Totals:
    """Sums of the bounded maxima of cash lines, as the layers allow: an exclusive group pays one line
    (its highest), and lines capped together count at most their cap."""
    counts = {status: 0 for status in STATUSES}
    for result in results:
        counts[result.status] += 1
    eligible, open_ended = _sum(results, catalog, profile, "eligible")
    potential, _ = _sum(results, catalog, profile, "potential")
    return Totals(eligible, potential, tuple(open_ended), counts)


def _sum(
    results: tuple[LineResult, ...], catalog: Catalog, profile: Profile, status: Status
) -> tuple[Decimal, list[str]]:
    """The bounded total of the cash lines with ``status``, and the lines with no upper bound."""
    lines = [r for r in results if r.is_cash and r.status == status]
    amounts: dict[str, Decimal | None] = {r.benefit.id: r.max_award for r in lines}
    for group in catalog.exclusive:  # one line of the group is paid: keep the highest (an unbounded one wins)
        members = [line for line in group.lines if line in amounts]
        if len(members) > 1:
            best = max(members, key=lambda i: (amounts[i] is None, amounts[i] or Decimal(0)))
            for line in members:
                if line != best:
                    del amounts[line]
    open_ended = [line for line, value in amounts.items() if value is None]
    bounded = {line: value for line, value in amounts.items() if value is not None}
    # Caps across lines: take each cap's excess off its lines, first off the lines that other caps also
    # hold (so that one cut serves several caps). The total is what every cap allows at once.
    caps = [c for c in catalog.caps if c.district in (None, profile.district)]
    shared = {line: sum(line in c.lines for c in caps) for line in bounded}
    for cap in caps:
        limit = getattr(profile, cap.at_most)
        held = [line for line in cap.lines if line in bounded]
        if limit is None or not held or any(line in open_ended for line in cap.lines):
            continue
        excess = sum((bounded[line] for line in held), Decimal(0)) - limit
        for line in sorted(held, key=lambda i: -shared[i]):
            if excess <= 0:
                break
            cut = min(excess, bounded[line])
            bounded[line] -= cut
            excess -= cut
    return sum(bounded.values(), Decimal(0)), open_ended


def _refine(results: tuple[LineResult, ...]) -> tuple[RefineHint, ...]:
    """Unknown keys, the key that could settle the largest award first (open-ended awards before all)."""
    hints: dict[str, RefineHint] = {}
    for result in results:
        if result.status_if_in_force not in ("needs_info", "eligible"):
            continue  # a potential line is decided by what is known to be missing (expired lines count as in force)
        award = result.max_award or Decimal(0)
        open_ended = result.is_cash and result.amount.open_ended
        for key in result.missing:
            old = hints.get(key, RefineHint(key, Decimal(0), False, ()))
            hints[key] = RefineHint(
                key, max(old.largest, award), old.open_ended or open_ended, (*old.benefits, result.benefit.id)
            )
    order = list(KEYS)
    return tuple(
        sorted(hints.values(), key=lambda h: (not h.open_ended, -h.largest, -len(h.benefits), order.index(h.key)))
    )


def assess(profile: Profile, catalog: Catalog, as_of: dt.date) -> Assessment:
    """Every line of the catalogue judged for ``profile`` on ``as_of``."""
    results = tuple(judge(benefit, catalog, profile, as_of) for benefit in catalog.benefits)
    if catalog.caps or catalog.exclusive:
        results = _constrain(results, catalog, profile)
    return Assessment(catalog, profile, as_of, results, _totals(results, catalog, profile), _refine(results))


def assess_rules(profile: Profile, rules: Rules, as_of: dt.date) -> Assessment:
    """Judge with the rules in force on ``as_of`` for the firm's district (layers, dated values)."""
    return assess(profile, rules.snapshot(as_of, profile.district), as_of)
