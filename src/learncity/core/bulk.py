"""Set-based inserts for the bulk paths: PostgreSQL COPY, SQLite executemany. No per-row ORM work.

Ids are allocated up front (the caller holds the write transaction), so child rows can point at parents
without reading them back; PostgreSQL's sequence is moved past the new ids afterwards. What differs by database
is behind core.sql's seam.
"""

from collections.abc import Iterable, Sequence

from django.db import connection

from learncity.core.sql import bulk_sql


def next_ids(model, count: int) -> range:
    """Reserve `count` primary keys for `model`. Call inside the transaction that inserts them."""
    with connection.cursor() as cur:
        start = bulk_sql().reserve_ids(cur, model._meta.db_table, model._meta.pk.column, count)
    return range(start, start + count)


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples in `columns` order, database values) into the model's table. Returns the count."""
    table = connection.ops.quote_name(model._meta.db_table)
    # Quoted: some column names are reserved words ("end" of a course session on PostgreSQL).
    cols = [c if c.startswith('"') else connection.ops.quote_name(c) for c in columns]
    with connection.cursor() as cur:
        return bulk_sql().insert_rows(cur, table, cols, rows)


def _tables(models) -> list[str]:
    return list(dict.fromkeys(m._meta.db_table for m in models if m._meta.managed and not m._meta.proxy))


def analyze(*models) -> list[str]:
    """Refresh the planner's statistics of the models' tables after a bulk write (PostgreSQL `ANALYZE t, …`;
    SQLite `ANALYZE t` for each, then `PRAGMA optimize`). Without it a freshly filled table is planned as empty
    when autovacuum is off or has not come round yet. Returns the tables analysed."""
    tables = _tables(models)
    if tables:
        with connection.cursor() as cur:
            bulk_sql().analyze(cur, [connection.ops.quote_name(t) for t in tables])
    return tables


def analyze_while_loading(*models) -> list[str]:
    """The statistics a long load needs part way through for its own later queries (core.sql's
    `analyze_while_loading`: PostgreSQL analyses the tables, SQLite waits for the load's closing `analyze`).
    Returns the tables given."""
    tables = _tables(models)
    if tables:
        with connection.cursor() as cur:
            bulk_sql().analyze_while_loading(cur, [connection.ops.quote_name(t) for t in tables])
    return tables
