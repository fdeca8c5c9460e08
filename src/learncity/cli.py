"""The `learncity` console script: one entry point that wraps the management commands.

    learncity demo [--city 福州市] [--residents N] [--no-serve]
    learncity serve [--host H] [--port P] [--workers N] [--no-worker]   (web server + background-job worker)
    learncity import FILE --institution CODE [--mode all|valid]
    learncity ledger verify [--account LA…]
    learncity migrate | learncity bench … | learncity <any management command>
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learncity.settings")
    from django.core.management import execute_from_command_line

    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        argv = argv or ["help"]
    execute_from_command_line(["learncity", *argv])


if __name__ == "__main__":
    main()
