"""Every read of monitoring: indicator values from the rollups (and the reference tables), targets, status and
trend, scoped to the acting user. The public dashboard's selectors take no user: published indicators only,
small cells suppressed."""

import dataclasses
import datetime
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from learncity.catalog.models import RecordKind, Venue
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action, Role, scope_for
from learncity.creditbank.models import CreditClass
from learncity.network.models import (
    Designation,
    Institution,
    InstitutionKind,
    LearningOrganisation,
    LearningOrganisationKind,
)
from learncity.people.models import LearnerGroup
from learncity.places.models import AGE_BANDS, SEX_CHOICES, Place, PlaceLevel, Population, PopulationBand
from learncity.places.selectors import MUNICIPALITIES

from . import rollups
from .models import (
    AREA_GROUPS,
    Indicator,
    IndicatorVersionStatus,
    Measure,
    PlaceAncestor,
    Target,
    UnescoArea,
    area_group_of,
)
from .periods import Period, period_check_countable, period_default, period_of
from .spec import LEVELS, Spec, bands_between, spec_validate

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MONITOR_ROLES = {Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.AUDITOR, Role.EXPERT_REVIEWER, Role.MEMBER_UNIT_REPORTER}
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


# --- the indicators ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Def:
    indicator: Indicator
    version: int
    spec: Spec
    raw: dict
    info: IndicatorInfo


def _breakdowns(spec: Spec) -> tuple[str, ...]:
    if not spec.uses_rollups:
        return ()
    if spec.count == "persons":
        return ("sex", "age_band", "group")
    return ("sex", "age_band", "record_kind", "provider_kind")


def _definitions(*, published_only: bool = False) -> list[_Def]:
    qs = Indicator.objects.filter(versions__status=IndicatorVersionStatus.ACTIVE).order_by("order", "code")
    if published_only:
        qs = qs.filter(published=True)
    out = []
    for ind in qs.prefetch_related("versions"):
        version = next(v for v in ind.versions.all() if v.status == IndicatorVersionStatus.ACTIVE)
        spec = spec_validate(version.spec)
        group = area_group_of(ind.area)
        info = IndicatorInfo(
            code=ind.code, name=ind.name, unit=ind.unit, area=ind.area, area_label=str(UnescoArea(ind.area).label),
            area_group=group, area_group_label=str(AREA_GROUPS[group]), explanation=ind.explanation,
            published=ind.published, order=ind.order, version=version.version, is_rate=spec.is_rate,
            counts=spec.count, breakdowns=_breakdowns(spec))
        out.append(_Def(ind, version.version, spec, version.spec, info))
    return out


def _definition(code: str, *, published_only: bool = False) -> _Def:
    for d in _definitions(published_only=published_only):
        if d.indicator.code == code:
            return d
    raise NotFound(gettext("未找到指标「%(code)s」") % {"code": code})


def _fresh() -> None:
    """Bring the rollups up to date before reading, when they are behind (a cheap check)."""
    if rollups.rollups_behind():
        rollups.rollups_refresh()


# --- computing values -----------------------------------------------------------------------------------

def _read_bands(filters: dict, override: list[str] | None) -> list[str] | None:
    bands = None
    if "age_min" in filters or "age_max" in filters:
        bands = bands_between(filters.get("age_min"), filters.get("age_max"))
    if override is not None:
        bands = override if bands is None else [b for b in bands if b in override]
    return bands


def _read_sexes(filters: dict, override: list[str] | None) -> list[str] | None:
    sexes = [filters["sex"]] if "sex" in filters else None
    if override is not None:
        sexes = override if sexes is None else [s for s in sexes if s in override]
    return sexes


