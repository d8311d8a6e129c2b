"""Amount rules as the text writes them, and what each yields for a profile.

``cap`` is 最高 / 不超过 / 不高于 (at most); ``floor`` is 不低于 (at least). A percentage is
either exact (``rate``) or a range (``rate_min`` .. ``rate_max``); ``rate_min`` alone is
"at least this share" with no upper bound (1b). All money is ``Decimal`` yuan; rates are shares (``0.01``).

Each rule is a frozen dataclass validated by pydantic (see ``rules.strict``); ``AmountRule`` is their union,
read by its ``rule`` (``TaggedAmountRule``). A rule's ``__post_init__`` raises ``ValueError`` for rules across
its fields (a rate range upside down, a floor above the cap, a key that is not a money or count key of the
profile).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from subsidy_cli.i18n import _
from subsidy_cli.profile.keys import KEYS, key_named
from subsidy_cli.rules.strict import AMOUNT_TAGS, CONFIG, MinItems, Number, OneOf, Scalar, Tagged, Text

Per = Literal["enterprise_year", "project", "one_time", "enterprise"]
Money = Annotated[Decimal, Number(gt=0)]
Rate = Annotated[Decimal, Number(gt=0, le=1)]


@dataclass(frozen=True, kw_only=True)
class _Rule:
    """What every amount rule has: ``per``, what a cap is counted over (None: not stated)."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    per: OneOf[Per] | None = None

    def numbers(self) -> list[Decimal]:
        """Every amount and rate the rule states (to check against the clause)."""
        return []

    def keys(self) -> set[str]:
        """The profile keys the rule reads."""
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
    """最高 X: at most a fixed cap (yuan)."""

    rule: Literal["up_to"]
    cap: Money

    def numbers(self) -> list[Decimal]:
        return [self.cap]


@dataclass(frozen=True, kw_only=True)
class Percent(_Rule):
    """A share of a base amount from the profile (``base``, a money key), with an optional floor and cap (yuan).

    ``rate`` is exact; ``rate_min``/``rate_max`` a range (either end may be open); rates are in (0, 1].
    """

    rule: Literal["percent"]
    base: Text
    base_zh: Text
    base_en: Text
    rate: Rate | None = None
    rate_min: Rate | None = None
    rate_max: Rate | None = None
    floor: Money | None = None
    cap: Money | None = None

    def __post_init__(self) -> None:
        """Rules across fields."""
        if self.base not in KEYS or KEYS[self.base].type != "money":
            raise ValueError(_("base {key} is not a money key of the profile", key=key_named(self.base)))
        if self.rate is not None and (self.rate_min is not None or self.rate_max is not None):
            raise ValueError(_("give either 'rate' or 'rate_min'/'rate_max', not both"))
        if self.rate is None and self.rate_min is None and self.rate_max is None:
            raise ValueError(_("a percent rule needs 'rate', 'rate_min' or 'rate_max'"))
        if self.rate_min is not None and self.rate_max is not None and self.rate_min > self.rate_max:
            raise ValueError(_("rate_min {low} is above rate_max {high}", low=self.rate_min, high=self.rate_max))
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError(_("floor {floor} is above cap {cap}", floor=self.floor, cap=self.cap))

    @property
    def low(self) -> Decimal | None:
        """The lowest rate (the exact rate, else ``rate_min``)."""
        return self.rate if self.rate is not None else self.rate_min

    @property
    def high(self) -> Decimal | None:
        """The highest rate (the exact rate, else ``rate_max``; None: no upper bound)."""
        return self.rate if self.rate is not None else self.rate_max

    def numbers(self) -> list[Decimal]:
        return [n for n in (self.rate, self.rate_min, self.rate_max, self.floor, self.cap) if n is not None]

    def keys(self) -> set[str]:
        return {self.base}


@dataclass(frozen=True, kw_only=True)
class Tier:
    """From a level (``at_least``, a count) on, at most ``cap`` yuan."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    at_least: Annotated[int, Scalar("int", ge=0)]
    cap: Money


@dataclass(frozen=True, kw_only=True)
class Tiers(_Rule):
    """A cap chosen by the level a profile key reaches (4: star levels)."""

    rule: Literal["tiers"]
    key: Text
    tiers: Annotated[list[Tier], MinItems(1)]

    def __post_init__(self) -> None:
        """Rules across fields: a count key; levels and caps rising."""
        if self.key not in KEYS or KEYS[self.key].type != "count":
            raise ValueError(_("key {key} is not a count key of the profile", key=key_named(self.key)))
        levels = [t.at_least for t in self.tiers]
        caps = [t.cap for t in self.tiers]
        if levels != sorted(set(levels)) or caps != sorted(caps):
            raise ValueError(_("tiers must rise: each at_least and cap above the one before"))

    def numbers(self) -> list[Decimal]:
        return [t.cap for t in self.tiers]

    def keys(self) -> set[str]:
        return {self.key}


@dataclass(frozen=True, kw_only=True)
class PerUnit(_Rule):
    """At most a cap (yuan) for each unit counted by a profile key (18c: per expert)."""

    rule: Literal["per_unit"]
    unit_key: Text
    unit_zh: Text
    unit_en: Text
    cap_per_unit: Money

    def __post_init__(self) -> None:
        """``unit_key`` must be a count key."""
        if self.unit_key not in KEYS or KEYS[self.unit_key].type != "count":
            raise ValueError(_("unit_key {key} is not a count key of the profile", key=key_named(self.unit_key)))

    def numbers(self) -> list[Decimal]:
        return [self.cap_per_unit]

    def keys(self) -> set[str]:
        return {self.unit_key}


AmountRule = NoAmount | UpTo | Percent | Tiers | PerUnit
"""One amount rule, as the engine reads it."""
TaggedAmountRule = Annotated[
    AmountRule, Tagged("rule", dict(zip(AMOUNT_TAGS, (NoAmount, UpTo, Percent, Tiers, PerUnit), strict=True)))
]
"""The field type that reads one: the union chosen by its ``rule``; an unknown rule is named once, at ``rule``."""
