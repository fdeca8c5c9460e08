"""people.sql for SQLite."""


class SQLite:
    def lock_against_writes(self, cursor, table: str) -> None:
        # Nothing to do: the project's SQLite connections begin IMMEDIATE, so the transaction already holds the
        # database's one write lock (every table's), and readers go on under WAL.
        return None
