"""The report forms the project ships, in the common schema format (governance/report_forms.py checks a form):
annual_statistics.json, the annual statistics of continuing education by department and industry, whose `feeds`
send EMP-CE's figures into monitoring when a unit's return is accepted (services/feeds.py)."""

import json
from pathlib import Path

FORMS = Path(__file__).resolve().parent


def form_document(name: str) -> dict:
    """{"code", "title", "schema"} of a shipped form, by its file's name without .json."""
    return json.loads((FORMS / f"{name}.json").read_text(encoding="utf-8"))
