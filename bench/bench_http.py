"""Benchmark: pages under a crowd — `learncity serve` on a throwaway demo city, each page loaded by wrk.

For each checkout measured (this one; with --base PATH another one first, e.g. the code before issue 16 checked
out by `git worktree add /tmp/lc-base c6a8ca8`, run with this checkout's .venv and PYTHONPATH=PATH/src; --after
PATH measures another checkout instead of this one, e.g. a worktree of HEAD without edits in progress), on a
throwaway database (SQLite in a temporary data folder; with --postgres a new database on DATABASE_URL's server,
dropped afterwards, and the production cache: Redis at REDIS_URL's server, or 127.0.0.1:6379, in an empty
database number under a prefix of its own, deleted afterwards) it:

1. builds the demo city into it (`learncity demo --no-serve --residents N`) and runs ANALYZE;
2. starts `learncity serve --no-worker` on a free port (the server as shipped: its workers, threads, static files)
   and times the first request of a fresh server's worker to the search page, then (after a restart) to the public
   dashboard;
3. signs the demo learner (for /credits/) and the first district's official (for a drill-down) in through the
   sign-in form, and finds a course, an event and an indicator from the pages' own links;
4. requests each page until it answers 200 (warm), then runs `wrk -t2 -c<connections> -d<seconds>s --timeout 30s`
   on it (signed-in pages with the session cookie), and prints req/s, p50, p99 and errors (non-2xx/3xx answers and
   socket errors: connect, read, write, time-outs); then a warm request to search and the dashboard, alone.

The load generator runs on the same machine as the server, as the issue's figures did. Stops the server, drops the
database and deletes the cache keys on the way out, also on Ctrl-C or a failure.

    learncity bench http                                    # SQLite, 10 s a page, 50 connections
    bash scripts/with-postgres.sh learncity bench http --postgres --base /tmp/lc-base
    learncity bench http --pages home,public --seconds 5
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import pg, say

HERE = Path(__file__).resolve().parent
THIS_TREE = HERE.parent
LUA = HERE / "http_report.lua"
PAGES = ("home", "learn", "search", "course", "event", "public", "drilldown", "credits")
SIGNED_IN = {"drilldown": "district_admin", "credits": "learner"}
GOALS = {"anonymous": (500, 200), "signed_in": (150, 400)}  # req/s at least, p99 ms at most
FRESH_PAGES = ("search", "public")
SEARCH = "/learn/?q=" + urllib.parse.quote("书法")


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway database on DATABASE_URL's server")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration a page (default 10)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument("--residents", type=int, default=5_000,
                        help="the demo city's residents (default 5000: `learncity demo` builds 20000, a few minutes "
                             "more a build for the same pages)")
    parser.add_argument("--base", metavar="PATH", help="also measure the checkout at PATH (first), side by side")
    parser.add_argument("--after", metavar="PATH", default=str(THIS_TREE),
                        help="the checkout measured as 'after' (default this one; a worktree of HEAD measures the "
                             "committed code alone, without edits in progress)")
    return parser


@dataclass
class Figures:
    page: str
    path: str = ""
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    note: str = ""


@dataclass
class TreeRun:
    label: str
    rows: list[Figures] = field(default_factory=list)
    fresh_ms: dict[str, float] = field(default_factory=dict)
    warm_ms: dict[str, float] = field(default_factory=dict)
    build_seconds: float = 0.0
    static: str = ""


class BenchError(Exception):
    pass


def _check_args(args) -> list[str]:
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in PAGES]
    if unknown or not pages:
        raise SystemExit(f"--pages: unknown page(s) {', '.join(unknown) or '(none given)'}; "
                         f"choose among {', '.join(PAGES)}")
    if not 1 <= args.seconds <= 600:
        raise SystemExit(f"--seconds must be between 1 and 600, not {args.seconds}")
    if not 2 <= args.connections <= 10_000:
        raise SystemExit(f"--connections must be between 2 and 10000, not {args.connections}")
    if args.residents < 100:
        raise SystemExit(f"--residents must be 100 or more, not {args.residents}")
    for option, tree in (("--base", args.base), ("--after", args.after)):
        if tree and not (Path(tree) / "src" / "learncity" / "__init__.py").is_file():
            raise SystemExit(f"{option} {tree}: not a learncity checkout (no src/learncity/__init__.py there)")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `make install` (or apt-get install -y wrk)")
    if args.postgres and not os.environ.get("DATABASE_URL"):
        raise SystemExit("--postgres needs DATABASE_URL (e.g. bash scripts/with-postgres.sh learncity bench http "
                         "--postgres)")
    return pages


def run(argv: list[str]) -> dict:
    args = _parser("learncity bench http").parse_args(argv)
    pages = _check_args(args)
    # A SIGTERM (a CI timeout, kill) unwinds like Ctrl-C: the server is stopped and the database dropped.
    signal.signal(signal.SIGTERM, _interrupted)
    trees = ([(f"before ({_describe(Path(args.base))})", Path(args.base).resolve())] if args.base else [])
    trees.append((f"after ({_describe(Path(args.after))})", Path(args.after).resolve()))
    say(f"learncity bench http: {'PostgreSQL' if args.postgres else 'SQLite'}, demo city of {args.residents:,} "
        f"residents{' (the demo default is 20,000)' if args.residents != 20_000 else ''}, wrk -t2 -c{args.connections} -d{args.seconds}s a page, {os.cpu_count()} cores shared with wrk")
    runs = []
    for label, tree in trees:
        say(f"\n== {label}: {tree}")
        try:
            runs.append(_measure(label, tree, args, pages))
        except BenchError as exc:  # the other checkout's figures are still worth printing
            say(f"  {label} could not be measured: {exc}")
    if not runs:
        raise SystemExit("bench http: no checkout could be measured")
    say("")
    for r in runs:
        _print_table(r)
    if len(runs) == 2:
        _print_side_by_side(*runs)
    return {r.label: {"rows": [f.__dict__ for f in r.rows], "fresh_ms": r.fresh_ms, "warm_ms": r.warm_ms}
            for r in runs}


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def _describe(tree: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h"], capture_output=True, text=True,
                              check=True).stdout.strip() + ("+changes" if _dirty(tree) else "")
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"


def _dirty(tree: Path) -> bool:
    out = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
                         capture_output=True, text=True).stdout
    return bool(out.strip())


# --- one checkout: database, demo, server, load -----------------------------------------------------------------


def _measure(label: str, tree: Path, args, pages: list[str]) -> TreeRun:
    result = TreeRun(label)
    data = Path(tempfile.mkdtemp(prefix="learncity-bench-http-"))
    password = secrets.token_urlsafe(12)
    env = _environment(tree, data, password)
    server_url = db_name = redis = None
    server = None
    try:
        if args.postgres:
            server_url = os.environ["DATABASE_URL"]
            db_name = f"learncity_bench_http_{os.getpid()}_{int(time.time())}"
            pg(server_url, f"CREATE DATABASE \"{db_name}\" ENCODING 'UTF8' TEMPLATE template0")
            env["DATABASE_URL"] = urllib.parse.urlparse(server_url)._replace(path="/" + db_name).geturl()
            redis = _redis_for(env)
        else:
            env.pop("DATABASE_URL", None)
            env.pop("REDIS_URL", None)
        log = data / "bench.log"
        _build(result, env, tree, data, args)
        port = _free_port()
        wanted_fresh = [p for p in FRESH_PAGES if p in pages]
        for page in wanted_fresh:  # a fresh server for each: its workers have answered nothing yet
            server = _serve(env, tree, port, log)
            result.fresh_ms[page] = _timed_get(f"http://127.0.0.1:{port}" + _static_path(page))[1]
            say(f"  first request on a fresh worker, {page}: {_ms(result.fresh_ms[page])} ms")
            server = _stop(server)
        server = _serve(env, tree, port, log)
        _load_pages(result, f"http://127.0.0.1:{port}", password, pages, wanted_fresh, args)
        server = _stop(server)
        return result
    except BaseException:
        if (data / "bench.log").exists():
            kept = Path(tempfile.gettempdir()) / f"learncity-bench-http-{os.getpid()}.log"
            shutil.copy(data / "bench.log", kept)
            say(f"  the failed run's log: {kept}")
        raise
    finally:
        if server is not None:
            _stop(server)
        if redis is not None:
            _redis_clean(*redis)
        if db_name:
            with contextlib.suppress(Exception):
                pg(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(data, ignore_errors=True)


def _environment(tree: Path, data: Path, password: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "learncity.settings", "LEARNCITY_DATA_DIR": str(data),
           "LEARNCITY_DEMO_PASSWORD": password, "PYTHONPATH": str(tree / "src"), "PYTHONUNBUFFERED": "1"}
    for variable in ("LEARNCITY_PORT", "LEARNCITY_HOST", "LEARNCITY_WORKERS", "LEARNCITY_THREADS"):
        env.pop(variable, None)
    return env


def _build(result: TreeRun, env: dict, tree: Path, data: Path, args) -> None:
    say(f"  building the demo city ({args.residents:,} residents) …")
    started = time.perf_counter()
    _run([sys.executable, "-m", "learncity.cli", "demo", "--no-serve", "--residents", str(args.residents)],
         env, tree, data / "bench.log")
    _analyze(env, data)
    result.build_seconds = time.perf_counter() - started
    say(f"  demo city built and analysed in {result.build_seconds:.0f} s (log: kept on failure only)")


def _load_pages(result: TreeRun, base: str, password: str, pages: list[str], wanted_fresh: list[str], args) -> None:
    cookies = {role: _sign_in(base, f"{role}", password) for role in sorted(set(SIGNED_IN.values()))
               if any(SIGNED_IN.get(p) == role for p in pages)}
    paths = _discover(base, cookies, pages)
    for page in pages:
        result.rows.append(_load(base, page, paths.get(page), cookies.get(SIGNED_IN.get(page, "")), args))
    for page in wanted_fresh:
        result.warm_ms[page] = statistics.median(_timed_get(base + _static_path(page))[1] for _ in range(9))
    result.static = _static_check(base)
    say(f"  {result.static}")


def _run(cmd: list[str], env: dict, cwd: Path, log: Path) -> None:
    with open(log, "a", encoding="utf-8") as out:
        proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(f"{' '.join(cmd[2:])} failed (exit {proc.returncode}):\n{tail}")


def _analyze(env: dict, data: Path) -> None:
    """Fresh planner statistics for every table (the demo build may or may not have run ANALYZE itself)."""
    if "DATABASE_URL" in env:
        pg(env["DATABASE_URL"], "ANALYZE")
        return
    with contextlib.closing(sqlite3.connect(data / "learncity.sqlite3")) as db:
        db.execute("ANALYZE")
        db.commit()


def _redis_for(env: dict) -> tuple:
    """An empty Redis database number on REDIS_URL's server (default 127.0.0.1:6379) and a key prefix of our own."""
    import redis

    parsed = urllib.parse.urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    for number in range(15, 0, -1):
        url = parsed._replace(path=f"/{number}").geturl()
        client = redis.Redis.from_url(url)
        try:
            if client.dbsize() == 0:
                break
        except redis.RedisError as exc:
            raise BenchError(f"--postgres uses the production cache, Redis at {url}: {exc}") from exc
    prefix = f"bench-http-{os.getpid()}-{int(time.time())}"
    env["REDIS_URL"], env["LEARNCITY_CACHE_PREFIX"] = url, prefix
    say(f"  cache: Redis {url} (keys {prefix}:*)")
    return client, prefix


