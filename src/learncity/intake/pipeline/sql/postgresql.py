"""The intake pipeline's SQL on PostgreSQL: COPY into the staging table, a hash aggregate for the record ids a file
has twice, commits that do not wait for the WAL where a crash only makes the job run again, and side-by-side
recognition (see `PipelineSQL` in __init__.py for what each method promises)."""

import contextlib
import csv
import io
from collections.abc import Iterator

from django.db import connection

from learncity.creditbank import bulk
from learncity.intake.pipeline.columns import STAGE_COLUMNS, TEXT_COLUMNS

PUSH_ROWS = 2_000  # rows sent to COPY at a time: the database works on them while the next ones are checked
# An empty text is '', not NULL.
_COPY = (f"COPY {{table}} ({', '.join(STAGE_COLUMNS)}) FROM STDIN "
         f"WITH (FORMAT csv, FORCE_NOT_NULL ({', '.join(TEXT_COLUMNS)}))")


class PostgreSQL:
    side_by_side = True
    recognise_batch = None  # a batch is kept in the server's temporary tables: the bulk path's larger default

    def stage_rows(self, cur, table: str, rows: Iterator[tuple]) -> int:
        """One COPY … (FORMAT csv) fed as the rows come, so the server stores a block while this process checks
        the next one (both cores busy)."""
        n = 0
        buffer = io.StringIO()
        write = csv.writer(buffer, lineterminator="\n").writerow
        with cur.cursor.copy(_COPY.format(table=table)) as copy:
            for row in rows:
                write(row)
                n += 1
                if not n % PUSH_ROWS:
                    copy.write(buffer.getvalue())
                    buffer.seek(0)
                    buffer.truncate()
            copy.write(buffer.getvalue())
        return n

    def stage_arrow(self, cur, table: str, arrow_table) -> int:
        """COPY of the CSV Arrow writes (every text quoted, so an empty one is '', and a missing number or date
        unquoted, so NULL)."""
        # (pyarrow only here and in the column-wise reader, which has imported it already: heavy for every other path)
        import pyarrow as pa
        import pyarrow.csv as pacsv

        out = pa.BufferOutputStream()
        pacsv.write_csv(arrow_table, out, pacsv.WriteOptions(include_header=False, batch_size=8192))
        with cur.cursor.copy(_COPY.format(table=table)) as copy:
            copy.write(memoryview(out.getvalue()))
        return arrow_table.num_rows

    def scratch_transaction(self, cur) -> None:
        cur.execute("SET LOCAL synchronous_commit = off")

    def staged_with_first_row(self, table: str, columns: str, job_id: int) -> tuple[str, list]:
        """Each record id's first row, for the ids that come more than once: a hash aggregate over the job's rows."""
        prefixed = ", ".join(f"s0.{c.strip()}" for c in columns.split(","))
        return (f"SELECT {prefixed}, d.first_row FROM {table} s0 LEFT JOIN "
                f"(SELECT external_id, MIN(row_no) AS first_row FROM {table} WHERE job_id = %s AND external_id <> '' "
                f"GROUP BY external_id HAVING COUNT(*) > 1) d ON d.external_id = s0.external_id WHERE s0.job_id = %s",
                [job_id, job_id])

    def temp_table_room(self, cur) -> None:
        bulk.temp_buffers_raise(cur)

    def commit_settings(self, cur) -> None:
        """Room for the sorts and hash joins over a whole file's rows, and any deferred foreign-key checks (Django
        makes them deferred) run at the end of each statement rather than all at the commit, so the server never
        queues a file's worth of them in memory."""
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def commit_unflushed(self, cur) -> None:
        cur.execute("SET LOCAL synchronous_commit = off")

    def lock_records(self, cur, table: str) -> None:
        cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")

    @contextlib.contextmanager
    def unflushed_session(self):
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
        try:
            yield
        finally:
            if not connection.needs_rollback:
                with connection.cursor() as cur:
                    cur.execute("RESET synchronous_commit")


POSTGRESQL = PostgreSQL()
