"""The annual assessment's world: a year of the tests' 达州 committee (tests/governance/factories.py) whose every
row is known, so each test recomputes the components itself.

The year's plan (the two-item document: item 1 led by 教育局 with 人力资源和社会保障局 cooperating, item 2 led by
通川区's and 达川区's committees) gets more tasks through the task service; tasks move by the service and a move's
day is set afterwards (`dated`), as there is no clock to stop. The reports' rows are made through their services
at the times given (`now`), the inspections' through theirs (tests/governance/report_factories.py and
inspection_factories.py).

`Year` keeps what was made, in plain Python, for the tests' own arithmetic."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from learncity.governance import services
from learncity.governance.inputs import ImportIn, TaskIn, UnitIn
from learncity.governance.inputs.assessment import SchemeIn
from learncity.governance.inputs.reports import ExtensionIn, ReturnDecisionIn, ReturnIn
from learncity.governance.models import (
    AssessmentScheme,
    InspectionVisit,
    ReportReturn,
    ReportRound,
    Task,
    TaskTransition,
    WorkPlan,
)
from learncity.governance.services import reports
from learncity.governance.services.assessment import scheme_create
from tests.governance import inspection_factories, report_factories
from tests.governance.factories import Governance, moved, two_items

YEAR = timezone.localdate().year
WEIGHTS = {"indicators": Decimal(30), "tasks": Decimal(30), "reports": Decimal(20), "inspections": Decimal(20)}


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(YEAR, month, day, hour))


def day(month: int, d: int) -> datetime.date:
    return datetime.date(YEAR, month, d)


def dated(task: Task, when: datetime.datetime) -> None:
    """The task's move to done recorded as made at `when` (the test's stand-in for a clock)."""
    TaskTransition.objects.unscoped("a test dates its own task's move").filter(task=task, to_state="done").update(
        at=when)


@dataclass
class Year:
    plan: WorkPlan
    tasks: dict[str, Task] = field(default_factory=dict)  # by a short name
    returns: dict[str, ReportReturn] = field(default_factory=dict)
    visits: dict[str, InspectionVisit] = field(default_factory=dict)
    points: Decimal = Decimal(0)  # the standard's full points


def _task(gov: Governance, plan: WorkPlan, title: str, due_on: datetime.date, *, unit=None, committee=None) -> Task:
    item = plan.items.order_by("position").first()
    lead = UnitIn(member_unit_id=unit.pk) if unit else UnitIn(committee_id=committee.pk)
    return services.task_create(actor=gov.city_admin, data=TaskIn(item_id=item.pk, title=title, due_on=due_on,
                                                                  lead=[lead]))


def year_tasks(gov: Governance) -> Year:
    """教育局 leads four tasks: the imported one done on time, one done late, one in progress, one cancelled;
    人力资源和社会保障局 leads one, in progress; both districts' committees lead item 2's task, done on time and
    通川区's committee one more, done late."""
    plan = services.workplan_import(actor=gov.city_admin, committee=gov.committee,
                                    data=ImportIn(text=two_items(YEAR), year=YEAR))
    edu, hr, tong = gov.units["教育局"], gov.units["人力资源和社会保障局"], gov.lower["通川区"]
    y = Year(plan=plan)
    y.tasks["edu_on_time"] = Task.objects.get(plan=plan, title="完善终身教育运行机制")
    y.tasks["edu_late"] = _task(gov, plan, "编制社区教育发展规划", day(3, 31), unit=edu)
    y.tasks["edu_open"] = _task(gov, plan, "建设老年大学分校", day(12, 31), unit=edu)
    y.tasks["edu_cancelled"] = _task(gov, plan, "举办学习节", day(6, 30), unit=edu)
    y.tasks["hr_open"] = _task(gov, plan, "开展职工继续教育", day(12, 31), unit=hr)
    y.tasks["districts"] = Task.objects.get(plan=plan, title="办好社区学校")
    y.tasks["tong_late"] = _task(gov, plan, "建成街道社区学校", day(2, 28), committee=tong)
    for name in ("edu_on_time", "edu_late", "districts", "tong_late"):
        moved(gov.city_admin, moved(gov.city_admin, y.tasks[name], "start"), "complete")
    for name in ("edu_open", "hr_open"):
        moved(gov.city_admin, y.tasks[name], "start")
    moved(gov.city_admin, y.tasks["edu_cancelled"], "cancel", reason="并入其他任务")
    dated(y.tasks["edu_on_time"], at(1, 20))  # due at the year's end (the document's)
    dated(y.tasks["edu_late"], at(4, 15))
    dated(y.tasks["districts"], at(5, 1))
    dated(y.tasks["tong_late"], at(3, 10))
    for name, task in y.tasks.items():
        y.tasks[name] = Task.objects.get(pk=task.pk)
    return y


def _round(gov: Governance, form, title: str, q: int, *, lower=()) -> ReportRound:
    """The quarter `q`'s round, opened on 5 January, due on the 10th of the month after the quarter."""
    start = day(3 * q - 2, 1)
    end = (day(3 * q + 1, 1) if q < 4 else datetime.date(YEAR + 1, 1, 1)) - datetime.timedelta(days=1)
    return report_factories.round_make(gov, form, title=title, period_start=start.isoformat(),
                                       period_end=end.isoformat(), deadline=at(3 * q + 1, 10), now=at(1, 5),
                                       lower=lower)


