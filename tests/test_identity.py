"""Identity columns inform, never block; one encoding per row; one rule for control characters; the batch
readers' messages in both languages. Each class has an example file in tests/inputs/ (credit-codes.csv,
mixed-encodings.csv, control-characters.csv) with its exact outcome, and variants written here."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import subsidy_cli
from subsidy_cli.cli import app
from subsidy_cli.profile.creditcode import read_code
from subsidy_cli.profile.identity import contradictions

INPUTS = Path(__file__).resolve().parent / "inputs"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # every control character but line breaks


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env=ENV)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def batch_rows(path: Path, *extra: str) -> tuple[int, list[dict[str, str]], str]:
    code, out, err = run("batch", str(path), "--as-of", "2022-06-30", *extra)
    return code, list(csv.DictReader(io.StringIO(out))), err


# --- A. credit codes: a warning in the row, the firm still scored ------------------------------------------------

EXCEL = "in Excel or WPS set the column's format to Text and type the codes again, or take them from the source system"
CODE = "统一社会信用代码: "
MOVED = "a code keeps the place where it was first issued, so check the district unless the firm has moved"
# line -> (row status, row warnings) of tests/inputs/credit-codes.csv, as spreadsheets leave codes
CREDIT_CODES = {
    2: ("valid", ""),
    3: (
        "valid",
        f"{CODE}positions 1-2 of the code (92: individual business) contradict 主体类型 enterprise; check which is "
        f"right; {CODE}positions 1-2 of the code (92: individual business, not a legal person) contradict "
        "具有独立法人资格 yes; check which is right",
    ),
    4: ("valid", ""),  # 12 public institution, 320500: the city's own authority, any of the ten
    5: (
        "valid",
        f"{CODE}positions 1-2 of the code (51: social group) contradict 主体类型 public institution; check which "
        "is right",
    ),
    6: ("valid", ""),  # 320594: the code 苏州工业园区's registration authority issues under
    7: (
        "valid",
        f"{CODE}positions 3-8 of the code say it was issued in 浙江省 (330106), but 注册地 is 昆山市; {MOVED}",
    ),
    8: (
        "valid",
        f"{CODE}positions 3-8 of the code say it was issued in 常熟市 (320581), but 注册地 is 苏州市外; {MOVED}",
    ),
    9: (
        "valid",
        f'{CODE}"\'91320500MA1R7T8U9T" was read as 91320500MA1R7T8U9T: the mark a spreadsheet adds to keep a number '
        "as text (') was taken off",
    ),
    10: (
        "valid",
        f"{CODE}'=\"93320506MA1QQ1234D\"' was read as 93320506MA1QQ1234D: the mark a spreadsheet adds to keep a "
        f'number as text (="…") was taken off; {CODE}positions 1-2 of the code (93: farmers\' specialised '
        "cooperative) contradict 主体类型 enterprise; check which is right",
    ),
    11: (
        "valid",
        f"{CODE}'9.13206E+17' is a number in scientific notation, as a spreadsheet shows a long number: the code's "
        f"digits are lost; {EXCEL}",
    ),
    12: (
        "valid",
        f"{CODE}'913205830000000000' ends in zeros after its 15th digit, as a code does that a spreadsheet stored "
        f"as a number (it keeps 15 digits): its last digits are probably lost; {EXCEL}",
    ),
    13: (
        "valid",
        f"{CODE}'91320583MA1MXK8P0G' fails the GB 32100-2015 check (its last character does not fit the first "
        "17); copy it again from the business licence",
    ),
    14: ("invalid", ""),  # a resident identity number: refused, never repeated
    15: ("valid", f"{CODE}'9132058' has 7 characters; a credit code has 18"),
}


def test_credit_codes_example_file() -> None:
    code, rows, err = batch_rows(INPUTS / "credit-codes.csv")
    assert code == 1 and "14 rows read, 13 scored, 1 invalid" in err
    assert {int(row["line"]): (row["row_status"], row["row_warnings"]) for row in rows} == CREDIT_CODES
    personal = rows[12]
    assert personal["credit_code"] == "3205**********123X"
    assert personal["row_errors"] == (
        f"{CODE}3205**********123X is a resident identity number, not a credit code; a firm's unified social "
        "credit code is on its business licence"
    )
    assert all(row["1a_status"] for row in rows if row["row_status"] == "valid")  # scored on their facts
    assert "suggest" not in err and "should be" not in "".join(row["row_warnings"] for row in rows)


def test_the_firm_is_scored_on_its_facts_whatever_its_code() -> None:
    """A failing or damaged code changes no status or amount: the rows read as they would with a good code."""
    _, rows, _ = batch_rows(INPUTS / "credit-codes.csv")
    _, plain, _ = batch_rows(INPUTS / "credit-codes.csv", "--set", "credit_code=")
    for row, same in zip(rows, plain, strict=True):
        if row["row_status"] == "valid":
            assert {k: v for k, v in row.items() if k.endswith(("_status", "_max_cny"))} == {
                k: v for k, v in same.items() if k.endswith(("_status", "_max_cny"))
            }


@pytest.mark.parametrize(
    ("line", "zh"),
    [
        (
            3,
            f"{CODE}代码第 1-2 位（92：个体工商户）与主体类型“企业”不符，请核实哪一项正确; {CODE}代码第 1-2 位（92："
            "个体工商户，不具有法人资格）与具有独立法人资格“是”不符，请核实哪一项正确",
        ),
        (
            7,
            f"{CODE}代码第 3-8 位表明其由浙江省（330106）赋码，而注册地为“昆山市”；"
            "企业迁址后代码不变，如企业未曾迁移，请核实注册地",
        ),
        (
            13,
            f"{CODE}'91320583MA1MXK8P0G' 未通过 GB 32100-2015 校验（第 18 位校验码与前 17 位不符）；"
            "请对照营业执照重新抄录",
        ),
        (15, f"{CODE}'9132058' 有 7 个字符，统一社会信用代码应为 18 位"),
    ],
)
def test_credit_code_warnings_in_chinese(line: int, zh: str) -> None:
    code, rows, _ = batch_rows(INPUTS / "credit-codes.csv", "--lang", "zh")
    assert code == 1 and next(row for row in rows if row["line"] == str(line))["row_warnings"] == zh


def test_credit_code_warnings_in_jsonl_and_the_workbook(tmp_path: Path) -> None:
    code, out, _ = run("batch", str(INPUTS / "credit-codes.csv"), "--as-of", "2022-06-30", "--format", "jsonl")
    documents = {document["line"]: document for document in map(json.loads, out.splitlines())}
    assert code == 1 and "32058319900101123X" not in out  # never repeated in full, not even in the input echoed
    assert documents[14]["input"]["统一社会信用代码"] == "3205**********123X"
    kinds = {line: [w["kind"] for w in document.get("warnings", [])] for line, document in documents.items()}
    assert (
        kinds[3] == ["category", "legal_person"] and kinds[7] == ["region"] and kinds[10] == ["unwrapped", "category"]
    )
    assert kinds[11] == kinds[12] == ["spreadsheet_damage"] and kinds[13] == ["check_character"]
    assert documents[13]["row_warnings"] == [CREDIT_CODES[13][1]]
    assert documents[13]["profile"]["credit_code"] == "91320583MA1MXK8P0G"
    book = tmp_path / "out.xlsx"
    assert run("batch", str(INPUTS / "credit-codes.csv"), "--as-of", "2022-06-30", "-o", str(book))[0] == 1
    import openpyxl

    sheet = openpyxl.load_workbook(book).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][5] == "Warnings" and values[2][5] == CREDIT_CODES[3][1]
    assert "32058319900101123X" not in {cell for row in values for cell in row}


# (profile, kinds of its warnings) through check --format json, the table and the library
PROFILES = [
    pytest.param({"credit_code": "91320583MA1MXK8P0F", "district": "昆山市", "entity_type": "企业"}, [], id="agrees"),
    pytest.param({"credit_code": "91320583MA1MXK8P0G"}, ["check_character"], id="check-fails"),
    pytest.param({"credit_code": "'91320583MA1MXK8P0F"}, ["unwrapped"], id="apostrophe"),
    pytest.param({"credit_code": 913205830000000000}, ["spreadsheet_damage"], id="a-json-number"),
    pytest.param(
        {"credit_code": "92320585MA1XY2Y3L1", "entity_type": "enterprise", "independent_legal_person": True},
        ["category", "legal_person"],
        id="individual-business",
    ),
    pytest.param(
        {"credit_code": "12320500466001234" + "0", "entity_type": "企业"}, ["category"], id="public-institution"
    ),
    pytest.param({"credit_code": "91320583MA1MXK8P0F", "district": "太仓市"}, ["region"], id="another-county"),
    pytest.param({"credit_code": "91330106MA2C3D4E58", "district": "sip"}, ["region"], id="outside-suzhou"),
    pytest.param({"credit_code": "91320500MA1R7T8U9T", "district": "吴中区"}, [], id="city-authority"),
    pytest.param({"name": "甲\x07公司"}, ["control_characters"], id="control-character-in-the-name"),
]


@pytest.mark.parametrize(("facts", "kinds"), PROFILES)
def test_profiles_get_the_same_warnings_in_check_and_the_library(
    tmp_path: Path, facts: dict[str, Any], kinds: list[str]
) -> None:
    data = {"name": "某公司", **facts}
    path = tmp_path / "firm.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, err = run("check", str(path), "--as-of", "2022-06-30", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert [w["kind"] for w in document["warnings"]] == kinds
    library = subsidy_cli.evaluate(data, as_of="2022-06-30")
    assert library["warnings"] == document["warnings"] and library["results"] == document["results"]
    code, table, _ = run("check", str(path), "--as-of", "2022-06-30")
    assert code == 0 and table.count("Warning: ") == len(kinds)
    assert CONTROL.search(table) is None


def test_a_resident_identity_number_in_a_profile_is_refused_without_echo(tmp_path: Path) -> None:
    path = tmp_path / "firm.toml"
    path.write_text('name = "某公司"\ncredit_code = "32058319900101123X"\n', encoding="utf-8")
    code, out, err = run("check", str(path))
    assert code == 1 and out == ""
    assert err == (
        f"error: {path}: credit_code: 3205**********123X is a resident identity number, not a credit code; a firm's "
        "unified social credit code is on its business licence\n"
    )


@pytest.mark.parametrize(
    ("code", "district", "kinds"),
    [
        ("91320583MA1MXK8P0F", "kunshan", []),
        ("91320509MA1MXK8P0F", "wujiang", []),
        ("91320584MA1MXK8P0F", "wujiang", []),  # 吴江市's code, before 2012
        ("91320503MA1MXK8P0F", "gusu", []),  # 平江区's
        ("91320594MA1MXK8P0F", "sip", []),
        ("91320505MA1MXK8P0F", "snd", []),
        ("91320599MA1MXK8P0F", "kunshan", []),  # a Suzhou code this table does not place: no county to set against
        ("91320583MA1MXK8P0F", "outside_suzhou", ["region"]),
        ("91320211MA1MXK8P0F", "kunshan", ["region"]),
        ("91320211MA1MXK8P0F", "outside_suzhou", []),
        ("91320583MA1MXK8P0F", None, []),
    ],
)
def test_regions_against_districts(code: str, district: str | None, kinds: list[str]) -> None:
    assert [notice.kind for notice in contradictions(code, {"district": district})] == kinds


def test_no_suggested_character_and_no_warning_for_a_good_code() -> None:
    assert read_code("91320583MA1MXK8P0F").notices == ()
    (notice,) = read_code("91320583MA1MXK8P0G").notices
    assert "F" not in notice.message.replace("MXK8P0G", "")  # the right character is never named


# --- B. one encoding per row -------------------------------------------------------------------------------------


def test_mixed_encodings_example_file() -> None:
    code, rows, err = batch_rows(INPUTS / "mixed-encodings.csv")
    assert code == 1
    assert [(row["line"], row["name"], row["row_status"]) for row in rows] == [
        ("2", "昆山甲精密机械有限公司", "valid"),
        ("3", "太仓乙智能装备有限公司", "valid"),  # UTF-8, pasted into a GBK file
        ("4", "常熟丙纺织有限公司", "valid"),
        ("5", "\ufffd[ff]\ue4c4", "invalid"),  # bytes neither encoding reads: flagged, shown
        ("6", "吴江丁电缆有限公司", "valid"),
        ("7", "苏州戊科技有限公司", "valid"),
    ]
    assert "contains bytes that are not valid in the file's encoding" in rows[3]["row_errors"]
    assert "rows by encoding: 4 GB18030, 2 UTF-8; each read in its own (line 3, 7)" in err


def _firms(count: int, encoding: str) -> bytes:
    return "".join(f"苏州第{i}号精密机械有限公司,昆山市,是\r\n" for i in range(count)).encode(encoding)


# (what the file is, its bytes, the names of the odd rows, the summary)
ARRANGEMENTS = [
    pytest.param(
        "企业名称,注册地,中小企业\r\n".encode("gbk")
        + _firms(40_000, "gbk")
        + "太仓乙智能装备有限公司,太仓市,是\r\n".encode(),
        "GB18030",
        "rows by encoding: 40,000 GB18030, 1 UTF-8; each read in its own (line 40002)",
        id="utf8-row-after-the-first-mb-of-a-gbk-file",
    ),
    pytest.param(
        "企业名称,注册地,中小企业\r\n太仓乙智能装备有限公司,太仓市,是\r\n".encode() + _firms(40_000, "gbk"),
        "GB18030",
        "rows by encoding: 40,000 GB18030, 1 UTF-8; each read in its own (line 2)",
        id="utf8-header-and-row-before-gbk-rows",
    ),
    pytest.param(
        codecs.BOM_UTF8
        + "企业名称,注册地,中小企业\r\n".encode()
        + _firms(40_000, "utf-8")
        + "太仓乙智能装备有限公司,太仓市,是\r\n".encode("gbk"),
        "UTF-8",
        "rows by encoding: 40,000 UTF-8, 1 GB18030; each read in its own (line 40002)",
        id="gbk-row-after-the-first-mb-of-a-utf8-file-with-bom",
    ),
    pytest.param(
        "企业名称,注册地,中小企业\r\n".encode()
        + "太仓乙智能装备有限公司,太仓市,是\r\n".encode("gbk")
        + _firms(40_000, "utf-8"),
        "UTF-8",
        "rows by encoding: 40,000 UTF-8, 1 GB18030; each read in its own (line 2)",
        id="gbk-row-early-in-a-utf8-file",
    ),
]


@pytest.mark.parametrize(("data", "main", "summary"), ARRANGEMENTS)
def test_each_row_in_its_own_encoding_wherever_it_is(tmp_path: Path, data: bytes, main: str, summary: str) -> None:
    path = tmp_path / "firms.csv"
    path.write_bytes(data)
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out{jobs}.csv"
        code, _, err = run("batch", str(path), "--as-of", "2022-06-30", "--jobs", jobs, "-o", str(target))
        assert code == 0 and summary in err and "40,001 rows read, 40,001 scored, 0 invalid" in err
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]  # --jobs 2 gives the same bytes
    rows = list(csv.DictReader(io.StringIO(outputs[0].decode())))
    odd = [row["name"] for row in rows if not row["name"].startswith("苏州第")]
    assert odd == ["太仓乙智能装备有限公司"]
    assert all(re.fullmatch(r"苏州第\d+号精密机械有限公司", row["name"]) for row in rows if row["name"] not in odd)


# --- B. control characters: one rule wherever they are -----------------------------------------------------------


def test_control_characters_example_file() -> None:
    code, out, err = run("batch", str(INPUTS / "control-characters.csv"), "--as-of", "2022-06-30")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and "took control characters out of the header (column 4)" in err
    assert [(row["line"], row["name"], row["row_status"], row["row_warnings"]) for row in rows] == [
        ("3", "昆山甲精密机械有限公司", "valid", "企业名称: control characters taken out of the cell: U+0000"),
        ("4", "太仓乙[2J智能 装备有限公司", "valid", "企业名称: control characters taken out of the cell: U+001B"),
        (
            "5",
            "常熟丙纺织 有限公司",
            "valid",
            "注册地: control characters taken out of the cell: U+0085",
        ),  # a line break: a space
        ("7", "吴江丁电缆有限公司", "valid", ""),
    ]
    assert "unknown column" not in err  # 中小\a企业 and "主体\n角色" name their keys
    assert CONTROL.search(out.replace("\r\n", "")) is None and CONTROL.search(err.replace("\n", "")) is None


@pytest.mark.parametrize("output_format", ["csv", "jsonl", "long"])
def test_no_control_character_reaches_any_output(output_format: str) -> None:
    extra = ["--long"] if output_format == "long" else ["--format", output_format]
    code, out, _ = run("batch", str(INPUTS / "control-characters.csv"), "--as-of", "2022-06-30", *extra)
    assert code == 0 and CONTROL.search(out.replace("\r\n", "").replace("\n", "")) is None


def test_a_few_nuls_are_text_but_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"name,district\n" + b"".join(b"firm\x00%d,kunshan\n" % i for i in range(5)))
    code, rows, _ = batch_rows(path)
    assert code == 0 and [row["name"] for row in rows] == [f"firm{i}" for i in range(5)]
    path.write_bytes(b"\x00\x01\x02\x03" * 100)
    code, _, err = run("batch", str(path))
    assert code == 2 and "is a binary file, not CSV text" in err


def test_an_escape_in_a_key_or_value_never_reaches_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "firm.json"
    path.write_text(json.dumps({"name": "x", "sme\x1b[2J": "是"}), encoding="utf-8")
    code, _, err = run("check", str(path))
    assert code == 1 and "\x1b" not in err and "sme\\x1b[2J: unknown key" in err and err.count("\n") == 1


# --- C. the batch readers' messages in both languages ------------------------------------------------------------

MESSAGES = [
    (["batch", "nowhere.csv"], "en", 2, "error: nowhere.csv: does not exist; check the path"),
    (["batch", "nowhere.csv"], "zh", 2, "错误：nowhere.csv: 不存在；请检查路径"),
    (
        ["batch", "{inputs}/blank-rows.csv", "--sheet", "1"],
        "zh",
        2,
        "--sheet 只用于工作簿（.xlsx .xls .ods）；请去掉 --sheet",
    ),
    (
        ["batch", "{inputs}/blank-rows.csv", "--encoding", "klingon"],
        "zh",
        2,
        "--encoding: 未知编码 'klingon'；可试 utf-8",
    ),
    (["batch", "{inputs}/tab-separated-gbk.csv"], "zh", 0, "各列以制表符分隔，已按此读取"),
    (["batch", "{inputs}/trailing-empty-header-columns.csv"], "zh", 0, "忽略 2 个没有表头的列（第 4, 5 列）"),
    (["show", "2z"], "zh", 2, "错误：没有条目或措施 '2z'；是否指 2c 或 2b 或 2a？"),
    (["show", "2z"], "en", 2, "error: no benefit line or measure '2z'; did you mean 2c or 2b or 2a?"),
]


@pytest.mark.parametrize(("args", "lang", "exit_code", "message"), MESSAGES)
def test_messages_in_the_language_asked_for(args: list[str], lang: str, exit_code: int, message: str) -> None:
    code, _, err = run(*[arg.format(inputs=INPUTS) for arg in args], "--lang", lang)
    assert code == exit_code and message in err, err


def test_a_header_problem_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text("企业名字,注册地\n甲,昆山市\n", encoding="utf-8")
    code, _, err = run("batch", str(path), "--lang", "zh")
    assert code == 2
    assert err.splitlines() == [
        f"错误：{path}: 无法识别的列：'企业名字'；是否指 '企业名'？；请改列名，或使用 --ignore-unknown-columns 忽略",
        f"错误：{path}: 没有企业名称列（name / 企业名称）；每家企业都需要名称",
    ]
