"""A task's state (governance/services/tasks.py): every move the table allows, by whom, with its history row and
audit row; every move it refuses, with nothing written; the system's overdue sweep; a task the office adds, and
what it refuses. The world: tests/governance/factories.py (达州's committee, its units, 通川区's and 达川区's
committees)."""

import datetime

import pytest
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.core.errors import NotFound, PermissionDenied
from learncity.governance import services
from learncity.governance.inputs import ImportIn, MilestoneIn, MoveIn, TaskIn, UnitIn
from learncity.governance.models import Milestone, Task, TaskState, TaskTransition, TaskUnit, UnitPart
from learncity.governance.services.tasks import TRANSITIONS
from tests.checks import refuses
from tests.governance.factories import governance_fixtures, moved
from tests.network.factories import member_unit_make

governance_built, gov = governance_fixtures()
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
S = TaskState
# Two items: the first led by 教育局 with 人力资源和社会保障局 cooperating, the second led by 通川区's committee.
TEXT = (f"{TODAY.year}年达州市终身教育工作要点\n一、工作重点\n"
        "(一)完善终身教育运行机制。加强统筹。(牵头单位：市教育局，市人力资源和社会保障局配合)\n"
        "(二)办好社区学校。(责任单位:通川区终身教育促进委员会)")


def snapshot():
    return (list(Task.objects.order_by("pk").values_list("pk", "state", "due_on")), TaskTransition.objects.count(),
            TaskUnit.objects.count(), list(Milestone.objects.order_by("pk").values_list("pk", "done_on")),
            AuditEvent.objects.count())


refused = refuses(snapshot)


@pytest.fixture
def plan(gov):
    return services.workplan_import(actor=gov.city_admin, committee=gov.committee, data=ImportIn(text=TEXT))


@pytest.fixture
def task(plan):
    return Task.objects.get(plan=plan, title="完善终身教育运行机制")


def _in(task: Task, state: str, gov) -> Task:
    """The task brought to `state` by the moves the table allows (the office's; overdue by the sweep)."""
    if state in (S.IN_PROGRESS, S.DONE):
        task = moved(gov.city_admin, task, "start")
    if state == S.DONE:
        task = moved(gov.city_admin, task, "complete")
    if state == S.CANCELLED:
        task = moved(gov.city_admin, task, "cancel", reason="并入其他任务")
    if state == S.OVERDUE:
        services.tasks_lapse(today=task.due_on + DAY)
    task = Task.objects.get(pk=task.pk)
    assert task.state == state
    return task


EVENTS = [e for e, edge in TRANSITIONS.items() if edge.by != "system"]
ALLOWED = [(e, s) for e in EVENTS for s in sorted(TRANSITIONS[e].source)]
REFUSED = [(e, s) for e in EVENTS for s in S.values if s not in TRANSITIONS[e].source]


def _args(event):
    return {"reason": "年中调整"} | ({"due_on": TODAY + 30 * DAY} if event == "reschedule" else {})


@pytest.mark.parametrize(("event", "source"), ALLOWED)
def test_the_office_makes_every_move_the_table_allows(gov, task, event, source):
    task = _in(task, source, gov)
    after = moved(gov.city_admin, task, event, **_args(event))
    assert after.state == TRANSITIONS[event].target == Task.objects.get(pk=task.pk).state
    last = TaskTransition.objects.filter(task=task).latest("id")
    assert (last.from_state, last.to_state, last.actor, last.reason) == (source, after.state, gov.city_admin, "年中调整")
    audit = AuditEvent.objects.filter(action=f"task.{event}", object_id=str(task.pk)).latest("id")
    assert (audit.actor, audit.detail["from_state"], audit.detail["to_state"]) == (gov.city_admin, source, after.state)
    if event == "reschedule":
        assert after.due_on == TODAY + 30 * DAY


@pytest.mark.parametrize(("event", "source"), REFUSED)
def test_every_move_the_table_does_not_allow_is_refused_naming_the_state(gov, task, event, source):
    task = _in(task, source, gov)
    error = refused(services.task_move, actor=gov.city_admin, task=task, data=MoveIn(event=event, **_args(event)))
    assert error.code == "transition_refused"
    label = dict(S.choices)[source]
    assert error.errors["state"][0].startswith(f"任务「完善终身教育运行机制」当前为「{label}」，不能")


@pytest.mark.parametrize("event", ["lapse", "reopen", "delete"])
def test_an_event_that_is_not_a_users_move_is_refused(gov, task, event):
    error = refused(services.task_move, actor=gov.city_admin, task=task, data=MoveIn(event=event))
    assert error.errors == {"event": [f"未知的操作「{event}」"]}


