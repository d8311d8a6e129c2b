"""subsidy-cli: eligibility and awards under Suzhou's smart-retrofit and digital-transformation measures.

As a library::

    import subsidy_cli
    document = subsidy_cli.evaluate({"name": "某公司", "district": "昆山市"}, as_of="2022-06-30")

returns the same document as ``subsidy check --format json``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from subsidy_cli.profile.keys import Profile


def evaluate(
    profile: Profile | dict[str, Any],
    as_of: dt.date | str | None = None,
    *,
    measures: str | Path | None = None,
    overlays: list[str | Path] | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Judge every benefit line for one enterprise and return the JSON document as a dict.

    ``profile`` is a :class:`subsidy_cli.profile.Profile` or the raw keys of a profile file (values
    are parsed as in a file: ``"200万"``, ``"是"``, ...). ``as_of`` defaults to the profile's
    ``application_date``, else today. ``measures`` loads another catalogue file and ``overlays`` layers
    county rules over it (as ``--overlay``). Raises
    ``subsidy_cli.profile.ProfileError`` or ``subsidy_cli.catalog.CatalogError`` on bad input.
    """
    from subsidy_cli.engine.assess import assess_rules, evaluation_date
    from subsidy_cli.output.formats import assessment_dict
    from subsidy_cli.profile.keys import Profile, build_profile
    from subsidy_cli.profile.values import parse_date
    from subsidy_cli.rules.layers import load_rules

    parsed = profile if isinstance(profile, Profile) else build_profile(profile)
    rules = load_rules(Path(measures) if measures else None, [Path(p) for p in overlays or []])
    date = evaluation_date(parsed, parse_date(as_of) if as_of is not None else None)
    return assessment_dict(assess_rules(parsed, rules, date), lang)


__all__ = ["__version__", "evaluate"]