class _Ctx:
    """Per-call memo. Every figure is read for all the call's places at once (the overview's one place, a
    drill-down's place and its children): one query per figure, not one per place."""

    def __init__(self, places: list[Place]):
        self.place_ids = [p.pk for p in places]
        self.measures: dict[str, Measure | None] = {}
        self.figures: dict[tuple, dict[int, object]] = {}
        self.populations: dict[int, dict[int, tuple[int, dict] | None]] = {}
        self.targets: dict[int, dict] | None = None

    def _all(self, key: tuple, place: Place, compute):
        if key not in self.figures:
            ids = self.place_ids if place.pk in self.place_ids else [place.pk]
            self.figures[key] = compute(ids)
        found = self.figures[key]
        if place.pk not in found:  # a place outside the call's set (not expected): on its own
            found.update(compute([place.pk]))
        return found[place.pk]

    def persons(self, measure: Measure, place: Place, *, year, mask, bands, sexes, groups) -> int:
        key = ("persons", measure.pk, year, mask, _key(bands), _key(sexes), _key(groups))
        return self._all(key, place, lambda ids: rollups.persons_counts(
            measure, year=year, mask=mask, place_ids=ids, bands=bands, sexes=sexes, group_codes=groups))

    def times(self, measure: Measure, place: Place, *, year, months, bands, sexes):
        key = ("times", measure.pk, year, tuple(months), _key(bands), _key(sexes))
        return self._all(key, place, lambda ids: rollups.times_sums(
            measure, year=year, months=months, place_ids=ids, bands=bands, sexes=sexes))

    def residents(self, place: Place, *, year, until, bands, sexes, groups) -> int:
        key = ("residents", year, until, _key(bands), _key(sexes), _key(groups))
        return self._all(key, place, lambda ids: rollups.residents_counts(
            year=year, until=until, place_ids=ids, bands=bands, sexes=sexes, group_codes=groups))

    def under(self, key: tuple, place: Place, qs, field: str) -> int:
        """How many rows of `qs` lie at or under the place, their place being `field`: counted through the place
        closure, for all the call's places in one query."""
        return self._all(key, place, lambda ids: _count_under(qs, field, ids))

    def population(self, place: Place, year: int) -> tuple[int, dict, int] | None:
        """(total, {(sex, band): count}, the figures' year) of the place's latest figures up to the year (or its
        earliest)."""
        if year not in self.populations:
            ids = self.place_ids if place.pk in self.place_ids else [place.pk]
            self.populations[year] = _populations(ids, year)
        found = self.populations[year]
        if place.pk not in found:
            found.update(_populations([place.pk], year))
        return found[place.pk]

    def targets_of(self, place: Place) -> dict:
        """{(indicator id, start, end): value} of the place's targets (one query for all the call's places)."""
        if self.targets is None:
            self.targets = {pk: {} for pk in self.place_ids}
            for t in Target.objects.filter(place_id__in=self.place_ids):
                self.targets[t.place_id][(t.indicator_id, t.period_start, t.period_end)] = t.value
        if place.pk not in self.targets:
            self.targets[place.pk] = {(t.indicator_id, t.period_start, t.period_end): t.value
                                      for t in Target.objects.filter(place=place)}
        return self.targets[place.pk]

    def measure(self, spec: Spec) -> Measure | None:
        key = spec.selection_key()
        if key not in self.measures:
            self.measures[key] = Measure.objects.filter(key=key).first()
        return self.measures[key]


def _count_under(qs, field: str, place_ids: list[int]) -> dict[int, int]:
    """{place id: rows of `qs` whose `field` is that place or a place under it}, by joining the place closure."""
    sql, params = qs.order_by().annotate(_at=F(field)).values("_at").query.sql_with_params()
    closure = connection.ops.quote_name(PlaceAncestor._meta.db_table)
    out = dict.fromkeys(place_ids, 0)
    with connection.cursor() as cur:
        cur.execute(f"SELECT a.ancestor_id, COUNT(*) FROM ({sql}) q JOIN {closure} a ON a.place_id = q._at "
                    f"WHERE a.ancestor_id IN ({', '.join(['%s'] * len(place_ids))}) GROUP BY a.ancestor_id",
                    [*params, *place_ids])
        out.update(dict(cur.fetchall()))
    return out


