"""One error type, caught in one place: every exit code through the command line's single handler, the
library's SubsidyError for bad arguments, and the handler being the only one in cli.py."""

from __future__ import annotations

import ast
import errno
import multiprocessing
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import subsidy_cli
from subsidy_cli import i18n
from subsidy_cli.batch import csvio, sources
from subsidy_cli.cli import app
from subsidy_cli.errors import (
    EXIT_DATA,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_PIPE,
    EXIT_USAGE,
    Problem,
    SubsidyError,
)
from subsidy_cli.interview import EndOfAnswers
from subsidy_cli.library import Evaluator
from subsidy_cli.output import template
from subsidy_cli.profile.keys import ProfileError
from subsidy_cli.rules.catalog import CatalogError
from subsidy_cli.tomlfile import TomlProblems

ROOT = Path(__file__).resolve().parent.parent
KUNSHAN = str(ROOT / "samples" / "kunshan-parts-sme.toml")
FIRMS = ROOT / "samples" / "firms.csv"
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8", "SUBSIDY_DEBUG": ""}


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env={**ENV, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def raising(error: BaseException):  # type: ignore[no-untyped-def]
    def fail(*args: object, **kwargs: object) -> str:
        raise error

    return fail


# --- every exit code through the one handler -----------------------------------------------------------------


def test_a_subsidy_error_prints_one_line_a_problem_and_exits_with_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    error = SubsidyError([Problem("bad", file="f.toml", line=3), Problem("odd", where="key", hint="fix it")], 7)
    monkeypatch.setattr(template, "profile_template", raising(error))
    code, out, err = run("template")
    assert (code, out, err) == (7, "", "error: f.toml:3: bad\nerror: key: odd; fix it\n")


def test_usage_error_exits_2() -> None:
    code, _, err = run("check", KUNSHAN, "--as-of", "2022-02-30")
    assert code == EXIT_USAGE
    assert err == "error: --as-of: '2022-02-30' is not a real date: day is out of range for month\n"


def test_typer_usage_errors_are_left_to_typer() -> None:
    code, _, err = run("check", "--no-such-option")
    assert code == EXIT_USAGE and "No such option" in err and "internal error" not in err


# --- every class of bad input: one line in the language of the run, and its exit code -------------------------

BROKEN = str(ROOT / "tests" / "broken_measures" / "negative-cap.toml")
LAYER = '[layer]\nname = "t"\nsource = "s"\n[[change]]\nbenefit = "9z"\nkey = "amount.cap"\nvalue = 1\n'
DISTRICTS_EN = (
    "张家港市、常熟市、太仓市、昆山市、吴江区、吴中区、相城区、姑苏区、苏州工业园区、苏州高新区 or 苏州市外 "
    "(or zhangjiagang, changshu, taicang, kunshan, wujiang, wuzhong, xiangcheng, gusu, sip, snd, outside_suzhou)"
)
DISTRICTS_ZH = "张家港市、常熟市、太仓市、昆山市、吴江区、吴中区、相城区、姑苏区、苏州工业园区、苏州高新区、苏州市外"


@pytest.mark.parametrize(
    ("args", "text", "code", "english", "chinese"),
    [
        pytest.param(
            ["check", "{file}"], 'name = "x"\nsme = "maybe"\n', EXIT_DATA,
            "{file}: sme: 'maybe' is not yes or no; write true/false, yes/no, 是/否 or 1/0",
            '{file}: sme: "maybe" 不是“是”或“否”；请填 是/否、true/false、yes/no 或 1/0',
            id="yes-no",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\nretrofit_loan_cny = "很多"\n', EXIT_DATA,
            "{file}: retrofit_loan_cny: '很多' is not an amount; write e.g. 1234.5, 200万, 200万元 or 0.5亿",
            '{file}: retrofit_loan_cny: "很多" 不是金额；请写成如 1234.5、200万、200万元 或 0.5亿',
            id="money",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\ndistrct = "昆山"\n', EXIT_DATA,
            "{file}: distrct: unknown key; did you mean 'district'?",
            '{file}: distrct: 无法识别的字段名；您是否想写 "district"（注册地）？',
            id="unknown-key",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\ndistrict = "昆三市"\n', EXIT_DATA,
            f"{{file}}: district: '昆三市' is not one of: {DISTRICTS_EN}; did you mean '昆山市'?",
            f'{{file}}: district: 未识别 "昆三市"；您是否想填 "昆山市"？可填：{DISTRICTS_ZH}',
            id="unknown-district",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\ndistrict = "kunshn"\n', EXIT_DATA,
            f"{{file}}: district: 'kunshn' is not one of: {DISTRICTS_EN}; did you mean 'kunshan'?",
            f'{{file}}: district: 未识别 "kunshn"；您是否想填 "昆山市"？可填：{DISTRICTS_ZH}',
            id="district-slug-misspelt",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\nentity_type = "公益组织"\n', EXIT_DATA,
            "{file}: entity_type: '公益组织' is not one of: enterprise (企业), social_organization (社会组织), "
            "public_institution (事业单位); did you mean '社会组织' (social_organization)?",
            '{file}: entity_type: 未识别 "公益组织"；您是否想填 "社会组织"？可填：企业、社会组织、事业单位',
            id="unknown-choice",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\ncloud_star_level = 2022-01-01\n', EXIT_DATA,
            "{file}: cloud_star_level: expected a number, got 2022-01-01",
            "{file}: cloud_star_level: 应为数字，实为 2022-01-01",
            id="wrong-type",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\nsme ＝ true\n', EXIT_DATA,
            "{file}:2: full-width equals sign '＝'; type an ASCII '=' (switch the IME to English)",
            "{file}:2: 使用了全角等号“＝”；请输入半角“=”（将输入法切换到英文）",
            id="ime-equals",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x"\ndistrict = “昆山”\n', EXIT_DATA,
            '{file}:2: Chinese quotation marks around a value; use ASCII double quotes "..."',
            '{file}:2: 取值两侧用了中文引号；请改用半角双引号 "..."',
            id="ime-quotes",
        ),
        pytest.param(
            ["check", "{file}"], 'name = "x\n', EXIT_DATA,
            "{file}:1: invalid TOML: a quoted text is not closed on this line; check the quotes, '=' and brackets on "
            "this line",
            "{file}:1: TOML 格式有误：引号中的文字在本行没有结束（缺少结束引号）；请检查本行的引号、“=”和括号",
            id="toml-syntax",
        ),
        pytest.param(
            ["check", "{file}.json"], '{"name": "x", "sme": tru}', EXIT_DATA,
            "{file}.json:1: invalid JSON: Expecting value (column 22)",
            "{file}.json:1: JSON 格式有误：此处应有一个值（第 22 列）",
            id="json-syntax",
        ),
        pytest.param(
            ["check", KUNSHAN, "--set", "sme=maybe"], None, EXIT_DATA,
            "--set: sme: 'maybe' is not yes or no; write true/false, yes/no, 是/否 or 1/0",
            '--set: sme: "maybe" 不是“是”或“否”；请填 是/否、true/false、yes/no 或 1/0',
            id="set-check",
        ),
        pytest.param(
            ["batch", str(FIRMS), "--set", "sme=maybe"], None, EXIT_USAGE,
            "--set: sme: 'maybe' is not yes or no; write true/false, yes/no, 是/否 or 1/0",
            '--set: sme: "maybe" 不是“是”或“否”；请填 是/否、true/false、yes/no 或 1/0',
            id="set-batch",
        ),
        pytest.param(
            ["check", KUNSHAN, "--measures", BROKEN], None, EXIT_DATA,
            f"{BROKEN}:35: benefit 2a: amount.cap: must be more than 0, got -500000",
            f"{BROKEN}:35: benefit 2a: amount.cap: 须大于 0，实为 -500000",
            id="measures-check",
        ),
        pytest.param(
            ["batch", str(FIRMS), "--measures", BROKEN], None, EXIT_USAGE,
            f"{BROKEN}:35: benefit 2a: amount.cap: must be more than 0, got -500000",
            f"{BROKEN}:35: benefit 2a: amount.cap: 须大于 0，实为 -500000",
            id="measures-batch",
        ),
        pytest.param(
            ["diff", KUNSHAN, "--against-measures", BROKEN], None, EXIT_USAGE,
            f"{BROKEN}:35: benefit 2a: amount.cap: must be more than 0, got -500000",
            f"{BROKEN}:35: benefit 2a: amount.cap: 须大于 0，实为 -500000",
            id="measures-diff",
        ),
        pytest.param(
            ["check", KUNSHAN, "--overlay", "{file}"], LAYER, EXIT_DATA,
            "{file}: change #1: benefit '9z' does not exist; did you mean '9'?",
            '{file}: change #1: 项目 "9z" 不存在；您是否想写 "9"？',
            id="layer-check",
        ),
        pytest.param(
            ["template", "-o", "{file}"], "", EXIT_USAGE,
            "{file}: already exists; choose another name or delete it first",
            "{file}: 文件已存在；请换一个文件名，或先删除该文件",
            id="output-exists",
        ),
        pytest.param(
            ["report", KUNSHAN, "-o", "{file}.txt"], None, EXIT_USAGE,
            "{file}.txt: is not a .html or .md file; name it report.html or report.md, or pass --format",
            "{file}.txt: 不是 .html 或 .md 文件；请命名为 report.html 或 report.md，或用 --format 指定格式",
            id="report-suffix",
        ),
        pytest.param(
            ["validate", "{file}"], LAYER, EXIT_DATA,
            "{file}: change #1: benefit '9z' does not exist; did you mean '9'?",
            '{file}: change #1: 项目 "9z" 不存在；您是否想写 "9"？',
            id="layer-validate",
        ),
    ],
)  # fmt: skip
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_class_of_bad_input_is_one_line_in_the_language_of_the_run(
    tmp_path: Path, args: list[str], text: str | None, code: int, english: str, chinese: str, lang: str
) -> None:
    """``--lang`` (or, for ``validate`` and ``diff``, which have none, ``$SUBSIDY_LANG``) words every problem of
    the profile and rules readers; the exit code is the command's (a broken rules file or ``--set`` is invalid data
    for ``check`` and a usage error for ``batch`` and ``diff``)."""
    file = str(tmp_path / "firm.toml")
    if text is not None:
        target = args[-1].replace("{file}", file)
        Path(target).write_text(text, encoding="utf-8")
    given = [arg.replace("{file}", file) for arg in args]
    if args[0] in ("validate", "diff"):
        result = run(*given, env={"SUBSIDY_LANG": lang})
    else:
        result = run(*given, "--lang", lang, env={"SUBSIDY_LANG": "zh" if lang == "en" else "en"})
    expected = f"error: {english}" if lang == "en" else f"错误：{chinese}"
    assert (result[0], result[2]) == (code, expected.replace("{file}", file) + "\n")


def test_end_of_the_interviews_answers_exits_130_with_its_own_words() -> None:
    code, out, err = run("check", "--interactive", "--as-of", "2022-06-30", stdin="X\n1\n")
    assert (code, out) == (EXIT_INTERRUPTED, "")
    assert err.endswith("] \nInterview stopped; nothing was saved.\n") and "error:" not in err


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template, "profile_template", raising(KeyboardInterrupt()))
    assert run("template") == (EXIT_INTERRUPTED, "", "")


