"""The README tells the truth about configuration: every environment variable the code reads is documented there."""

import re
from pathlib import Path

import learncity

SRC = Path(learncity.__file__).resolve().parent
README = (SRC.parent.parent / "README.md").read_text(encoding="utf-8")
READS = re.compile(r"""(?:environ\.get|environ\[|getenv|_env_bool|_secret_from_env_or_file)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}


def variables_read() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        found |= set(READS.findall(path.read_text(encoding="utf-8")))
    return found - NOT_CONFIGURATION


def test_every_environment_variable_the_code_reads_is_in_the_readme():
    undocumented = sorted(name for name in variables_read() if f"`{name}`" not in README and f"${name}" not in README)
    assert undocumented == []


def test_the_scan_finds_the_ways_the_code_reads_the_environment():
    found = variables_read()
    assert {"DATABASE_URL", "DEBUG", "SECRET_KEY", "LEARNCITY_PII_KEY", "LEARNCITY_NEW_PII_KEY", "LEARNCITY_HTTPS",
            "LEARNCITY_PORT", "LOG_LEVEL"} <= found
