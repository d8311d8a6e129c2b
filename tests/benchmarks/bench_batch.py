"""Batch benchmark: `subsidy batch` against a plain csv.reader -> csv.writer copy of the same file.

Generates N synthetic firms, then in one run times the copy (the baseline) and `subsidy batch` with
one and with two processes, and prints the ratios and the peak memory (RSS) of each. Each is run
--repeat times, in turn, and its fastest run counts (a shared machine's noise only ever adds time).
Then compares the peak memory of `subsidy batch` on a small and a large file (memory must stay flat).

Targets (issue: batch scoring): on 200,000 rows, ratio at most 4 with one process and at most 2.5 with
--jobs 2; peak memory growth from 20,000 to 1,000,000 rows under 20 MB.

    python tests/benchmarks/bench_batch.py [--rows 200000] [--repeat 3] [--memory-rows 20000 1000000]
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from subsidy_cli.profile.creditcode import check_character  # noqa: E402
from subsidy_cli.profile.keys import KEYS, RECOGNITIONS, ROLES  # noqa: E402

DISTRICTS = [
    "zhangjiagang",
    "changshu",
    "太仓市",
    "昆山市",
    "wujiang",
    "吴中区",
    "xiangcheng",
    "gusu",
    "sip",
    "苏州高新区",
    "outside_suzhou",
]
COPY = """
import csv, sys
src = open(sys.argv[1], newline="", encoding="utf-8")
with src, open(sys.argv[2], "w", newline="", encoding="utf-8") as dst:
    writer = csv.writer(dst)
    for row in csv.reader(src):
        writer.writerow(row)
"""
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - start
print(code, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


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

    platform = "platform_operator" in roles
    values = {
        "name": f"苏州市第{i}号智能制造有限公司",
        "credit_code": code,
        "entity_type": rng.choice(["enterprise"] * 8 + ["social_organization", "public_institution", ""]),
        "independent_legal_person": rng.choice(["true"] * 9 + ["false", ""]),
        "district": rng.choice(DISTRICTS),
        "sme": rng.choice(["true", "true", "false", ""]),
        "roles": ";".join(roles),
        "recognitions": ";".join(recognitions),
        "retrofit_loan_cny": money(10, 5000, 0.4),
        "retrofit_loan_via_platform": rng.choice(["true", "true", "false", ""]),
        "cloud_star_level": number(0, 5, 0.5),
        "platform_served_enterprises": number(100, 1000, 0.9 if platform else 0.0),
        "platform_connected_devices": number(10000, 90000, 0.9 if platform else 0.0),
        "first_set_unit_price_cny": money(10, 10000, 0.1),
        "flexible_experts": number(0, 4, 0.2),
        "application_date": f"{rng.randint(2021, 2023)}-{rng.randint(1, 12):02d}-15",
    }
    return [values.get(key, "") for key in KEYS]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(KEYS))
        for i in range(rows):
            writer.writerow(firm(i, rng))


def measure(command: list[str]) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
    code, seconds, kilobytes = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return int(code), float(seconds), int(kilobytes) / 1024


def batch_command(source: Path, target: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "subsidy_cli", "batch", str(source), "-o", str(target), "--jobs", str(jobs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--memory-rows", type=int, nargs=2, default=(20_000, 1_000_000))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the fastest counts")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "firms.csv"
        generate(source, args.rows)
        print(f"{args.rows:,} synthetic firms, {source.stat().st_size / 1e6:.1f} MB")
        commands = {
            "copy": [sys.executable, "-c", COPY, str(source), str(work / "copy.csv")],
            1: batch_command(source, work / "out1.csv", 1),
            2: batch_command(source, work / "out2.csv", 2),
        }
        runs: dict[object, list[tuple[int, float, float]]] = {name: [] for name in commands}
        for _ in range(args.repeat):  # in turn, so that a slow spell of the machine hits every command alike
            for name, command in commands.items():
                runs[name].append(measure(command))
        best = {name: min(found, key=lambda run: run[1]) for name, found in runs.items()}
        _, copy_s, copy_mb = best["copy"]
        print(f"baseline csv copy:         {copy_s:6.2f} s  peak {copy_mb:6.1f} MB  (fastest of {args.repeat})")
        for jobs, target in ((1, 4.0), (2, 2.5)):
            code, seconds, peak = best[jobs]
            ratio = seconds / copy_s
            verdict = "OK" if ratio <= target else "OVER TARGET"
            print(
                f"subsidy batch --jobs {jobs}:    {seconds:6.2f} s  peak {peak:6.1f} MB  ratio {ratio:.2f} "
                f"(target at most {target}) -> {verdict}  [exit {code}]"
            )
        same = (work / "out1.csv").read_bytes() == (work / "out2.csv").read_bytes()
        print(f"--jobs 2 output identical to --jobs 1: {same}")
        if args.skip_memory:
            return
        small, large = args.memory_rows
        peaks = []
        for rows in (small, large):
            path = work / f"mem{rows}.csv"
            generate(path, rows, seed=11)
            _, seconds, peak = measure(batch_command(path, work / "mem-out.csv", 1))
            peaks.append(peak)
            print(f"subsidy batch on {rows:>9,} rows: {seconds:7.1f} s  peak {peak:6.1f} MB")
            path.unlink()
        growth = peaks[1] - peaks[0]
        print(f"peak memory growth {growth:.1f} MB (target under 20 MB) -> {'OK' if growth < 20 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
