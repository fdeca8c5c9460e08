"""The ledger: append under the account's lock, hash chain per account, and verification.

Why a chain per account (and not per batch with a Merkle root): every credit movement already takes the
account's row lock (so balances cannot double-spend), and that same lock orders the account's entries, so the
chain costs nothing more and needs no global serialization point: recognitions for different accounts run in
parallel, and a bulk path chains each account's new entries in memory. Verification is local (each entry against
its predecessor and its account's row; on PostgreSQL in SQL, a page of accounts a statement) and a break is
reported exactly where it is. A batch Merkle tree would need a batch boundary that every writer agrees on — a
global lock — and would report a break only down to its batch.

What the chain detects: an altered entry (its hash no longer matches its fields), a removed or inserted entry (a
gap in `seq`, or the next entry's `prev_hash` no longer matches), a removed last entry (the account's head
`head_seq`/`head_hash` no longer matches the last entry), and a balance cache that differs from the entries.
From chain version 2 (migration 0007) an entry also covers the outcome it records: `outcome_hash`, the SHA-256
of every column of the outcome and of its standard's code, version, name and level (everything a transcript or
its verification shows of it), is one of the hashed fields, and verification recomputes it from the outcome as it
is now. The version is hashed too, and versions never go down along a chain, so an entry cannot be taken back to
version 1 (which covers no outcome) without breaking the link to the next one. Entries written before the
migration keep version 1 and verify as they were written; migration 0008 appended to every account whose version-1
entries record outcomes one version-2 checkpoint (`EntryReason.CHAIN_UPGRADE`, `checkpoint_hash`) whose
`outcome_hash` covers those outcomes, so a forged or deleted outcome recorded before the upgrade is a break at the
checkpoint. A checkpoint is the only one of its chain and follows version-1 outcomes, or it is a break.

What it does not: someone with write access to the database who drops the triggers and rewrites an account's
whole chain and its head consistently. Publishing heads outside the database (for example printing
`ledger verify`'s digest into the quarterly report) closes that; noted in docs/design.md.
"""

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain

from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import DomainError
from learncity.creditbank.models import (
    CHAIN,
    GENESIS,
    CreditClass,
    EntryReason,
    FrameworkLevel,
    LearningAccount,
    LedgerEntry,
    Outcome,
    Standard,
    StandardVersion,
    balance_field,
)

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


# `time_text` in PostgreSQL, of a timestamptz expression (to_char does not depend on the session's DateStyle).
PG_TIME_TEXT = "to_char(({}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


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


_OUTCOME_COLUMNS = {
    "id": "o.id", "account_id": "o.account_id", "code": "s.code", "version": "v.version", "name": "v.name",
    "level": "l.level", "method": "o.method", "title": "o.title", "provider_id": "o.provider_id",
    "provider_name": "o.provider_name", "date": "o.date", "hours": "o.hours", "score": "o.score",
    "credit_class": "o.credit_class", "credits": "o.credits", "basis": "o.basis",
    "learning_record_id": "o.learning_record_id", "declaration_id": "o.declaration_id",
    "recognised_at": "o.recognised_at", "recognised_by_id": "o.recognised_by_id",
}


def _version_segment_parts(vendor: str, c: dict) -> list[str]:
    def lp(name):
        return f"length({c[name]}) || ':' || {c[name]}"

    if vendor == "postgresql":
        return [lp("code"), f"({c['version']})::text", lp("name"), f"({c['level']})::text"]
    return [lp("code"), f"CAST({c['version']} AS TEXT)", lp("name"), f"CAST({c['level']} AS TEXT)"]


def version_segment_sql(vendor: str, **columns: str) -> str:
    """The part of `outcome_payload` that comes from the outcome's standard version (its standard's code, the
    version number, its name and its level), as an SQL expression over `v`, `s` and `l`: the same for every
    outcome of the version, so verification on PostgreSQL computes it once a version (`_segments_sql`)."""
    sep = " || chr(31) || " if vendor == "postgresql" else " || char(31) || "
    return sep.join(_version_segment_parts(vendor, {**_OUTCOME_COLUMNS, **columns}))


def outcome_payload_sql(vendor: str, segment: str | None = None, **columns: str) -> str:
    """`outcome_payload` as an SQL expression over the outcome `o`, its version `v`, standard `s` and level `l`
    (`_version_joins`), or over the expressions `columns` name instead; NULL when any of them is missing. With
    `segment`, an expression for the version's part (`version_segment_sql`, NULL when the version is missing)
    instead of the four columns."""
    c = {**_OUTCOME_COLUMNS, **columns}

    def lp(name):
        return f"length({c[name]}) || ':' || {c[name]}"

    shown = [segment] if segment is not None else _version_segment_parts(vendor, c)
    if vendor == "postgresql":
        def text(name):
            return f"COALESCE(({c[name]})::text, '')"

        parts = [f"({c['id']})::text", f"({c['account_id']})::text", *shown, lp("method"), lp("title"),
                 text("provider_id"), lp("provider_name"), f"to_char({c['date']}, 'YYYY-MM-DD')",
                 f"round({c['hours']}, 1)::text", f"COALESCE(round({c['score']}, 1)::text, '')", lp("credit_class"),
                 f"round({c['credits']}, 2)::text", lp("basis"), text("learning_record_id"), text("declaration_id"),
                 PG_TIME_TEXT.format(c["recognised_at"]), text("recognised_by_id")]
        return " || chr(31) || ".join(parts)

    # SQLite: one printf (each `||` would copy the text built so far: most of the walk's time went there), NULL
    # when a part the `||` form would make NULL is missing (printf would write it as "" or 0).
    if segment is None:
        shown, shown_args = "%d:%s\x1f%s\x1f%d:%s\x1f%s", [f"length({c['code']})", c["code"], c["version"],
                                                            f"length({c['name']})", c["name"], c["level"]]
        required = [c["code"], c["version"], c["name"], c["level"]]
    else:
        shown, shown_args, required = "%s", [segment], [segment]
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
    required += [c[name] for name in ("id", "account_id", "method", "title", "provider_name", "date", "hours",
                                      "credit_class", "credits", "basis", "recognised_at")]
    template = "\x1f".join(f for f, _ in fields)
    args = ", ".join(a for _, values in fields for a in values)
    missing = " OR ".join(f"{r} IS NULL" for r in required)
    return f"CASE WHEN {missing} THEN NULL ELSE printf('{template}', {args}) END"


