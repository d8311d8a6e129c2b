"""What the rules models share: their configuration, strict field types, and pydantic's errors in the project's words.

The measures file and the layer files are read by pydantic dataclasses (``rules.conditions``, ``rules.amounts``,
``rules.catalog``, ``rules.across``, ``rules.overlay``). Types are strict as people write TOML: a quoted
``"50万"`` is not a number, ``1`` is not ``true``, a date-time is not a date. Each problem becomes a key path
(the TOML keys and list indexes from the top of the file) and one message; ``rules.catalog`` adds the file, the
TOML line and the benefit id.

The models are frozen stdlib dataclasses carrying pydantic's configuration (``__pydantic_config__``) and pydantic
field types (the markers below, ``Annotated`` on each field), validated by a pydantic ``TypeAdapter`` that is
built once, on first use: defining them imports nothing of pydantic but ``pydantic_core`` (which ``import
pydantic`` loads anyway), so a command pays for validators only when it reads a file, and ``dataclasses.fields``,
``asdict`` and plain construction keep working for the engine. Cross-field rules live in ``__post_init__``,
which pydantic runs after the fields are validated; a ``ValueError`` there is a problem at the record's path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args

from pydantic_core import PydanticCustomError, core_schema

from subsidy_cli.i18n import N_, _
from subsidy_cli.profile.keys import DISTRICT_ZH, near
from subsidy_cli.profile.values import quote

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError

CONFIG: dict[str, Any] = {
    "extra": "forbid",
    "alias_generator": lambda name: name.rstrip("_"),
    "validate_by_name": True,
    "validate_by_alias": True,
}
"""Every rules model's ``__pydantic_config__``: unknown keys are errors; a field named for a Python word
(``is_``, ``in_``, ``from_``) is written without its underscore."""

Path = tuple[str | int, ...]


@dataclasses.dataclass(frozen=True)
class Scalar:
    """A strict scalar as TOML gives it: no conversion (``"1"`` is not 1, ``1`` is not ``true``, a date-time is not
    a date), with the bounds pydantic checks itself (``pattern`` for text; ``gt``/``ge``/``le`` for whole numbers)."""

    kind: str
    pattern: str | None = None
    gt: int | None = None
    ge: int | None = None
    le: int | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        if self.kind == "str":
            return core_schema.str_schema(strict=True, pattern=self.pattern)
        if self.kind == "int":
            return core_schema.int_schema(strict=True, gt=self.gt, ge=self.ge, le=self.le)
        if self.kind == "bool":
            return core_schema.bool_schema(strict=True)
        return core_schema.date_schema(strict=True)


Text = Annotated[str, Scalar("str")]
Day = Annotated[dt.date, Scalar("date")]


@dataclasses.dataclass(frozen=True)
class MinItems:
    """A list of at least ``count`` items."""

    count: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = handler(source)
        # a list's schema (a dict; pydantic_core shows mypy every schema as a read-only Mapping)
        assert isinstance(schema, dict) and schema["type"] == "list", "MinItems is for lists"
        schema["min_length"] = self.count
        return schema


class Tagged:
    """A union of records chosen by the value of their ``tag`` field (``rule = "up_to"``), each record's ``tag``
    being a ``Literal`` of one value. An unknown or missing tag is one problem, at ``tag``."""

    def __init__(self, tag: str, choices: dict[str, type]) -> None:
        self.tag = tag
        self.choices = choices

    def check(self, value: Any, handler: Callable[[Any], Any]) -> Any:
        """The wrap validator: name an unknown tag, else validate the record it chooses."""
        if not isinstance(value, dict):
            raise fail(_("expected {what}, got {value}", what=_("a table"), value=shown(value)))
        tag = value.get(self.tag)
        if not isinstance(tag, str) or tag not in self.choices:
            message = _("must be one of {choices}, got {value}", choices=", ".join(self.choices), value=shown(tag))
            raise PydanticCustomError("unknown_tag", "{message}", {"message": message})
        return handler(value)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        union = core_schema.tagged_union_schema(
            {tag: handler.generate_schema(kind) for tag, kind in self.choices.items()}, discriminator=self.tag
        )
        return core_schema.no_info_wrap_validator_function(self.check, union)


def fail(message: str) -> PydanticCustomError:
    """An error with the project's message, raised from a validator (the message is shown as written)."""
    return PydanticCustomError("rules", "{message}", {"message": message})


