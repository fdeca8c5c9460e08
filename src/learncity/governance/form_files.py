"""The report forms the project ships (governance/forms/*.json, in the common schema format that
governance/report_schema.py checks): annual_statistics.json is the annual statistics of continuing education by
department and industry, whose `feeds` send EMP-CE's figures into monitoring when a unit's return is accepted
(services/feeds.py). The folder holds data only (not a package: a module named `forms` is the web layer's)."""

import json
from pathlib import Path

FORMS = Path(__file__).resolve().parent / "forms"


def form_document(name: str) -> dict:
    """{"code", "title", "schema"} of a shipped form, by its file's name without .json."""
    return json.loads((FORMS / f"{name}.json").read_text(encoding="utf-8"))
