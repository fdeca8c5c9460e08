"""Rollups: incremental and exact, with a watermark per measure and event stream; and the full recompute.

Events. Every measure (a selection of learning records, credit-bank outcomes or volunteer services) is fed by
append-only streams, each read past its watermark (the last id processed):
- `record`   LearningRecord rows (+1 each);
- `outcome`  Outcome rows (+1: a record recognised, or an outcome for the `outcomes` source);
- `reversal` LedgerEntry rows with reason "reversal" pointing at an outcome (−1 at the outcome's date);
- `service`  VolunteerService rows (+1, with their hours).
LearningRecord, Outcome, LedgerEntry and VolunteerService are never updated or deleted by the application (the
ledger's triggers refuse it; intake reports "changed" rows and never overwrites them; a recognition is corrected
by a reversal entry), so the streams are complete.

Cells. An event lands in the month of its own date (a late-arriving record lands in its month, not today's), in
the learner's place of residence and every ancestor of it (via the `PlaceAncestor` closure), under the learner's
sex and age band at 1 January of the event's year.
- `TimeCell` (measure, year, month, place, sex, age band, record kind, provider kind) → person-times, hours:
  additive, updated with INSERT … ON CONFLICT DO UPDATE.
- `PersonYear` (measure, learner, year) → a count per month and the 12-bit mask of months with a count > 0.
- `PersonCell` (measure, year, place, sex, age band, group mask, mask) → persons. Distinct persons in a period P
  inside the year are SUM(persons) WHERE mask & P ≠ 0 (of groups G: and gmask & G ≠ 0) — exact for any month,
  quarter, year or whole-month range. An update takes the affected person-years' old masks out of the cells and
  puts the new ones in. A person-year's group mask is its learner's groups' bits (`GroupBit`) when first counted.
- `ResidentCell` (place, sex, age base, group mask, month registered) → registered learners, for the `residents`
  denominators: a period counts those registered by its end (`registered_on`, else the day the profile was
  created), so a registration in December 2026 leaves 2025's rates as they were; `ResidentState` keeps each
  profile as counted, and a refresh re-counts the profiles added or changed (their `updated_at`) since its
  watermark.

Every step is one set-based SQL statement over the batch; a refresh runs in one transaction under the
watermarks' row locks, so concurrent refreshes queue instead of counting twice. `rollups_recompute(year)`
works a year's rollups out anew from the raw rows with the same statements — the profiles into the resident
states once, the year's learning records with their learner's side into one temporary table read by every
records measure — into temporary tables, and reconciles them with the rollups there: rows that differ or should
not be there are deleted, missing ones inserted, so a recompute that finds the rollups right writes nothing.

Known limits: a learner who moves or changes groups keeps their earlier events under the old place and groups
until a recompute (the resident cells follow at once, and count a resident where they live now, in the groups
they are in now, for every period since they registered: the profile keeps no history of moves); on
PostgreSQL a transaction that commits a lower id after a refresh has passed a higher one is missed until a
recompute (run `learncity monitoring recompute` nightly, or `learncity monitoring verify`).
"""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from learncity.catalog.models import LearningRecord, VolunteerService
from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.people.models import LearnerGroup, LearnerProfile
from learncity.places.models import AGE_BANDS, Place

from .models import (
    GroupBit,
    IndicatorVersion,
    IndicatorVersionStatus,
    Measure,
    PersonCell,
    PersonYear,
    PlaceAncestor,
    RefreshMark,
    ResidentCell,
    ResidentMark,
    ResidentState,
    TimeCell,
    Watermark,
)
from .spec import Spec, spec_validate

STREAM_MODELS = {"record": LearningRecord, "outcome": Outcome, "reversal": LedgerEntry, "service": VolunteerService}
# Read the reversal maximum before the outcome one: a reversal committed before it was read has its outcome
# committed before too, so the outcome stream never lags behind the reversals that cancel it.
STREAM_ORDER = ("reversal", "outcome", "record", "service")


def streams_of(selection: dict) -> tuple[str, ...]:
    source = selection["source"]
    if source == "records":
        return ("outcome", "reversal") if selection.get("recognised") else ("record",)
    if source == "outcomes":
        return ("outcome", "reversal")
    if source == "volunteering":
        return ("service",)
    raise ValueError(f"not a rollup source: {source}")


# --- measures -------------------------------------------------------------------------------------------

def active_specs() -> list[tuple[str, Spec]]:
    out = []
    for code, spec in IndicatorVersion.objects.filter(status=IndicatorVersionStatus.ACTIVE).values_list(
            "indicator__code", "spec"):
        out.append((code, spec_validate(spec)))
    return out


def measure_for(spec: Spec, *, create: bool = True) -> Measure | None:
    key = spec.selection_key()
    found = Measure.objects.filter(key=key).first()
    if found is None and create:
        found, _ = Measure.objects.get_or_create(key=key, defaults={"selection": spec.selection()})
    return found


def measures_sync() -> list[Measure]:
    """A measure (with its watermarks at 0) for every active indicator version that counts events."""
    for _, spec in active_specs():
        if spec.uses_rollups:
            m = measure_for(spec)
            for stream in streams_of(m.selection):
                Watermark.objects.get_or_create(measure=m, stream=stream)
    return list(Measure.objects.order_by("pk"))


def _stream_maxima() -> dict[str, int]:
    return {s: STREAM_MODELS[s].objects.aggregate(m=Max("pk"))["m"] or 0 for s in STREAM_ORDER}


