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
from typer.core import TyperCommand, TyperGroup

from subsidy_cli import i18n
from subsidy_cli.errors import EXIT_DATA, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_PIPE, EXIT_USAGE, SubsidyError
from subsidy_cli.helptext import language_of, localise_click, translated, unknown_command
from subsidy_cli.i18n import N_, _
from subsidy_cli.version import __version__

if TYPE_CHECKING:
    import datetime as dt

    from subsidy_cli.engine.assess import Assessment
    from subsidy_cli.output.report import Provenance
    from subsidy_cli.rules.layers import Rules


class _Localised:
    """Help pages and usage errors in the run's language (see ``helptext``), for commands and the group."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with translated(self, ctx):
            super().format_help(ctx, formatter)  # type: ignore[misc]

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))

    def get_short_help_str(self, limit: int = 45) -> str:
        with translated(self):
            return str(super().get_short_help_str(limit))  # type: ignore[misc]


class _Command(_Localised, TyperCommand):
    """A command whose help page and usage errors are written in the run's language."""


class _Commands(_Localised, TyperGroup):
    """The commands, each run inside the one place where errors become messages and exit codes."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        """Before Click reads anything, choose the run's language (``--lang``, else the environment), so that
        help pages, usage errors and every message after them speak it."""
        i18n.use(language_of(args))
        localise_click()
        try:  # --help and --version are written while Click parses, before ``invoke``
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:
            _pipe_closed()

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command named first among ``args``; an unknown name is a usage error in the run's language, with
        the commands it may have meant."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            ctx.fail(unknown_command(name, list(self.commands)))
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Any) -> Any:  # ctx: the Context of the Click that Typer bundles
        """Run the command; turn what it raises into messages on stderr and an exit code."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # Typer's own: exits, --help, usage errors (exit 2, shown by Typer)
        except SubsidyError as exc:
            for line in exc.lines():
                sys.stderr.write(_("error: {problem}", problem=line) + "\n")
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
                _(
                    "internal error: {kind}: {exc} (set SUBSIDY_DEBUG=1 for details; please report this)",
                    kind=type(exc).__name__,
                    exc=exc,
                )
                + "\n"
            )
            raise typer.Exit(EXIT_INTERNAL) from None


app = typer.Typer(
    name="subsidy",
    cls=_Commands,
    help=N_(
        "Eligibility and awards under Suzhou's 《关于推进制造业智能化改造和数字化转型的若干措施》 (2021-2023).\n\n"
        "Exit codes: 0 done; 1 invalid profile or rules file (batch: some rows invalid); 2 usage error or "
        "unreadable input; 70 internal error; 130 interrupted (batch: 143 SIGTERM, 129 SIGHUP); 141 output closed."
    ),
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
    typer.Option("--measures", help=N_("Load this measures file instead of the one shipped."), dir_okay=False),
]
OverlayOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--overlay", help=N_("Layer county rules over the measures (repeatable; later layers win)."), dir_okay=False
    ),
]
AsOfFirmOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help=N_("Evaluation date, YYYY-MM-DD (default: the profile's application_date, else today).")
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=VALUE", help=N_("What-if: override a profile key (repeatable).")),
]
AsOfRulesOption = Annotated[
    str | None,
    typer.Option("--as-of", help=N_("Show the values in force on this date (default: the first values).")),
]
DistrictOption = Annotated[
    str | None,
    typer.Option("--district", help=N_("Show the values for firms registered in this district (with layers).")),
]
SheetOption = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help=N_("A workbook's sheet, by name or number (default: the first with a header row naming the firm)."),
    ),
]
LangOption = Annotated[
    Lang | None,
    typer.Option("--lang", help=N_("Language of the output (default: $SUBSIDY_LANG, else the locale).")),
]


def _lang(option: Lang | None) -> str:
    """The run's language: the command's ``--lang``, else the one chosen before parsing (``--lang`` given
    before the command, ``$SUBSIDY_LANG``, the locale); messages from here on speak it."""
    language = option.value if option else i18n.active()
    i18n.use(language)
    return language


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
    """Show ``prompt`` on stderr and read one answer line from stdin (None at the end of input). Answers piped
    in are echoed after their prompt, so that the transcript on stderr reads as a typed one. Ctrl-C while
    waiting raises ``KeyboardInterrupt`` (the interview offers to save what was answered)."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        return None
    answer = line.rstrip("\r\n")
    if not _typed():
        sys.stderr.write(answer + "\n")
    return answer


def _typed() -> bool:
    """Whether answers come from a terminal (which shows them as they are typed)."""
    isatty = getattr(sys.stdin, "isatty", None)  # called after a line was read: stdin is open
    return bool(isatty and isatty())


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
        bool, typer.Option("--version", callback=_version, is_eager=True, help=N_("Print the version and exit."))
    ] = False,
    lang: LangOption = None,  # read before parsing (_Commands.make_context); here so that it is accepted
) -> None:
    """Eligibility and award calculator for Suzhou's smart-retrofit and digital-transformation measures."""


