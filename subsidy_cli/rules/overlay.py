"""Reading a layer file (``--overlay``): its changes, county lines, caps across lines and exclusions.

Imported only when layers are given, so that a plain ``check`` does not pay for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from subsidy_cli.profile.keys import near
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.settings import (
    FIXED_KEYS,
    Collector,
    Setting,
    check_district,
    check_finite,
    extract_dated,
    get_path,
    owner_of,
    parse_path,
)
from subsidy_cli.rules.structs import StructError, build, spec


@dataclass(frozen=True, kw_only=True)
class _Change:
    benefit: str
    key: str = spec(pattern=r"^[A-Za-z_][\w]*(\.(\w+))*$")
    value: Any = None
    start: dt.date | None = spec(None, alias="from")
    source: str
    district: str | None = None

    def check(self) -> None:
        if self.value is None:
            raise ValueError("a change needs a value")
        if self.key.split(".")[0] in FIXED_KEYS:
            raise ValueError(f"key {self.key!r} identifies the line and cannot change; add a county line instead")
        check_district(self.district)
        check_finite(self.value)


@dataclass(frozen=True, kw_only=True)
class _LayerInfo:
    name: str
    source: str | None = None


def _tables(layer: dict[str, Any], name: str, source: str, problems: list[str]) -> list[dict[str, Any]]:
    """A layer's ``[[name]]`` entries; each must be a table."""
    entries = layer.get(name, [])
    if not isinstance(entries, list):
        problems.append(f"{source}: {name}: must be written [[{name}]] (a list of tables)")
        return []
    good = []
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, dict):
            good.append(entry)
        else:
            problems.append(f"{source}: {name} #{number}: must be a table")
    return good


def apply_layer(
    layer: dict[str, Any],
    source: str,
    data: dict[str, Any],
    found: Collector,
    caps: list[CrossCap],
    exclusive: list[Exclusive],
    line_sources: dict[str, tuple[str, str]],
    problems: list[str],
) -> None:
    allowed = {"layer", "change", "benefit", "cap", "exclusive"}
    for key in layer:
        if key not in allowed:
            problems.append(
                f"{source}: {key}: unknown table{near(key, sorted(allowed))}; a layer has "
                "[layer], [[change]], [[benefit]], [[cap]] and [[exclusive]]"
            )
    try:
        info = build(_LayerInfo, layer.get("layer", {}))
    except StructError as exc:
        problems += [f"{source}: layer.{'.'.join(map(str, p))}: {m}" for p, m in exc.problems]
        return
    ids = {item.get("id") for item in data.get("benefit", []) if isinstance(item, dict)}
    for number, raw in enumerate(_tables(layer, "benefit", source, problems), start=1):
        item = dict(raw)
        line_id = item.get("id")
        where = f"{source}: benefit #{number}" + (f" ({line_id})" if isinstance(line_id, str) else "")
        line_source = item.pop("source", None) or info.source
        if not isinstance(line_id, str) or "-" not in line_id:
            problems.append(f"{where}: id must be text with a county prefix, e.g. zjg-1")
            continue
        if line_id in ids:
            problems.append(f"{where}: id {line_id!r} exists already; give the county line a new id")
            continue
        if not line_source:
            problems.append(f"{where}: a county line needs its source (document and date)")
        item = extract_dated(item, line_id, (), source, found, problems)
        data["benefit"].append(item)
        ids.add(line_id)
        line_sources[line_id] = (source, str(line_source or ""))
    for number, raw in enumerate(_tables(layer, "change", source, problems), start=1):
        where = f"{source}: change #{number}"
        if not (raw.get("source") or info.source):
            problems.append(f"{where}: source: is required; name the document (and its date) the value comes from")
        try:
            change = build(_Change, {**raw, "source": raw.get("source") or info.source or ""})
        except StructError as exc:
            problems += [f"{where}: {'.'.join(map(str, p)) or '(change)'}: {m}" for p, m in exc.problems]
            continue
        owner = owner_of(data, change.benefit)
        if owner is None:
            problems.append(
                f"{where}: benefit {change.benefit!r} does not exist{near(change.benefit, [str(i) for i in ids if i])}"
            )
            continue
        path = parse_path(change.key)
        try:
            parent = get_path(owner, path[:-1])
        except (KeyError, IndexError, TypeError):
            parent = None
        last = path[-1]
        fits = (isinstance(parent, dict) and isinstance(last, str)) or (
            isinstance(parent, list) and isinstance(last, int) and last < len(parent)
        )
        if not fits:
            problems.append(f"{where}: benefit {change.benefit}: no key {change.key!r} to change")
            continue
        found.add(change.benefit, path, Setting(change.value, change.start, change.source, source, change.district))
    rules_across: list[tuple[str, type[CrossCap] | type[Exclusive], list[Any]]] = [
        ("cap", CrossCap, caps),
        ("exclusive", Exclusive, exclusive),
    ]
    for name, kind, target in rules_across:
        for number, raw in enumerate(_tables(layer, name, source, problems), start=1):
            where = f"{source}: {name} #{number}"
            try:
                rule = build(kind, {**raw, "layer": source, "source": raw.get("source") or info.source or ""})
            except StructError as exc:
                problems += _struct_problems(exc, where)
                continue
            _known_lines(rule.lines, ids, where, problems)
            target.append(rule)


def _struct_problems(exc: StructError, where: str) -> list[str]:
    return [f"{where}: {'.'.join(map(str, p)) or '(table)'}: {m}" for p, m in exc.problems]


def _known_lines(lines: list[str], ids: set[Any], where: str, problems: list[str]) -> None:
    for line in lines:
        if line not in ids:
            problems.append(f"{where}: benefit {line!r} does not exist{near(line, [str(i) for i in ids if i])}")