def rollups_behind() -> bool:
    """Cheap: whether any measure's watermark is behind its stream, or an active indicator has no measure yet."""
    needed = {spec.selection_key() for _, spec in active_specs() if spec.uses_rollups}
    have = dict(Measure.objects.filter(key__in=needed).values_list("key", "pk"))
    if set(have) != needed or not _closure_current():
        return True
    if _residents_behind():
        return True
    maxima = _stream_maxima()
    lows = Watermark.objects.filter(measure_id__in=have.values()).values("stream").annotate(low=Min("last_id"))
    return any(row["low"] < maxima[row["stream"]] for row in lows)


# --- groups and the registered residents -----------------------------------------------------------------

MAX_GROUP_BITS = 63


def group_bits_sync() -> dict[int, int]:
    """{group id: its bit value}, giving a bit to every group that has none yet (in id order, up to 63)."""
    have = dict(GroupBit.objects.values_list("group_id", "value"))
    missing = [pk for pk in LearnerGroup.objects.order_by("pk").values_list("pk", flat=True) if pk not in have]
    used = set(have.values())
    free = (1 << bit for bit in range(MAX_GROUP_BITS) if (1 << bit) not in used)
    for pk in missing:
        value = next(free, None)
        if value is None:
            break
        GroupBit.objects.create(group_id=pk, value=value)
        have[pk] = value
    return have


def group_mask(codes: list[str]) -> int | None:
    """The mask of the groups with those codes; None when one of them has no bit (count the slow way)."""
    found = dict(LearnerGroup.objects.filter(code__in=codes).values_list("pk", "code"))
    bits = dict(GroupBit.objects.filter(group_id__in=found).values_list("group_id", "value"))
    if len(bits) != len(found):
        return None
    mask = 0
    for value in bits.values():
        mask |= value
    return mask


def _gmask_sql(learner: str) -> str:
    """A learner's group mask in SQL: their groups' bits added up (each group once, so the sum is the OR)."""
    through = connection.ops.quote_name(LearnerProfile.groups.through._meta.db_table)
    return (f"(SELECT COALESCE(SUM(gb.value), 0) FROM {through} t JOIN {_t(GroupBit)} gb "
            f"ON gb.group_id = t.learnergroup_id WHERE t.learnerprofile_id = {learner})")


def _age_base_sql(birth: str) -> str:
    """The year from which a person's age at 1 January is counted: the birth year, plus one unless born on
    1 January (the age at 1 January of year Y is Y minus it, as the events' age bands count it)."""
    if connection.vendor == "postgresql":
        return (f"(CAST(date_part('year', {birth}) AS integer) + CASE WHEN date_part('doy', {birth}) = 1 "
                f"THEN 0 ELSE 1 END)")
    return f"(CAST(substr({birth}, 1, 4) AS integer) + CASE WHEN substr({birth}, 6, 5) = '01-01' THEN 0 ELSE 1 END)"


def _since_sql(registered: str, created: str) -> str:
    """The month a resident registered, as the integer YYYYMM: their registration date, else the day the profile
    was created."""
    day = f"COALESCE({registered}, CAST({created} AS date))" if connection.vendor == "postgresql" else (
        f"COALESCE({registered}, {created})")
    if connection.vendor == "postgresql":
        return f"CAST(to_char({day}, 'YYYYMM') AS integer)"
    return f"CAST(substr({day}, 1, 4) || substr({day}, 6, 2) AS integer)"


def month_key(day: datetime.date) -> int:
    """A date's month as the resident cells' `since` keeps it (YYYYMM)."""
    return day.year * 100 + day.month


def _profile_marks() -> tuple[int, datetime.datetime | None]:
    found = LearnerProfile.objects.aggregate(top=Max("pk"), changed=Max("updated_at"))
    return found["top"] or 0, found["changed"]


def _residents_behind() -> bool:
    mark = ResidentMark.objects.first()
    top, changed = _profile_marks()
    if mark is None:
        return top > 0
    return top > mark.last_id or (changed is not None and (mark.last_changed is None or changed > mark.last_changed))


