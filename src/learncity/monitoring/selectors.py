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
from django.db.models import Case, Count, F, IntegerField, Q, When
from django.db.models import Value as V
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
from learncity.places.models import AGE_BANDS, SEX_CHOICES, Place, PlaceLevel, Population
from learncity.places.selectors import MUNICIPALITIES

from . import rollups
from .models import (
    AREA_GROUPS,
    Indicator,
    IndicatorVersion,
    IndicatorVersionStatus,
    Measure,
    PlaceAncestor,
    Target,
    UnescoArea,
    area_group_of,
)
from .periods import Period, period_check_countable, period_default, period_of
from .spec import LEVELS, Spec, bands_between, spec_load

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
    """The active indicators with their formulas: one query."""
    qs = (IndicatorVersion.objects.filter(status=IndicatorVersionStatus.ACTIVE).select_related("indicator")
          .order_by("indicator__order", "indicator__code"))
    if published_only:
        qs = qs.filter(indicator__published=True)
    out = []
    for version in qs:
        ind = version.indicator
        spec = spec_load(version.spec)
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
    """Per-call memo that reads a whole page in a handful of queries: one per kind of cell (persons, times,
    registered residents, each reference table) for every figure and every place of the call.

    A page is built twice through `_batched`: first *planning* (every figure asked for is noted and answered 0),
    then the noted figures are read, a query per kind for all of them and all the call's places, and the page is
    built again from the answers. A figure the plan missed (one asked only for a value the plan could not know)
    is read on its own, so a page is never wrong, only a query dearer."""

    def __init__(self, places: list[Place]):
        self.place_ids = [p.pk for p in places]
        self.planning = False
        self.wanted: dict[tuple, object] = {}
        self.figures: dict[tuple, dict[int, object]] = {}
        self._measures: dict[str, Measure] | None = None
        self._groups: dict[str, int | None] | None = None
        self._group_names: list[tuple[str, str]] = []
        self._populations: tuple[dict, dict] | None = None
        self.targets: dict[int, dict] | None = None

    # -- figures ------------------------------------------------------------------------------------------------

    def _get(self, key: tuple, place: Place, ask, zero):
        found = self.figures.get(key)
        if found is not None and place.pk in found:
            return found[place.pk]
        if self.planning and place.pk in self.place_ids:
            self.wanted[key] = ask
            return zero
        ids = self.place_ids if place.pk in self.place_ids else [place.pk]
        self.figures.setdefault(key, {}).update(_read({key: ask}, ids)[key])
        return self.figures[key][place.pk]

    def fetch(self) -> None:
        """Read every figure the plan noted: one query per kind of cell."""
        wanted, self.wanted = self.wanted, {}
        for key, found in _read(wanted, self.place_ids).items():
            self.figures.setdefault(key, {}).update(found)

    def persons(self, measure: Measure, place: Place, *, year, mask, bands, sexes, groups) -> int:
        gmask = None
        if groups:
            gmask = rollups.mask_of(groups, self.groups())
            if gmask is None:  # a group beyond the 63 with a bit: over the person-years, place by place
                key = ("persons_slow", measure.pk, year, mask, _key(bands), _key(sexes), _key(groups))
                return self._get(key, place, ("persons_slow", measure, year, mask, bands, sexes, groups), 0)
        key = ("persons", measure.pk, year, mask, _key(bands), _key(sexes), gmask)
        return self._get(key, place, rollups.PersonsAsk(measure.pk, year, mask, _key(bands), _key(sexes), gmask), 0)

    def times(self, measure: Measure, place: Place, *, year, months, bands, sexes):
        key = ("times", measure.pk, year, tuple(months), _key(bands), _key(sexes))
        return self._get(key, place, rollups.TimesAsk(measure.pk, year, tuple(months), _key(bands), _key(sexes)),
                         (0, 0))

    def residents(self, place: Place, *, year, until, bands, sexes, groups) -> int:
        gmask = None
        if groups:
            gmask = rollups.mask_of(groups, self.groups())
            if gmask is None:
                key = ("residents_slow", year, until, _key(bands), _key(sexes), _key(groups))
                return self._get(key, place, ("residents_slow", year, until, bands, sexes, groups), 0)
        key = ("residents", year, until, _key(bands), _key(sexes), gmask)
        return self._get(key, place, rollups.ResidentsAsk(year, until, _key(bands), _key(sexes), gmask), 0)

    def under(self, key: tuple, place: Place, model, field: str, q: Q) -> int:
        """How many rows of `model` matching `q` lie at or under the place, their place being `field`: counted
        through the place closure, one query per table for all the call's figures and places."""
        return self._get(("under", *key), place, _Under(model, field, q), 0)

    # -- what the figures are read with: each loaded once a call -------------------------------------------------

    def groups(self) -> dict[str, int | None]:
        if self._groups is None:
            self._measures, self._groups, self._group_names = rollups.lookups()
        return self._groups

    def group_names(self) -> list[tuple[str, str]]:
        """[(code, name)] of every learner group, in group order."""
        self.groups()
        return self._group_names

    def population(self, place: Place, year: int) -> tuple[int, dict, int] | None:
        """(total, {(sex, band): count}, the figures' year) of the place's latest figures up to the year (or its
        earliest)."""
        if self._populations is None or place.pk not in self._populations[0]:
            ids = self.place_ids if place.pk in self.place_ids else [place.pk]
            found = _populations(ids)
            if self._populations is None:
                self._populations = found
            else:
                self._populations[0].update(found[0])
                self._populations[1].update(found[1])
        years, cells = self._populations
        chosen = None
        for pop in years[place.pk]:  # by year
            if chosen is None or pop[0] <= year:
                chosen = pop
        if chosen is None:
            return None
        return chosen[1], cells.get(chosen[2], {}), chosen[0]

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
        if self._measures is None:
            self.groups()
        return self._measures.get(spec.selection_key())


