"""Batch scoring: rows of a county's CSV in, one output row per input row, in order, streaming.

A chunk of rows is read and scored by ``rowscore.RowScorer`` (the fast path, which never disagrees with
the engine) and written here as CSV or JSONL text; chunks are scored in this process or in a pool,
at most a few in flight, and come back in input order.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from . import __version__
from .catalog import Catalog
from .csvio import BadRow, Header, neutralise
from .engine import Assessment, assess_rules, evaluation_date
from .formats import assessment_dict, cny
from .layers import Rules
from .profile import Profile
from .rowscore import Group, RowScorer, Stats, visible_row

OutputFormat = Literal["csv", "jsonl"]
FIXED_COLUMNS = ("line", "name", "credit_code", "row_status", "row_errors")
TOTAL_COLUMNS = ("eligible_cash_max_cny", "potential_cash_max_cny")
AUDIT_COLUMNS = ("rules_sha256", "tool_version")  # which rules scored the row, for the audit trail
LONG_COLUMNS = (*FIXED_COLUMNS, "benefit", "status", "max_award_cny", "min_award_cny", *AUDIT_COLUMNS)
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def wide_columns(catalog: Catalog) -> list[str]:
    columns = list(FIXED_COLUMNS)
    for benefit in catalog.benefits:
        columns += [f"{benefit.id}_status", f"{benefit.id}_max_cny"]
    return [*columns, *TOTAL_COLUMNS, *AUDIT_COLUMNS]


def header_row(catalog: Catalog, long: bool) -> list[str]:
    return list(LONG_COLUMNS) if long else wide_columns(catalog)


def _quote(cell: str) -> str:
    """A cell as csv.writer (QUOTE_MINIMAL) writes it."""
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if _NEEDS_QUOTES.search(cell) else cell


@dataclass
class Job:
    """Everything a worker needs to score rows."""

    rules: Rules
    header: Header
    overrides: dict[str, Any]
    as_of: dt.date | None
    today: dt.date
    output_format: OutputFormat
    long: bool
    lang: str


# A condition's outcomes for every line, packed into one int: four fields of one bit a line,
# "gate false", "gate unknown", "met false", "met unknown" (gate: scope and requires; met: qualifies).
class ChunkWriter:
    """Scores chunks of rows with a RowScorer and writes them as output text."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.scorer = scorer = RowScorer(job)
        self.catalog, self.benefits, self.ids, self.audit = scorer.catalog, scorer.benefits, scorer.ids, scorer.audit
        self.width, self.name_index, self.code_index = scorer.width, scorer.name_index, scorer.code_index
        # Rules that vary by district or date, or that act across lines, are judged by the engine row by
        # row (slower, always right); the scorer's masks assume one set of plain values for every row.
        rules = job.rules
        self.general = bool(rules.change_dates or rules.districts or rules.caps or rules.exclusive)

    def run(self, chunk: list[tuple[int, list[str]]], check_bytes: bool) -> tuple[str, Stats]:
        """One chunk of rows as output text. Valid rows are joined by hand: their computed cells (statuses
        and amounts) never need quoting, and csv.writer costs more than the scoring on an 89-cell row."""
        buffer = io.StringIO()
        write = buffer.write
        stats = Stats.empty(len(self.benefits))
        jsonl, long = self.job.output_format == "jsonl", self.job.long
        seen: dict[int, Group] = {}
        if check_bytes:  # bytes the encoding could not read are shown as \ufffd[xx], never dropped
            chunk = [(line, visible_row(row)) for line, row in chunk]
        parsed = self.scorer.parse(
            [row for _, row in chunk if len(row) == self.width and not isinstance(row, BadRow)], check_bytes
        )
        position = -1
        for line, row in chunk:
            stats.rows += 1
            name = row[self.name_index].strip() if self.name_index < len(row) else ""
            code = row[self.code_index].strip() if self.code_index is not None and self.code_index < len(row) else ""
            if len(row) != self.width or isinstance(row, BadRow):
                problem = row.error if isinstance(row, BadRow) else self.scorer.ragged(row)
                self._invalid(line, name, code, [problem], row, buffer, stats)
                continue
            position += 1
            errors = parsed.errors.get(position)
            if errors:
                self._invalid(line, name, code, errors, row, buffer, stats)
                continue
            head = f"{line},{_quote(neutralise(name))},{_quote(neutralise(code))},valid,"
            if jsonl:
                self._jsonl(line, parsed.row(position), buffer, stats)
            elif self.general:
                wide, cells = self._engine_cells(parsed.row(position), stats)
                if long:
                    for benefit_id, (status, high, low) in zip(self.ids, cells, strict=True):
                        write(f"{head},{benefit_id},{status},{high},{low},{self.audit}\r\n")
                else:
                    write(f"{head},{wide},{self.audit}\r\n")
            else:
                try:
                    text, group = self.scorer.score(parsed, position, stats)
                except ArithmeticError as exc:  # a figure no rule can use: the row, not the run, fails
                    self._invalid(line, name, code, [f"a figure cannot be used: {exc}"], row, buffer, stats)
                    continue
                seen[id(group)] = group
                if long:
                    cells = self.scorer.long_cells(group, parsed, position)
                    for benefit_id, (status, high, low) in zip(self.ids, cells, strict=True):
                        write(f"{head},{benefit_id},{status},{high},{low},{self.audit}\r\n")
                else:
                    write(f"{head},{text},{self.audit}\r\n")
        for group in seen.values():  # the lines with fixed amounts, counted once per group
            for index, high in group.eligible_highs:
                stats.eligible_firms[index] += group.rows
                if high is not None:
                    stats.eligible_sums[index] += high * group.rows
            group.rows = 0
        return buffer.getvalue(), stats

    def _invalid(
        self, line: int, name: str, code: str, errors: list[str], row: list[str], buffer: io.StringIO, stats: Stats
    ) -> None:
        stats.invalid += 1
        if self.job.output_format == "jsonl":
            cells = self.job.header.cells
            document = {
                "line": line,
                "row_status": "invalid",
                "rules_sha256": self.catalog.rules_sha256,
                "tool_version": __version__,
                "row_errors": errors,
                "input": dict(zip(cells, row, strict=False)),
                "extra_cells": row[len(cells) :],
            }
            buffer.write(json.dumps(document, ensure_ascii=False) + "\n")
            return
        head = [str(line), neutralise(name), neutralise(code), "invalid", neutralise("; ".join(errors))]
        blank = 4 if self.job.long else 2 * len(self.benefits) + 2
        csv.writer(buffer, lineterminator="\r\n").writerow(head + [""] * blank + self.audit.split(","))

    def _assess(self, values: dict[str, Any], stats: Stats) -> Assessment:
        """The engine's own judgement of one row, counted into ``stats``."""
        profile = Profile(**values)
        assessment = assess_rules(profile, self.job.rules, evaluation_date(profile, self.job.as_of, self.job.today))
        for index, result in enumerate(assessment.results):
            if result.status == "eligible":
                stats.eligible_firms[index] += 1
                if result.max_award is not None:
                    stats.eligible_sums[index] += result.max_award
        return assessment

    def _jsonl(self, line: int, values: dict[str, Any], buffer: io.StringIO, stats: Stats) -> None:
        document = {"line": line, "row_status": "valid", **assessment_dict(self._assess(values, stats), self.job.lang)}
        buffer.write(json.dumps(document, ensure_ascii=False) + "\n")

    def _engine_cells(self, values: dict[str, Any], stats: Stats) -> tuple[str, list[tuple[str, str, str]]]:
        """The wide cells and the per-line cells of one row, from the engine (the general path)."""
        assessment = self._assess(values, stats)
        lines = []
        for result in assessment.results:
            if result.status_if_in_force == "ineligible":
                lines.append((result.status, "", ""))
            else:
                high, low, _ = self.scorer.cells(self.ids.index(result.benefit.id), result.amount)
                lines.append((result.status, high, low))
        totals = assessment.totals
        wide = ",".join(
            [
                *(f"{status},{high}" for status, high, _ in lines),
                cny(totals.eligible_cash_max) or "",
                cny(totals.potential_cash_max) or "",
            ]
        )
        return wide, lines


