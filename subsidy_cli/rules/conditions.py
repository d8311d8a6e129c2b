"""Declarative conditions and their three-valued evaluation (True, False, or None for unknown).

A condition is data, e.g. ``{key = "platform_served_enterprises", gt = 500}``; nothing here runs
code read from a file. Every key a condition names must be a profile key, and every value it
compares with must fit that key's type; both are checked when the catalogue loads.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from subsidy_cli.profile.keys import KEYS, Profile, choice_label, near
from subsidy_cli.rules.structs import spec
from subsidy_cli.words import count, money, pick

_COMPARISONS = ("gt", "ge", "lt", "le")
_OPERATORS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


def compare(value: Any, op: str, limit: Decimal) -> bool:
    """A comparison a condition names: gt (超), ge (不低于), lt, le (不超过)."""
    return bool(_OPERATORS[op](value, limit))


_WORDS = {  # what the policy's comparison words mean, and how we say them back
    "gt": ("超", "more than"),
    "ge": ("不低于", "at least"),
    "lt": ("低于", "less than"),
    "le": ("不超过", "at most"),
}


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One test on the profile, or ``any``/``all`` of several, or a fact the profile does not record."""

    key: str | None = None
    is_: bool | str | None = spec(None, alias="is")
    in_: list[str] | None = spec(None, alias="in")
    contains: str | None = None
    contains_any: list[str] | None = None
    gt: Decimal | None = None
    ge: Decimal | None = None
    lt: Decimal | None = None
    le: Decimal | None = None
    any: list[Condition] | None = None
    all: list[Condition] | None = None
    unrecorded: str | None = None
    unrecorded_en: str | None = None

    def check(self) -> None:
        """Rules across fields, run when the catalogue loads."""
        ops = [
            name
            for name in ("is_", "in_", "contains", "contains_any", *_COMPARISONS, "any", "all", "unrecorded")
            if getattr(self, name) is not None
        ]
        if len(ops) != 1:
            shown = ", ".join(op.rstrip("_") for op in ops) or "none"
            raise ValueError(
                f"a condition needs exactly one test (is, in, contains, contains_any, gt, ge, lt, le, "
                f"any, all or unrecorded); found {shown}"
            )
        op = ops[0]
        if op in ("any", "all", "unrecorded"):
            if self.key is not None:
                raise ValueError(f"'{op}' takes no 'key'")
            if op == "unrecorded" and not self.unrecorded_en:
                raise ValueError("'unrecorded' needs 'unrecorded_en', the same fact in English")
            if op in ("any", "all") and not getattr(self, op):
                raise ValueError(f"'{op}' needs at least one condition")
            return
        if self.key is None:
            raise ValueError(f"'{op.rstrip('_')}' needs a 'key'")
        key_spec = KEYS.get(self.key)
        if key_spec is None:
            raise ValueError(f"key {self.key!r} is not a profile key{near(self.key, list(KEYS))}")
        if op in _COMPARISONS and key_spec.type not in ("money", "count"):
            raise ValueError(f"'{op}' compares numbers, but {self.key!r} is {key_spec.type}")
        if op in ("contains", "contains_any") and key_spec.type != "multi":
            raise ValueError(f"'{op}' needs a list key, but {self.key!r} is {key_spec.type}")
        if op == "is_" and key_spec.type not in ("bool", "choice"):
            raise ValueError(f"'is' needs a yes/no or choice key, but {self.key!r} is {key_spec.type}")
        if op == "is_" and (key_spec.type == "bool") != isinstance(self.is_, bool):
            raise ValueError(
                f"'is' for {self.key!r} needs a {'true/false' if key_spec.type == 'bool' else 'text'} value"
            )
        if op == "in_" and key_spec.type != "choice":
            raise ValueError(f"'in' needs a choice key, but {self.key!r} is {key_spec.type}")
        values = {
            "is_": [self.is_] if key_spec.type == "choice" else [],
            "in_": self.in_ or [],
            "contains": [self.contains],
            "contains_any": self.contains_any or [],
        }.get(op, [])
        for value in values:
            if value not in key_spec.choices:
                raise ValueError(f"{value!r} is not a value of {self.key!r}; use one of: {', '.join(key_spec.choices)}")

    @property
    def op(self) -> str:
        for name in ("is_", "in_", "contains", "contains_any", *_COMPARISONS, "any", "all", "unrecorded"):
            if getattr(self, name) is not None:
                return name.rstrip("_")
        raise AssertionError("validated conditions have one test")  # pragma: no cover

    def keys(self) -> set[str]:
        if self.any or self.all:
            return set().union(*(c.keys() for c in (self.any or self.all or [])))
        return {self.key} if self.key else set()

    def numbers(self) -> list[Decimal]:
        """Every threshold written in this condition (for checking against the clause)."""
        own = [v for v in (self.gt, self.ge, self.lt, self.le) if v is not None]
        return own + [n for c in (self.any or self.all or []) for n in c.numbers()]


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


