"""The library: load the rules once, then judge as many firms as you like against them.

::

    from subsidy_cli.library import Evaluator

    rules = Evaluator(overlays=["samples/overlays/zhangjiagang-2022.toml"])   # reads and validates once
    for firm in firms:                                                        # dicts, as in a profile file
        document = rules.evaluate(firm, as_of="2022-06-30", lang="zh")        # = `subsidy check --format json`
        verdict = rules.verdict(firm, as_of="2022-06-30")                     # statuses and amounts only, fast

``subsidy_cli.evaluate(profile, ...)`` is the one-call convenience: it loads the rules on every call. Every
bad argument raises ``SubsidyError`` with exit code 2 and a ``Problem`` naming the argument. Problems are
worded in the language ``subsidy_cli.i18n.use`` sets (English unless set; ``evaluate(..., lang="zh")``
words the profile's in Chinese).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from subsidy_cli.engine.assess import Assessment, assess_rules, evaluation_date
from subsidy_cli.engine.compiled import Judge, Verdict
from subsidy_cli.engine.status import evaluation_date as evaluation_date_of
from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError
from subsidy_cli.i18n import _, using
from subsidy_cli.output.formats import assessment_dict
from subsidy_cli.profile.keys import KEYS, Profile, build_profile
from subsidy_cli.profile.values import parse_date
from subsidy_cli.rules.layers import Rules, load_rules

_UNREAD = object()  # a value not parsed yet


class Evaluator:
    """The measures file and its county layers, read and validated once, ready to judge many firms.

    ``measures`` is a measures file (default: the one shipped with the package); ``overlays`` are layer
    files applied in order (later layers win), as ``--measures`` and ``--overlay`` on the command line.
    Raises ``SubsidyError`` (a ``CatalogError``) for a rules file that cannot be read or used.
    """

    def __init__(self, measures: str | Path | None = None, overlays: Iterable[str | Path] = ()) -> None:
        measures_file, *layers = _files(measures, overlays)
        self.rules: Rules = load_rules(measures_file, [layer for layer in layers if layer is not None])
        self.judge = Judge(self.rules)  # each snapshot compiled once, on first use
        self._parsed: dict[tuple[str, type, Any], Any] = {}  # (key, type, value as given) -> parsed value

    @property
    def rules_sha256(self) -> str:
        """SHA-256 of the rules as data (measures plus layers), as every output carries it."""
        return self.rules.sha256

    def assess(self, profile: Profile | Mapping[str, Any], as_of: dt.date | str | None = None) -> Assessment:
        """Every line judged for one firm: the typed result behind the JSON document.

        ``profile`` is a ``Profile`` or the raw keys of a profile file (``"200万"``, ``"是"``, Chinese
        district names...). ``as_of`` (a date or ``YYYY-MM-DD``) defaults to the profile's
        ``application_date``, else today. Identity facts inform, never block: a credit code that fails its
        check, looks damaged by a spreadsheet or contradicts the entity type or district gives
        ``Assessment.warnings``. Raises ``SubsidyError`` for a bad profile (a ``ProfileError``; a resident
        identity number in ``credit_code`` is one) or a bad date (exit code 2).
        """
        parsed = profile if isinstance(profile, Profile) else _profile(profile)
        given = None if isinstance(profile, Profile) else profile  # as written: shows what reading took out
        return assess_rules(parsed, self.judge, evaluation_date(parsed, _date(as_of)), given)

    def verdict(self, profile: Profile | Mapping[str, Any], as_of: dt.date | str | None = None) -> Verdict:
        """Statuses, amounts and totals for one firm, without the explanation: the fast path for loops.

        ``Verdict.ids[i]`` is a line id, ``statuses[i]`` its status, ``in_force[i]`` its status if in force,
        ``amounts[i]`` its ``Amount`` (``min``/``max`` in CNY, None where the text sets none; for a
        risk-sharing line the share of the loan covered: ``max_awards[i]`` is the award, as in the document); the
        bounded totals ``eligible_cash_max`` and ``potential_cash_max`` (CNY) and the eligible lines with no
        upper bound (``open_ended``). Values given as text are parsed once per distinct (key, text) and
        remembered. Raises ``SubsidyError`` as ``assess``.
        """
        values = vars(profile) if isinstance(profile, Profile) else self._values(profile)
        date = evaluation_date_of(values.get("application_date"), _date(as_of))
        return self.judge.verdict(values, date)

    def _values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A profile's values parsed as ``build_profile`` parses them, each distinct (key, value) once; any
        problem is left to ``build_profile``, which reports every problem of the profile at once."""
        if not isinstance(data, Mapping):
            _reject(data)
        values: dict[str, Any] = {}
        memo = self._parsed
        for key, given in data.items():
            spec = KEYS.get(key)
            if spec is None:
                _reject(data)  # an unknown key
            remembered: tuple[str, type, Any] | None = (key, type(given), given)  # True == 1: the type tells
            try:
                value = memo.get((key, type(given), given), _UNREAD)
            except TypeError:  # a value that cannot be remembered (a list): parsed each time
                remembered, value = None, _UNREAD
            if value is _UNREAD:
                try:
                    value = spec.validate(given)
                except ValueError:
                    _reject(data)  # names every problem
                if remembered is not None:
                    if len(memo) > 65_536:
                        memo.clear()
                    memo[remembered] = value
            if value is not None:
                values[key] = value
        if "name" not in values:
            _reject(data)  # the name is required
        return values

    def evaluate(
        self, profile: Profile | Mapping[str, Any], as_of: dt.date | str | None = None, *, lang: str = "en"
    ) -> dict[str, Any]:
        """The document ``subsidy check --format json`` prints, as a dict (amounts as decimal strings in
        CNY, ``null`` where the text sets none); ``lang`` is ``"zh"`` or ``"en"`` for the words in it and in the
        problems of the profile."""
        if lang not in ("zh", "en"):
            raise _argument("lang", _("must be 'en' or 'zh', not {value}", value=repr(lang)))
        with using(lang):
            assessment = self.assess(profile, as_of)
        return assessment_dict(assessment, lang)