def test_ctrl_c_in_the_interview_says_it_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    from subsidy_cli import interview

    monkeypatch.setattr(interview.Interview, "run", raising(KeyboardInterrupt()))
    code, _, err = run("check", "--interactive")
    assert code == EXIT_INTERRUPTED and err == "\nInterview stopped; nothing was saved.\n"


def test_broken_pipe_exits_141(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template, "profile_template", raising(BrokenPipeError()))
    assert run("template") == (EXIT_PIPE, "", "")


@pytest.mark.skipif(sys.platform == "win32", reason="pipes")
def test_a_reader_that_stops_early_gives_141_and_no_traceback(tmp_path: Path) -> None:
    lines = FIRMS.read_text(encoding="utf-8").splitlines()
    big = tmp_path / "big.csv"
    big.write_text("\n".join([lines[0], *(lines[1:] * 60)]) + "\n", encoding="utf-8")  # megabytes of output
    process = subprocess.Popen(
        [sys.executable, "-m", "subsidy_cli", "batch", str(big), "--as-of", "2022-06-30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    err = process.stderr.read()
    assert process.wait(timeout=60) == EXIT_PIPE, err
    assert b"Traceback" not in err and b"Exception ignored" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="pipes")
@pytest.mark.parametrize(
    "args",
    [
        ["show", "16"],  # a table, printed by Rich
        ["check", KUNSHAN, "--all", "--explain"],
        ["measures", "--format", "json"],  # machine output, written as UTF-8 bytes
        ["template", "--csv"],
    ],
)
def test_every_kind_of_output_to_a_closed_pipe_gives_141(args: list[str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "subsidy_cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the program has written anything: its first write finds no reader
    err = process.stderr.read()
    assert process.wait(timeout=60) == EXIT_PIPE, err
    assert err == b""


def test_internal_error_exits_70_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template, "profile_template", raising(RuntimeError("boom")))
    code, out, err = run("template")
    assert (code, out) == (EXIT_INTERNAL, "")
    assert err == "internal error: RuntimeError: boom (set SUBSIDY_DEBUG=1 for details; please report this)\n"


def test_subsidy_debug_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template, "profile_template", raising(RuntimeError("boom")))
    result = CliRunner().invoke(app, ["template"], env={**ENV, "SUBSIDY_DEBUG": "1"})
    assert isinstance(result.exception, RuntimeError) and str(result.exception) == "boom"


def test_cli_catches_errors_in_one_place() -> None:
    """Every ``except`` of cli.py is in ``_Commands.invoke``, one for each kind: SubsidyError, broken pipe, Ctrl-C,
    anything else (plus Typer's own, passed on); but for the broken pipe of ``--help`` and ``--version``, which
    Click writes while it parses (``make_context``)."""
    tree = ast.parse((ROOT / "subsidy_cli" / "cli.py").read_text(encoding="utf-8"))
    handlers = [node for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler)]
    invoke = next(node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == "invoke")
    parse = next(node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == "make_context")
    while_parsing = [h for h in ast.walk(parse) if isinstance(h, ast.ExceptHandler)]
    assert [ast.unparse(h.type) for h in while_parsing if h.type] == ["BrokenPipeError"]
    handlers = [h for h in handlers if h not in while_parsing]
    assert {id(h) for h in handlers} == {id(h) for h in ast.walk(invoke) if isinstance(h, ast.ExceptHandler)}
    caught = [ast.unparse(h.type) if h.type else "" for h in handlers]
    assert caught == [
        "(typer.Exit, typer.Abort, typer.TyperException)",
        "SubsidyError",
        "BrokenPipeError",
        "KeyboardInterrupt",
        "Exception",
    ]
    source = (ROOT / "subsidy_cli" / "cli.py").read_text(encoding="utf-8")
    for name in ("CatalogError", "ProfileError", "InputError", "TomlProblems", "EndOfAnswers", "ValueError"):
        assert name not in source, f"cli.py names {name}: errors are SubsidyErrors, caught in _Commands.invoke"


