"""The interview: ask only what can change the answer, in the order of the largest award it could settle.

The skip logic comes from the rules, not from a script: after every answer the firm is judged again,
and the next question is the unknown key that the engine says could settle the most money still open
(``Assessment.refine``). A key whose answer cannot change any line is never asked. Questions are read
and answered through two functions, so a terminal, piped answers and tests drive the same interview.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from subsidy_cli.engine.assess import Assessment, assess_rules, evaluation_date
from subsidy_cli.errors import EXIT_INTERRUPTED, Problem, SubsidyError
from subsidy_cli.i18n import tr
from subsidy_cli.output.files import write_new_file
from subsidy_cli.profile.files import read_profile_data
from subsidy_cli.profile.keys import CHOICE_LABELS, KEYS, Profile, build_profile, parse_value, profile_to_dict
from subsidy_cli.rules.layers import Rules
from subsidy_cli.words import pick

# The keys that decide the most lines (who may receive anything at all) come first.
FIRST = ("entity_type", "independent_legal_person", "district", "roles", "sme")


class EndOfAnswers(SubsidyError):
    """Input ended (Ctrl-D, or piped answers ran out), or Ctrl-C came, before the interview was finished:
    exit 130. It carries no problem to print (``ask_all`` has said that the interview stopped)."""

    def __init__(self, problems: Iterable[Problem | str] = (), exit_code: int = EXIT_INTERRUPTED) -> None:
        super().__init__(problems, exit_code)


Ask = Callable[[str], str | None]  # shows a prompt, returns the answer line (None at the end of input)
Say = Callable[[str], None]


@dataclass
class Interview:
    """One interview: the rules it judges by, the language it asks in, the evaluation date (None: the answers'
    application_date, else today), and the answers so far (parsed values by key), the keys skipped and the
    keys asked, in order."""

    rules: Rules
    lang: str
    as_of: dt.date | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    @classmethod
    def starting_from(
        cls,
        rules: Rules,
        lang: str,
        as_of: dt.date | None = None,
        profile: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> Interview:
        """An interview that starts from the keys of a profile file (``profile``; its name may be missing,
        the interview then asks for it) with parsed ``--set`` values laid over them (None makes a key
        unknown). Raises ``ProfileError`` (exit 1) for a file that cannot be read or a bad value in it."""
        interview = cls(rules, lang, as_of)
        data: dict[str, Any] = {}
        if profile is not None:
            data, _ = read_profile_data(profile)
        for key, value in (overrides or {}).items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        if data:
            start = build_profile({"name": "-", **data}, profile or "--set")
            interview.answers = {k: v for k, v in profile_to_dict(start).items() if k in data}
        return interview

    def profile(self) -> Profile:
        """The answers so far as a profile."""
        return build_profile(self.answers, "interview")

    def assessment(self) -> Assessment:
        """The firm judged on the answers so far."""
        profile = self.profile()
        return assess_rules(profile, self.rules, evaluation_date(profile, self.as_of))

    def next_key(self) -> str | None:
        """The unknown key that could settle the largest award still open; None when nothing is left."""
        hints = [h for h in self.assessment().refine if h.key not in self.skipped and h.key not in self.answers]
        open_keys = [h.key for h in hints]
        for key in FIRST:
            if key in open_keys:
                return key
        return open_keys[0] if open_keys else None

    def ask_all(self, ask: Ask, say: Say) -> Assessment:
        """``run``, then say how many questions were asked. When the answers end early (``EndOfAnswers``) or
        Ctrl-C comes, say that the interview stopped and nothing was saved, and raise ``EndOfAnswers`` (130)."""
        try:
            result = self.run(ask, say)
        except (EndOfAnswers, KeyboardInterrupt):
            say("\n" + tr(self.lang, "Interview stopped; nothing was saved."))
            raise EndOfAnswers from None
        say(tr(self.lang, "{n_asked} questions asked.", n_asked=len(self.asked)))
        return result

    def offer_save(self, save: Path | None, ask: Ask, say: Say) -> Path | None:
        """Save the answers as a TOML profile to ``save``, or, when None, to a file named in answer to a prompt
        (Enter: not saved; a name that exists is asked again). Returns the file written, if any. Raises
        ``SubsidyError`` (exit 2) if ``save`` exists or the file cannot be written."""
        target = save
        while target is None:
            answer = ask(tr(self.lang, "Save the answers as a TOML profile? File name (Enter to skip): "))
            if not answer or not answer.strip():
                return None
            candidate = Path(answer.strip())
            if candidate.exists():
                say(tr(self.lang, "{candidate} exists; choose another name.", candidate=candidate))
                continue
            target = candidate
        import tomli_w

        write_new_file(target, tomli_w.dumps(saved_profile(self)))
        say(tr(self.lang, "Saved to {target}; 'subsidy check {target}' reproduces this result.", target=target))
        return target

    def run(self, ask: Ask, say: Say) -> Assessment:
        """Ask until no unknown key could change the answer; the final assessment. Raises ``EndOfAnswers`` when
        ``ask`` returns None (the end of input) before then."""
        if "name" not in self.answers:
            name = self._ask_text(ask, "name")
            self.answers["name"] = name or tr(self.lang, "unnamed firm")
        if self.as_of is None and "application_date" not in self.answers:
            self._ask_date(ask, say)
        while (key := self.next_key()) is not None:
            self.asked.append(key)
            value = self._question(key, ask, say)
            if value is None:
                self.skipped.add(key)
            else:
                self.answers[key] = value
        # record the date judged on, so that the saved profile reproduces this result on any day
        if self.as_of is not None:
            self.answers["application_date"] = self.as_of
        else:
            self.answers.setdefault("application_date", dt.date.today())
        return self.assessment()

    def _ask_date(self, ask: Ask, say: Say) -> None:
        """When today is outside the policy's window and no date was given, ask for the application date (the
        date that judges), suggesting the last day in force: Enter takes it."""
        policy = self.rules.first().policy
        today = dt.date.today()
        if policy.valid_from <= today <= policy.valid_until:
            return
        suggested = policy.valid_until if today > policy.valid_until else policy.valid_from
        say("")
        say(
            tr(
                self.lang,
                "The policy is in force from {valid_from} to {valid_until}; today, {today}, is outside it. "
                "Enter the application date (the date to judge on); Enter takes {suggested}.",
                valid_from=policy.valid_from,
                valid_until=policy.valid_until,
                today=today,
                suggested=suggested,
            )
        )
        while True:
            answer = ask(f"> [YYYY-MM-DD; {tr(self.lang, 'Enter for')} {suggested}] ")
            if answer is None:
                raise EndOfAnswers
            text = answer.strip()
            if not text:
                self.answers["application_date"] = suggested
                return
            try:
                self.answers["application_date"] = self._parse("application_date", text)
                return
            except ValueError as exc:
                say(tr(self.lang, "  Not understood: {exc}.", exc=exc))

    # -- one question ------------------------------------------------------------------------------------------

    def _ask_text(self, ask: Ask, key: str) -> str:
        spec = KEYS[key]
        answer = ask(f"{spec.label(self.lang)} ({pick(self.lang, spec.help_zh, spec.help_en)}): ")
        if answer is None:
            raise EndOfAnswers
        return answer.strip()

    def _question(self, key: str, ask: Ask, say: Say) -> Any:
        """Ask until the answer is valid; None when skipped (Enter)."""
        spec = KEYS[key]
        say("")
        say(f"{spec.label(self.lang)}: {pick(self.lang, spec.help_zh, spec.help_en)}")
        if spec.choices:
            for number, choice in enumerate(spec.choices, start=1):
                label = CHOICE_LABELS[key][choice][0 if self.lang == "zh" else 1]
                say(f"  {number:>2}. {label} ({choice})")
        prompt = self._prompt(spec.type)
        while True:
            answer = ask(prompt)
            if answer is None:
                raise EndOfAnswers
            text = answer.strip()
            if text == "":
                return None
            if text == "?":
                for line in self._clauses(key):
                    say(line)
                continue
            try:
                return self._parse(key, text)
            except ValueError as exc:
                say(tr(self.lang, "  Not understood: {exc}. Try again, or press Enter to skip.", exc=exc))

    def _prompt(self, kind: str) -> str:
        hint = {
            "bool": tr(self.lang, "yes/no"),
            "choice": tr(self.lang, "number"),
            "multi": tr(self.lang, "numbers, comma-separated; 0 for none"),
            "money": tr(self.lang, "amount, e.g. 5000000 or 500万"),
            "count": tr(self.lang, "whole number"),
            "date": "YYYY-MM-DD",
        }.get(kind, "")
        skip = tr(self.lang, "Enter to skip, ? for the clause")
        return f"> [{hint}; {skip}] " if hint else f"> [{skip}] "

    def _parse(self, key: str, text: str) -> Any:
        spec = KEYS[key]
        if spec.type == "choice" and text.isdigit():
            number = int(text)
            if not 1 <= number <= len(spec.choices):
                raise ValueError(tr(self.lang, "the number must be 1-{n_choices}", n_choices=len(spec.choices)))
            return spec.choices[number - 1]
        if spec.type == "multi":
            parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p]
            if parts == ["0"]:
                return []
            if all(p.isdigit() for p in parts):
                chosen = []
                for part in parts:
                    number = int(part)
                    if not 1 <= number <= len(spec.choices):
                        raise ValueError(
                            tr(self.lang, "the numbers must be 1-{n_choices}", n_choices=len(spec.choices))
                        )
                    if spec.choices[number - 1] not in chosen:
                        chosen.append(spec.choices[number - 1])
                return chosen
        return parse_value(key, text)

    def _clauses(self, key: str) -> list[str]:
        """The clauses of the lines this key could still settle."""
        hint = next((h for h in self.assessment().refine if h.key == key), None)
        ids = hint.benefits if hint else ()
        lines = []
        for benefit in self.rules.first().benefits:
            if benefit.id in ids:
                lines.append(f"  {benefit.id} {benefit.title(self.lang)}: {benefit.clause_text}")
        return lines or [tr(self.lang, "  (no clause)")]


def saved_profile(interview: Interview) -> dict[str, Any]:
    """The answers as a TOML-ready profile that ``subsidy check FILE`` reproduces exactly (money as text)."""
    data: dict[str, Any] = {}
    profile = interview.profile()
    for key in KEYS:
        value = getattr(profile, key)
        if value is None:
            continue
        data[key] = format(value, "f") if KEYS[key].type == "money" else value
    return data
