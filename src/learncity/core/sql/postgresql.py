"""core.sql's bulk SQL for PostgreSQL: COPY, the id sequence moved past ids reserved up front, ANALYZE."""

import datetime
from collections.abc import Iterable, Sequence


class PostgreSQL:
    def reserve_ids(self, cursor, table: str, pk: str, count: int) -> int:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
        seq = cursor.fetchone()[0]
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"SELECT GREATEST(COALESCE(MAX({pk}), 0), (SELECT last_value FROM {seq})) FROM {table}")
        start = cursor.fetchone()[0] + 1
        cursor.execute("SELECT setval(%s, %s)", [seq, start + count - 1 if count else start])
        return start

    def insert_rows(self, cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        n = 0
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n

    def analyze(self, cursor, tables: Sequence[str]) -> None:
        cursor.execute(f"ANALYZE {', '.join(tables)}")

    def analyze_while_loading(self, cursor, tables: Sequence[str]) -> None:
        # Autovacuum may be off or not come round before the load's next query: a table filled in this
        # transaction would be planned as empty.
        for table in tables:
            cursor.execute(f"ANALYZE {table}")

    def date_plus_days(self, day: datetime.date, days: str) -> str:
        return f"(DATE '{day.isoformat()}' + CAST({days} AS integer))"
