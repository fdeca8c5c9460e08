"""Monitoring API under /api/monitoring: the same selectors and services as the pages.

    GET    /indicators                     the indicators (UNESCO area, unit, whether published, active version)
    GET    /indicators/{code}              one indicator with its active spec
    POST   /indicators/{code}/versions     a new version of its spec (city administrators)
    POST   /indicators/{code}/publish      show it on the public dashboard or not (city administrators)
    GET    /overview                       every indicator for a place and period: actual, target, status, trend
    GET    /indicators/{code}/drilldown    the place and its children
    GET    /indicators/{code}/breakdown    by sex, age band, group, record kind or provider kind
    GET    /indicators/{code}/series       by month, quarter or year
    GET    /targets                        the targets in the caller's area
    POST   /targets                        set one (city and district administrators)
    DELETE /targets/{target_id}            remove one (the answer: the target as it was)
    POST   /targets/import                 a spreadsheet of targets (xlsx or CSV), all or nothing
    GET    /public/overview                no sign-in: published indicators, small cells suppressed
    GET    /public/indicators/{code}       no sign-in: one published indicator by place

`place` is a place id, `period` a period key ("2026", "2026-Q3", "2026-07", "2026-01-01..2026-06-30").
A value is a decimal string, or null for "no data" (a zero or missing denominator); `suppressed` marks a small
cell on the public routes (its numbers are null).
"""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from learncity.core import uploads
from learncity.monitoring import selectors, services
from learncity.monitoring.periods import Period, period_parse

router = Router(tags=["monitoring"])


class PeriodOut(Schema):
    kind: str
    key: str
    label: str
    start: datetime.date
    end: datetime.date


class PlaceRefOut(Schema):
    id: int
    code: str
    name: str
    level: int


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    area: str
    area_label: str
    area_group: str
    explanation: str
    published: bool
    order: int
    version: int
    is_rate: bool
    counts: str
    breakdowns: list[str]


class IndicatorDetailOut(IndicatorOut):
    spec: dict


class ValueOut(Schema):
    value: Decimal | None
    numerator: Decimal | None
    denominator: int | None
    suppressed: bool


class RowOut(Schema):
    indicator: str
    place: PlaceRefOut
    actual: ValueOut
    target: Decimal | None
    status: str | None
    status_label: str
    previous: ValueOut
    trend: str | None


class OverviewOut(Schema):
    place: PlaceRefOut
    period: PeriodOut
    rows: list[RowOut]


class DrilldownOut(Schema):
    indicator: IndicatorOut
    period: PeriodOut
    place: PlaceRefOut
    ancestors: list[PlaceRefOut]
    row: RowOut
    children: list[RowOut]


class BreakdownRowOut(Schema):
    key: str
    label: str
    value: ValueOut


class BreakdownOut(Schema):
    indicator: str
    place: PlaceRefOut
    period: PeriodOut
    by: str
    rows: list[BreakdownRowOut]


class PointOut(Schema):
    period: PeriodOut
    value: ValueOut
    target: Decimal | None


class SeriesOut(Schema):
    indicator: str
    place: PlaceRefOut
    grain: str
    points: list[PointOut]


class TargetOut(Schema):
    id: int
    indicator: str
    place: PlaceRefOut
    period: PeriodOut
    value: Decimal
    source: str
    set_by: str
    set_at: datetime.datetime


class TargetIn(Schema):
    indicator: str
    place: int
    period: str
    value: Decimal


class SpecIn(Schema):
    spec: dict


class PublishIn(Schema):
    published: bool


class TargetsImportOut(Schema):
    imported: int


# --- answers built from the selectors' dataclasses ----------------------------------------------------------------


def _period(key: str | None) -> Period | None:
    return period_parse(key) if key else None


def _period_out(p) -> dict:
    return {"kind": p.kind, "key": p.key, "label": p.label, "start": p.start, "end": p.end}


def _place_out(p) -> dict:
    return {"id": p.id, "code": p.code, "name": p.name, "level": p.level}


def _info_out(i) -> dict:
    return {"code": i.code, "name": i.name, "unit": i.unit, "area": i.area, "area_label": str(i.area_label),
            "area_group": i.area_group, "explanation": i.explanation, "published": i.published, "order": i.order,
            "version": i.version, "is_rate": i.is_rate, "counts": i.counts, "breakdowns": list(i.breakdowns)}


def _value_out(v) -> dict:
    if v.suppressed:  # a small cell says nothing about how small
        return {"value": None, "numerator": None, "denominator": None, "suppressed": True}
    return {"value": v.value, "numerator": v.numerator, "denominator": v.denominator, "suppressed": False}


def _row_out(r) -> dict:
    return {"indicator": r.indicator.code, "place": _place_out(r.place), "actual": _value_out(r.actual),
            "target": r.target, "status": r.status, "status_label": str(r.status_label),
            "previous": _value_out(r.previous), "trend": r.trend}


def _overview_out(o) -> dict:
    return {"place": _place_out(o.place), "period": _period_out(o.period), "rows": [_row_out(r) for r in o.rows]}


