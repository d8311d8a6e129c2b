"""Differential test: the per-firm driver (``library.Evaluator``) against ``subsidy batch``, on random firms and
random county layers.

Batch scores each distinct cell text once, dispatches rows to the snapshot of the rules (date interval,
district) they fall in and applies caps and exclusions across lines afterwards; the per-firm driver judges
one firm at a time. They must agree exactly, firm by firm: every line's status and maximum (the
``<id>_max_cny`` cells, empty where a line is ineligible) and both totals, with and without ``--as-of`` and
with ``--set``; ``--long`` and ``--jobs 2`` must say what the wide output says.

Firms are rows of a CSV with the profile keys (or their Chinese labels) as headers, in any order, some left
out; cells are blank (unknown) or written as people write them (昆山市, 是/否, 200万, 0.5亿, full-width digits,
2022年6月30日), with figures near the thresholds and caps of measures.toml. Layers change amount caps,
rates and thresholds of existing lines (from dates in and around 2021-2023, some for one district only), add
county lines, cap cash lines together at the interest paid and make cash lines exclusive.

A disagreement it found is kept below as a regression test: totals under caps and exclusions when amounts have
fractions of a fen (now every amount is paid rounded half up to the fen, in both drivers).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import gc
import io
import tempfile
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from subsidy_cli.batch import blocks as csvblocks
from subsidy_cli.cli import app
from subsidy_cli.errors import SubsidyError
from subsidy_cli.library import Evaluator
from subsidy_cli.profile.keys import DISTRICT_ZH, ENTITY_ZH, INSTITUTION_CATEGORIES, KEYS, RECOGNITIONS, ROLES
from subsidy_cli.words import cny

ROOT = Path(__file__).resolve().parent.parent
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
MEASURES = tomllib.loads((ROOT / "measures.toml").read_text(encoding="utf-8"), parse_float=Decimal)
LINES: dict[str, dict[str, Any]] = {benefit["id"]: benefit for benefit in MEASURES["benefit"]}
CASH = [line for line, benefit in LINES.items() if benefit["kind"] == "cash"]
# cash lines a generated firm often reaches (loans, workshops, platforms, first sets, experts, security, cloud)
LIKELY = ["1a", "1b", "2a", "2c", "4", "10a", "16a", "18c", "22a"]
DISTRICTS = list(DISTRICT_ZH)
SUZHOU = [d for d in DISTRICTS if d != "outside_suzhou"]

# --- firms -------------------------------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
BOOLS = {True: ["true", "yes", "是", "1", "Y", "有"], False: ["false", "no", "否", "0", "N", "没有"]}
SEPARATORS = [";", "；", ",", "，", "、", "|"]
DISTRICT_WORDS = {d: [d, DISTRICT_ZH[d]] for d in DISTRICTS}
DISTRICT_WORDS["kunshan"].append("昆山")
DISTRICT_WORDS["sip"] += ["园区", "苏州工业园区"]
DISTRICT_WORDS["snd"].append("虎丘区")
DISTRICT_WORDS["outside_suzhou"].append("市外")
ENTITY_WORDS = {e: [e, ENTITY_ZH[e]] for e in ENTITY_ZH}

# figures near the thresholds and caps written in measures.toml (and those the layers below move them to)
NEAR: dict[str, list[int]] = {
    "retrofit_loan_cny": [
        0,
        1,
        5_000_000,
        50_000_000,
        100_000_000,
        199_999_999,
        200_000_000,
        200_000_001,
        250_000_000,
        300_000_000,
        500_000_000,
    ],
    "retrofit_loan_interest_paid_cny": [0, 100_000, 500_000, 1_000_000, 2_000_000, 3_000_000, 4_500_000, 10_000_000],
    "cloud_star_level": [0, 1, 2, 3, 4, 5],
    "platform_served_enterprises": [0, 400, 499, 500, 501, 502, 600],
    "platform_connected_devices": [0, 40_000, 49_999, 50_000, 50_001, 60_000],
    "identifier_annual_registrations": [29_999_999, 30_000_000, 30_000_001, 40_000_000],
    "identifier_daily_resolutions": [9_999_999, 10_000_000, 10_000_001, 20_000_000],
    "identifier_rnd_investment_cny": [0, 1_000_000, 9_999_999, 10_000_000, 10_000_001, 20_000_000],
    "first_set_unit_price_cny": [
        0,
        1_000_000,
        2_000_000,
        2_666_667,
        10_000_000,
        24_000_000,
        40_000_000,
        33_333_334,
        100_000_000,
    ],
    "first_version_software_sales_cny": [0, 1_000_000, 1_500_000, 3_000_000, 10_000_000, 20_000_000],
    "flexible_experts": [0, 1, 2, 3, 10],
    "flexible_talents_approved": [0, 1, 2, 5],
    "security_served_enterprises": [9, 10, 11, 15],
    "security_annual_revenue_cny": [2_999_999, 3_000_000, 3_000_001, 8_000_000],
    "security_contract_cny": [0, 600_000, 6_000_000, 9_999_999, 10_000_000, 10_000_001, 20_000_000],
}


def money_text(amount: int | Decimal, money: bool = True) -> st.SearchStrategy[str]:
    """The ways people write an amount (or a count: no 元): 1234, 1,234, 1234.5, 200万, 200万元, 0.5亿, full-width
    digits."""
    forms = [str(amount), f"{amount:,}", str(amount).translate(FULL_WIDTH)]
    if amount and amount % 10_000 == 0:
        forms += [f"{int(amount) // 10_000}万", *([f"{int(amount) // 10_000}万元"] if money else [])]
    if amount and amount % 1_000_000 == 0:
        forms.append(f"{format((Decimal(amount) / 100_000_000).normalize(), 'f')}亿")
    return st.sampled_from(forms)


# Amounts with fractions of a fen (0.5% of an odd figure) are paid rounded half up to the fen; both drivers must
# agree on them, under caps and exclusions too (test_rules_across_lines_on_amounts_with_fractions_of_a_fen below).
CENTS = st.sampled_from(["0", "0.5", "0.05", "0.01", "0.004", "0.005", "0.006", "0.99"]).map(Decimal)


def figure(key: str) -> st.SearchStrategy[str]:
    top = 5 if key == "cloud_star_level" else 600_000_000
    numbers = st.one_of(st.sampled_from(NEAR[key]), st.integers(0, top))
    if KEYS[key].type == "count":
        return numbers.flatmap(lambda n: money_text(n, money=False))
    # money: now and then with jiao, fen or less (a rate of it is then not a whole number of fen)
    return st.tuples(numbers, st.one_of(st.just(Decimal(0)), CENTS)).flatmap(lambda pair: money_text(pair[0] + pair[1]))


def chance(percent: int) -> st.SearchStrategy[bool]:
    """True about ``percent`` times in a hundred (``st.floats`` is far from uniform)."""
    return st.integers(0, 99).map(lambda n: n < percent)


def listed(options: dict[str, tuple[str, str]], often: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """A list cell: slugs or Chinese labels joined by any separator, or 无 / none for the empty list."""
    words = {
        key: [key] + [zh for zh, _ in [options[key]] if not any(sep in zh for sep in SEPARATORS)] for key in options
    }  # a label holding a separator (协会、学会) cannot be written in a list
    item = st.sampled_from([*options, *often * 3]).flatmap(lambda k: st.sampled_from(words[k]))
    return st.one_of(
        st.sampled_from(["无", "none"]),
        st.tuples(st.lists(item, min_size=1, max_size=4), st.sampled_from(SEPARATORS)).map(
            lambda parts: parts[1].join(parts[0])
        ),
    )


def date_text(day: dt.date) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日"]
    )


def worded(values: list[Any], words: dict[Any, list[str]]) -> st.SearchStrategy[str]:
    return st.sampled_from(values).flatmap(lambda value: st.sampled_from(words[value]))


DAYS = st.one_of(
    st.dates(dt.date(2021, 1, 1), dt.date(2023, 12, 31)), st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31))
)
ROLES_CELL = st.one_of(
    st.sampled_from(
        [
            "manufacturer",
            "manufacturer;platform_operator",
            "equipment_maker、manufacturer",
            "security_provider|service_provider",
            "research_institution",
        ]
    ),
    listed(ROLES, ("manufacturer", "platform_operator", "equipment_maker", "security_provider")),
)
RECOGNITIONS_CELL = listed(
    RECOGNITIONS,
    (
        "provincial_demo_workshop",
        "municipal_demo_workshop",
        "first_set_equipment",
        "excellent_platform",
        "security_pilot_project",
        "municipal_smart_factory",
    ),
)

CELLS: dict[str, st.SearchStrategy[str]] = {
    "entity_type": worded(["enterprise"] * 4 + ["social_organization", "public_institution"], ENTITY_WORDS),
    "independent_legal_person": worded([True] * 5 + [False], BOOLS),
    "district": worded(DISTRICTS + ["zhangjiagang"] * 3 + ["kunshan"] * 2, DISTRICT_WORDS),
    "sme": worded([True, False], BOOLS),
    "roles": ROLES_CELL,
    "recognitions": RECOGNITIONS_CELL,
    "retrofit_loan_via_platform": worded([True] * 3 + [False], BOOLS),
    "institution_category": st.sampled_from(list(INSTITUTION_CATEGORIES)).flatmap(
        lambda k: st.sampled_from([k, INSTITUTION_CATEGORIES[k][0]])
    ),
    "application_date": DAYS.flatmap(date_text),
    **{key: figure(key) for key in NEAR},
}
assert set(CELLS) | {"name", "credit_code"} == set(KEYS)
# an applicant the policy is for: an independent enterprise in Suzhou that makes things (cells still as people write)
APPLICANT: dict[str, st.SearchStrategy[str]] = {
    "entity_type": worded(["enterprise"], ENTITY_WORDS),
    "independent_legal_person": worded([True], BOOLS),
    "district": worded(SUZHOU + ["zhangjiagang"] * 3 + ["kunshan"] * 2, DISTRICT_WORDS),
    "roles": st.sampled_from(["manufacturer", "工业(制造业)企业"]).flatmap(
        lambda first: st.one_of(
            st.just(first), ROLES_CELL.map(lambda more: f"{first};{more}" if more not in ("无", "none") else first)
        )
    ),
}


def cell(key: str, blank: int, applicant: bool) -> st.SearchStrategy[str]:
    """A cell of a key's column: blank (unknown) about ``blank`` percent of the time."""
    cells = APPLICANT if applicant and key in APPLICANT else CELLS
    return chance(blank).flatmap(lambda empty: st.just("") if empty else cells[key])


