"""The dashboard's selectors: the overview, one indicator's drill-down, breakdown and series (the indicator page
at once)."""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.monitoring import rollups
from learncity.monitoring.periods import Period, period_check_countable, period_default, period_of
from learncity.monitoring.selectors.definitions import _Def, _definition, _definitions
from learncity.monitoring.selectors.figures import _batched, _Ctx, _read_bands, _read_sexes, _value
from learncity.monitoring.selectors.places import _ancestors, _children, _home, _place_for
from learncity.monitoring.selectors.rows import _row, _target_for
from learncity.monitoring.selectors.shapes import (
    BREAKDOWN_LABELS,
    STATUS_LABELS,
    Breakdown,
    BreakdownRow,
    Drilldown,
    IndicatorInfo,
    IndicatorRow,
    Overview,
    PlaceRef,
    Series,
    SeriesPoint,
    Value,
)
from learncity.places.models import AGE_BANDS, Place, PlaceLevel


def indicator_list(*, actor, published_only: bool = False) -> list[IndicatorInfo]:
    _home(actor)
    return [d.info for d in _definitions(actor, published_only=published_only)]


def indicator_get(*, actor, code: str) -> tuple[IndicatorInfo, dict]:
    _home(actor)
    d = _definition(actor, code)
    return d.info, d.raw


def monitoring_overview(*, actor, place_id: int | None = None, period: Period | None = None) -> Overview:
    place = _place_for(actor, place_id)
    period = period or period_default()
    ctx, defs = _Ctx([place], actor), _definitions(actor)
    return Overview(PlaceRef.of(place), period, _batched(ctx, lambda: [_row(ctx, d, place, period) for d in defs]))


def _drilldown(actor, d: _Def, place: Place, top: Place, period: Period, *, public: bool) -> Drilldown:
    action = Action.BROWSE if public else Action.VIEW
    children = [] if public and place.level >= PlaceLevel.STREET else _children(actor, place, action)
    ctx = _Ctx([place, *children], actor, action)
    row, rows = _batched(ctx, lambda: (_row(ctx, d, place, period, public=public),
                                       [_row(ctx, d, c, period, public=public) for c in children]))
    if public:
        rows = _suppress_complement(row, rows)
    return Drilldown(indicator=d.info, period=period, place=PlaceRef.of(place),
                     ancestors=_ancestors(actor, place, top, action),
                     row=row, children=rows)


def _suppressed(row: IndicatorRow) -> IndicatorRow:
    hidden = Value(None, None, row.actual.denominator, suppressed=True)
    return dataclasses.replace(row, actual=hidden, status=None, status_label=str(STATUS_LABELS[None]), trend=None)


