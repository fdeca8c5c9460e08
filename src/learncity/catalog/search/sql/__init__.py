"""The search's SQL that differs by database, behind one protocol: `SearchSql`, implemented by sqlite.py and
postgresql.py and chosen once, by the connection's vendor, in `search_sql()`. The rest of the search writes
portable SQL and asks this seam for the few pieces that differ (tests/catalog/test_search_sql.py runs each
method on both databases with the same data)."""

from django.db import connection

from learncity.catalog.search.sql import postgresql, sqlite
from learncity.catalog.search.sql.base import SearchSql

__all__ = ["SearchSql", "search_sql"]


def search_sql() -> SearchSql:
    """The seam of the database in use (the one place that asks which it is)."""
    return postgresql.SQL if connection.vendor == "postgresql" else sqlite.SQL
