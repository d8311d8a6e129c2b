"""Scoring rows fast, for batch.

Speed comes from the structure of the rules. A line's status follows from three-valued outcomes:
who may receive it (scope and ``requires``: false if any condition is false, else unknown if any is
unknown) and whether the firm has what it pays for (``qualifies``, combined the same way), plus whether
the date is in the line's window. Almost every condition reads one key, so the outcomes a cell's text
gives every line are worked out once per distinct text and kept as bit masks (one bit a line: "gate
false here", "gate unknown here", ...), packed into one int; a row's outcomes are the OR of its cells'
masks. Conditions that read several keys at once (e.g. "an enterprise, or a university") are worked
out per combination of texts. The conditions are the distinct conditions of one compiled snapshot of the
rules (``subsidy_cli.engine.compiled``), each evaluated by its compiled test. The lines are split into a
few blocks; a row's masks on each block are settled by the status rules (``engine.status.settle``, once
per distinct part) into a "part" (the block's output cells and sums),
remembered per block, and rows whose blocks have the same parts share a "group" (its cells and totals).
Amounts that depend on a row's own figures are filled in per row, remembered per figure text. Output
cells are kept as UTF-8 bytes, ready to write.

The cells after the audit columns come from the same memories. A part also knows its statuses if in force (its
"twin": the same block with every expired line at its status if in force), so a group judged outside the
window has a twin group whose cells and totals are those in force. The facts still missing are the keys the
lines needing information (or eligible ones) wait on: each cell left unknown sets its key's bit in a "waits"
field of the masks (and a condition of several keys sets, per combination of classes, the bits of the keys it
waits on), so a row's missing facts follow from its group's lines and its waits bits, remembered together.
The minimum of an open-ended line (1b) comes with its maximum from the memory of amounts per figure text.

Rows are dispatched to the scorer of their snapshot (``subsidy_cli.batch.run``); caps and exclusions
across lines are applied to a row's cells after its statuses. Tests compare batch with check firm by
firm. Every memory is bounded, so memory stays flat.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, cast

from subsidy_cli.batch.csvio import has_undecodable, safe_cell
from subsidy_cli.batch.job import Job
from subsidy_cli.engine.compiled import Compiled, leaves
from subsidy_cli.engine.evaluate import Amount, compare, compile_condition, compute, open_ended
from subsidy_cli.engine.explain import NOT_YET_WORDS, STATUS_WORDS
from subsidy_cli.engine.status import STATUSES, Status, Tri, bounded_total, line_caps, settle, shows_amount
from subsidy_cli.errors import Notice
from subsidy_cli.i18n import tr
from subsidy_cli.output.summary import Stats, best_status
from subsidy_cli.profile.creditcode import PersonalNumber, is_valid, read_code
from subsidy_cli.profile.identity import IDENTITY_KEYS, category_contradictions, region_contradictions
from subsidy_cli.profile.keys import KEYS, parse_value, unknown_text, value_problem
from subsidy_cli.profile.values import normalise_text
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.version import __version__
from subsidy_cli.words import cny

# Every memo is bounded (a few MB in all, whatever the input; the batch benchmark checks the total):
_CACHE_LIMIT = 4_096  # entries per column of words, per block of lines, per cluster of keys
_GROUP_LIMIT = 4_096  # groups refer to their parts' cells, so each is small
_FIGURE_LIMIT = 4_096  # texts per column of figures: amounts of money take many values
_BLOCKS = 4  # a group is made of the parts of this many blocks of lines
_SLOT = "\x00"
_BAD_BYTES = "contains bytes that are not valid in the file's encoding; re-save it or pass --encoding"
_EMPTY_NAME = "is empty; every firm needs its name"
_KEY_ORDER = tuple(KEYS)  # the facts still missing are listed in this order
_KEY_ATOM = {key: atom for atom, key in enumerate(_KEY_ORDER)}


class Memo(dict[Any, Any]):
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

    def recall(self, key: Any, make: Callable[[Any], Any]) -> Any:
        """What the memo holds for ``key``, made and remembered if it holds nothing yet."""
        found = self.get(key)
        return self.remember(key, make(key)) if found is None else found


def lookup(memo: Memo, keys: list[Any], make: Callable[[Any], Any]) -> list[Any]:
    """What ``memo`` holds for each key, made (once per key) where it holds nothing yet."""
    found = list(map(memo.get, keys))
    if None in found:
        for i, hit in enumerate(found):
            if hit is None:
                found[i] = memo.recall(keys[i], make)
    return found


@dataclass(eq=False)
class _Part:
    """What rows share on one block of lines: their cells (with slots for amounts a row decides) and sums."""

    text: bytes  # the block's cells, each followed by a comma (UTF-8, as written out)
    segments: list[bytes]  # the same, split where a row's own amounts go
    dynamic: list[tuple[int, str, bool, bool]]  # (line, key, eligible, potential) for amounts the row decides
    eligible_static: Decimal
    potential_static: Decimal
    eligible_highs: list[tuple[int, Decimal | None]]  # eligible lines with a fixed amount
    eligible_dynamic: list[int]  # eligible lines whose amount the row decides
    lines: list[tuple[str, str, str]]  # per line (status, max, min), for --long
    hidden: int = 0  # the lines whose amount is not shown (the firm cannot receive them), as bits
    start: int = 0  # the first line of the block
    statuses: tuple[str, ...] = ()  # per line of the block, its status (for the summary's counts)
    potential_highs: list[tuple[int, Decimal]] = field(default_factory=list)  # potential lines, fixed amount
    settled: tuple[tuple[Status, Status, bool, bool, bool], ...] = ()  # what made it (its key in the memory of parts)
    status_text: bytes | None = None  # the statuses as written, each followed by a comma (made when asked)
    expired: bool = False  # some line outside its window
    twin: _Part | None = None  # the same block judged in force (where a line is expired; see _twin_part)
    dynamic_bits: int = 0  # the lines whose amount the row decides, as bits
    mins: tuple[bytes | tuple[str, int], ...] = ()  # per open-ended line of the block (see _Plan)
    plan: _Plan | None = None  # for a group in the window whose open-ended lines are all in this block
    allowed: int = 0  # the bits of the waits field that name a missing fact where set (see _missing_words)
    capped: int = 0  # its lines waiting on facts, not expired, that caps across lines hold, as bits


@dataclass(eq=False, slots=True)
class Group:
    """What every row with one set of statuses shares (compared by identity). It refers to its parts' texts
    rather than copying them, so that many groups can be remembered."""

    static: tuple[bytes, ...] | None  # the wide cells and totals, when no amount depends on the row
    head: tuple[bytes, ...]  # else: the wide cells up to the first amount the row decides,
    slots: list[tuple[int, str, int, tuple[bytes, ...], bool, bool, bool]]  # then per such amount (line, figure
    # key, its place in the figure's amounts, the cells after it, eligible, counts towards a total, potential)
    eligible_static: Decimal
    potential_static: Decimal
    totals: bytes  # the two total cells when no amount the row decides counts towards them
    parts: tuple[_Part, ...]
    expired: bool = False  # some line outside its window
    allowed: int = 0  # as in _Part, for every line
    capped: int = 0
    twin: Group | None = None  # the group of the same rows judged in force (where a line is expired; see twin)
    plan: _Plan | None = None  # the cells after the missing facts (see RowScorer.extras)


@dataclass(eq=False, slots=True)
class _Plan:
    """What every row of one group writes after the audit columns (but the facts still missing): the statuses if in
    force and their totals (the group judged in force, ``twin``) where some line is expired (else empty cells:
    the statuses are those in force), the minimum of each open-ended line (a cell, or the figure key and place
    whose amounts decide it); ``static`` when no cell depends on the row's figures."""

    static: bytes | None
    mins: tuple[bytes | tuple[str, int], ...]
    fixed: bytes | None  # the minima's cells, when no row's figure decides them
    statuses: bytes  # the statuses if in force; in the window, the empty cells of those and of their totals
    twin: Group | None  # None in the window (no line expired)


