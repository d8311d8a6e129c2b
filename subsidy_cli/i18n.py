"""Messages for people, in Chinese or English, from gettext catalogues.

Every text the tool shows a person is written in code once, in English, and translated through the
standard ``gettext`` catalogue of the package: ``subsidy_cli/locale/subsidy.pot`` is the template (made by
``pybabel extract``, see the README's Development section), ``locale/zh/LC_MESSAGES/subsidy.po`` holds the
Chinese, and the ``.mo`` beside it is what runs (``pybabel compile``; a test checks it matches the ``.po``).
English is the source language, so it has no catalogue of its own.

Two ways to ask for a message:

- ``_("...")`` translates into the *active* language, which the command line sets once from ``--lang``
  (``use``); errors and warnings raised deep in the profile, rules and batch readers use it, since they have
  no language argument. A library caller may call ``use("zh")`` too; the default is English.
- ``tr(lang, "...", **fields)`` translates into a language given explicitly, for outputs that take ``lang``
  (tables, reports, workbooks, explanations), and fills ``{fields}`` after translating; ``trp`` is the same
  with a message context, for an English word that has two Chinese ones.

``N_("...")`` (``NP_(context, "...")``) only marks a text for the catalogue, for tables of texts translated
where they are shown. Ids, keys, JSON
field names and statuses never pass through here: only what people read does.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "subsidy"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGS = ("zh", "en")

_active = "en"


@cache
def _catalogue(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English, the source language, translates to itself)."""
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def use(lang: str) -> None:
    """Make ``lang`` ("zh" or "en") the language of ``_()``; anything else means English."""
    global _active
    _active = lang if lang in LANGS else "en"


def active() -> str:
    """The language ``_()`` translates into: "zh" or "en"."""
    return _active


@contextlib.contextmanager
def using(lang: str) -> Iterator[None]:
    """Inside the block, ``_()`` translates into ``lang`` (as ``use``); the language before is back after it.
    The language is one for the process: not for threads that want different ones at once."""
    before = _active
    use(lang)
    try:
        yield
    finally:
        use(before)


def tr(lang: str, message: str, /, **fields: object) -> str:
    """``message`` (English) in ``lang``, with ``{name}`` fields filled in after translating.

    A message with fields is a ``str.format`` template (literal braces doubled); one without is returned as
    translated, braces and all.
    """
    text = _catalogue(lang).gettext(message) if message else message
    return text.format(**fields) if fields else text


def trp(lang: str, context: str, message: str, /, **fields: object) -> str:
    """``tr`` for a ``message`` that reads differently by ``context`` (a gettext message context): the
    heading "Clause" is 条文 in a table and 条款原文 in a workbook."""
    text = _catalogue(lang).pgettext(context, message) if message else message
    return text.format(**fields) if fields else text


def _(message: str, /, **fields: object) -> str:
    """``message`` (English) in the active language (see ``use``), fields filled in as ``tr`` does."""
    return tr(_active, message, **fields)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (it is translated where it is shown)."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark ``message`` for the catalogue under ``context`` without translating it (``trp`` translates it)."""
    return message


_OS_REASONS = {
    "ENOENT": N_("no such file or folder"),
    "EACCES": N_("permission denied"),
    "EPERM": N_("operation not permitted"),
    "EISDIR": N_("is a folder"),
    "ENOTDIR": N_("a part of the path is not a folder"),
    "ENOSPC": N_("no space left on the disk"),
    "EROFS": N_("the disk is read-only"),
    "EEXIST": N_("already exists"),
    "ENAMETOOLONG": N_("the name is too long"),
    "EBUSY": N_("in use by another program"),
    "EIO": N_("input/output error"),
}


def os_reason(exc: OSError) -> str:
    """Why the system refused a file operation, in the active language: the common reasons (no such file,
    permission denied, disk full...) translated, any other as the system words it."""
    import errno

    name = errno.errorcode.get(exc.errno or -1, "")
    if name in _OS_REASONS:
        return _(_OS_REASONS[name])
    return str(exc.strerror or exc)


KEYWORDS = {"_": None, "N_": None, "NP_": ((1, "c"), 2), "tr": (2,), "trp": ((2, "c"), 3)}  # for extraction


def extract_messages() -> Any:
    """Every message of the package, as a Babel ``Catalog`` (the template). Needs Babel (the test extras)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="subsidy-cli", msgid_bugs_address="", charset="utf-8")
    found = extract_from_dir(
        Path(__file__).parent, [("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    )
    for _file, _line, message, comments, context in found:
        template.add(message, context=context, auto_comments=comments)
    return template


def catalogue_path(lang: str) -> Path:
    """The ``.po`` file of ``lang``; its ``.mo`` sits beside it."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def update_catalogues() -> list[str]:
    """Development step after changing a message: extract every message of the package into the template,
    merge it into each language's ``.po`` (new messages untranslated, gone ones dropped) and compile the
    ``.mo``. Returns the messages still untranslated, as ``lang: message``. Needs Babel (the test extras).
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    template = extract_messages()
    with open(LOCALE_DIR / f"{DOMAIN}.pot", "wb") as out:
        write_po(out, template, width=0, no_location=True, sort_output=True, omit_header=True)
    untranslated = []
    for lang in LANGS[:-1]:  # English is the source language
        po_path = catalogue_path(lang)
        with open(po_path, "rb") as source:
            catalogue = read_po(source)
        created = catalogue.creation_date  # kept, so an unchanged catalogue is written byte for byte the same
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.obsolete.clear()
        catalogue.creation_date = catalogue.revision_date = created
        catalogue.fuzzy = False
        catalogue.msgid_bugs_address = catalogue.last_translator = catalogue.language_team = "subsidy-cli"
        with open(po_path, "wb") as out:
            write_po(out, catalogue, width=0, no_location=True, sort_output=True)
        with open(po_path.with_suffix(".mo"), "wb") as out:
            write_mo(out, catalogue)
        untranslated += [f"{lang}: {m.id}" for m in catalogue if m.id and not m.string]
    return untranslated


if __name__ == "__main__":  # python -m subsidy_cli.i18n
    missing = update_catalogues()
    print("\n".join(missing) or "every message is translated")
    raise SystemExit(1 if missing else 0)
