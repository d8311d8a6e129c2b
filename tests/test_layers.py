"""Policy layers: dated values, each kind of layer change, precedence, validation, audit hash, diff."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import subsidy_cli
from subsidy_cli.cli import app
from subsidy_cli.rules.catalog import CatalogError
from subsidy_cli.rules.layers import load_rules

ROOT = Path(__file__).resolve().parent.parent
ZJG = ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml"
MEASURES = ROOT / "measures.toml"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
FIRM = {
    "name": "甲",
    "entity_type": "enterprise",
    "independent_legal_person": True,
    "district": "zhangjiagang",
    "sme": True,
    "roles": ["manufacturer"],
    "recognitions": ["provincial_demo_workshop", "municipal_demo_workshop"],
    "retrofit_loan_cny": "5000万",
    "retrofit_loan_via_platform": True,
}


def layer(tmp_path: Path, text: str, name: str = "layer.toml") -> Path:
    path = tmp_path / name
    path.write_text('[layer]\nname = "test layer"\nsource = "测试文件 2022"\n' + text, encoding="utf-8")
    return path


def results(document: dict) -> dict[str, dict]:
    return {r["benefit"]: r for r in document["results"]}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={**ENV, **(env or {})})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_a_change_from_a_date(tmp_path: Path) -> None:
    path = layer(tmp_path, '[[change]]\nbenefit = "2a"\nkey = "amount.cap"\nfrom = 2023-01-01\nvalue = 800000\n')
    before = subsidy_cli.evaluate(FIRM, as_of="2022-12-31", overlays=[path])
    after = subsidy_cli.evaluate(FIRM, as_of="2023-01-01", overlays=[path])
    assert results(before)["2a"]["max_award_cny"] == "500000.00"
    assert results(after)["2a"]["max_award_cny"] == "800000.00"


def test_dated_values_in_the_measures_file(tmp_path: Path) -> None:
    text = MEASURES.read_text(encoding="utf-8").replace(
        'amount = { rule = "up_to", cap = 500000 }\n',
        'amount = { rule = "up_to", cap = [{ from = 2021-01-01, value = 500000, source = "policy" }, '
        '{ from = 2022-07-01, value = 600000, source = "a later notice, 2022-06" }] }\n',
        1,
    )
    path = tmp_path / "measures.toml"
    path.write_text(text, encoding="utf-8")
    assert results(subsidy_cli.evaluate(FIRM, as_of="2022-06-30", measures=path))["2a"]["max_award_cny"] == "500000.00"
    assert results(subsidy_cli.evaluate(FIRM, as_of="2022-07-01", measures=path))["2a"]["max_award_cny"] == "600000.00"


def test_a_district_value_applies_only_to_its_firms(tmp_path: Path) -> None:
    path = layer(tmp_path, '[[change]]\nbenefit = "2c"\nkey = "amount.cap"\nvalue = 250000\ndistrict = "kunshan"\n')
    kunshan = subsidy_cli.evaluate({**FIRM, "district": "kunshan"}, as_of="2022-06-30", overlays=[path])
    other = subsidy_cli.evaluate(FIRM, as_of="2022-06-30", overlays=[path])
    assert results(kunshan)["2c"]["max_award_cny"] == "250000.00"
    assert results(other)["2c"]["max_award_cny"] == "200000.00"


def test_a_county_line(tmp_path: Path) -> None:
    text = MEASURES.read_text(encoding="utf-8")
    block = text[text.index('[[benefit]]\nid = "2a"') : text.index('[[benefit]]\nid = "2b"')]
    county = block.replace('id = "2a"', 'id = "zjg-1"').replace("cap = 500000", "cap = 150000")
    county = county.replace(
        'title_en = "Award for a provincial smart-manufacturing demonstration workshop"',
        'title_en = "Zhangjiagang top-up for a provincial demonstration workshop"',
    )
    path = layer(tmp_path, county)
    document = subsidy_cli.evaluate(FIRM, as_of="2022-06-30", overlays=[path])
    assert results(document)["zjg-1"]["status"] == "eligible"
    assert results(document)["zjg-1"]["max_award_cny"] == "150000.00"
    code, out, _ = run("measures", "--format", "json", "--overlay", str(path))
    assert code == 0 and json.loads(out)["benefits"][-1]["id"] == "zjg-1"


@pytest.mark.parametrize(("rule", "total"), [("one_of", "500000.00"), ("higher", "500000.00")])
def test_exclusive_lines_count_once(tmp_path: Path, rule: str, total: str) -> None:
    path = layer(tmp_path, f'[[exclusive]]\nlines = ["2a", "2c"]\nrule = "{rule}"\n')
    document = subsidy_cli.evaluate(FIRM, as_of="2022-06-30", overlays=[path])
    base = subsidy_cli.evaluate(FIRM, as_of="2022-06-30")
    assert results(document)["2a"]["status"] == "eligible" and results(document)["2c"]["status"] == "eligible"
    cash = {"1a": 500000, "2a": 500000, "2c": 200000}
    assert base["totals"]["eligible_cash_max_cny"] == f"{sum(cash.values())}.00"
    assert document["totals"]["eligible_cash_max_cny"] == f"{500000 + int(float(total))}.00"
    words = "cannot be combined with 2c" if rule == "one_of" else "the higher of this and 2c is paid"
    assert any(words in reason for reason in results(document)["2a"]["reasons"])


def test_later_layers_win(tmp_path: Path) -> None:
    first = layer(
        tmp_path, '[[change]]\nbenefit = "2a"\nkey = "amount.cap"\nvalue = 700000\nfrom = 2022-01-01\n', "first.toml"
    )
    second = layer(
        tmp_path, '[[change]]\nbenefit = "2a"\nkey = "amount.cap"\nvalue = 900000\nfrom = 2022-01-01\n', "second.toml"
    )

    def cap(*overlays: Path) -> str:
        return results(subsidy_cli.evaluate(FIRM, as_of="2022-06-30", overlays=list(overlays)))["2a"]["max_award_cny"]

    assert cap(first, second) == "900000.00"
    assert cap(second, first) == "700000.00"


def test_the_zhangjiagang_sample_cites_every_value() -> None:
    rules = load_rules(None, [ZJG])
    for (owner, _), settings in rules.settings.items():
        for setting in settings:
            assert setting.source, (owner, setting)
    assert all(cap.source for cap in rules.caps)
    code, out, _ = run("show", "1a", "--overlay", str(ZJG), "--layers")
    assert code == 0 and "amount.cap = 3000000  from 2022-01-01" in out
    assert "关于支持产业创新集群建设的若干政策" in out


@pytest.mark.parametrize(
    ("text", "message", "chinese"),
    [
        (
            '[[chnage]]\nbenefit = "1a"\n',
            "chnage: unknown table; did you mean 'change'?",
            'chnage: 未知的表；您是否想写 "change"？分层文件只有 [layer]、[[change]]、[[benefit]]、[[cap]] 和 '
            "[[exclusive]]",
        ),
        (
            '[[change]]\nbenefit = "9z"\nkey = "amount.cap"\nvalue = 1\n',
            "benefit '9z' does not exist",
            'change #1: 项目 "9z" 不存在',
        ),
        (
            '[[change]]\nbenefit = "1a"\nkey = "amount.nope.deeper"\nvalue = 1\n',
            "no key 'amount.nope.deeper'",
            'change #1: benefit 1a: 没有可更改的键 "amount.nope.deeper"',
        ),
        (
            '[[change]]\nbenefit = "1a"\nkey = "amount.cpa"\nvalue = 1\n',
            "amount.cpa: unknown key",
            "amount.cpa: 未知的键；请删除或检查拼写；由 {path} 设定（按最初有效的取值）",
        ),
        (
            '[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nvalue = -1\n',
            "amount.cap: must be more than 0",
            "amount.cap: 须大于 0，实为 -1；由 {path} 设定（按最初有效的取值）",
        ),
        (
            '[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nvalue = 1\ndistrict = "kunshn"\n',
            "did you mean 'kunshan'?",
            'district: 注册地 "kunshn" 不在可选值之中：zhangjiagang, changshu, taicang, kunshan, wujiang, wuzhong, '
            'xiangcheng, gusu, sip, snd, outside_suzhou；您是否想写 "kunshan"？',
        ),
        (
            '[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nvalue = 1\nfrom = "2022"\n',
            "from: expected a date",
            'change #1: from: 应为日期，实为文本 "2022"',
        ),
        (
            '[[cap]]\nlines = ["1a", "1b"]\nat_most = "retrofit_loan"\n',
            "is not a money key of the profile",
            'cap #1: at_most 的 "retrofit_loan" 不是企业信息中的金额字段；您是否想写 "retrofit_loan_cny"'
            "（智能化改造项目贷款额(元)）？",
        ),
        (
            '[[exclusive]]\nlines = ["1a", "2a"]\nrule = "either"\n',
            "rule: should be one of 'one_of', 'higher'",
            "exclusive #1: rule: 应为以下之一：'one_of', 'higher'，实为文本 \"either\"",
        ),
        (
            '[[exclusive]]\nlines = ["1a", "99"]\nrule = "higher"\n',
            "benefit '99' does not exist",
            'exclusive #1: 项目 "99" 不存在',
        ),
    ],
)
def test_validate_broken_layers(tmp_path: Path, text: str, message: str, chinese: str) -> None:
    """In the language of $SUBSIDY_LANG (``validate`` has no ``--lang``)."""
    path = layer(tmp_path, text)
    code, _, err = run("validate", str(path))
    assert code == 1 and message in err, err
    code, _, err = run("validate", str(path), env={"SUBSIDY_LANG": "zh"})
    assert code == 1 and chinese.replace("{path}", str(path)) in err, err
    with pytest.raises(CatalogError):
        load_rules(None, [path])


def test_validate_needs_sources_and_dates_in_order(tmp_path: Path) -> None:
    path = tmp_path / "nosource.toml"
    path.write_text(
        '[layer]\nname = "x"\n[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nvalue = 1\n', encoding="utf-8"
    )
    code, _, err = run("validate", str(path))
    assert code == 1 and "source: is required" in err
    text = MEASURES.read_text(encoding="utf-8").replace(
        "cap = 500000",
        'cap = [{ from = 2022-01-01, value = 1, source = "b" }, { from = 2021-01-01, value = 2, source = "a" }]',
        1,
    )
    unordered = tmp_path / "measures.toml"
    unordered.write_text(text, encoding="utf-8")
    code, _, err = run("validate", str(unordered))
    assert code == 1 and "dated values must be in date order" in err


def test_validate_good_files() -> None:
    code, out, _ = run("validate", str(MEASURES), str(ZJG))
    assert code == 0 and out.count(": ok (") == 2


def test_rules_hash_is_stable_and_changes_with_any_rule(tmp_path: Path) -> None:
    base = load_rules().sha256
    assert base == load_rules().sha256 and len(base) == 64
    assert load_rules(None, [ZJG]).sha256 != base
    reformatted = tmp_path / "measures.toml"
    reformatted.write_text("# a comment\n\n" + MEASURES.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_rules(reformatted).sha256 == base  # comments and layout are not rules
    changed = tmp_path / "changed.toml"
    changed.write_text(
        MEASURES.read_text(encoding="utf-8").replace("cap = 500000", "cap = 500001", 1), encoding="utf-8"
    )
    assert load_rules(changed).sha256 != base
    document = subsidy_cli.evaluate(FIRM, as_of="2022-06-30")
    assert document["rules_sha256"] == base


def test_diff_lists_what_changed_and_why(tmp_path: Path) -> None:
    firms = tmp_path / "firms.csv"
    firms.write_text(
        "name,district,entity_type,independent_legal_person,roles,retrofit_loan_cny,"
        "retrofit_loan_via_platform\n甲,zhangjiagang,enterprise,true,manufacturer,3亿,true\n"
        "乙,kunshan,enterprise,true,manufacturer,,\n",
        encoding="utf-8",
    )
    code, out, _ = run("diff", str(firms), "--against", str(ZJG), "--as-of", "2022-06-30")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    first = {r["benefit"]: r for r in rows if r["line"] == "2"}
    assert first["1a"]["max_a_cny"] == "2000000.00" and first["1a"]["max_b_cny"] == "3000000.00"
    assert "amount.cap: 2000000 -> 3000000" in first["1a"]["why"]
    assert "cap 1a + 1b <= retrofit_loan_interest_paid_cny" in first["1b"]["why"]
    second = {r["benefit"]: r for r in rows if r["line"] == "3"}
    assert set(second) == {"1a"}  # the Kunshan firm: only the city cap changes
    code, out, _ = run("diff", str(firms), "--against", str(ZJG), "--as-of", "2022-06-30", env={"SUBSIDY_LANG": "zh"})
    chinese = {r["benefit"]: r["why"] for r in csv.DictReader(io.StringIO(out)) if r["line"] == "2"}
    assert "amount.cap: 2000000 -> 3000000" in chinese["1a"]  # key paths as written, the words in Chinese
    assert "; 跨项目规则：无 -> ['cap 1a + 1b <= retrofit_loan_interest_paid_cny']" in chinese["1b"]
    code, out, _ = run("diff", str(firms), "--as-of", "2022-06-30")
    assert code == 0 and out.strip().count("\n") == 0  # the same rules: nothing changes


def test_batch_with_a_layer_agrees_with_check(tmp_path: Path) -> None:
    firms = tmp_path / "firms.csv"
    firms.write_text(
        "name,district,entity_type,independent_legal_person,roles,retrofit_loan_cny,"
        "retrofit_loan_via_platform,retrofit_loan_interest_paid_cny\n"
        "甲,zhangjiagang,enterprise,true,manufacturer,3亿,true,450万\n"
        "乙,kunshan,enterprise,true,manufacturer,3亿,true,\n",
        encoding="utf-8",
    )
    code, out, _ = run("batch", str(firms), "--overlay", str(ZJG), "--as-of", "2022-06-30")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert rows[0]["1a_max_cny"] == "3000000.00" and rows[0]["1b_max_cny"] == "3000000.00"
    assert rows[0]["eligible_cash_max_cny"] == "4500000.00"
    assert rows[1]["1b_max_cny"] == "" and rows[1]["1b_status"] == "eligible"  # open-ended in Kunshan
    assert rows[0]["rules_sha256"] == load_rules(None, [ZJG]).sha256


def test_a_line_window_can_be_dated_too(tmp_path: Path) -> None:
    path = layer(tmp_path, '[[change]]\nbenefit = "4"\nkey = "valid_until"\nfrom = 2022-01-01\nvalue = 2022-12-31\n')
    firm = {**FIRM, "cloud_star_level": 3}
    assert results(subsidy_cli.evaluate(firm, as_of="2022-12-31", overlays=[path]))["4"]["status"] == "eligible"
    late = results(subsidy_cli.evaluate(firm, as_of="2023-01-01", overlays=[path]))["4"]
    assert (late["status"], late["status_if_in_force"]) == ("expired", "eligible")
    assert results(subsidy_cli.evaluate(firm, as_of="2023-01-01"))["4"]["status"] == "eligible"


# --- found in review -----------------------------------------------------------------------------------------------


def test_a_change_to_a_whole_table_and_a_key_inside_it(tmp_path: Path) -> None:
    later = layer(
        tmp_path,
        '[[change]]\nbenefit = "1a"\nkey = "amount"\nfrom = 2023-06-01\nvalue = { rule = '
        '"percent", base = "retrofit_loan_cny", base_zh = "贷款", base_en = "loan", rate = 0.01, '
        "cap = 1000000 }\n",
        "later.toml",
    )
    firm = {**FIRM, "retrofit_loan_cny": "3亿"}

    def cap(date: str) -> str:
        return results(subsidy_cli.evaluate(firm, as_of=date, overlays=[ZJG, later]))["1a"]["max_award_cny"]

    assert cap("2022-06-30") == "3000000.00"  # the later table does not undo the 2022 cap before its date
    assert cap("2023-07-01") == "1000000.00"


def test_later_layers_win_over_earlier_district_values(tmp_path: Path) -> None:
    fix = layer(
        tmp_path, '[[change]]\nbenefit = "1b"\nkey = "amount.cap"\nfrom = 2022-01-01\nvalue = 2500000\n', "fix.toml"
    )
    firm = {**FIRM, "retrofit_loan_cny": "3亿"}
    document = subsidy_cli.evaluate(firm, as_of="2022-06-30", overlays=[ZJG, fix])
    assert results(document)["1b"]["max_award_cny"] == "2500000.00"


def test_caps_for_one_district_and_overlapping_caps(tmp_path: Path) -> None:
    caps = layer(
        tmp_path,
        '[[cap]]\nlines = ["2a", "2c"]\nat_most = "retrofit_loan_interest_paid_cny"\n'
        'district = "zhangjiagang"\n[[cap]]\nlines = ["1a", "2a"]\nat_most = '
        '"retrofit_loan_interest_paid_cny"\n',
    )
    kunshan = {**FIRM, "district": "kunshan", "retrofit_loan_interest_paid_cny": "60万"}
    # 1a 500,000 + 2a 500,000 capped at 600,000; 2c 200,000 is under no cap in Kunshan
    assert subsidy_cli.evaluate(kunshan, as_of="2022-06-30", overlays=[caps])["totals"]["eligible_cash_max_cny"] == (
        "800000.00"
    )
    zjg = {**FIRM, "retrofit_loan_interest_paid_cny": "60万"}
    # both caps hold: 1a + 2a <= 600,000 and 2a + 2c <= 600,000; cutting 2a serves both: 500,000 + 100,000 + 200,000
    assert subsidy_cli.evaluate(zjg, as_of="2022-06-30", overlays=[caps])["totals"]["eligible_cash_max_cny"] == (
        "800000.00"
    )


def test_an_unbounded_line_wins_its_exclusive_group(tmp_path: Path) -> None:
    group = layer(tmp_path, '[[exclusive]]\nlines = ["1b", "2a"]\nrule = "higher"\n')
    document = subsidy_cli.evaluate({**FIRM, "district": "kunshan"}, as_of="2022-06-30", overlays=[group])
    assert document["totals"]["open_ended"] == ["1b"]
    assert document["totals"]["eligible_cash_max_cny"] == "700000.00"  # 1a and 2c; 2a gives way to 1b


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[exclusive]]\nlines = ["2a", "2c", "2c"]\nrule = "higher"\n', "2c named twice"),
        ('[[cap]]\nlines = ["12", "2a"]\nat_most = "retrofit_loan_interest_paid_cny"\n', "line 12 pays no cash"),
        ('[[benefit]]\nid = ["x-1"]\n', "id must be text with a county prefix"),
        ("change = 5\n", "change: must be written [[change]]"),
        ('[[change]]\nbenefit = "1a"\nkey = "id"\nvalue = "1z"\n', "identifies the line and cannot change"),
        ('[[change]]\nbenefit = "1a"\nkey = "requires.5"\nvalue = 1\n', "no key 'requires.5'"),
        ('[[change]]\nbenefit = "1a"\nkey = ""\nvalue = 1\n', "key: '' does not have the expected form"),
        ('[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nvalue = 1\nfrom = 08:00:00\n', "from: expected a date"),
        ('[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nvalue = nan\n', "is not a usable number"),
        ('[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nvalue = inf\n', "is not a usable number"),
    ],
)
def test_malformed_layers_are_explained(tmp_path: Path, text: str, message: str) -> None:
    path = layer(tmp_path, text)
    if text.startswith("change ="):  # a top-level key must come before the [layer] table
        path.write_text(text + '[layer]\nname = "x"\nsource = "s"\n', encoding="utf-8")
    for args in (
        ["validate", str(path)],
        ["check", str(ROOT / "samples" / "kunshan-parts-sme.toml"), "--overlay", str(path)],
    ):
        code, _, err = run(*args)
        assert code == 1 and message in err, err


def test_dated_values_in_measures_are_checked(tmp_path: Path) -> None:
    for dated, message in [
        (
            '[{ from = 2021-01-01, value = 1, source = "a" }, { from = 2021-01-01, value = 2, source = "b" }]',
            "two values start on the same date",
        ),
        ('[{ from = 2021-01-01, value = 1, source = "a", district = "kunshn" }]', "did you mean 'kunshan'?"),
        ('[{ from = 2021-01-01T00:00:00, value = 1, source = "a" }]', "'from' must be a date"),
    ]:
        text = MEASURES.read_text(encoding="utf-8").replace("cap = 500000", f"cap = {dated}", 1)
        path = tmp_path / "measures.toml"
        path.write_text(text, encoding="utf-8")
        code, _, err = run("validate", str(path))
        assert code == 1 and message in err, err


def test_a_county_line_problem_names_its_layer(tmp_path: Path) -> None:
    path = layer(
        tmp_path,
        '[[benefit]]\nid = "zjg-9"\nmeasure = 2\nsection = "一"\ntitle_zh = "x"\ntitle_en = "x"\nkind = "cach"\n',
    )
    code, _, err = run("validate", str(path))
    assert code == 1 and f"{path}" in err and "benefit zjg-9: kind" in err


def test_validate_layers_together(tmp_path: Path) -> None:
    text = MEASURES.read_text(encoding="utf-8")
    block = text[text.index('[[benefit]]\nid = "2a"') : text.index('[[benefit]]\nid = "2b"')].replace(
        'id = "2a"', 'id = "zjg-1"'
    )
    first = layer(tmp_path, block, "a.toml")
    second = layer(tmp_path, '[[change]]\nbenefit = "zjg-1"\nkey = "amount.cap"\nvalue = 100000\n', "b.toml")
    code, out, err = run("validate", str(MEASURES), str(first), str(second))
    assert code == 0, err
    assert "measures, 41 lines" in out and "2 layer(s) over" in out


def test_hash_ignores_number_spelling_and_layer_names(tmp_path: Path) -> None:
    text = MEASURES.read_text(encoding="utf-8")
    spelled = tmp_path / "spelled.toml"
    spelled.write_text(text.replace("cap = 500000", "cap = 500000.0", 1), encoding="utf-8")
    assert load_rules(spelled).sha256 == load_rules().sha256
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(ZJG.read_text(encoding="utf-8").replace('name = "张家港', 'name = "Zhangjiagang '), "utf-8")
    assert load_rules(None, [renamed]).sha256 == load_rules(None, [ZJG]).sha256


def test_listings_show_the_values_in_force_on_a_date_for_a_district() -> None:
    code, out, _ = run(
        "measures", "--overlay", str(ZJG), "--as-of", "2022-06-30", "--district", "张家港市", "--format", "json"
    )
    amounts = {b["id"]: b["amount"] for b in json.loads(out)["benefits"]}
    assert code == 0 and amounts["1a"]["cap"] == "3000000" and amounts["1b"]["cap"] == "3000000"
    code, out, _ = run("measures", "--overlay", str(ZJG), "--format", "json")
    amounts = {b["id"]: b["amount"] for b in json.loads(out)["benefits"]}
    assert amounts["1a"]["cap"] == "2000000" and "cap" not in amounts["1b"]
    code, out, _ = run("show", "1b", "--overlay", str(ZJG), "--as-of", "2022-06-30", "--district", "zhangjiagang")
    assert code == 0 and "at most ¥3,000,000 per enterprise a year" in out
    assert run("show", "1b", "--district", "kunshn")[0] == 2


def test_the_packaged_suzhou_2022_layer_applies_by_name_and_the_zhangjiagang_sample_builds_on_it() -> None:
    from subsidy_cli.library import Evaluator
    from subsidy_cli.rules.layers import packaged_layers

    assert "suzhou-2022" in packaged_layers()
    firm = {"name": "甲", "entity_type": "enterprise", "independent_legal_person": True, "district": "wujiang",
            "roles": ["manufacturer"], "retrofit_loan_cny": "5亿", "retrofit_loan_via_platform": True}
    city = Evaluator(overlays=["suzhou-2022"])
    amount = {  # the 1a maximum on a date
        day: next(r["max_award_cny"] for r in city.evaluate(firm, as_of=day)["results"] if r["benefit"] == "1a")
        for day in ("2021-12-31", "2022-01-01")
    }
    assert amount == {"2021-12-31": "2000000.00", "2022-01-01": "3000000.00"}
    plain = Evaluator().evaluate(firm, as_of="2022-06-30")
    assert next(r["max_award_cny"] for r in plain["results"] if r["benefit"] == "1a") == "2000000.00"  # the 2020 text
    county = Evaluator(overlays=["samples/overlays/zhangjiagang-2022.toml"])
    names = [Path(s).name for s in county.rules.sources]
    assert names == ["measures.toml", "suzhou-2022.toml", "zhangjiagang-2022.toml"]
    again = Evaluator(overlays=["suzhou-2022", "samples/overlays/zhangjiagang-2022.toml"])
    assert again.rules.sha256 == county.rules.sha256  # a layer built on is applied once