@dataclass
class Scored:
    """A block's rows of the right width, scored: per row its name and credit code as typed (stripped), its
    problems (rows that have some), its warnings (rows that have some: about its identity facts, which decide
    nothing), and for valid rows the wide output cells and totals (``bodies``, UTF-8), the cells after the audit
    columns (``extras``: the statuses if in force and their totals, the minimum of each open-ended line), the
    facts still missing (``missing``) and, with ``--long``, the (status, max, min, status if in force) cells of
    every line; with ``detail``, per row the compiled snapshot that judged it and the lines whose amount is not
    shown (bits), for ``diff``."""

    names: list[str]
    codes: list[str]
    problems: dict[int, list[str]]
    bodies: list[bytes | None]
    longs: list[list[tuple[str, str, str, str]] | None] | None = None
    compiled: list[Compiled] | None = None
    hidden: list[int] | None = None
    extras: list[bytes | None] | None = None
    missing: list[bytes] | None = None
    warnings: dict[int, list[Notice]] = field(default_factory=dict)

    @classmethod
    def merge(cls, count: int, pieces: list[tuple[list[int], Scored]]) -> Scored:
        """One block's rows scored in several pieces (the positions of each piece's rows, and its result)."""
        merged = cls([""] * count, [""] * count, {}, [None] * count, None)
        longs: list[list[tuple[str, str, str, str]] | None] = [None] * count
        compiled: list[Compiled | None] = [None] * count
        hidden = [0] * count
        extras: list[bytes | None] = [None] * count
        missing: list[bytes] = [b""] * count
        for positions, scored in pieces:
            for mine, position in enumerate(positions):
                merged.names[position] = scored.names[mine]
                merged.codes[position] = scored.codes[mine]
                if scored.bodies:
                    merged.bodies[position] = scored.bodies[mine]
                if scored.extras is not None and scored.missing is not None:
                    extras[position] = scored.extras[mine]
                    missing[position] = scored.missing[mine]
                    merged.extras, merged.missing = extras, missing
                if scored.longs is not None:
                    longs[position] = scored.longs[mine]
                    merged.longs = longs
                if scored.compiled is not None and scored.hidden is not None:
                    compiled[position] = scored.compiled[mine]
                    hidden[position] = scored.hidden[mine]
                    merged.compiled, merged.hidden = compiled, hidden  # type: ignore[assignment]
            for mine, problems in scored.problems.items():
                merged.problems[positions[mine]] = problems
            for mine, notices in scored.warnings.items():
                merged.warnings[positions[mine]] = notices
        return merged


@dataclass
class Parsed:
    """A block's rows of the right width, read column by column."""

    groups: list[Group | None]  # None for a row with problems
    problems: dict[int, list[str]]  # row -> its problems (only rows that have some)
    figures: dict[str, Any]  # key -> each row's text of that figure (amounts a row decides are remembered per text)
    names: list[str]  # as typed, stripped
    codes: list[str]
    parts: list[list[_Part]] = field(default_factory=list)  # per block of lines: each row's part
    columns: list[tuple[str, ...]] = field(default_factory=list)  # the cells, column by column
    masks: list[int] = field(default_factory=list)  # each row's outcome bits (see _Fields)
    warnings: dict[int, list[Notice]] = field(default_factory=dict)  # row -> its warnings (rows that have some)


@dataclass(frozen=True)
class _Fields:
    """Packing of the masks into one int, one field as wide as there are lines: gate false, gate unknown,
    met false, met unknown, outside the window, the row's figure known (lines whose amount reads one), a soft
    condition false (to confirm), not tied to the firm (relevance not established), the figures cannot be paid
    on (no amount), before the window (not yet in force); then the "waits" field, one bit per fact a line may
    wait on (``waits`` bits: a key left unknown, or a key left unknown inside a condition of several keys that
    is undecided), for the facts still missing; then one bit for "some cell is bad"."""

    width: int
    waits: int = 0
    count: ClassVar[int] = 10  # fields of line bits

    def pack(
        self,
        gate_false: int = 0,
        gate_unknown: int = 0,
        met_false: int = 0,
        met_unknown: int = 0,
        confirm: int = 0,
        untied: int = 0,
        void: int = 0,
    ) -> int:
        w = self.width
        return (
            gate_false
            | gate_unknown << w
            | met_false << 2 * w
            | met_unknown << 3 * w
            | confirm << 6 * w
            | untied << 7 * w
            | void << 8 * w
        )

    def expired(self, mask: int) -> int:
        return mask << 4 * self.width

    def known(self, mask: int) -> int:
        return mask << 5 * self.width

    def early(self, mask: int) -> int:
        return mask << 9 * self.width

    @property
    def wait_shift(self) -> int:
        """Where the waits field starts."""
        return self.count * self.width

    def wait(self, bits: int) -> int:
        return bits << self.wait_shift

    @property
    def bad(self) -> int:
        return 1 << (self.count * self.width + self.waits)


