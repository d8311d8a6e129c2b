"""Signals and what a batch run leaves behind: real ``python -m subsidy_cli batch`` processes stopped mid-run.

SIGINT, SIGTERM and SIGHUP are handled: the run stops its workers, removes its ``.partial`` output and its
spool folder, prints one line and exits 128 + the signal's number. SIGKILL cannot be handled: the workers
notice their parent is gone and end (removing the spool folder), and the next run into the same output
removes the ``.partial`` file. The input is fed through stdin and held half-way, so every signal lands
mid-run however loaded the machine is; waits poll with deadlines.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from subsidy_cli.output import files

fcntl = pytest.importorskip("fcntl", reason="POSIX signals and file locks")
needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="/proc, to find the worker processes")

ROOT = Path(__file__).resolve().parent.parent
FIRMS = ROOT / "samples" / "firms.csv"
ENV = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "SUBSIDY_LANG": "en", "LANG": "C.UTF-8"}
DEADLINE = 30.0  # seconds any wait may take on a loaded machine before the test fails
GONE_WITHIN = 5.0  # seconds a worker may outlive its parent
HANDLED = {"SIGINT": 130, "SIGTERM": 143, "SIGHUP": 129}


@pytest.fixture(scope="module")
def firms() -> bytes:
    """200,000 firms (about 30 MB) as CSV bytes."""
    lines = FIRMS.read_text(encoding="utf-8").splitlines()
    copies = 200_000 // (len(lines) - 1)
    return ("\n".join([lines[0], *(lines[1:] * copies)]) + "\n").encode()


def wait_for(check: Callable[[], bool], seconds: float = DEADLINE) -> bool:
    """Poll ``check`` until it holds or ``seconds`` pass; whether it held."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return check()
        time.sleep(0.02)
    return True


