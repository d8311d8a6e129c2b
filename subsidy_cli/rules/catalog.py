"""Load and validate ``measures.toml``: the policy and its benefit lines as typed models.

Problems are reported for people: one line each, naming the file, the TOML line where it can be
found, the benefit id and the key path, e.g.
``measures.toml:214: benefit 16a: amount.cap: must be more than 0, got -500000``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from subsidy_cli import tomlfile
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.amounts import AmountRule, NoAmount, Percent
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.rules.structs import StructError, build, spec

Kind = Literal["cash", "in_kind", "support", "referenced", "case_by_case", "risk_sharing"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
SECTIONS = ("一", "二", "三", "四", "五")


class CatalogError(Exception):
    """A measures file that cannot be used; ``problems`` holds one printable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, kw_only=True)
class ScopeRule:
    """One part of the policy's scope clause, e.g. "registered in Suzhou"."""

    id: str
    test: Condition
    reason_zh: str
    reason_en: str


@dataclass(frozen=True, kw_only=True)
class Policy:
    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str
    issued: dt.date
    valid_from: dt.date
    valid_until: dt.date
    validity_clause: str
    scope_clause: str
    scope: list[ScopeRule]

    def check(self) -> None:
        if self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from {self.valid_from}")
        ids = [rule.id for rule in self.scope]
        if len(set(ids)) != len(ids):
            raise ValueError("scope rule ids must be unique")


@dataclass(frozen=True, kw_only=True)
class Quota:
    """A number the text states per period, e.g. 40 factories a year."""

    count: int = spec(gt=0)
    per: Literal["year"] = "year"
    bound: Literal["exactly", "at_least", "at_least_about"] = "exactly"
    unit_zh: str
    unit_en: str


@dataclass(frozen=True, kw_only=True)
class Benefit:
    """One benefit line of one measure."""

    id: str = spec(pattern=r"^(?:[1-9]|1[0-9]|2[0-2])[a-z]?$|^[a-z]{2,5}-[0-9a-z]+$")
    measure: int = spec(ge=1, le=22)
    section: Literal["一", "二", "三", "四", "五"]
    title_zh: str
    title_en: str
    kind: Kind
    recipients_zh: str
    recipients_en: str
    pays_for_zh: str
    pays_for_en: str
    clause: str | list[str]
    amount: AmountRule = spec(default_factory=lambda: NoAmount(rule="none"))
    requires: list[Condition] = spec(default_factory=list)
    qualifies: list[Condition] = spec(default_factory=list)
    scope_override: dict[str, Condition] = spec(default_factory=dict)
    open_to: Literal["applicants", "localities", "financiers", "individuals"] = "applicants"
    referenced_policy: str | None = None
    quota: Quota | None = None
    note_zh: str | None = None
    note_en: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def check(self) -> None:
        if re.match(r"^\d", self.id) and int(re.match(r"\d+", self.id).group()) != self.measure:  # type: ignore[union-attr]
            raise ValueError(f"id {self.id!r} does not belong to measure {self.measure}")
        if self.kind == "referenced" and not self.referenced_policy:
            raise ValueError("a 'referenced' line must name the policy that sets its amount in referenced_policy")
        if self.kind != "referenced" and self.referenced_policy:
            raise ValueError(f"referenced_policy is only for kind 'referenced', not {self.kind!r}")
        if self.kind == "cash" and isinstance(self.amount, NoAmount):
            raise ValueError("a 'cash' line needs an amount rule")
        if self.kind == "risk_sharing" and not isinstance(self.amount, Percent):
            raise ValueError("a 'risk_sharing' line needs a percent amount rule (the share of the loan covered)")
        if self.kind in ("support", "referenced", "case_by_case") and not isinstance(self.amount, NoAmount):
            raise ValueError(f'a {self.kind!r} line pays no amount of its own; use rule = "none"')
        if not self.clause or not all(self.clauses):
            raise ValueError("clause is empty; copy the sentence(s) from the policy text")
        if self.open_to != "applicants" and not (self.note_zh and self.note_en):
            raise ValueError(f"open_to = {self.open_to!r} needs note_zh and note_en saying who receives it")

    @property
    def clauses(self) -> list[str]:
        return [self.clause] if isinstance(self.clause, str) else list(self.clause)

    @property
    def clause_text(self) -> str:
        return "……".join(self.clauses)

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def numbers(self) -> list[Decimal]:
        """Every amount, rate and threshold this line states, to check against its clause."""
        found = list(self.amount.numbers())
        for cond in (*self.requires, *self.qualifies):
            found.extend(cond.numbers())
        if self.quota:
            found.append(Decimal(self.quota.count))
        return found


@dataclass(frozen=True, kw_only=True, eq=False)
class _File:
    schema_version: Literal[1]
    policy: Policy
    benefit: list[Benefit] = spec(min_items=1)


