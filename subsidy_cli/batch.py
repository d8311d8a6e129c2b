"""Batch scoring: rows of a county's CSV in, one output row per input row, in order, streaming.

Speed comes from the structure of the rules. A line's status follows from three-valued outcomes:
who may receive it (scope and ``requires``: false if any condition is false, else unknown if any is
unknown) and whether the firm has what it pays for (``qualifies``, combined the same way), plus whether
the date is in the line's window. Almost every condition reads one key, so the outcomes a cell's value
gives every line can be worked out once per distinct cell text and kept as bit masks (one bit a line:
"false here", "unknown here"); a row's outcomes are then the OR of its cells' masks. Conditions that read
several keys at once (e.g. "an enterprise, or a university") are worked out per combination of values.
Rows with the same masks share their output cells; amounts that depend on a row's own figures are
computed for every row, remembered per figure. Every condition is evaluated by the engine's own
evaluator and combined as the engine combines them, so ``batch`` and ``check`` cannot disagree.
Every memory is bounded, so memory stays flat.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import io
import itertools
import json
import operator
import re
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from . import __version__
from .amounts import Amount, compute
from .catalog import Catalog
from .conditions import Condition, evaluate
from .csvio import UNDECODABLE, BadRow, Header, has_undecodable, neutralise, visible
from .engine import Assessment, Status, assess_rules, evaluation_date
from .formats import assessment_dict, cny
from .layers import Rules
from .profile import KEYS, Profile, parse_value, parser_for, value_problem

OutputFormat = Literal["csv", "jsonl"]
FIXED_COLUMNS = ("line", "name", "credit_code", "row_status", "row_errors")
TOTAL_COLUMNS = ("eligible_cash_max_cny", "potential_cash_max_cny")
AUDIT_COLUMNS = ("rules_sha256", "tool_version")  # which rules scored the row, for the audit trail
LONG_COLUMNS = (*FIXED_COLUMNS, "benefit", "status", "max_award_cny", "min_award_cny", *AUDIT_COLUMNS)
_CACHE_LIMIT = 4_096  # entries per column, per amount line and per memo: a few MB in all, whatever the input
_GROUP_LIMIT = 8_192
_SLOT = "\x00"
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def wide_columns(catalog: Catalog) -> list[str]:
    columns = list(FIXED_COLUMNS)
    for benefit in catalog.benefits:
        columns += [f"{benefit.id}_status", f"{benefit.id}_max_cny"]
    return [*columns, *TOTAL_COLUMNS, *AUDIT_COLUMNS]


def header_row(catalog: Catalog, long: bool) -> list[str]:
    return list(LONG_COLUMNS) if long else wide_columns(catalog)


def _quote(cell: str) -> str:
    """A cell as csv.writer (QUOTE_MINIMAL) writes it."""
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if _NEEDS_QUOTES.search(cell) else cell


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
class _Group:
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


@dataclass
class Job:
    """Everything a worker needs to score rows."""

    rules: Rules
    header: Header
    overrides: dict[str, Any]
    as_of: dt.date | None
    today: dt.date
    output_format: OutputFormat
    long: bool
    lang: str


# A condition's outcomes for every line, packed into one int: four fields of one bit a line,
# "gate false", "gate unknown", "met false", "met unknown" (gate: scope and requires; met: qualifies).
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
        rules = job.rules
        # Rules that vary by district or date, or that act across lines, are judged by the engine row by
        # row (slower, always right); the masks below assume one set of plain values for every row.
        self.general = bool(rules.change_dates or rules.districts or rules.caps or rules.exclusive)
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
            self.fixed[index] = self._cells(index, compute(benefit.amount, {}))
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
            return False, "contains bytes that are not valid in the file's encoding; re-save it or pass --encoding", 0
        try:
            value = parse_value(key, stripped)
        except ValueError as exc:
            return False, value_problem(stripped, exc), 0
        if key not in self.single:
            return True, value, 0
        if key in self.thresholds:  # a figure: only which side of each threshold it falls on matters
            side = tuple(_compare(value, op, limit) for op, limit in self.thresholds[key])
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
            return None, "contains bytes that are not valid in the file's encoding; re-save it or pass --encoding"
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

    def _cells(self, index: int, amount: Amount) -> tuple[str, str, Decimal | None]:
        if self.risk[index]:
            return "", "", None
        return cny(amount.max) or "", cny(amount.min) or "", amount.max

    def _amount(self, index: int, figure: Any) -> tuple[str, str, Decimal | None]:
        """A line's amount cells for a row's figure, remembered per figure (amounts repeat)."""
        memo = self.amounts[index]
        cells = memo.get(figure)
        if cells is None:
            amount = compute(self.benefits[index].amount, {self.dynamic[index]: figure})
            cells = memo.remember(figure, self._cells(index, amount))
        return cells  # type: ignore[no-any-return]

    def _group(self, ineligible: int, needs_info: int, potential_mask: int, expired: int) -> _Group:
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
        return _Group(segments, dynamic, eligible, potential, totals, eligible_highs, lines)

    def score(self, parsed: _Parsed, row: int, stats: Stats) -> tuple[str, _Group]:
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

    def long_cells(self, group: _Group, parsed: _Parsed, row: int) -> list[tuple[str, str, str]]:
        lines = group.lines.copy()
        for index, figure_key, _, _ in group.dynamic:
            figure = parsed.get(row, figure_key)
            high_cell, low_cell, _ = self.fixed[index] if figure is None else self._amount(index, figure)
            lines[index] = (lines[index][0], high_cell, low_cell)
        return lines

    # -- a chunk of rows -----------------------------------------------------------------------------------------

    def run(self, chunk: list[tuple[int, list[str]]], check_bytes: bool) -> tuple[str, Stats]:
        """One chunk of rows as output text. Valid rows are joined by hand: their computed cells (statuses
        and amounts) never need quoting, and csv.writer costs more than the scoring on an 89-cell row."""
        buffer = io.StringIO()
        write = buffer.write
        stats = Stats.empty(len(self.benefits))
        jsonl, long = self.job.output_format == "jsonl", self.job.long
        seen: dict[int, _Group] = {}
        if check_bytes:  # bytes the encoding could not read are shown as \ufffd[xx], never dropped
            chunk = [(line, _visible_row(row)) for line, row in chunk]
        parsed = self.parse(
            [row for _, row in chunk if len(row) == self.width and not isinstance(row, BadRow)], check_bytes
        )
        position = -1
        for line, row in chunk:
            stats.rows += 1
            name = row[self.name_index].strip() if self.name_index < len(row) else ""
            code = row[self.code_index].strip() if self.code_index is not None and self.code_index < len(row) else ""
            if len(row) != self.width or isinstance(row, BadRow):
                problem = row.error if isinstance(row, BadRow) else self.ragged(row)
                self._invalid(line, name, code, [problem], row, buffer, stats)
                continue
            position += 1
            errors = parsed.errors.get(position)
            if errors:
                self._invalid(line, name, code, errors, row, buffer, stats)
                continue
            head = f"{line},{_quote(neutralise(name))},{_quote(neutralise(code))},valid,"
            if jsonl:
                self._jsonl(line, parsed.row(position), buffer, stats)
            elif self.general:
                wide, cells = self._engine_cells(parsed.row(position), stats)
                if long:
                    for benefit_id, (status, high, low) in zip(self.ids, cells, strict=True):
                        write(f"{head},{benefit_id},{status},{high},{low},{self.audit}\r\n")
                else:
                    write(f"{head},{wide},{self.audit}\r\n")
            else:
                try:
                    text, group = self.score(parsed, position, stats)
                except ArithmeticError as exc:  # a figure no rule can use: the row, not the run, fails
                    self._invalid(line, name, code, [f"a figure cannot be used: {exc}"], row, buffer, stats)
                    continue
                seen[id(group)] = group
                if long:
                    cells = self.long_cells(group, parsed, position)
                    for benefit_id, (status, high, low) in zip(self.ids, cells, strict=True):
                        write(f"{head},{benefit_id},{status},{high},{low},{self.audit}\r\n")
                else:
                    write(f"{head},{text},{self.audit}\r\n")
        for group in seen.values():  # the lines with fixed amounts, counted once per group
            for index, high in group.eligible_highs:
                stats.eligible_firms[index] += group.rows
                if high is not None:
                    stats.eligible_sums[index] += high * group.rows
            group.rows = 0
        return buffer.getvalue(), stats

    def _invalid(
        self, line: int, name: str, code: str, errors: list[str], row: list[str], buffer: io.StringIO, stats: Stats
    ) -> None:
        stats.invalid += 1
        if self.job.output_format == "jsonl":
            cells = self.job.header.cells
            document = {
                "line": line,
                "row_status": "invalid",
                "rules_sha256": self.catalog.rules_sha256,
                "tool_version": __version__,
                "row_errors": errors,
                "input": dict(zip(cells, row, strict=False)),
                "extra_cells": row[len(cells) :],
            }
            buffer.write(json.dumps(document, ensure_ascii=False) + "\n")
            return
        head = [str(line), neutralise(name), neutralise(code), "invalid", neutralise("; ".join(errors))]
        blank = 4 if self.job.long else 2 * len(self.benefits) + 2
        csv.writer(buffer, lineterminator="\r\n").writerow(head + [""] * blank + self.audit.split(","))

    def _assess(self, values: dict[str, Any], stats: Stats) -> Assessment:
        """The engine's own judgement of one row, counted into ``stats``."""
        profile = Profile(**values)
        assessment = assess_rules(profile, self.job.rules, evaluation_date(profile, self.job.as_of, self.job.today))
        for index, result in enumerate(assessment.results):
            if result.status == "eligible":
                stats.eligible_firms[index] += 1
                if result.max_award is not None:
                    stats.eligible_sums[index] += result.max_award
        return assessment

    def _jsonl(self, line: int, values: dict[str, Any], buffer: io.StringIO, stats: Stats) -> None:
        document = {"line": line, "row_status": "valid", **assessment_dict(self._assess(values, stats), self.job.lang)}
        buffer.write(json.dumps(document, ensure_ascii=False) + "\n")

    def _engine_cells(self, values: dict[str, Any], stats: Stats) -> tuple[str, list[tuple[str, str, str]]]:
        """The wide cells and the per-line cells of one row, from the engine (the general path)."""
        assessment = self._assess(values, stats)
        lines = []
        for result in assessment.results:
            if result.status_if_in_force == "ineligible":
                lines.append((result.status, "", ""))
            else:
                high, low, _ = self._cells(self.ids.index(result.benefit.id), result.amount)
                lines.append((result.status, high, low))
        totals = assessment.totals
        wide = ",".join(
            [
                *(f"{status},{high}" for status, high, _ in lines),
                cny(totals.eligible_cash_max) or "",
                cny(totals.potential_cash_max) or "",
            ]
        )
        return wide, lines


