"""The unified social credit code (统一社会信用代码), GB 32100-2015, and what spreadsheets do to it.

A code has 18 characters: position 1 is the registering authority and 2 the category (together the kind of
organisation: ``91`` an enterprise, ``92`` an individual business, ``12`` a public institution...; see
``profile.identity``), 3-8 the administrative division code of the authority that issued it, 9-17 the
organisation code and 18 a check character computed from the first 17.

A code identifies a firm; it decides no award. So a code that fails its check, has the wrong length or looks
damaged by a spreadsheet is *read* (``read_code``) into the text kept for the firm and warnings (``Notice``),
never refused: the firm is still judged on its facts. Never is a "corrected" check character suggested, which
would invite a made-up code. The one refusal is a resident identity number typed where the code goes
(``PersonalNumber``): it is not a firm's code, and it is never repeated in full.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass

from subsidy_cli.errors import Notice
from subsidy_cli.i18n import _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: value for value, char in enumerate(ALPHABET)}
_WELL_FORMED = re.compile(f"[{ALPHABET}]{{18}}")
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31
# The weights are the powers of 3 modulo 31, and 34 = 3 (mod 31): so the weighted sum, modulo 31, is the
# characters' values read as one base-34 number, last character first. int() does that at C speed.
# Bytes outside the alphabet become "!", which int() refuses.
_BASE34 = bytes(
    ord("0123456789abcdefghijklmnopqrstu"[_VALUE[chr(byte)]]) if chr(byte) in _VALUE else ord("!")
    for byte in range(256)
)


def check_character(first17: str) -> str:
    """The 18th character that GB 32100-2015 computes from the first 17 (which must be in ALPHABET)."""
    return ALPHABET[-int(first17.encode("ascii")[::-1].translate(_BASE34), 34) % 31]


def is_valid(code: str) -> bool:
    """Whether ``code`` is a valid credit code as printed (upper case, no spaces): the fast test."""
    if len(code) != 18 or not code.isascii():
        return False
    try:
        return code[17] == check_character(code[:17])
    except ValueError:  # a character outside the alphabet
        return False


def weighted_check_character(first17: str) -> str:
    """The same, computed as the standard writes it (for tests)."""
    total = sum(map(operator.mul, map(_VALUE.__getitem__, first17), _WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


class PersonalNumber(ValueError):
    """A resident identity card number where a credit code should be: the message never repeats it whole."""

    quiet = True  # the message names the value (masked) itself


# Resident identity numbers, GB 11643-1999: 6 digits of the place of registration (the first two a province
# code), the date of birth (YYYYMMDD), 3 digits and a check character.
_ID_SHAPE = re.compile(r"\d{17}[\dX]")
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
_PROVINCES = frozenset(str(code) for low, high in _PROVINCE_RANGES for code in range(low, high + 1))
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?E[+-]?\d{1,3}")
_MARKS = re.compile(r'=\s*"(.*)"')


def unwrap(code: str) -> str:
    """A code without the marks a spreadsheet adds to keep a cell as text: ``'913...`` and ``="913..."``
    (and surrounding spaces)."""
    text = code.strip()
    if text.startswith("'"):
        return text[1:].strip()
    match = _MARKS.fullmatch(text)
    return match.group(1).strip() if match else text


def is_resident_id(text: str) -> bool:
    """Whether ``text`` is shaped like an 18-digit resident identity number (GB 11643-1999): a province code in
    positions 1-2 and a real date of birth in positions 7-14. A valid credit code never counts as one (its
    check character decides), and the identity number's own check character is not required: a mistyped one
    is still a person's number, not to be repeated."""
    if not _ID_SHAPE.fullmatch(text) or text[:2] not in _PROVINCES or is_valid(text):
        return False
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def masked(text: str) -> str:
    """A resident identity number as messages may show it: its first 4 and last 4 characters."""
    return f"{text[:4]}{'*' * 10}{text[-4:]}"


def shown_code(text: str) -> str:
    """A credit-code cell as an output may show it: as typed, unless it holds a resident identity number,
    which is masked (``masked``)."""
    plain = unwrap(text).upper()
    return masked(plain) if is_resident_id(plain) else text


