"""Batch scoring: rows of a county's CSV in, one output row per input row, in order, streaming.

The input comes as blocks of whole rows (``csvblocks``). A block is decoded, read and scored by
``rowscore.RowScorer`` (the fast path, which never disagrees with the engine) and written here as CSV
or JSONL; blocks are scored in this process or in worker processes, at most a few in flight, and their
output is written in input order.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import datetime as dt
import errno
import gc
import io
import itertools
import json
import os
import queue
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

from subsidy_cli import i18n
from subsidy_cli.batch.blocks import Block, RowBlock, read_block
from subsidy_cli.batch.csvio import (
    ENCODING_NAMES,
    FORMULA_STARTS,
    BadRow,
    Header,
    InputError,
    apply_units,
    neutralise,
    other_encoding,
    safe_cell,
    safe_cells,
    visible_row,
)
from subsidy_cli.batch.job import Job
from subsidy_cli.batch.rowscore import Memo, RowScorer, Scored, lookup
from subsidy_cli.engine.assess import evaluation_date
from subsidy_cli.engine.compiled import Judge
from subsidy_cli.engine.evaluate import open_ended
from subsidy_cli.errors import Notice
from subsidy_cli.i18n import N_, tr
from subsidy_cli.output.files import spool_folder
from subsidy_cli.output.formats import Documents
from subsidy_cli.output.summary import Stats, best_status
from subsidy_cli.profile import controls
from subsidy_cli.profile.creditcode import shown_code
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.version import __version__

_FLUSH = 1 << 20  # characters of output held before they are written
FIXED_COLUMNS = ("line", "name", "credit_code", "row_status", "row_errors", "row_warnings")
TOTAL_COLUMNS = ("eligible_cash_max_cny", "potential_cash_max_cny")
AUDIT_COLUMNS = ("rules_sha256", "tool_version")  # which rules scored the row, for the audit trail
LONG_COLUMNS = (*FIXED_COLUMNS, "benefit", "status", "max_award_cny", "min_award_cny", *AUDIT_COLUMNS)
MISSING_COLUMN = "missing"  # the facts still missing, after the audit columns
IN_FORCE_TOTAL_COLUMNS = ("eligible_cash_max_if_in_force_cny", "potential_cash_max_if_in_force_cny")
LONG_MORE_COLUMNS = ("status_if_in_force", MISSING_COLUMN)  # after the audit columns of --long
INPUT_COLUMN = N_("(input) {cell}")  # an input column carried through, by its heading
# the signals that stop a run (SIGHUP is missing on Windows)
_STOPS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}


def carried(header: Header) -> list[int]:
    """The input columns every output row carries, in order: those with a heading (a column with none holds
    nothing in a valid row)."""
    return [index for index, cell in enumerate(header.cells) if cell.strip()]


def wide_columns(catalog: Catalog, header: Header | None = None, more: bool = False) -> list[str]:
    """The columns of the wide CSV output, as scripts read them: the row, each line's status and maximum, the
    totals and the audit trail (these never move); ``more`` (``--all-columns``): then each line's status if in
    force and the totals if in force, the minimum of each open-ended line, the facts still missing, and
    ``header``'s columns as given."""
    columns = list(FIXED_COLUMNS)
    for benefit in catalog.benefits:
        columns += [f"{benefit.id}_status", f"{benefit.id}_max_cny"]
    columns += [*TOTAL_COLUMNS, *AUDIT_COLUMNS]
    if not more:
        return columns
    columns += [f"{benefit.id}_status_if_in_force" for benefit in catalog.benefits]
    columns += IN_FORCE_TOTAL_COLUMNS
    columns += [f"{line_id}_min_cny" for line_id in open_ended(catalog)]
    return [*columns, MISSING_COLUMN, *_input_columns(header, "en")]


def _input_columns(header: Header | None, lang: str) -> list[str]:
    if header is None:
        return []
    return [tr(lang, INPUT_COLUMN, cell=header.cells[index]) for index in carried(header)]