def _residents_apply(cursor, *, full: bool = False) -> None:
    """Bring the resident cells up to date: the profiles added or changed since the watermark (all of them when
    `full`) taken out of the cells as they were counted and put back in as they are."""
    mark = ResidentMark.objects.select_for_update().first() or ResidentMark.objects.create()
    top, changed = _profile_marks()
    profiles, rs, rc, anc = _t(LearnerProfile), _t(ResidentState), _t(ResidentCell), _t(PlaceAncestor)
    if full:
        where, params = "p.id <= %s", [top]
    else:
        where, params = "(p.id > %s AND p.id <= %s)", [mark.last_id, top]
        if mark.last_changed is not None:
            where += " OR (p.id <= %s AND p.updated_at > %s)"
            params += [mark.last_id, mark.last_changed]
    cursor.execute("DROP TABLE IF EXISTS mon_rs")
    cursor.execute("CREATE TEMP TABLE mon_rs (learner_id bigint, place_id bigint, sex varchar(1), age_base integer, "
                   "gmask bigint, since integer)")
    if full:  # every profile: the group masks by one grouped join rather than a lookup per profile
        through = connection.ops.quote_name(LearnerProfile.groups.through._meta.db_table)
        gmask, joined = "COALESCE(g.gmask, 0)", (
            f"LEFT JOIN (SELECT t.learnerprofile_id AS lid, SUM(gb.value) AS gmask FROM {through} t "
            f"JOIN {_t(GroupBit)} gb ON gb.group_id = t.learnergroup_id GROUP BY t.learnerprofile_id) g ON g.lid = p.id")
    else:
        gmask, joined = _gmask_sql("p.id"), ""
    cursor.execute(f"INSERT INTO mon_rs (learner_id, place_id, sex, age_base, gmask, since) "
                   f"SELECT p.id, p.residence_id, p.sex, {_age_base_sql('p.birth_date')}, {gmask}, "
                   f"{_since_sql('p.registered_on', 'p.created_at')} "
                   f"FROM {profiles} p {joined} WHERE {where}", params)
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE mon_rs")
    if full:  # every profile counted anew, then reconciled with the states and cells (what is right stays)
        cursor.execute("DROP TABLE IF EXISTS mon_rc")
        cursor.execute("CREATE TEMP TABLE mon_rc (place_id bigint, sex varchar(1), age_base integer, gmask bigint, "
                       "since integer, residents integer)")
        cursor.execute(f"""
            INSERT INTO mon_rc (place_id, sex, age_base, gmask, since, residents)
            SELECT a.ancestor_id, x.sex, x.age_base, x.gmask, x.since, SUM(x.n)
            FROM (SELECT place_id, sex, age_base, gmask, since, COUNT(*) AS n FROM mon_rs
                  GROUP BY place_id, sex, age_base, gmask, since) x
            JOIN {anc} a ON a.place_id = x.place_id
            GROUP BY a.ancestor_id, x.sex, x.age_base, x.gmask, x.since""")
        _reconcile(cursor, rs, "mon_rs", ("learner_id", "place_id", "sex", "age_base", "gmask", "since"), "1 = 1", [],
                   pk="learner_id")
        _reconcile(cursor, rc, "mon_rc", ("place_id", "sex", "age_base", "gmask", "since", "residents"), "1 = 1", [])
        cursor.execute("DROP TABLE mon_rs")
        cursor.execute("DROP TABLE mon_rc")
        mark.last_id, mark.last_changed = top, changed
        mark.save()
        return
    cell = f"""
        INSERT INTO {rc} (place_id, sex, age_base, gmask, since, residents)
        SELECT a.ancestor_id, x.sex, x.age_base, x.gmask, x.since, SUM(x.n) * {{sign}}
        FROM (SELECT place_id, sex, age_base, gmask, since, COUNT(*) AS n FROM {{rows}}
              GROUP BY place_id, sex, age_base, gmask, since) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY a.ancestor_id, x.sex, x.age_base, x.gmask, x.since
        ON CONFLICT (place_id, sex, age_base, gmask, since)
        DO UPDATE SET residents = {rc}.residents + EXCLUDED.residents"""
    cursor.execute(cell.format(sign=-1, rows=f"{rs} s WHERE s.learner_id IN (SELECT learner_id FROM mon_rs)"))
    cursor.execute(f"DELETE FROM {rs} WHERE learner_id IN (SELECT learner_id FROM mon_rs)")
    cursor.execute(f"INSERT INTO {rs} (learner_id, place_id, sex, age_base, gmask, since) "
                   f"SELECT learner_id, place_id, sex, age_base, gmask, since FROM mon_rs")
    cursor.execute(cell.format(sign=1, rows="mon_rs"))
    cursor.execute(f"DELETE FROM {rc} WHERE residents = 0")
    cursor.execute("DROP TABLE mon_rs")
    mark.last_id = top
    mark.last_changed = changed
    mark.save()


# --- the place closure ---------------------------------------------------------------------------------

def _closure_current() -> bool:
    places = Place.objects.aggregate(n=Count("pk"), top=Max("pk"))
    closed = PlaceAncestor.objects.filter(depth=0).aggregate(n=Count("place_id"), top=Max("place_id"))
    return places["n"] == closed["n"] and places["top"] == closed["top"]


def closure_sync() -> int:
    """Add the closure rows of places added since (rare: imports of communities); rebuild if places went away."""
    if _closure_current():
        return 0
    have = PlaceAncestor.objects.filter(depth=0)
    if have.exclude(place_id__in=Place.objects.values("pk")).exists():
        PlaceAncestor.objects.all().delete()
    missing = list(Place.objects.exclude(pk__in=PlaceAncestor.objects.filter(depth=0).values("place_id"))
                   .values_list("pk", "path"))
    codes = {c for _, path in missing for c in path.strip("/").split("/")}
    by_code = {code: (pk, level) for code, pk, level in Place.objects.filter(code__in=codes)
               .values_list("code", "pk", "level")}
    rows = []
    for pk, path in missing:
        chain = [by_code[c] for c in path.strip("/").split("/") if c in by_code]
        for depth, (anc, level) in enumerate(reversed(chain)):
            rows.append(PlaceAncestor(place_id=pk, ancestor_id=anc, level=level, depth=depth))
    PlaceAncestor.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# --- events ---------------------------------------------------------------------------------------------

EVENT_COLUMNS = ("learner_id", "place_id", "sex", "band", "gmask", "yr", "mo", "kind", "pkind", "hours", "delta")


class DatePart(Func):
    """The year, month or day of a date as an integer, natively on both databases (Django's Extract runs a Python
    function per row on SQLite; on PostgreSQL, date_part's double precision rather than EXTRACT's numeric, several
    times faster over millions of rows)."""

    output_field = IntegerField()
    _SLICES = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}

    def __init__(self, expression, part: str):
        self.part = part
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template=f"CAST(date_part('{self.part}', %(expressions)s) AS integer)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        start, length = self._SLICES[self.part]
        return super().as_sql(compiler, connection,
                              template=f"CAST(substr(%(expressions)s, {start}, {length}) AS integer)", **extra)


