"""The intake pipeline's vendor seam (`pipeline.sql`): each method of the database's own implementation leaves the
same rows as the portable one (SQLite's, whose SQL PostgreSQL runs too) on the same data, and what both must leave.
CI runs this on SQLite and on PostgreSQL; on SQLite the two are one, and the expected rows still hold."""

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from django.db import connection, transaction

from learncity.intake.models import StagedRow
from learncity.intake.pipeline import STAGE_COLUMNS
from learncity.intake.pipeline.sql import SQLITE, pipeline_sql
from learncity.records.models import LearningRecord

pytestmark = pytest.mark.django_db

JOB, PORTABLE_JOB = 2_000_000_001, 2_000_000_002  # staged rows have no constraint on their job: no job row needed
TABLE = StagedRow._meta.db_table
FIELDS = [c for c in STAGE_COLUMNS if c != "job_id"]


def rows_for(job_id: int) -> list[tuple]:
    """Staged rows: plain, with the characters a CSV quotes, empty texts and missing numbers and dates."""
    return [
        (job_id, 2, "R-1", "h" * 64, "350102********1234", "林小明", "completion", "", "书法入门", "16.0", None,
         "2026-06-30", "community", "", "", ""),
        (job_id, 3, "R-2", "", "", "", "", "C,1", 'say "hi"\nagain', None, "95.5", None, "", '["a", "b"]',
         "name:姓名不能为空\ndate:学习日期不能为空", ""),
        (job_id, 4, "R-1", "", "", "Anne-Marie O. Li", "", "", "", None, None, None, "", "", "", "duplicate"),
        (job_id, 5, "", "", "", "", "", "", "", "0.5", "0.0", "1900-01-01", "", "", "", ""),
    ]


def stored(job_id: int) -> list[tuple]:
    return list(StagedRow.objects.filter(job_id=job_id).order_by("row_no").values_list(*FIELDS))


EXPECTED = [
    (2, "R-1", "h" * 64, "350102********1234", "林小明", "completion", "", "书法入门", Decimal("16.0"), None,
     datetime.date(2026, 6, 30), "community", "", "", ""),
    (3, "R-2", "", "", "", "", "C,1", 'say "hi"\nagain', None, Decimal("95.5"), None, "", '["a", "b"]',
     "name:姓名不能为空\ndate:学习日期不能为空", ""),
    (4, "R-1", "", "", "Anne-Marie O. Li", "", "", "", None, None, None, "", "", "", "duplicate"),
    (5, "", "", "", "", "", "", "", Decimal("0.5"), Decimal("0.0"), datetime.date(1900, 1, 1), "", "", "", ""),
]


def quoted() -> str:
    return connection.ops.quote_name(TABLE)


def test_stage_rows_stores_the_same_rows_as_the_portable_insert():
    with connection.cursor() as cur:
        assert pipeline_sql().stage_rows(cur, quoted(), iter(rows_for(JOB))) == 4
        assert SQLITE.stage_rows(cur, quoted(), iter(rows_for(PORTABLE_JOB))) == 4

    assert stored(JOB) == stored(PORTABLE_JOB) == EXPECTED


def test_stage_rows_of_nothing_writes_nothing():
    with connection.cursor() as cur:
        assert pipeline_sql().stage_rows(cur, quoted(), iter(())) == 0
    assert stored(JOB) == []


def arrow_table(job_id: int):
    """The rows as the column-wise reader hands them over: every value a string, none missing but numbers and dates."""
    columns = list(zip(*rows_for(job_id), strict=True))
    types = {"job_id": pa.int64(), "row_no": pa.int64()}
    return pa.table([pa.array(list(values), types.get(name, pa.string())) for name, values in
                     zip(STAGE_COLUMNS, columns, strict=True)], names=list(STAGE_COLUMNS))


def test_stage_arrow_stores_the_same_rows_as_the_portable_insert():
    with connection.cursor() as cur:
        assert pipeline_sql().stage_arrow(cur, quoted(), arrow_table(JOB)) == 4
        assert SQLITE.stage_arrow(cur, quoted(), arrow_table(PORTABLE_JOB)) == 4

    assert stored(JOB) == stored(PORTABLE_JOB) == EXPECTED


def repeats(sql_of, job_id: int) -> dict[int, int]:
    """{row number: the row number of the first row with its record id}, for the rows that repeat one."""
    sql, params = sql_of(TABLE, "id, row_no, external_id", job_id)
    with connection.cursor() as cur:
        cur.execute(f"SELECT row_no, first_row FROM ({sql}) s WHERE s.row_no > s.first_row", params)
        return dict(cur.fetchall())


def test_staged_with_first_row_finds_the_same_repeats_as_the_portable_window():
    with connection.cursor() as cur:
        SQLITE.stage_rows(cur, quoted(), iter([*rows_for(JOB), (JOB, 6, "R-2", *[""] * 6, None, None, None,
                                                                  "", "", "", ""), (JOB, 7, "R-1", *[""] * 6, None,
                                                                                     None, None, "", "", "", "")]))

    assert repeats(pipeline_sql().staged_with_first_row, JOB) == repeats(SQLITE.staged_with_first_row, JOB) == {
        4: 2, 6: 3, 7: 2}  # (the empty record id of row 5 repeats nothing)


@pytest.mark.parametrize("method", ["scratch_transaction", "commit_settings", "commit_unflushed", "temp_table_room"])
def test_a_transaction_tuned_by_the_seam_writes_and_reads_as_any_other(method):
    with transaction.atomic(), connection.cursor() as cur:
        getattr(pipeline_sql(), method)(cur)
        SQLITE.stage_rows(cur, quoted(), iter(rows_for(JOB)))
        assert stored(JOB) == EXPECTED

    assert stored(JOB) == EXPECTED


def test_lock_records_lets_its_own_transaction_write_learning_records():
    with transaction.atomic(), connection.cursor() as cur:
        pipeline_sql().lock_records(cur, LearningRecord._meta.db_table)
        before = LearningRecord.objects.count()
        record = LearningRecord.objects.order_by("pk").first()
        record.pk = None
        record.external_id = "LOCKED-1"
        record.save()
        assert LearningRecord.objects.count() == before + 1


def test_an_unflushed_session_commits_what_it_writes_and_leaves_the_session_as_it_found_it():
    def setting():
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cur:
            cur.execute("SHOW synchronous_commit")
            return cur.fetchone()[0]

    before = setting()
    with pipeline_sql().unflushed_session(), connection.cursor() as cur:
        SQLITE.stage_rows(cur, quoted(), iter(rows_for(JOB)))

    assert stored(JOB) == EXPECTED
    assert setting() == before


def test_the_seam_is_chosen_by_the_connections_vendor():
    assert type(pipeline_sql()).__name__ == {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[connection.vendor]
    assert pipeline_sql().side_by_side == (connection.vendor == "postgresql")
