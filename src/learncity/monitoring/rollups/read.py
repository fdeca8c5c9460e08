"""Reading the rollups: distinct persons, person-times and hours, registered residents, by place and dimension;
and a whole page's figures at once (`*_many`: a query per kind of cell for every figure and place)."""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    F,
    Q,
    Sum,
)

from learncity.monitoring.models import (
    GroupBit,
    Measure,
    PersonCell,
    PersonYear,
    PlaceAncestor,
    ResidentCell,
    ResidentState,
    TimeCell,
)
from learncity.monitoring.rollups.residents import group_mask, month_key
from learncity.monitoring.rollups.tables import _t
from learncity.people.models import LearnerGroup, LearnerProfile
from learncity.places.models import AGE_BANDS


def _cells(qs, bands, sexes):
    if bands is not None:
        qs = qs.filter(age_band__in=bands)
    if sexes is not None:
        qs = qs.filter(sex__in=sexes)
    return qs


def persons_counts(measure: Measure, *, year: int, mask: int, place_ids: list[int], bands: list[str] | None = None,
                   sexes: list[str] | None = None, group_codes: list[str] | None = None) -> dict[int, int]:
    """{place id: distinct persons of the measure active in the months of `mask` of `year`, living under the
    place} for every place of `place_ids`, in one query (0 where none)."""
    out = dict.fromkeys(place_ids, 0)
    qs = _cells(PersonCell.objects.filter(measure=measure, year=year, place_id__in=place_ids), bands, sexes)
    if group_codes:
        groups = group_mask(group_codes)
        if groups is None:  # a group beyond the 63 with a bit: over the person-years and today's memberships
            return {pk: _persons_by_membership(measure, year, mask, pk, bands, sexes, group_codes) for pk in out}
        qs = qs.annotate(in_group=F("gmask").bitand(groups)).filter(in_group__gt=0)
    rows = (qs.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).values("place_id")
            .annotate(n=Sum("persons")).values_list("place_id", "n"))
    out.update({pk: n or 0 for pk, n in rows})
    return out


def _persons_by_membership(measure, year, mask, place_id, bands, sexes, group_codes) -> int:
    qs = _cells(PersonYear.objects.filter(
        measure=measure, year=year,
        place_id__in=PlaceAncestor.objects.filter(ancestor_id=place_id).values("place_id"),
        learner_id__in=LearnerProfile.groups.through.objects.filter(
            learnergroup__code__in=group_codes).values("learnerprofile_id")), bands, sexes)
    return qs.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).count()


def persons_count(measure: Measure, *, year: int, mask: int, place_id: int, bands: list[str] | None = None,
                  sexes: list[str] | None = None, group_codes: list[str] | None = None) -> int:
    """Distinct persons of the measure active in the months of `mask` of `year`, living under the place."""
    return persons_counts(measure, year=year, mask=mask, place_ids=[place_id], bands=bands, sexes=sexes,
                          group_codes=group_codes)[place_id]


def _age_base_q(year: int, bands: list[str]) -> Q:
    """The age bands at 1 January of `year` as a condition on age_base: age = year − age_base, so the band
    [low, high) is age_base in (year − high, year − low]."""
    q = Q(pk__in=[])
    for code, low, high in AGE_BANDS:
        if code in bands:
            q |= Q(age_base__lte=year - low) & (Q() if high is None else Q(age_base__gt=year - high))
    return q


def residents_counts(*, year: int, place_ids: list[int], bands: list[str] | None = None,
                     sexes: list[str] | None = None, group_codes: list[str] | None = None,
                     until: datetime.date | None = None) -> dict[int, int]:
    """{place id: registered learners living under the place, of those sexes, age bands at 1 January of `year`
    and groups, registered by `until` (by the end of `year` when not given)} for every place of `place_ids`,
    from the resident cells, in one query."""
    out = dict.fromkeys(place_ids, 0)
    by = month_key(until or datetime.date(year, 12, 31))
    qs = ResidentCell.objects.filter(place_id__in=place_ids, since__lte=by)
    if sexes is not None:
        qs = qs.filter(sex__in=sexes)
    if bands is not None:
        qs = qs.filter(_age_base_q(year, bands))
    if group_codes:
        groups = group_mask(group_codes)
        if groups is None:
            return {pk: _residents_by_membership(year, by, pk, bands, sexes, group_codes) for pk in out}
        qs = qs.annotate(in_group=F("gmask").bitand(groups)).filter(in_group__gt=0)
    out.update(dict(qs.values("place_id").annotate(n=Sum("residents")).values_list("place_id", "n")))
    return out


