"""CSV files as county staff have them: encodings from Excel/WPS, Chinese headers, formula-safe output,
and output files that are either complete or absent.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import csv
import io
import itertools
import operator
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError
from subsidy_cli.output.files import same_mode
from subsidy_cli.profile.keys import KEYS, closest, near
from subsidy_cli.profile.values import normalise_text

SNIFF_BYTES = 1 << 20
_BOM = codecs.BOM_UTF8
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class InputError(SubsidyError):
    """The input cannot be read as a CSV of firms (or the output cannot be written): a usage error (exit 2).

    Its ``Problem`` records name the file (``file``), the line where one is known, the column or option
    (``where``, e.g. ``--encoding``) and what to do (``hint``). Plain text is accepted too.
    """

    def __init__(self, problems: Problem | str | Iterable[Problem | str], exit_code: int = EXIT_USAGE) -> None:
        super().__init__(problems, exit_code)


class _DecodeErrors:
    """Counts bytes the chosen encoding could not decode (they become lone surrogates in the text)."""

    count = 0

    @classmethod
    def handler(cls, exc: UnicodeError) -> tuple[str | bytes, int]:
        cls.count += 1
        return codecs.lookup_error("surrogateescape")(exc)


codecs.register_error("subsidy-count", _DecodeErrors.handler)


def decode_errors() -> int:
    """How many undecodable bytes every input read so far has had (only ever grows)."""
    return _DecodeErrors.count


UNDECODABLE = "\ufffd"


_UNDECODED = re.compile("[\udc80-\udcff]")


def has_undecodable(text: str) -> bool:
    """Whether ``text`` holds bytes its encoding could not read (kept as lone surrogates)."""
    return _UNDECODED.search(text) is not None


def visible(text: str) -> str:
    """Each undecodable byte as U+FFFD and its hex value, e.g. '\ufffd[b1]', so nothing is lost."""
    out = []
    for char in text:
        if "\udc80" <= char <= "\udcff":
            out.append(f"{UNDECODABLE}[{ord(char) - 0xDC00:02x}]")
        else:
            out.append(char)
    return "".join(out)


class _Replay(io.RawIOBase):
    """A byte stream that first gives back the prefix already read for sniffing."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed and self._rest is not sys.stdin.buffer:
            self._rest.close()
        super().close()

    # BufferedReader only ever passes a bytearray or memoryview (typeshed: any Buffer, which has no slice assignment)
    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def detect_encoding(prefix: bytes, complete: bool, name: str) -> str:
    """BOM -> UTF-8; strict UTF-8; strict GB18030; else an error suggesting --encoding."""
    if prefix.startswith(b"PK\x03\x04"):
        raise InputError(
            Problem(
                "is an Excel workbook (.xlsx), not CSV",
                file=name,
                hint="pass it by a name ending in .xlsx (workbooks are read from files, not stdin), "
                "or in Excel or WPS use Save As > 'CSV UTF-8'",
            )
        )
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            Problem("is UTF-16 text ('Unicode text' in Excel)", file=name, hint="save it as 'CSV UTF-8' instead")
        )
    if b"\x00" in prefix[:8192]:
        raise InputError(Problem("is a binary file, not CSV text", file=name, hint="export the sheet as CSV"))
    if prefix.startswith(_BOM):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(prefix, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(prefix, final=complete)
        _one_encoding(prefix, name)
        return "gb18030"
    except UnicodeDecodeError:
        _one_encoding(prefix, name)  # rows of UTF-8 among GBK ones are not valid GB18030 either
        raise InputError(
            Problem(
                "is neither UTF-8 nor GB18030 text",
                file=name,
                hint="if you know its encoding, pass it, e.g. --encoding big5",
            )
        ) from None


DELIMITERS = {",": "commas", "\t": "tabs", ";": "semicolons", "；": "full-width semicolons", "，": "full-width commas"}
_NOTED_LINES = 20  # line numbers of skipped rows kept for messages (the count is always whole)


@dataclass
class InputNotes:
    """What reading a CSV found that its reader should be told: the delimiter read (``DELIMITERS``), rows
    holding no value that were skipped (their count, and the first lines), and columns with no heading.

    Filled in as the input is read, so complete once every row has been read."""

    delimiter: str = ","
    blank_rows: int = 0
    blank_lines: list[int] = field(default_factory=list)
    unnamed_columns: list[int] = field(default_factory=list)  # 1-based positions of empty header cells

    def skipped(self, lines: Iterable[int]) -> None:
        """Count rows skipped as blank, starting on these lines."""
        for line in lines:
            self.blank_rows += 1
            if len(self.blank_lines) < _NOTED_LINES:
                self.blank_lines.append(line)

    def lines(self) -> list[str]:
        """What the header told, in words, one line each (empty when there is nothing to tell); the blank rows
        are for the summary at the end."""
        found = []
        if self.delimiter != ",":
            found.append(f"the columns are separated by {DELIMITERS[self.delimiter]}; read as such")
        if self.unnamed_columns:
            where = ", ".join(map(str, self.unnamed_columns))
            found.append(f"ignoring {len(self.unnamed_columns)} column(s) with no heading (column {where})")
        return found


# The notes of inputs opened and not yet given a header, by name (``map_header`` hands them to the Header)
_OPENED: dict[str, InputNotes] = {}


class _Source(io.BufferedReader):
    """The buffered byte stream of an input, carrying the notes its reading fills in."""

    notes: InputNotes


def notes_of(stream: object) -> InputNotes | None:
    """The notes an input's byte stream carries (None for a stream ``open_raw`` did not make)."""
    return getattr(stream, "notes", None)


def detect_delimiter(text: str) -> str:
    """The delimiter of a CSV whose text starts with ``text``: the one of ``DELIMITERS`` that splits the first
    row into the most known headings (a comma unless another does better)."""
    best, score = ",", -1
    for delimiter in DELIMITERS:
        try:
            row = next(csv.reader(io.StringIO(text[:65536], newline=""), delimiter=delimiter, strict=False), [])
        except csv.Error:
            continue
        known = sum(1 for cell in row if header_key(cell) is not None)
        if known > score:
            best, score = delimiter, known
    return best


class _Resplit(io.RawIOBase):
    """Rows split at another delimiter (tab, semicolon, full-width comma), given back as comma-separated CSV
    in the same encoding: every row on as many lines as it was, so line numbers hold."""

    def __init__(self, source: BinaryIO, encoding: str, delimiter: str, name: str) -> None:
        self._source = source
        self._text = io.TextIOWrapper(source, encoding=encoding, errors="surrogateescape", newline="")
        self._rows = rows_with_lines(self._text, delimiter)  # a stray quote swallows no row here either
        self._encoder = codecs.getincrementalencoder(encoding)(errors="surrogateescape")
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")
        self._pending = memoryview(b"")
        self._name = name
        self._done = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._text.close()
        super().close()

    def _fill(self) -> None:
        for _ in range(256):
            found = next(self._rows, None)
            if found is None:
                self._done = True
                break
            line, row = found
            if isinstance(row, BadRow):  # its lines cannot be written again as they were read
                raise InputError(Problem(row.error, file=self._name, line=line))
            self._writer.writerow(row)
        data = self._encoder.encode(self._out.getvalue(), final=self._done)
        self._out.seek(0)
        self._out.truncate()
        self._pending = memoryview(data)

    # BufferedReader only ever passes a bytearray or memoryview (typeshed: any Buffer, which has no slice assignment)
    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._done:
            self._fill()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


_UTF8_CHINESE = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}")


