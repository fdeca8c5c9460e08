"""Inspection (专项督导) as JSON under /api/governance: standards, rounds, visits, scores (evidence in Base64),
rectification, closing and the circular (and its PDF). Thin adapters over governance's services and selectors,
bodies the input schemas of governance/inputs/inspections.py: 422 when malformed, 400 with the field's message when
refused, 403 for an action on what the caller reads but may not change, 404 outside their scope."""

import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Router, Schema

from learncity.core.evidence import evidence_max_bytes
from learncity.governance import selectors, services
from learncity.governance.api.plans import FileIn, _decoded
from learncity.governance.inputs import (
    CircularIn,
    InspectionRoundIn,
    RectificationIn,
    ScoreIn,
    StandardIn,
    VisitIn,
)
from learncity.governance.models import InspectionRound, InspectionVisit
from learncity.network import selectors as network_selectors

router = Router()


class ScorePostIn(ScoreIn):
    """An inspector's score (ScoreIn) with its evidence files (PDF, JPEG or PNG; five a criterion at most)."""

    files: list[FileIn] = Field(default_factory=list)


class CriterionOut(Schema):
    id: int
    position: int
    section: str
    text: str
    points: Decimal
    evidence_required: str


class InspectionStandardOut(Schema):
    id: int
    committee_id: int
    code: str
    title: str
    description: str


class StandardDetailOut(InspectionStandardOut):
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj) -> list:
        return obj.criteria_read


class VisitOut(Schema):
    id: int
    round_id: int
    inspector_id: int
    target: str
    place_id: int | None
    institution_id: int | None
    member_unit_id: int | None
    state: str
    submitted_at: datetime.datetime | None

    @staticmethod
    def resolve_target(obj) -> str:
        return str(obj.target)


class RankedVisitOut(VisitOut):
    rank: int
    total: Decimal
    n_scored: int


class InspectionRoundOut(Schema):
    id: int
    committee_id: int
    standard_id: int
    title: str
    year: int
    starts_on: datetime.date
    ends_on: datetime.date
    closed_at: datetime.datetime | None
    circular_id: int | None = None


class InspectionRoundDetailOut(InspectionRoundOut):
    visits: list[RankedVisitOut]

    @staticmethod
    def resolve_visits(obj) -> list:
        return obj.visits_ranked


class InspectionEvidenceOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class ScoreOut(Schema):
    id: int
    criterion_id: int
    score: Decimal
    finding: str
    rectify: bool
    evidence: list[InspectionEvidenceOut]
    task_ids: list[int]

    @staticmethod
    def resolve_evidence(obj) -> list:
        return list(obj.evidence.all())

    @staticmethod
    def resolve_task_ids(obj) -> list[int]:
        return [r.task_id for r in obj.rectifications.all()]


class VisitCriterionOut(CriterionOut):
    score: ScoreOut | None

    @staticmethod
    def resolve_score(obj):
        return obj.mark


class VisitDetailOut(VisitOut):
    round_title: str
    criteria: list[VisitCriterionOut]

    @staticmethod
    def resolve_round_title(obj) -> str:
        return obj.round.title

    @staticmethod
    def resolve_criteria(obj) -> list:
        return obj.criteria_read


class RectificationOut(Schema):
    id: int
    score_id: int
    task_id: int
    task_title: str
    due_on: datetime.date


class CircularOut(Schema):
    id: int
    round_id: int
    title: str
    text: str
    published_by_id: int
    published_at: datetime.datetime


def _visit_out(request, pk: int) -> InspectionVisit:
    visit = selectors.visit_get(actor=request.auth, pk=pk)
    visit.criteria_read = selectors.visit_criteria(actor=request.auth, visit=visit)
    return visit


def _round_out(request, pk: int) -> InspectionRound:
    found = selectors.round_get(actor=request.auth, pk=pk)
    found.visits_ranked = selectors.round_visits(actor=request.auth, round=found)
    circular = selectors.circular_list(actor=request.auth).filter(round=found).first()
    found.circular_id = circular.pk if circular else None
    return found


# --- standards ---------------------------------------------------------------------------------------------------

@router.get("/inspection-standards", response=list[InspectionStandardOut])
def standard_list(request):
    """The inspection standards the caller reads."""
    return list(selectors.standard_list(actor=request.auth))


@router.get("/inspection-standards/{pk}", response=StandardDetailOut)
def standard_get(request, pk: int):
    """A standard with its criteria in order."""
    standard = selectors.standard_get(actor=request.auth, pk=pk)
    standard.criteria_read = selectors.standard_criteria(actor=request.auth, standard=standard)
    return standard