def _version_joins() -> str:
    return (f"LEFT JOIN {StandardVersion._meta.db_table} v ON v.id = o.standard_version_id "
            f"LEFT JOIN {Standard._meta.db_table} s ON s.id = v.standard_id "
            f"LEFT JOIN {FrameworkLevel._meta.db_table} l ON l.id = v.level_id")


def outcome_hashes(outcome_ids) -> dict[int, str]:
    """The hash of each outcome as the database has it now (verification reads the same payload); "-" for one
    that does not exist."""
    ids = sorted({int(pk) for pk in outcome_ids})
    if not ids:
        return {}
    with connection.cursor() as cur:
        # the ids written inline (integers): the payload's printf on SQLite has % signs of its own
        cur.execute(f"SELECT o.id, {outcome_payload_sql(connection.vendor)} FROM {Outcome._meta.db_table} o "
                    f"{_version_joins()} WHERE o.id IN ({', '.join(str(pk) for pk in ids)})")
        found = {pk: outcome_hash(payload or "-") for pk, payload in cur.fetchall()}
    return {pk: found.get(pk, "-") for pk in ids}


def checkpoint_hash(hashes: Iterable[str]) -> str:
    """The `outcome_hash` of a chain upgrade checkpoint (migration 0008): the hex SHA-256 of the text made of the
    outcome hashes (`outcome_hash`, as chain version 2 computes it: 64 hex digits, or "-" for an outcome that is
    gone) of the outcomes its account's chain version 1 entries record, one for each such entry in `seq` order
    (an outcome recorded by two entries, twice), joined by "\\n" (no newline at the end)."""
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def chains_upgrade(*, batch: int = 2_000) -> int:
    """Append a chain upgrade checkpoint (version 2, amount 0, no outcome, `checkpoint_hash` of the outcomes the
    account's version 1 entries record) to every account whose version 1 entries record outcomes and that has
    none yet; returns how many. Migration 0008 runs it, and only it may: `entries_append` refuses the reason.

    `batch` accounts at a time, in id order: their version 1 outcomes read through the (account, seq) index, the
    accounts locked (FOR UPDATE on PostgreSQL; SQLite's write lock), the outcomes hashed by a query (10,000 a
    query at most), the checkpoints inserted by one bulk insert and the heads moved by one update (balances
    unchanged)."""
    from learncity.creditbank.bulk import _heads_move  # the bulk path's head update

    assert transaction.get_connection().in_atomic_block, "chains_upgrade runs inside a transaction"
    entries, accounts = LedgerEntry._meta.db_table, LearningAccount._meta.db_table
    now, written, low = timezone.now(), 0, 0
    with connection.cursor() as cur:
        while True:
            cur.execute(f"SELECT id FROM {accounts} WHERE id > %s ORDER BY id LIMIT %s", [low, batch])
            ids = [pk for (pk,) in cur.fetchall()]
            if not ids:
                return written
            start, high = low, ids[-1]
            cur.execute(f"SELECT account_id, outcome_id FROM {entries} WHERE account_id > %s AND account_id <= %s "
                        f"AND chain = 1 AND outcome_id IS NOT NULL ORDER BY account_id, seq", [start, high])
            recorded: dict[int, list[int]] = {}
            for account_id, outcome_id in cur.fetchall():
                recorded.setdefault(account_id, []).append(outcome_id)
            low = high
            if not recorded:
                continue
            heads = {pk: (seq, head) for pk, seq, head in LearningAccount.objects.select_for_update().filter(
                pk__in=list(recorded)).order_by("pk").values_list("pk", "head_seq", "head_hash")}
            cur.execute(f"SELECT DISTINCT account_id FROM {entries} WHERE account_id > %s AND account_id <= %s "
                        f"AND reason = %s", [start, high, EntryReason.CHAIN_UPGRADE])
            done = {pk for (pk,) in cur.fetchall()}
            wanted = sorted({pk for pks in recorded.values() for pk in pks})
            covered = {}
            for i in range(0, len(wanted), 10_000):  # written inline: kept well under SQLite's statement length
                covered.update(outcome_hashes(wanted[i:i + 10_000]))
            rows, moved = [], {}
            for account_id, outcome_ids in recorded.items():
                if account_id in done or account_id not in heads:
                    continue
                seq, prev = heads[account_id]
                seq += 1
                of_outcomes = checkpoint_hash(covered[pk] for pk in outcome_ids)
                digest = entry_hash(prev_hash=prev, account_id=account_id, seq=seq, credit_class=_CHECKPOINT_CLASS,
                                    amount=Decimal("0"), reason=EntryReason.CHAIN_UPGRADE, outcome_id=None,
                                    conversion_id=None, reverses_id=None, actor_id=None, memo="", created_at=now,
                                    chain=2, outcome_hash=of_outcomes)
                rows.append(LedgerEntry(account_id=account_id, seq=seq, credit_class=_CHECKPOINT_CLASS,
                                        amount=Decimal("0"), reason=EntryReason.CHAIN_UPGRADE, memo="",
                                        created_at=now, prev_hash=prev, hash=digest, chain=2,
                                        outcome_hash=of_outcomes))
                moved[account_id] = (seq, digest)
            LedgerEntry.objects.bulk_create(rows, batch_size=5_000)
            _heads_move(moved, {})
            written += len(rows)


