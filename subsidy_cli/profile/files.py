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
from subsidy_cli.i18n import N_, _, os_reason
from subsidy_cli.profile import controls
from subsidy_cli.profile.keys import (
    KEYS,
    Profile,
    ProfileError,
    build_profile,
    key_for,
    near_key,
    one_object,
    parse_value,
    unknown_text,
    value_problem,
)

# What the json module says of a file it cannot read
_JSON_REASONS = (  # marked for the catalogue; a reason is translated as the json module words it
    N_("Expecting value"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Expecting ':' delimiter"),
    N_("Expecting ',' delimiter"),
    N_("Extra data"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
    N_("Invalid \\escape"),
    N_("Invalid \\uXXXX escape"),
    N_("Illegal trailing comma before end of object"),
    N_("Illegal trailing comma before end of array"),
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
            return raw.decode("utf-16"), N_("UTF-16 (with a byte-order mark)")
        except UnicodeDecodeError:
            pass
    elif raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), N_("UTF-8 (with a byte-order mark)")
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
            raise ProfileError(source, [Problem(_("no such file; check the path"), file=source)]) from None
        except IsADirectoryError:
            raise ProfileError(
                source, [Problem(_("is a folder; give a .toml or .json profile file"), file=source)]
            ) from None
        except OSError as exc:
            problem = Problem(_("cannot be read: {reason}", reason=os_reason(exc)), file=source)
            raise ProfileError(source, [problem]) from None
        name = source
        suffix = path.suffix.lower()
        is_json = True if suffix == ".json" else False if suffix == ".toml" else None  # None: by the text
    try:
        text, encoding = decode_profile(raw, name)
        if is_json is None:
            is_json = text.lstrip()[:1] in ("{", "[")
        if encoding is not None and notes is not None:
            notes.append(_("{name}: read as {encoding}", name=name, encoding=_(encoding)))
        data: Any = (
            json.loads(text, parse_float=Decimal, parse_int=_whole, object_pairs_hook=_once)
            if is_json
            else tomlfile.loads(text, name)
        )
    except tomlfile.TomlProblems as exc:
        raise ProfileError(name, exc.problems) from None
    except json.JSONDecodeError as exc:
        message = _("invalid JSON: {reason} (column {column})", reason=_(exc.msg), column=exc.colno)
        problem = Problem(message, file=name, line=exc.lineno)
        raise ProfileError(name, [problem]) from None
    except _Repeated as exc:
        problem = Problem(_("is given twice in one object; keep one"), file=name, where=str(exc)[:60])
        raise ProfileError(name, [problem]) from None
    except RecursionError:  # JSON arrays or objects nested thousands deep
        message = _("is nested too deeply to be read (lists or tables inside each other thousands of times)")
        raise ProfileError(name, [Problem(message, file=name)]) from None
    if not isinstance(data, dict):
        problem = Problem(one_object(), file=name)
        raise ProfileError(name, [problem])
    return _by_key(data, name), name


def _by_key(data: dict[str, Any], name: str) -> dict[str, Any]:
    """``data`` with keys written as their Chinese or English labels (``"企业名称"``, ``"Name"``) under the key
    they name, as CSV headings may be written; in the order given. A key given twice, under two names, is
    refused naming both."""
    named: dict[str, Any] = {}
    given: dict[str, str] = {}
    problems: list[Problem] = []
    for written, value in data.items():
        key = written if written in KEYS else key_for(str(written)) or written
        if key in named:
            message = _("is given twice, as {first} and {second}; keep one", first=given[key], second=written)
            problems.append(Problem(message, file=name, where=key))
            continue
        named[key], given[key] = value, str(written)
    if problems:
        raise ProfileError(name, problems)
    return named


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs from ``--set``; an empty VALUE makes the key unknown."""
    overrides: dict[str, str] = {}
    problems: list[Problem] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        key = key if key in KEYS else key_for(key) or key  # --set 企业名称=... as well as --set name=...
        if not sep:
            problems.append(
                Problem(_("write --set KEY=VALUE, e.g. --set retrofit_loan_cny=5000万"), file="--set", where=pair)
            )
        elif key not in KEYS:
            problems.append(Problem(_("unknown key") + near_key(key), file="--set", where=key))
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
