"""The intake pipeline's SQL on SQLite: executemany into the staging table, a window for the record ids a file has
twice, nothing to set where PostgreSQL tunes a commit or a lock (SQLite has one writer at a time), and recognition
in one session (see `PipelineSQL` in __init__.py for what each method promises)."""

import contextlib
from collections.abc import Iterator
from itertools import islice

from learncity.intake.pipeline.columns import STAGE_COLUMNS

BATCH = 5_000  # rows an executemany holds
_INSERT = f"INSERT INTO {{table}} ({', '.join(STAGE_COLUMNS)}) VALUES ({', '.join(['%s'] * len(STAGE_COLUMNS))})"


class SQLite:
    side_by_side = False
    recognise_batch = 50_000  # records a recognition batch holds in this process's memory

    def stage_rows(self, cur, table: str, rows: Iterator[tuple]) -> int:
        sql, n = _INSERT.format(table=table), 0
        rows = iter(rows)
        while batch := list(islice(rows, BATCH)):
            cur.executemany(sql, batch)
            n += len(batch)
        return n

    def stage_arrow(self, cur, table: str, arrow_table) -> int:
        n = arrow_table.num_rows
        columns = [c.to_pylist() for c in arrow_table.columns]
        sql = _INSERT.format(table=table)
        for low in range(0, n, BATCH):
            cur.executemany(sql, list(zip(*(c[low:low + BATCH] for c in columns), strict=True)))
        return n

    def scratch_transaction(self, cur) -> None:
        pass

    def staged_with_first_row(self, table: str, columns: str, job_id: int) -> tuple[str, list]:
        """(A window: SQLite has no index on the record id to group and join back on, and would go quadratic.)"""
        return (f"SELECT {columns}, CASE WHEN external_id <> '' THEN MIN(row_no) OVER (PARTITION BY external_id) END "
                f"AS first_row FROM {table} WHERE job_id = %s", [job_id])

    def temp_table_room(self, cur) -> None:
        pass

    def commit_settings(self, cur) -> None:
        pass

    def commit_unflushed(self, cur) -> None:
        pass

    def lock_records(self, cur, table: str) -> None:
        pass  # (one writer at a time: the transaction's first write waits for any other)

    @contextlib.contextmanager
    def unflushed_session(self):
        yield


SQLITE = SQLite()
