"""The summary of a batch run: what the batch fills in, block by block (``Stats``), and what the terminal, the
summary file (``batch --summary FILE``, JSON or CSV) and the county summary page (``batch --report``) show at the
end: rows read, firms per status and line (and if in force, for firms judged outside the policy's window), firms
with an eligible line, the grand totals, each line's eligible firms against its annual quota (``quota`` in
measures.toml) and the firms and totals of each district (``summary_document``)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from subsidy_cli.engine.explain import STATUS_WORDS, quota_words
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError
from subsidy_cli.i18n import N_, _, active, tr
from subsidy_cli.output.formats import neutralise
from subsidy_cli.profile.keys import KEYS, choice_label, parse_value
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.version import __version__
from subsidy_cli.words import cny, pick

SCHEMA_VERSION = 1
SUMMARY_SUFFIXES = (".json", ".csv")


def best_status(statuses: set[str] | frozenset[str]) -> str:
    """A firm's status at a glance: the first of ``STATUSES`` (eligible first) that one of its lines has."""
    return next(status for status in STATUSES if status in statuses)


@dataclass
class Stats:
    """Per-run counts for the summary.

    ``eligible_firms`` / ``eligible_sums``: per line (catalogue order) the firms for which it is eligible and the
    sum of their maximum awards (CNY). ``status_firms``: per status of ``STATUSES``, per line, the firms with
    that status; ``in_force_change`` what those counts would gain (or lose) if the policy were in force, firms
    judged outside the window counted by their statuses if in force (see ``in_force_firms``). ``potential_sums``:
    per line, the sum of the maximum awards of the firms for which it is potential. ``best``: valid firms by the
    first status of ``STATUSES`` any of their lines has; ``in_force_best`` the same if in force.
    ``out_of_window``: valid firms judged on a date outside some line's window (their lines read ``expired``).
    ``in_force_sums_change``: what the sums per line of the eligible firms' maxima would gain if the policy were
    in force (``in_force_eligible_sums``). ``districts``: per district cell as typed (``""`` where blank or not a
    column), ``[firms, sum of eligible cash maxima, sum of potential cash maxima, firms with an eligible line, the
    same if in force, what the two sums would gain if in force]`` of valid firms (``totals``, ``in_force_totals``
    add them up). ``blank``: per profile key, the valid firms whose row leaves it unknown (a blank cell, or no
    such column).
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
    in_force_change: dict[str, list[int]] = field(default_factory=dict)
    in_force_best: Counter[str] = field(default_factory=Counter)
    in_force_sums_change: list[Decimal] = field(default_factory=list)
    out_of_window: int = 0

    encodings: Counter[str] = field(default_factory=Counter)  # rows read in each encoding (CSV input), by its name
    encoding_lines: list[int] = field(default_factory=list)  # the first lines of rows read in the file's other one

    @property
    def totals(self) -> tuple[Decimal, Decimal]:
        """The sums of every valid firm's eligible and potential cash totals (CNY)."""
        eligible = sum((Decimal(found[1]) for found in self.districts.values()), Decimal(0))
        potential = sum((Decimal(found[2]) for found in self.districts.values()), Decimal(0))
        return eligible, potential

    @property
    def in_force_firms(self) -> dict[str, list[int]]:
        """Per status, per line, the firms with that status if the policy were in force."""
        found = {}
        for status, counts in self.status_firms.items():
            change = self.in_force_change.get(status) or [0] * len(counts)
            found[status] = [n + more for n, more in zip(counts, change, strict=True)]
        return found

    @property
    def in_force_eligible_sums(self) -> list[Decimal]:
        """Per line, the sum of the maximum awards of the firms for which it would be eligible if in force."""
        change = self.in_force_sums_change or [Decimal(0)] * len(self.eligible_sums)
        return [total + more for total, more in zip(self.eligible_sums, change, strict=True)]

    @property
    def in_force_totals(self) -> tuple[Decimal, Decimal]:
        """The same if the policy were in force (firms judged outside the window count what they would get)."""
        eligible = sum((Decimal(found[1]) + found[5] for found in self.districts.values()), Decimal(0))
        potential = sum((Decimal(found[2]) + found[6] for found in self.districts.values()), Decimal(0))
        return eligible, potential

    @classmethod
    def empty(cls, lines: int) -> Stats:
        return cls(
            eligible_firms=[0] * lines,
            eligible_sums=[Decimal(0)] * lines,
            status_firms={status: [0] * lines for status in STATUSES},
            potential_sums=[Decimal(0)] * lines,
            in_force_change={status: [0] * lines for status in STATUSES},
            in_force_sums_change=[Decimal(0)] * lines,
        )

    def add_district(
        self,
        district: str,
        firms: int,
        eligible: Decimal,
        potential: Decimal,
        with_eligible: int = 0,
        with_eligible_if_in_force: int | None = None,
    ) -> None:
        """Count ``firms`` valid firms of the district cell ``district`` with these total maxima (CNY), of which
        ``with_eligible`` have an eligible line (``with_eligible_if_in_force`` if in force; the same by default)."""
        found = self.districts.get(district)
        if found is None:
            found = self.districts[district] = [0, Decimal(0), Decimal(0), 0, 0, Decimal(0), Decimal(0)]
        found[0] += firms
        found[1] += eligible
        found[2] += potential
        found[3] += with_eligible
        found[4] += with_eligible if with_eligible_if_in_force is None else with_eligible_if_in_force

    def shift_district(self, district: str, eligible: Decimal, potential: Decimal) -> None:
        """Add to what the totals of the district cell ``district`` would gain if the policy were in force."""
        if district not in self.districts:
            self.add_district(district, 0, Decimal(0), Decimal(0))
        found = self.districts[district]
        found[5] += eligible
        found[6] += potential

    def merge(self, other: Stats) -> None:
        self.rows += other.rows
        self.invalid += other.invalid
        self.skipped += other.skipped
        self.skipped_lines += other.skipped_lines[: max(0, 20 - len(self.skipped_lines))]
        self.input_bytes += other.input_bytes
        self.out_of_window += other.out_of_window
        lines = len(other.eligible_firms)
        if not self.eligible_firms:
            self.eligible_firms = [0] * lines
            self.eligible_sums = [Decimal(0)] * lines
        if not self.status_firms:
            self.status_firms = {status: [0] * lines for status in STATUSES}
            self.potential_sums = [Decimal(0)] * lines
        if not self.in_force_change:
            self.in_force_change = {status: [0] * lines for status in STATUSES}
        if not self.in_force_sums_change:
            self.in_force_sums_change = [Decimal(0)] * lines
        for i, total in enumerate(other.in_force_sums_change):
            self.in_force_sums_change[i] += total
        for i, (n, total) in enumerate(zip(other.eligible_firms, other.eligible_sums, strict=True)):
            self.eligible_firms[i] += n
            self.eligible_sums[i] += total
        for ours, theirs in ((self.status_firms, other.status_firms), (self.in_force_change, other.in_force_change)):
            for status, counts in theirs.items():
                mine = ours[status]
                for i, n in enumerate(counts):
                    mine[i] += n
        for i, total in enumerate(other.potential_sums):
            self.potential_sums[i] += total
        self.best.update(other.best)
        self.in_force_best.update(other.in_force_best)
        self.blank.update(other.blank)
        self.encodings.update(other.encodings)
        self.encoding_lines += other.encoding_lines[: max(0, 20 - len(self.encoding_lines))]
        for district, (firms, eligible, potential, with_eligible, with_if, shift_e, shift_p) in other.districts.items():
            self.add_district(
                district, int(firms), Decimal(eligible), Decimal(potential), int(with_eligible), int(with_if)
            )
            self.shift_district(district, Decimal(shift_e), Decimal(shift_p))


