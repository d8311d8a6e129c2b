"""Files the tool creates for people (a profile template, the interview's answers): new files only, never
written over one that exists."""

from __future__ import annotations

from pathlib import Path

from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError


def check_new_file(path: Path | str) -> None:
    """Raise ``SubsidyError`` (exit 2) if ``path`` exists: the tool never overwrites a file it is asked to create."""
    if Path(path).exists():
        raise SubsidyError(
            Problem("already exists", file=str(path), hint="choose another name or delete it first"), EXIT_USAGE
        )


def write_new_file(path: Path | str, text: str) -> None:
    """Write ``text`` as UTF-8 to a new file ``path``.

    Raises ``SubsidyError`` (exit 2) if it exists already or cannot be written (no such folder, no permission).
    """
    check_new_file(path)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SubsidyError(Problem(f"cannot write: {exc.strerror or exc}", file=str(path)), EXIT_USAGE) from None
