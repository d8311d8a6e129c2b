"""Rules across lines, which layers add: caps on several cash lines together, and exclusions.

Both are frozen dataclasses validated by pydantic (see ``rules.strict``), read from a layer's ``[[cap]]`` and
``[[exclusive]]`` tables. ``layer`` is not written by people: the loader sets it to the layer file's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from subsidy_cli.i18n import _
from subsidy_cli.profile.keys import KEYS, key_named, near_key
from subsidy_cli.rules.strict import CONFIG, District, MinItems, OneOf, Text

Lines = Annotated[list[Text], MinItems(2)]


def _unique(lines: list[str]) -> None:
    twice = sorted({line for line in lines if lines.count(line) > 1})
    if twice:
        raise ValueError(_("lines: {lines} named twice", lines=", ".join(twice)))


@dataclass(frozen=True, kw_only=True)
class CrossCap:
    """Several cash lines together paid at most a figure of the profile (``at_most``, a money key).

    Errors (``ValueError``): a line named twice, ``at_most`` not a money key.
    """

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    lines: Lines
    at_most: Text
    source: Text = ""  # the layer's source when left out
    district: District | None = None  # only for firms registered there
    layer: str = ""  # set by the loader; left out of the schema

    def __post_init__(self) -> None:
        """Rules across fields."""
        _unique(self.lines)
        if self.at_most not in KEYS or KEYS[self.at_most].type != "money":
            message = _("at_most {key} is not a money key of the profile", key=key_named(self.at_most))
            raise ValueError(message + near_key(self.at_most))


@dataclass(frozen=True, kw_only=True)
class Exclusive:
    """Cash lines of which only one is paid (``one_of``), or the higher (``higher``)."""

    __pydantic_config__: ClassVar[dict[str, object]] = CONFIG

    lines: Lines
    rule: OneOf[Literal["one_of", "higher"]]
    source: Text = ""  # the layer's source when left out
    layer: str = ""  # set by the loader; left out of the schema

    def __post_init__(self) -> None:
        """No line named twice."""
        _unique(self.lines)
