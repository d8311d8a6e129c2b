"""The interview: ask only what can change the answer, in the order of the largest award it could settle.

The skip logic comes from the rules, not from a script: after every answer the firm is judged again,
and the next question is the unknown key that the engine says could settle the most money still open
(``Assessment.refine``). A key whose answer cannot change any line is never asked. Questions are read
and answered through two functions, so a terminal, piped answers and tests drive the same interview.

What a client sees: a two-line introduction (how many questions at most, Enter to skip, ``?`` for the
policy's words, Ctrl-C to stop), every text wrapped to the terminal's width (``words.wrap``: CJK characters
take two cells, a number and its unit are never broken), choices numbered and named once in the client's
language, ``?`` answered from the rules' own grounds (the scope clause for the questions of who the firm is,
the clauses of the lines a question decides for the others), a blank name asked again. The answers are saved
as a TOML profile in the client's language (``profile.saved``), the starting file's comments kept; Ctrl-C
offers to save the answers given so far.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from subsidy_cli import i18n
from subsidy_cli.engine.assess import Assessment, assess_rules, evaluation_date
from subsidy_cli.errors import EXIT_INTERRUPTED, Problem, SubsidyError
from subsidy_cli.i18n import N_, tr
from subsidy_cli.output.files import write_new_file
from subsidy_cli.profile.files import decode_profile, read_profile_data
from subsidy_cli.profile.keys import (
    CHOICE_LABELS,
    DISTRICT_EN,
    KEYS,
    Profile,
    build_profile,
    parse_value,
)
from subsidy_cli.profile.saved import profile_toml
from subsidy_cli.profile.values import parse_bool
from subsidy_cli.rules.catalog import Benefit, policy_text
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.rules.layers import Rules
from subsidy_cli.words import cell_width, pick, wrap

# The keys that decide the most lines (who may receive anything at all) come first.
FIRST = ("entity_type", "independent_legal_person", "district", "roles", "sme")
# The questions of who the firm is: ``?`` explains the policy's scope clause and the lines that narrow it.
SCOPE_KEYS = frozenset(FIRST)
HELP = frozenset({"?", "？"})  # what asks for the policy's words (ASCII or full-width)
_LIST_SPLIT = re.compile(r"[,，、;；|]")


class EndOfAnswers(SubsidyError):
    """Input ended (Ctrl-D, or piped answers ran out), or Ctrl-C came, before the interview was finished:
    exit 130. It carries no problem to print (``ask_all`` has said that the interview stopped)."""

    def __init__(self, problems: Iterable[Problem | str] = (), exit_code: int = EXIT_INTERRUPTED) -> None:
        super().__init__(problems, exit_code)


Ask = Callable[[str], str | None]  # shows a prompt, returns the answer line (None at the end of input)
Say = Callable[[str], None]


def terminal_width() -> int:
    """The width the interview wraps its texts to, in cells: ``$COLUMNS``, else the width of the terminal on
    stderr (where the questions go), else of the one on stdout (``shutil.get_terminal_size``), else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size((80, 24)).columns