_KINDS = {
    str: N_("text"),
    bool: N_("true/false"),
    int: N_("a whole number"),
    Decimal: N_("a number"),
    float: N_("a number"),
    list: N_("a list"),
    dict: N_("a table"),
    dt.date: N_("a date"),
    dt.datetime: N_("a date and time"),
    dt.time: N_("a time"),
}


def shown(value: Any) -> str:
    """A value as people read it in a message, in the active language: ``text '50万'``, ``a whole number 2``,
    ``a number 2.5``, ``a table`` (``文本 "50万"``, ``整数 2``...)."""
    if value is None:
        return _("nothing")
    kind = _KINDS.get(type(value))
    if isinstance(value, dict | list) and kind is not None:
        return _(kind)
    if isinstance(value, str):
        written = quote(value)
    else:
        written = str(value) if isinstance(value, Decimal | dt.date | dt.time) else repr(value)
    return _("{kind} {value}", kind=_(kind) if kind else type(value).__name__, value=written)


_DIGITS = 15  # a figure of 10**15 (a thousand trillion yuan) or more is no rule's; told without arithmetic
_PLACES = 10  # decimal places: a rate of 0.0000000001 is already far finer than a policy writes


@dataclasses.dataclass(frozen=True)
class Number:
    """A ``Decimal`` field written as a TOML number (integer or decimal, finite), with optional bounds.

    ``Annotated[Decimal, Number(gt=0, le=1)]``: more than ``gt``, at least ``ge``, at most ``le``. Text is refused
    with a hint (amounts are written in yuan without quotes).
    """

    gt: int | None = None
    ge: int | None = None
    le: int | None = None

    def validate(self, value: object) -> Decimal:
        """The field's value, or a problem in the project's words."""
        if isinstance(value, str):
            raise fail(
                _("expected a number, got {value}; write the number in yuan without quotes", value=shown(value))
            )
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise fail(_("expected {what}, got {value}", what=_("a number"), value=shown(value)))
        number = Decimal(value)
        if not number.is_finite():
            raise fail(_("{value} is not a usable number", value=value))
        if (number and number.adjusted() >= _DIGITS) or int(number.as_tuple().exponent) < -_PLACES:
            raise fail(_("{value} is beyond any figure a rule states; write it plainly, e.g. 3000000", value=value))
        if self.gt is not None and not number > self.gt:
            raise fail(_("must be more than {bound}, got {value}", bound=self.gt, value=value))
        if self.ge is not None and not number >= self.ge:
            raise fail(_("must be at least {bound}, got {value}", bound=self.ge, value=value))
        if self.le is not None and not number <= self.le:
            raise fail(_("must be at most {bound}, got {value}", bound=self.le, value=value))
        return number

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        bounds = {"exclusiveMinimum": self.gt, "minimum": self.ge, "maximum": self.le}
        return {"type": "number", **{k: v for k, v in bounds.items() if v is not None}}


@dataclasses.dataclass(frozen=True)
class _OneOf:
    allowed: tuple[Any, ...]

    def validate(self, value: object) -> Any:
        """The field's value, or a problem in the project's words."""
        if any(value == a and type(value) is type(a) for a in self.allowed):
            return value
        allowed = ", ".join(repr(a) for a in self.allowed)
        raise fail(_("should be one of {allowed}, got {value}", allowed=allowed, value=shown(value)))

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        return {"enum": list(self.allowed)}


