"""subsidy batch: encodings, headers, cell notations, bad rows, outputs, and agreement with `check`."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import subsidy_cli
from subsidy_cli.batch import blocks as csvblocks
from subsidy_cli.batch import csvio
from subsidy_cli.batch import run as batch_module
from subsidy_cli.batch.csvio import safe_cell, safe_cells
from subsidy_cli.cli import app
from subsidy_cli.output import render
from subsidy_cli.profile.keys import KEYS

ROOT = Path(__file__).resolve().parent.parent
FIRMS = ROOT / "samples" / "firms.csv"
FIRMS_GB = ROOT / "samples" / "firms-gb18030.csv"
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
IDS = [line["benefit"] for line in subsidy_cli.evaluate({"name": "x"}, as_of="2022-01-01")["results"]]


def batch(*args: str, stdin: bytes | str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["batch", *args], input=stdin, env=ENV)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


# --- inputs ------------------------------------------------------------------------------------------------------


def test_sample_utf8() -> None:
    code, out, err = batch(str(FIRMS))
    assert code == 0
    rows = rows_of(out)
    assert len(rows) == 50
    assert [int(r["line"]) for r in rows] == list(range(2, 52))
    assert {r["row_status"] for r in rows} == {"valid"}
    assert "reading" in err and "as utf-8 (detected)" in err
    assert "50 rows read, 50 scored, 0 invalid" in err


def test_sample_gb18030_with_chinese_headers_gives_the_same_results() -> None:
    """The same results; the warnings name the columns as each file heads them (注册地 or district)."""
    code, out_gb, err = batch(str(FIRMS_GB))
    assert code == 0 and "as gb18030 (detected)" in err
    gb, utf8 = rows_of(out_gb), rows_of(batch(str(FIRMS))[1])
    assert [{**row, "row_warnings": ""} for row in gb] == [{**row, "row_warnings": ""} for row in utf8]
    assert [bool(row["row_warnings"]) for row in gb] == [bool(row["row_warnings"]) for row in utf8]
    assert "统一社会信用代码: positions 3-8 of the code say it was issued in 姑苏区 (320503), but 注册地 is 昆山市" in (
        gb[3]["row_warnings"]
    )
    assert b"\r\n" in FIRMS_GB.read_bytes()


def test_wide_columns() -> None:
    """The columns scripts read, unchanged; with --all-columns, the new ones come after them, the input last."""
    header = next(csv.reader(io.StringIO(batch(str(FIRMS))[1])))
    assert header[:6] == ["line", "name", "credit_code", "row_status", "row_errors", "row_warnings"]
    assert header[6:10] == ["1a_status", "1a_max_cny", "1b_status", "1b_max_cny"]
    assert header[-4:] == ["eligible_cash_max_cny", "potential_cash_max_cny", "rules_sha256", "tool_version"]
    assert len(header) == 6 + 2 * 41 + 4
    every = next(csv.reader(io.StringIO(batch(str(FIRMS), "--all-columns")[1])))
    assert every[: len(header)] == header
    more = every[len(header) :]
    assert more[:41] == [f"{line}_status_if_in_force" for line in IDS]
    assert more[41:] == [
        "eligible_cash_max_if_in_force_cny",
        "potential_cash_max_if_in_force_cny",
        "1b_min_cny",
        "missing",
        *(f"(input) {cell}" for cell in FIRMS.read_text(encoding="utf-8").splitlines()[0].split(",")),
    ]
    rows = rows_of(batch(str(FIRMS))[1])
    assert {r["rules_sha256"] for r in rows} == {subsidy_cli.evaluate({"name": "x"})["rules_sha256"]}


def assert_agrees_with_check(out: str, sets: dict[str, str] | None = None, **options: Any) -> None:
    """Every sample firm's batch row says what `check` (the engine) says: statuses, maxima and totals."""
    rows = rows_of(out)
    with FIRMS.open(encoding="utf-8", newline="") as handle:
        firms = list(csv.DictReader(handle))
    assert len(rows) == len(firms)
    for row, firm in zip(rows, firms, strict=True):
        document = subsidy_cli.evaluate({**{k: v for k, v in firm.items() if v}, **(sets or {})}, **options)
        for result in document["results"]:
            benefit = result["benefit"]
            assert row[f"{benefit}_status"] == result["status"], (firm["name"], benefit)
            expected = "" if result["status_if_in_force"] == "ineligible" else (result["max_award_cny"] or "")
            assert row[f"{benefit}_max_cny"] == expected, (firm["name"], benefit)
        assert row["eligible_cash_max_cny"] == document["totals"]["eligible_cash_max_cny"], firm["name"]
        assert row["potential_cash_max_cny"] == document["totals"]["potential_cash_max_cny"], firm["name"]