def people_columns(catalog: Catalog, long: bool, header: Header | None, lang: str) -> list[str]:
    """The columns of ``header_row`` in words of ``lang``, for people (``--excel``): each line by its id and
    title (``1a 智能化改造项目贷款市级贴息奖励 状态``)."""
    fixed = [tr(lang, "Row"), tr(lang, "Name"), tr(lang, "Credit code"), tr(lang, "Row status"), tr(lang, "Problems")]
    fixed.append(tr(lang, "Warnings"))
    audit = [tr(lang, "Rules hash (SHA-256)"), tr(lang, "Tool version")]
    missing = tr(lang, "Facts still missing")
    if long:
        lines = [tr(lang, "Line"), tr(lang, "Status"), tr(lang, "Max award (CNY)"), tr(lang, "Min award (CNY)")]
        return [*fixed, *lines, *audit, tr(lang, "Status if in force"), missing, *_input_columns(header, lang)]
    columns = list(fixed)
    titles = {benefit.id: benefit.title(lang) for benefit in catalog.benefits}
    for line_id, title in titles.items():
        columns.append(tr(lang, "{benefit_id} {title} status", benefit_id=line_id, title=title))
        columns.append(tr(lang, "{benefit_id} {title} max (CNY)", benefit_id=line_id, title=title))
    columns += [tr(lang, "Eligible cash, max (CNY)"), tr(lang, "Potential cash, max (CNY)"), *audit]
    columns += [
        tr(lang, "{benefit_id} {title} status if in force", benefit_id=line_id, title=title)
        for line_id, title in titles.items()
    ]
    columns += [tr(lang, "Eligible cash if in force, max (CNY)"), tr(lang, "Potential cash if in force, max (CNY)")]
    columns += [
        tr(lang, "{benefit_id} {title} min (CNY)", benefit_id=line_id, title=titles[line_id])
        for line_id in open_ended(catalog)
    ]
    return [*columns, missing, *_input_columns(header, lang)]


def header_row(
    catalog: Catalog,
    long: bool,
    header: Header | None = None,
    excel: bool = False,
    lang: str = "en",
    more: bool = False,
) -> list[str]:
    """The header of the CSV output (``long``: one row per firm and line): the stable names scripts read, or with
    ``excel`` the same columns in words of ``lang`` for people; ``more`` (``--all-columns``, which ``--excel``
    implies): with the columns after the audit trail, and the input columns of ``header`` carried at the end."""
    if excel:
        return people_columns(catalog, long, header, lang)
    if long:
        return [*LONG_COLUMNS, *LONG_MORE_COLUMNS, *_input_columns(header, "en")] if more else list(LONG_COLUMNS)
    return wide_columns(catalog, header, more)


