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
from rich.console import Console
from rich.table import Table
from rich.text import Text

from subsidy_cli.engine import explain
from subsidy_cli.engine.results import Assessment, LineResult
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.i18n import tr, trp
from subsidy_cli.output.report import Provenance
from subsidy_cli.output.summary import Stats as BatchStats
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.words import cell_width, longest_piece, money, money_sum, pick, wrap

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


def _widths(
    console: Console,
    columns: list[tuple[str, int]],
    rows: list[list[str]],
    words: frozenset[int] | set[int] = frozenset(),
) -> list[int]:
    """Each column's width: columns of ratio 0 as wide as their widest cell (ids); the others share what is
    left of the console's width by their ratio, each at least as wide as its widest unbreakable token (a
    whole word for the columns in ``words``) and no wider than its longest cell."""
    cells = [[header, *(row[i] for row in rows)] for i, (header, _) in enumerate(columns)]
    natural = [max(cell_width(line) for cell in column for line in cell.split("\n")) for column in cells]
    least = [max(longest_piece(cell, i in words) for cell in column) for i, column in enumerate(cells)]
    room = console.width - 3 * len(columns) - 1  # each column's padding and rule, and the last edge
    widths = [natural[i] if ratio == 0 else least[i] for i, (_, ratio) in enumerate(columns)]
    flexible = [i for i, (_, ratio) in enumerate(columns) if ratio]
    while sum(widths) > room and flexible:  # too narrow even for whole tokens: the widest gives way (folds)
        widest = max(flexible, key=lambda i: widths[i])
        if widths[widest] <= 4:
            break
        widths[widest] -= 1
    spare = room - sum(widths)
    while spare > 0:
        growing = [i for i in flexible if widths[i] < natural[i]]
        if not growing:
            break
        total = sum(columns[i][1] for i in growing)
        given = 0
        for i in growing:
            share = max(1, spare * columns[i][1] // total)
            step = min(share, natural[i] - widths[i], spare - given)
            widths[i] += step
            given += step
        if not given:
            break
        spare -= given
    return widths


def _grid_table(
    console: Console,
    columns: list[tuple[str, int]],
    rows: list[list[Text]],
    right: set[int],
    words: frozenset[int] | set[int] = frozenset(),
) -> Table:
    """A table whose cells are broken into lines by ``wrap`` at widths from ``_widths``, so Rich never breaks
    them again: ``columns`` are (heading, ratio), ratio 0 for a column that is never wrapped; the columns in
    ``words`` break only at spaces, those in ``right`` are aligned right."""
    plain = [[cell.plain for cell in row] for row in rows]
    widths = _widths(console, columns, plain, words)
    table = Table(box=_box(console), show_lines=False, pad_edge=True)
    for index, (heading, _) in enumerate(columns):
        table.add_column(
            Text("\n".join(wrap(heading, widths[index], fold=True)), style="bold"),
            width=widths[index],
            no_wrap=True,
            # (Rich aligns nothing right in a column that ignores overflow; the cells fit their width anyway)
            overflow="crop" if index in right else "ignore",
            justify="right" if index in right else "left",
        )
    for row in rows:
        table.add_row(*(_wrapped(cell, widths[index], index in words) for index, cell in enumerate(row)))
    return table


def _wrapped(cell: Text, width: int, words: bool) -> Text:
    lines = wrap(cell.plain, width, spaces_only=words, fold=True)
    return Text("\n".join(lines), style=cell.style) if len(lines) > 1 else cell


def emit(console: Console, renderable: object) -> None:
    """Print ``renderable``; to a file or a pipe without the padding Rich leaves at the end of lines."""
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _paragraph(console: Console, text: str, style: str = "") -> None:
    """A line of prose, broken to the console's width as ``wrap`` breaks."""
    emit(console, _t(console, "\n".join(wrap(text, console.width)), style))


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
    console: Console,
    assessment: Assessment,
    lang: str,
    show_all: bool = False,
    explain_lines: bool = False,
    provenance: Provenance | None = None,
) -> None:
    """The ``check`` table: a head naming the firm, the evaluation date, the layers and the ``--set`` what-ifs
    (``provenance``); per line its status, kind, cash amount and why; then the totals as a range, and the
    questions that decide the rest."""
    profile = assessment.profile
    policy = assessment.catalog.policy
    _paragraph(console, f"{profile.name} - {pick(lang, policy.title_zh, policy.title_en)}", "bold")
    _paragraph(console, _rules_words(assessment, lang, provenance or _NO_PROVENANCE))
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
        _paragraph(console, banner, "bold magenta")
    outside = _outside_scope(assessment, lang)
    if outside:
        _paragraph(console, outside, "bold")
    shown = _shown(assessment, show_all)
    if shown:
        columns = [
            (tr(lang, "ID"), 0),
            (tr(lang, "Benefit"), 3),
            (tr(lang, "Status"), 1),
            (tr(lang, "Kind"), 1),
            (tr(lang, "Cash, at most"), 1),
            (tr(lang, "Why"), 5),
        ]
        rows = [
            [
                _t(console, result.benefit.id),
                _t(console, result.benefit.title(lang)),
                _status_text(console, result, lang),
                _t(console, explain.kind_word(result.benefit.kind, lang)),
                _t(console, _cash_words(result, lang)),
                _t(console, _why(result, profile, lang)),
            ]
            for result in shown
        ]
        emit(console, _grid_table(console, columns, rows, right={4}, words={2, 3}))
    else:
        _paragraph(
            console,
            tr(lang, "No eligible, to-confirm, potential or needs-info lines; add --all to see every line."),
        )
    for warning in assessment.warnings:  # identity facts that do not add up: they decide nothing, but tell
        _paragraph(console, tr(lang, "Warning: {warning}", warning=str(warning)), "yellow")
    if explain_lines:
        for result in shown:
            _explain(console, result, profile, lang)
    _totals(console, assessment, lang)
    _refine(console, assessment, lang)