def stat_of(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process from /proc, None if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (command) "
    return fields[0], int(fields[1]), int(fields[19])


def children(pid: int) -> set[tuple[int, int]]:
    """(pid, start time) of the living children of ``pid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = stat_of(int(entry))
            if info and info[1] == pid and info[0] not in "ZX":
                found.add((int(entry), info[2]))
    return found


def alive(process: tuple[int, int]) -> bool:
    """Whether the process (pid, start time) still runs (a zombie waiting for its reaper does not)."""
    info = stat_of(process[0])
    return info is not None and info[2] == process[1] and info[0] not in "ZX"


@dataclass
class Run:
    """A batch run reading ``firms`` from stdin into ``out``, its spool folders under ``spools``."""

    process: subprocess.Popen[bytes]
    out: Path
    spools: Path
    feeder: threading.Thread
    release: threading.Event
    workers: set[tuple[int, int]]  # (pid, start time) of its worker processes, once started

    def partial(self) -> list[Path]:
        return sorted(self.out.parent.glob(f".{self.out.name}.*.partial"))

    def stdout_closed(self) -> bool:
        """Whether every process has let go of the run's stdout (a reader such as gzip sees its end)."""
        assert self.process.stdout is not None
        end = time.monotonic() + GONE_WITHIN
        while (left := end - time.monotonic()) > 0:
            if select.select([self.process.stdout], [], [], left)[0]:
                return os.read(self.process.stdout.fileno(), 1 << 16) == b""
        return False


@pytest.fixture
def start(tmp_path: Path, firms: bytes) -> Iterator[Callable[..., Run]]:
    """Start runs of ``subsidy batch - -o out.csv --jobs N``, fed half of ``firms`` and held there; killed at the
    end of the test whatever happened."""
    runs: list[Run] = []

    def begin(jobs: int, session: bool = False) -> Run:
        spools = tmp_path / "tmp"
        spools.mkdir(exist_ok=True)
        out = str(tmp_path / "out.csv")
        process = subprocess.Popen(
            [sys.executable, "-m", "subsidy_cli", "batch", "-", "-o", out, f"--jobs={jobs}", "--as-of", "2022-06-30"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**ENV, "TMPDIR": str(spools)},
            start_new_session=session,
        )
        release = threading.Event()

        def feed() -> None:
            assert process.stdin is not None
            try:
                process.stdin.write(firms[: len(firms) // 2])
                process.stdin.flush()
                release.wait()
            except OSError:  # the run ended first
                pass
            finally:
                with contextlib.suppress(OSError):
                    process.stdin.close()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        run = Run(process, tmp_path / "out.csv", spools, feeder, release, set())
        runs.append(run)
        return run

    yield begin
    for run in runs:
        run.release.set()
        if run.process.poll() is None:
            run.process.kill()
        run.process.wait()
        for worker in filter(alive, run.workers):  # a worker that outlived its parent: the test failed already
            os.kill(worker[0], signal.SIGKILL)
        run.feeder.join()
        for stream in (run.process.stdout, run.process.stderr):
            assert stream is not None
            stream.close()


def mid_run(run: Run, jobs: int) -> set[tuple[int, int]]:
    """Wait until the run has written output and started its workers; the workers."""
    workers: set[tuple[int, int]] = set()

    def started() -> bool:
        nonlocal workers
        workers = children(run.process.pid)
        written = any(path.stat().st_size > 1 << 20 for path in run.partial())
        return written and len(workers) == (jobs if jobs > 1 else 0)

    assert wait_for(started), (run.partial(), workers, run.process.poll())
    run.workers = workers
    return workers


@needs_proc
@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_handled_signal_stops_every_process_and_leaves_no_file(
    start: Callable[..., Run], jobs: int, name: str
) -> None:
    run = start(jobs)
    workers = mid_run(run, jobs)
    run.process.send_signal(getattr(signal, name))
    assert run.process.wait(DEADLINE) == HANDLED[name]
    assert run.stdout_closed()
    assert wait_for(lambda: not any(map(alive, workers)), GONE_WITHIN)
    assert run.process.stderr is not None
    err = run.process.stderr.read().decode()
    assert err.splitlines()[-1] == f"interrupted by {name}: {run.out} was not written", err
    assert "Traceback" not in err
    assert sorted(path.name for path in run.out.parent.iterdir()) == ["tmp"]  # no output, no .partial
    assert list(run.spools.iterdir()) == []


@needs_proc
@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_to_the_whole_process_group_is_handled_alike(start: Callable[..., Run], name: str) -> None:
    """As a terminal's Ctrl-C or hang-up, or a service manager, sends it: to the workers too."""
    run = start(2, session=True)
    workers = mid_run(run, 2)
    os.killpg(run.process.pid, getattr(signal, name))
    assert run.process.wait(DEADLINE) == HANDLED[name]
    assert wait_for(lambda: not any(map(alive, workers)), GONE_WITHIN)
    assert run.process.stderr is not None
    err = run.process.stderr.read().decode()
    assert err.splitlines()[-1] == f"interrupted by {name}: {run.out} was not written", err
    assert sorted(path.name for path in run.out.parent.iterdir()) == ["tmp"]
    assert list(run.spools.iterdir()) == []


@needs_proc
@pytest.mark.parametrize("jobs", [1, 2])
def test_after_sigkill_workers_end_and_the_next_run_removes_the_partial_file(
    start: Callable[..., Run], jobs: int
) -> None:
    run = start(jobs)
    workers = mid_run(run, jobs)
    run.process.kill()
    assert run.process.wait(DEADLINE) == -signal.SIGKILL
    assert run.stdout_closed()  # `subsidy batch ... | gzip` ends
    assert wait_for(lambda: not any(map(alive, workers)), GONE_WITHIN)
    assert wait_for(lambda: not any(run.spools.iterdir()), GONE_WITHIN)  # the workers removed their spool folder
    assert len(run.partial()) == 1  # the killed process could do nothing about its own output
    again = subprocess.run(
        [sys.executable, "-m", "subsidy_cli", "batch", str(FIRMS), "-o", str(run.out), "--as-of", "2022-06-30"],
        capture_output=True,
        env={**ENV, "TMPDIR": str(run.spools)},
        timeout=DEADLINE,
    )
    assert again.returncode == 0, again.stderr
    assert run.partial() == [] and run.out.is_file()


@needs_proc
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_reader_that_stops_early_ends_the_run_with_141(tmp_path: Path, firms: bytes, jobs: int) -> None:
    """`subsidy batch firms.csv --jobs 2 | head`: the run ends, its workers too, nothing is left in $TMPDIR."""
    source = tmp_path / "firms.csv"
    source.write_bytes(firms)
    spools = tmp_path / "tmp"
    spools.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "subsidy_cli", "batch", str(source), "--jobs", str(jobs), "--as-of", "2022-06-30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**ENV, "TMPDIR": str(spools)},
    )
    assert process.stdout is not None and process.stderr is not None
    workers: set[tuple[int, int]] = set()
    try:
        assert process.stdout.read(1 << 20).startswith(b"line,name,credit_code,row_status")
        workers = children(process.pid)
        assert len(workers) == (jobs if jobs > 1 else 0)
        process.stdout.close()
        assert process.wait(DEADLINE) == 141
        assert wait_for(lambda: not any(map(alive, workers)), GONE_WITHIN)
        assert "Traceback" not in process.stderr.read().decode()
        assert list(spools.iterdir()) == []
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for worker in filter(alive, workers):
            os.kill(worker[0], signal.SIGKILL)
        process.stderr.close()


# --- what killed runs leave: removed by the next run, unless a run holds it ------------------------------------------


def held(path: Path) -> int:
    """Create ``path`` and hold its lock, as a running batch does; the descriptor to close."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def test_only_partial_files_no_run_holds_are_removed(tmp_path: Path) -> None:
    names = {
        ".out.csv.abcd1234.partial": "abandoned",
        ".out.csv.held5678.partial": "held",
        ".out.csv.toolongname.partial": "not ours",  # not the name a run gives its .partial file
        ".other.csv.abcd1234.partial": "abandoned",  # beside another output
        "out.csv.abcd1234.partial": "not ours",
    }
    for name in names:
        (tmp_path / name).write_text("half a row")
    descriptor = held(tmp_path / ".out.csv.held5678.partial")
    try:
        removed = files.remove_abandoned_partials(str(tmp_path / "out.csv"))
    finally:
        os.close(descriptor)
    assert removed == [str(tmp_path / ".out.csv.abcd1234.partial")]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(set(names) - {".out.csv.abcd1234.partial"})


def test_only_spool_folders_no_run_holds_are_removed(tmp_path: Path) -> None:
    for name in ("subsidy-batch-abandoned", "subsidy-batch-held", "subsidy-batch-nolock", "other-folder"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "0.out").write_text("spooled")
    for name in ("subsidy-batch-abandoned", "subsidy-batch-held", "other-folder"):
        (tmp_path / name / "lock").write_text("")
    (tmp_path / "subsidy-batch-file").write_text("a file, not a folder")
    descriptor = held(tmp_path / "subsidy-batch-held" / "lock")
    try:
        removed = files.remove_abandoned_spools(str(tmp_path))
    finally:
        os.close(descriptor)
    assert removed == [str(tmp_path / "subsidy-batch-abandoned")]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "other-folder",
        "subsidy-batch-file",
        "subsidy-batch-held",
        "subsidy-batch-nolock",  # no lock yet: a folder being made
    ]


def test_a_spool_folder_is_held_while_in_use_and_removed_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read $TMPDIR again
    with files.spool_folder() as folder:
        assert sorted(os.listdir(folder)) == ["lock"]
        assert files.remove_abandoned_spools() == []
    assert list(tmp_path.iterdir()) == []
