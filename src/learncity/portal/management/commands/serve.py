import ctypes
import ctypes.util
import hashlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import BaseCommand, CommandError, call_command
from django.db import DatabaseError, connections

from learncity.intake.services import jobs_purge
from learncity.intake.tasks import jobs_resume
from learncity.monitoring.tasks import REFRESH_EVERY as ROLLUPS_EVERY
from learncity.monitoring.tasks import rollups_refresh_due
from learncity.people.rotation import pii_key_problem

STATIC_IGNORE: list[str] = []
WORKER_NICENESS = 10
# Connections the kernel holds for the server while every worker is busy: a crowd arriving at once (the learning
# week's opening) queues instead of being refused. Linux caps it at net.core.somaxconn (4096 by default).
BACKLOG = 4096


def cores() -> int:
    """The cores this process may run on (its CPU affinity, a container's cpuset), not the machine's."""
    if hasattr(os, "sched_getaffinity"):  # Linux (os.process_cpu_count from Python 3.13 on)
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def server_workers(ncores: int) -> int:
    """One granian worker (a process: one Python interpreter, one GIL) a core; more only contend for the cores
    (granian warns on start when workers exceed them)."""
    return max(1, ncores)


def blocking_threads(ncores: int) -> int:
    """Python threads a worker answers requests on. A thread holds the GIL only while it runs Python; the others
    wait on the database or the cache meanwhile, so a few a worker keep its core busy: two a core and one, at most 8
    (more only add contention for the GIL and database connections)."""
    return min(8, max(1, ncores) * 2 + 1)


def server_args(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """granian's command line for `learncity serve` (after `python -m`)."""
    return ["granian", "--interface", "wsgi", "--host", host, "--port", str(port),
            "--workers", str(workers), "--blocking-threads", str(threads),
            "--backlog", str(BACKLOG),
            "--http1-keep-alive",  # a browser (and the load generator) reuses its connection: no TCP set-up a request
            "--no-ws",  # WSGI has no websockets: says so instead of granian's notice on every start
            "learncity.wsgi:application"]


def _env_int(value: str | None, name: str, default: int) -> int:
    """A whole number from the environment variable `name` (its `value`), or `default` when it is unset or empty."""
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{name} must be a whole number, not {value!r}") from None


def static_fingerprint() -> str:
    """What collectstatic would collect (paths, sizes, mtimes): unchanged sources need no second collection,
    which matters because compressing (brotli) the bundled Swagger UI takes a while."""
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(STATIC_IGNORE):
            full = storage.path(path)
            stat = os.stat(full)
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static() -> None:
    stamp = settings.STATIC_ROOT / ".learncity-collected"
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint and (settings.STATIC_ROOT / "staticfiles.json").exists():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)


def _child_setup(niceness: int):
    """What a child runs before exec: lower its priority by `niceness`, and on Linux ask for SIGTERM when the
    supervising `serve` dies, even by SIGKILL (prctl PR_SET_PDEATHSIG), so no orphan keeps the port or the queue."""
    prctl = None
    if sys.platform == "linux":
        try:
            prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None

    def setup() -> None:
        if prctl is not None:
            prctl(1, signal.SIGTERM)
        if niceness:
            os.nice(niceness)

    return setup


def _start(args: list[str], *, niceness: int = 0) -> subprocess.Popen:
    # Its own process group: a Ctrl-C in the terminal reaches only `serve`, which stops the children in order.
    return subprocess.Popen([sys.executable, "-m", *args], process_group=0, preexec_fn=_child_setup(niceness))


def _wait(proc: subprocess.Popen, seconds: float) -> bool:
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


