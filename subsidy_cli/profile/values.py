"""Parsing of the values people type: money, counts, booleans, lists, dates.

Shared by profile files, ``--set`` overrides and CSV cells, so ``200万元`` means the
same thing everywhere. Every parser raises ``ValueError`` with a message fit to show, in the active language
(``i18n``; ``quote`` names a value as messages do).

Placeholders typed for "not collected" (``-``, ``/``, ``—``, ``无``, ``暂无``, ``N/A``...; see
``is_placeholder``) mean *unknown* for every key, like an empty cell: never "no", and never "none" but for
``无`` in a list column, the documented way to write the empty list.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from subsidy_cli.i18n import N_, _, active

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
_PLACES = 8  # decimal places any figure may have (a fen is 2): more is a slip, refused before any arithmetic
_TRUE = {"true", "yes", "y", "1", "是", "有", "t"}
_FALSE = {"false", "no", "n", "0", "否", "没有", "f"}
LIST_SEPARATORS = re.compile(r"[;；,，、|]")
_EMPTY_LIST = {"无", "none", "没有"}  # in a list column 无 is the documented "none" (and nowhere else)
# What people type for "not collected" / "not applicable" (after NFKC and lower-casing): unknown, like a blank.
PLACEHOLDERS = frozenset(
    {"-", "--", "---", "/", "//", "\\", "—", "——", "–", "－", "无", "暂无", "不详", "未知", "待定", "待补充",
     "n/a", "na", "n.a.", "null", "nil", "?", "...", "…", "……"}
)
_DASHES = re.compile(r"[-－—–―‐‑‒─_/\\]+")
# Measure words written after a count (600家, 12台, 3星, 三星级, 5人): what is counted, not a unit of money
_MEASURE = re.compile(r"(?:家|台|次|个|人|名|星级|星|项|件|套|户|座|条)$")
_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_LARGE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_CN_NUMBER = re.compile(r"[0-9.零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿]+")


def normalise_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) and strip surrounding space."""
    return unicodedata.normalize("NFKC", text).strip()


def is_placeholder(value: object, listing: bool = False) -> bool:
    """Whether ``value`` is text typed for "not collected" (``-``, ``/``, ``—``, ``无``, ``暂无``, ``N/A``, a
    run of dashes...): it means *unknown*, exactly as a blank. ``listing``: the value is for a list, where ``无``
    is the documented empty list, not a placeholder."""
    if not isinstance(value, str) or len(value) > 12:
        return False
    text = normalise_text(value).lower()
    if listing and text == "无":
        return False
    return text in PLACEHOLDERS or (bool(text) and _DASHES.fullmatch(text) is not None)


def _usable(number: Decimal, value: object, what: str) -> Decimal:
    """``number`` checked before any arithmetic: finite, not absurdly large or precise; ``-0`` is 0."""
    if not number.is_finite():
        raise ValueError(_("{value} is not a usable number", value=quote(value)))
    if number.adjusted() >= 16 or abs(number) >= LIMIT:
        raise ValueError(_too_large(value, what))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_PLACES and not number.is_zero():
        raise ValueError(
            _("{value} has more than {places} decimal places; round it", value=quote(value), places=_PLACES)
        )
    if number.is_zero():
        return Decimal(0)
    return number


def _too_large(value: object, what: str) -> str:
    if what == "whole number":
        return _("{value} is too large to be a whole number", value=quote(value))
    return _("{value} is too large to be an amount", value=quote(value))


def quote(value: object, short: bool = True) -> str:
    """A value as messages name it, in the active language: text quoted (``'maybe'`` in English, ``"maybe"`` in
    Chinese), numbers as written; ``short``: shortened when long (a message stays one line)."""
    if isinstance(value, str) and active() == "zh":
        shown = f'"{value}"'
    elif isinstance(value, dt.date | dt.time):  # a TOML date or time as written
        shown = value.isoformat()
    else:
        shown = str(value) if isinstance(value, Decimal) else repr(value)
    return shown if len(shown) <= 40 or not short else shown[:30] + "…" + shown[-6:]


