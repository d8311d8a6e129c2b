"""The numbers and comparison words of a line checked against its clause: every amount, rate, threshold and
quota a line states must be written in its clause, 超 must stand before a strict threshold (``gt``), 不低于
before a floor, 最高 / 不超过 / 不高于 before a cap. ``subsidy validate`` names each mismatch of a measures
file, and each value of a layer that departs from the clause (with the source the layer gives for it).
"""

from __future__ import annotations

import re
from decimal import Decimal

from subsidy_cli.i18n import _
from subsidy_cli.rules.catalog import Benefit

_UNIT = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "%": Decimal("0.01")}
_CN_DIGIT = {"三": "3", "四": "4", "五": "5"}


def clause_numbers(text: str) -> set[Decimal]:
    """Every number written in a clause, also scaled by the unit after it (万, 亿, %); 三星级 counts as 3.

    E.g. "最高50万元" gives {50, 500000}; "1%" gives {1, 0.01}."""
    text = re.sub(r"([三四五])星级", lambda m: _CN_DIGIT[m.group(1)] + "星级", text)
    found: set[Decimal] = set()
    for match in re.finditer(r"(\d+(?:\.\d+)?)\s*([万亿%]?)", text):
        number = Decimal(match.group(1))
        found.add(number)
        if match.group(2):
            found.add(number * _UNIT[match.group(2)])
    return found


def _written(number: Decimal) -> str:
    """A threshold as the text writes it: 5万 for 50000, 500 for 500."""
    if number >= 10_000 and number % 10_000 == 0:
        return f"{int(number / 10_000)}万"
    return str(int(number))


def clause_problems(benefit: Benefit) -> list[tuple[str, str]]:
    """``(key path, message)`` for each number or comparison word of the line not found in its clause."""
    text = benefit.clause_text
    written = clause_numbers(text)
    problems: list[tuple[str, str]] = []
    for number in benefit.numbers():
        if number != 0 and number not in written:  # "> 0" only tests that the firm has the thing
            problems.append(("", _("{number} is not written in its clause", number=format(number, "f"))))
    for position, cond in enumerate(benefit.qualifies):
        for number in cond.numbers():
            if number and cond.gt is not None and not re.search(rf"超{_written(number)}", text):
                message = _("gt {number} without 超 in the clause", number=_written(number))
                problems.append((f"qualifies.{position}", message))
    amount = benefit.amount
    if (getattr(amount, "floor", None) is not None or getattr(amount, "rate_min", None) is not None) and (
        "不低于" not in text
    ):
        problems.append(("amount", _("a floor (floor or rate_min) without 不低于 in the clause")))
    if (getattr(amount, "cap", None) is not None or getattr(amount, "rate_max", None) is not None) and not re.search(
        "最高|不超过|不高于", text
    ):
        problems.append(("amount", _("a cap (cap or rate_max) without 最高, 不超过 or 不高于 in the clause")))
    return problems
