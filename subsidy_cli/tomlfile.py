"""Reading TOML that people typed: BOM, GBK files and Chinese-IME slips explained by line."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from typing import Any

from subsidy_cli.errors import Problem, SubsidyError
from subsidy_cli.i18n import N_, _


class TomlProblems(SubsidyError):
    """The file could not be read as TOML: ``problems`` are ``Problem`` records naming the file and the line."""


def decode(raw: bytes, source: str) -> str:
    """UTF-8 text, or a problem that says how the file was saved and how to save it instead."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise TomlProblems(
            Problem(
                _(
                    "the file starts with a byte-order mark (BOM); save it as UTF-8 without BOM "
                    "(in Notepad choose 'UTF-8', not 'UTF-8 with BOM')"
                ),
                file=source,
                line=1,
            )
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if b"\x00" in raw[:4096]:
            hint = _("it is a binary file, not text")
        else:
            try:
                raw.decode("gb18030")
            except UnicodeDecodeError:
                hint = _("it is not text in any encoding we know")
            else:
                hint = _("it looks GBK/GB18030-encoded (saved as ANSI on Chinese Windows)")
        raise TomlProblems(
            Problem(_("the file is not UTF-8: {why}; save it as UTF-8", why=hint), file=source, line=line)
        ) from None


_LINE_COL = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_AT_END = "(at end of document)"
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_QUOTED_VALUE = re.compile(r"=\s*[“”‘’「」]")
_OUTSIDE_STRINGS = (
    ("＝", N_("full-width equals sign '＝'; type an ASCII '=' (switch the IME to English)")),
    ("，", N_("full-width comma '，' between values; use an ASCII ','")),
    ("；", N_("full-width semicolon '；'; TOML separates values with an ASCII ','")),
    ("［", N_("full-width bracket '［'; use ASCII [ and ]")),
    ("【", N_("Chinese bracket '【'; use ASCII [ and ]")),
    ("：", N_("full-width colon '：'; keys take an ASCII '='")),
)
# What tomllib says of a line it cannot read (Python 3.11), as patterns of its words and those words to translate
_TOML_REASONS = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"Invalid statement", N_("Invalid statement")),
        (r"Invalid value", N_("Invalid value")),
        (r"Invalid date or datetime", N_("Invalid date or datetime")),
        (r"Invalid hex value", N_("Invalid hex value")),
        (r"Invalid initial character for a key part", N_("Invalid initial character for a key part")),
        (r"Unterminated string", N_("Unterminated string")),
        (r"Unclosed array", N_("Unclosed array")),
        (r"Unclosed inline table", N_("Unclosed inline table")),
        (r"Unescaped '\\' in a string", N_("Unescaped '\\' in a string")),
        (r"Escaped character is not a Unicode scalar value", N_("Escaped character is not a Unicode scalar value")),
        (r"Cannot overwrite a value", N_("Cannot overwrite a value")),
        (r"Expected '=' after a key in a key/value pair", N_("Expected '=' after a key in a key/value pair")),
        (r"Expected ']' at the end of a table declaration", N_("Expected ']' at the end of a table declaration")),
        (r"Expected ']]' at the end of an array declaration", N_("Expected ']]' at the end of an array declaration")),
        (
            r"Expected newline or end of document after a statement",
            N_("Expected newline or end of document after a statement"),
        ),
        (r"Expected (?P<what>'.*')", N_("Expected {what}")),
        (r"Found invalid character (?P<char>.+)", N_("Found invalid character {char}")),
        (r"Illegal character '\\n'", N_("a quoted text is not closed on this line")),
        (r"Illegal character (?P<char>.+)", N_("Illegal character {char}")),
        (r"Cannot declare (?P<key>.+) twice", N_("Cannot declare {key} twice")),
        (r"Cannot mutate immutable namespace (?P<key>.+)", N_("Cannot mutate immutable namespace {key}")),
        (r"Cannot redefine namespace (?P<key>.+)", N_("Cannot redefine namespace {key}")),
        (r"Duplicate inline table key (?P<key>.+)", N_("Duplicate inline table key {key}")),
    )
)


def _ime_slip(line: str) -> str | None:
    """What a Chinese IME typed on this line that TOML cannot read, if anything (in the active language); a
    comment may hold anything."""
    code = _STRING.sub('""', line).split("#", 1)[0]
    if _QUOTED_VALUE.search(code):
        return _('Chinese quotation marks around a value; use ASCII double quotes "..."')
    for char, message in _OUTSIDE_STRINGS:
        if char in code:
            return _(message)
    return None


def _reason(message: str) -> str:
    """tomllib's words for a syntax error, in the active language where they are known."""
    for pattern, text in _TOML_REASONS:
        found = pattern.fullmatch(message)
        if found:
            return _(text, **found.groupdict())
    return message


def loads(text: str, source: str) -> dict[str, Any]:
    """Parse TOML with exact decimals; syntax errors become line-numbered problems."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise TomlProblems(_syntax_problems(text, source, exc)) from None
    except RecursionError:  # arrays or tables nested thousands deep
        message = _("is nested too deeply to be read (lists or tables inside each other thousands of times)")
        raise TomlProblems([Problem(message, file=source)]) from None
    except ValueError:  # an integer longer than Python reads (4,300 digits), the one ValueError tomllib lets out
        message = _("holds a number too long to be read (thousands of digits)")
        raise TomlProblems([Problem(message, file=source, hint=_("write numbers as people do"))]) from None


def _syntax_problems(text: str, source: str, exc: tomllib.TOMLDecodeError) -> list[Problem]:
    """The IME slips of every line, else tomllib's own problem at its line."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        message = _ime_slip(line)
        if message:
            problems.append(Problem(message, file=source, line=number))
    if problems:
        return problems
    lineno = getattr(exc, "lineno", None)  # Python 3.14 gives the position as attributes
    match = _LINE_COL.search(str(exc))
    if lineno is None and match:
        lineno = int(match.group(1))
    message = _LINE_COL.sub("", getattr(exc, "msg", None) or str(exc)).strip()
    if message.endswith(_AT_END):  # the last line, where the reader gave up
        message, lineno = message.removesuffix(_AT_END).strip(), len(text.splitlines()) or 1
    return [
        Problem(
            _("invalid TOML: {reason}", reason=_reason(message)),
            file=source,
            line=lineno,
            hint=_("check the quotes, '=' and brackets on this line"),
        )
    ]
