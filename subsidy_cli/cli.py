"""The ``subsidy`` command: parse options, call the core, pick a renderer, map errors to exit codes.

Exit codes: 0 done (whatever the statuses); 1 invalid profile or rules file (batch: some rows invalid);
2 usage error or unreadable input; 70 internal error (a bug: please report it); 130 interrupted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from subsidy_cli import __version__

if TYPE_CHECKING:
    from subsidy_cli.engine.assess import Assessment
    from subsidy_cli.rules.catalog import Catalog
    from subsidy_cli.rules.layers import Rules

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_PIPE = 141

app = typer.Typer(
    name="subsidy",
    help="Eligibility and awards under Suzhou's 《关于推进制造业智能化改造和数字化转型的若干措施》 (2021-2023).\n\n"
    "Exit codes: 0 done; 1 invalid profile or rules file (batch: some rows invalid); 2 usage error or "
    "unreadable input; 70 internal error; 130 interrupted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class CheckFormat(StrEnum):
    table = "table"
    json = "json"


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class BatchFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


class Lang(StrEnum):
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
AsOfRulesOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Show the values in force on this date (default: the first values)."),
]
DistrictOption = Annotated[
    str | None,
    typer.Option("--district", help="Show the values for firms registered in this district (with layers)."),
]
LangOption = Annotated[
    Lang | None,
    typer.Option("--lang", help="Language of the output (default: $SUBSIDY_LANG, else the locale)."),
]


def _fail(lines: list[str], code: int = EXIT_DATA) -> NoReturn:
    for line in lines:
        sys.stderr.write(f"error: {line}\n")
    raise typer.Exit(code)


def _rules(path: Path | None, overlays: list[Path] | None, code: int = EXIT_DATA) -> Rules:
    from subsidy_cli.rules.catalog import CatalogError
    from subsidy_cli.rules.layers import load_rules

    try:
        return load_rules(path, overlays or [])
    except CatalogError as exc:
        _fail(exc.problems, code)


def _snapshot(rules: Rules, as_of: str | None, district: str | None) -> Catalog:
    """The rules in force on a date for a district, for listings (default: the first values)."""
    from subsidy_cli.profile.keys import parse_value

    date, place = _date_option(as_of), None
    try:
        place = parse_value("district", district) if district else None
    except ValueError as exc:
        _fail([f"--district: {exc}"], EXIT_USAGE)
    return rules.snapshot(date or dt.date.min, place)


def _date_option(text: str | None) -> dt.date | None:
    """``--as-of`` as a date, or a usage error saying what is wrong with it."""
    from subsidy_cli.profile.values import parse_date

    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        _fail([f"--as-of: {exc}"], EXIT_USAGE)


def _lang(option: Lang | None) -> str:
    from subsidy_cli.words import choose_lang

    return choose_lang(option.value if option else None)


def _write(text: str) -> None:
    """Machine output: UTF-8 bytes on stdout whatever the console's code page."""
    try:
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            stream.write(text.encode("utf-8"))
            stream.flush()
        else:
            sys.stdout.write(text)
    except BrokenPipeError:
        _pipe_closed()


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
        str | None, typer.Argument(help="Profile file (.toml or .json); '-' reads stdin. Optional with --interactive.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Evaluation date, YYYY-MM-DD (default: the profile's application_date, else today)."
        ),
    ] = None,
    output_format: Annotated[
        CheckFormat, typer.Option("--format", help="table for people, json for scripts.")
    ] = CheckFormat.table,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also show lines that need information or do not apply.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every condition, the value used, and the clause.")
    ] = False,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="KEY=VALUE", help="What-if: override a profile key (repeatable)."),
    ] = None,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Ask only the questions that can change the answer.")
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="With --interactive: save the answers to this TOML file.", dir_okay=False),
    ] = None,
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Judge every benefit line for one enterprise profile (or interview the client with --interactive)."""
    from subsidy_cli.engine.assess import assess_rules, evaluation_date
    from subsidy_cli.profile.files import build_overrides, load_profile
    from subsidy_cli.profile.keys import ProfileError

    date = _date_option(as_of)
    if profile is None and not interactive:
        _fail(["give a profile file (or '-' for stdin), or use --interactive"], EXIT_USAGE)
    if save is not None and not interactive:
        _fail(["--save saves the answers of an interview; use it with --interactive"], EXIT_USAGE)
    if profile is not None and profile != "-" and not Path(profile).is_file():
        what = "is a folder" if Path(profile).is_dir() else "does not exist"
        _fail([f"{profile}: {what}; give a .toml or .json profile file, or '-' for stdin"], EXIT_USAGE)
    if interactive and profile == "-":
        _fail(["--interactive reads the answers from stdin; give the starting profile as a file"], EXIT_USAGE)
    if save is not None and save.exists():
        _fail([f"{save}: already exists; choose another name or delete it first"], EXIT_USAGE)
    try:
        fixed = build_overrides(overrides or [])
    except ProfileError as exc:
        _fail(exc.lines())
    rules = _rules(measures, overlay)
    language = _lang(lang)
    if interactive:
        _interview(profile, fixed, date, rules, language, save, output_format, show_all, explain)
        return
    assert profile is not None
    try:
        parsed = load_profile(profile, fixed)
    except ProfileError as exc:
        _fail(exc.lines())
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
    from subsidy_cli.interview import EndOfAnswers, Interview, saved_profile
    from subsidy_cli.profile.files import read_profile_data
    from subsidy_cli.profile.keys import ProfileError, build_profile, profile_to_dict
    from subsidy_cli.words import pick

    interview = Interview(rules, language, date)
    data: dict[str, Any] = {}
    if profile is not None:
        try:
            data, _ = read_profile_data(profile)
        except ProfileError as exc:
            _fail(exc.lines())
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if data:
        try:  # the name may be missing: the interview asks for it
            start = build_profile({"name": "-", **data}, profile or "--set")
        except ProfileError as exc:
            _fail(exc.lines())
        interview.answers = {k: v for k, v in profile_to_dict(start).items() if k in data}

    def say(text: str) -> None:
        sys.stderr.write(text + "\n")

    def ask(prompt: str) -> str | None:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        return line.rstrip("\r\n") if line else None

    try:
        result = interview.run(ask, say)
    except (EndOfAnswers, KeyboardInterrupt):
        sys.stderr.write(
            "\n" + pick(language, "访谈已中止,未保存任何内容。", "Interview stopped; nothing was saved.") + "\n"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    say(pick(language, f"共提问 {len(interview.asked)} 个问题。", f"{len(interview.asked)} questions asked."))
    _show(result, language, output_format, show_all, explain)
    target = save
    while target is None:
        answer = ask(
            pick(
                language,
                "保存为 TOML 档案?输入文件名(回车跳过): ",
                "Save the answers as a TOML profile? File name (Enter to skip): ",
            )
        )
        if not answer or not answer.strip():
            return
        candidate = Path(answer.strip())
        if candidate.exists():
            say(pick(language, f"{candidate} 已存在,请换一个文件名。", f"{candidate} exists; choose another name."))
            continue
        target = candidate
    if target.exists() and save is not None:
        _fail([f"{target}: already exists; choose another name or delete it first"], EXIT_USAGE)
    import tomli_w

    try:
        target.write_text(tomli_w.dumps(saved_profile(interview)), encoding="utf-8")
    except OSError as exc:
        _fail([f"{target}: cannot write: {exc.strerror or exc}"], EXIT_USAGE)
    say(
        pick(
            language,
            f"已保存到 {target};用 subsidy check {target} 可重现本结果。",
            f"Saved to {target}; 'subsidy check {target}' reproduces this result.",
        )
    )


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
    catalog = _snapshot(_rules(measures, overlay), as_of, district)
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
    import difflib

    from subsidy_cli.output import render

    rules = _rules(measures, overlay)
    catalog = _snapshot(rules, as_of, district)
    wanted = benefit_id.strip().lower()
    found = [b for b in catalog.benefits if b.id == wanted or (wanted.isdigit() and str(b.measure) == wanted)]
    if not found:
        ids = [b.id for b in catalog.benefits]
        near = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(near)}?" if near else "; run 'subsidy measures' to list them"
        _fail([f"no benefit line or measure {benefit_id!r}{hint}"], EXIT_USAGE)
    render.benefit_detail(render.make_console(), catalog, found, _lang(lang), rules if layers else None)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Measures files and layer files.")],
    measures: MeasuresOption = None,
) -> None:
    """Check measures and layer files without evaluating anything. Exit 1 if any has a problem.

    Each measures file is checked alone; the layer files are checked together, in the order given, over
    the first measures file given (else --measures, else the shipped one)."""
    from subsidy_cli.rules.catalog import CatalogError, read_data
    from subsidy_cli.rules.layers import load_rules

    failed = False
    measures_files: list[Path] = []
    layer_files: list[Path] = []
    for path in files:
        try:
            data, _ = read_data(path, kind="rules")
        except CatalogError as exc:
            failed = True
            for problem in exc.problems:
                sys.stderr.write(f"error: {problem}\n")
            continue
        (measures_files if "policy" in data or "schema_version" in data else layer_files).append(path)
    checks = [([path], path, None) for path in measures_files]
    if layer_files:
        base = measures_files[0] if measures_files else measures
        checks.append((layer_files, base, layer_files))
    for named, base, layers in checks:
        try:
            rules = load_rules(base, layers or [])
        except CatalogError as exc:
            failed = True
            for problem in exc.problems:
                sys.stderr.write(f"error: {problem}\n")
            continue
        what = (
            f"{len(layers)} layer(s) over {rules.sources[0]}"
            if layers
            else f"measures, {len(rules.first().benefits)} lines"
        )
        names = ", ".join(str(p) for p in named)
        sys.stdout.write(f"{names}: ok ({what}; rules_sha256 {rules.sha256[:12]})\n")
    if failed:
        raise typer.Exit(EXIT_DATA)


@app.command()
def diff(
    firms: Annotated[str, typer.Argument(metavar="FIRMS", help="A CSV of firms, or one profile (.toml/.json).")],
    against: Annotated[
        list[Path] | None, typer.Option("--against", help="Layers of the second rule set (repeatable).", dir_okay=False)
    ] = None,
    against_measures: Annotated[
        Path | None, typer.Option("--against-measures", help="Measures file of the second rule set.", dir_okay=False)
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date (default: each firm's).")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="The CSV's encoding (default: detect).")] = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Score firms under two rule sets (--measures/--overlay against --against-measures/--against) and list,
    per firm and line, what changed and why, as CSV."""
    import csv as csv_module

    from subsidy_cli import __version__ as version
    from subsidy_cli.batch.csvio import InputError, map_header, neutralise, open_input, read_rows
    from subsidy_cli.engine.compare import DIFF_COLUMNS, compare
    from subsidy_cli.profile.files import load_profile
    from subsidy_cli.profile.keys import ProfileError, build_profile

    date = _date_option(as_of)
    first = _rules(measures, overlay, EXIT_USAGE)
    second = _rules(against_measures, against, EXIT_USAGE)
    audit = [first.sha256, second.sha256, version]
    writer = csv_module.writer(sys.stdout, lineterminator="\n")

    def emit(cells: list[Any]) -> None:
        """One row, ending with which rules were compared (the audit trail)."""
        try:
            writer.writerow([*cells, *audit])
        except BrokenPipeError:
            _pipe_closed()

    writer.writerow([*DIFF_COLUMNS, "rules_a_sha256", "rules_b_sha256", "tool_version"])
    if Path(firms).suffix.lower() in (".toml", ".json"):
        try:
            profile = load_profile(firms)
        except ProfileError as exc:
            _fail(exc.lines())
        for change in compare(profile, first, second, date):
            emit([neutralise(c) for c in change.cells("", profile.name)])
        return
    try:
        source = open_input(firms, encoding)
        rows = read_rows(source.stream)
        head = next(rows, None)
        if head is None:
            raise InputError(f"{firms}: has no header row")
        header = map_header(head[1], source.name, ignore_unknown=False)
    except InputError as exc:
        _fail(str(exc).splitlines(), EXIT_USAGE)
    invalid = False
    for line, row in rows:
        data = {key: cell for key, cell in zip(header.keys, row, strict=False) if key is not None}
        try:
            profile = build_profile(data, f"line {line}")
        except ProfileError as exc:
            invalid = True
            name = data.get("name", "")
            emit(
                [
                    line,
                    neutralise(name),
                    "",
                    "invalid",
                    "invalid",
                    "",
                    "",
                    neutralise("; ".join(str(p) for p in exc.problems)),
                ]
            )
            continue
        for change in compare(profile, first, second, date):
            emit([neutralise(c) for c in change.cells(line, profile.name)])
    if invalid:
        raise typer.Exit(EXIT_DATA)


