"""The credit bank's vendor SQL behind one seam: `dialect()` is the `LedgerSQL` (protocol.py) of the database, chosen
here and nowhere else."""

from django.db import connection

from learncity.creditbank.sql.postgresql import PostgreSQL
from learncity.creditbank.sql.protocol import OUTCOME_COLUMNS, LedgerSQL, length_prefixed, version_joins
from learncity.creditbank.sql.sqlite import SQLite

_DIALECTS: dict[str, LedgerSQL] = {"postgresql": PostgreSQL(), "sqlite": SQLite()}


def dialect(vendor: str | None = None) -> LedgerSQL:
    """The SQL of `vendor` (by default, of the default connection's database)."""
    return _DIALECTS[vendor or connection.vendor]


__all__ = ["OUTCOME_COLUMNS", "LedgerSQL", "PostgreSQL", "SQLite", "dialect", "length_prefixed", "version_joins"]
