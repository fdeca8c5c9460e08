"""The committee's year as a JSON API under /api/governance: parse → service or selector → schema out.

Bodies are the input schemas of governance/inputs.py, the same the pages take: a body that does not match its
schema is a 422 naming the field; what a service refuses is a 400 with the field's message (a DomainError), a 403
(PermissionDenied) or a 404 outside the caller's scope (NotFound). Reads go through governance/selectors.py.

A work-points document comes as its text (ImportIn) or as a .docx in Base64 (`/import/docx`); progress updates
bring their evidence files in Base64 in the JSON body. Both are refused by the size they would decode to before
they are decoded, as the credit bank's evidence is (core/uploads.py), and a .docx by its zip's limits too.
"""

import base64
import binascii
import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from learncity.core import uploads
from learncity.core.errors import DomainError
from learncity.core.evidence import evidence_max_bytes
from learncity.core.inputs import Input, parse
from learncity.governance import selectors, services, workpoints
from learncity.governance.inputs import (
    DecisionIn,
    ImportIn,
    MilestoneDoneIn,
    MilestoneIn,
    MoveIn,
    TaskIn,
    UpdateIn,
)
from learncity.governance.models import Task, TaskState, WorkPlan
from learncity.network import selectors as network_selectors

router = Router()


# --- what the routes take beyond governance/inputs.py ------------------------------------------------------------

class FileIn(Input):
    """A file sent in the JSON body: its name and its bytes in Base64."""

    name: str = Field(min_length=1, max_length=200)
    content_base64: str


class DocxImportIn(Input):
    """A work-points document as a .docx (its paragraphs and tables' cells read as the text), with the year and
    the office's decisions as ImportIn takes them."""

    name: str = Field(min_length=1, max_length=200)
    content_base64: str
    year: int | None = Field(default=None, ge=2000, le=2100)
    decisions: dict[str, str | None] = Field(default_factory=dict, max_length=200)


class UpdatePostIn(UpdateIn):
    """A unit's progress (UpdateIn) with its evidence files (PDF, JPEG or PNG, at most five)."""

    files: list[FileIn] = Field(default_factory=list)


class UpdateDecisionIn(DecisionIn):
    """The office's answer to a progress update (governance's DecisionIn, named apart from the credit bank's)."""


# --- what they answer --------------------------------------------------------------------------------------------

class _PlanFields(Schema):
    """What a plan's list row and its page both say of it."""

    id: int
    committee_id: int
    committee_name: str = Field(alias="committee.name")
    place_code: str = Field(alias="committee.place.code")
    year: int
    title: str
    created_at: datetime.datetime


class WorkPlanOut(_PlanFields):
    task_count: int
    tasks_by_state: dict[str, int]

    @staticmethod
    def resolve_task_count(obj):
        return obj.n_tasks

    @staticmethod
    def resolve_tasks_by_state(obj):
        return {state: getattr(obj, f"n_{state}") for state in TaskState.values}


class TaskUnitOut(Schema):
    id: int
    part: str
    member_unit_id: int | None
    committee_id: int | None
    name: str

    @staticmethod
    def resolve_name(obj):
        return str(obj.unit)


class TaskOut(Schema):
    id: int
    plan_id: int
    item_id: int | None  # None: a joint meeting's decision or a rectification (`kind`)
    item_number: str | None
    item_title: str | None
    kind: str
    kind_label: str
    committee_id: int = Field(alias="plan.committee_id")
    committee_name: str = Field(alias="plan.committee.name")
    title: str
    description: str
    due_on: datetime.date
    state: str
    state_label: str
    units: list[TaskUnitOut]
    updated_at: datetime.datetime

    @staticmethod
    def resolve_state_label(obj):
        return str(obj.get_state_display())

    @staticmethod
    def resolve_item_number(obj):
        return obj.item.number if obj.item_id else None

    @staticmethod
    def resolve_item_title(obj):
        return obj.item.title if obj.item_id else None

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_units(obj):
        return list(obj.units.all())


class MilestoneOut(Schema):
    id: int
    task_id: int
    title: str
    due_on: datetime.date
    done_on: datetime.date | None


class TaskTransitionOut(Schema):
    from_state: str
    to_state: str
    actor: str | None
    reason: str
    at: datetime.datetime

    @staticmethod
    def resolve_actor(obj):
        return str(obj.actor) if obj.actor_id else None


class TaskDetailOut(TaskOut):
    indicator_codes: list[str]
    history: list[TaskTransitionOut]
    events: list[str]  # the moves the caller may make on the task now (MoveIn's `event`)

    @staticmethod
    def resolve_indicator_codes(obj):
        return sorted(i.code for i in obj.indicators.all())


