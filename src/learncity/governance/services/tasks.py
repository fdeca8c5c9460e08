"""Tasks: the office adds them and moves their state; a lead unit starts its task; the system marks a task
overdue once its time limit has passed. Every move is one of TRANSITIONS, written as a TaskTransition row and an
audit row in the move's transaction, under the task's row lock.

    not_started ──start──▶ in_progress ──complete──▶ done
         │  └────lapse────▶ overdue ◀──lapse──┘        ▲
         │                   │ ├──complete─────────────┘
         │                   │ └──reschedule──▶ in_progress
         └──cancel──▶ cancelled ◀──cancel── (in_progress, overdue)

The table is eight edges, so it is kept here as data rather than in a workflow library: django-fsm puts the
transitions on the model (our models hold no workflows), and python-statemachine would serve only as this lookup.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action, Capability, scope_for
from learncity.governance.inputs import MilestoneIn, MoveIn, TaskIn, UnitIn
from learncity.governance.models import (
    Milestone,
    Task,
    TaskKind,
    TaskState,
    TaskTransition,
    TaskUnit,
    UnitPart,
    WorkItem,
)
from learncity.monitoring.models import Indicator
from learncity.network.models import Committee, MemberUnit

OFFICE = "office"
LEAD = "lead"  # a lead unit's reporter (or a lead committee's officials), or the office
SYSTEM = "system"


@dataclass(frozen=True)
class Edge:
    source: frozenset
    target: str
    by: str  # OFFICE, LEAD or SYSTEM
    reason_required: bool = False


S = TaskState
TRANSITIONS = {
    "start": Edge(frozenset({S.NOT_STARTED}), S.IN_PROGRESS, LEAD),
    "complete": Edge(frozenset({S.IN_PROGRESS, S.OVERDUE}), S.DONE, OFFICE),
    "cancel": Edge(frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.OVERDUE}), S.CANCELLED, OFFICE, reason_required=True),
    "reschedule": Edge(frozenset({S.OVERDUE}), S.IN_PROGRESS, OFFICE, reason_required=True),
    "lapse": Edge(frozenset({S.NOT_STARTED, S.IN_PROGRESS}), S.OVERDUE, SYSTEM),
}
EVENT_LABELS = {"start": gettext_lazy("启动"), "complete": gettext_lazy("确认完成"), "cancel": gettext_lazy("取消"),
                "reschedule": gettext_lazy("调整时限"), "lapse": gettext_lazy("逾期")}


def is_office(actor, task: Task) -> bool:
    """Whether the actor runs the office of the task's committee (its place's administrators)."""
    scope = scope_for(actor)
    return scope.may(Capability.GOVERN) and Task.objects.restrict(scope, Action.CHANGE).filter(pk=task.pk).exists()


def leads(actor, task: Task) -> bool:
    """Whether the actor answers for one of the task's lead units."""
    scope = scope_for(actor)
    if not scope.may(Capability.REPORT_PROGRESS):
        return False
    return TaskUnit.objects.restrict(scope, Action.CHANGE).filter(task=task, part=UnitPart.LEAD).exists() or (
        scope.everything)


def events_open(actor, task: Task) -> list[str]:
    """The moves the actor may make on the task now (what a page offers)."""
    office = is_office(actor, task)
    lead = office or leads(actor, task)
    return [name for name, edge in TRANSITIONS.items()
            if task.state in edge.source and ((edge.by == OFFICE and office) or (edge.by == LEAD and lead))]


