"""A CSV byte stream cut into blocks of whole rows, so that rows can be decoded, read and scored in
worker processes while the main process only moves bytes.

A block ends only where the csv module ends a row (found by a regex that reads cells as it does, in one
pass), so its rows read exactly as they would in the whole file; each block knows the number of its
first line. The bytes of LF, CR, the comma and the double quote must never occur inside another
character, which holds for ASCII-compatible encodings without shift states (UTF-8, GB18030, GBK, Big5,
Shift_JIS, Latin-1...); ``check_encoding`` refuses the others.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from subsidy_cli.batch.csvio import (
    InputError,
    clean_rows,
    decode_errors,
    decode_lines,
    is_blank_row,
    might_hold_controls,
    notes_of,
    rows_with_lines,
)
from subsidy_cli.errors import Problem
from subsidy_cli.i18n import _

BLOCK_BYTES = 1 << 20
# The regex below reads rows at most this long (or the csv module's field size limit, if less): in them,
# no cell can be longer than the csv module reads. Where it gives up on a cell, it goes on at the next
# line, which only reading can follow; rows that long are left to the csv module itself.
_WINDOW = 1 << 16
_BREAK = re.compile(rb"\r\n|\r|\n")
# Encodings whose escapes or shift states can make other bytes stand for a quote, comma or line break
_ESCAPING = ("hz", "iso2022", "utf_7", "raw_unicode_escape", "unicode_escape", "idna", "punycode")
_PROBE = '\r\n",;|abcXYZ019'


def check_encoding(name: str) -> None:
    """Raise InputError for an encoding whose bytes cannot be cut at line breaks."""
    codec = codecs.lookup(name).name.replace("-", "_")
    if codec == "utf_8_sig":  # its encoder writes a BOM first; its bytes are UTF-8's
        return
    try:
        ascii_safe = _PROBE.encode(name) == _PROBE.encode("ascii")
    except UnicodeError:
        ascii_safe = False
    if codec.startswith(_ESCAPING) or not ascii_safe:
        raise InputError(
            Problem(
                _("{encoding} is not an encoding for CSV files from Excel or WPS", encoding=repr(name)),
                where="--encoding",
                hint=_("re-save the file as 'CSV UTF-8', or pass --encoding gb18030"),
            )
        )


@dataclass(frozen=True)
class Block:
    """Whole rows of a CSV file, as bytes, and the number of the first line they start on."""

    data: bytes
    first_line: int
    blank: tuple[int, ...] | None = None  # the lines of its rows of no value (None: not looked for yet)


@dataclass(frozen=True)
class RowBlock(Block):
    """Rows already split into cells (a workbook's, see ``workbook.py``), with the line each is on; ``data`` is
    empty. A ``BadRow`` among them keeps its cells and says why the row is invalid."""

    lines: tuple[int, ...] = ()
    rows: tuple[list[str], ...] = ()


def line_breaks(data: bytes) -> int:
    """Lines ended in ``data``, counted as the csv module counts them (CR LF, LF and lone CR each end one)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


# Whole rows as the csv module reads them (strict=False), matched in one pass of the regex engine: a cell is
# either quoted (a quote at its start; "" inside is a quote; the next lone quote closes it, and text after
# that, quotes included, belongs to the cell) or not (its quotes are text). Possessive, as the csv module
# never goes back.
_CELL = rb'(?:"(?:[^"]++|"")*+"[^,\r\n]*+|[^",\r\n][^,\r\n]*+|)'
_ROWS = re.compile(rb"(?:" + _CELL + rb"(?:," + _CELL + rb")*+(?:\r\n|\r|\n))*+")


def _line_end(data: bytes, end: int) -> int:
    """Just after the last line break before ``end`` (0: none). A CR at the very end of the data does not
    count: the LF that may follow it is not read yet."""
    lf, cr = data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)
    if cr > lf and cr + 1 >= len(data):
        return _line_end(data, cr)
    return max(lf, cr) + 1


