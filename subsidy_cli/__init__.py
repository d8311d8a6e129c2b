"""subsidy-cli: eligibility and awards under Suzhou's smart-retrofit and digital-transformation measures.

As a library::

    import subsidy_cli
    document = subsidy_cli.evaluate({"name": "某公司", "district": "昆山市"}, as_of="2022-06-30")

returns the same document as ``subsidy check --format json``. Every problem is raised as
``subsidy_cli.errors.SubsidyError``: its ``problems`` say what is wrong, and its ``exit_code`` is the one the
command line ends with (2 for a bad argument, 1 for a bad profile or rules file). To judge many firms
against rules read once, use ``subsidy_cli.library.Evaluator``; for a CSV of firms,
``subsidy_cli.batch.runner``; for two rule sets side by side, ``subsidy_cli.batch.diff``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from subsidy_cli.profile.keys import Profile


def evaluate(
    profile: Profile | Mapping[str, Any],
    as_of: dt.date | str | None = None,
    *,
    measures: str | Path | None = None,
    overlays: Sequence[str | Path] | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Judge every benefit line for one enterprise and return the JSON document as a dict.

    ``profile`` is a :class:`subsidy_cli.profile.keys.Profile` or the raw keys of a profile file (values
    are parsed as in a file: ``"200万"``, ``"是"``, ...). ``as_of`` (a date or ``YYYY-MM-DD`` text) defaults
    to the profile's ``application_date``, else today. ``measures`` loads another catalogue file and
    ``overlays`` layers county rules over it (as ``--overlay``); ``lang`` is ``"en"`` or ``"zh"``.

    Raises ``SubsidyError``: exit code 2 for an argument of the wrong type or value (a profile that is not a
    mapping, a bad date, an unknown language, overlays given as one text), ``ProfileError`` (1) for bad
    profile keys or values and ``CatalogError`` (1) for a broken measures or layer file.
    """
    from subsidy_cli.engine.assess import assess_rules, evaluation_date
    from subsidy_cli.output.formats import assessment_dict
    from subsidy_cli.profile.keys import Profile, build_profile
    from subsidy_cli.rules.layers import load_rules

    if lang not in ("en", "zh"):
        raise _argument("lang", f"must be 'en' or 'zh', not {lang!r}")
    date = _date(as_of)
    files = _files(measures, overlays)
    if isinstance(profile, Profile):
        parsed = profile
    elif isinstance(profile, Mapping):
        parsed = build_profile(dict(profile))
    else:
        raise _argument("profile", f"must be a mapping of profile keys to values, not {type(profile).__name__}")
    rules = load_rules(files[0], files[1:])
    return assessment_dict(assess_rules(parsed, rules, evaluation_date(parsed, date)), lang)


def _date(value: object) -> dt.date | None:
    """``as_of`` as a date; SubsidyError (exit 2) if it is not one."""
    from subsidy_cli.profile.values import parse_date

    if value is None:
        return None
    if not isinstance(value, str | dt.date):
        raise _argument("as_of", f"must be a date or YYYY-MM-DD text, not {type(value).__name__}")
    try:
        return parse_date(value)
    except ValueError as exc:
        raise _argument("as_of", str(exc)) from None


def _files(measures: object, overlays: object) -> list[Any]:
    """The measures file (or None: the one shipped) and the layer files, as paths; SubsidyError (exit 2) for
    anything that is not a path, and for overlays given as one text rather than a list of them."""
    if measures is not None and not isinstance(measures, str | Path):
        raise _argument("measures", f"must be a path, not {type(measures).__name__}")
    if overlays is None:
        overlays = []
    if isinstance(overlays, str | Path) or not isinstance(overlays, Sequence):
        raise _argument("overlays", f"must be a list of paths, not {type(overlays).__name__}")
    paths: list[Any] = [Path(measures) if measures else None]
    for item in overlays:
        if not isinstance(item, str | Path):
            raise _argument("overlays", f"must be a list of paths, not a list holding {type(item).__name__}")
        paths.append(Path(item))
    return paths


def _argument(name: str, message: str) -> Exception:
    """A bad argument of the library: a ``SubsidyError`` with exit code 2, naming the argument."""
    from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError

    return SubsidyError(Problem(message, where=name), EXIT_USAGE)


__all__ = ["__version__", "evaluate"]