_NO_PROVENANCE = Provenance()


def _rules_words(assessment: Assessment, lang: str, given: Provenance) -> str:
    """The head's second line: the evaluation date, the layers applied and the what-ifs."""
    parts = [tr(lang, "evaluation date {date}", date=assessment.as_of)]
    if given.layers:
        parts.append(tr(lang, "layers: {names}", names=trp(lang, "clauses", "; ").join(given.layers)))
    else:
        parts.append(tr(lang, "the policy text alone, no county layer"))
    what_ifs = [*given.overrides, *([f"district={given.district}"] if given.district else [])]
    if what_ifs:
        parts.append(tr(lang, "what-if: {pairs}", pairs=", ".join(what_ifs)))
    return trp(lang, "clauses", "; ").join(parts)


def _outside_scope(assessment: Assessment, lang: str) -> str:
    """One sentence when the firm is outside the policy's scope as a whole: every line it could apply for is
    ineligible, by one scope rule wherever a scope rule fails (a branch office, say); general support open to
    all is left aside."""
    applied = [r for r in assessment.results if r.benefit.open_to != "general"]
    failed = [
        next((f for f in r.findings if f.group == "scope" and f.outcome is False and f.scope_reason), None)
        for r in applied
    ]
    found = [f for f in failed if f is not None]
    if not found or any(r.status_if_in_force != "ineligible" for r in applied):
        return ""
    if len({f.scope_reason for f in found}) != 1:
        return ""
    return tr(lang, "Outside the policy's scope: {reason}", reason=explain.finding_words(found[0], lang))


def _cash_words(result: LineResult, lang: str) -> str:
    """The cash a line could pay: its amount or range for a cash line that is not ineligible; nothing for a
    line paid in kind, vouchers or support (its kind says how), whose value the "why" column gives."""
    if not result.is_cash or result.status_if_in_force == "ineligible":
        return ""
    return explain.award_words(result, lang)


