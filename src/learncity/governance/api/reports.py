"""Member units' reports under /api/governance: a committee's report forms (the office makes them), reporting rounds
(the office opens one for its member units and lower committees; a round with every return the caller reads and
their summary), the caller's own returns, a return with its form, history and attachments, and the moves: save
(a draft), submit, the office's decision (accept, or return with a comment), an extension, attachments in Base64.
Bodies are governance.inputs.reports' schemas, the same the pages take: a body that does not match is a 422 naming
the field; what a service refuses is a 400 naming the field or the cell ("funds_by_source.budget.amount"), a 403,
or a 404 outside the caller's scope."""

import datetime

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Router, Schema

from learncity.core.evidence import evidence_max_bytes
from learncity.core.inputs import Input
from learncity.governance import selectors
from learncity.governance.api.plans import FileIn, _decoded
from learncity.governance.inputs.reports import ExtensionIn, FormIn, ReportRoundIn, ReturnDecisionIn, ReturnIn
from learncity.governance.services import reports
from learncity.network import selectors as network_selectors

router = Router()


class AttachmentsIn(Input):
    """Files for one of the form's attachment fields."""

    field: str = Field(min_length=1, max_length=48)
    files: list[FileIn] = Field(default_factory=list, max_length=5)


class FormOut(Schema):
    id: int
    committee_id: int
    code: str
    title: str
    form_schema: dict
    created_at: datetime.datetime

    @staticmethod
    def resolve_form_schema(obj):
        return obj.schema


class ReportRoundOut(Schema):
    id: int
    committee_id: int
    form_id: int
    form_title: str
    title: str
    period_start: datetime.date
    period_end: datetime.date
    deadline: datetime.datetime
    remind_days: int
    locked_at: datetime.datetime | None

    @staticmethod
    def resolve_form_title(obj):
        return obj.form.title


class ReturnOut(Schema):
    id: int
    round_id: int
    member_unit_id: int | None
    committee_id: int | None
    unit_name: str
    state: str
    state_label: str
    submitted_at: datetime.datetime | None
    first_submitted_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    extended_until: datetime.datetime | None
    comment: str

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_state_label(obj):
        return str(obj.get_state_display())


class RoundReturnOut(ReturnOut):
    late: bool
    extended: bool


class ReportRoundDetailOut(ReportRoundOut):
    returns: list[RoundReturnOut]
    summary: dict

    @staticmethod
    def resolve_returns(obj):
        return obj.returns_read

    @staticmethod
    def resolve_summary(obj):
        return selectors.report_round_summary(returns=obj.returns_read)


class ReturnEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None
    comment: str
    until: datetime.datetime | None
    at: datetime.datetime

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor_id else None


class AttachmentOut(Schema):
    id: int
    field: str
    name: str
    size: int
    content_type: str
    sha256: str


