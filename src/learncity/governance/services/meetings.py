"""Joint meetings (联席会议): the committee's office writes a meeting (date, convener, attendance, agenda, minutes)
and its decisions while it is a draft, publishes it once, and turns a published meeting's decisions into tasks
of the committee's plan for the meeting's year (TaskKind.DECISION, no work item), through the same checks and
writing as any task (services/tasks.py: a lead unit, the committee's units).

Published once, the minutes are the record: every edit of a published meeting is refused (its agenda,
attendance, minutes, a new decision); a correction goes into the next meeting's minutes. Only the office
(Capability.GOVERN over the committee) writes; a user who does not read the meeting gets NotFound, one who reads
it but does not run the office PermissionDenied. Each write is audited in its transaction.
"""

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action, Capability, scope_for
from learncity.governance.inputs import DecisionTasksIn, MeetingDecisionIn, MeetingIn
from learncity.governance.models import (
    DecisionTask,
    Meeting,
    MeetingDecision,
    MeetingState,
    Task,
    TaskKind,
    WorkPlan,
)
from learncity.governance.services.tasks import task_insert, task_units_check
from learncity.network.models import Committee, MemberUnit


def _office(actor, committee: Committee, message: str) -> None:
    """NotFound when the actor does not read the committee, PermissionDenied when they do not run its office."""
    scope = scope_for(actor)
    if not Committee.objects.restrict(scope).filter(pk=committee.pk).exists():
        raise NotFound()
    if not (scope.may(Capability.GOVERN)
            and Committee.objects.restrict(scope, Action.CHANGE).filter(pk=committee.pk).exists()):
        raise PermissionDenied(message)


def _meeting_office(actor, meeting: Meeting, message: str) -> None:
    if not Meeting.objects.restrict(actor).filter(pk=meeting.pk).exists():
        raise NotFound()
    _office(actor, meeting.committee, message)


def _attendance(errors: dict, committee: Committee, data: MeetingIn) -> tuple[list, list]:
    """The attending member units (the committee's own) and lower committees (of places below its place)."""
    units = list(MemberUnit.objects.unscoped("the office's own committee's units, checked by committee").filter(
        pk__in=data.member_unit_ids, committee=committee))
    wrong = sorted(set(data.member_unit_ids) - {u.pk for u in units})
    if wrong:
        errors["member_unit_ids"] = gettext("这些单位不是本委员会的成员单位：%(ids)s") % {
            "ids": "、".join(map(str, wrong))}
    lower = list(Committee.objects.unscoped("committees of the office's area, checked by their place").filter(
        Q(place__path__startswith=committee.place.path) & ~Q(pk=committee.pk), pk__in=data.committee_ids))
    wrong = sorted(set(data.committee_ids) - {c.pk for c in lower})
    if wrong:
        errors["committee_ids"] = gettext("这些委员会不是本委员会的下级委员会：%(ids)s") % {
            "ids": "、".join(map(str, wrong))}
    return units, lower


def _year(errors: dict, data: MeetingIn) -> int:
    year = data.year or data.held_on.year
    if abs(year - data.held_on.year) > 1:
        errors["year"] = gettext("年度 %(year)s 与会议日期 %(date)s 相差超过一年") % {
            "year": year, "date": data.held_on}
    return year


def meeting_create(*, actor, committee: Committee, data: MeetingIn) -> Meeting:
    """A draft meeting of the committee, written by its office."""
    _office(actor, committee, gettext("只有委员会办公室可以登记联席会议"))
    errors: dict = {}
    units, lower = _attendance(errors, committee, data)
    year = _year(errors, data)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            committee=committee, year=year, title=data.title, held_on=data.held_on, location=data.location,
            convener=data.convener, agenda=data.agenda, minutes=data.minutes, created_by=actor)
        meeting.member_units.set(units)
        meeting.committees.set(lower)
        audit_record(actor=actor, action="meeting.create", obj=meeting, committee=committee.pk,
                     member_units=sorted(u.pk for u in units), committees=sorted(c.pk for c in lower))
    return meeting


def _locked_draft(meeting: Meeting, refusal: str) -> Meeting:
    """The meeting locked for a write, refused (`refusal`, given the meeting's title) when it is published."""
    meeting = Meeting.objects.unscoped("the meeting locked again after the actor's check").select_for_update().get(
        pk=meeting.pk)
    if meeting.state != MeetingState.DRAFT:
        raise DomainError({"state": refusal % {"title": meeting.title}}, code="meeting_published")
    return meeting