class _OneOfLiteral:
    """The marker of ``OneOf``: checks a ``Literal``'s values exactly, as ``_OneOf`` of them."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return handler.generate_schema(Annotated[source, _OneOf(get_args(source))])


_L = TypeVar("_L")

OneOf = Annotated[_L, _OneOfLiteral()]
"""A field that takes one of a ``Literal``'s values exactly: ``OneOf[Literal["one_of", "higher"]]`` is that
``Literal`` for type checkers, an ``enum`` in the schema, and "should be one of ..." for a wrong value."""


class Shapes:
    """A field of several shapes (text or a list of text; true/false or text), checked by ``check``: one message
    naming what was ``expected`` if the value fits none (in English, marked with ``N_`` for the catalogue), and
    ``schema`` as its JSON Schema."""

    def __init__(self, check: Callable[[object], bool], expected: str, schema: dict[str, Any]) -> None:
        self.check = check
        self.expected = expected
        self.schema = schema

    def validate(self, value: object) -> Any:
        """The field's value, or a problem in the project's words."""
        if self.check(value):
            return value
        raise fail(_("expected {what}, got {value}", what=_(self.expected), value=shown(value)))

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        return dict(self.schema)


class Named:
    """A text field that takes one of a fixed set of names, with a did-you-mean (``district``: one of the
    districts' slugs); an ``enum`` in the schema. ``what`` names the field in messages (English, marked with
    ``N_``)."""

    def __init__(self, what: str, options: tuple[str, ...]) -> None:
        self.what = what
        self.options = options

    def validate(self, value: object) -> str:
        """The field's value, or a problem in the project's words."""
        if isinstance(value, str) and value in self.options:
            return value
        if not isinstance(value, str):
            raise fail(_("expected {what}, got {value}", what=_("text"), value=shown(value)))
        options = ", ".join(self.options)
        message = _("{what} {value} is not one of {options}", what=_(self.what), value=quote(value), options=options)
        raise fail(message + near(value, list(self.options)))

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        return {"type": "string", "enum": list(self.options)}


District = Annotated[str, Named(N_("district"), tuple(DISTRICT_ZH))]
"""A district's slug (``kunshan``), for values that apply to the firms registered there."""


AMOUNT_TAGS: tuple[str, ...] = ("none", "up_to", "percent", "tiers", "per_unit")
"""The ``rule`` of each amount rule; pydantic puts the tag in an error's location, which the paths leave out."""

_GENERIC = {
    "missing": N_("is required"),
    "extra_forbidden": N_("unknown key; remove it or check its spelling"),
    "unexpected_keyword_argument": N_("unknown key; remove it or check its spelling"),
}
_EXPECTED = {
    "string_type": N_("text"),
    "bool_type": N_("true or false"),
    "int_type": N_("a whole number"),
    "int_from_float": N_("a whole number"),
    "int_parsing": N_("a whole number"),
    "date_type": N_("a date"),
    "date_parsing": N_("a date"),
    "date_from_datetime_inexact": N_("a date"),
    "date_from_datetime_parsing": N_("a date"),
    "list_type": N_("a list"),
    "dict_type": N_("a table"),
    "dataclass_type": N_("a table of keys"),
    "dataclass_exact_type": N_("a table of keys"),
    "model_type": N_("a table of keys"),
}


def problems_of(exc: ValidationError) -> list[tuple[Path, str]]:
    """Each error of a rules model as (key path, message): the path as written in the file (alias names, list
    indexes, no union tags), the message in the project's words, in the active language."""
    problems = []
    for error in exc.errors(include_url=False):
        path = _path(error["loc"])
        kind = error["type"]
        ctx = error.get("ctx") or {}
        value = error.get("input")
        if kind in _GENERIC:
            message = _(_GENERIC[kind])
        elif kind == "unknown_tag":
            path, message = (*path, "rule"), error["msg"]
        elif kind in _EXPECTED:
            message = _("expected {what}, got {value}", what=_(_EXPECTED[kind]), value=shown(value))
        elif kind == "greater_than":
            message = _("must be more than {bound}, got {value}", bound=ctx["gt"], value=value)
        elif kind == "greater_than_equal":
            message = _("must be at least {bound}, got {value}", bound=ctx["ge"], value=value)
        elif kind == "less_than_equal":
            message = _("must be at most {bound}, got {value}", bound=ctx["le"], value=value)
        elif kind == "too_short":
            message = _("needs at least {count} item(s)", count=ctx["min_length"])
        elif kind == "string_pattern_mismatch":
            message = _("{value} does not have the expected form", value=quote(value))
        elif kind == "value_error" and "error" in ctx:
            message = str(ctx["error"])
        else:
            message = error["msg"]  # pydantic's own words (English): no rules model raises another kind
        problems.append((path, message))
    return problems


def _path(loc: tuple[str | int, ...]) -> Path:
    """pydantic's error location without the tags of a tagged union (``amount.up_to.cap``: ``amount.cap``)."""
    out: list[str | int] = []
    for index, part in enumerate(loc):
        if index and loc[index - 1] == "amount" and part in AMOUNT_TAGS:
            continue
        out.append(part)
    return tuple(out)
