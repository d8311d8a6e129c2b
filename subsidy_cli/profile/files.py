"""Reading an enterprise profile from a TOML or JSON file (or stdin) and applying ``--set`` overrides."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from subsidy_cli import tomlfile
from subsidy_cli.errors import Problem
from subsidy_cli.profile.keys import (
    KEYS,
    Profile,
    ProfileError,
    build_profile,
    near,
    parse_value,
    unknown_text,
    value_problem,
)


def read_profile_data(source: str) -> tuple[dict[str, Any], str]:
    """Raw key/values from PROFILE (``-`` is stdin); the second value names the source for messages."""
    if source == "-":
        raw = sys.stdin.buffer.read()
        name = "<stdin>"
        is_json = raw.lstrip()[:1] in (b"{", b"[")
    else:
        path = Path(source)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ProfileError(source, [Problem("no such file; check the path", file=source)]) from None
        except IsADirectoryError:
            raise ProfileError(
                source, [Problem("is a folder; give a .toml or .json profile file", file=source)]
            ) from None
        except OSError as exc:
            raise ProfileError(source, [Problem(f"cannot be read: {exc.strerror or exc}", file=source)]) from None
        name = source
        is_json = path.suffix.lower() == ".json" or (path.suffix.lower() != ".toml" and raw.lstrip()[:1] == b"{")
    try:
        text = tomlfile.decode(raw, name)
        data: Any = json.loads(text, parse_float=Decimal) if is_json else tomlfile.loads(text, name)
    except tomlfile.TomlProblems as exc:
        raise ProfileError(name, exc.problems) from None
    except json.JSONDecodeError as exc:
        problem = Problem(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno)
        raise ProfileError(name, [problem]) from None
    if not isinstance(data, dict):
        raise ProfileError(name, [Problem('must hold one object of key/values, e.g. {"name": "..."}', file=name)])
    return data, name


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs from ``--set``; an empty VALUE makes the key unknown."""
    overrides: dict[str, str] = {}
    problems: list[Problem] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            problems.append(
                Problem("write --set KEY=VALUE, e.g. --set retrofit_loan_cny=5000万", file="--set", where=pair)
            )
        elif key not in KEYS:
            problems.append(Problem(f"unknown key{near(key, list(KEYS))}", file="--set", where=key))
        else:
            overrides[key] = value
    if problems:
        raise ProfileError("--set", problems)
    return overrides


def load_profile(source: str, overrides: dict[str, Any] | None = None) -> Profile:
    """A profile file with ``--set`` values (already parsed; None makes a key unknown) laid over it."""
    data, name = read_profile_data(source)
    for key, value in (overrides or {}).items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return build_profile(data, name)


def build_overrides(pairs: list[str]) -> dict[str, Any]:
    """``--set`` pairs parsed into profile values; an empty value gives None: the key becomes unknown."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, text in parse_overrides(pairs).items():
        if unknown_text(key, text):  # blank, or "-", "/", "无", "N/A"...: unknown
            values[key] = None
            continue
        try:
            values[key] = parse_value(key, text)
        except ValueError as exc:
            problems.append(Problem(value_problem(text, exc), file="--set", where=key))
    if problems:
        raise ProfileError("--set", problems)
    return values