def _band_case(age):
    whens = [When(**{f"{age}__gte": low}, then=Value(code)) for code, low, _ in reversed(AGE_BANDS) if low > 0]
    return Case(*whens, default=Value(AGE_BANDS[0][0]))


def _events(stream: str, selection: dict, low: int, high: int, year: int | None):
    """A values_list queryset of the stream's events for a measure, ids in (low, high], columns EVENT_COLUMNS."""
    source = selection["source"]
    if stream == "record":
        qs, r, person, date, kind, pkind, hours, delta = (
            LearningRecord.objects.all(), "", "learner__", "date", F("kind"), "provider__kind", "hours", 1)
    elif stream == "service":
        qs, r, person, date, kind, pkind, hours, delta = (
            VolunteerService.objects.all(), None, "volunteer__learner__", "date", Value("volunteering"),
            "institution__kind", "hours", 1)
    elif source == "records":  # recognised records, through their outcomes
        base = "learning_record__" if stream == "outcome" else "outcome__learning_record__"
        qs = (Outcome.objects.filter(learning_record__isnull=False) if stream == "outcome"
              else LedgerEntry.objects.filter(reason="reversal", outcome__learning_record__isnull=False))
        r, person, date, kind, pkind, hours = base, f"{base}learner__", f"{base}date", F(f"{base}kind"), \
            f"{base}provider__kind", f"{base}hours"
        delta = 1 if stream == "outcome" else -1
        if "credit_class" in selection:
            cc = "credit_class" if stream == "outcome" else "outcome__credit_class"
            qs = qs.filter(**{f"{cc}__in": selection["credit_class"]})
    else:  # the outcomes source
        o = "" if stream == "outcome" else "outcome__"
        qs = (Outcome.objects.all() if stream == "outcome"
              else LedgerEntry.objects.filter(reason="reversal", outcome__isnull=False))
        r, person, date, kind, pkind, hours = None, f"{o}account__learner__", f"{o}date", F(f"{o}credit_class"), \
            f"{o}provider__kind", f"{o}hours"
        delta = 1 if stream == "outcome" else -1
        for field in ("credit_class", "method"):
            if field in selection:
                qs = qs.filter(**{f"{o}{field}__in": selection[field]})
    if r is not None:
        for field in ("kind", "course_kind"):
            if field in selection:
                qs = qs.filter(**{f"{r}{field}__in": selection[field]})
    if "provider_kind" in selection:
        qs = qs.filter(**{f"{pkind}__in": selection["provider_kind"]})
    qs = qs.filter(pk__gt=low, pk__lte=high)
    if year is not None:
        qs = qs.filter(**{f"{date}__gte": datetime.date(year, 1, 1), f"{date}__lte": datetime.date(year, 12, 31)})
    birth = f"{person}birth_date"
    qs = qs.annotate(
        e_learner=F(f"{person}id"), e_place=F(f"{person}residence_id"), e_sex=F(f"{person}sex"),
        e_yr=DatePart(date, "year"), e_mo=DatePart(date, "month"),
        e_bmd=DatePart(birth, "month") * 100 + DatePart(birth, "day"),
    ).annotate(
        e_age=F("e_yr") - DatePart(birth, "year") - Case(When(e_bmd=101, then=Value(0)), default=Value(1),
                                                          output_field=IntegerField()),
    ).annotate(
        e_band=_band_case("e_age"), e_kind=kind, e_pkind=Coalesce(F(pkind), Value("")), e_hours=F(hours),
        e_delta=Value(delta, output_field=IntegerField()),
        # the learner's groups as the resident cells count them (refreshed just before)
        e_gmask=Coalesce(Subquery(ResidentState.objects.filter(learner_id=OuterRef(f"{person}id")).values("gmask")),
                         Value(0), output_field=BigIntegerField()),
    )
    return qs.order_by().values_list("e_learner", "e_place", "e_sex", "e_band", "e_gmask", "e_yr", "e_mo", "e_kind",
                                     "e_pkind", "e_hours", "e_delta")


# --- applying a batch ----------------------------------------------------------------------------------

def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _mask_expr(prefix: str) -> str:
    return " + ".join(f"(CASE WHEN {prefix.format(i=i)} > 0 THEN {1 << (i - 1)} ELSE 0 END)" for i in range(1, 13))


def _date_part_sql(expr: str, part: str) -> str:
    """`DatePart` in plain SQL."""
    if connection.vendor == "postgresql":
        return f"CAST(date_part('{part}', {expr}) AS integer)"
    start, length = DatePart._SLICES[part]
    return f"CAST(substr({expr}, {start}, {length}) AS integer)"


def _band_sql(age: str) -> str:
    whens = " ".join(f"WHEN {age} >= {low} THEN '{code}'" for code, low, _ in reversed(AGE_BANDS) if low > 0)
    return f"CASE {whens} ELSE '{AGE_BANDS[0][0]}' END"


RECORD_BASE = "mon_base"


