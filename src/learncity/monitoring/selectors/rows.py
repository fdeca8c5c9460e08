"""One indicator's row for a place and period: actual against target, status and trend."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import DomainError
from learncity.monitoring.periods import Period, period_of
from learncity.monitoring.selectors.definitions import _Def
from learncity.monitoring.selectors.figures import _Ctx, _value
from learncity.monitoring.selectors.shapes import (
    CENT,
    NO_DATA,
    PRORATED_COUNTS,
    STATUS_LABELS,
    IndicatorRow,
    PlaceRef,
    Value,
)
from learncity.places.models import Place


@dataclass(frozen=True)
class _Target:
    value: Decimal | None
    period: Period | None  # the period the value is for (the period itself when pro-rated)
    note: str = ""
    apportioned: bool = False  # a year's target the period cannot be judged against (no target for it)


NO_TARGET = _Target(None, None)


def _target_for(ctx: _Ctx, d: _Def, place: Place, period: Period) -> _Target:
    """The target for exactly the period; else, for a period inside a year with a target, that target pro-rated
    to the period's days when the indicator sums up day by day (person-times, hours), or none (distinct persons,
    rates and reference counts do not add up: a quarter's participation is not a quarter of the year's)."""
    targets = ctx.targets_of(place)
    exact = targets.get((d.indicator.pk, period.start, period.end))
    if exact is not None:
        return _Target(exact, period)
    if period.start.year != period.end.year:
        return NO_TARGET
    year = period_of("year", period.start)
    found = targets.get((d.indicator.pk, year.start, year.end))
    if found is None:
        return NO_TARGET
    if period == year:
        return _Target(found, year)
    days, in_year = (period.end - period.start).days + 1, (year.end - year.start).days + 1
    shown = f"{found.normalize():,f}"
    if d.spec.is_rate or d.spec.count not in PRORATED_COUNTS:
        return _Target(None, None, gettext("%(year)s 年目标 %(target)s 不按季度、月份分摊（人数和比率不能按天数相加），"
                                           "本期无目标") % {"year": year.start.year, "target": shown},
                       apportioned=True)
    value = (found * days / in_year).quantize(CENT, rounding=ROUND_HALF_UP)
    return _Target(value, period, gettext("%(year)s 年目标 %(target)s × 本期 %(days)s 天 / 全年 %(in_year)s 天") % {
        "year": year.start.year, "target": shown, "days": days, "in_year": in_year})


def _status(actual: Value, target: Decimal | None, target_period: Period | None, today: datetime.date,
            period: Period | None = None) -> str | None:
    """Met, on track (at least the target × the share of the target's period that has passed by today, or by
    the end of the period measured), or behind. A pro-rated target is for the period itself."""
    if target is None or actual.value is None:
        return None
    if actual.value >= target:
        return "met"
    day = min(today, period.end) if period is not None else today
    share = Decimal(str(target_period.elapsed_share(day))) if target_period else Decimal(1)
    return "on_track" if actual.value >= target * share else "behind"


def _trend(now: Value, before: Value) -> str | None:
    if now.value is None or before.value is None:
        return None
    return "up" if now.value > before.value else "down" if now.value < before.value else "flat"


def comparable_previous(period: Period, today: datetime.date) -> tuple[Period, str]:
    """What a period is compared with, like with like: the previous period; for a year or quarter under way, the
    same months of the previous one (January to this month of last year, not the whole of last year)."""
    previous = period.previous()
    if period.kind in ("year", "quarter") and period.start <= today < period.end:
        months = (today.year - period.start.year) * 12 + today.month - period.start.month + 1
        last = period_of("month", datetime.date(previous.start.year, previous.start.month, 1))
        for _ in range(months - 1):
            last = period_of("month", last.end + datetime.timedelta(days=1))
        if last.end < previous.end:
            return Period("custom", previous.start, last.end), gettext("上期同期（%(start)s 至 %(end)s）") % {
                "start": previous.start.isoformat(), "end": last.end.isoformat()}
    return previous, gettext("上期")


def _row(ctx: _Ctx, d: _Def, place: Place, period: Period, *, public: bool = False) -> IndicatorRow:
    actual = _value(ctx, d.spec, place, period, public=public)
    today = timezone.localdate()
    before, before_label = comparable_previous(period, today)
    try:
        previous = _value(ctx, d.spec, place, before, public=public)
    except DomainError:  # a custom range whose previous one straddles a year: no comparison
        previous = NO_DATA
    target = _target_for(ctx, d, place, period)
    status = _status(actual, target.value, target.period, today, period)
    label = STATUS_LABELS["no_period_target" if status is None and target.apportioned else status]
    return IndicatorRow(indicator=d.info, place=PlaceRef.of(place), period=period, actual=actual,
                        target=target.value, status=status, status_label=str(label), previous=previous,
                        trend=_trend(actual, previous), target_note=target.note, previous_label=before_label)
