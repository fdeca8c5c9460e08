"""The member units' reports in the governance world (tests/governance/factories.py): the quarterly form the
project ships, a round of it for some of the committee's member units and a lower committee, and complete answers
to it."""

import datetime
import json
from pathlib import Path

from django.utils import timezone

from learncity.governance.inputs.reports import FormIn, ReportRoundIn, ReturnIn
from learncity.governance.models import ReportForm, ReportReturn, ReportRound
from learncity.governance.services import reports

QUARTERLY = Path(reports.__file__).resolve().parents[1] / "forms" / "quarterly.json"


def quarterly() -> dict:
    """The shipped quarterly form: {"code", "title", "schema"}."""
    return json.loads(QUARTERLY.read_text(encoding="utf-8"))


def form_make(gov, **kw) -> ReportForm:
    return reports.form_create(actor=gov.city_admin, committee=gov.committee, data=FormIn(**(quarterly() | kw)))


def round_make(gov, form: ReportForm | None = None, *, units=("教育局", "人力资源和社会保障局"), lower=("通川区",),
               deadline: datetime.datetime | None = None, now=None, **kw) -> ReportRound:
    form = form or form_make(gov)
    return reports.round_open(actor=gov.city_admin, now=now, data=ReportRoundIn(**({
        "form_id": form.pk, "title": "2026年第三季度", "period_start": "2026-07-01", "period_end": "2026-09-30",
        "deadline": deadline or timezone.now() + datetime.timedelta(days=10),
        "member_unit_ids": [gov.units[u].pk for u in units], "committee_ids": [gov.lower[c].pk for c in lower],
    } | kw)))


def return_of(rnd: ReportRound, unit) -> ReportReturn:
    field = "committee" if unit.__class__.__name__ == "Committee" else "member_unit"
    return ReportReturn.objects.unscoped("a test's look-up").get(round=rnd, **{field: unit})


def answers(**changes) -> dict:
    """Complete answers to the quarterly form (funds add up: 8 + 2.5 + 0 = 10.5)."""
    return {"courses": "12", "activities": "3", "participants": "1200", "staff_trained": "300",
            "funds_total": "10.5", "funds_by_source": {"budget": {"amount": "8"}, "unit_own": {"amount": "2.5"},
                                                       "social": {"amount": "0"}},
            "summary": "本季度开展社区教育活动三场。"} | changes


def submitted(gov, rnd: ReportRound, unit_name: str = "教育局", actor=None, **changes) -> ReportReturn:
    ret = return_of(rnd, gov.units[unit_name])
    return reports.return_submit(actor=actor or gov.education_reporter, report_return=ret,
                                 data=ReturnIn(data=answers(**changes)))
