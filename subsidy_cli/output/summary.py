"""The summary of a batch run: what the batch fills in, block by block, and the terminal shows at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Stats:
    """Per-run counts for the summary."""

    rows: int = 0  # firms read: every row but the header and rows of no value
    invalid: int = 0
    skipped: int = 0  # rows of no value (only delimiters or spaces), not firms
    skipped_lines: list[int] = field(default_factory=list)  # the first lines of those
    input_bytes: int = 0  # of the rows read (for progress)
    eligible_firms: list[int] = field(default_factory=list)
    eligible_sums: list[Decimal] = field(default_factory=list)

    @classmethod
    def empty(cls, lines: int) -> Stats:
        return cls(eligible_firms=[0] * lines, eligible_sums=[Decimal(0)] * lines)

    def merge(self, other: Stats) -> None:
        self.rows += other.rows
        self.invalid += other.invalid
        self.skipped += other.skipped
        self.skipped_lines += other.skipped_lines[: max(0, 20 - len(self.skipped_lines))]
        self.input_bytes += other.input_bytes
        if not self.eligible_firms:
            self.eligible_firms = [0] * len(other.eligible_firms)
            self.eligible_sums = [Decimal(0)] * len(other.eligible_sums)
        for i, (n, total) in enumerate(zip(other.eligible_firms, other.eligible_sums, strict=True)):
            self.eligible_firms[i] += n
            self.eligible_sums[i] += total