def _decimal(text: str) -> Decimal | None:
    """An ASCII decimal (sign, digits, optional fraction and exponent), refusing absurd exponents before
    Decimal reads them; None when ``text`` is no number."""
    match = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)(?:[eE]([+-]?\d{1,6}))?", text)
    if not match:
        return None
    if match.group(2) is not None and abs(int(match.group(2))) > 40:
        raise ValueError(_("{value} has an exponent no amount or count can have", value=quote(text)))
    return Decimal(text)


def parse_decimal_with_units(value: object, what: str = "amount") -> Decimal:
    """A number with optional 元 / 万(元) / 亿(元), thousands separators and full-width digits, or in Chinese
    numerals (``伍仟万元整``, ``1千万元``). ``-0`` is 0; absurd exponents or precision are refused before any
    arithmetic."""
    if isinstance(value, bool):
        raise ValueError(_("expected a number, got {value}", value=quote(value)))
    if isinstance(value, int | Decimal | float):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= LIMIT:
            raise ValueError(_too_large(value, what))
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return _usable(number, value, what)
    if not isinstance(value, str):
        raise ValueError(_("expected a number, got {value}", value=quote(value)))
    if value.isascii() and value.isdigit() and len(value) < 16:  # the common case in spreadsheets, much faster
        return Decimal(value)
    plain = _PLAIN.match(value)  # ASCII digits with a unit, e.g. 200万: as below, without normalising first
    if plain:
        return Decimal(plain.group(1)) * _UNITS[plain.group(2)]
    text = normalise_text(value).replace(" ", "")
    text = text.removeprefix("¥").removeprefix("￥").removeprefix("CNY")
    if "," in text:
        if not _GROUPED.match(text):
            raise ValueError(
                _(
                    "{value} has a comma out of place; write thousands as 1,234,567.5 (or no commas)",
                    value=quote(value),
                )
            )
        text = text.replace(",", "")
    match = _NUMBER.match(text)
    if not match:
        found = _decimal(text)
        if found is None:
            found = _chinese_amount(text)
        if found is None:
            if what == "whole number":
                raise ValueError(_not_whole(value))
            raise ValueError(
                _("{value} is not an amount; write e.g. 1234.5, 200万, 200万元 or 0.5亿", value=quote(value))
            )
        return _usable(found, value, what)
    number = Decimal(match.group(1))
    number *= _UNITS[match.group(2) or ""]
    return _usable(number, value, what)


def _not_whole(value: object) -> str:
    return _("{value} is not a whole number; write e.g. 600, 600家 or 5万", value=quote(value))


def _chinese_amount(text: str) -> Decimal | None:
    """An amount in Chinese numerals, where it reads one way only: 伍仟万元整, 一千二百万, 1千万元, 三, 两亿;
    None otherwise (a run of bare digits such as 一二三 could be anything)."""
    text = re.sub(r"(?:元|圆|块)?(?:整|正)?$", "", text)
    if not text or _CN_NUMBER.fullmatch(text) is None or not any(c in _CN_DIGITS or c in _CN_SMALL for c in text):
        return None
    total = Decimal(0)  # whole 亿 and 万 sections
    section = Decimal(0)  # the part below 万 being read
    number: Decimal | None = None  # the digit(s) just read
    last_small = 10_000  # units must fall within a section: 千 then 百 then 十
    position = 0
    while position < len(text):
        char = text[position]
        if char.isdigit() or char == ".":
            end = position
            while end < len(text) and (text[end].isdigit() or text[end] == "."):
                end += 1
            if number is not None:
                return None
            try:
                number = Decimal(text[position:end])
            except InvalidOperation:
                return None
            position = end
            continue
        if char in _CN_DIGITS:
            if number is not None and number != 0:
                return None  # two digits in a row: 一二 or 五零 is no number
            number = Decimal(_CN_DIGITS[char])
        elif char in _CN_SMALL:
            unit = _CN_SMALL[char]
            if unit >= last_small:
                return None
            section += (number if number is not None else Decimal(1)) * unit
            number, last_small = None, unit
        else:
            unit = _CN_LARGE[char]
            if unit == 10_000:
                total += (section + (number or 0)) * unit
            else:
                total = (total + section + (number or 0)) * unit
            section, number, last_small = Decimal(0), None, 10_000
        position += 1
    return total + section + (number or 0)