class Command(BaseCommand):
    help = ("Serve learncity with granian (a production-grade server), after migrating and collecting static files, "
            "with the background worker (django-tasks-db's db_worker: import jobs) beside it.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("LEARNCITY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("LEARNCITY_PORT", 8000)))
        parser.add_argument("--workers", type=int, default=_env_int(os.environ.get("LEARNCITY_WORKERS"),
                                                                 "LEARNCITY_WORKERS", server_workers(cores())),
                            help="server processes (default: one a core)")
        parser.add_argument("--threads", type=int, default=_env_int(os.environ.get("LEARNCITY_THREADS"),
                                                                 "LEARNCITY_THREADS", 0),
                            help="request threads a worker (default: two a core and one, at most 8)")
        parser.add_argument("--no-worker", action="store_true",
                            help="serve only; run `learncity db_worker` elsewhere (uploads wait in the queue till then)")

    def handle(self, *args, host, port, workers, threads=0, no_worker=False, **options):
        if workers < 1 or threads < 0:
            raise CommandError(f"--workers must be 1 or more (not {workers}) and --threads 1 or more (not {threads})")
        call_command("migrate", interactive=False, verbosity=0)
        problem = pii_key_problem()
        if problem:  # a server on the wrong key would write residents no one can read, and miss every look-up
            raise CommandError(problem)
        collect_static()
        self.stdout.write(f"learncity: serving on http://{host}:{port}/  (Ctrl-C to stop)")
        sys.stdout.flush()
        server = server_args(host=host, port=port, workers=workers, threads=threads or blocking_threads(cores()))
        if no_worker:
            os.execvp(sys.executable, [sys.executable, "-m", *server])
        self.supervise(server, ["learncity.cli", "db_worker", "--no-reload", "--interval", "1",
                                "--queue-name", "*"])

    def supervise(self, server_args: list[str], worker_args: list[str]) -> None:
        """Run the server and the worker as children until the server ends or `serve` is told to stop. A worker that
        dies is started again; jobs a dead worker left behind are enqueued again (5 s after the start, then every
        minute: learncity.intake.tasks.jobs_resume)."""
        connections.close_all()  # the supervisor holds no connection while it waits
        stopping = []
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda signum, frame: stopping.append(signum))
        server = _start(server_args)
        # Pages come first: the worker yields the CPU to them (and does not slow the server's start).
        worker = _start(worker_args, niceness=WORKER_NICENESS)
        worker_started = time.monotonic()
        next_resume = worker_started + 5  # after the server has come up
        next_purge = worker_started + 120
        next_rollups = worker_started + 30  # monitoring: a rollup refresh enqueued when data arrived since the last
        code = 0
        try:
            while not stopping:
                time.sleep(0.5)
                if (code := server.poll()) is not None:
                    self.stderr.write(f"learncity: the server stopped (exit {code})")
                    break
                now = time.monotonic()
                if worker.poll() is not None:
                    self.stderr.write(f"learncity: the worker stopped (exit {worker.returncode}); starting it again")
                    time.sleep(max(0.0, 5 - (now - worker_started)))  # not a tight loop if it dies at once
                    worker, worker_started = _start(worker_args, niceness=WORKER_NICENESS), time.monotonic()
                if now >= next_resume:
                    next_resume = now + 60
                    self.resume_jobs()
                if now >= next_purge:
                    next_purge = now + 3600
                    self.purge_reports()
                if now >= next_rollups:
                    next_rollups = now + ROLLUPS_EVERY
                    self.refresh_rollups()
        finally:
            self.stop(server, worker)
        if code:
            raise CommandError(f"the server stopped with exit code {code}")

    def stop(self, server: subprocess.Popen, worker: subprocess.Popen) -> None:
        """Both at once, within about 8 s: the worker finishes its task if it can within 4 s; otherwise a second
        SIGTERM interrupts it (db_worker's "press Ctrl+C again"), its job's transaction rolls back and the job is
        resumed later. Whatever is still alive is killed."""
        for proc in (server, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        if not _wait(worker, 4) and worker.poll() is None:
            self.stdout.write("learncity: the worker is still busy; interrupting it (its import job will be resumed)")
            worker.send_signal(signal.SIGTERM)
            _wait(worker, 2)
        _wait(server, 2)
        for proc in (server, worker):
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def purge_reports(self) -> None:
        try:
            purged = jobs_purge()
        except DatabaseError as exc:  # busy: try again next hour
            self.stderr.write(f"learncity: purging old import reports failed for now: {exc}")
            return
        finally:
            connections.close_all()
        if purged.rows:
            self.stdout.write(f"learncity: staged rows of finished import jobs deleted: {purged.rows:,} "
                              f"({purged.jobs} reports past LEARNCITY_INTAKE_REPORT_DAYS)")

    def refresh_rollups(self) -> None:
        try:
            rollups_refresh_due()
        except DatabaseError as exc:  # busy: try again at the next round
            self.stderr.write(f"learncity: checking the monitoring rollups failed for now: {exc}")
        finally:
            connections.close_all()

    def resume_jobs(self) -> None:
        try:
            resumed = jobs_resume()
        except DatabaseError as exc:  # busy (SQLite's write lock held by a long import): try again next minute
            self.stderr.write(f"learncity: resuming import jobs failed for now: {exc}")
            resumed = []
        finally:
            connections.close_all()
        if resumed:
            self.stdout.write(f"learncity: import jobs left by a stopped worker enqueued again: {resumed}")