def _key(values) -> tuple | None:
    return None if values is None else tuple(sorted(values))


def _populations(place_ids: list[int], year: int) -> dict[int, tuple[int, dict] | None]:
    """Each place's latest population figures up to the year (or its earliest, when all are later): two queries."""
    chosen: dict[int, Population] = {}
    for pop in Population.objects.filter(place_id__in=place_ids).order_by("place_id", "year"):
        have = chosen.get(pop.place_id)
        if have is None or (pop.year <= year and (have.year > year or pop.year > have.year)):
            chosen[pop.place_id] = pop
    cells: dict[int, dict] = {pop.pk: {} for pop in chosen.values()}
    for pop_id, sex, band, n in PopulationBand.objects.filter(population_id__in=cells).values_list(
            "population_id", "sex", "age_band", "count"):
        cells[pop_id][(sex, band)] = n
    return {pk: (chosen[pk].total, cells[chosen[pk].pk], chosen[pk].year) if pk in chosen else None
            for pk in place_ids}


def _numerator(ctx: _Ctx, spec: Spec, place: Place, period: Period, *, bands=None, sexes=None):
    f = spec.filters
    if spec.uses_rollups:
        if period.kind == "custom":
            period_check_countable(period)
        measure = ctx.measure(spec)
        bands, sexes = _read_bands(f, bands), _read_sexes(f, sexes)
        if measure is None:
            return Decimal(0)
        year = period.start.year
        if spec.count == "persons":
            return Decimal(ctx.persons(measure, place, year=year, mask=period.mask(), bands=bands, sexes=sexes,
                                       groups=f.get("group")))
        times, hours = ctx.times(measure, place, year=year, months=[m for _, m in period.months()], bands=bands,
                                 sexes=sexes)
        return Decimal(times) if spec.count == "person_times" else Decimal(hours).quantize(Decimal("0.1"))
    end = period.end
    if spec.source == "places_with_institution":
        institutions = Institution.objects.filter(_open_at(end), kind__in=f["institution_kind"])
        qs, key = Place.objects.filter(level=LEVELS[f["level"]], pk__in=institutions.values("place_id")), "pk"
    elif spec.source == "designations":
        qs, key = Designation.objects.filter(_named_by(end)), "place_id"
        if "kind" in f:
            qs = qs.filter(kind__in=f["kind"])
        if "tier" in f:
            qs = qs.filter(tier__in=f["tier"])
    elif spec.source == "learning_organisations":
        qs, key = LearningOrganisation.objects.filter(_named_by(end)), "place_id"
        if "kind" in f:
            qs = qs.filter(kind__in=f["kind"])
    elif spec.source == "venues":
        qs, key = Venue.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=end),
                                       Q(closed_on__isnull=True) | Q(closed_on__gt=end)), "place_id"
        if "kind" in f:
            qs = qs.filter(kind__in=f["kind"])
        if f.get("free_open") is True:
            qs = qs.exclude(free_open_days="")
        elif f.get("free_open") is False:
            qs = qs.filter(free_open_days="")
    else:
        raise ValueError(spec.source)
    return Decimal(ctx.under(("numerator", spec.source, json.dumps(f, sort_keys=True), end), place, qs, key))


def _open_at(day: datetime.date) -> Q:
    """An institution open on the day: opened by then (or no date known) and not closed by then; one no longer
    active without a closing date counts as closed in every period."""
    return ((Q(opened_on__isnull=True) | Q(opened_on__lte=day))
            & (Q(closed_on__gt=day) | Q(closed_on__isnull=True, is_active=True)))


