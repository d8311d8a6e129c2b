"""Declarative conditions and their three-valued evaluation (True, False, or None for unknown).

A condition is data, e.g. ``{key = "platform_served_enterprises", gt = 500}``; nothing here runs
code read from a file. Every key a condition names must be a profile key, and every value it
compares with must fit that key's type; both are checked when the catalogue loads.

The model is validated by pydantic (see ``rules.strict``): ``{ key = K, is = V }`` reads into
``Condition(key=K, is_=V)``; ``is`` and ``in`` are Python words, hence the underscores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from subsidy_cli.i18n import N_, _
from subsidy_cli.profile.keys import KEYS, key_named, key_type, near_key
from subsidy_cli.profile.values import quote
from subsidy_cli.rules.strict import CONFIG, Number, OneOf, Shapes, Text

_COMPARISONS = ("gt", "ge", "lt", "le")
_IS_VALUE = Shapes(
    lambda v: isinstance(v, bool | str),
    N_("true or false or text"),
    {"anyOf": [{"type": "boolean"}, {"type": "string"}]},
)


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One test on the profile, or ``any``/``all`` of several, or a fact the profile does not record.

    Its ground: ``basis``, a verbatim fragment of the policy text that states the condition, or ``reading_zh`` and
    ``reading_en``, a note that it is an interpretation and why (a condition resting on a reading is "soft": where
    it is false the line is ``to_confirm``, never ``ineligible``). ``if_false = "no_amount"``: where the condition
    is false, the figures given cannot be paid on (e.g. a loan taken outside the platform), so the line shows no
    amount. A condition on a fact the profile does not record (``unrecorded``) is soft too.

    Exactly one test: ``is`` (a yes/no or choice key), ``in`` (a choice key, a list of its values), ``contains`` /
    ``contains_any`` (a list key), ``gt`` / ``ge`` / ``lt`` / ``le`` (a money or count key, a number), ``any`` /
    ``all`` (conditions), or ``unrecorded`` (with ``unrecorded_en``). A test on a key names it in ``key``.
    Errors: a ``ValueError`` for a key that is not a profile key, a value the key cannot take, or a test that
    does not fit the key's type; the loader reports it at the condition's key path.
    """

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    key: Text | None = None
    is_: Annotated[bool | str | None, _IS_VALUE] = None
    in_: list[Text] | None = None
    contains: Text | None = None
    contains_any: list[Text] | None = None
    gt: Annotated[Decimal, Number()] | None = None
    ge: Annotated[Decimal, Number()] | None = None
    lt: Annotated[Decimal, Number()] | None = None
    le: Annotated[Decimal, Number()] | None = None
    any: list[Condition] | None = None
    all: list[Condition] | None = None
    unrecorded: Text | None = None
    unrecorded_en: Text | None = None
    basis: Text | None = None
    reading_zh: Text | None = None
    reading_en: Text | None = None
    if_false: OneOf[Literal["no_amount"]] | None = None

    def __post_init__(self) -> None:
        """Rules across fields, run when the catalogue loads (after pydantic has checked each field)."""
        ops = [
            name
            for name in ("is_", "in_", "contains", "contains_any", *_COMPARISONS, "any", "all", "unrecorded")
            if getattr(self, name) is not None
        ]
        if len(ops) != 1:
            if not ops:
                raise ValueError(
                    _(
                        "a condition needs exactly one test (is, in, contains, contains_any, gt, ge, lt, le, any, "
                        "all or unrecorded); found none"
                    )
                )
            found = ", ".join(op.rstrip("_") for op in ops)
            raise ValueError(
                _(
                    "a condition needs exactly one test (is, in, contains, contains_any, gt, ge, lt, le, any, all or "
                    "unrecorded); found {found}",
                    found=found,
                )
            )
        op = ops[0]
        if (self.reading_zh is None) != (self.reading_en is None):
            raise ValueError(_("a reading needs both reading_zh and reading_en"))
        if self.basis is not None and self.reading_zh is not None:
            raise ValueError(_("a condition rests on a basis (the text says it) or on a reading, not both"))
        if op in ("any", "all", "unrecorded"):
            if self.key is not None:
                raise ValueError(_("'{test}' takes no 'key'", test=op))
            if op == "unrecorded" and not self.unrecorded_en:
                raise ValueError(_("'unrecorded' needs 'unrecorded_en', the same fact in English"))
            if op in ("any", "all") and not getattr(self, op):
                raise ValueError(_("'{test}' needs at least one condition", test=op))
            return
        if self.key is None:
            raise ValueError(_("'{test}' needs a 'key'", test=op.rstrip("_")))
        key_spec = KEYS.get(self.key)
        if key_spec is None:
            raise ValueError(_("key {key} is not a profile key", key=quote(self.key)) + near_key(self.key))
        named, kind = key_named(self.key), key_type(key_spec.type)
        if op in _COMPARISONS and key_spec.type not in ("money", "count"):
            raise ValueError(_("'{test}' compares numbers, but {key} is {type}", test=op, key=named, type=kind))
        if op in ("contains", "contains_any") and key_spec.type != "multi":
            raise ValueError(_("'{test}' needs a list key, but {key} is {type}", test=op, key=named, type=kind))
        if op == "is_" and key_spec.type not in ("bool", "choice"):
            raise ValueError(_("'is' needs a yes/no or choice key, but {key} is {type}", key=named, type=kind))
        if op == "is_" and (key_spec.type == "bool") != isinstance(self.is_, bool):
            if key_spec.type == "bool":
                raise ValueError(_("'is' for {key} needs a true/false value", key=named))
            raise ValueError(_("'is' for {key} needs a text value", key=named))
        if op == "in_" and key_spec.type != "choice":
            raise ValueError(_("'in' needs a choice key, but {key} is {type}", key=named, type=kind))
        values: dict[str, Sequence[bool | str | None]] = {
            "is_": [self.is_] if key_spec.type == "choice" else [],
            "in_": self.in_ or [],
            "contains": [self.contains],
            "contains_any": self.contains_any or [],
        }
        for value in values.get(op, []):
            if value not in key_spec.choices:
                choices = ", ".join(key_spec.choices)
                raise ValueError(
                    _(
                        "{value} is not a value of {key}; use one of: {choices}",
                        value=quote(value),
                        key=named,
                        choices=choices,
                    )
                )

    @property
    def op(self) -> str:
        """The test's name as written: ``is``, ``in``, ``contains``, ``gt``, ..., ``any``, ``all``, ``unrecorded``."""
        for name in ("is_", "in_", "contains", "contains_any", *_COMPARISONS, "any", "all", "unrecorded"):
            if getattr(self, name) is not None:
                return name.rstrip("_")
        raise AssertionError("validated conditions have one test")  # pragma: no cover

    @property
    def soft(self) -> bool:
        """Whether the condition rests on a reading, or on a fact the profile does not record: only the issuing
        department can settle it, so where it is false the line is ``to_confirm``."""
        if self.reading_zh is not None or self.unrecorded is not None:
            return True
        return any(child.soft for child in (self.any or self.all or []))

    @property
    def grounded(self) -> bool:
        """Whether the condition cites its ground: a ``basis`` or a reading, or (for ``any``/``all``) every part
        does."""
        if self.basis is not None or self.reading_zh is not None:
            return True
        parts = self.any or self.all
        return bool(parts) and all(child.grounded for child in parts or [])

    def bases(self) -> list[str]:
        """Every ``basis`` written in this condition and its parts."""
        own = [self.basis] if self.basis else []
        return own + [b for c in (self.any or self.all or []) for b in c.bases()]

    def keys(self) -> set[str]:
        """The profile keys this condition reads (through ``any``/``all`` too)."""
        if self.any or self.all:
            return set().union(*(c.keys() for c in (self.any or self.all or [])))
        return {self.key} if self.key else set()

    def numbers(self) -> list[Decimal]:
        """Every threshold written in this condition (for checking against the clause)."""
        own = [v for v in (self.gt, self.ge, self.lt, self.le) if v is not None]
        return own + [n for c in (self.any or self.all or []) for n in c.numbers()]
