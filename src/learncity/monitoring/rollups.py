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
- `PersonCell` (measure, year, place, sex, age band, mask) → persons. Distinct persons in a period P inside the
  year are SUM(persons) WHERE mask & P ≠ 0 — exact for any month, quarter, year or whole-month range.
  An update takes the affected person-years' old masks out of the cells and puts the new ones in.

Every step is one set-based SQL statement over the batch; a refresh runs in one transaction under the
watermarks' row locks, so concurrent refreshes queue instead of counting twice. `rollups_recompute(year)`
throws a year's rollups away and rebuilds them from the raw rows with the same statements.

Known limits: a learner who moves keeps their earlier events under the old place until a recompute; on
PostgreSQL a transaction that commits a lower id after a refresh has passed a higher one is missed until a
recompute (run `learncity monitoring recompute` nightly, or `learncity monitoring verify`).
"""

import datetime
import json

from django.db import connection, transaction
from django.db.models import Case, Count, F, Func, IntegerField, Max, Min, Sum, Value, When
from django.db.models.functions import Coalesce

from learncity.catalog.models import LearningRecord, VolunteerService
from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.places.models import AGE_BANDS, Place

from .models import (
    IndicatorVersion,
    IndicatorVersionStatus,
    Measure,
    PersonCell,
    PersonYear,
    PlaceAncestor,
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
    maxima = _stream_maxima()
    lows = Watermark.objects.filter(measure_id__in=have.values()).values("stream").annotate(low=Min("last_id"))
    return any(row["low"] < maxima[row["stream"]] for row in lows)


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

EVENT_COLUMNS = ("learner_id", "place_id", "sex", "band", "yr", "mo", "kind", "pkind", "hours", "delta")


class DatePart(Func):
    """The year, month or day of a date as an integer, natively on both databases (Django's Extract runs a Python
    function per row on SQLite)."""

    output_field = IntegerField()
    _SLICES = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}

    def __init__(self, expression, part: str):
        self.part = part
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template=f"CAST(EXTRACT({self.part.upper()} FROM %(expressions)s) AS integer)", **extra)

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
    )
    return qs.order_by().values_list("e_learner", "e_place", "e_sex", "e_band", "e_yr", "e_mo", "e_kind", "e_pkind",
                                     "e_hours", "e_delta")


# --- applying a batch ----------------------------------------------------------------------------------

def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _mask_expr(prefix: str) -> str:
    return " + ".join(f"(CASE WHEN {prefix.format(i=i)} > 0 THEN {1 << (i - 1)} ELSE 0 END)" for i in range(1, 13))


def _apply(cursor, measure: Measure, ranges: dict[str, tuple[int, int]], year: int | None = None) -> None:
    """Fold the events of `ranges` (stream → (low, high]) into the measure's rollups."""
    mid = measure.pk
    py, pc, tc, anc = _t(PersonYear), _t(PersonCell), _t(TimeCell), _t(PlaceAncestor)
    cursor.execute("DROP TABLE IF EXISTS mon_ev")
    cursor.execute("CREATE TEMP TABLE mon_ev (learner_id bigint, place_id bigint, sex varchar(1), band varchar(8), "
                   "yr integer, mo integer, kind varchar(32), pkind varchar(32), hours numeric(16, 1), delta integer)")
    for stream, (low, high) in ranges.items():
        sql, params = _events(stream, measure.selection, low, high, year).query.sql_with_params()
        cursor.execute(f"INSERT INTO mon_ev ({', '.join(EVENT_COLUMNS)}) {sql}", params)
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE mon_ev")
    # person-times and hours, summed per place first, then added at every level of the learner's place
    cursor.execute(f"""
        INSERT INTO {tc} (measure_id, year, month, place_id, sex, age_band, record_kind, provider_kind,
                          person_times, hours)
        SELECT %s, x.yr, x.mo, a.ancestor_id, x.sex, x.band, x.kind, x.pkind, SUM(x.t), SUM(x.h)
        FROM (SELECT yr, mo, place_id, sex, band, kind, pkind, SUM(delta) AS t, SUM(delta * hours) AS h
              FROM mon_ev GROUP BY yr, mo, place_id, sex, band, kind, pkind) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY x.yr, x.mo, a.ancestor_id, x.sex, x.band, x.kind, x.pkind
        ON CONFLICT (measure_id, year, month, place_id, sex, age_band, record_kind, provider_kind) DO UPDATE
        SET person_times = {tc}.person_times + EXCLUDED.person_times, hours = {tc}.hours + EXCLUDED.hours""", [mid])
    # per person and year: counts per month
    months = ", ".join(f"c{i}" for i in range(1, 13))
    sums = ", ".join(f"SUM(CASE WHEN mo = {i} THEN delta ELSE 0 END)" for i in range(1, 13))
    cursor.execute("DROP TABLE IF EXISTS mon_pyd")
    cursor.execute("CREATE TEMP TABLE mon_pyd (learner_id bigint, yr integer, place_id bigint, sex varchar(1), "
                   f"band varchar(8), {', '.join(f'c{i} integer' for i in range(1, 13))})")
    cursor.execute(f"INSERT INTO mon_pyd (learner_id, yr, place_id, sex, band, {months}) "
                   f"SELECT learner_id, yr, MIN(place_id), MIN(sex), MIN(band), {sums} FROM mon_ev GROUP BY learner_id, yr")
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE mon_pyd")
    # the affected person-years as they were
    cursor.execute("DROP TABLE IF EXISTS mon_old")
    cursor.execute("CREATE TEMP TABLE mon_old (yr integer, place_id bigint, sex varchar(1), band varchar(8), "
                   "mask integer)")
    cursor.execute(f"""
        INSERT INTO mon_old (yr, place_id, sex, band, mask)
        SELECT p.year, p.place_id, p.sex, p.age_band, p.mask FROM {py} p
        JOIN mon_pyd d ON p.learner_id = d.learner_id AND p.year = d.yr
        WHERE p.measure_id = %s AND p.mask <> 0""", [mid])
    updated = ", ".join(f"c{i} = {py}.c{i} + EXCLUDED.c{i}" for i in range(1, 13))
    cursor.execute(f"""
        INSERT INTO {py} (measure_id, learner_id, year, place_id, sex, age_band, {months}, mask)
        SELECT %s, d.learner_id, d.yr, d.place_id, d.sex, d.band, {', '.join(f'd.c{i}' for i in range(1, 13))},
               {_mask_expr('d.c{i}')}
        FROM mon_pyd d WHERE 1 = 1
        ON CONFLICT (measure_id, learner_id, year) DO UPDATE
        SET {updated}, mask = {_mask_expr(py + '.c{i} + EXCLUDED.c{i}')}""", [mid])
    # cells: the old masks out, the new ones in (counted per place first, then added at every level)
    cursor.execute(f"""
        INSERT INTO {pc} (measure_id, year, place_id, sex, age_band, mask, persons)
        SELECT %s, x.yr, a.ancestor_id, x.sex, x.band, x.mask, -SUM(x.n)
        FROM (SELECT yr, place_id, sex, band, mask, COUNT(*) AS n FROM mon_old
              GROUP BY yr, place_id, sex, band, mask) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY x.yr, a.ancestor_id, x.sex, x.band, x.mask
        ON CONFLICT (measure_id, year, place_id, sex, age_band, mask) DO UPDATE
        SET persons = {pc}.persons + EXCLUDED.persons""", [mid])
    cursor.execute(f"""
        INSERT INTO {pc} (measure_id, year, place_id, sex, age_band, mask, persons)
        SELECT %s, x.year, a.ancestor_id, x.sex, x.age_band, x.mask, SUM(x.n)
        FROM (SELECT p.year, p.place_id, p.sex, p.age_band, p.mask, COUNT(*) AS n
              FROM {py} p JOIN mon_pyd d ON p.learner_id = d.learner_id AND p.year = d.yr
              WHERE p.measure_id = %s AND p.mask <> 0
              GROUP BY p.year, p.place_id, p.sex, p.age_band, p.mask) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY x.year, a.ancestor_id, x.sex, x.age_band, x.mask
        ON CONFLICT (measure_id, year, place_id, sex, age_band, mask) DO UPDATE
        SET persons = {pc}.persons + EXCLUDED.persons""", [mid, mid])
    # nothing kept that counts nothing
    cursor.execute(f"DELETE FROM {pc} WHERE measure_id = %s AND persons = 0", [mid])
    cursor.execute(f"DELETE FROM {tc} WHERE measure_id = %s AND person_times = 0 AND hours = 0", [mid])
    cursor.execute(f"DELETE FROM {py} WHERE measure_id = %s AND mask = 0", [mid])
    for name in ("mon_ev", "mon_pyd", "mon_old"):
        cursor.execute(f"DROP TABLE {name}")