def _named_by(day: datetime.date) -> Q:
    """A title (designation, learning organisation) named in the day's year or before and not withdrawn by then."""
    return Q(year__lte=day.year) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def _population(ctx: _Ctx, place: Place, year: int, bands: list[str] | None,
                sexes: list[str] | None) -> int | None:
    found = ctx.population(place, year)
    if found is None:
        return None
    total, cells, _year = found
    if (bands is None and sexes is None) or total == 0:
        return total
    if not cells:
        return None
    return sum(n for (sex, band), n in cells.items()
               if (bands is None or band in bands) and (sexes is None or sex in sexes))


def _denominator(ctx: _Ctx, spec: Spec, place: Place, period: Period, *, bands=None, sexes=None) -> int | None:
    d = spec.denominator
    if d["source"] == "population":
        return _population(ctx, place, period.start.year, _read_bands(d, bands), _read_sexes(d, sexes))
    if d["source"] == "places":
        return ctx.under(("places", d["level"]), place, Place.objects.filter(level=LEVELS[d["level"]]), "pk")
    # registered residents by the end of the period, aged at 1 January of the period's year: the resident cells
    return ctx.residents(place, year=period.start.year, until=period.end, bands=_read_bands(d, bands),
                         sexes=_read_sexes(d, sexes), groups=d.get("group"))


def _value(ctx: _Ctx, spec: Spec, place: Place, period: Period, *, bands=None, sexes=None,
           public: bool = False) -> Value:
    num = _numerator(ctx, spec, place, period, bands=bands, sexes=sexes)
    if spec.is_rate:
        den = _denominator(ctx, spec, place, period, bands=bands, sexes=sexes)
        value = None if not den else (num * HUNDRED / den).quantize(CENT, rounding=ROUND_HALF_UP)
        flag = _over_100(ctx, spec, place, period, num, den) if value is not None and value > HUNDRED else ""
        out = Value(value, num, den, flag=flag)
    else:
        out = Value(num, num, None)
    if public and spec.uses_rollups and _persons(ctx, spec, place, period, bands, sexes, num) < min_cell():
        return Value(None, None, out.denominator, suppressed=True)
    return out


def _over_100(ctx: _Ctx, spec: Spec, place: Place, period: Period, num: Decimal, den: int) -> str:
    """Why a rate is above 100%: its numerator and denominator count different people, and how."""
    source = spec.denominator["source"]
    figures = {"num": f"{num:,.0f}", "den": f"{den:,}"}
    if source == "population":
        found = ctx.population(place, period.start.year)
        year = found[2] if found else period.start.year
        text = gettext("超过 100%%：分子 %(num)s 人是有学习记录的居民（按现居住地），多于分母 %(den)s 人（%(year)s 年常住"
                       "人口统计）。") % {**figures, "year": year}
        if year != period.start.year:
            text += gettext("本期没有当年的人口数据，用的是 %(year)s 年的。") % {"year": year}
        return text + gettext("人口统计偏旧、偏小，或学习者的居住地登记有误，都会这样。")
    if source == "residents":
        return gettext("超过 100%%：分子 %(num)s 人多于期末登记在册的 %(den)s 人。分子按学习者现在所属的群体和居住地计，"
                       "分母只计期末前登记的人：期末以后才登记、或后来才加入该群体的学习者在分子里、不在分母里。") % figures
    return gettext("超过 100%%：分子 %(num)s 多于分母 %(den)s，两者的口径不一致，请核对数据。") % figures


def _persons(ctx: _Ctx, spec: Spec, place: Place, period: Period, bands, sexes, num: Decimal) -> int:
    """How many people stand behind a rollup figure: small cells are judged by people, not by person-times or
    hours (one volunteer's 40 hours is still one person)."""
    if spec.count == "persons":
        return int(num)
    measure = ctx.measure(spec)
    if measure is None:
        return 0
    return ctx.persons(measure, place, year=period.start.year, mask=period.mask(),
                       bands=_read_bands(spec.filters, bands), sexes=_read_sexes(spec.filters, sexes),
                       groups=spec.filters.get("group"))


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


