"""Reading an enterprise profile from a TOML or JSON file (or stdin) and applying ``--set`` overrides."""

from __future__ import annotations

import codecs
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from subsidy_cli import tomlfile
from subsidy_cli.errors import Problem
from subsidy_cli.profile import controls
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


class _Repeated(ValueError):
    """A JSON object that gives one key twice."""


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict, refusing a key given twice (the later would silently win)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Repeated(key)
        found[key] = value
    return found


def _whole(text: str) -> int | Decimal:
    """A JSON integer; one too long for ``int`` stays a Decimal, which the parsers refuse as too large."""
    return int(text) if len(text) <= 30 else Decimal(text)


def decode_profile(raw: bytes, name: str) -> tuple[str, str | None]:
    """A profile file's text, read as batch reads CSVs: a UTF-16 byte-order mark (Windows PowerShell's
    ``Out-File``, Notepad's 'Unicode') means UTF-16; a UTF-8 one is dropped; then strict UTF-8; then strict
    GB18030 (ANSI on Chinese Windows). The second value names the encoding when it was not plain UTF-8 (for a
    note). Raises ``TomlProblems`` (one line, saying how to save the file) for anything else."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16 (with a byte-order mark)"
        except UnicodeDecodeError:
            pass
    elif raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "UTF-8 (with a byte-order mark)"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            if b"\x00" not in raw:
                try:
                    return raw.decode("gb18030"), "GB18030"
                except UnicodeDecodeError:
                    pass
    return tomlfile.decode(raw, name), None  # raises the problem that says how to save the file


def read_profile_data(source: str, notes: list[str] | None = None) -> tuple[dict[str, Any], str]:
    """Raw key/values from PROFILE (``-`` is stdin); the second value names the source for messages. The text
    may be UTF-8 (with or without a byte-order mark), UTF-16 with one, or GB18030 (``decode_profile``); when it
    is not plain UTF-8, a line saying so is added to ``notes``. A JSON object giving a key twice is refused."""
    if source == "-":
        raw = sys.stdin.buffer.read()
        name = "<stdin>"
        is_json: bool | None = None
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
        suffix = path.suffix.lower()
        is_json = True if suffix == ".json" else False if suffix == ".toml" else None  # None: by the text
    try:
        text, encoding = decode_profile(raw, name)
        if is_json is None:
            is_json = text.lstrip()[:1] in ("{", "[")
        if encoding is not None and notes is not None:
            notes.append(f"{name}: read as {encoding}")
        data: Any = (
            json.loads(text, parse_float=Decimal, parse_int=_whole, object_pairs_hook=_once)
            if is_json
            else tomlfile.loads(text, name)
        )
    except tomlfile.TomlProblems as exc:
        raise ProfileError(name, exc.problems) from None
    except json.JSONDecodeError as exc:
        problem = Problem(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno)
        raise ProfileError(name, [problem]) from None
    except _Repeated as exc:
        problem = Problem("is given twice in one object; keep one", file=name, where=str(exc)[:60])
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


def load_profile(
    source: str,
    overrides: dict[str, Any] | None = None,
    notes: list[str] | None = None,
    given: dict[str, Any] | None = None,
) -> Profile:
    """A profile file with ``--set`` values (already parsed; None makes a key unknown) laid over it; ``notes``
    gets a line when the file's encoding was not plain UTF-8 (see ``read_profile_data``); ``given``, when passed,
    gets the key/values as written (for the warnings only they can give, such as the marks a spreadsheet put
    around a credit code: ``identity.profile_warnings``)."""
    data, name = read_profile_data(source, notes)
    for key, value in (overrides or {}).items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if given is not None:
        given.update(data)
    return build_profile(data, name)


def build_overrides(pairs: list[str]) -> dict[str, Any]:
    """``--set`` pairs parsed into profile values; an empty value gives None: the key becomes unknown."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, text in parse_overrides(pairs).items():
        text = controls.clean(text)[0]  # the one rule for control characters (profile.controls)
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
