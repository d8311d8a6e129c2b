"""Machine output: the stable JSON document of an assessment, and the catalogue as JSON or CSV.

Keys and ids never change with the language; amounts are decimal strings with two places,
``null`` where the text sets none.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from decimal import Decimal
from typing import Any

from subsidy_cli import __version__
from subsidy_cli.engine import explain
from subsidy_cli.engine.results import Assessment, LineResult
from subsidy_cli.profile.keys import Profile, profile_to_dict
from subsidy_cli.rules.catalog import Benefit, Catalog
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
        "refine": [
            {
                "key": hint.key,
                "largest_award_cny": cny(hint.largest),
                "open_ended": hint.open_ended,
                "benefits": list(hint.benefits),
            }
            for hint in assessment.refine
        ],
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
        writer.writerow(["" if row[c] is None else row[c] for c in CATALOG_CSV_COLUMNS])
    return buffer.getvalue()
