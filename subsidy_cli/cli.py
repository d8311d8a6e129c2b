"""The ``subsidy`` command: parse options, make one call to the core, hand the result to one renderer.

Errors are handled in one place, ``_Commands.invoke``: a ``SubsidyError`` from any layer prints one
``error: ...`` line per problem on stderr and exits with its exit code; a closed output pipe exits 141,
Ctrl-C 130 (a batch run also stops cleanly on SIGTERM, 143, and SIGHUP, 129) and anything else 70 (an
internal error: ``SUBSIDY_DEBUG=1`` shows the traceback).

Exit codes: 0 done (whatever the statuses); 1 invalid profile or rules file (batch: some rows invalid);
2 usage error or unreadable input; 70 internal error (a bug: please report it); 130 interrupted
(batch: 143 by SIGTERM, 129 by SIGHUP); 141 the reader of the output went away.
"""

from __future__ import annotations

import contextlib
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from subsidy_cli.errors import EXIT_DATA, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_PIPE, EXIT_USAGE, SubsidyError
from subsidy_cli.version import __version__

if TYPE_CHECKING:
    import datetime as dt

    from subsidy_cli.engine.assess import Assessment
    from subsidy_cli.rules.layers import Rules


class _Commands(TyperGroup):
    """The commands, each run inside the one place where errors become messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:  # ctx: the Context of the Click that Typer bundles
        """Run the command; turn what it raises into messages on stderr and an exit code."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # Typer's own: exits, --help, usage errors (exit 2, shown by Typer)
        except SubsidyError as exc:
            for line in exc.lines():
                sys.stderr.write(f"error: {line}\n")
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            _pipe_closed()
        except KeyboardInterrupt as exc:  # Ctrl-C; or a batch run's SIGINT, SIGTERM, SIGHUP, which says so
            if str(exc):
                with contextlib.suppress(OSError):  # after a hang-up the terminal may be gone
                    sys.stderr.write(f"{exc}\n")
            raise typer.Exit(getattr(exc, "exit_code", EXIT_INTERRUPTED)) from None
        except Exception as exc:
            if os.environ.get("SUBSIDY_DEBUG"):
                raise
            sys.stderr.write(
                f"internal error: {type(exc).__name__}: {exc} (set SUBSIDY_DEBUG=1 for details; please report this)\n"
            )
            raise typer.Exit(EXIT_INTERNAL) from None


app = typer.Typer(
    name="subsidy",
    cls=_Commands,
    help="Eligibility and awards under Suzhou's 《关于推进制造业智能化改造和数字化转型的若干措施》 (2021-2023).\n\n"
    "Exit codes: 0 done; 1 invalid profile or rules file (batch: some rows invalid); 2 usage error or "
    "unreadable input; 70 internal error; 130 interrupted (batch: 143 SIGTERM, 129 SIGHUP); 141 output closed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class CheckFormat(StrEnum):
    """``check --format``."""

    table = "table"
    json = "json"


class ListFormat(StrEnum):
    """``measures --format``."""

    table = "table"
    json = "json"
    csv = "csv"


class BatchFormat(StrEnum):
    """``batch --format``."""

    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


class Lang(StrEnum):
    """``--lang``."""

    zh = "zh"
    en = "en"


MeasuresOption = Annotated[
    Path | None,
    typer.Option("--measures", help="Load this measures file instead of the one shipped.", dir_okay=False),
]
OverlayOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--overlay", help="Layer county rules over the measures (repeatable; later layers win).", dir_okay=False
    ),
]
AsOfFirmOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Evaluation date, YYYY-MM-DD (default: the profile's application_date, else today)."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=VALUE", help="What-if: override a profile key (repeatable)."),
]
AsOfRulesOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Show the values in force on this date (default: the first values)."),
]
DistrictOption = Annotated[
    str | None,
    typer.Option("--district", help="Show the values for firms registered in this district (with layers)."),
]
SheetOption = Annotated[
    str | None,
    typer.Option(
        "--sheet", help="A workbook's sheet, by name or number (default: the first with a header row naming the firm)."
    ),
]
LangOption = Annotated[
    Lang | None,
    typer.Option("--lang", help="Language of the output (default: $SUBSIDY_LANG, else the locale)."),
]


