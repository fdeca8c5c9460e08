"""`learncity bench http`: its arguments (bad ones named), and wrk's report read through the bundled Lua script."""

import argparse
import importlib.util
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_http.py"
spec = importlib.util.spec_from_file_location("bench_http", BENCH)
bench_http = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_http)


def _args(*argv: str) -> argparse.Namespace:
    return bench_http._parser().parse_args(list(argv))


def test_the_default_pages_are_the_issue_s_eight():
    assert bench_http._check_args(_args()) == ["home", "learn", "search", "course", "event", "public", "drilldown",
                                               "credits"]
    assert bench_http._check_args(_args("--pages", "public, credits")) == ["public", "credits"]


@pytest.mark.parametrize(("argv", "message"), [
    (("--pages", "home,dashboard"), "--pages: unknown page(s) dashboard; choose among home, learn"),
    (("--pages", ","), "--pages: unknown page(s) (none given)"),
    (("--seconds", "0"), "--seconds must be between 1 and 600, not 0"),
    (("--connections", "1"), "--connections must be between 2 and 10000, not 1"),
    (("--residents", "10"), "--residents must be 100 or more, not 10"),
    (("--base", "/nonexistent"), "--base /nonexistent: not a learncity checkout"),
    (("--after", "/tmp"), "--after /tmp: not a learncity checkout"),
])
def test_bad_arguments_are_refused_naming_the_option(argv, message):
    with pytest.raises(SystemExit, match=message.replace("(", r"\(").replace(")", r"\)")):
        bench_http._check_args(_args(*argv))


def test_postgres_without_a_database_url_is_refused(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match="--postgres needs DATABASE_URL"):
        bench_http._check_args(_args("--postgres"))


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):
        status = 200 if self.path in ("/ok", "/monitor/public/", "/static/echarts.min.abc.js") else 500
        body = b"<p>ok</p>" * 10
        if self.path == "/monitor/public/":
            body = b'<script src="/static/loader.js" data-echarts="/static/echarts.min.abc.js" defer></script>'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if self.path.endswith(".js"):
            self.send_header("Content-Encoding", "br")
            self.send_header("Cache-Control", "max-age=315360000, public, immutable")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # wrk closes its connections mid-request when its time is up


@pytest.fixture
def site():
    server = _Server(("127.0.0.1", 0), _Pages)
    server.protocol_version = "HTTP/1.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make install)")
def test_a_page_is_loaded_by_wrk_and_its_figures_read(site):
    figures = bench_http._load(site, "home", "/ok", None, _args("--seconds", "1", "--connections", "4"))
    assert figures.note == ""
    assert figures.rps > 0
    assert 0 < figures.p50_ms <= figures.p99_ms
    assert figures.errors == 0


def test_a_page_that_does_not_answer_200_is_not_loaded(site):
    figures = bench_http._load(site, "home", "/broken", None, _args("--seconds", "1"))
    assert (figures.rps, figures.errors, figures.note) == (None, None, "answers 500")
    assert bench_http._goal(figures) == "answers 500"


def test_a_page_without_a_link_to_it_is_reported_not_loaded(site):
    figures = bench_http._load(site, "course", "", None, _args())
    assert figures.note == "no link to it found"


@pytest.mark.parametrize(("page", "rps", "p99", "errors", "verdict"), [
    ("home", 500, 200, 0, "met"), ("home", 499, 10, 0, "MISSED"), ("home", 900, 201, 0, "MISSED"),
    ("home", 900, 10, 1, "MISSED"), ("credits", 150, 400, 0, "met"), ("drilldown", 149, 100, 0, "MISSED")])
def test_the_goal_is_the_issue_s(page, rps, p99, errors, verdict):
    figures = bench_http.Figures(page, "/", rps=rps, p50_ms=1, p99_ms=p99, errors=errors)
    assert bench_http._goal(figures).endswith(verdict)


def test_the_echarts_check_says_whether_the_public_page_downloads_it_and_how(site):
    assert bench_http._static_check(site) == ("ECharts on /monitor/public/ (no chart there): not loaded; "
                                              "/static/echarts.min.abc.js: br, 0 KB, "
                                              "Cache-Control max-age=315360000, public, immutable")


def test_both_checkouts_are_printed_side_by_side(capsys):
    before = bench_http.TreeRun("before (c6a8ca8)", rows=[bench_http.Figures("home", "/", 624.4, 80.2, 214.0, 0),
                                                          bench_http.Figures("public", "/monitor/public/", 5, 8401,
                                                                             12644, 354)],
                                fresh_ms={"search": 7142.0}, warm_ms={"search": 168.0})
    after = bench_http.TreeRun("after (abc1234)", rows=[bench_http.Figures("home", "/", 900.0, 40.0, 90.0, 0),
                                                        bench_http.Figures("public", "", note="no link to it found")],
                               fresh_ms={"search": 300.0}, warm_ms={"search": 20.0})
    bench_http._print_table(after)
    bench_http._print_side_by_side(before, after)
    out = capsys.readouterr().out
    assert "first request on a fresh worker, search: 300 ms; warm, alone: 20 ms, 15.0× (goal ≤ 2×)" in out
    assert "public     /monitor/public/" not in out.split("side by side")[0]  # after found no link
    assert "no link to it found" in out
    assert "624 → 900" in out
    assert "5.0 → —" in out
    assert "354 → —" in out
    assert "0 → 0" in out
    assert "7,142 → 300" in out
