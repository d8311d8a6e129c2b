"""How a line's status is settled, over every combination of what decides it, against a table written out.

``settle(open_to, gate, met, in_window)`` in ``subsidy_cli.engine.status`` returns ``(status,
status_if_in_force)`` from: who the line is open to (``"applicants"``, or a line no firm receives:
``"localities"``, ``"individuals"``, ``"financiers"``); the gate (scope and ``requires``: True, False or
None for unknown); whether the firm has what the line pays for (``qualifies``: True, False, None); and
whether the evaluation date is inside the line's window. The README's "Statuses":

- not open to applicants, or the gate is False: ``ineligible``;
- the gate is unknown: ``needs_info``;
- the gate holds and ``qualifies`` is False: ``potential``; unknown: ``needs_info``; True: ``eligible``;
- outside the window: ``expired``, and ``status_if_in_force`` keeps the judgement.

Skipped until the module exists (the settling is being moved there out of ``engine/assess.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools

import pytest

MODULE = "subsidy_cli.engine.status"
if importlib.util.find_spec(MODULE) is None:
    pytest.skip(
        f"{MODULE} does not exist yet: settle(open_to, gate, met, in_window) moves there", allow_module_level=True
    )
settle = importlib.import_module(MODULE).settle

IN, OUT = True, False  # the evaluation date inside the line's window / outside it

# open_to       gate   met    window  status        status_if_in_force
TABLE = [
    ("applicants", True, True, IN, "eligible", "eligible"),
    ("applicants", True, True, OUT, "expired", "eligible"),
    ("applicants", True, False, IN, "potential", "potential"),
    ("applicants", True, False, OUT, "expired", "potential"),
    ("applicants", True, None, IN, "needs_info", "needs_info"),
    ("applicants", True, None, OUT, "expired", "needs_info"),
    ("applicants", False, True, IN, "ineligible", "ineligible"),
    ("applicants", False, True, OUT, "expired", "ineligible"),
    ("applicants", False, False, IN, "ineligible", "ineligible"),
    ("applicants", False, False, OUT, "expired", "ineligible"),
    ("applicants", False, None, IN, "ineligible", "ineligible"),
    ("applicants", False, None, OUT, "expired", "ineligible"),
    ("applicants", None, True, IN, "needs_info", "needs_info"),
    ("applicants", None, True, OUT, "expired", "needs_info"),
    ("applicants", None, False, IN, "needs_info", "needs_info"),
    ("applicants", None, False, OUT, "expired", "needs_info"),
    ("applicants", None, None, IN, "needs_info", "needs_info"),
    ("applicants", None, None, OUT, "expired", "needs_info"),
    ("localities", True, True, IN, "ineligible", "ineligible"),
    ("localities", True, True, OUT, "expired", "ineligible"),
    ("localities", True, False, IN, "ineligible", "ineligible"),
    ("localities", True, False, OUT, "expired", "ineligible"),
    ("localities", True, None, IN, "ineligible", "ineligible"),
    ("localities", True, None, OUT, "expired", "ineligible"),
    ("localities", False, True, IN, "ineligible", "ineligible"),
    ("localities", False, True, OUT, "expired", "ineligible"),
    ("localities", False, False, IN, "ineligible", "ineligible"),
    ("localities", False, False, OUT, "expired", "ineligible"),
    ("localities", False, None, IN, "ineligible", "ineligible"),
    ("localities", False, None, OUT, "expired", "ineligible"),
    ("localities", None, True, IN, "ineligible", "ineligible"),
    ("localities", None, True, OUT, "expired", "ineligible"),
    ("localities", None, False, IN, "ineligible", "ineligible"),
    ("localities", None, False, OUT, "expired", "ineligible"),
    ("localities", None, None, IN, "ineligible", "ineligible"),
    ("localities", None, None, OUT, "expired", "ineligible"),
]
OTHERS = ("localities", "individuals", "financiers")  # the open_to values of lines no firm receives (3, 18b, 20c)


def _id(row: tuple[object, ...]) -> str:
    open_to, gate, met, in_window = row[:4]
    return f"{open_to}-gate={gate}-met={met}-{'in' if in_window else 'out'}"


def test_the_table_is_every_combination_once() -> None:
    combinations = [row[:4] for row in TABLE]
    every = list(itertools.product(("applicants", "localities"), (True, False, None), (True, False, None), (IN, OUT)))
    assert sorted(combinations, key=repr) == sorted(every, key=repr)


@pytest.mark.parametrize("row", TABLE, ids=[_id(row) for row in TABLE])
def test_settle(row: tuple[str, bool | None, bool | None, bool, str, str]) -> None:
    open_to, gate, met, in_window, status, status_if_in_force = row
    assert tuple(settle(open_to, gate, met, in_window)) == (status, status_if_in_force)


@pytest.mark.parametrize("open_to", OTHERS[1:])
@pytest.mark.parametrize(
    ("gate", "met", "in_window"), list(itertools.product((True, False, None), (True, False, None), (IN, OUT)))
)
def test_every_line_no_firm_receives_settles_as_localities(
    open_to: str, gate: bool | None, met: bool | None, in_window: bool
) -> None:
    expected = next(row[4:] for row in TABLE if row[:4] == ("localities", gate, met, in_window))
    assert tuple(settle(open_to, gate, met, in_window)) == expected