# -- the summary as data, as a file ----------------------------------------------------------------------------------


@dataclass
class BatchRun:
    """What a batch run was given: the input's name, ``--as-of`` as given (None: each row's date) and the rules
    files (measures first, then layers)."""

    source: str
    as_of: str | None = None
    sources: list[str] = field(default_factory=list)


def district_totals(stats: Stats, in_force: bool = False) -> list[tuple[str, int, int, Decimal, Decimal]]:
    """Per district (its slug; ``""`` for firms that give none), in the order of the district list: firms, firms
    with an eligible line, and the sums of their eligible and potential cash totals (CNY); ``in_force``: those
    if the policy were in force. Cells that name one district alike (``昆山市``, ``kunshan``) count together."""
    merged: dict[str, list[Any]] = {}
    for text, (firms, eligible, potential, with_eligible, with_if, shift_e, shift_p) in stats.districts.items():
        try:
            slug = parse_value("district", text) if text.strip() else ""
        except ValueError:  # not a district (such rows are invalid, so not counted): kept as typed
            slug = text
        found = merged.setdefault(slug, [0, 0, Decimal(0), Decimal(0)])
        if in_force:
            with_eligible, eligible, potential = with_if, Decimal(eligible) + shift_e, Decimal(potential) + shift_p
        found[0] += firms
        found[1] += with_eligible
        found[2] += eligible
        found[3] += potential
    order = [*KEYS["district"].choices, ""]
    ranked = sorted(merged, key=lambda slug: (order.index(slug) if slug in order else len(order), slug))
    return [(slug, *merged[slug]) for slug in ranked]


def district_label(slug: str, lang: str) -> str:
    """A district's name in ``lang`` (as typed where it is none of the ten; "not given" for ``""``)."""
    if not slug:
        return tr(lang, "not given")
    try:
        return choice_label("district", slug, lang)
    except (KeyError, ValueError):
        return slug


