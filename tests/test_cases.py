"""Runs the data-driven cases in tests/cases/*.toml through every path: profile, date, expected status and amounts.

Each file may hold a ``[defaults]`` table (``as_of`` and a ``profile`` merged under every case) and any
number of ``[[case]]`` tables::

    [[case]]
    name = "a Kunshan SME with a 5,000万 platform loan gets 1% = 50万"
    as_of = 2022-06-30                      # optional; else defaults.as_of
    profile = { retrofit_loan_cny = "5000万" }   # merged over defaults.profile; a key set to "" is removed
    expect."1a" = { status = "eligible", max = "500000", min = "500000" }
    expect."1b" = { status = "eligible", min = "500000", max = "none", missing = [] }

``status``, ``status_if_in_force``: as in the JSON output. ``max`` / ``min``: the award in CNY
(``"none"`` when the text sets no bound); ``missing``: the unknown keys listed for the line.
``totals`` (optional) checks ``eligible_cash_max`` / ``potential_cash_max`` / ``open_ended``.
``overlays`` (in ``[defaults]`` or a case) lists layer files, relative to the repository, as ``--overlay``.

Every case runs through each way a user reaches the engine (one test per case and path):

- ``check``: ``subsidy check PROFILE.toml --format json`` (the profile written as TOML, as typed);
- ``batch``: the profile as a one-row CSV (its keys as headers) through ``subsidy batch``; the wide CSV
  holds each line's ``<id>_status`` and ``<id>_max_cny`` (empty where the line is ineligible or has no
  upper bound) and the ``eligible_cash_max_cny`` / ``potential_cash_max_cny`` totals, so only those are
  checked there;
- ``jsonl``: ``subsidy batch --format jsonl``: every expectation, and the document must equal check's
  apart from its ``line`` and ``row_status``;
- ``library``: ``subsidy_cli.library.Evaluator``: ``assess`` checks every expectation on the exact
  amounts, and ``evaluate`` must return check's document.

The outputs write amounts with two places; an expectation with more (``12.345``) is met by an output within
half a cent of it. Only the library path compares such amounts exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from typer.testing import CliRunner

from subsidy_cli.cli import app
from subsidy_cli.library import Evaluator

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).parent / "cases"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
PATHS = ("check", "batch", "jsonl", "library")
_ALLOWED_EXPECT = {"status", "status_if_in_force", "max", "min", "missing"}
_ALLOWED_TOTALS = {"eligible_cash_max", "potential_cash_max", "open_ended"}
HALF_CENT = Decimal("0.005")
LIST_SEPARATORS = ";；,，、|"  # what a batch cell splits a list at

# Where a path disagrees with check (or every output with the expert's exact figure): (case id, path) -> reason.
# Each is a finding to fix in the code or the case, not a tolerance: the tests are strict xfails, so they fail
# as soon as the disagreement is gone and the entry must then be removed.
KNOWN_DISAGREEMENTS: dict[tuple[str, str], str] = {}
# Keys whose value a CSV cell cannot hold for a case: (case id, key) -> why. None today.
NOT_IN_CSV: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, eq=False)
class Case:
    id: str
    file: str
    name: str
    profile: dict[str, Any]
    as_of: dt.date
    overlays: tuple[str, ...]
    expect: dict[str, dict[str, Any]]
    totals: dict[str, Any]


def _load_cases() -> list[Case]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        defaults = data.get("defaults", {})
        for index, raw in enumerate(data.get("case", [])):
            name = raw.get("name", "")
            where = f"{path.name}: case {name!r}"
            profile = {**defaults.get("profile", {}), **raw.get("profile", {})}
            as_of = raw.get("as_of", defaults.get("as_of"))
            assert as_of is not None, f"{where} needs as_of (or defaults.as_of)"
            assert isinstance(as_of, dt.date), f"{where}: as_of must be a TOML date"
            expect = raw.get("expect", {})
            totals = raw.get("totals", {})
            assert expect or totals, f"{where} expects nothing"
            for benefit_id, expected in expect.items():
                unknown = set(expected) - _ALLOWED_EXPECT
                assert not unknown, f"{where}: line {benefit_id}: unknown expectation keys {unknown}"
            assert not set(totals) - _ALLOWED_TOTALS, f"{where}: unknown totals keys {set(totals) - _ALLOWED_TOTALS}"
            cases.append(
                Case(
                    id=f"{path.stem}[{index}] {name}",
                    file=path.name,
                    name=name,
                    profile={k: v for k, v in profile.items() if v != ""},
                    as_of=as_of,
                    overlays=tuple(raw.get("overlays", defaults.get("overlays", []))),
                    expect=expect,
                    totals=totals,
                )
            )
    return cases


CASES = _load_cases()


def _params() -> list[Any]:
    params = []
    for case in CASES:
        for path in PATHS:
            marks = []
            if (case.id, path) in KNOWN_DISAGREEMENTS:
                marks.append(pytest.mark.xfail(reason=KNOWN_DISAGREEMENTS[case.id, path], strict=True))
            params.append(pytest.param(case, path, id=f"{case.id}-{path}", marks=marks))
    return params


# --- amounts -----------------------------------------------------------------------------------------------------


def _expected_amount(value: Any) -> Decimal | None:
    """An expectation: a number or numeric text in CNY (``"50万"`` style is not accepted), or ``"none"``."""
    if isinstance(value, str) and value == "none":
        return None
    return Decimal(str(value))


def _exact(value: Decimal | None) -> str:
    return "none" if value is None else f"{value.normalize():f}"


def _output_matches(expected: Decimal | None, written: str | None) -> bool:
    """An output amount (two places, ``None``/empty for no bound) against an expectation."""
    if expected is None or not written:
        return expected is None and not written
    if isinstance(expected.as_tuple().exponent, int) and expected.as_tuple().exponent < -2:
        return abs(Decimal(written) - expected) <= HALF_CENT
    return Decimal(written) == expected


# --- the paths ---------------------------------------------------------------------------------------------------


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, env=ENV)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def _rule_options(case: Case) -> list[str]:
    options = ["--as-of", case.as_of.isoformat()]
    for overlay in case.overlays:
        options += ["--overlay", str(ROOT / overlay)]
    return options


@functools.cache
def check_document(case: Case, folder: Path) -> dict[str, Any]:
    profile = folder / f"profile-{CASES.index(case)}.toml"
    profile.write_text(tomli_w.dumps(case.profile), encoding="utf-8")
    code, out, err = _invoke(["check", str(profile), "--format", "json", *_rule_options(case)])
    assert code == 0, f"{case.id}: check exited {code}: {err}"
    return json.loads(out)


def _csv_cell(case: Case, key: str, value: Any) -> str:
    if (case.id, key) in NOT_IN_CSV:
        pytest.skip(f"{key}: {NOT_IN_CSV[case.id, key]}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if not all(isinstance(item, str) and not set(item) & set(LIST_SEPARATORS) for item in value):
            pytest.skip(
                f"{key}: a CSV cell cannot hold the list {value!r} (an item that is not text or holds a separator)"
            )
        return ";".join(value) if value else "none"
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, int | str):
        return str(value)
    pytest.skip(f"{key}: a CSV cell cannot hold {value!r} ({type(value).__name__})")


def _csv_file(case: Case, folder: Path) -> Path:
    path = folder / "firms.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(case.profile))
        writer.writerow([_csv_cell(case, key, value) for key, value in case.profile.items()])
    return path


def _batch(case: Case, folder: Path, *options: str) -> str:
    code, out, err = _invoke(["batch", str(_csv_file(case, folder)), *options, *_rule_options(case)])
    assert code == 0, f"{case.id}: batch exited {code}: {err}"
    return out


@functools.cache
def _evaluator(overlays: tuple[str, ...]) -> Evaluator:
    return Evaluator(overlays=[ROOT / path for path in overlays])


# --- what each output must say -----------------------------------------------------------------------------------


def assert_document(case: Case, document: dict[str, Any]) -> None:
    """Every expectation of the case against a ``check --format json`` document."""
    by_id = {result["benefit"]: result for result in document["results"]}
    for benefit_id, expected in case.expect.items():
        assert benefit_id in by_id, f"{case.file}: no benefit line {benefit_id!r}"
        result = by_id[benefit_id]
        where = f"{case.name}: line {benefit_id}"
        for key in ("status", "status_if_in_force"):
            if key in expected:
                assert result[key] == expected[key], f"{where}: {key}"
        for key, field_name in (("max", "max_award_cny"), ("min", "min_award_cny")):
            if key in expected:
                wanted = _expected_amount(expected[key])
                assert _output_matches(wanted, result[field_name]), (
                    f"{where}: {key} award {result[field_name]!r}, expected {_exact(wanted)}"
                )
        if "missing" in expected:
            assert sorted(result["missing"]) == sorted(expected["missing"]), f"{where}: missing keys"
    totals = document["totals"]
    for key in ("eligible_cash_max", "potential_cash_max"):
        if key in case.totals:
            wanted = _expected_amount(case.totals[key])
            assert _output_matches(wanted, totals[f"{key}_cny"]), (
                f"{case.name}: totals {key} {totals[f'{key}_cny']!r}, expected {_exact(wanted)}"
            )
    if "open_ended" in case.totals:
        assert totals["open_ended"] == case.totals["open_ended"], f"{case.name}: totals open_ended"


def assert_wide_row(case: Case, row: dict[str, str]) -> None:
    """The expectations a wide batch row can show: each line's status and maximum, and the cash totals."""
    assert row["row_status"] == "valid", f"{case.name}: row invalid: {row['row_errors']}"
    assert row["name"] in (case.profile["name"], "'" + case.profile["name"]), "the row is the case's firm"
    for benefit_id, expected in case.expect.items():
        assert f"{benefit_id}_status" in row, f"{case.file}: no benefit line {benefit_id!r}"
        status, written = row[f"{benefit_id}_status"], row[f"{benefit_id}_max_cny"]
        where = f"{case.name}: line {benefit_id}"
        if "status" in expected:
            assert status == expected["status"], f"{where}: status"
        if status == "ineligible":
            assert written == "", f"{where}: an ineligible line's amount is left empty, got {written!r}"
        elif "max" in expected:
            wanted = _expected_amount(expected["max"])
            assert _output_matches(wanted, written), f"{where}: max award {written!r}, expected {_exact(wanted)}"
    for key in ("eligible_cash_max", "potential_cash_max"):
        if key in case.totals:
            wanted = _expected_amount(case.totals[key])
            written = row[f"{key}_cny"]
            assert _output_matches(wanted, written), f"{case.name}: totals {key} {written!r}, expected {wanted}"


