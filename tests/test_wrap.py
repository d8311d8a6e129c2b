"""Text wrapped to a terminal's cells (words.wrap): CJK characters take two cells, and a number with its unit,
a date or an amount is never broken across lines."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy_cli.rules.catalog import policy_text
from subsidy_cli.words import cell_width, wrap

# What must stay whole on one line, as people read it.
AMOUNTS = [
    "500万元",
    "200万元",
    "1%",
    "2021年1月1日",
    "¥5,000,000",
    "5,000.5",
    "2023-12-31",
    "3星级",
    "1000次",
    "0.5亿元",
]


@pytest.mark.parametrize(
    ("text", "cells"), [("abc", 3), ("昆山市", 6), ("500万元", 7), ("，。", 4), ("“5G”", 4), ("e\u0301", 1), ("", 0)]
)
def test_cell_width(text: str, cells: int) -> None:
    assert cell_width(text) == cells


def test_the_policy_text_wraps_without_breaking_a_number_at_any_width() -> None:
    paragraphs = [p for p in policy_text().splitlines() if re.search(r"\d", p)]
    assert len(paragraphs) > 10
    for text in paragraphs:
        numbers = re.findall(r"\d[\d,.]*(?:万元|亿元|万|元|%|家|台|次)?", text)
        for width in range(24, 100, 3):
            lines = wrap(text, width, "  ", "    ")
            assert all(cell_width(line) <= width for line in lines), width
            assert "".join(line.strip() for line in lines) == text.replace(" ", "")
            for line, following in itertools.pairwise(lines):
                joint = line.strip()[-1] + following.strip()[0]
                assert not re.fullmatch(r"\d[\d万亿元%,.家台次]", joint), (width, line, following)
            for number in numbers:  # each number and its unit is whole on one line
                assert sum(line.count(number) for line in lines) >= text.count(number), (width, number)


@pytest.mark.parametrize("amount", AMOUNTS)
@pytest.mark.parametrize("width", [8, 10, 13, 17, 21])
def test_an_amount_is_never_broken(amount: str, width: int) -> None:
    text = f"对获评的企业给予最高{amount}的奖励，单个企业每年最高{amount}；at most {amount} a year"
    lines = wrap(text, width)
    assert sum(line.count(amount) for line in lines) == 3, lines


def test_no_line_starts_with_closing_punctuation_or_ends_with_opening() -> None:
    text = (
        "本通知支持范围包括具有独立法人资格的企业和社会组织。"
        "各级党委政府要高度重视（智能化改造）相关工作，结合本地实际。"
    )
    for width in range(6, 40):
        for line in wrap(text, width):
            assert line[:1] not in "，。、；：）", (width, line)
            assert line[-1:] not in "（", (width, line)


def test_a_slash_joins_what_it_separates() -> None:
    for width in range(10, 30):
        assert any("是/否" in line for line in wrap("write true/false, yes/no, 是/否 or 1/0", width)), width


def test_english_breaks_at_spaces_only_and_keeps_the_indents() -> None:
    text = "The policy is in force from 2021-01-01 to 2023-12-31; today, 2026-11-30, is outside it."
    lines = wrap(text, 30, "> ", "  ")
    assert lines == [
        "> The policy is in force from",
        "  2021-01-01 to 2023-12-31;",
        "  today, 2026-11-30, is",
        "  outside it.",
    ]


def test_a_piece_wider_than_the_line_stands_whole_and_line_breaks_are_kept() -> None:
    assert wrap("see 1234567890123 now", 8) == ["see", "1234567890123", "now"]
    assert wrap("第一行\n\n第二行", 80) == ["第一行", "", "第二行"]
    assert wrap("", 80) == [""]


@given(
    st.lists(
        st.sampled_from(
            ["企业", "的", "，", "。", "（", "）", "Suzhou", " ", "500万元", "1%", "2021年1月1日", "x-y", "“", "”"]
        ),
        max_size=40,
    ),
    st.integers(min_value=6, max_value=60),
)
def test_wrapping_keeps_every_character_and_the_width(parts: list[str], width: int) -> None:
    text = "".join(parts)
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        assert cell_width(line) <= width or " " not in line.strip(), (width, line)
        assert not line.endswith(" ")