def task_move(*, actor, task: Task, data: MoveIn, today: datetime.date | None = None) -> Task:
    """Move the task by `data.event`, if the table allows it from the task's state and the actor may make it."""
    edge = TRANSITIONS.get(data.event)
    if edge is None or edge.by == SYSTEM:
        raise DomainError({"event": gettext("未知的操作「%(event)s」") % {"event": data.event[:32]}})
    allowed = is_office(actor, task) if edge.by == OFFICE else (is_office(actor, task) or leads(actor, task))
    if not allowed:
        raise PermissionDenied(gettext("只有委员会办公室可以%(event)s任务") % {"event": EVENT_LABELS[data.event]}
                               if edge.by == OFFICE else gettext("只有牵头单位或委员会办公室可以启动任务"))
    today = today or timezone.localdate()
    errors = {}
    if edge.reason_required and not data.reason:
        errors["reason"] = gettext("请说明原因")
    if data.event == "reschedule" and (data.due_on is None or data.due_on <= today):
        errors["due_on"] = gettext("新的完成时限须晚于今天")
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        task = Task.objects.unscoped("the task locked again after the actor's check").select_for_update().get(
            pk=task.pk)
        _move(task, data.event, edge, actor=actor, reason=data.reason)
        if data.event == "reschedule":
            task.due_on = data.due_on
            task.save(update_fields=["due_on", "updated_at"])
    return task


def _move(task: Task, event: str, edge: Edge, *, actor, reason: str) -> None:
    if task.state not in edge.source:
        raise DomainError({"state": gettext("任务「%(title)s」当前为「%(state)s」，不能%(event)s") % {
            "title": task.title, "state": task.get_state_display(), "event": EVENT_LABELS[event]}},
            code="transition_refused")
    before = task.state
    task.state = edge.target
    task.save(update_fields=["state", "updated_at"])
    TaskTransition.objects.create(task=task, from_state=before, to_state=edge.target, actor=actor, reason=reason)
    audit_record(actor=actor, action=f"task.{event}", obj=task, from_state=before, to_state=edge.target,
                 reason=reason)


def tasks_lapse(*, today: datetime.date | None = None) -> int:
    """The system's sweep: every task not started or in progress whose time limit is before `today` becomes
    overdue (a transition row each, the system as its actor). Returns how many moved."""
    today = today or timezone.localdate()
    edge = TRANSITIONS["lapse"]
    moved = 0
    late = Task.objects.unscoped("the system's daily sweep over every committee's tasks").filter(
        state__in=edge.source, due_on__lt=today).values_list("pk", flat=True)
    for pk in list(late):
        with transaction.atomic():
            task = Task.objects.unscoped("the task locked for the sweep's move").select_for_update().get(pk=pk)
            if task.state in edge.source and task.due_on < today:
                _move(task, "lapse", edge, actor=None, reason=gettext("超过完成时限 %(due)s") % {"due": task.due_on})
                moved += 1
    return moved


def task_create(*, actor, data: TaskIn) -> Task:
    """A task the office adds to an item of its plan: at least one lead unit, every unit the committee's member
    unit or a committee of its area, the indicators by code."""
    if not WorkItem.objects.restrict(actor).filter(pk=data.item_id).exists():
        raise NotFound()  # an item the actor cannot read is answered as if it did not exist
    item = WorkItem.objects.restrict(actor, Action.CHANGE).select_related("plan__committee__place").filter(
        pk=data.item_id).first()
    if item is None or not scope_for(actor).may(Capability.GOVERN):
        raise PermissionDenied(gettext("只有委员会办公室可以新增任务"))
    errors = {}
    lead, cooperating = task_units_check(errors, item.plan, data)
    indicators = list(Indicator.objects.restrict(actor).filter(code__in=data.indicator_codes))
    missing = sorted(set(data.indicator_codes) - {i.code for i in indicators})
    if missing:
        errors["indicator_codes"] = gettext("没有这些指标：%(codes)s") % {"codes": "、".join(missing)}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        task = task_insert(actor=actor, plan=item.plan, item=item, data=data, lead=lead, cooperating=cooperating)
        task.indicators.set(indicators)
    return task


def task_units_check(errors: dict, plan, data) -> tuple[list, list]:
    """A new task's checks, shared by every way a task is made (an item's, a joint meeting's decision's): at least
    one lead unit, every unit the plan's committee's member unit or a committee of its area, due in the plan's
    year or later. Adds what is wrong to `errors` (by the field's name); returns the (lead, cooperating) units."""
    if not data.lead:
        errors["lead"] = gettext("任务至少要有一个牵头单位")
    lead = _units(errors, "lead", plan.committee, data.lead)
    cooperating = _units(errors, "cooperating", plan.committee, data.cooperating)
    if data.due_on.year < plan.year:
        errors["due_on"] = gettext("完成时限早于工作要点的年度 %(year)s") % {"year": plan.year}
    return lead, cooperating