def _suppress_complement(parent: IndicatorRow, rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """Secondary suppression: the children add up to their parent, so one hidden child shown beside its siblings
    and the parent could be worked out by subtraction. Hide the smallest shown sibling too."""
    hidden = [r for r in rows if r.actual.suppressed]
    shown = [r for r in rows if not r.actual.suppressed and r.actual.numerator is not None]
    if len(hidden) != 1 or not shown or parent.actual.suppressed:
        return rows
    smallest = min(shown, key=lambda r: (r.actual.numerator, r.place.code))
    return [_suppressed(r) if r is smallest else r for r in rows]


def indicator_drilldown(*, actor, code: str, place_id: int | None = None, period: Period | None = None) -> Drilldown:
    place = _place_for(actor, place_id)
    d = _definition(actor, code)
    return _drilldown(actor, d, place, _home(actor), period or period_default(), public=False)


def indicator_breakdown(*, actor, code: str, by: str, place_id: int | None = None,
                        period: Period | None = None) -> Breakdown:
    place = _place_for(actor, place_id)
    d = _definition(actor, code)
    period = period or period_default()
    _by_check(d, by)
    ctx = _Ctx([place], actor)
    rows = _batched(ctx, lambda: _breakdown_rows(ctx, d, place, period, by)) if by in ("sex", "age_band") else (
        _breakdown_rows(ctx, d, place, period, by))
    return Breakdown(d.info, PlaceRef.of(place), period, by, rows)


def _by_check(d: _Def, by: str) -> None:
    if by not in d.info.breakdowns:
        raise DomainError({"by": gettext("指标「%(name)s」不能按「%(by)s」分组，可选：%(v)s") % {"name": d.info.name, "by": by, "v": ', '.join(d.info.breakdowns) or gettext("无")}})


def _breakdown_rows(ctx: _Ctx, d: _Def, place: Place, period: Period, by: str) -> list[BreakdownRow]:
    """By sex and age band through the context (batched with the rest of a page); by group, record kind and
    provider kind from the rollups directly (a query or two)."""
    spec, f = d.spec, d.spec.filters
    rows: list[BreakdownRow] = []
    if by in ("sex", "age_band"):
        keys = ["M", "F"] if by == "sex" else [b for b in (_read_bands(f, None) or [b[0] for b in AGE_BANDS])]
        return [BreakdownRow(key, str(BREAKDOWN_LABELS[by][key]), _value(
            ctx, spec, place, period, **({"sexes": [key]} if by == "sex" else {"bands": [key]}))) for key in keys]
    measure = ctx.measure(spec)
    if period.kind == "custom":
        period_check_countable(period)
    year = period.start.year
    if by == "group":
        bits = ctx.groups()
        within = rollups.mask_of(f["group"], bits) if f.get("group") else None
        if measure is None:
            counts = {}
        elif None in bits.values() or (f.get("group") and within is None):  # a group without a bit: the slow way
            counts = rollups.persons_by(
                measure, "group", year=year, mask=period.mask(), place_id=place.pk, bands=_read_bands(f, None),
                sexes=_read_sexes(f, None), group_codes=f.get("group"))
        else:
            counts = rollups.persons_by_groups(measure, year=year, mask=period.mask(), place_id=place.pk, bits=bits,
                                               bands=_read_bands(f, None), sexes=_read_sexes(f, None), within=within)
        for code, name in ctx.group_names():
            n = Decimal(counts.get(code, 0))
            rows.append(BreakdownRow(code, name, Value(n, n, None)))
        return rows
    sums = ({} if measure is None else rollups.times_sum(
        measure, year=year, months=[m for _, m in period.months()], place_id=place.pk, bands=_read_bands(f, None),
        sexes=_read_sexes(f, None), by=by))
    for key in sorted(sums):
        t, h = sums[key]
        n = Decimal(t) if spec.count == "person_times" else Decimal(h).quantize(Decimal("0.1"))
        rows.append(BreakdownRow(key, str(BREAKDOWN_LABELS[by].get(key, key)), Value(n, n, None)))
    return rows


@dataclass(frozen=True)
class IndicatorPage:
    drill: Drilldown
    series: Series
    breakdown: Breakdown | None


def indicator_page(*, actor, code: str, place_id: int | None = None, period: Period | None = None,
                   grain: str = "month", by: str = "") -> IndicatorPage:
    """One indicator's page at once: the drill-down (the place and its children), the series at `grain` over the
    period's year and the breakdown `by` (the indicator's first when empty), a query per kind of cell for all."""
    place = _place_for(actor, place_id)
    d = _definition(actor, code)
    period = period or period_default()
    by = by or (d.info.breakdowns[0] if d.info.breakdowns else "")
    if by:
        _by_check(d, by)
    periods = _series_periods(grain, period.start.year)
    children = _children(actor, place)
    ctx = _Ctx([place, *children], actor)
    batched_by = by in ("sex", "age_band")

    def build():
        return (_row(ctx, d, place, period), [_row(ctx, d, c, period) for c in children],
                _points(ctx, d, place, periods, False),
                _breakdown_rows(ctx, d, place, period, by) if batched_by else None)

    row, rows, points, brows = _batched(ctx, build)
    if by and not batched_by:
        brows = _breakdown_rows(ctx, d, place, period, by)
    drill = Drilldown(indicator=d.info, period=period, place=PlaceRef.of(place),
                      ancestors=_ancestors(actor, place, _home(actor)), row=row, children=rows)
    return IndicatorPage(drill, Series(d.info, PlaceRef.of(place), grain, points),
                         Breakdown(d.info, PlaceRef.of(place), period, by, brows) if by else None)


def indicator_series(*, actor, code: str, grain: str = "month", place_id: int | None = None,
                     year: int | None = None) -> Series:
    place = _place_for(actor, place_id)
    d = _definition(actor, code)
    return _series(actor, d, place, grain, year)


def _series_periods(grain: str, year: int | None) -> list[Period]:
    year = year or timezone.localdate().year
    if grain == "month":
        periods = [period_of("month", datetime.date(year, m, 1)) for m in range(1, 13)]
    elif grain == "quarter":
        periods = [period_of("quarter", datetime.date(year, m, 1)) for m in (1, 4, 7, 10)]
    elif grain == "year":
        periods = [period_of("year", datetime.date(y, 1, 1)) for y in range(year - 4, year + 1)]
    else:
        raise DomainError({"grain": gettext("未知的时间粒度「%(grain)s」，可选：month, quarter, year") % {"grain": grain}})
    return periods


def _points(ctx: _Ctx, d: _Def, place: Place, periods: list[Period], public: bool) -> list[SeriesPoint]:
    return [SeriesPoint(p, _value(ctx, d.spec, place, p, public=public), _target_for(ctx, d, place, p).value)
            for p in periods]


def _series(actor, d: _Def, place: Place, grain: str, year: int | None) -> Series:
    periods = _series_periods(grain, year)
    ctx = _Ctx([place], actor)
    return Series(d.info, PlaceRef.of(place), grain, _batched(ctx, lambda: _points(ctx, d, place, periods, False)))
