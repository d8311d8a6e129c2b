"""Rich output for people: the only module that prints with Rich.

Data is always passed as ``Text`` (never markup), so ``[`` in a firm's name prints as typed.
On a console that cannot show UTF-8 (a legacy Windows code page), boxes turn ASCII and
characters the console cannot encode are replaced rather than crashing the program.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from rich import box
from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from subsidy_cli.engine import explain
from subsidy_cli.engine.results import Assessment, LineResult
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.i18n import tr, trp
from subsidy_cli.output.summary import Stats as BatchStats
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.words import money, money_sum, pick

if TYPE_CHECKING:
    from subsidy_cli.rules.layers import Rules

_STYLE = {
    "eligible": "bold green",
    "potential": "yellow",
    "needs_info": "cyan",
    "to_confirm": "blue",
    "open": "dim",
    "ineligible": "dim",
    "expired": "magenta",
}
_ORDER = {status: number for number, status in enumerate(STATUSES)}


class _Console(Console):
    """Rich's console, but a closed output pipe is left to the command line's one handler (exit 141)."""

    def on_broken_pipe(self) -> None:
        """Print nothing more, and raise ``BrokenPipeError`` rather than Rich's own exit 1."""
        self.quiet = True
        raise BrokenPipeError


def make_console(stream: TextIO | None = None, stderr: bool = False) -> Console:
    """A console for people on ``stream`` (default stdout, or stderr): colour unless ``NO_COLOR`` or a dumb
    terminal, no markup read from data, boxes that fall back to ASCII."""
    target = stream or (sys.stderr if stderr else sys.stdout)
    no_color = bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
    return _Console(file=target, no_color=no_color, highlight=False, emoji=False, soft_wrap=False, safe_box=True)


def _utf8(console: Console) -> bool:
    return (console.encoding or "").lower().replace("-", "") in ("utf8", "utf_8")


def _box(console: Console) -> box.Box:
    return box.SIMPLE_HEAD if _utf8(console) else box.ASCII2


def _safe(console: Console, text: str) -> str:
    if _utf8(console):
        return text
    encoding = console.encoding or "ascii"
    return text.replace("¥", "CNY ").encode(encoding, errors="replace").decode(encoding)


def _t(console: Console, text: str, style: str = "") -> Text:
    return Text(_safe(console, text), style=style)


def _sort_key(result: LineResult) -> tuple[int, int, object]:
    status = result.status_if_in_force if result.status == "expired" else result.status
    high = result.max_award
    return (_ORDER[status], 0 if high is not None else 1, -(high or 0))


def _shown(assessment: Assessment, show_all: bool) -> list[LineResult]:
    def keep(result: LineResult) -> bool:
        status = result.status_if_in_force if result.status == "expired" else result.status
        return show_all or status in ("eligible", "to_confirm", "potential", "needs_info")

    return sorted((r for r in assessment.results if keep(r)), key=_sort_key)


def _status_text(console: Console, result: LineResult, lang: str) -> Text:
    word = explain.result_status_word(result, lang)
    if result.status == "expired":
        word += f" ({explain.status_word(result.status_if_in_force, lang)})"
    return _t(console, word, _STYLE[result.status])


