"""The unified social credit code (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

import operator
import re

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


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999
_ID_CHECK = "10X98765432"
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d{1,2}")
_EXCEL_HINT = (
    "in Excel or WPS set the column's format to Text and type the codes again (or take them from the source "
    "system): a spreadsheet keeps 15 digits of a number"
)


def unwrap(code: str) -> str:
    """A code without the marks a spreadsheet adds to keep a cell as text: ``'913...`` and ``="913..."``
    (and surrounding spaces)."""
    text = code.strip()
    if text.startswith("'"):
        return text[1:].strip()
    match = re.fullmatch(r'=\s*"(.*)"', text)
    return match.group(1).strip() if match else text


def is_resident_id(text: str) -> bool:
    """Whether ``text`` is shaped like an 18-digit resident identity number (GB 11643-1999): a birth date in
    positions 7-14 and its check character."""
    if not re.fullmatch(r"\d{17}[\dX]", text) or not ("1900" <= text[6:10] <= "2099"):
        return False
    if not ("01" <= text[10:12] <= "12" and "01" <= text[12:14] <= "31"):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(text[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17]


def validate_credit_code(code: str) -> str:
    """Return the code upper-cased (without ``'`` or ``="..."`` wrappers a spreadsheet adds), or raise
    ValueError saying what is wrong with it: never a "corrected" character, which would invite a made-up code;
    a hint where a spreadsheet damaged it (scientific notation, last digits zeroed); ``PersonalNumber`` for a
    resident identity number, which is not repeated in full."""
    text = unwrap(code).upper()
    if _SCIENTIFIC.fullmatch(text.replace(" ", "")):
        raise ValueError(
            f"{code!r} is a number in scientific notation, as a spreadsheet shows a long number: the code's "
            f"digits are lost; {_EXCEL_HINT}"
        )
    if is_resident_id(text):
        raise PersonalNumber(
            f"{text[:4]}{'*' * 10}{text[-4:]} is a resident identity number, not a credit code; "
            "a firm's unified social credit code is on its business licence"
        )
    if len(text) != 18:
        raise ValueError(f"{code!r} has {len(text)} characters; a credit code has 18")
    bad = [] if _WELL_FORMED.match(text) else sorted(set(text) - _VALUE.keys())
    if bad:
        raise ValueError(
            f"{code!r} contains {', '.join(repr(c) for c in bad)}; a credit code uses digits and "
            "capital letters other than I, O, S, V and Z"
        )
    expected = check_character(text[:17])
    if text[17] != expected:
        damaged = text.isdigit() and text.endswith("000")
        raise ValueError(
            f"{code!r} fails the GB 32100-2015 check (its last character does not fit the first 17); "
            + (
                f"it ends in 000, as a code does that a spreadsheet stored as a number; {_EXCEL_HINT}"
                if damaged
                else "copy it again from the business licence"
            )
        )
    return text