@st.composite
def firm_table(draw: st.DrawFn) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """(header cells as written, the profile key of each, rows as key -> cell text)."""
    keys = [key for key in CELLS if draw(chance(90))]
    keys = ["name", *draw(st.permutations(keys))]
    chinese = draw(st.booleans())
    header = [KEYS[key].label_zh if chinese else key for key in keys]
    count = draw(st.integers(1, 10))
    rows = []
    for number in range(count):
        row = {"name": f"企业{number}"}
        applicant = draw(chance(60))
        for key in keys[1:]:
            blank = (5 if applicant else 15) if key in APPLICANT else 30
            row[key] = draw(cell(key, blank, applicant))
        rows.append(row)
    return header, keys, rows


def csv_text(header: list[str], keys: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[row[key] for key in keys] for row in rows])
    return buffer.getvalue()


# --- layers ------------------------------------------------------------------------------------------------------

FROM_DAYS = st.one_of(
    st.sampled_from(
        [
            dt.date(2020, 12, 11),
            dt.date(2021, 1, 1),
            dt.date(2021, 7, 1),
            dt.date(2022, 1, 1),
            dt.date(2022, 6, 30),
            dt.date(2022, 7, 1),
            dt.date(2023, 1, 1),
            dt.date(2023, 12, 31),
            dt.date(2024, 1, 1),
        ]
    ),
    st.dates(dt.date(2020, 10, 1), dt.date(2024, 3, 31)),
)
CAPS = st.one_of(
    st.sampled_from([400_000, 500_000, 1_000_000, 2_000_000, 2_500_000, 3_000_000, 5_000_000]),
    st.integers(400_000, 6_000_000),
)
RATE = st.sampled_from(["0.01", "0.02", "0.03", "0.1", "1", "0.005", "0.015"]).map(Decimal)
RATE_MIN = st.sampled_from(["0.01", "0.02", "0.05", "0.1", "0.005", "0.012"]).map(Decimal)  # at most any rate_max
RATE_MAX = st.sampled_from(["0.2", "0.25", "0.3", "0.5", "1"]).map(Decimal)  # at least any rate_min
LINES_OF_COUNTY: dict[str, str] = {}  # a county line's id -> the city line it copies
FLOORS = st.sampled_from([100_000, 200_000, 300_000, 400_000])  # at most any cap in CAPS


