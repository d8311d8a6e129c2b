"""Conditions and amount rules applied to a profile's values, in three-valued logic (True, False, None).

A condition is data (``subsidy_cli.rules.conditions.Condition``); nothing here runs code read from a file.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.amounts import AmountRule, Percent, PerUnit, Tiers, UpTo
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.words import fen

_OPERATORS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


def compare(value: Any, op: str, limit: Decimal) -> bool:
    """A comparison a condition names: gt (超), ge (不低于), lt, le (不超过)."""
    return bool(_OPERATORS[op](value, limit))


@dataclass(frozen=True, eq=False)
class Check:
    """One leaf test as applied to one profile."""

    condition: Condition
    outcome: bool | None
    value: Any
    gap: Decimal | None = None

    @property
    def unrecorded(self) -> bool:
        return self.condition.unrecorded is not None


@dataclass(frozen=True, eq=False)
class Outcome:
    result: bool | None
    checks: tuple[Check, ...]


def _leaf(cond: Condition, profile: Profile) -> Check:
    if cond.unrecorded is not None:
        return Check(cond, False, None)
    assert cond.key is not None
    value = getattr(profile, cond.key)
    if value is None:
        return Check(cond, None, None)
    op = cond.op
    if op == "is":
        return Check(cond, str(value) == str(cond.is_) if not isinstance(cond.is_, bool) else value is cond.is_, value)
    if op == "in":
        return Check(cond, str(value) in (cond.in_ or []), value)
    if op == "contains":
        return Check(cond, cond.contains in value, value)
    if op == "contains_any":
        return Check(cond, any(item in value for item in cond.contains_any or []), value)
    threshold: Decimal = getattr(cond, op)
    number = Decimal(value)
    met = compare(number, op, threshold)
    gap = None
    if not met and op in ("gt", "ge"):
        step = 1 if (op == "gt" and KEYS[cond.key].type == "count") else 0
        gap = threshold - number + step
    return Check(cond, met, value, gap)


def evaluate(cond: Condition, profile: Profile) -> Outcome:
    if cond.any or cond.all:
        parts = [evaluate(c, profile) for c in (cond.any or cond.all or [])]
        results = [p.result for p in parts]
        checks = tuple(check for p in parts for check in p.checks)
        if cond.all:
            result = False if False in results else (None if None in results else True)
        else:
            result = True if True in results else (None if None in results else False)
        return Outcome(result, checks)
    check = _leaf(cond, profile)
    return Outcome(check.outcome, (check,))


Test = Callable[[Mapping[str, Any]], "bool | None"]


def compile_condition(cond: Condition) -> Test:
    """The condition as a function of a profile's values (a mapping of key to parsed value, None or absent for
    unknown) giving True, False or None; the same outcome as ``evaluate(cond, ...).result``, without the
    checks that explain it. Built from the condition's data only (nothing read from a file runs as code)."""
    if cond.unrecorded is not None:
        return lambda values: False
    if cond.any or cond.all:
        parts = [compile_condition(c) for c in (cond.any or cond.all or [])]
        decisive = bool(cond.any)  # any: one True decides; all: one False decides

        def group(values: Mapping[str, Any]) -> bool | None:
            unknown = False
            for part in parts:
                result = part(values)
                if result is decisive:
                    return decisive
                if result is None:
                    unknown = True
            return None if unknown else not decisive

        return group
    key = cond.key
    assert key is not None
    op = cond.op
    test: Callable[[Any], bool]
    if op == "is":
        wanted = cond.is_
        same = str(wanted)
        test = (lambda value: value is wanted) if isinstance(wanted, bool) else (lambda value: str(value) == same)
    elif op == "in":
        options = frozenset(cond.in_ or [])
        test = lambda value: str(value) in options  # noqa: E731
    elif op == "contains":
        item = cond.contains
        test = lambda value: item in value  # noqa: E731
    elif op == "contains_any":
        items = tuple(cond.contains_any or [])
        test = lambda value: any(i in value for i in items)  # noqa: E731
    else:
        limit: Decimal = getattr(cond, op)
        compare_to = _OPERATORS[op]
        test = lambda value: bool(compare_to(value, limit))  # noqa: E731

    def leaf(values: Mapping[str, Any]) -> bool | None:
        value = values.get(key)
        return None if value is None else test(value)

    return leaf


@dataclass(frozen=True, eq=False)
class Amount:
    """What a rule yields: bounds (``None`` = the text sets none) and the unknown keys they wait on."""

    min: Decimal | None
    max: Decimal | None
    open_ended: bool = False
    missing: tuple[str, ...] = field(default=())


def compute(rule: AmountRule, values: Mapping[str, Any]) -> Amount:
    """The rule applied to a profile's values (``vars(profile)``, or a row's parsed cells)."""
    if isinstance(rule, UpTo):
        return Amount(None, rule.cap)
    if isinstance(rule, Percent):
        base = values.get(rule.base)
        if base is None:
            return Amount(rule.floor, rule.cap, open_ended=rule.cap is None, missing=(rule.base,))
        if base <= 0:  # nothing lent, sold or invested: no award, whatever floor the text sets
            return Amount(fen(Decimal(0)), fen(Decimal(0)))
        low = _bounded(rule.low * base, rule) if rule.low is not None else rule.floor
        if rule.high is not None:
            high: Decimal | None = _bounded(rule.high * base, rule)
        else:
            high = rule.cap
        return Amount(low, high, open_ended=high is None)
    if isinstance(rule, Tiers):
        level = values.get(rule.key)
        if level is None:
            return Amount(None, rule.tiers[-1].cap, missing=(rule.key,))
        reached = [t for t in rule.tiers if level >= t.at_least]
        return Amount(None, reached[-1].cap if reached else rule.tiers[0].cap)  # below: the first tier to reach
    if isinstance(rule, PerUnit):
        units = values.get(rule.unit_key)
        if units is None:  # n x the cap per unit: no bound until n is known
            return Amount(None, None, open_ended=True, missing=(rule.unit_key,))
        return Amount(None, rule.cap_per_unit * max(units, 1))
    return Amount(None, None)


def _bounded(value: Decimal, rule: Percent) -> Decimal:
    """A share within the rule's floor and cap, rounded half up to the fen (the amount paid)."""
    if rule.floor is not None:
        value = max(value, rule.floor)
    if rule.cap is not None:
        value = min(value, rule.cap)
    return fen(value)


def open_ended(catalog: Catalog) -> list[str]:
    """The ids of the lines whose amount the text leaves without an upper bound but with a lower one (1b: at
    least 1% of the loan, no cap): the batch output gives their minimum (``<id>_min_cny``)."""
    return [
        benefit.id
        for benefit in catalog.benefits
        if isinstance(rule := benefit.amount, Percent)
        and benefit.kind != "risk_sharing"
        and rule.cap is None
        and rule.high is None
        and (rule.low is not None or rule.floor is not None)
    ]
