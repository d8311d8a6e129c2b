"""The shipped catalogue: all 41 lines, verbatim clauses, numbers that match their clauses; and the loader's
messages for broken files (tests/broken_measures/*.toml, each starting with ``# expect: <message>``)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from subsidy_cli.engine.explain import CN_NUMERALS
from subsidy_cli.rules import catalog as catalog_module
from subsidy_cli.rules.catalog import CatalogError
from subsidy_cli.rules.layers import load_measures as load

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


_UNIT = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "%": Decimal("0.01")}
_CN_DIGIT = {"三": "3", "四": "4", "五": "5"}


def clause_numbers(text: str) -> set[Decimal]:
    """Every number written in a clause, scaled by the unit after it (万, 亿, %); 三星级 counts as 3."""
    text = re.sub(r"([三四五])星级", lambda m: _CN_DIGIT[m.group(1)] + "星级", text)
    found: set[Decimal] = set()
    for match in re.finditer(r"(\d+(?:\.\d+)?)\s*([万亿%]?)", text):
        number = Decimal(match.group(1))
        found.add(number)
        if match.group(2):
            found.add(number * _UNIT[match.group(2)])
    return found


@pytest.mark.parametrize("benefit", CATALOG.benefits, ids=lambda b: b.id)
def test_every_number_is_written_in_the_clause(benefit: catalog_module.Benefit) -> None:
    written = clause_numbers(benefit.clause_text)
    for number in benefit.numbers():
        if number == 0:
            continue  # "> 0" only tests that the firm has the thing
        assert number in written, f"{benefit.id}: {number} is not written in its clause"


@pytest.mark.parametrize("benefit", CATALOG.benefits, ids=lambda b: b.id)
def test_comparison_words_match_the_clause(benefit: catalog_module.Benefit) -> None:
    """超 → gt (strictly more); 不低于 → a floor or minimum rate; 最高/不超过/不高于 → a cap."""
    text = benefit.clause_text
    for cond in benefit.qualifies:
        for number in cond.numbers():
            if number == 0:
                continue
            if cond.gt is not None:
                assert re.search(rf"超{_written(number)}", text), f"{benefit.id}: gt {number} without 超"
    amount = benefit.amount
    if getattr(amount, "floor", None) is not None or getattr(amount, "rate_min", None) is not None:
        assert "不低于" in text, f"{benefit.id}: a floor without 不低于"
    if getattr(amount, "cap", None) is not None or getattr(amount, "rate_max", None) is not None:
        assert re.search("最高|不超过|不高于", text), f"{benefit.id}: a cap without 最高/不超过/不高于"


def _written(number: Decimal) -> str:
    if number >= 10_000 and number % 10_000 == 0:
        return f"{int(number / 10_000)}万"
    return str(int(number))


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


def _expected_message(path: Path) -> str:
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    first = raw.split(b"\n", 1)[0]
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        line = first.decode("gb18030")
    assert line.startswith("# expect: "), f"{path.name} must start with '# expect: <message>'"
    return line.removeprefix("# expect: ")


BROKEN = sorted((ROOT / "tests" / "broken_measures").glob("*.toml"))


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_measures_file(path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load(path)
    expected = _expected_message(path)
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