def _why(result: LineResult, profile: Profile, lang: str) -> str:
    """What a line's status rests on, short: for an eligible line its amount rule with the firm's figures and
    any layer's cap; otherwise the gap, the missing title, the questions to ask, or the reading to confirm."""
    judged = result.status_if_in_force
    reasons = explain.reasons(result, lang)
    if judged == "eligible":
        parts = [explain.basis(result.benefit, profile, lang)]
        parts += [explain.constraint_words(c, result.benefit.id, lang, source=False) for c in result.constraints]
        return trp(lang, "clauses", "; ").join(p for p in parts if p)
    if judged == "needs_info" and result.missing:
        asked = tr(lang, ", ").join(KEYS[key].label(lang) for key in result.missing[:3])
        return tr(lang, "decided by: {asked}", asked=asked)
    return next(iter(reasons), explain.basis(result.benefit, profile, lang))


def _totals(console: Console, assessment: Assessment, lang: str) -> None:
    """The cash totals as a range: what is established now, what the titles pursued and the open questions
    could add, and the lines with no upper bound named apart; then the count of lines by status."""
    totals = assessment.totals
    counts = totals.counts
    eligible, potential = money(totals.eligible_cash_max, lang), money(totals.potential_cash_max, lang)
    line = tr(
        lang,
        "Eligible cash, at most {eligible} in all; if every title pursued were won, at most {potential} more",
        eligible=eligible,
        potential=potential,
    )
    _paragraph(console, line, "bold")
    if totals.if_in_force is not None:
        had = tr(
            lang,
            "Had the policy been in force: eligible cash at most {eligible}; titles pursued could add at most "
            "{potential}",
            eligible=money(totals.if_in_force[0], lang),
            potential=money(totals.if_in_force[1], lang),
        )
        _paragraph(console, had, "bold magenta")
    waiting = [
        r for r in assessment.results if r.status_if_in_force == "needs_info" and r.is_cash and r.max_award is not None
    ]
    if waiting:
        at_stake = sum((r.max_award for r in waiting if r.max_award is not None), start=Decimal(0))
        _paragraph(
            console,
            tr(
                lang,
                "The open questions decide up to {amount} more ({ids})",
                amount=money(at_stake, lang),
                ids=", ".join(r.benefit.id for r in waiting),
            ),
        )
    if totals.open_ended:
        ids = ", ".join(totals.open_ended)
        _paragraph(console, tr(lang, "Plus lines with no upper bound: {ids}", ids=ids))
    summary = trp(lang, "clauses", ", ").join(f"{explain.status_word(s, lang)} {n}" for s, n in counts.items() if n)
    _paragraph(console, summary, "dim")


def _refine(console: Console, assessment: Assessment, lang: str) -> None:
    if not assessment.refine:
        return
    _paragraph(console, tr(lang, "Answer these to refine:"), "bold cyan")
    for number, hint in enumerate(assessment.refine, start=1):
        if hint.open_ended:
            largest = tr(lang, "an award with no upper bound")
        elif hint.largest:
            largest = tr(lang, "up to {largest}", largest=money(hint.largest, lang))
        else:
            largest = tr(lang, "lines without a stated amount")
        ids = ", ".join(hint.benefits)
        line = tr(
            lang,
            "  {number}. {label} ({key}): settles {largest} ({ids})",
            number=number,
            label=KEYS[hint.key].label(lang),
            key=hint.key,
            largest=largest,
            ids=ids,
        )
        emit(console, _t(console, "\n".join(wrap(line.lstrip(), console.width, "  ", "     ")), ""))


def _explain(console: Console, result: LineResult, profile: Profile, lang: str) -> None:
    """``check --explain`` for one line: every condition with its outcome and ground, the note, the amount rule
    and the clause, each broken to the console's width with a hanging indent."""
    benefit = result.benefit
    emit(console, Text(""))
    status = _status_text(console, result, lang)
    _paragraph(console, f"{benefit.id}  {benefit.title(lang)}  - {status.plain}", "bold")
    styles = {True: "green", False: "red", None: "cyan"}
    groups = {
        "scope": tr(lang, "scope"),
        "requires": tr(lang, "applicant"),
        "qualifies": tr(lang, "pays for"),
    }
    for finding in result.findings:
        style = "yellow" if finding.outcome is False and finding.condition.soft else styles[finding.outcome]
        words = explain.finding_words(finding, lang)
        line = f"[{explain.outcome_word(finding, lang)}] {groups[finding.group]}: {words}"
        _lines(console, line, "  ", "      ", style)
        ground = explain.ground_words(finding.condition, lang)
        if ground:
            _lines(console, ground, "      ", "      ", "dim")
    for line in (pick(lang, benefit.note_zh or "", benefit.note_en or ""), explain.basis(benefit, profile, lang)):
        if line:
            _lines(console, line, "  ", "  ", "italic")
    _lines(console, tr(lang, "  Clause: {clause_text}", clause_text=benefit.clause_text).strip(), "  ", "  ", "dim")