def _visible_row(row: list[str]) -> list[str]:
    if isinstance(row, BadRow) or not any(map(has_undecodable, row)):
        return row
    return [visible(cell) if has_undecodable(cell) else cell for cell in row]


def _compare(value: Any, op: str, limit: Decimal) -> bool:
    if op == "gt":
        return bool(value > limit)
    if op == "ge":
        return bool(value >= limit)
    if op == "lt":
        return bool(value < limit)
    return bool(value <= limit)


# -- running it ----------------------------------------------------------------------------------------------------

_WORKER: RowScorer | None = None


def _quiet_gc() -> None:
    """Rows allocate many short-lived containers; what lives on (the catalogue, caches) need not be rescanned."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _init_worker(job: Job) -> None:
    global _WORKER
    _WORKER = RowScorer(job)
    _quiet_gc()


def _work(args: tuple[list[tuple[int, list[str]]], bool]) -> tuple[str, Stats]:
    assert _WORKER is not None
    return _WORKER.run(*args)


def chunks(rows: Iterable[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_stream(
    job: Job, rows: Iterable[tuple[int, list[str]]], jobs: int, bad_bytes: Callable[[], bool], chunk_size: int = 2000
) -> Iterator[tuple[str, Stats]]:
    """Output text and stats per chunk, in input order; at most ``2 * jobs`` chunks in flight."""
    if jobs <= 1:
        scorer = RowScorer(job)
        _quiet_gc()
        for chunk in chunks(rows, chunk_size):
            yield scorer.run(chunk, bad_bytes())
        return
    import multiprocessing
    from collections import deque

    RowScorer(job)  # fail here, not in workers that a pool would restart forever
    with multiprocessing.get_context().Pool(jobs, initializer=_init_worker, initargs=(job,)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks(rows, chunk_size):
            pending.append(pool.apply_async(_work, ((chunk, bad_bytes()),)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
