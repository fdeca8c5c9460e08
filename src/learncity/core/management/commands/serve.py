import hashlib
import os
import sys

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import BaseCommand, call_command

STATIC_IGNORE: list[str] = []


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


class Command(BaseCommand):
    help = "Serve learncity with granian (a production-grade server), after migrating and collecting static files."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("LEARNCITY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("LEARNCITY_PORT", 8000)))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("LEARNCITY_WORKERS", 2)))

    def handle(self, *args, host, port, workers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        collect_static()
        self.stdout.write(f"learncity: serving on http://{host}:{port}/  (Ctrl-C to stop)")
        sys.stdout.flush()
        args = ["granian", "--interface", "wsgi", "--host", host, "--port", str(port), "--workers", str(workers),
                "--blocking-threads", "8", "learncity.wsgi:application"]
        os.execvp(sys.executable, [sys.executable, "-m", *args])