# --- one error type ------------------------------------------------------------------------------------------


def test_every_error_type_is_a_subsidy_error() -> None:
    for kind in (CatalogError, ProfileError, TomlProblems, csvio.InputError, EndOfAnswers):
        assert issubclass(kind, SubsidyError), kind
    assert csvio.InputError("x").exit_code == EXIT_USAGE
    assert EndOfAnswers().exit_code == EXIT_INTERRUPTED and EndOfAnswers().problems == []


def test_input_errors_are_problem_records(tmp_path: Path) -> None:
    book = tmp_path / "firms.xlsx"
    book.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(csvio.InputError) as caught:
        csvio.open_raw(str(book))
    problem = caught.value.problems[0]
    assert (problem.file, problem.message) == (str(book), "is an Excel workbook (.xlsx), not CSV")
    assert problem.hint and "CSV UTF-8" in problem.hint
    with pytest.raises(csvio.InputError) as caught:
        csvio.map_header(["name", "企业名称", "distrct"], "in.csv", ignore_unknown=False)
    assert caught.value.lines() == [
        "in.csv: columns 'name' and '企业名称' both hold 'name'; keep one of them",
        "in.csv: unknown column(s): 'distrct'; did you mean 'district'?; rename them, or pass --ignore-unknown-columns",
    ]
    with pytest.raises(csvio.InputError) as caught:
        csvio.open_raw(str(FIRMS), "nope")
    assert caught.value.problems == [
        Problem("unknown encoding 'nope'", where="--encoding", hint="try utf-8, gb18030 or big5")
    ]