def assessment(
    console: Console, assessment: Assessment, lang: str, show_all: bool = False, explain_lines: bool = False
) -> None:
    """The ``check`` table, totals, banner and "answer these to refine"."""
    profile = assessment.profile
    policy = assessment.catalog.policy
    policy_title = pick(lang, policy.title_zh, policy.title_en)
    title = f"{profile.name} - {policy_title} - {tr(lang, 'as of')} {assessment.as_of}"
    if not assessment.in_force:
        if assessment.as_of < policy.valid_from:
            banner = tr(
                lang,
                "Note: the policy applies from {valid_from}; on {as_of} it is not yet in force. Results show "
                "what would apply once it is.",
                valid_from=policy.valid_from,
                as_of=assessment.as_of,
            )
        else:
            banner = tr(
                lang,
                "Note: the policy expired on {valid_until}; on {as_of} it is no longer in force. Results show "
                "what applied while it was.",
                valid_until=policy.valid_until,
                as_of=assessment.as_of,
            )
        console.print(_t(console, banner, "bold magenta"))
    shown = _shown(assessment, show_all)
    table = Table(title=_t(console, title), box=_box(console), show_lines=False, title_justify="left")
    for header, options in (
        (tr(lang, "ID"), {"no_wrap": True}),
        (tr(lang, "Benefit"), {"ratio": 3, "overflow": "fold"}),
        (tr(lang, "Status"), {"no_wrap": True}),
        (tr(lang, "Max award"), {"justify": "right"}),
        (tr(lang, "Basis"), {"ratio": 4, "overflow": "fold"}),
    ):
        table.add_column(_t(console, header), **options)
    for result in shown:
        judged = result.status_if_in_force
        basis = explain.basis(result.benefit, profile, lang)
        if judged == "ineligible":  # why, rather than an amount rule that reads as money on offer
            basis = next(iter(explain.reasons(result, lang)), "")
        elif judged == "needs_info" and result.missing:  # the questions that decide the line
            asked = tr(lang, ", ").join(KEYS[key].label(lang) for key in result.missing[:3])
            basis += tr(lang, "; decided by: {asked}", asked=asked)
        table.add_row(
            _t(console, result.benefit.id),
            _t(console, result.benefit.title(lang)),
            _status_text(console, result, lang),
            _t(console, "-" if judged == "ineligible" else explain.award_words(result, lang)),
            _t(console, basis),
        )
    if shown:
        console.print(table)
    else:
        console.print(_t(console, title))
        console.print(
            _t(
                console,
                tr(lang, "No eligible, to-confirm, potential or needs-info lines; add --all to see every line."),
            )
        )
    if explain_lines:
        for result in shown:
            _explain(console, result, profile, lang)
    _totals(console, assessment, lang)
    _refine(console, assessment, lang)


def _totals(console: Console, assessment: Assessment, lang: str) -> None:
    totals = assessment.totals
    counts = totals.counts
    eligible, potential = money(totals.eligible_cash_max, lang), money(totals.potential_cash_max, lang)
    line = tr(
        lang,
        "Eligible cash, at most {eligible} in all; if every title pursued were won, at most {potential} more",
        eligible=eligible,
        potential=potential,
    )
    console.print(_t(console, line, "bold"))
    if totals.open_ended:
        ids = ", ".join(totals.open_ended)
        console.print(_t(console, tr(lang, "Plus lines with no upper bound: {ids}", ids=ids)))
    summary = trp(lang, "clauses", ", ").join(f"{explain.status_word(s, lang)} {n}" for s, n in counts.items() if n)
    console.print(_t(console, summary, "dim"))


def _refine(console: Console, assessment: Assessment, lang: str) -> None:
    if not assessment.refine:
        return
    console.print(_t(console, tr(lang, "Answer these to refine:"), "bold cyan"))
    for number, hint in enumerate(assessment.refine, start=1):
        if hint.open_ended:
            largest = tr(lang, "an award with no upper bound")
        elif hint.largest:
            largest = tr(lang, "up to {largest}", largest=money(hint.largest, lang))
        else:
            largest = tr(lang, "lines without a stated amount")
        ids = ", ".join(hint.benefits)
        console.print(
            _t(
                console,
                tr(
                    lang,
                    "  {number}. {label} ({key}): settles {largest} ({ids})",
                    number=number,
                    label=KEYS[hint.key].label(lang),
                    key=hint.key,
                    largest=largest,
                    ids=ids,
                ),
            )
        )


def _explain(console: Console, result: LineResult, profile: Profile, lang: str) -> None:
    benefit = result.benefit
    console.print()
    console.print(_t(console, f"{benefit.id}  {benefit.title(lang)}  - ") + _status_text(console, result, lang))
    styles = {True: "green", False: "red", None: "cyan"}
    groups = {
        "scope": tr(lang, "scope"),
        "requires": tr(lang, "applicant"),
        "qualifies": tr(lang, "pays for"),
    }
    for finding in result.findings:
        style = "yellow" if finding.outcome is False and finding.condition.soft else styles[finding.outcome]
        console.print(
            _t(console, f"  [{explain.outcome_word(finding, lang)}] ", style)
            + _t(console, f"{groups[finding.group]}: {explain.finding_words(finding, lang)}")
        )
        ground = explain.ground_words(finding.condition, lang)
        if ground:
            console.print(_t(console, f"      {ground}", "dim"))
    for line in (pick(lang, benefit.note_zh or "", benefit.note_en or ""), explain.basis(benefit, profile, lang)):
        if line:
            console.print(_t(console, f"  {line}", "italic"))
    console.print(_t(console, tr(lang, "  Clause: {clause_text}", clause_text=benefit.clause_text), "dim"))


