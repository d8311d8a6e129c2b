"""Reading TOML that people typed: BOM, GBK files and Chinese-IME slips explained by line."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from typing import Any

from subsidy_cli.errors import Problem, SubsidyError


class TomlProblems(SubsidyError):
    """The file could not be read as TOML: ``problems`` are ``Problem`` records naming the file and the line."""


def decode(raw: bytes, source: str) -> str:
    """UTF-8 text, or a problem that says how the file was saved and how to save it instead."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise TomlProblems(
            Problem(
                "the file starts with a byte-order mark (BOM); save it as UTF-8 without BOM "
                "(in Notepad choose 'UTF-8', not 'UTF-8 with BOM')",
                file=source,
                line=1,
            )
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if b"\x00" in raw[:4096]:
            hint = "it is a binary file, not text"
        else:
            try:
                raw.decode("gb18030")
            except UnicodeDecodeError:
                hint = "it is not text in any encoding we know"
            else:
                hint = "it looks GBK/GB18030-encoded (saved as ANSI on Chinese Windows)"
        raise TomlProblems(
            Problem(f"the file is not UTF-8: {hint}; save it as UTF-8", file=source, line=line)
        ) from None


_LINE_COL = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_QUOTED_VALUE = re.compile(r"=\s*[“”‘’「」]")
_OUTSIDE_STRINGS = (
    ("＝", "full-width equals sign '＝'; type an ASCII '=' (switch the IME to English)"),
    ("，", "full-width comma '，' between values; use an ASCII ','"),
    ("；", "full-width semicolon '；'; TOML separates values with an ASCII ','"),
    ("［", "full-width bracket '［'; use ASCII [ and ]"),
    ("【", "Chinese bracket '【'; use ASCII [ and ]"),
    ("：", "full-width colon '：'; keys take an ASCII '='"),
)


def _ime_slip(line: str) -> str | None:
    """What a Chinese IME typed on this line that TOML cannot read, if anything."""
    if _QUOTED_VALUE.search(line):
        return 'Chinese quotation marks around a value; use ASCII double quotes "..."'
    code = _STRING.sub('""', line).split("#", 1)[0]
    for char, message in _OUTSIDE_STRINGS:
        if char in code:
            return message
    return None


def loads(text: str, source: str) -> dict[str, Any]:
    """Parse TOML with exact decimals; syntax errors become line-numbered problems."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise TomlProblems(_syntax_problems(text, source, exc)) from None


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
    return [
        Problem(
            f"invalid TOML: {message}", file=source, line=lineno, hint="check the quotes, '=' and brackets on this line"
        )
    ]