def _record_base(cursor, year: int | None) -> None:
    """The year's learning records (all of them without a year) with their learner's place, sex, age and groups
    and their provider's kind, read once for every measure of a recompute: `_base_events` selects each measure's
    events from it instead of joining the records to the profiles again per measure. The learner's side comes from
    the resident states, just rebuilt from the profiles (a join with one table rather than two)."""
    records = _t(LearningRecord)
    institutions = connection.ops.quote_name(LearningRecord._meta.get_field("provider").related_model._meta.db_table)
    where, params = "1 = 1", []
    if year is not None:
        where, params = "r.date >= %s AND r.date <= %s", [datetime.date(year, 1, 1), datetime.date(year, 12, 31)]
    yr = _date_part_sql("r.date", "year")
    # PostgreSQL would pull the subquery up and work the age out again in every branch of the band's CASE
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    cursor.execute(f"DROP TABLE IF EXISTS {RECORD_BASE}")
    cursor.execute(f"CREATE TEMP TABLE {RECORD_BASE} (id bigint, learner_id bigint, place_id bigint, sex varchar(1), "
                   "band varchar(8), gmask bigint, yr integer, mo integer, kind varchar(32), course_kind varchar(32), "
                   "pkind varchar(32), hours numeric(16, 1))")
    cursor.execute(f"""
        INSERT INTO {RECORD_BASE} (id, learner_id, place_id, sex, band, gmask, yr, mo, kind, course_kind, pkind,
                                   hours)
        SELECT id, learner_id, place_id, sex, {_band_sql("yr - age_base")}, gmask, yr, mo, kind, course_kind, pkind,
               hours
        FROM (SELECT r.id, r.learner_id, s.place_id, s.sex, s.age_base, s.gmask, {yr} AS yr,
                     {_date_part_sql("r.date", "month")} AS mo, r.kind, r.course_kind, COALESCE(i.kind, '') AS pkind,
                     r.hours
              FROM {records} r JOIN {_t(ResidentState)} s ON s.learner_id = r.learner_id
              LEFT JOIN {institutions} i ON i.id = r.provider_id
              WHERE {where}{fence}) x""", params)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {RECORD_BASE}")


