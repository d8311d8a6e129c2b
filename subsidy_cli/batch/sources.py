"""What a command points at, made ready for the core: profile files or CSVs (or stdin), rules files, the
values of options such as ``--as-of``, ``--district`` and ``--set``, and line ids.

Everything here raises ``SubsidyError`` (``EXIT_USAGE`` for a bad option or argument), so that the command
line and a Python caller get the same problems in the same words.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from subsidy_cli.errors import EXIT_DATA, EXIT_USAGE, Problem, SubsidyError, exit_code_for
from subsidy_cli.i18n import _
from subsidy_cli.output.files import check_new_file
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.rules.layers import Rules

PROFILE_SUFFIXES = (".toml", ".json")


def is_profile_file(name: str) -> bool:
    """Whether ``name`` is a profile file (``.toml`` or ``.json``) rather than a CSV of firms (or ``-``)."""
    return Path(name).suffix.lower() in PROFILE_SUFFIXES


def check_profile_argument(profile: str | None, interactive: bool, save: Path | None) -> None:
    """The profile argument of ``check`` and what goes with it: a file that exists (or ``-``: stdin), or an
    interview (which reads its answers from stdin, so starts from a file if from anything), whose answers
    ``save`` names a new file for. Raises ``SubsidyError`` (exit 2) naming what is wrong and what to do."""
    if profile is None and not interactive:
        raise _usage(_("give a profile file (or '-' for stdin), or use --interactive"))
    if save is not None and not interactive:
        raise _usage(_("--save saves the answers of an interview; use it with --interactive"))
    if profile is not None and profile != "-" and (Path(profile).is_dir() or not Path(profile).exists()):
        # a FIFO or a process substitution (<(...)) is read like a file
        what = _("is a folder") if Path(profile).is_dir() else _("does not exist")
        raise _usage(Problem(what, file=profile, hint=_("give a .toml or .json profile file, or '-' for stdin")))
    if profile is not None and Path(profile).suffix.lower() in (".csv", ".tsv"):
        message = _("is a list of firms; score it with subsidy batch")
        hint = _("check takes one firm: a .toml or .json profile, or one row of a workbook with --row")
        raise _usage(Problem(message, file=profile, hint=hint))
    if interactive and profile == "-":
        raise _usage(_("--interactive reads the answers from stdin; give the starting profile as a file"))
    if save is not None:
        check_new_file(save)


def option_date(text: str | dt.date | None, option: str = "--as-of") -> dt.date | None:
    """An option's date (``YYYY-MM-DD``, ``2022/6/30``, ``2022年6月30日``, or a date), or None when not given.

    Raises ``SubsidyError`` (exit 2): ``--as-of: 'x' is not a date; write YYYY-MM-DD, e.g. 2022-06-30``."""
    from subsidy_cli.profile.values import parse_date

    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise _usage(Problem(str(exc), where=option)) from None


def option_district(text: str | None) -> str | None:
    """``--district`` as a district slug (Chinese names accepted), or None. Raises ``SubsidyError`` (exit 2)."""
    from subsidy_cli.profile.keys import parse_value

    if not text:
        return None
    try:
        district: str = parse_value("district", text)
    except ValueError as exc:
        raise _usage(Problem(str(exc), where="--district")) from None
    return district


def overrides(pairs: Sequence[str], exit_code: int = EXIT_DATA) -> dict[str, Any]:
    """``--set KEY=VALUE`` pairs as parsed profile values (None, from an empty VALUE, makes a key unknown).

    Raises ``ProfileError`` (a ``SubsidyError``) ending the run with ``exit_code``: 1 for ``check``, where the
    values are part of the profile; 2 for ``batch``, where they are an option for every row."""
    from subsidy_cli.profile.files import build_overrides

    with exit_code_for(exit_code):
        return build_overrides(list(pairs))


def rules(measures: Path | str | None, overlays: Sequence[Path | str] = (), exit_code: int = EXIT_DATA) -> Rules:
    """The measures file (default: the one shipped) with county layers over it, in order.

    Raises ``CatalogError`` (a ``SubsidyError``, one problem per slip) ending the run with ``exit_code``: 1
    where the rules are what is judged (``check``, ``measures``, ``show``), 2 where they are an option
    (``batch``, ``diff``)."""
    from subsidy_cli.rules.layers import load_rules

    with exit_code_for(exit_code):
        return load_rules(Path(measures) if measures else None, [Path(p) for p in overlays])


def catalog_in_force(rules: Rules, as_of: str | None, district: str | None) -> Catalog:
    """The lines with the values in force on ``as_of`` for firms of ``district`` (default: the first values),
    for listings. Raises ``SubsidyError`` (exit 2) for a bad date or district."""
    date = option_date(as_of)
    return rules.snapshot(date or dt.date.min, option_district(district))


def select_benefits(catalog: Catalog, wanted: str) -> list[Benefit]:
    """The line with id ``wanted`` (``16a``), or every line of measure ``wanted`` (``16``).

    Raises ``SubsidyError`` (exit 2) when there is none, with a did-you-mean where one fits."""
    key = wanted.strip().lower()
    found = [b for b in catalog.benefits if b.id == key or (key.isdigit() and str(b.measure) == key)]
    if found:
        return found
    near = difflib.get_close_matches(key, [b.id for b in catalog.benefits], n=3, cutoff=0.5)
    listed = _(" or ").join(near)
    hint = _("did you mean {ids}?", ids=listed) if near else _("run 'subsidy measures' to list them")
    raise _usage(Problem(_("no benefit line or measure {wanted}", wanted=repr(wanted)), hint=hint))


@dataclass
class RulesCheck:
    """What ``validate`` found: a line for each measures file or set of layers that is fine, and the problems
    of the others (empty when all are fine)."""

    ok: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_rules_files(files: Sequence[Path], measures: Path | None = None) -> RulesCheck:
    """Check measures and layer files without evaluating anything.

    A file holding ``[policy]`` (or ``schema_version``) is a measures file and is checked alone; the others are
    layers, checked together in the order given over the first measures file given (else ``measures``, else
    the one shipped). Problems are collected, not raised: one file's slips do not hide the next file's."""
    from subsidy_cli.rules.catalog import read_data, rule_problem
    from subsidy_cli.rules.layers import load_rules
    from subsidy_cli.rules.textcheck import clause_problems

    report = RulesCheck()
    measures_files: list[Path] = []
    layer_files: list[Path] = []
    texts: dict[Path, str] = {}
    for path in files:
        try:
            data, texts[path] = read_data(path, kind="rules")
        except SubsidyError as exc:
            report.problems += exc.problems
            continue
        (measures_files if "policy" in data or "schema_version" in data else layer_files).append(path)
    checks: list[tuple[list[Path], Path | None, list[Path]]] = [([path], path, []) for path in measures_files]
    if layer_files:
        checks.append((layer_files, measures_files[0] if measures_files else measures, layer_files))
    for named, base, layers in checks:
        try:
            loaded = load_rules(base, layers)
        except SubsidyError as exc:
            report.problems += exc.problems
            continue
        if not layers:  # the numbers and comparison words of each line against its clause
            mismatches = [
                rule_problem(message, str(base), texts.get(base, "") if base else "", benefit.id, key)
                for benefit in loaded.first().benefits
                for key, message in clause_problems(benefit)
            ]
            if mismatches:
                report.problems += mismatches
                continue
        else:
            report.ok += _departures(loaded)
        what = (
            _("{count} layer(s) over {base}", count=len(layers), base=loaded.sources[0])
            if layers
            else _("measures, {count} lines", count=len(loaded.first().benefits))
        )
        names = ", ".join(str(p) for p in named)
        report.ok.append(_("{names}: ok ({what}; rules_sha256 {sha})", names=names, what=what, sha=loaded.sha256[:12]))
    return report


def _departures(rules: Rules) -> list[str]:
    """Each number a layer sets that the line's clause does not write (an amount, rate or threshold), with the
    source the layer gives for it: a county's deliberate change, named."""
    from decimal import Decimal

    from subsidy_cli.rules.textcheck import clause_numbers

    lines = {benefit.id: benefit for benefit in rules.first().benefits}
    notes = []
    for (owner, path), settings in rules.settings.items():
        benefit = lines.get(owner)
        for setting in settings:
            value = setting.value
            numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            if setting.order == 0 or benefit is None or not numeric:
                continue  # the measures file's own values are checked with it; county lines carry their source
            if value and Decimal(str(value)) not in clause_numbers(benefit.clause_text):
                key = ".".join(map(str, path))
                notes.append(
                    _(
                        "{layer}: benefit {owner}: {key} = {value} is not written in its clause (a change the layer "
                        "makes on purpose; source: {source})",
                        layer=setting.layer,
                        owner=owner,
                        key=key,
                        value=value,
                        source=setting.source,
                    )
                )
    return notes


def _usage(problem: Problem | str) -> SubsidyError:
    return SubsidyError(problem, EXIT_USAGE)
