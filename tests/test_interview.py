"""subsidy check --interactive: scripted answers, question order, skip logic, round trip, end of input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy_cli.cli import app
from subsidy_cli.profile.keys import KEYS

ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
LABEL_TO_KEY = {spec.label_en: key for key, spec in KEYS.items()}


def interview(answers: list[str], *args: str, lang: str = "en") -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        ["check", "--interactive", "--as-of", "2022-06-30", "--lang", lang, *args],
        input="".join(f"{a}\n" for a in answers),
        env=ENV,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def asked(stderr: str) -> list[str]:
    """The keys asked, in order (each question starts with its label and a colon on its own line)."""
    keys = []
    for line in stderr.splitlines():
        labels = [label for label in LABEL_TO_KEY if line.startswith(f"{label}: ")]
        if labels and LABEL_TO_KEY[max(labels, key=len)] != "name":
            keys.append(LABEL_TO_KEY[max(labels, key=len)])
    return keys


def statuses(stdout: str) -> dict[str, str]:
    return {r["benefit"]: r["status"] for r in json.loads(stdout)["results"]}


def test_manufacturer_sme_with_a_loan() -> None:
    answers = ["Kunshan Parts Co", "1", "yes", "4", "1", "yes", "5000万", "yes", "0", "0", "3"]
    code, out, err = interview(answers, "--format", "json")
    assert code == 0, err
    order = asked(err)
    # who may receive anything first; then the keys settling the largest awards (open-ended ones first)
    assert order == [
        "entity_type",
        "independent_legal_person",
        "district",
        "roles",
        "sme",
        "retrofit_loan_cny",
        "retrofit_loan_via_platform",
        "flexible_talents_approved",
        "recognitions",
        "cloud_star_level",
    ]
    assert "identifier_rnd_investment_cny" not in order  # 14c is settled once recognitions are known
    assert "platform_served_enterprises" not in order and "security_contract_cny" not in order
    result = statuses(out)
    assert result["1a"] == "eligible" and result["4"] == "eligible" and result["2b"] == "potential"
    document = json.loads(out)
    assert {r["benefit"]: r["max_award_cny"] for r in document["results"]}["1a"] == "500000.00"
    assert len(order) < len(KEYS) / 2, f"{len(order)} questions for a manufacturer SME"


def test_platform_operator() -> None:
    answers = ["SIP Platform", "1", "yes", "9", "3", "no", "6", "", "", "", "620", "48000", ""]
    code, out, err = interview(answers, "--format", "json")
    assert code == 0, err
    order = asked(err)
    assert order == [
        "entity_type",
        "independent_legal_person",
        "district",
        "roles",
        "sme",
        "recognitions",  # a title such as a demonstration workshop proves an industrial enterprise (1a, 1b, 5)
        "retrofit_loan_cny",  # so does a platform loan
        "retrofit_loan_via_platform",
        "flexible_talents_approved",
        "platform_served_enterprises",
        "platform_connected_devices",
        "cloud_star_level",
    ]
    result = statuses(out)
    assert result["10a"] == "potential" and result["10b"] == "eligible"
    assert result["1a"] == "needs_info"  # the platform loan was not answered: it would make it an industrial firm


def test_security_provider() -> None:
    answers = ["Security Co", "1", "yes", "10", "7", "yes", "15", "", "", "", "", "18", "800万", "600万", ""]
    code, out, err = interview(answers, "--format", "json")
    assert code == 0, err
    assert asked(err) == [
        "entity_type",
        "independent_legal_person",
        "district",
        "roles",
        "sme",
        "recognitions",
        "retrofit_loan_cny",
        "retrofit_loan_via_platform",
        "flexible_talents_approved",
        "first_set_unit_price_cny",
        "security_served_enterprises",
        "security_annual_revenue_cny",
        "security_contract_cny",
        "cloud_star_level",
    ]
    document = json.loads(out)
    results = {r["benefit"]: r for r in document["results"]}
    assert results["22a"]["status"] == "eligible" and results["22a"]["max_award_cny"] == "600000.00"


def test_skipping_everything_stops() -> None:
    code, out, err = interview(["Skipper Co", *[""] * 40], "--format", "json")
    assert code == 0
    order = asked(err)
    assert len(order) == len(set(order)), "a skipped question is never asked again"
    assert set(statuses(out).values()) <= {"needs_info", "ineligible", "potential", "eligible", "open"}


def test_a_branch_office_ends_early() -> None:
    code, _, err = interview(["Branch Co", "1", "no"], "--format", "json")
    assert code == 0
    assert asked(err) == ["entity_type", "independent_legal_person"]  # the scope clause: 具有独立法人资格


def test_outside_suzhou_goes_on() -> None:
    """Registration in Suzhou is a reading (the scope clause does not say it): the firm's lines are to confirm,
    not ineligible, so the interview goes on."""
    code, out, err = interview(["Shanghai Co", "1", "yes", "11", "1", "no"] + [""] * 30, "--format", "json")
    assert code == 0
    assert asked(err)[:5] == ["entity_type", "independent_legal_person", "district", "roles", "sme"]
    result = statuses(out)
    assert result["5a"] == "ineligible"  # the clause names 苏州市工业企业
    assert result["1a"] != "ineligible"


def test_invalid_answers_are_explained_and_asked_again() -> None:
    code, _, err = interview(["X", "9", "1", "maybe", "yes", "kunshn", "kunshan", ""] + [""] * 30)
    assert code == 0
    assert "the number must be 1-3" in err
    assert "'maybe' is not yes or no" in err
    assert "did you mean 'kunshan'?" in err


def test_question_mark_shows_the_clause() -> None:
    answers = ["X", "1", "yes", "4", "1", "yes", "?", "", ""] + [""] * 30
    _, _, err = interview(answers)
    assert "对在苏州综合金融服务等平台获得智能化改造提升项目贷款的企业" in err


def test_end_of_input_before_the_end_exits_130() -> None:
    code, out, err = interview(["X", "1"])
    assert code == 130
    assert "Interview stopped; nothing was saved." in err
    assert out == ""


def test_round_trip(tmp_path: Path) -> None:
    saved = tmp_path / "firm.toml"
    answers = ["Kunshan Parts Co", "1", "yes", "4", "1,5", "yes", "5000万", "yes", "2,15", "2400万", "3", "2"]
    code, out, err = interview([*answers, *[""] * 20], "--format", "json", "--save", str(saved))
    assert code == 0, err
    assert saved.exists()
    again = CliRunner().invoke(
        app, ["check", str(saved), "--as-of", "2022-06-30", "--format", "json", "--lang", "en"], env=ENV
    )
    assert again.exit_code == 0
    assert json.loads(again.stdout) == json.loads(out)
    without_as_of = CliRunner().invoke(app, ["check", str(saved), "--format", "json", "--lang", "en"], env=ENV)
    assert json.loads(without_as_of.stdout) == json.loads(out)  # the date is saved too


def test_save_prompt(tmp_path: Path) -> None:
    target = tmp_path / "answers.toml"
    answers = ["Branch Co", "1", "no", str(target)]
    code, _, err = interview(answers)
    assert code == 0 and target.exists() and f"Saved to {target}" in err


def test_starting_from_a_profile_asks_only_what_is_missing(tmp_path: Path) -> None:
    start = tmp_path / "start.toml"
    start.write_text(
        'name = "Kunshan"\nentity_type = "enterprise"\nindependent_legal_person = true\n'
        'district = "kunshan"\nroles = ["manufacturer"]\nsme = true\n',
        encoding="utf-8",
    )
    code, _, err = interview([""] * 12, str(start))
    assert code == 0
    order = asked(err)
    assert order and not set(order) & {"name", "entity_type", "independent_legal_person", "district", "roles", "sme"}


def test_prompts_fit_a_legacy_chinese_console() -> None:
    for lang in ("zh", "en"):
        _, _, err = interview(["X", "1", "yes", "4", "1", "yes", "?", ""] + [""] * 30, lang=lang)
        err.encode("gbk")  # raises if a prompt holds a character a GBK console cannot show
        assert not re.search(r"\x1b\[", err)


def test_save_needs_interactive(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["check", "samples/kunshan-parts-sme.toml", "--save", str(tmp_path / "x.toml")], env=ENV
    )
    assert result.exit_code == 2 and "--interactive" in result.stderr


def test_check_without_a_profile_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["check"], env=ENV)
    assert result.exit_code == 2 and "--interactive" in result.stderr


# --- the interview as a library: start, ask through two functions, save ---------------------------------------------


def scripted(answers: list[str]) -> tuple[list[str], Callable[[str], str | None], Callable[[str], None]]:
    said: list[str] = []
    queue = list(answers)

    def ask(prompt: str) -> str | None:
        said.append(prompt)
        return queue.pop(0) if queue else None

    return said, ask, said.append


def test_the_library_interview_runs_and_saves(tmp_path: Path) -> None:
    import datetime as dt

    from subsidy_cli.batch import sources
    from subsidy_cli.interview import Interview

    start = tmp_path / "start.toml"
    start.write_text('entity_type = "enterprise"\ndistrict = "outside_suzhou"\n', encoding="utf-8")
    interview = Interview.starting_from(
        sources.rules(None), "en", dt.date(2022, 6, 30), str(start), {"independent_legal_person": False}
    )
    expected = {"entity_type": "enterprise", "district": "outside_suzhou", "independent_legal_person": False}
    assert interview.answers == expected
    said, ask, say = scripted(["Shanghai Co"])
    result = interview.ask_all(ask, say)
    assert interview.asked == [] and said[-1] == "0 questions asked."
    assert result.profile.name == "Shanghai Co" and {line.status for line in result.results} <= {"ineligible", "open"}
    taken = tmp_path / "taken.toml"
    taken.write_text("", encoding="utf-8")
    said, ask, say = scripted([str(taken), str(tmp_path / "answers.toml")])
    assert interview.offer_save(None, ask, say) == tmp_path / "answers.toml"
    assert f"{taken} exists; choose another name." in said
    assert 'name = "Shanghai Co"' in (tmp_path / "answers.toml").read_text(encoding="utf-8")


def test_the_library_interview_stops_with_exit_130_and_refuses_to_overwrite(tmp_path: Path) -> None:
    from subsidy_cli.batch import sources
    from subsidy_cli.errors import EXIT_USAGE, SubsidyError
    from subsidy_cli.interview import EndOfAnswers, Interview

    interview = Interview(sources.rules(None), "en")
    said, ask, say = scripted(["X"])
    with pytest.raises(EndOfAnswers) as caught:
        interview.ask_all(ask, say)
    assert caught.value.exit_code == 130 and said[-1] == "\nInterview stopped; nothing was saved."
    taken = tmp_path / "taken.toml"
    taken.write_text("", encoding="utf-8")
    with pytest.raises(SubsidyError) as refused:
        interview.offer_save(taken, ask, say)
    assert refused.value.exit_code == EXIT_USAGE and refused.value.lines() == [
        f"{taken}: already exists; choose another name or delete it first"
    ]


def test_outside_the_window_the_interview_asks_for_the_application_date(tmp_path: Path) -> None:
    """Run on a day outside 2021-01-01..2023-12-31 with no date given, the interview asks for the application
    date first and Enter takes the last day in force; within the window it asks nothing of the kind."""
    import datetime as dt

    from subsidy_cli.batch import sources
    from subsidy_cli.interview import Interview

    rules = sources.rules(None)
    policy = rules.first().policy
    interview = Interview(rules, "zh")
    said, ask, say = scripted(["甲公司", "", *[""] * 40])
    result = interview.ask_all(ask, say)
    if policy.valid_from <= dt.date.today() <= policy.valid_until:
        assert not any("请输入申报日期" in line for line in said)
    else:
        assert any("请输入申报日期" in line for line in said)
        assert result.as_of == policy.valid_until
        assert interview.answers["application_date"] == policy.valid_until
        assert not any(line.status == "expired" for line in result.results)
