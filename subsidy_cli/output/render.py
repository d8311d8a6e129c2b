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
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from subsidy_cli.engine import explain
from subsidy_cli.engine.results import Assessment, LineResult
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.output.summary import Stats as BatchStats
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.words import money, pick

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
    title = f"{profile.name} - {policy_title} - {pick(lang, '评估日期', 'as of')} {assessment.as_of}"
    if not assessment.in_force:
        if assessment.as_of < policy.valid_from:
            banner = pick(
                lang,
                f"注意:政策自 {policy.valid_from} 起施行,{assessment.as_of} 尚未施行;以下为施行后的结果。",
                f"Note: the policy applies from {policy.valid_from}; on {assessment.as_of} it is not yet in "
                "force. Results show what would apply once it is.",
            )
        else:
            banner = pick(
                lang,
                f"注意:政策有效期已于 {policy.valid_until} 届满,{assessment.as_of} 已不在有效期内;"
                "以下为有效期内的结果。",
                f"Note: the policy expired on {policy.valid_until}; on {assessment.as_of} it is no longer "
                "in force. Results show what applied while it was.",
            )
        console.print(_t(console, banner, "bold magenta"))
    shown = _shown(assessment, show_all)
    table = Table(title=_t(console, title), box=_box(console), show_lines=False, title_justify="left")
    for header, options in (
        (pick(lang, "编号", "ID"), {"no_wrap": True}),
        (pick(lang, "项目", "Benefit"), {"ratio": 3, "overflow": "fold"}),
        (pick(lang, "状态", "Status"), {"no_wrap": True}),
        (pick(lang, "最高金额", "Max award"), {"justify": "right"}),
        (pick(lang, "依据", "Basis"), {"ratio": 4, "overflow": "fold"}),
    ):
        table.add_column(_t(console, header), **options)
    for result in shown:
        judged = result.status_if_in_force
        basis = explain.basis(result.benefit, profile, lang)
        if judged == "ineligible":  # why, rather than an amount rule that reads as money on offer
            basis = next(iter(explain.reasons(result, lang)), "")
        elif judged == "needs_info" and result.missing:  # the questions that decide the line
            asked = pick(lang, "、", ", ").join(KEYS[key].label(lang) for key in result.missing[:3])
            basis += pick(lang, f";待回答:{asked}", f"; decided by: {asked}")
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
                pick(
                    lang,
                    "没有可申请、待确认、可争取或待补充信息的项目;加 --all 查看全部各条。",
                    "No eligible, to-confirm, potential or needs-info lines; add --all to see every line.",
                ),
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
    line = pick(
        lang,
        f"可申请资金合计最高 {eligible};若争取的称号全部获评,可再增加最高 {potential}",
        f"Eligible cash, at most {eligible} in all; if every title pursued were won, at most {potential} more",
    )
    console.print(_t(console, line, "bold"))
    if totals.open_ended:
        ids = ", ".join(totals.open_ended)
        console.print(_t(console, pick(lang, f"另有未设上限的项目:{ids}", f"Plus lines with no upper bound: {ids}")))
    summary = pick(lang, ",", ", ").join(f"{explain.status_word(s, lang)} {n}" for s, n in counts.items() if n)
    console.print(_t(console, summary, "dim"))


def _refine(console: Console, assessment: Assessment, lang: str) -> None:
    if not assessment.refine:
        return
    console.print(_t(console, pick(lang, "补充以下信息可使结果更准确:", "Answer these to refine:"), "bold cyan"))
    for number, hint in enumerate(assessment.refine, start=1):
        if hint.open_ended:
            largest = pick(lang, "无上限的金额", "an award with no upper bound")
        elif hint.largest:
            largest = pick(lang, f"最高{money(hint.largest, lang)}", f"up to {money(hint.largest, lang)}")
        else:
            largest = pick(lang, "非资金项目", "lines without a stated amount")
        ids = ", ".join(hint.benefits)
        console.print(
            _t(
                console,
                pick(
                    lang,
                    f"  {number}. {KEYS[hint.key].label_zh} ({hint.key}):涉及{largest}({ids})",
                    f"  {number}. {KEYS[hint.key].label_en} ({hint.key}): settles {largest} ({ids})",
                ),
            )
        )


