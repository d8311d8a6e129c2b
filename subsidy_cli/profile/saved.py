"""A profile written back as TOML for people: what the interview saves.

Values are written in the user's language wherever the profile reads them back: in Chinese the Chinese
labels of choices (``district = "昆山市"``, ``roles = ["工业(制造业)企业"]``) and amounts in 万元/亿元
(``"5000万元"``); in English the slugs and plain yuan. Keys stay the profile's keys in both languages.

Given the text of the TOML file an interview started from, that file is kept as it was written (comments,
order, blank lines, the way each value was typed) and only what changed is edited, statement by statement:
a value that changed is rewritten in place (its line's comment kept), a key made unknown is commented out,
and the keys answered anew are added at the end under a comment. The result is checked: it must read back
to the same profile, else the file is written afresh (no comment is worth a wrong profile).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import tomli_w

from subsidy_cli.profile.keys import CHOICE_LABELS, DISTRICT_ZH, KEYS, ProfileError, build_profile
from subsidy_cli.words import cell_width, money

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def value_text(key: str, value: Any, lang: str) -> str:
    """``value`` (parsed, as a ``Profile`` holds it) of ``key`` as a TOML value in ``lang``, in a form the
    profile reader accepts back as the same value (written by tomli-w, so every string is quoted and escaped
    as TOML wants). Raises ``KeyError`` for an unknown key."""
    spec = KEYS[key]
    if spec.type == "choice":
        return _toml(_choice_word(key, value, lang))
    if spec.type == "multi":
        return "[" + ", ".join(_toml(_choice_word(key, item, lang)) for item in value) + "]"  # on one line
    if spec.type == "money":
        return _toml(_money_word(value) if lang == "zh" else format(value, "f"))
    if spec.type == "count":
        return _toml(int(value))
    if spec.type in ("bool", "date"):
        return _toml(value)
    return _toml(str(value))


def _toml(value: Any) -> str:
    """One TOML scalar as tomli-w writes it."""
    return tomli_w.dumps({"v": value}, multiline_strings=False).removeprefix("v = ").rstrip("\n")


def _money_word(value: Decimal) -> str:
    """An amount as a Chinese officer writes it and the reader takes back exactly: 5000万元, 1.5亿元, 12.5万元
    for whole hundreds of yuan; other amounts in 元 (``123456.78元``), which 万 would give too many decimals."""
    if value % 100 == 0:
        return money(value, "zh")
    return format(value.normalize(), "f") + "元"


def _choice_word(key: str, value: str, lang: str) -> str:
    """A choice as the user's language writes it: its Chinese label in Chinese (the reader accepts it), the
    slug in English (the English labels are not accepted by the reader)."""
    if lang != "zh":
        return value
    if key == "district":
        return DISTRICT_ZH.get(value, value)
    return CHOICE_LABELS.get(key, {}).get(value, (value, value))[0]


def profile_toml(values: dict[str, Any], lang: str, heading: Iterable[str] = (), start: str | None = None) -> str:
    """The TOML text of a profile's ``values`` (parsed values by key; keys left out are unknown), in ``lang``.

    Without ``start``: ``heading`` as comment lines, then one ``key = value`` line per key in the profile's
    order, each with its label as a comment. With ``start`` (the text of the TOML file the values started from):
    that text edited as the module says, with ``heading`` above the keys added at its end. Either way the text
    reads back to ``values``; when an edited ``start`` would not, the text is written afresh.
    """
    if start is not None:
        edited = _edited(start, values, lang, list(heading))
        if edited is not None and _reads_back(edited, values):
            return edited
    lines = [f"# {line}" if line else "#" for line in heading]
    lines += _key_lines([key for key in KEYS if key in values], values, lang)
    return "\n".join(lines) + "\n"


def _key_lines(keys: list[str], values: dict[str, Any], lang: str) -> list[str]:
    """``key = value  # label`` for each of ``keys``, the comments lined up where the lines are short."""
    pairs = [(f"{key} = {value_text(key, values[key], lang)}", KEYS[key].label(lang)) for key in keys]
    column = max((cell_width(text) for text, _ in pairs if cell_width(text) <= 48), default=0) + 2
    return [f"{text}{' ' * max(2, column - cell_width(text))}# {label}" for text, label in pairs]


