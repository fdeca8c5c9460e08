"""The credit bank's SQL on SQLite (see protocol.py): text formatting with printf, no sha256 (Python hashes),
placeholders in chunks under SQLite's limit."""

from collections.abc import Iterator
from contextlib import contextmanager

from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.creditbank.sql.protocol import OUTCOME_COLUMNS, length_prefixed, version_joins

CHUNK = 5_000  # placeholders a statement, well under SQLite's limit

# created_at in `ledger.time_text`'s form when it has one of the two forms Django writes, so the rows go to the
# walk as they come; any other text marked with a NUL first, for `ledger.walk._sqlite_time` to read.
_CREATED = ("CASE WHEN unicode(e.created_at) > 0 AND length(e.created_at) = 26 "
            "AND substr(e.created_at, 11, 1) = ' ' AND substr(e.created_at, 20, 1) = '.' "
            "THEN printf('%sT%sZ', substr(e.created_at, 1, 10), substr(e.created_at, 12)) "
            "WHEN unicode(e.created_at) > 0 AND length(e.created_at) = 19 AND substr(e.created_at, 11, 1) = ' ' "
            "THEN printf('%sT%s.000000Z', substr(e.created_at, 1, 10), substr(e.created_at, 12)) "
            "ELSE char(0) || CAST(e.created_at AS TEXT) END")


def _payload_fields(c: dict, shown: str, shown_args: list[str]) -> list[tuple[str, list[str]]]:
    """(printf format, its arguments) for each field of the payload, in order."""
    fields = [("%s", [c["id"]]), ("%s", [c["account_id"]]), (shown, shown_args)]
    for name in ("method", "title"):
        fields.append(("%d:%s", [f"length({c[name]})", c[name]]))
    fields += [("%s", [c["provider_id"]]), ("%d:%s", [f"length({c['provider_name']})", c["provider_name"]]),
               ("%s", [c["date"]]), ("%.1f", [c["hours"]]),
               ("%s", [f"CASE WHEN {c['score']} IS NULL THEN '' ELSE printf('%.1f', {c['score']}) END"]),
               ("%d:%s", [f"length({c['credit_class']})", c["credit_class"]]), ("%.2f", [c["credits"]]),
               ("%d:%s", [f"length({c['basis']})", c["basis"]]), ("%s", [c["learning_record_id"]]),
               ("%s", [c["declaration_id"]]),
               ("%sT%s%s", [f"substr({c['recognised_at']}, 1, 10)", f"substr({c['recognised_at']}, 12)",
                            f"CASE WHEN length({c['recognised_at']}) = 19 THEN '.000000Z' ELSE 'Z' END"]),
               ("%s", [c["recognised_by_id"]])]
    return fields


class SQLite:
    vendor = "sqlite"
    works_in_sql = False
    lock_rows = ""  # SQLite's writer already holds the database

    def version_segment(self, columns: dict[str, str]) -> str:
        c = {**OUTCOME_COLUMNS, **columns}
        return " || char(31) || ".join([length_prefixed(c["code"]), f"CAST({c['version']} AS TEXT)",
                                        length_prefixed(c["name"]), f"CAST({c['level']} AS TEXT)"])

    def outcome_payload(self, columns: dict[str, str], segment: str | None = None) -> str:
        """One printf (each `||` would copy the text built so far: most of the walk's time went there), NULL when
        a part the `||` form would make NULL is missing (printf would write it as "" or 0)."""
        c = {**OUTCOME_COLUMNS, **columns}
        if segment is None:
            shown, shown_args = "%d:%s\x1f%s\x1f%d:%s\x1f%s", [f"length({c['code']})", c["code"], c["version"],
                                                                f"length({c['name']})", c["name"], c["level"]]
            required = [c["code"], c["version"], c["name"], c["level"]]
        else:
            shown, shown_args, required = "%s", [segment], [segment]
        fields = _payload_fields(c, shown, shown_args)
        required += [c[name] for name in ("id", "account_id", "method", "title", "provider_name", "date", "hours",
                                          "credit_class", "credits", "basis", "recognised_at")]
        template = "\x1f".join(f for f, _ in fields)
        args = ", ".join(a for _, values in fields for a in values)
        missing = " OR ".join(f"{r} IS NULL" for r in required)
        return f"CASE WHEN {missing} THEN NULL ELSE printf('{template}', {args}) END"

    def outcome_now(self, *, hashed: bool = False) -> str:
        """Over the joins `entry_rows` makes: only the outcomes of entries that record one (by rowid, in the
        entries' order)."""
        assert not hashed, "SQLite has no sha256: the Python walk hashes the payload"
        return f"CASE WHEN e.outcome_id IS NULL THEN '' ELSE COALESCE({self.outcome_payload({})}, '-') END"

    def entry_rows(self, cursor, where: str) -> Iterator[list[list[str]]]:
        """Formatted in the query; the outcome of each entry that records one joined with its version, standard and
        level (version 1 entries' too: a chain upgrade checkpoint covers them)."""
        cursor.execute(
            f"SELECT CAST(e.account_id AS TEXT), CAST(e.seq AS TEXT), e.credit_class, printf('%.2f', e.amount), "
            f"e.reason, COALESCE(CAST(e.outcome_id AS TEXT), ''), COALESCE(CAST(e.conversion_id AS TEXT), ''), "
            f"COALESCE(CAST(e.reverses_id AS TEXT), ''), COALESCE(CAST(e.actor_id AS TEXT), ''), e.memo, "
            f"{_CREATED}, e.prev_hash, e.hash, CAST(e.id AS TEXT), CAST(e.chain AS TEXT), e.outcome_hash, "
            f"{self.outcome_now()} FROM {LedgerEntry._meta.db_table} e "
            f"LEFT JOIN {Outcome._meta.db_table} o ON o.id = e.outcome_id {version_joins()} WHERE {where} "
            f"ORDER BY e.account_id, e.seq")
        while rows := cursor.fetchmany(10_000):
            yield rows

    def cents(self, column: str) -> str:
        return f"printf('%.2f', {column})"

    @contextmanager
    def read_snapshot(self, connection):
        """A deferred transaction: it takes its snapshot at its first read and keeps it."""
        with connection.cursor() as cur:
            cur.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                cur.execute("COMMIT")

    def select_in(self, cursor, sql: str, column: str, ids: list[int]) -> list[tuple]:
        rows = []
        for i in range(0, len(ids), CHUNK):
            part = ids[i:i + CHUNK]
            cursor.execute(sql.format(**{"in": f"{column} IN ({', '.join(['%s'] * len(part))})"}), part)
            rows += cursor.fetchall()
        return rows

    def heads_move(self, cursor, update: str, names: str, rows: list[tuple], classes: int) -> None:
        marks = "(%s, %s, %s, " + ", ".join(["CAST(%s AS NUMERIC)"] * classes) + ")"
        for i in range(0, len(rows), CHUNK):
            part = rows[i:i + CHUNK]
            cursor.execute(f"WITH v(id, seq, hash, {names}) AS (VALUES {', '.join([marks] * len(part))}) {update}",
                           [x for r in part for x in r])
