"""The per-firm driver with its explanation: every line judged for one profile on one date, with the findings
behind each status, the keys it still waits on, the rules across lines that concern it, the totals and the
questions that would settle the most money. Pure: no I/O, no printing.

The status rules themselves are in ``subsidy_cli.engine.status``; the compiled rules in
``subsidy_cli.engine.compiled``. Each distinct condition of a snapshot is evaluated once per firm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from subsidy_cli.engine.compiled import Compiled, Judge, Line
from subsidy_cli.engine.evaluate import Amount, Outcome, evaluate
from subsidy_cli.engine.results import Assessment, Constraint, Finding, LineResult, RefineHint, Totals
from subsidy_cli.engine.status import STATUSES, Status
from subsidy_cli.engine.status import evaluation_date as _evaluation_date
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.rules.layers import Rules

__all__ = ["STATUSES", "Assessment", "LineResult", "Status", "assess", "assess_compiled", "assess_rules"]


def evaluation_date(profile: Profile, as_of: dt.date | None, today: dt.date | None = None) -> dt.date:
    """``--as-of``, else the profile's application_date, else today."""
    return _evaluation_date(profile.application_date, as_of, today)


def assess_compiled(profile: Profile, compiled: Compiled, as_of: dt.date) -> Assessment:
    """Every line of a compiled snapshot judged for ``profile`` on ``as_of``, with its explanation."""
    values = vars(profile)
    evaluated = [evaluate(cond, profile) for cond in compiled.conditions]
    outcomes = [found.result for found in evaluated]
    results = []
    for line in compiled.lines:
        findings = _findings(line, compiled, evaluated) if line.applies else ()
        status, judged = compiled.settle_line(line, outcomes, as_of)
        amount = compiled.amount(line, values, {})
        risk = amount.max if line.benefit.kind == "risk_sharing" else None
        missing = _missing(findings, amount, judged)
        results.append(LineResult(line.benefit, status, judged, amount, findings, missing, line.window, as_of, risk))
    if compiled.across:
        results = _constrain(results, compiled, values)
    totals = _totals(results, compiled, values)
    return Assessment(compiled.catalog, profile, as_of, tuple(results), totals, _refine(results))


def assess(profile: Profile, catalog: Catalog, as_of: dt.date) -> Assessment:
    """Every line of one snapshot (``Rules.snapshot``) judged for ``profile`` on ``as_of``; compiles it first.
    To judge many firms, compile once (``Judge``) and call ``assess_compiled``."""
    return assess_compiled(profile, Compiled(catalog, profile.district), as_of)


def assess_rules(profile: Profile, rules: Rules | Judge, as_of: dt.date) -> Assessment:
    """Judge with the rules in force on ``as_of`` for the firm's district (layers, dated values). Pass a
    ``Judge`` to reuse compiled snapshots across firms."""
    return assess_compiled(profile, Judge.of(rules).compiled(as_of, profile.district), as_of)


def _findings(line: Line, compiled: Compiled, evaluated: list[Outcome]) -> tuple[Finding, ...]:
    """The line's conditions as applied: scope rules (with the policy's words), ``requires``, ``qualifies``."""
    findings = []
    scopes = len(line.scope_reasons)
    for position, index in enumerate(line.gate):
        found = evaluated[index]
        if position < scopes:
            reason = line.scope_reasons[position]
            findings.append(Finding("scope", compiled.conditions[index], found.result, found.checks, reason))
        else:
            findings.append(Finding("requires", compiled.conditions[index], found.result, found.checks))
    for index in line.qualifies:
        found = evaluated[index]
        findings.append(Finding("qualifies", compiled.conditions[index], found.result, found.checks))
    return tuple(findings)


def _missing(findings: tuple[Finding, ...], amount: Amount, status: Status) -> tuple[str, ...]:
    """The unknown keys a line waits on: those of its undecided conditions, then those of its amount."""
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


def _constrain(results: list[LineResult], compiled: Compiled, values: dict[str, Any]) -> list[LineResult]:
    """The layers' caps across lines (each capped line is then at most the cap too) and exclusions, noted on
    the lines they concern; a cap whose figure is unknown adds that key to what the line waits on."""
    notes: dict[str, list[Constraint]] = {}
    capped: dict[str, Decimal] = {}
    for cap in compiled.caps:
        limit = values.get(cap.at_most)
        constraint = Constraint("cap", tuple(cap.lines), cap.source, cap.at_most, limit)
        for line in cap.lines:
            notes.setdefault(line, []).append(constraint)
            if limit is not None:
                capped[line] = min(capped.get(line, limit), limit)
    for group in compiled.exclusive:
        constraint = Constraint(group.rule, tuple(group.lines), group.source)
        for line in group.lines:
            notes.setdefault(line, []).append(constraint)
    out = []
    for result, line in zip(results, compiled.lines, strict=True):
        line_id = result.benefit.id
        if line_id not in notes:
            out.append(result)
            continue
        amount, missing = result.amount, result.missing
        if line_id in capped:
            amount = compiled.amount(line, values, capped)
        elif result.status in ("eligible", "potential", "needs_info"):
            missing += tuple(c.key for c in notes[line_id] if c.kind == "cap" and c.key and c.key not in missing)
        out.append(replace(result, amount=amount, missing=missing, constraints=tuple(notes[line_id])))
    return out


def _totals(results: list[LineResult], compiled: Compiled, values: dict[str, Any]) -> Totals:
    """Counts per status, and the bounded totals of cash lines as the layers allow."""
    counts = {status: 0 for status in STATUSES}
    for result in results:
        counts[result.status] += 1
    eligible, potential, open_ended = compiled.totals(
        [r.status for r in results], [r.amount for r in results], values
    )
    return Totals(eligible, potential, tuple(open_ended), dict(counts))


def _refine(results: list[LineResult]) -> tuple[RefineHint, ...]:
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
