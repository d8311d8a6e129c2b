"""Workbooks in and out: sheets read as their CSV reads, the results workbook, the data-collection template.

Workbooks are written here by XlsxWriter (the tool's own writer) and by openpyxl (a second, independent one);
each is scored and compared with samples/firms.csv scored the plain way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from typer.testing import CliRunner

from subsidy_cli import evaluate
from subsidy_cli.batch.workbook import cell_text, number_text
from subsidy_cli.cli import app
from subsidy_cli.engine.explain import STATUS_WORDS
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.i18n import tr
from subsidy_cli.output.template import dropdown_values
from subsidy_cli.profile.keys import KEYS

ROOT = Path(__file__).resolve().parent.parent
FIRMS = ROOT / "samples" / "firms.csv"
LAYER = ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
AS_OF = "2022-06-30"


def run(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={**ENV, **(env or {})})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def batch_csv(source: Path, tmp_path: Path, *extra: str, carried: bool = False) -> tuple[int, list[list[str]], str]:
    """``batch`` of ``source`` to CSV: the exit code, the rows (without the input columns it carries, which hold the
    input as given, unless ``carried``) and stderr."""
    out = tmp_path / f"{source.stem}-{len(list(tmp_path.iterdir()))}.csv"
    code, _, err = run("batch", source, "-o", out, "--as-of", AS_OF, *extra)
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    if not carried:
        scored = [i for i, column in enumerate(rows[0]) if not column.startswith("(input) ")]
        rows = [[row[i] for i in scored if i < len(row)] for row in rows]
    return code, rows, err


def sample_rows() -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(FIRMS.open(encoding="utf-8", newline="")))
    return rows[0], rows[1:]


def typed(key: str, text: str) -> object:
    """A cell as a person would type it into a spreadsheet: numbers as numbers, dates as dates, yes/no as such."""
    if not text:
        return None
    spec = KEYS[key]
    if spec.type in ("money", "count") and text.isdigit():
        return int(text)
    if spec.type == "date":
        return dt.date.fromisoformat(text)
    if spec.type == "bool" and text in ("true", "false"):
        return text == "true"
    return text


def write_openpyxl(path: Path, header: list[str], rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def write_xlsxwriter(path: Path, header: list[str], rows: list[list[object]]) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, dates)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
    book.close()


WRITERS: dict[str, Callable[[Path, list[str], list[list[object]]], None]] = {
    "openpyxl": write_openpyxl,
    "xlsxwriter": write_xlsxwriter,
}


# --- workbooks in ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("cells", ["text", "typed"])
def test_sheet_scores_as_its_csv(tmp_path: Path, writer: str, cells: str) -> None:
    header, rows = sample_rows()
    values = [
        [typed(k, v) if cells == "typed" else (v or None) for k, v in zip(header, row, strict=True)] for row in rows
    ]
    book = tmp_path / "firms.xlsx"
    WRITERS[writer](book, header, values)
    code_x, from_sheet, err = batch_csv(book, tmp_path)
    code_c, from_csv, _ = batch_csv(FIRMS, tmp_path)
    assert (code_x, code_c) == (0, 0), err
    assert "sheet 'Sheet" in err and "header on row 1" in err
    assert from_sheet == from_csv
    assert len(from_sheet) == len(rows) + 1


def test_sheet_scores_as_its_csv_with_layer_and_jobs(tmp_path: Path) -> None:
    header, rows = sample_rows()
    book = tmp_path / "firms.xlsx"
    write_xlsxwriter(book, header, [[typed(k, v) for k, v in zip(header, row, strict=True)] for row in rows])
    extra = ("--overlay", str(LAYER), "--jobs", "2")
    assert batch_csv(book, tmp_path, *extra)[1] == batch_csv(FIRMS, tmp_path, *extra)[1]


def test_diff_of_a_sheet_is_the_diff_of_its_csv(tmp_path: Path) -> None:
    header, rows = sample_rows()
    book = tmp_path / "firms.xlsx"
    write_openpyxl(book, header, [[typed(k, v) for k, v in zip(header, row, strict=True)] for row in rows])
    code_x, out_x, _ = run("diff", book, "--against", LAYER, "--as-of", AS_OF)
    code_c, out_c, _ = run("diff", FIRMS, "--against", LAYER, "--as-of", AS_OF)
    assert (code_x, code_c) == (0, 0)
    assert out_x == out_c
    assert out_x.count("\n") > 5


def test_check_one_row_of_a_sheet(tmp_path: Path) -> None:
    header, rows = sample_rows()
    book = tmp_path / "firms.xlsx"
    write_openpyxl(book, header, [[typed(k, v) for k, v in zip(header, row, strict=True)] for row in rows])
    code, out, _ = run("check", book, "--row", "3", "--as-of", AS_OF, "--format", "json")
    assert code == 0
    firm = {k: v for k, v in zip(header, rows[1], strict=True) if v}  # row 3 of the sheet is the second firm
    assert json.loads(out)["results"] == evaluate(firm, as_of=AS_OF)["results"]
    code, _, err = run("check", book)
    assert code == 2
    assert "holds 50 firms; choose one with --row N (rows 2-51 hold firms)" in err
    code, _, err = run("check", book, "--row", "99")
    assert code == 2 and "row 99 holds no firm" in err
    one = tmp_path / "one.xlsx"
    write_openpyxl(one, header, [[typed(k, v) for k, v in zip(header, rows[1], strict=True)]])
    assert run("check", one, "--as-of", AS_OF, "--format", "json")[1] == out


def test_credit_code_stored_as_a_number(tmp_path: Path) -> None:
    """Excel kept 15 digits of a code typed as a number: a warning, as for the same digits in a CSV; the firm is
    still judged on its facts (the first row is invalid for its SME cell alone)."""
    book = tmp_path / "codes.xlsx"
    rows: list[list[object]] = [
        ["甲公司", 913205830000000017, "昆山市", "bad"],  # what Excel keeps of an 18-digit code typed as a number
        ["乙公司", 9.13205e17, "昆山市", ""],
        ["丙公司", "91320558MAHTGJ1TP0", "昆山市", ""],
    ]
    write_openpyxl(book, ["企业名称", "统一社会信用代码", "注册地", "中小企业"], rows)
    code, results, _ = batch_csv(book, tmp_path)
    assert code == 1
    assert [row[3] for row in results[1:]] == ["invalid", "valid", "valid"]
    assert results[1][:3] == ["2", "甲公司", "913205830000000000"]
    assert results[1][4] == "中小企业: 'bad' is not yes or no; write true/false, yes/no, 是/否 or 1/0"
    damaged = (
        "统一社会信用代码: '{}' ends in zeros after its 15th digit, as a code does that a spreadsheet stored as a "
        "number (it keeps 15 digits): its last digits are probably lost; in Excel or WPS set the column's format to "
        "Text and type the codes again, or take them from the source system"
    )
    assert results[1][5] == damaged.format("913205830000000000")
    assert results[2][2] == "913205000000000000" and results[2][5] == damaged.format("913205000000000000")
    assert results[3][5] == ""
    code, out, _ = run("check", book, "--row", "3", "--format", "json")
    assert code == 0 and [w["kind"] for w in json.loads(out)["warnings"]] == ["spreadsheet_damage"]
    code, _, err = run("check", book, "--row", "2")
    assert code == 1 and "row 2: sme: 'bad' is not yes or no" in err


def _layout_workbook(path: Path) -> None:
    """A sheet as offices make them: a title row, a two-row header with merged cells, a date cell, a formula
    with its saved value, a district merged over two firms, a blank row, a hidden row, an empty column."""
    book = xlsxwriter.Workbook(str(path))
    notes = book.add_worksheet("说明")
    notes.write_string(0, 0, "本表由各区填报")
    sheet = book.add_worksheet("名单")
    dates = book.add_format({"num_format": "yyyy年m月d日"})
    sheet.merge_range("A1:F1", "2022 年企业名单")
    sheet.merge_range("A2:A3", "企业名称")
    sheet.merge_range("B2:C2", "基本情况")
    sheet.write_string("B3", "注册地")
    sheet.write_string("C3", "申报日期")
    sheet.merge_range("D2:D3", "智能化改造项目贷款额(元)")
    sheet.write_string("E2", "中小企业")  # the header of E is on the upper row, merged with nothing
    sheet.write_string(3, 0, "甲公司")
    sheet.merge_range("B4:B5", "昆山市")
    sheet.write_datetime(3, 2, dt.datetime(2022, 3, 1), dates)
    sheet.write_formula(3, 3, "=2500*2000", None, 5000000)
    sheet.write_boolean(3, 4, True)
    sheet.write_string(4, 0, "乙公司")
    sheet.write_string(4, 2, "2022-05-01")
    sheet.write_number(4, 3, 1234.5)
    sheet.write_string(6, 0, "丙公司")  # row 6 is blank
    sheet.write_string(6, 1, "吴江区")
    sheet.write_number(6, 3, 0.1 + 0.2)
    sheet.set_row(6, None, None, {"hidden": True})
    sheet.write_string(7, 0, "丁公司")
    sheet.write_string(7, 1, "sip")
    sheet.write_string(7, 4, "否")
    sheet.set_column("F:F", 12)  # a formatted column with no header and no values
    book.close()


def test_title_rows_merged_header_dates_formulas_and_merged_cells(tmp_path: Path) -> None:
    book = tmp_path / "layout.xlsx"
    _layout_workbook(book)
    code, results, err = batch_csv(book, tmp_path)
    assert code == 0, err
    assert "sheet '名单' (header on row 3)" in err
    twin = tmp_path / "twin.csv"
    twin.write_text(
        "企业名称,注册地,申报日期,智能化改造项目贷款额(元),中小企业\n"
        "甲公司,昆山市,2022-03-01,5000000,true\n"
        "乙公司,昆山市,2022-05-01,1234.5,\n"
        "丙公司,吴江区,,0.3,\n"
        "丁公司,sip,,,否\n",
        encoding="utf-8",
    )
    expected = batch_csv(twin, tmp_path)[1]
    assert [row[0] for row in results[1:]] == ["4", "5", "7", "8"]  # the rows the spreadsheet shows
    assert [row[1:] for row in results] == [row[1:] for row in expected]


def test_cell_texts() -> None:
    assert [number_text(v) for v in (5000000.0, 1234.5, 0.1 + 0.2, 1.5e16, 1e20, 2.5e-7)] == [
        "5000000",
        "1234.5",
        "0.3",
        "15000000000000000",
        "100000000000000000000",
        "0.00000025",
    ]
    assert cell_text(dt.datetime(2022, 6, 30, 10, 30)) == "2022-06-30 10:30:00"
    assert cell_text(dt.datetime(2022, 6, 30, 10, 30), date_key=True) == "2022-06-30"
    assert [cell_text(v) for v in (True, False, "", dt.date(2021, 1, 2))] == ["true", "false", "", "2021-01-02"]


def test_choosing_the_sheet(tmp_path: Path) -> None:
    book = tmp_path / "layout.xlsx"
    _layout_workbook(book)
    assert batch_csv(book, tmp_path, "--sheet", "2")[1] == batch_csv(book, tmp_path, "--sheet", "名单")[1]
    code, _, err = run("batch", book, "--sheet", "1")
    assert code == 2
    assert "no header row naming the firm (name / 企业名称) in the first 20 rows of sheet(s) '说明'" in err
    code, _, err = run("batch", book, "--sheet", "清单")
    assert code == 2 and "--sheet: no sheet '清单'; the sheets are: 1 '说明', 2 '名单'" in err


def test_value_under_a_column_without_header(tmp_path: Path) -> None:
    book = tmp_path / "loose.xlsx"
    write_openpyxl(book, ["企业名称", None, "注册地"], [["甲公司", "备注", "昆山市"], ["乙公司", None, "吴江区"]])  # type: ignore[list-item]
    code, results, _ = batch_csv(book, tmp_path)
    assert code == 1
    assert results[1][3:5] == [
        "invalid",
        "column B has no header but holds '备注'; give the column a header, or pass --ignore-unknown-columns",
    ]
    assert results[2][3] == "valid"
    assert batch_csv(book, tmp_path, "--ignore-unknown-columns")[0] == 0


def test_unreadable_workbooks(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name\n甲\n", encoding="utf-8")
    code, _, err = run("batch", fake)
    assert code == 2 and "fake.xlsx: cannot be read as a workbook" in err
    code, _, err = run("batch", tmp_path / "missing.xlsx")
    assert code == 2 and "missing.xlsx: does not exist" in err
    code, _, err = run("batch", FIRMS, "--sheet", "2")
    assert code == 2 and "firms.csv: --sheet is for workbooks (.xlsx .xls .ods); leave out --sheet" in err
    code, _, err = run("check", ROOT / "samples" / "kunshan-parts-sme.toml", "--row", "2")
    assert code == 2 and "--row is for workbooks" in err
    code, _, err = run("batch", FIRMS, "-o", tmp_path / "x.xlsx", "--format", "csv")
    assert code == 2 and "names a workbook but --format is csv" in err
    assert not (tmp_path / "x.xlsx").exists()


# --- workbooks out ---------------------------------------------------------------------------------------------


def results_workbook(tmp_path: Path, lang: str, source: Path = FIRMS) -> Path:
    out = tmp_path / f"results-{lang}.xlsx"
    code, _, err = run("batch", source, "-o", out, "--as-of", AS_OF, "--lang", lang)
    assert code in (0, 1), err
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_results_workbook(tmp_path: Path, lang: str) -> None:
    out = results_workbook(tmp_path, lang)
    _, from_csv, _ = batch_csv(FIRMS, tmp_path)
    header, csv_rows = from_csv[0], from_csv[1:]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == (["结果", "汇总", "说明"] if lang == "zh" else ["Results", "Summary", "Legend"])
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "C2"
    rows = list(sheet.iter_rows(values_only=True))
    first = ["Row", "Name", "Credit code", "Row status", "Problems", "Warnings"]
    if lang == "zh":
        first = ["行号", "企业名称", "统一社会信用代码", "行状态", "问题", "提示"]
    assert list(rows[0][:6]) == first
    assert rows[0][8] == ("1a 状态" if lang == "zh" else "1a status")
    firms_header = sample_rows()[0]
    given = "(输入) " if lang == "zh" else "(input) "
    assert list(rows[0][-len(firms_header) :]) == [given + c for c in firms_header]
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{len(csv_rows) + 1}"
    assert len(rows) == len(csv_rows) + 1
    words = {status: tr(lang, STATUS_WORDS[status]) for status in STATUSES}
    lines = (header.index("eligible_cash_max_cny") - 6) // 2
    for got, want, given in zip(rows[1:], csv_rows, sample_rows()[1], strict=True):
        assert got[0] == int(want[0]) and got[1] == want[1] and (got[2] or "") == want[2]
        assert bool(got[5]) == bool(want[5])  # the warnings (in the workbook's language)
        assert [float(v) if v else None for v in want[6 + 2 * lines : 8 + 2 * lines]] == [
            None if got[c] is None else float(got[c]) for c in (6, 7)
        ]
        for i in range(lines):
            assert got[8 + 2 * i] == words[want[6 + 2 * i]]
            assert got[9 + 2 * i] == (float(want[7 + 2 * i]) if want[7 + 2 * i] else None)
        assert [v or "" for v in got[-len(given) :]] == given
    amount = next(c for c in sheet[3][8:] if isinstance(c.value, int | float))
    assert amount.number_format == "¥#,##0.00"
    assert sheet.cell(3, 7).number_format == "¥#,##0.00"


def test_results_summary_and_legend(tmp_path: Path) -> None:
    out = results_workbook(tmp_path, "en")
    _, from_csv, _ = batch_csv(FIRMS, tmp_path)
    column = from_csv[0].index("5a_status")
    statuses = [row[column] for row in from_csv[1:]]
    summary = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    assert summary[1][:2] == ("read", 50) and summary[3][:2] == ("invalid", 0)
    heads = summary[5]
    line = next(row for row in summary if row[0] == "5a")
    for status in STATUSES:
        assert line[heads.index(STATUS_WORDS[status])] == statuses.count(status)
    assert line[heads.index("Annual quota")] == 40
    assert line[heads.index("Eligible / quota")] == pytest.approx(statuses.count("eligible") / 40)
    assert "40家工厂、600家车间" in line[heads.index("Clause")]
    districts = summary[summary.index(next(r for r in summary if r[0] == "District")) + 1 :]
    assert sum(r[1] for r in districts if r[0]) == 50
    legend = list(openpyxl.load_workbook(out)["Legend"].iter_rows(values_only=True))
    assert legend[1][0] == "1a" and legend[1][6]
    facts = {row[0]: row[1] for row in legend if row[0]}
    assert facts["Evaluation date"] == AS_OF
    assert facts["Rules hash (SHA-256)"] == from_csv[1][from_csv[0].index("rules_sha256")]
    assert facts["Tool version"].endswith(from_csv[1][from_csv[0].index("tool_version")])


def test_no_formula_anywhere(tmp_path: Path) -> None:
    firms = tmp_path / "firms.csv"
    firms.write_text('name,district\n"=HYPERLINK(""http://x"",""y"")",昆山市\n+1,sip\n@SUM(1),\n', encoding="utf-8")
    out = results_workbook(tmp_path, "en", firms)
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    book = openpyxl.load_workbook(out)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    names = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert names == ['=HYPERLINK("http://x","y")', "+1", "@SUM(1)"]


def test_results_workbook_from_a_sheet_and_to_stdout(tmp_path: Path) -> None:
    header, rows = sample_rows()
    source = tmp_path / "firms.xlsx"
    write_xlsxwriter(source, header, [[typed(k, v) for k, v in zip(header, row, strict=True)] for row in rows])
    from_sheet = openpyxl.load_workbook(results_workbook(tmp_path, "zh", source)).worksheets[0]
    (tmp_path / "plain").mkdir()
    from_csv = openpyxl.load_workbook(results_workbook(tmp_path / "plain", "zh")).worksheets[0]
    width = 7 + 2 * ((batch_csv(FIRMS, tmp_path)[1][0].index("eligible_cash_max_cny") - 5) // 2)
    got = [row[:width] for row in from_sheet.iter_rows(values_only=True)]
    assert got == [row[:width] for row in from_csv.iter_rows(values_only=True)]
    result = CliRunner().invoke(app, ["batch", str(FIRMS), "--format", "xlsx", "--as-of", AS_OF], env=ENV)
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"PK\x03\x04")
    assert openpyxl.load_workbook(io.BytesIO(result.stdout_bytes)).sheetnames == ["Results", "Summary", "Legend"]


# --- the template ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_round_trip(tmp_path: Path, lang: str) -> None:
    template = tmp_path / "firms.xlsx"
    code, _, err = run("template", "--xlsx", "-o", template, "--lang", lang)
    assert code == 0 and ("已写入" if lang == "zh" else "wrote") in err
    assert run("template", "--xlsx", "-o", template)[0] == 2  # never written over
    book = openpyxl.load_workbook(template)
    assert book.sheetnames[:2] == (["企业名单", "填写说明"] if lang == "zh" else ["Firms", "Columns"])
    assert book["Lists"].sheet_state == "hidden"
    sheet = book.worksheets[0]
    labels = [cell.value for cell in sheet[1]]
    assert labels == [spec.label(lang) for spec in KEYS.values()]
    column = {key: i + 1 for i, key in enumerate(KEYS)}
    assert sheet.column_dimensions[sheet.cell(1, column["credit_code"]).column_letter].number_format == "@"
    lists = {next(iter(v.sqref.ranges)).min_col: v for v in sheet.data_validations.dataValidation}
    for key, spec in KEYS.items():
        rule = lists[column[key]]
        assert rule.promptTitle and rule.prompt
        assert (rule.type == "list") == (spec.type in ("choice", "multi", "bool")), key
    assert "500万" in lists[column["retrofit_loan_cny"]].prompt
    explain = [row[1] for row in book.worksheets[1].iter_rows(min_row=2, max_row=len(KEYS) + 1, values_only=True)]
    assert explain == list(KEYS)
    # fill two firms as a person would: dropdown values, numbers, a date cell, a code typed into the text column
    first = {
        "name": "甲公司",
        "credit_code": "91320558MAHTGJ1TP0",
        "entity_type": dropdown_values("entity_type", lang)[0],
        "independent_legal_person": dropdown_values("independent_legal_person", lang)[0],
        "district": dropdown_values("district", lang)[3],
        "sme": dropdown_values("sme", lang)[0],
        "roles": dropdown_values("roles", lang)[0],
        "recognitions": dropdown_values("recognitions", lang)[1],
        "retrofit_loan_cny": 50_000_000,
        "retrofit_loan_via_platform": dropdown_values("retrofit_loan_via_platform", lang)[0],
        "cloud_star_level": 3,
        "application_date": dt.date(2022, 6, 30),
    }
    second = {
        "name": "乙公司",
        "district": dropdown_values("district", lang)[10],
        "roles": "manufacturer;service_provider",
    }
    for row, firm in enumerate((first, second), 2):
        for key, value in firm.items():
            sheet.cell(row, column[key], value)
    book.save(template)
    code, results, err = batch_csv(template, tmp_path)
    assert code == 0, err
    assert [row[3] for row in results[1:]] == ["valid", "valid"]
    twin = tmp_path / "twin.csv"
    texts = [{k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in f.items()} for f in (first, second)]
    with twin.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(KEYS))
        writer.writerows([[firm.get(key, "") for key in KEYS] for firm in texts])
    assert [row[1:] for row in results] == [row[1:] for row in batch_csv(twin, tmp_path)[1]]
    eligible = results[0].index("1a_status")
    assert results[1][eligible] == "eligible"


def test_dropdown_values_read_back() -> None:
    from subsidy_cli.profile.keys import parse_value

    for lang in ("zh", "en"):
        for key, spec in KEYS.items():
            if spec.type in ("choice", "multi", "bool"):
                values = dropdown_values(key, lang)
                read = [parse_value(key, value) for value in values]
                expected = (
                    [True, False] if spec.type == "bool" else [[c] if spec.type == "multi" else c for c in spec.choices]
                )
                assert read == expected, (key, lang)
    assert "昆山市" in dropdown_values("district", "zh")
    assert "科研院所/高校/重点实验室/创新中心" in dropdown_values("roles", "zh")  # every label reads back now