class ReturnDetailOut(ReturnOut):
    round: ReportRoundOut
    data: dict
    form_schema: dict
    history: list[ReturnEventOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_form_schema(obj):
        return obj.round.form.schema

    @staticmethod
    def resolve_history(obj):
        return obj.history_read

    @staticmethod
    def resolve_attachments(obj):
        return obj.attachments_read


def _round_detail(request, pk: int):
    rnd = selectors.report_round_get(actor=request.auth, pk=pk)
    rnd.returns_read = selectors.report_round_returns(actor=request.auth, rnd=rnd)
    return rnd


def _return_detail(request, pk: int):
    ret = selectors.return_get(actor=request.auth, pk=pk)
    ret.history_read = list(selectors.return_history(actor=request.auth, report_return=ret))
    ret.attachments_read = list(selectors.return_attachments(actor=request.auth, report_return=ret))
    return ret


@router.get("/committees/{pk}/report-forms", response=list[FormOut])
def form_list(request, pk: int):
    """The committee's report forms the caller reads."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    return list(selectors.form_list(actor=request.auth).filter(committee=committee))


@router.post("/committees/{pk}/report-forms", response={201: FormOut})
def form_create(request, pk: int, payload: FormIn):
    """The office makes a form of its committee (its schema checked, each wrong place named)."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    return reports.form_create(actor=request.auth, committee=committee, data=payload)


@router.get("/report-forms/{pk}", response=FormOut)
def form_get(request, pk: int):
    return selectors.form_get(actor=request.auth, pk=pk)


@router.get("/rounds", response=list[ReportRoundOut])
def round_list(request):
    """The reporting rounds the caller reads (its office's, and those asking its units), newest first."""
    return list(selectors.report_round_list(actor=request.auth))


@router.post("/rounds", response={201: ReportRoundDetailOut})
def round_open(request, payload: ReportRoundIn):
    """The office opens a round of its form for its member units and lower committees, with a deadline."""
    rnd = reports.round_open(actor=request.auth, data=payload)
    return _round_detail(request, rnd.pk)


@router.get("/rounds/{pk}", response=ReportRoundDetailOut)
def round_get(request, pk: int):
    """A round with every return the caller reads (the office: all; a unit: its own), late and extended marked."""
    return _round_detail(request, pk)


@router.get("/returns", response=list[ReturnOut])
def returns_mine(request):
    """The returns the caller fills in (their member unit's, their area's committees')."""
    return list(selectors.returns_mine(actor=request.auth))


@router.get("/returns/{pk}", response=ReturnDetailOut)
def return_get(request, pk: int):
    """A return with its answers, its form's schema, history and attachments."""
    return _return_detail(request, pk)


@router.put("/returns/{pk}", response=ReturnDetailOut)
def return_save(request, pk: int, payload: ReturnIn):
    """The unit saves its draft (partial answers, each well formed)."""
    ret = selectors.return_get(actor=request.auth, pk=pk)
    reports.return_save(actor=request.auth, report_return=ret, data=payload)
    return _return_detail(request, pk)


@router.post("/returns/{pk}/submit", response=ReturnDetailOut)
def return_submit(request, pk: int, payload: ReturnIn):
    """The unit submits its return complete (the answers given; those saved when `data` is empty)."""
    ret = selectors.return_get(actor=request.auth, pk=pk)
    reports.return_submit(actor=request.auth, report_return=ret, data=payload if payload.data else None)
    return _return_detail(request, pk)


@router.post("/returns/{pk}/decide", response=ReturnDetailOut)
def return_decide(request, pk: int, payload: ReturnDecisionIn):
    """The office accepts a submitted return, or returns it with a comment."""
    ret = selectors.return_get(actor=request.auth, pk=pk)
    reports.return_decide(actor=request.auth, report_return=ret, data=payload)
    return _return_detail(request, pk)


@router.post("/returns/{pk}/extension", response=ReturnDetailOut)
def extension_grant(request, pk: int, payload: ExtensionIn):
    """The office lets a return not yet submitted come in until a later time, for a reason."""
    ret = selectors.return_get(actor=request.auth, pk=pk)
    reports.extension_grant(actor=request.auth, report_return=ret, data=payload)
    return _return_detail(request, pk)


@router.post("/returns/{pk}/attachments", response={201: ReturnDetailOut})
def attachment_add(request, pk: int, payload: AttachmentsIn):
    """The unit adds files (Base64; PDF, JPEG or PNG) to one of the form's attachment fields."""
    ret = selectors.return_get(actor=request.auth, pk=pk)
    files = [(f.name, _decoded(f.name, f.content_base64, limit=evidence_max_bytes(), field=payload.field))
             for f in payload.files]
    reports.attachment_add(actor=request.auth, report_return=ret, field=payload.field, files=files)
    return _return_detail(request, pk)


@router.delete("/returns/{pk}/attachments/{aid}", response=ReturnDetailOut)
def attachment_remove(request, pk: int, aid: int):
    """The unit removes a file while its return can be edited."""
    attachment = selectors.attachment_get(actor=request.auth, return_pk=pk, pk=aid)
    reports.attachment_remove(actor=request.auth, attachment=attachment)
    return _return_detail(request, pk)


@router.get("/returns/{pk}/attachments/{aid}", response={200: None})
def attachment_download(request, pk: int, aid: int):
    """An attachment's bytes, with its content type."""
    attachment = selectors.attachment_get(actor=request.auth, return_pk=pk, pk=aid)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.name)
    return response
