"""Scoring rows fast, for batch.

Speed comes from the structure of the rules. A line's status follows from three-valued outcomes:
who may receive it (scope and ``requires``: false if any condition is false, else unknown if any is
unknown) and whether the firm has what it pays for (``qualifies``, combined the same way), plus whether
the date is in the line's window. Almost every condition reads one key, so the outcomes a cell's value
gives every line can be worked out once per distinct cell text and kept as bit masks (one bit a line:
"false here", "unknown here"); a row's outcomes are then the OR of its cells' masks. Conditions that read
several keys at once (e.g. "an enterprise, or a university") are worked out per combination of values.
Rows with the same masks share their output cells; amounts that depend on a row's own figures are
computed for every row, remembered per figure. Every condition is evaluated by the engine's own
evaluator, and the masks are settled by the same rules as ``engine.settle`` (tests compare batch with
check firm by firm).
Every memory is bounded, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import __version__
from .amounts import Amount, compute
from .conditions import Condition, compare, evaluate
from .csvio import UNDECODABLE, BadRow, has_undecodable, visible
from .engine import Status
from .formats import cny
from .profile import KEYS, parse_value, parser_for, value_problem

if TYPE_CHECKING:
    from .batch import Job

_CACHE_LIMIT = 4_096  # entries per column, per amount line and per memo: a few MB in all, whatever the input
_GROUP_LIMIT = 8_192
_SLOT = "\x00"
_BAD_BYTES = "contains bytes that are not valid in the file's encoding; re-save it or pass --encoding"


def _leaves(cond: Condition) -> Iterator[Condition]:
    if cond.any or cond.all:
        for child in cond.any or cond.all or []:
            yield from _leaves(child)
    else:
        yield cond


class _Memo(dict[Any, Any]):
    """A dict that forgets its older half when full, so memory stays flat however long the input."""

    def __init__(self, limit: int = _CACHE_LIMIT) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: Any, value: Any) -> Any:
        if len(self) >= self.limit:
            for old in list(itertools.islice(self, self.limit // 2)):
                del self[old]
        self[key] = value
        return value


@dataclass
class Stats:
    """Per-run counts for the summary."""

    rows: int = 0
    invalid: int = 0
    eligible_firms: list[int] = field(default_factory=list)
    eligible_sums: list[Decimal] = field(default_factory=list)

    @classmethod
    def empty(cls, lines: int) -> Stats:
        return cls(eligible_firms=[0] * lines, eligible_sums=[Decimal(0)] * lines)

    def merge(self, other: Stats) -> None:
        self.rows += other.rows
        self.invalid += other.invalid
        if not self.eligible_firms:
            self.eligible_firms = [0] * len(other.eligible_firms)
            self.eligible_sums = [Decimal(0)] * len(other.eligible_sums)
        for i, (n, total) in enumerate(zip(other.eligible_firms, other.eligible_sums, strict=True)):
            self.eligible_firms[i] += n
            self.eligible_sums[i] += total


@dataclass
class Group:
    """What every row with one signature shares."""

    segments: list[str]  # the wide cells joined, split where a row's own amounts go
    dynamic: list[tuple[int, str, bool, bool]]  # (line, key, eligible, potential) for amounts the row decides
    eligible_static: Decimal
    potential_static: Decimal
    totals: str  # the two total cells when no amount the row decides counts towards them
    eligible_highs: list[tuple[int, Decimal | None]]  # eligible lines with a fixed amount
    lines: list[tuple[str, str, str]]  # per line (status, max, min), for --long
    rows: int = 0  # rows seen with this signature in the current chunk


@dataclass
class _Parsed:
    """A chunk's rows, read column by column."""

    values: dict[str, list[Any]]  # key -> one value (or None) a row
    masks: list[int]
    errors: dict[int, list[str]]  # row -> its problems (only rows that have some)
    count: int

    def get(self, row: int, key: str) -> Any:
        column = self.values.get(key)
        return None if column is None else column[row]

    def row(self, row: int) -> dict[str, Any]:
        return {key: column[row] for key, column in self.values.items() if column[row] is not None}


@dataclass(frozen=True)
class _Fields:
    """Packing of the four masks into one int, one field as wide as there are lines."""

    width: int

    def pack(self, gate_false: int, gate_unknown: int, met_false: int, met_unknown: int) -> int:
        w = self.width
        return gate_false | gate_unknown << w | met_false << 2 * w | met_unknown << 3 * w

    def unpack(self, masks: int) -> tuple[int, int, int, int]:
        w, ones = self.width, (1 << self.width) - 1
        return masks & ones, masks >> w & ones, masks >> 2 * w & ones, masks >> 3 * w


