"""The ``check`` table a consultant reads at 80 columns, in Chinese and English: what the firm gets, what it
could get and what decides the rest; no number or amount broken across lines; the layers and what-ifs in
force named in the head; one sentence when the firm is outside the policy's scope."""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from subsidy_cli.cli import app
from subsidy_cli.words import money, wrap

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*.toml"))
ZHANGJIAGANG = str(ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml")


def cell_len(text: str) -> int:
    """Terminal cells of ``text``: two for a wide (Chinese) character, an oracle independent of Rich's."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


AMOUNT = re.compile(r"[¥]?\d[\d,]*(?:\.\d+)?(?:万元|亿元|元|%)?")


def run(*args: str, columns: int = 80) -> tuple[int, str, str]:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


# --- line breaking ------------------------------------------------------------------------------------------

PIECES = st.one_of(
    st.sampled_from(list("智能化改造贷款贴息奖励企业每年最高资金免费服务")),
    # a number ends where a Chinese character or a space follows it (two numbers side by side are one)
    st.sampled_from(
        ["500万元的", "20万元,", "1%的", " ¥2,000,000 ", "3星级", "于2022-06-30起", " smart-retrofit ", " loan "]
    ),
    st.sampled_from([" ", ",", ";", "(", ")", "、", "：", "“", "”"]),
)


@given(st.lists(PIECES, min_size=1, max_size=60), st.integers(min_value=12, max_value=60))
def test_wrap_never_breaks_a_number_and_keeps_every_character(pieces: list[str], width: int) -> None:
    text = "".join(pieces)
    lines = wrap(text, width, fold=True)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for amount in AMOUNT.findall(text):
        if cell_len(amount) <= width:
            assert any(amount in line for line in lines), (amount, lines)


def test_wrap_keeps_closing_punctuation_off_the_start_of_a_line() -> None:
    lines = wrap("免费服务,价值最高20万元;名额:每年40家工厂", 10, fold=True)
    assert not any(line[:1] in ",;:)," for line in lines)
    assert "20万元;" in "".join(lines) and any("20万元" in line for line in lines)


# --- the samples at 80 columns -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("every", [False, True])
def test_no_amount_is_broken_or_cut_at_80_columns(sample: Path, lang: str, every: bool) -> None:
    extra = ["--all"] if every else []
    code, out, _ = run("check", str(sample), "--lang", lang, *extra)
    assert code == 0
    lines = out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    assert all(line == line.rstrip() for line in lines), "no padding at the end of lines in a pipe"
    _, document, _ = run("check", str(sample), "--lang", lang, "--format", "json", *extra)
    for result in json.loads(document)["results"]:
        if result["kind"] != "cash" or result["status"] == "ineligible" or not result.get("max_award_cny"):
            continue
        if not re.search(rf"^  {re.escape(result['benefit'])} ", out, flags=re.M):
            continue  # a line the table does not show
        for field in ("max_award_cny", "min_award_cny"):
            if result[field] is not None:
                amount = money(Decimal(result[field]), lang)
                assert any(amount in line for line in lines), (result["benefit"], amount)


def test_only_cash_in_the_cash_column() -> None:
    _, out, _ = run("check", str(ROOT / "samples" / "kunshan-parts-sme.toml"), "--lang", "zh")
    row = next(line for line in out.splitlines() if line.startswith("  5a "))
    assert "免费服务" in row and not re.search(r"免费服务\s+\d", row), row
    assert "资金最高" in out


# --- what the consultant needs ------------------------------------------------------------------------


def test_the_layers_and_what_ifs_are_named_in_the_head_and_the_cap_is_explained() -> None:
    sample = str(ROOT / "samples" / "kunshan-parts-sme.toml")
    args = ("check", sample, "--overlay", ZHANGJIAGANG, "--set", "district=张家港市", "--as-of", "2022-06-30")
    _, out, _ = run(*args, "--lang", "zh")
    head = "".join(out.split("\n\n")[0].splitlines()[1:])
    assert head.startswith("评估日期 2022-06-30;叠加细则:苏州市 2022 年起") and "张家港市 2022 年度" in head
    assert "假设:district=张家港市" in head
    table = out.replace("\n", "").replace(" ", "")
    assert "与1b合计不超过该笔贷款实际支付利息" in table and "与1a合计不超过" in table
    _, out, _ = run(*args, "--lang", "en")
    assert "evaluation date 2022-06-30; layers:" in out and "what-if: district=张家港市" in out.replace("\n", " ")
    _, out, _ = run("check", sample, "--lang", "en")
    assert "the policy text alone, no county layer" in out


def test_the_platforms_device_gap_is_in_the_table() -> None:
    _, out, _ = run("check", str(ROOT / "samples" / "sip-platform-operator.toml"), "--lang", "zh", columns=120)
    row = out.split("  10a ")[1].split("\n  1")[0].replace("\n", "").replace(" ", "")
    assert "可争取" in row and "差2001台" in row


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("zh", "不在本政策适用范围内:支持范围限于具有独立法人资格的主体(分支机构不在其列)"),
        ("en", "Outside the policy's scope: the policy covers independent legal persons only (a branch office"),
    ],
)
def test_a_branch_office_is_told_in_one_sentence(tmp_path: Path, lang: str, sentence: str) -> None:
    path = tmp_path / "branch.toml"
    path.write_text(
        'name = "某公司苏州分公司"\nentity_type = "enterprise"\nindependent_legal_person = false\n'
        'district = "昆山市"\nroles = ["manufacturer"]\n',
        encoding="utf-8",
    )
    code, out, _ = run("check", str(path), "--lang", lang, "--as-of", "2022-06-30", columns=200)
    assert code == 0 and sentence in out


def test_the_open_questions_say_what_they_could_add(tmp_path: Path) -> None:
    path = tmp_path / "firm.toml"
    path.write_text(
        'name = "昆山某零部件有限公司"\ndistrict = "昆山市"\nsme = true\nroles = ["manufacturer"]\n'
        'retrofit_loan_cny = "800万"\ncloud_star_level = 3\n',
        encoding="utf-8",
    )
    _, out, _ = run("check", str(path), "--lang", "zh", "--as-of", "2022-06-30", columns=200)
    assert "待补充的信息还涉及最高" in out and "1a" in out.split("待补充的信息还涉及最高")[1].splitlines()[0]
    rows = {line.split()[0]: line for line in out.splitlines() if re.match(r"^  \w+ ", line)}
    assert "取决于:" in rows["1a"] and "贷款经苏州综合金融服务等平台获得" in out


def test_after_the_window_the_totals_say_what_applied_while_in_force() -> None:
    sample = str(ROOT / "samples" / "kunshan-parts-sme.toml")
    _, out, _ = run("check", sample, "--as-of", "2026-11-30", "--lang", "zh", columns=200)
    assert "已过期 (可申请)" in out and "可申请资金合计最高 0元" in out
    assert "若政策仍在有效期内:可申请资金合计最高 70万元" in out
    _, out, _ = run("check", sample, "--as-of", "2022-06-30", "--lang", "zh", columns=200)
    assert "若政策仍在有效期内" not in out