# --- scope ----------------------------------------------------------------------------------------------

def _cities_running() -> list[Place]:
    return list(Place.objects.filter(Q(level=PlaceLevel.CITY) | Q(code__in=MUNICIPALITIES),
                                     committee__isnull=False).order_by("code"))


def _home(actor) -> Place:
    scope = scope_for(actor)
    if scope.everything:
        cities = _cities_running()
        if not cities:
            raise NotFound(gettext("还没有开展监测的城市"))
        return cities[0]
    if not (scope.roles & MONITOR_ROLES) or not scope.view.place_paths:
        raise PermissionDenied(gettext("只有市、区县管理员和监测相关人员可以查看监测数据"))
    top = sorted(scope.view.place_paths, key=len)[0]
    return Place.objects.get(path=top)


def _place_for(actor, place_id: int | None) -> Place:
    home = _home(actor)
    if place_id is None:
        return home
    place = Place.objects.filter(pk=place_id).first()
    if place is None or not scope_for(actor).can_view_place(place):
        raise NotFound(gettext("未找到该区划"))
    return place


def _ancestors(place: Place, top: Place) -> list[PlaceRef]:
    """From `top` down to the place's parent (empty when the place is the top)."""
    codes = place.path.strip("/").split("/")[:-1]
    found = Place.objects.filter(code__in=codes, path__startswith=top.path).order_by("level")
    return [PlaceRef.of(p) for p in found]


# --- selectors ------------------------------------------------------------------------------------------

def monitoring_home_place(*, actor) -> PlaceRef:
    return PlaceRef.of(_home(actor))


def monitoring_places(*, actor, parent_id: int | None = None) -> list[PlaceRef]:
    """The places to choose from: the actor's top place and its children (or the children of `parent_id`)."""
    parent = _place_for(actor, parent_id)
    return [PlaceRef.of(parent)] + [PlaceRef.of(p) for p in Place.objects.filter(parent=parent).order_by("code")]


def indicator_list(*, actor, published_only: bool = False) -> list[IndicatorInfo]:
    _home(actor)
    return [d.info for d in _definitions(published_only=published_only)]


def indicator_get(*, actor, code: str) -> tuple[IndicatorInfo, dict]:
    _home(actor)
    d = _definition(code)
    return d.info, d.raw


def monitoring_overview(*, actor, place_id: int | None = None, period: Period | None = None) -> Overview:
    place = _place_for(actor, place_id)
    period = period or period_default()
    _fresh()
    ctx = _Ctx([place])
    return Overview(PlaceRef.of(place), period, [_row(ctx, d, place, period) for d in _definitions()])