@dataclass(frozen=True)
class _Under:
    model: type
    field: str
    q: Q


def _read(wanted: dict, place_ids: list[int]) -> dict:
    """{key: {place id: figure}} for every figure of `wanted` ({key: ask}): one query per kind of cell."""
    out: dict = {}
    persons = {k: a for k, a in wanted.items() if isinstance(a, rollups.PersonsAsk)}
    times = {k: a for k, a in wanted.items() if isinstance(a, rollups.TimesAsk)}
    residents = {k: a for k, a in wanted.items() if isinstance(a, rollups.ResidentsAsk)}
    if persons:
        out.update(rollups.persons_many(persons, place_ids))
    if times:
        out.update(rollups.times_many(times, place_ids))
    if residents:
        out.update(rollups.residents_many(residents, place_ids))
    under = {k: a for k, a in wanted.items() if isinstance(a, _Under)}
    if under:
        out.update(_count_under_many(under, place_ids))
    for k, a in wanted.items():
        if isinstance(a, tuple) and a[0] == "persons_slow":
            _, measure, year, mask, bands, sexes, groups = a
            out[k] = rollups.persons_counts(measure, year=year, mask=mask, place_ids=place_ids, bands=bands,
                                            sexes=sexes, group_codes=groups)
        elif isinstance(a, tuple) and a[0] == "residents_slow":
            _, year, until, bands, sexes, groups = a
            out[k] = rollups.residents_counts(year=year, until=until, place_ids=place_ids, bands=bands, sexes=sexes,
                                              group_codes=groups)
    return out


def _batched(ctx: _Ctx, build):
    """Build once planning (noting every figure), read the noted figures a kind at a time, build again."""
    ctx.planning = True
    try:
        build()
    except DomainError:
        pass  # the real build below says it
    finally:
        ctx.planning = False
    ctx.fetch()
    return build()


