"""people.sql for PostgreSQL."""


class PostgreSQL:
    def lock_against_writes(self, cursor, table: str) -> None:
        # SHARE ROW EXCLUSIVE: no other transaction writes the table (nor takes this lock); plain reads go on.
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