def _residents_by_membership(year, by, place_id, bands, sexes, group_codes) -> int:
    qs = ResidentState.objects.filter(since__lte=by).filter(
        place_id__in=PlaceAncestor.objects.filter(ancestor_id=place_id).values("place_id"),
        learner_id__in=LearnerProfile.groups.through.objects.filter(
            learnergroup__code__in=group_codes).values("learnerprofile_id"))
    if sexes is not None:
        qs = qs.filter(sex__in=sexes)
    if bands is not None:
        qs = qs.filter(_age_base_q(year, bands))
    return qs.count()


def persons_by(measure: Measure, dim: str, *, year: int, mask: int, place_id: int, bands=None, sexes=None,
               group_codes=None) -> dict[str, int]:
    """persons_count broken down by "sex", "age_band" or "group" (a person counts once in each of their groups)."""
    if dim == "group":
        bits = {code: group_mask([code]) for code in LearnerGroup.objects.values_list("code", flat=True)}
        within = group_mask(group_codes) if group_codes else None
        if None in bits.values() or (group_codes and within is None):
            return _persons_by_group_membership(measure, year, mask, place_id, bands, sexes, group_codes)
        qs = _cells(PersonCell.objects.filter(measure=measure, year=year, place_id=place_id), bands, sexes)
        if within is not None:
            qs = qs.annotate(in_group=F("gmask").bitand(within)).filter(in_group__gt=0)
        qs = qs.annotate(hit=F("mask").bitand(mask), **{f"g{i}": F("gmask").bitand(value)
                                                         for i, value in enumerate(bits.values())})
        sums = qs.filter(hit__gt=0).aggregate(**{f"n{i}": Sum("persons", filter=Q(**{f"g{i}__gt": 0}))
                                                 for i in range(len(bits))})
        return {code: n for i, code in enumerate(bits) if (n := sums[f"n{i}"])}
    if group_codes:
        return {key: persons_count(measure, year=year, mask=mask, place_id=place_id, group_codes=group_codes,
                                   bands=[key] if dim == "age_band" else bands,
                                   sexes=[key] if dim == "sex" else sexes)
                for key in (["M", "F"] if dim == "sex" else [b[0] for b in AGE_BANDS])}
    qs = _cells(PersonCell.objects.filter(measure=measure, year=year, place_id=place_id), bands, sexes)
    return dict(qs.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).values(dim)
                .annotate(n=Sum("persons")).values_list(dim, "n"))


def _persons_by_group_membership(measure, year, mask, place_id, bands, sexes, group_codes) -> dict[str, int]:
    """By group over the person-years and today's memberships (when a group has no bit)."""
    through = LearnerProfile.groups.through
    py = _cells(PersonYear.objects.filter(
        measure=measure, year=year, place_id__in=PlaceAncestor.objects.filter(ancestor_id=place_id).values("place_id")),
        bands, sexes)
    learners = py.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).values("learner_id")
    rows = through.objects.filter(learnerprofile_id__in=learners)
    if group_codes:
        rows = rows.filter(learnerprofile_id__in=through.objects.filter(
            learnergroup__code__in=group_codes).values("learnerprofile_id"))
    return dict(rows.values("learnergroup__code").annotate(n=Count("learnerprofile_id", distinct=True))
                .values_list("learnergroup__code", "n"))


def times_sums(measure: Measure, *, year: int, months: list[int], place_ids: list[int], bands=None,
               sexes=None) -> dict[int, tuple[int, Decimal]]:
    """{place id: (person_times, hours)} of the measure in those months of the year under each place."""
    out = dict.fromkeys(place_ids, (0, 0))
    qs = _cells(TimeCell.objects.filter(measure=measure, year=year, month__in=months, place_id__in=place_ids),
                bands, sexes)
    out.update({pk: (t or 0, h or 0) for pk, t, h in qs.values("place_id")
                .annotate(t=Sum("person_times"), h=Sum("hours")).values_list("place_id", "t", "h")})
    return out


def times_sum(measure: Measure, *, year: int, months: list[int], place_id: int, bands=None, sexes=None,
              by: str | None = None):
    """(person_times, hours) of the measure in those months of the year under the place; or a dict by a dimension
    ("sex", "age_band", "record_kind", "provider_kind", "place_id")."""
    if by is None:
        return times_sums(measure, year=year, months=months, place_ids=[place_id], bands=bands, sexes=sexes)[place_id]
    qs = _cells(TimeCell.objects.filter(measure=measure, year=year, month__in=months, place_id=place_id),
                bands, sexes)
    return {k: (t or 0, h or 0) for k, t, h in qs.values(by).annotate(t=Sum("person_times"), h=Sum("hours"))
            .values_list(by, "t", "h")}


