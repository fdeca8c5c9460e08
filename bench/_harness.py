"""What every benchmark shares: a child process on a throwaway database, and printing timed steps.

`run_child` runs `<script> --child <figures.json> <argv>` with a fresh data folder (a temporary directory, so SQLite
starts empty) and, when `postgres` is set, a new database on DATABASE_URL's server, dropped afterwards unless
`keep`. The child writes its figures to the JSON file; the parent returns them.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse


def pg(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def run_child(name: str, script: str, argv: list[str], *, postgres: bool, keep: bool = False,
              unset: tuple[str, ...] = ()) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "learncity.settings"}
    for variable in unset:
        env.pop(variable, None)
    server_url = db_name = None
    if postgres:
        server_url = env.get("DATABASE_URL")
        if not server_url:
            raise SystemExit(f"--postgres needs DATABASE_URL (e.g. bash scripts/with-postgres.sh learncity bench {name} "
                             "--postgres)")
        db_name = f"learncity_bench_{name}_{os.getpid()}_{int(time.time())}"
        pg(server_url, f'CREATE DATABASE "{db_name}" ENCODING \'UTF8\' TEMPLATE template0')
        env["DATABASE_URL"] = urllib.parse.urlparse(server_url)._replace(path="/" + db_name).geturl()
    else:
        env.pop("DATABASE_URL", None)
    data = tempfile.mkdtemp(prefix=f"learncity-bench-{name}-")
    try:
        env["LEARNCITY_DATA_DIR"] = data
        out = os.path.join(data, "figures.json")
        proc = subprocess.run([sys.executable, os.path.abspath(script), "--child", out, *argv], env=env)
        if proc.returncode != 0:
            raise SystemExit(f"bench {name} failed (exit {proc.returncode})")
        with open(out, encoding="utf-8") as f:
            return json.load(f)
    finally:
        if keep:
            print(f"kept: {env.get('DATABASE_URL') or os.path.join(data, 'learncity.sqlite3')}")
        else:
            shutil.rmtree(data, ignore_errors=True)
            if db_name:
                pg(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def say(text: str) -> None:
    print(text, flush=True)


def timed(label: str, fn, *, width: int = 40):
    """Run fn, print the label and the seconds it took; (its value, the seconds)."""
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    say(f"  {label:<{width}}{seconds:>9.1f} s")
    return value, seconds


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by the nearest-rank method (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def database_mib() -> int:
    """The size of the child's database, in MiB."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_database_size(current_database())")
            return round(cur.fetchone()[0] / 2**20)
        cur.execute("PRAGMA page_count")
        pages = cur.fetchone()[0]
        cur.execute("PRAGMA page_size")
        return round(pages * cur.fetchone()[0] / 2**20)