def _drilldown_out(d) -> dict:
    return {"indicator": _info_out(d.indicator), "period": _period_out(d.period), "place": _place_out(d.place),
            "ancestors": [_place_out(a) for a in d.ancestors], "row": _row_out(d.row),
            "children": [_row_out(c) for c in d.children]}


def _target_out(t) -> dict:
    return {"id": t.id, "indicator": t.indicator.code, "place": _place_out(t.place), "period": _period_out(t.period),
            "value": t.value, "source": t.source, "set_by": t.set_by, "set_at": t.set_at}


# --- routes -------------------------------------------------------------------------------------------------------


@router.get("/indicators", response=list[IndicatorOut])
def indicator_list(request):
    return [_info_out(i) for i in selectors.indicator_list(actor=request.auth)]


@router.get("/indicators/{code}", response=IndicatorDetailOut)
def indicator_get(request, code: str):
    info, spec = selectors.indicator_get(actor=request.auth, code=code)
    return {**_info_out(info), "spec": spec}


@router.post("/indicators/{code}/versions", response={201: IndicatorDetailOut})
def indicator_version_create(request, code: str, payload: SpecIn):
    services.indicator_version_create(actor=request.auth, code=code, spec=payload.spec)
    info, spec = selectors.indicator_get(actor=request.auth, code=code)
    return {**_info_out(info), "spec": spec}


@router.post("/indicators/{code}/publish", response=IndicatorOut)
def indicator_publish(request, code: str, payload: PublishIn):
    services.indicator_publish(actor=request.auth, code=code, published=payload.published)
    info, _spec = selectors.indicator_get(actor=request.auth, code=code)
    return _info_out(info)


@router.get("/overview", response=OverviewOut)
def overview(request, place: int | None = None, period: str | None = None):
    return _overview_out(selectors.monitoring_overview(actor=request.auth, place_id=place, period=_period(period)))


@router.get("/indicators/{code}/drilldown", response=DrilldownOut)
def drilldown(request, code: str, place: int | None = None, period: str | None = None):
    return _drilldown_out(selectors.indicator_drilldown(actor=request.auth, code=code, place_id=place,
                                                        period=_period(period)))


@router.get("/indicators/{code}/breakdown", response=BreakdownOut)
def breakdown(request, code: str, by: str, place: int | None = None, period: str | None = None):
    b = selectors.indicator_breakdown(actor=request.auth, code=code, by=by, place_id=place, period=_period(period))
    return {"indicator": b.indicator.code, "place": _place_out(b.place), "period": _period_out(b.period), "by": b.by,
            "rows": [{"key": r.key, "label": str(r.label), "value": _value_out(r.value)} for r in b.rows]}


@router.get("/indicators/{code}/series", response=SeriesOut)
def series(request, code: str, grain: str = "month", place: int | None = None,
           year: Annotated[int, Field(ge=1950, le=2100)] | None = None):
    s = selectors.indicator_series(actor=request.auth, code=code, grain=grain, place_id=place, year=year)
    return {"indicator": s.indicator.code, "place": _place_out(s.place), "grain": s.grain,
            "points": [{"period": _period_out(p.period), "value": _value_out(p.value), "target": p.target}
                       for p in s.points]}


@router.get("/targets", response=list[TargetOut])
def target_list(request, indicator: str | None = None, place: int | None = None):
    return [_target_out(t) for t in selectors.targets_list(actor=request.auth, code=indicator, place_id=place)]


@router.post("/targets", response={201: TargetOut})
def target_set(request, payload: TargetIn):
    target = services.target_set(actor=request.auth, code=payload.indicator, place_id=payload.place,
                                 period=period_parse(payload.period), value=payload.value)
    return _target_out(selectors.target_row(actor=request.auth, target_id=target.pk))


# Fixed paths before "/targets/{target_id}": Django resolves URL patterns in order, and that one would take
# "/targets/import" (a POST there answered 405).
@router.post("/targets/import", response=TargetsImportOut)
def targets_import(request, file: File[UploadedFile]):
    return {"imported": services.targets_import(actor=request.auth, data=uploads.upload_read(file),
                                                filename=file.name)}


@router.delete("/targets/{target_id}", response=TargetOut)
def target_delete(request, target_id: int):
    """Remove a target; the answer is the target as it was."""
    row = selectors.target_row(actor=request.auth, target_id=target_id)  # None: the service says why
    services.target_delete(actor=request.auth, target_id=target_id)
    return None if row is None else _target_out(row)


@router.get("/public/overview", response=OverviewOut, auth=None)
def public_overview(request, period: str | None = None, city: str | None = None):
    return _overview_out(selectors.public_overview(period=_period(period), city_code=city))


@router.get("/public/indicators/{code}", response=DrilldownOut, auth=None)
def public_indicator(request, code: str, place: int | None = None, period: str | None = None):
    return _drilldown_out(selectors.public_drilldown(code=code, place_id=place, period=_period(period)))
