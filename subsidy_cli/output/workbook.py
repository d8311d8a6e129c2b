"""The results of a batch run as an Excel workbook, written with XlsxWriter in constant-memory mode (rows go
to disk as they are written, so memory stays flat whatever the number of firms).

Three sheets, headers in the run's language:

- results (结果): one row per firm, in input order: its row number, name, credit code, whether the row could
  be read, its problems and its warnings (facts its credit code contradicts...), the totals, each line's
  status (as a word) and maximum award, then the input columns as given. Amounts are numbers formatted as CNY,
  so a user's own sums work; the header row is frozen and filtered.
- summary (汇总): rows read, valid and invalid; per line the firms of each status, the sums of the maxima of
  eligible and of potential firms and, where the policy sets an annual quota (``quota`` in measures.toml:
  5a 40 factories, 5b 600 workshops, 8 10 providers, ...), the eligible firms against it with the clause;
  per district the firms and the sums of their eligible and potential totals.
- legend (说明): each line's id, place in the text, title, kind, amount rule, quota and clause; the statuses
  in words; the rules hash, the rules files, the evaluation date, the day of the run and the tool version.

Every text cell is written with ``write_string``, never as a formula, so a value such as ``=HYPERLINK(..)``
from the input stays text: formula injection is impossible by construction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from subsidy_cli.engine.evaluate import open_ended
from subsidy_cli.engine.explain import STATUS_WORDS, describe_amount, kind_word, measure_words, quota_words
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.i18n import tr, trp
from subsidy_cli.profile.keys import KEYS, choice_label
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.version import __version__

MONEY_FORMAT = "¥#,##0.00"
MAX_ROWS = 1_048_576  # a sheet's rows, the header's included
_FLUSH_PATTERNS = 1_024  # distinct result patterns counted before they are added into the summary
FIXED = 6  # line, name, credit_code, row_status, row_errors, row_warnings: the first cells of a result row


def status_words(status: str, lang: str) -> str:
    """A status as a word (its id where the words do not know it yet)."""
    words = STATUS_WORDS.get(status)
    return tr(lang, words) if words else status


@dataclass
class RunFacts:
    """What the legend says about the run: input, rules (hash and files), dates."""

    source: str
    sheet: str | None
    rules_sha256: str
    sources: list[str]
    as_of: dt.date | None
    today: dt.date


@dataclass
class _District:
    firms: int = 0
    valid: int = 0
    with_eligible: int = 0
    eligible: Decimal = field(default_factory=Decimal)
    potential: Decimal = field(default_factory=Decimal)


class ResultsWorkbook:
    """A results workbook being written at ``path``: ``add`` one row per firm in order, then ``close`` (which
    writes the summary and the legend); ``discard`` drops it (and its temporary files) if it was not closed.

    ``input_columns``: the input's header cells, carried through after the results; ``lang``: ``zh`` or ``en``."""

    def __init__(self, path: str, catalog: Catalog, input_columns: list[str], lang: str, facts: RunFacts) -> None:
        import xlsxwriter

        self.catalog, self.lang, self.facts = catalog, lang, facts
        self.ids = [benefit.id for benefit in catalog.benefits]
        self.open_ended = open_ended(catalog)
        self.input_columns = input_columns
        self.fact_words = {key: KEYS[key].label(lang) for key in KEYS}
        self.separator = "、" if lang == "zh" else "; "
        self._tmp = tempfile.mkdtemp(prefix="subsidy-xlsx-")
        self.book = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "tmpdir": self._tmp,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.book.set_properties({"title": tr(lang, "Subsidy results"), "comments": __version__})
        self.results = self.book.add_worksheet(tr(lang, "Results"))
        self.summary = self.book.add_worksheet(tr(lang, "Summary"))
        self.legend = self.book.add_worksheet(tr(lang, "Legend"))
        self.head = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"})
        self.money = self.book.add_format({"num_format": MONEY_FORMAT})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.percent = self.book.add_format({"num_format": "0%"})
        self.bold = self.book.add_format({"bold": True})
        self.words: dict[str, str] = {status: status_words(status, lang) for status in STATUSES}
        self.row_words = {"valid": tr(lang, "valid"), "invalid": tr(lang, "invalid")}
        self.row = 0
        self.rows = self.valid = 0
        self.patterns: dict[str, int] = {}  # a row's statuses and maxima joined by \x1f -> rows that had them
        self.counts: list[dict[str, int]] = [{} for _ in self.ids]
        self.sums: list[dict[str, Decimal]] = [{} for _ in self.ids]
        self.districts: dict[str | None, _District] = {}
        self.closed = False
        self._header()

    # -- results ---------------------------------------------------------------------------------------------

    def _header(self) -> None:
        lang, sheet = self.lang, self.results
        names = [
            tr(lang, "Row"),
            tr(lang, "Name"),
            tr(lang, "Credit code"),
            tr(lang, "Row status"),
            tr(lang, "Problems"),
            tr(lang, "Warnings"),
            tr(lang, "Eligible cash, max (CNY)"),
            tr(lang, "Potential cash, max (CNY)"),
        ]
        for benefit_id in self.ids:
            names.append(tr(lang, "{benefit_id} status", benefit_id=benefit_id))
            names.append(tr(lang, "{benefit_id} max (CNY)", benefit_id=benefit_id))
        # then what the CSV output adds after its audit columns: the facts still missing, the minimum of each
        # open-ended line, each line's status if in force (filled where the date is outside the window) and
        # the totals if in force
        names.append(tr(lang, "Facts still missing"))
        names += [tr(lang, "{benefit_id} min (CNY)", benefit_id=line_id) for line_id in self.open_ended]
        names += [tr(lang, "{benefit_id} status if in force", benefit_id=line_id) for line_id in self.ids]
        names += [tr(lang, "Eligible cash if in force, max (CNY)"), tr(lang, "Potential cash if in force, max (CNY)")]
        names += [tr(lang, "(input) {cell}", cell=cell) for cell in self.input_columns]
        for column, name in enumerate(names):
            sheet.write_string(0, column, name, self.head)
        lines, mins = len(self.ids), len(self.open_ended)
        self.more = 8 + 2 * lines  # the first of the columns after the lines'
        widths = [6, 30, 21, 8, 40, 40, 16, 16] + [10, 13] * lines + [40] + [13] * mins + [10] * lines + [16, 16]
        widths += [14] * len(self.input_columns)
        amounts = {6, 7, *range(9, 8 + 2 * lines, 2), *range(self.more + 1, self.more + 1 + mins)}
        amounts |= {self.more + 1 + mins + lines, self.more + 2 + mins + lines}
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width, self.money if column in amounts else None)
        sheet.set_row(0, 32)
        sheet.freeze_panes(1, 2)
        self.width = len(names)
        self.row = 1

    def add(self, input_cells: list[str], result: list[str], district: str | None) -> bool:
        """Write one firm's row: ``input_cells`` as read, ``result`` the cells of its wide CSV row (line, name,
        credit code, row status, errors, warnings, status and maximum of each line, totals, audit), ``district`` its
        district slug ('' unknown, None unreadable). False when the sheet is full (nothing written)."""
        if self.row >= MAX_ROWS:
            return False
        sheet, row, text = self.results, self.row, self.results.write_string
        lines = len(self.ids)
        sheet.write_number(row, 0, int(result[0]))
        for column in (1, 2, 4, 5):
            if result[column]:
                text(row, column, _plain(result[column]))
        valid = result[3] == "valid"
        text(row, 3, self.row_words.get(result[3], result[3]))
        place = self.districts.get(district if valid else None)
        if place is None:
            place = self.districts[district if valid else None] = _District()
        place.firms += 1
        self.rows += 1
        if valid:
            self.valid += 1
            cells = result[FIXED : FIXED + 2 * lines]
            eligible, potential = result[FIXED + 2 * lines], result[FIXED + 2 * lines + 1]
            for column, value in ((6, eligible), (7, potential)):
                if value:  # a cell holds a double: exact to the fen for any amount below 10^13 yuan
                    sheet.write_number(row, column, float(value), self.money)
            words = self.words
            for index in range(lines):
                status, high = cells[2 * index], cells[2 * index + 1]
                text(row, 8 + 2 * index, words.get(status) or status_words(status, self.lang))
                if high:
                    sheet.write_number(row, 9 + 2 * index, float(high), self.money)
            key = "\x1f".join(cells)
            self.patterns[key] = self.patterns.get(key, 0) + 1
            if len(self.patterns) > _FLUSH_PATTERNS:
                self._flush()
            place.valid += 1
            if eligible and Decimal(eligible):
                place.with_eligible += 1
                place.eligible += Decimal(eligible)
            if potential:
                place.potential += Decimal(potential)
            self._more(row, result[FIXED + 2 * lines + 4 :])
        first = self.more + 1 + len(self.open_ended) + lines + 2
        for offset, cell in enumerate(input_cells[: len(self.input_columns)]):
            if cell:
                text(row, first + offset, _plain(cell))
        self.row += 1
        return True

    def _more(self, row: int, cells: list[str]) -> None:
        """What a valid firm's CSV row gives after its audit columns (statuses if in force, their totals, the minima
        and the facts still missing, in this order), in the sheet's columns: words, and amounts as numbers."""
        sheet, lines, mins = self.results, len(self.ids), len(self.open_ended)
        missing = cells[lines + 2 + mins] if len(cells) > lines + 2 + mins else ""
        if missing:
            facts = [self.fact_words.get(key, key) for key in missing.split(";")]
            sheet.write_string(row, self.more, self.separator.join(facts))
        for place in range(mins):
            value = cells[lines + 2 + place]
            if value:
                sheet.write_number(row, self.more + 1 + place, float(value), self.money)
        first = self.more + 1 + mins
        for index in range(lines):
            status = cells[index]
            if status:
                sheet.write_string(row, first + index, self.words.get(status) or status_words(status, self.lang))
        for place in range(2):
            value = cells[lines + place]
            if value:
                sheet.write_number(row, first + lines + place, float(value), self.money)

    def _flush(self) -> None:
        """Add the counted result patterns into the per-line counts and sums."""
        for joined, times in self.patterns.items():
            cells = joined.split("\x1f")
            for index in range(len(self.ids)):
                status, high = cells[2 * index], cells[2 * index + 1]
                counts = self.counts[index]
                counts[status] = counts.get(status, 0) + times
                if high:
                    sums = self.sums[index]
                    sums[status] = sums.get(status, Decimal(0)) + Decimal(high) * times
        self.patterns.clear()

    # -- summary and legend ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Write the summary and the legend, and the workbook itself."""
        self._flush()
        if self.row > 1:
            self.results.autofilter(0, 0, self.row - 1, self.width - 1)
        else:
            self.results.autofilter(0, 0, 0, self.width - 1)
        self._summary()
        self._legend()
        self.book.close()
        self.closed = True
        shutil.rmtree(self._tmp, ignore_errors=True)

    def discard(self) -> None:
        """Drop a workbook that was not closed: its temporary files go, nothing is written at its path."""
        if self.closed:
            return
        for sheet in self.book.worksheets():
            handle = getattr(sheet, "row_data_fh", None)
            if handle is not None:
                with contextlib.suppress(OSError):
                    handle.close()
        self.book.fileclosed = True  # nothing to write when it is collected
        shutil.rmtree(self._tmp, ignore_errors=True)

    def _table(self, sheet: Any, row: int, headers: list[str], rows: list[list[Any]]) -> int:
        """Write a small table from ``row``: numbers as numbers (Decimal as money), text as text. The next row."""
        for column, name in enumerate(headers):
            sheet.write_string(row, column, name, self.head)
        for values in rows:
            row += 1
            for column, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, Decimal):
                    sheet.write_number(row, column, float(value), self.money)
                elif isinstance(value, float):
                    sheet.write_number(row, column, value, self.percent)
                elif isinstance(value, int):
                    sheet.write_number(row, column, value)
                else:
                    sheet.write_string(row, column, _plain(str(value)), self.wrap)
        return row + 2

    def _summary(self) -> None:
        lang, sheet = self.lang, self.summary
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 1, 34)
        sheet.set_column(2, 2 + len(STATUSES) + 5, 14)
        sheet.set_column(3 + len(STATUSES) + 5, 3 + len(STATUSES) + 5, 60)
        row = self._table(
            sheet,
            0,
            [tr(lang, "Rows"), tr(lang, "Count")],
            [
                [tr(lang, "read"), self.rows],
                [tr(lang, "valid"), self.valid],
                [tr(lang, "invalid"), self.rows - self.valid],
            ],
        )
        headers = [tr(lang, "Line"), tr(lang, "Title")]
        headers += [self.words[status] for status in STATUSES]
        headers += [
            tr(lang, "Sum of eligible maxima (CNY)"),
            tr(lang, "Sum of potential maxima (CNY)"),
            tr(lang, "Annual quota"),
            tr(lang, "Eligible / quota"),
            tr(lang, "Quota"),
            trp(lang, "workbook", "Clause"),
        ]
        table = []
        for index, benefit in enumerate(self.catalog.benefits):
            counts, sums = self.counts[index], self.sums[index]
            quota = benefit.quota
            eligible = counts.get("eligible", 0)
            table.append(
                [
                    benefit.id,
                    benefit.title(lang),
                    *(counts.get(status, 0) for status in STATUSES),
                    sums.get("eligible", Decimal(0)),
                    sums.get("potential", Decimal(0)),
                    quota.count if quota else None,
                    eligible / quota.count if quota else None,
                    quota_words(benefit, lang) if quota else None,
                    benefit.clause_text if quota else None,
                ]
            )
        row = self._table(sheet, row, headers, table)
        district_rows = []
        for district, place in sorted(self.districts.items(), key=lambda item: _district_order(item[0])):
            if district is None:
                name = tr(lang, "(invalid rows)")
            elif district == "":
                name = tr(lang, "(not given)")
            else:
                name = choice_label("district", district, "zh") if lang == "zh" else district
            district_rows.append([name, place.firms, place.valid, place.with_eligible, place.eligible, place.potential])
        self._table(
            sheet,
            row,
            [
                tr(lang, "District"),
                tr(lang, "Firms"),
                tr(lang, "Valid rows"),
                tr(lang, "Firms with eligible cash"),
                tr(lang, "Eligible cash, max (CNY)"),
                tr(lang, "Potential cash, max (CNY)"),
            ],
            district_rows,
        )
        sheet.freeze_panes(1, 0)

    def _legend(self) -> None:
        lang, sheet, facts = self.lang, self.legend, self.facts
        widths = [8, 24, 36, 12, 40, 24, 80]
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        lines = [
            [
                benefit.id,
                measure_words(benefit, lang),
                benefit.title(lang),
                kind_word(benefit.kind, lang),
                describe_amount(benefit.amount, None, lang) or tr(lang, "no amount"),
                quota_words(benefit, lang),
                benefit.clause_text,
            ]
            for benefit in self.catalog.benefits
        ]
        row = self._table(
            sheet,
            0,
            [
                tr(lang, "Line"),
                tr(lang, "Where"),
                tr(lang, "Title"),
                tr(lang, "Kind"),
                tr(lang, "Amount rule"),
                trp(lang, "column", "Quota"),
                trp(lang, "workbook", "Clause"),
            ],
            lines,
        )
        row = self._table(
            sheet,
            row,
            [tr(lang, "Status"), tr(lang, "Id")],
            [[self.words[status], status] for status in STATUSES],
        )
        today = facts.today.isoformat()
        if facts.as_of:
            date = facts.as_of.isoformat()
        else:
            date = tr(lang, "each row's application date, else {today}", today=today)
        about = [
            [tr(lang, "Input"), facts.source + (f" [{facts.sheet}]" if facts.sheet else "")],
            [tr(lang, "Evaluation date"), date],
            [tr(lang, "Run on"), facts.today.isoformat()],
            [tr(lang, "Rules hash (SHA-256)"), facts.rules_sha256],
            *[[tr(lang, "Rules file"), source] for source in facts.sources],
            [tr(lang, "Tool version"), f"subsidy-cli {__version__}"],
            [
                trp(lang, "workbook", "Note"),
                tr(lang, "Amounts are maxima estimated from the published text; the issuing department decides."),
            ],
        ]
        self._table(sheet, row, [tr(lang, "Item"), tr(lang, "Value")], about)


def _plain(text: str) -> str:
    """Text as a cell holds it: at most 32,767 characters (Excel's limit; the rest is cut, marked by ...)."""
    return text if len(text) <= 32_767 else text[:32_764] + "..."


def _district_order(district: str | None) -> tuple[int, str]:
    from subsidy_cli.profile.keys import DISTRICT_ZH

    order = list(DISTRICT_ZH)
    if district is None:
        return (len(order) + 2, "")
    if district == "":
        return (len(order) + 1, "")
    return (order.index(district) if district in order else len(order), district)