def test_batch_agrees_with_check_for_every_sample_firm() -> None:
    """The batch fast path and the engine must never disagree."""
    assert_agrees_with_check(batch(str(FIRMS))[1])


@pytest.mark.parametrize("sets", [{"retrofit_loan_cny": "100万"}, {"security_contract_cny": "900000", "sme": "否"}])
def test_set_figures_agree_with_check(sets: dict[str, str]) -> None:
    args = [arg for key, value in sets.items() for arg in ("--set", f"{key}={value}")]
    code, out, _ = batch(str(FIRMS), "--as-of", "2022-06-30", *args)
    assert code == 0
    assert_agrees_with_check(out, sets, as_of="2022-06-30")
    long = rows_of(batch(str(FIRMS), "--as-of", "2022-06-30", "--long", *args)[1])
    assert len(long) == 50 * len(IDS)


@pytest.mark.parametrize("kept", [["5a", "5b"], ["5a", "5b", "6", "7"], ["1a", "4", "5a", "5b", "16a", "18c", "22a"]])
def test_smaller_catalogues_agree_with_check(tmp_path: Path, kept: list[str]) -> None:
    """Blocks of lines whose statuses are alike (all eligible) must keep their own cells."""
    data = tomllib.loads((ROOT / "measures.toml").read_text(encoding="utf-8"))
    data["benefit"] = [benefit for benefit in data["benefit"] if benefit["id"] in kept]
    measures = tmp_path / "measures.toml"
    measures.write_text(tomli_w.dumps(data), encoding="utf-8")
    code, out, _ = batch(str(FIRMS), "--as-of", "2022-06-30", "--measures", str(measures))
    assert code == 0
    assert_agrees_with_check(out, as_of="2022-06-30", measures=measures)


def test_bom_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "name,district\n甲公司,昆山市\n".encode())
    code, out, err = batch(str(path), "--as-of", "2022-01-01")
    assert code == 0 and "utf-8-sig" in err
    assert rows_of(out)[0]["name"] == "甲公司"


def test_given_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.csv", 'name,district\n"Café,Crème",kunshan\n', "latin-1")
    code, _, err = batch(str(path))
    assert code == 2 and "--encoding" in err
    code, out, err = batch(str(path), "--encoding", "latin-1", "--as-of", "2022-01-01")
    assert code == 0 and rows_of(out)[0]["name"] == "Café,Crème" and "(as given)" in err
    code, _, err = batch(str(path), "--encoding", "klingon")
    assert code == 2 and "unknown encoding 'klingon'" in err


def test_bytes_that_go_bad_after_the_sniffed_prefix_are_read_in_their_own_encoding_or_make_the_row_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvio, "SNIFF_BYTES", 64)
    good = "".join(f"firm {i},kunshan\n" for i in range(20))
    path = tmp_path / "mixed.csv"
    gb = "丙公司,昆山\n".encode("gb18030")
    path.write_bytes(b"name,district\n" + good.encode() + gb + b"\xb1\xff,sip\n" + b"last,sip\n")
    code, out, err = batch(str(path), "--as-of", "2022-01-01")
    rows = rows_of(out)
    assert code == 1 and len(rows) == 23
    assert (rows[20]["name"], rows[20]["row_status"]) == ("丙公司", "valid")  # a GB18030 row: read as one
    bad = rows[21]  # bytes neither encoding reads
    assert bad["row_status"] == "invalid" and "not valid in the file's encoding" in bad["row_errors"]
    assert bad["name"].startswith("\ufffd[b1]")  # the bytes are shown, not dropped
    assert rows[22]["row_status"] == "valid"
    assert "rows by encoding: 22 UTF-8, 1 GB18030; each read in its own (line 22)" in err