def catalog_table(console: Console, catalog: Catalog, lang: str) -> None:
    table = Table(
        title=_t(console, pick(lang, catalog.policy.title_zh, catalog.policy.title_en)),
        box=_box(console),
        title_justify="left",
    )
    for header in (
        tr(lang, "ID"),
        tr(lang, "Measure"),
        tr(lang, "Benefit"),
        tr(lang, "Kind"),
        tr(lang, "Amount rule"),
    ):
        table.add_column(_t(console, header))
    for benefit in catalog.benefits:
        table.add_row(
            _t(console, benefit.id),
            _t(console, str(benefit.measure)),
            _t(console, benefit.title(lang)),
            _t(console, explain.kind_word(benefit.kind, lang)),
            _t(console, explain.basis(benefit, None, lang)),
        )
    console.print(table)


def benefit_detail(
    console: Console, catalog: Catalog, benefits: Iterable[Benefit], lang: str, rules: Rules | None = None
) -> None:
    """``subsidy show``: clause, recipients, what it pays for and the amount rule in words; with ``rules``,
    also which layer set each dated value, from when, on what source."""
    for index, benefit in enumerate(benefits):
        if index:
            console.print()
        start, end = catalog.window(benefit)
        console.print(_t(console, f"{benefit.id}  {benefit.title_zh} / {benefit.title_en}", "bold"))
        rows = [
            (trp(lang, "field", "Measure"), explain.measure_words(benefit, lang)),
            (tr(lang, "Kind"), explain.kind_word(benefit.kind, lang)),
            (tr(lang, "Who qualifies"), pick(lang, benefit.recipients_zh, benefit.recipients_en)),
            (tr(lang, "Pays for"), pick(lang, benefit.pays_for_zh, benefit.pays_for_en)),
            (tr(lang, "Amount rule"), explain.basis(benefit, None, lang)),
            (tr(lang, "In force"), f"{start} - {end}"),
        ]
        note = pick(lang, benefit.note_zh or "", benefit.note_en or "")
        if note:
            rows.append((tr(lang, "Note"), note))
        rows.append((tr(lang, "Clause"), benefit.clause_text))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in rows:
            grid.add_row(_t(console, label), _t(console, value))
        console.print(grid)
        scope = [(rule.id, rule.test) for rule in catalog.policy.scope]
        conditions = explain.conditions_words(benefit, scope, lang)
        if conditions:
            console.print(_t(console, tr(lang, "Conditions and their grounds:"), "bold"))
            for group, words, ground in conditions:
                console.print(_t(console, f"  {group}: {words}"))
                if ground:
                    console.print(_t(console, f"      {ground}", "dim"))
        console.print(
            _t(
                console,
                tr(lang, "The evaluation date is the application date, not the date of the loan or the title."),
                "dim",
            )
        )
        if rules is not None:
            _layers(console, rules, benefit, lang)


def _layers(console: Console, rules: Rules, benefit: Benefit, lang: str) -> None:
    """Which layer set each value of the line, from when, for whom, on what source."""
    settings = rules.provenance(benefit.id)
    across: list[CrossCap | Exclusive] = [*rules.caps, *rules.exclusive]
    constraints = [c for c in across if benefit.id in c.lines]
    console.print()
    console.print(_t(console, tr(lang, "Layers and sources:"), "bold"))
    if benefit.id in rules.line_sources:
        layer, source = rules.line_sources[benefit.id]
        console.print(_t(console, tr(lang, "  a county's own line")))
        console.print(_t(console, f"      {layer}: {source}", "dim"))
    elif not settings and not constraints:
        console.print(
            _t(
                console,
                tr(lang, "  Every value comes from the policy text; no layer or dated value changes it."),
            )
        )
        return
    for key, setting in settings:
        start = tr(lang, "from {start}", start=setting.start) if setting.start else tr(lang, "from the start")
        whom = tr(lang, ", {district} only", district=setting.district) if setting.district else ""
        console.print(_t(console, f"  {key} = {setting.value}  {start}{whom}"))
        console.print(_t(console, f"      {setting.layer}: {setting.source}", "dim"))
    for constraint in constraints:
        if isinstance(constraint, CrossCap):
            what = tr(
                lang, "{join} together at most {at_most}", join=" + ".join(constraint.lines), at_most=constraint.at_most
            )
            if constraint.district:
                what += tr(lang, ", {district} only", district=constraint.district)
        else:
            what = f"{constraint.rule}: {', '.join(constraint.lines)}"
        console.print(_t(console, f"  {what}"))
        console.print(_t(console, f"      {constraint.layer}: {constraint.source}", "dim"))