@app.command()
def schema() -> None:
    """Print the profile's JSON Schema (for editors that check profile files)."""
    import json

    from subsidy_cli.profile.keys import json_schema

    _write(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")


@app.command()
def batch(
    source: Annotated[str, typer.Argument(metavar="FIRMS.CSV", help="CSV of firms, one per row; '-' reads stdin.")],
    output: Annotated[str | None, typer.Option("-o", "--output", help="Write here (default: stdout).")] = None,
    output_format: Annotated[BatchFormat, typer.Option("--format", help="csv (one row per firm) or jsonl.")] = (
        BatchFormat.csv
    ),
    long: Annotated[bool, typer.Option("--long", help="CSV with one row per firm and line.")] = False,
    excel: Annotated[bool, typer.Option("--excel", help="Write UTF-8 with a BOM, so Excel reads it.")] = False,
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
    lang: LangOption = None,
    measures: MeasuresOption = None,
    overlay: OverlayOption = None,
) -> None:
    """Score a CSV of firms: one output row per input row, in order. Exit 1 when some rows are invalid."""
    import itertools
    import time

    from subsidy_cli.batch.blocks import Block, blocks, check_encoding, line_breaks, split_first_row
    from subsidy_cli.batch.csvio import InputError, atomic_output, map_header, open_raw, same_file
    from subsidy_cli.batch.job import Job
    from subsidy_cli.batch.run import header_row, score_stream
    from subsidy_cli.profile.files import build_overrides
    from subsidy_cli.profile.keys import ProfileError

    started = time.perf_counter()
    date = _date_option(as_of)
    try:
        fixed = build_overrides(overrides or [])
    except ProfileError as exc:
        _fail(exc.lines(), EXIT_USAGE)
    rules = _rules(measures, overlay, EXIT_USAGE)
    catalog = rules.first()
    if output is not None and same_file(output, source):
        _fail([f"{output}: is the input file; write the results to another file"], EXIT_USAGE)
    language = _lang(lang)
    try:
        csv_input = open_raw(source, encoding)
        check_encoding(csv_input.encoding)
        stream = blocks(csv_input.raw, csv_input.encoding)
        first = next(stream, None)
        cells, offset = split_first_row(first.data, csv_input.encoding) if first else ([], 0)
        if not any(cell.strip() for cell in cells):
            raise InputError(f"{csv_input.name}: has no header row; the first line names the columns")
        header = map_header(cells, csv_input.name, ignore_unknown_columns)
    except InputError as exc:
        _fail(str(exc).splitlines(), EXIT_USAGE)
    assert first is not None
    how = "detected" if csv_input.detected else "as given"
    sys.stderr.write(f"reading {csv_input.name} as {csv_input.encoding} ({how})\n")
    if header.unknown:
        sys.stderr.write(f"ignoring column(s): {', '.join(header.unknown)}\n")
    from subsidy_cli.output import render
    from subsidy_cli.output.summary import Stats

    rest = Block(first.data[offset:], 1 + line_breaks(first.data[:offset]))  # the rows after the header
    today = dt.date.today()
    job = Job(
        rules, header, fixed, date, today, output_format.value, long, language, csv_input.encoding, csv_input.name
    )
    stats = Stats()
    try:
        size = os.stat(source).st_size if source != "-" and os.path.isfile(source) else None
        with atomic_output(output, excel) as out, render.batch_progress(size) as progress:
            if output_format is BatchFormat.csv:
                import csv as csv_module

                csv_module.writer(out, lineterminator="\r\n").writerow(header_row(catalog, long))
            out.flush()
            for chunk_stats in score_stream(job, itertools.chain([rest], stream), jobs, out.buffer):
                stats.merge(chunk_stats)
                progress(stats.rows, offset + stats.input_bytes)
    except InputError as exc:
        _fail(str(exc).splitlines(), EXIT_USAGE)
    except BrokenPipeError:
        _pipe_closed()
    finally:
        csv_input.close()
    render.batch_summary(render.make_console(stderr=True), catalog, stats, time.perf_counter() - started, language)
    if stats.invalid:
        raise typer.Exit(EXIT_DATA)


@app.command()
def template(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.", dir_okay=False)
    ] = None,
    csv_header: Annotated[bool, typer.Option("--csv", help="An empty CSV with every profile key as a column.")] = (
        False
    ),
    lang: LangOption = None,
) -> None:
    """Write a commented TOML profile to fill in (or, with --csv, an empty CSV of firms)."""
    from subsidy_cli.output.template import csv_template, profile_template

    text = csv_template(_lang(lang)) if csv_header else profile_template(_lang(lang))
    if output is None:
        _write(text)
        return
    if output.exists():
        _fail([f"{output}: already exists; choose another name or delete it first"], EXIT_USAGE)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail([f"{output}: cannot write: {exc.strerror or exc}"], EXIT_USAGE)
    sys.stderr.write(f"wrote {output}\n")


def main() -> None:
    """Console entry point: no traceback reaches the user unless SUBSIDY_DEBUG is set."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except Exception as exc:
        if os.environ.get("SUBSIDY_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc} (set SUBSIDY_DEBUG=1 for details; please report this)\n"
        )
        sys.exit(EXIT_INTERNAL)
