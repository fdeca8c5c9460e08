"""What every rollup statement shares: table names, the month mask, the reconciliation of a table with a new one."""


from django.db import connection

from learncity.monitoring.rollups.sql import rollup_sql


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _mask_expr(prefix: str) -> str:
    return " + ".join(f"(CASE WHEN {prefix.format(i=i)} > 0 THEN {1 << (i - 1)} ELSE 0 END)" for i in range(1, 13))


PERSON_YEAR_COLUMNS = ("measure_id", "learner_id", "year", "place_id", "sex", "age_band", "gmask",
                       *[f"c{i}" for i in range(1, 13)], "mask")
PERSON_CELL_COLUMNS = ("measure_id", "year", "place_id", "sex", "age_band", "gmask", "mask", "persons")
TIME_CELL_COLUMNS = ("measure_id", "year", "month", "place_id", "sex", "age_band", "record_kind", "provider_kind",
                     "person_times", "hours")


def _reconcile(cursor, table: str, new: str, columns: tuple[str, ...], scope: str, params: list, *,
               pk: str = "id") -> None:
    """Make the rows of `table` within `scope` (a condition on `t`) exactly the rows of `new`: delete every row
    that `new` does not hold as it is, then insert the rows of `new` that are not there (all columns NOT NULL)."""
    same = " AND ".join(f"n.{c} = t.{c}" for c in columns)
    rollup_sql().prepare_lookup(cursor, new, columns)
    cursor.execute(f"DELETE FROM {table} WHERE {pk} IN (SELECT t.{pk} FROM {table} t WHERE {scope} "
                   f"AND NOT EXISTS (SELECT 1 FROM {new} n WHERE {same}))", params)
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(f'n.{c}' for c in columns)} "
                   f"FROM {new} n WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {scope} AND {same})", params)