def meeting_update(*, actor, meeting: Meeting, data: MeetingIn) -> Meeting:
    """The office rewrites a draft meeting (every field, the attendance replaced)."""
    _meeting_office(actor, meeting, gettext("只有委员会办公室可以修改联席会议"))
    errors: dict = {}
    units, lower = _attendance(errors, meeting.committee, data)
    year = _year(errors, data)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        meeting = _locked_draft(meeting, gettext("会议「%(title)s」的纪要已印发，不能再修改"))
        for field in ("title", "held_on", "location", "convener", "agenda", "minutes"):
            setattr(meeting, field, getattr(data, field))
        meeting.year = year
        meeting.save()
        meeting.member_units.set(units)
        meeting.committees.set(lower)
        audit_record(actor=actor, action="meeting.update", obj=meeting,
                     member_units=sorted(u.pk for u in units), committees=sorted(c.pk for c in lower))
    return meeting


def meeting_publish(*, actor, meeting: Meeting) -> Meeting:
    """The office publishes a draft meeting's minutes, once: it needs its minutes and at least one attending
    unit. From then on nothing of it changes."""
    _meeting_office(actor, meeting, gettext("只有委员会办公室可以印发会议纪要"))
    with transaction.atomic():
        meeting = _locked_draft(meeting, gettext("会议「%(title)s」的纪要已印发，不能再次印发"))
        errors = {}
        if not meeting.minutes.strip():
            errors["minutes"] = gettext("请先填写会议纪要")
        if not meeting.member_units.exists() and not meeting.committees.exists():
            errors["member_unit_ids"] = gettext("请先登记出席单位")
        if errors:
            raise DomainError(errors)
        meeting.state = MeetingState.PUBLISHED
        meeting.published_by = actor
        meeting.published_at = timezone.now()
        meeting.save(update_fields=["state", "published_by", "published_at"])
        audit_record(actor=actor, action="meeting.publish", obj=meeting, from_state=MeetingState.DRAFT,
                     to_state=MeetingState.PUBLISHED)
    return meeting


def decision_add(*, actor, meeting: Meeting, data: MeetingDecisionIn) -> MeetingDecision:
    """A decision added to a draft meeting, after its others."""
    _meeting_office(actor, meeting, gettext("只有委员会办公室可以登记议定事项"))
    if data.due_on is not None and data.due_on < meeting.held_on:
        raise DomainError({"due_on": gettext("完成时限早于会议日期 %(date)s") % {"date": meeting.held_on}})
    with transaction.atomic():
        meeting = _locked_draft(meeting, gettext("会议「%(title)s」的纪要已印发，不能再增加议定事项"))
        last = MeetingDecision.objects.unscoped("the meeting's decisions, under its lock").filter(
            meeting=meeting).aggregate(n=Max("position"))["n"] or 0
        decision = MeetingDecision.objects.create(meeting=meeting, position=last + 1, text=data.text,
                                                  due_on=data.due_on)
        audit_record(actor=actor, action="meeting.decision_add", obj=decision, meeting=meeting.pk,
                     position=decision.position)
    return decision


def decision_tasks_create(*, actor, decision: MeetingDecision, data: DecisionTasksIn) -> list[Task]:
    """The tasks a published meeting's decision becomes, in the committee's plan for the meeting's year: each
    with at least one lead unit, every unit the committee's. All written, or none."""
    meeting = Meeting.objects.restrict(actor).select_related("committee__place").filter(
        pk=decision.meeting_id).first()
    if meeting is None:
        raise NotFound()
    _meeting_office(actor, meeting, gettext("只有委员会办公室可以将议定事项转为任务"))
    if meeting.state != MeetingState.PUBLISHED:
        raise DomainError({"state": gettext("会议纪要印发后，议定事项才能转为任务")}, code="meeting_draft")
    plan = WorkPlan.objects.restrict(actor, Action.CHANGE).select_related("committee__place").filter(
        committee=meeting.committee, year=meeting.year).first()
    if plan is None:
        raise DomainError({"plan": gettext("%(committee)s还没有 %(year)s 年度工作要点，议定事项无法转为任务") % {
            "committee": meeting.committee.name, "year": meeting.year}}, code="no_plan")
    errors: dict = {}
    checked = []
    for number, task in enumerate(data.tasks):
        task_errors: dict = {}
        units = task_units_check(task_errors, plan, task)
        errors |= {f"tasks.{number}.{field}": message for field, message in task_errors.items()}
        checked.append((task, *units))
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        tasks = []
        for task, lead, cooperating in checked:
            written = task_insert(actor=actor, plan=plan, item=None, data=task, lead=lead, cooperating=cooperating,
                                  kind=TaskKind.DECISION, decision=decision.pk, meeting=meeting.pk)
            DecisionTask.objects.create(decision=decision, task=written)
            tasks.append(written)
    return tasks
