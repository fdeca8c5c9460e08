"""The demo city's annual statistics (终身教育年度统计快报), built through the governance services as the people who
would do each step, at the times they would: the office makes the shipped annual-statistics form (by department
and by industry, governance/forms/annual_statistics.json) and opens the year's flash report on 8 October, due 31
October, for the reporter's member unit and the districts' committees; each fills in figures that add up, and the
office accepts them (one sent back first: its industries did not add up to the staff it registered, as the form's
rule would have refused; the office asks it to recount trained staff, and it resubmits). Every accepted return
feeds EMP-CE's reported figures into monitoring (governance/services/feeds.py), shown on the indicator's page.

Called by governance_builder.build_governance after the quarterly rounds: `build_annual_statistics(office, users,
committee, today, rng)`; a `today` before the deadline leaves the round open (nothing accepted)."""

import datetime
import random

from django.utils import timezone

from learncity.governance import selectors
from learncity.governance.form_files import form_document
from learncity.governance.inputs.reports import FormIn, ReportRoundIn, ReturnDecisionIn, ReturnIn
from learncity.governance.models import ReportForm
from learncity.governance.services import reports
from learncity.people.models import User

INDUSTRIES = ["agriculture", "manufacturing", "construction", "trade", "transport", "it", "finance",
              "public_services", "other"]
DEPARTMENTS = ["education", "human_resources", "civil_affairs", "culture", "agriculture", "trade_union", "other"]
OPENED, SUBMITTED, DEADLINE, DECIDED = (10, 8), (10, 20), (10, 31), (10, 23)


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def annual_answers(rng: random.Random, *, share: float) -> dict:
    """A unit's year: registered staff by industry, about `share` of them in continuing education, residents in
    continuing education by department; every total the sum of its rows (the form's rules)."""
    staff = [rng.randint(200, 6000) for _ in INDUSTRIES]
    trained = [min(s, round(s * share * rng.uniform(0.7, 1.3))) for s in staff]
    residents = [rng.randint(100, 8000) for _ in DEPARTMENTS]
    return {"staff_total": str(sum(staff)), "staff_trained_total": str(sum(trained)),
            "residents_trained_total": str(sum(residents)),
            "by_industry": {k: {"staff": str(s), "staff_trained": str(t)}
                            for k, s, t in zip(INDUSTRIES, staff, trained, strict=True)},
            "by_department": {k: {"residents_trained": str(r)} for k, r in zip(DEPARTMENTS, residents, strict=True)},
            "summary": rng.choice(["全年组织企业职工参加职业技能培训和专业技术人员继续教育，按行业分列如上。",
                                   "依托社区学校和职工学校开展继续教育，参训人数较上年增长。",
                                   "结合部门职能推进全民终身学习，分部门、分行业数据经单位统计核对。"])}


def _form(office: User, committee) -> ReportForm:
    document = form_document("annual_statistics")
    existing = ReportForm.objects.restrict(office).filter(committee=committee, code=document["code"]).first()
    return existing or reports.form_create(actor=office, committee=committee, data=FormIn(**document))


def _filler(office: User, users: dict[str, User], ret) -> User:
    """Who fills a return in: the reporter for their member unit, a district's official for their committee, the
    city's office for a district with no official of its own in the demo."""
    if ret.member_unit_id:
        return users["reporter"]
    for role in ("district_admin", "district_admin_2"):
        user = users.get(role)
        if user and ret.committee.place_id in set(user.role_assignments.values_list("place_id", flat=True)):
            return user
    return office


def build_annual_statistics(office: User, users: dict[str, User], committee, today: datetime.date,
                            rng: random.Random) -> dict[str, int]:
    """The year's annual-statistics flash report as of `today`. Returns the counts."""
    year = today.year
    if today < datetime.date(year, *OPENED):
        return {"statistics_returns": 0}
    form = _form(office, committee)
    unit = users["reporter"].role_assignments.filter(member_unit__committee=committee).values_list(
        "member_unit_id", flat=True).first()
    lower = [c.pk for c in selectors.units_assignable(actor=office, committee=committee)["committees"]
             if c.pk != committee.pk]
    rnd = reports.round_open(actor=office, now=_at(year, *OPENED, 9), data=ReportRoundIn(
        form_id=form.pk, title=f"{year}年度统计快报", period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31), deadline=_at(year, *DEADLINE, 18),
        member_unit_ids=[unit] if unit else [], committee_ids=lower))
    returns = list(selectors.report_round_returns(actor=office, rnd=rnd))
    accepted = 0
    for i, ret in enumerate(returns):
        submitted = datetime.date(year, *SUBMITTED) + datetime.timedelta(days=i % 5)
        if submitted > today:
            continue
        filler = _filler(office, users, ret)
        answers = annual_answers(rng, share=rng.uniform(0.18, 0.42))
        ret = reports.return_submit(actor=filler, report_return=ret, data=ReturnIn(data=answers),
                                    now=_at(year, submitted.month, submitted.day))
        if i == 1:  # sent back once: the trained staff to be recounted by industry, then resubmitted
            ret = reports.return_decide(actor=office, report_return=ret, now=_at(year, *DECIDED, 11), data=ReturnDecisionIn(
                accept=False, comment="参加继续教育的职工人数请按行业重新核对，与培训台账一致"))
            ret = reports.return_submit(actor=filler, report_return=ret, now=_at(year, *DECIDED, 16),
                                        data=ReturnIn(data=annual_answers(rng, share=0.3)))
        if datetime.date(year, *DECIDED) + datetime.timedelta(days=2) <= today:
            reports.return_decide(actor=office, report_return=ret, data=ReturnDecisionIn(accept=True),
                                  now=_at(year, DECIDED[0], DECIDED[1] + 2, 15))
            accepted += 1
    return {"statistics_returns": len(returns), "statistics_accepted": accepted}
