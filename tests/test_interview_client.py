"""An interview a client can sit through: the introduction, texts wrapped to the terminal, choices named once in
the client's language, Chinese separators and the full-width question mark, ``?`` on the questions of who the firm
is, a blank name asked again, the saved profile in the client's language with the starting file's comments kept,
Ctrl-C offering to save the answers given so far, and the application date asked outside the policy's window.

The interview is driven through its two functions (``ask`` and ``say``) with scripted answers; one test drives
the command in a real terminal (pexpect) for Ctrl-C and the terminal's own width."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from subsidy_cli.batch import sources
from subsidy_cli.cli import app
from subsidy_cli.errors import EXIT_INTERRUPTED
from subsidy_cli.interview import EndOfAnswers, Interview, labels, terminal_width
from subsidy_cli.profile.files import load_profile, read_profile_data
from subsidy_cli.profile.keys import KEYS, build_profile
from subsidy_cli.profile.saved import profile_toml, value_text
from subsidy_cli.rules.catalog import policy_text
from subsidy_cli.words import cell_width

ROOT = Path(__file__).resolve().parent.parent
RULES = sources.rules(None)
IN_FORCE = dt.date(2022, 6, 30)
AFTER = dt.date(2026, 11, 30)  # a day after the policy's window
CTRL_C = "<Ctrl-C>"
# name, entity type, legal person, district, roles, SME, loan, via the platform, talents, recognitions, stars
MANUFACTURER = ["Kunshan Parts Co", "1", "yes", "4", "1", "yes", "5000万", "yes", "0", "3", "3"]
LANGS = ("zh", "en")


class Script:
    """Scripted answers (``CTRL_C`` raises KeyboardInterrupt there); everything shown, in order."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.shown: list[str] = []
        self.prompts: list[str] = []

    def ask(self, prompt: str) -> str | None:
        self.shown.append(prompt)
        self.prompts.append(prompt)
        if not self.answers:
            return None
        answer = self.answers.pop(0)
        if answer == CTRL_C:
            raise KeyboardInterrupt
        return answer

    def say(self, text: str) -> None:
        self.shown.append(text)

    def lines(self) -> list[str]:
        return "\n".join(self.shown).split("\n")

    def text(self) -> str:
        return "\n".join(self.shown)


def interview(
    answers: list[str],
    lang: str = "en",
    width: int = 200,
    as_of: dt.date | None = IN_FORCE,
    today: dt.date | None = None,
    start: str | None = None,
    overrides: dict[str, Any] | None = None,
    save: Path | None = None,
) -> tuple[Interview, Script]:
    """An interview run to its end on ``answers`` (EndOfAnswers, 130, when they run out or Ctrl-C comes)."""
    session = Interview.starting_from(RULES, lang, as_of, start, overrides, width=width)
    session.today = today
    script = Script(answers)
    session.ask_all(script.ask, script.say, save)
    return session, script


def stopped(answers: list[str], **options: Any) -> tuple[Interview, Script]:
    """An interview that must stop with exit 130; the session and what it showed."""
    lang = options.pop("lang", "en")
    session = Interview.starting_from(RULES, lang, options.pop("as_of", IN_FORCE), options.pop("start", None))
    session.width = options.pop("width", 200)
    script = Script(answers)
    with pytest.raises(EndOfAnswers) as caught:
        session.ask_all(script.ask, script.say, options.pop("save", None))
    assert caught.value.exit_code == EXIT_INTERRUPTED
    return session, script


def quoted(text: str) -> list[str]:
    return re.findall(r"“([^”]*)”", text)


# --- the introduction ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_two_line_introduction_says_how_many_questions_and_the_keys(lang: str) -> None:
    session, script = interview(MANUFACTURER, lang, width=80)
    first, second = script.shown[:2]
    assert "\n" not in first and "\n" not in second, "each fits one line at 80 columns"
    assert cell_width(first) <= 80 and cell_width(second) <= 80
    count = int(re.search(r"\d+", first).group())  # type: ignore[union-attr]
    assert len(session.asked) + 1 <= count <= len(KEYS)  # the name too; never fewer than were asked
    for word in ({"zh": "回车", "en": "Enter"}[lang], "?", "Ctrl-C"):
        assert word in second
    assert script.shown[2] == "", "then the first question"


