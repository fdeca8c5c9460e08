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

import datetime
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain

from django.db import connection
from django.utils import timezone

from learncity.creditbank.ledger.chain import time_text
from learncity.creditbank.ledger.in_sql import verify_in_sql
from learncity.creditbank.ledger.report import Break, Problem, VerifyReport, _scope
from learncity.creditbank.models import (
    GENESIS,
    CreditClass,
    EntryReason,
    LearningAccount,
    balance_field,
)
from learncity.creditbank.sql import dialect


def _as_datetime(value):
    if isinstance(value, str):  # SQLite through a raw cursor
        parsed = datetime.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
    return value if value.tzinfo else value.replace(tzinfo=timezone.UTC)


_PAGE = 20_000  # accounts per page: their heads, cached balances and entries are read together, so memory stays flat


def _sqlite_time(value: str) -> str:
    """A created_at as SQLite keeps it (naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"; read as text, not through
    Django's datetime converter) in `time_text`'s form."""
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        return f"{value[:10]}T{value[11:]}Z"
    if len(value) == 19 and value[10] == " ":
        return f"{value[:10]}T{value[11:]}.000000Z"
    return time_text(_as_datetime(value))


def _stream(low: int | None, high: int | None, account_ids: list[int] | None) -> Iterator[list[list[str]]]:
    """The entries of the accounts `low < id <= high`, in (account, seq) order and in batches, every field as the
    text the hash is computed over (the four nullable ids as "", the amount with two decimals, the time in
    `time_text`'s form): (account_id, seq, credit_class, amount, reason, outcome_id, conversion_id, reverses_id,
    actor_id, memo, created_at, prev_hash, hash, id, chain, outcome_hash, the payload of the outcome as it is now
    (`LedgerSQL.outcome_now`)). SQLite marks a created_at in neither of the forms Django writes with a NUL first,
    for `_sqlite_time` to read."""
    with connection.cursor() as cur:
        yield from dialect().entry_rows(cur, _scope("e.account_id", low, high, account_ids))


def _pages(account_ids: list[int] | None) -> Iterator[tuple[int | None, int | None, dict, dict]]:
    """Pages of up to _PAGE accounts in id order: (low, high, heads, cached balances in cents). The first page
    has no lower bound and the last no upper one, so entries of an account that does not exist are in a page too."""
    accounts = LearningAccount._meta.db_table
    classes = CreditClass.values

    cents = dialect().cents
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
    with dialect().read_snapshot(connection):
        yield True


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
        if dialect().works_in_sql and not in_python:
            verify_in_sql(report, digest, account_ids, progress, own_transaction, page=_PAGE)
        else:
            for low, high, heads, cached in _pages(account_ids):
                _verify_page(report, digest, _stream(low, high, account_ids), heads, cached, progress)
    report.digest = digest.hexdigest()
    return report


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
            breaks.append(Break(current, seq, int(entry_id), Problem.gap(expect_seq)))
            expect_seq = seq
        if prev_hash != prev:
            breaks.append(Break(current, seq, int(entry_id), Problem.UNLINKED))
        # The same fields, in the same order and the same text, as entry_hash() hashes under the entry's version.
        payload = "\x1f".join((prev_hash, account_text, seq_text, credit_class, amount, reason, outcome_id,
                               conversion_id, reverses_id, actor_id, memo, created_at))
        if chain_text == "2":
            payload = f"2\x1f{payload}\x1f{stored_outcome_hash}"
        if chain_text not in ("1", "2") or sha256(payload.encode()).hexdigest() != stored_hash:
            breaks.append(Break(current, seq, int(entry_id), Problem.ALTERED))
        entry_version = int(chain_text)
        if entry_version < version:
            breaks.append(Break(current, seq, int(entry_id), Problem.DOWNGRADED))
        version = entry_version
        if problem := _outcome_problem(reason == upgrade, entry_version, outcome_id, outcome_now, stored_outcome_hash,
                                       recorded, checkpoints):
            breaks.append(Break(current, seq, int(entry_id), problem))
        checkpoints += reason == upgrade
        prev = stored_hash
        sums[credit_class] = sums.get(credit_class, 0) + int(amount.replace(".", ""))  # in cents
        n += 1
        if progress is not None and n % 100_000 == 0:
            progress(n)
    report.entries = n
    if current is not None:
        _close(report, digest, current, expect_seq, prev, sums, heads, cached)
    _close_empty(report, heads, cached)


def _outcome_problem(checkpoint: bool, version: int, outcome_id: str, outcome_now: str, stored: str,
                     recorded: list[str], checkpoints: int) -> str | None:
    """What is wrong with what an entry covers of outcomes, if anything: a chain upgrade checkpoint against the
    version 1 outcomes before it as they are now (and there is at most one, after such outcomes); a version 2
    entry against its outcome as it is now. A version 1 entry's outcome is added to `recorded`, for the
    checkpoint."""
    if checkpoint:
        if checkpoints or not recorded:
            return Problem.STRAY_CHECKPOINT
        return Problem.OUTCOME if hashlib.sha256("\n".join(recorded).encode()).hexdigest() != stored else None
    now = outcome_now if outcome_now in ("", "-") else hashlib.sha256(outcome_now.encode()).hexdigest()
    if version >= 2:
        return Problem.OUTCOME if now != stored else None
    if version == 1 and outcome_id:
        recorded.append(now)
    return None


def _close_empty(report: VerifyReport, heads: dict, cached: dict) -> None:
    """The page's accounts with no entries left: their heads must be the genesis, their balances nothing."""
    for account_id, (seq, head_hash) in heads.items():
        if seq != 0 or head_hash != GENESIS:
            report.breaks.append(Break(account_id, None, None, Problem.no_entries(seq)))
        if cached.pop(account_id, None):
            report.breaks.append(Break(account_id, None, None, Problem.BALANCE))
        report.accounts += 1


def _close(report: VerifyReport, digest, account_id: int, last_seq: int, last_hash: str, sums: dict, heads: dict,
           cached: dict) -> None:
    """An account's entries are all read: its head and cached balances must match them."""
    head = heads.pop(account_id, None)
    if head is None:
        report.breaks.append(Break(account_id, None, None, Problem.NO_ACCOUNT))
    elif head != (last_seq, last_hash):
        report.breaks.append(Break(account_id, None, None, Problem.head_moved(head[0], last_seq)))
    if {k: v for k, v in sums.items() if v} != cached.pop(account_id, {}):
        report.breaks.append(Break(account_id, None, None, Problem.BALANCE))
    digest.update(f"{account_id}:{last_seq}:{last_hash}\n".encode())
    report.accounts += 1