def test_a_lead_units_reporter_starts_its_task_and_nothing_else(gov, task):
    started = moved(gov.education_reporter, task, "start")
    assert started.state == S.IN_PROGRESS
    assert TaskTransition.objects.filter(task=task).latest("id").actor == gov.education_reporter
    for event in ("complete", "cancel"):
        refused(services.task_move, PermissionDenied, actor=gov.education_reporter, task=started,
                data=MoveIn(event=event, reason="x"))


@pytest.mark.parametrize("who", ["reporter", "district_admin", "expert", "auditor", "staff", "learner"])
def test_whoever_does_not_lead_it_cannot_start_it(gov, task, who):
    # world.reporter's unit (人力资源和社会保障局) cooperates; 通川区's officials are not among its units
    refused(services.task_move, PermissionDenied, actor=gov.user(who), task=task, data=MoveIn(event="start"))


def test_a_lower_committees_officials_start_the_task_given_to_their_committee(gov, plan):
    task = Task.objects.get(plan=plan, title="办好社区学校")
    assert [str(u.unit) for u in task.units.all()] == ["通川区终身教育促进委员会"]
    assert moved(gov.district_admin, task, "start").state == S.IN_PROGRESS
    refused(services.task_move, PermissionDenied, actor=gov.district_admin_2, task=task,
            data=MoveIn(event="cancel", reason="x"))


@pytest.mark.parametrize(("event", "source", "args", "errors"), [
    ("cancel", S.NOT_STARTED, {}, {"reason": ["请说明原因"]}),
    ("reschedule", S.OVERDUE, {"due_on": TODAY + DAY}, {"reason": ["请说明原因"]}),
    ("reschedule", S.OVERDUE, {"reason": "延期"}, {"due_on": ["新的完成时限须晚于今天"]}),
    ("reschedule", S.OVERDUE, {"reason": "延期", "due_on": TODAY}, {"due_on": ["新的完成时限须晚于今天"]}),
])
def test_a_move_without_what_it_needs_is_refused_naming_the_field(gov, task, event, source, args, errors):
    task = _in(task, source, gov)
    error = refused(services.task_move, actor=gov.city_admin, task=task, data=MoveIn(event=event, **args))
    assert error.errors == errors


def test_the_sweep_marks_overdue_only_what_is_open_and_late_once(gov, plan, task):
    other = Task.objects.get(plan=plan, title="办好社区学校")
    done = _in(task, S.DONE, gov)

    def states():
        return dict(Task.objects.filter(plan=plan).values_list("title", "state"))

    def moves():
        return TaskTransition.objects.filter(task__plan=plan).count()

    before = moves()
    services.tasks_lapse(today=task.due_on)  # due today is not late (the sweep covers every committee's tasks)
    assert (states(), moves()) == ({"完善终身教育运行机制": S.DONE, "办好社区学校": S.NOT_STARTED}, before)
    services.tasks_lapse(today=task.due_on + DAY)  # only the open one
    assert (states(), moves()) == ({"完善终身教育运行机制": S.DONE, "办好社区学校": S.OVERDUE}, before + 1)
    assert Task.objects.get(pk=done.pk).state == S.DONE
    row = TaskTransition.objects.filter(task=other).latest("id")
    assert (row.from_state, row.to_state, row.actor, row.reason) == (
        S.NOT_STARTED, S.OVERDUE, None, f"超过完成时限 {task.due_on}")
    services.tasks_lapse(today=task.due_on + 2 * DAY)  # once
    assert moves() == before + 1


def _task_in(gov, plan, **kw) -> TaskIn:
    item = plan.items.get(position=1)
    return TaskIn(**({"item_id": item.pk, "title": "编写社区教育读本", "due_on": TODAY + 60 * DAY,
                      "lead": [UnitIn(member_unit_id=gov.units["教育局"].pk)]} | kw))


def test_the_office_adds_a_task_with_its_units_and_indicators(gov, plan):
    task = services.task_create(actor=gov.city_admin, data=_task_in(gov, plan, cooperating=[
        UnitIn(member_unit_id=gov.units["民政局"].pk), UnitIn(committee_id=gov.lower["达川区"].pk),
        UnitIn(member_unit_id=gov.units["教育局"].pk)], indicator_codes=["CE-PART", "EMP-CE"]))
    units = {(u.part, str(u.unit)) for u in task.units.all()}
    assert units == {(UnitPart.LEAD, "达州市教育局"), (UnitPart.COOPERATING, "达州市民政局"),
                     (UnitPart.COOPERATING, "达川区终身教育促进委员会")}  # a unit named twice keeps its lead part
    assert sorted(task.indicators.values_list("code", flat=True)) == ["CE-PART", "EMP-CE"]
    assert (task.state, task.plan) == (S.NOT_STARTED, plan)


