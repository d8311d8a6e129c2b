"""Cutting a CSV byte stream into blocks of whole rows: the rows and line numbers must be those of reading
the whole file at once, however small the blocks."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidy_cli.csvblocks import Block, blocks, check_encoding, line_breaks, read_block, split_first_row
from subsidy_cli.csvio import InputError, read_rows

cells = st.text(alphabet='ab,"\r\n 公司', max_size=6)
rows = st.lists(st.lists(cells, min_size=1, max_size=4), max_size=12)


def whole(text: str) -> list[tuple[int, list[str]]]:
    return list(read_rows(io.StringIO(text, newline="")))


def in_blocks(data: bytes, size: int, encoding: str = "utf-8") -> list[tuple[int, list[str]]]:
    found = []
    for block in blocks(io.BytesIO(data), 1, size=size):
        lines, block_rows, _ = read_block(block, encoding)
        found += zip(lines, block_rows, strict=True)
    return found


@settings(max_examples=300)
@given(rows, st.sampled_from(["\r\n", "\n", "\r"]), st.integers(min_value=1, max_value=40))
def test_blocks_read_as_the_whole_file(table: list[list[str]], ending: str, size: int) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=ending).writerows(table)
    text = buffer.getvalue()
    assert in_blocks(text.encode("utf-8"), size) == whole(text)


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
        cut = [block.data for block in blocks(io.BytesIO(data), 1, size=size)]
        assert b"".join(cut) == data
        assert not any(a.endswith(b"\r") and b.startswith(b"\n") for a, b in itertools.pairwise(cut)), cut
        assert in_blocks(data, size) == whole(data.decode())


def test_line_numbers_carry_across_blocks() -> None:
    data = b"x\n" * 5 + b'"multi\nline"\n' + b"y\n"
    found = [block.first_line for block in blocks(io.BytesIO(data), 1, size=3)]
    assert found == sorted(found) and found[0] == 1
    assert [line for line, _ in in_blocks(data, 3)] == [1, 2, 3, 4, 5, 6, 8]
    assert line_breaks(b"a\r\nb\rc\n") == 3


def test_the_header_is_split_off_by_bytes() -> None:
    data = '"name\nzh",district\r\n甲,昆山市\r\n'.encode()
    header, offset = split_first_row(data, "utf-8")
    assert header == ["name\nzh", "district"]
    assert data[offset:] == "甲,昆山市\r\n".encode()
    lines, rest, _ = read_block(Block(data[offset:], 1 + line_breaks(data[:offset])), "utf-8")
    assert lines == [3] and rest == [["甲", "昆山市"]]


def test_undecodable_bytes_are_counted_per_block() -> None:
    _, found, bad = read_block(Block(b"ok\n\xff\xfe,x\n", 1), "utf-8")
    assert bad and found[1][0] == "\udcff\udcfe"
    assert not read_block(Block(b"ok\n", 1), "utf-8")[2]


@pytest.mark.parametrize("encoding", ["cp500", "hz", "iso2022_jp", "utf-7"])
def test_encodings_that_cannot_be_cut_at_line_breaks_are_refused(encoding: str) -> None:
    with pytest.raises(InputError, match="re-save the file as 'CSV UTF-8'"):
        check_encoding(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "shift_jis", "latin-1"])
def test_encodings_of_spreadsheets_are_accepted(encoding: str) -> None:
    check_encoding(encoding)
