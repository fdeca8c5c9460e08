"""The ledger's hash chain: the canonical text of an entry and the hash over it (chain versions 1 and 2), and what an
entry covers of its outcome (`outcome_payload`, in Python and, through the SQL seam, in each database's SQL)."""

import hashlib
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from learncity.creditbank.models import (
    CHAIN,
    Outcome,
)
from learncity.creditbank.sql import dialect, version_joins

CENT = Decimal("0.01")


def amount_text(amount) -> str:
    """The canonical text of an amount: two decimals, no exponent, "-" only for negatives."""
    return f"{Decimal(str(amount)).quantize(CENT):f}"


def time_text(moment) -> str:
    """The canonical text of an entry's time: UTC, microseconds, as both databases give it back."""
    return moment.astimezone(timezone.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(*, prev_hash: str, account_id: int, seq: int, credit_class: str, amount, reason: str,
               outcome_id, conversion_id, reverses_id, actor_id, memo: str, created_at, chain: int = CHAIN,
               outcome_hash: str = "") -> str:
    """The entry's hash under its chain version: 1, its own fields; 2, "2", the same fields and `outcome_hash`
    (that of the outcome it records, "" if none)."""
    fields = [
        prev_hash, str(account_id), str(seq), credit_class, amount_text(amount), reason,
        "" if outcome_id is None else str(outcome_id), "" if conversion_id is None else str(conversion_id),
        "" if reverses_id is None else str(reverses_id), "" if actor_id is None else str(actor_id), memo,
        time_text(created_at),
    ]
    if chain != 1:
        if chain != 2:
            raise ValueError(f"unknown chain version {chain!r}")
        fields = ["2", *fields, outcome_hash]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def entry_hash_sql(*fields: str) -> str:
    """`entry_hash` as a PostgreSQL expression: the hex SHA-256 of the SQL expressions `fields`, in `entry_hash`'s
    order, each already the text `entry_hash` puts in the payload (none NULL: concat_ws would skip it). Twelve
    fields: chain version 1; thirteen (the twelve and the outcome hash): version 2. `pg_catalog.sha256`, so no
    function on the search_path can stand in for it."""
    assert len(fields) in (12, 13), ("prev_hash, account, seq, class, amount, reason, outcome, conversion, reverses, "
                                     "actor, memo, time[, outcome hash]")
    if len(fields) == 13:
        fields = ("'2'", *fields)
    return f"encode(pg_catalog.sha256(convert_to(concat_ws(chr(31), {', '.join(fields)}), 'UTF8')), 'hex')"


# --- what an entry covers of its outcome (chain version 2) -----------------------------------------------------
# The outcome's payload: every column of the outcome, and the code, version number, name and level of its standard
# version (what a transcript shows of it), each as text, separated by U+001F; free text prefixed with its length in
# characters (so no text can be moved from one field into its neighbour). Written three ways that must agree: in
# Python (`outcome_payload`, the bulk path on SQLite and the benchmark), in SQLite's and in PostgreSQL's SQL
# (`outcome_payload_sql`: verification, `entries_append`, the bulk path on PostgreSQL); the tests hold them together.

def _lp(text: str) -> str:
    return f"{len(text)}:{text}"


def _id_text(value) -> str:
    return "" if value is None else str(value)


def _places(value, places: str) -> str:
    return f"{Decimal(str(value)).quantize(Decimal(places)):f}"


def outcome_payload(*, outcome_id: int, account_id: int, standard_code: str, version: int, version_name: str,
                    level: int, method: str, title: str, provider_id, provider_name: str, date, hours, score,
                    credit_class: str, credits, basis: str, learning_record_id, declaration_id, recognised_at,
                    recognised_by_id) -> str:
    return "\x1f".join([
        str(outcome_id), str(account_id), _lp(standard_code), str(version), _lp(version_name), str(level),
        _lp(method), _lp(title), _id_text(provider_id), _lp(provider_name), date.isoformat(), _places(hours, "0.1"),
        "" if score is None else _places(score, "0.1"), _lp(credit_class), _places(credits, "0.01"), _lp(basis),
        _id_text(learning_record_id), _id_text(declaration_id), time_text(recognised_at), _id_text(recognised_by_id),
    ])


def outcome_hash(payload: str) -> str:
    """The hash an entry keeps of its outcome: of its payload; "" for no outcome, "-" for an outcome that is gone
    (payload "-"), which no stored hash equals."""
    if payload in ("", "-"):
        return payload
    return hashlib.sha256(payload.encode()).hexdigest()


def version_segment_sql(vendor: str, **columns: str) -> str:
    """The part of `outcome_payload` that comes from the outcome's standard version (its standard's code, the
    version number, its name and its level), as an SQL expression over `v`, `s` and `l`: the same for every
    outcome of the version, so verification on PostgreSQL computes it once a version."""
    return dialect(vendor).version_segment(columns)


def outcome_payload_sql(vendor: str, segment: str | None = None, **columns: str) -> str:
    """`outcome_payload` as an SQL expression over the outcome `o`, its version `v`, standard `s` and level `l`
    (`version_joins`), or over the expressions `columns` name instead; NULL when any of them is missing. With
    `segment`, an expression for the version's part (`version_segment_sql`, NULL when the version is missing)
    instead of the four columns."""
    return dialect(vendor).outcome_payload(columns, segment)


def outcome_hashes(outcome_ids) -> dict[int, str]:
    """The hash of each outcome as the database has it now (verification reads the same payload); "-" for one
    that does not exist."""
    ids = sorted({int(pk) for pk in outcome_ids})
    if not ids:
        return {}
    with connection.cursor() as cur:
        # the ids written inline (integers): the payload's printf on SQLite has % signs of its own
        cur.execute(f"SELECT o.id, {dialect().outcome_payload({})} FROM {Outcome._meta.db_table} o "
                    f"{version_joins()} WHERE o.id IN ({', '.join(str(pk) for pk in ids)})")
        found = {pk: outcome_hash(payload or "-") for pk, payload in cur.fetchall()}
    return {pk: found.get(pk, "-") for pk in ids}


def checkpoint_hash(hashes: Iterable[str]) -> str:
    """The `outcome_hash` of a chain upgrade checkpoint (migration 0008): the hex SHA-256 of the text made of the
    outcome hashes (`outcome_hash`, as chain version 2 computes it: 64 hex digits, or "-" for an outcome that is
    gone) of the outcomes its account's chain version 1 entries record, one for each such entry in `seq` order
    (an outcome recorded by two entries, twice), joined by "\\n" (no newline at the end)."""
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()