def _quoted(text: str) -> str:
    """A value for a message: quoted, control characters escaped, at most 40 characters."""
    return repr(text[:40]) + ("…" if len(text) > 40 else "")


@dataclass(frozen=True)
class CodeReading:
    """What a credit-code cell holds: ``code``, the text kept for the firm (the spreadsheet's marks taken off,
    upper case); ``notices``, the warnings about it (empty for a valid code typed plainly); ``structured``,
    whether its positions 1-8 can be read (category and region: 18 characters, or digits a spreadsheet cut
    after the 15th, whose first 15 are kept)."""

    code: str
    notices: tuple[Notice, ...]
    structured: bool


def _excel_hint() -> str:
    return _(
        "in Excel or WPS set the column's format to Text and type the codes again, or take them from the "
        "source system"
    )


def _notice(message: str, kind: str) -> Notice:
    return Notice(message, "credit_code", kind)


def read_code(value: str) -> CodeReading:
    """A credit code as typed, read into the text kept for the firm and the warnings about it (see the
    module's notes). Raises ``PersonalNumber`` for a resident identity number, whose message masks it.

    The warnings, each a ``Notice`` of key ``credit_code``: ``unwrapped`` (``'913...`` or ``="913..."``: the
    marks were taken off), ``spreadsheet_damage`` (scientific notation such as ``9.13206E+17``, or an all-digit
    code with zeros after its 15th digit: a spreadsheet stored it as a number), ``length``, ``characters``
    (outside the standard's alphabet) and ``check_character`` (the 18th character does not fit the first 17).
    """
    given = value.strip()
    text = unwrap(given).upper()
    notices: list[Notice] = []
    if text != given.upper() and text:
        mark = "'" if given.startswith("'") else '="…"'
        notices.append(
            _notice(
                _(
                    "{shown} was read as {code}: the mark a spreadsheet adds to keep a number as text ({mark}) "
                    "was taken off",
                    shown=_quoted(given),
                    code=text,
                    mark=mark,
                ),
                "unwrapped",
            )
        )
    compact = text.replace(" ", "")
    if _SCIENTIFIC.fullmatch(compact):
        message = _(
            "{shown} is a number in scientific notation, as a spreadsheet shows a long number: the code's "
            "digits are lost; {hint}",
            shown=_quoted(text),
            hint=_excel_hint(),
        )
        return CodeReading(text, (*notices, _notice(message, "spreadsheet_damage")), False)
    if is_resident_id(text):
        raise PersonalNumber(
            _(
                "{masked} is a resident identity number, not a credit code; a firm's unified social credit code "
                "is on its business licence",
                masked=masked(text),
            )
        )
    if text.isdigit() and len(text) > 15 and not text[15:].strip("0"):
        message = _(
            "{shown} ends in zeros after its 15th digit, as a code does that a spreadsheet stored as a number (it "
            "keeps 15 digits): its last digits are probably lost; {hint}",
            shown=_quoted(text),
            hint=_excel_hint(),
        )
        return CodeReading(text, (*notices, _notice(message, "spreadsheet_damage")), len(text) == 18)
    if len(text) != 18:
        message = _("{shown} has {count} characters; a credit code has 18", shown=_quoted(text), count=len(text))
        return CodeReading(text, (*notices, _notice(message, "length")), False)
    if not _WELL_FORMED.fullmatch(text):
        chars = ", ".join(repr(char) for char in sorted(set(text) - _VALUE.keys()))
        message = _(
            "{shown} contains {chars}; a credit code uses digits and capital letters other than I, O, S, V and Z",
            shown=_quoted(text),
            chars=chars,
        )
        structured = all(char in _VALUE for char in text[:8])
        return CodeReading(text, (*notices, _notice(message, "characters")), structured)
    if text[17] != check_character(text[:17]):
        message = _(
            "{shown} fails the GB 32100-2015 check (its last character does not fit the first 17); copy it again "
            "from the business licence",
            shown=_quoted(text),
        )
        notices.append(_notice(message, "check_character"))
    return CodeReading(text, tuple(notices), True)


def validate_credit_code(code: str) -> str:
    """The code as kept for the firm (``read_code``: upper case, without a spreadsheet's ``'`` or ``="..."``),
    whatever warnings it has. Raises ``PersonalNumber`` (a ValueError) for a resident identity number."""
    return read_code(code).code