def selection_json(measure: Measure) -> str:
    return json.dumps(measure.selection, ensure_ascii=False)


# --- reading a whole page at once -----------------------------------------------------------------------------
#
# A page asks for many figures (every indicator, this period and the one before, a place and its children). Each
# kind of cell answers all of them in one query: a conditional sum per figure, grouped by place.


@dataclass(frozen=True)
class PersonsAsk:
    """Distinct persons of a measure in the months of `mask` of `year`; `gmask` None: any group."""

    measure_id: int
    year: int
    mask: int
    bands: tuple[str, ...] | None = None
    sexes: tuple[str, ...] | None = None
    gmask: int | None = None


@dataclass(frozen=True)
class TimesAsk:
    """(person-times, hours) of a measure in those months of `year`."""

    measure_id: int
    year: int
    months: tuple[int, ...]
    bands: tuple[str, ...] | None = None
    sexes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ResidentsAsk:
    """Registered learners by the end of `until`, aged (at 1 January of `year`) in the bands; `gmask` None: any."""

    year: int
    until: datetime.date
    bands: tuple[str, ...] | None = None
    sexes: tuple[str, ...] | None = None
    gmask: int | None = None


def mask_of(codes, bits: dict[str, int | None]) -> int | None:
    """The mask of those groups from the bits of `lookups()`; None when one of them has no bit (count the slow
    way). Codes of no group are left out, as `group_mask` does."""
    mask = 0
    for code in codes:
        if code in bits:
            if bits[code] is None:
                return None
            mask |= bits[code]
    return mask


def _dims(bands, sexes) -> Q:
    q = Q()
    if bands is not None:
        q &= Q(age_band__in=bands)
    if sexes is not None:
        q &= Q(sex__in=sexes)
    return q


def _bit_aliases(values) -> dict[int, str]:
    return {v: f"_b{i}" for i, v in enumerate(sorted(set(values)))}


def persons_many(asks: dict, place_ids: list[int]) -> dict:
    """{key: {place id: persons}} for every ask of `asks` ({key: PersonsAsk}) under every place: one query."""
    out = {key: dict.fromkeys(place_ids, 0) for key in asks}
    live = {k: a for k, a in asks.items() if a.bands != () and a.sexes != ()}
    if not live or not place_ids:
        return out
    masks = _bit_aliases(a.mask for a in live.values())
    gmasks = _bit_aliases(a.gmask for a in live.values() if a.gmask is not None)
    gnames = {v: n.replace("_b", "_g") for v, n in gmasks.items()}
    # IN lists on the unique index's leading columns (an OR of pairs would scan the table on SQLite); the sums'
    # filters pick each figure's own cells
    scope = Q(measure_id__in=sorted({a.measure_id for a in live.values()}),
              year__in=sorted({a.year for a in live.values()}))
    sums = {}
    for i, a in enumerate(live.values()):
        cond = Q(measure_id=a.measure_id, year=a.year, **{f"{masks[a.mask]}__gt": 0}) & _dims(a.bands, a.sexes)
        if a.gmask is not None:
            cond &= Q(**{f"{gnames[a.gmask]}__gt": 0})
        sums[f"n{i}"] = Sum("persons", filter=cond)
    qs = (PersonCell.objects.filter(scope, place_id__in=place_ids)
          .annotate(**{n: F("mask").bitand(v) for v, n in masks.items()},
                    **{gnames[v]: F("gmask").bitand(v) for v in gmasks})
          .values("place_id").annotate(**sums).order_by())
    keys = list(live)
    for row in qs:
        for i, key in enumerate(keys):
            out[key][row["place_id"]] = row[f"n{i}"] or 0
    return out


