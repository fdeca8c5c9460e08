"""Refresh (past the watermarks, in one transaction under their locks), recompute (a year anew, reconciled with
the rollups), how fresh the figures are, and a snapshot of every rollup row."""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from learncity.core.cache import bump
from learncity.monitoring.models import (
    Measure,
    PersonCell,
    PersonYear,
    RefreshMark,
    ResidentCell,
    ResidentMark,
    ResidentState,
    TimeCell,
    Watermark,
)
from learncity.monitoring.rollups.apply import _apply
from learncity.monitoring.rollups.closure import _closure_current, closure_sync
from learncity.monitoring.rollups.events import RECORD_BASE, _record_base
from learncity.monitoring.rollups.measures import STREAM_MODELS, STREAM_ORDER, _stream_maxima, measures_sync
from learncity.monitoring.rollups.residents import _residents_apply, _residents_behind, group_bits_sync
from learncity.monitoring.rollups.sql import rollup_sql
from learncity.monitoring.rollups.tables import _t
from learncity.people.models import LearnerProfile


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
            rollup_sql().bulk_settings(cursor)
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
            sql = rollup_sql()
            sql.bulk_settings(cursor)
            for model in (PersonYear, PersonCell, TimeCell, ResidentState, ResidentCell):
                sql.analyze(cursor, _t(model))  # the reconciliations join the rollups: plan them on fresh figures
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

