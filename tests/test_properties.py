"""Properties every award must keep, whatever the figures: within floor and cap, never negative,
never decreasing as its base grows; and the judgement never depends on key order or language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from subsidy_cli.engine.assess import STATUSES, assess
from subsidy_cli.engine.evaluate import compute
from subsidy_cli.profile.keys import KEYS, RECOGNITIONS, ROLES, build_profile
from subsidy_cli.rules.amounts import Percent, PerUnit, Tiers
from subsidy_cli.rules.layers import load_measures

CATALOG = load_measures()
PERCENT_LINES = [b for b in CATALOG.benefits if isinstance(b.amount, Percent)]
money = st.decimals(min_value=0, max_value=Decimal("1e11"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(base=money, more=money)
def test_percent_awards_stay_within_floor_and_cap_and_grow_with_the_base(base: Decimal, more: Decimal) -> None:
    for benefit in PERCENT_LINES:
        rule = benefit.amount
        assert isinstance(rule, Percent)
        low = compute(rule, {rule.base: base})
        high = compute(rule, {rule.base: base + more})
        for amount in (low, high):
            for value in (amount.min, amount.max):
                if value is None:
                    continue
                assert value >= 0, benefit.id
                if rule.cap is not None:
                    assert value <= rule.cap, benefit.id
                if rule.floor is not None and base > 0:  # nothing sold or lent: no award at all
                    assert value >= rule.floor, benefit.id
            if amount.min is not None and amount.max is not None:
                assert amount.min <= amount.max, benefit.id
        for a, b in ((low.max, high.max), (low.min, high.min)):
            if a is not None and b is not None:
                assert a <= b, f"{benefit.id}: award fell as the base grew"


@given(units=st.integers(min_value=0, max_value=10_000), more=st.integers(min_value=0, max_value=100))
def test_per_unit_and_tier_awards_never_decrease(units: int, more: int) -> None:
    for benefit in CATALOG.benefits:
        rule = benefit.amount
        if isinstance(rule, PerUnit):
            a = compute(rule, {rule.unit_key: units}).max
            b = compute(rule, {rule.unit_key: units + more}).max
            assert a is not None and b is not None and 0 <= a <= b
        if isinstance(rule, Tiers):
            level = min(units, 5)
            a = compute(rule, {rule.key: level}).max
            b = compute(rule, {rule.key: min(level + more, 5)}).max
            assert a is not None and b is not None and 0 < a <= b <= rule.tiers[-1].cap


profiles = st.fixed_dictionaries(
    {"name": st.just("x")},
    optional={
        "entity_type": st.sampled_from(KEYS["entity_type"].choices),
        "independent_legal_person": st.booleans(),
        "district": st.sampled_from(KEYS["district"].choices),
        "sme": st.booleans(),
        "roles": st.lists(st.sampled_from(list(ROLES)), unique=True),
        "recognitions": st.lists(st.sampled_from(list(RECOGNITIONS)), unique=True),
        "retrofit_loan_cny": money,
        "retrofit_loan_via_platform": st.booleans(),
        "cloud_star_level": st.integers(0, 5),
        "platform_served_enterprises": st.integers(0, 2000),
        "platform_connected_devices": st.integers(0, 200_000),
        "first_set_unit_price_cny": money,
        "first_version_software_sales_cny": money,
        "flexible_experts": st.integers(0, 20),
        "flexible_talents_approved": st.integers(0, 20),
        "security_contract_cny": money,
    },
)


@settings(max_examples=200, deadline=None)
@given(data=profiles, day=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2025, 12, 31)))
def test_every_line_judged_and_totals_add_up(data: dict[str, object], day: dt.date) -> None:
    assessment = assess(build_profile(data), CATALOG, day)
    assert len(assessment.results) == len(CATALOG.benefits)
    eligible = Decimal(0)
    for result in assessment.results:
        for value in (result.max_award, result.min_award):
            assert value is None or value >= 0
        if result.status == "ineligible":
            assert result.missing == ()
        if result.status == "needs_info":
            assert result.missing, f"{result.benefit.id}: needs_info must say which keys"
        if result.status == "expired":
            assert not dt.date(2021, 1, 1) <= day <= dt.date(2023, 12, 31)
        if result.status == "eligible" and result.is_cash and result.max_award is not None:
            eligible += result.max_award
    assert assessment.totals.eligible_cash_max == eligible
    assert sum(assessment.totals.counts.values()) == len(CATALOG.benefits)


@settings(max_examples=100, deadline=None)
@given(data=profiles)
def test_knowing_more_never_turns_a_no_into_a_yes_of_unknown(data: dict[str, object]) -> None:
    """Three-valued logic: a line decided with a key unknown stays decided the same way once it is known
    (unknown is never treated as "no")."""
    full = assess(build_profile(data), CATALOG, dt.date(2022, 6, 1))
    for key in [k for k in data if k != "name"]:
        partial = assess(build_profile({k: v for k, v in data.items() if k != key}), CATALOG, dt.date(2022, 6, 1))
        for before, after in zip(partial.results, full.results, strict=True):
            allowed = {
                "ineligible": {"ineligible"},
                "eligible": {"eligible"},
                "potential": {"potential", "ineligible", "to_confirm"},  # a reading learnt false
                "to_confirm": {"to_confirm"},
                "open": {"open", "potential", "to_confirm"},  # what ties the line to the firm was unknown
                "needs_info": set(STATUSES),
            }[before.status]
            assert after.status in allowed, (key, before.benefit.id, before.status, after.status)
