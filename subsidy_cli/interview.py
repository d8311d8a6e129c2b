"""The interview: ask only what can change the answer, in the order of the largest award it could settle.

The skip logic comes from the rules, not from a script: after every answer the firm is judged again,
and the next question is the unknown key that the engine says could settle the most money still open
(``Assessment.refine``). A key whose answer cannot change any line is never asked. Questions are read
and answered through two functions, so a terminal, piped answers and tests drive the same interview.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from subsidy_cli.engine.assess import Assessment, assess_rules, evaluation_date
from subsidy_cli.profile.keys import CHOICE_LABELS, KEYS, Profile, build_profile, parse_value
from subsidy_cli.rules.layers import Rules
from subsidy_cli.words import pick

# The keys that decide the most lines (who may receive anything at all) come first.
FIRST = ("entity_type", "independent_legal_person", "district", "roles", "sme")


class EndOfAnswers(Exception):
    """Input ended (Ctrl-D, or piped answers ran out) before the interview was finished."""


Ask = Callable[[str], str | None]  # shows a prompt, returns the answer line (None at the end of input)
Say = Callable[[str], None]


@dataclass
class Interview:
    rules: Rules
    lang: str
    as_of: dt.date | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    def profile(self) -> Profile:
        return build_profile(self.answers, "interview")

    def assessment(self) -> Assessment:
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

    def run(self, ask: Ask, say: Say) -> Assessment:
        if "name" not in self.answers:
            name = self._ask_text(ask, "name")
            self.answers["name"] = name or pick(self.lang, "未命名企业", "unnamed firm")
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
                say(
                    pick(
                        self.lang,
                        f"  无法识别:{exc}。请重新输入,或直接回车跳过。",
                        f"  Not understood: {exc}. Try again, or press Enter to skip.",
                    )
                )

    def _prompt(self, kind: str) -> str:
        hint = {
            "bool": pick(self.lang, "是/否", "yes/no"),
            "choice": pick(self.lang, "输入编号", "number"),
            "multi": pick(self.lang, "编号,可多个,用逗号分隔;0 表示都不是", "numbers, comma-separated; 0 for none"),
            "money": pick(self.lang, "金额,如 500万、0.5亿", "amount, e.g. 5000000 or 500万"),
            "count": pick(self.lang, "整数", "whole number"),
            "date": "YYYY-MM-DD",
        }.get(kind, "")
        skip = pick(self.lang, "回车跳过,? 查看条文", "Enter to skip, ? for the clause")
        return f"> [{hint}; {skip}] " if hint else f"> [{skip}] "

    def _parse(self, key: str, text: str) -> Any:
        spec = KEYS[key]
        if spec.type == "choice" and text.isdigit():
            number = int(text)
            if not 1 <= number <= len(spec.choices):
                raise ValueError(
                    pick(self.lang, f"编号应在 1-{len(spec.choices)} 之间", f"the number must be 1-{len(spec.choices)}")
                )
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
                            pick(
                                self.lang,
                                f"编号应在 1-{len(spec.choices)} 之间",
                                f"the numbers must be 1-{len(spec.choices)}",
                            )
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
        return lines or [pick(self.lang, "  (没有相关条文)", "  (no clause)")]


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
