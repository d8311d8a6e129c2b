"""``subsidy diff`` as a library: the same firms (a CSV of firms, or one profile file) scored under two rule
sets, and per firm and line what changed and why, as CSV rows.

::

    from subsidy_cli.batch import sources
    from subsidy_cli.batch.diff import FirmsDiff

    first = sources.rules(None)
    second = sources.rules(None, ["samples/overlays/zhangjiagang-2022.toml"])
    diff = FirmsDiff("samples/firms.csv", first, second)
    rows = [diff.header, *diff]          # diff.invalid: firms whose row could not be read as a profile
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from subsidy_cli import __version__
from subsidy_cli.batch.csvio import InputError, map_header, neutralise, open_input, read_rows
from subsidy_cli.batch.sources import is_profile_file
from subsidy_cli.engine.compare import DIFF_COLUMNS, compare
from subsidy_cli.errors import EXIT_DATA, EXIT_OK, Problem
from subsidy_cli.profile.files import load_profile
from subsidy_cli.profile.keys import Profile, ProfileError, build_profile
from subsidy_cli.rules.layers import Rules

AUDIT_COLUMNS = ("rules_a_sha256", "rules_b_sha256", "tool_version")


class FirmsDiff:
    """The rows of a diff of ``firms`` (a ``.toml``/``.json`` profile, else a CSV of firms; ``-``: stdin) under
    ``first`` and ``second``, each row ending with the audit trail (both rules' SHA-256 and the tool version).

    Nothing is read until the rows are iterated. Iterating raises ``ProfileError`` (exit 1) for a profile
    file that cannot be read and ``InputError`` (exit 2) for a CSV that cannot; a CSV row that is not a
    valid profile gives one ``invalid`` row with its problems and is counted in ``invalid``. ``as_of``
    fixes the date (else each firm's application_date, else today); ``encoding`` is the CSV's (default:
    detected). Cells are neutralised against spreadsheet formulas.
    """

    def __init__(
        self,
        firms: str,
        first: Rules,
        second: Rules,
        as_of: dt.date | None = None,
        encoding: str | None = None,
    ) -> None:
        self.firms = firms
        self.first = first
        self.second = second
        self.as_of = as_of
        self.encoding = encoding
        self.invalid = 0
        self._audit = [first.sha256, second.sha256, __version__]

    @property
    def header(self) -> list[str]:
        """The column names: ``line, name, benefit, status_a, status_b, max_a_cny, max_b_cny, why`` and the audit."""
        return [*DIFF_COLUMNS, *AUDIT_COLUMNS]

    @property
    def exit_code(self) -> int:
        """1 once a firm could not be read, else 0."""
        return EXIT_DATA if self.invalid else EXIT_OK

    def __iter__(self) -> Iterator[list[str]]:
        """The rows, read and scored as they are taken (each iteration reads the firms again)."""
        self.invalid = 0
        if is_profile_file(self.firms):
            profile = load_profile(self.firms)
            yield from self._changes("", profile.name, profile)
            return
        source = open_input(self.firms, self.encoding)
        try:
            rows = read_rows(source.stream)
            head = next(rows, None)
            if head is None:
                raise InputError(Problem("has no header row", file=self.firms))
            header = map_header(head[1], source.name, ignore_unknown=False)
            for line, row in rows:
                data = {key: cell for key, cell in zip(header.keys, row, strict=False) if key is not None}
                try:
                    profile = build_profile(data, f"line {line}")
                except ProfileError as exc:
                    self.invalid += 1
                    why = "; ".join(_unplaced(p) for p in exc.problems)
                    cells = [str(line), data.get("name", ""), "", "invalid", "invalid", "", "", why]
                    yield [*map(neutralise, cells), *self._audit]
                    continue
                yield from self._changes(line, profile.name, profile)
        finally:
            source.close()

    def _changes(self, line: int | str, name: str, profile: Profile) -> Iterator[list[str]]:
        """One row per line whose status or maximum differs between the two rule sets."""
        for change in compare(profile, self.first, self.second, self.as_of):
            yield [*map(neutralise, change.cells(line, name)), *self._audit]


def _unplaced(problem: Problem) -> str:
    """A row's problem without its place (the row is the line of the output): ``sme: 'maybe' is not ...``."""
    return str(dataclasses.replace(problem, file=None, line=None))