def _count_under_many(asks: dict, place_ids: list[int]) -> dict:
    """{key: {place id: rows of the ask's table matching its condition whose place is that place or a place
    under it}} for every ask of `asks` ({key: _Under}), whatever their tables: one query, the tables' rows
    (a 0/1 column per ask) put together and joined with the place closure."""
    names = {key: f"c{i}" for i, key in enumerate(asks)}
    parts, params = [], []
    for model, field in dict.fromkeys((a.model, a.field) for a in asks.values()):
        mine = {k: a.q for k, a in asks.items() if (a.model, a.field) == (model, field)}
        anywhere = Q(pk__in=[])
        for q in mine.values():
            anywhere |= q
        columns = {names[k]: (Case(When(mine[k], then=V(1)), default=V(0), output_field=IntegerField())
                              if k in mine else V(0, output_field=IntegerField())) for k in asks}
        qs = model.objects.filter(anywhere).order_by().annotate(_at=F(field), **columns).values("_at", *names.values())
        sql, more = qs.query.sql_with_params()
        parts.append(sql)
        params += more
    closure = connection.ops.quote_name(PlaceAncestor._meta.db_table)
    out = {key: dict.fromkeys(place_ids, 0) for key in asks}
    sums = ", ".join(f"SUM(q.{connection.ops.quote_name(n)})" for n in names.values())
    rows = " UNION ALL ".join(f"SELECT * FROM ({sql}) u{i}" for i, sql in enumerate(parts))
    with connection.cursor() as cur:
        cur.execute(f"SELECT a.ancestor_id, {sums} FROM ({rows}) q JOIN {closure} a ON a.place_id = q._at "
                    f"WHERE a.ancestor_id IN ({', '.join(['%s'] * len(place_ids))}) GROUP BY a.ancestor_id",
                    [*params, *place_ids])
        for ancestor, *counts in cur.fetchall():
            for key, n in zip(asks, counts, strict=True):
                out[key][ancestor] = int(n or 0)
    return out


def _key(values) -> tuple | None:
    return None if values is None else tuple(sorted(values))


def _populations(place_ids: list[int]) -> tuple[dict[int, list[tuple[int, int, int]]], dict[int, dict]]:
    """({place id: [(year, total, population id)] by year}, {population id: {(sex, band): count}}) of every year
    of the places' population figures: one query (the bands joined to their figures)."""
    years: dict[int, list] = {pk: [] for pk in place_ids}
    cells: dict[int, dict] = {}
    for pk, place_id, year, total, sex, band, n in Population.objects.filter(place_id__in=place_ids).order_by(
            "place_id", "year").values_list("pk", "place_id", "year", "total", "bands__sex", "bands__age_band",
                                            "bands__count"):
        if not years[place_id] or years[place_id][-1][2] != pk:
            years[place_id].append((year, total, pk))
        if sex is not None:
            cells.setdefault(pk, {})[(sex, band)] = n
    return years, cells


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
        model, key, q = Place, "pk", Q(level=LEVELS[f["level"]], pk__in=institutions.values("place_id"))
    elif spec.source == "designations":
        model, key, q = Designation, "place_id", _named_by(end)
        if "kind" in f:
            q &= Q(kind__in=f["kind"])
        if "tier" in f:
            q &= Q(tier__in=f["tier"])
    elif spec.source == "learning_organisations":
        model, key, q = LearningOrganisation, "place_id", _named_by(end)
        if "kind" in f:
            q &= Q(kind__in=f["kind"])
    elif spec.source == "venues":
        model, key = Venue, "place_id"
        q = (Q(opened_on__isnull=True) | Q(opened_on__lte=end)) & (Q(closed_on__isnull=True) | Q(closed_on__gt=end))
        if "kind" in f:
            q &= Q(kind__in=f["kind"])
        if f.get("free_open") is True:
            q &= ~Q(free_open_days="")
        elif f.get("free_open") is False:
            q &= Q(free_open_days="")
    else:
        raise ValueError(spec.source)
    return Decimal(ctx.under(("numerator", spec.source, json.dumps(f, sort_keys=True), end), place, model, key, q))


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
        return ctx.under(("places", d["level"]), place, Place, "pk", Q(level=LEVELS[d["level"]]))
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
    """The actor's top monitoring place, read once per actor object (a request's user)."""
    home = getattr(actor, "_monitoring_home", None)
    if home is None:
        home = _home_read(actor)
        actor._monitoring_home = home
    return home