def threshold(value: Any) -> st.SearchStrategy[int]:
    around = int(value)
    return st.sampled_from(sorted({max(0, around - 1), around, around + 1, around // 2, around * 2 + 1}))


def key_paths(line: dict[str, Any]) -> list[tuple[str, st.SearchStrategy[Any]]]:
    """The key paths of a line a layer may change, each with values that keep the rules valid."""
    amount = line.get("amount", {})
    rule = amount.get("rule")
    paths: list[tuple[str, st.SearchStrategy[Any]]] = []
    if rule in ("up_to", "percent"):
        paths.append(("amount.cap", CAPS))
    if rule == "percent":
        for name, values in (("rate", RATE), ("rate_min", RATE_MIN), ("rate_max", RATE_MAX), ("floor", FLOORS)):
            if name in amount:
                paths.append((f"amount.{name}", values))
    if rule == "per_unit":
        paths.append(("amount.cap_per_unit", CAPS))
    for number, cond in enumerate(line.get("qualifies", [])):
        for op in ("gt", "ge", "lt", "le"):
            if op in cond:
                paths.append((f"qualifies.{number}.{op}", threshold(cond[op])))
    paths.append(("valid_until", st.dates(dt.date(2021, 6, 30), dt.date(2024, 6, 30))))
    return paths


@st.composite
def change(draw: st.DrawFn, lines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ids = [i for i in lines if lines[i]["kind"] == "cash"]
    line = draw(st.one_of(st.sampled_from(LIKELY), st.sampled_from(ids)))
    path, values = draw(st.sampled_from(key_paths(lines[line])))
    entry: dict[str, Any] = {"benefit": line, "key": path, "value": draw(values)}
    if draw(chance(80)):
        entry["from"] = draw(FROM_DAYS)
    if draw(chance(35)):
        entry["district"] = draw(st.sampled_from(["zhangjiagang", "kunshan", *SUZHOU]))
    entry["source"] = f"《测试通知》第{draw(st.integers(1, 99))}条"
    return entry


@st.composite
def layer(draw: st.DrawFn, number: int, taken: set[str]) -> dict[str, Any]:
    """One layer file's data: county lines, changes, caps and exclusions (any of them; none is a valid layer too)."""
    document: dict[str, Any] = {"layer": {"name": f"测试县 第{number}号"}}
    lines = dict(LINES)
    county = []
    for _ in range(draw(st.integers(0, 2))):
        template = draw(st.sampled_from(LIKELY))
        new_id = f"zjg-{len(taken) + 1}"
        taken.add(new_id)
        LINES_OF_COUNTY[new_id] = template
        benefit = copy.deepcopy(LINES[template])
        benefit["id"] = new_id
        benefit["title_zh"] += "(县级)"
        benefit["source"] = "张家港市配套政策(测试)"
        county.append(benefit)
        lines[new_id] = benefit
    if county:
        document["benefit"] = county
    changes = draw(st.lists(change(lines), max_size=6))
    if changes:
        document["change"] = changes
    cash = [i for i in lines if lines[i]["kind"] == "cash"]
    mine = [benefit["id"] for benefit in county]
    # lines a firm often holds together (the same conditions, or a county copy of a city line), or any cash lines
    together = [["1a", "1b"], ["2a", "2c"], ["1a", "2a"], ["1b", "2c", "4"], ["10a", "10b"], ["16a", "22a", "18c"]]
    together += [[line, str(LINES_OF_COUNTY[line])] for line in mine]
    some_cash = st.one_of(
        st.sampled_from(together),
        st.lists(
            st.one_of(st.sampled_from([*LIKELY, *mine]), st.sampled_from(cash)), min_size=2, max_size=3, unique=True
        ),
    )
    caps = []
    for _ in range(draw(st.integers(0, 2))):
        cap: dict[str, Any] = {"lines": draw(some_cash), "at_most": "retrofit_loan_interest_paid_cny"}
        if draw(st.booleans()):
            cap["district"] = draw(st.sampled_from(["zhangjiagang", "kunshan", *SUZHOU]))
        cap["source"] = "两级合计不超过实际支付利息(测试)"
        caps.append(cap)
    if caps:
        document["cap"] = caps
    exclusive = [
        {"lines": draw(some_cash), "rule": draw(st.sampled_from(["one_of", "higher"])), "source": "不重复享受(测试)"}
        for _ in range(draw(st.integers(0, 1)) + draw(st.integers(0, 1)))
    ]
    if exclusive:
        document["exclusive"] = exclusive
    return document


@st.composite
def layers(draw: st.DrawFn) -> list[dict[str, Any]]:
    taken: set[str] = set()
    return [draw(layer(number, taken)) for number in range(1, draw(st.integers(1, 2)) + 1)]


SET_KEYS = [
    "district",
    "retrofit_loan_cny",
    "retrofit_loan_interest_paid_cny",
    "application_date",
    "sme",
    "roles",
    "platform_connected_devices",
    "recognitions",
    "entity_type",
]
sets = st.sampled_from(SET_KEYS).flatmap(lambda key: st.tuples(st.just(key), CELLS[key]))


# --- the two drivers ---------------------------------------------------------------------------------------------


def invoke(*args: str) -> Any:
    """The command line, in this process. Batch tunes the collector for its own run (``gc.freeze`` and high
    thresholds); put it back, so that hundreds of runs in one test do not pile up memory."""
    threshold = gc.get_threshold()
    try:
        return CliRunner().invoke(app, list(args), env=ENV)
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def batch(*args: str) -> list[dict[str, str]]:
    result = invoke("batch", *args, "--all-columns")  # with the columns after the audit trail, checked too
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.stdout)
    return list(csv.DictReader(io.StringIO(result.stdout)))


def expected(rules: Evaluator, profile: dict[str, str], as_of: str | None) -> dict[str, str]:
    """The cells batch must write for one firm, from the per-firm driver (its document, checked against its own
    fast verdict, and its compiled rules for the totals if in force)."""
    document = rules.evaluate(profile, as_of=as_of)
    verdict = rules.verdict(profile, as_of=as_of)
    cells: dict[str, str] = {}
    for index, result in enumerate(document["results"]):
        line = result["benefit"]
        assert verdict.ids[index] == line and verdict.statuses[index] == result["status"], line
        if result["kind"] != "risk_sharing":
            assert cny(verdict.amounts[index].max) == result["max_award_cny"], line
        shown = result["status_if_in_force"] != "ineligible"  # batch shows no amount for a line the firm cannot get
        cells[f"{line}_status"] = result["status"]
        cells[f"{line}_max_cny"] = result["max_award_cny"] or "" if shown else ""
        cells[f"{line}_min_cny"] = result["min_award_cny"] or "" if shown else ""  # for --long
    totals = document["totals"]
    assert (cny(verdict.eligible_cash_max), cny(verdict.potential_cash_max)) == (
        totals["eligible_cash_max_cny"],
        totals["potential_cash_max_cny"],
    )
    cells["eligible_cash_max_cny"] = totals["eligible_cash_max_cny"]
    cells["potential_cash_max_cny"] = totals["potential_cash_max_cny"]
    # after the audit columns: the statuses and totals if in force (where some line is outside its window), the
    # minimum of each open-ended line (the <id>_min_cny above), and the facts still missing (the keys "answer these
    # to refine" lists)
    outside = verdict.statuses != verdict.in_force
    assessment = rules.assess(profile, as_of)
    compiled = rules.judge.compiled(assessment.as_of, assessment.profile.district)
    in_force = compiled.totals(list(verdict.in_force), list(verdict.amounts), vars(assessment.profile))
    for result in document["results"]:
        cells[f"{result['benefit']}_status_if_in_force"] = result["status_if_in_force"] if outside else ""
    cells["eligible_cash_max_if_in_force_cny"] = cny(in_force[0]) if outside else ""
    cells["potential_cash_max_if_in_force_cny"] = cny(in_force[1]) if outside else ""
    order = list(KEYS)
    cells["missing"] = ";".join(sorted({hint["key"] for hint in document["refine"]}, key=order.index))
    return cells


def assert_agree(
    rows: list[dict[str, str]],
    rules: Evaluator,
    firms: list[dict[str, str]],
    as_of: str | None,
    fixed: dict[str, str] | None = None,
) -> None:
    assert len(rows) == len(firms)
    for row, firm in zip(rows, firms, strict=True):
        profile = {**{key: text for key, text in firm.items() if text}, **(fixed or {})}
        assert row["row_status"] == "valid", (row["row_errors"], profile)
        wanted = expected(rules, profile, as_of)
        differ = {
            column: (row[column], wanted[column])
            for column in wanted
            if column in row and row[column] != wanted[column]
        }
        assert not differ, (profile, as_of, "column: (batch, per firm)", differ)


@contextlib.contextmanager
def written(
    header: list[str], keys: list[str], rows: list[dict[str, str]], documents: list[dict[str, Any]]
) -> Iterator[tuple[str, list[str]]]:
    """The firms' CSV and the layer files on disk: (CSV path, --overlay arguments)."""
    with tempfile.TemporaryDirectory(prefix="subsidy-differential-") as folder:
        firms = Path(folder) / "firms.csv"
        firms.write_text(csv_text(header, keys, rows), encoding="utf-8")
        overlays = []
        for number, document in enumerate(documents, start=1):
            path = Path(folder) / f"layer-{number}.toml"
            path.write_text(tomli_w.dumps(document), encoding="utf-8")
            overlays += ["--overlay", str(path)]
        yield str(firms), overlays


def evaluator(overlays: list[str]) -> Evaluator:
    """The per-firm driver over these layers; a layer the loader refuses is discarded (rarely: see ``event``)."""
    try:
        rules = Evaluator(overlays=overlays[1::2])
    except SubsidyError as exc:
        event("layer refused")
        event(f"refused: {exc.problems[0].message[:60]}")
        assume(False)
        raise  # pragma: no cover
    event("layer loaded")
    return rules


def note_coverage(rows: list[dict[str, str]], firms: list[dict[str, str]], documents: list[dict[str, Any]]) -> None:
    """Events saying whether the layers' rules came into play (``--hypothesis-show-statistics``)."""
    caps = [cap for document in documents for cap in document.get("cap", [])]
    groups = [group for document in documents for group in document.get("exclusive", [])]
    places = {change.get("district") for document in documents for change in document.get("change", [])}
    county = [line["id"] for document in documents for line in document.get("benefit", [])]
    for row, firm in zip(rows, firms, strict=True):
        held = {line for line in (*CASH, *county) if row.get(f"{line}_status") in ("eligible", "potential")}
        if any(firm.get("retrofit_loan_interest_paid_cny") and held & set(cap["lines"]) for cap in caps):
            event("a cap in play")
        if any(len(held & set(group["lines"])) > 1 for group in groups):
            event("an exclusion in play")
        if any(row.get(f"{line}_status") == "eligible" for line in county):
            event("a county line eligible")
        if row["eligible_cash_max_cny"] != "0.00":
            event("some cash eligible")
        district = firm.get("district", "")
        if district and any(district in DISTRICT_WORDS.get(place or "", ()) for place in places):
            event("a district value in play")


# --- the tests ---------------------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(table=firm_table(), documents=layers(), day=DAYS, fixed=sets, set_dated=st.booleans())
def test_batch_agrees_with_the_per_firm_driver(
    table: tuple[list[str], list[str], list[dict[str, str]]],
    documents: list[dict[str, Any]],
    day: dt.date,
    fixed: tuple[str, str],
    set_dated: bool,
) -> None:
    header, keys, firms = table
    as_of = day.isoformat()
    with written(header, keys, firms, documents) as (path, overlays):
        rules = evaluator(overlays)
        assert_agree(batch(path, *overlays), rules, firms, None)  # each row's application_date, else today
        wide = batch(path, *overlays, "--as-of", as_of)
        assert_agree(wide, rules, firms, as_of)
        key, value = fixed
        dated = ["--as-of", as_of] if set_dated else []
        sets = batch(path, *overlays, "--set", f"{key}={value}", *dated)
        assert_agree(sets, rules, firms, as_of if set_dated else None, {key: value})
        long = batch(path, *overlays, "--as-of", as_of, "--long")
    note_coverage(wide, firms, documents)
    ids = [
        column.removesuffix("_status") for column in wide[0] if column.endswith("_status") and column != "row_status"
    ]
    assert len(long) == len(wide) * len(ids)
    for number, (row, firm) in enumerate(zip(wide, firms, strict=True)):
        wanted = expected(rules, {key: text for key, text in firm.items() if text}, as_of)
        for line, cells in zip(ids, long[number * len(ids) : (number + 1) * len(ids)], strict=True):
            assert (cells["line"], cells["benefit"]) == (row["line"], line)
            assert (cells["status"], cells["max_award_cny"]) == (row[f"{line}_status"], row[f"{line}_max_cny"]), (
                row["name"],
                line,
            )
            assert cells["min_award_cny"] == wanted[f"{line}_min_cny"], (firm, as_of, line)
            assert cells["status_if_in_force"] == wanted[f"{line}_status_if_in_force"], (firm, as_of, line)
            assert cells["missing"] == wanted["missing"], (firm, as_of)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(table=firm_table(), documents=layers(), day=st.one_of(st.none(), DAYS))
def test_jobs_give_the_wide_output_byte_for_byte(
    table: tuple[list[str], list[str], list[dict[str, str]]], documents: list[dict[str, Any]], day: dt.date | None
) -> None:
    header, keys, firms = table
    dated = ["--as-of", day.isoformat()] if day else []
    with written(header, keys, firms, documents) as (path, overlays):
        evaluator(overlays)
        one = invoke("batch", path, *overlays, *dated, "--all-columns")
        saved = csvblocks.BLOCK_BYTES
        csvblocks.BLOCK_BYTES = 256  # a few rows a block: blocks go to both workers
        try:
            two = invoke("batch", path, *overlays, *dated, "--all-columns", "--jobs", "2")
        finally:
            csvblocks.BLOCK_BYTES = saved
    assert one.exit_code == two.exit_code == 0, (one.stderr, two.stderr)
    assert one.stdout_bytes == two.stdout_bytes


# --- disagreements found -----------------------------------------------------------------------------------------


FEN_FIRM = {  # 1a: 1% of 100,000,000.50 = 1,000,000.005; 22a: 10% of 1,000,000.05 = 100,000.005 (both show ...00)
    "name": "甲",
    "entity_type": "enterprise",
    "independent_legal_person": "true",
    "district": "kunshan",
    "roles": "manufacturer;security_provider",
    "retrofit_loan_cny": "100000000.5",
    "retrofit_loan_via_platform": "true",
    "security_served_enterprises": "11",
    "security_annual_revenue_cny": "3000001",
    "security_contract_cny": "1000000.05",
    "retrofit_loan_interest_paid_cny": "1100000",
}


@pytest.mark.parametrize(
    ("rule", "total"),
    [
        # Each line is paid rounded half up to the fen (1,000,000.01 and 100,000.01): together 1,100,000.02, above
        # the 1,100,000 of interest paid, so the total is the cap, in both drivers.
        ('[[cap]]\nlines = ["1a", "22a"]\nat_most = "retrofit_loan_interest_paid_cny"\n', "1100000.00"),
        # Only the higher is paid: 1a's 1,000,000.01.
        ('[[exclusive]]\nlines = ["1a", "22a"]\nrule = "higher"\n', "1000000.01"),
    ],
)
def test_rules_across_lines_on_amounts_with_fractions_of_a_fen(tmp_path: Path, rule: str, total: str) -> None:
    layer = tmp_path / "layer.toml"
    layer.write_text(f'[layer]\nname = "t"\nsource = "s"\n{rule}', encoding="utf-8")
    firms = tmp_path / "firms.csv"
    firms.write_text(csv_text(list(FEN_FIRM), list(FEN_FIRM), [FEN_FIRM]), encoding="utf-8")
    rules = Evaluator(overlays=[layer])
    assert expected(rules, FEN_FIRM, "2022-06-30")["eligible_cash_max_cny"] == total
    rows = batch(str(firms), "--overlay", str(layer), "--as-of", "2022-06-30")
    assert (rows[0]["1a_max_cny"], rows[0]["22a_max_cny"]) == ("1000000.01", "100000.01")
    assert_agree(rows, rules, [FEN_FIRM], "2022-06-30")  # batch: eligible_cash_max_cny one fen more