def test_a_subsidy_error_crosses_processes_whole() -> None:
    error = ProfileError("firm.toml", [Problem("is not yes or no", file="firm.toml", where="sme")])
    error.exit_code = EXIT_USAGE
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ProfileError and copy.source == "firm.toml"
    assert (copy.problems, copy.exit_code, str(copy)) == (error.problems, EXIT_USAGE, str(error))
    copy = pickle.loads(pickle.dumps(csvio.InputError(Problem("is empty", file="a.csv", hint="add rows"))))
    assert (copy.lines(), copy.exit_code) == (["a.csv: is empty; add rows"], EXIT_USAGE)


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_worker_processes_word_problems_in_the_language_of_the_run(tmp_path: Path, method: str) -> None:
    """A worker started by spawn (macOS, Windows) or forkserver (Python 3.14) does not inherit the language
    --lang set: it takes it from the run's job."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    firms = tmp_path / "firms.csv"
    firms.write_text("name,sme\n甲,maybe\n乙,是\n", encoding="utf-8")
    program = (
        f"import multiprocessing, sys; multiprocessing.set_start_method({method!r}); "
        "from subsidy_cli.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, "batch", str(firms), "--jobs", "2", "--lang", "zh", "--as-of", "2022-06-30"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env={**os.environ, "SUBSIDY_LANG": "en"},
    )
    assert done.returncode == EXIT_DATA, done.stderr
    row = done.stdout.splitlines()[1]
    assert row.startswith('2,甲,,invalid,"sme: ""maybe"" 不是“是”或“否”；请填 是/否、true/false、yes/no 或 1/0"'), row


def test_arguments_are_checked_by_the_library() -> None:
    with pytest.raises(SubsidyError) as caught:
        sources.option_date("tomorrow")
    assert caught.value.exit_code == EXIT_USAGE and caught.value.problems[0].where == "--as-of"
    with pytest.raises(SubsidyError) as caught:
        sources.option_district("atlantis")
    assert caught.value.lines()[0].startswith("--district: 'atlantis' is not one of: 张家港市、常熟市")
    with pytest.raises(SubsidyError) as caught:
        sources.select_benefits(sources.rules(None).first(), "16d")
    assert caught.value.lines() == ["no benefit line or measure '16d'; did you mean 16c or 16b or 16a?"]
    with pytest.raises(SubsidyError) as caught:
        sources.check_profile_argument(None, interactive=False, save=None)
    assert caught.value.exit_code == EXIT_USAGE


# --- the library raises SubsidyError for every bad argument --------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "where", "words"),
    [
        ({"profile": ["name", "x"]}, "profile", "must be a mapping"),
        ({"profile": "firm.toml"}, "profile", "not str"),
        ({"profile": None}, "profile", "not NoneType"),
        ({"as_of": "2022-13-01"}, "as_of", "is not a real date"),
        ({"as_of": "next week"}, "as_of", "is not a date"),
        ({"as_of": 20220630}, "as_of", "must be a date or YYYY-MM-DD text, not int"),
        ({"lang": "fr"}, "lang", "must be 'en' or 'zh'"),
        ({"measures": 3}, "measures", "must be a path, not int"),
        ({"overlays": "layer.toml"}, "overlays", "must be a list of paths, not str"),
        ({"overlays": [None]}, "overlays", "holding NoneType"),
        ({"overlays": 5}, "overlays", "not int"),
    ],
)
def test_library_bad_arguments_raise_subsidy_error_exit_2(arguments: dict[str, object], where: str, words: str) -> None:
    call = {"profile": {"name": "x"}, **arguments}
    with pytest.raises(SubsidyError) as caught:
        subsidy_cli.evaluate(call.pop("profile"), **call)  # type: ignore[arg-type]
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.problems[0].where == where and words in caught.value.problems[0].message


def test_library_bad_profile_and_rules_raise_subsidy_error_exit_1(tmp_path: Path) -> None:
    with pytest.raises(SubsidyError) as caught:
        subsidy_cli.evaluate({"name": "x", "sme": "maybe", "nmae": "y"})
    assert isinstance(caught.value, ProfileError) and caught.value.exit_code == EXIT_DATA
    assert len(caught.value.problems) == 2
    with pytest.raises(SubsidyError) as caught:
        subsidy_cli.evaluate({"name": "x"}, measures=ROOT / "tests" / "broken_measures" / "negative-cap.toml")
    assert isinstance(caught.value, CatalogError) and caught.value.exit_code == EXIT_DATA
    with pytest.raises(SubsidyError) as caught:
        subsidy_cli.evaluate({"name": "x"}, overlays=[tmp_path / "missing.toml"])
    assert caught.value.exit_code == EXIT_DATA


def test_the_systems_reasons_are_worded_in_the_language_of_the_run() -> None:
    denied = PermissionError(errno.EACCES, "Permission denied")
    assert i18n.os_reason(denied) == "permission denied"
    with i18n.using("zh"):
        assert i18n.os_reason(denied) == "没有访问权限"
        assert i18n.os_reason(OSError(errno.ENOSPC, "No space left on device")) == "磁盘空间不足"
        assert i18n.os_reason(OSError(errno.ELOOP, "Too many levels of symbolic links")) == (
            "Too many levels of symbolic links"  # a rare reason: as the system words it
        )


def test_the_library_words_problems_in_the_language_asked() -> None:
    with pytest.raises(SubsidyError) as caught:
        subsidy_cli.evaluate({"name": "x", "sme": "maybe"}, lang="zh")
    assert caught.value.lines() == ['profile: sme: "maybe" 不是“是”或“否”；请填 是/否、true/false、yes/no 或 1/0']
    with pytest.raises(SubsidyError) as caught:
        subsidy_cli.evaluate({"name": "x"}, measures=BROKEN, lang="zh")
    assert caught.value.lines()[0].endswith("benefit 2a: amount.cap: 须大于 0，实为 -500000")
    with pytest.raises(SubsidyError) as caught:  # English unless asked, and the language is put back
        subsidy_cli.evaluate({"name": "x", "sme": "maybe"})
    assert caught.value.lines()[0].startswith("profile: sme: 'maybe' is not yes or no")
    with i18n.using("zh"), pytest.raises(SubsidyError) as caught:  # as the program sets it
        Evaluator().assess({"name": "x", "sme": "maybe"})
    assert caught.value.lines()[0].startswith('profile: sme: "maybe" 不是')


def test_library_accepts_what_the_command_line_does() -> None:
    import datetime as dt

    document = subsidy_cli.evaluate({"name": "x", "district": "昆山市"}, as_of=dt.date(2022, 6, 30), overlays=())
    assert document["as_of"] == "2022-06-30"
    assert subsidy_cli.evaluate({"name": "x"}, as_of="2022/6/30", lang="zh")["as_of"] == "2022-06-30"
