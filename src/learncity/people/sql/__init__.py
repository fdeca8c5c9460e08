"""The people app's SQL that differs by database, behind one seam (the shape of core.sql): `PeopleSql`,
implemented for PostgreSQL (`postgresql.py`) and SQLite (`sqlite.py`), chosen in one place (`people_sql`, by the
connection's vendor). The key rotation (rotation.py) asks it to hold off writes to the learner profiles;
tests/people/test_sql.py runs every method on whichever database the suite runs on (CI runs both).
"""

from typing import Protocol

from django.db import connection as default_connection

from . import postgresql, sqlite


class PeopleSql(Protocol):
    def lock_against_writes(self, cursor, table: str) -> None:
        """Hold off other transactions' writes to `table` (quoted) until this transaction ends; reads go on. Called
        inside a transaction."""


IMPLEMENTATIONS: dict[str, PeopleSql] = {"postgresql": postgresql.PostgreSQL(), "sqlite": sqlite.SQLite()}


def people_sql(connection=default_connection) -> PeopleSql:
    """The seam's implementation for the connection's database: the one place that asks which it is."""
    try:
        return IMPLEMENTATIONS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"no people SQL for the {connection.vendor} database") from None
