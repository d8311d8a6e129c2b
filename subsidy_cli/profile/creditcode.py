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


def validate_credit_code(code: str) -> str:
    """Return the code upper-cased, or raise ValueError saying what is wrong with it."""
    text = code.strip().upper()
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
        raise ValueError(f"{code!r} fails the GB 32100-2015 check: the last character should be {expected!r}")
    return text
