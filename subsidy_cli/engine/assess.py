"""The per-firm driver with its explanation: every line judged for one profile on one date, with the findings
behind each status, the keys it still waits on, the rules across lines that concern it, the totals and the
questions that would settle the most money. Pure: no I/O, no printing.

The status rules themselves are in ``subsidy_cli.engine.status``; the compiled rules in
``subsidy_cli.engine.compiled``. Each distinct condition of a snapshot is evaluated once per firm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

from subsidy_cli.engine.compiled import NO_AMOUNT, Compiled, Judge, Line
from subsidy_cli.engine.evaluate import Amount, Outcome, evaluate
from subsidy_cli.engine.results import Assessment, Constraint, Finding, LineResult, RefineHint, Totals
from subsidy_cli.engine.status import STATUSES, Status, line_caps
from subsidy_cli.engine.status import evaluation_date as _evaluation_date
from subsidy_cli.profile.identity import profile_warnings
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.rules.layers import Rules

__all__ = [
    "STATUSES",
    "Assessment",
    "LineResult",
    "Status",
    "assess",
    "assess_compiled",
    "assess_rules",
    "refine_hints",
]


def evaluation_date(profile: Profile, as_of: dt.date | None, today: dt.date | None = None) -> dt.date:
    """``--as-of``, else the profile's application_date, else today."""
    return _evaluation_date(profile.application_date, as_of, today)


def assess_compiled(
    profile: Profile, compiled: Compiled, as_of: dt.date, given: Mapping[str, Any] | None = None
) -> Assessment:
    """Every line of a compiled snapshot judged for ``profile`` on ``as_of``, with its explanation, and the
    warnings about the profile, which decide nothing (``identity.profile_warnings``; ``given``: the key/values as
    written, when at hand)."""
    explainer = Explainer(profile, compiled, as_of)
    results = [explainer.line(line) for line in compiled.lines]
    totals = _totals(results, compiled, explainer.values)
    warnings = tuple(profile_warnings(explainer.values, given))
    return Assessment(compiled.catalog, profile, as_of, tuple(results), totals, _refine(results), warnings)


class Explainer:
    """One firm's lines judged with their explanation, line by line, each distinct condition evaluated (with
    the checks that explain it) once, when a line first needs it."""

    def __init__(self, profile: Profile, compiled: Compiled, as_of: dt.date) -> None:
        self.profile, self.compiled, self.as_of = profile, compiled, as_of
        self.values: dict[str, Any] = vars(profile)
        self._evaluated: dict[int, Outcome] = {}
        self._notes: dict[str, list[Constraint]] = {}
        self._capped: dict[str, Decimal] = line_caps(compiled.caps, self.values)  # to the fen, as every driver
        for cap in compiled.caps:
            limit = self.values.get(cap.at_most)
            constraint = Constraint("cap", tuple(cap.lines), cap.source, cap.at_most, limit)
            for line_id in cap.lines:
                self._notes.setdefault(line_id, []).append(constraint)
        for group in compiled.exclusive:
            constraint = Constraint(group.rule, tuple(group.lines), group.source)
            for line_id in group.lines:
                self._notes.setdefault(line_id, []).append(constraint)

    def outcome(self, index: int) -> Outcome:
        """The outcome (with its checks) of the snapshot's condition ``index`` for this firm."""
        found = self._evaluated.get(index)
        if found is None:
            found = self._evaluated[index] = evaluate(self.compiled.conditions[index], self.profile)
        return found

    def line(self, line: Line) -> LineResult:
        """One line judged, with its findings, the keys it waits on and the rules across lines it is under (a
        capped line is at most its cap; a cap whose figure is unknown adds that key to what the line waits on)."""
        compiled, as_of = self.compiled, self.as_of
        findings = self._findings(line) if line.applies else ()
        status, judged, void = line.judge(lambda i: self.outcome(i).result, line.window[0] <= as_of <= line.window[1])
        amount = NO_AMOUNT if void else compiled.amount(line, self.values, {})
        risk = amount.max if line.benefit.kind == "risk_sharing" else None
        missing = _missing(findings, amount, judged)
        notes = self._notes.get(line.benefit.id)
        if notes:
            capped = line.benefit.id in self._capped  # some cap's figure is known (never missing then)
            if capped and not void:
                amount = compiled.amount(line, self.values, self._capped)
            elif not capped and status in ("eligible", "potential", "needs_info"):
                missing += tuple(c.key for c in notes if c.kind == "cap" and c.key and c.key not in missing)
        return LineResult(
            line.benefit, status, judged, amount, findings, missing, line.window, as_of, risk, tuple(notes or ())
        )

    def _findings(self, line: Line) -> tuple[Finding, ...]:
        """The line's conditions as applied: scope rules (with the policy's words), ``requires``, ``qualifies``."""
        return tuple(self.finding(line, position) for position in range(len(line.gate) + len(line.qualifies)))

    def finding(self, line: Line, position: int) -> Finding:
        """One of a line's conditions as applied: the one at ``position`` among its scope rules (with the
        policy's words), ``requires`` and ``qualifies`` conditions."""
        gates = len(line.gate)
        found = self.outcome(line.gate[position] if position < gates else line.qualifies[position - gates])
        own = line.own[position]
        if position < len(line.scope_reasons):
            return Finding("scope", own, found.result, found.checks, line.scope_reasons[position])
        group: Literal["requires", "qualifies"] = "requires" if position < gates else "qualifies"
        return Finding(group, own, found.result, found.checks)

    def constraints(self, line: Line) -> tuple[Constraint, ...]:
        """The rules across lines that concern a line (caps first, with this firm's figures; then exclusions)."""
        return tuple(self._notes.get(line.benefit.id, ()))