def parse_money(value: object) -> Decimal:
    """Money in CNY; never negative."""
    amount = parse_decimal_with_units(value)
    if amount < 0:
        raise ValueError(_("{value} is negative; amounts are zero or more", value=quote(value)))
    return amount


def parse_count(value: object) -> int:
    """A whole number of things; accepts ``3000万`` for 30,000,000, a measure word after the number (``600家``,
    ``12台``, ``3星``, ``三星级``, ``5人``, ``5万台``) and Chinese numerals."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16:  # the common case
        return int(value)
    if isinstance(value, str):
        text = normalise_text(value)
        if text.endswith("元"):
            raise ValueError(_("{value} is a count, not an amount of money", value=quote(value)))
        counted = _MEASURE.sub("", text).strip()
        if counted != text:
            try:
                return parse_count(counted)
            except ValueError:
                raise ValueError(_not_whole(value)) from None
    number = parse_decimal_with_units(value, what="whole number")
    if number != number.to_integral_value():
        raise ValueError(_("{value} is not a whole number", value=quote(value)))
    if number < 0:
        raise ValueError(_("{value} is negative; counts are zero or more", value=quote(value)))
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
    raise ValueError(_("{value} is not yes or no; write true/false, yes/no, 是/否 or 1/0", value=quote(value)))


def parse_list(value: object) -> list[str]:
    """A list, or text separated by ; ； , ， 、 or |; 无/none is the empty list."""
    if isinstance(value, list | tuple):
        return [normalise_text(str(item)) for item in value]
    if isinstance(value, str):
        text = normalise_text(value)
        if text.lower() in _EMPTY_LIST or text == "":
            return []
        return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]
    raise ValueError(_('{value} is not a list; write e.g. ["a", "b"] or a;b', value=quote(value)))


# What datetime says of a date that does not exist (marked for the catalogue; translated as datetime words it)
_DATE_REASONS = (N_("day is out of range for month"), N_("month must be in 1..12"), N_("year 0 is out of range"))
# A time of day after a date, as spreadsheets and databases export it: 0:00, 00:00:00, T00:00:00.000, 14:30
_TIME = re.compile(r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?|T)$")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 system; day 60, a 29 February 1900 that never was,
# lies before any date this policy can concern)
_SERIAL_RANGE = (20_000, 80_000)  # Excel day numbers read as dates: 1954-10-03 to 2119-01-10


def parse_date(value: object) -> dt.date:
    """A date: a TOML date, YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 or compact YYYYMMDD, optionally
    followed by a time of day (``2022-06-30 00:00:00``, ``2022/6/30 0:00``, ``2022-06-30T00:00:00``: the
    date is kept), or an Excel serial day number from 20000 to 80000 (``44742`` is 2022-06-30); ValueError
    otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = normalise_text(value)
        text = _TIME.sub("", text) if len(text) <= 40 else text
        text = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", r"\1-\2-\3", text)
        text = text.replace("/", "-").replace(".", "-")
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                reason = _(str(exc))
                raise ValueError(_("{value} is not a real date: {reason}", value=quote(value), reason=reason)) from exc
        serial = re.fullmatch(r"(\d{5})(?:-0+)?", text)  # 44742 or 44742.0 (the dot became '-' above)
        if serial and _SERIAL_RANGE[0] <= int(serial.group(1)) <= _SERIAL_RANGE[1]:
            return EXCEL_EPOCH + dt.timedelta(days=int(serial.group(1)))
    raise ValueError(_("{value} is not a date; write YYYY-MM-DD, e.g. 2022-06-30", value=quote(value)))
