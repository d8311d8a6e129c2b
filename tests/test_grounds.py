"""Every verdict answers to the text: each condition cites its ground (a verbatim basis or a reading), a reading
never makes a line ineligible, and ``potential`` is kept for lines tied to the firm."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import subsidy_cli
from subsidy_cli.engine.assess import assess
from subsidy_cli.engine.compiled import Compiled
from subsidy_cli.profile.keys import build_profile
from subsidy_cli.rules.catalog import CatalogError, grounded_conditions, in_policy_text, read_data
from subsidy_cli.rules.catalog import build_catalog as build
from subsidy_cli.rules.layers import load_measures

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_measures()


def test_every_condition_of_the_shipped_rules_cites_a_verbatim_basis_or_a_reading() -> None:
    for benefit in CATALOG.benefits:
        for path, cond in grounded_conditions(benefit):
            assert cond.grounded, (benefit.id, path)
            for basis in cond.bases():
                assert in_policy_text(basis), (benefit.id, path, basis)
            if cond.reading_zh is not None:
                assert cond.reading_en, (benefit.id, path)
    for rule in CATALOG.policy.scope:
        assert rule.test.grounded, rule.id


def test_a_condition_without_ground_or_with_a_basis_not_in_the_text_is_refused() -> None:
    data, text = read_data(ROOT / "measures.toml")
    first = data["benefit"][0]
    first["requires"][0].pop("basis")
    first["qualifies"][0]["basis"] = "这句话不在文件里"
    with pytest.raises(CatalogError) as caught:
        build(data, "measures.toml", text)
    lines = caught.value.lines()
    assert any("benefit 1a: requires.0: cites no ground" in line for line in lines), lines
    wanted = "benefit 1a: qualifies.0.basis: basis '这句话不在文件里' is not found verbatim"
    assert any(wanted in line for line in lines), lines


# A profile drawn over the keys the readings read (and the rest left unknown or typical).
profiles = st.fixed_dictionaries(
    {
        "name": st.just("x"),
        "entity_type": st.sampled_from(["enterprise", "social_organization", "public_institution"]),
        "independent_legal_person": st.booleans(),
        "district": st.sampled_from(["kunshan", "outside_suzhou", "sip"]),
        "sme": st.booleans(),
        "roles": st.lists(st.sampled_from(["manufacturer", "research_institution", "software_vendor"]), unique=True),
        "recognitions": st.lists(
            st.sampled_from(["suzhou_institution_established", "talent_training_base", "first_set_equipment"]),
            unique=True,
        ),
        "cloud_star_level": st.integers(0, 5),
        "institution_category": st.sampled_from(["key_university", "other", "national_key_lab"]),
    }
)


@settings(max_examples=80, deadline=None)
@given(data=profiles)
def test_a_reading_never_makes_a_line_ineligible(data: dict[str, object]) -> None:
    """A line is ineligible only for others than applicants, or for a condition the text states (a ``basis``) that
    is false: never for a reading, nor for a fact the profile cannot record."""
    judged = assess(build_profile(data), CATALOG, dt.date(2022, 6, 30))
    for line in judged.results:
        if line.status != "ineligible" or line.benefit.open_to != "applicants":
            continue
        decisive = [f for f in line.findings if f.outcome is False and f.group != "qualifies"]
        assert decisive and any(not f.condition.soft for f in decisive), (line.benefit.id, data)
        if any(f.condition.soft for f in line.findings if f.outcome is False):
            assert any(not f.condition.soft for f in decisive)


def test_the_kunshan_sample_is_offered_only_what_it_would_pursue() -> None:
    profile = tomllib.loads((ROOT / "samples" / "kunshan-parts-sme.toml").read_text(encoding="utf-8"))
    document = subsidy_cli.evaluate(profile)
    status = {r["benefit"]: r["status"] for r in document["results"]}
    for line in ("9", "11a", "11b", "14c", "19a"):
        assert status[line] == "open", line
    assert {line for line, s in status.items() if s == "potential"} >= {"2a", "2b", "13a"}


def test_lines_open_to_any_firm_are_outside_the_totals() -> None:
    compiled = Compiled(CATALOG, "kunshan")
    profile = build_profile({"name": "x", "entity_type": "enterprise", "independent_legal_person": True,
                             "district": "kunshan", "sme": True, "roles": ["manufacturer"], "recognitions": []})
    verdict = compiled.verdict(vars(profile), dt.date(2022, 6, 30))
    opened = [i for i, s in zip(verdict.ids, verdict.statuses, strict=True) if s == "open"]
    assert "9" in opened and "19a" in opened
    potential = sum(
        (a.max for s, a, line in zip(verdict.statuses, verdict.amounts, compiled.lines, strict=True)
         if s == "potential" and line.is_cash and a.max is not None),
        start=verdict.potential_cash_max * 0,
    )
    assert verdict.potential_cash_max == potential


def test_show_and_explain_print_each_condition_with_its_ground(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from subsidy_cli.cli import app

    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    shown = CliRunner().invoke(app, ["show", "16a", "--lang", "zh"], env=env)
    assert shown.exit_code == 0
    assert "原文:“对经江苏省及以上认定的首台(套)装备及关键零部件”" in shown.stdout
    assert "解读:政策原文的支持范围未提注册地" in shown.stdout
    assert "评估日期是申报日期" in shown.stdout
    profile = tmp_path / "big.toml"
    profile.write_text(
        'name = "甲"\nentity_type = "enterprise"\nindependent_legal_person = true\ndistrict = "kunshan"\n'
        'sme = false\nroles = ["manufacturer"]\ncloud_star_level = 5\n',
        encoding="utf-8",
    )
    explained = CliRunner().invoke(
        app, ["check", str(profile), "--explain", "--as-of", "2022-06-30", "--lang", "en"], env=env
    )
    assert explained.exit_code == 0
    assert "to confirm" in explained.stdout
    assert "a reading: the heading says SMEs" in explained.stdout