def _locked_watermarks() -> dict[int, list[Watermark]]:
    out: dict[int, list[Watermark]] = {}
    for w in Watermark.objects.select_for_update().order_by("pk"):
        out.setdefault(w.measure_id, []).append(w)
    return out


def rollups_refresh() -> int:
    """Fold every event past the watermarks into the rollups; returns how many (measure, stream) ranges ran."""
    ran = 0
    with transaction.atomic():
        measures = measures_sync()
        marks = _locked_watermarks()
        closure_sync()
        maxima = _stream_maxima()
        with connection.cursor() as cursor:
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
    return ran


def rollups_recompute(year: int | None = None) -> None:
    """Throw away a year's rollups (or all of them) and rebuild them from the raw rows, up to the watermarks."""
    with transaction.atomic():
        rollups_refresh()
        marks = _locked_watermarks()
        for table in (PersonCell, TimeCell, PersonYear):
            qs = table.objects.all()
            if year is not None:
                qs = qs.filter(year=year)
            qs.delete()
        with connection.cursor() as cursor:
            for m in Measure.objects.order_by("pk"):
                ranges = {w.stream: (0, w.last_id) for w in marks.get(m.pk, []) if w.last_id > 0}
                if ranges:
                    _apply(cursor, m, ranges, year)


def rollups_snapshot(year: int | None = None) -> dict[str, set]:
    """Every rollup row as a set of tuples (for `verify` and the tests)."""
    def rows(model, fields):
        qs = model.objects.all()
        if year is not None:
            qs = qs.filter(year=year)
        return set(qs.values_list(*fields))

    return {
        "person_year": rows(PersonYear, ["measure_id", "learner_id", "year", "mask",
                                         *[f"c{i}" for i in range(1, 13)]]),
        "person_cell": rows(PersonCell, ["measure_id", "year", "place_id", "sex", "age_band", "mask", "persons"]),
        "time_cell": rows(TimeCell, ["measure_id", "year", "month", "place_id", "sex", "age_band", "record_kind",
                                     "provider_kind", "person_times", "hours"]),
    }


