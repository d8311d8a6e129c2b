"""The shipped catalogue: all 41 lines, verbatim clauses, numbers that match their clauses; and the loader's
messages for broken files (tests/broken_measures/*.toml, each starting with ``# expect: <message>``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from subsidy_cli import i18n
from subsidy_cli.engine.explain import CN_NUMERALS
from subsidy_cli.rules import catalog as catalog_module
from subsidy_cli.rules.catalog import CatalogError
from subsidy_cli.rules.layers import load_measures as load
from subsidy_cli.rules.textcheck import clause_numbers, clause_problems

ROOT = Path(__file__).resolve().parent.parent
POLICY_TEXT = (ROOT / "subsidy_cli" / "data" / "policy-simplified.txt").read_text(encoding="utf-8")
CATALOG = load()
EXPECTED_IDS = [
    "1a",
    "1b",
    "2a",
    "2b",
    "2c",
    "3",
    "4",
    "5a",
    "5b",
    "6",
    "7",
    "8",
    "9",
    "10a",
    "10b",
    "11a",
    "11b",
    "12",
    "13a",
    "13b",
    "14a",
    "14b",
    "14c",
    "15a",
    "15b",
    "16a",
    "16b",
    "16c",
    "17",
    "18a",
    "18b",
    "18c",
    "19a",
    "19b",
    "20a",
    "20b",
    "20c",
    "20d",
    "21",
    "22a",
    "22b",
]
SECTION_OF_MEASURE = {
    **dict.fromkeys(range(1, 5), "一"),
    **dict.fromkeys(range(5, 8), "二"),
    **dict.fromkeys(range(8, 13), "三"),
    **dict.fromkeys(range(13, 18), "四"),
    **dict.fromkeys(range(18, 23), "五"),
}


def test_the_packaged_policy_text_is_the_shared_seed() -> None:
    seed = ROOT.parent / "shared" / "seed" / "policy-simplified.txt"
    if not seed.exists():
        pytest.skip("the shared seed is not beside this checkout")
    assert seed.read_text(encoding="utf-8") == POLICY_TEXT


def test_all_41_lines_in_order() -> None:
    assert [b.id for b in CATALOG.benefits] == EXPECTED_IDS


def test_every_measure_has_its_section() -> None:
    assert {b.measure for b in CATALOG.benefits} == set(range(1, 23))
    for benefit in CATALOG.benefits:
        assert benefit.section == SECTION_OF_MEASURE[benefit.measure], benefit.id


def test_policy_data() -> None:
    policy = CATALOG.policy
    assert (str(policy.issued), str(policy.valid_from), str(policy.valid_until)) == (
        "2020-12-11",
        "2021-01-01",
        "2023-12-31",
    )
    assert policy.issuer_zh == "苏州市人民政府"
    for text in (policy.title_zh, policy.validity_clause, policy.scope_clause):
        assert text in POLICY_TEXT
    assert {rule.id for rule in policy.scope} == {"legal_person", "entity", "registered"}


@pytest.mark.parametrize("benefit", CATALOG.benefits, ids=lambda b: b.id)
def test_clause_is_verbatim(benefit: catalog_module.Benefit) -> None:
    for clause in benefit.clauses:
        assert clause in POLICY_TEXT, f"{benefit.id}: clause is not a verbatim passage of the policy"


def test_the_clause_belongs_to_the_measure() -> None:
    """Each clause sits under its own measure's heading (（一）..（二十二）) in the text."""
    numerals = CN_NUMERALS
    heads = [POLICY_TEXT.index(f"({n})") for n in numerals] + [len(POLICY_TEXT)]
    for benefit in CATALOG.benefits:
        for clause in benefit.clauses:
            at = POLICY_TEXT.index(clause)
            assert heads[benefit.measure - 1] < at < heads[benefit.measure], benefit.id


@pytest.mark.parametrize("benefit", CATALOG.benefits, ids=lambda b: b.id)
def test_every_number_and_comparison_word_is_written_in_the_clause(benefit: catalog_module.Benefit) -> None:
    """超 → gt (strictly more); 不低于 → a floor or minimum rate; 最高/不超过/不高于 → a cap; every amount, rate,
    threshold and quota written in the clause (``subsidy validate`` runs the same check)."""
    assert clause_problems(benefit) == []


def test_clause_numbers_read_units() -> None:
    assert clause_numbers("最高50万元") >= {Decimal(50), Decimal(500_000)}
    assert Decimal("0.01") in clause_numbers("项目贷款额的1%")
    assert Decimal(3) in clause_numbers("省三星级")


