"""Control characters in what people give: one rule wherever they are.

A control character (C0 U+0000-U+001F, DEL U+007F, C1 U+0080-U+009F) in a value, a CSV or workbook cell or a
header cell: tab, CR, LF (and CR LF) read as a space, as a line break typed into a cell (Alt+Enter) or a
tab pasted into it separates words; every other one (NUL, BEL, ESC, ...) is taken out, and a warning names it
by its code point. So none reaches an output or a terminal raw (an escape sequence in a name cannot clear the
screen). A tab that separates columns, and line breaks between rows, never reach a cell. A file whose first
8 KB are mostly control bytes is binary, not text (``batch.csvio.is_binary``).
"""

from __future__ import annotations

import re

from subsidy_cli.errors import Notice
from subsidy_cli.i18n import _

_SPACES = re.compile("\r\n|[\t\r\n]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a control character (tab and line breaks included)."""
    return _ANY_CONTROL.search(text) is not None


def takes_out(text: str) -> bool:
    """Whether ``clean`` would take something out of ``text`` (a control character other than tab and line
    breaks): a fast test."""
    return _CONTROLS.search(text) is not None


def clean(text: str) -> tuple[str, str]:
    """``text`` with the rule applied (see the module's notes), and the characters taken out (empty when none),
    so that a warning can name them."""
    if _ANY_CONTROL.search(text) is None:
        return text, ""
    removed = "".join(_CONTROLS.findall(text))
    return _SPACES.sub(" ", _CONTROLS.sub("", text)), removed


def names(removed: str) -> str:
    """Control characters for a message, by their code points: ``U+0000, U+001B``."""
    return ", ".join(f"U+{ord(char):04X}" for char in dict.fromkeys(removed))


def notice(removed: str, key: str | None, where: str | None = None) -> Notice:
    """The warning of a value or cell whose control characters ``removed`` were taken out: of ``key`` (None: a
    column that is no profile key), named ``where`` (a heading; default: the key)."""
    return Notice(
        _("control characters taken out of the cell: {codes}", codes=names(removed)), key, "control_characters", where
    )
