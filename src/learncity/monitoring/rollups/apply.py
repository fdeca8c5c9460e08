"""Folding a batch of events into a measure's person-years and cells (incrementally, or afresh in a recompute)."""




from learncity.monitoring.models import (
    Measure,
    PersonCell,
    PersonYear,
    PlaceAncestor,
    TimeCell,
)
from learncity.monitoring.rollups.events import EVENT_COLUMNS, _base_events, _events
from learncity.monitoring.rollups.sql import rollup_sql
from learncity.monitoring.rollups.tables import (
    PERSON_CELL_COLUMNS,
    PERSON_YEAR_COLUMNS,
    TIME_CELL_COLUMNS,
    _mask_expr,
    _reconcile,
    _t,
)


def _apply(cursor, measure: Measure, ranges: dict[str, tuple[int, int]], year: int | None = None, *,
           fresh: bool = False) -> None:
    """Fold the events of `ranges` (stream → (low, high]) into the measure's rollups.

    `fresh` (a recompute): the measure has no rollups for `year` (all years without one) — they were just thrown
    away — and the record base (`_record_base`) holds that year's records. A records measure's events are then
    selected from the base (read in place when they are plain records, without a copy), and the person-years and
    cells are written straight, with no earlier state to take out."""
    events, params = _events_of(cursor, measure, ranges, year, fresh=fresh)
    _time_cells(cursor, measure.pk, events, params, fresh=fresh)
    _person_year_counts(cursor, events, params)
    if fresh:
        _apply_fresh(cursor, measure.pk, MONTHS, year)
    else:
        _person_years_and_cells(cursor, measure.pk)


MONTHS = ", ".join(f"c{i}" for i in range(1, 13))


def _events_of(cursor, measure: Measure, ranges: dict[str, tuple[int, int]], year: int | None, *,
               fresh: bool) -> tuple[str, list]:
    """(what to select the batch's events FROM, its parameters): the record base read in place (a recompute of
    plain records), or a temporary table `mon_ev` filled stream by stream."""
    found = {stream: _base_events(stream, measure.selection, low, high) if fresh else None
             for stream, (low, high) in ranges.items()}
    if list(found) == ["record"] and found["record"] is not None:
        sql, params = found["record"]
        return f"({sql}) ev", params
    cursor.execute("DROP TABLE IF EXISTS mon_ev")
    cursor.execute("CREATE TEMP TABLE mon_ev (learner_id bigint, place_id bigint, sex varchar(1), "
                   "band varchar(8), gmask bigint, yr integer, mo integer, kind varchar(32), pkind varchar(32), "
                   "hours numeric(16, 1), delta integer)")
    for stream, (low, high) in ranges.items():
        sql, params = found[stream] or _events(stream, measure.selection, low, high, year).query.sql_with_params()
        cursor.execute(f"INSERT INTO mon_ev ({', '.join(EVENT_COLUMNS)}) {sql}", params)
    rollup_sql().analyze(cursor, "mon_ev")
    return "mon_ev", []


def _time_cells(cursor, mid: int, events: str, params: list, *, fresh: bool) -> None:
    """Person-times and hours, summed per place first, then added at every level of the learner's place (fresh:
    into a table of the new cells, reconciled with the old ones at the end)."""
    tc, anc = _t(TimeCell), _t(PlaceAncestor)
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
    cursor.execute(cells, [mid, *params])


def _person_year_counts(cursor, events: str, params: list) -> None:
    """The batch per person and year, a count per month: `mon_pyd`."""
    sums = ", ".join(f"SUM(CASE WHEN mo = {i} THEN delta ELSE 0 END)" for i in range(1, 13))
    cursor.execute("DROP TABLE IF EXISTS mon_pyd")
    cursor.execute("CREATE TEMP TABLE mon_pyd (learner_id bigint, yr integer, place_id bigint, sex varchar(1), "
                   f"band varchar(8), gmask bigint, {', '.join(f'c{i} integer' for i in range(1, 13))})")
    cursor.execute(f"INSERT INTO mon_pyd (learner_id, yr, place_id, sex, band, gmask, {MONTHS}) "
                   f"SELECT learner_id, yr, MIN(place_id), MIN(sex), MIN(band), MIN(gmask), {sums} FROM {events} "
                   f"GROUP BY learner_id, yr", params)


def _person_years_and_cells(cursor, mid: int) -> None:
    """`_apply`'s last steps in a refresh: the batch's counts (`mon_pyd`) added to the person-years, and the
    person cells updated: the affected person-years' old masks out, the new ones in."""
    py, pc, tc, anc = _t(PersonYear), _t(PersonCell), _t(TimeCell), _t(PlaceAncestor)
    months = MONTHS
    rollup_sql().analyze(cursor, "mon_pyd")
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


