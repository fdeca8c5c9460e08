"""core.sql's bulk SQL for SQLite: executemany in batches, ids past the table's largest, ANALYZE each table."""

import datetime
from collections.abc import Iterable, Sequence

BATCH = 10_000  # rows a executemany call takes


class SQLite:
    def reserve_ids(self, cursor, table: str, pk: str, count: int) -> int:
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")
        return cursor.fetchone()[0] + 1

    def insert_rows(self, cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        n = 0
        batch: list = []
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
        return n

    def analyze(self, cursor, tables: Sequence[str]) -> None:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("PRAGMA optimize")

    def analyze_while_loading(self, cursor, tables: Sequence[str]) -> None:
        # Nothing: SQLite plans a table without statistics by its indexes, which serves the load's own queries,
        # and its ANALYZE reads every row; the load's closing `analyze` takes them once.
        pass

    def date_plus_days(self, day: datetime.date, days: str) -> str:
        return f"date('{day.isoformat()}', '+' || ({days}) || ' days')"
