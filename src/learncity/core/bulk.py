"""Set-based inserts for the bulk paths: PostgreSQL COPY, SQLite executemany. No per-row ORM work.

Ids are allocated up front (the caller holds the write transaction), so child rows can point at parents
without reading them back; PostgreSQL's sequence is moved past the new ids afterwards.
"""

from collections.abc import Iterable, Sequence

from django.db import connection


def next_ids(model, count: int) -> range:
    """Reserve `count` primary keys for `model`. Call inside the transaction that inserts them."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            seq = cur.fetchone()[0]
            cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cur.execute(f"SELECT GREATEST(COALESCE(MAX({pk}), 0), (SELECT last_value FROM {seq})) FROM {table}")
        else:
            cur.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")
        start = cur.fetchone()[0] + 1
        if connection.vendor == "postgresql":
            cur.execute("SELECT setval(%s, %s)", [seq, start + count - 1 if count else start])
    return range(start, start + count)


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples in `columns` order, database values) into the model's table. Returns the count."""
    table = connection.ops.quote_name(model._meta.db_table)
    # Quoted: some column names are reserved words ("end" of a course session on PostgreSQL).
    cols = ", ".join(c if c.startswith('"') else connection.ops.quote_name(c) for c in columns)
    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            batch: list = []
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            for row in rows:
                batch.append(row)
                if len(batch) >= 10_000:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
                n += len(batch)
    return n


def analyze(*models) -> list[str]:
    """Refresh the planner's statistics of the models' tables after a bulk write (PostgreSQL `ANALYZE t, …`;
    SQLite `ANALYZE t` for each, then `PRAGMA optimize`). Without it a freshly filled table is planned as empty
    when autovacuum is off or has not come round yet. Returns the tables analysed."""
    tables = list(dict.fromkeys(m._meta.db_table for m in models if m._meta.managed and not m._meta.proxy))
    if not tables:
        return []
    quoted = [connection.ops.quote_name(t) for t in tables]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {', '.join(quoted)}")
        else:
            for name in quoted:
                cur.execute(f"ANALYZE {name}")
            cur.execute("PRAGMA optimize")
    return tables