class ChunkWriter:
    """Scores chunks of rows and writes them as output text.

    Each row is judged by the rules in force on its evaluation date for its district: rows are dispatched to
    the scorer of their snapshot (one ``RowScorer`` per compiled snapshot, made when a row first needs it).
    """

    def __init__(self, job: Job, share: int = 1) -> None:
        """``share``: how many writers run side by side (``diff`` runs two); the scorers share memory."""
        self.job = job
        self.judge = Judge(job.rules)
        rules = job.rules
        self.share = share * (len(rules.change_dates) + 1) * (len(rules.districts) + 1)
        self.documents = Documents(self.judge, job.lang)
        self.scorers: dict[tuple[int, str | None], RowScorer] = {}
        self.tables: dict[Any, Any] = {}  # outcome memories shared by scorers whose snapshots judge alike
        self.scorer = scorer = self._scorer(dt.date.min, None)  # the first values: one snapshot for plain rules
        self.catalog, self.benefits, self.ids, self.audit = scorer.catalog, scorer.benefits, scorer.ids, scorer.audit
        self.width, self.name_index, self.code_index = scorer.width, scorer.name_index, scorer.code_index
        self.varies = bool(rules.change_dates or rules.districts)  # rows may need different snapshots
        keys, overrides = job.header.keys, job.overrides
        dated = job.as_of is None and "application_date" not in overrides and "application_date" in keys
        self.fixed_date = job.as_of or overrides.get("application_date") or job.today
        self.date_column = keys.index("application_date") if dated else None
        placed = "district" not in overrides and "district" in keys
        self.fixed_district = overrides.get("district")
        self.district_column = keys.index("district") if placed else None
        self.intervals = Memo()  # date text -> (the interval of change dates it falls in, the date)
        self.places = Memo()  # district text -> (the district, where the rules single it out, else None,)
        self.warning_cells = Memo()  # a row's warnings -> their output cell
        self.carry = carried(job.header)  # the input columns every output row carries
        self.scaled = [index for index, unit in enumerate(job.header.units) if unit]  # read in 万 or 亿
        # cells after the audit columns: the statuses if in force, their totals, the minima, the facts still missing
        self.more = 1 + len(open_ended(job.rules.first())) + len(self.benefits) + len(IN_FORCE_TOTAL_COLUMNS)
        self.valid_word = safe_cell(tr(job.lang, "valid")) if job.excel else "valid"
        self.invalid_word = tr(job.lang, "invalid") if job.excel else "invalid"

    def _scorer(self, date: dt.date, district: str | None) -> RowScorer:
        key = self.job.rules.key(date, district)
        found = self.scorers.get(key)
        if found is None:
            compiled = self.judge.compiled(date, district)
            found = self.scorers[key] = RowScorer(self.job, compiled, self.share, self.tables)
        return found

    def _interval(self, text: str) -> tuple[int, dt.date]:
        """Which interval of the rules' change dates a row's date text falls in (a text that cannot be read
        counts as no date: the row is invalid anyway)."""
        date = (self.scorer.value("application_date", text, False)[0] if text else None) or self.fixed_date
        return self.job.rules.key(date, None)[0], date

    def _place(self, text: str) -> tuple[str | None]:
        """A row's district as the rules single it out (None: one the rules do not), kept in a tuple so that a
        memory can hold it."""
        district = (self.scorer.value("district", text, False)[0] if text else None) or self.fixed_district
        return (self.job.rules.key(dt.date.min, district)[1],)

    def _route(self, interval: tuple[int, dt.date], place: tuple[str | None]) -> RowScorer:
        """The scorer of a row's snapshot, from its date's interval and its district (the snapshot's key)."""
        return self.scorers.get((interval[0], place[0])) or self._scorer(interval[1], place[0])

    def run_block(self, block: Block, out: BinaryIO) -> Stats:
        """Decode, read and score one block of input, writing its output to ``out`` (UTF-8); the messages in the
        rows are in the job's language. The stats count the rows read in each encoding."""
        previous = i18n.active()
        i18n.use(self.job.lang)
        try:
            try:
                read = read_block(block, self.job.encoding)
            except InputError as exc:
                raise InputError(f"{self.job.source}: {exc}") from None
            rows = read.rows
            originals = {  # the cells of columns read in 万 or 亿 as typed (the output carries the input as given)
                index: [row[index] if index < len(row) else "" for row in rows] for index in self.scaled
            }
            apply_units(rows, self.job.header)
            controls = not block.data or b"\x00" in block.data or b"\x01" in block.data  # see _inputs
            stats = self.run(read.lines, rows, read.bad_bytes, out, read.cleaned, originals, controls)
        finally:
            i18n.use(previous)
        stats.input_bytes = len(block.data)
        if not isinstance(block, RowBlock):  # a workbook's cells have no encoding
            main = self.job.encoding.lower()
            stats.encodings[ENCODING_NAMES.get(main, main)] += len(read.rows) - len(read.other_lines)
            if read.other_lines:
                other = other_encoding(main) or ""
                stats.encodings[ENCODING_NAMES.get(other, other)] += len(read.other_lines)
                stats.encoding_lines = read.other_lines[:20]
        return stats

    def score(self, rows: list[list[str]], check_bytes: bool, stats: Stats, detail: bool = False) -> Scored:
        """Rows of the right width scored, each by the scorer of its snapshot (``detail``: see ``Scored``)."""
        cells = self.job.output_format != "jsonl"
        if not self.varies or not rows:
            return self.scorer.score(rows, check_bytes, stats, cells, detail)
        count = len(rows)
        dates = [row[self.date_column] for row in rows] if self.date_column is not None else [""] * count
        places = [row[self.district_column] for row in rows] if self.district_column is not None else [""] * count
        intervals = lookup(self.intervals, dates, self._interval)
        districts = lookup(self.places, places, self._place)
        scorers = list(map(self._route, intervals, districts))
        first = scorers[0]
        if all(scorer is first for scorer in scorers):
            return first.score(rows, check_bytes, stats, cells, detail)
        pieces: dict[int, tuple[RowScorer, list[int]]] = {}
        for position, scorer in enumerate(scorers):
            pieces.setdefault(id(scorer), (scorer, []))[1].append(position)
        return Scored.merge(
            count,
            [
                (positions, scorer.score([rows[i] for i in positions], check_bytes, stats, cells, detail))
                for scorer, positions in pieces.values()
            ],
        )

    def run(
        self,
        lines: list[int],
        rows: list[list[str]],
        check_bytes: bool,
        out: BinaryIO,
        cleaned: dict[int, list[tuple[int, str]]] | None = None,
        originals: dict[int, list[str]] | None = None,
        controls: bool = True,
    ) -> Stats:
        """One chunk of rows written to ``out`` (UTF-8). Valid rows are joined by hand, as bytes: their computed
        cells (statuses and amounts) never need quoting, and csv.writer costs more than the scoring on an
        89-cell row; only the name, credit code and warnings, and the input columns carried at the end, need care
        (see ``_inputs``). Rows that are not all valid, ``--long`` and JSONL are written as they are made, a few
        at a time, so that memory does not grow with the output. ``cleaned``: per row position, the cells control
        characters were taken out of (a warning each); ``originals``: per column read in 万 or 亿, its cells as
        typed (the rows hold them with the unit added); ``controls``: see ``_inputs``."""
        stats = Stats.empty(len(self.benefits))
        stats.rows = len(rows)
        width = self.width
        originals = originals or {}
        if set(map(len, rows)) <= {width} and BadRow not in set(map(type, rows)):
            whole = rows
        else:  # a BadRow of a workbook keeps its cells, so has the width: it is not scored either
            whole = [row for row in rows if len(row) == width and not isinstance(row, BadRow)]
        scored = self.score(whole, check_bytes, stats)
        taken = self._control_notices(cleaned) if cleaned else {}
        jsonl = self.job.output_format == "jsonl"
        audit = self.audit
        all_valid = len(whole) == len(rows) and not scored.problems
        more = self.job.more
        if all_valid and not (jsonl or self.job.long) and rows:  # the common case, at speed
            names, codes = safe_cells(scored.names), scored.codes  # valid credit codes need no care
            valid = self.valid_word
            warned = _joined(taken, scored.warnings)
            if warned:
                shown = [""] * len(lines)
                for position, notices in warned.items():
                    shown[position] = self._warning_cell(notices)
                heads = [
                    f"{line},{name},{code},{valid},,{warnings},"
                    for line, name, code, warnings in zip(lines, names, codes, shown, strict=True)
                ]
            else:
                trios = zip(lines, names, codes, strict=True)
                heads = [f"{line},{name},{code},{valid},,," for line, name, code in trios]
            data = _encoded(heads)
            bodies = cast("list[bytes]", scored.bodies)  # every row is valid here: each has its cells
            if not more:
                tail = f",{audit}\r\n".encode()
                out.write(b"".join(itertools.chain.from_iterable(zip(data, bodies, itertools.repeat(tail)))))
                return stats
            tail = f",{audit},".encode()
            extras, missing = cast("list[bytes]", scored.extras), cast("list[bytes]", scored.missing)
            inputs = self._inputs(rows, originals, check_bytes, controls)
            comma = itertools.repeat(b",")
            pieces = zip(data, bodies, itertools.repeat(tail), extras, missing, comma, inputs)
            out.write(b"".join(itertools.chain.from_iterable(pieces)))
            return stats
        buffer = io.StringIO()
        write = buffer.write
        position = -1
        identity = (self.name_index, self.code_index)
        for at, (line, row) in enumerate(zip(lines, rows, strict=True)):
            if buffer.tell() > _FLUSH:
                out.write(buffer.getvalue().encode())
                buffer.seek(0)
                buffer.truncate()
            shown = visible_row(row) if check_bytes else row  # bytes the encoding could not read: \ufffd[xx]
            name, code = (shown[i].strip() if i is not None and i < len(shown) else "" for i in identity)
            notices = taken.get(at, [])
            given = self._given(shown, at, originals) if more else []
            if len(row) != width or isinstance(row, BadRow):
                problem = row.error if isinstance(row, BadRow) else self.scorer.ragged(shown)
                self._invalid(line, name, code, [problem], notices, shown, given, buffer, stats)
                continue
            position += 1
            notices = notices + scored.warnings.get(position, [])
            problems = scored.problems.get(position)
            if problems:
                self._invalid(line, name, code, problems, notices, shown, given, buffer, stats)
                continue
            head = f"{line},{safe_cell(name)},{safe_cell(code)},{self.valid_word},,{self._warning_cell(notices)}"
            as_given = ",".join(map(safe_cell, given))
            if jsonl:
                self._jsonl(line, self.scorer.values(row), notices, buffer, stats, given if more else None)
            elif scored.longs is not None:
                cells = scored.longs[position]
                assert cells is not None  # a valid row
                if not more:
                    for benefit_id, (status, high, low, _) in zip(self.ids, cells, strict=True):
                        write(f"{head},{benefit_id},{status},{high},{low},{audit}\r\n")
                    continue
                lacking = cast("list[bytes]", scored.missing)[position].decode()
                for benefit_id, (status, high, low, judged) in zip(self.ids, cells, strict=True):
                    write(f"{head},{benefit_id},{status},{high},{low},{audit},{judged},{lacking},{as_given}\r\n")
            elif not more:
                body = scored.bodies[position]
                assert body is not None  # a valid row
                write(f"{head},{body.decode()},{audit}\r\n")
            else:
                body, after = scored.bodies[position], cast("list[bytes]", scored.extras)[position]
                lacking = cast("list[bytes]", scored.missing)[position].decode()
                assert body is not None  # a valid row
                write(f"{head},{body.decode()},{audit},{after.decode()}{lacking},{as_given}\r\n")
        out.write(buffer.getvalue().encode())
        return stats

    def _inputs(
        self, rows: list[list[str]], originals: dict[int, list[str]], check_bytes: bool, controls: bool = True
    ) -> list[bytes]:
        """The input columns carried through, as CSV bytes per row, each ending the row (CRLF), cell for cell as
        ``safe_cell`` writes them. The chunk's cells are joined at once (by _NUL, rows by _ROW) and written as
        they are, but for the rows where a cell needs care (a quote, a comma, a line break, or a formula's first
        character), found by searching the joined text, which csv.writer writes after neutralising formulas.
        ``controls``: whether a cell may hold _NUL or _ROW (False when the block's bytes hold neither)."""
        count, width = len(rows), len(self.carry)
        chosen: list[list[str]] = rows
        if width != self.width or originals or check_bytes:
            chosen = [self._given(visible_row(row) if check_bytes else row, n, originals) for n, row in enumerate(rows)]
        texts = list(map(_NUL.join, chosen))
        joined = _ROW.join(texts)
        if width < 2 or (
            controls and (joined.count(_ROW) != count - 1 or joined.count(_NUL) != count * (width - 1))
        ):  # a cell holds a separator used here (or csv.writer would quote a lone empty cell): row by row
            return [f"{','.join(map(safe_cell, row))}{_END}".encode() for row in chosen]
        careful, formulas = _careful_rows(joined, texts)
        if careful:
            fixed = [list(map(neutralise, chosen[row])) if row in formulas else chosen[row] for row in careful]
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator=_END + _ROW).writerows(fixed)  # (CR and LF in it: quoted)
            for row, text in zip(careful, buffer.getvalue().split(_END + _ROW), strict=False):
                texts[row] = text
            joined = _ROW.join(texts)
        return (joined.encode().replace(b"\x00", b",").replace(b"\x01", b"\r\n\x01") + b"\r\n").split(b"\x01")

    def _given(self, row: list[str], number: int, originals: dict[int, list[str]]) -> list[str]:
        """One row's input columns carried through, as typed (a cell missing from a short row is empty; a resident
        identity number in the credit-code column masked, as everywhere the row is written)."""
        cells = [
            originals[index][number] if index in originals else (row[index] if index < len(row) else "")
            for index in self.carry
        ]
        if self.code_index is not None and self.code_index in self.carry:
            at = self.carry.index(self.code_index)
            cells[at] = shown_code(cells[at])
        return cells

    def _invalid(
        self,
        line: int,
        name: str,
        code: str,
        errors: list[str],
        notices: list[Notice],
        row: list[str],
        given: list[str],
        buffer: io.StringIO,
        stats: Stats,
    ) -> None:
        """An invalid row: its errors and warnings, no results, and its input columns (``given``). A resident
        identity number in the credit-code column is masked wherever the row is written."""
        stats.invalid += 1
        code = shown_code(code)
        at = self.code_index
        if at is not None and at < len(row) and row[at]:
            row = [*row[:at], shown_code(row[at]), *row[at + 1 :]]
        if self.job.output_format == "jsonl":
            cells = self.job.header.cells
            document = {
                "line": line,
                "row_status": "invalid",
                "rules_sha256": self.catalog.rules_sha256,
                "tool_version": __version__,
                "row_errors": errors,
                "row_warnings": [str(notice) for notice in notices],
                "input": dict(zip(cells, row, strict=False)),
                "extra_cells": row[len(cells) :],
            }
            buffer.write(json.dumps(document, ensure_ascii=False) + "\n")
            return
        head = [str(line), neutralise(name), neutralise(code), self.invalid_word, neutralise("; ".join(errors))]
        head.append(neutralise(_words(notices)))
        written = [*head, *[""] * (4 if self.job.long else 2 * len(self.benefits) + 2), *self.audit.split(",")]
        if self.job.more:  # the columns after the audit trail, empty, and the input columns
            written += [""] * (len(LONG_MORE_COLUMNS) if self.job.long else self.more)
            written += map(neutralise, given)
        csv.writer(buffer, lineterminator="\r\n").writerow(written)

    def _warning_cell(self, notices: list[Notice]) -> str:
        """A row's warnings as their CSV cell (``_words``, made safe), remembered: rows share them."""
        key = tuple(notices)
        found = self.warning_cells.get(key)
        if found is None:
            found = self.warning_cells.remember(key, safe_cell(_words(notices)))
        return str(found)

    def _control_notices(self, cleaned: dict[int, list[tuple[int, str]]]) -> dict[int, list[Notice]]:
        """Per row position, a warning for each cell control characters were taken out of."""
        cells, keys = self.job.header.cells, self.job.header.keys
        found: dict[int, list[Notice]] = {}
        for position, taken in cleaned.items():
            found[position] = [
                controls.notice(
                    removed,
                    keys[index] if index < len(keys) else None,
                    cells[index] if index < len(cells) and cells[index].strip() else f"column {index + 1}",
                )
                for index, removed in taken
            ]
        return found

    def _jsonl(
        self,
        line: int,
        values: dict[str, Any],
        notices: list[Notice],
        buffer: io.StringIO,
        stats: Stats,
        given: list[str] | None = None,
    ) -> None:
        """One valid row's document (as ``check --format json`` gives it, after its line, row status and row
        warnings, with the input columns as given at the end, ``input``), counted into ``stats``."""
        profile = Profile(**values)
        date = evaluation_date(profile, self.job.as_of, self.job.today)
        head = {"line": line, "row_status": "valid", "row_warnings": [str(notice) for notice in notices]}
        text, verdict = self.documents.json(profile, date, head, notices)
        for index, (status, judged, high) in enumerate(
            zip(verdict.statuses, verdict.in_force, verdict.max_awards, strict=True)
        ):
            stats.status_firms[status][index] += 1
            if status != judged:
                stats.in_force_change[status][index] -= 1
                stats.in_force_change[judged][index] += 1
                if high is not None:
                    change = (judged == "eligible") - (status == "eligible")
                    stats.in_force_sums_change[index] += high * change
            if status == "eligible":
                stats.eligible_firms[index] += 1
                if high is not None:
                    stats.eligible_sums[index] += high
            elif status == "potential" and high is not None:
                stats.potential_sums[index] += high
        best = best_status(set(verdict.statuses))
        stats.best[best] += 1
        best_in_force = best_status(set(verdict.in_force))
        stats.in_force_best[best_in_force] += 1
        district = profile.district or ""
        stats.add_district(
            district,
            1,
            verdict.eligible_cash_max,
            verdict.potential_cash_max,
            1 if best == "eligible" else 0,
            1 if best_in_force == "eligible" else 0,
        )
        if verdict.statuses != verdict.in_force:
            stats.out_of_window += 1
            compiled = self.judge.compiled(date, profile.district)
            eligible, potential, _ = compiled.totals(list(verdict.in_force), list(verdict.amounts), values)
            stats.shift_district(district, eligible - verdict.eligible_cash_max, potential - verdict.potential_cash_max)
        stats.blank.update(key for key in KEYS if key not in ("name", "credit_code") and values.get(key) is None)
        if given is not None:
            cells = self.job.header.cells
            carried = {cells[index]: cell for index, cell in zip(self.carry, given, strict=True)}
            inputs = json.dumps(carried, ensure_ascii=False)
            text = f'{text[:-1]}, "input": {inputs}}}'
        buffer.write(text + "\n")


