"""What batch writes for a county officer and for scripts: ``--excel`` (headers, statuses and facts in words of
``--lang``, with a BOM) against the stable default, the input columns carried through, the facts still missing,
the minimum of open-ended lines, the statuses if in force for firms judged outside the policy's window, and the
summary (stderr, ``--summary FILE.json|.csv``): firms per status and line, quotas, districts. Both languages."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import subsidy_cli
from subsidy_cli.batch import blocks as csvblocks
from subsidy_cli.cli import app
from subsidy_cli.engine.explain import NOT_YET_WORDS, STATUS_WORDS
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.i18n import tr
from subsidy_cli.profile.keys import KEYS
from subsidy_cli.words import money_sum

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "firms.csv"
ZJG = ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml"
IDS = [line["benefit"] for line in subsidy_cli.evaluate({"name": "x"}, as_of="2022-01-01")["results"]]
TITLES = {lang: {r["benefit"]: r["title"] for r in subsidy_cli.evaluate({"name": "x"}, lang=lang)["results"]}
          for lang in ("zh", "en")}  # fmt: skip
FIXED = 6  # line, name, credit_code, row_status, row_errors, row_warnings
LEGACY = FIXED + 2 * len(IDS) + 4  # the row, status and max of each line, totals, audit: never moved
BOM = b"\xef\xbb\xbf"
EVERY = ("--ignore-unknown-columns", "--all-columns")  # the columns after the audit trail, the input carried

# A county's list as it comes: Chinese headings, a loan in 万元, columns the tool does not read (备注, 联系人), a
# remark with a comma, a contact that reads as a formula, firms outside the policy's window (2024, and 2020
# before it), a district written as a slug, and a firm that gave little but its name.
HEADER = (
    "企业名称,注册地,备注,主体类型,具有独立法人资格,主体角色,智能化改造项目贷款额(万元),"
    "贷款经苏州综合金融服务等平台获得,中小企业,申报日期,联系人"
)
ROWS = [
    '昆山零件有限公司,昆山市,"老客户,重点跟进",企业,是,制造企业,5000,是,是,2022-06-30,"=HYPERLINK(""http://x"")"',
    "园区某科技有限公司,苏州工业园区,,,,,,,,2022-06-30,王五",
    "吴江机械有限公司,吴江区,2024年才来申报,企业,是,制造企业,800,是,否,2024-05-01,",
    "常熟纺织有限公司,常熟市,早,企业,是,制造企业,300,是,是,2020-06-01,",
    "张家港精工有限公司,kunshan,-5,企业,是,制造企业,,,是,2022-06-30,李四",
]
PROFILES = [  # the same firms as profiles, for check
    {"name": "昆山零件有限公司", "district": "昆山市", "entity_type": "企业", "independent_legal_person": "是",
     "roles": "制造企业", "retrofit_loan_cny": "5000万", "retrofit_loan_via_platform": "是", "sme": "是",
     "application_date": "2022-06-30"},
    {"name": "园区某科技有限公司", "district": "苏州工业园区", "application_date": "2022-06-30"},
    {"name": "吴江机械有限公司", "district": "吴江区", "entity_type": "企业", "independent_legal_person": "是",
     "roles": "制造企业", "retrofit_loan_cny": "800万", "retrofit_loan_via_platform": "是", "sme": "否",
     "application_date": "2024-05-01"},
    {"name": "常熟纺织有限公司", "district": "常熟市", "entity_type": "企业", "independent_legal_person": "是",
     "roles": "制造企业", "retrofit_loan_cny": "300万", "retrofit_loan_via_platform": "是", "sme": "是",
     "application_date": "2020-06-01"},
    {"name": "张家港精工有限公司", "district": "kunshan", "entity_type": "企业", "independent_legal_person": "是",
     "roles": "制造企业", "sme": "是", "application_date": "2022-06-30"},
]  # fmt: skip


def run(*args: str, lang: str = "en", stdin: str | None = None) -> tuple[int, bytes, str]:
    env = {"COLUMNS": "120", "NO_COLOR": "1", "SUBSIDY_LANG": lang, "LANG": "C.UTF-8"}
    result = CliRunner().invoke(app, ["batch", *args], input=stdin, env=env)
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout_bytes, result.stderr


def firms(tmp_path: Path, rows: list[str] | None = None) -> str:
    path = tmp_path / "firms.csv"
    path.write_text("\n".join([HEADER, *(ROWS if rows is None else rows)]) + "\n", encoding="utf-8")
    return str(path)


def table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def by_name(data: bytes) -> list[dict[str, str]]:
    rows = table(data)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def word(status: str, lang: str) -> str:
    return tr(lang, STATUS_WORDS[status])


# --- --excel and the default ---------------------------------------------------------------------------------------


def test_the_default_is_unchanged_and_all_columns_only_add_after_it(tmp_path: Path) -> None:
    source = firms(tmp_path)
    code, zh, _ = run(source, "--ignore-unknown-columns", lang="zh")
    assert code == 0 and not zh.startswith(BOM)
    assert zh == run(source, "--ignore-unknown-columns", lang="en")[1]  # the language never reaches the data
    rows = table(zh)
    header = rows[0]
    assert header[:FIXED] == ["line", "name", "credit_code", "row_status", "row_errors", "row_warnings"]
    assert header[FIXED : FIXED + 4] == ["1a_status", "1a_max_cny", "1b_status", "1b_max_cny"]
    totals = ["eligible_cash_max_cny", "potential_cash_max_cny", "rules_sha256", "tool_version"]
    assert header[LEGACY - 4 :] == totals and len(header) == LEGACY  # nothing more by default
    for row in rows[1:]:
        assert row[3] == "valid"
        assert {row[FIXED + 2 * i] for i in range(len(IDS))} <= set(STATUSES)
    every = table(run(source, *EVERY, lang="zh")[1])
    assert [row[:LEGACY] for row in every] == rows  # the same cells, and more after them
    for row in every[1:]:
        assert {row[LEGACY + i] for i in range(len(IDS))} <= {*STATUSES, ""}
    assert every == table(run(source, *EVERY, lang="en")[1])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_excel_writes_headers_statuses_and_facts_in_words_with_a_bom(tmp_path: Path, lang: str) -> None:
    source = firms(tmp_path)
    plain = table(run(source, *EVERY, lang=lang)[1])  # (--excel writes every column)
    code, data, _ = run(source, "--ignore-unknown-columns", "--excel", lang=lang)
    assert code == 0 and data.startswith(BOM)
    people = table(data)
    header = people[0]
    title = TITLES[lang]["1a"]
    if lang == "zh":
        assert header[:FIXED] == ["行号", "企业名称", "统一社会信用代码", "行状态", "问题", "提示"]
        assert header[FIXED : FIXED + 2] == [f"1a {title} 状态", f"1a {title} 最高(元)"]
        assert header[LEGACY] == f"1a {title} 有效期内状态"
        assert "待补充信息" in header and "(输入) 备注" in header
    else:
        assert header[FIXED : FIXED + 2] == [f"1a {title} status", f"1a {title} max (CNY)"]
        assert header[LEGACY] == f"1a {title} status if in force"
        assert "Facts still missing" in header and "(input) 备注" in header
    assert len(header) == len(plain[0])
    words = {word(status, lang): status for status in STATUSES} | {tr(lang, NOT_YET_WORDS): "expired"}
    missing_at = plain[0].index("missing")
    separator = "、" if lang == "zh" else "; "
    statuses = {*range(FIXED, LEGACY - 4, 2), *range(LEGACY, LEGACY + len(IDS))}
    for got, want in zip(people[1:], plain[1:], strict=True):
        for column, (cell, machine) in enumerate(zip(got, want, strict=True)):
            if column in statuses:  # a status in words, or an empty cell
                assert words.get(cell, cell) == machine
            elif column == 3:
                assert (cell, machine) == (tr(lang, "valid"), "valid")
            elif column == missing_at:
                assert cell == separator.join(KEYS[key].label(lang) for key in machine.split(";") if key)
            else:  # amounts, totals, the audit trail, the input as given
                assert cell == machine, header[column]


def test_excel_says_not_yet_in_force_before_the_window(tmp_path: Path) -> None:
    people = by_name(run(firms(tmp_path), "--ignore-unknown-columns", "--excel", lang="zh")[1])
    title = TITLES["zh"]["1a"]
    statuses = {row["企业名称"]: row[f"1a {title} 状态"] for row in people}
    assert statuses["吴江机械有限公司"] == "已过期" and statuses["常熟纺织有限公司"] == "尚未施行"
    assert statuses["昆山零件有限公司"] == "可申请"


# --- the input carried, the facts missing, the minimum of open-ended lines ----------------------------------------


def test_every_row_carries_its_input_columns_in_order_as_given(tmp_path: Path) -> None:
    bad = "坏数据有限公司,昆山市,也许,企业,也许,,,,,2022-06-30,赵六"  # 具有独立法人资格 = 也许: an invalid row
    source = firms(tmp_path, [*ROWS, bad])
    code, data, _ = run(source, *EVERY)
    assert code == 1
    rows = table(data)
    columns = HEADER.split(",")
    assert rows[0][-len(columns) :] == [f"(input) {cell}" for cell in columns]
    given = list(csv.reader(io.StringIO("\n".join([*ROWS, bad]))))
    for row, cells in zip(rows[1:], given, strict=True):
        shown = [("'" + cell if cell.startswith(("=", "-")) else cell) for cell in cells]  # never a formula
        assert row[-len(columns) :] == shown
    remark, loan = rows[1][rows[0].index("(input) 备注")], rows[1][rows[0].index("(input) 智能化改造项目贷款额(万元)")]
    assert (remark, loan) == ("老客户,重点跟进", "5000")  # 5000 as typed, read as 5000万 (1a: 1% of it)
    assert rows[1][rows[0].index("1a_max_cny")] == "500000.00"
    assert rows[-1][3] == "invalid" and rows[-1][rows[0].index("(input) 联系人")] == "赵六"
    long = table(run(source, *EVERY, "--long")[1])
    assert long[0][-len(columns) :] == rows[0][-len(columns) :]
    assert {tuple(row[-len(columns) :]) for row in long[1 : len(IDS) + 1]} == {tuple(rows[1][-len(columns) :])}
    jsonl = run(source, *EVERY, "--format", "jsonl")[1]
    documents = [json.loads(line) for line in jsonl.splitlines()]
    assert documents[0]["input"]["备注"] == "老客户,重点跟进" and documents[0]["input"]["联系人"].startswith("=")


def test_jobs_write_the_carried_columns_byte_for_byte(tmp_path: Path) -> None:
    source = firms(tmp_path, ROWS * 20)
    one = run(source, *EVERY)[1]
    saved = csvblocks.BLOCK_BYTES
    csvblocks.BLOCK_BYTES = 256  # a few rows a block: blocks go to both workers
    try:
        two = run(source, *EVERY, "--jobs", "2")[1]
    finally:
        csvblocks.BLOCK_BYTES = saved
    assert one == two


def expected_missing(profile: dict[str, Any], **options: Any) -> str:
    document = subsidy_cli.evaluate(profile, **options)
    return ";".join(sorted({hint["key"] for hint in document["refine"]}, key=list(KEYS).index))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_facts_still_missing_for_a_firm_needing_information(tmp_path: Path, lang: str) -> None:
    rows = by_name(run(firms(tmp_path), *EVERY, lang=lang)[1])
    for row, profile in zip(rows, PROFILES, strict=True):
        assert row["missing"] == expected_missing(profile), row["name"]
    sparse = rows[1]  # 园区某科技: only its name, district and date
    assert sparse["1a_status"] == "needs_info"
    wanted = {"entity_type", "independent_legal_person", "roles", "retrofit_loan_cny"}
    assert wanted <= set(sparse["missing"].split(";"))
    people = table(run(firms(tmp_path), "--ignore-unknown-columns", "--excel", lang=lang)[1])
    facts = people[2][people[0].index("待补充信息" if lang == "zh" else "Facts still missing")]
    assert (KEYS["entity_type"].label(lang) in facts) and ("entity_type" not in facts)


def test_the_minimum_of_an_open_ended_line(tmp_path: Path) -> None:
    rows = by_name(run(firms(tmp_path), *EVERY)[1])
    first = rows[0]  # a 5000万 platform loan: 1b pays at least 1% with no cap
    assert (first["1b_status"], first["1b_max_cny"], first["1b_min_cny"]) == ("eligible", "", "500000.00")
    assert rows[4]["1b_min_cny"] == "" and rows[4]["1b_status"] == "needs_info"  # no loan given
    check = subsidy_cli.evaluate(PROFILES[0])["results"][1]
    assert (check["benefit"], check["min_award_cny"], check["open_ended"]) == ("1b", "500000.00", True)
    # in Zhangjiagang from 2022, city and county together at most the interest paid: the minimum too
    capped = "name,district,entity_type,independent_legal_person,roles,retrofit_loan_cny,retrofit_loan_via_platform,retrofit_loan_interest_paid_cny,application_date\n己公司,张家港市,企业,是,制造企业,5000万,是,30万,2022-06-30\n"  # noqa: E501
    row = by_name(run("-", "--overlay", str(ZJG), "--all-columns", stdin=capped)[1])[0]
    profile = dict(zip(capped.splitlines()[0].split(","), capped.splitlines()[1].split(","), strict=True))
    check = subsidy_cli.evaluate(profile, overlays=[str(ZJG)])["results"][1]
    assert row["1b_min_cny"] == check["min_award_cny"] == "300000.00"


# --- dates outside the window -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_firms_judged_outside_the_window_keep_their_status_if_in_force(tmp_path: Path, lang: str) -> None:
    code, data, err = run(firms(tmp_path), *EVERY, lang=lang)
    assert code == 0
    rows = by_name(data)
    for row, profile in zip(rows, PROFILES, strict=True):
        document = subsidy_cli.evaluate(profile)
        outside = any(r["status"] != r["status_if_in_force"] for r in document["results"])
        assert outside == (row["name"] in ("吴江机械有限公司", "常熟纺织有限公司"))
        for result in document["results"]:
            line = result["benefit"]
            assert row[f"{line}_status"] == result["status"]
            assert row[f"{line}_status_if_in_force"] == (result["status_if_in_force"] if outside else "")
        if outside:  # what it would have received: 1% of the loan from the city
            assert row["1a_status"] == "expired" and row["1a_status_if_in_force"] == "eligible"
            assert row["eligible_cash_max_if_in_force_cny"] == row["1a_max_cny"] != ""
            assert row["eligible_cash_max_cny"] == "0.00"
        else:
            assert row["eligible_cash_max_if_in_force_cny"] == ""
    said = "".join(err.split())  # (the note is wrapped to the console's width)
    if lang == "zh":
        assert "5家企业中有2家的评估日期不在政策有效期（2021-01-01至2023-12-31）内" in said
        assert "--as-of2023-12-31" in said
    else:
        assert "2of5firmswerejudgedonadateoutsidethepolicy'swindow(2021-01-01to2023-12-31)" in said


def test_a_list_without_dates_run_after_the_policy_expired(tmp_path: Path) -> None:
    source = firms(tmp_path, [",".join([*row.split(",")[:9], "", ""]) for row in ROWS[1:3]])  # no 申报日期
    code, data, err = run(source, *EVERY, "--as-of", "2025-03-01")
    rows = by_name(data)
    assert code == 0 and {row["1a_status"] for row in rows} == {"expired"}
    assert rows[1]["1a_status_if_in_force"] == "eligible" and rows[1]["eligible_cash_max_if_in_force_cny"] != ""
    assert "2 of 2 firms were judged" in " ".join(err.split())


# --- the summary --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_compares_eligible_firms_with_quotas_and_breaks_down_districts(tmp_path: Path, lang: str) -> None:
    target = tmp_path / "summary.json"
    code, data, err = run(str(SAMPLE), "--as-of", "2022-06-30", "--all-columns", "--summary", str(target), lang=lang)
    assert code == 0
    rows = by_name(data)
    document = json.loads(target.read_text(encoding="utf-8"))
    lines = {line["benefit"]: line for line in document["lines"]}
    quotas = {line: (found["quota"]["count"], found["quota"]["eligible_if_in_force"])
              for line, found in lines.items() if found["quota"]}  # fmt: skip
    eligible = {line: sum(row[f"{line}_status"] == "eligible" for row in rows) for line in IDS}
    assert quotas == {line: (count, eligible[line]) for line, count in (("5a", 40), ("5b", 600), ("6", 1000), ("7", 1000), ("8", 10))}  # noqa: E501
    for line in IDS:
        assert lines[line]["firms"] == {s: sum(row[f"{line}_status"] == s for row in rows) for s in STATUSES}
    assert document["firms_with_eligible_line"] == sum(
        any(row[f"{line}_status"] == "eligible" for line in IDS) for row in rows
    )
    total = sum(Decimal(row["eligible_cash_max_cny"]) for row in rows)
    assert Decimal(document["totals"]["eligible_cash_max_cny"]) == total
    districts = {place["district"]: place for place in document["districts"]}
    assert sum(place["firms"] for place in districts.values()) == 50
    kunshan = [row for row in rows if row["(input) district"] == "kunshan"]
    assert districts["kunshan"]["firms"] == len(kunshan)
    assert Decimal(districts["kunshan"]["eligible_cash_max_cny"]) == sum(Decimal(r["eligible_cash_max_cny"]) for r in kunshan)  # noqa: E501
    assert districts["kunshan"]["label"] == "昆山市"
    flat = " ".join(err.split())
    if lang == "zh":
        assert "名额:每年40家工厂" in flat and "昆山市" in flat and "有可申请条目的企业" in flat
        assert money_sum(total, "zh") in flat and money_sum(total, "zh").endswith("万元")
        assert lines["5a"]["title"] == TITLES["zh"]["5a"]
    else:
        assert "quota: 40 factories a year" in flat and "Firms with an eligible line" in flat
        assert f"¥{int(total):,}" in flat


def test_summary_merges_district_spellings_and_counts_in_force(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    assert run(firms(tmp_path), "--ignore-unknown-columns", "--summary", str(target))[0] == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    districts = {place["district"]: place for place in document["districts"]}
    assert districts["kunshan"]["firms"] == 2  # 昆山市 and kunshan
    assert document["out_of_window"] == 2
    line = next(found for found in document["lines"] if found["benefit"] == "1a")
    assert line["firms"]["expired"] == 2 and line["firms_if_in_force"]["eligible"] == 3
    assert document["firms_with_eligible_line_if_in_force"] > document["firms_with_eligible_line"]
    totals = document["totals"]
    gained = Decimal(totals["eligible_cash_max_if_in_force_cny"]) - Decimal(totals["eligible_cash_max_cny"])
    assert gained == 80_000 + 30_000  # 1% of the loans of the firms judged in 2024 and 2020
    assert districts["wujiang"]["eligible_cash_max_cny"] == "0.00"
    assert districts["wujiang"]["eligible_cash_max_if_in_force_cny"] != "0.00"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_as_csv_for_excel(tmp_path: Path, lang: str) -> None:
    plain, people = tmp_path / "plain.csv", tmp_path / "people.csv"
    source = firms(tmp_path)
    assert run(source, "--ignore-unknown-columns", "--summary", str(plain), lang=lang)[0] == 0
    assert run(source, "--ignore-unknown-columns", "--excel", "--summary", str(people), lang=lang)[0] == 0
    machine = list(csv.reader(io.StringIO(plain.read_text(encoding="utf-8"))))
    assert not plain.read_bytes().startswith(BOM) and people.read_bytes().startswith(BOM)
    assert machine[0][:4] == ["kind", "id", "label", "firms"] and machine[0][4 : 4 + len(STATUSES)] == list(STATUSES)
    kinds = {row[0] for row in machine[1:]}
    assert kinds == {"total", "invalid", "line", "district"}
    five_a = next(row for row in machine if row[:2] == ["line", "5a"])
    assert five_a[machine[0].index("quota")] == "40"
    words = list(csv.reader(io.StringIO(people.read_text(encoding="utf-8-sig"))))
    assert len(words) == len(machine)
    if lang == "zh":
        assert words[0][:4] == ["类型", "代码", "企业名称", "企业数"] and words[0][4] == "可申请"
        assert {row[0] for row in words[1:]} == {"全部企业", "无效行", "条目", tr("zh", "district")}
    else:
        assert words[0][4] == "eligible" and {row[0] for row in words[1:]} == {"all firms", "invalid rows", "line", "district"}  # noqa: E501


def test_summary_file_must_be_json_or_csv_and_not_an_input(tmp_path: Path) -> None:
    source = firms(tmp_path)
    code, _, err = run(source, "--ignore-unknown-columns", "--summary", str(tmp_path / "summary.txt"))
    assert code == 2 and ".json or .csv" in err
    code, _, err = run(source, "--ignore-unknown-columns", "--summary", source.replace(".csv", ".csv"))
    assert code == 2 and "firms or results" in err
    code, _, err = run(source, "--ignore-unknown-columns", "--summary", str(tmp_path / "s.txt"), lang="zh")
    assert code == 2 and ".json 或 .csv" in err


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        ("3558918000", "35.59亿元", "¥3,558,918,000"),
        ("1234567", "123.46万元", "¥1,234,567"),
        ("99999999.99", "1亿元", "¥99,999,999.99"),
        ("9999", "9999元", "¥9,999"),
    ],
)
def test_large_sums_read_in_wan_and_yi(amount: str, zh: str, en: str) -> None:
    assert (money_sum(Decimal(amount), "zh"), money_sum(Decimal(amount), "en")) == (zh, en)


def test_a_quota_barely_used_is_not_shown_as_none_used_and_a_district_stays_whole(tmp_path: Path) -> None:
    """Three firms of 600 workshops are "<1%", not "0%"; 苏州工业园区 is never split across lines."""
    rows = ["name,district,entity_type,independent_legal_person,roles,recognitions"]
    rows += [f"园区企业{i},苏州工业园区,企业,是,制造业,市级示范智能车间" for i in range(3)]
    path = tmp_path / "firms.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {"COLUMNS": "80", "NO_COLOR": "1", "SUBSIDY_LANG": "zh", "LANG": "C.UTF-8"}
    args = ["batch", str(path), "--as-of", "2022-06-30", "-o", str(tmp_path / "o.csv")]
    result = CliRunner().invoke(app, args, env=env)
    row = [line for line in result.stderr.splitlines() if line.startswith("  5b ")][-1]  # the quota table's
    assert row.rstrip().endswith("<1%"), row
    assert any("苏州工业园区" in line for line in result.stderr.splitlines())
