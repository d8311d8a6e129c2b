"""Files the tool creates for people (a profile template, the interview's answers): new files only, never
written over one that exists; files written under a temporary name and renamed when complete. And the temporary
files of a batch run (its ``.NAME.*.partial`` output, the spool folder of ``--jobs``), marked as in use so that
what a killed run left behind is removed by the next.

A run holds an advisory lock (``flock``) on each temporary file it writes; the system lets go of it when the
process ends, however it ends (even SIGKILL). A later run takes a file whose lock is free as abandoned and
removes it. Where ``fcntl`` is missing (Windows) nothing is locked and nothing is taken as abandoned.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError
from subsidy_cli.i18n import _, os_reason

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

SPOOL_PREFIX = "subsidy-batch-"  # the spool folders of ``batch --jobs``, under $TMPDIR
_LOCK = "lock"  # the file inside a spool folder that its run holds locked


def check_new_file(path: Path | str) -> None:
    """Raise ``SubsidyError`` (exit 2) if ``path`` exists: the tool never overwrites a file it is asked to create."""
    if Path(path).exists():
        raise SubsidyError(
            Problem(_("already exists"), file=str(path), hint=_("choose another name or delete it first")), EXIT_USAGE
        )


def write_new_file(path: Path | str, text: str) -> None:
    """Write ``text`` as UTF-8 to a new file ``path``.

    Raises ``SubsidyError`` (exit 2) if it exists already or cannot be written (no such folder, no permission).
    """
    check_new_file(path)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        problem = Problem(_("cannot write: {reason}", reason=os_reason(exc)), file=str(path))
        raise SubsidyError(problem, EXIT_USAGE) from None


def same_mode(temporary: str, target: Path) -> None:
    """A temporary file is private (0600); give the result the mode the target has, or a new file's."""
    if target.exists():
        mode = target.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(temporary, mode)


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
        problem = Problem(_("is a folder"), file=target, hint=_("give a file name for the output"))
        raise SubsidyError(problem, EXIT_USAGE)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        problem = Problem(_("cannot write there: {reason}", reason=os_reason(exc)), file=target)
        raise SubsidyError(problem, EXIT_USAGE) from None
    os.close(handle)
    try:
        yield temporary
        same_mode(temporary, path)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def hold(handle: IO[Any]) -> None:
    """Lock an open file this process has just created and writes (a ``.partial`` output), until it is closed or
    the process ends: a later run then knows it as in use. Does nothing where files cannot be locked."""
    if fcntl is not None:
        with contextlib.suppress(OSError):  # a file system without locks: the file is merely not marked
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _abandoned(path: str) -> bool:
    """Whether no process holds the lock of the file at ``path`` (False where files cannot be locked)."""
    if fcntl is None:
        return False
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # let go of by the close below
    except OSError:
        return False  # held: a run is writing it
    finally:
        os.close(descriptor)
    return True


def remove_abandoned_partials(target: str) -> list[str]:
    """Remove the ``.NAME.XXXXXXXX.partial`` files beside the output file ``target`` that no run holds (left by
    a run that was killed: SIGKILL cannot be handled). Returns the paths removed."""
    path = Path(target)
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.partial")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and _abandoned(entry.path):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(entry.path)
    return removed


def remove_abandoned_spools(folder: str | None = None) -> list[str]:
    """Remove the spool folders (``subsidy-batch-*`` with a ``lock`` file, of this user) in ``folder`` (default:
    the temporary folder, $TMPDIR) that no run holds: left by a run that was killed before its worker
    processes could remove them. Returns the folders removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder or tempfile.gettempdir()):
            if not entry.name.startswith(SPOOL_PREFIX):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
                if stat.S_ISDIR(info.st_mode) and mine and _abandoned(os.path.join(entry.path, _LOCK)):
                    shutil.rmtree(entry.path, ignore_errors=True)
                    removed.append(entry.path)
    return removed


@contextlib.contextmanager
def spool_folder() -> Iterator[str]:
    """A new folder under $TMPDIR (``subsidy-batch-*``) for the spool files of one run, held as in use while the
    block runs (and while processes forked inside it live) and removed with its contents at the end. Folders
    that killed runs left are removed first.

    The folder's ``lock`` file gets its name only once it is locked, so a folder is never taken as abandoned
    while it is being made."""
    remove_abandoned_spools()
    folder = tempfile.mkdtemp(prefix=SPOOL_PREFIX)
    try:
        with open(os.path.join(folder, f"{_LOCK}.new"), "wb") as lock:
            hold(lock)
            os.replace(lock.name, os.path.join(folder, _LOCK))
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