def assert_assessment(case: Case, evaluator: Evaluator) -> None:
    """Every expectation against the library's typed assessment, amounts exact."""
    assessment = evaluator.assess(case.profile, case.as_of)
    by_id = {result.benefit.id: result for result in assessment.results}
    for benefit_id, expected in case.expect.items():
        assert benefit_id in by_id, f"{case.file}: no benefit line {benefit_id!r}"
        result = by_id[benefit_id]
        where = f"{case.name}: line {benefit_id}"
        if "status" in expected:
            assert result.status == expected["status"], f"{where}: status"
        if "status_if_in_force" in expected:
            assert result.status_if_in_force == expected["status_if_in_force"], f"{where}: status_if_in_force"
        if "max" in expected:
            assert _exact(result.max_award) == _exact(_expected_amount(expected["max"])), f"{where}: max award"
        if "min" in expected:
            assert _exact(result.min_award) == _exact(_expected_amount(expected["min"])), f"{where}: min award"
        if "missing" in expected:
            assert sorted(result.missing) == sorted(expected["missing"]), f"{where}: missing keys"
    totals = assessment.totals
    if "eligible_cash_max" in case.totals:
        wanted = _exact(_expected_amount(case.totals["eligible_cash_max"]))
        assert _exact(totals.eligible_cash_max) == wanted, f"{case.name}: totals eligible_cash_max"
    if "potential_cash_max" in case.totals:
        wanted = _exact(_expected_amount(case.totals["potential_cash_max"]))
        assert _exact(totals.potential_cash_max) == wanted, f"{case.name}: totals potential_cash_max"
    if "open_ended" in case.totals:
        assert list(totals.open_ended) == case.totals["open_ended"], f"{case.name}: totals open_ended"


