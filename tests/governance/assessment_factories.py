"""The annual assessment's world: a year of the tests' 达州 committee (tests/governance/factories.py) whose every
row is known, so each test recomputes the components itself.

The year's plan (the two-item document: item 1 led by 教育局 with 人力资源和社会保障局 cooperating, item 2 led by
通川区's and 达川区's committees) gets more tasks through the task service; tasks move by the service and a move's
day is set afterwards (`dated`), as there is no clock to stop. The reports' and inspections' rows are laid down
through their models' managers until their services land (governance/services/reports.py, inspections.py).

`Year` keeps what was made, in plain Python, for the tests' own arithmetic."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from learncity.governance import services
from learncity.governance.inputs import ImportIn, TaskIn, UnitIn
from learncity.governance.inputs.assessment import SchemeIn
from learncity.governance.models import (
    AssessmentScheme,
    InspectionCriterion,
    InspectionRound,
    InspectionScore,
    InspectionStandard,
    InspectionVisit,
    ReportForm,
    ReportReturn,
    ReportRound,
    ReturnAction,
    ReturnEvent,
    ReturnState,
    Task,
    TaskTransition,
    VisitState,
    WorkPlan,
)
from learncity.governance.services.assessment import scheme_create
from tests.governance.factories import Governance, moved, two_items

YEAR = timezone.localdate().year
WEIGHTS = {"indicators": Decimal(30), "tasks": Decimal(30), "reports": Decimal(20), "inspections": Decimal(20)}
FORM = {"sections": [{"key": "work", "title": "工作开展情况", "fields": [
    {"key": "trained", "type": "number", "label": "培训人次", "unit": "人次", "min": "0", "max": "1000000",
     "decimals": 0, "required": True}]}], "rules": [], "feeds": []}


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


def _round(gov: Governance, form: ReportForm, title: str, q: int) -> ReportRound:
    start, end = day(3 * q - 2, 1), day(3 * q, 28)
    return ReportRound.objects.create(committee=gov.committee, form=form, title=title, period_start=start,
                                      period_end=end, deadline=at(3 * q + 1, 10), opened_by=gov.city_admin)


def _return(rnd: ReportRound, *, unit=None, committee=None, first=None, sent_back: int = 0, actor=None):
    state = ReturnState.ACCEPTED if first else ReturnState.DRAFT
    r = ReportReturn.objects.create(round=rnd, member_unit=unit, committee=committee, state=state,
                                    first_submitted_at=first, submitted_at=first, data={"trained": "10"})
    if first:
        ReturnEvent.objects.create(report_return=r, action=ReturnAction.SUBMIT, from_state=ReturnState.DRAFT,
                                   to_state=ReturnState.SUBMITTED, actor=actor)
    for _ in range(sent_back):
        ReturnEvent.objects.create(report_return=r, action=ReturnAction.RETURN, from_state=ReturnState.SUBMITTED,
                                   to_state=ReturnState.RETURNED, actor=actor, comment="请补充")
        ReturnEvent.objects.create(report_return=r, action=ReturnAction.SUBMIT, from_state=ReturnState.RETURNED,
                                   to_state=ReturnState.SUBMITTED, actor=actor)
    return r


def year_reports(gov: Governance, y: Year) -> None:
    """Two quarterly rounds (Q1 due 10 April, Q2 due 10 July): 教育局 on time twice, its Q2 sent back once;
    人力资源和社会保障局 late in Q1 and never in Q2; 通川区's committee on time in Q1; a third round whose
    period ends next year, which this year's assessment does not read."""
    form = ReportForm.objects.create(committee=gov.committee, code="quarterly", title="季度报表", schema=FORM,
                                     created_by=gov.city_admin)
    q1, q2 = _round(gov, form, f"{YEAR}年第一季度", 1), _round(gov, form, f"{YEAR}年第二季度", 2)
    nxt = ReportRound.objects.create(committee=gov.committee, form=form, title="下年度第一季度",
                                     period_start=datetime.date(YEAR + 1, 1, 1),
                                     period_end=datetime.date(YEAR + 1, 3, 31), deadline=at(12, 1),
                                     opened_by=gov.city_admin)
    edu, hr, tong = gov.units["教育局"], gov.units["人力资源和社会保障局"], gov.lower["通川区"]
    admin = gov.city_admin
    y.returns["edu_q1"] = _return(q1, unit=edu, first=at(4, 8), actor=admin)
    y.returns["edu_q2"] = _return(q2, unit=edu, first=at(7, 9), sent_back=1, actor=admin)
    y.returns["hr_q1"] = _return(q1, unit=hr, first=at(4, 12), actor=admin)
    y.returns["hr_q2"] = _return(q2, unit=hr)
    y.returns["tong_q1"] = _return(q1, committee=tong, first=at(4, 1), actor=admin)
    y.returns["edu_next"] = _return(nxt, unit=edu, first=at(11, 1), sent_back=2, actor=admin)


def year_inspections(gov: Governance, y: Year) -> None:
    """A standard of three criteria (20 + 20 + 10 = 50 points); 通川区 visited on
    its place (40 of 50) and at an institution in it (30 of 50), 达川区 at its institution (45 of 50) and 教育局
    (35 of 50); a visit still assigned (not submitted) at 人力资源和社会保障局, which does not count."""
    standard = InspectionStandard.objects.create(committee=gov.committee, code="demo-school", title="社区学校示范校评估标准")
    criteria = [InspectionCriterion.objects.create(standard=standard, position=i, section="办学条件", text=f"评估内容{i}",
                                                   points=p) for i, p in enumerate((20, 20, 10), start=1)]
    y.points = Decimal(50)
    rnd = InspectionRound.objects.create(committee=gov.committee, standard=standard, title="社区学校专项督导",
                                         year=YEAR, starts_on=day(5, 1), ends_on=day(6, 30), created_by=gov.city_admin)
    old = InspectionRound.objects.create(committee=gov.committee, standard=standard, title="上年度督导",
                                         year=YEAR - 1, starts_on=datetime.date(YEAR - 1, 5, 1),
                                         ends_on=datetime.date(YEAR - 1, 6, 30), created_by=gov.city_admin)
    inspector = gov.expert

    def visit(name, scores, rnd=rnd, submitted=True, **target):
        v = InspectionVisit.objects.create(round=rnd, inspector=inspector, state=VisitState.SUBMITTED if submitted
                                           else VisitState.ASSIGNED, submitted_at=at(6, 1) if submitted else None,
                                           **target)
        for criterion, score in zip(criteria, scores, strict=True):
            InspectionScore.objects.create(visit=v, criterion=criterion, score=Decimal(score), scored_by=inspector)
        y.visits[name] = v

    visit("tong_place", (18, 15, 7), place=gov.district)
    visit("tong_school", (12, 10, 8), institution=gov.institution)
    visit("da_school", (20, 17, 8), institution=gov.institution_2)
    visit("edu", (15, 12, 8), member_unit=gov.units["教育局"])
    visit("hr_assigned", (5, 5, 5), member_unit=gov.units["人力资源和社会保障局"], submitted=False)
    visit("edu_last_year", (0, 0, 0), rnd=old, member_unit=gov.units["教育局"])


def year_build(gov: Governance) -> Year:
    y = year_tasks(gov)
    year_reports(gov, y)
    year_inspections(gov, y)
    return y


def scheme_make(gov: Governance, subjects: str, weights: dict | None = None) -> AssessmentScheme:
    return scheme_create(actor=gov.city_admin, committee=gov.committee, data=SchemeIn(
        year=YEAR, subjects=subjects, weights={k: str(v) for k, v in (weights or WEIGHTS).items()}))