@contextlib.contextmanager
def batch_progress(total_bytes: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """Progress on stderr while a batch runs, only when stderr is a terminal: the rows scored and the time
    taken, and, when the input's size is known, a bar of the bytes read and the time left. The callback
    takes (rows, bytes read)."""
    if not sys.stderr.isatty():
        yield lambda rows, done: None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns: list[ProgressColumn] = [SpinnerColumn(), TextColumn("{task.fields[rows]:,} rows")]
    if total_bytes:
        columns += [BarColumn(), TaskProgressColumn()]
    columns.append(TimeElapsedColumn())
    if total_bytes:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=make_console(stderr=True), transient=True) as progress:
        task = progress.add_task("scoring", total=total_bytes or None, rows=0)
        yield lambda rows, done: progress.update(task, completed=done, rows=rows)


def batch_summary(console: Console, catalog: Catalog, stats: BatchStats, seconds: float, lang: str) -> None:
    """The summary of a batch run for people (on stderr): rows read, scored and invalid and the time taken; the
    firms judged outside the policy's window, if any; firms with an eligible line and the grand totals; per line
    the firms of the statuses that call for action (and eligible if in force, where some firms were judged
    outside the window), the sum of their maximum awards and the eligible firms against the annual quota; per
    district the firms and their totals. Large sums in 万元/亿元 in Chinese."""
    from subsidy_cli.output.summary import summary_document

    document = summary_document(catalog, stats, lang)
    scored = stats.rows - stats.invalid
    skipped = ""
    if stats.skipped:
        shown = stats.skipped_lines[:5]
        where = ", ".join(map(str, shown)) + (", ..." if stats.skipped > len(shown) else "")
        skipped = tr(lang, ", {skipped:,} blank skipped (line {where})", skipped=stats.skipped, where=where)
    console.print(
        _t(
            console,
            tr(
                lang,
                "{rows:,} rows read, {scored:,} scored, {invalid:,} invalid{skipped} in {seconds:.1f} s",
                rows=stats.rows,
                scored=scored,
                invalid=stats.invalid,
                skipped=skipped,
                seconds=seconds,
            ),
            "bold",
        )
    )
    outside = stats.out_of_window
    if outside:
        policy = catalog.policy
        console.print(
            _t(
                console,
                tr(
                    lang,
                    "{firms:,} of {scored:,} firms were judged on a date outside the policy's window ({start} to "
                    "{end}): their lines read expired (or not yet in force). The columns of statuses and totals if in "
                    "force show what they would have received had the policy been in force; --as-of {end} judges "
                    "every firm on its last day in force.",
                    firms=outside,
                    scored=scored,
                    start=policy.valid_from.isoformat(),
                    end=policy.valid_until.isoformat(),
                ),
                "magenta",
            )
        )
    if not scored:
        return
    totals = document["totals"]
    line = tr(
        lang,
        "Firms with an eligible line: {firms:,} of {scored:,}; eligible cash at most {eligible} in all, potential "
        "cash at most {potential}.",
        firms=document["firms_with_eligible_line"],
        scored=scored,
        eligible=money_sum(Decimal(totals["eligible_cash_max_cny"]), lang),
        potential=money_sum(Decimal(totals["potential_cash_max_cny"]), lang),
    )
    console.print(_t(console, line))
    if outside:
        line = tr(
            lang,
            "If in force: {firms:,} firms with an eligible line; eligible cash at most {eligible}, potential cash at "
            "most {potential}.",
            firms=document["firms_with_eligible_line_if_in_force"],
            eligible=money_sum(Decimal(totals["eligible_cash_max_if_in_force_cny"]), lang),
            potential=money_sum(Decimal(totals["potential_cash_max_if_in_force_cny"]), lang),
        )
        console.print(_t(console, line))
    _batch_lines(console, document, bool(outside), lang)
    _batch_districts(console, document, bool(outside), lang)


