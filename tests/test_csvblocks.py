"""Cutting a CSV byte stream into blocks of whole rows: the rows and line numbers must be those of reading
the whole file at once, however small the blocks."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidy_cli.batch.blocks import Block, blocks, check_encoding, line_breaks, read_block, split_first_row
from subsidy_cli.batch.csvio import BadRow, InputError, read_rows
from subsidy_cli.profile import controls

cells = st.text(alphabet='ab,"\r\n 公司', max_size=6)
rows = st.lists(st.lists(cells, min_size=1, max_size=4), max_size=12)


def whole(text: str) -> list[tuple[int, list[str]]]:
    """The rows of the whole text, each cell under the rule for control characters (a line break in a quoted
    cell reads as a space), as blocks give them."""
    found = []
    for line, row in read_rows(io.StringIO(text, newline="")):
        cleaned = [controls.clean(cell)[0] for cell in row]
        if isinstance(row, BadRow):
            row = BadRow(row.error)
            row.extend(cleaned)
        else:
            row = cleaned
        found.append((line, row))
    return found


def in_blocks(data: bytes, size: int, encoding: str = "utf-8") -> list[tuple[int, list[str]]]:
    found = []
    for block in blocks(io.BytesIO(data), encoding, size=size):
        read = read_block(block, encoding)
        found += zip(read.lines, read.rows, strict=True)
    return found


@settings(max_examples=300)
@given(rows, st.sampled_from(["\r\n", "\n", "\r"]), st.integers(min_value=1, max_value=40))
def test_blocks_read_as_the_whole_file(table: list[list[str]], ending: str, size: int) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=ending).writerows(table)
    text = buffer.getvalue()
    assert in_blocks(text.encode("utf-8"), size) == whole(text)


@settings(max_examples=500)
@given(st.text(alphabet='ab,"\r\n ', max_size=60), st.integers(min_value=1, max_value=30))
def test_blocks_read_as_the_whole_file_even_with_stray_quotes(text: str, size: int) -> None:
    """Quotes where CSV does not expect them (5" pipes, "a"b) are text to the csv module; the cuts agree."""
    assert in_blocks(text.encode("utf-8"), size) == whole(text)


def test_a_stray_quote_does_not_move_where_rows_end() -> None:
    text = 'name\nAcme 5" pipes\n' + "".join(f"firm{i}\n" for i in range(50)) + '"Multi\nLine\nCo"\nlast\n'
    for size in (7, 50, 300):
        assert in_blocks(text.encode(), size) == whole(text)


@contextlib.contextmanager
def small_field_limit() -> Iterator[None]:
    """The csv module's field size limit made tiny, so that cells pass it."""
    saved = csv.field_size_limit(8)
    try:
        yield
    finally:
        csv.field_size_limit(saved)


pieces = st.lists(st.sampled_from(["a", "xxxxxxx", ",", '"', '""', "\r", "\n", "\r\n", " "]), max_size=40).map("".join)


@settings(max_examples=1000)
@given(pieces, st.integers(min_value=1, max_value=30))
def test_cells_past_the_field_limit_end_rows_where_the_csv_module_gives_up(text: str, size: int) -> None:
    with small_field_limit():
        assert in_blocks(text.encode("utf-8"), size) == whole(text)


def test_long_cells_are_read_as_the_csv_module_reads_them() -> None:
    text = "a\n" + '"' + "x\n" * 40 + '",b\n' + "".join(f'r{i},"q\n{i}"\n' for i in range(300))
    unclosed = "a\n" + '"' + "x\n" * 40 + "".join(f"r{i},s\n" for i in range(300))
    with small_field_limit():
        assert in_blocks(text.encode(), 64) == whole(text)
        assert in_blocks(unclosed.encode(), 64) == whole(unclosed)


def test_a_cell_longer_than_the_default_field_limit() -> None:
    text = "a\n" + '"' + "x\n" * 70_000 + '",b\n' + "".join(f'r{i},"q\n{i}"\n' for i in range(30_000))
    assert in_blocks(text.encode(), 1 << 20) == whole(text)


def test_a_quote_that_never_closes_is_cut_in_linear_time() -> None:
    data = b'h\n"' + b"\n" * 400_000 + b"x,y\n" * 100_000
    found = in_blocks(data, 4096)
    assert found == whole(data.decode())


def test_a_zero_width_no_break_space_after_the_first_block_is_kept() -> None:
    data = codecs.BOM_UTF8 + b'a\n\xef\xbb\xbf"x\ny"\n' + "\ufeff,b\n".encode()
    for size in range(1, 12):
        assert in_blocks(data, size, "utf-8-sig") == whole(data.decode("utf-8-sig")), size


def test_a_byte_order_mark_is_not_a_character_of_the_first_cell() -> None:
    data = codecs.BOM_UTF8 + b'"na\nme",x\n"a\nb",c\n'
    assert in_blocks(data, 4, "utf-8-sig") == [(1, ["na me", "x"]), (3, ["a b", "c"])]  # line breaks in a cell: spaces


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_block_never_ends_inside_a_quoted_cell_or_a_character(encoding: str) -> None:
    text = 'name,district\r\n"苏州\r\n甲,""乙""",昆山市\r\n丙,"吴江\n区"\r\n'
    data = text.encode(encoding)
    for size in range(1, len(data) + 1):
        got = in_blocks(data, size, encoding)
        assert got == whole(text), size


def test_a_lone_cr_at_the_end_of_what_was_read_waits_for_the_next_byte() -> None:
    data = b"a\rb\r\nc\r\nd\r"
    for size in range(1, len(data) + 1):
        cut = [block.data for block in blocks(io.BytesIO(data), "utf-8", size=size)]
        assert b"".join(cut) == data
        assert not any(a.endswith(b"\r") and b.startswith(b"\n") for a, b in itertools.pairwise(cut)), cut
        assert in_blocks(data, size) == whole(data.decode())


def test_line_numbers_carry_across_blocks() -> None:
    data = b"x\n" * 5 + b'"multi\nline"\n' + b"y\n"
    found = [block.first_line for block in blocks(io.BytesIO(data), "utf-8", size=3)]
    assert found == sorted(found) and found[0] == 1
    assert [line for line, _ in in_blocks(data, 3)] == [1, 2, 3, 4, 5, 6, 8]
    assert line_breaks(b"a\r\nb\rc\n") == 3


def test_the_header_is_split_off_by_bytes() -> None:
    data = '"name\nzh",district\r\n甲,昆山市\r\n'.encode()
    header, offset = split_first_row(data, "utf-8")
    assert header == ["name\nzh", "district"]
    assert data[offset:] == "甲,昆山市\r\n".encode()
    read = read_block(Block(data[offset:], 1 + line_breaks(data[:offset])), "utf-8")
    assert read.lines == [3] and read.rows == [["甲", "昆山市"]]


def test_undecodable_bytes_are_counted_per_block() -> None:
    read = read_block(Block(b"ok\n\xff\xfe,x\n", 1), "utf-8")
    assert read.bad_bytes and read.rows[1][0] == "\udcff\udcfe"
    assert not read_block(Block(b"ok\n", 1), "utf-8").bad_bytes


@pytest.mark.parametrize(
    "encoding", ["cp500", "hz", "iso2022_jp", "utf-7", "raw_unicode_escape", "unicode_escape", "idna", "punycode"]
)
def test_encodings_that_cannot_be_cut_at_line_breaks_are_refused(encoding: str) -> None:
    with pytest.raises(InputError, match="re-save the file as 'CSV UTF-8'"):
        check_encoding(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "shift_jis", "latin-1"])
def test_encodings_of_spreadsheets_are_accepted(encoding: str) -> None:
    check_encoding(encoding)