def _lines(console: Console, text: str, indent: str, hanging: str, style: str = "") -> None:
    """``text`` broken to the console's width, the first line after ``indent``, the others after ``hanging``."""
    emit(console, _t(console, "\n".join(wrap(text, console.width, indent, hanging)), style))


def catalog_table(console: Console, catalog: Catalog, lang: str) -> None:
    """``subsidy measures``: every line with its measure, kind and amount rule, broken as ``wrap`` breaks."""
    _paragraph(console, pick(lang, catalog.policy.title_zh, catalog.policy.title_en), "bold")
    columns = [
        (tr(lang, "ID"), 0),
        (tr(lang, "Measure"), 0),
        (tr(lang, "Benefit"), 3),
        (tr(lang, "Kind"), 1),
        (tr(lang, "Amount rule"), 5),
    ]
    rows = [
        [
            _t(console, benefit.id),
            _t(console, str(benefit.measure)),
            _t(console, benefit.title(lang)),
            _t(console, explain.kind_word(benefit.kind, lang)),
            _t(console, explain.basis(benefit, None, lang)),
        ]
        for benefit in catalog.benefits
    ]
    emit(console, _grid_table(console, columns, rows, right=set(), words={3}))


def benefit_detail(
    console: Console, catalog: Catalog, benefits: Iterable[Benefit], lang: str, rules: Rules | None = None
) -> None:
    """``subsidy show``: clause, recipients, what it pays for and the amount rule in words; with ``rules``,
    also which layer set each dated value, from when, on what source."""
    for index, benefit in enumerate(benefits):
        if index:
            console.print()
        start, end = catalog.window(benefit)
        _paragraph(console, f"{benefit.id}  {benefit.title(lang)}", "bold")
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
        grid.add_column(no_wrap=True, overflow="ignore")
        room = max(20, console.width - max(cell_width(label) for label, _ in rows) - 2)
        for label, value in rows:
            grid.add_row(_t(console, label), _t(console, "\n".join(wrap(value, room))))
        emit(console, grid)
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


def _encodings(console: Console, stats: BatchStats, lang: str) -> None:
    """How many rows were read in which encoding, when a file held rows of two (rows pasted in from another
    program), with the first lines of those in the file's other encoding."""
    counts = [(name, rows) for name, rows in stats.encodings.most_common() if rows]
    if len(counts) < 2:
        return
    others = sum(rows for _, rows in counts[1:])
    where = ", ".join(map(str, stats.encoding_lines[:5])) + (", ..." if others > 5 else "")
    line = tr(
        lang,
        "rows by encoding: {counts}; each read in its own (line {where})",
        counts=tr(lang, ", ").join(f"{rows:,} {name}" for name, rows in counts),
        where=where,
    )
    console.print(_t(console, line))


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
    _encodings(console, stats, lang)
    outside = stats.out_of_window
    if outside:
        policy = catalog.policy
        note = tr(
            lang,
            "{firms:,} of {scored:,} firms were judged on a date outside the policy's window ({start} to "
            "{end}): their lines read expired (or not yet in force). What they would have received had the policy "
            "been in force is counted below and, with --all-columns or --excel, in the columns of statuses and "
            "totals if in force; --as-of {end} judges every firm on its last day in force.",
            firms=outside,
            scored=scored,
            start=policy.valid_from.isoformat(),
            end=policy.valid_until.isoformat(),
        )
        _paragraph(console, note, "magenta")
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
    _paragraph(console, line)
    if outside:
        line = tr(
            lang,
            "If in force: {firms:,} firms with an eligible line; eligible cash at most {eligible}, potential cash at "
            "most {potential}.",
            firms=document["firms_with_eligible_line_if_in_force"],
            eligible=money_sum(Decimal(totals["eligible_cash_max_if_in_force_cny"]), lang),
            potential=money_sum(Decimal(totals["potential_cash_max_if_in_force_cny"]), lang),
        )
        _paragraph(console, line)
    _batch_lines(console, document, bool(outside), lang)
    _batch_districts(console, document, bool(outside), lang)


