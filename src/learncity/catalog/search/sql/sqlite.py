"""The search's SQL on SQLite (see sql/base.py for the protocol)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from learncity.catalog.search.sql.base import create_indexes, drop_indexes

BULK_CACHE_KIB = 262144  # a 256 MiB page cache while the index is rebuilt (building its indexes sorts in memory)


class Sqlite:
    join = "CROSS JOIN"  # SQLite takes the tables in the order written after CROSS JOIN: the rarest word first

    def prefix(self, column: str, prefix: str) -> tuple[str, list]:
        # a range: SQLite's LIKE ignores case, and so no index serves it
        return f"({column} >= %s AND {column} < %s)", [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]

    def term_lookup(self, index: str) -> str:
        # Without statistics SQLite would rather probe a document's terms by document than look up (term,
        # document) in the index made for it.
        return f" INDEXED BY {index}"

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cur:
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL ORDER BY name", [table])
            return list(cur.fetchall())

    def foreign_keys(self, table: str) -> list[tuple[str, str]]:
        return []  # SQLite keeps them in the table itself

    @contextmanager
    def bulk_load(self, terms: str, documents: str) -> Iterator[None]:
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            before = cur.fetchone()[0]
            cur.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            indexes = self.secondary_indexes(terms)
            with connection.cursor() as cur:
                drop_indexes(cur, indexes)
                cur.execute(f"DELETE FROM {terms}")
                cur.execute(f"DELETE FROM {documents}")
            yield
            with connection.cursor() as cur:
                create_indexes(cur, indexes)
        finally:
            with connection.cursor() as cur:
                cur.execute(f"PRAGMA cache_size = {int(before)}")


SQL = Sqlite()
