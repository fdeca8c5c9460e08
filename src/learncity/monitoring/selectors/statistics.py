"""What the reports read: every indicator's series, breakdown and drill-down by children at once, and the learning
organisations by unit or kind."""

import datetime
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.monitoring import rollups
from learncity.monitoring.periods import Period, period_check_countable, period_default
from learncity.monitoring.selectors.dashboard import _breakdown_rows, _points, _series_periods
from learncity.monitoring.selectors.definitions import _definitions
from learncity.monitoring.selectors.figures import _batched, _Ctx, _key, _named_by, _read_bands, _read_sexes
from learncity.monitoring.selectors.places import _ancestors, _children, _home, _place_for
from learncity.monitoring.selectors.rows import _row
from learncity.monitoring.selectors.shapes import (
    BREAKDOWN_LABELS,
    Breakdown,
    BreakdownRow,
    Drilldown,
    PlaceRef,
    Series,
    Value,
)
from learncity.network.models import (
    LearningOrganisation,
    LearningOrganisationKind,
    MemberUnit,
)
from learncity.places.models import Place


def indicators_breakdown(*, actor, by: str, place_id: int | None = None,
                         period: Period | None = None) -> list[Breakdown]:
    """The breakdown `by` of every indicator that breaks down that way (the annual statistics' table by kind of
    institution): by record kind or provider kind in one query for all of them."""
    place = _place_for(actor, place_id)
    period = period or period_default()
    ctx = _Ctx([place], actor)
    defs = [d for d in _definitions(actor) if by in d.info.breakdowns]
    if by not in ("record_kind", "provider_kind") or not defs:
        return [Breakdown(d.info, PlaceRef.of(place), period, by, _breakdown_rows(ctx, d, place, period, by))
                for d in defs]
    if period.kind == "custom":
        period_check_countable(period)
    asks = {}
    for d in defs:
        measure, f = ctx.measure(d.spec), d.spec.filters
        if measure is not None:
            asks[d.info.code] = rollups.TimesAsk(measure.pk, period.start.year, tuple(m for _, m in period.months()),
                                                 _key(_read_bands(f, None)), _key(_read_sexes(f, None)))
    found = rollups.times_many(asks, [place.pk], by=by)
    out = []
    for d in defs:
        sums = found.get(d.info.code, {})
        rows = []
        for key in sorted(sums):
            t, h = sums[key]
            n = Decimal(t) if d.spec.count == "person_times" else Decimal(h).quantize(Decimal("0.1"))
            rows.append(BreakdownRow(key, str(BREAKDOWN_LABELS[by].get(key, key)), Value(n, n, None)))
        out.append(Breakdown(d.info, PlaceRef.of(place), period, by, rows))
    return out


def indicators_series(*, actor, grain: str = "month", place_id: int | None = None,
                      year: int | None = None) -> list[Series]:
    """Every indicator's series for the place (the reports' month-by-month and quarter-by-quarter tables): read
    together, a query per kind of cell."""
    place = _place_for(actor, place_id)
    periods = _series_periods(grain, year)
    ctx, defs = _Ctx([place], actor), _definitions(actor)
    points = _batched(ctx, lambda: [_points(ctx, d, place, periods, False) for d in defs])
    return [Series(d.info, PlaceRef.of(place), grain, p) for d, p in zip(defs, points, strict=True)]


def indicators_by_children(*, actor, place_id: int | None = None, period: Period | None = None) -> list[Drilldown]:
    """Every indicator's drill-down for the place and its children (the reports' table by place): read together,
    a query per kind of cell."""
    place = _place_for(actor, place_id)
    period = period or period_default()
    top = _home(actor)
    children = _children(actor, place)
    ctx, defs = _Ctx([place, *children], actor), _definitions(actor)
    rows = _batched(ctx, lambda: [(_row(ctx, d, place, period), [_row(ctx, d, c, period) for c in children])
                                  for d in defs])
    ancestors = _ancestors(actor, place, top)
    return [Drilldown(indicator=d.info, period=period, place=PlaceRef.of(place), ancestors=ancestors, row=row,
                      children=kids) for d, (row, kids) in zip(defs, rows, strict=True)]


def learning_organisations_by(*, actor, by: str, place_id: int | None = None,
                              year: int | None = None) -> list[BreakdownRow]:
    """Learning organisations named by the end of `year` (and not withdrawn by then) under the place, by recommending member unit
    ("member_unit": the department) or by kind ("kind": agency, enterprise, …). Every row, 0 where none."""
    place = _place_for(actor, place_id)
    year = year or timezone.localdate().year
    qs = LearningOrganisation.objects.restrict(actor, Action.VIEW).filter(_named_by(datetime.date(year, 12, 31)), place__path__startswith=place.path)
    if by == "member_unit":
        counts = dict(qs.values("member_unit_id").annotate(n=Count("pk")).values_list("member_unit_id", "n"))
        # the departments of the place's committees and those above it: their names are public
        units = MemberUnit.objects.restrict(actor, Action.BROWSE).filter(committee__place__in=Place.objects.restrict(
            actor, Action.BROWSE).filter(
            code__in=place.path.strip("/").split("/"))).order_by("committee__place__level", "-is_lead", "pk")
        rows = [BreakdownRow(str(u.pk), u.name, Value(Decimal(counts.get(u.pk, 0)), Decimal(counts.get(u.pk, 0)), None))
                for u in units]
        if counts.get(None):
            rows.append(BreakdownRow("", str(_("未登记推荐单位")), Value(Decimal(counts[None]), Decimal(counts[None]), None)))
        return rows
    if by == "kind":
        counts = dict(qs.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
        return [BreakdownRow(k, str(label), Value(Decimal(counts.get(k, 0)), Decimal(counts.get(k, 0)), None))
                for k, label in LearningOrganisationKind.choices]
    raise DomainError({"by": gettext("学习型组织只能按 member_unit 或 kind 分组，不能按「%(by)s」") % {"by": by}})
