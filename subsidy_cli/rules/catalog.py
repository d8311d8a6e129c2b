"""Load and validate ``measures.toml``: the policy and its benefit lines as typed models.

Problems are reported for people: one line each, naming the file, the TOML line where it can be
found, the benefit id and the key path, e.g.
``measures.toml:214: benefit 16a: amount.cap: must be more than 0, got -500000``.

The file's shape is ``MeasuresFile``, validated by pydantic (see ``rules.strict``); its JSON Schema is
``rules.schema.measures_schema``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic_core import ValidationError

from subsidy_cli import tomlfile
from subsidy_cli.errors import Problem, SubsidyError
from subsidy_cli.i18n import N_, _, os_reason
from subsidy_cli.profile.values import quote
from subsidy_cli.rules.across import CrossCap, Exclusive
from subsidy_cli.rules.amounts import NoAmount, Percent, TaggedAmountRule
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.rules.strict import CONFIG, Day, MinItems, OneOf, Scalar, Shapes, Tagged, Text, problems_of

if TYPE_CHECKING:
    from pydantic import TypeAdapter

Kind = Literal["cash", "voucher", "in_kind", "grant", "support", "referenced", "case_by_case", "risk_sharing"]
KINDS: tuple[str, ...] = typing.get_args(Kind)
Section = Literal["一", "二", "三", "四", "五"]
BENEFIT_ID = r"^(?:[1-9]|1[0-9]|2[0-2])[a-z]?$|^[a-z]{2,5}-[0-9a-z]+$"
_CLAUSE = Shapes(
    lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(item, str) for item in v)),
    N_("text or a list of text"),
    {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
)


@dataclass(frozen=True)
class RuleProblem(Problem):
    """A problem in a rules file, with the line it concerns (``benefit``: its id, or ``policy``) and the key path
    inside it (``key``, dotted), so that the layers can tell which file set that key."""

    benefit: str | None = None
    key: str = ""


class CatalogError(SubsidyError):
    """A measures or layer file that cannot be used: one ``Problem`` each (file, TOML line, where = benefit id
    and key path, message), printed one line each."""


@dataclass(frozen=True, kw_only=True)
class ScopeRule:
    """One part of the policy's scope clause, e.g. "registered in Suzhou": a test and its reason in words."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    id: Text
    test: Condition
    reason_zh: Text
    reason_en: Text


@dataclass(frozen=True, kw_only=True)
class Policy:
    """The policy: titles, issuer, dates (``valid_from`` .. ``valid_until``), and its scope clause as rules."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    title_zh: Text
    title_en: Text
    issuer_zh: Text
    issuer_en: Text
    issued: Day
    valid_from: Day
    valid_until: Day
    validity_clause: Text
    scope_clause: Text
    scope: list[ScopeRule]

    def __post_init__(self) -> None:
        """Dates in order; scope rule ids unique."""
        if self.valid_until < self.valid_from:
            until, start = self.valid_until, self.valid_from
            raise ValueError(_("valid_until {until} is before valid_from {start}", until=until, start=start))
        ids = [rule.id for rule in self.scope]
        if len(set(ids)) != len(ids):
            raise ValueError(_("scope rule ids must be unique"))


@dataclass(frozen=True, kw_only=True)
class Quota:
    """A number the text states per period, e.g. 40 factories a year."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    count: Annotated[int, Scalar("int", gt=0)]
    per: OneOf[Literal["year"]] = "year"
    bound: OneOf[Literal["exactly", "at_least", "at_least_about"]] = "exactly"
    unit_zh: Text
    unit_en: Text


