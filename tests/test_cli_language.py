"""The command line in the user's language: help pages with examples, usage errors and the error prefix, in
Chinese under ``--lang zh`` (before or after the command) or ``SUBSIDY_LANG=zh``, in English otherwise."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from subsidy_cli.cli import app

COMMANDS = ("check", "report", "measures", "show", "validate", "diff", "schema", "batch", "template")
CJK = re.compile(r"[\u4e00-\u9fff]")


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