@router.post("/committees/{pk}/inspection-standards", response={201: StandardDetailOut})
def standard_import(request, pk: int, payload: StandardIn):
    """A standard of the committee from its data (the office's)."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    standard = services.standard_import(actor=request.auth, committee=committee, data=payload)
    return standard_get(request, standard.pk)


# --- rounds and visits -------------------------------------------------------------------------------------------

@router.get("/inspections", response=list[InspectionRoundOut])
def round_list(request):
    """The rounds the caller reads: the office's, or those an inspector is sent on."""
    return list(selectors.round_list(actor=request.auth))


@router.get("/inspections/{pk}", response=InspectionRoundDetailOut)
def round_get(request, pk: int):
    """A round with its visits the caller reads, ranked by total."""
    return _round_out(request, pk)


@router.post("/committees/{pk}/inspections", response={201: InspectionRoundDetailOut})
def round_create(request, pk: int, payload: InspectionRoundIn):
    """A round of the committee, scored by one of its standards (the office's)."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    found = services.round_create(actor=request.auth, committee=committee, data=payload)
    return _round_out(request, found.pk)


@router.post("/inspections/{pk}/visits", response={201: VisitDetailOut})
def visit_assign(request, pk: int, payload: VisitIn):
    """An inspector sent to a district, an institution or a member unit (the office's)."""
    found = selectors.round_get(actor=request.auth, pk=pk)
    visit = services.visit_assign(actor=request.auth, round=found, data=payload)
    return _visit_out(request, visit.pk)


@router.post("/inspections/{pk}/close", response=InspectionRoundDetailOut)
def round_close(request, pk: int):
    """The office closes the round once every visit is submitted."""
    found = selectors.round_get(actor=request.auth, pk=pk)
    services.round_close(actor=request.auth, round=found)
    return _round_out(request, pk)


@router.get("/inspection-visits", response=list[VisitOut])
def visit_list_mine(request):
    """The visits the caller is sent on (an inspector's), open ones first."""
    return list(selectors.visit_list_mine(actor=request.auth))


@router.get("/inspection-visits/{pk}", response=VisitDetailOut)
def visit_get(request, pk: int):
    """A visit with the standard's criteria and their scores."""
    return _visit_out(request, pk)


@router.post("/inspection-visits/{pk}/scores", response=VisitDetailOut)
def score_record(request, pk: int, payload: ScorePostIn):
    """The visit's inspector scores a criterion (again, until the visit is submitted), with evidence files."""
    visit = selectors.visit_get(actor=request.auth, pk=pk)
    files = [(f.name, _decoded(f.name, f.content_base64, limit=evidence_max_bytes(), field="files"))
             for f in payload.files]
    services.score_record(actor=request.auth, visit=visit, data=payload, files=files)
    return _visit_out(request, pk)


@router.post("/inspection-visits/{pk}/submit", response=VisitDetailOut)
def visit_submit(request, pk: int):
    """The inspector hands the visit in: every criterion scored, the evidence required present."""
    visit = selectors.visit_get(actor=request.auth, pk=pk)
    services.visit_submit(actor=request.auth, visit=visit)
    return _visit_out(request, pk)


@router.get("/inspection-scores/{pk}/evidence/{eid}", response={200: None})
def evidence_download(request, pk: int, eid: int):
    """A score's evidence file: its bytes, with its content type."""
    score = selectors.score_get(actor=request.auth, pk=pk)
    evidence = selectors.inspection_evidence_get(actor=request.auth, score_pk=score.pk, pk=eid)
    response = HttpResponse(bytes(evidence.content), content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response


@router.post("/inspection-scores/{pk}/rectification", response={201: RectificationOut})
def rectification_create(request, pk: int, payload: RectificationIn):
    """A finding marked to rectify sent as a task of the plan of the round's year (the office's)."""
    score = selectors.score_get(actor=request.auth, pk=pk)
    rectification = services.rectification_create(actor=request.auth, score=score, data=payload)
    return {"id": rectification.pk, "score_id": score.pk, "task_id": rectification.task_id,
                 "task_title": rectification.task.title, "due_on": rectification.task.due_on}


# --- the circular ------------------------------------------------------------------------------------------------

@router.post("/inspections/{pk}/circular", response={201: CircularOut})
def circular_publish(request, pk: int, payload: CircularIn):
    """The round's circular, once it is closed: the office's text with the ranked results, common findings and
    rectifications."""
    found = selectors.round_get(actor=request.auth, pk=pk)
    return services.circular_publish(actor=request.auth, round=found, data=payload)


@router.get("/circulars/{pk}", response=CircularOut)
def circular_get(request, pk: int):
    """A circular, read by the committee's whole area."""
    return selectors.circular_get(actor=request.auth, pk=pk)


@router.get("/circulars/{pk}/pdf", response={200: None})
def circular_pdf(request, pk: int):
    """The circular as a PDF."""
    circular = selectors.circular_get(actor=request.auth, pk=pk)
    response = HttpResponse(services.circular_pdf(circular), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"circular-{circular.pk}.pdf")
    return response
