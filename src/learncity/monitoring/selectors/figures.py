"""Computing an indicator's value for a place and period: numerators, denominators, and the per-call context that
reads a whole page's figures in a handful of queries (`_Ctx`, `_batched`)."""

import datetime
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, When
from django.db.models import Value as V
from django.utils.translation import gettext

from learncity.catalog.models import Venue
from learncity.core.errors import Refusal
from learncity.core.scopes import ANONYMOUS, Action
from learncity.monitoring import rollups
from learncity.monitoring.models import (
    Measure,
    PlaceAncestor,
    Target,
)
from learncity.monitoring.periods import Period, period_check_countable
from learncity.monitoring.selectors.shapes import CENT, HUNDRED, Value, min_cell
from learncity.monitoring.spec import LEVELS, Spec, bands_between
from learncity.network.models import (
    Designation,
    Institution,
    LearningOrganisation,
)
from learncity.places.models import Place, Population

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

    def __init__(self, places: list[Place], actor, action: Action = Action.VIEW):
        self.place_ids = [p.pk for p in places]
        self.actor, self.action = actor, action  # whose reading: the targets and populations are restricted
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
            found = _populations(Population.objects.restrict(self.actor, self.action), ids)
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
            for t in Target.objects.restrict(self.actor, self.action).filter(place_id__in=self.place_ids):
                self.targets[t.place_id][(t.indicator_id, t.period_start, t.period_end)] = t.value
        if place.pk not in self.targets:
            self.targets[place.pk] = {(t.indicator_id, t.period_start, t.period_end): t.value
                                      for t in Target.objects.restrict(self.actor, self.action).filter(place=place)}
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
    except Refusal:
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
        # reference data counted for statistics (institutions, titles, venues, places): what anyone may see
        qs = model.objects.restrict(ANONYMOUS, Action.BROWSE).filter(anywhere).order_by().annotate(_at=F(field), **columns).values("_at", *names.values())
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


def _populations(populations, place_ids: list[int]) -> tuple[dict[int, list[tuple[int, int, int]]], dict[int, dict]]:
    """({place id: [(year, total, population id)] by year}, {population id: {(sex, band): count}}) of every year
    of the places' population figures: one query (the bands joined to their figures)."""
    years: dict[int, list] = {pk: [] for pk in place_ids}
    cells: dict[int, dict] = {}
    for pk, place_id, year, total, sex, band, n in populations.filter(place_id__in=place_ids).order_by(
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
        institutions = Institution.objects.restrict(ANONYMOUS, Action.BROWSE).filter(_open_at(end), kind__in=f["institution_kind"])
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
