"""Batch benchmark: every way of scoring a county's list of firms, each against its baseline, in one run.

Generates N synthetic firms (all districts, slugs and Chinese names; application dates over 2021-2023; loans
with and without the interest paid, so that a county layer's dated values, district settings and caps
apply), then times, on the same file and in turn:

    figure                                                         baseline          target
    subsidy batch --jobs 1                                         csv copy          at most 4x
    subsidy batch --jobs 2                                         csv copy          at most 2.5x
    subsidy batch --overlay samples/overlays/zhangjiagang-2022.toml plain batch      at most 1.3x
    subsidy batch --format jsonl                                   plain batch       at most 15x
    subsidy diff FIRMS --against zhangjiagang-2022.toml            plain batch       at most 3x
    a loop over the rows through the load-once library             plain batch       at most 3x
      (Evaluator().verdict(row): statuses, amounts and totals, for each row as a dict of its non-empty cells,
      in a subprocess)

The baseline is a plain csv.reader -> csv.writer copy of the file. Each command runs --repeat times, the
commands taking turns (so that a slow spell of a shared machine hits each alike), and its fastest run counts
(noise only ever adds time); a command that took over a minute and is more than twice over its target is
not run again, and one that takes longer than --timeout seconds is stopped and reported. The CSV outputs go
to files (as counties write them); JSONL, --long and diff, whose outputs are many gigabytes, go to /dev/null.

Then the peak memory (RSS) of every path on a small and a large file (the first rows of the same firms):
plain, layered, jsonl, --long, diff, the library loop, and --jobs 2 for its main process and, apart, for
its largest worker (ru_maxrss of the command's own process and of its children). The growth must stay
under 20 MB on each: memory must not grow with the length of the file.

Ends with one table: figure, measured, target, OK / OVER.

    python tests/benchmarks/bench_batch.py                      # 200,000 rows; memory on 20,000 and 1,000,000
    python tests/benchmarks/bench_batch.py --memory-rows 20000 200000            # a faster memory check
    python tests/benchmarks/bench_batch.py --rows 20000 --repeat 1 --skip-memory # does it work?
    python tests/benchmarks/bench_batch.py --skip-slow          # not jsonl, diff or the library loop
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from subsidy_cli.profile.creditcode import check_character  # noqa: E402
from subsidy_cli.profile.keys import DISTRICT_ZH, INSTITUTION_CATEGORIES, KEYS, RECOGNITIONS, ROLES  # noqa: E402

LAYER = ROOT / "samples" / "overlays" / "zhangjiagang-2022.toml"
MEMORY_TARGET_MB = 20.0
LONG_RUN = 60.0  # seconds: a command this slow and more than twice over its target is not run again

# A county's list: most firms from the county itself (the layer's district), the rest from everywhere.
DISTRICT_WEIGHTS = {district: (30 if district == "zhangjiagang" else 6) for district in DISTRICT_ZH}
FIRST_DAY, LAST_DAY = dt.date(2021, 1, 1), dt.date(2023, 12, 31)

COPY = """
import csv, sys
src = open(sys.argv[1], newline="", encoding="utf-8")
with src, open(sys.argv[2], "w", newline="", encoding="utf-8") as dst:
    writer = csv.writer(dst)
    for row in csv.reader(src):
        writer.writerow(row)
"""
# The command's own peak and its children's (for --jobs: the largest worker), written where $BENCH_RSS says.
_RSS = """
def _rss():
    import os, resource
    if os.environ.get("BENCH_RSS"):
        with open(os.environ["BENCH_RSS"], "w") as out:
            own, kids = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
            out.write(f"{own} {kids}")
"""
# `python -m subsidy_cli ARGS`, then its peaks.
SUBSIDY = (
    _RSS
    + """
import runpy, sys
sys.argv = ["subsidy", *sys.argv[1:]]
try:
    runpy.run_module("subsidy_cli", run_name="__main__", alter_sys=True)
finally:
    _rss()
"""
)
# The library, loaded once, over every row of the CSV as a dict of its non-empty cells; then its peaks.
LIBRARY = (
    _RSS
    + """
import csv, sys
from subsidy_cli.errors import SubsidyError
from subsidy_cli.library import Evaluator
rules = Evaluator(overlays=sys.argv[2:])
judged = invalid = 0
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    header = next(rows)
    for row in rows:
        try:
            rules.verdict({key: cell for key, cell in zip(header, row) if cell})
            judged += 1
        except SubsidyError:
            invalid += 1
