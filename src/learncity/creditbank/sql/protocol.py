"""What the credit bank asks of a database that the ORM does not say the same way on both: one `LedgerSQL`, with
an implementation per vendor (postgresql.py, sqlite.py), chosen once by `learncity.creditbank.sql.dialect()`.
Every method answers the same question on both; tests/creditbank/test_sql_parity.py holds each against the
Python reference on the same data (CI runs it on both databases)."""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from learncity.creditbank.models import FrameworkLevel, Standard, StandardVersion

# The columns of `outcome_payload`, as expressions over the outcome `o`, its version `v`, standard `s` and level `l`
# (`version_joins`); a caller may name other expressions instead.
OUTCOME_COLUMNS = {
    "id": "o.id", "account_id": "o.account_id", "code": "s.code", "version": "v.version", "name": "v.name",
    "level": "l.level", "method": "o.method", "title": "o.title", "provider_id": "o.provider_id",
    "provider_name": "o.provider_name", "date": "o.date", "hours": "o.hours", "score": "o.score",
    "credit_class": "o.credit_class", "credits": "o.credits", "basis": "o.basis",
    "learning_record_id": "o.learning_record_id", "declaration_id": "o.declaration_id",
    "recognised_at": "o.recognised_at", "recognised_by_id": "o.recognised_by_id",
}


def version_joins() -> str:
    """The outcome `o`'s version `v`, standard `s` and level `l` (each NULL when gone)."""
    return (f"LEFT JOIN {StandardVersion._meta.db_table} v ON v.id = o.standard_version_id "
            f"LEFT JOIN {Standard._meta.db_table} s ON s.id = v.standard_id "
            f"LEFT JOIN {FrameworkLevel._meta.db_table} l ON l.id = v.level_id")


def length_prefixed(expression: str) -> str:
    """`ledger._lp` in SQL (both databases): the text's length in characters, ":", the text."""
    return f"length({expression}) || ':' || {expression}"


class LedgerSQL(Protocol):
    vendor: str
    # Whether the database does the per-entry work of verification (ledger/in_sql.py) and of bulk recognition
    # (bulk_sql.py); otherwise Python does, over the rows `stream` gives.
    works_in_sql: bool
    # What a SELECT appends to lock the rows it reads until the transaction ends ("" where the transaction's write
    # lock already holds the database).
    lock_rows: str

    def version_segment(self, columns: dict[str, str]) -> str:
        """The part of `ledger.outcome_payload` that comes from the outcome's standard version (its standard's
        code, the version number, its name and level), as an SQL expression over `columns`."""

    def outcome_payload(self, columns: dict[str, str], segment: str | None = None) -> str:
        """`ledger.outcome_payload` as an SQL expression over `columns`; NULL when any of them is missing. With
        `segment`, an expression for the version's part instead of its four columns."""

    def outcome_now(self, *, hashed: bool = False) -> str:
        """Of an entry `e`: the payload of its outcome as it is now ("-" if gone, "" without one); with `hashed`,
        that payload's `outcome_hash` (only where the database has sha256)."""

    def entry_rows(self, cursor, where: str) -> Iterator[list[list[str]]]:
        """The entries `e` matching `where`, in (account, seq) order and in batches, every field as the text the
        hash is computed over (`ledger.walk._stream` says which)."""

    def cents(self, column: str) -> str:
        """A balance column as text with its two decimals ("12.50")."""

    def read_snapshot(self, connection) -> AbstractContextManager[None]:
        """A transaction of the reader's own that sees one snapshot of the database from its first read."""

    def select_in(self, cursor, sql: str, column: str, ids: list[int]) -> list[tuple]:
        """The rows of `sql`, whose `{in}` stands for "`column` is one of `ids`"."""

    def heads_move(self, cursor, update: str, names: str, rows: list[tuple], classes: int) -> None:
        """Run `update` (… FROM v …) over `v(id, seq, hash, <names>)` made of `rows` (an id, a seq, a hash and
        `classes` amounts each)."""
