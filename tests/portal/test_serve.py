"""`learncity serve`: the server's options from the core count, its static files (hashed, long-cached, compressed)
and ECharts only where a chart is drawn."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.templatetags.static import static
from django.test import Client

import learncity.core
from learncity.portal.management.commands import serve
from tests.people.factories import learner_make
from tests.places.factories import TONGCHUAN, street_of

CORE_STATIC = Path(learncity.core.__file__).resolve().parent / "static"
ECHARTS = CORE_STATIC / "learncity" / "vendor" / "echarts.min.js"


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


@pytest.mark.parametrize(("ncores", "workers", "threads"), [(1, 1, 3), (2, 2, 5), (3, 3, 7), (8, 8, 8), (64, 64, 8)])
def test_the_server_has_a_worker_a_core_and_a_few_threads_each(ncores, workers, threads):
    args = serve.server_args(host="127.0.0.1", port=8000, workers=serve.server_workers(ncores),
                             threads=serve.blocking_threads(ncores))
    assert args[0] == "granian"
    assert _option(args, "--interface") == "wsgi"
    assert _option(args, "--workers") == str(workers)
    assert _option(args, "--blocking-threads") == str(threads)
    assert _option(args, "--backlog") == "4096"
    assert "--http1-keep-alive" in args
    assert "--no-ws" in args
    assert args[-1] == "learncity.wsgi:application"


def test_no_cores_reported_still_means_one_worker():
    assert serve.server_workers(0) == 1
    assert serve.blocking_threads(0) == 3


def test_the_core_count_is_this_process_s():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert serve.cores() == expected


@pytest.mark.parametrize(("options", "named"), [({"workers": 0}, "--workers"), ({"workers": -2}, "--workers"),
                                                 ({"workers": 2, "threads": -1}, "--threads")])
def test_serve_refuses_no_workers_or_negative_threads(options, named):
    with pytest.raises(CommandError, match=named):
        call_command("serve", **options)


def test_serve_refuses_a_worker_count_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("LEARNCITY_WORKERS", "two")
    with pytest.raises(CommandError, match="LEARNCITY_WORKERS must be a whole number, not 'two'"):
        call_command("serve")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="granian compares workers with the machine's cores")
def test_granian_starts_with_these_options_on_two_cores_without_a_warning(tmp_path):
    (tmp_path / "hello.py").write_text("def app(environ, start_response):\n"
                                       "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                                       "    return [b'hello']\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = serve.server_args(host="127.0.0.1", port=port, workers=serve.server_workers(2),
                             threads=serve.blocking_threads(2))
    args = [*args[:-1], "--working-dir", str(tmp_path), "hello:app"]
    proc = subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, process_group=0)
    try:
        deadline, answered = time.monotonic() + 60, False
        while time.monotonic() < deadline and not answered:
            time.sleep(0.3)
            with socket.socket() as s:
                s.settimeout(2)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    answered = s.recv(1000).startswith(b"HTTP/1.1 200")
        assert answered
    finally:
        os.killpg(proc.pid, 15)
        output = proc.communicate(timeout=30)[0]
    assert "Started worker-2" in output
    assert not re.search(r"WARN|ERROR", output), output


# --- static files ------------------------------------------------------------------------------------------------


@pytest.fixture
def collected(settings, tmp_path):
    """learncity's own static files collected as `learncity serve` does (hashed names, compressed copies)."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = [CORE_STATIC]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "learncity.core.storage.StaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_echarts_is_served_compressed_under_its_hashed_name_and_cached_for_good(collected, encoding):
    url = static("learncity/vendor/echarts.min.js")
    assert re.fullmatch(r"/static/learncity/vendor/echarts\.min\.[0-9a-f]{12}\.js", url)
    response = Client().get(url, HTTP_ACCEPT_ENCODING=encoding)
    assert response.status_code == 200
    assert response["Content-Encoding"] == encoding
    body = b"".join(response.streaming_content)
    assert 250_000 < len(body) < 400_000  # of 1.1 MB
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "Accept-Encoding" in response["Vary"]


def test_a_browser_that_accepts_no_compression_gets_the_file_itself(collected):
    response = Client().get(static("learncity/vendor/echarts.min.js"))
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert b"".join(response.streaming_content) == ECHARTS.read_bytes()


def test_the_unhashed_name_is_cached_only_a_minute(collected):
    response = Client().get("/static/learncity/vendor/echarts.min.js", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=60, public"


@pytest.mark.parametrize("path", ["/static/learncity/vendor/echarts.min.000000000000.js",
                                  "/static/learncity/vendor/nothing.js", "/static/../settings.py"])
def test_a_static_name_that_was_not_collected_is_not_found(collected, path, db):
    assert Client().get(path, HTTP_ACCEPT_ENCODING="br").status_code == 404


# --- ECharts only where a chart is drawn ---------------------------------------------------------------------------

ECHARTS_TAG = re.compile(r"<script[^>]*\bsrc=\"[^\"]*echarts[^\"]*\"")


@pytest.mark.parametrize("path", ["/", "/learn/", "/learn/?q=书法", "/learn/events/", "/monitor/public/"])
def test_pages_without_charts_do_not_load_echarts(client_as, path):
    response = client_as(None).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not ECHARTS_TAG.search(html)
    assert 'data-chart="' not in html


@pytest.mark.parametrize("user", [None, "learner"])
def test_the_credits_page_does_not_load_echarts(client_as, db, user):
    response = client_as(learner_make(street_of(TONGCHUAN)).user if user else None).get("/credits/", follow=True)
    assert response.status_code == 200
    assert "echarts" not in response.content.decode()


# On the demo city's administrator on purpose: the dashboard draws charts only from a city's figures, and the
# demo city is the one with figures (a city of the test's own would need its records and rollups for a page test).
def test_a_page_with_charts_loads_echarts_through_the_loader(client_as, users):
    response = client_as(users["city_admin"]).get("/monitor/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="' in html
    assert not ECHARTS_TAG.search(html)  # not up front: the loader adds it when it finds a chart
    loader = re.search(r'<script src="([^"]*charts-loader\.js)" data-echarts="([^"]*)" defer></script>', html)
    assert loader
    assert loader.group(2) == "/static/learncity/vendor/echarts.min.js"