def _value_words(key: str, value: Any, lang: str) -> str:
    spec = KEYS[key]
    if value is None:
        return pick(lang, "未知", "unknown")
    if spec.type == "money":
        return money(Decimal(value), lang)
    if spec.type == "count":
        return count(value, lang) + pick(lang, spec.unit_zh, f" {spec.unit_en}" if spec.unit_en else "")
    if spec.type == "bool":
        return pick(lang, "是" if value else "否", "yes" if value else "no")
    if spec.type == "multi":
        return pick(lang, "、", ", ").join(choice_label(key, v, lang) for v in value) or pick(lang, "无", "none")
    if spec.type == "choice":
        return choice_label(key, str(value), lang)
    return str(value)


def describe(cond: Condition, lang: str) -> str:
    """The test in words, e.g. "平台服务企业数 超 500" / "Platform: enterprises served more than 500"."""
    if cond.unrecorded is not None:
        return pick(lang, cond.unrecorded, cond.unrecorded_en or cond.unrecorded)
    if cond.any or cond.all:
        joiner = pick(lang, " 或 ", " or ") if cond.any else pick(lang, " 且 ", " and ")
        return "(" + joiner.join(describe(c, lang) for c in (cond.any or cond.all or [])) + ")"
    assert cond.key is not None
    spec = KEYS[cond.key]
    label = spec.label(lang)
    op = cond.op
    if op == "is":
        if isinstance(cond.is_, bool):
            return label if cond.is_ else pick(lang, f"非{label}", f"not {label}")
        return f"{label} = {choice_label(cond.key, str(cond.is_), lang)}"
    if op == "in":
        others = [c for c in spec.choices if c not in (cond.in_ or [])]
        if len(others) == 1 and len(spec.choices) > 3:
            other = choice_label(cond.key, others[0], lang)
            return pick(lang, f"{label}不是{other}", f"{label} is not {other}")
        options = pick(lang, "、", ", ").join(choice_label(cond.key, v, lang) for v in cond.in_ or [])
        return pick(lang, f"{label}属于 {options}", f"{label} is one of {options}")
    if op == "contains":
        item = choice_label(cond.key, cond.contains or "", lang)
        return pick(lang, f"{label}包含 {item}", f"{label} include {item}")
    if op == "contains_any":
        options = pick(lang, "或", " or ").join(choice_label(cond.key, v, lang) for v in cond.contains_any or [])
        return pick(lang, f"{label}包含 {options}", f"{label} include {options}")
    if op == "gt" and getattr(cond, op) == 0:
        return pick(lang, f"{label}大于零", f"{label} above zero")
    zh, en = _WORDS[op]
    threshold = _value_words(cond.key, getattr(cond, op), lang)
    return pick(lang, f"{label}{zh}{threshold}", f"{label} {en} {threshold}")


def describe_check(check: Check, lang: str) -> str:
    """The test and the profile value it met, e.g. "... more than 500: 480 (short by 21)"."""
    text = describe(check.condition, lang)
    if check.unrecorded:
        return text + pick(lang, " (档案未记录此项)", " (not recorded in the profile)")
    key = check.condition.key
    if key is None:
        return text
    shown = f"{text}: {_value_words(key, check.value, lang)}"
    if check.gap is not None and check.gap > 0:
        gap = _value_words(key, check.gap, lang)
        shown += pick(lang, f" (差 {gap})", f" (short by {gap})")
    elif check.gap is not None:
        shown += pick(lang, " (须超过而非等于)", " (must be more than, not equal to, it)")
    return shown
