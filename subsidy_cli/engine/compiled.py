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

import dataclasses
import datetime as dt
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from subsidy_cli.engine.evaluate import Amount, Test, compile_condition, compute
from subsidy_cli.engine.status import Status, Tri, bounded_total, caps_for, combine, line_caps, settle
from subsidy_cli.profile.keys import KEYS
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.rules.layers import Rules

NO_AMOUNT = Amount(None, None)  # a line whose figures cannot be paid on shows no amount
_BLOCKS = 8  # the lines are settled in this many blocks
_MEMORY = 8_192  # entries each memory of a compiled snapshot keeps before it forgets its older half
_SETTLED = 2_048  # settled blocks of lines a compiled snapshot keeps (young and old: twice as many), per block
_VALUES = 1_024  # outcomes a compiled snapshot keeps per key (young and old: twice as many)
_FIGURES = 512  # amounts a compiled snapshot keeps per figure (young and old: twice as many)


def remember(memo: dict[Any, Any], key: Any, value: Any, limit: int = _MEMORY) -> Any:
    """Keep ``value`` under ``key`` in a memory of at most ``limit`` entries (the older half is forgotten when
    it is full); returns ``value``."""
    if len(memo) >= limit:
        for old in list(memo)[: limit // 2]:
            del memo[old]
    memo[key] = value
    return value


class Recent(dict[Any, Any]):
    """A bounded memory that keeps what is used often: entries go into a young generation (the dict itself);
    when it holds ``limit`` entries it becomes the old one (the previous old one is dropped), and an entry found
    among the old is brought back among the young. At most ``2 * limit`` entries, whatever the number of
    lookups; an entry used again within ``limit`` new entries is never lost.

    Look up with ``memo[key]``: the value, or None for a key not held (values are never None); a young entry
    is found at the speed of a dict. Keep with ``memo.put(key, value)``."""

    __slots__ = ("limit", "old")

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.old: dict[Any, Any] = {}

    def __missing__(self, key: Any) -> Any:
        found = self.old.get(key)
        if found is not None:
            self.put(key, found)
        return found

    def put(self, key: Any, value: Any) -> Any:
        """Keep ``value`` under ``key``; returns ``value``."""
        if len(self) >= self.limit:
            self.old = dict(self)
            self.clear()
        self[key] = value
        return value

    @property
    def size(self) -> int:
        """The entries held, young and old."""
        return len(self) + len(self.old)


def test_key(cond: Condition) -> str:
    """A condition's test as text, without its ground (basis, reading) or what follows from it (``if_false``):
    conditions that test alike are evaluated once, whichever line uses them and on what ground."""
    parts = cond.any or cond.all
    if parts:
        return f"{'any' if cond.any else 'all'}({', '.join(map(test_key, parts))})"
    bare = dataclasses.replace(cond, basis=None, reading_zh=None, reading_en=None, if_false=None)
    return repr(bare)


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
    None where the line overrides the rule; ``own`` the line's own conditions (with their basis or reading) in
    the order of ``gate`` then ``qualifies``. Of these, the soft ones (a reading, or a fact the profile does not
    record) make the line ``to_confirm`` where they are false, never ``ineligible``: ``gate_hard``/``gate_soft``
    and ``met_hard``/``met_soft`` split them. ``relevance`` is the condition that ties the line to a firm (None:
    any firm in scope; ``tied`` False: nothing in a profile does); ``held`` says the line pays for something a
    firm holds (it has a ``qualifies`` condition on a recorded fact), which ties it to a firm that holds it;
    ``no_amount`` the conditions under which, when false, the figures given cannot be paid on. ``window`` is
    the line's first and last day in force.
    """

    index: int
    benefit: Benefit
    gate: tuple[int, ...]
    scope_reasons: tuple[tuple[str, str] | None, ...]
    qualifies: tuple[int, ...]
    window: tuple[dt.date, dt.date]
    own: tuple[Condition, ...] = ()
    gate_hard: tuple[int, ...] = ()
    gate_soft: tuple[int, ...] = ()
    met_hard: tuple[int, ...] = ()
    met_soft: tuple[int, ...] = ()
    relevance: int | None = None
    tied: bool = True
    held: bool = False
    no_amount: tuple[int, ...] = ()

    @property
    def reads(self) -> tuple[int, ...]:
        """Every condition the line's status reads."""
        return (*self.gate, *self.qualifies, *(() if self.relevance is None else (self.relevance,)))

    @property
    def applies(self) -> bool:
        """Whether applicants receive the line at all (not localities, financiers or individuals)."""
        return self.benefit.open_to == "applicants"

    @property
    def is_cash(self) -> bool:
        return self.benefit.kind == "cash"

    def judge(self, outcome: Callable[[int], Tri], in_window: bool) -> tuple[Status, Status, bool]:
        """``(status, status_if_in_force, no_amount)`` from the outcomes of the snapshot's conditions
        (``outcome(index)``): hard conditions gate and qualify, soft ones make the line ``to_confirm``, the
        relevance tells ``potential`` from ``open``."""
        confirm = False

        def soften(hard: Tri, soft: tuple[int, ...]) -> Tri:
            """The hard outcome, unknown where a soft condition is unknown; a false soft one is to confirm."""
            nonlocal confirm
            for i in soft:
                result = outcome(i)
                if result is False:
                    confirm = True
                elif result is None and hard is True:
                    hard = None
            return hard

        gate = soften(combine(outcome(i) for i in self.gate_hard), self.gate_soft)
        met = soften(combine(outcome(i) for i in self.met_hard), self.met_soft)
        relevant = self.tied and (self.relevance is None or outcome(self.relevance) is True)
        status, judged = settle(
            self.benefit.open_to, gate, met, in_window, confirm, relevant or (self.held and met is True)
        )
        return status, judged, any(outcome(i) is False for i in self.no_amount)


@dataclass(frozen=True, eq=False)
class Verdict:
    """One firm judged on one date, without explanation: per line (in catalogue order) its status, its status
    if in force and its amount (after caps across lines); the bounded totals (CNY) of eligible and potential
    cash lines, and the lines with no upper bound. For a risk-sharing line (20a) the amount is the share of the
    loan covered with the bank, not an award: ``max_awards`` gives the awards only, as the JSON document does."""

    ids: tuple[str, ...]
    statuses: tuple[Status, ...]
    in_force: tuple[Status, ...]
    amounts: tuple[Amount, ...]
    eligible_cash_max: Decimal
    potential_cash_max: Decimal
    open_ended: tuple[str, ...]
    risk_sharing: frozenset[str] = frozenset()  # lines whose amount is a share of a loan covered

    @property
    def max_awards(self) -> tuple[Decimal | None, ...]:
        """Per line, its maximum award in CNY (None where the text sets none, and for a risk-sharing line)."""
        return tuple(
            None if line_id in self.risk_sharing else amount.max
            for line_id, amount in zip(self.ids, self.amounts, strict=True)
        )


# a block's statuses, statuses if in force, and the lines whose figures cannot be paid on (no amount)
_Settled = tuple[tuple[Status, ...], tuple[Status, ...], tuple[int, ...]]


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
            key = test_key(cond)  # conditions are plain data: equal tests, equal text
            found = index.get(key)
            if found is None:
                found = index[key] = len(self.conditions)
                self.conditions.append(cond)
                self.tests.append(compile_condition(cond))
            return found

        placed = []
        for benefit in catalog.benefits:
            gate, reasons, own = [], [], []
            for rule in catalog.policy.scope:
                overridden = rule.id in benefit.scope_override
                cond = benefit.scope_override[rule.id] if overridden else rule.test
                own.append(cond)
                gate.append(place(cond))
                reasons.append(None if overridden else (rule.reason_zh, rule.reason_en))
            gate += [place(cond) for cond in benefit.requires]
            own += [*benefit.requires, *benefit.qualifies]
            relevance = None
            if benefit.relevant_to:
                ties = benefit.relevant_to
                relevance = place(ties[0] if len(ties) == 1 else Condition(any=list(ties)))
            placed.append(
                (benefit, gate, tuple(reasons), [place(cond) for cond in benefit.qualifies], tuple(own), relevance)
            )
        # The distinct conditions ordered by the one key each reads (those reading several keys, then none,
        # last), so that the per-firm driver takes the outcomes of every condition on a key at once, per value.
        reads = [sorted(cond.keys()) for cond in self.conditions]
        firsts: dict[str, int] = {}
        for number, keys in enumerate(reads):
            if len(keys) == 1:
                firsts.setdefault(keys[0], number)
        order = sorted(
            range(len(self.conditions)),
            key=lambda i: (firsts[reads[i][0]], i) if len(reads[i]) == 1 else (len(reads) + (not reads[i]), i),
        )
        moved = {old: new for new, old in enumerate(order)}
        self.conditions = [self.conditions[i] for i in order]
        self.tests = [self.tests[i] for i in order]
        lines = []
        for number, (benefit, gate_at, said, qualifies_at, owned, relevance) in enumerate(placed):
            uses = [moved[i] for i in (*gate_at, *qualifies_at)]
            soft = [cond.soft for cond in owned]
            split = len(gate_at)
            lines.append(
                Line(
                    number,
                    benefit,
                    tuple(uses[:split]),
                    said,
                    tuple(uses[split:]),
                    catalog.window(benefit),
                    owned,
                    tuple(i for i, s in zip(uses[:split], soft[:split], strict=True) if not s),
                    tuple(i for i, s in zip(uses[:split], soft[:split], strict=True) if s),
                    tuple(i for i, s in zip(uses[split:], soft[split:], strict=True) if not s),
                    tuple(i for i, s in zip(uses[split:], soft[split:], strict=True) if s),
                    None if relevance is None else moved[relevance],
                    benefit.relevant_to != [],
                    any(not s for s in soft[split:]),
                    tuple(i for i, cond in zip(uses[split:], owned[split:], strict=True) if cond.if_false),
                )
            )
        self.lines: tuple[Line, ...] = tuple(lines)
        # Per key read by single-key conditions: the tests of those conditions, in order, with a memory of their
        # outcomes per value (for a figure, only unknown: figures take too many values to remember, and their
        # tests are a few comparisons); then the tests of the other conditions.
        self._by_key: list[tuple[str, list[Test], Recent, bool]] = []
        for number, cond in enumerate(self.conditions):
            keys = sorted(cond.keys())
            if len(keys) != 1:
                self._others = self.tests[number:]
                break
            if not self._by_key or self._by_key[-1][0] != keys[0]:
                self._by_key.append((keys[0], [], Recent(_VALUES), KEYS[keys[0]].type in ("money", "count")))
            self._by_key[-1][1].append(self.tests[number])
        else:
            self._others = []
        self.ids = tuple(line.benefit.id for line in self.lines)
        self.caps: tuple[CrossCap, ...] = tuple(caps_for(catalog.caps, district))
        # Per line, what its explanation reads besides the outcomes of its conditions: the keys of each of its
        # conditions (in the order of ``gate`` then ``qualifies``), and those of its amount and of its caps.
        self.condition_keys: tuple[tuple[str, ...], ...] = tuple(tuple(sorted(c.keys())) for c in self.conditions)
        self.figure_keys: tuple[tuple[str, ...], ...] = tuple(
            tuple(
                sorted(
                    set(line.benefit.amount.keys()) | {cap.at_most for cap in self.caps if line.benefit.id in cap.lines}
                )
            )
            for line in self.lines
        )
        self.exclusive: tuple[Exclusive, ...] = catalog.exclusive
        self.across = bool(self.caps or self.exclusive)
        # For the per-firm driver: amounts that read no figure, computed once; the lines whose amount reads
        # each figure; the cash lines; and bounded memories of settled statuses, windows and amounts.
        self._fixed = [
            self.amount(line, {}, {}) if not (line.applies and line.benefit.amount.keys()) else None
            for line in self.lines
        ]
        self._reading: dict[str, list[Line]] = {}
        for line in self.lines:
            if line.applies:
                for key in sorted(line.benefit.amount.keys()):
                    self._reading.setdefault(key, []).append(line)
        self._cash = [line.index for line in self.lines if line.is_cash]
        self._risk_sharing = frozenset(line.benefit.id for line in self.lines if line.benefit.kind == "risk_sharing")
        # The lines in a few blocks, each with the conditions its lines read: a block's statuses are settled once
        # per distinct set of those outcomes and window (a whole snapshot's outcomes vary too much to repeat).
        size = -(-len(self.lines) // _BLOCKS) or 1
        self._blocks: list[tuple[tuple[Line, ...], Callable[[list[Tri]], Any] | None, Recent]] = []
        for start in range(0, len(self.lines), size):
            block = self.lines[start : start + size]
            used = sorted({i for line in block for i in line.reads})
            self._blocks.append((block, operator.itemgetter(*used) if used else None, Recent(_SETTLED)))
        self._windows: dict[dt.date, tuple[tuple[bool, ...], ...]] = {}
        self._amounts = {key: Recent(_FIGURES) for key in self._reading}  # per figure: its lines' amounts

    def outcomes(self, values: Mapping[str, Any]) -> list[Tri]:
        """Every distinct condition's outcome for a profile's values (key -> parsed value; None: unknown); the
        outcomes of the conditions on one key are remembered per value."""
        outcomes: list[Tri] = []
        for key, tests, memo, figure in self._by_key:
            value = values.get(key)
            if figure and value is not None:
                outcomes += [test({key: value}) for test in tests]
                continue
            known = tuple(value) if isinstance(value, list) else value
            found = memo[known]
            if found is None:
                found = memo.put(known, tuple([test({key: value}) for test in tests]))
            outcomes += found
        if self._others:
            outcomes += [test(values) for test in self._others]
        return outcomes

    def settle_line(self, line: Line, outcomes: list[Tri], as_of: dt.date) -> tuple[Status, Status, bool]:
        """A line's ``(status, status_if_in_force, no_amount)`` from the outcomes of the snapshot's conditions."""
        return line.judge(outcomes.__getitem__, line.window[0] <= as_of <= line.window[1])

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

    def verdict(self, values: Mapping[str, Any], as_of: dt.date, outcomes: list[Tri] | None = None) -> Verdict:
        """The per-firm driver: statuses, amounts and totals for a profile's values on ``as_of`` (``outcomes``:
        those of ``self.outcomes(values)``, when the caller has them already).

        The statuses are settled once per distinct set of condition outcomes and window (remembered), and
        the amounts once per distinct figure, so that a loop over many firms costs little more per firm than
        evaluating the distinct conditions."""
        if outcomes is None:
            outcomes = self.outcomes(values)
        windows = self._windows.get(as_of)
        if windows is None:
            windows = remember(self._windows, as_of, self._window_keys(as_of))
        statuses: tuple[Status, ...] = ()
        in_force: tuple[Status, ...] = ()
        voids: tuple[int, ...] = ()
        for (block, reads, memo), window in zip(self._blocks, windows, strict=True):
            key = (reads(outcomes) if reads is not None else None, window)
            settled = memo[key]
            if settled is None:
                judged = [self.settle_line(line, outcomes, as_of) for line in block]
                settled = memo.put(
                    key,
                    (tuple(s for s, _, _ in judged), tuple(j for _, j, _ in judged), tuple(
                        line.index for line, (_, _, void) in zip(block, judged, strict=True) if void
                    )),
                )
            statuses += settled[0]
            in_force += settled[1]
            voids += settled[2]
        amounts: list[Amount | None] = list(self._fixed)
        for figure, lines in self._reading.items():
            value = values.get(figure)
            known = self._amounts[figure]
            found = known[value]
            if found is None:
                found = known.put(value, tuple(compute(line.benefit.amount, {figure: value}) for line in lines))
            for line, amount in zip(lines, found, strict=True):
                amounts[line.index] = amount
        if self.caps:
            capped = line_caps(self.caps, values)
            for line in self.lines:
                if line.benefit.id in capped:
                    amounts[line.index] = self.amount(line, values, capped)
        for index in voids:
            amounts[index] = NO_AMOUNT
        final: list[Amount] = amounts  # type: ignore[assignment]  # every line has its amount now
        if self.across:
            eligible, potential, open_ended = self.totals(list(statuses), final, values)
        else:
            eligible = potential = Decimal(0)
            open_ended = []
            for index in self._cash:
                status = statuses[index]
                high = final[index].max
                if status == "eligible":
                    if high is None:
                        open_ended.append(self.ids[index])
                    else:
                        eligible += high
                elif status == "potential" and high is not None:
                    potential += high
        return Verdict(
            self.ids, statuses, in_force, tuple(final), eligible, potential, tuple(open_ended), self._risk_sharing
        )

    def _window_keys(self, as_of: dt.date) -> tuple[tuple[bool, ...], ...]:
        """Per block of lines, whether each line's window holds ``as_of``."""
        return tuple(tuple(line.window[0] <= as_of <= line.window[1] for line in block) for block, _, _ in self._blocks)

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

    _recent: ClassVar[list[Judge]] = []  # the judges of the last few rule sets, for callers that pass Rules

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._compiled: dict[tuple[int, str | None], Compiled] = {}

    @classmethod
    def of(cls, rules: Rules | Judge) -> Judge:
        """The judge of a set of rules: the same one for the same ``Rules`` object while it is among the last
        few used, so that callers judging many firms one by one compile each snapshot once."""
        if isinstance(rules, Judge):
            return rules
        for judge in cls._recent:
            if judge.rules is rules:
                return judge
        judge = cls(rules)
        cls._recent = [judge, *cls._recent[:3]]
        return judge

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