@dataclass(frozen=True, kw_only=True)
class Benefit:
    """One benefit line of one measure: who may receive it (``requires``: false means ineligible), what it pays
    for (``qualifies``: false means potential), how much (``amount``), and the clause that grants it.

    ``relevant_to``: who the line is for, used for relevance and never as a gate: the line is ``potential`` for
    a firm that meets any of these conditions (or holds what the line pays for), and ``open`` (listed apart)
    for others. Left out: every firm in scope; an empty list: nothing in a profile ties the line to a firm.
    ``open_to = "general"``: support with nothing to apply for (``open`` for every firm). Every condition cites
    its ground: a ``basis`` found verbatim in the policy text, or a reading (``reading_zh``, ``reading_en``).
    """

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    id: Annotated[str, Scalar("str", pattern=BENEFIT_ID)]
    measure: Annotated[int, Scalar("int", ge=1, le=22)]
    section: OneOf[Section]
    title_zh: Text
    title_en: Text
    kind: OneOf[Kind]
    recipients_zh: Text
    recipients_en: Text
    pays_for_zh: Text
    pays_for_en: Text
    clause: Annotated[str | list[str], _CLAUSE]
    amount: TaggedAmountRule = field(default_factory=lambda: NoAmount(rule="none"))
    requires: list[Condition] = field(default_factory=list)
    qualifies: list[Condition] = field(default_factory=list)
    scope_override: dict[str, Condition] = field(default_factory=dict)
    relevant_to: list[Condition] | None = None
    open_to: OneOf[Literal["applicants", "general", "localities", "financiers", "individuals"]] = "applicants"
    referenced_policy: Text | None = None
    quota: Quota | None = None
    note_zh: Text | None = None
    note_en: Text | None = None
    valid_from: Day | None = None
    valid_until: Day | None = None

    def __post_init__(self) -> None:
        """Rules across fields: the id fits the measure, the amount rule fits the kind, a clause is quoted."""
        number = re.match(r"\d+", self.id)
        if number and int(number.group()) != self.measure:
            raise ValueError(_("id {id} does not belong to measure {measure}", id=quote(self.id), measure=self.measure))
        if self.kind == "referenced" and not self.referenced_policy:
            raise ValueError(_("a 'referenced' line must name the policy that sets its amount in referenced_policy"))
        if self.kind != "referenced" and self.referenced_policy:
            raise ValueError(_("referenced_policy is only for kind 'referenced', not {kind}", kind=quote(self.kind)))
        if self.kind == "cash" and isinstance(self.amount, NoAmount):
            raise ValueError(_("a 'cash' line needs an amount rule"))
        if self.kind == "risk_sharing" and not isinstance(self.amount, Percent):
            raise ValueError(_("a 'risk_sharing' line needs a percent amount rule (the share of the loan covered)"))
        if self.kind == "voucher" and isinstance(self.amount, NoAmount):
            raise ValueError(_("a 'voucher' line needs an amount rule (the face value of the vouchers)"))
        if self.kind in ("support", "grant", "referenced", "case_by_case") and not isinstance(self.amount, NoAmount):
            raise ValueError(_('a {kind} line pays no amount of its own; use rule = "none"', kind=quote(self.kind)))
        if not self.clause or not all(self.clauses):
            raise ValueError(_("clause is empty; copy the sentence(s) from the policy text"))
        if self.open_to != "applicants" and not (self.note_zh and self.note_en):
            message = _("open_to = {value} needs note_zh and note_en saying who receives it", value=quote(self.open_to))
            raise ValueError(message)

    @property
    def clauses(self) -> list[str]:
        """The clause as a list of verbatim passages."""
        return [self.clause] if isinstance(self.clause, str) else list(self.clause)

    @property
    def clause_text(self) -> str:
        """The passages joined with ……."""
        return "……".join(self.clauses)

    def title(self, lang: str) -> str:
        """The title in ``lang`` (``zh`` or ``en``)."""
        return self.title_zh if lang == "zh" else self.title_en

    def numbers(self) -> list[Decimal]:
        """Every amount, rate and threshold this line states, to check against its clause."""
        found = list(self.amount.numbers())
        for cond in (*self.requires, *self.qualifies):
            found.extend(cond.numbers())
        if self.quota:
            found.append(Decimal(self.quota.count))
        return found