def _in(column: str, values: list[str], params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def _base_events(stream: str, selection: dict, low: int, high: int) -> tuple[str, list] | None:
    """The SELECT of a records measure's events from the record base (EVENT_COLUMNS); None for the other sources
    (their events are read by `_events`)."""
    if selection["source"] != "records":
        return None
    params: list = []
    where = [_in(f"b.{column}", selection[field], params)
             for field, column in (("kind", "kind"), ("course_kind", "course_kind"), ("provider_kind", "pkind"))
             if field in selection]
    columns = "b.learner_id, b.place_id, b.sex, b.band, b.gmask, b.yr, b.mo, b.kind, b.pkind, b.hours"
    if stream == "record":
        sql = f"SELECT {columns}, 1 AS delta FROM {RECORD_BASE} b WHERE b.id > %s AND b.id <= %s"
        params = [low, high, *params]
    else:
        outcomes = _t(Outcome)
        if "credit_class" in selection:
            where.append(_in("o.credit_class", selection["credit_class"], params))
        if stream == "outcome":
            sql = (f"SELECT {columns}, 1 AS delta FROM {outcomes} o JOIN {RECORD_BASE} b ON b.id = o.learning_record_id "
                   f"WHERE o.id > %s AND o.id <= %s")
        else:
            sql = (f"SELECT {columns}, -1 AS delta FROM {_t(LedgerEntry)} e JOIN {outcomes} o ON o.id = e.outcome_id "
                   f"JOIN {RECORD_BASE} b ON b.id = o.learning_record_id "
                   f"WHERE e.reason = 'reversal' AND e.id > %s AND e.id <= %s")
        params = [low, high, *params]
    return sql + "".join(f" AND {w}" for w in where), params


def _apply(cursor, measure: Measure, ranges: dict[str, tuple[int, int]], year: int | None = None, *,
           fresh: bool = False) -> None:
    """Fold the events of `ranges` (stream → (low, high]) into the measure's rollups.

    `fresh` (a recompute): the measure has no rollups for `year` (all years without one) — they were just thrown
    away — and the record base (`_record_base`) holds that year's records. A records measure's events are then
    selected from the base (read in place when they are plain records, without a copy), and the person-years and
    cells are written straight, with no earlier state to take out."""
    mid = measure.pk
    py, pc, tc, anc = _t(PersonYear), _t(PersonCell), _t(TimeCell), _t(PlaceAncestor)
    events, events_params = "mon_ev", []
    found = {stream: _base_events(stream, measure.selection, low, high) if fresh else None
             for stream, (low, high) in ranges.items()}
    if list(found) == ["record"] and found["record"] is not None:
        sql, events_params = found["record"]
        events = f"({sql}) ev"
    else:
        cursor.execute("DROP TABLE IF EXISTS mon_ev")
        cursor.execute("CREATE TEMP TABLE mon_ev (learner_id bigint, place_id bigint, sex varchar(1), "
                       "band varchar(8), gmask bigint, yr integer, mo integer, kind varchar(32), pkind varchar(32), "
                       "hours numeric(16, 1), delta integer)")
        for stream, (low, high) in ranges.items():
            sql, params = found[stream] or _events(stream, measure.selection, low, high, year).query.sql_with_params()
            cursor.execute(f"INSERT INTO mon_ev ({', '.join(EVENT_COLUMNS)}) {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE mon_ev")
    # person-times and hours, summed per place first, then added at every level of the learner's place
    # (fresh: into a table of the new cells, reconciled with the old ones at the end)
    if fresh:
        cursor.execute("DROP TABLE IF EXISTS mon_tc")
        cursor.execute("CREATE TEMP TABLE mon_tc (measure_id bigint, year integer, month integer, place_id bigint, "
                       "sex varchar(1), age_band varchar(8), record_kind varchar(32), provider_kind varchar(32), "
                       "person_times integer, hours numeric(18, 1))")
    cells = f"""
        INSERT INTO {"mon_tc" if fresh else tc} (measure_id, year, month, place_id, sex, age_band, record_kind,
                                                 provider_kind, person_times, hours)
        SELECT %s, x.yr, x.mo, a.ancestor_id, x.sex, x.band, x.kind, x.pkind, SUM(x.t), SUM(x.h)
        FROM (SELECT yr, mo, place_id, sex, band, kind, pkind, SUM(delta) AS t, SUM(delta * hours) AS h
              FROM {events} GROUP BY yr, mo, place_id, sex, band, kind, pkind) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY x.yr, x.mo, a.ancestor_id, x.sex, x.band, x.kind, x.pkind"""
    if fresh:
        cells += " HAVING SUM(x.t) <> 0 OR SUM(x.h) <> 0"
    else:
        cells += f"""
        ON CONFLICT (measure_id, year, month, place_id, sex, age_band, record_kind, provider_kind) DO UPDATE
        SET person_times = {tc}.person_times + EXCLUDED.person_times, hours = {tc}.hours + EXCLUDED.hours"""
    cursor.execute(cells, [mid, *events_params])
    # per person and year: counts per month
    months = ", ".join(f"c{i}" for i in range(1, 13))
    sums = ", ".join(f"SUM(CASE WHEN mo = {i} THEN delta ELSE 0 END)" for i in range(1, 13))
    cursor.execute("DROP TABLE IF EXISTS mon_pyd")
    cursor.execute("CREATE TEMP TABLE mon_pyd (learner_id bigint, yr integer, place_id bigint, sex varchar(1), "
                   f"band varchar(8), gmask bigint, {', '.join(f'c{i} integer' for i in range(1, 13))})")
    cursor.execute(f"INSERT INTO mon_pyd (learner_id, yr, place_id, sex, band, gmask, {months}) "
                   f"SELECT learner_id, yr, MIN(place_id), MIN(sex), MIN(band), MIN(gmask), {sums} FROM {events} "
                   f"GROUP BY learner_id, yr", events_params)
    if fresh:
        _apply_fresh(cursor, mid, months, year)
        return
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE mon_pyd")
    # the affected person-years as they were
    cursor.execute("DROP TABLE IF EXISTS mon_old")
    cursor.execute("CREATE TEMP TABLE mon_old (yr integer, place_id bigint, sex varchar(1), band varchar(8), "
                   "gmask bigint, mask integer)")
    cursor.execute(f"""
        INSERT INTO mon_old (yr, place_id, sex, band, gmask, mask)
        SELECT p.year, p.place_id, p.sex, p.age_band, p.gmask, p.mask FROM {py} p
        JOIN mon_pyd d ON p.learner_id = d.learner_id AND p.year = d.yr
        WHERE p.measure_id = %s AND p.mask <> 0""", [mid])
    updated = ", ".join(f"c{i} = {py}.c{i} + EXCLUDED.c{i}" for i in range(1, 13))
    cursor.execute(f"""
        INSERT INTO {py} (measure_id, learner_id, year, place_id, sex, age_band, gmask, {months}, mask)
        SELECT %s, d.learner_id, d.yr, d.place_id, d.sex, d.band, d.gmask, {', '.join(f'd.c{i}' for i in range(1, 13))},
               {_mask_expr('d.c{i}')}
        FROM mon_pyd d WHERE 1 = 1
        ON CONFLICT (measure_id, learner_id, year) DO UPDATE
        SET {updated}, mask = {_mask_expr(py + '.c{i} + EXCLUDED.c{i}')}""", [mid])
    # cells: the old masks out, the new ones in (counted per place first, then added at every level)
    cursor.execute(f"""
        INSERT INTO {pc} (measure_id, year, place_id, sex, age_band, gmask, mask, persons)
        SELECT %s, x.yr, a.ancestor_id, x.sex, x.band, x.gmask, x.mask, -SUM(x.n)
        FROM (SELECT yr, place_id, sex, band, gmask, mask, COUNT(*) AS n FROM mon_old
              GROUP BY yr, place_id, sex, band, gmask, mask) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY x.yr, a.ancestor_id, x.sex, x.band, x.gmask, x.mask
        ON CONFLICT (measure_id, year, place_id, sex, age_band, gmask, mask) DO UPDATE
        SET persons = {pc}.persons + EXCLUDED.persons""", [mid])
    cursor.execute(f"""
        INSERT INTO {pc} (measure_id, year, place_id, sex, age_band, gmask, mask, persons)
        SELECT %s, x.year, a.ancestor_id, x.sex, x.age_band, x.gmask, x.mask, SUM(x.n)
        FROM (SELECT p.year, p.place_id, p.sex, p.age_band, p.gmask, p.mask, COUNT(*) AS n
              FROM {py} p JOIN mon_pyd d ON p.learner_id = d.learner_id AND p.year = d.yr
              WHERE p.measure_id = %s AND p.mask <> 0
              GROUP BY p.year, p.place_id, p.sex, p.age_band, p.gmask, p.mask) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY x.year, a.ancestor_id, x.sex, x.age_band, x.gmask, x.mask
        ON CONFLICT (measure_id, year, place_id, sex, age_band, gmask, mask) DO UPDATE
        SET persons = {pc}.persons + EXCLUDED.persons""", [mid, mid])
    # nothing kept that counts nothing
    cursor.execute(f"DELETE FROM {pc} WHERE measure_id = %s AND persons = 0", [mid])
    cursor.execute(f"DELETE FROM {tc} WHERE measure_id = %s AND person_times = 0 AND hours = 0", [mid])
    cursor.execute(f"DELETE FROM {py} WHERE measure_id = %s AND mask = 0", [mid])
    for name in ("mon_ev", "mon_pyd", "mon_old"):
        cursor.execute(f"DROP TABLE {name}")


PERSON_YEAR_COLUMNS = ("measure_id", "learner_id", "year", "place_id", "sex", "age_band", "gmask",
                       *[f"c{i}" for i in range(1, 13)], "mask")
PERSON_CELL_COLUMNS = ("measure_id", "year", "place_id", "sex", "age_band", "gmask", "mask", "persons")
TIME_CELL_COLUMNS = ("measure_id", "year", "month", "place_id", "sex", "age_band", "record_kind", "provider_kind",
                     "person_times", "hours")


def _apply_fresh(cursor, mid: int, months: str, year: int | None) -> None:
    """`_apply`'s last steps in a recompute: the person-years and the cells worked out anew from the events alone
    (into temporary tables), then reconciled with the measure's rollups of the year: rows that differ or should not
    be there deleted, missing ones inserted. A recompute that finds the rollups right writes nothing."""
    cursor.execute("DROP TABLE IF EXISTS mon_py")
    cursor.execute(f"CREATE TEMP TABLE mon_py (measure_id bigint, learner_id bigint, year integer, place_id bigint, "
                   f"sex varchar(1), age_band varchar(8), gmask bigint, {', '.join(f'c{i} integer' for i in range(1, 13))}, "
                   f"mask integer)")
    cursor.execute(f"""
        INSERT INTO mon_py ({', '.join(PERSON_YEAR_COLUMNS)})
        SELECT %s, learner_id, yr, place_id, sex, band, gmask, {months}, mask
        FROM (SELECT d.*, {_mask_expr('d.c{i}')} AS mask FROM mon_pyd d) x WHERE mask <> 0""", [mid])
    cursor.execute("DROP TABLE IF EXISTS mon_pc")
    cursor.execute("CREATE TEMP TABLE mon_pc (measure_id bigint, year integer, place_id bigint, sex varchar(1), "
                   "age_band varchar(8), gmask bigint, mask integer, persons integer)")
    cursor.execute(f"""
        INSERT INTO mon_pc ({', '.join(PERSON_CELL_COLUMNS)})
        SELECT %s, x.year, a.ancestor_id, x.sex, x.age_band, x.gmask, x.mask, SUM(x.n)
        FROM (SELECT year, place_id, sex, age_band, gmask, mask, COUNT(*) AS n FROM mon_py
              GROUP BY year, place_id, sex, age_band, gmask, mask) x
        JOIN {_t(PlaceAncestor)} a ON a.place_id = x.place_id
        GROUP BY x.year, a.ancestor_id, x.sex, x.age_band, x.gmask, x.mask""", [mid])
    scope, params = ("t.measure_id = %s AND t.year = %s", [mid, year]) if year is not None else (
        "t.measure_id = %s", [mid])
    for model, new, columns in ((PersonYear, "mon_py", PERSON_YEAR_COLUMNS), (PersonCell, "mon_pc", PERSON_CELL_COLUMNS),
                                (TimeCell, "mon_tc", TIME_CELL_COLUMNS)):
        _reconcile(cursor, _t(model), new, columns, scope, params)
    for name in ("mon_ev", "mon_pyd", "mon_py", "mon_pc", "mon_tc"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _reconcile(cursor, table: str, new: str, columns: tuple[str, ...], scope: str, params: list, *,
               pk: str = "id") -> None:
    """Make the rows of `table` within `scope` (a condition on `t`) exactly the rows of `new`: delete every row
    that `new` does not hold as it is, then insert the rows of `new` that are not there (all columns NOT NULL)."""
    same = " AND ".join(f"n.{c} = t.{c}" for c in columns)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {new}")  # else a nested loop over the temporary table's rows
    else:  # SQLite joins by nested loops: look the rows up by an index rather than scanning for each one
        cursor.execute(f"CREATE INDEX {new}_all ON {new} ({', '.join(columns)})")
    cursor.execute(f"DELETE FROM {table} WHERE {pk} IN (SELECT t.{pk} FROM {table} t WHERE {scope} "
                   f"AND NOT EXISTS (SELECT 1 FROM {new} n WHERE {same}))", params)
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(f'n.{c}' for c in columns)} "
                   f"FROM {new} n WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {scope} AND {same})", params)


