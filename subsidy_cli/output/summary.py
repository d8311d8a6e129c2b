"""The summary of a batch run: what the batch fills in, block by block, and the terminal (and the county summary
page, ``batch --report``) shows at the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from subsidy_cli.engine.status import STATUSES


def best_status(statuses: set[str] | frozenset[str]) -> str:
    """A firm's status at a glance: the first of ``STATUSES`` (eligible first) that one of its lines has."""
    return next(status for status in STATUSES if status in statuses)


@dataclass
class Stats:
    """Per-run counts for the summary.

    ``eligible_firms`` / ``eligible_sums``: per line (catalogue order) the firms for which it is eligible and the
    sum of their maximum awards (CNY). ``status_firms``: per status of ``STATUSES``, per line, the firms with
    that status; ``potential_sums``: per line, the sum of the maximum awards of the firms for which it is
    potential. ``best``: valid firms by the first status of ``STATUSES`` any of their lines has.
    ``districts``: per district cell as typed (``""`` where blank or not a column), ``[firms, sum of eligible
    cash maxima, sum of potential cash maxima]`` of valid firms. ``blank``: per profile key, the valid firms
    whose row leaves it unknown (a blank cell, or no such column).
    """

    rows: int = 0  # firms read: every row but the header and rows of no value
    invalid: int = 0
    skipped: int = 0  # rows of no value (only delimiters or spaces), not firms
    skipped_lines: list[int] = field(default_factory=list)  # the first lines of those
    input_bytes: int = 0  # of the rows read (for progress)
    eligible_firms: list[int] = field(default_factory=list)
    eligible_sums: list[Decimal] = field(default_factory=list)
    status_firms: dict[str, list[int]] = field(default_factory=dict)
    potential_sums: list[Decimal] = field(default_factory=list)
    best: Counter[str] = field(default_factory=Counter)
    districts: dict[str, list[int | Decimal]] = field(default_factory=dict)
    blank: Counter[str] = field(default_factory=Counter)
    encodings: Counter[str] = field(default_factory=Counter)  # rows read in each encoding (CSV input), by its name
    encoding_lines: list[int] = field(default_factory=list)  # the first lines of rows read in the file's other one

    @classmethod
    def empty(cls, lines: int) -> Stats:
        return cls(
            eligible_firms=[0] * lines,
            eligible_sums=[Decimal(0)] * lines,
            status_firms={status: [0] * lines for status in STATUSES},
            potential_sums=[Decimal(0)] * lines,
        )

    def add_district(self, district: str, firms: int, eligible: Decimal, potential: Decimal) -> None:
        """Count ``firms`` valid firms of the district cell ``district`` with these total maxima (CNY)."""
        found = self.districts.get(district)
        if found is None:
            self.districts[district] = [firms, eligible, potential]
        else:
            found[0] += firms
            found[1] += eligible
            found[2] += potential

    def merge(self, other: Stats) -> None:
        self.rows += other.rows
        self.invalid += other.invalid
        self.skipped += other.skipped
        self.skipped_lines += other.skipped_lines[: max(0, 20 - len(self.skipped_lines))]
        self.input_bytes += other.input_bytes
        lines = len(other.eligible_firms)
        if not self.eligible_firms:
            self.eligible_firms = [0] * lines
            self.eligible_sums = [Decimal(0)] * lines
        if not self.status_firms:
            self.status_firms = {status: [0] * lines for status in STATUSES}
            self.potential_sums = [Decimal(0)] * lines
        for i, (n, total) in enumerate(zip(other.eligible_firms, other.eligible_sums, strict=True)):
            self.eligible_firms[i] += n
            self.eligible_sums[i] += total
        for status, counts in other.status_firms.items():
            mine = self.status_firms[status]
            for i, n in enumerate(counts):
                mine[i] += n
        for i, total in enumerate(other.potential_sums):
            self.potential_sums[i] += total
        self.best.update(other.best)
        self.blank.update(other.blank)
        self.encodings.update(other.encodings)
        self.encoding_lines += other.encoding_lines[: max(0, 20 - len(self.encoding_lines))]
        for district, (firms, eligible, potential) in other.districts.items():
            self.add_district(district, int(firms), Decimal(eligible), Decimal(potential))