def _one_encoding(prefix: bytes, name: str) -> None:
    """Raise InputError when text that is not UTF-8 (so to be read as GB18030) also holds whole lines of UTF-8
    Chinese, which GB18030 would turn into other characters without a word: rows appended from another
    program. The lines of each kind are named."""
    utf8: list[int] = []
    other: list[int] = []
    lines = prefix.split(b"\n")
    if len(prefix) >= SNIFF_BYTES:
        lines = lines[:-1]  # the last line may be cut
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            if _UTF8_CHINESE.search(line):
                utf8.append(number)
    if utf8 and other:
        raise InputError(
            Problem(
                f"mixes encodings: line {_some(utf8)} in UTF-8, line {_some(other)} in GB18030/GBK; read as one "
                "encoding, one kind would become other characters",
                file=name,
                hint="open it in Excel or WPS and save it again as 'CSV UTF-8', or fix the rows pasted in from "
                "another file",
            )
        )


def _some(numbers: list[int]) -> str:
    """Line numbers for a message: the first few, and how many more."""
    shown = ", ".join(map(str, numbers[:5]))
    return shown + (f" (and {len(numbers) - 5} more)" if len(numbers) > 5 else "")


@dataclass
class CsvInput:
    """An open CSV input: its text stream and the encoding used."""

    name: str
    stream: TextIO
    encoding: str
    detected: bool

    def close(self) -> None:
        self.stream.close()


