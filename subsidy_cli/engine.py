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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .amounts import Amount, Percent, compute
from .catalog import Benefit, Catalog
from .conditions import Check, evaluate, evaluate_all
from .profile import KEYS, Profile

Status = Literal["eligible", "potential", "needs_info", "ineligible", "expired"]
STATUSES: tuple[Status, ...] = ("eligible", "potential", "needs_info", "ineligible", "expired")


@dataclass(frozen=True)
class Finding:
    """A condition as applied: the group it belongs to and, for scope rules, the rule's own reason."""

    group: Literal["scope", "requires", "qualifies"]
    check: Check
    scope_reason: tuple[str, str] | None = None  # (zh, en)


@dataclass(frozen=True)
class LineResult:
    benefit: Benefit
    status: Status
    status_if_in_force: Status
    amount: Amount
    findings: tuple[Finding, ...]
    missing: tuple[str, ...]
    window: tuple[dt.date, dt.date]
    risk_share_max: Decimal | None = None

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.check.outcome is False]

    @property
    def is_cash(self) -> bool:
        return self.benefit.kind == "cash"

    @property
    def max_award(self) -> Decimal | None:
        return None if self.benefit.kind == "risk_sharing" else self.amount.max

    @property
    def min_award(self) -> Decimal | None:
        return None if self.benefit.kind == "risk_sharing" else self.amount.min


@dataclass(frozen=True)
class Totals:
    eligible_cash_max: Decimal
    potential_cash_max: Decimal
    open_ended: tuple[str, ...]
    counts: dict[str, int]


@dataclass(frozen=True)
class RefineHint:
    """An unknown key and the largest award its answer could settle."""

    key: str
    largest: Decimal | None  # None: an open-ended award
    benefits: tuple[str, ...]


@dataclass(frozen=True)
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


def judge(benefit: Benefit, catalog: Catalog, profile: Profile, as_of: dt.date) -> LineResult:
    window = catalog.window(benefit)
    findings: list[Finding] = []
    gate_results: list[bool | None] = []
    if benefit.open_to == "localities":
        status: Status = "ineligible"
        amount = Amount(None, None)
    else:
        for rule in catalog.policy.scope:
            cond = benefit.scope_override.get(rule.id, rule.test)
            outcome = evaluate(cond, profile)
            gate_results.append(outcome.result)
            reason = None if rule.id in benefit.scope_override else (rule.reason_zh, rule.reason_en)
            findings.extend(Finding("scope", c, reason) for c in outcome.checks)
        requires = evaluate_all(benefit.requires, profile)
        gate_results.append(requires.result)
        findings.extend(Finding("requires", c) for c in requires.checks)
        qualifies = evaluate_all(benefit.qualifies, profile)
        findings.extend(Finding("qualifies", c) for c in qualifies.checks)
        amount = compute(benefit.amount, profile)
        if False in gate_results:
            status = "ineligible"
        elif None in gate_results or qualifies.result is None:
            status = "needs_info"
        elif qualifies.result is True:
            status = "eligible"
        else:
            status = "potential"
    missing = _missing(findings, amount, status)
    in_force_status = status
    if not window[0] <= as_of <= window[1]:
        status = "expired"
    risk = amount.max if benefit.kind == "risk_sharing" and isinstance(benefit.amount, Percent) else None
    return LineResult(benefit, status, in_force_status, amount, tuple(findings), missing, window, risk)


def _missing(findings: list[Finding], amount: Amount, status: Status) -> tuple[str, ...]:
    if status == "ineligible":
        return ()
    keys: list[str] = []
    for finding in findings:
        key = finding.check.condition.key
        if finding.check.outcome is None and key and key not in keys:
            keys.append(key)
    for key in amount.missing:
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def _totals(results: tuple[LineResult, ...]) -> Totals:
    counts = {status: 0 for status in STATUSES}
    eligible = potential = Decimal(0)
    open_ended: list[str] = []
    for result in results:
        counts[result.status] += 1
        if not result.is_cash:
            continue
        if result.status == "eligible":
            if result.max_award is None:
                open_ended.append(result.benefit.id)
            else:
                eligible += result.max_award
        elif result.status == "potential" and result.max_award is not None:
            potential += result.max_award
    return Totals(eligible, potential, tuple(open_ended), counts)


def _refine(results: tuple[LineResult, ...], key_order: list[str]) -> tuple[RefineHint, ...]:
    best: dict[str, tuple[Decimal | None, list[str]]] = {}
    for result in results:
        if result.status == "expired":
            continue
        for key in result.missing:
            largest, ids = best.get(key, (Decimal(0), []))
            award = result.max_award
            if result.amount.open_ended and result.benefit.kind == "cash":
                largest = None
            elif largest is not None and award is not None:
                largest = max(largest, award)
            ids.append(result.benefit.id)
            best[key] = (largest, ids)

    def rank(item: tuple[str, tuple[Decimal | None, list[str]]]) -> tuple[int, Decimal, int, int]:
        key, (largest, ids) = item
        return (0 if largest is None else 1, -(largest or Decimal(0)), -len(ids), key_order.index(key))

    return tuple(RefineHint(key, largest, tuple(ids)) for key, (largest, ids) in sorted(best.items(), key=rank))


def assess(profile: Profile, catalog: Catalog, as_of: dt.date) -> Assessment:
    """Every line of the catalogue judged for ``profile`` on ``as_of``."""
    results = tuple(judge(benefit, catalog, profile, as_of) for benefit in catalog.benefits)
    return Assessment(catalog, profile, as_of, results, _totals(results), _refine(results, list(KEYS)))
