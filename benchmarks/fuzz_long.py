"""The longer fuzz run (issue 9): one command, prints figures per importer.

    .venv/bin/python benchmarks/fuzz_long.py                  # 1000 cases per importer, random
    .venv/bin/python benchmarks/fuzz_long.py --examples 5000  # longer
    .venv/bin/python benchmarks/fuzz_long.py --ci             # the CI budget (derandomized, 40)

It runs tests/test_fuzz_importers.py with a bigger budget, not derandomized, with the licensed
fixtures in ../shared/fixtures as extra seeds, and in "collect" mode: a crash is recorded and the
run goes on, so one run reports every crash it finds. Exit status 1 if any crash was found.
The CI run (plain pytest) stops at the first crash and shrinks it to a minimal case instead.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=1000, help="cases per importer (default 1000)")
    ap.add_argument("--ci", action="store_true", help="the CI budget: derandomized, 40 per importer")
    ap.add_argument("--case-seconds", type=int, default=60, help="time bound per case (default 60)")
    args = ap.parse_args()
    stats = Path(tempfile.mkdtemp(prefix="fa-fuzz-stats-")) / "stats.json"
    env = dict(os.environ, FA_FUZZ_STATS=str(stats), FA_FUZZ_CASE_SECONDS=str(args.case_seconds))
    if args.ci:
        env["FA_FUZZ_EXAMPLES"] = "40"
    else:
        env.update(FA_FUZZ_EXAMPLES=str(args.examples), FA_FUZZ_LONG="1", FA_FUZZ_COLLECT="1")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_fuzz_importers.py"], cwd=ROOT, env=env)
    elapsed = time.perf_counter() - t0
    if not stats.exists():
        print("no figures written (the run failed before the fuzz tests)")
        return proc.returncode or 1
    figures = json.loads(stats.read_text())
    load = os.getloadavg()
    print(f"\nfuzz run: {'CI budget' if args.ci else f'{args.examples} cases per importer, random'}; "
          f"{elapsed:.0f} s wall; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"{'importer':<10} {'cases':>6} {'archive errors':>15} {'posts':>7} {'problems':>9} "
          f"{'crashes':>8} {'slowest s':>10}  seeds")
    crashes = 0
    for platform, f in sorted(figures.items()):
        crashes += len(f["crashes"])
        print(f"{platform:<10} {f['cases']:>6} {f['archive_errors']:>15} {f['posts']:>7} {f['problems']:>9} "
              f"{len(f['crashes']):>8} {f['slowest_s']:>10.3f}  {', '.join(f['seeds'])}")
    for platform, f in sorted(figures.items()):
        print(f"slowest {platform} case: {f['slowest_case']}")
    for platform, f in sorted(figures.items()):
        seen = set()
        for c in f["crashes"]:
            key = c["error"].splitlines()[0][:160]
            if key in seen:
                continue
            seen.add(key)
            print(f"\nCRASH ({platform}): {c['error']}\n  case: {c['case']}")
    print(f"\n{crashes} crash(es) found")
    return 1 if crashes or proc.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