def _bulk_settings(cursor) -> None:
    """On PostgreSQL, room for the statements' hashes and sorts in memory for this transaction, and no JIT (it
    would spend most of a second compiling each big statement, to save less)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")


def _locked_watermarks() -> dict[int, list[Watermark]]:
    out: dict[int, list[Watermark]] = {}
    for w in Watermark.objects.select_for_update().order_by("pk"):
        out.setdefault(w.measure_id, []).append(w)
    return out


def rollups_refresh() -> int:
    """Fold every event past the watermarks into the rollups; returns how many (measure, stream) ranges ran.
    Marks the time (`RefreshMark`, the pages' "数据更新于") and, when a figure may have changed, bumps the
    "monitoring" cache version in the same transaction, so cached pages and fragments are dropped with it."""
    ran = 0
    with transaction.atomic():
        changed = not _closure_current()
        measures = measures_sync()
        marks = _locked_watermarks()
        closure_sync()
        group_bits_sync()
        maxima = _stream_maxima()
        with connection.cursor() as cursor:
            _bulk_settings(cursor)
            if _residents_behind():
                _residents_apply(cursor)
                changed = True
            for m in measures:
                ranges = {w.stream: (w.last_id, maxima[w.stream]) for w in marks.get(m.pk, [])
                          if maxima[w.stream] > w.last_id}
                if not ranges:
                    continue
                _apply(cursor, m, ranges)
                ran += len(ranges)
                for w in marks[m.pk]:
                    if w.stream in ranges:
                        w.last_id = ranges[w.stream][1]
                        w.save(update_fields=["last_id", "updated_at"])
        _refreshed(changed or ran > 0)
    return ran


def _refreshed(changed: bool) -> None:
    """Stamp the refresh; a refresh that changed the rollups drops the cached monitoring pages (same transaction)."""
    from learncity.core.cache import bump

    now = timezone.now()
    if not RefreshMark.objects.update(refreshed_at=now):
        RefreshMark.objects.create(refreshed_at=now)
    if changed:
        bump("monitoring")


@dataclass(frozen=True)
class Freshness:
    """How fresh the figures are: when the rollups were last brought up to date, and whether learning records,
    outcomes, reversals, volunteer services or learners have arrived since (the figures are older than the data)."""

    as_of: datetime.datetime | None
    behind: bool


def rollups_freshness() -> Freshness:
    """One query over primary-key maxima and the watermarks (cheap at any size): for every page's note."""
    mark, wm, profiles, rmark = _t(RefreshMark), _t(Watermark), _t(LearnerProfile), _t(ResidentMark)
    laps = " OR ".join(
        f"COALESCE((SELECT MAX(id) FROM {_t(STREAM_MODELS[s])}), 0) > "
        f"COALESCE((SELECT MIN(last_id) FROM {wm} WHERE stream = '{s}'), "
        f"(SELECT MAX(id) FROM {_t(STREAM_MODELS[s])}))" for s in STREAM_ORDER)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MAX(refreshed_at) FROM {mark}), CASE WHEN {laps} OR "
                       f"COALESCE((SELECT MAX(id) FROM {profiles}), 0) > COALESCE((SELECT MAX(last_id) FROM {rmark}), 0) "
                       f"THEN 1 ELSE 0 END")
        as_of, behind = cursor.fetchone()
    if as_of is not None and not isinstance(as_of, datetime.datetime):  # SQLite hands back text
        as_of = datetime.datetime.fromisoformat(as_of)
    if as_of is not None and timezone.is_naive(as_of):
        as_of = timezone.make_aware(as_of, datetime.UTC)
    return Freshness(as_of, bool(behind))