def _cut(data: bytes, final: bool, start: int, encoding: str) -> int:
    """Where a block can end: just after the last whole row (0: nowhere yet). ``start`` skips a byte-order
    mark that the decoder drops."""
    if final:
        return len(data)
    if b'"' not in data:
        return _line_end(data, len(data))
    window = min(_WINDOW, csv.field_size_limit())
    end = len(data) - data.endswith(b"\r")  # a CR at the end may need the LF that is not read yet
    position = start
    while True:
        stop = min(position + window, end)
        if stop < end and data[stop - 1] == 13:  # never between the CR and LF of one line break
            stop -= 1
        rows = _ROWS.match(data, position, stop)
        assert rows is not None  # the pattern also matches no rows at all
        found = rows.end()
        if found > position:
            position = found
        elif stop >= end:  # what is left is the start of a row that goes on in the next block
            return position if position > start else 0
        else:  # a row longer than the window
            return _cut_by_reading(data, start, encoding)


def _cut_by_reading(data: bytes, start: int, encoding: str) -> int:
    """The same, found by reading the rows with the csv module: for cells it cannot read whole (longer
    than its field size limit), where rows end depends on where it gave up."""
    text = data[start:].decode(_rows_encoding(encoding), errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    ends = []  # lines read after each row (or failed row)
    while True:
        try:
            next(reader)
        except StopIteration:
            break
        except csv.Error:
            pass
        ends.append(reader.line_num)
    if len(ends) < 2:  # the last row may go on in the next block
        return 0
    return _after_lines(data, start, ends[-2])


# Characters a row of no value is made of, besides its line break (``_may_have_blank_rows``)
_BLANK_BYTES = b' \t,"'


def _may_have_blank_rows(data: bytes) -> bool:
    """Whether ``data`` may hold a row of no value: with the characters such a row is made of taken out, an
    empty line is left (a fast test on the bytes, a few ms a MB; ``blank_rows`` is the exact one)."""
    kept = data.translate(None, _BLANK_BYTES)
    if kept[:1] in (b"\r", b"\n") or b"\n\n" in kept or b"\n\r" in kept or b"\r\r" in kept:
        return True
    if b"\r" in kept and kept.count(b"\r\n") != data.count(b"\r\n"):  # a line ended by CR, then one of blanks
        return True
    tail = data[max(data.rfind(b"\n"), data.rfind(b"\r")) + 1 :]  # a last line with no line break
    return bool(tail) and not tail.strip(_BLANK_BYTES)


def blank_rows(block: Block, encoding: str) -> list[int]:
    """The lines on which the block's rows of no value start (see ``csvio.is_blank_row``); they are skipped,
    not firms. The header (line 1) never counts."""
    if not _may_have_blank_rows(block.data):
        return []
    read = _read(block, encoding)[0]
    return [line for line, row in zip(read.lines, read.rows, strict=True) if line > 1 and is_blank_row(row)]


def blocks(raw: BinaryIO, encoding: str, first_line: int = 1, size: int | None = None) -> Iterator[Block]:
    """A stream, from its start, as blocks of whole rows of about ``size`` bytes (default BLOCK_BYTES). When
    the stream carries notes (``csvio.open_raw`` made it), the blank rows of each block are counted there as it
    is handed on (``read_block`` skips them)."""
    notes = notes_of(raw)
    for block in _blocks(raw, encoding, first_line, size):
        blank = blank_rows(block, encoding)
        if notes is not None:
            notes.skipped(blank)
        yield Block(block.data, block.first_line, tuple(blank))


def _blocks(raw: BinaryIO, encoding: str, first_line: int, size: int | None) -> Iterator[Block]:
    size = size or BLOCK_BYTES
    pending = b""
    line = first_line
    start = 3 if _rows_encoding(encoding) != encoding else 0  # the BOM, in the first block
    while True:
        more = raw.read(max(size, len(pending)))  # no row ends yet: read as much again, not a little more
        final = not more
        pending += more
        if not pending:
            return
        if len(pending) < size and not final:
            continue
        cut = _cut(pending, final, start if pending.startswith(codecs.BOM_UTF8) else 0, encoding)
        if cut:
            block, pending = pending[:cut], pending[cut:]
            yield Block(block, line)
            line += line_breaks(block)
            start = 0
        if final:
            if pending:
                yield Block(pending, line)
            return


def _rows_encoding(encoding: str) -> str:
    """The encoding to read rows with: a UTF-8 byte-order mark is dropped at the start of the file only."""
    return "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding


def split_first_row(data: bytes, encoding: str) -> tuple[list[str], int]:
    """The first row of the file (the header), and how many bytes it takes (each line read in its own encoding,
    see ``csvio.decode_lines``). Raises ``InputError`` when the csv module cannot read it or the encoding
    cannot decode it."""
    text = decode_lines(data, encoding)[0]
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        row = next(reader, [])
    except csv.Error as exc:
        raise InputError(Problem(_("the header row cannot be read as CSV: {error}", error=exc), line=1)) from None
    return row, _after_lines(data, 0, reader.line_num)


def _after_lines(data: bytes, start: int, count: int) -> int:
    """Just after the ``count``-th line break from ``start`` (the end of the data if it has fewer)."""
    if count <= 0:
        return start
    found = next(itertools.islice(_BREAK.finditer(data, start), count - 1, None), None)
    return len(data) if found is None else found.end()


@dataclass
class BlockRows:
    """A block's rows as read: ``lines``, the line each row starts on; ``rows``, its cells (a row the csv module
    cannot split comes as a ``BadRow``); ``bad_bytes``, whether some bytes neither encoding could read (kept
    as lone surrogates); ``cleaned``, per row position the cells control characters were taken out of, with
    those characters (see ``profile.controls``; tab and line breaks in a cell read as spaces and are not
    listed); ``other_lines``, the lines of the rows read in the file's other encoding (UTF-8 rows in a GB18030
    file, or the reverse: ``csvio.decode_lines``)."""

    lines: list[int]
    rows: list[list[str]]
    bad_bytes: bool
    cleaned: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    other_lines: list[int] = field(default_factory=list)


def read_block(block: Block, encoding: str) -> BlockRows:
    """A block's rows with the line each starts on, each line decoded in its own encoding (``decode_lines``)
    and each cell with control characters cleaned (``clean_rows``). A row the csv module cannot split comes as
    a BadRow, and reading goes on with the next line. Rows of no value (only delimiters or spaces) are left
    out: ``blocks`` counts them."""
    if isinstance(block, RowBlock):  # a workbook's rows: split already
        rows = list(block.rows)
        return BlockRows(list(block.lines), rows, False, clean_rows(rows))
    read, controls = _read(block, encoding)
    lines, rows = read.lines, read.rows
    blank = block.blank
    if blank is None and _may_have_blank_rows(block.data):
        blank = tuple(line for line, row in zip(lines, rows, strict=True) if line > 1 and is_blank_row(row))
    if blank:
        skip = set(blank)
        kept = [i for i, line in enumerate(lines) if line not in skip]
        lines, rows = [lines[i] for i in kept], [rows[i] for i in kept]
    cleaned = clean_rows(rows) if controls else {}
    others = []
    if read.other_lines:
        other = set(read.other_lines)
        others = [line for line in lines if line in other]
    return BlockRows(lines, rows, read.bad_bytes, cleaned, others)


def _read(block: Block, encoding: str) -> tuple[BlockRows, bool]:
    """A block's rows, all of them, with the line each starts on (see ``read_block``; ``other_lines`` are the
    lines read in the other encoding, and the cells are not cleaned yet), and whether its cells may hold control
    characters (a fast test on the text; rows spanning lines hold line breaks)."""
    before = decode_errors()
    text, others = decode_lines(block.data, encoding, first=block.first_line == 1)
    bad_bytes = decode_errors() > before
    first = block.first_line
    other_lines = [first + number for number in others]
    controls = might_hold_controls(block.data, text, encoding, bool(others))
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        rows = list(reader)
        # one line a row: the common case (unless a quote opened on the last line runs to the end)
        last = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]  # a last line with no break
        broken = bool(rows) and any("\n" in c or "\r" in c for c in rows[-1])
        if reader.line_num == len(rows) and not last.count('"') % 2 and not broken:
            return BlockRows(list(range(first, first + len(rows))), rows, bad_bytes, {}, other_lines), controls
    except csv.Error:
        pass
    lines: list[int] = []
    rows = []
    for line, row in rows_with_lines(io.StringIO(text, newline="")):
        lines.append(first + line - 1)
        rows.append(row)
    return BlockRows(lines, rows, bad_bytes, {}, other_lines), True  # rows across lines: line breaks in cells
