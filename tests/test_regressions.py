"""Regression tests for problems found in review: each names the slip it guards against."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

import subsidy_cli
from subsidy_cli.cli import app
from subsidy_cli.profile.values import parse_money

ROOT = Path(__file__).resolve().parent.parent
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env=ENV)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_refine_and_interview_work_after_the_policy_expired() -> None:
    document = subsidy_cli.evaluate({"name": "x"}, as_of="2026-01-01")
    assert document["refine"], "an expired line still says what would settle it"
    code, _, err = run("check", "--interactive", stdin="Acme\n" + "\n" * 40)
    assert code == 0 and "0 questions asked" not in err


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e400", "9" * 30, "1.234,5", "1,23"])
def test_unusable_numbers_are_explained(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)


def test_unusable_numbers_in_files(tmp_path: Path) -> None:
    profile = tmp_path / "firm.toml"
    profile.write_text('name = "x"\nretrofit_loan_cny = nan\n', encoding="utf-8")
    code, _, err = run("check", str(profile))
    assert code == 1 and "retrofit_loan_cny" in err
    firms = tmp_path / "firms.csv"
    firms.write_text("name,retrofit_loan_cny\na,nan\nb,1e400\nc,100万\n", encoding="utf-8")
    code, out, _ = run("batch", str(firms), "--as-of", "2022-01-01")
    assert code == 1 and [r["row_status"] for r in csv.DictReader(io.StringIO(out))] == ["invalid", "invalid", "valid"]


def test_bad_bytes_in_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"name,district\nA,kunshan\n\xb1Co,kun\xffshan\n")
    code, out, _ = run("batch", str(path), "--encoding", "utf-8", "--as-of", "2022-01-01")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 1 and rows[1]["row_status"] == "invalid" and rows[1]["name"].startswith("\ufffd[b1]")


@pytest.mark.parametrize("encoding", ["utf-16", "hex", "rot13"])
def test_encodings_that_are_not_for_csv_text(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text("name\nx\n", encoding="utf-8")
    code, _, err = run("batch", str(path), "--encoding", encoding)
    assert code == 2 and "--encoding" in err


def test_set_without_a_profile_in_an_interview() -> None:
    code, _, err = run("check", "-i", "--set", "foo=1", stdin="")
    assert code == 1 and "--set: foo: unknown key" in err
    code, _, err = run("check", "-i", "--set", "sme=maybe", stdin="")
    assert code == 1 and "--set: sme: 'maybe' is not yes or no" in err


def test_an_empty_set_makes_a_column_unknown_in_batch_as_in_check() -> None:
    firms = ROOT / "samples" / "firms.csv"
    rows = list(csv.DictReader(io.StringIO(run("batch", str(firms), "--set", "sme=", "--as-of", "2022-06-01")[1])))
    assert all(r["6_status"] in ("needs_info", "ineligible") for r in rows)


def test_save_target_is_checked_before_the_interview(tmp_path: Path) -> None:
    target = tmp_path / "exists.toml"
    target.write_text("", encoding="utf-8")
    code, _, err = run("check", "-i", "--save", str(target), stdin="Acme\n")
    assert code == 2 and "already exists" in err and "Entity type" not in err


def test_interview_from_a_file_without_a_name(tmp_path: Path) -> None:
    start = tmp_path / "partial.toml"
    start.write_text('district = "kunshan"\n', encoding="utf-8")
    code, _, err = run("check", "-i", str(start), "--as-of", "2022-06-30", stdin="Acme\n" + "\n" * 40)
    assert code == 0 and "Name" in err and "District:" not in err


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_output_file_mode_follows_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert run("batch", str(ROOT / "samples" / "firms.csv"), "-o", str(target))[0] == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_batch_with_more_than_64_lines(tmp_path: Path) -> None:
    text = (ROOT / "measures.toml").read_text(encoding="utf-8")
    block = text[text.index('[[benefit]]\nid = "2a"') : text.index('[[benefit]]\nid = "2b"')]
    lines = "".join(block.replace('id = "2a"', f'id = "zjg-{n}"') for n in range(30))
    layer = tmp_path / "many.toml"
    layer.write_text('[layer]\nname = "many"\nsource = "test"\n' + lines, encoding="utf-8")
    firms = tmp_path / "firms.csv"
    firms.write_text(
        "name,district,recognitions,roles,entity_type,independent_legal_person\n"
        "a,kunshan,provincial_demo_workshop,manufacturer,enterprise,true\n",
        encoding="utf-8",
    )
    for jobs in ("1", "2"):
        code, out, _ = run("batch", str(firms), "--overlay", str(layer), "--as-of", "2022-01-01", "--jobs", jobs)
        row = next(csv.DictReader(io.StringIO(out)))
        assert code == 0 and row["zjg-29_status"] == "eligible" and row["zjg-29_max_cny"] == "500000.00"
