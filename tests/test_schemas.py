"""The JSON Schemas the package ships (subsidy_cli/schemas/): what pydantic generates from the models, what
``subsidy schema`` prints, named by the shipped TOML files, and accepting those files (dated values included).

Validation uses the ``jsonschema`` package when it is installed (the test extras); without it, the shipped files
are checked with the loaders (pydantic) alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from subsidy_cli.cli import app
from subsidy_cli.profile.files import load_profile
from subsidy_cli.rules.catalog import build_catalog, is_validated
from subsidy_cli.rules.layers import load_rules
from subsidy_cli.rules.schema import DIRECTORY, SCHEMAS, dumps

ROOT = Path(__file__).resolve().parent.parent
MEASURES = ROOT / "measures.toml"
SHIPPED = [
    (MEASURES, "measures"),
    *[(path, "profile") for path in sorted((ROOT / "samples").glob("*.toml"))],
    *[(path, "layer") for path in sorted((ROOT / "samples" / "overlays").glob("*.toml"))],
]

try:
    import jsonschema
except ImportError:  # pragma: no cover - the test extras install it
    jsonschema = None


def schema(kind: str) -> dict[str, Any]:
    return json.loads((DIRECTORY / f"{kind}.schema.json").read_text(encoding="utf-8"))


def as_json(value: Any) -> Any:
    """TOML data as an editor's schema checker sees it: dates and times as text, numbers as numbers."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def errors(kind: str, data: dict[str, Any]) -> list[str]:
    assert jsonschema is not None
    validator = jsonschema.Draft202012Validator(schema(kind), format_checker=jsonschema.FormatChecker())
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(as_json(data))]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schemas_are_what_pydantic_generates(name: str) -> None:
    shipped = (DIRECTORY / name).read_text(encoding="utf-8")
    assert shipped == dumps(SCHEMAS[name]()), f"regenerate with: python -m subsidy_cli.rules.schema ({name})"


def test_the_schema_command_prints_the_shipped_schemas() -> None:
    runner = CliRunner()
    profile = runner.invoke(app, ["schema"])
    rules = runner.invoke(app, ["schema", "--rules"])
    assert profile.exit_code == 0 and profile.stdout == (DIRECTORY / "profile.schema.json").read_text("utf-8")
    assert rules.exit_code == 0 and rules.stdout == (DIRECTORY / "rules.schema.json").read_text("utf-8")


def test_the_shipped_measures_file_is_stamped_as_validated() -> None:
    """``check`` builds the shipped file without its validator only because this test validates it in full."""
    stamp = (DIRECTORY / "measures.validated.sha256").read_text(encoding="ascii").strip()
    assert stamp == hashlib.sha256(MEASURES.read_bytes()).hexdigest(), (
        "measures.toml changed: run python -m subsidy_cli.rules.schema (it validates the file and writes the stamp)"
    )
    text = MEASURES.read_bytes().decode("utf-8")
    assert is_validated(text) and not is_validated(text + "\n")
    rules = load_rules(MEASURES)
    validated = build_catalog(rules.data, str(MEASURES), text)  # pydantic, in full
    assert build_catalog(rules.data, str(MEASURES), text, validated=True) == validated
    assert rules.first().benefits == validated.benefits


@pytest.mark.parametrize(("path", "kind"), SHIPPED, ids=lambda item: getattr(item, "name", item))
def test_shipped_files_name_their_schema(path: Path, kind: str) -> None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith("#:schema "), f"{path.name} must start with a #:schema line"
    target = (path.parent / first.removeprefix("#:schema ").strip()).resolve()
    # the repository's copy of the package's schema (the tests may run against an installed copy)
    assert target == (ROOT / "subsidy_cli" / "schemas" / f"{kind}.schema.json").resolve()
    assert target.read_bytes() == (DIRECTORY / f"{kind}.schema.json").read_bytes()


@pytest.mark.parametrize(("path", "kind"), SHIPPED, ids=lambda item: getattr(item, "name", item))
def test_shipped_files_validate(path: Path, kind: str) -> None:
    if kind == "profile":
        load_profile(str(path))
    else:
        load_rules(None if kind == "layer" else path, [path] if kind == "layer" else [])
    if jsonschema is None:  # pragma: no cover
        return
    data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    assert errors(kind, data) == []
    if kind != "profile":
        assert errors("rules", data) == []


@pytest.mark.skipif(jsonschema is None, reason="needs the jsonschema package")
def test_the_schemas_are_valid_json_schema() -> None:
    for name in SCHEMAS:
        jsonschema.Draft202012Validator.check_schema(json.loads((DIRECTORY / name).read_text(encoding="utf-8")))


@pytest.mark.skipif(jsonschema is None, reason="needs the jsonschema package")
def test_dated_values_are_accepted_and_slips_are_not() -> None:
    text = MEASURES.read_text(encoding="utf-8").replace(
        "cap = 500000",
        'cap = [{ from = 2021-01-01, value = 500000, source = "policy" }, '
        '{ from = 2022-07-01, value = 600000, source = "a notice", district = "kunshan" }]',
        1,
    )
    data = tomllib.loads(text, parse_float=Decimal)
    assert errors("measures", data) == []
    data["benefit"][0]["titel_en"] = "typo"
    data["benefit"][1]["amount"] = {"rule": "up_to", "cap": "50万"}
    found = errors("measures", data)
    assert any(e.startswith("benefit.0:") and "titel_en" in e for e in found), found
    assert any(e.startswith("benefit.1.amount") for e in found), found
    layer = tomllib.loads((ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml").read_text("utf-8"))
    layer["change"][0]["benefti"] = "1a"
    assert errors("layer", layer) != []


@pytest.mark.skipif(jsonschema is None, reason="needs the jsonschema package")
def test_the_profile_schema_takes_what_people_type() -> None:
    assert errors("profile", {"name": "甲", "retrofit_loan_cny": "5,000万", "sme": "是", "roles": "manufacturer"}) == []
    assert errors("profile", {"name": "甲", "distrct": "昆山"}) != []
    assert errors("profile", {"district": "昆山"}) != []  # name is required