@dataclass
class Interview:
    """One interview: the rules it judges by, the language it asks in, the evaluation date (None: the answers'
    application_date, else today), and the answers so far (parsed values by key), the keys skipped and the
    keys asked, in order. ``given``: the keys answered in this interview (not taken from a starting file);
    ``width``: the cells a line of text may take (None: ``terminal_width()``); ``start_text``: the TOML text
    of the file the interview started from, whose comments the saved profile keeps; ``today``: the day the
    interview takes place (None: the system's date)."""

    rules: Rules
    lang: str
    as_of: dt.date | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list)
    width: int | None = None
    start_text: str | None = None
    today: dt.date | None = None

    @classmethod
    def starting_from(
        cls,
        rules: Rules,
        lang: str,
        as_of: dt.date | None = None,
        profile: str | None = None,
        overrides: dict[str, Any] | None = None,
        width: int | None = None,
    ) -> Interview:
        """An interview that starts from the keys of a profile file (``profile``; its name may be missing,
        the interview then asks for it) with parsed ``--set`` values laid over them (None makes a key
        unknown). Raises ``ProfileError`` (exit 1) for a file that cannot be read or a bad value in it."""
        interview = cls(rules, lang, as_of, width=width)
        data: dict[str, Any] = {}
        if profile is not None:
            data, _ = read_profile_data(profile)
            interview.start_text = _toml_text(profile)
        for key, value in (overrides or {}).items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        if data:
            start = build_profile({"name": "-", **data}, profile or "--set")
            known = {key: getattr(start, key) for key in KEYS if key in data}
            interview.answers = {key: value for key, value in known.items() if value is not None}
        return interview

    def profile(self) -> Profile:
        """The answers so far as a profile. Raises ``ProfileError`` while the name is not known."""
        return build_profile(self.answers, "interview")

    def _profile(self) -> Profile:
        """The answers so far as a profile, a name lent while none is known (for judging, never for saving)."""
        return build_profile({"name": "-", **self.answers}, "interview")

    def assessment(self, as_of: dt.date | None = None) -> Assessment:
        """The firm judged on the answers so far (on ``as_of``, else on the interview's date)."""
        profile = self._profile()
        return assess_rules(profile, self.rules, evaluation_date(profile, as_of or self.as_of, self.today))

    def open_keys(self, as_of: dt.date | None = None) -> list[str]:
        """The unknown keys that could still change a line, neither answered nor skipped, largest award first."""
        refine = self.assessment(as_of).refine
        return [h.key for h in refine if h.key not in self.skipped and h.key not in self.answers]

    def next_key(self) -> str | None:
        """The unknown key that could settle the largest award still open; None when nothing is left."""
        open_keys = self.open_keys()
        for key in FIRST:
            if key in open_keys:
                return key
        return open_keys[0] if open_keys else None

    def ask_all(self, ask: Ask, say: Say, save: Path | None = None) -> Assessment:
        """``run``, then say how many questions were asked. When the answers end early, say that the interview
        stopped and nothing was saved; when Ctrl-C comes, offer to save the answers given so far (to ``save``
        if given, else to a file named in answer); either way raise ``EndOfAnswers`` (130)."""
        try:
            result = self.run(ask, say)
        except EndOfAnswers:
            say("\n" + tr(self.lang, "Interview stopped; nothing was saved."))
            raise EndOfAnswers from None
        except KeyboardInterrupt:
            self._interrupted(ask, say, save)
            raise EndOfAnswers from None
        say(tr(self.lang, "{n_asked} questions asked.", n_asked=len(self.asked)))
        return result

    def offer_save(self, save: Path | None, ask: Ask, say: Say) -> Path | None:
        """Save the answers as a TOML profile to ``save``, or, when None, to a file named in answer to a prompt
        (Enter: not saved; a name that exists is asked again). Returns the file written, if any. Raises
        ``SubsidyError`` (exit 2) if ``save`` exists or the file cannot be written."""
        target = save or self._file_name(
            ask, say, tr(self.lang, "Save the answers as a TOML profile? File name (Enter to skip): ")
        )
        if target is None:
            return None
        write_new_file(target, self.saved_text())
        say(tr(self.lang, "Saved to {target}; 'subsidy check {target}' reproduces this result.", target=target))
        return target

    def saved_text(self) -> str:
        """The answers as the TOML text of a profile in the interview's language (``profile.saved``): the
        starting file with its comments when there was one, else a new file with a heading; ``subsidy check``
        on it reproduces the interview's result."""
        values = {key: value for key, value in vars(self._profile()).items() if value is not None}
        if "name" not in self.answers:
            values.pop("name", None)
        today = self._today().isoformat()
        if self.start_text is not None:
            heading = [tr(self.lang, "Answered in the interview of {date}:", date=today)]
        else:
            heading = [
                tr(self.lang, "Enterprise profile saved by 'subsidy check --interactive' on {date}.", date=today),
                tr(
                    self.lang,
                    "'subsidy check FILE' judges it again; 'subsidy check -i FILE' asks what is still unknown.",
                ),
            ]
        return profile_toml(values, self.lang, heading, self.start_text)

    def run(self, ask: Ask, say: Say) -> Assessment:
        """Ask until no unknown key could change the answer; the final assessment. Raises ``EndOfAnswers`` when
        ``ask`` returns None (the end of input) before then."""
        self._introduce(say)
        if "name" not in self.answers:
            self._ask_name(ask, say)
        if self.as_of is None and "application_date" not in self.answers:
            self._ask_date(ask, say)
        while (key := self.next_key()) is not None:
            self.asked.append(key)
            value = self._question(key, ask, say)
            if value is None:
                self.skipped.add(key)
            else:
                self.answers[key] = value
                self.given.append(key)
        # record the date judged on, so that the saved profile reproduces this result on any day
        if self.as_of is not None:
            self.answers["application_date"] = self.as_of
        else:
            self.answers.setdefault("application_date", self._today())
        return self.assessment()

    # -- what the client reads -----------------------------------------------------------------------------------

    def _today(self) -> dt.date:
        return self.today or dt.date.today()

    def _width(self) -> int:
        return max(20, self.width or terminal_width())

    def _say(self, say: Say, text: str, indent: str = "", hanging: str | None = None) -> None:
        """``text`` wrapped to the width, as one message."""
        say("\n".join(wrap(text, self._width(), indent, hanging)))

    def _prompt(self, text: str) -> str:
        """A prompt wrapped to the width, the answer typed after its last line."""
        return "\n".join(wrap(text, self._width())) + " "

    def _introduce(self, say: Say) -> None:
        """Two lines: how many questions at most, and the keys that skip, explain and stop."""
        suggested = self._suggested_date() if self.as_of is None and "application_date" not in self.answers else None
        count = len(self.open_keys(suggested)) + ("name" not in self.answers) + (suggested is not None)
        if count == 0:
            return
        if count == 1:
            self._say(say, tr(self.lang, "One question at most."))
        else:
            self._say(
                say, tr(self.lang, "At most {count} questions; each answer can make others unnecessary.", count=count)
            )
        self._say(
            say,
            tr(
                self.lang,
                "Enter skips a question, ? quotes the policy, Ctrl-C stops (and offers to save).",
            ),
        )

    def _suggested_date(self) -> dt.date | None:
        """The application date to suggest when today is outside the policy's window (its last day in force, or
        its first before it starts); None when today is inside it."""
        policy = self.rules.first().policy
        today = self._today()
        if policy.valid_from <= today <= policy.valid_until:
            return None
        return policy.valid_until if today > policy.valid_until else policy.valid_from

    # -- the questions -------------------------------------------------------------------------------------------

    def _ask_name(self, ask: Ask, say: Say) -> None:
        """Ask for the firm's name until one is given: a profile cannot be without one."""
        spec = KEYS["name"]
        say("")
        prompt = self._prompt(tr(self.lang, "{label} ({help}):", label=spec.label(self.lang), help=self._help("name")))
        while True:
            answer = ask(prompt)
            if answer is None:
                raise EndOfAnswers
            text = answer.strip()
            if text in HELP:
                help_text = N_("The firm's name as on its business licence; it is the one answer every profile needs.")
                self._say(say, tr(self.lang, help_text))
                continue
            if not text:
                needed = N_("The name is needed: every profile has one. Type the firm's registered name.")
                self._say(say, tr(self.lang, needed))
                continue
            try:
                self.answers["name"] = self._parse("name", text)
            except ValueError as exc:
                self._say(say, tr(self.lang, "Not understood: {exc}.", exc=exc), "  ", "  ")
                continue
            self.given.append("name")
            return

    def _ask_date(self, ask: Ask, say: Say) -> None:
        """When today is outside the policy's window and no date was given, ask for the application date (the
        date that judges), suggesting the last day in force: Enter takes it."""
        suggested = self._suggested_date()
        if suggested is None:
            return
        policy = self.rules.first().policy
        say("")
        self._say(
            say,
            tr(
                self.lang,
                "The policy is in force from {valid_from} to {valid_until}; today, {today}, is outside it. "
                "Enter the application date (the date to judge on); Enter takes {suggested}.",
                valid_from=policy.valid_from,
                valid_until=policy.valid_until,
                today=self._today(),
                suggested=suggested,
            ),
        )
        prompt = self._prompt(tr(self.lang, "> [a date, e.g. 2022-06-30; Enter: {suggested}]", suggested=suggested))
        while True:
            answer = ask(prompt)
            if answer is None:
                raise EndOfAnswers
            text = answer.strip()
            if text in HELP:
                words = tr(self.lang, "The policy's own words: “{clause}”", clause=policy.validity_clause)
                self._say(say, words, "  ", "  ")
                continue
            try:
                self.answers["application_date"] = self._parse("application_date", text) if text else suggested
            except ValueError as exc:
                self._say(say, tr(self.lang, "Not understood: {exc}.", exc=exc), "  ", "  ")
                continue
            self.given.append("application_date")
            return

    def _question(self, key: str, ask: Ask, say: Say) -> Any:
        """Ask until the answer is valid; None when skipped (Enter)."""
        spec = KEYS[key]
        say("")
        self._say(say, tr(self.lang, "{label}: {help}", label=spec.label(self.lang), help=self._help(key)), "", "  ")
        if spec.choices:
            say(self._choices(key))
        prompt = self._prompt(self._hint(spec.type))
        while True:
            answer = ask(prompt)
            if answer is None:
                raise EndOfAnswers
            text = answer.strip()
            if text == "":
                return None
            if text in HELP:
                say("\n".join(self._explain(key)))
                continue
            try:
                return self._parse(key, text)
            except ValueError as exc:
                message = tr(self.lang, "Not understood: {exc}. Try again, or press Enter to skip.", exc=exc)
                self._say(say, message, "  ", "  ")

    def _help(self, key: str) -> str:
        spec = KEYS[key]
        return pick(self.lang, spec.help_zh, spec.help_en)

    def _hint(self, kind: str) -> str:
        """The prompt of a question of ``kind``: what to type (Enter and ? are said once, in the introduction)."""
        hint = {
            "bool": tr(self.lang, "> [yes/no]"),
            "choice": tr(self.lang, "> [a number from the list]"),
            "multi": tr(self.lang, "> [numbers from the list, e.g. 1,3; 0 for none]"),
            "money": tr(self.lang, "> [an amount, e.g. 5000000 or 500万]"),
            "count": tr(self.lang, "> [a whole number]"),
            "date": tr(self.lang, "> [a date, e.g. 2022-06-30]"),
        }
        return hint.get(kind, ">")

    def _choices(self, key: str) -> str:
        """The numbered choices, each named once; in columns (down, then across) when they all fit."""
        items = [f"{number:>2}. {label}" for number, label in enumerate(labels(key, self.lang), start=1)]
        cell = max(cell_width(item) for item in items) + 3
        width = self._width()
        columns = max(1, (width - 2 + 3) // cell)
        if columns == 1:  # one a line, long names wrapped under their first word
            lines = []
            for item in items:
                lead = "  " + item[: len(item) - len(item.lstrip())]
                lines += wrap(item.lstrip(), width, lead, " " * (len(lead) + 4))
            return "\n".join(lines)
        rows = -(-len(items) // columns)
        columns = -(-len(items) // rows)
        lines = []
        for row in range(rows):
            cells = [items[row + rows * column] for column in range(columns) if row + rows * column < len(items)]
            padded = [text + " " * (cell - cell_width(text)) for text in cells[:-1]]
            lines.append("  " + "".join(padded) + cells[-1])
        return "\n".join(lines)

    # -- answers -------------------------------------------------------------------------------------------------

    @contextmanager
    def _speaking(self) -> Iterator[None]:
        """The profile's parsers word their messages in the interview's language while it parses."""
        before = i18n.active()
        i18n.use(self.lang)
        try:
            yield
        finally:
            i18n.use(before)

    def _parse(self, key: str, text: str) -> Any:
        """An answer to the question of ``key``: a number or a name from the list (several for a list, separated
        by ``,`` ``、`` ``;`` or their full-width forms, or by spaces between numbers; ``0`` for none), or
        anything the profile reader accepts. ValueError, worded in the interview's language, if none fits."""
        spec = KEYS[key]
        with self._speaking():
            if spec.type == "choice":
                return self._one_choice(key, text)
            if spec.type == "multi":
                parts = [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()]
                if len(parts) == 1 and re.fullmatch(r"[\d\s]+", _plain(parts[0])):
                    parts = _plain(parts[0]).split()
                if [_plain(p) for p in parts] == ["0"]:
                    return []
                chosen: list[str] = []
                for part in parts:
                    for value in self._many_choices(key, part):
                        if value not in chosen:
                            chosen.append(value)
                return chosen
            return parse_value(key, text)

    def _number(self, key: str, text: str) -> str | None:
        """The choice a number from the list names; None when ``text`` is no number; ValueError out of range."""
        plain = _plain(text)
        if not (plain.isascii() and plain.isdigit()):
            return None
        choices = KEYS[key].choices
        number = int(plain)
        if not 1 <= number <= len(choices):
            if KEYS[key].type == "choice":
                raise ValueError(tr(self.lang, "the number must be 1-{n_choices}", n_choices=len(choices)))
            raise ValueError(tr(self.lang, "the numbers must be 1-{n_choices}", n_choices=len(choices)))
        return choices[number - 1]

    def _named(self, key: str, text: str) -> str | None:
        """The choice whose name, as the list shows it in either language, is ``text`` (case aside)."""
        wanted = _plain(text).casefold()
        for lang in (self.lang, "en" if self.lang == "zh" else "zh"):
            for choice, label in zip(KEYS[key].choices, labels(key, lang), strict=True):
                if _plain(label).casefold() == wanted:
                    return choice
        return None

    def _one_choice(self, key: str, text: str) -> str:
        found = self._number(key, text) or self._named(key, text)
        return found if found is not None else str(parse_value(key, text))

    def _many_choices(self, key: str, text: str) -> list[str]:
        found = self._number(key, text) or self._named(key, text)
        return [found] if found is not None else list(parse_value(key, text))

    # -- what the policy says ------------------------------------------------------------------------------------

    def _explain(self, key: str) -> list[str]:
        """What ``?`` shows for the question of ``key``: for a question of who the firm is, the policy's scope
        clause, the parts of it the answer decides and the lines that name their recipients more narrowly (each
        with its ground: the policy's words, or a reading); for the others, the clauses of the lines the answer
        could still settle."""
        if key in SCOPE_KEYS:
            return self._scope_words(key)
        hint = next((h for h in self.assessment().refine if h.key == key), None)
        ids = set(hint.benefits if hint else ())
        lines = []
        for benefit in self.assessment().catalog.benefits:
            if benefit.id in ids:
                text = tr(
                    self.lang,
                    "{id} {title}: {clause}",
                    id=benefit.id,
                    title=benefit.title(self.lang),
                    clause=benefit.clause_text,
                )
                lines += wrap(text, self._width(), "  ", "    ")
        return lines or [tr(self.lang, "  (no clause)")]

    def _scope_words(self, key: str) -> list[str]:
        assessment = self.assessment()
        policy = assessment.catalog.policy
        width = self._width()
        scope = tr(self.lang, "The policy's scope, in its own words: “{clause}”", clause=policy.scope_clause)
        lines = wrap(scope, width, "  ", "  ")
        for rule in policy.scope:
            if _reads(rule.test, key):
                reason = pick(self.lang, rule.reason_zh, rule.reason_en)
                ground = self._ground(rule.test, key)
                if rule.test.basis is not None and rule.test.basis in policy.scope_clause:
                    ground = ""  # quoted just above
                text = tr(self.lang, "This question decides: {reason}", reason=reason)
                if ground:
                    text = tr(self.lang, "{text} ({ground})", text=text, ground=ground)
                lines += wrap(text, width, "  ", "    ")
        hint = next((h for h in assessment.refine if h.key == key), None)
        narrower = _narrower(assessment.catalog.benefits, key, set(hint.benefits if hint else ()))
        if narrower:
            lines += wrap(tr(self.lang, "Lines that name their recipients more narrowly:"), width, "  ", "  ")
            for ids, cond in narrower:
                ground = self._ground(cond, key)
                text = tr(self.lang, "{ids}: {ground}", ids=tr(self.lang, ", ").join(ids), ground=ground)
                lines += wrap(text, width, "    ", "      ")
        lines += wrap(tr(self.lang, "'subsidy show ID' shows a line in full."), width, "  ", "  ")
        return lines

    def _ground(self, cond: Condition, key: str) -> str:
        """What ``cond`` stands on, for the part of it that reads ``key``: the policy's words, quoted, or a
        reading and why."""
        if cond.basis is not None:
            return tr(self.lang, "“{basis}”", basis=in_context(cond.basis))
        if cond.reading_zh is not None:
            reading = pick(self.lang, cond.reading_zh, cond.reading_en or cond.reading_zh)
            return tr(self.lang, "a reading: {reading}", reading=reading)
        for part in cond.any or cond.all or []:
            if _reads(part, key):
                return self._ground(part, key)
        return ""

    # -- Ctrl-C ----------------------------------------------------------------------------------------------------

    def _interrupted(self, ask: Ask, say: Say, save: Path | None) -> None:
        """Ctrl-C: offer to save the answers given so far, when there are any; say what became of them."""
        if not self.given or "name" not in self.answers:
            say("\n" + tr(self.lang, "Interview stopped; nothing was saved."))
            return
        say("")
        self._say(say, tr(self.lang, "Interview stopped after {n_given} answers.", n_given=len(self.given)))
        if self.as_of is not None:
            self.answers["application_date"] = self.as_of  # the date judged on, as at the end
        try:
            if save is not None:
                question = tr(self.lang, "Save the answers given so far to {target}? [yes/no]", target=save)
                reply = ask(self._prompt(question))
                target = save if reply is not None and _yes(reply) else None
            else:
                target = self._file_name(
                    ask, say, tr(self.lang, "Save the answers given so far? File name (Enter: do not save):") + " "
                )
        except KeyboardInterrupt:
            target = None
        if target is None:
            say(tr(self.lang, "Nothing was saved."))
            return
        write_new_file(target, self.saved_text())
        self._say(
            say, tr(self.lang, "Saved to {target}; 'subsidy check -i {target}' goes on from there.", target=target)
        )

    def _file_name(self, ask: Ask, say: Say, prompt: str) -> Path | None:
        """A file name asked for with ``prompt`` until it names no file that exists; None for Enter."""
        while True:
            answer = ask(self._prompt(prompt.rstrip()))
            if not answer or not answer.strip():
                return None
            candidate = Path(answer.strip())
            if candidate.exists():
                say(tr(self.lang, "{candidate} exists; choose another name.", candidate=candidate))
                continue
            return candidate


def labels(key: str, lang: str) -> list[str]:
    """The names of a choice key's values in ``lang``, in the order of its choices: the Chinese labels in
    Chinese, the English ones in English (for districts their English names), each value named once."""
    choices = KEYS[key].choices
    if key == "district":
        return [CHOICE_LABELS[key][c][0] if lang == "zh" else DISTRICT_EN[c] for c in choices]
    return [CHOICE_LABELS[key][c][0 if lang == "zh" else 1] for c in choices]


def _plain(text: str) -> str:
    """``text`` after NFKC (full-width digits and letters to ASCII), stripped."""
    return unicodedata.normalize("NFKC", text).strip()


def _yes(text: str) -> bool:
    """Whether an answer to a yes/no prompt is yes (anything unreadable is no)."""
    try:
        return parse_bool(text.strip())
    except ValueError:
        return False


def _narrower(benefits: Iterable[Benefit], key: str, ids: set[str]) -> list[tuple[list[str], Condition]]:
    """The conditions on who may receive a line (``scope_override`` and ``requires``) that read ``key``, among the
    lines ``ids``, one per ground, with the lines that state it, in the order of the lines."""
    grouped: dict[tuple[str | None, str | None], tuple[list[str], Condition]] = {}
    for benefit in benefits:
        if benefit.id not in ids:
            continue
        for cond in [*benefit.scope_override.values(), *benefit.requires]:
            if not _reads(cond, key):
                continue
            grounded = _grounded_part(cond, key)
            basis = None if grounded.basis is None else in_context(grounded.basis)
            entry = grouped.setdefault((basis, grounded.reading_zh), ([], grounded))
            if benefit.id not in entry[0]:
                entry[0].append(benefit.id)
    return list(grouped.values())


_CLAUSE_ENDS = "，,；;。：:\n"


def in_context(basis: str) -> str:
    """The clause of the policy text around ``basis`` (a fragment found verbatim in it), from the punctuation
    before it to the punctuation after it, so that a quote such as “的第三方安全服务机构” reads whole:
    “对服务苏州市企业数超10家、年度营收超300万元的第三方安全服务机构”. ``basis`` itself when the text
    does not hold it."""
    text = policy_text()
    at = text.find(basis)
    if at < 0:
        return basis
    start = max(text.rfind(mark, 0, at) for mark in _CLAUSE_ENDS) + 1
    ends = [found for mark in _CLAUSE_ENDS if (found := text.find(mark, at + len(basis))) >= 0]
    return text[start : min(ends, default=len(text))].strip()


def _reads(cond: Condition, key: str) -> bool:
    """Whether ``cond`` (or a part of it) reads the profile key ``key``."""
    return key in cond.keys()  # noqa: SIM118 - Condition.keys() gives the keys it reads; it is no mapping


def _grounded_part(cond: Condition, key: str) -> Condition:
    """The nearest condition, from ``cond`` down to the part that reads ``key``, that states its ground."""
    if cond.basis is not None or cond.reading_zh is not None:
        return cond
    for part in cond.any or cond.all or []:
        if _reads(part, key):
            return _grounded_part(part, key)
    return cond


def _toml_text(source: str) -> str | None:
    """The text of a TOML profile file, to keep its comments when saving; None for stdin, JSON or what cannot be
    read again."""
    if source == "-" or source.lower().endswith(".json"):
        return None
    try:
        text, _ = decode_profile(Path(source).read_bytes(), source)
    except (OSError, SubsidyError):
        return None
    return None if text.lstrip()[:1] in ("{", "[") else text