def test_only_cells_with_bad_bytes_are_invalid_wherever_they_fall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real U+FFFD is a character like any other, before or after a bad byte, in any block."""
    monkeypatch.setattr(csvblocks, "BLOCK_BYTES", 64)
    filler = b"".join(b"f%d,kunshan\n" % i for i in range(30))
    data = b"name,district\nbad\xff,kunshan\nnear\xef\xbf\xbd,kunshan\n" + filler + b"far\xef\xbf\xbd,kunshan\n"
    code, out, _ = batch(str(write_bytes(tmp_path / "in.csv", data)), "--as-of", "2022-01-01", "--encoding", "utf-8")
    rows = rows_of(out)
    assert code == 1 and len(rows) == 33
    assert rows[0]["row_status"] == "invalid" and rows[0]["name"] == "bad\ufffd[ff]"
    assert [r["row_status"] for r in rows[1:]] == ["valid"] * 32
    assert rows[1]["name"] == "near\ufffd" and rows[-1]["name"] == "far\ufffd"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"\xff\xfen\x00a\x00", "UTF-16"),
        (b"name\n\x80\x80\x80\n", "neither UTF-8 nor GB18030"),
        (b"\n\n", "no header row"),
    ],
)
def test_unreadable_inputs(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    code, out, err = batch(str(path))
    assert code == 2 and out == "" and message in err


def test_missing_input_and_folder(tmp_path: Path) -> None:
    assert batch(str(tmp_path / "nope.csv"))[0] == 2
    code, _, err = batch(str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_header_only(tmp_path: Path) -> None:
    code, out, err = batch(str(write(tmp_path / "h.csv", "name,district\n")))
    assert code == 0 and rows_of(out) == [] and "0 rows read" in err


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("name,distrct", "unknown column(s): 'distrct'; did you mean 'district'?"),
        ("district,sme", "no name column"),
        ("name,district,注册地", "both hold 'district'"),
    ],
)
def test_header_problems(tmp_path: Path, header: str, message: str) -> None:
    code, _, err = batch(str(write(tmp_path / "in.csv", f"{header}\na,b,c\n")))
    assert code == 2 and message in err


def test_ignore_unknown_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "name,district,备注\n丁公司,kunshan,老客户\n")
    code, out, err = batch(str(path), "--ignore-unknown-columns", "--as-of", "2022-01-01")
    assert code == 0 and "ignoring column(s): 备注" in err and len(rows_of(out)) == 1


def test_headers_as_keys_chinese_or_english_labels(tmp_path: Path) -> None:
    text = "企业名称,District,SME,智能化改造项目贷款额,roles\n戊公司,昆山,是,1000万,manufacturer\n"
    path = write(tmp_path / "in.csv", text)
    code, out, _ = batch(str(path), "--as-of", "2022-01-01")
    row = rows_of(out)[0]
    assert code == 0 and row["row_status"] == "valid"
    assert row["1a_max_cny"] == "100000.00"


def test_every_cell_notation(tmp_path: Path) -> None:
    rows = [
        "name,entity_type,independent_legal_person,district,sme,roles,recognitions,retrofit_loan_cny,"
        "retrofit_loan_via_platform,cloud_star_level",
        'A,enterprise,true,kunshan,yes,manufacturer;equipment_maker,none,"5,000万元",Y,3',
        "B,企业,是,昆山市,1,manufacturer；equipment_maker,无,0.5亿,是,３",
        'C,enterprise,yes,苏州工业园区,Y,"manufacturer,equipment_maker",NONE,５０００万,true,3',
        "D,enterprise,1,昆山,true,manufacturer、equipment_maker,无,50000000,1,3",
        'E,enterprise,Y,kunshan,是,manufacturer|equipment_maker,none,"50,000,000",yes,3',
        "F,enterprise,否,kunshan,N,manufacturer，equipment_maker,municipal_smart_factory|first_set_equipment,5000万,no,0",
    ]
    code, out, _ = batch(str(write(tmp_path / "in.csv", "\n".join(rows) + "\n")), "--as-of", "2022-01-01")
    out_rows = rows_of(out)
    assert code == 0, [r["row_errors"] for r in out_rows]
    for row in out_rows[:5]:
        assert row["1a_status"] == "eligible" and row["1a_max_cny"] == "500000.00", row["name"]
        assert row["4_status"] == "eligible" and row["4_max_cny"] == "10000.00", row["name"]
        assert row["2b_status"] == "potential", row["name"]  # recognitions known and without the title
    f = out_rows[5]
    assert f["1a_status"] == "ineligible"  # a branch office (独立法人: 否)
    assert f["2b_status"] == "ineligible" and f["2b_max_cny"] == ""


def test_bad_rows_are_kept_in_order_and_named(tmp_path: Path) -> None:
    text = (
        "name,district,sme,retrofit_loan_cny,credit_code\n"
        "good one,kunshan,true,100万,\n"
        "bad district,kunshn,maybe,lots,91350100M000100Y44\n"
        "too,many,cells,here,x,y\n"
        "short\n"
        ",kunshan,true,,\n"
        "\n"
        "last good,sip,false,,91350100M000100Y43\n"
    )
    code, out, err = batch(str(write(tmp_path / "in.csv", text)), "--as-of", "2022-01-01")
    rows = rows_of(out)
    assert code == 1
    assert [r["line"] for r in rows] == ["2", "3", "4", "5", "6", "8"]  # the blank line 7 is no firm: skipped
    assert [r["row_status"] for r in rows] == ["valid", "invalid", "invalid", "invalid", "invalid", "valid"]
    errors = rows[1]["row_errors"]
    assert "district: 'kunshn' is not one of" in errors and "did you mean 'kunshan'?" in errors
    assert "sme: 'maybe' is not yes or no" in errors and "retrofit_loan_cny: 'lots' is not an amount" in errors
    assert "credit_code: '91350100M000100Y44' fails the GB 32100-2015 check" in rows[1]["row_warnings"]
    assert "row has 6 cells but the header has 5; extra cells: 'y'" in rows[2]["row_errors"]
    assert "row has 1 cells but the header has 5" in rows[3]["row_errors"]
    assert "name: is empty" in rows[4]["row_errors"]
    assert rows[1]["1a_status"] == "" and rows[5]["1a_status"] != ""
    assert "6 rows read, 2 scored, 4 invalid, 1 blank skipped (line 7)" in err


def test_a_row_the_csv_reader_cannot_split_is_kept_as_invalid() -> None:
    rows = list(csvio.read_rows(io.StringIO('name\n"a"b\rc\nnext\n')))
    assert [line for line, _ in rows] == [1, 2, 3]
    assert isinstance(rows[1][1], csvio.BadRow) and "cannot be read as CSV" in rows[1][1].error


def test_quoted_cells_spanning_lines_keep_their_line_numbers(tmp_path: Path) -> None:
    text = 'name,district\n"two\nlines",kunshan\nnext,sip\n'
    rows = rows_of(batch(str(write(tmp_path / "in.csv", text)), "--as-of", "2022-01-01")[1])
    assert [(r["line"], r["name"]) for r in rows] == [("2", "two lines"), ("4", "next")]  # a line break: a space


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    text = 'name,district,credit_code\n"=HYPERLINK(""http://x"")",kunshan,\n+cmd,kunshan,@SUM(A1)\n-2,kunshan,\n'
    code, out, _ = batch(str(write(tmp_path / "in.csv", text)), "--as-of", "2022-01-01")
    rows = rows_of(out)
    assert code == 0  # a credit code that is no code warns, and blocks nothing
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["name"] == "'+cmd" and rows[1]["credit_code"] == "'@SUM(A1)"
    assert rows[1]["row_warnings"].startswith("credit_code: '@SUM(A1)' has 8 characters")  # plain text
    assert rows[2]["name"] == "'-2"
    for line in out.splitlines()[1:]:
        for cell in next(csv.reader([line])):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_formula_and_quote_names_in_an_all_valid_file(tmp_path: Path) -> None:
    """Every row valid (the fast path): names that need care still get it."""
    text = 'name,district\n"=1+1",kunshan\n"a,b",kunshan\n"say ""hi""",kunshan\n@x,kunshan\nplain,kunshan\n'
    code, out, _ = batch(str(write(tmp_path / "in.csv", text)), "--as-of", "2022-01-01")
    assert code == 0
    assert [r["name"] for r in rows_of(out)] == ["'=1+1", "a,b", 'say "hi"', "'@x", "plain"]


