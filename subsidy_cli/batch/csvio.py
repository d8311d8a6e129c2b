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
from subsidy_cli.i18n import N_, _
from subsidy_cli.output.files import same_mode
from subsidy_cli.output.formats import FORMULA_STARTS, neutralise
from subsidy_cli.profile import controls
from subsidy_cli.profile.keys import KEY_NAMES, KEYS, closest, key_for
from subsidy_cli.profile.values import normalise_text

SNIFF_BYTES = 1 << 20
_BOM = codecs.BOM_UTF8


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
    """The encoding of a CSV from its first bytes: a BOM means UTF-8; then strict UTF-8; else the one that reads
    most of its lines, UTF-8 or GB18030 (rows pasted from another program are each read in their own encoding
    later, see ``decode_lines``); else an error suggesting --encoding. Workbooks, UTF-16 and binary data are
    refused, each with what to do."""
    if prefix.startswith(b"PK\x03\x04"):
        raise InputError(
            Problem(
                _("is an Excel workbook (.xlsx), not CSV"),
                file=name,
                hint=_(
                    "pass it by a name ending in .xlsx (workbooks are read from files, not stdin), "
                    "or in Excel or WPS use Save As > 'CSV UTF-8'"
                ),
            )
        )
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            Problem(
                _("is UTF-16 text ('Unicode text' in Excel)"), file=name, hint=_("save it as 'CSV UTF-8' instead")
            )
        )
    if is_binary(prefix):
        raise InputError(Problem(_("is a binary file, not CSV text"), file=name, hint=_("export the sheet as CSV")))
    if prefix.startswith(_BOM):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(prefix, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    lines = prefix.splitlines()
    if not complete:
        lines = lines[:-1]  # the last line may be cut
    utf8 = gb18030 = neither = 0
    for line in lines:
        if line.isascii():
            continue
        if _strict(line, "utf-8") is not None:
            utf8 += 1
        elif _strict(line, "gb18030") is not None:
            gb18030 += 1
        else:
            neither += 1
    if neither > utf8 + gb18030 or not utf8 + gb18030:
        raise InputError(
            Problem(
                _("is neither UTF-8 nor GB18030 text"),
                file=name,
                hint=_("if you know its encoding, pass it, e.g. --encoding big5"),
            )
        )
    return "utf-8" if utf8 > gb18030 else "gb18030"


_BINARY_SHARE = 10  # a file whose first 8 KB are more than a tenth control bytes (NUL...) is binary, not text
_CONTROL_BYTES = bytes(range(32)).replace(b"\t", b"").replace(b"\n", b"").replace(b"\r", b"")


def is_binary(prefix: bytes) -> bool:
    """Whether a file starting with ``prefix`` is binary data rather than text: more than a tenth of its first 8 KB
    are control bytes other than tab and line breaks (a stray NUL or escape in a cell is text, and is taken out
    of the cell: see ``profile.controls``)."""
    head = prefix[:8192]
    return len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) // _BINARY_SHARE