_CHECKPOINT_CLASS = CreditClass.TRAINING  # any class: a checkpoint moves no credits


@dataclass
class Movement:
    """A credit movement to append: which class, how much (signed), why, and what it refers to."""

    credit_class: str
    amount: Decimal
    reason: str
    outcome_id: int | None = None
    conversion_id: int | None = None
    reverses_id: int | None = None
    memo: str = ""


def check_amount(value, field_name: str = "amount") -> Decimal:
    """A credit amount: a finite Decimal with at most two decimals (never a float, never text like "1e3")."""
    if isinstance(value, (bool, float)) or value is None:
        raise DomainError({field_name: gettext("学分必须是十进制数（Decimal），而不是「%(value)s」") % {"value": repr(value)}})
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise DomainError({field_name: gettext("学分「%(value)s」不是数字") % {"value": value}}) from None
    try:
        exact = number.is_finite() and abs(number) < 10**8 and number == number.quantize(CENT)
    except ArithmeticError:
        exact = False
    if not exact:
        raise DomainError({field_name: gettext("学分「%(value)s」必须是绝对值小于一亿、最多两位小数的数字") % {"value": value}})
    return number


def lock_account(account_id: int) -> LearningAccount:
    """The account row, locked until the transaction ends (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
    transaction already holds the database's write lock from BEGIN IMMEDIATE)."""
    return LearningAccount.objects.select_for_update().get(pk=account_id)


def entries_append(*, account: LearningAccount, movements: Iterable[Movement], actor=None) -> list[LedgerEntry]:
    """Append movements to a locked account's chain, update its head and cached balances. The caller holds the
    lock (`lock_account`) inside its transaction."""
    assert transaction.get_connection().in_atomic_block, "entries_append runs inside the caller's transaction"
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    seq, prev = account.head_seq, account.head_hash
    rows, sums = [], {}
    movements = list(movements)
    covered = outcome_hashes(m.outcome_id for m in movements if m.outcome_id is not None)
    for m in movements:
        if m.credit_class not in CreditClass.values:
            raise DomainError({"credit_class": gettext("未知的学分类别「%(credit_class)s」") % {"credit_class": m.credit_class}})
        if m.reason not in EntryReason.values:
            raise DomainError({"reason": gettext("未知的记账原因「%(reason)s」") % {"reason": m.reason}})
        if m.reason == EntryReason.CHAIN_UPGRADE:
            raise DomainError({"reason": gettext("账本升级记录只由迁移 0008 写入")})
        amount = check_amount(m.amount)
        if amount == 0:
            raise DomainError({"amount": gettext("学分变动不能为 0")})
        if m.outcome_id is not None and covered[m.outcome_id] == "-":
            raise DomainError({"outcome": gettext("学习成果 %(outcome_id)s 不存在") % {"outcome_id": m.outcome_id}})
        seq += 1
        of_outcome = "" if m.outcome_id is None else covered[m.outcome_id]
        digest = entry_hash(prev_hash=prev, account_id=account.pk, seq=seq, credit_class=m.credit_class, amount=amount,
                            reason=m.reason, outcome_id=m.outcome_id, conversion_id=m.conversion_id,
                            reverses_id=m.reverses_id, actor_id=actor_id, memo=m.memo, created_at=now, chain=CHAIN,
                            outcome_hash=of_outcome)
        rows.append(LedgerEntry(account_id=account.pk, seq=seq, credit_class=m.credit_class, amount=amount,
                                reason=m.reason, outcome_id=m.outcome_id, conversion_id=m.conversion_id,
                                reverses_id=m.reverses_id, actor_id=actor_id, memo=m.memo, created_at=now,
                                prev_hash=prev, hash=digest, chain=CHAIN, outcome_hash=of_outcome))
        sums[m.credit_class] = sums.get(m.credit_class, Decimal("0")) + amount
        prev = digest
    if not rows:
        return []
    LedgerEntry.objects.bulk_create(rows)
    changed = ["head_seq", "head_hash"]
    for credit_class, delta in sums.items():
        field_name = balance_field(credit_class)
        balance = getattr(account, field_name) + delta
        if balance < 0:
            raise DomainError({"amount": gettext("%(label)s学分余额不能小于 0") % {"label": CreditClass(credit_class).label}})
        setattr(account, field_name, balance)
        changed.append(field_name)
    account.head_seq, account.head_hash = seq, prev
    account.save(update_fields=changed)
    return rows


# --- verification -------------------------------------------------------------------------------------

@dataclass
class Break:
    account_id: int
    seq: int | None
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"账户 LA{self.account_id:010d}" + (f" 第 {self.seq} 笔（id {self.entry_id}）" if self.seq is not None else "")
        return f"{where}：{self.problem}"


@dataclass
class VerifyReport:
    accounts: int = 0
    entries: int = 0
    breaks: list[Break] = field(default_factory=list)
    digest: str = ""  # SHA-256 over every account's head, in account order: publish it to anchor the ledger

    @property
    def ok(self) -> bool:
        return not self.breaks


def _as_datetime(value):
    if isinstance(value, str):  # SQLite through a raw cursor
        import datetime

        parsed = datetime.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
    return value if value.tzinfo else value.replace(tzinfo=timezone.UTC)


_PAGE = 20_000  # accounts per page: their heads, cached balances and entries are read together, so memory stays flat
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _copy_unescape(text: str) -> str:
    return _COPY_ESCAPE.sub(lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), text)


def _sqlite_time(value: str) -> str:
    """A created_at as SQLite keeps it (naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"; read as text, not through
    Django's datetime converter) in `time_text`'s form."""
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        return f"{value[:10]}T{value[11:]}Z"
    if len(value) == 19 and value[10] == " ":
        return f"{value[:10]}T{value[11:]}.000000Z"
    return time_text(_as_datetime(value))


