"""Runs the data-driven cases in tests/cases/*.toml: profile, date, expected status and amounts per line.

Each file may hold a ``[defaults]`` table (``as_of`` and a ``profile`` merged under every case) and any
number of ``[[case]]`` tables::

    [[case]]
    name = "a Kunshan SME with a 5,000万 platform loan gets 1% = 50万"
    as_of = 2022-06-30                      # optional; else defaults.as_of
    profile = { retrofit_loan_cny = "5000万" }   # merged over defaults.profile; a key set to "" is removed
    expect."1a" = { status = "eligible", max = "500000", min = "500000" }
    expect."1b" = { status = "eligible", min = "500000", max = "none", missing = [] }

``status``, ``status_if_in_force``: as in the JSON output. ``max`` / ``min``: the award in CNY
(``"none"`` when the text sets no bound); ``missing``: the unknown keys listed for the line.
``totals`` (optional) checks ``eligible_cash_max`` / ``potential_cash_max`` / ``open_ended``.
``overlays`` (in ``[defaults]`` or a case) lists layer files, relative to the repository, as ``--overlay``.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from subsidy_cli.engine.assess import assess_rules
from subsidy_cli.profile.keys import build_profile
from subsidy_cli.rules.layers import Rules, load_measures, load_rules

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).parent / "cases"
CATALOG = load_measures()
_RULES: dict[tuple[str, ...], Rules] = {}


def rules_for(overlays: list[str]) -> Rules:
    key = tuple(overlays)
    if key not in _RULES:
        _RULES[key] = load_rules(None, [ROOT / path for path in overlays])
    return _RULES[key]


_ALLOWED_EXPECT = {"status", "status_if_in_force", "max", "min", "missing"}


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        defaults = data.get("defaults", {})
        for index, case in enumerate(data.get("case", [])):
            params.append(pytest.param(path.name, defaults, case, id=f"{path.stem}[{index}] {case.get('name', '')}"))
    return params


def _amount(value: Decimal | None) -> str:
    """Amounts compared by value: 500000, "50万" style is not accepted, 4999999.5 == 4999999.50."""
    if value is None:
        return "none"
    return f"{value.normalize():f}"


def _norm(expected: Any) -> str:
    if isinstance(expected, str) and expected == "none":
        return "none"
    return _amount(Decimal(str(expected)))


@pytest.mark.parametrize(("filename", "defaults", "case"), _load_cases())
def test_case(filename: str, defaults: dict[str, Any], case: dict[str, Any]) -> None:
    profile_data = {**defaults.get("profile", {}), **case.get("profile", {})}
    profile_data = {k: v for k, v in profile_data.items() if v != ""}
    profile = build_profile(profile_data, filename)
    as_of = case.get("as_of", defaults.get("as_of"))
    assert as_of is not None, f"{filename}: case {case.get('name')!r} needs as_of (or defaults.as_of)"
    assessment = assess_rules(profile, rules_for(case.get("overlays", defaults.get("overlays", []))), as_of)
    by_id = {r.benefit.id: r for r in assessment.results}
    assert case.get("expect") or case.get("totals"), f"{filename}: case {case.get('name')!r} expects nothing"
    for benefit_id, expected in case.get("expect", {}).items():
        assert benefit_id in by_id, f"{filename}: no benefit line {benefit_id!r}"
        unknown = set(expected) - _ALLOWED_EXPECT
        assert not unknown, f"{filename}: unknown expectation keys {unknown}"
        result = by_id[benefit_id]
        where = f"{case.get('name')}: line {benefit_id}"
        if "status" in expected:
            assert result.status == expected["status"], f"{where}: status"
        if "status_if_in_force" in expected:
            assert result.status_if_in_force == expected["status_if_in_force"], f"{where}: status_if_in_force"
        if "max" in expected:
            assert _amount(result.max_award) == _norm(expected["max"]), f"{where}: max award"
        if "min" in expected:
            assert _amount(result.min_award) == _norm(expected["min"]), f"{where}: min award"
        if "missing" in expected:
            assert sorted(result.missing) == sorted(expected["missing"]), f"{where}: missing keys"
    totals = case.get("totals", {})
    if "eligible_cash_max" in totals:
        assert _amount(assessment.totals.eligible_cash_max) == _norm(totals["eligible_cash_max"])
    if "potential_cash_max" in totals:
        assert _amount(assessment.totals.potential_cash_max) == _norm(totals["potential_cash_max"])
    if "open_ended" in totals:
        assert list(assessment.totals.open_ended) == totals["open_ended"]


def test_every_line_has_a_case() -> None:
    covered: set[str] = set()
    for param in _load_cases():
        covered.update(param.values[2].get("expect", {}))
    missing = sorted({b.id for b in CATALOG.benefits} - covered, key=lambda i: (len(i), i))
    assert not missing, f"no data-driven case for lines: {missing}"