def _batch_lines(console: Console, document: dict[str, Any], outside: bool, lang: str) -> None:
    """Per line with firms to act on: firms eligible, potential, needing information and to confirm, and the sum
    of the maxima of the eligible firms; then, per line with an annual quota, the eligible firms against it.
    Where some firms were judged outside the policy's window (``outside``), by the statuses if in force (the
    same as the statuses for the others)."""
    acting = ("eligible", "potential", "needs_info", "to_confirm")
    firms = "firms_if_in_force" if outside else "firms"
    rows = [line for line in document["lines"] if any(line[firms][status] for status in acting)]
    caption = tr(lang, "Statuses if in force.") if outside else None
    if rows:
        table = Table(box=_box(console), title_justify="left", caption=caption, caption_justify="left")
        table.add_column(_t(console, tr(lang, "ID")), no_wrap=True)
        table.add_column(_t(console, tr(lang, "Benefit")), ratio=1, min_width=12, overflow="fold")
        headers = [*(explain.status_word(status, lang) for status in acting), tr(lang, "Sum of max awards")]
        table_rows = []
        for line in rows:
            total = Decimal(line["eligible_max_sum_if_in_force_cny" if outside else "eligible_max_sum_cny"])
            counts = (f"{line[firms][status]:,}" for status in acting)
            table_rows.append([line["benefit"], line["title"], *counts, money_sum(total, lang) if total else "-"])
        for place, header in enumerate(headers, start=2):  # numbers are never broken nor cut: as wide as the widest
            widest = max(cell_len(_safe(console, cells[place])) for cells in table_rows)
            table.add_column(_t(console, header), justify="right", width=max(widest, _longest_word(console, header)))
        for cells in table_rows:
            table.add_row(*(_t(console, cell) for cell in cells))
        console.print(table)
    quoted = [line for line in document["lines"] if line["quota"]]
    if not quoted:
        return
    table = Table(box=_box(console), title_justify="left", caption=caption, caption_justify="left")
    table.add_column(_t(console, tr(lang, "ID")), no_wrap=True)
    table.add_column(_t(console, tr(lang, "Benefit")), ratio=1, min_width=12, overflow="fold")
    table.add_column(_t(console, explain.status_word("eligible", lang)), justify="right")
    table.add_column(_t(console, tr(lang, "Annual quota")), ratio=1, overflow="fold")
    table.add_column(_t(console, tr(lang, "Share")), justify="right", min_width=4)
    for line in quoted:
        quota = line["quota"]
        share = f"{100 * quota['share']:.0f}%" + (" " + tr(lang, "over") if quota["over"] else "")
        cells = [line["benefit"], line["title"], f"{quota['eligible_if_in_force']:,}", quota["text"], share]
        table.add_row(*(_t(console, cell) for cell in cells))
    console.print(table)


def _longest_word(console: Console, text: str) -> int:
    """The width of the widest word of ``text`` (a heading wraps between words)."""
    return max((cell_len(_safe(console, word)) for word in text.split()), default=0)


def _batch_districts(console: Console, document: dict[str, Any], outside: bool, lang: str) -> None:
    """Per district: firms, firms with an eligible line, and their eligible and potential cash totals (if in force,
    where some firms were judged outside the policy's window)."""
    if not document["districts"]:
        return
    more = "_if_in_force" if outside else ""
    caption = tr(lang, "Statuses if in force.") if outside else None
    table = Table(box=_box(console), title_justify="left", caption=caption, caption_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        (tr(lang, "District"), "left"),
        (tr(lang, "Firms"), "right"),
        (tr(lang, "With an eligible line"), "right"),
        (tr(lang, "Eligible cash, at most"), "right"),
        (tr(lang, "Potential cash, at most"), "right"),
    )
    for header, justify in columns:
        table.add_column(_t(console, header), justify=justify)
    for place in document["districts"]:
        table.add_row(
            _t(console, place["label"]),
            _t(console, f"{place['firms']:,}"),
            _t(console, f"{place['firms_with_eligible_line' + more]:,}"),
            _t(console, money_sum(Decimal(place[f"eligible_cash_max{more}_cny"]), lang)),
            _t(console, money_sum(Decimal(place[f"potential_cash_max{more}_cny"]), lang)),
        )
    console.print(table)