def test_validate_names_a_number_that_departs_from_the_clause(tmp_path: Path) -> None:
    from subsidy_cli.batch.sources import check_rules_files

    edited = tmp_path / "measures.toml"
    text = (ROOT / "measures.toml").read_text(encoding="utf-8")
    edited.write_text(text.replace("cap = 500000 }", "cap = 600000 }", 1), encoding="utf-8")
    report = check_rules_files([edited])
    assert [p.message for p in report.problems] == ["600000 is not written in its clause"]
    assert report.problems[0].where == "benefit 2a"
    layered = check_rules_files([ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml"])
    assert not layered.problems
    assert any("benefit 1a: amount.cap = 3000000 is not written in its clause" in line for line in layered.ok)


def test_amount_rules_of_the_text() -> None:
    """The rules the catalogue issue singles out, spelled out."""

    def get(benefit_id: str) -> object:
        benefit = CATALOG.get(benefit_id)
        assert benefit is not None
        return benefit.amount

    first_set = get("16a")
    assert (first_set.rate_min, first_set.rate_max, first_set.floor, first_set.cap) == (  # type: ignore[attr-defined]
        Decimal("0.15"),
        Decimal("0.30"),
        400000,
        10000000,
    )
    city = get("1a")
    assert (city.rate, city.cap, city.per) == (Decimal("0.01"), 2000000, "enterprise_year")  # type: ignore[attr-defined]
    county = get("1b")
    assert (county.rate_min, county.rate_max, county.cap) == (Decimal("0.01"), None, None)  # type: ignore[attr-defined]
    cloud = get("4")
    assert [(t.at_least, t.cap) for t in cloud.tiers] == [(3, 10000), (4, 50000), (5, 100000)]  # type: ignore[attr-defined]
    experts = get("18c")
    assert experts.cap_per_unit == 1000000  # type: ignore[attr-defined]


def test_kinds_and_referenced_policies() -> None:
    kinds = {b.id: b.kind for b in CATALOG.benefits}
    assert {i for i, k in kinds.items() if k == "referenced"} == {"17", "18b", "20b", "20c"}
    open_to = {b.id: b.open_to for b in CATALOG.benefits if b.open_to != "applicants"}
    assert open_to == {"3": "localities", "12": "general", "18b": "individuals", "20c": "financiers", "20d": "general"}
    assert {i for i, k in kinds.items() if k == "case_by_case"} == {"15b", "19b"}
    assert {i for i, k in kinds.items() if k == "in_kind"} == {"5a", "5b", "6", "7"}
    assert {i for i, k in kinds.items() if k == "risk_sharing"} == {"20a"}
    for benefit in CATALOG.benefits:
        if benefit.referenced_policy:
            assert benefit.referenced_policy in benefit.clause_text


def test_quotas_stated_by_the_text() -> None:
    quotas = {b.id: (b.quota.count, b.quota.bound) for b in CATALOG.benefits if b.quota}
    assert quotas == {
        "5a": (40, "exactly"),
        "5b": (600, "exactly"),
        "6": (1000, "at_least"),
        "7": (1000, "at_least_about"),
        "8": (10, "exactly"),
    }


def _expected_message(path: Path, lang: str = "en") -> str:
    """The message a broken file is read with: its first line ``# expect: <message>`` in English, its last line
    ``# expect zh: <message>`` in Chinese (at the end, so that the lines named keep their numbers)."""
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    lines = raw.rstrip(b"\n").split(b"\n")
    line = lines[0] if lang == "en" else lines[-1]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("gb18030")
    head = "# expect: " if lang == "en" else "# expect zh: "
    where = "start" if lang == "en" else "end"
    assert text.startswith(head), f"{path.name} must {where} with '{head}<message>'"
    return text.removeprefix(head)


BROKEN = sorted((ROOT / "tests" / "broken_measures").glob("*.toml"))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_measures_file(path: Path, lang: str) -> None:
    with i18n.using(lang), pytest.raises(CatalogError) as caught:
        load(path)
    expected = _expected_message(path, lang)
    lines = caught.value.lines()  # one printed line per Problem record
    assert any(expected in problem for problem in lines), lines
    for problem in lines:
        assert "\n" not in problem
        assert problem.startswith(str(path)), "every problem names the file"
    assert all(problem.file == str(path) for problem in caught.value.problems)


def test_the_minimal_valid_file_loads() -> None:
    assert [b.id for b in load(ROOT / "tests" / "valid_minimal_measures.toml").benefits] == ["2a"]


def test_missing_file() -> None:
    with pytest.raises(CatalogError, match="cannot read the measures file"):
        load(ROOT / "no-such-measures.toml")


def test_the_packaged_copy_is_the_top_level_file() -> None:
    packaged = Path(catalog_module.__file__).parent.parent / "measures.toml"
    if packaged.exists():
        assert packaged.read_bytes() == (ROOT / "measures.toml").read_bytes()
