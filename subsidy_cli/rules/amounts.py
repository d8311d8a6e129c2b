"""Amount rules as the text writes them, and what each yields for a profile.

``cap`` is 最高 / 不超过 / 不高于 (at most); ``floor`` is 不低于 (at least). A percentage is
either exact (``rate``) or a range (``rate_min`` .. ``rate_max``); ``rate_min`` alone is
"at least this share" with no upper bound (1b). All money is ``Decimal``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.structs import spec
from subsidy_cli.words import count, money, percent, pick

Per = Literal["enterprise_year", "project", "one_time", "enterprise"]
_PER_WORDS: dict[str, tuple[str, str]] = {
    "enterprise_year": ("单个企业每年", "per enterprise a year"),
    "project": ("单个项目", "per project"),
    "one_time": ("一次性", "one-time"),
    "enterprise": ("每家", "per enterprise"),
}


@dataclass(frozen=True, kw_only=True)
class _Rule:
    per: Per | None = None

    def numbers(self) -> list[Decimal]:
        return []

    def keys(self) -> set[str]:
        return set()

    def as_dict(self) -> dict[str, object]:
        """The rule as written in measures.toml (unset keys left out)."""
        out = {"rule": getattr(self, "rule")}  # noqa: B009 - every concrete rule has its tag
        out.update({k: v for k, v in dataclasses.asdict(self).items() if v is not None and k != "rule"})
        return out


@dataclass(frozen=True, kw_only=True)
class NoAmount(_Rule):
    """The text states no amount (support, referenced policies, case by case, unstated values)."""

    rule: Literal["none"]


@dataclass(frozen=True, kw_only=True)
class UpTo(_Rule):
    """最高 X: at most a fixed cap."""

    rule: Literal["up_to"]
    cap: Decimal = spec(gt=0)

    def numbers(self) -> list[Decimal]:
        return [self.cap]


@dataclass(frozen=True, kw_only=True)
class Percent(_Rule):
    """A share of a base amount from the profile, with an optional floor and cap."""

    rule: Literal["percent"]
    base: str
    base_zh: str
    base_en: str
    rate: Decimal | None = spec(None, gt=0, le=1)
    rate_min: Decimal | None = spec(None, gt=0, le=1)
    rate_max: Decimal | None = spec(None, gt=0, le=1)
    floor: Decimal | None = spec(None, gt=0)
    cap: Decimal | None = spec(None, gt=0)

    def check(self) -> None:
        if self.base not in KEYS or KEYS[self.base].type != "money":
            raise ValueError(f"base {self.base!r} is not a money key of the profile")
        if self.rate is not None and (self.rate_min is not None or self.rate_max is not None):
            raise ValueError("give either 'rate' or 'rate_min'/'rate_max', not both")
        if self.rate is None and self.rate_min is None and self.rate_max is None:
            raise ValueError("a percent rule needs 'rate', 'rate_min' or 'rate_max'")
        if self.rate_min is not None and self.rate_max is not None and self.rate_min > self.rate_max:
            raise ValueError(f"rate_min {self.rate_min} is above rate_max {self.rate_max}")
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError(f"floor {self.floor} is above cap {self.cap}")

    @property
    def low(self) -> Decimal | None:
        return self.rate if self.rate is not None else self.rate_min

    @property
    def high(self) -> Decimal | None:
        return self.rate if self.rate is not None else self.rate_max

    def numbers(self) -> list[Decimal]:
        return [n for n in (self.rate, self.rate_min, self.rate_max, self.floor, self.cap) if n is not None]

    def keys(self) -> set[str]:
        return {self.base}


@dataclass(frozen=True, kw_only=True)
class Tier:
    at_least: int = spec(ge=0)
    cap: Decimal = spec(gt=0)


@dataclass(frozen=True, kw_only=True)
class Tiers(_Rule):
    """A cap chosen by the level a profile key reaches (4: star levels)."""

    rule: Literal["tiers"]
    key: str
    tiers: list[Tier] = spec(min_items=1)

    def check(self) -> None:
        if self.key not in KEYS or KEYS[self.key].type != "count":
            raise ValueError(f"key {self.key!r} is not a count key of the profile")
        levels = [t.at_least for t in self.tiers]
        caps = [t.cap for t in self.tiers]
        if levels != sorted(set(levels)) or caps != sorted(caps):
            raise ValueError("tiers must rise: each at_least and cap above the one before")

    def numbers(self) -> list[Decimal]:
        return [t.cap for t in self.tiers]

    def keys(self) -> set[str]:
        return {self.key}


@dataclass(frozen=True, kw_only=True)
class PerUnit(_Rule):
    """At most a cap for each unit counted by a profile key (18c: per expert)."""

    rule: Literal["per_unit"]
    unit_key: str
    unit_zh: str
    unit_en: str
    cap_per_unit: Decimal = spec(gt=0)

    def check(self) -> None:
        if self.unit_key not in KEYS or KEYS[self.unit_key].type != "count":
            raise ValueError(f"unit_key {self.unit_key!r} is not a count key of the profile")

    def numbers(self) -> list[Decimal]:
        return [self.cap_per_unit]

    def keys(self) -> set[str]:
        return {self.unit_key}


AmountRule = NoAmount | UpTo | Percent | Tiers | PerUnit


@dataclass(frozen=True, eq=False)
class Amount:
    """What a rule yields: bounds (``None`` = the text sets none) and the unknown keys they wait on."""

    min: Decimal | None
    max: Decimal | None
    open_ended: bool = False
    missing: tuple[str, ...] = field(default=())


def compute(rule: _Rule, values: Mapping[str, Any]) -> Amount:
    """The rule applied to a profile's values (``vars(profile)``, or a row's parsed cells)."""
    if isinstance(rule, UpTo):
        return Amount(None, rule.cap)
    if isinstance(rule, Percent):
        base = values.get(rule.base)
        if base is None:
            return Amount(rule.floor, rule.cap, open_ended=rule.cap is None, missing=(rule.base,))
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
    if rule.floor is not None:
        value = max(value, rule.floor)
    if rule.cap is not None:
        value = min(value, rule.cap)
    return value


def _cap_words(cap: Decimal, per: Per | None, lang: str) -> str:
    """最高 X with its scope: "单个企业每年最高200万元" / "at most ¥2,000,000 per enterprise a year"."""
    if per in (None, "one_time"):
        return pick(lang, f"最高{money(cap, lang)}", f"at most {money(cap, lang)}")
    zh, en = _PER_WORDS[per]
    return pick(lang, f"{zh}最高{money(cap, lang)}", f"at most {money(cap, lang)} {en}")


def describe(rule: _Rule, profile: Profile | None, lang: str) -> str:
    """The rule in words, with the profile's figures where known."""
    once = pick(lang, *_PER_WORDS["one_time"]) if rule.per == "one_time" else ""
    if isinstance(rule, UpTo):
        return _join(lang, [_cap_words(rule.cap, rule.per, lang), once])
    if isinstance(rule, Percent):
        base = getattr(profile, rule.base) if profile is not None else None
        base_label = pick(lang, rule.base_zh, rule.base_en)
        of = f"{base_label} {money(base, lang)}" if base is not None else base_label
        if rule.rate is not None:
            share = pick(lang, f"{of}的{percent(rule.rate)}", f"{percent(rule.rate)} of {of}")
        elif rule.rate_min is not None and rule.rate_max is not None:
            span = f"{percent(rule.rate_min)}-{percent(rule.rate_max)}"
            share = pick(lang, f"{of}的{span}", f"{span} of {of}")
        elif rule.rate_min is not None:
            share = pick(lang, f"不低于{of}的{percent(rule.rate_min)}", f"at least {percent(rule.rate_min)} of {of}")
        else:
            assert rule.rate_max is not None
            share = pick(lang, f"不超过{of}的{percent(rule.rate_max)}", f"at most {percent(rule.rate_max)} of {of}")
        parts = [share]
        if rule.floor is not None:
            parts.append(pick(lang, f"不低于{money(rule.floor, lang)}", f"at least {money(rule.floor, lang)}"))
        if rule.cap is not None:
            parts.append(_cap_words(rule.cap, rule.per, lang))
        elif rule.high is None:
            parts.append(pick(lang, "未设上限", "no cap stated"))
        parts.append(once)
        return _join(lang, parts)
    if isinstance(rule, Tiers):
        label = KEYS[rule.key].label(lang)
        steps = "; ".join(
            pick(lang, f"{t.at_least}级不高于{money(t.cap, lang)}", f"level {t.at_least}: at most {money(t.cap, lang)}")
            for t in rule.tiers
        )
        level = getattr(profile, rule.key) if profile is not None else None
        now = pick(lang, f"(现为{level}级)", f" (now level {level})") if level is not None else ""
        return _join(lang, [f"{label}: {steps}{now}", once])
    if isinstance(rule, PerUnit):
        units = getattr(profile, rule.unit_key) if profile is not None else None
        each = pick(
            lang,
            f"每{rule.unit_zh}最高{money(rule.cap_per_unit, lang)}",
            f"at most {money(rule.cap_per_unit, lang)} per {rule.unit_en}",
        )
        times = f" x {count(units, lang)}" if units else ""
        return _join(lang, [each + times, once])
    return ""


def _join(lang: str, parts: list[str]) -> str:
    return pick(lang, ",", ", ").join(p for p in parts if p)