class WorkItemOut(Schema):
    id: int
    section: str
    position: int
    number: str
    title: str
    text: str
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj):
        return list(obj.tasks.all())


class WorkPlanDetailOut(_PlanFields):
    items: list[WorkItemOut]

    @staticmethod
    def resolve_items(obj):
        return obj.items_read


class ImportMatchOut(Schema):
    id: int
    name: str


class ImportNameOut(Schema):
    """A name of an item's units clause and what it stands for: member units, committees, or nothing yet."""

    name: str
    part: str
    group: str
    member_units: list[ImportMatchOut]
    committees: list[ImportMatchOut]
    unknown: bool
    decision: str


class ImportItemOut(Schema):
    section: str
    number: str
    title: str
    units: list[ImportNameOut]


class ImportPreviewOut(Schema):
    title: str
    year: int
    items: list[ImportItemOut]
    unknown: list[str]  # the names no member unit or alias matched, in the order first met
    undecided: list[str]  # those of them the office has not decided yet: the import is refused while any is


class ProgressFigureOut(Schema):
    label: str
    value: Decimal
    unit: str


class ProgressEvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class ProgressUpdateOut(Schema):
    id: int
    task_id: int
    member_unit_id: int | None
    committee_id: int | None
    unit_name: str
    author: str
    text: str
    figures: list[ProgressFigureOut]
    state: str
    comment: str
    decided_by: str | None
    decided_at: datetime.datetime | None
    created_at: datetime.datetime
    evidence: list[ProgressEvidenceOut]

    @staticmethod
    def resolve_unit_name(obj):
        return str(obj.unit)

    @staticmethod
    def resolve_author(obj):
        return str(obj.author)

    @staticmethod
    def resolve_decided_by(obj):
        return str(obj.decided_by) if obj.decided_by_id else None

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


# --- helpers -----------------------------------------------------------------------------------------------------

def _decoded(name: str, content_base64: str, *, limit: int, field: str) -> bytes:
    """The file's bytes, refused by the size they would decode to (Base64: 4 characters for 3 bytes) before
    they are decoded."""
    text = content_base64.strip()
    uploads.size_check(len(text) // 4 * 3 - text[-2:].count("="), limit=limit, name=name)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError({field: gettext("文件「%(name)s」的 content_base64 不是有效的 Base64 编码") % {
            "name": name}}) from None


def _plan_detail(request, pk: int) -> WorkPlan:
    plan = selectors.plan_get(actor=request.auth, pk=pk)
    plan.items_read = selectors.plan_items(actor=request.auth, plan=plan)
    return plan


def _task_detail(request, pk: int) -> Task:
    task = selectors.task_get(actor=request.auth, pk=pk)
    task.history = list(selectors.task_history(actor=request.auth, task=task))
    task.events = services.events_open(request.auth, task)
    return task


def _update_out(request, update):
    return selectors.task_updates(actor=request.auth, task=update.task).get(pk=update.pk)


def _preview_out(preview) -> ImportPreviewOut:
    def match(rows):
        return [ImportMatchOut(id=r.pk, name=r.name) for r in rows]

    items = [ImportItemOut(section=item.section, number=item.number, title=item.title, units=[
        ImportNameOut(name=r.ref.name, part=r.ref.part, group=r.ref.group, member_units=match(r.member_units),
                      committees=match(r.committees), unknown=r.unknown, decision=r.decision)
        for r in resolved]) for item, resolved in zip(preview.document.items, preview.units, strict=True)]
    return ImportPreviewOut(title=preview.document.title, year=preview.year, items=items,
                            unknown=preview.unknown, undecided=preview.undecided)


# --- work plans and their import ---------------------------------------------------------------------------------

@router.get("/plans", response=list[WorkPlanOut])
def plan_list(request):
    """The work plans the caller reads (their committee area's, or those of the committees their unit sits on),
    each with its count of tasks by state."""
    return list(selectors.plan_list(actor=request.auth))


@router.get("/plans/{pk}", response=WorkPlanDetailOut)
def plan_get(request, pk: int):
    """A plan with its items in order, each with the tasks of it the caller reads."""
    return _plan_detail(request, pk)


@router.post("/committees/{pk}/import/preview", response=ImportPreviewOut)
def import_preview(request, pk: int, payload: ImportIn):
    """What importing the document would write: its items, the units each names as matched, and the names the
    office must decide first (`decisions`: a member unit's id, "new" or "ignore"). Nothing is written."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    return _preview_out(services.import_preview(actor=request.auth, committee=committee, data=payload))


@router.post("/committees/{pk}/import", response={201: WorkPlanDetailOut})
def workplan_import(request, pk: int, payload: ImportIn):
    """The plan, its items and one task an item with its units; refused while a name is undecided."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    return _plan_detail(request, services.workplan_import(actor=request.auth, committee=committee, data=payload).pk)