def _joined(first: dict[int, list[Notice]], second: dict[int, list[Notice]]) -> dict[int, list[Notice]]:
    """Two sets of warnings by row position, together (``first``'s of a row before ``second``'s)."""
    if not first:
        return second
    joined = {position: list(notices) for position, notices in first.items()}
    for position, notices in second.items():
        joined.setdefault(position, []).extend(notices)
    return joined


def _words(notices: list[Notice]) -> str:
    """A row's warnings in one cell, as its errors are: ``heading: message; heading: message``."""
    return "; ".join(map(str, notices))


_NUL, _ROW, _END = "\x00", "\x01", "\r\n"  # between cells and rows while the input columns are joined (_inputs)
_QUOTED = ('"', ",", "\r", "\n")  # a cell holding one is quoted


def _careful_rows(joined: str, texts: list[str]) -> tuple[list[int], set[int]]:
    """The rows (of ``texts``, each a row's cells joined by _NUL; ``joined``: them joined by _ROW) where a cell needs
    care, in order, and those of them where a cell starts as a formula would (``FORMULA_STARTS``): found by
    searching the whole chunk once per character, and going from each place found to its row."""
    found: set[int] = set()
    formulas = {0} if joined.startswith(FORMULA_STARTS) else set()
    starts: list[int] | None = None
    marks = [(mark, found) for mark in _QUOTED]
    marks += [(stop + start, formulas) for start in FORMULA_STARTS if start in joined for stop in (_NUL, _ROW)]
    for mark, into in marks:
        at = joined.find(mark)
        while at >= 0:
            if starts is None:  # where each row starts in the joined text
                starts = list(itertools.accumulate((len(text) + 1 for text in texts), initial=0))
            row = bisect.bisect_right(starts, at + len(mark) - 1) - 1
            into.add(row)
            at = joined.find(mark, starts[row + 1] - 1 if row + 1 < len(starts) else len(joined))  # the next row
    return sorted(found | formulas), formulas