# -- running it ----------------------------------------------------------------------------------------------------

_WORKER: ChunkWriter | None = None


def _quiet_gc() -> None:
    """Rows allocate many short-lived containers; what lives on (the catalogue, caches) need not be rescanned."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _init_worker(job: Job) -> None:
    global _WORKER
    _WORKER = ChunkWriter(job)
    _quiet_gc()


def _work(args: tuple[list[tuple[int, list[str]]], bool]) -> tuple[str, Stats]:
    assert _WORKER is not None
    return _WORKER.run(*args)


def chunks(rows: Iterable[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_stream(
    job: Job, rows: Iterable[tuple[int, list[str]]], jobs: int, bad_bytes: Callable[[], bool], chunk_size: int = 2000
) -> Iterator[tuple[str, Stats]]:
    """Output text and stats per chunk, in input order; at most ``2 * jobs`` chunks in flight."""
    if jobs <= 1:
        scorer = ChunkWriter(job)
        _quiet_gc()
        for chunk in chunks(rows, chunk_size):
            yield scorer.run(chunk, bad_bytes())
        return
    import multiprocessing
    from collections import deque

    ChunkWriter(job)  # fail here, not in workers that a pool would restart forever
    with multiprocessing.get_context().Pool(jobs, initializer=_init_worker, initargs=(job,)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks(rows, chunk_size):
            pending.append(pool.apply_async(_work, ((chunk, bad_bytes()),)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