@router.post("/committees/{pk}/import/docx", response={201: WorkPlanDetailOut})
def workplan_import_docx(request, pk: int, payload: DocxImportIn):
    """The same import from a .docx sent in Base64."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    data = _decoded(payload.name, payload.content_base64, limit=settings.LEARNCITY_MAX_UPLOAD_BYTES,
                    field="content_base64")
    data = uploads.upload_read(io.BytesIO(data), name=payload.name)  # a zip's limits, before python-docx opens it
    text = workpoints.docx_text(data, name=payload.name)
    document = parse(ImportIn, {"text": text, "year": payload.year, "decisions": payload.decisions})
    plan = services.workplan_import(actor=request.auth, committee=committee, data=document)
    return _plan_detail(request, plan.pk)


# --- tasks -------------------------------------------------------------------------------------------------------

@router.get("/tasks", response=list[TaskOut])
@paginate
def task_list(request, state: str | None = None, mine: bool = False):
    """The tasks the caller reads, by time limit; `state` one of a task's states; `mine`: only those the caller's
    own units answer for (not every task of their area)."""
    return selectors.task_list(actor=request.auth, state=state, mine=mine)


@router.get("/tasks/{pk}", response=TaskDetailOut)
def task_get(request, pk: int):
    """A task with its units, its history and the moves the caller may make on it now."""
    return _task_detail(request, pk)


@router.post("/tasks", response={201: TaskDetailOut})
def task_create(request, payload: TaskIn):
    """A task the office adds to an item of its plan, with its lead and cooperating units."""
    return _task_detail(request, services.task_create(actor=request.auth, data=payload).pk)


@router.post("/tasks/{pk}/move", response=TaskDetailOut)
def task_move(request, pk: int, payload: MoveIn):
    """Move the task's state: start, complete, cancel (with a reason) or reschedule (with a reason and a new
    time limit)."""
    task = selectors.task_get(actor=request.auth, pk=pk)
    return _task_detail(request, services.task_move(actor=request.auth, task=task, data=payload).pk)


# --- progress updates ------------------------------------------------------------------------------------------

@router.get("/tasks/{pk}/milestones", response=list[MilestoneOut])
def milestone_list(request, pk: int):
    """The task's milestones by time limit."""
    task = selectors.task_get(actor=request.auth, pk=pk)
    return list(selectors.task_milestones(actor=request.auth, task=task))


@router.post("/tasks/{pk}/milestones", response={201: MilestoneOut})
def milestone_add(request, pk: int, payload: MilestoneIn):
    """A milestone the office sets on an open task, due by the task's own time limit."""
    task = selectors.task_get(actor=request.auth, pk=pk)
    return services.milestone_add(actor=request.auth, task=task, data=payload)


@router.post("/milestones/{pk}/done", response=MilestoneOut)
def milestone_done(request, pk: int, payload: MilestoneDoneIn):
    """A lead unit (or the office) marks the milestone reached, once."""
    milestone = selectors.milestone_get(actor=request.auth, pk=pk)
    return services.milestone_done(actor=request.auth, milestone=milestone, done_on=payload.done_on)


@router.get("/tasks/{pk}/updates", response=list[ProgressUpdateOut])
def update_list(request, pk: int):
    """The task's progress updates the caller reads, the newest first."""
    task = selectors.task_get(actor=request.auth, pk=pk)
    return list(selectors.task_updates(actor=request.auth, task=task))


@router.post("/tasks/{pk}/updates", response={201: ProgressUpdateOut})
def update_post(request, pk: int, payload: UpdatePostIn):
    """A unit's progress on a task under way or overdue, with its evidence files."""
    task = selectors.task_get(actor=request.auth, pk=pk)
    files = [(f.name, _decoded(f.name, f.content_base64, limit=evidence_max_bytes(), field="files"))
             for f in payload.files]
    update = services.update_post(actor=request.auth, task=task, data=payload, files=files)
    return _update_out(request, update)


@router.post("/updates/{pk}/decide", response=ProgressUpdateOut)
def update_decide(request, pk: int, payload: UpdateDecisionIn):
    """The office accepts the update, or returns it with what is missing (`comment`)."""
    update = selectors.update_get(actor=request.auth, pk=pk)
    return _update_out(request, services.update_decide(actor=request.auth, update=update, data=payload))


@router.get("/updates/{pk}/evidence/{eid}", response={200: None})
def evidence_download(request, pk: int, eid: int):
    """An update's evidence file: its bytes, with its content type."""
    update = selectors.update_get(actor=request.auth, pk=pk)
    evidence = selectors.evidence_get(actor=request.auth, update_pk=update.pk, pk=eid)
    response = HttpResponse(bytes(evidence.content), content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response