def _encoded(texts: list[str]) -> list[bytes]:
    """Texts as UTF-8, encoded together (one call for a chunk) unless one holds a NUL."""
    data = "\x00".join(texts).encode().split(b"\x00")
    return data if len(data) == len(texts) else [text.encode() for text in texts]


# -- running it ----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Rows allocate many short-lived containers; what lives on (the catalogue, caches) need not be rescanned.
    The collector's settings are put back afterwards, so that a Python caller's process is as it was."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _serve(job: Job, tasks: Any, results: Any, folder: str) -> None:
    """A worker process: score (number, block, spool) tasks until a None, writing each block's output to its
    spool file in ``folder``, which the main process copies into the output in the kernel (os.sendfile):
    sending megabytes back through a pipe costs more than the scoring. Reports (number, stats, error).

    Signals are the main process's to handle (it stops the workers, with SIGTERM); a worker whose main process
    is gone (killed by SIGKILL, which cannot be handled) removes the spool folder and ends, told by the
    system (Linux) or by its own look at its parent every half second."""
    i18n.use(job.lang)  # a worker started by spawn or forkserver (macOS, Windows, Python 3.14) starts in English
    watch = _Orphan(folder)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and hang-ups are the main process's: it stops us
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, watch.stop)  # from the main process, or from the system as the parent died
    watch.start()
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)  # held while we were started
    writer = ChunkWriter(job)
    gc.freeze()  # a worker process lives for this run only
    gc.set_threshold(50_000, 50, 100)
    for number, block, spool in iter(tasks.get, None):
        try:
            with open(spool, "wb") as handle:
                stats = writer.run_block(block, handle)
        except InputError as exc:
            results.put((number, None, exc))
        except Exception as exc:  # reported to the main process, which stops the run
            results.put((number, None, RuntimeError(f"{type(exc).__name__}: {exc}")))
        else:
            results.put((number, stats, None))