def _redis_clean(client, prefix: str) -> None:
    with contextlib.suppress(Exception):
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict, tree: Path, port: int, log: Path) -> subprocess.Popen:
    """`learncity serve --no-worker` (granian alone: it execs) in a process group of its own, ready when every
    worker it spawned has started; no HTTP request is made, so its workers are still fresh."""
    mark = log.stat().st_size if log.exists() else 0
    with open(log, "a", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "learncity.cli", "serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--no-worker"], env=env, cwd=tree, stdout=out, stderr=subprocess.STDOUT,
                                process_group=0)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"learncity serve stopped (exit {proc.returncode}); see its log")
        text = log.read_bytes()[mark:].decode("utf-8", errors="replace")
        spawned = len(re.findall(r"Spawning worker-\d+", text))
        if spawned and len(re.findall(r"Started worker-\d+", text)) >= spawned and _port_open(port):
            time.sleep(0.5)
            return proc
        time.sleep(0.2)
    _stop(proc)
    raise BenchError("learncity serve did not start within 180 s")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(cookie: str | None = None, jar=None):
    handlers = [_NoRedirect()] + ([urllib.request.HTTPCookieProcessor(jar)] if jar is not None else [])
    opener = urllib.request.build_opener(*handlers)
    opener.addheaders = [("User-Agent", "learncity-bench-http"), ("Accept-Language", "zh-hans")]
    if cookie:
        opener.addheaders.append(("Cookie", cookie))
    return opener


