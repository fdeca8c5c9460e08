"""The search's SQL on PostgreSQL (see sql/base.py for the protocol)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from learncity.catalog.search.sql.base import create_indexes, drop_indexes, like_escape


class PostgreSql:
    join = "JOIN"  # the planner orders the joins itself, from its statistics

    def prefix(self, column: str, prefix: str) -> tuple[str, list]:
        # LIKE 'prefix%' is served by Django's varchar_pattern_ops index
        return f"{column} LIKE %s ESCAPE '\\'", [like_escape(prefix) + "%"]

    def term_lookup(self, index: str) -> str:
        return ""  # the planner knows better from its statistics

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cur:
            cur.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i "
                        "ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                        "ORDER BY i.relname", [table])
            return list(cur.fetchall())

    def foreign_keys(self, table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cur:
            cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                        "AND contype = 'f' ORDER BY conname", [table])
            return list(cur.fetchall())

    @contextmanager
    def bulk_load(self, terms: str, documents: str) -> Iterator[None]:
        qn = connection.ops.quote_name
        indexes, keys = self.secondary_indexes(terms), self.foreign_keys(terms)
        with connection.cursor() as cur:
            for name, _ in keys:
                # Checks still pending from earlier in the transaction must run before the key can go.
                cur.execute(f"SET CONSTRAINTS {qn(name)} IMMEDIATE")
                cur.execute(f"ALTER TABLE {terms} DROP CONSTRAINT {qn(name)}")
            drop_indexes(cur, indexes)
            cur.execute(f"TRUNCATE {terms}")
            cur.execute(f"DELETE FROM {documents}")
        yield
        with connection.cursor() as cur:
            create_indexes(cur, indexes)
            for name, definition in keys:
                cur.execute(f"ALTER TABLE {terms} ADD CONSTRAINT {qn(name)} {definition}")
            cur.execute(f"ANALYZE {documents}")
            cur.execute(f"ANALYZE {terms}")


SQL = PostgreSql()