@given(st.lists(st.text(alphabet='ab=+-@\t\r\n",\x00公', max_size=6), max_size=8))
def test_safe_cells_is_safe_cell_of_each(cells: list[str]) -> None:
    assert safe_cells(cells) == [safe_cell(cell) for cell in cells]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("size", "expected"), [(1000, ["1,234 rows", "50%"]), (None, ["1,234 rows"])])
def test_progress_on_a_terminal(monkeypatch: pytest.MonkeyPatch, size: int | None, expected: list[str]) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with render.batch_progress(size) as progress:
        progress(1234, 500)
    shown = terminal.getvalue()
    assert all(text in shown for text in expected), shown
    assert ("%" in shown) == (size is not None)


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with render.batch_progress(1000) as progress:
        progress(1234, 500)
    assert sys.stderr.getvalue() == ""


def test_stdin_and_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out, err = batch("-", "-o", str(target), stdin="name,district\n己公司,kunshan\n")
    assert code == 0 and out == "" and "<stdin>" in err
    assert rows_of(target.read_text(encoding="utf-8"))[0]["name"] == "己公司"


def test_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "name\nx\n")
    code, _, err = batch(str(path), "-o", str(path))
    assert code == 2 and "is the input file" in err
    assert path.read_text() == "name\nx\n"