def _home_read(actor) -> Place:
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
    if place_id is None or place_id == home.pk:
        return home
    seen = actor.__dict__.setdefault("_monitoring_seen", {})  # places read already in this request
    place = seen.get(place_id) or Place.objects.filter(pk=place_id).first()
    if place is not None:
        seen[place_id] = place
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


def monitoring_places(*, actor, parent_id: int | None = None, also: int | None = None) -> list[PlaceRef]:
    """The places to choose from: the actor's top place and its children (or the children of `parent_id`).
    `also`: a place the page will ask for next, read in the same query (whether the actor may see it is decided
    when it is asked for)."""
    if parent_id is None and getattr(actor, "_monitoring_home", None) is None:
        scope = scope_for(actor)
        if not scope.everything and (scope.roles & MONITOR_ROLES) and scope.view.place_paths:
            # the top place and its children in one query (and the top remembered for the rest of the request)
            top = sorted(scope.view.place_paths, key=len)[0]
            # (a UNION of indexed look-ups: an OR across a join, or with a subquery, walked all 38,723 places on
            # SQLite or PostgreSQL, 7 ms a page)
            parts = [Place.objects.filter(parent__path=top).order_by()]
            if also is not None:
                parts.append(Place.objects.filter(pk=also).order_by())
            found = list(Place.objects.filter(path=top).order_by().union(*parts).order_by("level", "code"))
            home = next((p for p in found if p.path == top), None)
            if home is not None:
                actor._monitoring_home = home
                actor.__dict__.setdefault("_monitoring_seen", {}).update({p.pk: p for p in found})
                return [PlaceRef.of(p) for p in found if p is home or p.parent_id == home.pk]
    parent = _place_for(actor, parent_id)
    return [PlaceRef.of(parent)] + [PlaceRef.of(p) for p in Place.objects.filter(parent=parent).order_by("code")]


def monitoring_place(*, actor, place_id: int | None = None) -> PlaceRef:
    """The place the actor asked for (their top place when none), if they may see it: NotFound otherwise."""
    return PlaceRef.of(_place_for(actor, place_id))


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
    ctx, defs = _Ctx([place]), _definitions()
    return Overview(PlaceRef.of(place), period, _batched(ctx, lambda: [_row(ctx, d, place, period) for d in defs]))


def _drilldown(d: _Def, place: Place, top: Place, period: Period, *, public: bool) -> Drilldown:
    children = [] if public and place.level >= PlaceLevel.STREET else list(Place.objects.filter(parent=place).order_by("code"))
    ctx = _Ctx([place, *children])
    row, rows = _batched(ctx, lambda: (_row(ctx, d, place, period, public=public),
                                       [_row(ctx, d, c, period, public=public) for c in children]))
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
    return _drilldown(d, place, _home(actor), period or period_default(), public=False)


def indicator_breakdown(*, actor, code: str, by: str, place_id: int | None = None,
                        period: Period | None = None) -> Breakdown:
    place = _place_for(actor, place_id)
    d = _definition(code)
    period = period or period_default()
    _by_check(d, by)
    ctx = _Ctx([place])
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