def check_arguments(profile: object, as_of: object, lang: object, measures: object, overlays: object) -> None:
    """Check a one-call evaluation's arguments before anything is read: the language, the date, the rules
    files, then the profile's type; ``SubsidyError`` (exit 2) naming the first that is wrong."""
    if lang not in ("en", "zh"):
        raise _argument("lang", _("must be 'en' or 'zh', not {value}", value=repr(lang)))
    _date(as_of)
    _files(measures, overlays)
    if not isinstance(profile, Profile | Mapping):
        raise _argument("profile", _not_mapping(profile))


def _not_mapping(value: object) -> str:
    return _("must be a mapping of profile keys to values, not {type}", type=type(value).__name__)


def _profile(data: object) -> Profile:
    if not isinstance(data, Mapping):
        raise _argument("profile", _not_mapping(data))
    return build_profile(dict(data))


def _reject(data: Any) -> NoReturn:
    """Raise the ``SubsidyError`` that ``build_profile`` gives for a profile with a problem."""
    _profile(data)
    raise SubsidyError(Problem(_("the profile cannot be read"), where="profile"), EXIT_USAGE)  # pragma: no cover


def _date(value: object) -> dt.date | None:
    """``as_of`` as a date; SubsidyError (exit 2) if it is not one."""
    if value is None:
        return None
    if not isinstance(value, str | dt.date):
        raise _argument("as_of", _("must be a date or YYYY-MM-DD text, not {type}", type=type(value).__name__))
    try:
        return parse_date(value)
    except ValueError as exc:
        raise _argument("as_of", str(exc)) from None


def _files(measures: object, overlays: object) -> list[Path | None]:
    """The measures file (or None: the one shipped) and the layer files, as paths; SubsidyError (exit 2) for
    anything that is not a path, and for overlays given as one text rather than a list of them."""
    if measures is not None and not isinstance(measures, str | Path):
        raise _argument("measures", _("must be a path, not {type}", type=type(measures).__name__))
    if overlays is None:
        overlays = []
    if isinstance(overlays, str | Path) or not isinstance(overlays, Iterable):
        raise _argument("overlays", _("must be a list of paths, not {type}", type=type(overlays).__name__))
    paths: list[Path | None] = [Path(measures) if measures else None]
    for item in overlays:
        if not isinstance(item, str | Path):
            message = _("must be a list of paths, not a list holding {type}", type=type(item).__name__)
            raise _argument("overlays", message)
        paths.append(Path(item))
    return paths


def _argument(name: str, message: str) -> SubsidyError:
    """A bad argument of the library: a ``SubsidyError`` with exit code 2, naming the argument."""
    return SubsidyError(Problem(message, where=name), EXIT_USAGE)