def test_no_introduction_when_nothing_is_left_to_ask(tmp_path: Path) -> None:
    start = tmp_path / "branch.toml"
    start.write_text('name = "Branch"\nindependent_legal_person = false\n', encoding="utf-8")
    session, script = interview([], start=str(start))
    assert session.asked == [] and script.shown == ["0 questions asked."]


def test_the_count_includes_the_application_date_when_it_is_asked() -> None:
    inside, _ = interview(MANUFACTURER, as_of=None, today=IN_FORCE)
    outside_script = interview(["Kunshan Parts Co", "2022-06-30", *MANUFACTURER[1:]], as_of=None, today=AFTER)[1]
    inside_script = interview(MANUFACTURER, as_of=None, today=IN_FORCE)[1]
    count = [int(re.search(r"\d+", s.shown[0]).group()) for s in (inside_script, outside_script)]  # type: ignore[union-attr]
    assert count[1] == count[0] + 1 and inside.answers["application_date"] == IN_FORCE


# --- wrapped to the terminal --------------------------------------------------------------------------------------

WITH_HELP = ["Kunshan Parts Co", "?", "1", "？", "yes", "?", "4", "?", "1、5", "?", "yes", "?", "5000万", "yes"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [40, 60, 80])
def test_every_line_fits_the_terminal_and_no_number_is_broken(lang: str, width: int) -> None:
    _, script = interview([*WITH_HELP, *[""] * 30], lang, width=width)
    lines = script.lines()
    too_wide = [line for line in lines if cell_width(line.rstrip()) > width]
    assert too_wide == []
    for line, following in itertools.pairwise(lines):
        if line.strip() and following.strip():
            joint = line.rstrip()[-1] + following.lstrip()[0]
            assert not re.fullmatch(r"\d[\d万亿元%,.家台次]", joint), (line, following)
    assert any(cell_width(line) > width - 12 for line in lines), "the width is used, not a narrower one"


def test_the_width_is_the_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "57")
    assert terminal_width() == 57
    session = Interview(RULES, "zh", IN_FORCE)
    script = Script(MANUFACTURER)
    session.ask_all(script.ask, script.say)
    assert max(cell_width(line) for line in script.lines()) <= 57


# --- choices named once ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", ["entity_type", "district", "roles", "recognitions", "institution_category"])
def test_choices_are_named_once_in_the_clients_language(lang: str, key: str) -> None:
    shown = Interview(RULES, lang, width=200)._choices(key)
    rows = shown.split("\n")
    names = labels(key, lang)
    assert len(set(names)) == len(names) == len(KEYS[key].choices)
    for number, name in enumerate(names, start=1):
        assert sum(f"{number}. {name}" in row for row in rows) == 1
    for slug in KEYS[key].choices:
        assert f"({slug})" not in shown
        if lang == "zh":
            assert not re.search(rf"(?<![A-Za-z_]){slug}(?![A-Za-z_])", shown), slug
    if lang == "en":
        assert not re.search(r"[\u4e00-\u9fff]", shown), "English names in English"
    else:
        assert not re.search(r"[A-Za-z]{2,}", shown.replace("APP", "")), "Chinese names in Chinese"


def test_the_names_shown_are_accepted_as_answers() -> None:
    for lang in LANGS:
        session = Interview(RULES, lang)
        for name, slug in zip(labels("district", lang), KEYS["district"].choices, strict=True):
            assert session._parse("district", name) == slug
        assert session._parse("roles", "; ".join(labels("roles", "en")[:2])) == ["manufacturer", "service_provider"]


# --- Chinese separators and the full-width question mark ---------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    ["1、5", "1，5", "1,5", "1；5", "1;5", "１、５", "1 5", "1、5、1", "制造企业、装备制造商", "工业(制造业)企业，5"],
)
def test_lists_take_chinese_separators_and_full_width_digits(answer: str) -> None:
    session = Interview(RULES, "zh")
    assert session._parse("roles", answer) == ["manufacturer", "equipment_maker"]


@pytest.mark.parametrize("answer", ["0", "０", "无", "none"])
def test_none_of_the_list(answer: str) -> None:
    assert Interview(RULES, "zh")._parse("recognitions", answer) == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_full_width_question_mark_asks_for_help_as_the_ascii_one(lang: str) -> None:
    answers = ["X", "1", "yes", "4", "1", "yes", "{}", "", *[""] * 20]
    texts = []
    for mark in ("?", "？"):
        _, script = interview([a.replace("{}", mark) for a in answers], lang)
        texts.append(script.text())
    assert texts[0] == texts[1]
    assert "对在苏州综合金融服务等平台获得智能化改造提升项目贷款的企业" in texts[0]