class RowScorer:
    """Parses and scores the rows of one header against one catalogue; built once per process."""

    def __init__(self, job: Job) -> None:
        self.job = job
        catalog = self.catalog = job.rules.first()
        self.benefits = catalog.benefits
        self.ids = [b.id for b in self.benefits]
        self.fields = _Fields(max(64, len(self.benefits)))
        self.audit = f"{catalog.rules_sha256},{__version__}"
        # Every top-level condition of every line, as (line bit, gate or not, condition), sorted by the keys
        # it reads: one key (the common case), several keys, or none (facts the profile does not record).
        self.single: dict[str, list[tuple[int, bool, Condition]]] = {}
        multi: dict[tuple[str, ...], list[tuple[int, bool, Condition]]] = {}
        constant: list[tuple[int, bool, Condition]] = []
        others = 0
        for index, benefit in enumerate(self.benefits):
            bit = 1 << index
            if benefit.open_to != "applicants":
                others |= bit
                continue
            gate = [benefit.scope_override.get(rule.id, rule.test) for rule in catalog.policy.scope]
            for is_gate, conds in ((True, [*gate, *benefit.requires]), (False, benefit.qualifies)):
                for cond in conds:
                    keys = tuple(sorted(cond.keys()))
                    entry = (bit, is_gate, cond)
                    if len(keys) == 1:
                        self.single.setdefault(keys[0], []).append(entry)
                    elif keys:
                        multi.setdefault(keys, []).append(entry)
                    else:
                        constant.append(entry)
        # clusters of keys read together by one condition, with their columns (None: not in the file, or set)
        self.multi = [
            (
                keys,
                [job.header.keys.index(k) if k in job.header.keys and k not in job.overrides else None for k in keys],
                entries,
                _Memo(),
            )
            for keys, entries in multi.items()
        ]
        self.thresholds: dict[str, list[tuple[str, Decimal]]] = {}
        for key, entries in self.single.items():
            if KEYS[key].type in ("money", "count"):
                for _, _, cond in entries:
                    for leaf in _leaves(cond):
                        if leaf.key == key and (leaf.op, getattr(leaf, leaf.op)) not in self.thresholds.get(key, []):
                            self.thresholds.setdefault(key, []).append((leaf.op, getattr(leaf, leaf.op)))
        self.sides = _Memo()
        self.unknown = {key: self._masks(entries, {key: None}) for key, entries in self.single.items()}
        self.base = self._masks(constant, {}) | self.fields.pack(others, 0, 0, 0)
        for key in self.single:
            if key not in job.header.keys and key not in job.overrides:
                self.base |= self.unknown[key]
        self.windows: dict[dt.date, int] = {}
        self.fixed_window = self._window(job.as_of or job.today)
        # Columns of few distinct values (yes/no, choices) are read together, keyed by their texts: a
        # spreadsheet repeats such combinations. Lists, figures and dates are read column by column, each
        # with its own cache; name and credit code differ on every row and are parsed as they come.
        used = [(i, key) for i, key in enumerate(job.header.keys) if key is not None and key not in job.overrides]
        self.bundles = []
        members = [(i, key, job.header.cells[i]) for i, key in used if KEYS[key].type in ("bool", "choice")]
        if members:
            getter = operator.itemgetter(*[i for i, _, _ in members])
            self.bundles.append((getter, [(key, heading) for _, key, heading in members], _Memo()))
        self.columns = [
            (i, key, job.header.cells[i], _Memo(), self.unknown.get(key, 0))
            for i, key in used
            if key not in ("name", "credit_code") and KEYS[key].type not in ("bool", "choice")
        ]
        self.overrides = {
            key: self._masks(self.single[key], {key: value}) if key in self.single else 0
            for key, value in job.overrides.items()
        }
        self.override_masks = functools.reduce(operator.or_, self.overrides.values(), 0)
        self.width = len(job.header.cells)
        self.text_columns = [
            (key, job.header.keys.index(key), parser_for(key))
            for key in ("name", "credit_code")
            if key in job.header.keys and key not in job.overrides
        ]
        self.name_heading = job.header.cells[job.header.keys.index("name")]
        self.name_index = job.header.keys.index("name")
        self.code_index = job.header.keys.index("credit_code") if "credit_code" in job.header.keys else None
        self.groups = _Memo(_GROUP_LIMIT)
        self.cash = [b.kind == "cash" for b in self.benefits]
        self.risk = [b.kind == "risk_sharing" for b in self.benefits]
        self.dynamic: dict[int, str] = {}  # line -> the key its amount depends on
        self.fixed: dict[int, tuple[str, str, Decimal | None]] = {}
        self.amounts: dict[int, _Memo] = {}
        for index, benefit in enumerate(self.benefits):
            keys = benefit.amount.keys()
            if keys:
                (self.dynamic[index],) = keys
                self.amounts[index] = _Memo()
            self.fixed[index] = self.cells(index, compute(benefit.amount, {}))
        # per line: (index, bit, the figure its amount reads or None, fixed cells, pays cash)
        self.line_table = [
            (index, 1 << index, self.dynamic.get(index), self.fixed[index], self.cash[index])
            for index in range(len(self.benefits))
        ]

    # -- outcomes as masks ---------------------------------------------------------------------------------------

    def _masks(self, entries: list[tuple[int, bool, Condition]], values: dict[str, Any]) -> int:
        """The outcomes of these conditions for these values, as bit masks (the engine's own evaluator)."""
        stub = types.SimpleNamespace(**values)
        gate_false = gate_unknown = met_false = met_unknown = 0
        for bit, is_gate, cond in entries:
            result = evaluate(cond, stub).result  # type: ignore[arg-type]
            if result is False:
                if is_gate:
                    gate_false |= bit
                else:
                    met_false |= bit
            elif result is None:
                if is_gate:
                    gate_unknown |= bit
                else:
                    met_unknown |= bit
        return self.fields.pack(gate_false, gate_unknown, met_false, met_unknown)

    def _window(self, as_of: dt.date) -> int:
        """The lines whose window does not hold ``as_of``, as a mask."""
        mask = self.windows.get(as_of)
        if mask is None:
            if len(self.windows) > _CACHE_LIMIT:
                self.windows.clear()
            mask = sum(
                1 << i
                for i, b in enumerate(self.benefits)
                if not self.catalog.window(b)[0] <= as_of <= self.catalog.window(b)[1]
            )
            self.windows[as_of] = mask
        return mask

    # -- parsing -------------------------------------------------------------------------------------------------

    def _cell(self, key: str, text: str, check_bytes: bool) -> tuple[bool, Any, int]:
        """(True, value, masks) with value None for a blank cell, or (False, message, 0)."""
        stripped = text.strip()
        if not stripped:
            return True, None, self.unknown.get(key, 0)
        if check_bytes and UNDECODABLE in stripped:
            return False, _BAD_BYTES, 0
        try:
            value = parse_value(key, stripped)
        except ValueError as exc:
            return False, value_problem(stripped, exc), 0
        if key not in self.single:
            return True, value, 0
        if key in self.thresholds:  # a figure: only which side of each threshold it falls on matters
            side = tuple(compare(value, op, limit) for op, limit in self.thresholds[key])
            found = self.sides.get((key, side))
            if found is None:
                found = self.sides.remember((key, side), self._masks(self.single[key], {key: value}))
            return True, value, found
        return True, value, self._masks(self.single[key], {key: value})

    def _bundle(self, members: list[tuple[str, str]], texts: Any, check_bytes: bool) -> tuple[Any, int, list[str]]:
        """Several cells read at once: their values (in member order, None where bad), masks and problems."""
        if len(members) == 1:
            texts = (texts,)
        values: list[Any] = []
        masks = 0
        errors: list[str] = []
        for (key, heading), text in zip(members, texts, strict=True):
            ok, value, cell_masks = self._cell(key, text, check_bytes)
            if not ok:
                errors.append(f"{heading}: {value}")
                value = None
            masks |= cell_masks
            values.append(value)
        return tuple(values), masks, errors

    def _text_cell(self, parser: Callable[[object], Any], text: str, check_bytes: bool) -> tuple[Any, str | None]:
        """(value, None), or (None, problem) for a name or credit code."""
        stripped = text.strip()
        if not stripped:
            return None, None
        if check_bytes and UNDECODABLE in stripped:
            return None, _BAD_BYTES
        try:
            return parser(stripped), None
        except ValueError as exc:
            return None, value_problem(stripped, exc)

    def parse(self, rows: list[list[str]], check_bytes: bool) -> _Parsed:
        """Rows of the right width, read column by column: each distinct text of a column is parsed once, and
        the walks over the cells run inside map() and zip(), not in Python loops."""
        count = len(rows)
        values: dict[str, list[Any]] = {}
        masks = [self.base | self.override_masks] * count
        errors: dict[int, list[str]] = {}
        if not count:
            return _Parsed(values, masks, errors, 0)
        columns = list(zip(*rows, strict=True))
        first, second, third = operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(2)
        for getter, members, memo in self.bundles:
            texts = list(map(getter, rows))
            found = list(map(memo.get, texts))
            if None in found:
                for i, hit in enumerate(found):
                    if hit is None:
                        found[i] = memo.remember(texts[i], self._bundle(members, texts[i], check_bytes))
            masks = list(map(operator.or_, masks, map(second, found)))  # a bundle: (values, masks, problems)
            if any(map(third, found)):
                for i, hit in enumerate(found):
                    if hit[2]:
                        errors.setdefault(i, []).extend(hit[2])
            for (key, _), column in zip(members, zip(*map(first, found), strict=True), strict=True):
                values[key] = list(column)
        for index, key, heading, cache, _ in self.columns:
            texts = columns[index]
            found = list(map(cache.get, texts))
            if None in found:
                for i, hit in enumerate(found):
                    if hit is None:
                        found[i] = cache.remember(texts[i], self._cell(key, texts[i], check_bytes))
            masks = list(map(operator.or_, masks, map(third, found)))  # a cell: (ok, value or problem, masks)
            if not all(map(first, found)):
                for i, (ok, problem, _) in enumerate(found):
                    if not ok:
                        errors.setdefault(i, []).append(f"{heading}: {problem}")
                found = [hit if hit[0] else (True, None, 0) for hit in found]
            values[key] = list(map(second, found))
        for key, index, parser in self.text_columns:
            heading = self.job.header.cells[index]
            found_text = [self._text_cell(parser, text, check_bytes) for text in columns[index]]
            for i, (_, problem) in enumerate(found_text):
                if problem is not None:
                    errors.setdefault(i, []).append(f"{heading}: {problem}")
            values[key] = list(map(first, found_text))
        for key, value in self.job.overrides.items():
            values[key] = [value] * count
        parsed = _Parsed(values, masks, errors, count)
        for key_names, indexes, entries, memo in self.multi:
            # keyed by the cells as typed: the same texts always parse to the same values
            combos = list(zip(*[columns[i] if i is not None else [None] * count for i in indexes], strict=True))
            found_masks = list(map(memo.get, combos))
            if None in found_masks:
                for i, hit in enumerate(found_masks):
                    if hit is None:
                        found_masks[i] = memo.remember(
                            combos[i], self._masks(entries, {k: parsed.get(i, k) for k in key_names})
                        )
            parsed.masks = list(map(operator.or_, parsed.masks, found_masks))
        names = values.get("name", [None] * count)
        if None in names:
            for i, name in enumerate(names):
                if name is None and not any(e.startswith(f"{self.name_heading}:") for e in errors.get(i, [])):
                    errors.setdefault(i, []).append(f"{self.name_heading}: is empty; every firm needs its name")
        return parsed

    def ragged(self, row: list[str]) -> str:
        if not any(cell.strip() for cell in row):
            return "empty row"
        extra = [cell for cell in row[self.width :] if cell.strip()]
        return (
            f"row has {len(row)} cells but the header has {self.width}"
            + (f"; extra cells: {', '.join(repr(c) for c in extra)}" if extra else "")
            + "; check for a stray comma or a missing cell"
        )

    # -- scoring -------------------------------------------------------------------------------------------------

    def cells(self, index: int, amount: Amount) -> tuple[str, str, Decimal | None]:
        if self.risk[index]:
            return "", "", None
        return cny(amount.max) or "", cny(amount.min) or "", amount.max

    def _amount(self, index: int, figure: Any) -> tuple[str, str, Decimal | None]:
        """A line's amount cells for a row's figure, remembered per figure (amounts repeat)."""
        memo = self.amounts[index]
        cells = memo.get(figure)
        if cells is None:
            amount = compute(self.benefits[index].amount, {self.dynamic[index]: figure})
            cells = memo.remember(figure, self.cells(index, amount))
        return cells  # type: ignore[no-any-return]

    def _group(self, ineligible: int, needs_info: int, potential_mask: int, expired: int) -> Group:
        """The output cells of every row with these statuses."""
        cells: list[str] = []
        lines: list[tuple[str, str, str]] = []
        dynamic: list[tuple[int, str, bool, bool]] = []
        eligible = potential = Decimal(0)
        eligible_highs: list[tuple[int, Decimal | None]] = []
        long = self.job.long
        for index, bit, figure_key, (high_cell, low_cell, high), cash in self.line_table:
            if ineligible & bit:  # no amount to show for a line the firm cannot receive
                status: Status = "expired" if expired & bit else "ineligible"
                cells += [status, ""]
                if long:
                    lines.append((status, "", ""))
                continue
            if needs_info & bit:
                status = "needs_info"
            elif potential_mask & bit:
                status = "potential"
            else:
                status = "eligible"
            if expired & bit:
                status = "expired"
            if figure_key is not None:
                dynamic.append((index, figure_key, status == "eligible", status == "potential"))
                high_cell = low_cell = _SLOT
            else:
                if status == "eligible":
                    eligible_highs.append((index, high))
                    if cash and high is not None:
                        eligible += high
                elif status == "potential" and cash and high is not None:
                    potential += high
            cells += [status, high_cell]
            if long:
                lines.append((status, high_cell, low_cell))
        segments = ",".join([*cells, ""]).split(_SLOT)
        totals = f"{cny(eligible)},{cny(potential)}"
        return Group(segments, dynamic, eligible, potential, totals, eligible_highs, lines)

    def score(self, parsed: _Parsed, row: int, stats: Stats) -> tuple[str, Group]:
        """The row's wide cells joined (after the fixed columns), and its group."""
        gate_false, gate_unknown, met_false, met_unknown = self.fields.unpack(parsed.masks[row])
        as_of = self.job.as_of or parsed.get(row, "application_date")
        expired = self._window(as_of) if as_of is not None else self.fixed_window
        # As the engine settles a line: gate false -> ineligible; gate unknown -> needs info;
        # else met false -> potential; met unknown -> needs info; else eligible.
        needs_info = (gate_unknown | (met_unknown & ~met_false)) & ~gate_false
        potential = met_false & ~gate_false & ~gate_unknown
        key = (gate_false, needs_info, potential, expired)
        group = self.groups.get(key)
        if group is None:
            group = self.groups.remember(key, self._group(*key))
        group.rows += 1
        if not group.dynamic:
            return group.segments[0] + group.totals, group
        eligible_total, potential_total = group.eligible_static, group.potential_static
        counted = False
        segments = group.segments
        pieces = [segments[0]]
        fixed, amount, cash = self.fixed, self._amount, self.cash
        firms, sums = stats.eligible_firms, stats.eligible_sums
        columns = parsed.values
        for slot, (index, figure_key, is_eligible, is_potential) in enumerate(group.dynamic, start=1):
            column = columns.get(figure_key)
            figure = column[row] if column is not None else None
            high_cell, _, high = fixed[index] if figure is None else amount(index, figure)
            pieces += (high_cell, segments[slot])
            if is_eligible:
                firms[index] += 1
                if high is not None:
                    sums[index] += high
            if high is not None and cash[index] and (is_eligible or is_potential):
                counted = True
                if is_eligible:
                    eligible_total += high
                else:
                    potential_total += high
        if counted:
            pieces.append(f"{cny(eligible_total)},{cny(potential_total)}")
        else:
            pieces.append(group.totals)
        return "".join(pieces), group

    def long_cells(self, group: Group, parsed: _Parsed, row: int) -> list[tuple[str, str, str]]:
        lines = group.lines.copy()
        for index, figure_key, _, _ in group.dynamic:
            figure = parsed.get(row, figure_key)
            high_cell, low_cell, _ = self.fixed[index] if figure is None else self._amount(index, figure)
            lines[index] = (lines[index][0], high_cell, low_cell)
        return lines

    # -- a chunk of rows -----------------------------------------------------------------------------------------


def visible_row(row: list[str]) -> list[str]:
    if isinstance(row, BadRow) or not any(map(has_undecodable, row)):
        return row
    return [visible(cell) if has_undecodable(cell) else cell for cell in row]