def _strict(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly, or None."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


# Encodings of Chinese CSVs, each with the one rows pasted in from another program are in: a row that decodes
# strictly in the other and reads as Chinese text there is read in it (``decode_lines``).
_OTHER_ENCODING = {
    "utf-8": "gb18030",
    "utf-8-sig": "gb18030",
    "gb18030": "utf-8",
    "gbk": "utf-8",
    "gb2312": "utf-8",
}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030", "gbk": "GBK", "gb2312": "GB2312"}
# Text that reads as Chinese: ASCII, CJK ideographs and the punctuation, symbols and full-width forms Chinese text
# uses. Bytes of one encoding decoded in the other give characters outside these (Latin, Cyrillic, Hangul...).
_NOT_CHINESE_TEXT = re.compile(
    "[^\x00-\x7f\u00a5\u00b0\u00b1\u00b7\u00d7\u00f7\u2000-\u206f\u2100-\u218f\u2190-\u21ff"
    "\u2460-\u24ff\u2500-\u25ff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uffef\U00020000-\U0003ffff]"
)
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def reads_as_chinese(text: str) -> bool:
    """Whether ``text`` holds Chinese ideographs and nothing that Chinese text does not use (see
    ``_NOT_CHINESE_TEXT``): the test a row read in the file's other encoding must pass."""
    return _IDEOGRAPH.search(text) is not None and _NOT_CHINESE_TEXT.search(text) is None


def other_encoding(encoding: str) -> str | None:
    """The encoding rows pasted into a file of ``encoding`` may be in (UTF-8 <-> GB18030), or None."""
    return _OTHER_ENCODING.get(codecs.lookup(encoding).name)


def decode_lines(data: bytes, encoding: str, first: bool = True) -> tuple[str, list[int]]:
    """Whole lines of CSV bytes as text, each line in its own encoding: the file's, or for a file in UTF-8 or
    GB18030 (GBK) the other one where the line decodes strictly in it and reads as Chinese text there
    (``reads_as_chinese``) but is not valid in the file's: rows pasted in from another program are read as
    they were written, wherever they are in the file, never turned into other characters. Returns the text and
    the 0-based numbers of the lines read in the other encoding (``other_encoding``). Bytes neither encoding
    reads are kept as lone surrogates and counted (``decode_errors``). ``first``: the data starts the file (a
    UTF-8 byte-order mark there is dropped)."""
    name = codecs.lookup(encoding).name
    if name == "utf-8-sig":
        if first and data.startswith(_BOM):
            data = data[3:]
        name = "utf-8"
    other = _OTHER_ENCODING.get(name)
    if other is None or data.isascii():
        return _decode(data, name), []
    if name == "utf-8":
        text = _strict(data, "utf-8")
        if text is not None:  # the common case: one decode, no line looked at
            return text, []
    lines = data.splitlines(keepends=True)
    found = _other_lines(data, lines, name, other)
    if not found:
        return _decode(data, name), []
    pieces = [found[number] if number in found else _decode(line, name) for number, line in enumerate(lines)]
    return "".join(pieces), sorted(found)


def _other_lines(data: bytes, lines: list[bytes], name: str, other: str) -> dict[int, str]:
    """The lines of ``data`` (``lines``, as ``bytes.splitlines`` cuts them) that are in the ``other`` encoding
    and not in the file's ``name``, with their text."""
    found: dict[int, str] = {}
    if name != "utf-8" and b"\xef\xbf\xbd" not in data and data.count(b"\r") == data.count(b"\r\n"):
        # UTF-8 lines in a GB18030 file, found at C speed: one decode with replacements, then the lines that
        # kept none (a line ends with LF here, so the text's lines are the bytes' lines)
        text = data.decode(other, "replace")
        for number, piece in enumerate(text.split("\n")):
            if "\ufffd" not in piece and not piece.isascii() and reads_as_chinese(piece):
                found[number] = piece + ("\n" if number < len(lines) and lines[number].endswith(b"\n") else "")
        return found
    for number, line in enumerate(lines):  # line by line: a literal U+FFFD, lines ended by a lone CR, UTF-8 files
        if line.isascii() or (name == "utf-8" and _strict(line, name) is not None):
            continue
        alternative = _strict(line, other)
        if alternative is not None and reads_as_chinese(alternative):
            found[number] = alternative
    return found


def _decode(data: bytes, encoding: str) -> str:
    """Bytes as text in ``encoding``; bytes it cannot read are kept (as lone surrogates) and counted. Raises
    ``InputError`` for a decoder that fails outright."""
    try:
        return data.decode(encoding, errors="subsidy-count")
    except UnicodeError as exc:  # a decoder that fails outright (no error handler applies)
        raise InputError(
            Problem(_("cannot be read as {encoding}: {error}", encoding=encoding, error=exc), hint=_("pass --encoding"))
        ) from None


# -- control characters (the one rule: ``profile.controls``) ------------------------------------------------------


def clean_rows(rows: list[list[str]]) -> dict[int, list[tuple[int, str]]]:
    """Rows with ``controls.clean`` applied to every cell (a row that changes is replaced in ``rows`` by a new one;
    a ``BadRow`` stays one). Returns, per row position, the cells (0-based) whose control characters other than
    tab and line breaks were taken out, with those characters."""
    taken: dict[int, list[tuple[int, str]]] = {}
    for position, row in enumerate(rows):
        if not controls.has_controls("".join(row)):
            continue
        cells: list[str] = []
        for index, cell in enumerate(row):
            text, removed = controls.clean(cell)
            cells.append(text)
            if removed:
                taken.setdefault(position, []).append((index, removed))
        if isinstance(row, BadRow):
            fresh = BadRow(row.error)
            fresh.extend(cells)
            rows[position] = fresh
        else:
            rows[position] = cells
    return taken


_C0 = bytes((*range(0x20), 0x7F)).replace(b"\r", b"").replace(b"\n", b"")  # the C0 controls and DEL, but line breaks
_C1_START = {"utf-8": b"\xc2", "utf-8-sig": b"\xc2", "gb18030": b"\x81\x30"}  # how U+0080-U+009F start in bytes


def might_hold_controls(data: bytes, text: str, encoding: str, mixed: bool = False) -> bool:
    """Whether CSV bytes ``data`` of ``encoding`` (``text`` once decoded; ``mixed``: some lines were read in the
    other encoding) hold a control character other than line breaks: a fast test on the bytes where it can be
    (C0 and DEL are single bytes in every encoding a CSV may have; a C1 character starts with known bytes in
    UTF-8 and GB18030), before ``clean_rows``. Rows spanning lines hold line breaks in their cells, which the
    caller knows."""
    if len(data.translate(None, _C0)) != len(data):
        return True
    if data.isascii():
        return False
    start = _C1_START.get(codecs.lookup(encoding).name)
    if start is not None and not mixed and start not in data:
        return False
    return controls.takes_out(text)


DELIMITERS = {
    ",": N_("commas"),
    "\t": N_("tabs"),
    ";": N_("semicolons"),
    "；": N_("full-width semicolons"),
    "，": N_("full-width commas"),
}
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
    header_controls: list[int] = field(default_factory=list)  # header cells control characters were taken out of

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
            found.append(_("the columns are separated by {what}; read as such", what=_(DELIMITERS[self.delimiter])))
        if self.unnamed_columns:
            where = ", ".join(map(str, self.unnamed_columns))
            found.append(
                _(
                    "ignoring {count} column(s) with no heading (column {where})",
                    count=len(self.unnamed_columns),
                    where=where,
                )
            )
        if self.header_controls:
            where = ", ".join(map(str, self.header_controls))
            found.append(_("took control characters out of the header (column {where})", where=where))
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
        for _count in range(256):
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
            raise InputError(Problem(_("is a folder"), file=source, hint=_("give a CSV file")))
        try:
            raw = path.open("rb")
        except FileNotFoundError:
            raise InputError(Problem(_("does not exist"), file=source, hint=_("check the path"))) from None
        except OSError as exc:
            raise InputError(Problem(_("cannot be read: {why}", why=exc.strerror or exc), file=source)) from None
    prefix = raw.read(SNIFF_BYTES)
    if not prefix:
        raise InputError(
            Problem(
                _("is empty"),
                file=name,
                hint=_("a CSV of firms starts with a header row ('subsidy template --csv' writes one)"),
            )
        )
    if encoding:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise InputError(_encoding_problem(_("unknown encoding {encoding}", encoding=repr(encoding)))) from None
        if (
            not getattr(info, "_is_text_encoding", True)
            or info.name.startswith("utf-16")
            or info.name.startswith("utf-32")
        ):
            not_text = _("{encoding} is not an encoding for CSV text", encoding=repr(encoding))
            raise InputError(_encoding_problem(not_text))
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
    return Problem(message, where="--encoding", hint=_("try utf-8, gb18030 or big5"))


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
            row = BadRow(_("cannot be read as CSV: {error}", error=exc))
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
                rows.append(BadRow(_("cannot be read as CSV: {error}", error=exc)))
                continue
            rows.append([cell.replace(_STRAY, '"') for cell in cells])
        else:
            try:
                rows.append(next(csv.reader([line], delimiter=delimiter, strict=False), []))
            except csv.Error as exc:
                rows.append(BadRow(_("cannot be read as CSV: {error}", error=exc)))
    return rows


_STRAY = "\ue000"  # stands for a stray quote while a line is read again


def is_blank_row(row: list[str]) -> bool:
    """Whether a row holds no value at all (only delimiters, spaces, tabs or nothing): skipped, not a firm.
    Only ASCII spaces and tabs count, as in the fast test on a block's bytes (``blocks._BLANK_BYTES``): a row
    of control characters or of other spaces is read as a row, and answered as one (no name, say)."""
    return not isinstance(row, BadRow) and not any(cell.strip(" \t") for cell in row)


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
    """The profile key a header names (``keys.key_for``: the key, or its Chinese or English label)."""
    return key_for(cell)


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
    cleaned = [controls.clean(visible(cell)) for cell in cells]
    cells = [text for text, _ in cleaned]
    notes.header_controls = [i + 1 for i, (_, removed) in enumerate(cleaned) if removed]
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
                Problem(
                    _(
                        "columns {first} and {second} both hold {key}",
                        first=repr(seen[key]),
                        second=repr(cell),
                        key=repr(key),
                    ),
                    file=source,
                    hint=_("keep one of them"),
                )
            )
        else:
            seen[key] = cell
        keys.append(key if key not in seen or seen[key] == cell else None)
    if unknown and not ignore_unknown:
        listed = ", ".join(f"{cell!r}{_near_heading(cell)}" for cell in unknown)
        problems.append(
            Problem(
                _("unknown column(s): {listed}", listed=listed),
                file=source,
                hint=_("rename them, or pass --ignore-unknown-columns"),
            )
        )
    if "name" not in seen:
        problems.append(
            Problem(_("no name column (name / 企业名称)"), file=source, hint=_("every firm needs its name"))
        )
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
    found = closest(text, sorted(KEY_NAMES))
    if found is None:
        return ""
    unit, suggested = _ANY_UNIT.search(text), _ANY_UNIT.search(found)
    if unit and (suggested is None or suggested.group(1) != unit.group(1)):
        return ""
    return _("; did you mean {found}?", found=repr(found))


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
        raise InputError(Problem(_("is a folder"), file=target, hint=_("give a file name for the output")))
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
        raise InputError(Problem(_("cannot write there: {why}", why=exc.strerror or exc), file=target)) from None
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
