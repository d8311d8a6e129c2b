"""Declarative conditions and their three-valued evaluation (True, False, or None for unknown).

A condition is data, e.g. ``{key = "platform_served_enterprises", gt = 500}``; nothing here runs
code read from a file. Every key a condition names must be a profile key, and every value it
compares with must fit that key's type; both are checked when the catalogue loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from subsidy_cli.profile.keys import KEYS, near
from subsidy_cli.rules.structs import spec

_COMPARISONS = ("gt", "ge", "lt", "le")
@dataclass(frozen=True, kw_only=True)
class Condition:
    """One test on the profile, or ``any``/``all`` of several, or a fact the profile does not record."""

    key: str | None = None
    is_: bool | str | None = spec(None, alias="is")
    in_: list[str] | None = spec(None, alias="in")
    contains: str | None = None
    contains_any: list[str] | None = None
    gt: Decimal | None = None
    ge: Decimal | None = None
    lt: Decimal | None = None
    le: Decimal | None = None
    any: list[Condition] | None = None
    all: list[Condition] | None = None
    unrecorded: str | None = None
    unrecorded_en: str | None = None

    def check(self) -> None:
        """Rules across fields, run when the catalogue loads."""
        ops = [
            name
            for name in ("is_", "in_", "contains", "contains_any", *_COMPARISONS, "any", "all", "unrecorded")
            if getattr(self, name) is not None
        ]
        if len(ops) != 1:
            shown = ", ".join(op.rstrip("_") for op in ops) or "none"
            raise ValueError(
                f"a condition needs exactly one test (is, in, contains, contains_any, gt, ge, lt, le, "
                f"any, all or unrecorded); found {shown}"
            )
        op = ops[0]
        if op in ("any", "all", "unrecorded"):
            if self.key is not None:
                raise ValueError(f"'{op}' takes no 'key'")
            if op == "unrecorded" and not self.unrecorded_en:
                raise ValueError("'unrecorded' needs 'unrecorded_en', the same fact in English")
            if op in ("any", "all") and not getattr(self, op):
                raise ValueError(f"'{op}' needs at least one condition")
            return
        if self.key is None:
            raise ValueError(f"'{op.rstrip('_')}' needs a 'key'")
        key_spec = KEYS.get(self.key)
        if key_spec is None:
            raise ValueError(f"key {self.key!r} is not a profile key{near(self.key, list(KEYS))}")
        if op in _COMPARISONS and key_spec.type not in ("money", "count"):
            raise ValueError(f"'{op}' compares numbers, but {self.key!r} is {key_spec.type}")
        if op in ("contains", "contains_any") and key_spec.type != "multi":
            raise ValueError(f"'{op}' needs a list key, but {self.key!r} is {key_spec.type}")
        if op == "is_" and key_spec.type not in ("bool", "choice"):
            raise ValueError(f"'is' needs a yes/no or choice key, but {self.key!r} is {key_spec.type}")
        if op == "is_" and (key_spec.type == "bool") != isinstance(self.is_, bool):
            raise ValueError(
                f"'is' for {self.key!r} needs a {'true/false' if key_spec.type == 'bool' else 'text'} value"
            )
        if op == "in_" and key_spec.type != "choice":
            raise ValueError(f"'in' needs a choice key, but {self.key!r} is {key_spec.type}")
        values = {
            "is_": [self.is_] if key_spec.type == "choice" else [],
            "in_": self.in_ or [],
            "contains": [self.contains],
            "contains_any": self.contains_any or [],
        }.get(op, [])
        for value in values:
            if value not in key_spec.choices:
                raise ValueError(f"{value!r} is not a value of {self.key!r}; use one of: {', '.join(key_spec.choices)}")

    @property
    def op(self) -> str:
        for name in ("is_", "in_", "contains", "contains_any", *_COMPARISONS, "any", "all", "unrecorded"):
            if getattr(self, name) is not None:
                return name.rstrip("_")
        raise AssertionError("validated conditions have one test")  # pragma: no cover

    def keys(self) -> set[str]:
        if self.any or self.all:
            return set().union(*(c.keys() for c in (self.any or self.all or [])))
        return {self.key} if self.key else set()

    def numbers(self) -> list[Decimal]:
        """Every threshold written in this condition (for checking against the clause)."""
        own = [v for v in (self.gt, self.ge, self.lt, self.le) if v is not None]
        return own + [n for c in (self.any or self.all or []) for n in c.numbers()]


