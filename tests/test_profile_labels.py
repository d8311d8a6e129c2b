"""Profile files (and ``--set``) accept the keys' Chinese and English labels, as CSV headings do, and the
Chinese values and usual words people write; the same firm however it is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy_cli.cli import app
from subsidy_cli.profile.files import load_profile

ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}

SLUGS = (
    'name = "测试公司"\ndistrict = "kunshan"\nentity_type = "enterprise"\nroles = ["manufacturer", "equipment_maker"]\n'
    'recognitions = ["first_set_equipment"]\nretrofit_loan_cny = 8000000\n'
)
CHINESE = (
    '"企业名称" = "测试公司"\n"所在地区" = "苏州市昆山市"\n"主体类型" = "有限责任公司"\n'
    '"主体角色" = ["制造业", "装备制造商"]\n"已获认定" = ["首台套"]\n"智能化改造项目贷款额" = "800万"\n'
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=ENV)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_chinese_labels_and_values_give_the_same_profile(tmp_path: Path) -> None:
    (tmp_path / "slugs.toml").write_text(SLUGS, encoding="utf-8")
    (tmp_path / "chinese.toml").write_text(CHINESE, encoding="utf-8")
    assert load_profile(str(tmp_path / "chinese.toml")) == load_profile(str(tmp_path / "slugs.toml"))


def test_english_labels_in_a_json_profile(tmp_path: Path) -> None:
    path = tmp_path / "firm.json"
    path.write_text(json.dumps({"Name": "测试公司", "District": "昆山", "SME": "是"}), encoding="utf-8")
    profile = load_profile(str(path))
    assert (profile.name, profile.district, profile.sme) == ("测试公司", "kunshan", True)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("zh", "错误：{path}: name: 重复给出:企业名称 和 name 指同一项;请只保留一个"),
        ("en", "error: {path}: name: is given twice, as 企业名称 and name; keep one"),
    ],
)
def test_a_key_given_under_two_names_is_refused(tmp_path: Path, lang: str, message: str) -> None:
    path = tmp_path / "firm.toml"
    path.write_text('"企业名称" = "a"\nname = "b"\n', encoding="utf-8")
    code, _, err = run("check", str(path), "--lang", lang)
    assert code == 1 and err.strip() == message.format(path=path)


def test_set_takes_a_label_too(tmp_path: Path) -> None:
    path = tmp_path / "firm.toml"
    path.write_text(SLUGS, encoding="utf-8")
    code, out, _ = run("check", str(path), "--set", "企业名称=改名公司", "--format", "json")
    assert code == 0 and json.loads(out)["profile"]["name"] == "改名公司"


def test_a_csv_heading_may_use_the_usual_words(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text("企业名称,所在地区,是否中小企业\n测试公司,昆山市,是\n", encoding="utf-8")
    code, out, err = run("batch", str(path), "--as-of", "2022-06-30")
    assert code == 0, err
    assert "ignoring" not in err and "测试公司" in out