@dataclass(frozen=True, kw_only=True)
class MeasuresFile:
    """A whole measures file: ``schema_version = 1``, the ``[policy]`` and at least one ``[[benefit]]``."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    schema_version: OneOf[Literal[1]]
    policy: Policy
    benefit: Annotated[list[Benefit], MinItems(1)]


@functools.cache
def _adapter() -> TypeAdapter[MeasuresFile]:
    """The measures file's validator, built once, on first use."""
    from pydantic import TypeAdapter

    return TypeAdapter(MeasuresFile)


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
        """The line of that id, or None."""
        for benefit in self.benefits:
            if benefit.id == benefit_id:
                return benefit
        return None

    def window(self, benefit: Benefit) -> tuple[dt.date, dt.date]:
        """The dates a line is in force: its own, else the policy's."""
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
        if kind == "layer":
            message = _("cannot read the layer file: {reason}", reason=os_reason(exc))
        else:
            message = _("cannot read the measures file: {reason}", reason=os_reason(exc))
        raise CatalogError(Problem(message, file=str(path))) from None
    try:
        text = tomlfile.decode(raw, str(path))
        return tomlfile.loads(text, str(path)), text
    except tomlfile.TomlProblems as exc:
        raise CatalogError(exc.problems) from None


VALIDATED = Path(__file__).resolve().parent.parent / "schemas" / "measures.validated.sha256"
"""The SHA-256 of the shipped measures file as the test suite validated it (``python -m subsidy_cli.rules.schema``
writes it after validating the file; a test checks it)."""


@functools.cache
def _validated_sha256() -> str:
    try:
        return VALIDATED.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def is_validated(text: str) -> bool:
    """Whether ``text`` is, byte for byte, the shipped measures file the test suite validated: such a file is
    built without building its pydantic validator (``build_catalog(..., validated=True)``); any other text, an
    edited copy included, is validated in full."""
    digest = _validated_sha256()
    return bool(digest) and hashlib.sha256(text.encode("utf-8")).hexdigest() == digest


def build_catalog(
    data: dict[str, Any], source: str, text: str = "", validated: bool = False, grounds: bool = True
) -> Catalog:
    """Validate TOML data into a Catalog; the problems name the TOML line when ``text`` is given.

    ``validated``: the data is that of a file known valid (``is_validated``); the records are then built directly,
    without pydantic (the same records: a test compares both ways). ``grounds``: check that every condition cites
    its ground (a measures file); a snapshot with a layer's values applied rests on the layer's ``source`` for
    those, and the measures file's own were checked when it loaded. Raises ``CatalogError`` with one
    ``RuleProblem`` per problem.
    """
    if validated:
        parsed = _build(MeasuresFile, data)
    else:
        try:
            parsed = _adapter().validate_python(data)
        except ValidationError as exc:
            raise CatalogError(_model_problems(exc, data, text, source)) from None
    problems = _cross_checks(parsed, text, source, grounds)
    if problems:
        raise CatalogError(problems)
    return Catalog(parsed.policy, tuple(parsed.benefit), source)


@functools.cache
def _fields(kind: type) -> tuple[tuple[str, str, Any], ...]:
    """A record's fields: (attribute, key as written, type with its metadata)."""
    hints = typing.get_type_hints(kind, include_extras=True)
    return tuple((f.name, f.name.rstrip("_"), hints[f.name]) for f in dataclasses.fields(kind))


