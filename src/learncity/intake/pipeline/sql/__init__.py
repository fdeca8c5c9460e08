"""The intake pipeline's SQL that PostgreSQL and SQLite write differently, behind one protocol (`PipelineSQL`),
chosen once by the connection's vendor (`pipeline_sql()`): postgresql.py and sqlite.py. The domain code around it
(read, check, stage, commit, recognise) names no vendor.

Each method takes the cursor it works on (or none), the staging table's quoted name where it writes, and returns
what the caller counts; tests/intake/test_pipeline_sql.py runs every method on the same data and compares.
"""

import contextlib
from collections.abc import Iterator
from typing import Protocol

from django.db import connection

from learncity.intake.pipeline.sql.postgresql import POSTGRESQL
from learncity.intake.pipeline.sql.sqlite import SQLITE


class PipelineSQL(Protocol):
    side_by_side: bool  # whether a job's records may be recognised in several database sessions at once
    recognise_batch: int | None  # records a recognition batch holds (None: the bulk path's default)

    def stage_rows(self, cur, table: str, rows: Iterator[tuple]) -> int:
        """Write staged rows (STAGE_COLUMNS order) as they come; returns how many."""

    def stage_arrow(self, cur, table: str, arrow_table) -> int:
        """Write an Arrow table of staged rows (STAGE_COLUMNS order); returns how many."""

    def scratch_transaction(self, cur) -> None:
        """Inside a transaction whose rows are scratch (a crash restarts the job): its commit need not wait."""

    def staged_with_first_row(self, table: str, columns: str, job_id: int) -> tuple[str, list]:
        """A SELECT of the job's staged rows (`columns`) and `first_row`: for a record id the file has more than
        once, the row number of its first row (a row whose row_no is greater is a repeat). (sql, params)."""

    def temp_table_room(self, cur) -> None:
        """Before the session's first temporary table: room for the bulk path's own."""

    def commit_settings(self, cur) -> None:
        """At the start of the transaction that writes a job's records."""

    def commit_unflushed(self, cur) -> None:
        """Inside that transaction, once the records are written: its commit need not wait for the disk."""

    def lock_records(self, cur, table: str) -> None:
        """Writers of learning records wait until this transaction ends."""

    def unflushed_session(self) -> contextlib.AbstractContextManager:
        """The session's commits, while inside, do not wait for the disk."""


_BY_VENDOR: dict[str, PipelineSQL] = {"postgresql": POSTGRESQL, "sqlite": SQLITE}


def pipeline_sql() -> PipelineSQL:
    """The implementation for the database of this thread's default connection."""
    return _BY_VENDOR.get(connection.vendor, SQLITE)