def _scope(column: str, low: int | None, high: int | None, account_ids: list[int] | None) -> str:
    """The SQL condition of a page: `low < column <= high`, and in `account_ids` (integers, written inline: COPY
    takes no parameters)."""
    parts = []
    if low is not None:
        parts.append(f"{column} > {int(low)}")
    if high is not None:
        parts.append(f"{column} <= {int(high)}")
    if account_ids is not None:
        parts.append(f"{column} IN ({', '.join(str(int(pk)) for pk in account_ids) or 'NULL'})")
    return " AND ".join(parts) or "TRUE"


def _segments_sql() -> str:
    """Each standard version's segment of the payload (`version_segment_sql`) as a JSON object by version id, an
    uncorrelated subquery, so PostgreSQL computes it once a statement (an InitPlan) instead of joining the
    version, its standard and its level for every entry. A version whose standard or level is gone has none, so
    the payload of its outcomes is NULL ("-"), as with the joins. (SQLite joins the three by rowid: about as fast,
    and a CTE there would be scanned for every entry.)"""
    return (f"(SELECT jsonb_object_agg(v.id, {version_segment_sql('postgresql')}) "
            f"FROM {StandardVersion._meta.db_table} v JOIN {Standard._meta.db_table} s ON s.id = v.standard_id "
            f"JOIN {FrameworkLevel._meta.db_table} l ON l.id = v.level_id)")


def _outcome_now_sql(vendor: str, hashed: bool = False) -> str:
    """Of an entry `e` with an outcome: the payload of its outcome as it is now ("-" if the outcome, its version,
    standard or level is gone; version 1 entries' too, for the chain upgrade checkpoint the Python walk checks),
    "" for one without. With `hashed` (PostgreSQL's SQL verification): the outcome's `outcome_hash` for an entry
    of version 2 or later, "" without an outcome; for one of version 1 or a checkpoint, the entry's own
    outcome_hash (so this finds nothing to report: `_checkpoint_now_sql` checks those).

    On PostgreSQL a subquery, the outcome looked up by its primary key for each entry in the (account, seq) order
    the entries are read in (a join let the planner hash every outcome of the ledger and sort the page's entries
    again, each page); on SQLite over `_covered_joins`, which joins only the outcomes of such entries (by rowid,
    in the same order)."""
    if vendor == "postgresql":
        if hashed:
            return (f"CASE WHEN e.chain < 2 OR e.reason = '{EntryReason.CHAIN_UPGRADE}' THEN e.outcome_hash "
                    f"WHEN e.outcome_id IS NULL THEN '' ELSE {_pg_outcome_hash('e.outcome_id')} END")
        payload = outcome_payload_sql(vendor, segment=f"({_segments_sql()} ->> o.standard_version_id::text)")
        return (f"CASE WHEN e.outcome_id IS NULL THEN '' ELSE COALESCE(("
                f"SELECT {payload} FROM {Outcome._meta.db_table} o WHERE o.id = e.outcome_id), '-') END")
    assert not hashed, "SQLite has no sha256: the Python walk hashes the payload"
    return f"CASE WHEN e.outcome_id IS NULL THEN '' ELSE COALESCE({outcome_payload_sql(vendor)}, '-') END"


def _pg_outcome_hash(outcome_id: str) -> str:
    """PostgreSQL: the `outcome_hash` of the outcome `outcome_id` (an SQL expression) as it is now, "-" if it, its
    version, standard or level is gone; looked up by primary key."""
    payload = outcome_payload_sql("postgresql", segment=f"({_segments_sql()} ->> o.standard_version_id::text)")
    return (f"COALESCE((SELECT encode(pg_catalog.sha256(convert_to({payload}, 'UTF8')), 'hex') "
            f"FROM {Outcome._meta.db_table} o WHERE o.id = {outcome_id}), '-')")


def _checkpoint_now_sql() -> str:
    """PostgreSQL, of an entry `e`: for a chain upgrade checkpoint, `checkpoint_hash` of the outcomes its account's
    version 1 entries before it record, as they are now, or "" if the checkpoint is stray (one came before it,
    or no version 1 entry before it records an outcome); NULL for any other entry. A subquery evaluated only for
    checkpoints (at most one an account), over the account's entries before it, through the (account, seq)
    index."""
    entries, upgrade = LedgerEntry._meta.db_table, EntryReason.CHAIN_UPGRADE
    recorded = "c.chain = 1 AND c.outcome_id IS NOT NULL"
    # the outcome joined with its version, standard and level (as `outcome_hashes` does), not through the page's
    # once-a-statement versions' text: a second InitPlan for a few rows would cost every page its computation
    digest = "encode(pg_catalog.sha256(convert_to({}, 'UTF8')), 'hex')"
    line = f"COALESCE({digest.format(outcome_payload_sql('postgresql'))}, '-')"
    return (f"CASE WHEN e.reason = '{upgrade}' THEN (SELECT CASE WHEN bool_or(c.reason = '{upgrade}') "
            f"OR NOT COALESCE(bool_or({recorded}), false) THEN '' ELSE {digest.format(
                f"string_agg(CASE WHEN {recorded} THEN {line} END, chr(10) ORDER BY c.seq)")} END "
            f"FROM {entries} c LEFT JOIN {Outcome._meta.db_table} o ON o.id = c.outcome_id AND {recorded} "
            f"{_version_joins()} WHERE c.account_id = e.account_id AND c.seq < e.seq) END")


def _covered_joins() -> str:
    """SQLite: the outcome of each entry that records one, with its version, standard and level (version 1
    entries' too: a chain upgrade checkpoint covers them)."""
    return f"LEFT JOIN {Outcome._meta.db_table} o ON o.id = e.outcome_id {_version_joins()}"


