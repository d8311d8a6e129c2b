"""Workbook benchmark: results workbooks against plain CSV output, workbook input against CSV input, and the
memory of both on a short and a long list, in one run.

Uses bench_batch.py's synthetic firms (every district, dates over 2021-2023, loans, ...). Times, on the same
firms, each command --repeat times in turn, fastest run counting:

    figure                                            baseline                      target
    subsidy batch FIRMS.csv -o results.xlsx           subsidy batch -o results.csv  reported (no target)
    subsidy batch FIRMS.xlsx -o results.csv           subsidy batch -o results.csv  reported (no target)

then the peak memory (RSS) of writing a results workbook on --memory-rows (small, large): its growth must stay
under 20 MB, as for every batch path (XlsxWriter's constant-memory mode writes rows to disk as they come).
The same growth is reported for reading a workbook: calamine loads a whole sheet, so it grows with the sheet
(no target; use CSV for lists too long for memory).

    python tests/benchmarks/bench_xlsx.py                          # 200,000 rows; memory on 20,000 and 200,000
    python tests/benchmarks/bench_xlsx.py --rows 20000 --repeat 1  # does it work?
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import MEMORY_TARGET_MB, Command, Run, generate, measure, subsidy

AS_OF = ("--as-of", "2022-06-30")


def to_workbook(source: Path, target: Path) -> None:
    """The CSV's cells into a sheet as a person would have them: numbers as numbers, dates as dates."""
    import csv
    import datetime as dt

    import xlsxwriter

    from subsidy_cli.profile.keys import KEYS

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet("firms")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    with source.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        sheet.write_row(0, 0, header)
        kinds = [KEYS[key].type if key in KEYS else "text" for key in header]
        for r, row in enumerate(rows, 1):
            for c, (kind, text) in enumerate(zip(kinds, row, strict=True)):
                if not text:
                    continue
                if kind in ("money", "count") and text.isdigit():
                    sheet.write_number(r, c, int(text))
                elif kind == "date":
                    try:
                        sheet.write_datetime(r, c, dt.date.fromisoformat(text), dates)
                    except ValueError:
                        sheet.write_string(r, c, text)
                else:
                    sheet.write_string(r, c, text)
    book.close()


def best(command: Command, work: Path, repeat: int, timeout: float) -> Run:
    for _ in range(repeat):
        command.runs.append(measure(command, work, timeout))
    found = command.best
    assert found is not None
    if not found.ok:
        raise SystemExit(f"{command.name} failed: {found.code} {found.error}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--memory-rows", type=int, nargs=2, default=(20_000, 200_000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    table: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as folder:
        work = Path(folder)
        firms = work / "firms.csv"
        generate(firms, args.rows)
        book = work / "firms.xlsx"
        to_workbook(firms, book)
        commands = {
            "csv": Command("batch -o results.csv", subsidy("batch", firms, "-o", work / "out.csv", *AS_OF)),
            "xlsx out": Command("batch -o results.xlsx", subsidy("batch", firms, "-o", work / "out.xlsx", *AS_OF)),
            "xlsx in": Command("batch FIRMS.xlsx -o results.csv", subsidy("batch", book, "-o", work / "o.csv", *AS_OF)),
        }
        runs = {name: best(command, work, args.repeat, args.timeout) for name, command in commands.items()}
        base = runs["csv"].seconds
        print(f"{args.rows:,} firms: plain batch {base:.1f} s", file=sys.stderr)
        for name in ("xlsx out", "xlsx in"):
            run = runs[name]
            table.append(
                (
                    f"{commands[name].name}: time / plain batch",
                    f"{run.seconds:.1f} s = {run.seconds / base:.1f}x",
                    "-",
                    "info",
                )
            )
        small, large = args.memory_rows
        for name, suffix in (("results workbook", "out"), ("workbook input", "in")):
            peaks = []
            for rows in (small, large):
                source = work / f"m{rows}.csv"
                generate(source, rows)
                if suffix == "in":
                    sheet = work / f"m{rows}.xlsx"
                    to_workbook(source, sheet)
                    argv = subsidy("batch", sheet, "-o", work / "m.csv", *AS_OF)
                else:
                    argv = subsidy("batch", source, "-o", work / "m.xlsx", *AS_OF)
                peaks.append(best(Command(f"{name} {rows}", argv), work, 1, args.timeout).peak_mb)
            growth = peaks[1] - peaks[0]
            target = f"< {MEMORY_TARGET_MB:.0f} MB" if suffix == "out" else "-"
            verdict = ("OK" if growth < MEMORY_TARGET_MB else "OVER") if suffix == "out" else "info"
            measured = f"{peaks[0]:.1f} -> {peaks[1]:.1f} MB (+{growth:.1f})"
            table.append((f"{name}: peak RSS {small:,} -> {large:,} rows", measured, target, verdict))
    width = max(len(row[0]) for row in table)
    for figure, measured, target, verdict in table:
        print(f"{figure:<{width}}  {measured:<32}  {target:<8}  {verdict}")


if __name__ == "__main__":
    main()
