"""The effective rules: measures.toml plus county layers, with values in force from dates.

A value anywhere in the rules (an amount, a rate, a cap, a threshold, a window) may be written as a list
of dated settings, each with its source::

    cap = [{ from = 2021-01-01, value = 2000000, source = "《若干措施》" },
           { from = 2022-01-01, value = 3000000, source = "《关于支持产业创新集群建设的若干政策(试行)》" }]

A layer (``--overlay FILE``) adds settings over the measures file without editing it: ``[[change]]``
sets the value at a key path of a line from a date (optionally only for firms registered in one
district), ``[[benefit]]`` adds a county's own line, ``[[cap]]`` caps several lines together at a
profile figure (e.g. the interest actually paid), ``[[exclusive]]`` lets only one line of a group be
paid (``one_of``) or pays the higher (``higher``). Later layers win over earlier ones.

``Rules.snapshot(date, district)`` gives the plain catalogue in force for one date and district; the
engine works on snapshots. ``Rules.sha256`` identifies the rules for the audit trail.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from .catalog import Catalog, CatalogError, build_catalog, default_path, read_data
from .profile import DISTRICT_ZH, KEYS, near
from .structs import StructError, build, spec

POLICY = "policy"
ABSENT = "(not set)"  # a key the policy text leaves out, until a layer sets it
DatedPath = tuple[str, tuple[str | int, ...]]  # (benefit id or "policy", key path inside it)


@dataclass(frozen=True)
class Setting:
    """One value of one key path, in force from ``start`` (None: from the beginning)."""

    value: Any
    start: dt.date | None
    source: str
    layer: str
    district: str | None = None


@dataclass(frozen=True, kw_only=True)
class CrossCap:
    """Several lines together paid at most a figure of the profile."""

    lines: list[str] = spec(min_items=2)
    at_most: str
    source: str
    district: str | None = None  # only for firms registered there
    layer: str = ""

    def check(self) -> None:
        if self.district is not None and self.district not in DISTRICT_ZH:
            raise ValueError(f"district {self.district!r} is not one of {', '.join(DISTRICT_ZH)}")
        if self.at_most not in KEYS or KEYS[self.at_most].type != "money":
            raise ValueError(
                f"at_most {self.at_most!r} is not a money key of the profile{near(self.at_most, list(KEYS))}"
            )


@dataclass(frozen=True, kw_only=True)
class Exclusive:
    """Lines of which only one is paid (``one_of``), or the higher (``higher``)."""

    lines: list[str] = spec(min_items=2)
    rule: Literal["one_of", "higher"]
    source: str
    layer: str = ""


@dataclass(frozen=True, kw_only=True)
class _Change:
    benefit: str
    key: str
    value: Any = None
    start: dt.date | None = spec(None, alias="from")
    source: str
    district: str | None = None

    def check(self) -> None:
        if self.value is None:
            raise ValueError("a change needs a value")
        if self.district is not None and self.district not in DISTRICT_ZH:
            raise ValueError(
                f"district {self.district!r} is not one of {', '.join(DISTRICT_ZH)}"
                f"{near(self.district, list(DISTRICT_ZH))}"
            )


@dataclass(frozen=True, kw_only=True)
class _LayerInfo:
    name: str
    district: str | None = None
    source: str | None = None


@dataclass
class Rules:
    """The measures file and its layers, with every dated setting, ready to give snapshots."""

    data: dict[str, Any]  # the measures file's data, dated values replaced by their first value
    settings: dict[DatedPath, list[Setting]]
    caps: list[CrossCap]
    exclusive: list[Exclusive]
    sources: list[str]  # the files, measures first
    sha256: str
    base: Catalog | None = None  # the measures file alone, when no layer added lines or settings
    _snapshots: dict[tuple[int, str | None], Catalog] = field(default_factory=dict, repr=False)

    @property
    def change_dates(self) -> list[dt.date]:
        return sorted({s.start for values in self.settings.values() for s in values if s.start is not None})

    @property
    def districts(self) -> set[str]:
        return {s.district for values in self.settings.values() for s in values if s.district is not None}

    def key(self, date: dt.date, district: str | None) -> tuple[int, str | None]:
        """Which snapshot a date and district fall in (snapshots are shared between such pairs)."""
        interval = sum(1 for start in self.change_dates if start <= date)
        return interval, district if district in self.districts else None

    def first(self) -> Catalog:
        """The rules with the values they start with (for listings that are not about one date)."""
        return self.snapshot(dt.date.min)

    def snapshot(self, date: dt.date, district: str | None = None) -> Catalog:
        key = self.key(date, district)
        found = self._snapshots.get(key)
        if found is None:
            found = self._snapshots[key] = self._build(date, key[1])
        return found

    def _build(self, date: dt.date, district: str | None) -> Catalog:
        if self.base is not None and not self.settings:  # nothing varies: the measures file as validated
            catalog = self.base
            return Catalog(
                catalog.policy, catalog.benefits, catalog.source, tuple(self.caps), tuple(self.exclusive), self.sha256
            )
        data = copy.deepcopy(self.data)
        for (owner, path), settings in self.settings.items():
            value = in_force(settings, date, district)
            if value is not None:
                _set(data, owner, path, value.value)

        catalog = build_catalog(data, self.sources[0])
        return Catalog(
            catalog.policy, catalog.benefits, catalog.source, tuple(self.caps), tuple(self.exclusive), self.sha256
        )

    def provenance(self, benefit_id: str) -> list[tuple[str, Setting]]:
        """Every dated setting of one line, as (key path, setting), in the order they apply."""
        out = []
        for (owner, path), settings in self.settings.items():
            if owner == benefit_id:
                key = ".".join(str(p) for p in path)
                out += [(key, s) for s in settings]
        return out


def in_force(settings: list[Setting], date: dt.date, district: str | None) -> Setting | None:
    """The setting in force on a date for a firm of a district: the latest start on or before the date;
    on the same start a setting for the firm's district wins, then the one written last (later layers).
    Before the first start, the first value applies (it is the policy's own)."""
    candidates = [(i, s) for i, s in enumerate(settings) if s.district is None or s.district == district]
    if not candidates:
        return None
    started = [(i, s) for i, s in candidates if s.start is None or s.start <= date]
    if not started:
        return min(candidates, key=lambda pair: (pair[1].start or dt.date.min, pair[0]))[1]
    return max(started, key=lambda pair: (pair[1].start or dt.date.min, pair[1].district is not None, pair[0]))[1]


def _is_dated(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "value" in item and "from" in item for item in value)
    )


