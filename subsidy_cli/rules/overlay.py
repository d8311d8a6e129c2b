"""Reading a layer file (``--overlay``): its changes, county lines, caps across lines and exclusions.

The tables are frozen dataclasses validated by pydantic (see ``rules.strict``): ``LayerInfo`` (``[layer]``), ``Change``
(``[[change]]``), ``CountyBenefit`` (``[[benefit]]``: a line of ``measures.toml`` plus its ``source``), and
``CrossCap`` / ``Exclusive`` (``[[cap]]``, ``[[exclusive]]``, in ``rules.across``); ``LayerFile`` is the whole
document, the source of its JSON Schema. ``apply_layer`` reads each table on its own, so that one bad table
does not hide the problems of the others.

Imported only when layers are given, so that a plain ``check`` does not pay for it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic_core import ValidationError

from subsidy_cli.errors import Problem
from subsidy_cli.i18n import _
from subsidy_cli.profile.keys import closest, near
from subsidy_cli.profile.values import quote
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.catalog import Benefit
from subsidy_cli.rules.settings import (
    FIXED_KEYS,
    Collector,
    Setting,
    check_finite,
    extract_dated,
    get_path,
    owner_of,
    parse_path,
)
from subsidy_cli.rules.strict import CONFIG, Day, District, Scalar, Text, problems_of

if TYPE_CHECKING:
    from pydantic import TypeAdapter

KEY_PATH = r"^[A-Za-z_][\w]*(\.(\w+))*$"


@dataclass(frozen=True, kw_only=True)
class Change:
    """A new value for a key path of a line (``amount.cap``, ``qualifies.0.gt``, ``valid_until``), from a date
    (``from``; none: from the start), for the firms of one district (none: all), with its source.

    Errors (``ValueError``): no value, a key that identifies the line, a number that is not finite.
    """

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    benefit: Text
    key: Annotated[str, Scalar("str", pattern=KEY_PATH)]
    value: Any = None
    from_: Day | None = None
    source: Text = ""  # the layer's source when left out
    district: District | None = None

    def __post_init__(self) -> None:
        """Rules across fields."""
        if self.value is None:
            raise ValueError(_("a change needs a value"))
        if self.key.split(".")[0] in FIXED_KEYS:
            key = quote(self.key)
            raise ValueError(_("key {key} identifies the line and cannot change; add a county line instead", key=key))
        check_finite(self.value)


@dataclass(frozen=True, kw_only=True)
class LayerInfo:
    """The ``[layer]`` table: the layer's name, the source of every value that does not name its own, and the
    layers it builds on (``builds_on``: names of layers shipped with the package, e.g. ``suzhou-2022``, or paths
    relative to this file), applied before it."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    name: Text
    source: Text | None = None
    builds_on: list[Text] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class CountyBenefit(Benefit):
    """A county's own line: written like a line of ``measures.toml``, with an id such as ``zjg-1`` and its source
    (the layer's source when left out)."""

    source: Text | None = None


@dataclass(frozen=True, kw_only=True)
class LayerFile:
    """A whole layer file, as people write it (the source of its JSON Schema)."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    layer: LayerInfo
    change: list[Change] = field(default_factory=list)
    benefit: list[CountyBenefit] = field(default_factory=list)
    cap: list[CrossCap] = field(default_factory=list)
    exclusive: list[Exclusive] = field(default_factory=list)


@functools.cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    """The validator of one kind of table, built once, on first use."""
    from pydantic import TypeAdapter

    return TypeAdapter(kind)


def _read(kind: type, data: Any, source: str, where: str, problems: list[Problem], sep: str = ": ") -> Any:
    """``data`` read as ``kind``, or None with its problems added (``where`` names the table, ``sep`` joins it to
    the key path: ``change #2: from``, ``layer.name``)."""
    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as exc:
        for path, message in problems_of(exc):
            key = ".".join(map(str, path))
            problems.append(Problem(message, file=source, where=f"{where}{sep}{key}" if key else where))
        return None


def _tables(layer: dict[str, Any], name: str, source: str, problems: list[Problem]) -> list[dict[str, Any]]:
    """A layer's ``[[name]]`` entries; each must be a table."""
    entries = layer.get(name, [])
    if not isinstance(entries, list):
        problems.append(Problem(_("must be written [[{name}]] (a list of tables)", name=name), file=source, where=name))
        return []
    good = []
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, dict):
            good.append(entry)
        else:
            problems.append(Problem(_("must be a table"), file=source, where=f"{name} #{number}"))
    return good


