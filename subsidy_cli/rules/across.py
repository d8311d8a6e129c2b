"""Rules across lines, which layers add: caps on several cash lines together, and exclusions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from subsidy_cli.profile.keys import KEYS, near
from subsidy_cli.rules.settings import check_district
from subsidy_cli.rules.structs import spec


def _unique(lines: list[str]) -> None:
    twice = sorted({line for line in lines if lines.count(line) > 1})
    if twice:
        raise ValueError(f"lines: {', '.join(twice)} named twice")


@dataclass(frozen=True, kw_only=True)
class CrossCap:
    """Several cash lines together paid at most a figure of the profile."""

    lines: list[str] = spec(min_items=2)
    at_most: str
    source: str
    district: str | None = None  # only for firms registered there
    layer: str = ""

    def check(self) -> None:
        _unique(self.lines)
        check_district(self.district)
        if self.at_most not in KEYS or KEYS[self.at_most].type != "money":
            raise ValueError(
                f"at_most {self.at_most!r} is not a money key of the profile{near(self.at_most, list(KEYS))}"
            )


@dataclass(frozen=True, kw_only=True)
class Exclusive:
    """Cash lines of which only one is paid (``one_of``), or the higher (``higher``)."""

    lines: list[str] = spec(min_items=2)
    rule: Literal["one_of", "higher"]
    source: str
    layer: str = ""

    def check(self) -> None:
        _unique(self.lines)
