"""Reads of the joint meetings; each starts from `restrict(actor, action)`: the committee's members (its area's
officials, its member units) read its meetings and decisions; of the tasks a decision became, each reader sees
those they read (a member unit its own, the office all)."""

from django.db.models import Prefetch, QuerySet

from learncity.core.errors import NotFound
from learncity.governance.models import Meeting, MeetingDecision, Task, TaskUnit
from learncity.network.models import Committee, MemberUnit


def meeting_list(*, actor, committee: Committee | None = None) -> QuerySet[Meeting]:
    """The meetings the actor reads, newest first; of one committee when given."""
    qs = Meeting.objects.restrict(actor).select_related("committee__place")
    if committee is not None:
        qs = qs.filter(committee=committee)
    return qs.order_by("-held_on", "-id")


def meeting_get(*, actor, pk: int) -> Meeting:
    """The meeting with its attending member units and lower committees (prefetched, in order): who attended is
    part of the minutes, so every reader of the meeting reads all of them, not only the units in their own scope."""
    meeting = (Meeting.objects.restrict(actor).select_related("committee__place", "published_by", "created_by")
               .prefetch_related(Prefetch("member_units", queryset=MemberUnit.objects.unscoped("a read meeting's attendance")
                                          .order_by("id")),
                                 Prefetch("committees", queryset=Committee.objects.unscoped("a read meeting's attendance")
                                          .select_related("place").order_by("place__path")))
               .filter(pk=pk).first())
    if meeting is None:
        raise NotFound()
    return meeting


def meeting_decisions(*, actor, meeting: Meeting) -> list[MeetingDecision]:
    """The meeting's decisions in order, each with the tasks it became that the actor reads, each with all its
    units (lead and cooperating, as the minutes print them)."""
    tasks = (Task.objects.restrict(actor).select_related("plan").order_by("due_on", "id")
             .prefetch_related(Prefetch("units", queryset=TaskUnit.objects.unscoped(
                 "every unit of a decision's task the actor reads: who leads and cooperates is part of the decision")
                                        .select_related("member_unit", "committee"))))
    return list(MeetingDecision.objects.restrict(actor).filter(meeting=meeting).order_by("position")
                .prefetch_related(Prefetch("tasks", queryset=tasks)))


def decision_get(*, actor, pk: int) -> MeetingDecision:
    decision = (MeetingDecision.objects.restrict(actor).select_related("meeting__committee__place")
                .filter(pk=pk).first())
    if decision is None:
        raise NotFound()
    return decision
