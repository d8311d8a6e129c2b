"""Parsing of the values people type: money, counts, booleans, lists, dates.

Shared by profile files, ``--set`` overrides and CSV cells, so ``200万元`` means the
same thing everywhere. Every parser raises ``ValueError`` with a message fit to show.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_UNITS = {
    "": Decimal(1),
    "元": Decimal(1),
    "万": Decimal(10_000),
    "万元": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "亿元": Decimal(100_000_000),
}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(万元|亿元|万|亿|元)?$")
_PLAIN = re.compile(r"([0-9]{1,8})(万元|亿元|万|亿|元)\Z")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:万元|亿元|万|亿|元)?$")
LIMIT = Decimal("1e16")  # ten thousand trillion yuan: anything larger is a typing slip
_TRUE = {"true", "yes", "y", "1", "是", "有", "t"}
_FALSE = {"false", "no", "n", "0", "否", "无", "没有", "f"}
LIST_SEPARATORS = re.compile(r"[;；,，、|]")
_EMPTY_LIST = {"无", "none", "没有", "-"}


def normalise_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) and strip surrounding space."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_decimal_with_units(value: object, what: str = "amount") -> Decimal:
    """A number with optional 元 / 万(元) / 亿(元), thousands separators and full-width digits."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int | Decimal | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or abs(number) >= LIMIT:
            raise ValueError(f"{value!r} is not a usable {what}")
        return number
    if not isinstance(value, str):
        raise ValueError(f"expected a number, got {value!r}")
    if value.isascii() and value.isdigit() and len(value) < 16:  # the common case in spreadsheets, much faster
        return Decimal(value)
    plain = _PLAIN.match(value)  # ASCII digits with a unit, e.g. 200万: as below, without normalising first
    if plain:
        return Decimal(plain.group(1)) * _UNITS[plain.group(2)]
    text = normalise_text(value).replace(" ", "")
    text = text.removeprefix("¥").removeprefix("￥").removeprefix("CNY")
    if "," in text:
        if not _GROUPED.match(text):
            raise ValueError(f"{value!r} has a comma out of place; write thousands as 1,234,567.5 (or no commas)")
        text = text.replace(",", "")
    match = _NUMBER.match(text)
    if not match:
        raise ValueError(f"{value!r} is not an {what}; write e.g. 1234.5, 200万, 200万元 or 0.5亿")
    try:
        number = Decimal(match.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise ValueError(f"{value!r} is not a number") from exc
    number *= _UNITS[match.group(2) or ""]
    if abs(number) >= LIMIT:
        raise ValueError(f"{value!r} is too large to be an {what}")
    return number


def parse_money(value: object) -> Decimal:
    """Money in CNY; never negative."""
    amount = parse_decimal_with_units(value)
    if amount < 0:
        raise ValueError(f"{value!r} is negative; amounts are zero or more")
    return amount


def parse_count(value: object) -> int:
    """A whole number of things; accepts ``3000万`` for 30,000,000."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16:  # the common case
        return int(value)
    if isinstance(value, str) and normalise_text(value).endswith("元"):
        raise ValueError(f"{value!r} is a count, not an amount of money")
    number = parse_decimal_with_units(value, what="whole number")
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    if number < 0:
        raise ValueError(f"{value!r} is negative; counts are zero or more")
    return int(number)


def parse_bool(value: object) -> bool:
    """Yes or no: true/false, yes/no, y/n, 是/否, 有/无, 1/0; ValueError otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = normalise_text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"{value!r} is not yes or no; write true/false, yes/no, 是/否 or 1/0")


def parse_list(value: object) -> list[str]:
    """A list, or text separated by ; ； , ， 、 or |; 无/none is the empty list."""
    if isinstance(value, list | tuple):
        return [normalise_text(str(item)) for item in value]
    if isinstance(value, str):
        text = normalise_text(value)
        if text.lower() in _EMPTY_LIST or text == "":
            return []
        return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]
    raise ValueError(f'{value!r} is not a list; write e.g. ["a", "b"] or a;b')


def parse_date(value: object) -> dt.date:
    """A date: a TOML date, YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = normalise_text(value)
        text = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", r"\1-\2-\3", text)
        text = text.replace("/", "-").replace(".", "-")
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a real date: {exc}") from exc
    raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2022-06-30")