def _get(url: str, cookie: str | None = None) -> tuple[int, str]:
    try:
        with _opener(cookie).open(url, timeout=120) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _timed_get(url: str, cookie: str | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    status, _ = _get(url, cookie)
    ms = (time.perf_counter() - started) * 1000
    if status != 200:
        raise BenchError(f"{url} answered {status}, not 200")
    return status, ms


def _sign_in(base: str, username: str, password: str) -> str:
    """The Cookie header of `username` signed in through the sign-in form (as a browser does)."""
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar=jar)
    form = opener.open(base + "/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if not token:
        raise BenchError("the sign-in page has no CSRF token")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": username,
                                   "password": password}).encode()
    request = urllib.request.Request(base + "/login/", data=body, headers={"Referer": base + "/login/"})
    try:
        opener.open(request, timeout=60)
        raise BenchError(f"signing {username} in did not redirect (wrong password? see the log)")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise BenchError(f"signing {username} in answered {exc.code}") from exc
    session = [c for c in jar if c.name == "sessionid"]
    if not session:
        raise BenchError(f"signing {username} in set no session cookie")
    return f"sessionid={session[0].value}"


def _static_check(base: str) -> str:
    """How ECharts reaches the public dashboard's visitors: a <script> tag on the page (downloaded by everyone) or
    not, and the file's encoding, size on the wire and caching."""
    _, html = _get(base + "/monitor/public/")
    tag = re.search(r'<script[^>]*\bsrc="([^"]*echarts[^"]*\.js)"', html)
    found = tag or re.search(r'data-echarts="([^"]*echarts[^"]*\.js)"', html)
    if not found:
        return "ECharts: not referenced by /monitor/public/"
    request = urllib.request.Request(base + found.group(1), headers={"Accept-Encoding": "br, gzip"})
    with _opener().open(request, timeout=60) as response:
        size = len(response.read())
        encoding = response.headers.get("Content-Encoding") or "none"
        caching = response.headers.get("Cache-Control") or "none"
    return (f"ECharts on /monitor/public/ (no chart there): {'a <script> tag' if tag else 'not loaded'}; "
            f"{found.group(1)}: {encoding}, {size / 1024:,.0f} KB, Cache-Control {caching}")


