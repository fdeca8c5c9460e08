"""The rollups' SQL that differs by database, behind one protocol: `RollupSql`, implemented by sqlite.py and
postgresql.py and chosen once, by the connection's vendor, in `rollup_sql()`. The rest of the rollups write
portable SQL and ask this seam for the few pieces that differ (tests/monitoring/test_rollup_sql.py runs each
method on the database in use with the same data and expects the same answers; CI runs it on both)."""

from django.db import connection

from learncity.monitoring.rollups.sql import postgresql, sqlite
from learncity.monitoring.rollups.sql.base import RollupSql

__all__ = ["RollupSql", "rollup_sql"]


def rollup_sql() -> RollupSql:
    """The seam of the database in use (the one place that asks which it is)."""
    return postgresql.SQL if connection.vendor == "postgresql" else sqlite.SQL
