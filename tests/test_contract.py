"""Inputs that used to end in an internal error (exit 70) get a one-line message and exit 1; every CSV the
tool writes is safe from formulas, the full-width ＝＋－＠ that Excel and WPS also read included."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy_cli.cli import app
from subsidy_cli.output.formats import neutralise

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "samples" / "kunshan-parts-sme.toml")
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
LAYER = (
    '[layer]\nname = "x"\n[[change]]\nbenefit = "1a"\nkey = "amount.cap"\nfrom = 2022-01-01\nvalue = {value}\n'
    'source = "s"\n'
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=ENV)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.toml", "a = " + "[" * 3000 + "]" * 3000, "is nested too deeply to be read"),
        ("deep.json", "[" * 5000 + "]" * 5000, "is nested too deeply to be read"),
        ("long.toml", 'name = "x"\nflexible_talents_approved = ' + "9" * 5000, "holds a number too long to be read"),
    ],
)
def test_absurd_profiles_get_a_message_not_an_internal_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, _, err = run("check", str(path))
    assert code == 1 and err.startswith(f"error: {path}: {message}") and "internal error" not in err


@pytest.mark.parametrize("value", ["1e400", "1e99999999", "0.000000000001"])
def test_absurd_figures_in_a_layer_are_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "layer.toml"
    path.write_text(LAYER.format(value=value), encoding="utf-8")
    code, _, err = run("check", SAMPLE, "--overlay", str(path), "--as-of", "2022-06-30")
    assert code == 1 and "is beyond any figure a rule states" in err and "internal error" not in err
    code, _, err = run("validate", str(path))
    assert code == 1 and "internal error" not in err


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)", "\t=1"])
def test_a_formula_is_never_written_as_one(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert neutralise("企业" + cell) == "企业" + cell


def test_measures_csv_is_neutralised_with_a_layers_titles(tmp_path: Path) -> None:
    """A county line whose titles start like formulas reaches ``measures --format csv`` neutralised."""
    text = (ROOT / "measures.toml").read_text(encoding="utf-8")
    block = text[text.index('[[benefit]]\nid = "2a"') : text.index('[[benefit]]\nid = "2b"')]
    county = block.replace('id = "2a"', 'id = "zjg-1"')
    county = county.replace('title_zh = "省级智能制造示范车间奖励"', 'title_zh = "＝HYPERLINK(1)"')
    county = county.replace(
        'title_en = "Award for a provincial smart-manufacturing demonstration workshop"', 'title_en = "=HYPERLINK(1)"'
    )
    path = tmp_path / "layer.toml"
    path.write_text('[layer]\nname = "x"\nsource = "s"\n' + county, encoding="utf-8")
    for lang, title in (("zh", "＝HYPERLINK(1)"), ("en", "=HYPERLINK(1)")):
        code, out, err = run("measures", "--format", "csv", "--overlay", str(path), "--lang", lang)
        assert code == 0, err
        row = out.strip().splitlines()[-1]
        assert row.startswith("zjg-1,") and f"'{title}" in row and f",{title}" not in row


@pytest.mark.parametrize("cell", ["-", "+", "－", "＋"])
def test_a_lone_sign_is_a_placeholder_not_a_formula(cell: str) -> None:
    assert neutralise(cell) == cell