def apply_layer(
    layer: dict[str, Any],
    source: str,
    data: dict[str, Any],
    found: Collector,
    caps: list[CrossCap],
    exclusive: list[Exclusive],
    line_sources: dict[str, tuple[str, str]],
    problems: list[Problem],
) -> None:
    """Read one layer file's data (from ``source``) into the rules being built: county lines into ``data``,
    dated settings into ``found``, caps and exclusions into ``caps`` and ``exclusive``. Every problem is added
    to ``problems`` (one ``Problem`` each, naming the file and the table)."""
    allowed = {"layer", "change", "benefit", "cap", "exclusive"}
    for key in layer:
        if key not in allowed:
            guess = closest(key, sorted(allowed))
            if guess is None:
                message = _("unknown table; a layer has [layer], [[change]], [[benefit]], [[cap]] and [[exclusive]]")
            else:
                message = _(
                    "unknown table; did you mean {option}?; a layer has [layer], [[change]], [[benefit]], [[cap]] "
                    "and [[exclusive]]",
                    option=quote(guess),
                )
            problems.append(Problem(message, file=source, where=key))
    info = _read(LayerInfo, layer.get("layer", {}), source, "layer", problems, sep=".")
    if info is None:
        return
    ids = {item.get("id") for item in data.get("benefit", []) if isinstance(item, dict)}
    for number, raw in enumerate(_tables(layer, "benefit", source, problems), start=1):
        item = dict(raw)
        line_id = item.get("id")
        where = f"benefit #{number}" + (f" ({line_id})" if isinstance(line_id, str) else "")
        line_source = item.pop("source", None) or info.source
        if not isinstance(line_id, str) or "-" not in line_id:
            problems.append(Problem(_("id must be text with a county prefix, e.g. zjg-1"), file=source, where=where))
            continue
        if line_id in ids:
            message = _("id {id} exists already; give the county line a new id", id=quote(line_id))
            problems.append(Problem(message, file=source, where=where))
            continue
        if not line_source:
            message = _("a county line needs its source (document and date)")
            problems.append(Problem(message, file=source, where=where))
        item = extract_dated(item, line_id, (), source, found, problems)
        data["benefit"].append(item)
        ids.add(line_id)
        line_sources[line_id] = (source, str(line_source or ""))
    for number, raw in enumerate(_tables(layer, "change", source, problems), start=1):
        where = f"change #{number}"
        if not (raw.get("source") or info.source):
            message = _("is required; name the document (and its date) the value comes from")
            problems.append(Problem(message, file=source, where=f"{where}: source"))
        change = _read(Change, {**raw, "source": raw.get("source") or info.source or ""}, source, where, problems)
        if change is None:
            continue
        owner = owner_of(data, change.benefit)
        if owner is None:
            message = _("benefit {id} does not exist", id=quote(change.benefit))
            message += near(change.benefit, [str(i) for i in ids if i])
            problems.append(Problem(message, file=source, where=where))
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
            message = _("no key {key} to change", key=quote(change.key))
            problems.append(Problem(message, file=source, where=f"{where}: benefit {change.benefit}"))
            continue
        found.add(change.benefit, path, Setting(change.value, change.from_, change.source, source, change.district))
    rules_across: list[tuple[str, type[CrossCap] | type[Exclusive], list[Any]]] = [
        ("cap", CrossCap, caps),
        ("exclusive", Exclusive, exclusive),
    ]
    for name, kind, target in rules_across:
        for number, raw in enumerate(_tables(layer, name, source, problems), start=1):
            where = f"{name} #{number}"
            written = {**raw, "layer": source, "source": raw.get("source") or info.source or ""}
            rule = _read(kind, written, source, where, problems)
            if rule is None:
                continue
            _known_lines(rule.lines, ids, source, where, problems)
            target.append(rule)


def _known_lines(lines: list[str], ids: set[Any], source: str, where: str, problems: list[Problem]) -> None:
    for line in lines:
        if line not in ids:
            message = _("benefit {id} does not exist", id=quote(line)) + near(line, [str(i) for i in ids if i])
            problems.append(Problem(message, file=source, where=where))


def layer_adapter() -> TypeAdapter[Any]:
    """The validator of a whole layer file (for its JSON Schema)."""
    return _adapter(LayerFile)
