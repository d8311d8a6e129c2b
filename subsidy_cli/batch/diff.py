"""``subsidy diff`` as a library: the same firms (a CSV of firms, or one profile file) scored under two rule
sets, and per firm and line what changed and why, as CSV rows.

::

    from subsidy_cli.batch import sources
    from subsidy_cli.batch.diff import FirmsDiff

    first = sources.rules(None)
    second = sources.rules(None, ["samples/overlays/zhangjiagang-2022.toml"])
    diff = FirmsDiff("samples/firms.csv", first, second)
    rows = [diff.header, *diff]          # diff.invalid: firms whose row could not be read as a profile
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal

from subsidy_cli.batch.csvio import BadRow, Header, neutralise
from subsidy_cli.batch.job import Job
from subsidy_cli.batch.rowscore import Scored
from subsidy_cli.batch.run import ChunkWriter
from subsidy_cli.batch.runner import open_firms
from subsidy_cli.batch.sources import is_profile_file
from subsidy_cli.batch.workbook import is_workbook, open_sheet
from subsidy_cli.engine.compare import DIFF_COLUMNS, Change, compare, pair_of
from subsidy_cli.errors import EXIT_DATA, EXIT_OK, Problem
from subsidy_cli.i18n import _
from subsidy_cli.output.summary import Stats
from subsidy_cli.profile.files import load_profile
from subsidy_cli.profile.keys import KEYS, Profile, ProfileError, build_profile
from subsidy_cli.rules.layers import Rules
from subsidy_cli.version import __version__

_CHUNK = 4_096  # CSV rows scored together
AUDIT_COLUMNS = ("rules_a_sha256", "rules_b_sha256", "tool_version")


class FirmsDiff:
    """The rows of a diff of ``firms`` (a ``.toml``/``.json`` profile, a workbook (``sheet``: which sheet, see
    ``workbook.open_sheet``), else a CSV of firms; ``-``: stdin) under
    ``first`` and ``second``, each row ending with the audit trail (both rules' SHA-256 and the tool version).

    Nothing is read until the rows are iterated. Iterating raises ``ProfileError`` (exit 1) for a profile
    file that cannot be read and ``InputError`` (exit 2) for a CSV that cannot; a CSV row that is not a
    valid profile gives one ``invalid`` row with its problems and is counted in ``invalid``. A CSV is read as
    ``batch`` reads it (``runner.FirmsInput.read``: each row in its own encoding, control characters cleaned,
    amounts under a heading in 万元 read in 万). ``as_of`` fixes the date (else each firm's application_date, else
    today); ``encoding`` is the CSV's (default: detected). Cells are neutralised against spreadsheet formulas.
    """

    def __init__(
        self,
        firms: str,
        first: Rules,
        second: Rules,
        as_of: dt.date | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.firms = firms
        self.sheet = sheet
        self.first = first
        self.second = second
        self.as_of = as_of
        self.encoding = encoding
        self.invalid = 0
        self._audit = [first.sha256, second.sha256, __version__]
        self._writers: tuple[ChunkWriter, ChunkWriter] | None = None

    @property
    def header(self) -> list[str]:
        """The column names: ``line, name, benefit, status_a, status_b, max_a_cny, max_b_cny, why`` and the audit."""
        return [*DIFF_COLUMNS, *AUDIT_COLUMNS]

    @property
    def exit_code(self) -> int:
        """1 once a firm could not be read, else 0."""
        return EXIT_DATA if self.invalid else EXIT_OK

    def __iter__(self) -> Iterator[list[str]]:
        """The rows, read and scored as they are taken (each iteration reads the firms again)."""
        self.invalid = 0
        if is_profile_file(self.firms):
            profile = load_profile(self.firms)
            yield from self._changes("", profile.name, profile)
            return
        if is_workbook(self.firms):  # a workbook's rows, as text cells; a row with problems as a BadRow
            with open_sheet(self.firms, self.sheet) as sheet:
                cells = (_row(line, cells, problems) for line, cells, problems in sheet.rows)
                while chunk := list(itertools.islice(cells, _CHUNK)):
                    yield from self._chunk(sheet.header, chunk)
            return
        with open_firms(self.firms, self.encoding) as firms:  # read as batch reads it, row for row
            for read in firms.read():
                yield from self._chunk(firms.header, list(zip(read.lines, read.rows, strict=True)))

    def _chunk(self, header: Header, chunk: list[tuple[int, list[str]]]) -> Iterator[list[str]]:
        """The diff rows of a chunk of CSV rows. The rows are scored by the batch scorers of both rule sets (each
        distinct cell text once); a firm whose cells agree line by line has nothing to show, and one whose lines
        differ only where amounts are shown gets its rows from the cells. A row that is not a valid firm, or
        whose differing lines hide an amount (the firm cannot receive them), is judged on its own, by
        ``compare``, as before."""
        if self._writers is None:
            today = dt.date.today()
            jobs = [
                Job(rules, header, {}, self.as_of, today, "csv", False, "en", source=self.firms)
                for rules in (self.first, self.second)
            ]
            self._writers = (ChunkWriter(jobs[0], share=2), ChunkWriter(jobs[1], share=2))
        first, second = self._writers
        width = len(header.keys)
        whole = [row for _, row in chunk if len(row) == width and not isinstance(row, BadRow)]
        scored = [w.score(whole, False, Stats.empty(len(w.benefits)), detail=True) for w in (first, second)]
        position = -1
        for line, row in chunk:
            if len(row) != width or isinstance(row, BadRow):
                yield from self._one(header, line, row)
                continue
            position += 1
            changes = _from_cells(scored[0], scored[1], position)
            if changes is None:  # not a valid firm, or an amount to compare that the cells do not show
                yield from self._one(header, line, row)
            elif changes:
                name = KEYS["name"].parse(row[first.name_index])
                for change in changes:
                    yield [*map(neutralise, change.cells(line, name)), *self._audit]

    def _one(self, header: Header, line: int, row: list[str]) -> Iterator[list[str]]:
        """The diff rows of one CSV row, judged on its own."""
        if isinstance(row, BadRow) and row:  # a workbook's row whose cells cannot be taken as typed
            self.invalid += 1
            name = row[header.keys.index("name")] if "name" in header.keys else ""
            yield [*map(neutralise, [str(line), name, "", "invalid", "invalid", "", "", row.error]), *self._audit]
            return
        data = {key: cell for key, cell in zip(header.keys, row, strict=False) if key is not None}
        try:
            profile = build_profile(data, _("line {line}", line=line))
        except ProfileError as exc:
            self.invalid += 1
            why = "; ".join(_unplaced(p) for p in exc.problems)
            cells = [str(line), data.get("name", ""), "", "invalid", "invalid", "", "", why]
            yield [*map(neutralise, cells), *self._audit]
            return
        yield from self._changes(line, profile.name, profile)

    def _changes(self, line: int | str, name: str, profile: Profile) -> Iterator[list[str]]:
        """One row per line whose status or maximum differs between the two rule sets."""
        for change in compare(profile, self.first, self.second, self.as_of):
            yield [*map(neutralise, change.cells(line, name)), *self._audit]


def _row(line: int, cells: list[str], problems: list[str]) -> tuple[int, list[str]]:
    """A workbook's row as the CSV reader gives one: a row with problems as a BadRow keeping its cells."""
    if not problems:
        return line, cells
    bad = BadRow("; ".join(problems))
    bad.extend(cells)
    return line, bad


def _unplaced(problem: Problem) -> str:
    """A row's problem without its place (the row is the line of the output): ``sme: 'maybe' is not ...``."""
    return str(dataclasses.replace(problem, file=None, line=None))


def _from_cells(a: Scored, b: Scored, row: int) -> list[Change] | None:
    """The changes of one scored row, read from the wide cells of both rule sets (status and maximum of each
    line, amounts to the fen); None where they cannot tell: a row with problems, or a line whose status or
    amount differs while one side hides its amount (a line the firm cannot receive shows none)."""
    body_a, body_b = a.bodies[row], b.bodies[row]
    if body_a is None or body_b is None or a.compiled is None or b.compiled is None:
        return None
    first, second = a.compiled[row], b.compiled[row]
    hidden_a, hidden_b = a.hidden[row], b.hidden[row]  # type: ignore[index]
    if body_a == body_b and first.ids == second.ids:
        if not (hidden_a or hidden_b):
            return []
        cells = body_a.split(b",")
        if all(cells[2 * i] == b"ineligible" for i in _bits(hidden_a | hidden_b)):
            return []  # an ineligible line's amount is nobody's
        return None
    cells_a, cells_b = body_a.split(b","), body_b.split(b",")
    pair = pair_of(first, second)
    if first.ids == second.ids:  # the same lines: only those whose cells differ, or that hide an amount, matter
        width = 2 * len(first.ids)
        differ = {k // 2 for k, (x, y) in enumerate(zip(cells_a[:width], cells_b[:width], strict=True)) if x != y}
        if b"expired" in body_a or b"expired" in body_b:  # a hidden amount under an equal status: see below
            differ |= set(_bits(hidden_a | hidden_b))
        lines = sorted(differ)
        ids = [first.ids[i] for i in lines]
    else:
        ids = pair.ids
    changes = []
    for line in ids:
        i, j = pair.index_a.get(line), pair.index_b.get(line)
        status_a = cells_a[2 * i].decode() if i is not None else "absent"
        status_b = cells_b[2 * j].decode() if j is not None else "absent"
        max_a = cells_a[2 * i + 1] if i is not None else b""
        max_b = cells_b[2 * j + 1] if j is not None else b""
        if status_a == status_b == "ineligible":
            continue  # an ineligible line's amount is nobody's
        if _hides(hidden_a, i) or _hides(hidden_b, j):
            return None  # an amount to compare that the cells do not show
        if status_a == status_b and max_a == max_b:
            continue
        high_a = Decimal(max_a.decode()) if max_a else None
        high_b = Decimal(max_b.decode()) if max_b else None
        changes.append(Change(line, status_a, status_b, high_a, high_b, pair.reasons(line)))
    return changes


def _hides(hidden: int, index: int | None) -> bool:
    return index is not None and bool(hidden >> index & 1)


def _bits(mask: int) -> Iterator[int]:
    index = 0
    while mask:
        if mask & 1:
            yield index
        mask >>= 1
        index += 1
