"""The command line in the user's language: help pages with examples, usage errors and the error prefix, in
Chinese under ``--lang zh`` (before or after the command) or ``SUBSIDY_LANG=zh``, in English otherwise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy_cli.cli import app

COMMANDS = ("check", "report", "measures", "show", "validate", "diff", "schema", "batch", "template")
CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, lang: str = "en", columns: int = 80) -> tuple[int, str, str]:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "SUBSIDY_LANG": lang, "LANG": "C.UTF-8"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def _option_help(page: str) -> list[str]:
    """The help text of every option line of a help page (the text after the option's name)."""
    section = re.split(r"^(?:Options|选项):$", page, flags=re.M)[1].split("\n\n")[0]
    return [m.group(1) for m in re.finditer(r"^  -\S*(?:, --\S+)?(?: \S+)?\s{2,}(\S.*)$", section, flags=re.M)]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_examples_in_chinese(command: str) -> None:
    code, page, _ = run(command, "--help", lang="zh")
    assert code == 0
    assert page.startswith(f"用法：subsidy {command}")
    assert "示例：" in page and "Examples:" not in page
    examples = page.split("示例：")[1].strip().splitlines()
    assert len(examples) >= 2 and all(line.strip().startswith("subsidy ") for line in examples)
    helps = _option_help(page)
    assert helps and all(CJK.search(text) for text in helps), helps
    assert "显示本帮助后退出" in page


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_examples_in_english(command: str) -> None:
    code, page, _ = run(command, "--help")
    assert code == 0
    assert page.startswith(f"Usage: subsidy {command}") and "Examples:" in page
    assert not CJK.search(page.split("Examples:")[1]), "the examples' notes are English in English"
    assert "Show this message and exit." in page


def test_the_language_can_come_before_the_command_or_from_the_environment() -> None:
    assert run("--lang", "zh", "check", "--help")[1].startswith("用法：")
    assert run("check", "--help", "--lang", "zh")[1].startswith("用法：")
    assert run("check", "--help", lang="zh")[1].startswith("用法：")
    assert run("--lang", "en", "check", "--help", lang="zh")[1].startswith("Usage:")


def test_the_command_list_is_in_chinese() -> None:
    code, page, _ = run("--help", lang="zh")
    assert code == 0 and "命令:" in page and "退出码" in page
    assert "批量评估企业名单" in page


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (("check", "--bogus"), "错误：没有这个选项：--bogus", "error: No such option: --bogus"),
        (
            ("check", "--format", "xml", "x.toml"),
            "错误：'--format' 的值无效：'xml' 不在可选范围内：table、json。",
            "error: Invalid value for '--format': 'xml' is not one of 'table', 'json'.",
        ),
        (("batch",), "错误：缺少参数 'FIRMS'。", "error: Missing argument 'FIRMS'."),
        (
            ("batch", "--jobs", "0", "x.csv"),
            "错误：'--jobs' 的值无效：须为整数，1<=x<=64",
            "error: Invalid value for '--jobs': give a whole number, 1<=x<=64",
        ),
        (("check", "a.toml", "b.toml"), "错误：多余的参数：b.toml", "error: Got unexpected extra argument(s): b.toml"),
        (("check", "--as-of"), "错误：选项 '--as-of' 需要一个取值。", "error: Option '--as-of' requires a value."),
        (("check", "--all=3", "x"), "错误：选项 '--all' 不接受取值。", "error: Option '--all' does not take a value."),
    ],
)
def test_usage_errors_in_both_languages(args: tuple[str, ...], zh: str, en: str) -> None:
    code, _, err = run(*args, lang="zh")
    assert code == 2 and err.rstrip().splitlines()[-1] == zh
    code, _, err = run(*args, lang="en")
    assert code == 2 and err.rstrip().splitlines()[-1] == en


def test_a_usage_error_shows_the_usage_and_where_help_is() -> None:
    _, _, err = run("check", "--bogus", lang="zh")
    assert err.splitlines()[:2] == ["用法：subsidy check [OPTIONS] [profile]", "运行 'subsidy check --help' 查看帮助。"]


def test_errors_of_the_tool_start_with_the_word_for_error() -> None:
    code, _, err = run("check", "missing.toml", lang="zh")
    assert code == 2 and err.startswith("错误：missing.toml")
    code, _, err = run("check", "missing.toml")
    assert code == 2 and err.startswith("error: missing.toml")


def test_an_unknown_command_in_both_languages() -> None:
    zh = "错误：没有 'chek' 这个命令；您是否想用 'check', 'schema'？"
    assert run("chek", "x", lang="zh")[2].splitlines()[-1] == zh
    assert run("chek", "x")[2].splitlines()[-1] == "error: No such command 'chek'; did you mean 'check', 'schema'?"


@pytest.mark.parametrize("args", [("validate", "measures.toml"), ("schema",), ("diff", "samples/firms.csv")])
def test_every_command_takes_lang(args: tuple[str, ...]) -> None:
    full = [str(ROOT / a) if a.endswith((".toml", ".csv")) else a for a in args]
    code, _, err = run(*full, "--lang", "zh")
    assert code in (0, 1) and "没有这个选项" not in err


def test_a_list_of_firms_given_to_check_points_to_batch() -> None:
    path = str(ROOT / "samples" / "firms.csv")
    code, _, err = run("check", path, lang="zh")
    assert code == 2
    assert err.strip() == (
        f"错误：{path}: 是企业名单，请用 subsidy batch 评估；本命令只评估一家企业：.toml 或 .json 档案，"
        "或用 --row 指定工作簿中的一行"
    )


def test_a_chinese_key_gets_a_did_you_mean_over_the_labels(tmp_path: Path) -> None:
    path = tmp_path / "k.toml"
    path.write_text('"企业名称" = "甲"\n"独立法人" = "是"\n"贷款额" = "1亿"\n', encoding="utf-8")
    code, _, err = run("check", str(path), lang="zh")
    assert code == 1
    assert '独立法人: 无法识别的字段名；您是否想写 "independent_legal_person"（具有独立法人资格）？' in err
    assert '贷款额: 无法识别的字段名；您是否想写 "retrofit_loan_cny"（智能化改造项目贷款额(元)）？' in err


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["check", "--help"]])
def test_help_into_a_closed_pipe_exits_141(args: list[str]) -> None:
    command = [sys.executable, "-m", "subsidy_cli", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()
    assert process.wait(timeout=60) == 141