def _owner_of(data: dict[str, Any], owner: str) -> dict[str, Any] | None:
    if owner == POLICY:
        return data.get("policy")
    for item in data.get("benefit", []):
        if isinstance(item, dict) and item.get("id") == owner:
            return item
    return None


def _get(node: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(data: dict[str, Any], owner: str, path: tuple[str | int, ...], value: Any) -> None:
    node = _owner_of(data, owner)
    assert node is not None
    for part in path[:-1]:
        node = node[part]
    if value == ABSENT:
        if isinstance(node, dict):
            node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(value)


def _parse_path(key: str) -> tuple[str | int, ...]:
    return tuple(int(part) if part.isdigit() else part for part in key.split("."))


def _extract(
    node: Any,
    owner: str,
    path: tuple[str | int, ...],
    source_file: str,
    settings: dict[DatedPath, list[Setting]],
    problems: list[str],
) -> Any:
    """Replace dated lists by their first value, recording every setting."""
    if _is_dated(node):
        entries = []
        for item in node:
            unknown = set(item) - {"from", "value", "source", "district"}
            where = f"{source_file}: {owner}: {'.'.join(map(str, path))}"
            if unknown:
                problems.append(
                    f"{where}: unknown key(s) {', '.join(sorted(unknown))} in a dated value; use from, value and source"
                )
                continue
            if not isinstance(item["from"], dt.date):
                problems.append(f"{where}: 'from' must be a date, e.g. 2022-01-01")
                continue
            if not item.get("source"):
                problems.append(f"{where}: a dated value needs its source (document and date)")
            entries.append(
                Setting(item["value"], item["from"], str(item.get("source", "")), source_file, item.get("district"))
            )
        starts = [e.start for e in entries]
        if starts != sorted(starts):
            problems.append(f"{source_file}: {owner}: {'.'.join(map(str, path))}: dated values must be in date order")
        if entries:
            settings.setdefault((owner, path), []).extend(entries)
            return entries[0].value
        return node
    if isinstance(node, dict):
        return {k: _extract(v, owner, (*path, k), source_file, settings, problems) for k, v in node.items()}
    if isinstance(node, list):
        return [_extract(v, owner, (*path, i), source_file, settings, problems) for i, v in enumerate(node)]
    return node


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rules_hash(documents: list[dict[str, Any]]) -> str:
    """SHA-256 of the rules as data (keys sorted, numbers exact), so formatting and comments do not count."""
    text = json.dumps([_canonical(d) for d in documents], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_rules(measures: Path | None = None, overlays: list[Path] | None = None) -> Rules:
    """The measures file (default: the shipped one) and the layers over it, validated; CatalogError if not."""
    path = measures or default_path()
    raw_data, text = read_data(path)
    documents = [raw_data]
    problems: list[str] = []
    settings: dict[DatedPath, list[Setting]] = {}
    data = dict(raw_data)  # _extract builds new tables and lists; the file's data stays as read
    if isinstance(data.get("policy"), dict):
        data["policy"] = _extract(data["policy"], POLICY, (), str(path), settings, problems)
    if isinstance(data.get("benefit"), list):
        data["benefit"] = [
            _extract(
                item, str(item.get("id")) if isinstance(item, dict) else f"#{i + 1}", (), str(path), settings, problems
            )
            for i, item in enumerate(data["benefit"])
        ]
    if problems:
        raise CatalogError(problems)
    base = build_catalog(data, str(path), text)  # the base, with first values, must be valid on its own
    base_lines = len(data.get("benefit", []))
    caps: list[CrossCap] = []
    exclusive: list[Exclusive] = []
    sources = [str(path)]
    for overlay in overlays or []:
        layer_data, _ = read_data(overlay, kind="layer")
        documents.append(layer_data)
        sources.append(str(overlay))
        _apply_layer(layer_data, str(overlay), path.name, data, settings, caps, exclusive, problems)
    added_lines = len(data.get("benefit", [])) != base_lines
    rules = Rules(data, settings, caps, exclusive, sources, rules_hash(documents), None if added_lines else base)
    if settings or added_lines:
        problems += _snapshot_problems(rules)
    if problems:
        raise CatalogError(problems)
    return rules


def _apply_layer(
    layer: dict[str, Any],
    source: str,
    base: str,
    data: dict[str, Any],
    settings: dict[DatedPath, list[Setting]],
    caps: list[CrossCap],
    exclusive: list[Exclusive],
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
    for number, raw in enumerate(layer.get("benefit", []), start=1):
        where = f"{source}: benefit #{number}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a table")
            continue
        item = dict(raw)
        line_source = item.pop("source", None) or info.source
        if not line_source:
            problems.append(f"{where} ({item.get('id')}): a county line needs its source (document and date)")
        if item.get("id") in ids:
            problems.append(
                f"{where}: id {item.get('id')!r} exists already; a county line needs a new id with a "
                "county prefix, e.g. zjg-1"
            )
            continue
        if not str(item.get("id", "")).count("-"):
            problems.append(f"{where}: id {item.get('id')!r} needs a county prefix, e.g. zjg-1")
            continue
        item = _extract(item, str(item["id"]), (), source, settings, problems)
        data["benefit"].append(item)
        ids.add(item["id"])
    for number, raw in enumerate(layer.get("change", []), start=1):
        where = f"{source}: change #{number}"
        if isinstance(raw, dict) and not (raw.get("source") or info.source):
            problems.append(f"{where}: source: is required; name the document (and its date) the value comes from")
        try:
            change = build(
                _Change, {**raw, "source": raw.get("source") or info.source or ""} if isinstance(raw, dict) else raw
            )
        except StructError as exc:
            problems += [f"{where}: {'.'.join(map(str, p)) or '(change)'}: {m}" for p, m in exc.problems]
            continue
        owner = _owner_of(data, change.benefit)
        if owner is None:
            known = [str(i) for i in ids if i]
            problems.append(f"{where}: benefit {change.benefit!r} does not exist{near(change.benefit, known)}")
            continue
        path = _parse_path(change.key)
        try:
            parent = _get(owner, path[:-1])
        except (KeyError, IndexError, TypeError):
            problems.append(f"{where}: benefit {change.benefit}: no key {change.key!r} to change")
            continue
        if not isinstance(parent, dict | list) or (isinstance(parent, list) and not isinstance(path[-1], int)):
            problems.append(f"{where}: benefit {change.benefit}: no key {change.key!r} to change")
            continue
        district = change.district or None
        existing = settings.setdefault((change.benefit, path), [])
        if not existing:
            try:
                current = _get(owner, path)
            except (KeyError, IndexError, TypeError):
                current = None
            # the value the layer changes stays in force before the change (or stays absent)
            existing.append(Setting(ABSENT if current is None else current, None, "the policy text (its clause)", base))
        existing.append(Setting(change.value, change.start, change.source, source, district))
    for number, raw in enumerate(layer.get("cap", []), start=1):
        try:
            cap = build(CrossCap, {**raw, "layer": source, "source": raw.get("source") or info.source or ""})
        except (StructError, TypeError) as exc:
            problems += _struct_problems(exc, f"{source}: cap #{number}")
            continue
        _known_lines(cap.lines, ids, f"{source}: cap #{number}", problems)
        caps.append(cap)
    for number, raw in enumerate(layer.get("exclusive", []), start=1):
        try:
            group = build(Exclusive, {**raw, "layer": source, "source": raw.get("source") or info.source or ""})
        except (StructError, TypeError) as exc:
            problems += _struct_problems(exc, f"{source}: exclusive #{number}")
            continue
        _known_lines(group.lines, ids, f"{source}: exclusive #{number}", problems)
        exclusive.append(group)


def _struct_problems(exc: Exception, where: str) -> list[str]:
    if isinstance(exc, StructError):
        return [f"{where}: {'.'.join(map(str, p)) or '(table)'}: {m}" for p, m in exc.problems]
    return [f"{where}: must be a table"]


def _known_lines(lines: list[str], ids: set[Any], where: str, problems: list[str]) -> None:
    for line in lines:
        if line not in ids:
            problems.append(f"{where}: benefit {line!r} does not exist{near(line, [str(i) for i in ids if i])}")


def _snapshot_problems(rules: Rules) -> list[str]:
    """Every combination of dates and districts must give a valid catalogue (checked once, at load)."""
    problems: list[str] = []
    for start in [dt.date.min, *rules.change_dates]:
        for district in [None, *sorted(rules.districts)]:
            try:
                rules.snapshot(start, district)
            except CatalogError as exc:
                when = f"from {start}" if start != dt.date.min else "at first"
                where = f" for {district}" if district else ""
                for problem in exc.problems:
                    text = f"{problem} (with the values in force {when}{where}{_set_by(rules, problem)})"
                    if not any(p.startswith(f"{problem} (with") for p in problems):
                        problems.append(text)
    return problems


def _set_by(rules: Rules, problem: str) -> str:
    """Which layer files set the key a problem is about."""
    match = re.search(r"benefit (\S+): ([\w.]+):", problem)
    if not match:
        return ""
    owner, key = match.groups()
    files = sorted(
        {
            s.layer
            for (o, path), settings in rules.settings.items()
            for s in settings
            if o == owner and ".".join(map(str, path)) == key and s.layer != Path(rules.sources[0]).name
        }
    )
    return f"; set by {', '.join(files)}" if files else ""
