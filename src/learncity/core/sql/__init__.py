"""The project-wide bulk SQL that differs by database, behind one seam: `BulkSql`, implemented once for
PostgreSQL (`postgresql.py`) and once for SQLite (`sqlite.py`), the implementation chosen in one place
(`bulk_sql`, by the connection's vendor). Nothing else asks which database it runs on: core.bulk and the demo
builders call the seam; tests/core/test_bulk_sql.py runs every method on the same data on whichever database the
suite runs on (CI runs it on both), expecting the same answers.

Other features keep their own seams beside them (`<feature>/sql/`), in the same shape.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Protocol

from django.db import connection as default_connection

from . import postgresql, sqlite


class BulkSql(Protocol):
    """What the bulk paths ask of the database. `cursor` is Django's cursor of the connection the
    implementation was chosen for; names (`table`, `columns`) are passed quoted where they are SQL."""

    def reserve_ids(self, cursor, table: str, pk: str, count: int) -> int:
        """The first of `count` primary keys of `table` (unquoted name; `pk` its key column) that nothing has
        used or will be given: the caller holds the write transaction that inserts them."""

    def insert_rows(self, cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        """Insert rows (tuples of database values in `columns` order; `table` and `columns` quoted) set-based.
        Returns the number of rows inserted."""

    def analyze(self, cursor, tables: Sequence[str]) -> None:
        """Refresh the planner's statistics of the (quoted) tables after a bulk write."""

    def analyze_while_loading(self, cursor, tables: Sequence[str]) -> None:
        """The statistics a long load needs part way through, for its own later queries to be planned on the
        rows it has written so far (the load ends with `analyze` of everything it filled)."""

    def date_plus_days(self, day: datetime.date, days: str) -> str:
        """An SQL expression: the date `day` plus `days` days, `days` an SQL integer expression (its `%` written
        `%%`, as in any SQL given parameters)."""


IMPLEMENTATIONS: dict[str, BulkSql] = {"postgresql": postgresql.PostgreSQL(), "sqlite": sqlite.SQLite()}


def bulk_sql(connection=default_connection) -> BulkSql:
    """The seam's implementation for the connection's database: the one place that asks which it is."""
    try:
        return IMPLEMENTATIONS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"no bulk SQL for the {connection.vendor} database") from None