def indicators_breakdown(*, actor, by: str, place_id: int | None = None,
                         period: Period | None = None) -> list[Breakdown]:
    """The breakdown `by` of every indicator that breaks down that way (the annual statistics' table by kind of
    institution): by record kind or provider kind in one query for all of them."""
    place = _place_for(actor, place_id)
    period = period or period_default()
    ctx = _Ctx([place])
    defs = [d for d in _definitions() if by in d.info.breakdowns]
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
    d = _definition(code)
    period = period or period_default()
    by = by or (d.info.breakdowns[0] if d.info.breakdowns else "")
    if by:
        _by_check(d, by)
    periods = _series_periods(grain, period.start.year)
    children = list(Place.objects.filter(parent=place).order_by("code"))
    ctx = _Ctx([place, *children])
    batched_by = by in ("sex", "age_band")

    def build():
        return (_row(ctx, d, place, period), [_row(ctx, d, c, period) for c in children],
                _points(ctx, d, place, periods, False),
                _breakdown_rows(ctx, d, place, period, by) if batched_by else None)

    row, rows, points, brows = _batched(ctx, build)
    if by and not batched_by:
        brows = _breakdown_rows(ctx, d, place, period, by)
    drill = Drilldown(indicator=d.info, period=period, place=PlaceRef.of(place),
                      ancestors=_ancestors(place, _home(actor)), row=row, children=rows)
    return IndicatorPage(drill, Series(d.info, PlaceRef.of(place), grain, points),
                         Breakdown(d.info, PlaceRef.of(place), period, by, brows) if by else None)


def indicator_series(*, actor, code: str, grain: str = "month", place_id: int | None = None,
                     year: int | None = None) -> Series:
    place = _place_for(actor, place_id)
    d = _definition(code)
    return _series(d, place, grain, year)


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


def _series(d: _Def, place: Place, grain: str, year: int | None, *, public: bool = False) -> Series:
    periods = _series_periods(grain, year)
    ctx = _Ctx([place])
    return Series(d.info, PlaceRef.of(place), grain, _batched(ctx, lambda: _points(ctx, d, place, periods, public)))


def indicators_series(*, actor, grain: str = "month", place_id: int | None = None,
                      year: int | None = None) -> list[Series]:
    """Every indicator's series for the place (the reports' month-by-month and quarter-by-quarter tables): read
    together, a query per kind of cell."""
    place = _place_for(actor, place_id)
    periods = _series_periods(grain, year)
    ctx, defs = _Ctx([place]), _definitions()
    points = _batched(ctx, lambda: [_points(ctx, d, place, periods, False) for d in defs])
    return [Series(d.info, PlaceRef.of(place), grain, p) for d, p in zip(defs, points, strict=True)]


def indicators_by_children(*, actor, place_id: int | None = None, period: Period | None = None) -> list[Drilldown]:
    """Every indicator's drill-down for the place and its children (the reports' table by place): read together,
    a query per kind of cell."""
    place = _place_for(actor, place_id)
    period = period or period_default()
    top = _home(actor)
    children = list(Place.objects.filter(parent=place).order_by("code"))
    ctx, defs = _Ctx([place, *children]), _definitions()
    rows = _batched(ctx, lambda: [(_row(ctx, d, place, period), [_row(ctx, d, c, period) for c in children])
                                  for d in defs])
    ancestors = _ancestors(place, top)
    return [Drilldown(indicator=d.info, period=period, place=PlaceRef.of(place), ancestors=ancestors, row=row,
                      children=kids) for d, (row, kids) in zip(defs, rows, strict=True)]


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
    ctx, defs = _Ctx([city]), _definitions(published_only=True)
    return Overview(PlaceRef.of(city), period,
                    _batched(ctx, lambda: [_row(ctx, d, city, period, public=True) for d in defs]))


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
    return _drilldown(d, place, city, period or period_default(), public=True)


def figures_freshness() -> rollups.Freshness:
    """When the rollups behind every monitoring figure were last brought up to date, and whether data has arrived
    since (the pages' "数据更新于 …" and their note). One query; it writes nothing (the refresh runs in the
    background: monitoring.tasks)."""
    return rollups.rollups_freshness()


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
