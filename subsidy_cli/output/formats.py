"""Machine output: the stable JSON document of an assessment, and the catalogue as JSON or CSV.

Keys and ids never change with the language; amounts are decimal strings with two places,
``null`` where the text sets none.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import json
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from subsidy_cli.engine import explain
from subsidy_cli.engine.assess import Explainer, refine_hints
from subsidy_cli.engine.compiled import Compiled, Judge, Line, Verdict, remember
from subsidy_cli.engine.explain import worded
from subsidy_cli.engine.results import Assessment, LineResult, RefineHint
from subsidy_cli.engine.status import STATUSES, Tri
from subsidy_cli.errors import Notice
from subsidy_cli.profile.keys import KEYS, Profile, profile_to_dict
from subsidy_cli.rules.catalog import Benefit, Catalog
from subsidy_cli.version import __version__
from subsidy_cli.words import cny, pick

SCHEMA_VERSION = 1


def policy_dict(catalog: Catalog, lang: str) -> dict[str, Any]:
    policy = catalog.policy
    return {
        "title": pick(lang, policy.title_zh, policy.title_en),
        "title_zh": policy.title_zh,
        "title_en": policy.title_en,
        "issuer": pick(lang, policy.issuer_zh, policy.issuer_en),
        "issued": policy.issued.isoformat(),
        "valid_from": policy.valid_from.isoformat(),
        "valid_until": policy.valid_until.isoformat(),
        "validity_clause": policy.validity_clause,
        "scope_clause": policy.scope_clause,
    }


def result_dict(result: LineResult, profile: Profile, lang: str) -> dict[str, Any]:
    benefit = result.benefit
    return {
        "benefit": benefit.id,
        "measure": benefit.measure,
        "title": benefit.title(lang),
        "kind": benefit.kind,
        "status": result.status,
        "status_if_in_force": result.status_if_in_force,
        "max_award_cny": cny(result.max_award),
        "min_award_cny": cny(result.min_award),
        "open_ended": result.is_cash and result.max_award is None and result.amount.open_ended,
        "risk_share_max_cny": cny(result.risk_share_max),
        "basis": explain.basis(benefit, profile, lang),
        "reasons": explain.reasons(result, lang),
        "missing": list(result.missing),
        "clause": benefit.clause_text,
    }


def assessment_dict(assessment: Assessment, lang: str) -> dict[str, Any]:
    """The document ``subsidy check --format json`` prints and ``subsidy_cli.evaluate`` returns."""
    totals = assessment.totals
    policy = policy_dict(assessment.catalog, lang)
    policy["in_force"] = assessment.in_force
    results = [result_dict(result, assessment.profile, lang) for result in assessment.results]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "rules_sha256": assessment.catalog.rules_sha256,
        "policy": policy,
        "as_of": assessment.as_of.isoformat(),
        "profile": profile_to_dict(assessment.profile),
        "results": results,
        "totals": {
            "eligible_cash_max_cny": cny(totals.eligible_cash_max),
            "potential_cash_max_cny": cny(totals.potential_cash_max),
            "open_ended": list(totals.open_ended),
            "counts": dict(totals.counts),
        },
        "refine": [_hint_dict(hint) for hint in assessment.refine],
        "warnings": [warning.as_dict() for warning in assessment.warnings],
    }


class Documents:
    """The JSON documents of many firms judged by one set of rules, exactly as ``assessment_dict`` and
    ``json.dumps(..., ensure_ascii=False)`` give them, made fast for JSONL: each line's part of a document
    depends only on the values its judgement reads (its conditions, its amount, the caps it is under) and on
    where the date falls against its window, so it is made once per distinct such set and kept as JSON text
    (one bounded memory for every snapshot); the rest comes from the compiled verdict.
    """

    _LIMIT = 16_384  # line parts kept (about 1 KB each, for all snapshots) before the older half is forgotten

    def __init__(self, judge: Judge, lang: str) -> None:
        self.judge = judge
        self.lang = lang
        self._plans: dict[int, _Plan] = {}
        self._parts: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]] = {}  # every snapshot's, one budget
        self._policy: dict[tuple[int, bool], str] = {}

    def json(
        self, profile: Profile, as_of: dt.date, head: dict[str, Any], warnings: Sequence[Notice] = ()
    ) -> tuple[str, Verdict]:
        """One firm's document as JSON text (one line), its keys after those of ``head`` (e.g. ``line``), and
        the verdict it states; ``warnings`` are the document's (about the firm's identity facts)."""
        compiled = self.judge.compiled(as_of, profile.district)
        plan = self._plan(compiled)
        values = vars(profile)
        outcomes = compiled.outcomes(values)
        verdict = compiled.verdict(values, as_of, outcomes)
        parts = plan.parts
        explainer: Explainer | None = None
        fragments, refine = [], []
        for line, conditions, shown in plan.lines:
            start, end = line.window
            mine = conditions(outcomes)
            reads = shown.get(mine) or plan.reads(line, mine, shown)
            key = (id(plan), line.index, -1 if as_of < start else (1 if as_of > end else 0), mine, reads(values))
            found = parts.get(key)
            if found is None:
                if explainer is None:
                    explainer = Explainer(profile, compiled, as_of)
                result = explainer.line(line)
                text = json.dumps(result_dict(result, profile, self.lang), ensure_ascii=False)
                found = remember(parts, key, (text, result.missing), self._LIMIT)
            fragments.append(found[0])
            amount = verdict.amounts[line.index]
            largest = None if line.benefit.kind == "risk_sharing" else amount.max
            unbounded = line.is_cash and amount.open_ended
            refine.append((line.benefit.id, verdict.in_force[line.index], largest, unbounded, found[1]))
        counts = {status: 0 for status in STATUSES}
        for status in verdict.statuses:
            counts[status] += 1
        dump = functools.partial(json.dumps, ensure_ascii=False)
        sha256 = compiled.catalog.rules_sha256
        first = dump({**head, "schema_version": SCHEMA_VERSION, "tool_version": __version__, "rules_sha256": sha256})
        rest = dump({"as_of": as_of.isoformat(), "profile": profile_to_dict(profile)})
        totals = {
            "eligible_cash_max_cny": cny(verdict.eligible_cash_max),
            "potential_cash_max_cny": cny(verdict.potential_cash_max),
            "open_ended": list(verdict.open_ended),
            "counts": counts,
        }
        hints = [_hint_dict(hint) for hint in refine_hints(refine)]
        return (
            f'{first[:-1]}, "policy": {self._policy_text(compiled.catalog, as_of)}, {rest[1:-1]}, '
            f'"results": [{", ".join(fragments)}], "totals": {dump(totals)}, "refine": {dump(hints)}, '
            f'"warnings": {dump([warning.as_dict() for warning in warnings])}}}'
        ), verdict

    def _plan(self, compiled: Compiled) -> _Plan:
        found = self._plans.get(id(compiled))
        if found is None or found.compiled is not compiled:
            found = self._plans[id(compiled)] = _Plan(compiled, self._parts)
        return found

    def _policy_text(self, catalog: Catalog, as_of: dt.date) -> str:
        policy = catalog.policy
        in_force = policy.valid_from <= as_of <= policy.valid_until
        found = self._policy.get((id(catalog), in_force))
        if found is None:
            document = {**policy_dict(catalog, self.lang), "in_force": in_force}
            found = self._policy[(id(catalog), in_force)] = json.dumps(document, ensure_ascii=False)
        return found


_Reader = Callable[[dict[str, Any]], tuple[Any, ...]]


class _Plan:
    """How the documents of one compiled snapshot are made: per line, a reader of its conditions' outcomes
    and a memory of which values it shows for each set of them; and the memory of line parts (JSON text and
    the keys the line waits on) by what they show, which the plans of one writer share."""

    def __init__(self, compiled: Compiled, parts: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]]) -> None:
        self.compiled = compiled
        self.parts = parts
        self.lines: list[tuple[Line, Callable[[list[Tri]], tuple[Tri, ...]], dict[tuple[Tri, ...], _Reader]]] = [
            (line, _tuple_getter(line.reads), {}) for line in compiled.lines
        ]

    def reads(self, line: Line, mine: tuple[Tri, ...], shown: dict[tuple[Tri, ...], _Reader]) -> _Reader:
        """The reader of the values a line's part shows, for the outcomes ``mine`` of its conditions: those of
        the conditions its reasons word (``explain.worded``), its amount's figure and those of its caps."""
        compiled = self.compiled
        gates = len(line.gate)
        position_of = {index: position for position, index in enumerate(line.reads)}
        judged = line.judge(lambda index: mine[position_of[index]], True)[1]
        names: list[str] = []
        for position, index in enumerate((*line.gate, *line.qualifies)):
            if line.applies and worded(position < gates, mine[position], judged, line.own[position].soft):
                names += [name for name in compiled.condition_keys[index] if name not in names]
        names += [name for name in compiled.figure_keys[line.index] if name not in names]
        getter = _tuple_getter(names)
        if any(KEYS[name].type == "multi" for name in names):  # lists are kept as tuples
            reader: _Reader = lambda values: tuple(map(_frozen, getter(values)))  # noqa: E731
        else:
            reader = getter
        if len(shown) > 1_024:
            shown.clear()
        shown[mine] = reader
        return reader


