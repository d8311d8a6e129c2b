"""Frozen dataclasses built from plain data (TOML tables), with every problem reported by its key path.

A small, strict validator for the catalogue: exact types (a quoted "50万" is not a number here), no
unknown keys, required keys, and per-field bounds declared with :func:`spec`. After the fields are
checked, a class may define ``check(self)`` that raises ``ValueError`` for rules across fields.

Why not pydantic models: building their validators costs more at start-up than the whole `check`
command may take (see README, "Start-up time"); these records build in microseconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import types
import typing
from decimal import Decimal
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

T = TypeVar("T")
Path = tuple[str | int, ...]


class StructError(Exception):
    """Every problem found, each with the key path it concerns."""

    def __init__(self, problems: list[tuple[Path, str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p)) or '(top)'}: {m}" for p, m in problems))
        self.problems = problems


def spec(
    default: Any = dataclasses.MISSING,
    *,
    default_factory: Any = dataclasses.MISSING,
    alias: str | None = None,
    gt: int | None = None,
    ge: int | None = None,
    le: int | None = None,
    pattern: str | None = None,
    min_items: int | None = None,
) -> Any:
    """A dataclass field with the key it is read from (``alias``) and bounds on its value."""
    metadata = {
        "alias": alias,
        "gt": gt,
        "ge": ge,
        "le": le,
        "min_items": min_items,
        "pattern": re.compile(pattern) if pattern else None,
    }
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@functools.cache
def _fields(cls: type) -> tuple[tuple[dataclasses.Field[Any], str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f, f.metadata.get("alias") or f.name, hints[f.name]) for f in dataclasses.fields(cls))


def build(cls: type[T], data: Any) -> T:
    """``cls`` built from ``data``, or StructError listing every problem."""
    problems: list[tuple[Path, str]] = []
    result = _convert(cls, data, (), problems)
    if problems:
        raise StructError(problems)
    return result  # type: ignore[no-any-return]


def _record(cls: type[T], data: Any, path: Path, problems: list[tuple[Path, str]]) -> T | None:
    if not isinstance(data, dict):
        problems.append((path, f"expected a table of keys, got {_shown(data)}"))
        return None
    fields = _fields(cls)
    known = {key for _, key, _ in fields}
    for key in data:
        if key not in known:
            problems.append(((*path, key), "unknown key; remove it or check its spelling"))
    values: dict[str, Any] = {}
    before = len(problems)
    for field, key, hint in fields:
        if key not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                problems.append(((*path, key), "is required"))
            continue
        value = _convert(hint, data[key], (*path, key), problems)
        _bounds(field, value, (*path, key), problems)
        values[field.name] = value
    if len(problems) > before:
        return None
    try:
        record = cls(**values)
        check = getattr(record, "check", None)
        if check is not None:
            check()
    except ValueError as exc:
        problems.append((path, str(exc)))
        return None
    return record


def _bounds(field: dataclasses.Field[Any], value: Any, path: Path, problems: list[tuple[Path, str]]) -> None:
    meta = field.metadata
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if meta.get("gt") is not None and not value > meta["gt"]:
            problems.append((path, f"must be more than {meta['gt']}, got {value}"))
        if meta.get("ge") is not None and not value >= meta["ge"]:
            problems.append((path, f"must be at least {meta['ge']}, got {value}"))
        if meta.get("le") is not None and not value <= meta["le"]:
            problems.append((path, f"must be at most {meta['le']}, got {value}"))
    if isinstance(value, str) and meta.get("pattern") is not None and not meta["pattern"].search(value):
        problems.append((path, f"{value!r} does not have the expected form"))
    if isinstance(value, list) and meta.get("min_items") is not None and len(value) < meta["min_items"]:
        problems.append((path, f"needs at least {meta['min_items']} item(s)"))


def _shown(value: Any) -> str:
    kind = {
        str: "text",
        bool: "true/false",
        int: "a whole number",
        Decimal: "a number",
        list: "a list",
        dict: "a table",
        dt.date: "a date",
    }.get(type(value), type(value).__name__)
    return f"{kind} {value!r}" if not isinstance(value, dict | list) else kind


def _convert(hint: Any, value: Any, path: Path, problems: list[tuple[Path, str]]) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        records = [a for a in options if dataclasses.is_dataclass(a)]
        if len(records) > 1:
            return _tagged(records, value, path, problems)
        if records:
            return _record(records[0], value, path, problems)
        for option in options:
            trial: list[tuple[Path, str]] = []
            converted = _convert(option, value, path, trial)
            if not trial:
                return converted
        problems.append((path, f"expected {' or '.join(_name(o) for o in options)}, got {_shown(value)}"))
        return None
    if origin is Literal:
        allowed = get_args(hint)
        if value not in allowed or type(value) is not type(allowed[0]):
            problems.append((path, f"should be one of {', '.join(repr(a) for a in allowed)}, got {_shown(value)}"))
        return value
    if origin is list:
        if not isinstance(value, list):
            problems.append((path, f"expected a list, got {_shown(value)}"))
            return None
        (item,) = get_args(hint)
        return [_convert(item, v, (*path, i), problems) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            problems.append((path, f"expected a table, got {_shown(value)}"))
            return None
        _, item = get_args(hint)
        return {k: _convert(item, v, (*path, k), problems) for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        return _record(hint, value, path, problems)  # type: ignore[arg-type]
    return _scalar(hint, value, path, problems)


def _scalar(hint: Any, value: Any, path: Path, problems: list[tuple[Path, str]]) -> Any:
    if hint is Any:  # checked where it is used (e.g. a layer's new value, checked in the snapshot)
        return value
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is Decimal:
        ok = isinstance(value, int | Decimal) and not isinstance(value, bool) and Decimal(value).is_finite()
        if ok:
            return Decimal(value)
        if isinstance(value, str):
            problems.append((path, f"expected a number, got text {value!r}; write the number in yuan without quotes"))
            return None
    elif hint is str:
        ok = isinstance(value, str)
    elif hint is dt.date:
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    else:  # pragma: no cover - a record declared a type this module does not know
        raise TypeError(f"unsupported field type {hint!r}")
    if not ok:
        problems.append((path, f"expected {_name(hint)}, got {_shown(value)}"))
        return None
    return value


def _name(hint: Any) -> str:
    return {bool: "true or false", int: "a whole number", Decimal: "a number", str: "text", dt.date: "a date"}.get(
        hint, "a list" if get_origin(hint) is list else getattr(hint, "__name__", str(hint))
    )


def _tagged(records: list[type], value: Any, path: Path, problems: list[tuple[Path, str]]) -> Any:
    """One of several records, chosen by the value of the field they all have as a Literal tag."""
    tag_field = "rule"
    choices = {get_args(dict((k, h) for _, k, h in _fields(r))[tag_field])[0]: r for r in records}
    if not isinstance(value, dict):
        problems.append((path, f"expected a table, got {_shown(value)}"))
        return None
    tag = value.get(tag_field)
    if tag not in choices:
        problems.append(((*path, tag_field), f"must be one of {', '.join(choices)}, got {_shown(tag)}"))
        return None
    return _record(choices[tag], value, path, problems)
