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

from subsidy_cli.version import __version__

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
    ``overlays`` layers county rules over it (as ``--overlay``); ``lang`` is ``"en"`` or ``"zh"``, for the
    document and for the problems raised. The rules are read on every call: to judge many firms, load them once
    with ``subsidy_cli.library.Evaluator``.

    Raises ``SubsidyError``: exit code 2 for an argument of the wrong type or value (a profile that is not a
    mapping, a bad date, an unknown language, overlays given as one text), ``ProfileError`` (1) for bad
    profile keys or values and ``CatalogError`` (1) for a broken measures or layer file.
    """
    from subsidy_cli.i18n import using
    from subsidy_cli.library import Evaluator, check_arguments

    check_arguments(profile, as_of, lang, measures, overlays)
    with using(lang):
        return Evaluator(measures, overlays or ()).evaluate(profile, as_of, lang=lang)


__all__ = ["__version__", "evaluate"]
