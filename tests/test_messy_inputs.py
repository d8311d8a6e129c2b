"""Real files as people have them: each class of messy input (one example file each in tests/inputs/, plus
small variants written here) with its exact outcome through `batch` and, for profiles, `check`; and a property
test that no firm a person would count is lost, merged or moved, whatever stray quotes, blank rows, encodings
and control characters a file holds."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import subsidy_cli
from subsidy_cli.cli import app
from subsidy_cli.profile.creditcode import validate_credit_code
from subsidy_cli.profile.keys import ProfileError, build_profile, parse_value
from subsidy_cli.profile.values import is_placeholder, parse_date, parse_money

INPUTS = Path(__file__).resolve().parent / "inputs"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env=ENV)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def batch_rows(path: Path, *extra: str) -> tuple[int, list[dict[str, str]], str]:
    code, out, err = run("batch", str(path), "--as-of", "2022-06-30", *extra)
    return code, list(csv.DictReader(io.StringIO(out))), err


def batch_documents(path: Path) -> list[dict[str, Any]]:
    code, out, err = run("batch", str(path), "--as-of", "2022-06-30", "--format", "jsonl")
    assert code in (0, 1), err
    return [json.loads(line) for line in out.splitlines()]


# --- the example files: rows out, per-row status, the facts read, the message, the exit code -------------------

# (file, exit code, per output row (line, row_status), the facts read for some rows (line -> key -> value),
#  what stderr says)
EXAMPLES = [
    pytest.param(
        "blank-rows.csv",
        0,
        [("2", "valid")],
        {2: {"district": "kunshan", "sme": True, "retrofit_loan_cny": "50000000"}},
        ["1 rows read, 1 scored, 0 invalid, 3 blank skipped (line 3, 4, 5)"],
        id="rows-of-only-delimiters-and-a-blank-last-line",
    ),
    pytest.param(
        "trailing-empty-header-columns.csv",
        0,
        [("2", "valid"), ("3", "valid")],
        {2: {"district": "kunshan"}, 3: {"district": "taicang"}},
        ["ignoring 2 column(s) with no heading (column 4, 5)", "2 rows read, 2 scored, 0 invalid"],
        id="empty-header-cells-over-empty-columns",
    ),
    pytest.param(
        "tab-separated-gbk.csv",
        0,
        [("2", "valid")],
        {2: {"name": "昆山某甲精密机械有限公司", "district": "kunshan", "retrofit_loan_cny": "50000000"}},
        ["as gb18030 (detected)", "the columns are separated by tabs; read as such", "1 rows read"],
        id="tab-separated-gbk",
    ),
    pytest.param(
        "dates-with-time.csv",
        0,
        [(str(line), "valid") for line in range(2, 8)],
        {line: {"application_date": "2022-06-30"} for line in range(2, 8)},
        ["6 rows read, 6 scored, 0 invalid"],
        id="dates-with-a-time-compact-or-excel-serial",
    ),
    pytest.param(
        "district-spellings.csv",
        0,
        [(str(line), "valid") for line in range(2, 12)],
        {
            2: {"district": "snd"},
            3: {"district": "snd"},
            4: {"district": "snd"},
            5: {"district": "snd"},
            6: {"district": "kunshan"},
            7: {"district": "wujiang"},
            8: {"district": "sip"},
            9: {"district": "wujiang"},
            10: {"district": "gusu"},
            11: {"district": "gusu"},
        },
        ["10 rows read, 10 scored, 0 invalid"],
        id="district-spellings",
    ),
    pytest.param(
        "placeholders.csv",
        0,
        [(str(line), "valid") for line in range(2, 7)],
        {  # a placeholder is unknown: the key is left out, never "no" or "none"
            2: {"independent_legal_person": True, "recognitions": None},
            3: {"independent_legal_person": True, "recognitions": None},
            4: {"independent_legal_person": None},
            5: {"independent_legal_person": None},
            6: {"recognitions": None},
        },
        ["5 rows read, 5 scored, 0 invalid"],
        id="placeholders-mean-unknown",
    ),
    pytest.param(
        "counts-with-units.csv",
        0,
        [("2", "valid"), ("3", "valid")],
        {
            2: {"retrofit_loan_cny": "50000000", "cloud_star_level": 3},
            3: {
                "retrofit_loan_cny": "10000000",
                "cloud_star_level": 3,
                "platform_served_enterprises": 600,
                "platform_connected_devices": 50000,
            },
        },
        ["2 rows read, 2 scored, 0 invalid"],
        id="counts-with-measure-words-and-chinese-numerals",
    ),
]


@pytest.mark.parametrize(("name", "exit_code", "rows", "facts", "said"), EXAMPLES)
def test_each_example_file_through_batch(
    name: str, exit_code: int, rows: list[tuple[str, str]], facts: dict[int, dict[str, Any]], said: list[str]
) -> None:
    code, out_rows, err = batch_rows(INPUTS / name)
    assert code == exit_code, err
    assert [(row["line"], row["row_status"]) for row in out_rows] == rows
    assert all(row["row_errors"] == "" for row in out_rows)
    assert all(row["row_warnings"] == "" for row in out_rows)  # codes and districts agree, no control characters
    for fragment in said:
        assert fragment in err
    documents = {document["line"]: document for document in batch_documents(INPUTS / name)}
    for line, expected in facts.items():
        profile = documents[line]["profile"]
        for key, value in expected.items():
            assert profile.get(key) == value, (line, key)


def test_placeholders_leave_lines_to_ask_about_rather_than_closing_them() -> None:
    """'-' in the recognitions column was read as 'none', turning needs_info into potential (and 无 in a yes/no
    column as 'no', closing every line): now both leave the fact unknown."""
    _, rows, _ = batch_rows(INPUTS / "placeholders.csv")
    by_line = {row["line"]: row for row in rows}
    assert by_line["2"]["2b_status"] == "needs_info"  # recognitions '-': unknown, not "none"
    assert by_line["5"]["1a_status"] != "ineligible"  # legal person '无': unknown, not "no"
    assert by_line["5"]["4_status"] == "needs_info"


def test_counts_are_judged_on_the_numbers_read() -> None:
    _, rows, _ = batch_rows(INPUTS / "counts-with-units.csv")
    assert rows[0]["1a_status"] == "eligible" and rows[0]["1a_max_cny"] == "500000.00"  # 1% of 伍仟万元整
    assert rows[0]["4_status"] == "eligible" and rows[0]["4_max_cny"] == "10000.00"  # 三星级
    assert rows[1]["10a_status"] == "potential"  # 5万台 is not more than 50,000 devices


# --- variants of each class written here --------------------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("text", "encoding", "note"),
    [
        ("企业名称;注册地;主体角色\r\n甲公司;昆山市;manufacturer\r\n", "gbk", "separated by semicolons"),
        ("企业名称，注册地，主体角色\n甲公司，昆山市，manufacturer\n", "utf-8", "separated by full-width commas"),
        ("企业名称\t注册地\t主体角色\n甲公司\t昆山市\tmanufacturer\n", "utf-8-sig", "separated by tabs"),
    ],
    ids=["semicolons-gbk", "full-width-commas", "tabs-with-bom"],
)
def test_other_delimiters_are_read_and_named(tmp_path: Path, text: str, encoding: str, note: str) -> None:
    code, rows, err = batch_rows(write(tmp_path / "in.csv", text, encoding))
    assert code == 0 and note in err
    assert [(r["line"], r["name"], r["row_status"]) for r in rows] == [("2", "甲公司", "valid")]


def test_a_value_under_a_column_with_no_heading_is_not_lost(tmp_path: Path) -> None:
    code, rows, err = batch_rows(write(tmp_path / "in.csv", "企业名称,注册地,,\n甲,昆山市,x,\n乙,昆山市,,\n"))
    assert code == 1 and "ignoring 2 column(s) with no heading (column 3, 4)" in err
    assert [(r["line"], r["row_status"]) for r in rows] == [("2", "invalid"), ("3", "valid")]
    assert rows[0]["row_errors"] == "column 3 has no heading but holds 'x'; name it"


def test_a_header_cell_with_a_line_break_or_spaces_names_its_key(tmp_path: Path) -> None:
    text = '"企业\n名称", 注册地 ,"智能化改造项目\r\n贷款额(元)"\n甲,昆山市,100万\n'
    code, rows, _ = batch_rows(write(tmp_path / "in.csv", text))
    assert code == 0 and [(r["line"], r["name"]) for r in rows] == [("4", "甲")]


@pytest.mark.parametrize(
    ("cell", "status", "message"),
    [
        ('"昆山甲公司', "invalid", "opens a quote that is never closed"),
        ("x" * 600, "invalid", "is 600 characters long; no name is longer than 500"),
    ],
    ids=["stray-quote-name", "over-long-name"],
)
def test_a_name_that_cannot_be_a_name_is_an_invalid_row(tmp_path: Path, cell: str, status: str, message: str) -> None:
    text = f"name,district,sme,roles\n{cell},kunshan,是,manufacturer\n乙,taicang,是,manufacturer\n"
    code, rows, _ = batch_rows(write(tmp_path / "in.csv", text))
    assert code == 1
    assert [(r["line"], r["row_status"]) for r in rows] == [("2", status), ("3", "valid")]
    assert message in rows[0]["row_errors"]


@pytest.mark.parametrize(("jobs", "delimiter"), [("1", ","), ("2", ","), ("1", "\t"), ("2", ";")])
def test_a_stray_quote_swallows_no_firm(tmp_path: Path, jobs: str, delimiter: str) -> None:
    """A name opening with a quote made the csv reader join the rows after it into one cell (two firms became
    one valid row; in a large file thousands of firms vanished): every line is now a row of its own."""
    cells = [["name", "credit_code", "district", "retrofit_loan_cny"]] + [
        [f"公司{i}", "", "昆山市", f"{i}万"] for i in range(3000)
    ]
    lines = [delimiter.join(row) for row in cells]
    lines[1001] = '"' + lines[1001]
    lines[2999] = '"' + lines[2999]
    path = write(tmp_path / "in.csv", "\n".join(lines) + "\n")
    code, rows, err = batch_rows(path, "--jobs", jobs)
    assert code == 1
    assert [r["line"] for r in rows] == [str(n) for n in range(2, 3002)]
    assert [r["line"] for r in rows if r["row_status"] == "invalid"] == ["1002", "3000"]
    assert "3,000 rows read, 2,998 scored, 2 invalid" in err


def test_mixed_encodings_are_read_row_by_row(tmp_path: Path) -> None:
    """A GBK export with a UTF-8 row appended was refused (or, in other arrangements, read as mojibake): each
    row is read in its own encoding, and the summary says how many were in which."""
    gbk = "企业名称,注册地\r\n甲公司,昆山市\r\n".encode("gbk")
    path = tmp_path / "in.csv"
    path.write_bytes(gbk + "乙公司,太仓市\r\n".encode())
    code, rows, err = batch_rows(path)
    assert code == 0
    assert [(r["line"], r["name"], r["row_status"]) for r in rows] == [
        ("2", "甲公司", "valid"),
        ("3", "乙公司", "valid"),
    ]
    assert "rows by encoding: 1 GB18030, 1 UTF-8; each read in its own (line 3)" in err


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2022-06-30 00:00:00", "2022-06-30"),
        ("2022/6/30 0:00", "2022-06-30"),
        ("2022-06-30T00:00:00", "2022-06-30"),
        ("20220630", "2022-06-30"),
        ("44742", "2022-06-30"),
        ("44742.0", "2022-06-30"),
        ("2022年6月30日", "2022-06-30"),
    ],
)
def test_dates_as_spreadsheets_write_them(text: str, value: str) -> None:
    assert parse_date(text).isoformat() == value


@pytest.mark.parametrize("text", ["99999", "2022-13-01", "20221301", "123", "tomorrow"])
def test_dates_that_are_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("苏州高新区虎丘区", "snd"),
        ("苏州高新区(虎丘区)", "snd"),
        ("苏州高新区（虎丘区）", "snd"),
        ("高新区/虎丘区", "snd"),
        ("苏州国家高新技术产业开发区", "snd"),
        ("江苏省苏州市昆山市", "kunshan"),
        ("苏州市吴江区", "wujiang"),
        ("苏州市工业园区", "sip"),
        ("吴江市", "wujiang"),
        ("平江区", "gusu"),
        ("沧浪区", "gusu"),
        ("金阊区", "gusu"),
        ("昆山开发区", "kunshan"),
        ("张家港保税区", "zhangjiagang"),
        ("常熟高新区", "changshu"),
        ("吴中 区", "wuzhong"),
        ("320583", "kunshan"),
        ("kunshan", "kunshan"),
    ],
)
def test_districts_as_people_write_them(text: str, district: str) -> None:
    assert parse_value("district", text) == district


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("吴县市", "names no single district: 吴县市 was split in 2001 into 吴中区 and 相城区; write which one"),
        ("苏州市", "names no single district: 苏州市 has ten county-level areas"),
        ("上海市浦东新区", "is not one of: 张家港市、常熟市、太仓市、昆山市、吴江区、吴中区、相城区、姑苏区"),
        ("昆三市", "did you mean '昆山市'?"),
    ],
)
def test_districts_that_name_no_single_area(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_value("district", text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("cloud_star_level", "3星", 3),
        ("cloud_star_level", "三星级", 3),
        ("platform_served_enterprises", "600家", 600),
        ("platform_connected_devices", "12台", 12),
        ("platform_connected_devices", "5万台", 50000),
        ("flexible_experts", "5人", 5),
        ("identifier_daily_resolutions", "3000次", 3000),
        ("retrofit_loan_cny", "伍仟万元整", 50_000_000),
        ("retrofit_loan_cny", "1千万元", 10_000_000),
        ("retrofit_loan_cny", "一千二百万", 12_000_000),
        ("retrofit_loan_cny", "一亿五千万元", 150_000_000),
        ("retrofit_loan_cny", "-0", 0),
    ],
)
def test_counts_with_measure_words_and_chinese_numerals(key: str, text: str, value: int) -> None:
    assert parse_value(key, text) == value


def test_zero_is_never_negative() -> None:
    assert str(parse_money("-0")) == "0" and str(parse_money("-0.00")) == "0"


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("platform_served_enterprises", "许多家", "is not a whole number; write e.g. 600, 600家 or 5万"),
        ("retrofit_loan_cny", "一二三", "is not an amount"),
        ("retrofit_loan_cny", "1e-400000000", "is not an amount"),
        ("retrofit_loan_cny", "1e400", "has an exponent no amount or count can have"),
        ("retrofit_loan_cny", "0.000000001", "has more than 8 decimal places"),
    ],
)
def test_numbers_that_cannot_be_read_get_one_line(key: str, text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_value(key, text)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["-", "/", "—", "——", "无", "暂无", "N/A", "--", "未知"])
@pytest.mark.parametrize(
    "key", ["independent_legal_person", "sme", "roles", "recognitions", "retrofit_loan_cny", "district", "credit_code"]
)
def test_placeholders_are_unknown_in_every_kind_of_column(key: str, text: str) -> None:
    profile = build_profile({"name": "x", key: text})
    expected = [] if (text == "无" and key in ("roles", "recognitions")) else None  # 无 is the documented empty list
    assert getattr(profile, key) == expected
    assert is_placeholder(text)


@pytest.mark.parametrize(
    ("code", "kind", "message"),
    [
        ("9.13206E+17", "spreadsheet_damage", "is a number in scientific notation, as a spreadsheet shows a long"),
        ("913205830000000000", "spreadsheet_damage", "ends in zeros after its 15th digit, as a code does that a"),
        ("91320583MA1MXK8P0G", "check_character", "fails the GB 32100-2015 check (its last character does not fit"),
    ],
)
def test_credit_codes_damaged_warn_and_block_nothing(code: str, kind: str, message: str) -> None:
    document = subsidy_cli.evaluate({"name": "x", "credit_code": code}, as_of="2022-06-30")
    (warning,) = document["warnings"]
    assert (warning["key"], warning["kind"]) == ("credit_code", kind) and message in warning["message"]
    assert "should be" not in warning["message"] and document["profile"]["credit_code"] == code


def test_a_resident_identity_number_is_refused_and_never_repeated() -> None:
    with pytest.raises(ProfileError) as caught:
        build_profile({"name": "x", "credit_code": "11010519491231002X"})
    shown = str(caught.value.problems[0])
    assert "1101**********002X is a resident identity number, not a credit code" in shown
    assert "11010519491231002X" not in shown


@pytest.mark.parametrize("code", ["'91320583MA1MXK8P0F", '="91320583MA1MXK8P0F"', " 91320583ma1mxk8p0f "])
def test_credit_codes_in_spreadsheet_wrappers_are_unwrapped(code: str) -> None:
    assert validate_credit_code(code) == "91320583MA1MXK8P0F"


# --- profiles through check --------------------------------------------------------------------------------


def _profile_json() -> str:
    return codecs.decode((INPUTS / "profile-utf16le.json").read_bytes(), "utf-16")


@pytest.mark.parametrize(
    ("encode", "note"),
    [
        (lambda text: (INPUTS / "profile-utf16le.json").read_bytes(), "read as UTF-16 (with a byte-order mark)"),
        (lambda text: codecs.BOM_UTF8 + text.encode(), "read as UTF-8 (with a byte-order mark)"),
        (lambda text: text.encode("gbk"), "read as GB18030"),
        (lambda text: text.encode(), ""),
    ],
    ids=["powershell-utf16", "utf8-bom", "gbk", "utf8"],
)
@pytest.mark.parametrize("through", ["file", "stdin"])
def test_profiles_saved_by_windows_tools_are_read(tmp_path: Path, encode: Any, note: str, through: str) -> None:
    data = encode(_profile_json())
    path = tmp_path / "firm.json"
    path.write_bytes(data)
    if through == "file":
        code, out, err = run("check", str(path), "--as-of", "2022-06-30", "--format", "json")
    else:
        code, out, err = run("check", "-", "--as-of", "2022-06-30", "--format", "json", stdin=data)
    assert code == 0, err
    assert (note in err) if note else err == ""
    document = json.loads(out)
    assert document["profile"]["district"] == "kunshan" and document["profile"]["retrofit_loan_cny"] == "50000000"
    line = next(r for r in document["results"] if r["benefit"] == "1a")
    assert (line["status"], line["max_award_cny"]) == ("eligible", "500000.00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "a", "name": "b"}', "firm.json: name: is given twice in one object; keep one"),
        ('{"name": "a", "retrofit_loan_cny": 1e-400000000}', "retrofit_loan_cny: 1E-400000000 has more than 8"),
        ('{"name": "a", "retrofit_loan_cny": ' + "9" * 5000 + "}", "is too large to be an amount"),
    ],
    ids=["duplicate-key", "tiny-exponent", "huge-integer"],
)
def test_profiles_that_cannot_be_read_get_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "firm.json"
    path.write_text(text)
    code, out, err = run("check", str(path))
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_placeholder_in_a_profile_or_set_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "firm.toml"
    path.write_text('name = "x"\ndistrict = "昆山市"\nsme = "-"\nrecognitions = "/"\n', encoding="utf-8")
    code, out, _ = run("check", str(path), "--format", "json", "--as-of", "2022-06-30", "--set", "roles=暂无")
    assert code == 0
    profile = json.loads(out)["profile"]
    assert profile == {"name": "x", "district": "kunshan"}


# --- no firm lost, merged or moved ------------------------------------------------------------------------------

NAME = st.text(alphabet="苏州昆山甲乙丙公司有限ABCxyz 0123", min_size=1, max_size=10).map(str.strip).filter(bool)
CONTROL = st.sampled_from(["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028"])


@st.composite
def firm_files(draw: st.DrawFn) -> tuple[bytes, list[int], set[int], str]:
    """A firm file with messy lines, the lines on which the firms a person would count start, the lines of
    those whose name is damaged (a stray quote), and the encoding."""
    firms = draw(st.lists(NAME, min_size=1, max_size=25))
    lines = ["name,district,sme,roles"]
    counted: list[int] = []
    damaged: set[int] = set()
    for name in firms:
        for _ in range(draw(st.integers(0, 2))):  # rows of no value as editors leave them
            lines.append(draw(st.sampled_from(["", ",,,", " , , , ", ",,,,"])))
        kind = draw(st.sampled_from(["plain", "plain", "stray", "quoted", "control"]))
        if kind == "stray":
            name = '"' + name
        elif kind == "quoted":
            name = '"' + name.replace('"', '""') + '"'
        elif kind == "control":
            name = name + draw(CONTROL)
        lines.append(f"{name},kunshan,是,manufacturer")
        counted.append(len(lines))
        if kind == "stray":
            damaged.add(len(lines))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines) + draw(st.sampled_from(["", ending, ending + ending, ending + ",,," + ending]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return text.encode(encoding, errors="replace"), counted, damaged, encoding


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(firm_files())
def test_every_firm_a_person_would_count_appears_once_in_order(
    tmp_path: Path, case: tuple[bytes, list[int], set[int], str]
) -> None:
    data, counted, damaged, _ = case
    path = tmp_path / "firms.csv"
    path.write_bytes(data)
    code, out, err = run("batch", str(path), "--as-of", "2022-06-30")
    if code == 2:  # the file as a whole cannot be read: one line naming why (e.g. a NUL makes it binary)
        assert out == "" and err.startswith("error: ") and len(err.strip().splitlines()) == 1
        return
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(row["line"]) for row in rows] == counted
    for row in rows:
        if int(row["line"]) in damaged:
            assert row["row_status"] == "invalid" and "opens a quote that is never closed" in row["row_errors"]
    assert f"{len(counted):,} rows read" in err
    assert code == (1 if any(row["row_status"] == "invalid" for row in rows) else 0)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_profile_from_a_named_pipe_is_read_like_a_file(tmp_path: Path) -> None:
    """`subsidy check <(...)` hands a pipe, which is no regular file: it was reported as missing."""
    fifo = tmp_path / "firm.toml"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_text, args=('name = "x"\ndistrict = "昆山市"\n',))
    writer.start()
    code, out, err = run("check", str(fifo), "--format", "json", "--as-of", "2022-06-30")
    writer.join(timeout=10)
    assert code == 0, err
    assert json.loads(out)["profile"] == {"name": "x", "district": "kunshan"}