def _stream(low: int | None, high: int | None, account_ids: list[int] | None) -> Iterator[list[list[str]]]:
    """The entries of the accounts `low < id <= high`, in (account, seq) order and in batches, every field as the
    text the hash is computed over (the four nullable ids as "", the amount with two decimals, the time in
    `time_text`'s form): (account_id, seq, credit_class, amount, reason, outcome_id, conversion_id, reverses_id,
    actor_id, memo, created_at, prev_hash, hash, id, chain, outcome_hash, the payload of the outcome as it is now
    (`_outcome_now_sql`)). PostgreSQL streams them with COPY, in its text format (a row a line, tabs between
    fields, backslash escapes in values); SQLite formats them in the query."""
    table = LedgerEntry._meta.db_table
    where = _scope("e.account_id", low, high, account_ids)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            sql = (f"COPY (SELECT e.account_id, e.seq, e.credit_class, e.amount, e.reason, "
                   f"COALESCE(e.outcome_id::text, ''), COALESCE(e.conversion_id::text, ''), "
                   f"COALESCE(e.reverses_id::text, ''), COALESCE(e.actor_id::text, ''), e.memo, "
                   f"{PG_TIME_TEXT.format('e.created_at')}, e.prev_hash, e.hash, e.id, e.chain, e.outcome_hash, "
                   f"{_outcome_now_sql('postgresql')} FROM {table} e WHERE {where} "
                   f"ORDER BY e.account_id, e.seq) TO STDOUT")
            rows, pending = [], b""
            with cur.cursor.copy(sql) as copy:
                for data in copy:
                    chunk = bytes(data)
                    if pending or chunk.count(b"\n") != 1 or not chunk.endswith(b"\n"):  # not one row a message
                        *lines, pending = (pending + chunk).split(b"\n")
                    else:
                        lines = (chunk[:-1],)
                    for line in lines:
                        text = line.decode()
                        rows.append([_copy_unescape(f) for f in text.split("\t")] if "\\" in text else text.split("\t"))
                    if len(rows) >= 5_000:
                        yield rows
                        rows = []
            if rows:
                yield rows
            return
        # created_at in time_text's form when it has one of the two forms Django writes (`_sqlite_time`), so the
        # rows go to the walk as they come; any other text marked with a NUL first, for `_sqlite_time` to read.
        created = ("CASE WHEN unicode(e.created_at) > 0 AND length(e.created_at) = 26 "
                   "AND substr(e.created_at, 11, 1) = ' ' AND substr(e.created_at, 20, 1) = '.' "
                   "THEN printf('%sT%sZ', substr(e.created_at, 1, 10), substr(e.created_at, 12)) "
                   "WHEN unicode(e.created_at) > 0 AND length(e.created_at) = 19 AND substr(e.created_at, 11, 1) = ' ' "
                   "THEN printf('%sT%s.000000Z', substr(e.created_at, 1, 10), substr(e.created_at, 12)) "
                   "ELSE char(0) || CAST(e.created_at AS TEXT) END")
        cur.execute(f"SELECT CAST(e.account_id AS TEXT), CAST(e.seq AS TEXT), e.credit_class, printf('%.2f', e.amount), "
                    f"e.reason, COALESCE(CAST(e.outcome_id AS TEXT), ''), COALESCE(CAST(e.conversion_id AS TEXT), ''), "
                    f"COALESCE(CAST(e.reverses_id AS TEXT), ''), COALESCE(CAST(e.actor_id AS TEXT), ''), e.memo, "
                    f"{created}, e.prev_hash, e.hash, CAST(e.id AS TEXT), CAST(e.chain AS TEXT), e.outcome_hash, "
                    f"{_outcome_now_sql('sqlite')} FROM {table} e {_covered_joins()} WHERE {where} "
                    f"ORDER BY e.account_id, e.seq")
        while rows := cur.fetchmany(10_000):
            yield rows


def _pages(account_ids: list[int] | None) -> Iterator[tuple[int | None, int | None, dict, dict]]:
    """Pages of up to _PAGE accounts in id order: (low, high, heads, cached balances in cents). The first page
    has no lower bound and the last no upper one, so entries of an account that does not exist are in a page too."""
    accounts = LearningAccount._meta.db_table
    classes = CreditClass.values

    def cents(column: str) -> str:
        return f"CAST({column} AS TEXT)" if connection.vendor == "postgresql" else f"printf('%.2f', {column})"

    low = None
    with connection.cursor() as cur:
        while True:
            cur.execute(f"SELECT id, head_seq, head_hash, {', '.join(cents(balance_field(c)) for c in classes)} "
                        f"FROM {accounts} WHERE {_scope('id', low, None, account_ids)} ORDER BY id LIMIT {_PAGE}")
            heads, cached = {}, {}
            for pk, seq, head_hash, *amounts in cur.fetchall():
                heads[pk] = (seq, head_hash)
                if found := {c: value for c, amount in zip(classes, amounts, strict=True)
                             if (value := int(amount.replace(".", "")))}:
                    cached[pk] = found
            high = next(reversed(heads)) if len(heads) == _PAGE else None
            yield low, high, heads, cached
            if high is None:
                return
            low = high


@contextmanager
def _snapshot():
    """One snapshot for the whole walk, so entries appended meanwhile (heads moved after their page was read)
    do not look like breaks: a read-only REPEATABLE READ transaction on PostgreSQL, a deferred (reading) one on
    SQLite. Inside the caller's transaction, that transaction's. Yields whether the transaction is verify's own."""
    if connection.in_atomic_block:
        yield False
        return
    with connection.cursor():  # connect (and run any health check) before the transaction's first statement
        pass
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield True
        return
    with connection.cursor() as cur:
        cur.execute("BEGIN DEFERRED")
        try:
            yield True
        finally:
            cur.execute("COMMIT")


