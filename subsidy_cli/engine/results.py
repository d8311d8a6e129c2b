"""What the engine returns for one firm: each line judged (status, amount, the findings behind it), the
totals and the questions that would settle the most money. Plain data, no behaviour beyond small helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from subsidy_cli.engine.evaluate import Amount, Check
from subsidy_cli.engine.status import Status
from subsidy_cli.errors import Notice
from subsidy_cli.profile.keys import Profile
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.rules.conditions import Condition


@dataclass(frozen=True, eq=False)
class Finding:
    """One condition of a line as applied: its group, its outcome and the leaf tests under it.

    ``scope_reason`` carries the policy's own words for a scope rule (zh, en).
    """

    group: Literal["scope", "requires", "qualifies"]
    condition: Condition
    outcome: bool | None
    checks: tuple[Check, ...]
    scope_reason: tuple[str, str] | None = None

    @property
    def to_confirm(self) -> bool:
        """False only because a fact the profile does not record is not established."""
        return self.outcome is False and all(c.unrecorded for c in self.checks if c.outcome is False)


@dataclass(frozen=True, eq=False)
class LineResult:
    benefit: Benefit
    status: Status
    status_if_in_force: Status
    amount: Amount
    findings: tuple[Finding, ...]
    missing: tuple[str, ...]
    window: tuple[dt.date, dt.date]
    as_of: dt.date
    risk_share_max: Decimal | None = None
    constraints: tuple[Constraint, ...] = ()  # caps across lines and exclusions that concern this line

    @property
    def is_cash(self) -> bool:
        return self.benefit.kind == "cash"

    @property
    def max_award(self) -> Decimal | None:
        return None if self.benefit.kind == "risk_sharing" else self.amount.max

    @property
    def min_award(self) -> Decimal | None:
        return None if self.benefit.kind == "risk_sharing" else self.amount.min


@dataclass(frozen=True, eq=False)
class Constraint:
    """A layer's rule across lines, as it applies to one line: ``kind`` is "cap", "one_of" or "higher"."""

    kind: str
    lines: tuple[str, ...]
    source: str
    key: str | None = None  # for a cap: the profile figure the lines are capped at together
    limit: Decimal | None = None  # its value, when known


@dataclass(frozen=True, eq=False)
class Totals:
    eligible_cash_max: Decimal
    potential_cash_max: Decimal
    open_ended: tuple[str, ...]
    counts: dict[str, int]
    # when lines are expired (the date is outside their window): the same two totals had they been in force
    if_in_force: tuple[Decimal, Decimal] | None = None


@dataclass(frozen=True, eq=False)
class RefineHint:
    """An unknown key and the largest award its answer could settle."""

    key: str
    largest: Decimal  # zero when the lines it settles pay no stated amount
    open_ended: bool  # it settles a cash line with no upper bound
    benefits: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Assessment:
    catalog: Catalog
    profile: Profile
    as_of: dt.date
    results: tuple[LineResult, ...]
    totals: Totals
    refine: tuple[RefineHint, ...] = field(default=())
    warnings: tuple[Notice, ...] = field(default=())  # about the profile's identity facts; they decide nothing

    @property
    def in_force(self) -> bool:
        policy = self.catalog.policy
        return policy.valid_from <= self.as_of <= policy.valid_until
