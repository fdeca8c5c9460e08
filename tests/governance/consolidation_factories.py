"""Report rounds and returns for the consolidation and feed tests: the shipped annual-statistics form in the
world's committee, a round of it, and returns in any state with figures that add up (or are told not to).

The returns are written as rows with their own timestamps (the reports' services stamp them with "now"; a
consolidated report's tests need fixed times to compare bytes and lateness)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from learncity.governance.form_files import form_document
from learncity.governance.models import ReportForm, ReportReturn, ReportRound, ReturnState
from learncity.network.models import Committee

INDUSTRIES = ["agriculture", "manufacturing", "construction", "trade", "transport", "it", "finance",
              "public_services", "other"]
DEPARTMENTS = ["education", "human_resources", "civil_affairs", "culture", "agriculture", "trade_union", "other"]


def at(day: str, hour: int = 10) -> datetime.datetime:
    """A time in the city's zone: at("2026-10-12")."""
    return timezone.make_aware(datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour)))


def annual_form(committee: Committee, *, actor=None) -> ReportForm:
    doc = form_document("annual_statistics")
    return ReportForm.objects.unscoped("a test's form").create(
        committee=committee, code=doc["code"], title=doc["title"], schema=doc["schema"], created_by=actor)


def round_make(committee: Committee, form: ReportForm, *, title: str = "2026年度统计", start: str = "2026-01-01",
               end: str = "2026-12-31", deadline: str = "2027-01-20", actor=None) -> ReportRound:
    rnd = ReportRound.objects.unscoped("a test's round").create(
        committee=committee, form=form, title=title, period_start=datetime.date.fromisoformat(start),
        period_end=datetime.date.fromisoformat(end), deadline=at(deadline, 18), opened_by=actor)
    ReportRound.objects.unscoped("a test's round").filter(pk=rnd.pk).update(opened_at=at(start, 9))
    rnd.refresh_from_db()
    return rnd


def annual_data(staff: list[int], trained: list[int], residents: list[int], *, summary: str = "全年开展职工培训。") -> dict:
    """An annual-statistics return whose totals are its rows' sums: staff and trained staff by industry (nine),
    residents trained by department (seven)."""
    assert len(staff) == len(trained) == len(INDUSTRIES) and len(residents) == len(DEPARTMENTS)
    return {"staff_total": str(sum(staff)), "staff_trained_total": str(sum(trained)),
            "residents_trained_total": str(sum(residents)), "summary": summary,
            "by_industry": {k: {"staff": str(s), "staff_trained": str(t)}
                            for k, s, t in zip(INDUSTRIES, staff, trained, strict=True)},
            "by_department": {k: {"residents_trained": str(r)} for k, r in zip(DEPARTMENTS, residents, strict=True)}}


def return_make(rnd: ReportRound, *, member_unit=None, committee=None, state: str = ReturnState.DRAFT,
                data: dict | None = None, submitted: str | None = None, accepted: str | None = None,
                extended: str | None = None, comment: str = "") -> ReportReturn:
    """A unit's return in `state`, submitted (first and last) and accepted on the days given."""
    submitted_at = at(submitted) if submitted else None
    return ReportReturn.objects.unscoped("a test's return").create(
        round=rnd, member_unit=member_unit, committee=committee, state=state, data=data or {},
        submitted_at=submitted_at, first_submitted_at=submitted_at, accepted_at=at(accepted, 15) if accepted else None,
        extended_until=at(extended, 18) if extended else None, comment=comment)


def total(values) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))