def _tuple_getter(items: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """``operator.itemgetter`` that always gives a tuple (also of one item, or none)."""
    if not items:
        return lambda _: ()
    if len(items) == 1:
        only = items[0]
        return lambda source: (source[only],)
    return operator.itemgetter(*items)


def _frozen(value: Any) -> Any:
    """A value as a memory key: lists as tuples."""
    return tuple(value) if isinstance(value, list) else value


def _hint_dict(hint: RefineHint) -> dict[str, Any]:
    return {
        "key": hint.key,
        "largest_award_cny": cny(hint.largest),
        "open_ended": hint.open_ended,
        "benefits": list(hint.benefits),
    }


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def benefit_dict(benefit: Benefit, catalog: Catalog, lang: str) -> dict[str, Any]:
    start, end = catalog.window(benefit)
    return {
        "id": benefit.id,
        "measure": benefit.measure,
        "section": benefit.section,
        "kind": benefit.kind,
        "title_zh": benefit.title_zh,
        "title_en": benefit.title_en,
        "recipients_zh": benefit.recipients_zh,
        "recipients_en": benefit.recipients_en,
        "pays_for_zh": benefit.pays_for_zh,
        "pays_for_en": benefit.pays_for_en,
        "amount": _jsonable(benefit.amount.as_dict()),
        "amount_words": explain.basis(benefit, None, lang),
        "referenced_policy": benefit.referenced_policy,
        "quota": dataclasses.asdict(benefit.quota) if benefit.quota else None,
        "open_to": benefit.open_to,
        "valid_from": start.isoformat(),
        "valid_until": end.isoformat(),
        "clause": benefit.clause_text,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def catalog_dict(catalog: Catalog, lang: str) -> dict[str, Any]:
    return {
        "tool_version": __version__,
        "rules_sha256": catalog.rules_sha256,
        "policy": policy_dict(catalog, lang),
        "benefits": [benefit_dict(b, catalog, lang) for b in catalog.benefits],
    }


CATALOG_CSV_COLUMNS = (
    "id",
    "measure",
    "section",
    "kind",
    "title_zh",
    "title_en",
    "amount_words",
    "referenced_policy",
    "valid_from",
    "valid_until",
    "clause",
    "rules_sha256",
    "tool_version",
)


# What makes a spreadsheet read a cell as a formula (OWASP CSV injection), Excel and WPS taking the full-width
# forms of = + - @ as well; a tab or carriage return at the start lets one through.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet shows it and never runs it: a leading ``'`` where it would read as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) and cell not in _HARMLESS else cell


_HARMLESS = frozenset({"-", "+", "－", "＋"})  # a lone sign: a placeholder as typed, never a formula


def catalog_csv(catalog: Catalog, lang: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CATALOG_CSV_COLUMNS)
    for benefit in catalog.benefits:
        row = {
            **benefit_dict(benefit, catalog, lang),
            "rules_sha256": catalog.rules_sha256,
            "tool_version": __version__,
        }
        writer.writerow(["" if row[c] is None else neutralise(str(row[c])) for c in CATALOG_CSV_COLUMNS])
    return buffer.getvalue()