def assess(profile: Profile, catalog: Catalog, as_of: dt.date) -> Assessment:
    """Every line of one snapshot (``Rules.snapshot``) judged for ``profile`` on ``as_of``; compiles it first.
    To judge many firms, compile once (``Judge``) and call ``assess_compiled``."""
    return assess_compiled(profile, Compiled(catalog, profile.district), as_of)


def assess_rules(
    profile: Profile, rules: Rules | Judge, as_of: dt.date, given: Mapping[str, Any] | None = None
) -> Assessment:
    """Judge with the rules in force on ``as_of`` for the firm's district (layers, dated values). Pass a
    ``Judge`` to reuse compiled snapshots across firms. ``given``: the key/values as written (see
    ``assess_compiled``)."""
    return assess_compiled(profile, Judge.of(rules).compiled(as_of, profile.district), as_of, given)


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


def _totals(results: list[LineResult], compiled: Compiled, values: dict[str, Any]) -> Totals:
    """Counts per status, and the bounded totals of cash lines as the layers allow."""
    counts: dict[str, int] = {status: 0 for status in STATUSES}
    for result in results:
        counts[result.status] += 1
    amounts = [r.amount for r in results]
    eligible, potential, open_ended = compiled.totals([r.status for r in results], amounts, values)
    if_in_force = None
    if counts["expired"]:
        in_force = compiled.totals([r.status_if_in_force for r in results], amounts, values)
        if_in_force = (in_force[0], in_force[1])
    return Totals(eligible, potential, tuple(open_ended), dict(counts), if_in_force)


def _refine(results: list[LineResult]) -> tuple[RefineHint, ...]:
    return refine_hints(
        (r.benefit.id, r.status_if_in_force, r.max_award, r.is_cash and r.amount.open_ended, r.missing)
        for r in results
    )


def refine_hints(
    lines: Iterable[tuple[str, Status, Decimal | None, bool, tuple[str, ...]]],
) -> tuple[RefineHint, ...]:
    """"Answer these to refine": the unknown keys, the key that could settle the largest award first (those
    settling a cash line with no upper bound before all). ``lines`` gives per line its id, status if in force,
    maximum award (CNY; None where the text sets none), whether it is a cash line with no upper bound, and
    the keys it waits on."""
    hints: dict[str, RefineHint] = {}
    for line_id, judged, largest, open_ended, missing in lines:
        if judged not in ("needs_info", "eligible"):
            continue  # a potential line is decided by what is known to be missing (expired lines count as in force)
        award = largest or Decimal(0)
        for key in missing:
            old = hints.get(key, RefineHint(key, Decimal(0), False, ()))
            settles = (*old.benefits, line_id)
            hints[key] = RefineHint(key, max(old.largest, award), old.open_ended or open_ended, settles)
    order = list(KEYS)
    return tuple(
        sorted(hints.values(), key=lambda h: (not h.open_ended, -h.largest, -len(h.benefits), order.index(h.key)))
    )