def _submit(actor, r: ReportReturn, when: datetime.datetime) -> ReportReturn:
    return reports.return_submit(actor=actor, report_return=r, data=ReturnIn(data=report_factories.answers()),
                                 now=when)


def _decide(gov: Governance, r: ReportReturn, when: datetime.datetime, comment: str = "") -> ReportReturn:
    return reports.return_decide(actor=gov.city_admin, report_return=r, now=when,
                                 data=ReturnDecisionIn(accept=not comment, comment=comment))


def year_reports(gov: Governance, y: Year) -> None:
    """Two quarterly rounds of the shipped form (Q1 due 10 April, Q2 due 10 July), through the reports' services
    at the times given: 教育局 on time twice, its Q2 sent back once and resubmitted; 人力资源和社会保障局 late in
    Q1 (after an extension) and never in Q2; 通川区's committee on time in Q1; and a round of next year's first
    quarter, which this year's assessment does not read."""
    form = report_factories.form_make(gov)
    q1 = _round(gov, form, f"{YEAR}年第一季度", 1, lower=("通川区",))
    q2 = _round(gov, form, f"{YEAR}年第二季度", 2)
    nxt = report_factories.round_make(gov, form, title="下年度第一季度", period_start=f"{YEAR + 1}-01-01",
                                      period_end=f"{YEAR + 1}-03-31", deadline=at(12, 1), now=at(11, 1))
    edu, hr, tong = gov.units["教育局"], gov.units["人力资源和社会保障局"], gov.lower["通川区"]
    edu_reporter = gov.education_reporter
    ret = report_factories.return_of
    y.returns["edu_q1"] = _decide(gov, _submit(edu_reporter, ret(q1, edu), at(4, 8)), at(4, 9))
    r = _decide(gov, _submit(edu_reporter, ret(q2, edu), at(7, 8)), at(7, 8, 15), comment="请补充经费来源")
    y.returns["edu_q2"] = _decide(gov, _submit(edu_reporter, r, at(7, 9)), at(7, 9, 15))
    reports.extension_grant(actor=gov.city_admin, report_return=ret(q1, hr), now=at(4, 11),
                            data=ExtensionIn(until=at(4, 20), reason="系统故障"))
    y.returns["hr_q1"] = _decide(gov, _submit(gov.reporter, ret(q1, hr), at(4, 12)), at(4, 13))
    y.returns["hr_q2"] = ret(q2, hr)
    y.returns["tong_q1"] = _decide(gov, _submit(gov.district_admin, ret(q1, tong), at(4, 1)), at(4, 2))
    y.returns["edu_next"] = _decide(gov, _submit(edu_reporter, ret(nxt, edu), at(11, 2)), at(11, 3),
                                    comment="请核对")


def _off(standard, points: int) -> dict[int, Decimal]:
    """{criterion's position: points off}: `points` taken off the criteria in order, each down to 0 at most."""
    left, minus = Decimal(points), {}
    for c in inspection_factories.criteria_of(standard):
        take = min(c.points, left)
        if take:
            minus[c.position] = take
        left -= take
    return minus


def year_inspections(gov: Governance, y: Year) -> None:
    """The shipped community-school standard (100 points) through the inspections' services: 通川区 visited on its
    place (80 of 100) and at an institution in it (60), 达川区 at its institution (90), 教育局 (70); a visit to
    人力资源和社会保障局 not submitted, and one of last year's round to 教育局, which do not count."""
    standard = inspection_factories.standard_make(gov)
    y.points = sum(c.points for c in inspection_factories.criteria_of(standard))
    inspector = inspection_factories.inspector_make(gov)
    rnd = inspection_factories.round_make(gov, standard)
    old = inspection_factories.round_make(gov, standard, year=YEAR - 1)

    def visit(name, off, rnd=rnd, submit=True, **target):
        v = inspection_factories.visit_make(gov, rnd, inspector, **target)
        y.visits[name] = inspection_factories.scored(v, inspector, minus=_off(standard, off), submit=submit)

    visit("tong_place", 20, place_id=gov.district.pk)
    visit("tong_school", 40, institution_id=gov.institution.pk)
    visit("da_school", 10, institution_id=gov.institution_2.pk)
    visit("edu", 30, member_unit_id=gov.units["教育局"].pk)
    visit("hr_assigned", 50, member_unit_id=gov.units["人力资源和社会保障局"].pk, submit=False)
    visit("edu_last_year", 100, rnd=old, member_unit_id=gov.units["教育局"].pk)


def year_build(gov: Governance) -> Year:
    y = year_tasks(gov)
    year_reports(gov, y)
    year_inspections(gov, y)
    return y


def scheme_make(gov: Governance, subjects: str, weights: dict | None = None) -> AssessmentScheme:
    return scheme_create(actor=gov.city_admin, committee=gov.committee, data=SchemeIn(
        year=YEAR, subjects=subjects, weights={k: str(v) for k, v in (weights or WEIGHTS).items()}))