def task_insert(*, actor, plan, item, data, lead: list, cooperating: list,
                kind: str = TaskKind.WORK_POINT, **audit) -> Task:
    """Write a task checked by `task_units_check` and its units (a unit named twice once, lead first), with its
    audit row; inside the caller's transaction."""
    task = Task.objects.create(plan=plan, item=item, kind=kind, title=data.title, description=data.description,
                               due_on=data.due_on)
    seen = set()
    rows = []
    for part, units in ((UnitPart.LEAD, lead), (UnitPart.COOPERATING, cooperating)):
        for unit in units:
            key = (type(unit).__name__, unit.pk)
            if key in seen:
                continue
            seen.add(key)
            rows.append(TaskUnit(task=task, part=part, **{
                "member_unit" if isinstance(unit, MemberUnit) else "committee": unit}))
    TaskUnit.objects.bulk_create(rows)
    audit_record(actor=actor, action="task.create", obj=task, **({"item": item.pk} if item else {}), **audit)
    return task


def _units(errors: dict, key: str, committee: Committee, units: list[UnitIn]) -> list:
    """The member units (of the committee) and committees (it, or below it) the ids name."""
    found, wrong = [], []
    for u in units:
        if (u.member_unit_id is None) == (u.committee_id is None):
            wrong.append("?")
            continue
        if u.member_unit_id is not None:
            unit = MemberUnit.objects.unscoped("a unit of the office's own committee, checked by committee").filter(
                pk=u.member_unit_id, committee=committee).first()
        else:
            unit = Committee.objects.unscoped("a committee of the office's area, checked by its place").filter(
                pk=u.committee_id, place__path__startswith=committee.place.path).first()
        if unit is None:
            wrong.append(str(u.member_unit_id or u.committee_id))
        else:
            found.append(unit)
    if wrong:
        errors[key] = gettext("这些单位不是本委员会的成员单位或下级委员会：%(ids)s") % {"ids": "、".join(wrong)}
    return found


def milestone_add(*, actor, task: Task, data: MilestoneIn) -> Milestone:
    """A milestone the office sets on a task still open, due by the task's own time limit."""
    if not is_office(actor, task):
        raise PermissionDenied(gettext("只有委员会办公室可以设置节点"))
    errors = {}
    if task.state not in (S.NOT_STARTED, S.IN_PROGRESS, S.OVERDUE):
        errors["task"] = gettext("任务「%(title)s」当前为「%(state)s」，不能再设置节点") % {
            "title": task.title, "state": task.get_state_display()}
    if data.due_on > task.due_on:
        errors["due_on"] = gettext("节点时限不能晚于任务的完成时限 %(due)s") % {"due": task.due_on}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        milestone = Milestone.objects.create(task=task, title=data.title, due_on=data.due_on)
        audit_record(actor=actor, action="task.milestone_add", obj=milestone, task=task.pk)
    return milestone


def milestone_done(*, actor, milestone: Milestone, done_on: datetime.date | None = None) -> Milestone:
    """A lead unit (or the office) marks a milestone reached, once, on a day not in the future."""
    task = milestone.task
    if not (is_office(actor, task) or leads(actor, task)):
        raise PermissionDenied(gettext("只有牵头单位或委员会办公室可以确认节点"))
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise DomainError({"done_on": gettext("完成日期 %(date)s 在未来") % {"date": done_on}})
    with transaction.atomic():
        milestone = Milestone.objects.unscoped("the milestone locked again after the actor's check") \
            .select_for_update().get(pk=milestone.pk)
        if milestone.done_on is not None:
            raise DomainError({"done_on": gettext("节点「%(title)s」已于 %(date)s 完成") % {
                "title": milestone.title, "date": milestone.done_on}})
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
        audit_record(actor=actor, action="task.milestone_done", obj=milestone, task=task.pk, done_on=str(done_on))
    return milestone