@app.command(
    cls=_Command,
    help=N_("Judge every benefit line for one enterprise profile (or interview the client with --interactive)."),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy check samples/kunshan-parts-sme.toml                    judge a profile\n"
        "  subsidy check firm.toml --set sme=true --as-of 2022-06-30      a what-if, on a date\n"
        "  subsidy check -i --save firm.toml                              interview a client, save the answers"
    ),
)
def check(
    profile: Annotated[
        str | None,
        typer.Argument(
            help=N_(
                "Profile file (.toml or .json), or a workbook (.xlsx) with one firm or --row; '-' reads stdin. "
                "Optional with --interactive."
            )
        ),
    ] = None,
    as_of: AsOfFirmOption = None,
    output_format: Annotated[
        CheckFormat, typer.Option("--format", help=N_("table for people, json for scripts."))
    ] = CheckFormat.table,
    show_all: Annotated[
        bool, typer.Option("--all", help=N_("Also show lines that need information or do not apply."))
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help=N_("Show every condition, the value used, and the clause."))
    ] = False,
    overrides: SetOption = None,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help=N_("Ask only the questions that can change the answer."))
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option("--save", help=N_("With --interactive: save the answers to this TOML file."), dir_okay=False),
    ] = None,
    sheet: SheetOption = None,
    row: Annotated[
        int | None, typer.Option("--row", min=1, help=N_("A workbook's row to judge (the row number Excel shows)."))
    ] = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Judge every benefit line for one enterprise profile (or interview the client with --interactive)."""
    from subsidy_cli.batch import sources
    from subsidy_cli.engine.assess import assess_rules, evaluation_date
    from subsidy_cli.profile.files import load_profile

    language = _lang(lang)  # first: every message in it
    date = sources.option_date(as_of)
    sources.check_profile_argument(profile, interactive, save)
    fixed = sources.overrides(overrides or [])
    rules = sources.rules(measures, overlay or [])
    if interactive:
        _interview(profile, fixed, date, rules, language, save, output_format, show_all, explain)
        return
    assert profile is not None
    from subsidy_cli.batch import workbook

    given: dict[str, Any] = {}  # the values as written: what reading took out shows only there
    if workbook.is_workbook(profile):
        parsed = workbook.load_profile(profile, sheet, row, fixed, given)
    else:
        workbook.check_sheet_options(profile, sheet, row)
        notes: list[str] = []
        parsed = load_profile(profile, fixed, notes, given)
        for note in notes:  # the encoding, when not plain UTF-8
            sys.stderr.write(f"{note}\n")
    from subsidy_cli.output.report import Provenance

    provenance = Provenance([str(s) for s in rules.sources], list(overrides or []), layers=rules.layer_names)
    result = assess_rules(parsed, rules, evaluation_date(parsed, date), given)
    _show(result, language, output_format, show_all, explain, provenance)


def _show(
    result: Assessment,
    language: str,
    output_format: CheckFormat,
    show_all: bool,
    explain: bool,
    provenance: Provenance | None = None,
) -> None:
    if output_format is CheckFormat.json:
        from subsidy_cli.output.formats import assessment_dict, dumps

        _write(dumps(assessment_dict(result, language)))
        return
    from subsidy_cli.output import render

    console = render.make_console()
    render.assessment(console, result, language, show_all=show_all, explain_lines=explain, provenance=provenance)


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
    result = interview.ask_all(_ask, _say, save)
    _show(result, language, output_format, show_all, explain)
    interview.offer_save(save, _ask, _say)


class ReportFormat(StrEnum):
    """``report --format``."""

    html = "html"
    md = "md"


@app.command(
    cls=_Command,
    help=N_(
        "Write the client report of one profile: a self-contained HTML page for A4 (or Markdown) with what "
        "the firm can claim, could pursue and must confirm, the clauses, the open questions, the rules used "
        "and a disclaimer."
    ),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy report firm.toml -o report.html                        the client's report (A4)\n"
        "  subsidy report firm.toml -o report.md --lang en                in Markdown, in English\n"
        "  subsidy report firm.toml --overlay county.toml -o report.html"
    ),
)
def report(
    profile: Annotated[str, typer.Argument(help=N_("Profile file (.toml or .json); '-' reads stdin."))],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help=N_("Write here (.html or .md; default: stdout)."))
    ] = None,
    output_format: Annotated[
        ReportFormat | None, typer.Option("--format", help=N_("html or md (default: from the -o suffix, else html)."))
    ] = None,
    as_of: AsOfFirmOption = None,
    overrides: SetOption = None,
    district: Annotated[
        str | None,
        typer.Option("--district", help=N_("Judge the firm as registered in this district (--set district=).")),
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
    sys.stderr.write(_("wrote {path}", path=output) + "\n")


@app.command(
    cls=_Command,
    help=N_("List every benefit line of the policy (and of the layers given)."),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy measures                                               every line, in a table\n"
        "  subsidy measures --format csv > lines.csv                      for a spreadsheet\n"
        "  subsidy measures --overlay suzhou-2022 --as-of 2022-03-01      the values in force that day"
    ),
)
def measures(
    output_format: Annotated[ListFormat, typer.Option("--format", help=N_("table, json or csv."))] = ListFormat.table,
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


@app.command(
    cls=_Command,
    help=N_("Explain one benefit line, or every line of one measure."),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy show 16a                                               one line: conditions, amount, clause\n"
        "  subsidy show 5                                                 every line of measure 5\n"
        "  subsidy show 1a --overlay samples/overlays/zhangjiagang-2022.toml --layers"
    ),
)
def show(
    benefit_id: Annotated[str, typer.Argument(metavar="ID", help=N_("A line id (16a) or a measure number (16)."))],
    layers: Annotated[
        bool, typer.Option("--layers", help=N_("Show which layer set each value, from when, on what source."))
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

    language = _lang(lang)  # first: every message in it
    rules = sources.rules(measures, overlay or [])
    catalog = sources.catalog_in_force(rules, as_of, district)
    found = sources.select_benefits(catalog, benefit_id)
    render.benefit_detail(render.make_console(), catalog, found, language, rules if layers else None)


@app.command(
    cls=_Command,
    help=N_(
        "Check measures and layer files without evaluating anything. Exit 1 if any has a problem. Each "
        "measures file is checked alone; the layer files are checked together, in the order given, over the "
        "first measures file given (else --measures, else the shipped one)."
    ),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy validate measures.toml                                 a measures file\n"
        "  subsidy validate samples/overlays/zhangjiagang-2022.toml       a county layer over the shipped measures\n"
        "  subsidy validate my-measures.toml my-layer.toml                a layer over an edited measures file"
    ),
)
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help=N_("Measures files and layer files."))],
    measures: MeasuresOption = None,
    lang: LangOption = None,
) -> None:
    """Check measures and layer files without evaluating anything. Exit 1 if any has a problem.

    Each measures file is checked alone; the layer files are checked together, in the order given, over
    the first measures file given (else --measures, else the shipped one)."""
    from subsidy_cli.batch import sources

    _lang(lang)
    report = sources.check_rules_files(files, measures)
    for line in report.ok:
        sys.stdout.write(line + "\n")
    if report.problems:
        raise SubsidyError(report.problems, EXIT_DATA)


@app.command(
    cls=_Command,
    help=N_(
        "Score firms under two rule sets (--measures/--overlay against --against-measures/--against) and "
        "list, per firm and line, what changed and why, as CSV."
    ),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy diff firms.csv --against county.toml > changes.csv\n"
        "  subsidy diff firm.toml --overlay suzhou-2022 --against-measures new.toml"
    ),
)
def diff(
    firms: Annotated[
        str,
        typer.Argument(metavar="FIRMS", help=N_("A CSV or workbook (.xlsx) of firms, or one profile (.toml/.json).")),
    ],
    against: Annotated[
        list[Path] | None,
        typer.Option("--against", help=N_("Layers of the second rule set (repeatable)."), dir_okay=False),
    ] = None,
    against_measures: Annotated[
        Path | None,
        typer.Option("--against-measures", help=N_("Measures file of the second rule set."), dir_okay=False),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help=N_("Evaluation date (default: each firm's)."))] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help=N_("The CSV's encoding (default: detect)."))
    ] = None,
    sheet: SheetOption = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Score firms under two rule sets (--measures/--overlay against --against-measures/--against) and list,
    per firm and line, what changed and why, as CSV."""
    import csv

    from subsidy_cli.batch import sources
    from subsidy_cli.batch.diff import FirmsDiff

    _lang(None)  # the messages' language: $SUBSIDY_LANG, else the locale
    _lang(lang)
    date = sources.option_date(as_of)
    first = sources.rules(measures, overlay or [], EXIT_USAGE)
    second = sources.rules(against_measures, against or [], EXIT_USAGE)
    changes = FirmsDiff(firms, first, second, date, encoding, sheet)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(changes.header)
    writer.writerows(changes)
    if changes.exit_code:
        raise typer.Exit(changes.exit_code)