def times_many(asks: dict, place_ids: list[int], *, by: str = "place_id") -> dict:
    """{key: {place id: (person_times, hours)}} for every ask ({key: TimesAsk}) under every place: one query. With
    `by` ("record_kind", "provider_kind", "sex", "age_band"): {key: {value of that dimension: (…)}} under the
    places (give one), the values found only."""
    out = {key: dict.fromkeys(place_ids, (0, 0)) if by == "place_id" else {} for key in asks}
    live = {k: a for k, a in asks.items() if a.bands != () and a.sexes != () and a.months}
    if not live or not place_ids:
        return out
    # IN lists on the unique index's leading columns (an OR of pairs would scan the table on SQLite); the sums'
    # filters pick each figure's own cells
    scope = Q(measure_id__in=sorted({a.measure_id for a in live.values()}),
              year__in=sorted({a.year for a in live.values()}))
    sums = {}
    for i, a in enumerate(live.values()):
        cond = Q(measure_id=a.measure_id, year=a.year, month__in=a.months) & _dims(a.bands, a.sexes)
        sums[f"t{i}"] = Sum("person_times", filter=cond)
        sums[f"h{i}"] = Sum("hours", filter=cond)
    keys = list(live)
    for row in TimeCell.objects.filter(scope, place_id__in=place_ids).values(by).annotate(**sums).order_by():
        for i, key in enumerate(keys):
            if by == "place_id" or row[f"t{i}"] is not None:
                out[key][row[by]] = (row[f"t{i}"] or 0, row[f"h{i}"] or 0)
    return out


def residents_many(asks: dict, place_ids: list[int]) -> dict:
    """{key: {place id: registered learners}} for every ask ({key: ResidentsAsk}) under every place: one query."""
    out = {key: dict.fromkeys(place_ids, 0) for key in asks}
    live = {k: a for k, a in asks.items() if a.bands != () and a.sexes != ()}
    if not live or not place_ids:
        return out
    gmasks = _bit_aliases(a.gmask for a in live.values() if a.gmask is not None)
    sums = {}
    for i, a in enumerate(live.values()):
        cond = Q(since__lte=month_key(a.until))
        if a.sexes is not None:
            cond &= Q(sex__in=a.sexes)
        if a.bands is not None:
            cond &= _age_base_q(a.year, list(a.bands))
        if a.gmask is not None:
            cond &= Q(**{f"{gmasks[a.gmask]}__gt": 0})
        sums[f"n{i}"] = Sum("residents", filter=cond)
    keys = list(live)
    qs = (ResidentCell.objects.filter(place_id__in=place_ids)
          .annotate(**{n: F("gmask").bitand(v) for v, n in gmasks.items()})
          .values("place_id").annotate(**sums).order_by())
    for row in qs:
        for i, key in enumerate(keys):
            out[key][row["place_id"]] = row[f"n{i}"] or 0
    return out


def lookups() -> tuple[dict[str, Measure], dict[str, int | None], list[tuple[str, str]]]:
    """({selection key: measure}, {group code: its bit value or None}, [(group code, name)] in group order): the
    small tables every page of figures looks things up in, read in one query."""
    measures, groups = _t(Measure), _t(LearnerGroup)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 'm', id, {connection.ops.quote_name('key')}, NULL, 0 FROM {measures} UNION ALL "
                       f"SELECT 'g', (SELECT b.value FROM {_t(GroupBit)} b WHERE b.group_id = g.id), g.code, g.name, "
                       f"g.id FROM {groups} g")
        rows = cursor.fetchall()
    found = {key: Measure(pk=pk, key=key) for kind, pk, key, _, _ in rows if kind == "m"}
    groups_found = sorted((gid, code, name, value) for kind, value, code, name, gid in rows if kind == "g")
    return (found, {code: value for _, code, _, value in groups_found},
            [(code, name) for _, code, name, _ in groups_found])


def persons_by_groups(measure: Measure, *, year: int, mask: int, place_id: int, bits: dict[str, int],
                      bands=None, sexes=None, within: int | None = None) -> dict[str, int]:
    """Distinct persons of the measure under the place in each group of `bits` ({code: bit}, every group with
    one), within the groups of mask `within` when given: one query."""
    qs = _cells(PersonCell.objects.filter(measure=measure, year=year, place_id=place_id), bands, sexes)
    if within is not None:
        qs = qs.annotate(in_group=F("gmask").bitand(within)).filter(in_group__gt=0)
    if not bits:
        return {}
    qs = qs.annotate(hit=F("mask").bitand(mask), **{f"g{i}": F("gmask").bitand(value)
                                                     for i, value in enumerate(bits.values())})
    sums = qs.filter(hit__gt=0).aggregate(**{f"n{i}": Sum("persons", filter=Q(**{f"g{i}__gt": 0}))
                                             for i in range(len(bits))})
    return {code: n for i, code in enumerate(bits) if (n := sums[f"n{i}"])}
