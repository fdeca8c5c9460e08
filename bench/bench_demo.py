"""Benchmark: building the demo city with N residents (default 1,000,000).

Runs `learncity demo --no-serve` in a child process on a fresh data folder (SQLite, or PostgreSQL with
--postgres), and prints the wall time, the residents per second and the child's peak resident memory.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def run(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="learncity bench demo")
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--city", default="福州市")
    parser.add_argument("--postgres", action="store_true", help="use DATABASE_URL (PostgreSQL) instead of SQLite")
    args = parser.parse_args(argv)
    env = {**os.environ}
    if not args.postgres:
        env.pop("DATABASE_URL", None)
    elif not env.get("DATABASE_URL"):
        raise SystemExit("--postgres needs DATABASE_URL (e.g. bash scripts/with-postgres.sh learncity bench demo --postgres)")
    with tempfile.TemporaryDirectory(prefix="learncity-bench-") as data:
        env["LEARNCITY_DATA_DIR"] = data
        cmd = [sys.executable, "-m", "learncity.cli", "demo", "--no-serve", "--city", args.city,
               "--residents", str(args.residents), "-v", "0"]
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"demo build failed:\n{proc.stderr[-3000:]}")
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        size = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("learncity.sqlite3"))
    figures = {
        "database": "PostgreSQL" if args.postgres else "SQLite",
        "residents": args.residents,
        "seconds": round(elapsed, 1),
        "residents_per_second": round(args.residents / elapsed) if elapsed else 0,
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "sqlite_file_mib": round(size / 2**20, 1) if not args.postgres else None,
    }
    print(f"demo build · {figures['database']} · {args.residents:,} residents")
    print(f"  wall time       {figures['seconds']:>10.1f} s")
    print(f"  residents/s     {figures['residents_per_second']:>10,}")
    print(f"  peak RSS        {figures['peak_rss_mib']:>10.1f} MiB")
    if figures["sqlite_file_mib"] is not None:
        print(f"  database file   {figures['sqlite_file_mib']:>10.1f} MiB")
    return figures
