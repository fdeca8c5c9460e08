"""What the selectors answer with (frozen dataclasses), and the labels and constants they share."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from learncity.creditbank.models import CreditClass
from learncity.monitoring.periods import Period
from learncity.network.models import (
    InstitutionKind,
)
from learncity.places.models import AGE_BANDS, SEX_CHOICES, Place, PlaceLevel
from learncity.records.models import RecordKind

__all__ = ["BREAKDOWN_LABELS", "CENT", "HUNDRED", "NO_DATA", "PRORATED_COUNTS", "STATUS_LABELS", "Breakdown",
           "BreakdownRow", "Drilldown", "IndicatorInfo", "IndicatorRow", "Overview", "PlaceRef", "Series", "SeriesPoint",
           "TargetRow", "Value", "min_cell"]

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
STATUS_LABELS = {"met": _("已达标"), "on_track": _("按进度"), "behind": _("滞后"), None: _("无目标"),
                 "no_period_target": _("本期无目标")}
# What a year's target is pro-rated for, over a quarter or a month: sums that add up day by day (person-times,
# hours). Distinct persons, rates and the reference counts do not add up over a year, so a shorter period has no
# target unless one is set for it.
PRORATED_COUNTS = ("person_times", "hours")
BREAKDOWN_LABELS = {
    "sex": dict(SEX_CHOICES),
    "age_band": {b[0]: b[0] for b in AGE_BANDS},
    "record_kind": {**dict(RecordKind.choices), **dict(CreditClass.choices)},
    "provider_kind": {**dict(InstitutionKind.choices), "": _("未登记机构")},
}


def min_cell() -> int:
    return int(getattr(settings, "LEARNCITY_MONITORING_MIN_CELL", 10))


# --- shapes ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaceRef:
    id: int
    code: str
    name: str
    level: int
    level_label: str

    @classmethod
    def of(cls, place: Place) -> "PlaceRef":
        return cls(place.pk, place.code, place.name, place.level, str(PlaceLevel(place.level).label))


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    name: str
    unit: str
    area: str
    area_label: str
    area_group: str
    area_group_label: str
    explanation: str
    published: bool
    order: int
    version: int
    is_rate: bool
    counts: str
    breakdowns: tuple[str, ...]


@dataclass(frozen=True)
class Value:
    value: Decimal | None
    numerator: Decimal | None
    denominator: int | None
    suppressed: bool = False
    # Why a rate is above 100% (empty when it is not): shown on the page beside the value.
    flag: str = ""

    @property
    def over_100(self) -> bool:
        return bool(self.flag)


NO_DATA = Value(None, None, None)


@dataclass(frozen=True)
class IndicatorRow:
    indicator: IndicatorInfo
    place: PlaceRef
    period: Period
    actual: Value
    target: Decimal | None
    status: str | None
    status_label: str
    previous: Value
    trend: str | None
    # How the target was set for the period ("年度目标 20,000 × 92/365 天" for a quarter), or why it has none.
    target_note: str = ""
    # What the previous value is: the whole previous period, or (for a period under way) its months so far.
    previous_label: str = ""


@dataclass(frozen=True)
class Overview:
    place: PlaceRef
    period: Period
    rows: list[IndicatorRow]


@dataclass(frozen=True)
class Drilldown:
    indicator: IndicatorInfo
    period: Period
    place: PlaceRef
    ancestors: list[PlaceRef]
    row: IndicatorRow
    children: list[IndicatorRow]


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    value: Value


@dataclass(frozen=True)
class Breakdown:
    indicator: IndicatorInfo
    place: PlaceRef
    period: Period
    by: str
    rows: list[BreakdownRow]


@dataclass(frozen=True)
class SeriesPoint:
    period: Period
    value: Value
    target: Decimal | None


@dataclass(frozen=True)
class Series:
    indicator: IndicatorInfo
    place: PlaceRef
    grain: str
    points: list[SeriesPoint]


@dataclass(frozen=True)
class TargetRow:
    id: int
    indicator: IndicatorInfo
    place: PlaceRef
    period: Period
    value: Decimal
    source: str
    source_label: str
    set_by: str
    set_at: datetime.datetime