# --- reading ------------------------------------------------------------------------------------------

def persons_count(measure: Measure, *, year: int, mask: int, place_id: int, bands: list[str] | None = None,
                  sexes: list[str] | None = None, group_codes: list[str] | None = None) -> int:
    """Distinct persons of the measure active in the months of `mask` of `year`, living under the place."""
    if group_codes:
        from learncity.people.models import LearnerProfile

        qs = PersonYear.objects.filter(
            measure=measure, year=year,
            place_id__in=PlaceAncestor.objects.filter(ancestor_id=place_id).values("place_id"),
            learner_id__in=LearnerProfile.groups.through.objects.filter(
                learnergroup__code__in=group_codes).values("learnerprofile_id"))
        if bands is not None:
            qs = qs.filter(age_band__in=bands)
        if sexes is not None:
            qs = qs.filter(sex__in=sexes)
        return qs.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).count()
    qs = PersonCell.objects.filter(measure=measure, year=year, place_id=place_id)
    if bands is not None:
        qs = qs.filter(age_band__in=bands)
    if sexes is not None:
        qs = qs.filter(sex__in=sexes)
    return qs.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).aggregate(n=Sum("persons"))["n"] or 0


def persons_by(measure: Measure, dim: str, *, year: int, mask: int, place_id: int, bands=None, sexes=None,
               group_codes=None) -> dict[str, int]:
    """persons_count broken down by "sex", "age_band" or "group" (a person counts once in each of their groups)."""
    if dim == "group":
        from learncity.people.models import LearnerProfile

        through = LearnerProfile.groups.through
        py = PersonYear.objects.filter(
            measure=measure, year=year,
            place_id__in=PlaceAncestor.objects.filter(ancestor_id=place_id).values("place_id"))
        if bands is not None:
            py = py.filter(age_band__in=bands)
        if sexes is not None:
            py = py.filter(sex__in=sexes)
        learners = py.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).values("learner_id")
        rows = through.objects.filter(learnerprofile_id__in=learners)
        if group_codes:
            rows = rows.filter(learnerprofile_id__in=through.objects.filter(
                learnergroup__code__in=group_codes).values("learnerprofile_id"))
        return dict(rows.values("learnergroup__code").annotate(n=Count("learnerprofile_id", distinct=True))
                    .values_list("learnergroup__code", "n"))
    if group_codes:
        return {key: persons_count(measure, year=year, mask=mask, place_id=place_id, group_codes=group_codes,
                                   bands=[key] if dim == "age_band" else bands,
                                   sexes=[key] if dim == "sex" else sexes)
                for key in (["M", "F"] if dim == "sex" else [b[0] for b in AGE_BANDS])}
    qs = PersonCell.objects.filter(measure=measure, year=year, place_id=place_id)
    if bands is not None:
        qs = qs.filter(age_band__in=bands)
    if sexes is not None:
        qs = qs.filter(sex__in=sexes)
    return dict(qs.annotate(hit=F("mask").bitand(mask)).filter(hit__gt=0).values(dim)
                .annotate(n=Sum("persons")).values_list(dim, "n"))


def times_sum(measure: Measure, *, year: int, months: list[int], place_id: int, bands=None, sexes=None,
              by: str | None = None):
    """(person_times, hours) of the measure in those months of the year under the place; or a dict by a dimension
    ("sex", "age_band", "record_kind", "provider_kind", "place_id")."""
    qs = TimeCell.objects.filter(measure=measure, year=year, month__in=months, place_id=place_id)
    if bands is not None:
        qs = qs.filter(age_band__in=bands)
    if sexes is not None:
        qs = qs.filter(sex__in=sexes)
    if by is None:
        agg = qs.aggregate(t=Sum("person_times"), h=Sum("hours"))
        return agg["t"] or 0, agg["h"] or 0
    return {k: (t or 0, h or 0) for k, t, h in qs.values(by).annotate(t=Sum("person_times"), h=Sum("hours"))
            .values_list(by, "t", "h")}


def selection_json(measure: Measure) -> str:
    return json.dumps(measure.selection, ensure_ascii=False)