def summary_document(catalog: Catalog, stats: Stats, lang: str, run: BatchRun | None = None) -> dict[str, Any]:
    """The summary of a batch run as data (the ``--summary FILE.json`` document). Keys and ids never change with
    ``lang``; titles, names and the quota's words are in ``lang``. Amounts are decimal strings in CNY.

    ``rows``: read, scored, invalid, blank rows skipped; ``out_of_window``: firms judged on a date outside a line's
    window; ``firms_by_first_status`` and ``firms_with_eligible_line`` (also ``..._if_in_force``); ``totals``: the
    sums of the firms' eligible and potential cash totals, now and if in force; ``lines``: per line its firms by
    status (and if in force), the sums of the maxima of its eligible and potential firms, and its annual quota
    (None where the policy sets none) with the firms eligible if in force against it; ``districts``: per district
    its firms, those with an eligible line and their totals."""
    policy = catalog.policy
    scored = stats.rows - stats.invalid
    in_force = stats.in_force_firms
    in_force_sums = stats.in_force_eligible_sums
    lines = []
    for index, benefit in enumerate(catalog.benefits):
        counts = {status: stats.status_firms.get(status, [0] * (index + 1))[index] for status in STATUSES}
        judged = {status: in_force[status][index] for status in in_force} if in_force else dict(counts)
        quota = benefit.quota
        quota_data = None
        if quota is not None:
            reached = judged.get("eligible", 0)
            quota_data = {
                "count": quota.count,
                "per": quota.per,
                "bound": quota.bound,
                "unit": pick(lang, quota.unit_zh, quota.unit_en),
                "text": quota_words(benefit, lang),
                "eligible_if_in_force": reached,
                "share": round(reached / quota.count, 4),
                "over": quota.bound == "exactly" and reached > quota.count,
            }
        lines.append(
            {
                "benefit": benefit.id,
                "title": benefit.title(lang),
                "kind": benefit.kind,
                "firms": counts,
                "firms_if_in_force": {status: judged.get(status, 0) for status in STATUSES},
                "eligible_max_sum_cny": cny(stats.eligible_sums[index] if stats.eligible_sums else Decimal(0)),
                "eligible_max_sum_if_in_force_cny": cny(in_force_sums[index] if in_force_sums else Decimal(0)),
                "potential_max_sum_cny": cny(stats.potential_sums[index] if stats.potential_sums else Decimal(0)),
                "quota": quota_data,
            }
        )
    eligible, potential = stats.totals
    eligible_if, potential_if = stats.in_force_totals
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "rules_sha256": catalog.rules_sha256,
        "input": run.source if run else None,
        "as_of": run.as_of if run else None,
        "rules_files": list(run.sources) if run else [],
        "policy": {"valid_from": policy.valid_from.isoformat(), "valid_until": policy.valid_until.isoformat()},
        "rows": {"read": stats.rows, "scored": scored, "invalid": stats.invalid, "blank_skipped": stats.skipped},
        "out_of_window": stats.out_of_window,
        "firms_by_first_status": {status: stats.best.get(status, 0) for status in STATUSES},
        "firms_with_eligible_line": stats.best.get("eligible", 0),
        "firms_with_eligible_line_if_in_force": stats.in_force_best.get("eligible", 0),
        "totals": {
            "eligible_cash_max_cny": cny(eligible),
            "potential_cash_max_cny": cny(potential),
            "eligible_cash_max_if_in_force_cny": cny(eligible_if),
            "potential_cash_max_if_in_force_cny": cny(potential_if),
        },
        "lines": lines,
        "districts": [
            {
                "district": slug,
                "label": district_label(slug, lang),
                "firms": firms,
                "firms_with_eligible_line": with_eligible,
                "eligible_cash_max_cny": cny(district_eligible),
                "potential_cash_max_cny": cny(district_potential),
                "firms_with_eligible_line_if_in_force": judged[2],
                "eligible_cash_max_if_in_force_cny": cny(judged[3]),
                "potential_cash_max_if_in_force_cny": cny(judged[4]),
            }
            for (slug, firms, with_eligible, district_eligible, district_potential), judged in zip(
                district_totals(stats), district_totals(stats, in_force=True), strict=True
            )
        ],
    }


# The summary as one CSV table: a row per kind of figure (the run, each line, each district), so that a
# spreadsheet filters by kind.
SUMMARY_COLUMNS = (
    "kind",
    "id",
    "label",
    "firms",
    *STATUSES,
    "eligible_if_in_force",
    "eligible_cash_max_cny",
    "potential_cash_max_cny",
    "quota",
    "quota_text",
)
_KIND_WORDS = {"total": N_("all firms"), "invalid": N_("invalid rows"), "line": N_("line"), "district": N_("district")}
_COLUMN_WORDS = {
    "kind": N_("Kind"),
    "id": N_("Id"),
    "label": N_("Name"),
    "firms": N_("Firms"),
    "eligible_if_in_force": N_("Eligible if in force"),
    "eligible_cash_max_cny": N_("Eligible cash, max (CNY)"),
    "potential_cash_max_cny": N_("Potential cash, max (CNY)"),
    "quota": N_("Annual quota"),
    "quota_text": N_("Quota"),
}


