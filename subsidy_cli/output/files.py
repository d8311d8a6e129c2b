"""Files the tool creates for people (a profile template, the interview's answers): new files only, never
written over one that exists; and files written under a temporary name and renamed when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
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


@contextlib.contextmanager
def atomic_path(target: str | None, suffix: str = "") -> Iterator[str]:
    """A temporary path to write a file at (by a library that takes a path), which becomes ``target`` only when
    the block completes: an interrupted or failed run leaves no half-written file. For ``target`` None the
    file stays in a temporary folder for the block to copy (e.g. to stdout), and is removed after it.

    Raises ``SubsidyError`` (exit 2) for a target that is a folder or whose folder cannot be written."""
    if target is None:
        with tempfile.TemporaryDirectory(prefix="subsidy-") as folder:
            yield os.path.join(folder, f"output{suffix}")
        return
    path = Path(target)
    if path.is_dir():
        raise SubsidyError(Problem("is a folder", file=target, hint="give a file name for the output"), EXIT_USAGE)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise SubsidyError(Problem(f"cannot write there: {exc.strerror or exc}", file=target), EXIT_USAGE) from None
    os.close(handle)
    try:
        yield temporary
        if path.exists():  # the result gets the mode the target had, else a new file's
            mode = path.stat().st_mode & 0o777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        with contextlib.suppress(OSError):
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