def test_excel_long_and_jsonl(tmp_path: Path) -> None:
    target = tmp_path / "excel.csv"
    assert batch(str(FIRMS), "--excel", "-o", str(target))[0] == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, _ = batch(str(FIRMS), "--long")
    long_rows = rows_of(out)
    assert code == 0 and len(long_rows) == 50 * 41
    assert list(long_rows[0]) == [
        "line",
        "name",
        "credit_code",
        "row_status",
        "row_errors",
        "row_warnings",
        "benefit",
        "status",
        "max_award_cny",
        "min_award_cny",
        "rules_sha256",
        "tool_version",
    ]
    every = rows_of(batch(str(FIRMS), "--long", "--all-columns")[1])
    assert list(every[0]) == [
        *long_rows[0],
        "status_if_in_force",
        "missing",
        *(f"(input) {cell}" for cell in FIRMS.read_text(encoding="utf-8").splitlines()[0].split(",")),
    ]
    wide = rows_of(batch(str(FIRMS))[1])
    for item in long_rows[:82]:
        row = wide[int(item["line"]) - 2]
        assert row[f"{item['benefit']}_status"] == item["status"]
        assert row[f"{item['benefit']}_max_cny"] == item["max_award_cny"]
    code, out, _ = batch(str(FIRMS), "--format", "jsonl")
    documents = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(documents) == 50
    assert documents[0]["line"] == 2 and documents[0]["schema_version"] == 1 and len(documents[0]["results"]) == 41


def test_jsonl_keeps_invalid_rows(tmp_path: Path) -> None:
    code, out, _ = batch(str(write(tmp_path / "in.csv", "name,sme\nx,maybe\n")), "--format", "jsonl")
    document = json.loads(out)
    assert code == 1 and document["row_status"] == "invalid" and document["input"] == {"name": "x", "sme": "maybe"}


