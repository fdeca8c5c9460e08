"""The rollups' database seam (monitoring/rollups/sql): each method, run on the same rows, gives the answer
Python works out from them, which is one answer whatever the database. CI runs this file on SQLite and on
PostgreSQL, so the two implementations are held to the same answers (the rollup tests then hold the figures
built with them: incremental == recompute == a naive count, on both)."""

import datetime

import pytest
from django.db import connection, transaction

from learncity.monitoring.rollups import month_key
from learncity.monitoring.rollups.sql import postgresql, rollup_sql, sqlite
from learncity.people.models import LearnerProfile
from learncity.places.models import Place, PlaceLevel

from .conftest import person

pytestmark = pytest.mark.django_db

PROFILES = LearnerProfile._meta.db_table
# birthdays that a careless reading gets wrong: 1 January (no +1), 31 December, 29 February, a one-digit month
BIRTHS = [datetime.date(1980, 5, 5), datetime.date(1950, 1, 1), datetime.date(2000, 12, 31),
          datetime.date(2004, 2, 29), datetime.date(1969, 1, 2)]
REGISTERED = [datetime.date(2020, 1, 1), None, datetime.date(2026, 12, 31), None, datetime.date(2025, 9, 30)]


@pytest.fixture
def profiles() -> list[LearnerProfile]:
    home = Place.objects.filter(level=PlaceLevel.COMMUNITY).order_by("pk").first()
    return [person(f"S{i}", home, birth, "F", registered=registered)
            for i, (birth, registered) in enumerate(zip(BIRTHS, REGISTERED, strict=True))]


def _column(expression: str, profiles) -> list:
    """`expression` over the profiles' table, in the profiles' order."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT p.id, {expression} FROM {PROFILES} p WHERE p.id IN "
                    f"({', '.join(['%s'] * len(profiles))}) ORDER BY p.id", [p.pk for p in profiles])
        return [value for _, value in cur.fetchall()]


def test_the_seam_is_chosen_by_the_database_in_use():
    assert rollup_sql() is (postgresql.SQL if connection.vendor == "postgresql" else sqlite.SQL)


def test_age_base_is_the_birth_year_plus_one_unless_born_on_1_january(profiles):
    expected = [b.year + (0 if (b.month, b.day) == (1, 1) else 1) for b in BIRTHS]
    assert _column(rollup_sql().age_base("p.birth_date"), profiles) == expected


def test_since_is_the_registration_month_else_the_creation_month(profiles):
    expected = [month_key(p.registered_on or p.created_at.astimezone(datetime.UTC).date()) for p in profiles]
    assert _column(rollup_sql().since("p.registered_on", "p.created_at"), profiles) == expected


@pytest.mark.parametrize("part", ["year", "month", "day"])
def test_date_part_is_the_integer_part_of_the_date(profiles, part):
    assert _column(rollup_sql().date_part("p.birth_date", part), profiles) == [getattr(b, part) for b in BIRTHS]


def test_a_fenced_subquery_selects_the_same_rows(profiles):
    fence = rollup_sql().fence()
    with connection.cursor() as cur:
        cur.execute(f"SELECT x.id FROM (SELECT p.id FROM {PROFILES} p WHERE p.id IN "
                    f"({', '.join(['%s'] * len(profiles))}){fence}) x ORDER BY x.id", [p.pk for p in profiles])
        assert [row[0] for row in cur.fetchall()] == sorted(p.pk for p in profiles)


def _scratch(cur) -> None:
    cur.execute("DROP TABLE IF EXISTS mon_seam")
    cur.execute("CREATE TEMP TABLE mon_seam (a integer, b varchar(8))")
    cur.execute("INSERT INTO mon_seam (a, b) VALUES (1, 'x'), (2, 'y'), (2, 'z')")


def test_analyze_leaves_the_rows_as_they_are():
    with transaction.atomic(), connection.cursor() as cur:
        _scratch(cur)
        rollup_sql().analyze(cur, "mon_seam")
        cur.execute("SELECT a, b FROM mon_seam ORDER BY a, b")
        assert cur.fetchall() == [(1, "x"), (2, "y"), (2, "z")]
        cur.execute("DROP TABLE mon_seam")


def test_prepare_lookup_then_a_lookup_by_every_column_finds_the_rows():
    with transaction.atomic(), connection.cursor() as cur:
        _scratch(cur)
        rollup_sql().prepare_lookup(cur, "mon_seam", ("a", "b"))
        cur.execute("SELECT COUNT(*) FROM mon_seam WHERE a = %s AND b = %s", [2, "z"])
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT COUNT(*) FROM mon_seam WHERE a = %s AND b = %s", [1, "z"])
        assert cur.fetchone()[0] == 0
        cur.execute("DROP TABLE mon_seam")


def test_bulk_settings_hold_for_the_transaction_and_change_no_answer(profiles):
    with transaction.atomic(), connection.cursor() as cur:
        rollup_sql().bulk_settings(cur)
        assert _column("p.sex", profiles) == ["F"] * len(profiles)
