"""`learncity bench NAME [options]`: run a benchmark from the repository's bench/ folder and print its figures."""

import importlib.util
import sys
from pathlib import Path

from django.core.management import BaseCommand, CommandError

BENCH_DIR = Path(__file__).resolve().parents[5] / "bench"


def _available() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(BENCH_DIR.glob("bench_*.py"))}


class Command(BaseCommand):
    help = "Run a benchmark (bench/bench_NAME.py) and print its figures. `learncity bench list` lists them."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("args", nargs="*")

    def run_from_argv(self, argv):
        # Pass everything after the bench name to the benchmark's own parser.
        if len(argv) > 2 and argv[2] not in ("-h", "--help"):
            try:
                self.execute(argv[2], *argv[3:], no_color=False, force_color=False, skip_checks=True,
                             traceback=False, verbosity=1, settings=None, pythonpath=None, stdout=None, stderr=None)
            except CommandError as exc:
                self.stderr.write(f"learncity bench: {exc}")
                sys.exit(exc.returncode)
            return
        super().run_from_argv(argv)

    def handle(self, name, *args, **options):
        benches = _available()
        if name == "list":
            for n, p in benches.items():
                doc = (p.read_text().split('"""')[1].strip().splitlines() or [""])[0]
                self.stdout.write(f"{n:12} {doc}")
            return
        names = list(benches) if name == "all" else [name]
        for n in names:
            if n not in benches:
                raise CommandError(f"unknown benchmark {n!r}; available: {', '.join(benches)}")
            spec = importlib.util.spec_from_file_location(f"bench_{n}", benches[n])
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.run(list(args) if name != "all" else [])
            sys.stdout.flush()
