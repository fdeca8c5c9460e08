"""The events of a measure's streams: read by the ORM (`_events`), or, in a recompute, from the record base
(`_record_base`, the year's learning records with their learner's side, read once for every measure)."""

import datetime

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.monitoring.models import (
    ResidentState,
)
from learncity.monitoring.rollups.sql import rollup_sql
from learncity.monitoring.rollups.tables import _t
from learncity.places.models import AGE_BANDS
from learncity.pools.models import VolunteerService
from learncity.records.models import LearningRecord

EVENT_COLUMNS = ("learner_id", "place_id", "sex", "band", "gmask", "yr", "mo", "kind", "pkind", "hours", "delta")


class DatePart(Func):
    """The year, month or day of a date as an integer, natively on both databases (Django's Extract runs a Python
    function per row on SQLite; on PostgreSQL, date_part's double precision rather than EXTRACT's numeric, several
    times faster over millions of rows)."""

    output_field = IntegerField()

    def __init__(self, expression, part: str):
        self.part = part
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template=rollup_sql().date_part("%(expressions)s", self.part),
                              **extra)


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
    sql = rollup_sql()
    yr, fence = sql.date_part("r.date", "year"), sql.fence()
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
                     {sql.date_part("r.date", "month")} AS mo, r.kind, r.course_kind, COALESCE(i.kind, '') AS pkind,
                     r.hours
              FROM {records} r JOIN {_t(ResidentState)} s ON s.learner_id = r.learner_id
              LEFT JOIN {institutions} i ON i.id = r.provider_id
              WHERE {where}{fence}) x""", params)
    sql.analyze(cursor, RECORD_BASE)


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

