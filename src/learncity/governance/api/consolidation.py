"""A reporting round's consolidated report under /api/governance/rounds/{pk}/consolidation: the figures as JSON
(every unit's state, times and numbers; the totals; the monitoring figures of the period) and the same as .docx
or PDF. For the round's office only: 404 outside its scope, 403 for a member unit that reads the round."""

import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema

from learncity.governance import documents
from learncity.governance.selectors.consolidation import round_consolidation

router = Router()


class UnitReturnOut(Schema):
    unit: str
    state: str
    state_label: str
    first_submitted_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    extended_until: datetime.datetime | None
    late: bool
    counted: bool
    values: dict[str, Decimal | None]
    texts: dict[str, str]
    files: dict[str, int]


class MonitoringFigureOut(Schema):
    code: str
    name: str
    unit: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: int | None
    target: Decimal | None


class ConsolidationOut(Schema):
    round_id: int
    round_title: str
    committee_name: str
    form_title: str
    period_start: datetime.date
    period_end: datetime.date
    deadline: datetime.datetime
    counts: dict[str, int]
    totals: dict[str, Decimal]
    units: list[UnitReturnOut]
    monitoring_period: str
    monitoring: list[MonitoringFigureOut]


@router.get("/rounds/{pk}/consolidation", response=ConsolidationOut)
def consolidation_get(request, pk: int):
    c = round_consolidation(actor=request.auth, pk=pk)
    rnd = c.round
    return {"round_id": rnd.pk, "round_title": rnd.title, "committee_name": c.committee_name,
            "form_title": c.form_title, "period_start": rnd.period_start, "period_end": rnd.period_end,
            "deadline": rnd.deadline, "counts": c.counts, "totals": c.totals, "units": c.units,
            "monitoring_period": c.monitoring_period, "monitoring": c.monitoring}


def _download(request, pk: int, fmt: str, content_type: str, render) -> HttpResponse:
    c = round_consolidation(actor=request.auth, pk=pk)
    response = HttpResponse(render(c), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, documents.consolidation_filename(c, fmt))
    return response


@router.get("/rounds/{pk}/consolidation/docx", response={200: None})
def consolidation_docx(request, pk: int):
    """The consolidated report as a Word document (the same bytes for the same data)."""
    return _download(request, pk, "docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     documents.consolidation_docx)


@router.get("/rounds/{pk}/consolidation/pdf", response={200: None})
def consolidation_pdf(request, pk: int):
    """The consolidated report as a PDF (the same bytes for the same data)."""
    return _download(request, pk, "pdf", "application/pdf", documents.consolidation_pdf)
