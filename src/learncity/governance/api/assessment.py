"""The annual assessment as JSON under /api/governance/assessment: schemes with their weights, the ranked table
with every component's source rows, the weights changed, the proposal of advanced units, and the table as .xlsx.
Bodies are inputs/assessment.py's schemas, the pages' too: 422 when malformed, 400 with the field's message when
refused (a weight's component named), 403 for a change on a scheme the caller reads but does not run, 404
outside the caller's scope."""

import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema

from learncity.governance.assessment_xlsx import assessment_xlsx
from learncity.governance.inputs.assessment import ProposeIn, SchemeIn, WeightsIn
from learncity.governance.selectors import assessment as selectors
from learncity.governance.services import assessment as services
from learncity.network import selectors as network_selectors

router = Router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SchemeOut(Schema):
    id: int
    committee_id: int
    committee_name: str
    year: int
    subjects: str
    weights: dict[str, Decimal]
    created_at: datetime.datetime


class SourceOut(Schema):
    kind: str
    id: str
    label: str
    figures: dict[str, str]


class ComponentOut(Schema):
    key: str
    label: str
    weight: Decimal
    applicable: bool
    score: Decimal | None
    explanation: str
    sources: list[SourceOut]


class AssessmentRowOut(Schema):
    rank: int
    key: str
    name: str
    member_unit_id: int | None
    committee_id: int | None
    total: Decimal
    note: str
    components: list[ComponentOut]


class TableOut(Schema):
    scheme: SchemeOut
    rows: list[AssessmentRowOut]


class ProposalOut(Schema):
    id: int
    number: int
    rank: int
    member_unit_id: int | None
    committee_id: int | None
    total: Decimal
    components: dict
    proposed_by_id: int
    proposed_at: datetime.datetime


def _scheme_out(request, scheme) -> dict:
    return {"id": scheme.pk, "committee_id": scheme.committee_id, "committee_name": scheme.committee.name,
            "year": scheme.year, "subjects": scheme.subjects, "created_at": scheme.created_at,
            "weights": selectors.scheme_weights(actor=request.auth, scheme=scheme)}


def _row_out(row) -> dict:
    return {"rank": row.rank, "key": row.key, "name": row.name, "total": row.total, "note": row.note,
            "member_unit_id": row.member_unit.pk if row.member_unit else None,
            "committee_id": row.committee.pk if row.committee else None,
            "components": [{"key": c.key, "label": c.label, "weight": c.weight, "applicable": c.applicable,
                            "score": c.score, "explanation": c.explanation,
                            "sources": [{"kind": s.kind, "id": str(s.id), "label": s.label, "figures": s.figures}
                                        for s in c.sources]} for c in row.components]}


@router.get("/assessment/schemes", response=list[SchemeOut])
def scheme_list(request):
    """The schemes of the committees whose office the caller runs."""
    return [_scheme_out(request, s) for s in selectors.scheme_list(actor=request.auth)]


@router.post("/committees/{pk}/assessment/schemes", response={201: SchemeOut})
def scheme_create(request, pk: int, payload: SchemeIn):
    """A scheme for a year and its subjects ("districts" or "member_units") with the components' weights
    (indicators, tasks, reports, inspections; summing to 100)."""
    committee = network_selectors.committee_get(actor=request.auth, pk=pk)
    scheme = services.scheme_create(actor=request.auth, committee=committee, data=payload)
    return _scheme_out(request, selectors.scheme_get(actor=request.auth, pk=scheme.pk))


@router.get("/assessment/schemes/{pk}", response=TableOut)
def scheme_table(request, pk: int):
    """The scheme and its ranked table: each unit's components (score 0–100 or not applicable, weight, how it was
    computed, the source rows and their figures), its weighted total and rank."""
    scheme = selectors.scheme_get(actor=request.auth, pk=pk)
    return {"scheme": _scheme_out(request, scheme),
            "rows": [_row_out(r) for r in selectors.assessment_table(request.auth, scheme)]}


@router.put("/assessment/schemes/{pk}/weights", response=SchemeOut)
def scheme_weights(request, pk: int, payload: WeightsIn):
    """The scheme's weights, all four at once."""
    scheme = selectors.scheme_get(actor=request.auth, pk=pk)
    services.weights_set(actor=request.auth, scheme=scheme, data=payload)
    return _scheme_out(request, scheme)


@router.get("/assessment/schemes/{pk}/proposal", response=list[ProposalOut])
def proposal_get(request, pk: int):
    """The proposal of advanced units in force (the latest), by rank; empty before the first."""
    scheme = selectors.scheme_get(actor=request.auth, pk=pk)
    return selectors.proposal_current(actor=request.auth, scheme=scheme)


@router.post("/assessment/schemes/{pk}/proposals", response={201: list[ProposalOut]})
def proposal_create(request, pk: int, payload: ProposeIn):
    """The first `count` of the table proposed as advanced units (ties with the last included): a new proposal,
    superseding the last."""
    scheme = selectors.scheme_get(actor=request.auth, pk=pk)
    return services.advanced_propose(actor=request.auth, scheme=scheme, data=payload)


@router.get("/assessment/schemes/{pk}/export.xlsx")
def scheme_export(request, pk: int):
    """The table as .xlsx: the ranking, and every component's source rows."""
    scheme = selectors.scheme_get(actor=request.auth, pk=pk)
    response = HttpResponse(assessment_xlsx(scheme, selectors.assessment_table(request.auth, scheme)),
                            content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"assessment-{scheme.year}-{scheme.subjects}-{scheme.pk}.xlsx")
    return response