def _lang(option: Lang | None) -> str:
    from subsidy_cli.words import choose_lang

    return choose_lang(option.value if option else None)


def _write(text: str) -> None:
    """Machine output: UTF-8 bytes on stdout whatever the console's code page."""
    sys.stdout.flush()
    stream = getattr(sys.stdout, "buffer", None)
    if stream is not None:
        stream.write(text.encode("utf-8"))
        stream.flush()
    else:
        sys.stdout.write(text)


def _say(text: str) -> None:
    """A line for the person at the terminal (stderr), e.g. the interview's questions."""
    sys.stderr.write(text + "\n")


def _ask(prompt: str) -> str | None:
    """Show ``prompt`` on stderr and read one answer line from stdin (None at the end of input)."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    return line.rstrip("\r\n") if line else None


def _pipe_closed() -> NoReturn:
    """The reader of our output went away (e.g. ``| head``): stop quietly with exit 141, as for SIGPIPE."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(EXIT_PIPE)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"subsidy-cli {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Eligibility and award calculator for Suzhou's smart-retrofit and digital-transformation measures."""


@app.command()
def check(
    profile: Annotated[
        str | None,
        typer.Argument(
            help="Profile file (.toml or .json), or a workbook (.xlsx) with one firm or --row; '-' reads stdin. "
            "Optional with --interactive."
        ),
    ] = None,
    as_of: AsOfFirmOption = None,
    output_format: Annotated[
        CheckFormat, typer.Option("--format", help="table for people, json for scripts.")
    ] = CheckFormat.table,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also show lines that need information or do not apply.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every condition, the value used, and the clause.")
    ] = False,
    overrides: SetOption = None,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Ask only the questions that can change the answer.")
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="With --interactive: save the answers to this TOML file.", dir_okay=False),
    ] = None,
    sheet: SheetOption = None,
    row: Annotated[
        int | None, typer.Option("--row", min=1, help="A workbook's row to judge (the row number Excel shows).")
    ] = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Judge every benefit line for one enterprise profile (or interview the client with --interactive)."""
    from subsidy_cli.batch import sources
    from subsidy_cli.engine.assess import assess_rules, evaluation_date
    from subsidy_cli.profile.files import load_profile

    date = sources.option_date(as_of)
    sources.check_profile_argument(profile, interactive, save)
    fixed = sources.overrides(overrides or [])
    rules = sources.rules(measures, overlay or [])
    language = _lang(lang)
    if interactive:
        _interview(profile, fixed, date, rules, language, save, output_format, show_all, explain)
        return
    assert profile is not None
    from subsidy_cli.batch import workbook

    if workbook.is_workbook(profile):
        parsed = workbook.load_profile(profile, sheet, row, fixed)
    else:
        workbook.check_sheet_options(profile, sheet, row)
        notes: list[str] = []
        parsed = load_profile(profile, fixed, notes)
        for note in notes:  # the encoding, when not plain UTF-8
            sys.stderr.write(f"{note}\n")
    _show(assess_rules(parsed, rules, evaluation_date(parsed, date)), language, output_format, show_all, explain)


def _show(result: Assessment, language: str, output_format: CheckFormat, show_all: bool, explain: bool) -> None:
    if output_format is CheckFormat.json:
        from subsidy_cli.output.formats import assessment_dict, dumps

        _write(dumps(assessment_dict(result, language)))
        return
    from subsidy_cli.output import render

    render.assessment(render.make_console(), result, language, show_all=show_all, explain_lines=explain)


def _interview(
    profile: str | None,
    overrides: dict[str, Any],
    date: dt.date | None,
    rules: Rules,
    language: str,
    save: Path | None,
    output_format: CheckFormat,
    show_all: bool,
    explain: bool,
) -> None:
    """Ask, show the result, offer to save. Prompts go to stderr; the result to stdout."""
    from subsidy_cli.interview import Interview

    interview = Interview.starting_from(rules, language, date, profile, overrides)
    result = interview.ask_all(_ask, _say)
    _show(result, language, output_format, show_all, explain)
    interview.offer_save(save, _ask, _say)


class ReportFormat(StrEnum):
    """``report --format``."""

    html = "html"
    md = "md"


@app.command()
def report(
    profile: Annotated[str, typer.Argument(help="Profile file (.toml or .json); '-' reads stdin.")],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write here (.html or .md; default: stdout).")
    ] = None,
    output_format: Annotated[
        ReportFormat | None, typer.Option("--format", help="html or md (default: from the -o suffix, else html).")
    ] = None,
    as_of: AsOfFirmOption = None,
    overrides: SetOption = None,
    district: Annotated[
        str | None, typer.Option("--district", help="Judge the firm as registered in this district (--set district=).")
    ] = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Write the client report of one profile: a self-contained HTML page for A4 (or Markdown) with what the firm
    can claim, could pursue and must confirm, the clauses, the open questions, the rules used and a disclaimer."""
    from subsidy_cli.batch import sources
    from subsidy_cli.engine.assess import assess_rules, evaluation_date
    from subsidy_cli.output import report as documents
    from subsidy_cli.profile.files import load_profile

    date = sources.option_date(as_of)
    sources.check_profile_argument(profile, False, None)
    fmt = documents.report_format(output, output_format.value if output_format else None, profile)
    pairs = list(overrides or [])
    place = sources.option_district(district)
    fixed = sources.overrides(pairs)
    if place is not None:
        fixed["district"] = place
    rules = sources.rules(measures, overlay or [])
    parsed = load_profile(profile, fixed)
    given = documents.Provenance([str(s) for s in rules.sources], pairs, district)
    text = documents.render_report(assess_rules(parsed, rules, evaluation_date(parsed, date)), _lang(lang), fmt, given)
    if output is None or output == "-":
        _write(text)
        return
    documents.write_document(output, text)
    sys.stderr.write(f"wrote {output}\n")