def _drilldown(d: _Def, place: Place, top: Place, period: Period, *, public: bool) -> Drilldown:
    children = [] if public and place.level >= PlaceLevel.STREET else list(Place.objects.filter(parent=place).order_by("code"))
    ctx = _Ctx([place, *children])
    row = _row(ctx, d, place, period, public=public)
    rows = [_row(ctx, d, c, period, public=public) for c in children]
    if public:
        rows = _suppress_complement(row, rows)
    return Drilldown(indicator=d.info, period=period, place=PlaceRef.of(place), ancestors=_ancestors(place, top),
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
    d = _definition(code)
    _fresh()
    return _drilldown(d, place, _home(actor), period or period_default(), public=False)


def indicator_breakdown(*, actor, code: str, by: str, place_id: int | None = None,
                        period: Period | None = None) -> Breakdown:
    place = _place_for(actor, place_id)
    d = _definition(code)
    period = period or period_default()
    if by not in d.info.breakdowns:
        raise DomainError({"by": gettext("指标「%(name)s」不能按「%(by)s」分组，可选：%(v)s") % {"name": d.info.name, "by": by, "v": ', '.join(d.info.breakdowns) or gettext("无")}})
    _fresh()
    ctx = _Ctx([place])
    spec, f = d.spec, d.spec.filters
    measure = ctx.measure(spec)
    rows: list[BreakdownRow] = []
    if by in ("sex", "age_band"):
        keys = ["M", "F"] if by == "sex" else [b for b in (_read_bands(f, None) or [b[0] for b in AGE_BANDS])]
        for key in keys:
            kw = {"sexes": [key]} if by == "sex" else {"bands": [key]}
            rows.append(BreakdownRow(key, str(BREAKDOWN_LABELS[by][key]), _value(ctx, spec, place, period, **kw)))
        return Breakdown(d.info, PlaceRef.of(place), period, by, rows)
    if period.kind == "custom":
        period_check_countable(period)
    year = period.start.year
    if by == "group":
        counts = ({} if measure is None else rollups.persons_by(
            measure, "group", year=year, mask=period.mask(), place_id=place.pk, bands=_read_bands(f, None),
            sexes=_read_sexes(f, None), group_codes=f.get("group")))
        for code, name in LearnerGroup.objects.order_by("id").values_list("code", "name"):
            n = Decimal(counts.get(code, 0))
            rows.append(BreakdownRow(code, name, Value(n, n, None)))
        return Breakdown(d.info, PlaceRef.of(place), period, by, rows)
    sums = ({} if measure is None else rollups.times_sum(
        measure, year=year, months=[m for _, m in period.months()], place_id=place.pk, bands=_read_bands(f, None),
        sexes=_read_sexes(f, None), by=by))
    for key in sorted(sums):
        t, h = sums[key]
        n = Decimal(t) if spec.count == "person_times" else Decimal(h).quantize(Decimal("0.1"))
        rows.append(BreakdownRow(key, str(BREAKDOWN_LABELS[by].get(key, key)), Value(n, n, None)))
    return Breakdown(d.info, PlaceRef.of(place), period, by, rows)


def indicator_series(*, actor, code: str, grain: str = "month", place_id: int | None = None,
                     year: int | None = None) -> Series:
    place = _place_for(actor, place_id)
    d = _definition(code)
    _fresh()
    return _series(d, place, grain, year)


def _series(d: _Def, place: Place, grain: str, year: int | None, *, public: bool = False) -> Series:
    year = year or timezone.localdate().year
    if grain == "month":
        periods = [period_of("month", datetime.date(year, m, 1)) for m in range(1, 13)]
    elif grain == "quarter":
        periods = [period_of("quarter", datetime.date(year, m, 1)) for m in (1, 4, 7, 10)]
    elif grain == "year":
        periods = [period_of("year", datetime.date(y, 1, 1)) for y in range(year - 4, year + 1)]
    else:
        raise DomainError({"grain": gettext("未知的时间粒度「%(grain)s」，可选：month, quarter, year") % {"grain": grain}})
    ctx = _Ctx([place])
    points = [SeriesPoint(p, _value(ctx, d.spec, place, p, public=public), _target_for(ctx, d, place, p).value)
              for p in periods]
    return Series(d.info, PlaceRef.of(place), grain, points)


def targets_list(*, actor, code: str | None = None, place_id: int | None = None) -> list[TargetRow]:
    home = _home(actor)
    scope = scope_for(actor)
    qs = Target.objects.select_related("indicator", "place", "set_by").filter(place__path__startswith=home.path)
    if not scope.everything:
        qs = qs.filter(scope.places_q(Action.VIEW, prefix="place__"))
    if code:
        qs = qs.filter(indicator__code=code)
    if place_id is not None:
        qs = qs.filter(place_id=place_id)
    infos = {d.indicator.code: d.info for d in _definitions()}
    out = []
    for t in qs:
        if t.indicator.code not in infos:
            continue
        period = Period(t.period_kind, t.period_start, t.period_end)
        out.append(TargetRow(t.pk, infos[t.indicator.code], PlaceRef.of(t.place), period, t.value, t.source,
                             str(t.get_source_display()),
                             (t.set_by.display_name or t.set_by.username) if t.set_by else "", t.set_at))
    return out


def learning_organisations_by(*, actor, by: str, place_id: int | None = None,
                              year: int | None = None) -> list[BreakdownRow]:
    """Learning organisations named by the end of `year` (and not withdrawn by then) under the place, by recommending member unit
    ("member_unit": the department) or by kind ("kind": agency, enterprise, …). Every row, 0 where none."""
    place = _place_for(actor, place_id)
    year = year or timezone.localdate().year
    qs = LearningOrganisation.objects.filter(_named_by(datetime.date(year, 12, 31)), place__path__startswith=place.path)
    if by == "member_unit":
        counts = dict(qs.values("member_unit_id").annotate(n=Count("pk")).values_list("member_unit_id", "n"))
        from learncity.network.models import MemberUnit

        units = MemberUnit.objects.filter(committee__place__in=Place.objects.filter(
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


# --- public -----------------------------------------------------------------------------------------------

def _public_city(city_code: str | None) -> Place:
    cities = _cities_running()
    if city_code:
        cities = [c for c in cities if c.code == city_code]
    if not cities:
        raise NotFound(gettext("未找到该城市的学习型城市看板"))
    return cities[0]


def public_overview(*, period: Period | None = None, city_code: str | None = None) -> Overview:
    city = _public_city(city_code)
    period = period or period_default()
    _fresh()
    ctx = _Ctx([city])
    return Overview(PlaceRef.of(city), period,
                    [_row(ctx, d, city, period, public=True) for d in _definitions(published_only=True)])


def public_drilldown(*, code: str, place_id: int | None = None, period: Period | None = None,
                     city_code: str | None = None) -> Drilldown:
    """A published indicator for the city and its districts and streets (no communities: cells too small)."""
    city = _public_city(city_code)
    d = _definition(code, published_only=True)
    place = city
    if place_id is not None:
        place = Place.objects.filter(pk=place_id, path__startswith=city.path, level__lte=PlaceLevel.STREET).first()
        if place is None:
            raise NotFound(gettext("未找到该区划"))
    _fresh()
    return _drilldown(d, place, city, period or period_default(), public=True)


__all__ = [
    "Breakdown", "BreakdownRow", "Drilldown", "IndicatorInfo", "IndicatorRow", "Overview", "PlaceRef",
    "Series", "SeriesPoint", "TargetRow", "Value",
]


# --- the home page (issue 15, item 1) -------------------------------------------------------------------------

# A statistics report is due this many days after its period ends (the quarterly report by the 15th of the
# month after the quarter; the annual statistics by the end of January). The home page lists a report from a
# month before its period ends until its deadline.
REPORT_DUE_DAYS = {"quarterly": 15, "annual": 31}
REPORT_NOTICE_DAYS = 31


def home_reports_due(*, actor, today: datetime.date | None = None) -> list[dict]:
    """The statistics reports a city or district administrator owes for their place, soonest deadline first:
    each with its kind, period, deadline and days left. Empty for everyone else. One query."""
    scope = scope_for(actor)
    if not (scope.everything or scope.roles & {Role.CITY_ADMIN, Role.DISTRICT_ADMIN}):
        return []
    today = today or timezone.localdate()
    place = PlaceRef.of(_home(actor))
    due = []
    for kind, grain in (("quarterly", "quarter"), ("annual", "year")):
        current = period_of(grain, today)
        for period in (current.previous(), current):
            deadline = period.end + datetime.timedelta(days=REPORT_DUE_DAYS[kind])
            if period.end - datetime.timedelta(days=REPORT_NOTICE_DAYS) <= today <= deadline:
                due.append({"kind": kind, "period": period, "deadline": deadline, "days_left": (deadline - today).days,
                            "place": place})
    return sorted(due, key=lambda r: (r["deadline"], r["kind"]))