def test_set_and_as_of_apply_to_every_row() -> None:
    rows = rows_of(batch(str(FIRMS), "--set", "district=outside_suzhou")[1])
    assert all(r["5a_status"] in ("ineligible", "expired") for r in rows)  # the clause names Suzhou's firms
    assert not any(r["1a_status"] == "eligible" for r in rows)  # registration in Suzhou is a reading: to confirm
    rows = rows_of(batch(str(FIRMS), "--as-of", "2024-03-01")[1])
    assert {r["5a_status"] for r in rows} <= {"expired"}
    code, _, err = batch(str(FIRMS), "--set", "sme=maybe")
    assert code == 2 and "--set: sme: 'maybe' is not yes or no" in err


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_jobs_output_is_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    monkeypatch.setattr(csvblocks, "BLOCK_BYTES", 16_384)  # many blocks, some with invalid rows
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    big = tmp_path / "big.csv"
    lines = FIRMS.read_text(encoding="utf-8").splitlines()
    body = [*(lines[1:] * 100)]
    body[1234:1234] = ["ragged,row", '"a quoted\nname",kunshan', "bad,,,,,maybe"]
    big.write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
    assert batch(str(big), "-o", str(one))[0] == 1
    assert batch(str(big), "-o", str(two), "--jobs", jobs)[0] == 1
    assert one.read_bytes() == two.read_bytes()
    rows = rows_of(one.read_text(encoding="utf-8"))
    assert len(rows) == 5003 and [int(r["line"]) for r in rows] == sorted(int(r["line"]) for r in rows)
    assert sum(r["row_status"] == "invalid" for r in rows) == 3


@pytest.mark.parametrize("sendfile", [True, False])
def test_spool_files_are_appended_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sendfile: bool) -> None:
    if not sendfile:  # as on Windows
        monkeypatch.delattr(os, "sendfile", raising=False)
    spool = tmp_path / "0.out"
    spool.write_bytes(bytes(range(256)) * 5000)
    target = tmp_path / "out.csv"
    with target.open("wb") as handle:
        handle.write(b"header\r\n")
        batch_module._append(handle, str(spool))
        handle.write(b"end")
    assert target.read_bytes() == b"header\r\n" + spool.read_bytes() + b"end"


def test_encodings_that_cannot_be_cut_at_line_breaks_are_refused(tmp_path: Path) -> None:
    code, out, err = batch(str(write(tmp_path / "in.csv", "name\nx\n")), "--encoding", "cp500")
    assert code == 2 and out == "" and "'cp500' is not an encoding for CSV files from Excel or WPS" in err


def test_csv_template_headers_round_trip(tmp_path: Path) -> None:
    for lang in ("en", "zh"):
        result = CliRunner().invoke(app, ["template", "--csv", "--lang", lang], env=ENV)
        header = next(csv.reader(io.StringIO(result.stdout)))
        assert [csvio.header_key(cell) for cell in header] == list(KEYS)
        path = write(tmp_path / f"{lang}.csv", result.stdout)
        assert batch(str(path))[0] == 0