def _static_path(page: str) -> str:
    return {"home": "/", "learn": "/learn/", "search": SEARCH, "public": "/monitor/public/",
            "credits": "/credits/"}[page]


def _discover(base: str, cookies: dict, pages: list[str]) -> dict[str, str]:
    """Every page's path; a course, an event and an indicator from the links the pages show."""
    paths = {p: _static_path(p) for p in pages if p not in ("course", "event", "drilldown")}
    finds = {"course": ("/learn/", None, r'href="(/learn/courses/\d+/)"'),
             "event": ("/learn/events/", None, r'href="(/learn/events/\d+/)"'),
             "drilldown": ("/monitor/", cookies.get("district_admin"), r'href="(/monitor/i/[^/"?]+/)')}
    for page, (where, cookie, pattern) in finds.items():
        if page in pages:
            status, html = _get(base + where, cookie)
            found = re.search(pattern, html)
            paths[page] = found.group(1) if status == 200 and found else ""
    return paths


def _load(base: str, page: str, path: str | None, cookie: str | None, args) -> Figures:
    figures = Figures(page, path or "")
    if not path:
        figures.note = "no link to it found"
        return figures
    for _ in range(3):  # warm: the worker's imports and caches, the database's pages
        status, _ = _get(base + path, cookie)
    if status != 200:
        figures.note = f"answers {status}"
        return figures
    cmd = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "30s", "-s", str(LUA),
           "-H", "Accept-Language: zh-hans"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, base + path], capture_output=True, text=True, timeout=args.seconds + 120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("LEARNCITY-WRK ")), None)
    if out.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {path} (exit {out.returncode}): {out.stderr.strip() or out.stdout[-500:]}")
    w = json.loads(line.removeprefix("LEARNCITY-WRK "))
    figures.rps = w["requests"] / (w["duration_us"] / 1e6)
    figures.p50_ms, figures.p99_ms = w["p50_us"] / 1000, w["p99_us"] / 1000
    figures.errors = w["status"] + w["connect"] + w["read"] + w["write"] + w["timeout"]
    say(f"  {page:<10} {figures.rps:>8,.0f} req/s  p50 {figures.p50_ms:>8,.1f} ms  p99 {figures.p99_ms:>8,.1f} ms  "
        f"errors {figures.errors:,}")
    return figures


