"""core.sql's bulk seam, one parity test a method: each runs the same data through the implementation of the
database the suite runs on and expects the same answer (CI runs the suite on SQLite and on PostgreSQL), so the
two implementations cannot drift apart. Through core.bulk, as the app calls it, and through the seam itself."""

import datetime

import pytest
from django.db import connection

from learncity.catalog.models import Course, CourseSession
from learncity.core import bulk
from learncity.core.sql import IMPLEMENTATIONS, bulk_sql

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "course_id", "date", "start", "end", "venue_id", "room", "online_url")


def session_rows(course_id: int, ids) -> list[tuple]:
    """Session rows with what the bulk paths write: a reserved word for a column ("end"), NULLs, text with quotes,
    tabs and line ends (which COPY escapes), dates and times as the database takes them."""
    adapt = connection.ops.adapt_timefield_value
    return [(i, course_id, datetime.date(2031, 1, 1) + datetime.timedelta(days=n), adapt(datetime.time(9)),
             adapt(datetime.time(10, 30)), None, f'室 "{n}"\t\\ \n', "") for n, i in enumerate(ids)]


def planned_rows(table: str) -> int | None:
    """The planner's row count of `table` from its statistics (None when it has none)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            n = cur.fetchone()[0]
            return None if n < 0 else n
        cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cur.fetchone():
            return None
        cur.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NOT NULL LIMIT 1", [table])
        row = cur.fetchone()
        return int(row[0].split()[0]) if row else None


def test_the_seam_is_chosen_by_the_connections_database():
    assert set(IMPLEMENTATIONS) == {"postgresql", "sqlite"}
    assert bulk_sql() is IMPLEMENTATIONS[connection.vendor]


def test_reserve_ids_gives_ids_past_every_existing_one_and_the_next_reservation_past_those():
    # given the sessions of the demo city
    largest = CourseSession.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # when ids are reserved twice, the first ones inserted in between
    first = bulk.next_ids(CourseSession, 3)
    bulk.insert_rows(CourseSession, COLUMNS, session_rows(Course.objects.order_by("pk").first().pk, first))
    second = bulk.next_ids(CourseSession, 2)

    # then each reservation is new ids, past the table's and the previous reservation's
    assert (len(first), len(second)) == (3, 2)
    assert first[0] > largest and second[0] > first[-1]
    # and the ORM's next row (the sequence on PostgreSQL) comes after them all, once they are used
    bulk.insert_rows(CourseSession, COLUMNS, session_rows(Course.objects.order_by("pk").first().pk, second))
    made = CourseSession.objects.create(course=Course.objects.order_by("pk").first(), date=datetime.date(2031, 2, 1),
                                        start=datetime.time(9), end=datetime.time(10))
    assert made.pk > second[-1]


def test_reserving_no_ids_gives_an_empty_range():
    assert len(bulk.next_ids(CourseSession, 0)) == 0


@pytest.mark.parametrize("count", [1, 10_001])  # 10,001: past one SQLite batch
def test_insert_rows_writes_every_row_as_given_and_counts_them(count):
    course = Course.objects.order_by("pk").first()
    rows = session_rows(course.pk, bulk.next_ids(CourseSession, count))

    assert bulk.insert_rows(CourseSession, COLUMNS, iter(rows)) == count

    written = list(CourseSession.objects.filter(pk__gte=rows[0][0]).order_by("pk")
                   .values_list("id", "course_id", "date", "start", "end", "venue_id", "room", "online_url"))
    assert written == [(i, c, d, datetime.time(9), datetime.time(10, 30), v, room, url)
                       for i, c, d, _, _, v, room, url in rows]


def test_insert_rows_of_nothing_writes_nothing():
    before = CourseSession.objects.count()
    assert bulk.insert_rows(CourseSession, COLUMNS, iter(())) == 0
    assert CourseSession.objects.count() == before


def test_analyze_leaves_the_planner_the_tables_row_count():
    # given rows written in bulk
    course = Course.objects.order_by("pk").first()
    bulk.insert_rows(CourseSession, COLUMNS, session_rows(course.pk, bulk.next_ids(CourseSession, 50)))

    # when the table is analysed
    tables = bulk.analyze(CourseSession, CourseSession)

    # then the planner counts its rows as they are now
    assert tables == [CourseSession._meta.db_table]
    assert planned_rows(CourseSession._meta.db_table) == CourseSession.objects.count()


def test_analyze_of_no_managed_table_does_nothing():
    assert bulk.analyze() == []


def test_analyze_while_loading_keeps_the_load_going_with_its_rows_in_view():
    # given rows written in bulk, part way through a load (this test's transaction)
    table = CourseSession._meta.db_table
    before = planned_rows(table)
    course = Course.objects.order_by("pk").first()
    ids = bulk.next_ids(CourseSession, 20)
    bulk.insert_rows(CourseSession, COLUMNS, session_rows(course.pk, ids))

    # when the load asks for the statistics it needs on the way
    tables = bulk.analyze_while_loading(CourseSession)

    # then the load's next query sees every row, and the planner's count is the table's where the database takes
    # statistics on the way (PostgreSQL), else as it was (SQLite waits for the load's closing analyze)
    assert tables == [table]
    assert CourseSession.objects.filter(pk__in=ids).count() == 20
    assert planned_rows(table) in (before, CourseSession.objects.count())


@pytest.mark.parametrize("n", [0, 1, 7, 59, 1234])
def test_date_plus_days_is_the_date_that_many_days_on(n):
    # an integer expression with a parameter and a `%` (written %%), as the demo's registration dates use it
    start = datetime.date(2024, 2, 28)  # across a leap day
    expression = bulk_sql().date_plus_days(start, "(%s * 7919) %% 1000")
    with connection.cursor() as cur:
        cur.execute(f"SELECT {expression}", [n])
        got = cur.fetchone()[0]
    assert str(got) == str(start + datetime.timedelta(days=(n * 7919) % 1000))