def _build(hint: Any, value: Any) -> Any:
    """``value`` (TOML data known valid) as ``hint``: records, their lists and tables, Decimal for numbers. No
    checks beyond the records' own ``__post_init__``: use only for data that pydantic has validated before."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        base, *metadata = typing.get_args(hint)
        for item in metadata:
            if isinstance(item, Tagged):
                return _build(item.choices[value[item.tag]], value)
        return _build(base, value)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(hint) if option is not type(None)]
        if value is None:
            return None
        for option in options:
            bare = typing.get_args(option)[0] if typing.get_origin(option) is Annotated else option
            if isinstance(value, dict) and dataclasses.is_dataclass(bare):
                return _build(option, value)
            if isinstance(value, list) and typing.get_origin(bare) is list:
                return _build(option, value)
            if bare is Decimal and isinstance(value, int | Decimal) and not isinstance(value, bool):
                return Decimal(value)
        return value
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_build(item, v) for v in value]
    if origin is dict:
        _key_type, item = typing.get_args(hint)
        return {k: _build(item, v) for k, v in value.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**{name: _build(kind, value[key]) for name, key, kind in _fields(hint) if key in value})
    if hint is Decimal:
        return Decimal(value)
    return value


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


def rule_problem(
    message: str, source: str, text: str = "", benefit: str | None = None, key: str = "", label: str | None = None
) -> RuleProblem:
    """A problem at a key path of one line (``benefit``, its id) or of the file (no ``benefit``), with the TOML
    line found in ``text``. ``label`` names a line that has no usable id (``benefit #3``)."""
    parts = [p for p in key.split(".") if p]
    line = _benefit_line(text, benefit, parts) if text and (benefit or parts) else None
    head = label or (f"benefit {benefit}" if benefit else "")
    where = ": ".join(p for p in (head, key) if p) or None
    return RuleProblem(message, file=source, line=line, where=where, benefit=benefit, key=key)


def _model_problems(exc: ValidationError, data: dict[str, Any], text: str, source: str) -> list[Problem]:
    problems: list[Problem] = []
    written = data.get("benefit")
    benefits: list[Any] = written if isinstance(written, list) else []
    for path, message in problems_of(exc):
        loc = [str(part) for part in path]
        benefit_id = None
        label = None
        if loc[:1] == ["benefit"] and len(loc) > 1 and loc[1].isdigit():
            index = int(loc[1])
            item = benefits[index] if index < len(benefits) else {}
            benefit_id = str(item.get("id")) if isinstance(item, dict) and item.get("id") else None
            label = None if benefit_id else f"benefit #{index + 1}"
            loc = loc[2:]
        problems.append(rule_problem(message, source, text, benefit_id, ".".join(loc), label))
    return problems


def _cross_checks(parsed: MeasuresFile, text: str, source: str, grounds: bool = True) -> list[Problem]:
    """Rules across benefit lines; the TOML line is looked up only for a line with a problem."""
    problems: list[Problem] = []
    seen: set[str] = set()
    scope_ids = {rule.id for rule in parsed.policy.scope}
    for benefit in parsed.benefit:
        if benefit.id in seen:
            message = _("duplicate id; each line needs its own id")
            problems.append(rule_problem(message, source, text, benefit.id, "id"))
        seen.add(benefit.id)
        for name in benefit.scope_override:
            if name not in scope_ids:
                message = _("no scope rule of that id; use one of {ids}", ids=", ".join(sorted(scope_ids)))
                problems.append(rule_problem(message, source, text, benefit.id, f"scope_override.{name}"))
        if grounds:
            for path, cond in grounded_conditions(benefit):
                problems += _ground_problems(cond, source, text, benefit.id, path)
    if grounds:
        for number, rule in enumerate(parsed.policy.scope):
            problems += _ground_problems(rule.test, source, text, None, f"policy.scope.{number}.test")
    return problems


def grounded_conditions(benefit: Benefit) -> list[tuple[str, Condition]]:
    """Every condition of a line that must cite its ground, with its key path: scope overrides, ``requires``,
    ``qualifies`` and ``relevant_to``."""
    found = [(f"scope_override.{name}", cond) for name, cond in benefit.scope_override.items()]
    for group in ("requires", "qualifies", "relevant_to"):
        found += [(f"{group}.{i}", cond) for i, cond in enumerate(getattr(benefit, group) or [])]
    return found


def _ground_problems(cond: Condition, source: str, text: str, benefit: str | None, path: str) -> list[Problem]:
    """A condition with no ground (neither a ``basis`` nor a reading), or a ``basis`` not found verbatim in the
    policy text."""
    problems: list[Problem] = []
    if not cond.grounded:
        message = _(
            "cites no ground: add basis = a verbatim fragment of the policy text that states it, or reading_zh and "
            "reading_en saying it is an interpretation and why"
        )
        problems.append(rule_problem(message, source, text, benefit, path))
    for basis in cond.bases():
        if not in_policy_text(basis):
            message = _(
                "basis {basis} is not found verbatim in the policy text; copy it from the text, or make it a reading",
                basis=quote(basis, short=False),
            )
            problems.append(rule_problem(message, source, text, benefit, f"{path}.basis"))
    return problems


POLICY_TEXT = Path(__file__).resolve().parent.parent / "data" / "policy-simplified.txt"
"""The policy's cleaned text, as shipped with the package: every ``basis`` and ``clause`` is found in it."""


@functools.cache
def policy_text() -> str:
    """The policy's text (``POLICY_TEXT``), read once."""
    return POLICY_TEXT.read_text(encoding="utf-8")


def in_policy_text(fragment: str) -> bool:
    """Whether ``fragment`` is found verbatim in the policy text."""
    return fragment in policy_text()
