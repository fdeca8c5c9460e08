"""The protocol of the search's database seam, and what its two implementations share."""

from contextlib import AbstractContextManager
from typing import Protocol

from django.db import connection


class SearchSql(Protocol):
    join: str  # how the hits join the next slot (SQLite: CROSS JOIN keeps the written order, the rarest first)

    def prefix(self, column: str, prefix: str) -> tuple[str, list]:
        """A condition that `column` starts with `prefix`, as an index can serve it, and its parameters."""

    def term_lookup(self, index: str) -> str:
        """What follows the term table's alias to look terms up by (term, document) through `index`."""

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        """(name, CREATE INDEX statement) of the table's indexes other than its primary key, by name."""

    def foreign_keys(self, table: str) -> list[tuple[str, str]]:
        """(name, definition) of the table's foreign keys a bulk load drops and checks again ([] where the key
        lives in the table itself)."""

    def bulk_load(self, terms: str, documents: str) -> AbstractContextManager[None]:
        """Empty both tables for a bulk load inside the caller's transaction: the term table's secondary indexes
        and foreign keys are dropped on entering and built again (and the key checked in one pass) when the block
        ends without an error; an error leaves that to the transaction's rollback."""


def drop_indexes(cur, indexes: list[tuple[str, str]]) -> None:
    qn = connection.ops.quote_name
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {qn(name)}")


def create_indexes(cur, indexes: list[tuple[str, str]]) -> None:
    for _, ddl in indexes:
        cur.execute(ddl)


def like_escape(text: str) -> str:
    """`text` as a LIKE pattern matches it literally (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