def summary_rows(document: dict[str, Any], excel: bool, lang: str) -> list[list[str]]:
    """The summary document as the rows of one CSV table (the header first): the run (firms scored, by their first
    status, with the grand totals), the invalid rows, each line (firms by status, eligible if in force, the sums
    of maxima, the quota) and each district (firms, those with an eligible line, totals). ``excel``: headers,
    kinds and statuses in words of ``lang``, for people."""
    words = {status: tr(lang, STATUS_WORDS[status]) for status in STATUSES}
    header = [
        (words[column] if column in words else tr(lang, _COLUMN_WORDS[column])) if excel else column
        for column in SUMMARY_COLUMNS
    ]

    def kind(name: str) -> str:
        return tr(lang, _KIND_WORDS[name]) if excel else name

    empty = [""] * len(STATUSES)
    totals = document["totals"]
    rows = [header]
    rows.append(
        [
            kind("total"),
            "all",
            tr(lang, "Firms scored"),
            str(document["rows"]["scored"]),
            *(str(document["firms_by_first_status"][status]) for status in STATUSES),
            str(document["firms_with_eligible_line_if_in_force"]),
            totals["eligible_cash_max_cny"],
            totals["potential_cash_max_cny"],
            "",
            "",
        ]
    )
    rows.append([kind("invalid"), "invalid", tr(lang, "invalid rows"), str(document["rows"]["invalid"]), *empty,
                 "", "", "", "", ""])  # fmt: skip
    for line in document["lines"]:
        quota = line["quota"]
        rows.append(
            [
                kind("line"),
                line["benefit"],
                line["title"],
                "",
                *(str(line["firms"][status]) for status in STATUSES),
                str(line["firms_if_in_force"]["eligible"]),
                line["eligible_max_sum_cny"],
                line["potential_max_sum_cny"],
                str(quota["count"]) if quota else "",
                quota["text"] if quota else "",
            ]
        )
    for place in document["districts"]:
        cells = [""] * len(STATUSES)
        cells[STATUSES.index("eligible")] = str(place["firms_with_eligible_line"])
        rows.append(
            [
                kind("district"),
                place["district"],
                place["label"],
                str(place["firms"]),
                *cells,
                "",
                place["eligible_cash_max_cny"],
                place["potential_cash_max_cny"],
                "",
                "",
            ]
        )
    return rows


def check_summary_file(path: str, *inputs: str | None, lang: str | None = None) -> None:
    """The summary file's path before a batch runs: ``.json`` or ``.csv``, and none of ``inputs`` (the firms, the
    results). Raises ``SubsidyError`` (exit 2), its message in ``lang`` (default: the active language)."""
    lang = lang or active()
    if Path(path).suffix.lower() not in SUMMARY_SUFFIXES:
        raise SubsidyError(
            Problem(
                tr(lang, "is not a .json or .csv file"),
                file=path,
                hint=tr(lang, "name it summary.json or summary.csv"),
            ),
            EXIT_USAGE,
        )
    for other in inputs:
        if other is not None and other != "-" and _same(path, other):
            raise SubsidyError(
                Problem(
                    tr(lang, "is also the firms or results file"), file=path, hint=tr(lang, "choose another name")
                ),
                EXIT_USAGE,
            )


def write_summary(
    path: str, catalog: Catalog, stats: Stats, lang: str, run: BatchRun | None = None, excel: bool = False
) -> None:
    """Write the summary to ``path``: JSON (``.json``, UTF-8) or one CSV table (``.csv``; ``excel``: words for
    people and a BOM, as ``batch --excel`` writes), under a temporary name renamed at the end. Raises
    ``SubsidyError`` (exit 2) if it cannot be written."""
    from subsidy_cli.output.files import atomic_path

    document = summary_document(catalog, stats, lang, run)
    if Path(path).suffix.lower() == ".json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([[neutralise(cell) for cell in row] for row in summary_rows(document, excel, lang)])
        text = ("\ufeff" if excel else "") + buffer.getvalue()
    with atomic_path(path) as temporary:
        try:
            Path(temporary).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise SubsidyError(
                Problem(_("cannot write: {reason}", reason=exc.strerror or exc), file=path), EXIT_USAGE
            ) from None


def _same(one: str, other: str) -> bool:
    try:
        return Path(one).resolve() == Path(other).resolve()
    except OSError:
        return False
