"""The status rules, written once: how a line's outcomes settle into a status, which date judges, which
amount a line shows, and how the amounts of several lines add up under the layers' caps and exclusions.

Every driver uses these functions: the per-firm judgement (``check``, the interview, JSONL, ``diff``, the
library) and the per-column scoring of batch.

Statuses, in the order a line is settled:

- ``open``: general support with nothing to apply for (``open_to = "general"``), or a line any firm could
  enter in principle but that nothing ties to this firm (its ``relevant_to``, or holding what it pays for):
  listed apart, outside every total;
- ``ineligible``: a scope or ``requires`` condition that the text states (its ``basis``) is false (wrong
  organisation, ...), or the line is for others than applicants (localities, financiers, individuals);
- ``needs_info``: nothing is false but a scope, ``requires`` or ``qualifies`` condition is unknown;
- ``to_confirm``: the line rests on a reading of ambiguous text that is false for the firm, or on a fact the
  profile cannot record: only the issuing department can settle it (whatever title the firm still lacks);
- ``potential``: the firm is among those the line is for, but a ``qualifies`` condition is not (yet) met;
- ``eligible``: every condition holds;
- ``expired``: the date is outside the line's window (``status_if_in_force`` keeps the judgement); before the
  window it reads "not yet in force".
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Literal

from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.words import fen

Status = Literal["eligible", "potential", "needs_info", "to_confirm", "open", "ineligible", "expired"]
STATUSES: tuple[Status, ...] = typing.get_args(Status)
Tri = bool | None  # three-valued: True, False, or None for unknown


def evaluation_date(application_date: dt.date | None, as_of: dt.date | None, today: dt.date | None = None) -> dt.date:
    """The date that judges: ``--as-of``, else the profile's ``application_date``, else today."""
    return as_of or application_date or today or dt.date.today()


def combine(outcomes: Iterable[Tri]) -> Tri:
    """All of several three-valued outcomes: False if any is False, else None if any is unknown, else True."""
    result: Tri = True
    for outcome in outcomes:
        if outcome is False:
            return False
        if outcome is None:
            result = None
    return result


def settle(
    open_to: str, gate: Tri, met: Tri, in_window: bool, confirm: bool = False, relevant: bool = True
) -> tuple[Status, Status]:
    """``(status, status_if_in_force)`` of a line.

    ``open_to`` is who receives the line ("applicants"; "general" for support with nothing to apply for; or
    others who never apply: "localities", ...); ``gate`` combines the hard scope and ``requires`` outcomes (who
    may receive it, as the text states), ``met`` the hard ``qualifies`` outcomes (whether the firm has what it
    pays for), each unknown where a soft condition is unknown; ``confirm`` says a soft condition (a reading, a
    fact the profile cannot record) is false; ``relevant`` that the firm is among those the line is for (by its
    ``relevant_to``, or because it holds what the line pays for); ``in_window`` whether the evaluation date is in
    the line's window.
    """
    judged: Status
    if open_to == "general":
        judged = "open"
    elif open_to != "applicants" or gate is False:
        judged = "ineligible"
    elif gate is None or met is None:
        judged = "needs_info"
    elif confirm:  # a reading or an unrecorded fact decides: only the department can, whatever else is missing
        judged = "to_confirm" if relevant else "open"
    elif met is False:
        judged = "potential" if relevant else "open"
    else:
        judged = "eligible"
    return (judged if in_window else "expired"), judged


def shows_amount(status_if_in_force: Status) -> bool:
    """Whether a line's amount is shown: a line the firm cannot receive has no amount to show."""
    return status_if_in_force != "ineligible"


def caps_for(caps: Iterable[CrossCap], district: str | None) -> list[CrossCap]:
    """The caps across lines that apply to a firm registered in ``district``."""
    return [cap for cap in caps if cap.district is None or cap.district == district]


def line_caps(caps: Sequence[CrossCap], figures: Mapping[str, object]) -> dict[str, Decimal]:
    """Per capped line, the lowest known figure it is capped at (each line alone is at most its cap too)."""
    capped: dict[str, Decimal] = {}
    for cap in caps:
        figure = figures.get(cap.at_most)
        if figure is None:
            continue
        assert isinstance(figure, Decimal)
        limit = fen(figure)
        for line in cap.lines:
            capped[line] = min(capped.get(line, limit), limit)
    return capped


def bounded_total(
    amounts: Mapping[str, Decimal | None],
    caps: Sequence[CrossCap],
    exclusive: Sequence[Exclusive],
    figure: Callable[[str], Decimal | None],
) -> tuple[Decimal, list[str]]:
    """The total of some lines' maximum amounts (CNY) as the layers allow, and the lines with no upper bound.

    ``amounts`` maps line ids to their maxima (None: no upper bound), in line order; ``caps`` are the caps
    that apply to the firm; ``figure(key)`` gives the profile figure a cap names. An exclusive group pays one
    line (its highest; an unbounded one wins); lines capped together count at most their cap: each cap's
    excess is taken off its lines, first off the lines that other caps also hold, so that one cut serves
    several caps.
    """
    kept = dict(amounts)
    for group in exclusive:
        members = [line for line in group.lines if line in kept]
        if len(members) > 1:
            best = max(members, key=lambda i: (kept[i] is None, kept[i] or Decimal(0)))
            for line in members:
                if line != best:
                    del kept[line]
    open_ended = [line for line, value in kept.items() if value is None]
    bounded = {line: value for line, value in kept.items() if value is not None}
    shared = {line: sum(line in c.lines for c in caps) for line in bounded}
    for cap in caps:
        given = figure(cap.at_most)
        limit = None if given is None else fen(given)
        held = [line for line in cap.lines if line in bounded]
        if limit is None or not held or any(line in open_ended for line in cap.lines):
            continue
        excess = sum((bounded[line] for line in held), Decimal(0)) - limit
        for line in sorted(held, key=lambda i: -shared[i]):
            if excess <= 0:
                break
            cut = min(excess, bounded[line])
            bounded[line] -= cut
            excess -= cut
    return sum(bounded.values(), Decimal(0)), open_ended