def test_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt), csvio.atomic_output(str(target), bom=False) as out:
        out.write("half a row")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_interrupted_run_leaves_no_partial_output(tmp_path: Path, jobs: str) -> None:
    source = tmp_path / "big.csv"
    lines = FIRMS.read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([lines[0], *(lines[1:] * 4000)]) + "\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    spools = tmp_path / "tmp"  # where --jobs keeps each block's output until it is copied
    spools.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "subsidy_cli", "batch", str(source), "-o", str(target), "--jobs", jobs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(spools)},
    )
    deadline = time.monotonic() + 20
    while not any(p.name.endswith(".partial") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert b"Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "tmp"]
    assert list(spools.iterdir()) == []


# --- property: one output row per input row, in order ------------------------------------------------------------

cell = st.one_of(
    st.sampled_from(
        [
            "",
            "kunshan",
            "昆山市",
            "是",
            "否",
            "maybe",
            "5,000万元",
            "0.5亿",
            "manufacturer",
            "=1+1",
            "none",
            "无",
            "x;y",
            "3",
            "-1",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
)
firm_rows = st.lists(st.lists(cell, min_size=0, max_size=6), min_size=0, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=firm_rows)
def test_every_input_row_gives_one_output_row_in_order(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [["name", "district", "sme", "retrofit_loan_cny", "roles"], *rows]
    )
    text = buffer.getvalue()
    stream = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8", newline="")
    expected_lines = [number for number, _ in csvio.read_rows(stream)][1:]
    code, out, _ = batch("-", "--as-of", "2022-06-30", stdin=text.encode("utf-8"))
    assert code in (0, 1)
    produced = rows_of(out)
    assert [int(r["line"]) for r in produced] == expected_lines
    assert all(r["row_status"] in ("valid", "invalid") for r in produced)
    assert (code == 1) == any(r["row_status"] == "invalid" for r in produced)


def test_ids_are_stable() -> None:
    assert IDS[:3] == ["1a", "1b", "2a"] and len(IDS) == 41


# --- the same runs from Python: batch/runner.py and batch/diff.py ---------------------------------------------------

ZJG = ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml"


def test_run_batch_writes_what_the_command_writes(tmp_path: Path) -> None:
    from subsidy_cli.batch.runner import run_batch

    by_command, by_library = tmp_path / "command.csv", tmp_path / "library.csv"
    assert batch(str(FIRMS), "--as-of", "2022-06-30", "--set", "sme=yes", "-o", str(by_command))[0] == 0
    result = run_batch(str(FIRMS), str(by_library), as_of="2022-06-30", overrides=["sme=yes"])
    assert by_library.read_bytes() == by_command.read_bytes()
    assert (result.exit_code, result.stats.rows, result.stats.invalid) == (0, 50, 0)
    assert len(result.stats.eligible_firms) == len(result.catalog.benefits) and result.seconds >= 0


def test_open_firms_then_score_them(tmp_path: Path) -> None:
    import datetime as dt

    from subsidy_cli.batch import runner, sources

    source = write(tmp_path / "in.csv", "企业名称,注册地,remark\nA,kunshan,x\nB,kunshan,y\n", "gb18030")
    seen: list[tuple[int, int]] = []

    def progress(size: int | None):  # type: ignore[no-untyped-def]
        import contextlib

        assert size == source.stat().st_size
        return contextlib.nullcontext(lambda rows, done: seen.append((rows, done)))

    with runner.open_firms(str(source), ignore_unknown_columns=True) as firms:
        assert (firms.encoding, firms.detected, firms.header.unknown) == ("gb18030", True, ("remark",))
        result = runner.score_firms(
            firms,
            sources.rules(None, [ZJG]),
            str(tmp_path / "out.jsonl"),
            output_format="jsonl",
            as_of=dt.date(2022, 6, 30),
            progress=progress,
        )
    assert result.exit_code == 0 and seen == [(2, source.stat().st_size)]
    documents = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["profile"]["name"] for d in documents] == ["A", "B"]


def test_runner_problems_are_usage_errors(tmp_path: Path) -> None:
    from subsidy_cli.batch.runner import open_firms, run_batch
    from subsidy_cli.errors import EXIT_USAGE, SubsidyError

    with pytest.raises(csvio.InputError) as caught:
        open_firms(str(write(tmp_path / "in.csv", "name,distrct\nA,kunshan\n")))
    assert caught.value.exit_code == EXIT_USAGE and "did you mean 'district'?" in caught.value.lines()[0]
    with pytest.raises(csvio.InputError, match="is the input file"):
        open_firms(str(FIRMS), output=str(FIRMS))
    for bad in ({"as_of": "someday"}, {"overrides": ["sme=maybe"]}, {"measures": ROOT / "nope.toml"}):
        with pytest.raises(SubsidyError) as caught:
            run_batch(str(FIRMS), str(tmp_path / "out.csv"), **bad)  # type: ignore[arg-type]
        assert caught.value.exit_code == EXIT_USAGE, bad
    assert not (tmp_path / "out.csv").exists()


def test_invalid_rows_give_exit_1_from_the_library(tmp_path: Path) -> None:
    from subsidy_cli.batch.runner import run_batch

    source = write(tmp_path / "in.csv", "name,sme\nA,maybe\nB,yes\n")
    result = run_batch(str(source), str(tmp_path / "out.csv"), as_of="2022-01-01")
    assert (result.exit_code, result.stats.rows, result.stats.invalid) == (1, 2, 1)


def test_firms_diff_gives_the_rows_the_command_prints(tmp_path: Path) -> None:
    import datetime as dt

    from subsidy_cli.batch import sources
    from subsidy_cli.batch.diff import FirmsDiff

    source = write(tmp_path / "in.csv", "name,sme,district,retrofit_loan_cny\nA,maybe,,\n=B,yes,zhangjiagang,5000万\n")
    result = CliRunner().invoke(app, ["diff", str(source), "--against", str(ZJG), "--as-of", "2022-06-30"], env=ENV)
    changes = FirmsDiff(str(source), sources.rules(None), sources.rules(None, [ZJG]), dt.date(2022, 6, 30))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([changes.header, *changes])
    assert out.getvalue() == result.stdout and result.exit_code == changes.exit_code == 1
    rows = rows_of(out.getvalue())
    assert rows[0]["why"].startswith("sme: 'maybe' is not yes or no") and rows[0]["status_a"] == "invalid"
    assert {row["name"] for row in rows[1:]} == {"'=B"} and changes.invalid == 1


def test_firms_diff_of_a_profile_file_reads_nothing_until_iterated(tmp_path: Path) -> None:
    from subsidy_cli.batch import sources
    from subsidy_cli.batch.diff import FirmsDiff
    from subsidy_cli.profile.keys import ProfileError

    rules = sources.rules(None)
    changes = FirmsDiff(str(tmp_path / "missing.toml"), rules, rules)
    with pytest.raises(ProfileError):
        list(changes)
    kunshan = str(ROOT / "samples" / "kunshan-parts-sme.toml")
    assert list(FirmsDiff(kunshan, rules, rules)) == []  # the same rules change nothing


def test_a_heading_in_wan_yuan_is_read_in_that_unit(tmp_path: Path) -> None:
    """贷款额(万元): a plain 800 is 800万 (a 1% subsidy of 8万), a cell that writes its own unit is read as written;
    the did-you-mean never maps one unit onto another."""
    source = tmp_path / "wan.csv"
    source.write_text(
        "企业名称,主体类型,具有独立法人资格,注册地,主体角色,智能化改造项目贷款额(万元),贷款经苏州综合金融服务等平台获得\n"
        "甲,企业,是,昆山,制造企业,800,是\n乙,企业,是,昆山,制造企业,0.3亿,是\n丙,企业,是,昆山,制造企业,\"1,200\",是\n",
        encoding="utf-8",
    )
    code, out, _ = batch(str(source), "--as-of", "2022-06-30")
    assert code == 0
    assert [row["1a_max_cny"] for row in rows_of(out)] == ["80000.00", "300000.00", "120000.00"]
    code, jsonl, _ = batch(str(source), "--as-of", "2022-06-30", "--format", "jsonl")
    loans = [json.loads(line)["profile"]["retrofit_loan_cny"] for line in jsonl.splitlines()]
    assert [Decimal(loan) for loan in loans] == [Decimal(8_000_000), Decimal(30_000_000), Decimal(12_000_000)]
    other = tmp_path / "qian.csv"
    other.write_text("企业名称,智能化改造项目贷款额(千元)\n甲,800\n", encoding="utf-8")
    code, _, err = batch(str(other))
    assert code == 2 and "unknown column(s): '智能化改造项目贷款额(千元)';" in err and "did you mean" not in err