def _explain(console: Console, result: LineResult, profile: Profile, lang: str) -> None:
    benefit = result.benefit
    console.print()
    console.print(_t(console, f"{benefit.id}  {benefit.title(lang)}  - ") + _status_text(console, result, lang))
    styles = {True: "green", False: "red", None: "cyan"}
    groups = {
        "scope": pick(lang, "适用范围", "scope"),
        "requires": pick(lang, "主体要求", "applicant"),
        "qualifies": pick(lang, "奖励条件", "pays for"),
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
    console.print(_t(console, pick(lang, f"  条文:{benefit.clause_text}", f"  Clause: {benefit.clause_text}"), "dim"))


def catalog_table(console: Console, catalog: Catalog, lang: str) -> None:
    table = Table(
        title=_t(console, pick(lang, catalog.policy.title_zh, catalog.policy.title_en)),
        box=_box(console),
        title_justify="left",
    )
    for header in (
        pick(lang, "编号", "ID"),
        pick(lang, "条", "Measure"),
        pick(lang, "项目", "Benefit"),
        pick(lang, "类型", "Kind"),
        pick(lang, "金额规则", "Amount rule"),
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
            (pick(lang, "所属条款", "Measure"), explain.measure_words(benefit, lang)),
            (pick(lang, "类型", "Kind"), explain.kind_word(benefit.kind, lang)),
            (pick(lang, "支持对象", "Who qualifies"), pick(lang, benefit.recipients_zh, benefit.recipients_en)),
            (pick(lang, "支持内容", "Pays for"), pick(lang, benefit.pays_for_zh, benefit.pays_for_en)),
            (pick(lang, "金额规则", "Amount rule"), explain.basis(benefit, None, lang)),
            (pick(lang, "有效期", "In force"), f"{start} - {end}"),
        ]
        note = pick(lang, benefit.note_zh or "", benefit.note_en or "")
        if note:
            rows.append((pick(lang, "说明", "Note"), note))
        rows.append((pick(lang, "条文", "Clause"), benefit.clause_text))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in rows:
            grid.add_row(_t(console, label), _t(console, value))
        console.print(grid)
        scope = [(rule.id, rule.test) for rule in catalog.policy.scope]
        conditions = explain.conditions_words(benefit, scope, lang)
        if conditions:
            console.print(_t(console, pick(lang, "条件及其依据:", "Conditions and their grounds:"), "bold"))
            for group, words, ground in conditions:
                console.print(_t(console, f"  {group}: {words}"))
                if ground:
                    console.print(_t(console, f"      {ground}", "dim"))
        console.print(
            _t(
                console,
                pick(
                    lang,
                    "评估日期是申报日期(不是贷款或获评的日期)。",
                    "The evaluation date is the application date, not the date of the loan or the title.",
                ),
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
    console.print(_t(console, pick(lang, "分层与取值来源:", "Layers and sources:"), "bold"))
    if benefit.id in rules.line_sources:
        layer, source = rules.line_sources[benefit.id]
        console.print(_t(console, pick(lang, "  县级市(区)自设项目", "  a county's own line")))
        console.print(_t(console, f"      {layer}: {source}", "dim"))
    elif not settings and not constraints:
        console.print(
            _t(
                console,
                pick(
                    lang,
                    "  各项取值均出自政策原文,没有分层或按日期变化的取值。",
                    "  Every value comes from the policy text; no layer or dated value changes it.",
                ),
            )
        )
        return
    for key, setting in settings:
        start = (
            pick(lang, f"自 {setting.start} 起", f"from {setting.start}")
            if setting.start
            else pick(lang, "自始", "from the start")
        )
        whom = pick(lang, f",仅限{setting.district}", f", {setting.district} only") if setting.district else ""
        console.print(_t(console, f"  {key} = {setting.value}  {start}{whom}"))
        console.print(_t(console, f"      {setting.layer}: {setting.source}", "dim"))
    for constraint in constraints:
        if isinstance(constraint, CrossCap):
            what = pick(
                lang,
                f"{' + '.join(constraint.lines)} 合计不超过 {constraint.at_most}",
                f"{' + '.join(constraint.lines)} together at most {constraint.at_most}",
            )
            if constraint.district:
                what += pick(lang, f",仅限{constraint.district}", f", {constraint.district} only")
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
    """Rows read, scored and invalid, the time taken, and per line the eligible firms and their awards."""
    scored = stats.rows - stats.invalid
    skipped_zh = skipped_en = ""
    if stats.skipped:
        shown = stats.skipped_lines[:5]
        where = ", ".join(map(str, shown)) + (", ..." if stats.skipped > len(shown) else "")
        skipped_zh = f",跳过空行 {stats.skipped} 行(第 {where} 行)"
        skipped_en = f", {stats.skipped:,} blank skipped (line {where})"
    console.print(
        _t(
            console,
            pick(
                lang,
                f"读取 {stats.rows} 行,已评估 {scored} 行,无效 {stats.invalid} 行{skipped_zh},用时 {seconds:.1f} 秒",
                f"{stats.rows:,} rows read, {scored:,} scored, {stats.invalid:,} invalid{skipped_en}"
                f" in {seconds:.1f} s",
            ),
            "bold",
        )
    )
    if not stats.eligible_firms or not any(stats.eligible_firms):
        return
    table = Table(box=_box(console), title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        (pick(lang, "编号", "ID"), "left"),
        (pick(lang, "项目", "Benefit"), "left"),
        (pick(lang, "可申请企业数", "Eligible firms"), "right"),
        (pick(lang, "最高金额合计", "Sum of max awards"), "right"),
    )
    for header, justify in columns:
        table.add_column(_t(console, header), justify=justify)
    for benefit, firms, total in zip(catalog.benefits, stats.eligible_firms, stats.eligible_sums, strict=True):
        if firms:
            table.add_row(
                _t(console, benefit.id),
                _t(console, benefit.title(lang)),
                _t(console, f"{firms:,}"),
                _t(console, money(total, lang) if total else "-"),
            )
    console.print(table)