def test_an_out_of_range_number_is_explained() -> None:
    session = Interview(RULES, "zh")
    with pytest.raises(ValueError, match="1-10"):
        session._parse("roles", "1、12")
    with pytest.raises(ValueError, match="1-3"):
        session._parse("entity_type", "4")


# --- ? on a question of who the firm is -------------------------------------------------------------------------------

SCOPE_AT = {  # the answers before the question, and the answer after the help
    "entity_type": ["X"],
    "independent_legal_person": ["X", "1"],
    "district": ["X", "1", "yes"],
    "roles": ["X", "1", "yes", "4"],
    "sme": ["X", "1", "yes", "4", "1"],
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", list(SCOPE_AT))
def test_question_mark_on_a_scope_question_quotes_the_scope_clause(lang: str, key: str) -> None:
    session, script = interview([*SCOPE_AT[key], "?", *[""] * 30], lang)
    assert session.asked[len(SCOPE_AT[key]) - 1] == key, "the help was asked at this question"
    help_text = next(text for text in script.shown if "本通知支持范围包括具有独立法人资格的企业和社会组织。" in text)
    assert script.prompts[len(SCOPE_AT[key]) + 1] == script.prompts[len(SCOPE_AT[key])], "then the question again"
    policy = policy_text()
    for fragment in quoted(help_text):  # every quote is the policy's own words, never written for the tool
        assert fragment in policy, fragment
    lines = help_text.split("\n")
    decided = {"entity_type": 30, "independent_legal_person": 36, "district": 30, "roles": 30, "sme": 3}[key]
    assert len(lines) <= 16, "a digest of the scope, not a listing of the lines it decides"
    assert len(lines) < decided or key == "sme"
    if key == "independent_legal_person":
        assert len(lines) == 3  # the clause, what the question decides, where to read more
    if key == "district":  # the registration rule is a reading, said as one
        assert {"zh": "解读", "en": "a reading"}[lang] in help_text
    if key == "roles":  # a fragment is quoted within its clause, so that it reads whole
        assert "对服务苏州市企业数超10家、年度营收超300万元的第三方安全服务机构" in help_text
    assert session.asked[0] == "entity_type"


def test_question_mark_elsewhere_shows_the_clauses_the_question_decides() -> None:
    _, script = interview(["X", "1", "yes", "4", "1", "yes", "?", "", *[""] * 30], "zh", width=50)
    clause = next(text for text in script.shown if text.startswith("  1a "))
    assert "单个企业每年最高奖励额度不超过200万元" in clause.replace("\n", "").replace("    ", "")


# --- the name ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_blank_name_is_asked_again(lang: str) -> None:
    session, script = interview(["", "   ", "?", "Acme", "2", *[""] * 30], lang)
    assert session.answers["name"] == "Acme"
    name_prompt = script.prompts[0]
    assert script.prompts[:4] == [name_prompt] * 4
    needed = {"zh": "企业名称为必填项", "en": "The name is needed"}[lang]
    assert sum(needed in text for text in script.shown) == 2
    assert any({"zh": "营业执照上的企业名称；", "en": "business licence"}[lang] in text for text in script.shown)
    assert session.profile().entity_type == "social_organization"


def test_the_name_prompt_ending_the_input_stops_with_130() -> None:
    _, script = stopped(["", ""])
    assert script.shown[-1] == "\nInterview stopped; nothing was saved."


# --- the saved profile ------------------------------------------------------------------------------------------------


def reads_back(text: str, tmp_path: Path, expected: Any) -> None:
    path = tmp_path / "saved.toml"
    path.write_text(text, encoding="utf-8")
    profile = load_profile(str(path))
    for key in KEYS:
        assert getattr(profile, key) == getattr(expected, key), key


SAVED_ANSWERS = ["昆山精密零部件有限公司", "1", "是", "4", "1、5", "是", "5000万", "是", "0", "3、15", "1.5亿", "3"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_saved_profile_is_written_in_the_clients_language(lang: str, tmp_path: Path) -> None:
    session, _ = interview([*SAVED_ANSWERS, *[""] * 20], lang)
    text = session.saved_text()
    if lang == "zh":
        for line in ('district = "昆山市"', 'entity_type = "企业"', 'retrofit_loan_cny = "5000万元"'):
            assert line in text
        assert 'roles = ["工业(制造业)企业", "智能装备及关键零部件制造商"]' in text
        assert '"市级示范智能车间", "江苏省及以上认定的首台(套)装备及关键零部件"' in text
        assert '"1.5亿元"' in text and "# 注册地" in text and text.startswith("# 企业档案")
        assert not re.search(r"= \"[a-z_]+\"", text), "no slug where the Chinese label is accepted"
    else:
        for line in ('district = "kunshan"', 'entity_type = "enterprise"', 'retrofit_loan_cny = "50000000"'):
            assert line in text
        assert 'roles = ["manufacturer", "equipment_maker"]' in text and "# District" in text
    reads_back(text, tmp_path, session.profile())


def test_the_saved_chinese_profile_reproduces_the_result_from_the_command_line(tmp_path: Path) -> None:
    saved = tmp_path / "firm.toml"
    env = {"COLUMNS": "200", "NO_COLOR": "1", "LANG": "C.UTF-8"}
    stdin = "".join(f"{a}\n" for a in [*SAVED_ANSWERS, *[""] * 20])
    args = ["check", "-i", "--as-of", "2022-06-30", "--lang", "zh", "--format", "json", "--save", str(saved)]
    first = CliRunner().invoke(app, args, input=stdin, env=env)
    assert first.exit_code == 0, first.stderr
    assert 'district = "昆山市"' in saved.read_text(encoding="utf-8")
    again = CliRunner().invoke(app, ["check", str(saved), "--format", "json", "--lang", "zh"], env=env)
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert "> [请输入编号] 1\n" in first.stderr, "piped answers are echoed after their prompt"


@pytest.mark.parametrize("lang", LANGS)
def test_every_value_is_written_so_that_it_reads_back(lang: str) -> None:
    for key, spec in KEYS.items():
        if spec.type in ("choice", "multi"):
            values: list[Any] = [c if spec.type == "choice" else [c] for c in spec.choices]
        else:
            values = {
                "money": [Decimal(v) for v in ("0", "1", "12345", "12500", "9999.99", "1.5E+8", "123456789.12345678")],
                "count": [0, 3, 600] if key != "cloud_star_level" else [0, 5],
                "bool": [True, False],
                "date": [IN_FORCE],
                # (a tab in a value reads back as a space: the one rule for control characters)
                "text": (
                    ["甲公司", 'a "quoted" \\ name with # and = in it'] if key == "name" else ["91320583MA1MXK8P0F"]
                ),
            }[spec.type]
        for value in values:
            written = value_text(key, value, lang)
            assert build_profile({"name": "x", key: tomllib.loads(f"v = {written}")["v"]}).__dict__[key] == value


STARTING = """\
#:schema ../subsidy_cli/schemas/profile.schema.json
# 客户：昆山某零部件厂（2024-03 走访）
name = "昆山精密零部件有限公司"   # 营业执照名称
"entity_type" = "enterprise"
district = "kunshan"  # 注册在昆山开发区

roles = [
  "manufacturer",   # 主业; "#" and ] inside a comment
]
sme = "-"  # 待客户确认
retrofit_loan_cny = "5000万元"  # 贷款合同 #2
"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_the_starting_files_comments_are_kept(lang: str, newline: str, tmp_path: Path) -> None:
    start = tmp_path / "start.toml"
    start.write_bytes(STARTING.replace("\n", newline).encode("utf-8"))
    # asked: legal person, SME, then the loan's platform and the rest
    session, _script = interview(["yes", "yes", "yes", *[""] * 30], lang, start=str(start))
    assert session.asked[:2] == ["independent_legal_person", "sme"]
    text = session.saved_text()
    assert newline == "\n" or text.count("\r\n") == text.count("\n")
    lines = text.replace("\r\n", "\n").split("\n")
    starting = STARTING.split("\n")
    for line in starting:
        if not line.startswith("sme"):
            assert line in lines, f"{line!r} kept as written"
    assert "sme = true  # 待客户确认" in lines, "the value rewritten, its comment kept"
    added = lines[lines.index(starting[-2]) + 1 :]
    assert added[0] == "" and added[1].startswith("# ")
    assert any(line.startswith("independent_legal_person = true") for line in added)
    assert any(line.startswith("application_date = 2022-06-30") for line in added)
    reads_back(text, tmp_path, session.profile())


@pytest.mark.parametrize("lang", LANGS)
def test_a_value_changed_by_set_is_rewritten_and_one_made_unknown_commented_out(lang: str, tmp_path: Path) -> None:
    start = tmp_path / "start.toml"
    start.write_text(STARTING, encoding="utf-8")
    changed, _ = interview([*[""] * 30], lang, start=str(start), overrides={"district": "sip"})
    text = changed.saved_text()
    district = {"zh": "苏州工业园区", "en": "sip"}[lang]
    assert f'district = "{district}"  # 注册在昆山开发区' in text
    reads_back(text, tmp_path, changed.profile())
    unknown, _ = interview([*[""] * 30], lang, start=str(start), overrides={"roles": None})
    text = unknown.saved_text()
    assert '# roles = [\n#   "manufacturer",   # 主业; "#" and ] inside a comment\n# ]' in text
    assert unknown.profile().roles is None
    reads_back(text, tmp_path, unknown.profile())


@pytest.mark.parametrize(
    "start",
    [
        'name = """甲\n公司"""  # a multi-line name\nsme = false',  # no newline at the end
        "name = 'x # not a comment'\nsme = false # yes, a comment\n",
        'name = "x = [y]"\n\n\n# the end\nsme = false\n',
        'name="x"\nsme=false\nroles=["manufacturer",\n  "service_provider"]# two\n',
    ],
)
def test_edited_files_keep_what_did_not_change(start: str) -> None:
    values = {**tomllib.loads(start), "sme": True, "district": "kunshan"}
    values = {k: v for k, v in vars(build_profile(values)).items() if v is not None}
    text = profile_toml(values, "zh", ["added"], start)
    read = tomllib.loads(text)
    assert read["sme"] is True and read["district"] == "昆山市"
    assert text.startswith(start.split("sme")[0]), "everything before the changed value as it was"
    untouched = [line for line in start.split("\n") if not line.startswith("sme")]
    assert all(line in text.split("\n") for line in untouched)


def test_a_file_the_editor_cannot_follow_is_written_afresh() -> None:
    start = 'name = "x"\n[extra]\nsme = false\n'  # a table: not a profile the reader takes, but no crash either
    text = profile_toml({"name": "x", "sme": True}, "en", ["fresh"], start)
    assert text == '# fresh\nname = "x"  # Name\nsme = true  # SME\n'


# --- Ctrl-C -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_ctrl_c_offers_to_save_the_answers_given_so_far(lang: str, tmp_path: Path) -> None:
    target = tmp_path / "part.toml"
    _session, script = stopped(["Acme", "1", "yes", CTRL_C, str(target)], lang=lang)
    assert target.exists()
    words = {
        "zh": ("此前共作 3 个回答", "是否保存已作的回答", "subsidy check -i"),
        "en": ("after 3 answers", "Save the answers given so far?", "subsidy check -i"),
    }[lang]
    assert all(any(word in text for text in script.shown) for word in words)
    saved = read_profile_data(str(target))[0]
    assert saved["independent_legal_person"] is True and saved["application_date"] == IN_FORCE
    assert "district" not in saved
    resumed, again = interview(["4", *[""] * 30], lang, start=str(target))  # goes on where it stopped
    assert resumed.asked[0] == "district" and not {"entity_type", "independent_legal_person"} & set(resumed.asked)
    assert resumed.profile().district == "kunshan"
    assert not any(prompt == script.prompts[0] for prompt in again.prompts), "the name is not asked again"


def test_ctrl_c_with_save_asks_yes_or_no(tmp_path: Path) -> None:
    target = tmp_path / "answers.toml"
    _, script = stopped(["Acme", "1", CTRL_C, "no"], save=target)
    assert not target.exists() and script.shown[-1] == "Nothing was saved."
    assert f"Save the answers given so far to {target}? [yes/no] " in script.prompts
    _, script = stopped(["甲公司", "1", CTRL_C, "是"], save=target, lang="zh")
    assert 'entity_type = "企业"' in target.read_text(encoding="utf-8")


def test_ctrl_c_before_any_answer_or_at_the_save_prompt_saves_nothing(tmp_path: Path) -> None:
    _, script = stopped([CTRL_C])
    assert script.shown[-1] == "\nInterview stopped; nothing was saved." and len(script.prompts) == 1
    _, script = stopped(["Acme", "1", CTRL_C, CTRL_C])
    assert script.shown[-1] == "Nothing was saved."
    taken = tmp_path / "taken.toml"
    taken.write_text("", encoding="utf-8")
    _, script = stopped(["Acme", CTRL_C, str(taken), ""])
    assert f"{taken} exists; choose another name." in script.shown and script.shown[-1] == "Nothing was saved."


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_ctrl_c_in_a_real_terminal_of_the_terminals_width(tmp_path: Path) -> None:
    import pexpect  # a test dependency (pyproject); POSIX only
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env.update({"SUBSIDY_LANG": "zh", "NO_COLOR": "1", "LANG": "C.UTF-8"})
    child = pexpect.spawn(
        sys.executable,
        ["-m", "subsidy_cli", "check", "-i", "--as-of", "2022-06-30"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        dimensions=(24, 52),
        timeout=60,
    )
    child.expect("企业名称")
    child.sendline("甲公司")
    child.expect(r"\[请输入编号\]")
    child.sendline("1")
    child.expect(r"\[是/否\]")
    child.sendline("是")
    child.expect(r"\[请输入编号\]")
    child.sendintr()
    child.expect("文件名")
    child.sendline("part.toml")
    child.expect(pexpect.EOF)
    transcript = child.before
    child.close()
    assert child.exitstatus == EXIT_INTERRUPTED
    saved = (tmp_path / "part.toml").read_text(encoding="utf-8")
    assert 'entity_type = "企业"' in saved and "independent_legal_person = true" in saved
    lines = [line.rstrip("\r") for line in transcript.split("\n")]
    assert max(cell_width(line) for line in lines) <= 52, "wrapped to the terminal's 52 columns"


# --- outside the policy's window -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_outside_the_window_the_application_date_is_asked_suggesting_the_last_day(lang: str) -> None:
    session, script = interview(["Acme", "?", "", "2", *[""] * 30], lang, as_of=None, today=AFTER)
    asking = next(text for text in script.shown if "2026-11-30" in text)
    assert {"zh": "请输入申报日期", "en": "Enter the application date"}[lang] in asking
    assert "2023-12-31" in script.prompts[1]
    assert "本通知自2021年1月1日起实施,有效期三年。" in script.text()  # ? quotes the validity clause
    assert session.answers["application_date"] == dt.date(2023, 12, 31)
    assert session.assessment().as_of == dt.date(2023, 12, 31)


def test_a_date_typed_is_taken_and_before_the_window_the_first_day_is_suggested() -> None:
    session, _ = interview(["Acme", "2022/6/30", *[""] * 30], as_of=None, today=AFTER)
    assert session.answers["application_date"] == IN_FORCE
    session, script = interview(["Acme", "", *[""] * 30], as_of=None, today=dt.date(2020, 6, 1))
    assert session.answers["application_date"] == dt.date(2021, 1, 1) and "2021-01-01" in script.prompts[1]


def test_inside_the_window_no_date_is_asked_and_today_is_recorded() -> None:
    session, script = interview(MANUFACTURER, as_of=None, today=IN_FORCE)
    assert not any("2023-12-31" in prompt for prompt in script.prompts)
    assert session.answers["application_date"] == IN_FORCE


# --- one language a sentence ------------------------------------------------------------------------------------------


def test_the_chinese_interview_speaks_chinese() -> None:
    answers = ["甲公司", "?", "", "？", "1", "?", "是", "?", "4", "?", "1、5", "?", "是", "?", "5000万", "是"]
    _, script = interview([*answers, *[""] * 30, CTRL_C], "zh", as_of=None, today=AFTER, width=80)
    text = re.sub(r"“[^”]*”", "", script.text())  # the policy's words, quoted
    for command in ("subsidy check --interactive", "subsidy check -i", "subsidy show", "subsidy check"):
        text = text.replace(command, "")
    words = set(re.findall(r"[A-Za-z]{2,}", text)) - {"Ctrl", "APP", "TOML"}
    assert words == set(), words
