import os
import sys

from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = "Serve learncity with granian (a production-grade server), after migrating and collecting static files."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("LEARNCITY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("LEARNCITY_PORT", 8000)))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("LEARNCITY_WORKERS", 2)))

    def handle(self, *args, host, port, workers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"learncity: serving on http://{host}:{port}/  (Ctrl-C to stop)")
        sys.stdout.flush()
        args = ["granian", "--interface", "wsgi", "--host", host, "--port", str(port), "--workers", str(workers),
                "--blocking-threads", "8", "learncity.wsgi:application"]
        os.execvp(sys.executable, [sys.executable, "-m", *args])