def _reads_back(text: str, values: dict[str, Any]) -> bool:
    """Whether ``text`` is TOML whose keys build the profile ``values`` (a name is lent where none is given)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
        data.setdefault("name", values.get("name", "-"))
        read = build_profile(data, "saved")
        expected = build_profile({"name": "-", **values}, "saved")
    except (tomllib.TOMLDecodeError, ProfileError):
        return False
    return all(getattr(read, key) == getattr(expected, key) for key in KEYS if key != "name" or "name" in values)


# -- editing a starting file statement by statement ---------------------------------------------------------------


def _edited(start: str, values: dict[str, Any], lang: str, heading: list[str]) -> str | None:
    """``start`` with the values that differ from ``values`` rewritten, keys no longer known commented out and
    new keys added at the end; None when ``start`` is not a flat TOML file of top-level keys that this module can
    follow exactly (then the caller writes afresh)."""
    newline = "\r\n" if "\r\n" in start else "\n"
    text = start.replace("\r\n", "\n")
    found = _statements(text)
    if found is None:
        return None
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError:
        return None
    if sorted(key for key, *_ in found) != sorted(data):
        return None
    pieces: list[str] = []
    done = 0
    seen: set[str] = set()
    for key, line_start, value_start, value_end in found:
        raw = data[key]
        try:  # the value as written must be the one tomllib read, or the spans are not understood
            if tomllib.loads("v = " + text[value_start:value_end], parse_float=Decimal)["v"] != raw:
                return None
        except tomllib.TOMLDecodeError:
            return None
        if key not in KEYS:
            return None
        seen.add(key)
        before = _parsed(key, raw)
        if key in values:
            if before != values[key]:
                pieces += [text[done:value_start], value_text(key, values[key], lang)]
                done = value_end
        elif before is not None and key != "name":  # made unknown (e.g. by --set KEY=): commented out
            line_end = text.find("\n", value_end)
            line_end = len(text) if line_end < 0 else line_end
            block = text[line_start:line_end]
            pieces += [text[done:line_start], "\n".join("# " + line for line in block.split("\n"))]
            done = line_end
    pieces.append(text[done:])
    edited = "".join(pieces)
    added = [key for key in KEYS if key in values and key not in seen]
    if added:
        if edited and not edited.endswith("\n"):
            edited += "\n"
        notes = [f"# {line}" if line else "#" for line in heading]
        edited += "\n" + "\n".join([*notes, *_key_lines(added, values, lang)]) + "\n"
    return edited.replace("\n", newline)


def _parsed(key: str, raw: Any) -> Any:
    """The value ``raw`` (as read from the file) stands for: None when unknown or not readable."""
    try:
        return KEYS[key].validate(raw)
    except ValueError:
        return None


def _statements(text: str) -> list[tuple[str, int, int, int]] | None:
    """The top-level ``key = value`` statements of a flat TOML text: (key, start of its line, start and end of
    the value as written, without the comment after it). None for anything else: a table, a dotted key, a
    statement this scanner does not follow."""
    found = []
    pos, size = 0, len(text)
    while pos < size:
        char = text[pos]
        if char in " \t\n":
            pos += 1
            continue
        if char == "#":
            pos = _line_end(text, pos)
            continue
        line_start = text.rfind("\n", 0, pos) + 1
        key, pos = _key(text, pos)
        if key is None:
            return None
        while pos < size and text[pos] in " \t":
            pos += 1
        if pos >= size or text[pos] != "=":
            return None  # a dotted key, a table header or something else
        pos += 1
        while pos < size and text[pos] in " \t":
            pos += 1
        value_start = pos
        value_end = _value_end(text, pos)
        if value_end is None or value_end == value_start:
            return None
        found.append((key, line_start, value_start, value_end))
        pos = value_end
        while pos < size and text[pos] in " \t":
            pos += 1
        if pos < size and text[pos] == "#":
            pos = _line_end(text, pos)
        if pos < size and text[pos] != "\n":
            return None
    return found


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _key(text: str, pos: int) -> tuple[str | None, int]:
    """A bare or quoted key at ``pos``, and the position after it."""
    if text[pos] in "\"'":
        quote = text[pos]
        end = pos + 1
        while end < len(text) and text[end] != quote and text[end] != "\n":
            end += 2 if quote == '"' and text[end] == "\\" else 1
        if end >= len(text) or text[end] != quote:
            return None, pos
        try:
            key = tomllib.loads(f"{text[pos : end + 1]} = 0")
        except tomllib.TOMLDecodeError:
            return None, pos
        return next(iter(key)), end + 1
    match = _BARE_KEY.match(text, pos)
    if match is None:
        return None, pos
    return match.group(), match.end()


def _value_end(text: str, pos: int) -> int | None:
    """The end of the value starting at ``pos`` (strings, multi-line strings and arrays followed; comments
    inside arrays skipped), before any space and comment after it; None if it never ends."""
    depth = 0
    size = len(text)
    while pos < size:
        for quotes in ('"""', "'''"):
            if text.startswith(quotes, pos):
                end = _closing(text, pos + 3, quotes)
                if end is None:
                    return None
                pos = end
                break
        else:
            char = text[pos]
            if char in "\"'":
                end = _closing(text, pos + 1, char)
                if end is None:
                    return None
                pos = end
            elif char in "[{":
                depth += 1
                pos += 1
            elif char in "]}":
                depth -= 1
                pos += 1
            elif char == "#" or char == "\n":
                if depth == 0:
                    break
                pos = _line_end(text, pos) if char == "#" else pos + 1
            else:
                pos += 1
    if depth != 0:
        return None
    end = pos
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    return end


def _closing(text: str, pos: int, quotes: str) -> int | None:
    """The position after the string closed by ``quotes`` that starts at ``pos`` (escapes followed in basic
    strings; a multi-line string may end with up to two more quote characters)."""
    basic = quotes[0] == '"'
    while pos < len(text):
        if basic and text[pos] == "\\":
            pos += 2
            continue
        if len(quotes) == 1 and text[pos] == "\n":
            return None
        if text.startswith(quotes, pos):
            end = pos + len(quotes)
            if len(quotes) == 3:
                extra = 0
                while extra < 2 and end < len(text) and text[end] == quotes[0]:
                    end += 1
                    extra += 1
            return end
        pos += 1
    return None
