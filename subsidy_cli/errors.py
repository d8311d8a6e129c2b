"""The one error type: every layer reports what is wrong with its input as ``Problem`` records carried by
``SubsidyError``, with the exit code the command line ends with. The command line catches it in one place.

A problem is printed on one line: ``firm.toml:4: sme: 'maybe' is not yes or no; use 是/否 or true/false``.
Code never reads a problem back out of its text: what it needs is in the fields.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# Exit codes, as the README's table documents them.
EXIT_OK = 0
EXIT_DATA = 1  # invalid profile or rules file; batch: some rows invalid
EXIT_USAGE = 2  # usage error, unreadable input, bad option value
EXIT_INTERNAL = 70  # a bug
EXIT_INTERRUPTED = 130  # Ctrl-C, or the interview's input ended early
EXIT_PIPE = 141  # the reader of the output went away


_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character (C0, DEL, C1) written as its escape (``\\x1b``): a message is one
    line, and nothing in it drives a terminal (a key or file name holding an escape sequence or a line break)."""
    return text.translate(_ESCAPES) if _CONTROL.search(text) else text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, for people.

    ``file`` names the input (a path, ``<stdin>``, ``--set``); ``line`` is its line number where one is known;
    ``where`` locates the problem inside it (a key path such as ``benefit 2a: amount.cap``, a profile key, a
    CSV column); ``message`` says what is wrong and ``hint`` what to do about it, both in the language of the
    run; the line joins them as that language punctuates (``; ``, or ``；`` before a hint in Chinese).
    """

    message: str
    file: str | None = None
    line: int | None = None
    where: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        place = ""
        if self.file:
            place = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        where = f"{self.where}: " if self.where else ""
        hint = ""
        if self.hint:
            hint = f"；{self.hint}" if "\u4e00" <= self.hint[0] <= "\u9fff" else f"; {self.hint}"  # a hint in Chinese
        return printable(f"{place}{where}{self.message}{hint}")


class SubsidyError(Exception):
    """Input that cannot be used: one or more ``Problem`` and the exit code to end with.

    Raised by every layer (profile, rules, engine arguments, batch input, the library); the command line
    prints one ``error:`` line per problem and exits with ``exit_code``.
    """

    def __init__(self, problems: Problem | str | Iterable[Problem | str], exit_code: int = EXIT_DATA) -> None:
        items = [problems] if isinstance(problems, Problem | str) else list(problems)
        self.problems: list[Problem] = [p if isinstance(p, Problem) else Problem(p) for p in items]
        self.exit_code = exit_code
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One printable line a problem."""
        return [str(problem) for problem in self.problems]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its problems, exit code and attributes (errors cross from batch worker processes),
        whatever the constructor of a subclass takes."""
        return _rebuild, (type(self), self.problems, self.exit_code), self.__dict__


def _rebuild(cls: type[SubsidyError], problems: list[Problem], exit_code: int) -> SubsidyError:
    error = cls.__new__(cls)
    SubsidyError.__init__(error, problems, exit_code)
    return error


@contextlib.contextmanager
def exit_code_for(exit_code: int) -> Iterator[None]:
    """Inside the block, a ``SubsidyError`` ends the run with ``exit_code``: for ``batch`` and ``diff`` a broken
    rules file or a bad ``--set`` is a usage error (2), where for ``check`` it is invalid data (1)."""
    try:
        yield
    except SubsidyError as exc:
        exc.exit_code = exit_code
        raise


@dataclass(frozen=True)
class Notice:
    """Something in an input worth telling that stops nothing: a warning (a credit code that fails its check, a
    fact the code contradicts, a control character taken out of a cell).

    ``key`` is the profile key it is about and ``kind`` what kind of warning it is (both stable, for scripts:
    ``check_character``, ``spreadsheet_damage``, ``category``, ``region``...); ``where`` names the column or key
    as the reader wrote it (a CSV heading), else the key is shown; ``message`` is for people, in the active
    language.
    """

    message: str
    key: str | None = None
    kind: str = ""
    where: str | None = None

    def __str__(self) -> str:
        place = self.where or self.key
        return printable(f"{place}: {self.message}" if place else self.message)

    def as_dict(self) -> dict[str, str | None]:
        """The warning as the JSON documents give it: ``key``, ``kind`` and ``message``."""
        return {"key": self.key, "kind": self.kind, "message": self.message}
