"""The command line in the user's language: which language a run speaks, help texts translated when shown,
and Click's own messages (usage errors, "Options", "[default: ...]") through the project's catalogue.

The language is known before Click parses anything: ``language_of`` reads ``--lang`` from the raw
arguments (else ``$SUBSIDY_LANG``, else the locale, as ``words.choose_lang`` does), so ``--help`` and a
usage error are in Chinese too. Help texts stay English in the code, marked ``N_`` for the catalogue, and
``translated`` swaps in their translation only while a help page is written.

Typer looks its own words ("Options", "Commands", "[default: ...]") up with ``gettext.gettext`` in the
process-wide default domain; the Click it carries (``typer._click``) writes its messages in English only.
``localise_click`` points Typer's lookups at our catalogue, and writes Click's usage errors anew from the
exception's fields, so both follow ``--lang``. Only the command line does this; the library leaves them
alone.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any

from subsidy_cli import i18n
from subsidy_cli.i18n import N_
from subsidy_cli.words import choose_lang

# Typer's own messages (typer.core looks them up with gettext; the catalogue holds them because they are
# listed here). The Click that Typer carries writes its messages in English only: usage errors are
# therefore written anew, from the exception's fields, by ``usage_error_message``.
TYPER_MESSAGES = (
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
)


def language_of(args: Sequence[str]) -> str:
    """The language a run speaks, from its raw arguments: ``--lang zh`` / ``--lang=zh`` before any ``--``,
    else ``$SUBSIDY_LANG``, else the locale. An unknown value falls through (Click then reports it)."""
    given = None
    for position, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and position + 1 < len(args):
            given = args[position + 1]
        elif arg.startswith("--lang="):
            given = arg.partition("=")[2]
    return choose_lang(given)


_HELP_OPTION = N_("Show this message and exit.")  # the help text of --help, as Click writes it


def _click_gettext(message: str) -> str:
    return i18n.tr(i18n.active(), message)


def _click_ngettext(singular: str, plural: str, number: int) -> str:
    return i18n.tr(i18n.active(), singular if number == 1 else plural)


_CLICK_MODULES = ("core", "exceptions", "parser", "types", "formatting", "decorators", "termui")


def localise_click() -> None:
    """Make Click's and Typer's messages speak the active language (``i18n.use``). Idempotent."""
    names = [f"{package}.{module}" for package in ("typer._click", "click") for module in _CLICK_MODULES]
    for name in [*names, "typer.core"]:
        module = sys.modules.get(name)
        if module is None:
            continue
        if hasattr(module, "_"):
            setattr(module, "_", _click_gettext)  # noqa: B010 (a module's global, not an attribute of ours)
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", _click_ngettext)  # noqa: B010
    from typer._click.exceptions import UsageError
    from typer._types import TyperChoice

    TyperChoice.get_invalid_choice_message = _choice_message  # type: ignore[method-assign,assignment]
    UsageError.show = _show_usage_error  # type: ignore[method-assign,assignment]


@contextlib.contextmanager
def translated(command: Any, ctx: Any = None) -> Iterator[None]:
    """While a help page is written: ``command``'s help, short help and epilog, and its parameters' help
    (``--help``'s too, given the Click context ``ctx``), in the active language; restored afterwards."""
    saved: list[tuple[Any, str, Any]] = []
    params = command.get_params(ctx) if ctx is not None else getattr(command, "params", ())
    for owner in (command, *params):
        for attribute in ("help", "short_help", "epilog"):
            text = getattr(owner, attribute, None)
            if isinstance(text, str) and text:
                saved.append((owner, attribute, text))
                setattr(owner, attribute, i18n._(text))
    try:
        yield
    finally:
        for owner, attribute, text in saved:
            setattr(owner, attribute, text)


def _choice_message(choice: Any, value: Any, ctx: Any) -> str:
    """``TyperChoice.get_invalid_choice_message`` in the active language."""
    choices = "、".join(map(str, choice._normalized_mapping(ctx=ctx).values())) if i18n.active() == "zh" else (
        ", ".join(map(repr, choice._normalized_mapping(ctx=ctx).values()))
    )  # fmt: skip
    return i18n._("{value!r} is not one of {choices}.", value=value, choices=choices)


def _param_hint(exc: Any) -> str:
    if exc.param_hint is not None:
        hint = exc.param_hint
        return hint if isinstance(hint, str) else " / ".join(repr(x) for x in hint)
    if exc.param is not None:
        return str(exc.param.get_error_hint(exc.ctx))
    return ""


def _bad_value(exc: Any) -> str:
    """Why a value was refused: the choice's own message (localised above), else what to give instead."""
    from typer._click import types
    from typer.models import TyperPath

    kind = exc.param.type if exc.param is not None else None
    if isinstance(kind, types.IntRange):
        return i18n._("give a whole number, {range}", range=kind._describe_range())
    if isinstance(kind, types.IntParamType):
        return i18n._("give a whole number")
    if isinstance(kind, TyperPath):
        return i18n._("give the name of a file, not of a folder")
    return str(exc.message)


_EXTRA = "Got unexpected extra argument(s) ("  # the one usage error Click raises with no fields of its own


def usage_error_message(exc: Any) -> str:
    """A Click usage error (``typer._click.exceptions.UsageError`` and its kinds) as one line in the active
    language, written from the exception's fields."""
    from typer._click import exceptions as click_errors

    if isinstance(exc, click_errors.NoSuchOption):
        text = i18n._("No such option: {name}", name=exc.option_name)
        if exc.possibilities:
            text += " " + i18n._("(Did you mean one of: {possibilities}?)", possibilities=", ".join(exc.possibilities))
        return text
    if isinstance(exc, click_errors.MissingParameter):
        hint = _param_hint(exc)
        kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
        if kind == "option":
            return i18n._("Missing option {name}.", name=hint)
        return i18n._("Missing argument {name}.", name=hint)
    if isinstance(exc, click_errors.BadParameter):
        return i18n._("Invalid value for {name}: {reason}", name=_param_hint(exc), reason=_bad_value(exc))
    if isinstance(exc, click_errors.BadOptionUsage):
        if "does not take a value" in exc.message:
            return i18n._("Option {name!r} does not take a value.", name=exc.option_name)
        return i18n._("Option {name!r} requires a value.", name=exc.option_name)
    message = exc.format_message()
    if message.startswith(_EXTRA) and message.endswith(")"):
        return i18n._("Got unexpected extra argument(s): {args}", args=message[len(_EXTRA) : -1])
    return str(message)


def _show_usage_error(exc: Any, file: IO[Any] | None = None) -> None:
    """``UsageError.show`` in the run's language: the usage, where to find help, what is wrong (Typer calls it
    for a usage error, then exits 2)."""
    out = file if file is not None else sys.stderr
    ctx = exc.ctx
    if ctx is not None:
        out.write(ctx.get_usage() + "\n")
        out.write(i18n._("Try '{command} --help' for help.", command=ctx.command_path) + "\n\n")
    out.write(i18n._("error: {problem}", problem=usage_error_message(exc)) + "\n")


def unknown_command(name: str, commands: list[str]) -> str:
    """The usage error for a command ``name`` that is none of ``commands``, with those it may have meant."""
    import difflib

    guesses = difflib.get_close_matches(name, commands)
    if guesses:
        return i18n._("No such command {name!r}; did you mean {names}?", name=name, names=", ".join(map(repr, guesses)))
    return i18n._("No such command {name!r}.", name=name)