class _Orphan:
    """A worker's watch on its parent (the main process, or the server that forked it for the main process, which
    ends with it). When the parent is gone, the worker removes the spool folder and ends: its output is
    wanted by nobody, and it must not hold the output pipe open (``subsidy batch ... --jobs 2 | gzip`` would
    never end)."""

    def __init__(self, folder: str) -> None:
        import multiprocessing

        self.folder = folder
        self.parent_pid = os.getppid()
        self.parent = multiprocessing.parent_process()  # None unless started by multiprocessing

    def start(self) -> None:
        """Ask the system for SIGTERM when the parent dies (Linux), and look every half second anyway."""
        if sys.platform.startswith("linux"):
            with contextlib.suppress(Exception):
                import ctypes

                pr_set_pdeathsig = 1
                ctypes.CDLL(None).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
        threading.Thread(target=self._look, name="parent-watch", daemon=True).start()

    def gone(self) -> bool:
        """Whether the parent has ended (this process was handed to another, or its sentinel closed)."""
        if os.getppid() != self.parent_pid:
            return True
        return self.parent is not None and not self.parent.is_alive()

    def stop(self, signum: int, frame: object) -> None:
        """SIGTERM: from the main process, which removes the spool folder itself; or as the parent died."""
        if self.gone():
            shutil.rmtree(self.folder, ignore_errors=True)
        os._exit(128 + signum)

    def _look(self) -> None:
        while not self.gone():
            time.sleep(0.5)
        if sys.platform != "win32":  # stop in the main thread, which then writes no more spool files
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(2)
        shutil.rmtree(self.folder, ignore_errors=True)
        os._exit(1)