# --- printing -----------------------------------------------------------------------------------------------------


def _goal(f: Figures) -> str:
    if f.rps is None:
        return f.note
    rps, p99 = GOALS["signed_in" if f.page in SIGNED_IN else "anonymous"]
    met = f.rps >= rps and f.p99_ms <= p99 and f.errors == 0
    return f"goal ≥{rps}/s, p99 ≤{p99} ms: {'met' if met else 'MISSED'}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def _print_table(r: TreeRun) -> None:
    say(f"{r.label}")
    say(f"  {'page':<10} {'path':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  goal")
    for f in r.rows:
        say(f"  {f.page:<10} {f.path[:34]:<34} {'—' if f.rps is None else f'{f.rps:,.0f}':>8} {_ms(f.p50_ms):>8} "
            f"{_ms(f.p99_ms):>8} {'—' if f.errors is None else f'{f.errors:,}':>7}  {_goal(f)}")
    for page in r.fresh_ms:
        fresh, warm = r.fresh_ms[page], r.warm_ms.get(page)
        ratio = f", {fresh / warm:,.1f}× (goal ≤ 2×)" if warm else ""
        say(f"  first request on a fresh worker, {page}: {_ms(fresh)} ms; warm, alone: {_ms(warm)} ms{ratio}")
    if r.static:
        say(f"  {r.static}")
    say("")


def _print_side_by_side(before: TreeRun, after: TreeRun) -> None:
    say(f"side by side: {before.label} → {after.label}")
    say(f"  {'page':<10} {'req/s':>15} {'p50 ms':>17} {'p99 ms':>17} {'errors':>13}")
    old = {f.page: f for f in before.rows}
    for f in after.rows:
        b = old.get(f.page, Figures(f.page))
        say(f"  {f.page:<10} {_pair(b.rps, f.rps):>15} {_pair(b.p50_ms, f.p50_ms):>17} "
            f"{_pair(b.p99_ms, f.p99_ms):>17} {_count(b.errors)} → {_count(f.errors)}")
    for page in after.fresh_ms:
        say(f"  fresh worker, {page:<7} {_pair(before.fresh_ms.get(page), after.fresh_ms[page]):>15} ms "
            f"(warm {_pair(before.warm_ms.get(page), after.warm_ms.get(page))} ms)")


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _pair(a, b) -> str:
    return f"{_ms(a)} → {_ms(b)}"


if __name__ == "__main__":
    run(sys.argv[1:])
