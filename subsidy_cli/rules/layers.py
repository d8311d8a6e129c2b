"""The effective rules: measures.toml plus county layers, with values in force from dates.

A value anywhere in the rules (an amount, a rate, a cap, a threshold, a window) may be written as a list
of dated settings, each with its source::

    cap = [{ from = 2021-01-01, value = 2000000, source = "《若干措施》" },
           { from = 2022-01-01, value = 3000000, source = "《关于支持产业创新集群建设的若干政策(试行)》" }]

A layer (``--overlay FILE``) adds settings over the measures file without editing it: ``[[change]]``
sets the value at a key path of a line (from a date, optionally only for firms registered in one
district), ``[[benefit]]`` adds a county's own line, ``[[cap]]`` caps several cash lines together at a
profile figure (e.g. the interest actually paid), ``[[exclusive]]`` lets only one line of a group be
paid (``one_of``) or pays the higher (``higher``).

Which value is in force: on a date, every setting that has started applies, in the order of their
start dates and, on the same date, in the order written (measures first, then the layers in the order
given): so the latest start wins, and on the same start the later layer wins. A setting for one district
applies only to firms registered there. Before the first date of a measures file's dated value, its
first value applies (it is the policy's own); a layer's change applies only from its date.

``Rules.snapshot(date, district)`` gives the plain catalogue in force for one date and district; the
engine works on snapshots. ``Rules.sha256`` identifies the rules for the audit trail.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from subsidy_cli.errors import Problem
from subsidy_cli.i18n import _
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.catalog import (
    Catalog,
    CatalogError,
    RuleProblem,
    build_catalog,
    default_path,
    is_validated,
    read_data,
    rule_problem,
)
from subsidy_cli.rules.settings import (
    POLICY,
    Collector,
    DatedPath,
    Setting,
    extract_dated,
    in_force,
    set_path,
)


@dataclass
class Rules:
    """The measures file and its layers, with every setting, ready to give snapshots."""

    data: dict[str, Any]  # measures plus county lines, dated values replaced by their first value
    settings: dict[DatedPath, list[Setting]]
    caps: list[CrossCap]
    exclusive: list[Exclusive]
    sources: list[str]  # the files, measures first
    sha256: str
    base: Catalog | None = None  # the measures file alone, when no layer added lines or settings
    line_sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # county line -> (file, source)
    change_dates: list[dt.date] = field(default_factory=list)
    districts: set[str] = field(default_factory=set)
    layer_names: list[str] = field(default_factory=list)  # each layer's ``[layer] name``, in the order applied
    _snapshots: dict[tuple[int, str | None], Catalog] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        every = [s for values in self.settings.values() for s in values]
        self.change_dates = sorted({s.start for s in every if s.start is not None})
        self.districts = {s.district for s in every if s.district is not None} | {
            c.district for c in self.caps if c.district is not None
        }

    def key(self, date: dt.date, district: str | None) -> tuple[int, str | None]:
        """Which snapshot a date and district fall in (snapshots are shared between such pairs)."""
        interval = sum(1 for start in self.change_dates if start <= date)
        return interval, district if district in self.districts else None

    def first(self) -> Catalog:
        """The rules with the values they start with (for listings that are not about one date)."""
        return self.snapshot(dt.date.min)

    def snapshot(self, date: dt.date, district: str | None = None) -> Catalog:
        """The catalogue in force on ``date`` for firms of ``district`` (built once per interval and district)."""
        key = self.key(date, district)
        found = self._snapshots.get(key)
        if found is None:
            found = self._snapshots[key] = self._build(date, key[1])
        return found

    def _build(self, date: dt.date, district: str | None) -> Catalog:
        if self.base is not None and not self.settings:  # nothing varies: the measures file as validated
            catalog = self.base
        else:
            data = copy.deepcopy(self.data)
            applied = [
                (setting, owner, path)
                for (owner, path), settings in self.settings.items()
                for setting in in_force(settings, date, district)
            ]
            applied.sort(key=lambda item: (item[0].start or dt.date.min, item[0].order))
            for setting, owner, path in applied:  # outer keys first where they start first
                try:
                    set_path(data, owner, path, setting.value)
                except (KeyError, IndexError, TypeError):
                    message = _("no such key once the values in force on {date} are applied", date=date)
                    raise CatalogError(
                        rule_problem(message, setting.layer, "", owner, ".".join(map(str, path)))
                    ) from None
            catalog = build_catalog(data, self.sources[0], grounds=False)
        return Catalog(
            catalog.policy, catalog.benefits, catalog.source, tuple(self.caps), tuple(self.exclusive), self.sha256
        )

    def provenance(self, benefit_id: str) -> list[tuple[str, Setting]]:
        """Every setting of one line, as (key path, setting), by start date and then the order written."""
        out = [
            (".".join(map(str, path)), s)
            for (owner, path), settings in self.settings.items()
            if owner == benefit_id
            for s in settings
        ]
        return sorted(out, key=lambda item: (item[1].start or dt.date.min, item[1].order))


def _canonical(value: Any) -> Any:
    """Rules as plain JSON: keys sorted, every number as a normalised decimal, dates and times as text."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal | float):
        number = Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
        if not number.is_finite():
            return str(number)
        if abs(number.adjusted()) > 40:  # an absurd figure (validation refuses it): compact, never 10**8 digits
            return str(number)
        return format(number.normalize(), "f")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def rules_hash(documents: list[dict[str, Any]]) -> str:
    """SHA-256 of the rules as data (numbers exact and normalised), so that formatting, comments and the
    names of layers do not count."""
    rules = [{k: v for k, v in document.items() if k != "layer"} for document in documents]
    text = json.dumps(_canonical(rules), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PACKAGED_LAYERS = Path(__file__).resolve().parent.parent / "layers"
"""Layers shipped with the package, applied by name (``--overlay suzhou-2022``): later implementing facts, each
dated and cited, over the 2020 text of ``measures.toml``."""


def layer_path(name: str | Path) -> Path:
    """The file of a layer: a path as given, or the name of a layer shipped with the package (``suzhou-2022``)
    when no such file exists and the name has no folder or suffix."""
    path = Path(name)
    packaged = PACKAGED_LAYERS / f"{path.name}.toml"
    if not path.exists() and path.name == str(name) and not path.suffix and packaged.is_file():
        return packaged
    return path


def packaged_layers() -> list[str]:
    """The names of the layers shipped with the package."""
    return sorted(p.stem for p in PACKAGED_LAYERS.glob("*.toml"))


def _with_bases(overlays: list[Path]) -> list[Path]:
    """The layers in the order they apply: each after the layers it builds on (``[layer] builds_on``), each once."""
    ordered: list[Path] = []

    def add(path: Path, seen: tuple[Path, ...]) -> None:
        resolved = path.resolve()
        if any(p.resolve() == resolved for p in ordered) or resolved in seen:
            return
        try:
            data, _text = read_data(path, kind="layer")
        except CatalogError:
            ordered.append(path)  # its problems are reported when it is read again below
            return
        info = data.get("layer")
        bases = info.get("builds_on", []) if isinstance(info, dict) else []
        for base in bases if isinstance(bases, list) else []:
            if isinstance(base, str):
                given = Path(base)
                relative = path.parent / given
                add(relative if not given.is_absolute() and relative.exists() else layer_path(base), (*seen, resolved))
        ordered.append(path)

    for overlay in overlays:
        path = layer_path(overlay)
        if not path.exists() and not path.suffix and path.name == str(overlay):
            names = ", ".join(packaged_layers())
            hint = _("give a layer file, or the name of a layer shipped with the package: {names}", names=names)
            problem = Problem(_("is neither a layer file nor a packaged layer"), file=str(overlay), hint=hint)
            raise CatalogError(problem)
        add(path, ())
    return ordered


def load_rules(measures: Path | None = None, overlays: list[Path] | None = None) -> Rules:
    """The measures file (default: the shipped one) and the layers over it (paths, or names of layers shipped
    with the package; each after the layers it builds on), validated; CatalogError if not."""
    path = measures or default_path()
    raw_data, text = read_data(path)
    documents = [raw_data]
    problems: list[Problem] = []
    found = Collector()
    data = dict(raw_data)  # extract_dated builds new tables and lists; the file's data stays as read
    if isinstance(data.get("policy"), dict):
        data["policy"] = extract_dated(data["policy"], POLICY, (), str(path), found, problems)
    if isinstance(data.get("benefit"), list):
        data["benefit"] = [
            extract_dated(
                item, str(item.get("id")) if isinstance(item, dict) else f"#{i + 1}", (), str(path), found, problems
            )
            for i, item in enumerate(data["benefit"])
        ]
    if problems:
        raise CatalogError(problems)
    # the base, with first values, must be valid on its own (the shipped file is known valid)
    base = build_catalog(data, str(path), text, validated=is_validated(text))
    base_lines = len(data.get("benefit", []))
    caps: list[CrossCap] = []
    exclusive: list[Exclusive] = []
    sources = [str(path)]
    names: list[str] = []
    line_sources: dict[str, tuple[str, str]] = {}
    overlays = _with_bases(list(overlays or []))
    if overlays:
        from subsidy_cli.rules.overlay import apply_layer
    for overlay in overlays:
        layer_data, _text = read_data(overlay, kind="layer")
        documents.append(layer_data)
        sources.append(str(overlay))
        info = layer_data.get("layer")
        names.append(str(info.get("name") or overlay) if isinstance(info, dict) else str(overlay))
        apply_layer(layer_data, str(overlay), data, found, caps, exclusive, line_sources, problems)
    added_lines = len(data.get("benefit", [])) != base_lines
    try:
        sha256 = rules_hash(documents)
    except (TypeError, ValueError) as exc:  # pragma: no cover - every TOML value is handled by _canonical
        raise CatalogError(Problem(_("cannot be read as rules: {reason}", reason=exc), file=sources[-1])) from None
    rules = Rules(data, found.settings, caps, exclusive, sources, sha256, None if added_lines else base, line_sources)
    rules.layer_names = names
    if not problems and (found.settings or added_lines):
        problems += _snapshot_problems(rules)
    if not problems:
        problems += _cash_only(rules)
    if problems:
        raise CatalogError(problems)
    return rules


def _cash_only(rules: Rules) -> list[Problem]:
    """Caps and exclusions count money: they may only name cash lines."""
    kinds = {b.id: b.kind for b in rules.first().benefits}
    problems: list[Problem] = []
    across: list[CrossCap | Exclusive] = [*rules.caps, *rules.exclusive]
    for rule in across:
        what = "cap" if isinstance(rule, CrossCap) else "exclusive"
        for line in rule.lines:
            if kinds.get(line) != "cash":
                message = _(
                    "line {line} pays no cash ({kind}); caps and exclusions name cash lines only",
                    line=line,
                    kind=kinds.get(line),
                )
                problems.append(Problem(message, file=rule.layer, where=f"{what} {', '.join(rule.lines)}"))
    return problems


def _snapshot_problems(rules: Rules) -> list[Problem]:
    """Every combination of dates and districts must give a valid catalogue (checked once, at load)."""
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for start in [dt.date.min, *rules.change_dates]:
        for district in [None, *sorted(rules.districts)]:
            try:
                rules.snapshot(start, district)
            except CatalogError as exc:
                context = _in_force(start, district)
                for problem in exc.problems:
                    blamed = _blame(rules, problem)
                    if blamed in seen:  # the same problem under other dates or districts: named once
                        continue
                    seen.add(blamed)
                    if blamed.hint:
                        problems.append(dataclasses.replace(blamed, hint=blamed.hint + context))
                    else:
                        problems.append(dataclasses.replace(blamed, message=blamed.message + context))
    return problems


def _in_force(start: dt.date, district: str | None) -> str:
    """`` (with the values in force from 2022-01-01 for kunshan)``: when a problem arises, in the active language."""
    if start == dt.date.min:
        if district:
            return _(" (with the values in force at first for {district})", district=district)
        return _(" (with the values in force at first)")
    if district:
        return _(" (with the values in force from {date} for {district})", date=start, district=district)
    return _(" (with the values in force from {date})", date=start)


def _blame(rules: Rules, problem: Problem) -> Problem:
    """Name the layer file behind a problem: the file of a county line, or the layers that set the key."""
    if not isinstance(problem, RuleProblem) or problem.benefit is None:
        return problem
    owner, key = problem.benefit, problem.key
    if owner in rules.line_sources:
        return dataclasses.replace(problem, file=rules.line_sources[owner][0])
    files = sorted(
        {
            s.layer
            for (o, path), settings in rules.settings.items()
            for s in settings
            if o == owner and ".".join(map(str, path)) == key and s.layer != rules.sources[0]
        }
    )
    return dataclasses.replace(problem, hint=_("set by {files}", files=", ".join(files))) if files else problem


def load_measures(path: Path | None = None) -> Catalog:
    """The measures file alone (default: the shipped one), with no layers, as it is on its first dates.

    Raises ``CatalogError`` for a file that cannot be read or used.
    """
    return load_rules(path).first()
