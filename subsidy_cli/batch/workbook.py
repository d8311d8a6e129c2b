"""Workbooks of firms (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``), read with python-calamine into the
same rows of text cells that the CSV path scores, so that a sheet and its "Save As CSV" give the same results.

How cells are taken (calamine gives each cell's type and, for a formula, the value Excel saved with it):

- text as it is; a number as Excel shows it to 15 significant digits, written out in full (``5000000``,
  ``1234.5``; never ``5E+06``): in a money column it is yuan; ``TRUE``/``FALSE`` as ``true``/``false``;
  a date cell as ``YYYY-MM-DD`` (in the date column the time of day, if any, is dropped);
- a number in the credit-code column is read as Excel shows it, like any number: an 18-digit code stored as a
  number has lost its last digits (Excel keeps 15 significant digits), so it ends in zeros, and the scoring
  warns about it (``creditcode.read_code``) while the firm is still judged on its facts, as for a CSV;
- the header is the row, among the first 20, that names the most profile keys and holds the firm's name
  column (a title row above it is skipped); a header cell merged down from a row above takes that cell's
  text; a data cell merged down over several rows gives its value to each of them (a district merged over
  its firms); a column without a header is left out, and a row with a value in one is invalid unless
  ``--ignore-unknown-columns``;
- rows with no cell filled are skipped (the sheet's used area often runs past the list); every other row
  is one firm, numbered by the row number the spreadsheet shows. Hidden rows are read like the others
  (calamine does not say which rows are hidden): filter the results to leave them out;
- a formula cell gives the value saved with it; one saved without a value (written by a program that does
  not calculate) and an error value such as ``#N/A`` read as empty, i.e. unknown.

Also here: scoring firms into a results workbook (``score_to_workbook``; the writing itself is
``output.workbook``) and one firm of a sheet as a profile for ``check`` (``load_profile``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import math
import shutil
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, cast

from subsidy_cli.batch.blocks import Block, RowBlock, read_block
from subsidy_cli.batch.csvio import BadRow, Header, InputError, RawInput, header_key, map_header, same_file, visible_row
from subsidy_cli.batch.job import Job
from subsidy_cli.batch.run import score_stream
from subsidy_cli.batch.runner import BatchResult, FirmsInput, ProgressDisplay
from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError
from subsidy_cli.i18n import _
from subsidy_cli.output.summary import Stats
from subsidy_cli.profile.creditcode import shown_code
from subsidy_cli.profile.keys import Profile, ProfileError, build_profile, parse_value

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

    from subsidy_cli.rules.layers import Rules

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
HEADER_ROWS = 20  # the header row is looked for among the first rows of a sheet
BLOCK_ROWS = 4_096  # rows scored together
MAX_SHEET_ROWS = 1_048_576  # Excel's limit (header included)


def is_workbook(source: str) -> bool:
    """Whether ``source`` names a workbook by its suffix (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``)."""
    return source != "-" and Path(source).suffix.lower() in WORKBOOK_SUFFIXES


# -- cells -------------------------------------------------------------------------------------------------------


def number_text(value: float | int) -> str:
    """A number cell as Excel shows it (15 significant digits), written out in full: ``5000000``, ``1234.5``."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if not math.isfinite(value):
        return str(value)
    return format(Decimal(f"{value:.15g}"), "f")


def cell_text(value: object, date_key: bool = False) -> str:
    """One cell as the text a CSV export would hold (see the module's notes); ``date_key``: drop a time of day."""
    kind = type(value)
    if kind is str:
        return cast(str, value)
    if kind is float or kind is int:
        return number_text(cast(float, value))
    if kind is bool:
        return "true" if value else "false"
    if kind is dt.datetime:
        moment = cast(dt.datetime, value)
        if date_key or moment.time() == dt.time():
            return moment.date().isoformat()
        return moment.isoformat(sep=" ")
    if kind is dt.date:
        return cast(dt.date, value).isoformat()
    if value is None:
        return ""
    return str(value)  # a time of day or a duration