def _append(out: BinaryIO, path: str) -> None:
    """Copy a spool file onto the end of ``out``: in the kernel where the platform allows, else by reading."""
    with open(path, "rb") as source:
        try:
            target = out.fileno() if hasattr(os, "sendfile") else None
        except (OSError, ValueError):  # not a real file (a test's captured stdout)
            target = None
        if target is not None:
            out.flush()
            if _send(target, source.fileno()):
                return
        shutil.copyfileobj(source, out)


def _send(target: int, source: int) -> bool:
    """os.sendfile the whole of ``source``; False if this pair of files cannot (nothing was sent then)."""
    size, offset = os.fstat(source).st_size, 0
    try:
        while offset < size:
            sent = os.sendfile(target, source, offset, size - offset)
            if not sent:
                raise OSError(errno.EIO, f"the output took {offset} of {size} bytes")
            offset += sent
    except OSError as exc:
        if offset or exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
        return False
    return True


def score_stream(job: Job, blocks: Iterable[Block], jobs: int, out: BinaryIO) -> Iterator[Stats]:
    """Score blocks of input and write their output to ``out`` in input order, yielding each block's stats.
    With ``jobs`` > 1, worker processes decode, read and score the blocks (at most ``2 * jobs`` in flight),
    so the main process only moves bytes."""
    if jobs <= 1:
        scorer = ChunkWriter(job)
        with _quiet_gc():
            for block in blocks:
                yield scorer.run_block(block, out)
        return
    ChunkWriter(job)  # fail here, before any process starts
    with contextlib.ExitStack() as stack:
        with signals_held():  # a stop in the middle of mkdtemp would leave the folder unknown
            folder = stack.enter_context(spool_folder())
        workers = stack.enter_context(_Workers(job, jobs, folder))
        numbered = enumerate(blocks)
        sent = written = 0
        while True:
            for number, block in itertools.islice(numbered, 2 * jobs - (sent - written)):
                workers.send(number, block, os.path.join(folder, f"{number}.out"))
                sent += 1
            if written == sent:
                return
            stats = workers.result(written)
            spool = os.path.join(folder, f"{written}.out")
            _append(out, spool)
            os.unlink(spool)
            written += 1
            yield stats