def ledger_verify(*, account_ids: list[int] | None = None, progress=None, in_python: bool = False) -> VerifyReport:
    """Check the chains and report every break with where it is: altered, inserted or removed entries, a head or
    a cached balance that does not match the entries. A page of accounts at a time, in one snapshot, so memory
    stays flat and concurrent writes are not breaks; `progress(entries so far)` after a page or 100,000 entries.

    On PostgreSQL the database does the per-entry work (`_verify_in_sql`) and returns only the breaks and what
    the digest needs; elsewhere, or with `in_python=True` (the reference the SQL is tested against), every entry
    is streamed to Python and checked there. Both report the same breaks, in the same order, and the same digest."""
    report = VerifyReport()
    digest = hashlib.sha256()
    if account_ids is not None:
        account_ids = sorted({int(pk) for pk in account_ids})
    with _snapshot() as own_transaction:
        if connection.vendor == "postgresql" and not in_python:
            _verify_in_sql(report, digest, account_ids, progress, own_transaction)
        else:
            for low, high, heads, cached in _pages(account_ids):
                _verify_page(report, digest, _stream(low, high, account_ids), heads, cached, progress)
    report.digest = digest.hexdigest()
    return report


# What each break says, the same from both paths.
_UNLINKED = "前一笔的哈希不一致（链被删除、插入或改动）"
_ALTERED = "记录内容与其哈希不一致（记录被改动）"
_NO_ACCOUNT = "账本中有记录，但账户不存在"
_BALANCE = "缓存的余额与账本记录之和不一致"
_DOWNGRADED = "记录的链版本低于前一笔（版本被改动）"
_OUTCOME = OUTCOME_ALTERED = "记录所记的学习成果与记账时不一致（成果被改动或删除）"
_STRAY_CHECKPOINT = "多余的账本升级记录（每个账户至多一笔，且只在此前的记录载有学习成果时）"


def _gap(expect_seq: int) -> str:
    return f"序号不连续：应为第 {expect_seq} 笔（记录被删除或插入）"


def _head_moved(head_seq: int, last_seq: int) -> str:
    return f"账户记载的链尾为第 {head_seq} 笔，而账本的链尾为第 {last_seq} 笔，或其哈希不一致（末尾记录被删除或被改动）"


def _no_entries(head_seq: int) -> str:
    return f"账户记载有 {head_seq} 笔记录，但账本中一笔也没有（记录被删除）"


def _verify_page(report: VerifyReport, digest, batches: Iterator[list[list[str]]], heads: dict, cached: dict,
                 progress) -> None:
    sha256 = hashlib.sha256
    breaks = report.breaks
    n = report.entries
    current, current_text, expect_seq, prev, sums = None, None, 0, GENESIS, {}
    version, recorded, checkpoints = 1, [], 0  # the account's version 1 outcomes' hashes, its checkpoints so far
    upgrade = EntryReason.CHAIN_UPGRADE.value
    for (account_text, seq_text, credit_class, amount, reason, outcome_id, conversion_id, reverses_id, actor_id, memo,
         created_at, prev_hash, stored_hash, entry_id, chain_text, stored_outcome_hash, outcome_now) in chain.from_iterable(
            batches):
        if account_text != current_text:
            if current is not None:
                _close(report, digest, current, expect_seq, prev, sums, heads, cached)
            current, current_text, expect_seq, prev, sums, version = int(account_text), account_text, 0, GENESIS, {}, 1
            recorded, checkpoints = [], 0
        if created_at[:1] == "\0":  # SQLite: a created_at in neither of the forms Django writes
            created_at = _sqlite_time(created_at[1:])
        seq = int(seq_text)
        expect_seq += 1
        if seq != expect_seq:
            breaks.append(Break(current, seq, int(entry_id), _gap(expect_seq)))
            expect_seq = seq
        if prev_hash != prev:
            breaks.append(Break(current, seq, int(entry_id), _UNLINKED))
        # The same fields, in the same order and the same text, as entry_hash() hashes under the entry's version.
        payload = "\x1f".join((prev_hash, account_text, seq_text, credit_class, amount, reason, outcome_id,
                               conversion_id, reverses_id, actor_id, memo, created_at))
        if chain_text == "2":
            payload = f"2\x1f{payload}\x1f{stored_outcome_hash}"
        if chain_text not in ("1", "2") or sha256(payload.encode()).hexdigest() != stored_hash:
            breaks.append(Break(current, seq, int(entry_id), _ALTERED))
        entry_version = int(chain_text)
        if entry_version < version:
            breaks.append(Break(current, seq, int(entry_id), _DOWNGRADED))
        version = entry_version
        if reason == upgrade:  # a chain upgrade checkpoint: the version 1 outcomes before it, as they are now
            if checkpoints or not recorded:
                breaks.append(Break(current, seq, int(entry_id), _STRAY_CHECKPOINT))
            elif sha256("\n".join(recorded).encode()).hexdigest() != stored_outcome_hash:
                breaks.append(Break(current, seq, int(entry_id), _OUTCOME))
            checkpoints += 1
        elif entry_version >= 2 and (outcome_now if outcome_now in ("", "-") else sha256(outcome_now.encode()).hexdigest()
                                     ) != stored_outcome_hash:
            breaks.append(Break(current, seq, int(entry_id), _OUTCOME))
        elif chain_text == "1" and outcome_id:
            recorded.append(outcome_now if outcome_now in ("", "-") else sha256(outcome_now.encode()).hexdigest())
        prev = stored_hash
        sums[credit_class] = sums.get(credit_class, 0) + int(amount.replace(".", ""))  # in cents
        n += 1
        if progress is not None and n % 100_000 == 0:
            progress(n)
    report.entries = n
    if current is not None:
        _close(report, digest, current, expect_seq, prev, sums, heads, cached)
    for account_id, (seq, head_hash) in heads.items():  # accounts with no entries left
        if seq != 0 or head_hash != GENESIS:
            breaks.append(Break(account_id, None, None, _no_entries(seq)))
        if cached.pop(account_id, None):
            breaks.append(Break(account_id, None, None, _BALANCE))
        report.accounts += 1


