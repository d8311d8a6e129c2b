"""The message catalogues: every message in code is in the Chinese catalogue and translated, the compiled
``.mo`` is the ``.po`` as it stands, and a translation fills only the fields its English message has."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from subsidy_cli import i18n


def _catalogue(lang: str):  # type: ignore[no-untyped-def]
    with open(i18n.catalogue_path(lang), "rb") as source:
        return read_po(source)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_in_code_is_in_the_catalogue_and_translated() -> None:
    """Run ``python -m subsidy_cli.i18n`` after changing a message; this lists what it would add or drop."""
    in_code = {(m.context, m.id) for m in i18n.extract_messages() if m.id}
    catalogue = _catalogue("zh")
    in_po = {(m.context, m.id) for m in catalogue if m.id}
    assert sorted(in_code - in_po, key=str) == [], "messages in code missing from the catalogue"
    assert sorted(in_po - in_code, key=str) == [], "messages in the catalogue no longer in code"
    assert [m.id for m in catalogue if m.id and not m.string] == []


def test_the_compiled_catalogue_is_the_po_as_it_stands() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue("zh"))
    assert compiled.getvalue() == i18n.catalogue_path("zh").with_suffix(".mo").read_bytes()


def test_a_translation_fills_only_the_fields_of_its_message() -> None:
    """A translation naming a field its message lacks would fail at run time (KeyError) in Chinese only, unless
    a translator comment in the code says the call passes it too."""
    for message in _catalogue("zh"):
        if not message.id:
            continue
        fields = _fields(message.id) if "python-brace-format" in message.flags else set()
        fields |= {name for comment in message.auto_comments for name in re.findall(r"\{(\w+)\}", comment)}
        assert _fields(message.string) <= fields, message.id


def test_tr_translates_then_fills_in_and_english_is_the_source() -> None:
    assert i18n.tr("zh", "eligible") == "可申请"
    assert i18n.tr("en", "eligible") == "eligible"
    assert i18n.tr("zh", "at least {low}, no cap", low="500万元") == "不低于500万元,无上限"
    assert i18n.trp("zh", "workbook", "Clause") == "条款原文" and i18n.tr("zh", "Clause") == "条文"
    assert i18n.tr("zh", "") == ""  # never the catalogue's header
    assert i18n.tr("zh", "a message nobody translated") == "a message nobody translated"


def test_the_active_language_is_what_use_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_active", "en")
    assert i18n._("eligible") == "eligible"
    i18n.use("zh")
    assert i18n.active() == "zh" and i18n._("eligible") == "可申请"
    i18n.use("fr")
    assert i18n.active() == "en"


def test_the_catalogue_ships_with_the_package() -> None:
    assert Path(i18n.LOCALE_DIR, "zh", "LC_MESSAGES", "subsidy.mo").is_file()
