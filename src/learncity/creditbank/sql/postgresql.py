"""The credit bank's SQL on PostgreSQL (see protocol.py): text formatting with to_char and casts, sha256 in the
database, entries streamed with COPY, arrays as one parameter each."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from learncity.creditbank.models import (
    EntryReason,
    FrameworkLevel,
    LedgerEntry,
    Outcome,
    Standard,
    StandardVersion,
)
from learncity.creditbank.sql.protocol import OUTCOME_COLUMNS, length_prefixed

# `ledger.time_text` in PostgreSQL, of a timestamptz expression (to_char does not depend on the session's DateStyle).
PG_TIME_TEXT = "to_char(({}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
SHA256_HEX = "encode(pg_catalog.sha256(convert_to({}, 'UTF8')), 'hex')"

_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def copy_unescape(text: str) -> str:
    return _COPY_ESCAPE.sub(lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), text)


def array(values) -> str:
    """A PostgreSQL array literal of values that need no quoting (ids, numbers, hashes, class codes)."""
    return "{" + ",".join(map(str, values)) + "}"


class PostgreSQL:
    vendor = "postgresql"
    works_in_sql = True
    lock_rows = " FOR UPDATE"

    @staticmethod
    def _segment_parts(c: dict) -> list[str]:
        return [length_prefixed(c["code"]), f"({c['version']})::text", length_prefixed(c["name"]),
                f"({c['level']})::text"]

    def version_segment(self, columns: dict[str, str]) -> str:
        return " || chr(31) || ".join(self._segment_parts({**OUTCOME_COLUMNS, **columns}))

    def outcome_payload(self, columns: dict[str, str], segment: str | None = None) -> str:
        c = {**OUTCOME_COLUMNS, **columns}

        def text(name):
            return f"COALESCE(({c[name]})::text, '')"

        shown = [segment] if segment is not None else self._segment_parts(c)
        parts = [f"({c['id']})::text", f"({c['account_id']})::text", *shown, length_prefixed(c["method"]),
                 length_prefixed(c["title"]), text("provider_id"), length_prefixed(c["provider_name"]),
                 f"to_char({c['date']}, 'YYYY-MM-DD')", f"round({c['hours']}, 1)::text",
                 f"COALESCE(round({c['score']}, 1)::text, '')", length_prefixed(c["credit_class"]),
                 f"round({c['credits']}, 2)::text", length_prefixed(c["basis"]), text("learning_record_id"),
                 text("declaration_id"), PG_TIME_TEXT.format(c["recognised_at"]), text("recognised_by_id")]
        return " || chr(31) || ".join(parts)

    def segments(self) -> str:
        """Each standard version's segment of the payload as a JSON object by version id, an uncorrelated
        subquery, so PostgreSQL computes it once a statement (an InitPlan) instead of joining the version, its
        standard and its level for every entry. A version whose standard or level is gone has none, so the payload
        of its outcomes is NULL ("-"), as with the joins."""
        return (f"(SELECT jsonb_object_agg(v.id, {self.version_segment({})}) "
                f"FROM {StandardVersion._meta.db_table} v JOIN {Standard._meta.db_table} s ON s.id = v.standard_id "
                f"JOIN {FrameworkLevel._meta.db_table} l ON l.id = v.level_id)")

    def outcome_hash_of(self, outcome_id: str) -> str:
        """The `outcome_hash` of the outcome `outcome_id` (an SQL expression) as it is now, "-" if it, its
        version, standard or level is gone; looked up by primary key."""
        payload = self.outcome_payload({}, segment=f"({self.segments()} ->> o.standard_version_id::text)")
        return (f"COALESCE((SELECT {SHA256_HEX.format(payload)} "
                f"FROM {Outcome._meta.db_table} o WHERE o.id = {outcome_id}), '-')")

    def outcome_now(self, *, hashed: bool = False) -> str:
        """A subquery, the outcome looked up by its primary key for each entry in the (account, seq) order the
        entries are read in (a join let the planner hash every outcome of the ledger and sort the page's entries
        again, each page). With `hashed`, for an entry of version 1 or a checkpoint, the entry's own outcome_hash
        (so this finds nothing to report: `ledger.in_sql` checks those)."""
        if hashed:
            return (f"CASE WHEN e.chain < 2 OR e.reason = '{EntryReason.CHAIN_UPGRADE}' THEN e.outcome_hash "
                    f"WHEN e.outcome_id IS NULL THEN '' ELSE {self.outcome_hash_of('e.outcome_id')} END")
        payload = self.outcome_payload({}, segment=f"({self.segments()} ->> o.standard_version_id::text)")
        return (f"CASE WHEN e.outcome_id IS NULL THEN '' ELSE COALESCE(("
                f"SELECT {payload} FROM {Outcome._meta.db_table} o WHERE o.id = e.outcome_id), '-') END")

    def entry_rows(self, cursor, where: str) -> Iterator[list[list[str]]]:
        """Streamed with COPY, in its text format (a row a line, tabs between fields, backslash escapes in
        values)."""
        sql = (f"COPY (SELECT e.account_id, e.seq, e.credit_class, e.amount, e.reason, "
               f"COALESCE(e.outcome_id::text, ''), COALESCE(e.conversion_id::text, ''), "
               f"COALESCE(e.reverses_id::text, ''), COALESCE(e.actor_id::text, ''), e.memo, "
               f"{PG_TIME_TEXT.format('e.created_at')}, e.prev_hash, e.hash, e.id, e.chain, e.outcome_hash, "
               f"{self.outcome_now()} FROM {LedgerEntry._meta.db_table} e WHERE {where} "
               f"ORDER BY e.account_id, e.seq) TO STDOUT")
        rows, pending = [], b""
        with cursor.cursor.copy(sql) as copy:
            for data in copy:
                chunk = bytes(data)
                if pending or chunk.count(b"\n") != 1 or not chunk.endswith(b"\n"):  # not one row a message
                    *lines, pending = (pending + chunk).split(b"\n")
                else:
                    lines = (chunk[:-1],)
                for line in lines:
                    text = line.decode()
                    rows.append([copy_unescape(f) for f in text.split("\t")] if "\\" in text else text.split("\t"))
                if len(rows) >= 5_000:
                    yield rows
                    rows = []
        if rows:
            yield rows

    def cents(self, column: str) -> str:
        return f"CAST({column} AS TEXT)"

    @contextmanager
    def read_snapshot(self, connection):
        """A read-only REPEATABLE READ transaction."""
        with transaction.atomic(using=connection.alias), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def select_in(self, cursor, sql: str, column: str, ids: list[int]) -> list[tuple]:
        """The ids as one array parameter (thousands of placeholders cost seconds in client-side binding)."""
        cursor.execute(sql.format(**{"in": f"{column} = ANY(%s::bigint[])"}), [array(ids)])
        return cursor.fetchall()

    def heads_move(self, cursor, update: str, names: str, rows: list[tuple], classes: int) -> None:
        columns = [array(c) for c in zip(*rows, strict=True)] if rows else ["{}"] * (3 + classes)
        cursor.execute(f"WITH v(id, seq, hash, {names}) AS (SELECT * FROM unnest(%s::bigint[], %s::integer[], "
                       f"%s::varchar[], {', '.join(['%s::numeric[]'] * classes)})) {update}", columns)
