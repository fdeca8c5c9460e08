"""The rollups' SQL on PostgreSQL."""


class PostgresRollupSql:
    def age_base(self, birth: str) -> str:
        return (f"(CAST(date_part('year', {birth}) AS integer) + CASE WHEN date_part('doy', {birth}) = 1 "
                f"THEN 0 ELSE 1 END)")

    def since(self, registered: str, created: str) -> str:
        return f"CAST(to_char(COALESCE({registered}, CAST({created} AS date)), 'YYYYMM') AS integer)"

    def date_part(self, expr: str, part: str) -> str:
        # date_part's double precision rather than EXTRACT's numeric: several times faster over millions of rows
        return f"CAST(date_part('{part}', {expr}) AS integer)"

    def fence(self) -> str:
        # else PostgreSQL pulls the subquery up and works the age out again in every branch of the band's CASE
        return " OFFSET 0"

    def analyze(self, cursor, table: str) -> None:
        cursor.execute(f"ANALYZE {table}")

    def prepare_lookup(self, cursor, table: str, columns: tuple[str, ...]) -> None:
        cursor.execute(f"ANALYZE {table}")  # else a nested loop over the temporary table's rows

    def bulk_settings(self, cursor) -> None:
        # room for the statements' hashes and sorts in memory, and no JIT (it would spend most of a second
        # compiling each big statement, to save less)
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")


SQL = PostgresRollupSql()
