"""Two rule sets side by side: what changes for a firm, line by line, and which rules made it change."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from subsidy_cli.engine.assess import evaluation_date
from subsidy_cli.engine.compiled import Compiled, Judge, Verdict
from subsidy_cli.i18n import _, active
from subsidy_cli.profile.keys import Profile
from subsidy_cli.rules.catalog import Benefit
from subsidy_cli.rules.layers import Rules
from subsidy_cli.words import cny

DIFF_COLUMNS = ("line", "name", "benefit", "status_a", "status_b", "max_a_cny", "max_b_cny", "why")


@dataclass(frozen=True)
class Change:
    benefit: str
    status_a: str
    status_b: str
    max_a: Decimal | None
    max_b: Decimal | None
    why: str

    def cells(self, line: int | str, name: str) -> list[str]:
        return [
            str(line),
            name,
            self.benefit,
            self.status_a,
            self.status_b,
            cny(self.max_a) or "",
            cny(self.max_b) or "",
            self.why,
        ]


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _flatten(getattr(value, item.name), f"{path}.{item.name}" if path else item.name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{path}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}")
    else:
        yield path, value


def rule_differences(a: Benefit | None, b: Benefit | None) -> list[str]:
    """The key paths of a line whose values differ between two catalogues, as "key: a -> b" (a line in one only
    said so in the active language)."""
    if a is None:
        return [_("the line exists only in the second rules")]
    if b is None:
        return [_("the line exists only in the first rules")]
    left, right = dict(_flatten(a)), dict(_flatten(b))
    out = []
    for key in sorted(set(left) | set(right)):
        if key.startswith(("clause", "title", "recipients", "pays_for", "note")):
            continue
        if left.get(key) != right.get(key):
            out.append(f"{key}: {left.get(key)} -> {right.get(key)}")
    return out


def _constraints(compiled: Compiled, line: str) -> list[str]:
    caps = [f"cap {' + '.join(c.lines)} <= {c.at_most}" for c in compiled.caps if line in c.lines]
    groups = [f"{c.rule} {', '.join(c.lines)}" for c in compiled.exclusive if line in c.lines]
    return sorted(caps + groups)


class Pair:
    """Two compiled snapshots side by side, with the reasons each line differs (worked out once per line and
    language)."""

    def __init__(self, a: Compiled, b: Compiled) -> None:
        self.a, self.b = a, b
        self.why: dict[tuple[str, str], str] = {}
        ids_a = set(a.ids)
        self.ids = [*a.ids, *(i for i in b.ids if i not in ids_a)]
        self.index_a = {line_id: i for i, line_id in enumerate(a.ids)}
        self.index_b = {line_id: i for i, line_id in enumerate(b.ids)}

    def reasons(self, line: str) -> str:
        """Why ``line`` differs, in the active language: the key paths whose values differ, the rules across lines."""
        found = self.why.get((line, active()))
        if found is None:
            reasons = rule_differences(self.a.catalog.get(line), self.b.catalog.get(line))
            constraints_a, constraints_b = _constraints(self.a, line), _constraints(self.b, line)
            if constraints_a != constraints_b:
                first, second = constraints_a or _("none"), constraints_b or _("none")
                reasons.append(_("rules across lines: {first} -> {second}", first=first, second=second))
            found = "; ".join(reasons) or _("the same rules judge differently (another date or figure)")
            self.why[(line, active())] = found
        return found


_PAIRS: dict[tuple[int, int], Pair] = {}


def pair_of(a: Compiled, b: Compiled) -> Pair:
    """Two compiled snapshots side by side (remembered, with the reasons worked out so far)."""
    found = _PAIRS.get((id(a), id(b)))
    if found is None or found.a is not a or found.b is not b:
        if len(_PAIRS) > 64:
            _PAIRS.clear()
        found = _PAIRS[(id(a), id(b))] = Pair(a, b)
    return found


def compare(profile: Profile, a: Rules | Judge, b: Rules | Judge, as_of: dt.date | None) -> list[Change]:
    """Every line whose status or maximum award differs between the two rule sets, with why (the key paths
    whose values differ, and the rules across lines). Each rule set's snapshots are compiled once; the
    reasons are worked out once per pair of snapshots and line."""
    date = evaluation_date(profile, as_of)
    values = vars(profile)
    first = Judge.of(a).compiled(date, profile.district)
    second = Judge.of(b).compiled(date, profile.district)
    left, right = first.verdict(values, date), second.verdict(values, date)
    pair = pair_of(first, second)
    changes = []
    for line in pair.ids:
        status_a, max_a = _line(left, first, pair.index_a.get(line))
        status_b, max_b = _line(right, second, pair.index_b.get(line))
        if status_a == status_b and (max_a == max_b or status_a == "ineligible"):
            continue  # an ineligible line's amount is nobody's
        changes.append(Change(line, status_a, status_b, max_a, max_b, pair.reasons(line)))
    return changes


def _line(verdict: Verdict, compiled: Compiled, index: int | None) -> tuple[str, Decimal | None]:
    """A line's status and maximum award (None for a risk share: its amount is the loan covered, not an
    award), or "absent" where the rules have no such line."""
    if index is None:
        return "absent", None
    risk = compiled.lines[index].benefit.kind == "risk_sharing"
    return verdict.statuses[index], None if risk else verdict.amounts[index].max
