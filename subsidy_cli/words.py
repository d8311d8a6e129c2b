"""Language choice and the way each audience reads numbers (¥500,000 / 50万元).

Plain strings only: no Rich here, so JSON output and the interview can use it too.
"""

from __future__ import annotations

import locale
import os
from decimal import ROUND_HALF_UP, Decimal

LANGS = ("zh", "en")
_CENT = Decimal("0.01")


def fen(value: Decimal) -> Decimal:
    """An amount in yuan rounded to the fen as Chinese finance rounds it: half up (四舍五入); never -0."""
    return value.quantize(_CENT, ROUND_HALF_UP) + 0


def cny(value: Decimal | None) -> str | None:
    """An amount in yuan as the decimal text JSON and CSV carry (``"500000.00"``, rounded half up to the fen);
    None stays None."""
    return None if value is None else str(fen(value))


def choose_lang(option: str | None) -> str:
    """``--lang``, else ``SUBSIDY_LANG``, else Chinese for a Chinese locale, else English."""
    for candidate in (option, os.environ.get("SUBSIDY_LANG")):
        if candidate:
            value = candidate.strip().lower()[:2]
            if value in LANGS:
                return value
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        setting = os.environ.get(var)
        if setting:
            return "zh" if setting.lower().startswith("zh") else "en"
    try:
        current = locale.getlocale()[0] or ""
    except ValueError:
        current = ""
    return "zh" if current.lower().startswith(("zh", "chinese")) else "en"


def _trim(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Decimal | None, lang: str) -> str:
    """¥1,234,567.5 in English; 123.45675万元 style in Chinese (元 below 10,000)."""
    if value is None:
        return "-"
    if lang == "zh":
        if value >= 100_000_000 and value % 10_000_000 == 0:
            return f"{_trim(value / 100_000_000)}亿元"
        if value >= 10_000:
            return f"{_trim(value / 10_000)}万元"
        return f"{_trim(value)}元"
    quantised = value.quantize(Decimal("0.01"))
    if quantised == quantised.to_integral_value():
        return f"¥{int(quantised):,}"
    return f"¥{quantised:,.2f}"


def money_sum(value: Decimal, lang: str) -> str:
    """A large sum as people read it at a glance: in Chinese in 亿元 from 100 million and in 万元 from 10,000, to two
    decimals (rounded half up: 35.59亿元, 123.46万元); in English as ``money``. For summaries: exact figures go to
    files."""
    if lang == "zh" and value >= 10_000:
        wan = (value / 10_000).quantize(_CENT, ROUND_HALF_UP)
        if wan < 10_000:
            return f"{_trim(wan)}万元"
        return f"{_trim((value / 100_000_000).quantize(_CENT, ROUND_HALF_UP))}亿元"
    return money(value, lang)


def count(value: int | Decimal, lang: str) -> str:
    if lang == "zh":
        if value >= 10_000 and value % 10_000 == 0:
            return f"{_trim(Decimal(value) / 10_000)}万"
        return _trim(Decimal(value))
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def percent(rate: Decimal) -> str:
    return f"{_trim(rate * 100)}%"


def pick(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en