@pytest.mark.parametrize(("change", "errors"), [
    ({"lead": []}, {"lead": ["任务至少要有一个牵头单位"]}),
    ({"lead": [UnitIn()]}, {"lead": ["这些单位不是本委员会的成员单位或下级委员会：?"]}),
    ({"indicator_codes": ["NOPE-1"]}, {"indicator_codes": ["没有这些指标：NOPE-1"]}),
    ({"due_on": datetime.date(2000, 1, 1)}, {"due_on": [f"完成时限早于工作要点的年度 {TODAY.year}"]}),
], ids=["no_lead", "empty_unit", "unknown_indicator", "before_the_year"])
def test_a_task_the_office_adds_wrongly_is_refused_naming_the_field(gov, plan, change, errors):
    error = refused(services.task_create, actor=gov.city_admin, data=_task_in(gov, plan, **change))
    assert error.errors == errors


def test_units_outside_the_committee_are_refused_by_id(gov, plan):
    theirs = member_unit_make(gov.admin, gov.lower["达川区"], name="达川区教育局")  # a member of the committee below
    error = refused(services.task_create, actor=gov.city_admin, data=_task_in(
        gov, plan, lead=[UnitIn(member_unit_id=theirs.pk), UnitIn(member_unit_id=999999)]))
    assert error.errors == {"lead": [f"这些单位不是本委员会的成员单位或下级委员会：{theirs.pk}、999999"]}


@pytest.mark.parametrize(("who", "refusal"), [
    ("reporter", PermissionDenied), ("expert", PermissionDenied), ("auditor", PermissionDenied),  # they read it
    ("district_admin", NotFound), ("staff", NotFound), ("learner", NotFound),  # they do not
])
def test_only_the_office_adds_tasks(gov, plan, who, refusal):
    refused(services.task_create, refusal, actor=gov.user(who), data=_task_in(gov, plan))


def test_the_office_sets_milestones_and_a_lead_unit_marks_them_reached_once(gov, task):
    milestone = services.milestone_add(actor=gov.city_admin, task=task,
                                       data=MilestoneIn(title="完成调研", due_on=TODAY + 10 * DAY))
    assert (milestone.task, milestone.done_on) == (task, None)
    done = services.milestone_done(actor=gov.education_reporter, milestone=milestone)
    assert done.done_on == TODAY
    assert AuditEvent.objects.filter(action="task.milestone_done", object_id=str(milestone.pk)).exists()
    error = refused(services.milestone_done, actor=gov.city_admin, milestone=done)
    assert error.errors == {"done_on": [f"节点「完成调研」已于 {TODAY} 完成"]}


def test_a_milestone_past_the_tasks_time_limit_or_on_a_closed_task_is_refused(gov, task):
    error = refused(services.milestone_add, actor=gov.city_admin, task=task,
                    data=MilestoneIn(title="晚了", due_on=task.due_on + DAY))
    assert error.errors == {"due_on": [f"节点时限不能晚于任务的完成时限 {task.due_on}"]}
    closed = _in(task, S.CANCELLED, gov)
    error = refused(services.milestone_add, actor=gov.city_admin, task=closed,
                    data=MilestoneIn(title="节点", due_on=TODAY))
    assert error.errors == {"task": ["任务「完善终身教育运行机制」当前为「取消」，不能再设置节点"]}


def test_a_milestone_reached_in_the_future_is_refused(gov, task):
    milestone = services.milestone_add(actor=gov.city_admin, task=task, data=MilestoneIn(title="节点", due_on=TODAY))
    error = refused(services.milestone_done, actor=gov.city_admin, milestone=milestone, done_on=TODAY + DAY)
    assert error.errors == {"done_on": [f"完成日期 {TODAY + DAY} 在未来"]}


@pytest.mark.parametrize("who", ["reporter", "district_admin", "expert", "auditor", "staff"])
def test_only_the_office_sets_milestones_and_only_a_lead_unit_or_the_office_marks_them(gov, task, who):
    refused(services.milestone_add, PermissionDenied, actor=gov.user(who), task=task,
            data=MilestoneIn(title="节点", due_on=TODAY))
    milestone = services.milestone_add(actor=gov.city_admin, task=task, data=MilestoneIn(title="节点", due_on=TODAY))
    refused(services.milestone_done, PermissionDenied, actor=gov.user(who), milestone=milestone)