def _close(report: VerifyReport, digest, account_id: int, last_seq: int, last_hash: str, sums: dict, heads: dict,
           cached: dict) -> None:
    """An account's entries are all read: its head and cached balances must match them."""
    head = heads.pop(account_id, None)
    if head is None:
        report.breaks.append(Break(account_id, None, None, _NO_ACCOUNT))
    elif head != (last_seq, last_hash):
        report.breaks.append(Break(account_id, None, None, _head_moved(head[0], last_seq)))
    if {k: v for k, v in sums.items() if v} != cached.pop(account_id, {}):
        report.breaks.append(Break(account_id, None, None, _BALANCE))
    digest.update(f"{account_id}:{last_seq}:{last_hash}\n".encode())
    report.accounts += 1


# --- PostgreSQL: the per-entry work in the database -------------------------------------------------------------
# The same checks as `_verify_page`, each local to an entry, its predecessor and its account's row, as one
# statement a page of accounts: every entry's hash recomputed (`entry_hash_sql`), its seq and prev_hash against
# the previous entry's (lag over the account's entries in seq order, the order of the unique (account, seq) index,
# so no sort), and per account the last entry and the sums per class against the account's head and cached
# balances (a FULL JOIN, so accounts without entries and entries without an account are there too). A page comes
# back as one row: its accounts and entries, the digest's lines, and the accounts with a break (JSON). When verify
# has its own transaction, _CONNECTIONS connections verify pages at once, all in its snapshot (exported, imported).

_CONNECTIONS = 2
_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f-]+$")


def _tune(cur) -> None:
    """In a transaction of verify's own: entries read through the (account, seq) index, which gives them in the
    window's order (a bitmap or sequential scan of a page then sorts them: a fifth more time when the table is in
    account order, and most of the table read again for every page when it is not); no JIT (it would compile
    each page's statement, for longer than it saves); memory for a page's aggregates."""
    for setting in ("enable_seqscan = off", "enable_bitmapscan = off", "jit = off", "work_mem = '64MB'"):
        cur.execute(f"SET LOCAL {setting}")


def _page_sql(low: int | None, high: int | None, account_ids: list[int] | None) -> str:
    entries, accounts = LedgerEntry._meta.db_table, LearningAccount._meta.db_table
    classes = CreditClass.values
    known = ", ".join(f"'{c}'" for c in classes)
    columns = [balance_field(c) for c in classes]
    sums = ", ".join(f"sum(amount) FILTER (WHERE credit_class = '{c}') AS {f}" for c, f in zip(classes, columns,
                                                                                             strict=True))
    differs = " OR ".join(f"COALESCE(g.{f}, 0) <> COALESCE(a.{f}, 0)" for f in columns)
    own = ("e.prev_hash", "e.account_id::text", "e.seq::text", "e.credit_class", "e.amount::text", "e.reason",
           *(f"COALESCE(e.{c}::text, '')" for c in ("outcome_id", "conversion_id", "reverses_id", "actor_id")),
           "e.memo", PG_TIME_TEXT.format("e.created_at"))
    digest = (f"CASE e.chain WHEN 1 THEN {entry_hash_sql(*own)} "
              f"WHEN 2 THEN {entry_hash_sql(*own, 'e.outcome_hash')} END")
    outcome_now = _outcome_now_sql("postgresql", hashed=True)
    checkpoint_now = _checkpoint_now_sql()
    checkpoint_off = "COALESCE(ck <> '' AND ck <> outcome_hash, false)"  # a checkpoint's outcomes changed
    stray = "COALESCE(ck = '', false)"
    # An entry of a class that is no column (only by tampering) breaks the balances when its class sums to
    # anything but 0, as `_close` sees it: looked at only for an account that has one.
    odd_sums = (f"EXISTS (SELECT FROM {entries} o WHERE o.account_id = g.account_id AND o.credit_class NOT IN ({known}) "
                f"GROUP BY o.credit_class HAVING sum(o.amount) <> 0)")
    return f"""
        WITH t AS MATERIALIZED (
          SELECT COALESCE(a.id, g.account_id) AS account_id, a.id IS NOT NULL AS known, g.n, g.last_seq, g.last_hash,
                 g.bad, a.head_seq, a.head_hash,
                 {differs} OR CASE WHEN g.odd THEN {odd_sums} ELSE false END AS differs
          FROM (
            SELECT account_id, count(*) AS n, max(seq) AS last_seq, max(hash) FILTER (WHERE last) AS last_hash, {sums},
                   bool_or(credit_class NOT IN ({known})) AS odd,
                   array_agg(ARRAY[seq, id, expect, unlinked::int, altered::int, downgraded::int,
                                   (outcome OR {checkpoint_off})::int, ({stray})::int])
                     FILTER (WHERE seq <> expect OR unlinked OR altered OR downgraded OR outcome OR {checkpoint_off}
                             OR {stray}) AS bad
            FROM (
              SELECT e.account_id, e.seq, e.id, e.hash, e.credit_class, e.amount,
                     COALESCE(lag(e.seq) OVER w, 0) + 1 AS expect,
                     e.prev_hash <> COALESCE(lag(e.hash) OVER w, '{GENESIS}') AS unlinked,
                     {digest} IS DISTINCT FROM e.hash AS altered,
                     e.chain < COALESCE(lag(e.chain) OVER w, 1) AS downgraded,
                     {outcome_now} <> e.outcome_hash AS outcome,
                     {checkpoint_now} AS ck, e.outcome_hash,
                     lead(e.seq) OVER w IS NULL AS last
              FROM {entries} e WHERE {_scope("e.account_id", low, high, account_ids)}
              WINDOW w AS (PARTITION BY e.account_id ORDER BY e.seq)) x
            GROUP BY account_id) g
          FULL JOIN (SELECT * FROM {accounts} WHERE {_scope("id", low, high, account_ids)}) a ON a.id = g.account_id),
        p AS (
          SELECT t.*, CASE WHEN n IS NULL THEN head_seq <> 0 OR head_hash <> '{GENESIS}'
                           ELSE head_seq <> last_seq OR head_hash <> last_hash END AS head_moved
          FROM t)
        SELECT count(*), COALESCE(sum(n), 0)::bigint,
               COALESCE(string_agg(account_id || ':' || last_seq || ':' || last_hash || chr(10), '' ORDER BY account_id)
                          FILTER (WHERE n IS NOT NULL), ''),
               json_agg(json_build_array(account_id, known, n, last_seq, head_seq, head_moved, differs, bad)
                        ORDER BY account_id) FILTER (WHERE NOT known OR head_moved OR differs OR bad IS NOT NULL)
        FROM p"""