class _Workers:
    """Worker processes that score blocks (a pool of our own: multiprocessing.Pool can start new workers
    while it is being stopped, and those then hang on forever)."""

    def __init__(self, job: Job, count: int, folder: str) -> None:
        import multiprocessing

        context = multiprocessing.get_context()
        self.tasks, self.results = context.Queue(), context.Queue()
        self.processes = [
            context.Process(target=_serve, args=(job, self.tasks, self.results, folder), daemon=True)
            for _ in range(count)
        ]
        self.done: dict[int, Stats] = {}

    def __enter__(self) -> _Workers:
        try:
            with signals_held():  # a Ctrl-C (or SIGTERM, SIGHUP) mid-start would leave a started worker unknown to us
                for process in self.processes:
                    process.start()
        except BaseException:  # the held Ctrl-C arrives here: stop what started
            self.__exit__(KeyboardInterrupt)
            raise
        return self

    def send(self, number: int, block: Block, spool: str) -> None:
        self.tasks.put((number, block, spool))

    def result(self, number: int) -> Stats:
        """The stats of block ``number``, once it is scored (raising what its worker raised)."""
        while number not in self.done:
            try:
                found, stats, error = self.results.get(timeout=0.5)
            except queue.Empty:
                if not all(process.is_alive() for process in self.processes):
                    raise RuntimeError("a worker process stopped unexpectedly") from None
                continue
            if error is not None:
                raise error
            self.done[found] = stats
        return self.done.pop(number)

    def __exit__(self, kind: object, *rest: object) -> None:
        started = [process for process in self.processes if process.pid is not None]
        if kind is None:  # finished: let the workers end
            for _ in started:
                self.tasks.put(None)
            for process in started:
                process.join(timeout=5)
        else:  # interrupted or failed: nothing of theirs is wanted
            self.tasks.cancel_join_thread()
            self.results.cancel_join_thread()
        for process in started:
            if process.is_alive():
                process.terminate()
            process.join()


_holding = [0]  # how deep the run is in signals_held blocks (signal handlers run in the main thread)
_held: list[int] = []  # signals a handler held back (hold_back), raised again when the hold ends


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back until the block ends: for steps that a stop in their middle would
    leave unknown to the code that undoes them (a temporary file made but its name not yet returned, a worker
    started but not yet recorded). Where the platform can, they are blocked (a worker started inside inherits
    the block and lets go once it has its own handlers); a handler that runs all the same (the signal came
    through another thread) asks ``hold_back`` and is run again when the block ends."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS) if hasattr(signal, "pthread_sigmask") else None
    _holding[0] += 1
    try:
        yield
    finally:
        _holding[0] -= 1
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        while not _holding[0] and _held:
            signal.raise_signal(_held.pop(0))


def hold_back(signum: int) -> bool:
    """For a signal handler: inside ``signals_held`` keep the signal to be raised again when the hold ends and
    say True (the handler then returns); else False."""
    if _holding[0]:
        _held.append(signum)
        return True
    return False
