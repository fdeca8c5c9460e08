"""The rollups' SQL on SQLite, which keeps dates as ISO text ("YYYY-MM-DD")."""

# (start, length) of each part in the ISO text
SLICES = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}


class SqliteRollupSql:
    def age_base(self, birth: str) -> str:
        return f"(CAST(substr({birth}, 1, 4) AS integer) + CASE WHEN substr({birth}, 6, 5) = '01-01' THEN 0 ELSE 1 END)"

    def since(self, registered: str, created: str) -> str:
        day = f"COALESCE({registered}, {created})"
        return f"CAST(substr({day}, 1, 4) || substr({day}, 6, 2) AS integer)"

    def date_part(self, expr: str, part: str) -> str:
        start, length = SLICES[part]
        return f"CAST(substr({expr}, {start}, {length}) AS integer)"

    def fence(self) -> str:
        return ""

    def analyze(self, cursor, table: str) -> None:
        pass  # nothing to do: SQLite plans these statements well as they are written

    def prepare_lookup(self, cursor, table: str, columns: tuple[str, ...]) -> None:
        # SQLite joins by nested loops: look the rows up by an index rather than scanning for each one
        cursor.execute(f"CREATE INDEX {table}_all ON {table} ({', '.join(columns)})")

    def bulk_settings(self, cursor) -> None:
        pass


SQL = SqliteRollupSql()