def _page_breaks(problems: list | str | None) -> list[Break]:
    """A page's accounts with a break as `_page_sql` gives them, as `_verify_page` reports them: the accounts with
    entries in id order, each with its entries' breaks in seq order and then its head's and balances'; then the
    accounts without entries."""
    if isinstance(problems, str):
        problems = json.loads(problems)
    with_entries, without = [], []
    for account_id, known, n, last_seq, head_seq, head_moved, differs, bad in problems or ():
        if n is None:
            if head_moved:
                without.append(Break(account_id, None, None, _no_entries(head_seq)))
            if differs:
                without.append(Break(account_id, None, None, _BALANCE))
            continue
        for seq, entry_id, expect_seq, unlinked, altered, downgraded, outcome, stray in sorted(bad or ()):
            if seq != expect_seq:
                with_entries.append(Break(account_id, seq, entry_id, _gap(expect_seq)))
            if unlinked:
                with_entries.append(Break(account_id, seq, entry_id, _UNLINKED))
            if altered:
                with_entries.append(Break(account_id, seq, entry_id, _ALTERED))
            if downgraded:
                with_entries.append(Break(account_id, seq, entry_id, _DOWNGRADED))
            if outcome:
                with_entries.append(Break(account_id, seq, entry_id, _OUTCOME))
            if stray:
                with_entries.append(Break(account_id, seq, entry_id, _STRAY_CHECKPOINT))
        if not known:
            with_entries.append(Break(account_id, None, None, _NO_ACCOUNT))
        elif head_moved:
            with_entries.append(Break(account_id, None, None, _head_moved(head_seq, last_seq)))
        if differs:
            with_entries.append(Break(account_id, None, None, _BALANCE))
    return with_entries + without


def _verify_in_sql(report: VerifyReport, digest, account_ids: list[int] | None, progress, own_transaction: bool) -> None:
    accounts = LearningAccount._meta.db_table
    with connection.cursor() as cur:
        if own_transaction:
            _tune(cur)
        # The pages `_pages` reads: _PAGE accounts each, the first without a lower bound and the last without an
        # upper one.
        cur.execute(f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {accounts} "
                    f"WHERE {_scope('id', None, None, account_ids)}) x WHERE n % {_PAGE} = 0 ORDER BY id")
        bounds = [row[0] for row in cur.fetchall()]
        pages = list(zip([None, *bounds], [*bounds, None], strict=True))
        helpers = min(_CONNECTIONS, len(pages)) - 1 if own_transaction else 0
        snapshot = None
        if helpers:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]

        def verify(cursor, index: int) -> tuple:  # on the calling thread's connection
            cursor.execute(_page_sql(*pages[index], account_ids))
            return cursor.fetchone()

        queue = _PageQueue(len(pages))
        threads = [threading.Thread(target=_helper, args=(connection.alias, snapshot, queue, verify), daemon=True)
                   for _ in range(helpers)]
        try:
            for thread in threads:
                thread.start()
            for accounts_seen, entries, lines, problems in queue.results(lambda index: verify(cur, index)):
                report.accounts += accounts_seen
                report.entries += entries
                digest.update(lines.encode())
                report.breaks += _page_breaks(problems)
                if progress is not None:
                    progress(report.entries)
        finally:
            queue.stop()
            for thread in threads:
                if thread.ident is not None:  # started
                    thread.join()


def _helper(alias: str, snapshot: str, queue: "_PageQueue", verify) -> None:
    """Another connection verifying pages from `queue`, in a read-only transaction of the exported snapshot."""
    own = connections[alias]  # this thread's connection
    try:
        with own.cursor():
            pass
        if not _SNAPSHOT_ID.match(snapshot):  # written inline below: SET takes no parameters
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        with transaction.atomic(using=alias), own.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            _tune(cur)
            while (index := queue.take()) is not None:
                queue.put(index, verify(cur, index))
    except BaseException as error:  # handed to the verifying thread, which raises it
        queue.fail(error)
    finally:
        own.close()


class _PageQueue:
    """Pages handed out in order to the connections that verify them, and their results given back in page order
    (the digest is over the pages in order), holding only those that finished ahead of an earlier one."""

    def __init__(self, count: int):
        self.count, self.taken, self.done, self.error, self.stopped = count, 0, {}, None, False
        self.changed = threading.Condition()

    def take(self) -> int | None:
        with self.changed:
            if self.stopped or self.error is not None or self.taken == self.count:
                return None
            self.taken += 1
            return self.taken - 1

    def put(self, index: int, result) -> None:
        with self.changed:
            self.done[index] = result
            self.changed.notify_all()

    def fail(self, error: BaseException) -> None:
        with self.changed:
            self.error = self.error or error
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopped = True

    def results(self, verify) -> Iterator:
        """Each page's result in page order, this thread verifying pages too (`verify(index)`) while any is left."""
        for wanted in range(self.count):
            while True:
                with self.changed:
                    if self.error is not None:
                        raise self.error
                    if wanted in self.done:
                        result = self.done.pop(wanted)
                        break
                    if self.taken == self.count:  # every page is being verified: wait for the one wanted
                        self.changed.wait()
                        continue
                index = self.take()
                if index is not None:
                    self.put(index, verify(index))
            yield result
