"""The rules of one snapshot (a date interval and a district) compiled into a flat form, once.

A snapshot's lines repeat the same conditions many times (every line checks the policy's scope; 194
condition uses are 55 distinct conditions). Compiling keeps each distinct condition once, as a function of
a profile's values, and gives each line its scope, ``requires`` and ``qualifies`` as indexes into them, its
window and its amount rule. Two drivers judge with it:

- per firm (``Compiled.verdict``): every distinct condition evaluated once, statuses, amounts and totals;
  ``subsidy_cli.engine.assess`` adds the explanation (findings, missing keys, refine) when an output asks;
- per distinct cell text, for batch (``subsidy_cli.batch.rowscore``): the outcomes of the conditions that
  read one column, kept per text.

``Judge`` holds one set of rules and compiles each snapshot the first time a firm needs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from subsidy_cli.engine.evaluate import Amount, Test, compile_condition, compute
from subsidy_cli.engine.status import Status, Tri, bounded_total, caps_for, line_caps, settle
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.rules.layers import Rules


def leaves(cond: Condition) -> Iterator[Condition]:
    """The leaf tests of a condition, in the order written."""
    if cond.any or cond.all:
        for child in cond.any or cond.all or []:
            yield from leaves(child)
    else:
        yield cond


@dataclass(frozen=True, eq=False)
class Line:
    """One benefit line of a snapshot: where its conditions are among the snapshot's distinct conditions.

    ``gate`` holds the scope rules (in the policy's order, a line's own override in place) and then the
    ``requires`` conditions; ``scope_reasons`` gives, per scope rule, the policy's words for it (zh, en), or
    None where the line overrides the rule. ``window`` is the line's first and last day in force.
    """

    index: int
    benefit: Benefit
    gate: tuple[int, ...]
    scope_reasons: tuple[tuple[str, str] | None, ...]
    qualifies: tuple[int, ...]
    window: tuple[dt.date, dt.date]

    @property
    def applies(self) -> bool:
        """Whether applicants receive the line at all (not localities, financiers or individuals)."""
        return self.benefit.open_to == "applicants"

    @property
    def is_cash(self) -> bool:
        return self.benefit.kind == "cash"


@dataclass(frozen=True, eq=False)
class Verdict:
    """One firm judged on one date, without explanation: per line (in catalogue order) its status, its status
    if in force and its amount (after caps across lines); the bounded totals (CNY) of eligible and potential
    cash lines, and the lines with no upper bound."""

    statuses: tuple[Status, ...]
    in_force: tuple[Status, ...]
    amounts: tuple[Amount, ...]
    eligible_cash_max: Decimal
    potential_cash_max: Decimal
    open_ended: tuple[str, ...]


class Compiled:
    """The effective rules of one snapshot in flat form: distinct conditions, lines, caps and exclusions.

    ``catalog`` is the snapshot (``Rules.snapshot``); ``district`` the district it was taken for (None for
    firms of any district the rules do not single out); only the caps across lines that apply there are kept.
    """

    def __init__(self, catalog: Catalog, district: str | None) -> None:
        self.catalog = catalog
        self.district = district
        self.conditions: list[Condition] = []
        self.tests: list[Test] = []
        index: dict[str, int] = {}

        def place(cond: Condition) -> int:
            key = repr(cond)  # conditions are plain data: equal data, equal text
            found = index.get(key)
            if found is None:
                found = index[key] = len(self.conditions)
                self.conditions.append(cond)
                self.tests.append(compile_condition(cond))
            return found

        lines = []
        for number, benefit in enumerate(catalog.benefits):
            gate, reasons = [], []
            for rule in catalog.policy.scope:
                overridden = rule.id in benefit.scope_override
                gate.append(place(benefit.scope_override[rule.id] if overridden else rule.test))
                reasons.append(None if overridden else (rule.reason_zh, rule.reason_en))
            gate += [place(cond) for cond in benefit.requires]
            qualifies = tuple(place(cond) for cond in benefit.qualifies)
            lines.append(Line(number, benefit, tuple(gate), tuple(reasons), qualifies, catalog.window(benefit)))
        self.lines: tuple[Line, ...] = tuple(lines)
        self.caps: tuple[CrossCap, ...] = tuple(caps_for(catalog.caps, district))
        self.exclusive: tuple[Exclusive, ...] = catalog.exclusive
        self.across = bool(self.caps or self.exclusive)

    def outcomes(self, values: Mapping[str, Any]) -> list[Tri]:
        """Every distinct condition's outcome for a profile's values (key -> parsed value; None: unknown)."""
        return [test(values) for test in self.tests]

    def settle_line(self, line: Line, outcomes: list[Tri], as_of: dt.date) -> tuple[Status, Status]:
        """A line's ``(status, status_if_in_force)`` from the outcomes of the snapshot's conditions."""
        gate: Tri = True
        for i in line.gate:
            outcome = outcomes[i]
            if outcome is False:
                gate = False
                break
            if outcome is None:
                gate = None
        met: Tri = True
        for i in line.qualifies:
            outcome = outcomes[i]
            if outcome is False:
                met = False
                break
            if outcome is None:
                met = None
        return settle(line.benefit.open_to, gate, met, line.window[0] <= as_of <= line.window[1])

    def amount(self, line: Line, values: Mapping[str, Any], capped: Mapping[str, Decimal]) -> Amount:
        """What a line's amount rule yields for these values, each line at most the caps across lines it is
        under (``capped``: line id -> the lowest known figure it is capped at)."""
        amount = compute(line.benefit.amount, values) if line.applies else Amount(None, None)
        limit = capped.get(line.benefit.id)
        if limit is None:
            return amount
        high = limit if amount.max is None else min(amount.max, limit)
        low = None if amount.min is None else min(amount.min, limit)
        return Amount(low, high, open_ended=False, missing=amount.missing)

    def verdict(self, values: Mapping[str, Any], as_of: dt.date) -> Verdict:
        """The per-firm driver: statuses, amounts and totals for a profile's values on ``as_of``."""
        outcomes = self.outcomes(values)
        capped = line_caps(self.caps, values) if self.caps else {}
        statuses, in_force, amounts = [], [], []
        for line in self.lines:
            status, judged = self.settle_line(line, outcomes, as_of)
            statuses.append(status)
            in_force.append(judged)
            amounts.append(self.amount(line, values, capped))
        eligible, potential, open_ended = self.totals(statuses, amounts, values)
        return Verdict(tuple(statuses), tuple(in_force), tuple(amounts), eligible, potential, tuple(open_ended))

    def totals(
        self, statuses: list[Status], amounts: list[Amount], values: Mapping[str, Any]
    ) -> tuple[Decimal, Decimal, list[str]]:
        """The bounded totals of eligible and potential cash lines (CNY), and the eligible lines with no upper
        bound, as the caps and exclusions allow."""
        figure = values.get
        sums = []
        open_ended: list[str] = []
        for wanted in ("eligible", "potential"):
            chosen = {
                line.benefit.id: amounts[line.index].max
                for line in self.lines
                if line.is_cash and statuses[line.index] == wanted
            }
            total, unbounded = bounded_total(chosen, self.caps, self.exclusive, figure)
            sums.append(total)
            if wanted == "eligible":
                open_ended = unbounded
        return sums[0], sums[1], open_ended


class Judge:
    """One set of rules (measures plus layers), compiled per snapshot the first time a firm needs it."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._compiled: dict[tuple[int, str | None], Compiled] = {}

    def compiled(self, date: dt.date, district: str | None) -> Compiled:
        """The compiled rules in force on ``date`` for a firm registered in ``district``."""
        key = self.rules.key(date, district)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = Compiled(self.rules.snapshot(date, district), key[1])
        return found

    def verdict(self, values: Mapping[str, Any], as_of: dt.date) -> Verdict:
        """Statuses, amounts and totals for a profile's values judged on ``as_of`` (see ``Compiled.verdict``)."""
        return self.compiled(as_of, values.get("district")).verdict(values, as_of)