print(f"{judged} judged, {invalid} invalid", file=sys.stderr)
_rss()
"""
)
# Runs a command in a session of its own (so a timeout stops its workers too); prints exit, seconds, peak KB.
MEASURE = """
import os, resource, signal, subprocess, sys, time
timeout, stderr = float(sys.argv[1]) or None, open(sys.argv[2], "wb")
start = time.perf_counter()
process = subprocess.Popen(sys.argv[3:], stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
try:
    code = process.wait(timeout=timeout)
except BaseException as exc:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if not isinstance(exc, subprocess.TimeoutExpired):
        raise
    code = "timeout"
elapsed = time.perf_counter() - start
print(code, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


# --- the synthetic firms -----------------------------------------------------------------------------------------


def firm(i: int, rng: random.Random) -> list[str]:
    roles = rng.sample(list(ROLES), k=rng.choice([1, 1, 1, 2]))
    if rng.random() < 0.7:
        roles = ["manufacturer", *[r for r in roles if r != "manufacturer"]][:2]
    recognitions = rng.sample(list(RECOGNITIONS), k=rng.choice([0, 0, 0, 1, 1, 2]))
    base = f"91320{rng.randint(500, 599)}MA{rng.randint(10000000, 99999999)}"[:17]
    code = base + check_character(base) if all(c in "0123456789ABCDEFGHJKLMNPQRTUWXY" for c in base) else ""

    def money(low: int, high: int, chance: float) -> str:
        return f"{rng.randint(low, high) * 10}万" if rng.random() < chance else ""

    def number(low: int, high: int, chance: float) -> str:
        return str(rng.randint(low, high)) if rng.random() < chance else ""

    def choice(options: list[str]) -> str:
        return rng.choice(options)

    district = rng.choices(list(DISTRICT_WEIGHTS), weights=list(DISTRICT_WEIGHTS.values()))[0]
    loan = rng.randint(10, 5000) * 100_000 if rng.random() < 0.4 else None  # 100万 to 5亿
    interest = ""
    if loan is not None and rng.random() < 0.6:  # interest actually paid, a year at 2.5%-5%, written two ways
        paid = loan * rng.randint(250, 500) // 10_000
        interest = f"{paid / 10_000:g}万" if rng.random() < 0.5 else f"{paid:,}"
    platform = "platform_operator" in roles
    node = "identifier_node" in roles
    security = "security_provider" in roles
    values = {
        "name": f"苏州市第{i}号智能制造有限公司",
        "credit_code": code,
        "entity_type": choice(["enterprise"] * 8 + ["social_organization", "public_institution", ""]),
        "independent_legal_person": choice(["true"] * 9 + ["false", ""]),
        "district": choice([district, DISTRICT_ZH[district]]),
        "sme": choice(["true", "true", "false", ""]),
        "roles": ";".join(roles),
        "recognitions": ";".join(recognitions),
        "retrofit_loan_cny": "" if loan is None else choice([f"{loan // 10_000}万", str(loan)]),
        "retrofit_loan_via_platform": choice(["true", "true", "false", ""]),
        "retrofit_loan_interest_paid_cny": interest,
        "cloud_star_level": number(0, 5, 0.5),
        "platform_served_enterprises": number(100, 1000, 0.9 if platform else 0.0),
        "platform_connected_devices": number(10000, 90000, 0.9 if platform else 0.0),
        "identifier_annual_registrations": number(10_000_000, 50_000_000, 0.9 if node else 0.0),
        "identifier_daily_resolutions": number(5_000_000, 20_000_000, 0.9 if node else 0.0),
        "identifier_rnd_investment_cny": money(100, 2000, 0.8 if node else 0.0),
        "institution_category": choice(list(INSTITUTION_CATEGORIES)) if "research_institution" in roles else "",
        "first_set_unit_price_cny": money(10, 10000, 0.1),
        "first_version_software_sales_cny": money(10, 3000, 0.6 if "software_vendor" in roles else 0.0),
        "flexible_experts": number(0, 4, 0.2),
        "security_served_enterprises": number(0, 30, 0.9 if security else 0.0),
        "security_annual_revenue_cny": money(10, 1000, 0.9 if security else 0.0),
        "security_contract_cny": money(10, 3000, 0.9 if security else 0.0),
        "application_date": (FIRST_DAY + dt.timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days))).isoformat(),
    }
    assert set(values) <= set(KEYS), set(values) - set(KEYS)
    return [values.get(key, "") for key in KEYS]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` synthetic firms; the same seed gives the same firms, so a shorter file is a longer one's start."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(KEYS))
        for i in range(rows):
            writer.writerow(firm(i, rng))


# --- running and measuring ---------------------------------------------------------------------------------------


@dataclass
class Run:
    code: str  # the exit code, or "timeout"
    seconds: float
    peak_mb: float  # the largest process of the command's tree
    own_mb: float | None = None  # the command's own process (subsidy commands and the library loop)
    children_mb: float | None = None  # its largest child process (the workers of --jobs)
    error: str = ""
    ok_codes: tuple[str, ...] = ("0",)

    @property
    def ok(self) -> bool:
        return self.code in self.ok_codes


@dataclass
class Command:
    name: str
    argv: list[str]
    slow: bool = False  # more than ten times plain batch today: --skip-slow leaves it out
    ok_codes: tuple[str, ...] = ("0", "1")  # subsidy's 1: some synthetic rows are invalid on purpose, all scored
    runs: list[Run] = field(default_factory=list)

    @property
    def best(self) -> Run | None:
        done = [run for run in self.runs if run.ok]
        return min(done, key=lambda run: run.seconds) if done else (self.runs[-1] if self.runs else None)


def measure(command: Command, work: Path, timeout: float) -> Run:
    rss, stderr = work / "rss.txt", work / "stderr.txt"
    rss.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(timeout), str(stderr), *command.argv],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BENCH_RSS": str(rss)},
    )
    code, seconds, kilobytes = out.stdout.split()
    run = Run(code, float(seconds), int(kilobytes) / 1024, ok_codes=command.ok_codes)
    if rss.exists():
        own, children = rss.read_text().split()
        run.own_mb, run.children_mb = int(own) / 1024, int(children) / 1024
    if not run.ok and code != "timeout":
        lines = stderr.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        run.error = lines[-1] if lines else ""
    return run


def subsidy(*args: str | Path) -> list[str]:
    return [sys.executable, "-c", SUBSIDY, *map(str, args)]


def commands_for(source: Path, work: Path, tag: str) -> dict[str, Command]:
    out = work / f"out-{tag}"
    return {
        "copy": Command("csv copy", [sys.executable, "-c", COPY, str(source), f"{out}-copy.csv"]),
        "batch": Command("batch --jobs 1", subsidy("batch", source, "-o", f"{out}-1.csv", "--jobs", "1")),
        "jobs2": Command("batch --jobs 2", subsidy("batch", source, "-o", f"{out}-2.csv", "--jobs", "2")),
        "layered": Command(
            "batch --overlay zjg-2022", subsidy("batch", source, "-o", f"{out}-layer.csv", "--overlay", LAYER)
        ),
        "jsonl": Command("batch --format jsonl", subsidy("batch", source, "--format", "jsonl"), True),
        "diff": Command("diff --against zjg-2022", subsidy("diff", source, "--against", LAYER), True),
        "library": Command("library loop", [sys.executable, "-c", LIBRARY, str(source)], True, ("0",)),
        "long": Command("batch --long", subsidy("batch", source, "--long")),
    }


# (command, baseline, target ratio)
TIMED = [
    ("batch", "copy", 4.0),
    ("jobs2", "copy", 2.5),
    ("layered", "batch", 1.3),
    ("jsonl", "batch", 15.0),
    ("diff", "batch", 3.0),
    ("library", "batch", 3.0),
]
MEMORY_PATHS = ["batch", "layered", "jsonl", "long", "diff", "library", "jobs2"]


def describe(run: Run | None, timeout: float) -> str:
    if run is None:
        return "skipped"
    if run.code == "timeout":
        return f"timeout (> {timeout:.0f} s)"
    if not run.ok:
        return f"FAILED exit {run.code}: {run.error[:70]}"
    return f"{run.seconds:8.2f} s  peak {run.peak_mb:6.1f} MB  [exit {run.code}]"


def time_commands(commands: dict[str, Command], args: argparse.Namespace, work: Path) -> None:
    wanted = dict.fromkeys(["copy", *(name for entry in TIMED for name in entry[:2])])
    order = [name for name in wanted if not (args.skip_slow and commands[name].slow)]
    settled: set[str] = set()
    for round_ in range(args.repeat):
        for name in order:
            if name in settled:
                continue
            run = measure(commands[name], work, args.timeout)
            commands[name].runs.append(run)
            print(f"  round {round_ + 1}  {commands[name].name:<26} {describe(run, args.timeout)}", flush=True)
            if not run.ok:
                settled.add(name)  # a timeout or a failure does not improve with another try
        baselines = {base for _, base, _ in TIMED}
        for name, base, target in TIMED:  # long and far over the target: noise cannot bring it back
            ours, theirs = commands[name].best, commands[base].best
            if name in baselines or not (ours and theirs and ours.ok and theirs.ok):
                continue  # a baseline always runs again
            if ours.seconds > LONG_RUN and ours.seconds > 2 * target * theirs.seconds:
                settled.add(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--memory-rows", type=int, nargs=2, default=(20_000, 1_000_000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command, in turn; the fastest counts")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a command is stopped (0: none)")
    parser.add_argument("--skip-memory", action="store_true", help="no memory runs")
    parser.add_argument("--skip-slow", action="store_true", help="leave out jsonl, diff and the library loop")
    args = parser.parse_args()
    table: list[tuple[str, str, str, str]] = []  # figure, measured, target, verdict
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / f"firms-{args.rows}.csv"
        generate(source, args.rows)
        print(f"{args.rows:,} synthetic firms, {source.stat().st_size / 1e6:.1f} MB; timing (fastest of {args.repeat})")
        commands = commands_for(source, work, "timed")
        time_commands(commands, args, work)
        for name, base, target in TIMED:
            ours, theirs = commands[name].best, commands[base].best
            figure = f"{commands[name].name} / {commands[base].name}"
            if ours is None or theirs is None:
                table.append((figure, "skipped", f"<= {target:g}x", "-"))
            elif not theirs.ok:
                table.append((figure, f"baseline {describe(theirs, args.timeout)}", f"<= {target:g}x", "?"))
            elif ours.code == "timeout":
                bound = args.timeout / theirs.seconds
                table.append(
                    (figure, f"> {bound:.1f}x (timeout)", f"<= {target:g}x", "OVER" if bound > target else "?")
                )
            elif not ours.ok:
                table.append((figure, describe(ours, args.timeout), f"<= {target:g}x", "FAILED"))
            else:
                ratio = ours.seconds / theirs.seconds
                measured = f"{ratio:.2f}x ({ours.seconds:.2f} s / {theirs.seconds:.2f} s)"
                table.append((figure, measured, f"<= {target:g}x", "OK" if ratio <= target else "OVER"))
        one, two = work / "out-timed-1.csv", work / "out-timed-2.csv"
        if one.exists() and two.exists():
            same = one.read_bytes() == two.read_bytes()
            table.append(("--jobs 2 output = --jobs 1 output", str(same), "True", "OK" if same else "OVER"))
        for path in work.glob("out-timed-*"):
            path.unlink()
        if not args.skip_memory:
            table.extend(memory(args, work, source, commands))
    print()
    widths = [max(len(row[i]) for row in [("figure", "measured", "target", ""), *table]) for i in range(3)]
    print(f"{'figure':<{widths[0]}}  {'measured':<{widths[1]}}  {'target':<{widths[2]}}  verdict")
    for figure, measured, target, verdict in table:
        print(f"{figure:<{widths[0]}}  {measured:<{widths[1]}}  {target:<{widths[2]}}  {verdict}")


def memory(args: argparse.Namespace, work: Path, source: Path, timed: dict[str, Command]) -> list[tuple[str, ...]]:
    """Peak memory of every path on the small and the large file; the growth must stay under the target."""
    paths = [name for name in MEMORY_PATHS if not (args.skip_slow and timed[name].slow)]
    peaks: dict[str, list[Run | None]] = {name: [] for name in paths}
    for rows in args.memory_rows:
        print(f"memory on {rows:,} rows", flush=True)
        path = source if rows == args.rows else work / f"firms-{rows}.csv"
        if path != source:
            generate(path, rows)
        commands = commands_for(path, work, "memory")
        for name in paths:
            if rows == args.rows and timed[name].best is not None:
                run = timed[name].best  # the timed run already measured this file
            else:
                run = measure(commands[name], work, args.timeout)
                print(f"  {commands[name].name:<26} {describe(run, args.timeout)}", flush=True)
            peaks[name].append(run)
        for stale in work.glob("out-memory-*"):
            stale.unlink()
        if path != source:
            path.unlink()
    small, large = args.memory_rows
    table = []
    for name in paths:
        small_run, large_run = peaks[name]
        parts = [("", lambda run: run.own_mb if run.own_mb is not None else run.peak_mb)]
        if name == "jobs2":
            parts = [(" main process", lambda run: run.own_mb), (" per worker", lambda run: run.children_mb)]
        for label, peak_of in parts:
            figure = f"memory growth {timed[name].name}{label}, {small:,} -> {large:,} rows"
            target = f"< {MEMORY_TARGET_MB:g} MB"
            if small_run is None or large_run is None or not small_run.ok:
                table.append((figure, describe(small_run, args.timeout), target, "?"))
                continue
            low, high = peak_of(small_run), peak_of(large_run)
            if low is None or high is None:
                table.append((figure, "not measured", target, "?"))
            elif not large_run.ok and large_run.code != "timeout":
                table.append((figure, describe(large_run, args.timeout), target, "?"))
            elif not large_run.ok:  # a timed-out run's peak so far is a lower bound
                grown = high - low
                over = grown >= MEMORY_TARGET_MB
                table.append(
                    (
                        figure,
                        f">= {grown:.1f} MB ({describe(large_run, args.timeout)})",
                        target,
                        "OVER" if over else "?",
                    )
                )
            else:
                grown = high - low
                verdict = "OK" if grown < MEMORY_TARGET_MB else "OVER"
                table.append((figure, f"{grown:+.1f} MB ({low:.1f} -> {high:.1f} MB)", target, verdict))
    return table


if __name__ == "__main__":
    main()