def _batch_lines(console: Console, document: dict[str, Any], outside: bool, lang: str) -> None:
    """Per line with firms to act on: firms eligible, potential, needing information and to confirm, and the sum
    of the maxima of the eligible firms; then, per line with an annual quota, the eligible firms against it.
    Where some firms were judged outside the policy's window (``outside``), by the statuses if in force (the
    same as the statuses for the others). Numbers are never broken: their columns break at spaces only."""
    acting = ("eligible", "potential", "needs_info", "to_confirm")
    firms = "firms_if_in_force" if outside else "firms"
    shown = [line for line in document["lines"] if any(line[firms][status] for status in acting)]
    if shown:
        columns = [(tr(lang, "ID"), 0), (tr(lang, "Benefit"), 4)]
        columns += [(explain.status_word(status, lang), 1) for status in acting]
        columns.append((tr(lang, "Sum of max awards"), 2))
        rows = []
        for line in shown:
            total = Decimal(line["eligible_max_sum_if_in_force_cny" if outside else "eligible_max_sum_cny"])
            cells = [line["benefit"], line["title"], *(f"{line[firms][status]:,}" for status in acting)]
            rows.append([*cells, money_sum(total, lang) if total else "-"])
        numbers = set(range(2, len(columns)))
        table = [[_t(console, cell) for cell in row] for row in rows]
        emit(console, _grid_table(console, columns, table, right=numbers, words=numbers))
    quoted = [line for line in document["lines"] if line["quota"]]
    if quoted:
        columns = [
            (tr(lang, "ID"), 0),
            (tr(lang, "Benefit"), 3),
            (explain.status_word("eligible", lang), 1),
            (tr(lang, "Annual quota"), 3),
            (tr(lang, "Share"), 1),
        ]
        rows = []
        for line in quoted:
            quota = line["quota"]
            percent = 100 * quota["share"]
            share = "<1%" if 0 < percent < 1 else f"{percent:.0f}%"  # a few firms of 600 are not 0%
            share += " " + tr(lang, "over") if quota["over"] else ""
            rows.append([line["benefit"], line["title"], f"{quota['eligible_if_in_force']:,}", quota["text"], share])
        table = [[_t(console, cell) for cell in row] for row in rows]
        emit(console, _grid_table(console, columns, table, right={2, 4}, words={2, 4}))
    if outside and (shown or quoted):
        _paragraph(console, tr(lang, "Statuses if in force."), "dim")


def _batch_districts(console: Console, document: dict[str, Any], outside: bool, lang: str) -> None:
    """Per district: firms, firms with an eligible line, and their eligible and potential cash totals (if in force,
    where some firms were judged outside the policy's window)."""
    if not document["districts"]:
        return
    more = "_if_in_force" if outside else ""
    columns = [
        (tr(lang, "District"), 2),
        (tr(lang, "Firms"), 1),
        (tr(lang, "With an eligible line"), 1),
        (tr(lang, "Eligible cash, at most"), 1),
        (tr(lang, "Potential cash, at most"), 1),
    ]
    rows = [
        [
            place["label"],
            f"{place['firms']:,}",
            f"{place['firms_with_eligible_line' + more]:,}",
            money_sum(Decimal(place[f"eligible_cash_max{more}_cny"]), lang),
            money_sum(Decimal(place[f"potential_cash_max{more}_cny"]), lang),
        ]
        for place in document["districts"]
    ]
    numbers = {1, 2, 3, 4}
    table = [[_t(console, cell) for cell in row] for row in rows]
    emit(console, _grid_table(console, columns, table, right=numbers, words={0, *numbers}))  # a district whole
    if outside:
        _paragraph(console, tr(lang, "Statuses if in force."), "dim")