# --- the tests ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def check_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("check")


@pytest.mark.parametrize(("case", "path"), _params())
def test_case(case: Case, path: str, tmp_path: Path, check_folder: Path) -> None:
    if path == "check":
        assert_document(case, check_document(case, check_folder))
    elif path == "batch":
        rows = list(csv.DictReader(io.StringIO(_batch(case, tmp_path))))
        assert len(rows) == 1
        assert_wide_row(case, rows[0])
    elif path == "jsonl":
        lines = _batch(case, tmp_path, "--format", "jsonl").splitlines()
        assert len(lines) == 1
        document = json.loads(lines[0])
        assert (document.pop("line"), document.pop("row_status"), document.pop("row_warnings")) == (2, "valid", [])
        assert_document(case, document)
        assert_same_document(document, check_document(case, check_folder), "batch --format jsonl")
    else:
        evaluator = _evaluator(case.overlays)
        assert_assessment(case, evaluator)
        document = evaluator.evaluate(case.profile, case.as_of, lang="en")
        assert_same_document(document, check_document(case, check_folder), "Evaluator.evaluate")


def assert_same_document(document: dict[str, Any], check: dict[str, Any], path: str) -> None:
    """Equal to check's document; on a difference, name the first lines and fields that differ."""
    if document == check:
        return
    differences = [key for key in sorted(set(document) | set(check)) if document.get(key) != check.get(key)]
    lines = [
        f"{ours['benefit']}.{key}: {ours.get(key)!r} vs check {theirs.get(key)!r}"
        for ours, theirs in zip(document.get("results", []), check.get("results", []), strict=False)
        for key in sorted(set(ours) | set(theirs))
        if ours.get(key) != theirs.get(key)
    ]
    raise AssertionError(f"{path} differs from check in {differences}: {lines[:5]}")


def test_every_line_has_a_case() -> None:
    covered = {benefit_id for case in CASES for benefit_id in case.expect}
    every = {result.benefit.id for result in _evaluator(()).assess({"name": "x"}, "2022-01-01").results}
    missing = sorted(every - covered, key=lambda i: (len(i), i))
    assert not missing, f"no data-driven case for lines: {missing}"