class RowScorer:
    """Parses and scores the rows of one header against one compiled snapshot of the rules; built once per
    process and snapshot."""

    def __init__(
        self, job: Job, compiled: Compiled, share: int = 1, tables: dict[Any, Any] | None = None
    ) -> None:
        """``share``: how many scorers divide the memory budget (the snapshots a run may need, times the rule
        sets it compares), so that memory stays flat whatever the layers. ``tables``: the memories of cell
        texts' outcomes that the scorers of one run share where their snapshots judge alike (the same
        conditions on the same lines, the same windows: a layer that changes amounts only)."""
        self.job = job
        self.share = max(1, share)
        self.compiled = compiled
        catalog = self.catalog = compiled.catalog
        self.lines = compiled.lines
        self.benefits = catalog.benefits
        self.ids = [b.id for b in self.benefits]
        self.audit = f"{catalog.rules_sha256},{__version__}"
        header, overrides = job.header, job.overrides
        # The words of the output: ids and keys for scripts; for people (--excel), statuses and facts in words
        lang = job.lang
        if job.excel:
            self.word = {status: safe_cell(tr(lang, STATUS_WORDS[status])) for status in STATUSES}
            self.not_yet = safe_cell(tr(lang, NOT_YET_WORDS))
            self.fact_words = {key: KEYS[key].label(lang) for key in _KEY_ORDER}
            self.fact_separator = "、" if lang == "zh" else "; "
        else:
            self.word = {status: status for status in STATUSES}
            self.not_yet = "expired"
            self.fact_words = {key: key for key in _KEY_ORDER}
            self.fact_separator = ";"
        self.status_of = {word: status for status, word in self.word.items()} | {self.not_yet: "expired"}
        self.min_lines = [index for index, b in enumerate(self.benefits) if b.id in open_ended(job.rules.first())]
        # Every distinct condition of the snapshot, with the lines that use it as a gate (scope, requires) and as
        # a qualifies condition, sorted by the keys it reads: one key (the common case), several keys, or none
        # (facts the profile does not record).
        self.tests = compiled.tests
        count = len(compiled.conditions)
        self.gate_bits, self.met_bits = [0] * count, [0] * count  # hard conditions: lines gated, lines qualified
        self.soft_gate_bits, self.soft_met_bits = [0] * count, [0] * count  # soft ones
        self.tie_bits, self.void_bits = [0] * count, [0] * count  # relevance; no amount where false
        others = untied = 0
        for line in compiled.lines:
            bit = 1 << line.index
            if not line.applies:
                others |= bit
                continue
            for uses, marks in (
                (line.gate_hard, self.gate_bits),
                (line.gate_soft, self.soft_gate_bits),
                (line.met_hard, self.met_bits),
                (line.met_soft, self.soft_met_bits),
                (line.no_amount, self.void_bits),
            ):
                for index in uses:
                    marks[index] |= bit
            if line.relevance is not None:
                self.tie_bits[line.relevance] |= bit
            if not line.tied:
                untied |= bit
        self.held = [line.held for line in compiled.lines]
        self.single: dict[str, list[int]] = {}
        multi: dict[tuple[str, ...], list[int]] = {}
        constant: list[int] = []
        for index, cond in enumerate(compiled.conditions):
            if not any(
                marks[index]
                for marks in (
                    self.gate_bits,
                    self.met_bits,
                    self.soft_gate_bits,
                    self.soft_met_bits,
                    self.tie_bits,
                    self.void_bits,
                )
            ):
                continue
            keys = tuple(sorted(cond.keys()))
            if len(keys) == 1:
                self.single.setdefault(keys[0], []).append(index)
            elif keys:
                multi.setdefault(keys, []).append(index)
            else:
                constant.append(index)
        self.thresholds: dict[str, list[tuple[str, Decimal]]] = {}
        for key, indexes in self.single.items():
            if KEYS[key].type in ("money", "count"):
                for index in indexes:
                    for leaf in leaves(compiled.conditions[index]):
                        if leaf.key == key and (leaf.op, getattr(leaf, leaf.op)) not in self.thresholds.get(key, []):
                            self.thresholds.setdefault(key, []).append((leaf.op, getattr(leaf, leaf.op)))
        # The facts a line may wait on, as bits of the waits field: first every key left unknown (one bit a key,
        # in the order of the profile's keys), then, per condition of several keys that a line's scope, requires
        # or qualifies uses, each of its keys left unknown while the condition is undecided.
        self.cond_lines = [  # per condition, the lines that use it as a gate or a qualifies condition
            gate | met | soft_gate | soft_met
            for gate, met, soft_gate, soft_met in zip(
                self.gate_bits, self.met_bits, self.soft_gate_bits, self.soft_met_bits, strict=True
            )
        ]
        atoms = len(_KEY_ORDER)
        self.leaf_atoms: dict[tuple[str, ...], list[tuple[int, list[tuple[str, int]]]]] = {}
        self.atom_keys: list[str] = list(_KEY_ORDER)  # per bit of the waits field, its key
        self.atom_lines: list[int] = [0] * atoms  # per bit, the lines whose conditions wait on it
        for keys, entries in multi.items():
            for index in entries:
                if not self.cond_lines[index]:
                    continue  # a condition that only ties lines to firms: no line waits on it
                pairs = []
                for key in sorted(compiled.conditions[index].keys()):
                    pairs.append((key, len(self.atom_keys)))
                    self.atom_keys.append(key)
                    self.atom_lines.append(self.cond_lines[index])
                self.leaf_atoms.setdefault(keys, []).append((index, pairs))
        for key, indexes in self.single.items():
            for index in indexes:
                self.atom_lines[_KEY_ATOM[key]] |= self.cond_lines[index]
        self.amount_reads = [0] * atoms  # per key, the lines whose amount it decides (a missing key of theirs)
        for line in compiled.lines:
            figures = line.benefit.amount.keys() if line.applies else ()
            for key in figures:
                self.amount_reads[_KEY_ATOM[key]] |= 1 << line.index
        index_of = {line.benefit.id: line.index for line in compiled.lines}
        self.line_caps: dict[int, list[int]] = {}  # per line capped with others, the atoms of the caps' figures
        for cap in compiled.caps:
            for name in cap.lines:
                found = self.line_caps.setdefault(index_of[name], [])
                if _KEY_ATOM[cap.at_most] not in found:
                    found.append(_KEY_ATOM[cap.at_most])
        self.capped_lines = sum(1 << index for index in self.line_caps)  # lines that caps across lines hold
        fields = self.fields = _Fields(max(64, len(self.benefits)), len(self.atom_keys))
        self.sides = Memo(self._limit(_CACHE_LIMIT))
        self.unknown = {  # per key, what a cell left unknown gives: its conditions' outcomes, and its bit of waits
            key: self._masks(self.single.get(key, []), {key: None}) | fields.wait(1 << atom)
            for key, atom in _KEY_ATOM.items()
        }
        self.windows: dict[dt.date, int] = {}
        dated = "application_date" in header.keys and "application_date" not in overrides and job.as_of is None
        self.today_window = self._window(job.as_of or job.today)
        base = self._masks(constant, {}) | fields.pack(others, untied=untied)
        if not dated:
            as_of = job.as_of or overrides.get("application_date") or job.today
            base |= self._window(as_of)
        for key in _KEY_ORDER:
            if key not in header.keys and key not in overrides:
                base |= self.unknown[key]
        for key, value in overrides.items():
            if value is None:
                base |= self.unknown[key]
            elif key in self.single:
                base |= self._masks(self.single[key], {key: value})
        self.base = base
        self.dated = dated
        # Columns of few distinct values (yes/no, choices) are looked up together, keyed by their texts: a
        # spreadsheet repeats such combinations. Every other column has its own memo of texts. Name and
        # credit code differ on every row and are checked as they come.
        self.width = len(header.cells)
        used = [(i, key) for i, key in enumerate(header.keys) if key is not None and key not in overrides]
        self.column_memos = {
            key: Memo(self._limit(_FIGURE_LIMIT if KEYS[key].type in ("money", "count") else _CACHE_LIMIT))
            for _, key in used
        }
        bundled = [(i, key) for i, key in used if KEYS[key].type in ("bool", "choice")]
        self.bundle = (
            (
                operator.itemgetter(*[i for i, _ in bundled]),
                [key for _, key in bundled],
                Memo(self._limit(4 * _CACHE_LIMIT)),
            )
            if bundled
            else None
        )
        self.cash = [b.kind == "cash" for b in self.benefits]
        self.risk = [b.kind == "risk_sharing" for b in self.benefits]
        self.dynamic: dict[int, str] = {}  # line -> the key its amount depends on
        for index, benefit in enumerate(self.benefits):
            figures = benefit.amount.keys()
            if figures:
                (self.dynamic[index],) = figures
        self.figure_keys = set(self.dynamic.values())
        self.known_bits = {  # per figure: the lines whose amount it decides (risk shares show no amount)
            key: fields.known(sum(1 << i for i, k in self.dynamic.items() if k == key and not self.risk[i]))
            for key in self.figure_keys
        }
        for key, value in overrides.items():
            if key in self.known_bits and value is not None:
                self.base |= self.known_bits[key]
        self.columns = [
            (i, key, key in self.figure_keys)
            for i, key in used
            if (i, key) not in bundled and (key not in ("name", "credit_code") or key in self.single)
        ]
        self.name_index = header.keys.index("name")
        self.code_index = header.keys.index("credit_code") if "credit_code" in header.keys else None
        self.check_name = "name" not in overrides
        self.check_code = self.code_index is not None and "credit_code" not in overrides
        # The credit code informs, never blocks: each code that is not plainly valid is read once per text (a
        # resident identity number is the one refusal), and what its category (positions 1-2) says is set against
        # the entity type and legal-person status, once per combination of their texts, and its region (positions
        # 3-8) against the district, once per combination of region and district text.
        self.code_heading = header.cells[self.code_index] if self.code_index is not None else "credit_code"
        self.codes_read = Memo(self._limit(_FIGURE_LIMIT))
        at = {key: header.keys.index(key) for key in IDENTITY_KEYS if key in header.keys and key not in overrides}
        fixed = {key: overrides[key] for key in IDENTITY_KEYS if overrides.get(key) is not None}
        self.identity_names = {key: header.cells[index] for key, index in at.items()}
        self.identity_fixed = fixed
        self.category_keys = [key for key in ("entity_type", "independent_legal_person") if key in at]
        self.category_at = [at[key] for key in self.category_keys]
        fixed_category = {"entity_type", "independent_legal_person"} & set(fixed)
        self.check_category = self.check_code and bool(self.category_keys or fixed_category)
        self.region_at = at.get("district")
        self.check_region = self.check_code and (self.region_at is not None or "district" in fixed)
        self.check_identity = self.check_category or self.check_region
        self.categories = Memo(self._limit(_CACHE_LIMIT))
        self.regions = Memo(self._limit(_CACHE_LIMIT))
        self.unnamed = header.unnamed  # columns with no heading: a value under one would be lost, so it is an error
        # clusters of keys read together by one condition, with their columns (None: not in the file, or set)
        self.multi = [
            (keys, [header.keys.index(k) if k in header.keys and k not in overrides else None for k in keys], entries)
            for keys, entries in multi.items()
        ]
        self.multi_memos = [Memo(self._limit(_CACHE_LIMIT)) for _ in self.multi]
        # Per cluster and key: the leaf tests on that key, a memory of each text's class (the outcomes of those
        # tests: texts of one class judge every condition of the cluster alike) and one value of each class. A
        # cluster's masks are then remembered per combination of classes, which repeat far more than the texts.
        self.multi_leaves = [
            [
                [compile_condition(leaf) for i in entries for leaf in leaves(compiled.conditions[i]) if leaf.key == key]
                for key in keys
            ]
            for keys, _, entries in self.multi
        ]
        self.multi_classes = [[Memo(self._limit(_FIGURE_LIMIT)) for _ in keys] for keys, _, _ in self.multi]
        self.multi_values: list[list[dict[Any, Any]]] = [[{} for _ in keys] for keys, _, _ in self.multi]
        self.groups = Memo(self._limit(_GROUP_LIMIT))
        self.parts = Memo(self._limit(_BLOCKS * _CACHE_LIMIT))
        self.fixed = [self.cells(index, compute(benefit.amount, {})) for index, benefit in enumerate(self.benefits)]
        # per figure: the amount cells of every line it decides, remembered per text (amounts repeat)
        self.amounts = {key: Memo(self._limit(2 * _CACHE_LIMIT)) for key in self.figure_keys}
        self.shared: dict[Any, Any] = {}  # equal values that groups hold, kept once (sums, totals, slots)
        self.amount_lines = {key: [i for i, k in self.dynamic.items() if k == key] for key in self.figure_keys}
        self.amount_position = {i: lines.index(i) for lines in self.amount_lines.values() for i in lines}
        # per block of lines: the mask of its bits in every status field, its lines, and its memo of parts
        self.blocks = []
        size = -(-len(self.benefits) // _BLOCKS)
        for start in range(0, len(self.benefits), size):
            lines = range(start, min(start + size, len(self.benefits)))
            bits = sum(1 << i for i in lines)
            w = fields.width
            # the block's bits in every field of the masks (but "bad"), and its parts keyed by those bits
            masks = sum(bits << k * w for k in range(fields.count))
            self.blocks.append((masks, lines, Memo(self._limit(_CACHE_LIMIT))))
        # after the audit columns: the facts still missing, per lines that can wait on facts and facts left unknown
        self.missing = Memo(self._limit(_CACHE_LIMIT))  # the facts missing (bits of waits) -> their cell
        self.fixed_low = [f"{low},".encode() for _, low, _ in self.fixed]
        self.blank_in_force = b"," * (len(self.benefits) + 2)  # the statuses if in force and their totals, empty
        self.no_min_plan = _Plan(self.blank_in_force, (), b"", self.blank_in_force, None)  # in the window
        self.failures: dict[int, str] = {}
        # rows whose amounts they decide: their totals, and the totals' cells
        self.row_totals: dict[int, tuple[Decimal, Decimal, bytes]] = {}
        self.potential_sums: list[Decimal] = []
        # for the summary: the district column, and the keys a row can leave unknown (columns; keys not in the
        # file, or set to unknown with --set, which every row leaves unknown)
        named = list(header.keys)
        self.district_index = named.index("district") if "district" in named and "district" not in overrides else None
        self.fixed_district = str(overrides.get("district") or "")  # of every row, where no column gives it
        tracked = [key for key in KEYS if key not in ("name", "credit_code")]
        self.tracked = [(named.index(key), key) for key in tracked if key in named and key not in overrides]
        self.absent = [k for k in tracked if (k not in named and k not in overrides) or overrides.get(k, 0) is None]
        self.best = Memo(self._limit(_GROUP_LIMIT))  # group -> its first status
        if tables is not None:
            alike = (
                tuple(map(repr, compiled.conditions)),
                tuple(self.gate_bits),
                tuple(self.met_bits),
                tuple(self.soft_gate_bits),
                tuple(self.soft_met_bits),
                tuple(self.tie_bits),
                tuple(self.void_bits),
                tuple(sorted(self.known_bits.items())),
                tuple((line.window, line.applies) for line in self.lines),
            )
            memories = (
                self.column_memos, self.bundle, self.multi_memos, self.sides, self.multi_classes, self.multi_values
            )
            shared = tables.setdefault(alike, memories)
            self.column_memos, self.bundle, self.multi_memos, self.sides, self.multi_classes, self.multi_values = shared

    def _limit(self, entries: int) -> int:
        """A memory's size, this scorer's share of it."""
        return max(256, entries // self.share)

    # -- outcomes as masks ---------------------------------------------------------------------------------------

    def _masks(self, indexes: list[int], values: dict[str, Any]) -> int:
        """The outcomes of these distinct conditions for these values, as bit masks over the lines using them."""
        gate_false = gate_unknown = met_false = met_unknown = confirm = untied = void = 0
        for index in indexes:
            result = self.tests[index](values)
            if result is False:
                gate_false |= self.gate_bits[index]
                met_false |= self.met_bits[index]
                confirm |= self.soft_gate_bits[index] | self.soft_met_bits[index]
                untied |= self.tie_bits[index]
                void |= self.void_bits[index]
            elif result is None:
                gate_unknown |= self.gate_bits[index] | self.soft_gate_bits[index]
                met_unknown |= self.met_bits[index] | self.soft_met_bits[index]
                untied |= self.tie_bits[index]
        return self.fields.pack(gate_false, gate_unknown, met_false, met_unknown, confirm, untied, void)

    def _window(self, as_of: dt.date) -> int:
        """The lines whose window does not hold ``as_of`` (in the "outside the window" field) and those whose
        window starts after it (in the "before the window" field), as masks."""
        mask = self.windows.get(as_of)
        if mask is None:
            if len(self.windows) > _CACHE_LIMIT:
                self.windows.clear()
            outside = sum(1 << line.index for line in self.lines if not line.window[0] <= as_of <= line.window[1])
            before = sum(1 << line.index for line in self.lines if as_of < line.window[0])
            mask = self.windows[as_of] = self.fields.expired(outside) | self.fields.early(before)
        return mask

    # -- cells ---------------------------------------------------------------------------------------------------

    def value(self, key: str, text: str, check_bytes: bool) -> tuple[Any, str | None]:
        """(value, None) with value None for a blank cell, or (None, problem)."""
        stripped = text.strip()
        if not stripped or unknown_text(key, stripped):  # blank, or "-", "/", "无", "N/A"...: unknown
            return None, None
        if check_bytes and has_undecodable(stripped):
            return None, _BAD_BYTES
        try:
            return parse_value(key, stripped), None
        except ValueError as exc:
            return None, value_problem(stripped, exc)

    def _cell(self, key: str, text: str, check_bytes: bool) -> tuple[int, Any]:
        """A cell's masks (with the "bad" bit for a cell that cannot be read) and its value."""
        value, problem = self.value(key, text, check_bytes)
        if problem is not None:
            return self.fields.bad, None
        masks = 0
        if value is None:
            masks = self.unknown.get(key, 0)
        elif KEYS[key].type in ("money", "count"):  # a figure: which side of each threshold it falls on matters,
            # and that it is known; one int per side, shared by every text on that side (memos of figures are long)
            side = (key, tuple(compare(value, op, limit) for op, limit in self.thresholds.get(key, ())))
            masks = self.sides.recall(side, lambda _: self._figure_masks(key, value))
        else:
            masks = self._masks(self.single[key], {key: value}) if key in self.single else 0
            masks |= self.known_bits.get(key, 0)
        if key == "application_date" and self.dated:
            masks |= self.today_window if value is None else self._window(value)
        return masks, value

    def _figure_masks(self, key: str, value: Any) -> int:
        found = self._masks(self.single[key], {key: value}) if key in self.single else 0
        return found | self.known_bits.get(key, 0)

    def _column_cell(self, key: str, text: str, *, check_bytes: bool) -> int:
        """What a column's memo keeps for a text: its masks."""
        return self._cell(key, text, check_bytes)[0]

    def _bundle_masks(self, texts: tuple[str, ...], *, check_bytes: bool) -> int:
        assert self.bundle is not None
        masks = 0
        for key, text in zip(self.bundle[1], texts, strict=True):
            masks |= self.column_memos[key].recall(
                text, functools.partial(self._column_cell, key, check_bytes=check_bytes)
            )
        return masks

    # -- a chunk -------------------------------------------------------------------------------------------------

    def parse(self, rows: list[list[str]], check_bytes: bool) -> Parsed:
        """Rows of the right width, read column by column (each distinct text of a column is read once, and
        the walks over the cells run inside map() and zip(), not in Python loops), settled into groups."""
        count = len(rows)
        parsed = Parsed([], {}, {}, [], [])
        if not count:
            return parsed
        columns = parsed.columns = list(zip(*rows, strict=True))
        masks: list[int] | None = None
        if self.bundle is not None:
            getter, members, memo = self.bundle
            bundles = list(map(getter, rows)) if len(members) > 1 else [(text,) for text in map(getter, rows)]
            masks = lookup(memo, bundles, functools.partial(self._bundle_masks, check_bytes=check_bytes))
        constant = self.base  # what every row of the chunk has: joined to the rows' masks at the end
        for index, key, is_figure in self.columns:
            texts = columns[index]
            make = functools.partial(self._column_cell, key, check_bytes=check_bytes)
            if is_figure:
                parsed.figures[key] = texts
            if not any(texts):  # a column left blank (in this chunk at least): one cell for every row
                constant |= lookup(self.column_memos[key], [""], make)[0]
                continue
            found = lookup(self.column_memos[key], list(texts), make)
            masks = found if masks is None else list(map(operator.or_, masks, found))
        masks = [constant] * count if masks is None else list(map(operator.or_, masks, itertools.repeat(constant)))
        for cluster, ((keys, columns_at, entries), memo) in enumerate(zip(self.multi, self.multi_memos, strict=True)):
            classes = []
            for place, (key, at) in enumerate(zip(keys, columns_at, strict=True)):
                make_class = functools.partial(self._class, cluster, place, key, check_bytes=check_bytes)
                if at is None:  # not in the file, or set: one class for every row
                    classes.append([make_class(None)] * count)
                else:
                    classes.append(lookup(self.multi_classes[cluster][place], list(columns[at]), make_class))
            make = functools.partial(self._class_masks, cluster, entries=entries)
            masks = list(map(operator.or_, masks, lookup(memo, list(zip(*classes, strict=True)), make)))
        for key in self.job.overrides:
            if key in self.figure_keys:  # the --set value, whatever the text
                parsed.figures[key] = [""] * count
        parsed.names = names = list(map(str.strip, columns[self.name_index]))
        if self.code_index is not None:
            parsed.codes = codes = list(map(str.strip, columns[self.code_index]))
        else:
            parsed.codes = codes = [""] * count
        bad = self.fields.bad
        suspects: set[int] = set()
        if max(masks) >= bad:
            suspects.update(i for i, m in enumerate(masks) if m >= bad)
        if self.check_name and ("" in names or check_bytes):
            suspects.update(i for i, name in enumerate(names) if not name or (check_bytes and has_undecodable(name)))
        if self.check_name and ('"' in "".join(name[:1] for name in names) or max(map(len, names)) > 500):
            suspects.update(i for i, name in enumerate(names) if name[:1] == '"' or len(name) > 500)  # see keys._text
        if self.check_code:
            suspects.update(self._identity(columns, codes, parsed.warnings))
        for index in self.unnamed:
            if any(map(str.strip, columns[index])):
                suspects.update(i for i, text in enumerate(columns[index]) if text.strip())
        groups, parsed.parts = self._groups(masks)
        parsed.masks = masks
        for i in sorted(suspects):
            problems = self._problems(rows[i], check_bytes)
            if problems:
                parsed.problems[i] = problems
                groups[i] = None
        parsed.groups = groups
        return parsed

    def _identity(
        self, columns: list[tuple[str, ...]], codes: list[str], warnings: dict[int, list[Notice]]
    ) -> list[int]:
        """The warnings of the rows' credit codes, and of what the codes contradict, into ``warnings``; the rows
        whose code is a resident identity number (refused: their problem is found with the others'). Codes that
        are not plainly valid (``'913...``, a placeholder, a failing check) are made safe for the output in
        ``codes`` (the fast path writes codes as they are)."""
        refused = []
        bad = [i for i, code in enumerate(codes) if code and not is_valid(code)]
        firsts = list(map(operator.itemgetter(slice(2)), codes)) if self.check_category else None
        regions = list(map(operator.itemgetter(slice(2, 8)), codes)) if self.check_region else None
        for i in bad:
            personal, notices, prefix = self.codes_read.recall(codes[i], self._read_code)
            if firsts is not None:
                firsts[i] = prefix[:2]
            if regions is not None:
                regions[i] = prefix[2:8]
            if personal:
                refused.append(i)
                continue
            if notices:
                warnings[i] = list(notices)
            codes[i] = safe_cell(codes[i])
        # each row's (mostly empty) tuple of warnings, looked up by C-speed walks; only rows with some are visited
        if firsts is not None:
            keys = list(zip(firsts, *(columns[i] for i in self.category_at), strict=True))
            found = lookup(self.categories, keys, self._category)
            for i in itertools.compress(range(len(found)), found):
                warnings.setdefault(i, []).extend(found[i])
        if regions is not None:
            places = columns[self.region_at] if self.region_at is not None else itertools.repeat("")
            found = lookup(self.regions, list(zip(regions, places, strict=False)), self._region)
            for i in itertools.compress(range(len(found)), found):
                warnings.setdefault(i, []).extend(found[i])
        return refused

    def _read_code(self, text: str) -> tuple[bool, tuple[Notice, ...], str]:
        """A credit-code cell that is not plainly valid, read: (a resident identity number, the warnings, the
        code's positions 1-8 where they can be read, else "")."""
        if unknown_text("credit_code", text):
            return False, (), ""
        try:
            reading = read_code(text if text.isascii() else normalise_text(text))
        except PersonalNumber:
            return True, (), ""
        notices = tuple(dataclasses.replace(notice, where=self.code_heading) for notice in reading.notices)
        return False, notices, reading.code[:8] if reading.structured else ""

    def _category(self, key: tuple[str, ...]) -> tuple[Notice, ...]:
        """What a code's positions 1-2 contradict among a row's entity type and legal-person status (their cells'
        texts, or the --set values); cells that cannot be read contradict nothing."""
        category, *texts = key
        if len(category) < 2:
            return ()
        values = self._identity_values(zip(self.category_keys, texts, strict=True))
        return self._placed(category_contradictions(category, values, self.identity_names))

    def _region(self, key: tuple[str, str]) -> tuple[Notice, ...]:
        """What a code's positions 3-8 contradict: a row's district (its cell's text, or the --set value)."""
        region, text = key
        if len(region) < 6:
            return ()
        values = self._identity_values([("district", text)] if self.region_at is not None else [])
        return self._placed(region_contradictions(region, values.get("district"), self.identity_names))

    def _identity_values(self, texts: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """The --set values of the identity keys, and the values of these (key, cell text) pairs that can be read."""
        values = dict(self.identity_fixed)
        for name, text in texts:
            value, _ = self.value(name, text, False)
            if value is not None:
                values[name] = value
        return values

    def _placed(self, notices: list[Notice]) -> tuple[Notice, ...]:
        """Warnings about the credit code, named by the code column's heading."""
        return tuple(dataclasses.replace(notice, where=self.code_heading) for notice in notices)

    def _class(self, cluster: int, place: int, key: str, text: str | None, *, check_bytes: bool) -> tuple[Tri, ...]:
        """A cell's class for a cluster of keys read together: the outcomes of the cluster's leaf tests on its key
        (the --set value, or unknown, for a column not in the file); one value of each class is kept."""
        value = self.job.overrides.get(key) if text is None else self.value(key, text, check_bytes)[0]
        found = tuple(test({key: value}) for test in self.multi_leaves[cluster][place])
        self.multi_values[cluster][place].setdefault(found, value)
        return found

    def _class_masks(self, cluster: int, classes: tuple[tuple[Tri, ...], ...], *, entries: list[Any]) -> int:
        """The masks of a cluster's conditions for one combination of its keys' classes."""
        keys = self.multi[cluster][0]
        values = {
            key: self.multi_values[cluster][place][found]
            for place, (key, found) in enumerate(zip(keys, classes, strict=True))
        }
        waits = 0
        for index, pairs in self.leaf_atoms.get(keys, ()):
            if self.tests[index](values) is None:  # undecided: its keys left unknown are what it waits on
                for key, atom in pairs:
                    if values[key] is None:
                        waits |= 1 << atom
        return self._masks(entries, values) | self.fields.wait(waits)

    def _problems(self, row: list[str], check_bytes: bool) -> list[str]:
        """Every problem of one row's cells, as 'heading: problem'."""
        problems = []
        for index, key in enumerate(self.job.header.keys):
            if index in self.unnamed and row[index].strip():
                problems.append(f"column {index + 1} has no heading but holds {row[index].strip()[:40]!r}; name it")
                continue
            if key is None or key in self.job.overrides:
                continue
            heading, text = self.job.header.cells[index], row[index]
            _, problem = self.value(key, text, check_bytes)
            if problem is None and key == "name" and not text.strip():
                problem = _EMPTY_NAME
            if problem is not None:
                problems.append(f"{heading}: {problem}")
        return problems

    def values(self, row: list[str]) -> dict[str, Any]:
        """One valid row's values (with the --set ones), for the engine."""
        values = dict(self.job.overrides)
        for key, text in zip(self.job.header.keys, row, strict=True):
            if key is not None and key not in self.job.overrides:
                value, _ = self.value(key, text, False)
                if value is not None:
                    values[key] = value
        return values

    def ragged(self, row: list[str]) -> str:
        if not any(cell.strip() for cell in row):
            return "empty row"
        extra = [cell for cell in row[self.width :] if cell.strip()]
        return (
            f"row has {len(row)} cells but the header has {self.width}"
            + (f"; extra cells: {', '.join(repr(c) for c in extra)}" if extra else "")
            + "; check for a stray comma or a missing cell"
        )

    # -- groups --------------------------------------------------------------------------------------------------

    def _groups(self, masks: list[int]) -> tuple[list[Group | None], list[list[_Part]]]:
        """Each row's group: the parts its masks give each block of lines (remembered per block, so the
        masks are settled once per distinct part), then the group those parts make."""
        parts = []
        for bits, lines, memo in self.blocks:
            make = functools.partial(self._part, lines=lines)
            parts.append(lookup(memo, list(map(operator.and_, masks, itertools.repeat(bits))), make))
        return lookup(self.groups, list(zip(*parts, strict=True)), self._group), parts

    def count(self, parsed: Parsed, stats: Stats) -> None:
        """Eligible firms per line, and the sums of their fixed amounts, counted once per part."""
        part_rows: collections.Counter[_Part] = collections.Counter()
        for parts in parsed.parts:
            part_rows.update(parts)
        if None in parsed.groups:  # rows with problems are not counted
            for row, group in enumerate(parsed.groups):
                if group is None:
                    part_rows.subtract(parts[row] for parts in parsed.parts)
        firms, sums = stats.eligible_firms, stats.eligible_sums
        by_status, potential, in_force = stats.status_firms, stats.potential_sums, stats.in_force_change
        in_force_sums = stats.in_force_sums_change
        for part, rows in part_rows.items():
            if rows:
                for index, high in part.eligible_highs:
                    firms[index] += rows
                    if high is not None:
                        sums[index] += high * rows
                for index in part.eligible_dynamic:
                    firms[index] += rows
                for index, status in enumerate(part.statuses, start=part.start):
                    by_status[status][index] += rows
                if part.expired:  # the statuses if in force differ from the statuses: count the difference
                    twin = self._twin_part(part)
                    pairs = zip(part.statuses, twin.statuses, strict=True)
                    for index, (status, judged) in enumerate(pairs, start=part.start):
                        if status != judged:
                            in_force[status][index] -= rows
                            in_force[judged][index] += rows
                    for highs, sign in ((twin.eligible_highs, rows), (part.eligible_highs, -rows)):
                        for index, high in highs:
                            if high is not None:
                                in_force_sums[index] += high * sign
                for index, high in part.potential_highs:
                    potential[index] += high * rows
        self._count_firms(parsed, stats)

    def _count_firms(self, parsed: Parsed, stats: Stats) -> None:
        """Valid firms by their first status (``best_status``) and by district (with their total maxima; a
        row whose amounts it decides itself adds its own, kept by ``_body``), and the keys they leave unknown."""
        groups = parsed.groups
        if not groups:
            return
        districts = parsed.columns[self.district_index] if self.district_index is not None else None
        valid = 0
        places = districts or [self.fixed_district] * len(groups)
        for (district, group), rows in collections.Counter(zip(places, groups, strict=True)).items():
            if group is None:
                continue
            valid += rows
            best, best_in_force = self.best.get(group) or self.best.remember(group, self._best(group))
            stats.best[best] += rows
            stats.in_force_best[best_in_force] += rows
            if group.expired:
                stats.out_of_window += rows
            with_eligible = rows if best == "eligible" else 0
            with_eligible_if = rows if best_in_force == "eligible" else 0
            if group.static is not None:
                stats.add_district(
                    district,
                    rows,
                    group.eligible_static * rows,
                    group.potential_static * rows,
                    with_eligible,
                    with_eligible_if,
                )
                if group.expired:  # its totals if in force differ by those of its twin
                    twin = self.twin(group)
                    stats.shift_district(
                        district,
                        (twin.eligible_static - group.eligible_static) * rows,
                        (twin.potential_static - group.potential_static) * rows,
                    )
            else:  # its rows add their totals (and, judged outside the window, what they would gain if in force)
                stats.add_district(district, rows, Decimal(0), Decimal(0), with_eligible, with_eligible_if)
        for row, (eligible, potential, _) in self.row_totals.items():
            stats.add_district(districts[row] if districts else self.fixed_district, 0, eligible, potential)
        blank = stats.blank
        for key in self.absent:
            blank[key] += valid
        columns = parsed.columns
        for index, key in self.tracked:
            cells = columns[index]
            blank[key] += cells.count("")
        if valid != len(groups):  # rows with problems are not counted
            for row, group in enumerate(groups):
                if group is None:
                    for index, key in self.tracked:
                        if not columns[index][row]:
                            blank[key] -= 1

    def _best(self, group: Group) -> tuple[str, str]:
        """A group's first status (``best_status``), and that of its rows judged in force."""
        best = best_status({status for part in group.parts for status in part.statuses})
        if not group.expired:
            return best, best
        return best, best_status({status for part in self.twin(group).parts for status in part.statuses})

    def _group(self, parts: tuple[_Part, ...]) -> Group:
        """The output cells of every row whose blocks have these parts."""
        eligible = potential = Decimal(0)
        dynamic = []
        for part in parts:
            eligible += part.eligible_static
            potential += part.potential_static
            dynamic += part.dynamic
        share = self._share
        eligible, potential = share(eligible), share(potential)
        totals = share(f"{cny(eligible)},{cny(potential)}".encode())
        if not dynamic:
            group = Group((*(part.text for part in parts), totals), (), [], eligible, potential, totals, parts)
        else:
            pieces: list[list[bytes]] = [[]]  # the texts between amounts the row decides
            for part in parts:
                first, *rest = part.segments
                pieces[-1].append(first)
                pieces += [[segment] for segment in rest]
            slots = []
            for (index, key, is_eligible, is_potential), after in zip(dynamic, pieces[1:], strict=True):
                counts = self.cash[index] and (is_eligible or is_potential)
                slot = (index, key, self.amount_position[index], tuple(after), is_eligible, counts, is_potential)
                slots.append(share(slot))
            group = Group(None, share(tuple(pieces[0])), slots, eligible, potential, totals, parts)
        allowed = capped = 0
        for part in parts:
            allowed |= part.allowed
            capped |= part.capped
            if part.expired:
                group.expired = True
        group.allowed, group.capped = allowed, capped
        return group

    def _share(self, value: Any) -> Any:
        """``value``, or an equal one already held (groups repeat sums, totals and slots)."""
        if len(self.shared) > self._limit(_GROUP_LIMIT):
            self.shared.clear()
        return self.shared.setdefault(value, value)

    def _part(self, masks: int, *, lines: range) -> _Part:
        """The cells and sums of one block of lines, from the rows' masks on those lines (one object for
        one set of statuses, so that groups can be keyed by their parts)."""
        statuses = self._statuses(masks, lines)
        key = (lines.start, statuses)
        return self.parts.recall(key, lambda _: self._new_part(statuses, lines))

    def _statuses(self, masks: int, lines: range) -> tuple[tuple[Status, Status, bool, bool, bool], ...]:
        """Per line of the block: its status and status if in force (by the status rules, from the outcome
        bits), whether its amount depends on the row's figure, whether its figures cannot be paid on, and
        whether the date is before its window (not yet in force)."""
        w = self.fields.width
        found = []
        for index in lines:
            gate: Tri = False if masks >> index & 1 else (None if masks >> (w + index) & 1 else True)
            met: Tri = False if masks >> (2 * w + index) & 1 else (None if masks >> (3 * w + index) & 1 else True)
            in_window = not masks >> (4 * w + index) & 1
            confirm = bool(masks >> (6 * w + index) & 1)
            relevant = not masks >> (7 * w + index) & 1 or (self.held[index] and met is True)
            status, judged = settle(self.lines[index].benefit.open_to, gate, met, in_window, confirm, relevant)
            found.append(
                (
                    status,
                    judged,
                    bool(masks >> (5 * w + index) & 1),
                    bool(masks >> (8 * w + index) & 1),
                    bool(masks >> (9 * w + index) & 1),
                )
            )
        return tuple(found)

    def _new_part(self, statuses: tuple[tuple[Status, Status, bool, bool, bool], ...], lines: range) -> _Part:
        cells: list[str] = []
        part = _Part(b"", [], [], Decimal(0), Decimal(0), [], [], [], start=lines.start)
        part.settled = statuses
        part.statuses = tuple(status for status, *_ in statuses)
        candidates = current = voids = 0
        for index, (status, judged, known, void, early) in zip(lines, statuses, strict=True):
            bit = 1 << index
            word = self.not_yet if early and status == "expired" else self.word[status]
            if judged in ("needs_info", "eligible"):  # lines that wait on facts left unknown
                candidates |= bit
            if status in ("eligible", "potential", "needs_info"):
                current |= bit
            if void:
                voids |= bit
            if status == "expired":
                part.expired = True
            high_cell, low_cell, high = self.fixed[index]
            if not shows_amount(judged) or void:  # no amount to show for a line the firm cannot receive
                part.hidden |= bit
                cells += [word, ""]
                if self.job.long:
                    part.lines.append((word, "", ""))
                continue
            if known:  # the amount depends on the row's figure
                part.dynamic.append((index, self.dynamic[index], status == "eligible", status == "potential"))
                part.dynamic_bits |= bit
                if status == "eligible":
                    part.eligible_dynamic.append(index)
                high_cell = low_cell = _SLOT
            elif status == "eligible":
                part.eligible_highs.append((index, high))
                if self.cash[index] and high is not None:
                    part.eligible_static += high
            elif status == "potential" and high is not None:
                part.potential_highs.append((index, high))
                if self.cash[index]:
                    part.potential_static += high
            cells += [word, high_cell]
            if self.job.long:
                part.lines.append((word, high_cell, low_cell))
        part.text = "".join(f"{cell}," for cell in cells).encode()
        part.segments = part.text.split(_SLOT.encode())
        mins: list[bytes | tuple[str, int]] = []
        for index in self.min_lines:  # the minimum of each open-ended line of the block, or where it comes from
            if index in lines:
                if part.hidden >> index & 1:
                    mins.append(b",")
                elif part.dynamic_bits >> index & 1:
                    mins.append((self.dynamic[index], self.amount_position[index]))
                else:
                    mins.append(self.fixed_low[index])
        if mins:
            part.mins = tuple(mins)
            fixed = None if any(isinstance(cell, tuple) for cell in mins) else b"".join(cast("list[bytes]", mins))
            static = None if fixed is None else self.blank_in_force + fixed
            part.plan = _Plan(static, part.mins, fixed, self.blank_in_force, None)
        part.allowed = self._allowed(candidates, voids)
        part.capped = candidates & current & self.capped_lines
        return part

    def _status_text(self, part: _Part) -> bytes:
        """A part's statuses as written, each followed by a comma (the statuses if in force of a twin)."""
        if part.status_text is None:
            words = [
                self.not_yet if early and status == "expired" else self.word[status]
                for status, _, _, _, early in part.settled
            ]
            part.status_text = "".join(f"{word}," for word in words).encode()
        return part.status_text

    def _twin_part(self, part: _Part) -> _Part:
        """The part of the same block judged in force: every expired line with its status if in force."""
        if not part.expired:
            return part  # (not kept in ``twin``: a part referring to itself would be a cycle for the collector)
        twin = part.twin
        if twin is None:
            settled = cast(
                "tuple[tuple[Status, Status, bool, bool, bool], ...]",
                tuple((judged, judged, known, void, False) for _, judged, known, void, _ in part.settled),
            )
            lines = range(part.start, part.start + len(settled))
            twin = part.twin = self.parts.recall((part.start, settled), lambda _: self._new_part(settled, lines))
        return twin

    def twin(self, group: Group) -> Group:
        """The group of the same rows judged in force (``group`` itself where no line is expired)."""
        if not group.expired:
            return group  # (not kept in ``twin``: no cycle)
        twin = group.twin
        if twin is None:
            twin = group.twin = self.groups.recall(tuple(map(self._twin_part, group.parts)), self._group)
        return twin

    # -- amounts -------------------------------------------------------------------------------------------------

    def cells(self, index: int, amount: Amount) -> tuple[str, str, Decimal | None]:
        if self.risk[index]:
            return "", "", None
        return cny(amount.max) or "", cny(amount.min) or "", amount.max

    def _amount_cells(self, index: int, key: str, figure: Any) -> tuple[str, str, Decimal | None]:
        """A line's amount cells for a row's figure."""
        return self.cells(index, compute(self.benefits[index].amount, {key: figure}))

    def _figure(self, key: str, text: str) -> Any:
        return self.job.overrides[key] if key in self.job.overrides else self.value(key, text, False)[0]

    def _amounts(self, key: str, text: str) -> tuple[tuple[bytes, Decimal | None, bytes], ...]:
        """The maximum (cell, value) and the minimum cell (with its comma) of every line a row's figure decides, as
        typed (or set), in the order of ``amount_lines``; remembered per text."""
        figure = self._figure(key, text)
        found = []
        for index in self.amount_lines[key]:
            high_cell, low_cell, high = self._amount_cells(index, key, figure)
            found.append((high_cell.encode(), high, f"{low_cell},".encode()))
        return self.amounts[key].remember(text, tuple(found))

    def score(
        self, rows: list[list[str]], check_bytes: bool, stats: Stats, cells: bool = True, detail: bool = False
    ) -> Scored:
        """Rows of the right width, read and scored; ``cells=False`` finds their problems only (JSONL output is
        written by the per-firm driver); ``detail`` adds each row's snapshot and hidden lines, and leaves out
        the cells after the audit columns (``diff`` compares the wide cells only)."""
        parsed = self.parse(rows, check_bytes)
        if not cells:
            return Scored(parsed.names, parsed.codes, parsed.problems, [], warnings=parsed.warnings)
        bodies = self.bodies(parsed, stats)
        problems = parsed.problems
        for row, failure in self.failures.items():
            problems[row] = [failure]
        extras: list[bytes | None] | None = None
        missing = None
        if self.job.more and not detail:
            extras, missing = self.extras(parsed, stats)
        elif not detail:  # no such columns: the statuses and totals if in force still count in the summary
            extras = self.extras(parsed, stats, expired_only=True)[0]
        longs = None
        if self.job.long:
            longs = [
                self.long_cells(group, parsed, row) if group is not None else None
                for row, group in enumerate(parsed.groups)
            ]
        if self.compiled.across:
            self._across(rows, parsed, bodies, extras, longs, stats)
        scored = Scored(parsed.names, parsed.codes, problems, bodies, longs, warnings=parsed.warnings)
        scored.extras, scored.missing = extras, missing
        if detail:
            scored.compiled = [self.compiled] * len(rows)
            scored.hidden = [
                functools.reduce(operator.or_, (part.hidden for part in group.parts), 0) if group is not None else 0
                for group in parsed.groups
            ]
        return scored

    # -- after the audit columns: statuses if in force, their totals, minima, the facts still missing ------------

    def extras(
        self, parsed: Parsed, stats: Stats, expired_only: bool = False
    ) -> tuple[list[bytes | None], list[bytes]]:
        """Per row (None for a row with problems) the cells written after the audit columns: each line's status if
        in force, the two totals if in force and the minimum of each open-ended line (each cell followed by a
        comma); and, apart, the facts still missing. The first are the group's where no amount depends on the
        row's own figures, else filled in from the row's totals and the memories of amounts per figure text;
        the missing facts are remembered per set of lines that can wait on facts and facts left unknown (the
        bits of the waits field that can matter for those lines), which repeat far more than groups do.
        ``expired_only``: the first for the rows judged outside a line's window only (their totals if in force
        count in the summary, and the caps across lines adjust them), and no missing facts."""
        groups = parsed.groups
        plan, dynamic = self._plan, self._dynamic_extra
        if expired_only:
            extras: list[bytes | None] = [None] * len(groups)
            for row, group in enumerate(groups):
                if group is not None and group.expired:
                    extras[row] = (group.plan or plan(group)).static or dynamic(group, row, parsed, stats)
            return extras, []
        extras = [
            None if group is None else ((group.plan or plan(group)).static or dynamic(group, row, parsed, stats))
            for row, group in enumerate(groups)
        ]
        shift = self.fields.wait_shift
        keys = [None if group is None else mask >> shift & group.allowed
                for group, mask in zip(groups, parsed.masks, strict=True)]  # fmt: skip
        if self.capped_lines:  # lines that caps across lines hold wait on the caps' figures too
            for row, group in enumerate(groups):
                if group is not None and group.capped:
                    keys[row] |= self._cap_atoms(group.capped, parsed.masks[row] >> shift)  # type: ignore[operator]
        return extras, lookup(self.missing, keys, self._missing_words)

    def _district_of(self, parsed: Parsed, row: int) -> str:
        """A row's district cell as typed (the --set one, or ``""``, where no column gives it)."""
        where = self.district_index
        return parsed.columns[where][row] if where is not None else self.fixed_district

    def _allowed(self, candidates: int, voids: int) -> int:
        """The bits of the waits field that name a missing fact where set, for these lines waiting on facts (and
        those of them whose figures cannot be paid on): a key or condition one of them waits on, or a key its
        amount reads."""
        allowed = 0
        for atom, lines in enumerate(self.atom_lines):
            if lines & candidates:
                allowed |= 1 << atom
        for atom, lines in enumerate(self.amount_reads):  # (the first bits: one a key)
            if lines & candidates & ~voids:
                allowed |= 1 << atom
        return allowed

    def _cap_atoms(self, capped: int, waits: int) -> int:
        """The bits of the caps' figures that these capped lines wait on: all of a line's caps' figures, when none
        is known (as ``check`` lists them)."""
        found = 0
        for index, atoms in self.line_caps.items():
            if capped >> index & 1 and all(waits >> atom & 1 for atom in atoms):
                for atom in atoms:
                    found |= 1 << atom
        return found

    def _missing_words(self, atoms: int | None) -> bytes:
        """The facts a firm still has to give, as ``check`` lists them under "answer these to refine": the unknown
        keys that a line needing information, or an eligible one (judged as if in force), waits on (keys of its
        undecided conditions; of its amount, unless its figures cannot be paid on; of the caps across lines it
        is under, where none of their figures is known and it is not expired). Keys, or their labels for
        people, in the order of the profile's keys. ``atoms``: those facts, as bits of the waits field."""
        if not atoms:
            return b""
        found = {self.atom_keys[atom] for atom in range(atoms.bit_length()) if atoms >> atom & 1}
        words = [self.fact_words[key] for key in _KEY_ORDER if key in found]
        return safe_cell(self.fact_separator.join(words)).encode()

    def _plan(self, group: Group) -> _Plan:
        """What the rows of ``group`` write after the audit columns (see ``_Plan``), made once per group; in the
        window, the plan of the part holding its open-ended lines (or the scorer's, where it has none)."""
        holders = [part for part in group.parts if part.mins]
        if not group.expired and len(holders) <= 1:  # (the usual case: no group-specific cells)
            plan = group.plan = holders[0].plan if holders else self.no_min_plan
            return cast("_Plan", plan)
        mins: list[bytes | tuple[str, int]] = []
        for part in holders:
            mins += part.mins
        fixed = None if any(isinstance(cell, tuple) for cell in mins) else b"".join(cast("list[bytes]", mins))
        if not group.expired:  # in the window: the status columns say it all, the columns if in force are empty
            in_force, twin = self.blank_in_force, None
            static = None if fixed is None else in_force + fixed
        else:
            twin = self.twin(group)
            in_force = b"".join([self._status_text(part) for part in twin.parts])
            static = None
            if group.static is not None:  # no amount depends on the row (the minima neither), nor the twin's
                static = b"".join((in_force, twin.totals, b",", fixed or b""))
        plan = group.plan = _Plan(static, tuple(mins), fixed, in_force, twin)
        return plan

    def _dynamic_extra(self, group: Group, row: int, parsed: Parsed, stats: Stats) -> bytes:
        """The cells after the audit columns of a row whose amounts depend on its own figures."""
        plan, figures = cast("_Plan", group.plan), parsed.figures
        twin = plan.twin
        pieces = [plan.statuses]
        if twin is not None:  # judged outside the window: the totals if in force
            sums = stats.in_force_sums_change  # the eligible lines' maxima if in force, less those counted now
            if twin.static is not None:
                eligible, potential, totals = twin.eligible_static, twin.potential_static, twin.totals
            else:
                eligible, potential, counted = self._slot_totals(twin, figures, row, sums, 1)
                totals = f"{cny(eligible)},{cny(potential)}".encode() if counted else twin.totals
            if group.slots:
                self._slot_totals(group, figures, row, sums, -1)
            plain = self.row_totals[row]
            stats.shift_district(self._district_of(parsed, row), eligible - plain[0], potential - plain[1])
            pieces += [totals, b","]
        if plan.fixed is not None:
            pieces.append(plan.fixed)
        else:
            for entry in plan.mins:
                if isinstance(entry, bytes):
                    pieces.append(entry)
                else:
                    key, position = entry
                    text = figures[key][row]
                    pieces.append((self.amounts[key].get(text) or self._amounts(key, text))[position][2])
        return b"".join(pieces)

    def _slot_totals(
        self, group: Group, figures: dict[str, Any], row: int, sums: list[Decimal], sign: int
    ) -> tuple[Decimal, Decimal, bool]:
        """The totals of a row in ``group`` whose amounts depend on its figures, and whether such an amount counted
        towards them, without counting anything (as ``_body`` does) but each eligible line's maximum, times
        ``sign``, into ``sums``."""
        eligible, potential, counted = group.eligible_static, group.potential_static, False
        amounts = self.amounts
        for index, key, position, _, is_eligible, counts, _ in group.slots:
            text = figures[key][row]
            high = (amounts[key].get(text) or self._amounts(key, text))[position][1]
            if high is None:
                continue
            if is_eligible:
                sums[index] += high * sign
            if counts:
                counted = True
                if is_eligible:
                    eligible += high
                else:
                    potential += high
        return eligible, potential, counted

    def _across(
        self,
        rows: list[list[str]],
        parsed: Parsed,
        bodies: list[bytes | None],
        extras: list[bytes | None] | None,
        longs: list[list[tuple[str, str, str, str]] | None] | None,
        stats: Stats,
    ) -> None:
        """The snapshot's caps across lines and exclusions, applied to each valid row's cells after its statuses,
        as ``Compiled.amount`` and ``Compiled.totals`` apply them for one firm: a capped line shows at most its
        cap (its minimum too), and the totals are those the caps and exclusions allow (the lines they name are
        taken out of the plain sums and added back as ``bounded_total`` counts them); the totals if in force
        likewise, by the statuses if in force."""
        compiled = self.compiled
        index_of = {line.benefit.id: line.index for line in self.lines}
        across: list[CrossCap | Exclusive] = [*compiled.caps, *compiled.exclusive]
        touched = sorted({index_of[name] for rule in across for name in rule.lines})
        keys, overrides = self.job.header.keys, self.job.overrides
        columns = {  # the column of each figure a cap names (None: set with --set, or not in the file)
            cap.at_most: None if cap.at_most not in keys or cap.at_most in overrides else keys.index(cap.at_most)
            for cap in compiled.caps
        }
        groups = [[index_of[name] for name in group.lines] for group in compiled.exclusive]
        status_of = self.status_of
        lines = len(self.lines)
        mins = {index: lines + 2 + place for place, index in enumerate(self.min_lines)}  # their cells in the extras
        for row, group in enumerate(parsed.groups):
            body = bodies[row]
            if group is None or body is None:
                continue
            figures = {
                key: overrides.get(key) if column is None else self._figure(key, rows[row][column])
                for key, column in columns.items()
            }
            capped = line_caps(compiled.caps, figures)
            cells = body.split(b",")
            statuses = {index: status_of[cells[2 * index].decode()] for index in touched}
            written = extras[row] if extras is not None else None
            more = written.split(b",") if written is not None else None
            in_force = {index: status_of[more[index].decode()] for index in touched} if more and more[0] else None
            if not capped and not any(
                _paid_together(members, statuses) or (in_force and _paid_together(members, in_force))
                for members in groups
            ):
                continue  # no cap's figure known, no exclusive group with two lines to pay: nothing changes
            old = {index: Decimal(cells[2 * index + 1].decode()) if cells[2 * index + 1] else None for index in touched}
            new = dict(old)
            hidden = 0
            for part in group.parts:
                hidden |= part.hidden
            for index in touched:
                limit = capped.get(self.ids[index])
                if limit is None or hidden >> index & 1:
                    continue
                high = old[index]
                new[index] = limit if high is None else min(high, limit)
                cells[2 * index + 1] = (cny(new[index]) or "").encode()
                cut = new[index] - (high or 0)  # type: ignore[operator]
                if statuses[index] == "eligible":
                    stats.eligible_sums[index] += cut
                    if in_force is not None:  # the sums if in force are these sums and the change
                        stats.in_force_sums_change[index] -= cut
                elif statuses[index] == "potential":
                    stats.potential_sums[index] += cut
                if in_force is not None and in_force[index] == "eligible":
                    stats.in_force_sums_change[index] += cut
                if more is not None and index in mins and more[mins[index]]:
                    more[mins[index]] = (cny(min(Decimal(more[mins[index]].decode()), limit)) or "").encode()
                if longs is not None and longs[row] is not None:
                    status, _, low_cell, judged = longs[row][index]  # type: ignore[index]
                    low = None if not low_cell else min(Decimal(low_cell), limit)
                    longs[row][index] = (status, cny(new[index]) or "", cny(low) or "", judged)  # type: ignore[index]
            district = self._district_of(parsed, row)
            targets: list[tuple[Mapping[int, str], list[bytes], int]] = [(statuses, cells, len(cells) - 2)]
            if in_force is not None and more is not None:  # (in the window: no totals if in force)
                targets.append((in_force, more, lines))
            for judged, target, at in targets:
                for wanted, position in (("eligible", at), ("potential", at + 1)):
                    chosen = [i for i in touched if self.cash[i] and judged[i] == wanted]
                    if not chosen:
                        continue
                    plain = sum((high for i in chosen if (high := old[i]) is not None), Decimal(0))
                    bounded, _ = bounded_total(
                        {self.ids[i]: new[i] for i in chosen}, compiled.caps, compiled.exclusive, figures.get
                    )
                    change = bounded - plain
                    target[position] = (cny(Decimal(target[position].decode()) + change) or "").encode()
                    amounts = (change, Decimal(0)) if wanted == "eligible" else (Decimal(0), change)
                    if target is more:  # the totals if in force are the plain totals and what they would gain
                        stats.shift_district(district, *amounts)
                    else:
                        stats.add_district(district, 0, *amounts)
                        if in_force is not None:
                            stats.shift_district(district, -amounts[0], -amounts[1])
            bodies[row] = b",".join(cells)
            if more is not None and extras is not None:
                extras[row] = b",".join(more)

    def bodies(self, parsed: Parsed, stats: Stats) -> list[bytes | None]:
        """Each row's wide cells and totals (None for a row with problems, or whose figures no rule can use:
        those are in ``failures``)."""
        self.failures = {}
        self.row_totals = {}
        self.potential_sums = stats.potential_sums
        body = functools.partial(self._body, parsed.figures, stats.eligible_sums)
        join = b"".join
        bodies = [
            join(group.static) if group is not None and group.static is not None else body(group, row)
            for row, group in enumerate(parsed.groups)
        ]
        for row in self.failures:
            parsed.groups[row] = None
            self.row_totals.pop(row, None)
        self.count(parsed, stats)
        return bodies

    def _body(self, figures: dict[str, Any], sums: list[Decimal], group: Group | None, row: int) -> bytes | None:
        """The wide cells and totals of a row whose group has amounts the row decides."""
        if group is None:
            return None
        eligible_total, potential_total = group.eligible_static, group.potential_static
        counted = False
        pieces = [*group.head]
        amounts = self.amounts
        highs, potentials = [], []
        try:
            for index, key, position, after, is_eligible, counts, is_potential in group.slots:
                text = figures[key][row]
                cells = amounts[key].get(text) or self._amounts(key, text)
                high_cell, high, _ = cells[position]
                pieces.append(high_cell)
                pieces += after
                if high is not None:
                    if is_eligible:
                        highs.append((index, high))
                    elif is_potential:
                        potentials.append((index, high))
                    if counts:
                        counted = True
                        if is_eligible:
                            eligible_total += high
                        else:
                            potential_total += high
        except ArithmeticError as exc:  # a figure no rule can use: the row, not the run, fails
            self.failures[row] = f"a figure cannot be used: {exc}"
            return None
        for index, high in highs:
            sums[index] += high
        for index, high in potentials:
            self.potential_sums[index] += high
        totals = f"{cny(eligible_total)},{cny(potential_total)}".encode() if counted else group.totals
        self.row_totals[row] = (eligible_total, potential_total, totals)
        pieces.append(totals)
        return b"".join(pieces)

    def long_cells(self, group: Group, parsed: Parsed, row: int) -> list[tuple[str, str, str, str]]:
        """Per line of one valid row: its status, maximum, minimum and status if in force, as written."""
        in_force = [line[0] for part in self.twin(group).parts for line in part.lines] if group.expired else []
        in_force += [""] * (len(self.benefits) - len(in_force))  # in the window: empty, the status says it
        lines = [(*line, in_force[index]) for part in group.parts for index, line in enumerate(part.lines, part.start)]
        for index, key, *_ in group.slots:
            high_cell, low_cell, _ = self._amount_cells(index, key, self._figure(key, parsed.figures[key][row]))
            lines[index] = (lines[index][0], high_cell, low_cell, lines[index][3])
        return lines


def _paid_together(members: list[int], statuses: Mapping[int, str]) -> bool:
    """Whether two lines of an exclusive group are both eligible, or both potential (only then does the group
    change a total)."""
    found = [statuses[index] for index in members if statuses[index] in ("eligible", "potential")]
    return len(found) != len(set(found))