@dataclass
class RawInput:
    """An open CSV input as bytes (from the start again, after sniffing), and the encoding to read it with."""

    name: str
    raw: BinaryIO
    encoding: str
    detected: bool

    def close(self) -> None:
        self.raw.close()


def open_raw(source: str, encoding: str | None = None) -> RawInput:
    """A CSV of firms (``-``: stdin) opened as bytes, with the encoding given or detected from its first MB.

    Raises ``InputError`` for a folder, a missing, unreadable or empty file, a workbook, binary data, an
    encoding that cannot be detected, or an ``--encoding`` that is unknown or not one for CSV text.
    """
    name = "<stdin>" if source == "-" else source
    if source == "-":
        raw: BinaryIO = sys.stdin.buffer
    else:
        path = Path(source)
        if path.is_dir():
            raise InputError(Problem("is a folder", file=source, hint="give a CSV file"))
        try:
            raw = path.open("rb")
        except FileNotFoundError:
            raise InputError(Problem("does not exist", file=source, hint="check the path")) from None
        except OSError as exc:
            raise InputError(Problem(f"cannot be read: {exc.strerror or exc}", file=source)) from None
    prefix = raw.read(SNIFF_BYTES)
    if not prefix:
        raise InputError(
            Problem(
                "is empty",
                file=name,
                hint="a CSV of firms starts with a header row ('subsidy template --csv' writes one)",
            )
        )
    if encoding:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise InputError(_encoding_problem(f"unknown encoding {encoding!r}")) from None
        if (
            not getattr(info, "_is_text_encoding", True)
            or info.name.startswith("utf-16")
            or info.name.startswith("utf-32")
        ):
            raise InputError(_encoding_problem(f"{encoding!r} is not an encoding for CSV text"))
        chosen = info.name
        detected = False
    else:
        chosen = detect_encoding(prefix, complete=len(prefix) < SNIFF_BYTES, name=name)
        detected = True
    notes = InputNotes()
    with contextlib.suppress(LookupError, UnicodeError):
        notes.delimiter = detect_delimiter(prefix.decode(chosen, errors="replace").lstrip("\ufeff"))
    stream: io.RawIOBase = _Replay(prefix, raw)
    if notes.delimiter != ",":
        stream = _Resplit(io.BufferedReader(stream, buffer_size=1 << 16), chosen, notes.delimiter, name)
    buffered = _Source(stream, buffer_size=1 << 16)
    buffered.notes = notes
    _OPENED[name] = notes
    return RawInput(name, buffered, chosen, detected)


def _encoding_problem(message: str) -> Problem:
    return Problem(message, where="--encoding", hint="try utf-8, gb18030 or big5")


def open_input(source: str, encoding: str | None = None) -> CsvInput:
    """A CSV of firms opened as text (``open_raw``, then decoded; undecodable bytes are kept and counted)."""
    opened = open_raw(source, encoding)
    stream = io.TextIOWrapper(opened.raw, encoding=opened.encoding, errors="subsidy-count", newline="")
    return CsvInput(opened.name, stream, opened.encoding, opened.detected)