def column_letter(index: int) -> str:
    """The spreadsheet's name of a column (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- sheets ------------------------------------------------------------------------------------------------------


@dataclass
class SheetRows:
    """A sheet of firms opened for reading: its header mapped to profile keys, its rows not yet read.

    ``rows`` gives (row number as the spreadsheet shows it, cells as text, problems); the problems are those of
    cells that cannot be taken as typed (a value without a column header).
    Close it (or use ``with``) when done."""

    file: str
    sheet: str
    header_line: int
    header: Header
    rows: Iterator[tuple[int, list[str], list[str]]]
    book: CalamineWorkbook

    def close(self) -> None:
        """Close the workbook."""
        with contextlib.suppress(Exception):
            self.book.close()

    def __enter__(self) -> SheetRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_book(source: str) -> CalamineWorkbook:
    from python_calamine import CalamineError, CalamineWorkbook

    path = Path(source)
    if path.is_dir():
        raise InputError(Problem(_("is a folder"), file=source, hint=_("give a workbook file")))
    if not path.exists():
        raise InputError(Problem(_("does not exist"), file=source, hint=_("check the path")))
    try:
        return CalamineWorkbook.from_path(source)
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(
            Problem(
                _("cannot be read as a workbook: {error}", error=exc),
                file=source,
                hint=_(
                    "open it in Excel or WPS and save it again as .xlsx (a password-protected file must be saved "
                    "without its password)"
                ),
            )
        ) from None


def open_sheet(source: str, sheet: str | None = None, ignore_unknown: bool = False) -> SheetRows:
    """Open a workbook of firms and the sheet to read: ``sheet`` by name or by number (1 = the first), else the
    first visible sheet with a header row naming the firm (``name`` / 企业名称).

    Raises ``InputError`` (exit 2) for a missing or unreadable workbook, an unknown sheet, a sheet without a
    header row, and a header with unknown (unless ``ignore_unknown``) or repeated columns."""
    from python_calamine import SheetVisibleEnum

    book = _open_book(source)
    try:
        names = list(book.sheet_names)
        if sheet is not None:
            chosen = [_sheet_named(names, sheet, source)]
        else:
            chosen = [m.name for m in book.sheets_metadata if m.visible == SheetVisibleEnum.Visible] or names
        for name in chosen:
            found = _read_sheet(book, name, source, ignore_unknown)
            if found is not None:
                return found
        listed = ", ".join(repr(n) for n in chosen)
        raise InputError(
            Problem(
                _(
                    "no header row naming the firm (name / 企业名称) in the first {count} rows of sheet(s) {listed}",
                    count=HEADER_ROWS,
                    listed=listed,
                ),
                file=source,
                hint=_("give the column of firm names the header 企业名称 (or name), or choose the sheet with --sheet"),
            )
        )
    except BaseException:
        book.close()
        raise


def _sheet_named(names: list[str], wanted: str, source: str) -> str:
    if wanted in names:
        return wanted
    text = wanted.strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    listed = ", ".join(f"{i} {n!r}" for i, n in enumerate(names, 1))
    raise InputError(
        Problem(
            _("no sheet {sheet}", sheet=repr(wanted)),
            file=source,
            where="--sheet",
            hint=_("the sheets are: {listed}", listed=listed),
        )
    )


def _read_sheet(book: CalamineWorkbook, name: str, source: str, ignore_unknown: bool) -> SheetRows | None:
    """The sheet's rows after its header row, or None when no row among the first ones names the firm."""
    sheet = book.get_sheet_by_name(name)
    start = sheet.start
    if start is None:
        return None
    top, left = start
    merged = [((r0 - top, c0 - left), (r1 - top, c1 - left)) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
    down = sorted((r0, c0, r1) for (r0, c0), (r1, _) in merged if r1 > r0 and c0 >= 0)  # merged over rows
    raw = sheet.iter_rows()
    first = list(itertools.islice(raw, HEADER_ROWS))
    best: tuple[int, int] | None = None  # (keys named, row index)
    across = {  # cells of the first rows inside an area merged across columns (a group's or a title's label)
        (r, c)
        for (r0, c0), (r1, c1) in merged
        if c1 > c0
        for r in range(r0, min(r1, HEADER_ROWS) + 1)
        for c in range(c0, c1 + 1)
    }
    for index, row in enumerate(first):
        cells = [cell_text(value) for value in row]
        for r0, c0, r1 in down:  # a header cell merged down from a row above takes its text
            if r0 < index <= r1 and c0 < len(cells) and not cells[c0].strip():
                cells[c0] = cell_text(first[r0][c0]) if c0 < len(first[r0]) else ""
        for column, cell in enumerate(cells):  # a two-row header: a column labelled on the upper row only
            if index and not cell.strip() and (index - 1, column) not in across and column < len(first[index - 1]):
                above = cell_text(first[index - 1][column])
                if header_key(above) is not None:
                    cells[column] = above
        named = {key for key in map(header_key, cells) if key is not None}
        if "name" in named and (best is None or len(named) > best[0]):
            best = (len(named), index)
            header_cells = cells
    if best is None:
        return None
    header_index = best[1]
    kept = [i for i, cell in enumerate(header_cells) if cell.strip()]
    header = map_header([header_cells[i] for i in kept], source, ignore_unknown)
    unnamed = [i for i in range(len(header_cells)) if i not in set(kept)]
    tops = {(r0, c0): first[r0][c0] for r0, c0, _ in down if r0 < len(first) and c0 < len(first[r0])}
    reader = _SheetReader(header, kept, unnamed, ignore_unknown, top, left, down, tops)
    rest = itertools.chain(first[header_index + 1 :], raw)
    rows = reader.rows(rest, header_index + 1)
    return SheetRows(source, name, top + header_index + 1, header, rows, book)


class _SheetReader:
    """Turns a sheet's rows (calamine's typed cells) into text cells for the header's columns."""

    def __init__(
        self,
        header: Header,
        kept: list[int],
        unnamed: list[int],
        ignore_unknown: bool,
        top: int,
        left: int,
        down: list[tuple[int, int, int]],
        tops: dict[tuple[int, int], Any],
    ) -> None:
        self.header, self.kept, self.top, self.left, self.down = header, kept, top, left, down
        self._top_values = tops  # (row, column) -> the value of a cell merged down, as its rows are reached
        self.unnamed = [] if ignore_unknown else unnamed
        keys = header.keys
        self.date_at = {i for i, key in enumerate(keys) if key == "application_date"}
        self.plain = kept == list(range(len(kept))) and not self.date_at

    def rows(self, raw: Iterable[list[Any]], index: int) -> Iterator[tuple[int, list[str], list[str]]]:
        """(row number, cells, problems) of every row with some cell filled."""
        kept, down = self.kept, self.down
        width = len(kept)
        for values in raw:
            if down:
                values = self._fill(values, index)
            index += 1
            if all(value == "" for value in values):
                continue
            line = self.top + index
            if index + self.top > MAX_SHEET_ROWS:  # pragma: no cover - calamine stops at the format's limit
                break
            problems: list[str] = []
            if self.plain:
                cells = [value if type(value) is str else cell_text(value) for value in values[:width]]
            else:
                cells = [cell_text(values[i], n in self.date_at) if i < len(values) else "" for n, i in enumerate(kept)]
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            for i in self.unnamed:
                if i < len(values) and values[i] != "":
                    problems.append(
                        _(
                            "column {column} has no header but holds {value}; give the column a header, or pass "
                            "--ignore-unknown-columns",
                            column=column_letter(self.left + i),
                            value=repr(cell_text(values[i])),
                        )
                    )
            yield line, cells, problems

    def _fill(self, values: list[Any], index: int) -> list[Any]:
        """A data cell merged down over rows gives its value to each (the first column of the merged area)."""
        filled = None
        for r0, c0, r1 in self.down:
            if r0 < index <= r1 and c0 < len(values) and values[c0] == "":
                source = self._top_values.get((r0, c0), "")
                if filled is None:
                    filled = list(values)
                filled[c0] = source
            elif r0 == index and c0 < len(values):
                self._top_values[(r0, c0)] = values[c0]
        return values if filled is None else filled


# -- batch input -------------------------------------------------------------------------------------------------


@dataclass
class WorkbookFirms(FirmsInput):
    """A sheet of firms opened for scoring (a ``FirmsInput`` whose blocks hold rows already split): which sheet,
    and the row its header is on."""

    sheet: str = ""
    header_line: int = 1


class _Closer(io.RawIOBase):
    """Stands for the input stream of a ``FirmsInput``: closing it closes the workbook."""

    def __init__(self, sheet: SheetRows) -> None:
        super().__init__()
        self.sheet = sheet

    def close(self) -> None:
        self.sheet.close()
        super().close()


def _row_blocks(rows: Iterator[tuple[int, list[str], list[str]]], size: int = BLOCK_ROWS) -> Iterator[Block]:
    """Rows as blocks of rows already split; a row with problems comes as a BadRow that keeps its cells."""
    while chunk := list(itertools.islice(rows, size)):
        cells: list[list[str]] = []
        for _line, row, problems in chunk:
            if problems:
                bad = BadRow("; ".join(problems))
                bad.extend(row)
                row = bad
            cells.append(row)
        yield RowBlock(b"", chunk[0][0], lines=tuple(line for line, _, _ in chunk), rows=tuple(cells))


def open_firms(
    source: str,
    sheet: str | None = None,
    ignore_unknown_columns: bool = False,
    output: str | None = None,
) -> WorkbookFirms:
    """A workbook of firms opened for ``runner.score_firms`` (or ``score_to_workbook``), as ``runner.open_firms``
    opens a CSV. Raises ``InputError`` (exit 2), see ``open_sheet``, and for an output that is the input."""
    if output is not None and same_file(output, source):
        raise InputError(Problem(_("is the input file"), file=output, hint=_("write the results to another file")))
    opened = open_sheet(source, sheet, ignore_unknown_columns)
    raw = RawInput(source, cast(BinaryIO, _Closer(opened)), "utf-8", False)
    blocks = _row_blocks(opened.rows)
    return WorkbookFirms(source, "utf-8", False, opened.header, None, raw, blocks, 0, sheet=opened.sheet,
                         header_line=opened.header_line)  # fmt: skip


def check_sheet_options(source: str, sheet: str | None, row: int | None = None) -> None:
    """Raise ``InputError`` (exit 2) for ``--sheet`` or ``--row`` given with an input that is not a workbook."""
    for option, value in (("--sheet", sheet), ("--row", row)):
        if value is not None:
            raise InputError(
                Problem(
                    _("{option} is for workbooks (.xlsx .xls .ods)", option=option),
                    file=source,
                    hint=_("leave out {option}", option=option),
                )
            )


# -- one firm, for check -----------------------------------------------------------------------------------------


def load_profile(
    source: str,
    sheet: str | None = None,
    row: int | None = None,
    overrides: dict[str, Any] | None = None,
    given: dict[str, Any] | None = None,
) -> Profile:
    """One firm of a workbook as a profile, with ``--set`` values laid over it: the sheet's only firm, or the one
    on row ``row`` (the row number the spreadsheet shows). ``given``, when passed, gets the cells as written (see
    ``profile.files.load_profile``).

    Raises ``SubsidyError`` (exit 2) for an unreadable workbook or sheet, a row that holds no firm, or a sheet of
    several firms without ``row``; ``ProfileError`` (exit 1) for a firm whose cells are not a valid profile."""
    fixed = overrides or {}
    with open_sheet(source, sheet) as opened:
        wanted = None
        lines = []
        for line, cells, problems in opened.rows:
            lines.append(line)
            if row is None or line == row:
                wanted = (line, cells, problems)
                if row is not None:
                    break
        if wanted is None or (row is None and len(lines) > 1):
            sheet_name = repr(opened.sheet)
            if row is not None:
                what = _("sheet {sheet} row {row} holds no firm", sheet=sheet_name, row=row)
            else:
                what = _("sheet {sheet} holds {count} firms", sheet=sheet_name, count=len(lines))
            if lines:
                hint = _("choose one with --row N (rows {first}-{last} hold firms)", first=lines[0], last=lines[-1])
            else:
                hint = _("fill in a firm below the header")
            raise SubsidyError(Problem(what, file=source, hint=hint), EXIT_USAGE)
        line, cells, problems = wanted
        where = _("{source} row {line}", source=source, line=line)
        if problems:
            raise ProfileError(where, [Problem(problem, file=where) for problem in problems])
        data: dict[str, Any] = {
            key: cell for key, cell in zip(opened.header.keys, cells, strict=True) if key is not None and cell.strip()
        }
    for key, value in fixed.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if given is not None:
        given.update(data)
    return build_profile(data, where)


# -- scoring into a workbook -------------------------------------------------------------------------------------


def output_format(given: str | None, output: str | None, long: bool = False) -> Literal["csv", "jsonl", "xlsx"]:
    """The format of ``batch``'s output: ``--format`` when given, else ``xlsx`` for an output named ``.xlsx``, else
    ``csv``. Raises ``InputError`` (exit 2) for a text format into a ``.xlsx`` name, and ``--long`` with xlsx."""
    workbook_name = output is not None and Path(output).suffix.lower() == ".xlsx"
    chosen = given or ("xlsx" if workbook_name else "csv")
    if chosen != "xlsx" and workbook_name:
        raise InputError(
            Problem(
                _("names a workbook but --format is {chosen}", chosen=chosen),
                file=output,
                hint=_("leave out --format, or name it .csv"),
            )
        )
    if chosen == "xlsx" and long:
        raise InputError(Problem(_("--long is for CSV output"), where="--format xlsx", hint=_("leave out --long")))
    if chosen == "csv":
        return "csv"
    return "jsonl" if chosen == "jsonl" else "xlsx"


def score_to_workbook(
    firms: FirmsInput,
    rules: Rules,
    output: str | None,
    *,
    jobs: int = 1,
    as_of: dt.date | None = None,
    overrides: dict[str, Any] | None = None,
    lang: str = "en",
    progress: ProgressDisplay | None = None,
) -> BatchResult:
    """Score every row of ``firms`` (a CSV or a sheet) into a results workbook at ``output`` (None or ``-``:
    stdout, which must not be a terminal): the results sheet (one row per firm, in order, with the input columns),
    the summary and the legend (see ``output.workbook``). The workbook is written under a temporary name and
    renamed at the end, in constant memory whatever the number of firms.

    Raises ``InputError`` (exit 2) for an output that cannot be written (or is a terminal), and for more firms
    than a sheet holds (1,048,575)."""
    from subsidy_cli.output.files import atomic_path
    from subsidy_cli.output.workbook import ResultsWorkbook, RunFacts

    if output in (None, "-") and sys.stdout.isatty():
        raise InputError(
            Problem(
                _("a workbook is binary and cannot be shown on a terminal"),
                where="--format xlsx",
                hint=_("give -o FILE.xlsx"),
            )
        )
    catalog = rules.first()
    fixed = overrides or {}
    job = Job(rules, firms.header, fixed, as_of, dt.date.today(), "csv", False, lang, firms.encoding, firms.name)
    job.more = True  # the workbook shows what the CSV writes after its audit columns too
    sheet = firms.sheet if isinstance(firms, WorkbookFirms) else None
    facts = RunFacts(
        source=firms.name,
        sheet=sheet,
        rules_sha256=rules.sha256,
        sources=list(rules.sources),
        as_of=as_of,
        today=job.today,
    )
    district = _district_of(firms.header, fixed)
    keys = firms.header.keys
    name_at = keys.index("name") if "name" in keys else None
    code_at = keys.index("credit_code") if "credit_code" in keys and "credit_code" not in fixed else None
    pending: deque[Block] = deque()

    def feed() -> Iterator[Block]:
        for block in firms._rows:
            pending.append(block)
            yield block

    stats = Stats()
    shown = progress(firms.size) if progress else contextlib.nullcontext(_no_progress)
    target = None if output in (None, "-") else output
    with atomic_path(target, ".xlsx") as path, shown as report:
        book = ResultsWorkbook(path, catalog, list(firms.header.cells), lang, facts)
        try:  # the workbook's own temporary files go whatever happens
            out = io.BytesIO()
            for chunk_stats in score_stream(job, feed(), jobs, cast(BinaryIO, out)):
                block = pending.popleft()
                read = read_block(block, firms.encoding)
                text = out.getvalue().decode("utf-8")
                out.seek(0)
                out.truncate()
                results = csv.reader(io.StringIO(text, newline=""))  # read as written: one list at a time
                for row, result in zip(read.rows, results, strict=True):  # one output row per input row, always
                    shown_row = visible_row(row) if read.bad_bytes else row
                    if code_at is not None and code_at < len(shown_row):  # a resident identity number, masked
                        shown_row = [*shown_row[:code_at], shown_code(shown_row[code_at]), *shown_row[code_at + 1 :]]
                    for cell, index in ((1, name_at), (2, code_at)):  # as given: a workbook cell is never a formula
                        if index is not None:
                            result[cell] = shown_row[index].strip() if index < len(shown_row) else ""
                    if not book.add(shown_row, result, district(row)):
                        raise InputError(
                            Problem(
                                _("has more firms than a sheet holds ({count:,})", count=MAX_SHEET_ROWS - 1),
                                file=firms.name,
                                hint=_("write CSV instead (-o results.csv)"),
                            )
                        )
                stats.merge(chunk_stats)
                report(stats.rows, firms._header_bytes + stats.input_bytes)
            book.close()
        finally:
            book.discard()
        if target is None:
            _copy_to_stdout(path)
    return BatchResult(stats, catalog, time.perf_counter() - firms._opened)


def _district_of(header: Header, fixed: dict[str, Any]) -> Any:
    """A function giving a row's district slug ('' where unknown, ``None`` where the cell cannot be read)."""
    if "district" in fixed:
        value = fixed["district"] or ""
        return lambda row: value
    if "district" not in header.keys:
        return lambda row: ""
    index = header.keys.index("district")
    memo: dict[str, str | None] = {}

    def district(row: Sequence[str]) -> str | None:
        text = row[index].strip() if index < len(row) else ""
        found = memo.get(text, "?")
        if found == "?":
            try:
                found = parse_value("district", text) if text else ""
            except ValueError:
                found = None
            if len(memo) < 10_000:
                memo[text] = found
        return found

    return district


def _copy_to_stdout(path: str) -> None:
    sys.stdout.flush()
    with open(path, "rb") as handle:
        shutil.copyfileobj(handle, sys.stdout.buffer)
    sys.stdout.buffer.flush()


def _no_progress(rows: int, done: int) -> None:
    """Progress shown nowhere."""