@dataclass(frozen=True)
class Catalog:
    """The rules in force for one date (and district): plain values, ready for the engine."""

    policy: Policy
    benefits: tuple[Benefit, ...]
    source: str
    caps: tuple[CrossCap, ...] = ()  # lines paid together at most a figure of the profile
    exclusive: tuple[Exclusive, ...] = ()  # lines of which one (or the higher) is paid
    rules_sha256: str = ""

    def get(self, benefit_id: str) -> Benefit | None:
        for benefit in self.benefits:
            if benefit.id == benefit_id:
                return benefit
        return None

    def window(self, benefit: Benefit) -> tuple[dt.date, dt.date]:
        return (benefit.valid_from or self.policy.valid_from, benefit.valid_until or self.policy.valid_until)


def default_path() -> Path:
    """The catalogue shipped with the package (falls back to the repository's copy)."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "measures.toml"
    return packaged if packaged.exists() else package.parent / "measures.toml"


def read_data(path: Path, kind: str = "measures") -> tuple[dict[str, Any], str]:
    """A rules file's TOML data and text; CatalogError with line-numbered problems if it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError([f"{path}: cannot read the {kind} file: {exc.strerror or exc}"]) from None
    try:
        text = tomlfile.decode(raw, str(path))
        return tomlfile.loads(text, str(path)), text
    except tomlfile.TomlProblems as exc:
        raise CatalogError(exc.problems) from None


def build_catalog(data: dict[str, Any], source: str, text: str = "") -> Catalog:
    """Validate TOML data into a Catalog; the problems name the TOML line when ``text`` is given."""
    try:
        parsed = build(_File, data)
    except StructError as exc:
        raise CatalogError(_model_problems(exc, data, text, source)) from None
    problems = _cross_checks(parsed, text, source)
    if problems:
        raise CatalogError(problems)
    return Catalog(parsed.policy, tuple(parsed.benefit), source)


def _benefit_line(text: str, benefit_id: str | None, key_path: list[str]) -> int | None:
    """The TOML line of a benefit (and of the key inside it, when it can be found)."""
    lines = text.splitlines()
    start = 0
    if benefit_id is not None:
        pattern = re.compile(rf"^\s*id\s*=\s*[\"']{re.escape(benefit_id)}[\"']")
        hits = [i for i, line in enumerate(lines) if pattern.match(line)]
        if not hits:
            return None
        start = hits[0]
        while start > 0 and not lines[start].lstrip().startswith("[[benefit]]"):
            start -= 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[[benefit]]")), len(lines))
    for name in reversed([k for k in key_path if not k.isdigit()]):
        pattern = re.compile(rf"(^|[\s{{,.\[])\"?{re.escape(name)}\"?\s*=")
        for i in range(start, end):
            if pattern.search(lines[i]):
                return i + 1
    return start + 1


def _model_problems(exc: StructError, data: dict[str, Any], text: str, source: str) -> list[str]:
    problems = []
    benefits = data.get("benefit") if isinstance(data.get("benefit"), list) else []
    for path, message in exc.problems:
        loc = [str(part) for part in path]
        benefit_id = None
        where = ""
        if loc[:1] == ["benefit"] and len(loc) > 1 and loc[1].isdigit():
            index = int(loc[1])
            item = benefits[index] if index < len(benefits) else {}
            benefit_id = str(item.get("id")) if isinstance(item, dict) and item.get("id") else None
            where = f"benefit {benefit_id}: " if benefit_id else f"benefit #{index + 1}: "
            loc = loc[2:]
        line = _benefit_line(text, benefit_id, loc) if text and (benefit_id or loc) else None
        key = ".".join(loc)
        prefix = f"{source}:{line}" if line else source
        problems.append(f"{prefix}: {where}{key + ': ' if key else ''}{message}")
    return problems


def _where(source: str, text: str, benefit_id: str, path: list[str]) -> str:
    line = _benefit_line(text, benefit_id, path) if text else None
    return f"{source}:{line}" if line else source


def _cross_checks(parsed: _File, text: str, source: str) -> list[str]:
    """Rules across benefit lines; the TOML line is looked up only for a line with a problem."""
    problems = []
    seen: set[str] = set()
    scope_ids = {rule.id for rule in parsed.policy.scope}
    for benefit in parsed.benefit:
        if benefit.id in seen:
            problems.append(
                f"{_where(source, text, benefit.id, [])}: benefit {benefit.id}: id: duplicate id; "
                "each line needs its own id"
            )
        seen.add(benefit.id)
        for name in benefit.scope_override:
            if name not in scope_ids:
                problems.append(
                    f"{_where(source, text, benefit.id, ['scope_override'])}: benefit {benefit.id}: "
                    f"scope_override.{name}: no scope rule of that id; use one of {', '.join(sorted(scope_ids))}"
                )
    return problems
