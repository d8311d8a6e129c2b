"""The subsidy command through Typer's CliRunner: every command, format, option and exit code."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy_cli import __version__, evaluate
from subsidy_cli.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
KUNSHAN = str(SAMPLES / "kunshan-parts-sme.toml")
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(app, list(args), input=stdin, env={**ENV, **(env or {})})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def as_json(*args: str, **kwargs: object) -> dict:
    code, out, err = run(*args, "--format", "json", **kwargs)  # type: ignore[arg-type]
    assert code == 0, err
    return json.loads(out)


# --- check -------------------------------------------------------------------------------------------------------


def test_check_table() -> None:
    code, out, err = run("check", KUNSHAN)
    assert code == 0, err
    assert "1a" in out and "eligible" in out and "¥500,000" in out
    assert "1% of loan ¥50,000,000, at most ¥2,000,000 per enterprise a year" in out
    assert "Eligible cash, at most" in out
    assert "ineligible" not in out.split("Eligible cash")[0], "ineligible lines only with --all"
    assert err == ""


def test_check_table_chinese() -> None:
    code, out, _ = run("check", KUNSHAN, "--lang", "zh")
    assert code == 0
    assert "智能化改造项目贷款市级贴息奖励" in out and "50万元" in out and "可申请" in out


def test_language_from_environment() -> None:
    _, out, _ = run("check", KUNSHAN, env={"SUBSIDY_LANG": "zh"})
    assert "可申请" in out
    _, out, _ = run("check", KUNSHAN, env={"SUBSIDY_LANG": "", "LANG": "zh_CN.UTF-8"})
    assert "可申请" in out


def test_check_json_document() -> None:
    document = as_json("check", KUNSHAN)
    assert set(document) == {
        "schema_version",
        "tool_version",
        "rules_sha256",
        "policy",
        "as_of",
        "profile",
        "results",
        "totals",
        "refine",
        "warnings",
    }
    assert document["warnings"] == []  # the sample's identity facts agree
    assert document["schema_version"] == 1 and document["tool_version"] == __version__
    assert document["as_of"] == "2022-06-30"  # the profile's application_date
    assert document["policy"]["in_force"] is True
    assert len(document["results"]) == 41
    line = {r["benefit"]: r for r in document["results"]}["1a"]
    assert set(line) >= {
        "benefit",
        "measure",
        "title",
        "kind",
        "status",
        "status_if_in_force",
        "max_award_cny",
        "min_award_cny",
        "reasons",
        "missing",
        "clause",
    }
    assert (line["status"], line["max_award_cny"], line["min_award_cny"]) == ("eligible", "500000.00", "500000.00")
    assert document["totals"]["open_ended"] == ["1b"]
    assert document["profile"]["retrofit_loan_cny"] == "50000000"


def test_json_keys_and_ids_do_not_change_with_language() -> None:
    english = as_json("check", KUNSHAN, "--lang", "en")
    chinese = as_json("check", KUNSHAN, "--lang", "zh")

    def shape(doc: dict) -> list:
        return [(r["benefit"], r["status"], r["max_award_cny"], sorted(r)) for r in doc["results"]]

    assert shape(english) == shape(chinese)
    assert english["totals"] == chinese["totals"]


def test_library_function_returns_the_same_document() -> None:
    document = as_json("check", KUNSHAN)
    data = tomllib.loads(Path(KUNSHAN).read_text(encoding="utf-8"))
    assert evaluate(data) == document


def test_as_of_outside_the_window() -> None:
    code, out, _ = run("check", KUNSHAN, "--as-of", "2024-01-01")
    assert code == 0 and "the policy expired on 2023-12-31" in out
    code, out, _ = run("check", KUNSHAN, "--as-of", "2020-12-31")
    assert code == 0 and "not yet in force" in out
    document = as_json("check", KUNSHAN, "--as-of", "2024-01-01")
    assert document["policy"]["in_force"] is False
    line = {r["benefit"]: r for r in document["results"]}["1a"]
    assert (line["status"], line["status_if_in_force"]) == ("expired", "eligible")
    assert document["totals"]["counts"]["expired"] == 41


def test_all_and_explain() -> None:
    _, out, _ = run("check", KUNSHAN, "--all")
    assert "ineligible" in out and "10a" in out
    _, out, _ = run("check", KUNSHAN, "--explain")
    assert "[met]" in out and "Clause: 对在苏州综合金融服务等平台" in out


def test_set_is_a_what_if() -> None:
    document = as_json(
        "check", KUNSHAN, "--set", "retrofit_loan_cny=1亿", "--set", "recognitions=municipal_smart_factory"
    )
    results = {r["benefit"]: r for r in document["results"]}
    assert results["1a"]["max_award_cny"] == "1000000.00"
    assert results["2b"]["status"] == "eligible"
    assert results["2c"]["status"] == "potential"  # the list was replaced, not merged
    document = as_json("check", KUNSHAN, "--set", "sme=")
    assert {r["benefit"]: r for r in document["results"]}["6"]["status"] == "needs_info"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--set", "retrofit_loan=1"], 1, "--set: retrofit_loan: unknown key; did you mean 'retrofit_loan_cny'?"),
        (["--set", "sme"], 1, "write --set KEY=VALUE"),
        (["--set", "sme=perhaps"], 1, "sme: 'perhaps' is not yes or no"),
        (["--as-of", "2022-13-01"], 2, "--as-of: '2022-13-01' is not a real date"),
        (["--format", "xml"], 2, "xml"),
    ],
)
def test_check_errors(args: list[str], code: int, message: str) -> None:
    got, _, err = run("check", KUNSHAN, *args)
    assert got == code
    assert message in err


def test_invalid_profile_exits_1_with_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "firm.toml"
    bad.write_text('name = "x"\ndistrct = "昆山"\nsme = "maybe"\n', encoding="utf-8")
    code, out, err = run("check", str(bad))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"error: {bad}: ") for line in lines)
    assert "did you mean 'district'?" in err


def test_profile_typed_with_a_chinese_ime(tmp_path: Path) -> None:
    bad = tmp_path / "firm.toml"
    bad.write_text('name ＝ "x"\n', encoding="utf-8")
    code, _, err = run("check", str(bad))
    assert code == 1 and f"error: {bad}:1: full-width equals sign" in err


def test_missing_profile_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("check", str(tmp_path / "nope.toml"))
    assert code == 2 and "does not exist" in err


def test_profile_from_stdin_toml_and_json() -> None:
    toml_text = Path(KUNSHAN).read_text(encoding="utf-8")
    from_file = as_json("check", KUNSHAN)
    assert as_json("check", "-", stdin=toml_text) == from_file
    data = tomllib.loads(toml_text)
    data["application_date"] = data["application_date"].isoformat()
    assert as_json("check", "-", stdin=json.dumps(data, ensure_ascii=False)) == from_file


def test_json_profile_file(tmp_path: Path) -> None:
    path = tmp_path / "firm.json"
    path.write_text(json.dumps({"name": "x", "district": "昆山", "retrofit_loan_cny": 1.5e7}), encoding="utf-8")
    document = as_json("check", str(path), "--as-of", "2022-01-01")
    assert document["profile"]["retrofit_loan_cny"] == "15000000.0"


def test_markup_in_data_prints_literally(tmp_path: Path) -> None:
    path = tmp_path / "firm.toml"
    path.write_text('name = "[bold]Acme[/bold] Ltd"\ndistrict = "kunshan"\n', encoding="utf-8")
    code, out, _ = run("check", str(path), "--as-of", "2022-01-01")
    assert code == 0 and "[bold]Acme[/bold] Ltd" in out


def test_nothing_eligible_says_so(tmp_path: Path) -> None:
    path = tmp_path / "firm.toml"
    path.write_text('name = "Branch Co"\nindependent_legal_person = false\n', encoding="utf-8")
    code, out, _ = run("check", str(path), "--as-of", "2022-01-01")
    assert code == 0 and "No eligible, to-confirm, potential or needs-info lines" in out


def test_lines_waiting_on_an_answer_are_shown_with_the_question(tmp_path: Path) -> None:
    """A consultant's partial profile: the lines that wait on an answer are on the table by default, each with
    the question that decides it; an ineligible line never shows an amount, even under --all."""
    path = tmp_path / "firm.toml"
    path.write_text(
        'name = "昆山某零部件有限公司"\ndistrict = "昆山市"\nsme = true\nroles = ["manufacturer"]\n'
        'retrofit_loan_cny = "800万"\ncloud_star_level = 3\n',
        encoding="utf-8",
    )
    code, out, _ = run("check", str(path), "--as-of", "2022-06-30", "--lang", "zh")
    assert code == 0
    assert "待补充" in out and "取决于:" in out and "主体类型" in out
    branch = tmp_path / "branch.toml"
    branch.write_text('name = "Branch"\nindependent_legal_person = false\nrecognitions = ["municipal_smart_factory"]\n')
    _, everything, _ = run("check", str(branch), "--as-of", "2022-06-30", "--all", "--lang", "en")
    row = next(line for line in everything.splitlines() if line.strip().startswith("2b "))
    assert "ineligible" in row and "1,000,000" not in row and "not met" in row


def test_refine_ranks_unknown_keys() -> None:
    path = SAMPLES / "kunshan-parts-sme.toml"
    document = as_json("check", str(path), "--set", "flexible_talents_approved=", "--set", "recognitions=")
    keys = [hint["key"] for hint in document["refine"]]
    # 18c pays up to ¥1,000,000 per approved talent (project): with the count unknown it has no bound, so it comes
    # first; then recognitions, which settles 2b (¥1,000,000) and several other lines.
    assert keys[:2] == ["flexible_talents_approved", "recognitions"]
    assert document["refine"][0]["open_ended"] is True
    _, out, _ = run("check", str(path), "--set", "recognitions=")
    assert "Answer these to refine" in out


# --- measures, show, schema, template, version --------------------------------------------------------------------


def test_measures_table_json_csv() -> None:
    code, out, _ = run("measures")
    assert code == 0 and "16a" in out and "15%-30% of unit price" in out
    document = as_json("measures")
    assert [b["id"] for b in document["benefits"]][:3] == ["1a", "1b", "2a"]
    assert len(document["benefits"]) == 41
    first_set = {b["id"]: b for b in document["benefits"]}["16a"]
    assert first_set["amount"] == {
        "rule": "percent",
        "base": "first_set_unit_price_cny",
        "base_zh": "单台(套)销售价格",
        "base_en": "unit price",
        "rate_min": "0.15",
        "rate_max": "0.30",
        "floor": "400000",
        "cap": "10000000",
        "per": "one_time",
    }
    assert document["policy"]["valid_until"] == "2023-12-31"
    code, out, _ = run("measures", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 41 and rows[0]["id"] == "1a"


def test_show_line_and_measure() -> None:
    code, out, _ = run("show", "16a")
    assert code == 0
    assert "15%-30% of unit price, at least ¥400,000, at most ¥10,000,000, one-time" in out
    assert "按产品单台(套)销售价格15%~30%给予不低于40万元的一次性奖励" in out
    _, out, _ = run("show", "16")
    assert all(i in out for i in ("16a", "16b", "16c"))
    _, out, _ = run("show", "16a", "--lang", "zh")
    assert "不低于40万元" in out and "最高1000万元" in out


def test_show_unknown_id_suggests() -> None:
    code, _, err = run("show", "16d")
    assert code == 2 and "did you mean" in err and "16a" in err
    code, _, err = run("show", "zz")
    assert code == 2 and "subsidy measures" in err


def test_schema_lists_every_key() -> None:
    from subsidy_cli.profile.keys import KEYS

    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0 and set(schema["properties"]) == set(KEYS) and schema["required"] == ["name"]


def test_template_is_a_valid_profile(tmp_path: Path) -> None:
    for lang in ("en", "zh"):
        code, out, _ = run("template", "--lang", lang)
        assert code == 0
        assert tomllib.loads(out)["name"]
    target = tmp_path / "firm.toml"
    code, _, err = run("template", "-o", str(target))
    assert code == 0 and target.exists() and "wrote" in err
    assert run("check", str(target), "--as-of", "2022-01-01")[0] == 0
    code, _, err = run("template", "-o", str(target))
    assert code == 2 and "already exists" in err


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"subsidy-cli {__version__}"
    for command in ("check", "measures", "show", "schema", "template"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Usage" in out


def test_broken_measures_file_exits_1(tmp_path: Path) -> None:
    broken = ROOT / "tests" / "broken_measures" / "negative-cap.toml"
    for args in (["measures"], ["show", "2a"], ["check", KUNSHAN]):
        code, out, err = run(*args, "--measures", str(broken))
        assert code == 1 and out == ""
        assert err.strip() == f"error: {broken}:35: benefit 2a: amount.cap: must be more than 0, got -500000"


def test_other_measures_file() -> None:
    document = as_json("measures", "--measures", str(ROOT / "tests" / "valid_minimal_measures.toml"))
    assert [b["id"] for b in document["benefits"]] == ["2a"]


def test_no_colour_codes_when_not_a_terminal() -> None:
    _, out, _ = run("check", KUNSHAN, env={"NO_COLOR": ""})
    assert "\x1b[" not in out


def test_the_csv_template_can_carry_a_bom_for_excel(tmp_path: Path) -> None:
    target = tmp_path / "firms.csv"
    code, _, _ = run("template", "--csv", "--excel", "--lang", "zh", "-o", str(target))
    assert code == 0 and target.read_bytes().startswith(b"\xef\xbb\xbf\xe4\xbc\x81")  # BOM, then 企
    code, _, err = run("batch", str(target))
    assert code == 0 and "0 rows read" in err  # the template reads back as an empty list of firms
    code, _, err = run("template", "--excel")
    assert code == 2 and "use it with --csv" in err
