"""A batch run from start to end, for the command line and for Python alike: open a CSV of firms (a path or
stdin), check its encoding and header, score every row into an output that is complete or absent, and
count what was found.

::

    from subsidy_cli.batch import runner, sources

    rules = sources.rules(None, ["samples/overlays/zhangjiagang-2022.toml"])
    with runner.open_firms("samples/firms.csv") as firms:
        result = runner.score_firms(firms, rules, "results.csv", as_of=datetime.date(2022, 6, 30))
    result.stats.invalid, result.exit_code

or in one call: ``runner.run_batch("samples/firms.csv", "results.csv", as_of="2022-06-30")``.
Every problem is a ``SubsidyError`` (``InputError`` for the input or output, exit 2). A run stopped by
SIGINT, SIGTERM or SIGHUP raises ``Interrupted`` once its worker processes are stopped and its temporary
files removed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from subsidy_cli.batch import sources
from subsidy_cli.batch.blocks import Block, BlockRows, blocks, check_encoding, line_breaks, read_block, split_first_row
from subsidy_cli.batch.csvio import (
    Header,
    InputError,
    RawInput,
    apply_units,
    atomic_output,
    map_header,
    open_raw,
    same_file,
)
from subsidy_cli.batch.job import Job, OutputFormat
from subsidy_cli.batch.run import header_row, hold_back, score_stream, signals_held
from subsidy_cli.errors import EXIT_DATA, EXIT_OK, EXIT_USAGE, Problem
from subsidy_cli.i18n import _
from subsidy_cli.output.files import hold, remove_abandoned_partials
from subsidy_cli.output.summary import Stats
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.rules.layers import Rules

Progress = Callable[[int, int], None]  # (rows scored, bytes of input read)
ProgressDisplay = Callable[[int | None], AbstractContextManager[Progress]]  # input size in bytes -> progress


@dataclass
class FirmsInput:
    """A CSV of firms opened for scoring: the header read and mapped to profile keys, the rows not yet read.

    ``encoding`` is the one used (``detected`` says whether it was detected or given); ``header.unknown``
    lists the columns that are ignored; ``size`` is the file's size in bytes (None for stdin). Close it (or
    use it in a ``with``) when done.
    """

    name: str
    encoding: str
    detected: bool
    header: Header
    size: int | None
    _raw: RawInput
    _rows: Iterator[Block]  # the blocks of rows after the header
    _header_bytes: int  # bytes of the header row, counted as read
    _opened: float = field(default_factory=time.perf_counter)

    def read(self) -> Iterator[BlockRows]:
        """The rows after the header, block by block, as a batch run reads them (``blocks.read_block``: each line in
        its own encoding, control characters cleaned, rows of no value left out), with plain numbers under a
        heading in 万元 or 亿元 written in that unit (``csvio.apply_units``). The rows are read once."""
        for block in self._rows:
            read = read_block(block, self.encoding)
            apply_units(read.rows, self.header)
            yield read

    def close(self) -> None:
        """Close the input (stdin is left open)."""
        self._raw.close()

    def __enter__(self) -> FirmsInput:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def open_firms(
    source: str, encoding: str | None = None, ignore_unknown_columns: bool = False, output: str | None = None
) -> FirmsInput:
    """Open a CSV of firms (``-``: stdin) and read its header row.

    The encoding is ``encoding`` or detected (BOM -> UTF-8; strict UTF-8; strict GB18030). ``output``, when
    given, is checked not to be the input itself. Raises ``InputError`` (exit 2) for an output that is the
    input, an input that is missing, empty, a workbook, binary or in an unknown or unusable encoding, and a
    header with unknown (unless ``ignore_unknown_columns``) or repeated columns or without a name column.
    """
    if output is not None and same_file(output, source):
        raise InputError(Problem(_("is the input file"), file=output, hint=_("write the results to another file")))
    raw = open_raw(source, encoding)
    try:
        check_encoding(raw.encoding)
        stream = blocks(raw.raw, raw.encoding)
        first = next(stream, None)
        cells, offset = split_first_row(first.data, raw.encoding) if first else ([], 0)
        if first is None or not any(cell.strip() for cell in cells):
            raise InputError(
                Problem(_("has no header row"), file=raw.name, hint=_("the first line names the columns"))
            )
        header = map_header(cells, raw.name, ignore_unknown_columns)
    except BaseException:
        raw.close()
        raise
    rest = Block(first.data[offset:], 1 + line_breaks(first.data[:offset]))  # the rows after the header
    size = os.stat(source).st_size if source != "-" and os.path.isfile(source) else None
    return FirmsInput(raw.name, raw.encoding, raw.detected, header, size, raw, itertools.chain([rest], stream), offset)


@dataclass
class BatchResult:
    """What a run found: ``stats`` (rows read and invalid, per line the eligible firms and the sum of their
    maximum awards in CNY), the ``catalog`` the stats' lines follow, and the ``seconds`` since the input was
    opened."""

    stats: Stats
    catalog: Catalog
    seconds: float

    @property
    def exit_code(self) -> int:
        """0 when every row was valid, 1 when some were not (they are in the output all the same)."""
        return EXIT_DATA if self.stats.invalid else EXIT_OK


def score_firms(
    firms: FirmsInput,
    rules: Rules,
    output: str | None = None,
    *,
    output_format: OutputFormat = "csv",
    long: bool = False,
    excel: bool = False,
    all_columns: bool = False,
    jobs: int = 1,
    as_of: dt.date | None = None,
    overrides: dict[str, Any] | None = None,
    lang: str = "en",
    progress: ProgressDisplay | None = None,
) -> BatchResult:
    """Score every row of ``firms`` into ``output`` (a path, written under a temporary name and renamed at the
    end; None or ``-``: stdout): one output row per input row, in order, as CSV (``long``: one row per firm
    and line; ``excel``: for people in Excel, with a BOM, headers, statuses and missing facts in words of ``lang``,
    and every column) or JSONL; ``all_columns``: after the usual columns, each line's status if in force and the
    totals if in force, the minimum of open-ended lines, the facts still missing and the input as given (in JSONL,
    the input). ``jobs`` processes score; ``as_of`` fixes the date (else each
    row's application_date, else today); ``overrides`` are parsed ``--set`` values for every row.
    ``progress``, given the input's size, makes the callback told the rows scored and bytes read.

    The rows are read as they are scored, so a ``FirmsInput`` is scored once. Raises ``InputError`` (exit 2)
    for an output that cannot be written or input that cannot be decoded; a bad row never stops the run: it
    is written as invalid and counted. Called in the main thread, it stops on SIGINT, SIGTERM and SIGHUP (those
    whose handling the caller has not changed from Python's default) and raises ``Interrupted``, after the
    workers have ended and the temporary files are removed; ``.partial`` files that killed runs left beside
    ``output`` are removed first.
    """
    catalog = rules.first()
    job = Job(
        rules=rules,
        header=firms.header,
        overrides=overrides or {},
        as_of=as_of,
        today=dt.date.today(),
        output_format=output_format,
        long=long,
        lang=lang,
        encoding=firms.encoding,
        source=firms.name,
        excel=excel and output_format == "csv",
        more=all_columns or (excel and output_format == "csv"),
    )
    stats = Stats()
    shown = progress(firms.size) if progress else contextlib.nullcontext(_no_progress)
    target = output if output != "-" else None  # a file, else stdout
    if target is not None:
        remove_abandoned_partials(target)
    with _stopped_by_signals(target), contextlib.ExitStack() as stack:
        with signals_held():  # a stop in the middle of making the .partial file would leave it unknown
            out = stack.enter_context(atomic_output(output, excel))
            if target is not None:
                hold(out)  # marks the .partial file as in use, until this process ends
        report = stack.enter_context(shown)
        if output_format == "csv":
            columns = header_row(catalog, long, firms.header if job.more else None, job.excel, lang, job.more)
            csv.writer(out, lineterminator="\r\n").writerow(columns)
        out.flush()
        for chunk_stats in score_stream(job, firms._rows, jobs, out.buffer):
            stats.merge(chunk_stats)
            report(stats.rows, firms._header_bytes + stats.input_bytes)
    return BatchResult(stats, catalog, time.perf_counter() - firms._opened)


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal: SIGINT (Ctrl-C), SIGTERM or SIGHUP. ``exit_code`` is 128 + the signal's number
    (130, 143, 129), as a shell reports a process the signal ended; the text is one line for people."""

    def __init__(self, signum: int, output: str | None) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        left = _("{output} was not written", output=output) if output else _("the output is incomplete")
        super().__init__(_("interrupted by {signal}: {left}", signal=signal.Signals(signum).name, left=left))


@contextlib.contextmanager
def _stopped_by_signals(output: str | None) -> Iterator[None]:
    """Inside the block, SIGINT, SIGTERM and SIGHUP raise ``Interrupted`` (once: a second signal while the run
    cleans up is ignored), so that what the block made is undone on the way out; the handlers are put back
    afterwards. Only signals left at Python's default are taken (``nohup`` ignores SIGHUP: it stays ignored),
    and only in the main thread, where Python runs signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    defaults = {"SIGINT": signal.default_int_handler, "SIGTERM": signal.SIG_DFL, "SIGHUP": signal.SIG_DFL}
    taken = {
        number: signal.getsignal(number)
        for number in (getattr(signal, name) for name in defaults if hasattr(signal, name))
        if signal.getsignal(number) is defaults[signal.Signals(number).name]
    }
    stopping: list[int] = []

    def stop(signum: int, frame: object) -> None:
        if not stopping and not hold_back(signum):
            stopping.append(signum)
            raise Interrupted(signum, output)

    try:
        for number in taken:
            signal.signal(number, stop)
        yield
    finally:
        stopping.append(0)  # the run is over, finished or not: too late to stop it
        for number, previous in taken.items():
            signal.signal(number, previous)


def run_batch(
    source: str,
    output: str | None = None,
    *,
    measures: Path | str | None = None,
    overlays: Sequence[Path | str] = (),
    as_of: dt.date | str | None = None,
    overrides: Sequence[str] = (),
    encoding: str | None = None,
    ignore_unknown_columns: bool = False,
    output_format: OutputFormat = "csv",
    long: bool = False,
    excel: bool = False,
    all_columns: bool = False,
    jobs: int = 1,
    lang: str = "en",
) -> BatchResult:
    """``subsidy batch`` in one call: load the rules, open ``source`` and score it into ``output``.

    ``as_of`` is a date or ``YYYY-MM-DD`` text; ``overrides`` are ``KEY=VALUE`` texts as for ``--set``. Raises
    ``SubsidyError`` with exit code 2 for anything that stops the run (bad date or ``--set``, broken rules
    file, unreadable input, unwritable output); see ``open_firms`` and ``score_firms``.
    """
    date = sources.option_date(as_of)
    fixed = sources.overrides(overrides, EXIT_USAGE)
    loaded = sources.rules(measures, overlays, EXIT_USAGE)
    with open_firms(source, encoding, ignore_unknown_columns, output) as firms:
        return score_firms(
            firms,
            loaded,
            output,
            output_format=output_format,
            long=long,
            excel=excel,
            all_columns=all_columns,
            jobs=jobs,
            as_of=date,
            overrides=fixed,
            lang=lang,
        )


def _no_progress(rows: int, done: int) -> None:
    """Progress shown nowhere."""
