"""Two rule sets side by side: what changes for a firm, line by line, and which rules made it change."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from subsidy_cli.engine.assess import assess_rules, evaluation_date
from subsidy_cli.profile.keys import Profile
from subsidy_cli.rules.catalog import Benefit, Catalog
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
    """The key paths of a line whose values differ between two catalogues, as "key: a -> b"."""
    if a is None or b is None:
        return ["the line exists only in " + ("the second rules" if a is None else "the first rules")]
    left, right = dict(_flatten(a)), dict(_flatten(b))
    out = []
    for key in sorted(set(left) | set(right)):
        if key.startswith(("clause", "title", "recipients", "pays_for", "note")):
            continue
        if left.get(key) != right.get(key):
            out.append(f"{key}: {left.get(key)} -> {right.get(key)}")
    return out


def _constraints(catalog: Catalog, line: str, district: str | None) -> list[str]:
    caps = [
        f"cap {' + '.join(c.lines)} <= {c.at_most}"
        for c in catalog.caps
        if line in c.lines and c.district in (None, district)
    ]
    groups = [f"{c.rule} {', '.join(c.lines)}" for c in catalog.exclusive if line in c.lines]
    return sorted(caps + groups)


def compare(profile: Profile, a: Rules, b: Rules, as_of: dt.date | None) -> list[Change]:
    """Every line whose status or maximum award differs between the two rule sets, with why."""
    date = evaluation_date(profile, as_of)
    first, second = assess_rules(profile, a, date), assess_rules(profile, b, date)
    snap_a, snap_b = a.snapshot(date, profile.district), b.snapshot(date, profile.district)
    second_by_id = {r.benefit.id: r for r in second.results}
    changes = []
    ids = [r.benefit.id for r in first.results] + [
        i for i in second_by_id if i not in {r.benefit.id for r in first.results}
    ]
    first_by_id = {r.benefit.id: r for r in first.results}
    for line in ids:
        left, right = first_by_id.get(line), second_by_id.get(line)
        status_a = left.status if left else "absent"
        status_b = right.status if right else "absent"
        max_a = left.max_award if left else None
        max_b = right.max_award if right else None
        if status_a == status_b and (max_a == max_b or status_a == "ineligible"):
            continue  # an ineligible line's amount is nobody's
        reasons = rule_differences(snap_a.get(line), snap_b.get(line))
        constraints_a = _constraints(snap_a, line, profile.district)
        constraints_b = _constraints(snap_b, line, profile.district)
        if constraints_a != constraints_b:
            reasons.append(f"rules across lines: {constraints_a or 'none'} -> {constraints_b or 'none'}")
        changes.append(
            Change(
                line,
                status_a,
                status_b,
                max_a,
                max_b,
                "; ".join(reasons) or "the same rules judge differently (another date or figure)",
            )
        )
    return changes