def rollups_recompute(year: int | None = None) -> None:
    """Rebuild a year's rollups (or all of them) from the raw rows, up to the watermarks: worked out anew and
    reconciled with what is there (what differs is replaced; rollups found right are not written again)."""
    with transaction.atomic():
        rollups_refresh()
        marks = _locked_watermarks()
        rebuilt = [m for m in Measure.objects.order_by("pk") if any(w.last_id > 0 for w in marks.get(m.pk, []))]
        for table in (PersonCell, TimeCell, PersonYear):  # the rollups of measures with nothing to count
            qs = table.objects.exclude(measure__in=rebuilt)
            if year is not None:
                qs = qs.filter(year=year)
            qs.delete()
        with connection.cursor() as cursor:
            _bulk_settings(cursor)
            if connection.vendor == "postgresql":  # the reconciliations join the rollups: plan them on fresh figures
                for model in (PersonYear, PersonCell, TimeCell, ResidentState, ResidentCell):
                    cursor.execute(f"ANALYZE {_t(model)}")
            _residents_apply(cursor, full=True)
            _record_base(cursor, year)
            for m in rebuilt:
                ranges = {w.stream: (0, w.last_id) for w in marks.get(m.pk, []) if w.last_id > 0}
                _apply(cursor, m, ranges, year, fresh=True)
            cursor.execute(f"DROP TABLE {RECORD_BASE}")
        _refreshed(True)


def rollups_snapshot(year: int | None = None) -> dict[str, set]:
    """Every rollup row as a set of tuples (for `verify` and the tests)."""
    def rows(model, fields):
        qs = model.objects.all()
        if year is not None:
            qs = qs.filter(year=year)
        return set(qs.values_list(*fields))

    return {
        "person_year": rows(PersonYear, ["measure_id", "learner_id", "year", "gmask", "mask",
                                         *[f"c{i}" for i in range(1, 13)]]),
        "person_cell": rows(PersonCell, ["measure_id", "year", "place_id", "sex", "age_band", "gmask", "mask",
                                         "persons"]),
        "time_cell": rows(TimeCell, ["measure_id", "year", "month", "place_id", "sex", "age_band", "record_kind",
                                     "provider_kind", "person_times", "hours"]),
        "resident_state": set(ResidentState.objects.values_list("learner_id", "place_id", "sex", "age_base", "gmask",
                                                                "since")),
        "resident_cell": set(ResidentCell.objects.values_list("place_id", "sex", "age_base", "gmask", "since",
                                                              "residents")),
    }


# --- reading ------------------------------------------------------------------------------------------

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