class BadRow(list[str]):
    """A row the CSV reader could not split into cells; ``error`` says why."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


def rows_with_lines(stream: Iterable[str], delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """The rows of CSV text (lines with their line breaks, as a text file opened with ``newline=""`` gives
    them) with the line each starts on, as the csv module reads them, except that a row which looks like a
    quote that never closed swallowing the rows after it (``_swallows_rows``) is read again line by line. A
    row the csv module cannot split comes as a BadRow, and reading goes on with the next line."""
    taken: list[str] = []

    def take() -> Iterator[str]:
        for physical in stream:
            taken.append(physical)
            yield physical

    reader = csv.reader(take(), delimiter=delimiter, strict=False)
    previous = 0
    while True:
        try:
            row: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = BadRow(f"cannot be read as CSV: {exc}")
        span = reader.line_num - previous
        # a quote that ran to the end of the text (no line break after it), e.g. on a last line without one
        unclosed = not LINE_END.search(taken[span - 1]) and sum(line.count('"') for line in taken[:span]) % 2 == 1
        whole = not isinstance(row, BadRow)
        if (whole and unclosed) or ((span > 1 or whole) and _swallows_rows(row, delimiter)):
            joined = [LINE_END.sub("", physical) for physical in taken[:span]]
            for offset, cells in enumerate(_line_by_line(joined, delimiter)):
                yield previous + 1 + offset, cells
        else:
            yield previous + 1, row
        del taken[:span]
        previous = reader.line_num


LINE_END = re.compile("(?:\r\n|\r|\n)\\Z")  # the line break that ends a line
_BREAK_TEXT = re.compile("\r\n|\r|\n")


def _swallows_rows(row: list[str], delimiter: str = ",") -> bool:
    """Whether a row that spans lines looks like a quote that never closed swallowing the rows after it: a
    row the csv module gave up on, or a cell whose first line, or two of whose lines, hold two commas or more
    (a firm's cells; a real multi-line cell, such as an address, seldom does)."""
    if isinstance(row, BadRow):
        return True
    for cell in row:
        if "\n" in cell or "\r" in cell:
            parts = _BREAK_TEXT.split(cell)
            if parts[0].count(delimiter) >= 2 or sum(part.count(delimiter) >= 2 for part in parts) >= 2:
                return True
    return False


def _line_by_line(physical: list[str], delimiter: str = ",") -> list[list[str]]:
    """Lines that a stray quote joined, read again one row a line: on a line with an odd number of quotes the
    first quote is text (the cell keeps it, and the cell's parser then names it)."""
    rows: list[list[str]] = []
    for line in physical:
        if line.count('"') % 2:
            opened = line.index('"')
            line = line[:opened] + _STRAY + line[opened + 1 :]
            try:
                cells = next(csv.reader([line], delimiter=delimiter, strict=False), [])
            except csv.Error as exc:
                rows.append(BadRow(f"cannot be read as CSV: {exc}"))
                continue
            rows.append([cell.replace(_STRAY, '"') for cell in cells])
        else:
            try:
                rows.append(next(csv.reader([line], delimiter=delimiter, strict=False), []))
            except csv.Error as exc:
                rows.append(BadRow(f"cannot be read as CSV: {exc}"))
    return rows


_STRAY = "\ue000"  # stands for a stray quote while a line is read again


def is_blank_row(row: list[str]) -> bool:
    """Whether a row holds no value at all (only delimiters, spaces or nothing): skipped, not a firm."""
    return not isinstance(row, BadRow) and not any(cell.strip() for cell in row)


def read_rows(stream: TextIO, notes: InputNotes | None = None) -> Iterator[tuple[int, list[str]]]:
    """Rows with the physical line each starts on (a quoted cell may span lines). A row the reader cannot
    split comes as a BadRow, and reading goes on with the next line; a quote that never closes does not
    swallow the rows after it (see ``rows_with_lines``). Rows holding no value after the first (the
    header) are skipped, and counted into ``notes`` when given."""
    for line, row in rows_with_lines(stream):
        if line > 1 and is_blank_row(row):
            if notes is not None:
                notes.skipped([line])
        else:
            yield line, row


def header_key(cell: str) -> str | None:
    """The profile key a header names: the key itself, or its Chinese or English label (spaces and line
    breaks inside the cell do not count)."""
    text = normalise_text(cell).lstrip("\ufeff").strip()
    found = _HEADER_NAMES.get(text) or _HEADER_NAMES.get(text.lower())
    if found is None and re.search(r"\s", text):
        squeezed = re.sub(r"\s+", " ", text)
        found = _HEADER_NAMES.get(squeezed.lower()) or _HEADER_NAMES.get(re.sub(r"\s+", "", text))
    return found


def _header_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for spec in KEYS.values():
        for form in (spec.name, spec.label_zh, spec.label_en):
            text = normalise_text(form)
            names[text] = spec.name
            names[text.lower()] = spec.name
            if text.endswith("(元)"):
                names[text.removesuffix("(元)")] = spec.name
    return names


_HEADER_NAMES = _header_names()


@dataclass(frozen=True)
class Header:
    """Which profile key each column holds (None for an ignored column)."""

    cells: tuple[str, ...]
    keys: tuple[str | None, ...]
    unknown: tuple[str, ...]
    notes: InputNotes = field(default_factory=InputNotes, compare=False)  # what reading the input found
    units: tuple[str, ...] = ()  # per column, the unit its heading names for plain numbers: "万", "亿" or ""

    @property
    def unnamed(self) -> tuple[int, ...]:
        """The 0-based positions of columns with no heading (ignored; a value under one is an error)."""
        return tuple(i for i, cell in enumerate(self.cells) if not cell.strip())


def map_header(cells: list[str], source: str, ignore_unknown: bool) -> Header:
    """Which profile key each header cell names (the key, or its Chinese or English label; spaces and line
    breaks inside a cell do not count). Empty header cells are columns with no heading, ignored.

    Raises ``InputError`` with one ``Problem`` each for two columns holding one key, unknown columns (unless
    ``ignore_unknown``; with a did-you-mean) and a missing name column.
    """
    notes = _OPENED.pop(source, None) or InputNotes()
    cells = [visible(cell) for cell in cells]
    keys: list[str | None] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    notes.unnamed_columns = [i + 1 for i, cell in enumerate(cells) if not cell.strip()]
    units: list[str] = []
    for cell in cells:
        units.append("")
        if not cell.strip():
            keys.append(None)
            continue
        key = header_key(cell)
        scaled = _UNIT_HEADING.search(normalise_text(cell))
        if key is None and scaled:  # 贷款额(万元): the money key's column, its plain numbers in 万 (or 亿)
            found = header_key(normalise_text(cell)[: scaled.start()] + "(元)")
            if found is not None and KEYS[found].type == "money":
                key, units[-1] = found, scaled.group(1)
        if key is None:
            unknown.append(cell)
        elif key in seen:
            problems.append(
                Problem(f"columns {seen[key]!r} and {cell!r} both hold {key!r}", file=source, hint="keep one of them")
            )
        else:
            seen[key] = cell
        keys.append(key if key not in seen or seen[key] == cell else None)
    if unknown and not ignore_unknown:
        listed = ", ".join(f"{cell!r}{_near_heading(cell)}" for cell in unknown)
        problems.append(
            Problem(f"unknown column(s): {listed}", file=source, hint="rename them, or pass --ignore-unknown-columns")
        )
    if "name" not in seen:
        problems.append(Problem("no name column (name / 企业名称)", file=source, hint="every firm needs its name"))
    if problems:
        raise InputError(problems)
    return Header(tuple(cells), tuple(keys), tuple(unknown), notes, tuple(units))


_UNIT_HEADING = re.compile(r"\((万|亿)元\)$")  # after NFKC, full-width brackets are ASCII
_ANY_UNIT = re.compile(r"\(([^()]*元)\)$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def _near_heading(cell: str) -> str:
    """A did-you-mean for an unknown heading, never one in another unit (万元 is not 元: a loan read 10,000
    times too small)."""
    text = normalise_text(cell)
    found = closest(text, sorted(_HEADER_NAMES))
    if found is None:
        return ""
    unit, suggested = _ANY_UNIT.search(text), _ANY_UNIT.search(found)
    if unit and (suggested is None or suggested.group(1) != unit.group(1)):
        return ""
    return near(text, [found])


def apply_units(rows: list[list[str]], header: Header) -> list[list[str]]:
    """Rows with each plain number of a column whose heading names 万元 or 亿元 written in that unit (``800`` under
    ``贷款额(万元)`` reads as ``800万``); a cell that writes its own unit is read as written. In place."""
    scaled = [(index, unit) for index, unit in enumerate(header.units) if unit]
    if scaled:
        for row in rows:
            for index, unit in scaled:
                if index < len(row) and _PLAIN_NUMBER.match(row[index].strip()):
                    row[index] = row[index].strip() + unit
    return rows


def neutralise(cell: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


_STARTS = "".join(map(re.escape, FORMULA_STARTS))
_NEEDS_QUOTES = re.compile(r'[",\r\n]')  # as csv.writer (QUOTE_MINIMAL) sees it
_UNSAFE = re.compile(f'^[{_STARTS}]|[",\r\n]')  # a cell that needs neutralising or quoting
_UNSAFE_ANY = re.compile(f'(?:^|\x00)[{_STARTS}]|[",\r\n]')  # the same, in cells joined by NUL


def safe_cell(text: str) -> str:
    """A cell as it goes into CSV output: neutralised against formulas, quoted as csv.writer would."""
    if _UNSAFE.search(text) is None:
        return text
    text = neutralise(text)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if _NEEDS_QUOTES.search(text) else text


def safe_cells(cells: list[str]) -> list[str]:
    """Cells as they go into CSV output (``safe_cell`` of each); one scan when none needs changing, and only the
    cells that do are changed (a column of amounts written ``1,234`` has many, a column of names few)."""
    joined = "\x00".join(cells)
    found = [match.end() - 1 for match in _UNSAFE_ANY.finditer(joined)]  # the character that needs care
    if not found:
        return cells
    starts = list(map(operator.add, itertools.accumulate(map(len, cells), initial=0), itertools.count()))
    changed = list(cells)
    for index in {bisect.bisect_right(starts, at) - 1 for at in found}:
        changed[index] = safe_cell(cells[index])
    return changed


def visible_row(row: list[str]) -> list[str]:
    """A row with each cell's undecodable bytes made visible (``visible``)."""
    if isinstance(row, BadRow) or not any(map(has_undecodable, row)):
        return row
    return [visible(cell) if has_undecodable(cell) else cell for cell in row]


def same_file(output: str, source: str) -> bool:
    """Whether the output path names the input file (never for stdin or stdout)."""
    if source == "-" or output == "-":
        return False
    out, src = Path(output), Path(source)
    try:
        return out.exists() and src.exists() and os.path.samefile(out, src)
    except OSError:
        return out.resolve() == src.resolve()


@contextlib.contextmanager
def atomic_output(target: str | None, bom: bool) -> Iterator[TextIO]:
    """A text stream that becomes ``target`` only when the block completes (stdout when None or '-')."""
    if target is None or target == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)
        try:
            if bom:
                stream.write("\ufeff")
            yield stream
            stream.flush()
        finally:
            stream.detach()
        return
    path = Path(target)
    if path.is_dir():
        raise InputError(Problem("is a folder", file=target, hint="give a file name for the output"))
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed or removed
            "w",
            encoding="utf-8",
            newline="",
            dir=path.parent,
            prefix=f".{path.name}.",
            suffix=".partial",
            delete=False,
        )
    except OSError as exc:
        raise InputError(Problem(f"cannot write there: {exc.strerror or exc}", file=target)) from None
    try:
        same_mode(handle.name, path)
        with handle:
            if bom:
                handle.write("\ufeff")
            # the text-mode wrapper passes on the attributes of the TextIOWrapper it holds (buffer)
            yield handle  # type: ignore[misc]
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
