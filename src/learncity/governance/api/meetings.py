"""The joint meetings under /api/governance: a committee's meetings, a meeting with its attendance, decisions and
each decision's tasks, and the office's commands (create, update while a draft, publish, add a decision, turn a
decision into tasks), and the minutes as .docx or PDF. Bodies are governance.inputs.meetings' schemas, the same
the pages take: a body that does not match is a 422 naming the field; what a service refuses is a 400 with the
field's message, a 403, or a 404 outside the caller's scope."""

import datetime

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema

from learncity.governance import minutes, selectors, services
from learncity.governance.api.plans import TaskOut
from learncity.governance.inputs import DecisionTasksIn, MeetingDecisionIn, MeetingIn
from learncity.network import selectors as network_selectors

router = Router()


class AttendingOut(Schema):
    id: int
    name: str


class DecisionOut(Schema):
    id: int
    position: int
    text: str
    due_on: datetime.date | None
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj):
        return list(obj.tasks.all())


class MeetingOut(Schema):
    id: int
    committee_id: int
    committee_name: str
    year: int
    title: str
    held_on: datetime.date
    location: str
    convener: str
    state: str
    state_label: str
    published_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_committee_name(obj):
        return obj.committee.name

    @staticmethod
    def resolve_state_label(obj):
        return str(obj.get_state_display())


class MeetingDetailOut(MeetingOut):
    agenda: str
    minutes: str
    member_units: list[AttendingOut]
    committees: list[AttendingOut]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_member_units(obj):
        return list(obj.member_units.all())

    @staticmethod
    def resolve_committees(obj):
        return list(obj.committees.all())

    @staticmethod
    def resolve_decisions(obj):
        return obj.decisions_read


def _meeting_detail(request, pk: int):
    meeting = selectors.meeting_get(actor=request.auth, pk=pk)
    meeting.decisions_read = selectors.meeting_decisions(actor=request.auth, meeting=meeting)
    return meeting


@router.get("/committees/{pk}/meetings", response=list[MeetingOut])
def meeting_list(request, pk: int):
    """The committee's meetings the caller reads (its members: its area's officials, its member units)."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    return list(selectors.meeting_list(actor=request.auth, committee=committee))


@router.post("/committees/{pk}/meetings", response={201: MeetingDetailOut})
def meeting_create(request, pk: int, payload: MeetingIn):
    """The office registers a meeting of its committee, a draft."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    meeting = services.meeting_create(actor=request.auth, committee=committee, data=payload)
    return _meeting_detail(request, meeting.pk)


@router.get("/meetings/{pk}", response=MeetingDetailOut)
def meeting_get(request, pk: int):
    """A meeting with its attendance, and its decisions each with the tasks it became that the caller reads."""
    return _meeting_detail(request, pk)


@router.put("/meetings/{pk}", response=MeetingDetailOut)
def meeting_update(request, pk: int, payload: MeetingIn):
    """The office rewrites a draft meeting (refused once it is published)."""
    meeting = selectors.meeting_get(actor=request.auth, pk=pk)
    services.meeting_update(actor=request.auth, meeting=meeting, data=payload)
    return _meeting_detail(request, pk)


@router.post("/meetings/{pk}/publish", response=MeetingDetailOut)
def meeting_publish(request, pk: int):
    """The office publishes the minutes, once."""
    meeting = selectors.meeting_get(actor=request.auth, pk=pk)
    services.meeting_publish(actor=request.auth, meeting=meeting)
    return _meeting_detail(request, pk)


@router.post("/meetings/{pk}/decisions", response={201: DecisionOut})
def decision_add(request, pk: int, payload: MeetingDecisionIn):
    """The office adds a decision to a draft meeting."""
    meeting = selectors.meeting_get(actor=request.auth, pk=pk)
    decision = services.decision_add(actor=request.auth, meeting=meeting, data=payload)
    return next(d for d in selectors.meeting_decisions(actor=request.auth, meeting=meeting)
                     if d.pk == decision.pk)


@router.post("/decisions/{pk}/tasks", response={201: DecisionOut})
def decision_tasks_create(request, pk: int, payload: DecisionTasksIn):
    """The office turns a published meeting's decision into tasks of the committee's plan for its year."""
    decision = selectors.decision_get(actor=request.auth, pk=pk)
    services.decision_tasks_create(actor=request.auth, decision=decision, data=payload)
    return next(d for d in selectors.meeting_decisions(actor=request.auth, meeting=decision.meeting)
                     if d.pk == decision.pk)


def _minutes(request, pk: int, kind: str) -> HttpResponse:
    body, content_type, name = minutes.minutes_file(actor=request.auth, pk=pk, kind=kind)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@router.get("/meetings/{pk}/minutes.docx")
def minutes_docx(request, pk: int):
    """The minutes as a Word document (the same bytes for the same meeting)."""
    return _minutes(request, pk, "docx")


@router.get("/meetings/{pk}/minutes.pdf")
def minutes_pdf(request, pk: int):
    """The minutes as a PDF (the same bytes for the same meeting)."""
    return _minutes(request, pk, "pdf")
