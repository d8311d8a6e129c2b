"""Dated values: a value of the rules in force from a date (optionally for one district), with its source.

Shared by the measures file (``cap = [{ from = ..., value = ..., source = ... }]``) and the layers
(``[[change]]``). ``extract_dated`` replaces each dated list by its first value and records every setting;
``in_force`` picks the settings that apply on a date for a district.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from subsidy_cli.errors import Problem
from subsidy_cli.i18n import _
from subsidy_cli.profile.keys import DISTRICT_ZH, near
from subsidy_cli.profile.values import quote

POLICY = "policy"
FIXED_KEYS = ("id", "measure")  # what identifies a line cannot change
DatedPath = tuple[str, tuple[str | int, ...]]  # (benefit id or "policy", key path inside it)


@dataclass(frozen=True)
class Setting:
    """One value of one key path, in force from ``start`` (None: from the beginning)."""

    value: Any
    start: dt.date | None
    source: str
    layer: str
    district: str | None = None
    order: int = 0  # the order written: measures first, then the layers in the order given
    fallback: bool = False  # a measures file's dated value: it applies before its date too


def check_district(value: str | None) -> None:
    """ValueError unless ``value`` is None or a district's slug (with a did-you-mean)."""
    if value is not None and value not in DISTRICT_ZH:
        options = ", ".join(DISTRICT_ZH)
        message = _("{what} {value} is not one of {options}", what=_("district"), value=quote(value), options=options)
        raise ValueError(message + near(value, list(DISTRICT_ZH)))


def check_finite(value: Any) -> None:
    """Reject NaN and infinities anywhere in a value (TOML allows them; no rule can use them)."""
    if isinstance(value, Decimal | float) and not Decimal(value).is_finite():
        raise ValueError(_("{value} is not a usable number", value=value))
    if isinstance(value, dict):
        for item in value.values():
            check_finite(item)
    if isinstance(value, list):
        for item in value:
            check_finite(item)


def in_force(settings: list[Setting], date: dt.date, district: str | None) -> list[Setting]:
    """The settings of one key that have started on ``date`` for a firm of ``district``, the one that wins
    last. Before a measures file's first dated value, that first value applies."""
    mine = [s for s in settings if s.district is None or s.district == district]
    started = [s for s in mine if s.start is None or s.start <= date]
    if not started:
        fallbacks = [s for s in mine if s.fallback and s.district is None]
        return [min(fallbacks, key=lambda s: s.start or dt.date.min)] if fallbacks else []
    return sorted(started, key=lambda s: (s.start or dt.date.min, s.order))


def is_dated(value: Any) -> bool:
    """Whether ``value`` is written as dated values: a list of tables with ``from`` and ``value``."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "value" in item and "from" in item for item in value)
    )


def owner_of(data: dict[str, Any], owner: str) -> dict[str, Any] | None:
    """The table of a line (by id) or the policy (``POLICY``) in the rules data, or None."""
    if owner == POLICY:
        return data.get("policy")
    for item in data.get("benefit", []):
        if isinstance(item, dict) and item.get("id") == owner:
            return item
    return None


def get_path(node: Any, path: tuple[str | int, ...]) -> Any:
    """The value at a key path (KeyError, IndexError or TypeError if there is none)."""
    for part in path:
        node = node[part]
    return node


def set_path(data: dict[str, Any], owner: str, path: tuple[str | int, ...], value: Any) -> None:
    """Set a copy of ``value`` at a key path of a line (or the policy); KeyError if the line is unknown."""
    table = owner_of(data, owner)
    if table is None:
        raise KeyError(owner)
    node: Any = table  # tables and lists down the path
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = copy.deepcopy(value)


def parse_path(key: str) -> tuple[str | int, ...]:
    """``amount.cap`` or ``qualifies.0.gt`` as a tuple of keys and list indexes."""
    return tuple(int(part) if part.isdigit() else part for part in key.split("."))


class Collector:
    """Settings as they are read, numbered in the order written."""

    def __init__(self) -> None:
        self.settings: dict[DatedPath, list[Setting]] = {}
        self.count = 0

    def add(self, owner: str, path: tuple[str | int, ...], setting: Setting) -> None:
        """Record a setting of a key path of ``owner``, numbered in the order written."""
        self.count += 1
        self.settings.setdefault((owner, path), []).append(
            Setting(
                setting.value,
                setting.start,
                setting.source,
                setting.layer,
                setting.district,
                self.count,
                setting.fallback,
            )
        )


def extract_dated(
    node: Any, owner: str, path: tuple[str | int, ...], source_file: str, found: Collector, problems: list[Problem]
) -> Any:
    """Replace dated lists by their first value, recording every setting; problems are added to ``problems``."""
    where = f"{owner}: {'.'.join(map(str, path))}"

    def problem(message: str) -> None:
        problems.append(Problem(message, file=source_file, where=where))

    if is_dated(node):
        if path and path[0] in FIXED_KEYS:
            problem(_("what identifies a line cannot be dated"))
            return node
        entries: list[Setting] = []
        for item in node:
            unknown = set(item) - {"from", "value", "source", "district"}
            start = item["from"]
            if unknown:
                names = ", ".join(sorted(unknown))
                problem(_("unknown key(s) {names} in a dated value; use from, value, source and district", names=names))
            elif not isinstance(start, dt.date) or isinstance(start, dt.datetime):
                problem(_("'from' must be a date, e.g. 2022-01-01"))
            elif not item.get("source"):
                problem(_("a dated value needs its source (document and date)"))
            else:
                try:
                    check_district(item.get("district"))
                    check_finite(item["value"])
                except ValueError as exc:
                    problem(str(exc))
                    continue
                entries.append(
                    Setting(item["value"], start, str(item["source"]), source_file, item.get("district"), fallback=True)
                )
        starts = [(e.start, e.district) for e in entries]
        if [s for s, _district in starts] != sorted(s for s, _district in starts if s is not None):
            problem(_("dated values must be in date order"))
        if len(set(starts)) != len(starts):
            problem(_("two values start on the same date; keep one"))
        for entry in entries:
            found.add(owner, path, entry)
        general = [e for e in entries if e.district is None]
        return general[0].value if general else node[0]["value"]
    if isinstance(node, dict):
        return {k: extract_dated(v, owner, (*path, k), source_file, found, problems) for k, v in node.items()}
    if isinstance(node, list):
        return [extract_dated(v, owner, (*path, i), source_file, found, problems) for i, v in enumerate(node)]
    return node