@app.command()
def measures(
    output_format: Annotated[ListFormat, typer.Option("--format", help="table, json or csv.")] = ListFormat.table,
    as_of: AsOfRulesOption = None,
    district: DistrictOption = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """List every benefit line of the policy (and of the layers given)."""
    from subsidy_cli.batch import sources

    catalog = sources.catalog_in_force(sources.rules(measures, overlay or []), as_of, district)
    language = _lang(lang)
    if output_format is ListFormat.json:
        from subsidy_cli.output.formats import catalog_dict, dumps

        _write(dumps(catalog_dict(catalog, language)))
    elif output_format is ListFormat.csv:
        from subsidy_cli.output.formats import catalog_csv

        _write(catalog_csv(catalog, language))
    else:
        from subsidy_cli.output import render

        render.catalog_table(render.make_console(), catalog, language)


@app.command()
def show(
    benefit_id: Annotated[str, typer.Argument(metavar="ID", help="A line id (16a) or a measure number (16).")],
    layers: Annotated[
        bool, typer.Option("--layers", help="Show which layer set each value, from when, on what source.")
    ] = False,
    as_of: AsOfRulesOption = None,
    district: DistrictOption = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Explain one benefit line, or every line of one measure."""
    from subsidy_cli.batch import sources
    from subsidy_cli.output import render

    rules = sources.rules(measures, overlay or [])
    catalog = sources.catalog_in_force(rules, as_of, district)
    found = sources.select_benefits(catalog, benefit_id)
    render.benefit_detail(render.make_console(), catalog, found, _lang(lang), rules if layers else None)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Measures files and layer files.")],
    measures: MeasuresOption = None,
) -> None:
    """Check measures and layer files without evaluating anything. Exit 1 if any has a problem.

    Each measures file is checked alone; the layer files are checked together, in the order given, over
    the first measures file given (else --measures, else the shipped one)."""
    from subsidy_cli.batch import sources

    report = sources.check_rules_files(files, measures)
    for line in report.ok:
        sys.stdout.write(line + "\n")
    if report.problems:
        raise SubsidyError(report.problems, EXIT_DATA)


@app.command()
def diff(
    firms: Annotated[
        str, typer.Argument(metavar="FIRMS", help="A CSV or workbook (.xlsx) of firms, or one profile (.toml/.json).")
    ],
    against: Annotated[
        list[Path] | None, typer.Option("--against", help="Layers of the second rule set (repeatable).", dir_okay=False)
    ] = None,
    against_measures: Annotated[
        Path | None, typer.Option("--against-measures", help="Measures file of the second rule set.", dir_okay=False)
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date (default: each firm's).")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="The CSV's encoding (default: detect).")] = None,
    sheet: SheetOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Score firms under two rule sets (--measures/--overlay against --against-measures/--against) and list,
    per firm and line, what changed and why, as CSV."""
    import csv

    from subsidy_cli.batch import sources
    from subsidy_cli.batch.diff import FirmsDiff

    date = sources.option_date(as_of)
    first = sources.rules(measures, overlay or [], EXIT_USAGE)
    second = sources.rules(against_measures, against or [], EXIT_USAGE)
    changes = FirmsDiff(firms, first, second, date, encoding, sheet)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(changes.header)
    writer.writerows(changes)
    if changes.exit_code:
        raise typer.Exit(changes.exit_code)


@app.command()
def schema(
    rules: Annotated[
        bool, typer.Option("--rules", help="The schema of rules files (a measures file or a layer file) instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of profile files, or with --rules of measures and layer files (for editors that check
    files as they are typed; the package ships them in subsidy_cli/schemas/)."""
    from subsidy_cli.profile.keys import json_schema as profile_schema
    from subsidy_cli.rules.schema import dumps, rules_schema

    _write(dumps(rules_schema() if rules else profile_schema()))


@app.command()
def batch(
    source: Annotated[
        str,
        typer.Argument(metavar="FIRMS", help="CSV or workbook (.xlsx .xls .ods) of firms; '-' reads stdin."),
    ],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write here (default: stdout); a .xlsx name writes a workbook.")
    ] = None,
    output_format: Annotated[
        BatchFormat | None,
        typer.Option("--format", help="csv (one row per firm), jsonl or xlsx (default: -o's extension, else csv)."),
    ] = None,
    long: Annotated[bool, typer.Option("--long", help="CSV with one row per firm and line.")] = False,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="For people in Excel: UTF-8 with a BOM, headers (line id and title), statuses and missing facts in "
            "the --lang language; without it the columns keep the names scripts read.",
        ),
    ] = False,
    encoding: Annotated[str | None, typer.Option("--encoding", help="The input's encoding (default: detect).")] = None,
    ignore_unknown_columns: Annotated[
        bool, typer.Option("--ignore-unknown-columns", help="Skip columns that are not profile keys.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=64, help="Processes to score with.")] = 1,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Evaluation date for every row (default: each row's application_date, else today)."
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help="Set a key for every row (repeatable).")
    ] = None,
    report_path: Annotated[
        str | None,
        typer.Option("--report", help="Also write a county summary page with charts (HTML) here.", dir_okay=False),
    ] = None,
    summary_path: Annotated[
        str | None,
        typer.Option(
            "--summary",
            help="Also write the summary here: .json, or .csv (one table; with --excel in words, with a BOM).",
            dir_okay=False,
        ),
    ] = None,
    sheet: SheetOption = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Score a CSV or workbook of firms: one output row per input row, in order. Exit 1 when some rows are invalid."""
    from subsidy_cli.batch import runner, sources, workbook
    from subsidy_cli.output import render
    from subsidy_cli.output.summary import BatchRun, write_summary

    chosen = workbook.output_format(output_format.value if output_format else None, output, long)
    date = sources.option_date(as_of)
    fixed = sources.overrides(overrides or [], EXIT_USAGE)
    rules = sources.rules(measures, overlay or [], EXIT_USAGE)
    language = _lang(lang)
    if report_path is not None:
        from subsidy_cli.output.report import check_summary_path

        check_summary_path(report_path, source, output)
    if summary_path is not None:
        from subsidy_cli.output.summary import check_summary_file

        check_summary_file(summary_path, source, output, report_path, lang=language)
    if workbook.is_workbook(source):
        firms: runner.FirmsInput = workbook.open_firms(source, sheet, ignore_unknown_columns, output, fixed)
    else:
        workbook.check_sheet_options(source, sheet)
        firms = runner.open_firms(source, encoding, ignore_unknown_columns, output)
    with firms:
        if isinstance(firms, workbook.WorkbookFirms):
            sys.stderr.write(f"reading {firms.name}, sheet {firms.sheet!r} (header on row {firms.header_line})\n")
        else:
            how = "detected" if firms.detected else "as given"
            sys.stderr.write(f"reading {firms.name} as {firms.encoding} ({how})\n")
        if firms.header.unknown:
            sys.stderr.write(f"ignoring column(s): {', '.join(firms.header.unknown)}\n")
        for note in firms.header.notes.lines():  # the delimiter read, columns with no heading
            sys.stderr.write(f"{note}\n")
        options: dict[str, Any] = {"jobs": jobs, "as_of": date, "overrides": fixed, "lang": language}
        if chosen == "xlsx":
            result = workbook.score_to_workbook(firms, rules, output, progress=render.batch_progress, **options)
        else:
            result = runner.score_firms(
                firms, rules, output, output_format=chosen, long=long, excel=excel, progress=render.batch_progress,
                **options,
            )  # fmt: skip
        notes = firms.header.notes  # rows of no value, counted as the input was read
        result.stats.skipped, result.stats.skipped_lines = notes.blank_rows, list(notes.blank_lines)
    render.batch_summary(render.make_console(stderr=True), result.catalog, result.stats, result.seconds, language)
    run = BatchRun(source, as_of, [str(s) for s in rules.sources])
    if summary_path is not None:
        write_summary(summary_path, result.catalog, result.stats, language, run, excel)
        sys.stderr.write(f"wrote {summary_path}\n")
    if report_path is not None:
        from subsidy_cli.output import report as documents

        documents.write_document(report_path, documents.render_summary(result.catalog, result.stats, language, run))
        sys.stderr.write(f"wrote {report_path}\n")
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command()
def template(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.", dir_okay=False)
    ] = None,
    csv_header: Annotated[bool, typer.Option("--csv", help="An empty CSV with every profile key as a column.")] = (
        False
    ),
    xlsx: Annotated[
        bool, typer.Option("--xlsx", help="A workbook to collect firms in, with dropdowns and hints (needs -o).")
    ] = False,
    excel: Annotated[
        bool, typer.Option("--excel", help="With --csv: UTF-8 with a BOM, so Excel on Chinese Windows reads it.")
    ] = False,
    lang: LangOption = None,
) -> None:
    """Write a commented TOML profile to fill in (or, with --csv, an empty CSV of firms; with --xlsx, a workbook)."""
    from subsidy_cli.output.files import write_new_file
    from subsidy_cli.output.template import csv_template, profile_template

    if xlsx or (output is not None and output.suffix.lower() == ".xlsx"):
        from subsidy_cli.output.files import atomic_path, check_new_file
        from subsidy_cli.output.template import workbook_template

        if output is None:
            raise SubsidyError("--xlsx writes a workbook: give its name with -o, e.g. -o firms.xlsx", EXIT_USAGE)
        check_new_file(output)
        with atomic_path(str(output)) as path:
            workbook_template(path, _lang(lang))
        sys.stderr.write(f"wrote {output}\n")
        return

    if excel and not csv_header:
        raise SubsidyError("--excel writes the CSV template with a BOM; use it with --csv", EXIT_USAGE)
    text = csv_template(_lang(lang)) if csv_header else profile_template(_lang(lang))
    if excel:
        text = "\ufeff" + text
    if output is None:
        _write(text)
        return
    write_new_file(output, text)
    sys.stderr.write(f"wrote {output}\n")


def main() -> None:
    """Console entry point (``subsidy``). Errors become messages and exit codes in ``_Commands.invoke``; no
    traceback reaches the user unless SUBSIDY_DEBUG is set."""
    app()