@app.command(
    cls=_Command,
    help=N_(
        "Print the JSON Schema of profile files, or with --rules of measures and layer files (for editors "
        "that check files as they are typed; the package ships them in subsidy_cli/schemas/)."
    ),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy schema > profile.schema.json                           the profile's schema\n"
        "  subsidy schema --rules > rules.schema.json                     measures and layer files"
    ),
)
def schema(
    rules: Annotated[
        bool, typer.Option("--rules", help=N_("The schema of rules files (a measures file or a layer file) instead."))
    ] = False,
    lang: LangOption = None,  # accepted as by every command; the schema itself is the same in both languages
) -> None:
    """Print the JSON Schema of profile files, or with --rules of measures and layer files (for editors that check
    files as they are typed; the package ships them in subsidy_cli/schemas/)."""
    from subsidy_cli.profile.keys import json_schema as profile_schema
    from subsidy_cli.rules.schema import dumps, rules_schema

    _write(dumps(rules_schema() if rules else profile_schema()))


@app.command(
    cls=_Command,
    help=N_(
        "Score a CSV or workbook of firms: one output row per input row, in order. Exit 1 when some rows are invalid."
    ),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy batch samples/firms.csv -o results.csv                 score a county's list\n"
        "  subsidy batch firms.xlsx -o results.xlsx --lang zh             a workbook in, a workbook out\n"
        "  subsidy batch firms.csv --excel --lang zh -o out.csv --summary summary.csv   for Excel, with a summary\n"
        "  subsidy batch firms.csv --overlay county.toml --jobs 2 -o out.csv"
    ),
)
def batch(
    source: Annotated[
        str,
        typer.Argument(metavar="FIRMS", help=N_("CSV or workbook (.xlsx .xls .ods) of firms; '-' reads stdin.")),
    ],
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help=N_("Write here (default: stdout); a .xlsx name writes a workbook.")),
    ] = None,
    output_format: Annotated[
        BatchFormat | None,
        typer.Option("--format", help=N_("csv (one row per firm), jsonl or xlsx (default: -o's extension, else csv).")),
    ] = None,
    long: Annotated[bool, typer.Option("--long", help=N_("CSV with one row per firm and line."))] = False,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help=N_(
                "For people in Excel: UTF-8 with a BOM, headers (line id and title), statuses and missing facts in "
                "the --lang language; without it the columns keep the names scripts read."
            ),
        ),
    ] = False,
    all_columns: Annotated[
        bool,
        typer.Option(
            "--all-columns",
            help=N_(
                "After the usual columns, each line's status if in force and the totals if in force, the minimum "
                "of open-ended lines, the facts still missing and the input's columns as given (--excel writes them "
                "too)."
            ),
        ),
    ] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help=N_("The input's encoding (default: detect)."))
    ] = None,
    ignore_unknown_columns: Annotated[
        bool, typer.Option("--ignore-unknown-columns", help=N_("Skip columns that are not profile keys."))
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=64, help=N_("Processes to score with."))] = 1,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help=N_("Evaluation date for every row (default: each row's application_date, else today).")
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help=N_("Set a key for every row (repeatable)."))
    ] = None,
    report_path: Annotated[
        str | None,
        typer.Option("--report", help=N_("Also write a county summary page with charts (HTML) here."), dir_okay=False),
    ] = None,
    summary_path: Annotated[
        str | None,
        typer.Option(
            "--summary",
            help=N_("Also write the summary here: .json, or .csv (one table; with --excel in words, with a BOM)."),
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

    language = _lang(lang)  # first: every message in it
    chosen = workbook.output_format(output_format.value if output_format else None, output, long)
    date = sources.option_date(as_of)
    fixed = sources.overrides(overrides or [], EXIT_USAGE)
    rules = sources.rules(measures, overlay or [], EXIT_USAGE)
    if report_path is not None:
        from subsidy_cli.output.report import check_summary_path

        check_summary_path(report_path, source, output)
    if summary_path is not None:
        from subsidy_cli.output.summary import check_summary_file

        check_summary_file(summary_path, source, output, report_path, lang=language)
    if workbook.is_workbook(source):
        firms: runner.FirmsInput = workbook.open_firms(source, sheet, ignore_unknown_columns, output)
    else:
        workbook.check_sheet_options(source, sheet)
        firms = runner.open_firms(source, encoding, ignore_unknown_columns, output)
    with firms:
        if isinstance(firms, workbook.WorkbookFirms):
            line = _("reading {name}, sheet {sheet!r} (header on row {row})", name=firms.name, sheet=firms.sheet,
                     row=firms.header_line)  # fmt: skip
        elif firms.detected:
            line = _("reading {name} as {encoding} (detected)", name=firms.name, encoding=firms.encoding)
        else:
            line = _("reading {name} as {encoding} (as given)", name=firms.name, encoding=firms.encoding)
        sys.stderr.write(line + "\n")
        if firms.header.unknown:
            sys.stderr.write(_("ignoring column(s): {names}", names=", ".join(firms.header.unknown)) + "\n")
        for note in firms.header.notes.lines():  # the delimiter read, columns with no heading
            sys.stderr.write(f"{note}\n")
        options: dict[str, Any] = {"jobs": jobs, "as_of": date, "overrides": fixed, "lang": language}
        if chosen == "xlsx":
            result = workbook.score_to_workbook(firms, rules, output, progress=render.batch_progress, **options)
        else:
            result = runner.score_firms(
                firms, rules, output, output_format=chosen, long=long, excel=excel, all_columns=all_columns,
                progress=render.batch_progress, **options,
            )  # fmt: skip
        notes = firms.header.notes  # rows of no value, counted as the input was read
        result.stats.skipped, result.stats.skipped_lines = notes.blank_rows, list(notes.blank_lines)
    render.batch_summary(render.make_console(stderr=True), result.catalog, result.stats, result.seconds, language)
    run = BatchRun(source, as_of, [str(s) for s in rules.sources])
    if summary_path is not None:
        write_summary(summary_path, result.catalog, result.stats, language, run, excel)
        sys.stderr.write(_("wrote {path}", path=summary_path) + "\n")
    if report_path is not None:
        from subsidy_cli.output import report as documents

        documents.write_document(report_path, documents.render_summary(result.catalog, result.stats, language, run))
        sys.stderr.write(_("wrote {path}", path=report_path) + "\n")
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command(
    cls=_Command,
    help=N_(
        "Write a commented TOML profile to fill in (or, with --csv, an empty CSV of firms; with --xlsx, a workbook)."
    ),
    epilog=N_(
        "\b\n"
        "Examples:\n"
        "  subsidy template -o firm.toml                                  a profile to fill in\n"
        "  subsidy template --csv --excel -o firms.csv                    a CSV Excel opens, one firm a row\n"
        "  subsidy template --xlsx -o firms.xlsx                          a workbook with dropdowns"
    ),
)
def template(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help=N_("Write to this file instead of stdout."), dir_okay=False)
    ] = None,
    csv_header: Annotated[bool, typer.Option("--csv", help=N_("An empty CSV with every profile key as a column."))] = (
        False
    ),
    xlsx: Annotated[
        bool, typer.Option("--xlsx", help=N_("A workbook to collect firms in, with dropdowns and hints (needs -o)."))
    ] = False,
    excel: Annotated[
        bool, typer.Option("--excel", help=N_("With --csv: UTF-8 with a BOM, so Excel on Chinese Windows reads it."))
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
            raise SubsidyError(_("--xlsx writes a workbook: give its name with -o, e.g. -o firms.xlsx"), EXIT_USAGE)
        check_new_file(output)
        with atomic_path(str(output)) as path:
            workbook_template(path, _lang(lang))
        sys.stderr.write(_("wrote {path}", path=output) + "\n")
        return

    if excel and not csv_header:
        raise SubsidyError(_("--excel writes the CSV template with a BOM; use it with --csv"), EXIT_USAGE)
    text = csv_template(_lang(lang)) if csv_header else profile_template(_lang(lang))
    if excel:
        text = "\ufeff" + text
    if output is None:
        _write(text)
        return
    write_new_file(output, text)
    sys.stderr.write(_("wrote {path}", path=output) + "\n")


def main() -> None:
    """Console entry point (``subsidy``). Errors become messages and exit codes in ``_Commands.invoke``; no
    traceback reaches the user unless SUBSIDY_DEBUG is set."""
    app()
