"""The ledger: append under the account's lock, hash chain per account, and verification.

Why a chain per account (and not per batch with a Merkle root): every credit movement already takes the
account's row lock (so balances cannot double-spend), and that same lock orders the account's entries, so the
chain costs nothing more and needs no global serialization point: recognitions for different accounts run in
parallel, and a bulk path chains each account's new entries in memory. Verification is local (one account, or
all accounts streamed in (account, seq) order) and a break is reported exactly where it is. A batch Merkle tree
would need a batch boundary that every writer agrees on — a global lock — and would report a break only down
to its batch.

What the chain detects: an altered entry (its hash no longer matches its fields), a removed or inserted entry (a
gap in `seq`, or the next entry's `prev_hash` no longer matches), a removed last entry (the account's head
`head_seq`/`head_hash` no longer matches the last entry), and a balance cache that differs from the entries.
What it does not: someone with write access to the database who drops the triggers and rewrites an account's
whole chain and its head consistently. Publishing heads outside the database (for example printing
`ledger verify`'s digest into the quarterly report) closes that; noted in docs/design.md.
"""

import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain

from django.db import connection, transaction
from django.utils import timezone

from learncity.core.errors import DomainError
from learncity.creditbank.models import (
    GENESIS,
    CreditClass,
    EntryReason,
    LearningAccount,
    LedgerEntry,
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
               outcome_id, conversion_id, reverses_id, actor_id, memo: str, created_at) -> str:
    payload = "\x1f".join([
        prev_hash, str(account_id), str(seq), credit_class, amount_text(amount), reason,
        "" if outcome_id is None else str(outcome_id), "" if conversion_id is None else str(conversion_id),
        "" if reverses_id is None else str(reverses_id), "" if actor_id is None else str(actor_id), memo,
        time_text(created_at),
    ])
    return hashlib.sha256(payload.encode()).hexdigest()


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
        raise DomainError({field_name: f"学分必须是十进制数（Decimal），而不是「{value!r}」"})
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise DomainError({field_name: f"学分「{value}」不是数字"}) from None
    try:
        exact = number.is_finite() and abs(number) < 10**8 and number == number.quantize(CENT)
    except ArithmeticError:
        exact = False
    if not exact:
        raise DomainError({field_name: f"学分「{value}」必须是绝对值小于一亿、最多两位小数的数字"})
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
    for m in movements:
        if m.credit_class not in CreditClass.values:
            raise DomainError({"credit_class": f"未知的学分类别「{m.credit_class}」"})
        if m.reason not in EntryReason.values:
            raise DomainError({"reason": f"未知的记账原因「{m.reason}」"})
        amount = check_amount(m.amount)
        if amount == 0:
            raise DomainError({"amount": "学分变动不能为 0"})
        seq += 1
        digest = entry_hash(prev_hash=prev, account_id=account.pk, seq=seq, credit_class=m.credit_class, amount=amount,
                            reason=m.reason, outcome_id=m.outcome_id, conversion_id=m.conversion_id,
                            reverses_id=m.reverses_id, actor_id=actor_id, memo=m.memo, created_at=now)
        rows.append(LedgerEntry(account_id=account.pk, seq=seq, credit_class=m.credit_class, amount=amount,
                                reason=m.reason, outcome_id=m.outcome_id, conversion_id=m.conversion_id,
                                reverses_id=m.reverses_id, actor_id=actor_id, memo=m.memo, created_at=now,
                                prev_hash=prev, hash=digest))
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
            raise DomainError({"amount": f"{CreditClass(credit_class).label}学分余额不能小于 0"})
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


def _stream(low: int | None, high: int | None, account_ids: list[int] | None) -> Iterator[list[list[str]]]:
    """The entries of the accounts `low < id <= high`, in (account, seq) order and in batches, every field as the
    text the hash is computed over (the four nullable ids as "", the amount with two decimals, the time in
    `time_text`'s form): (account_id, seq, credit_class, amount, reason, outcome_id, conversion_id, reverses_id,
    actor_id, memo, created_at, prev_hash, hash, id). PostgreSQL streams them with COPY, in its text format (a
    row a line, tabs between fields, backslash escapes in values); SQLite formats them in the query."""
    table = LedgerEntry._meta.db_table
    where = _scope("account_id", low, high, account_ids)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            sql = (f"COPY (SELECT account_id, seq, credit_class, amount, reason, COALESCE(outcome_id::text, ''), "
                   f"COALESCE(conversion_id::text, ''), COALESCE(reverses_id::text, ''), COALESCE(actor_id::text, ''), "
                   f"memo, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), prev_hash, "
                   f"hash, id FROM {table} WHERE {where} ORDER BY account_id, seq) TO STDOUT")
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
        cur.execute(f"SELECT CAST(account_id AS TEXT), CAST(seq AS TEXT), credit_class, printf('%.2f', amount), reason, "
                    f"COALESCE(CAST(outcome_id AS TEXT), ''), COALESCE(CAST(conversion_id AS TEXT), ''), "
                    f"COALESCE(CAST(reverses_id AS TEXT), ''), COALESCE(CAST(actor_id AS TEXT), ''), memo, "
                    f"CAST(created_at AS TEXT), prev_hash, hash, CAST(id AS TEXT) FROM {table} WHERE {where} "
                    f"ORDER BY account_id, seq")
        while rows := cur.fetchmany(10_000):
            yield [[*row[:10], _sqlite_time(row[10]), *row[11:]] for row in rows]


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
    SQLite. Inside the caller's transaction, that transaction's."""
    if connection.in_atomic_block:
        yield
        return
    with connection.cursor():  # connect (and run any health check) before the transaction's first statement
        pass
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    with connection.cursor() as cur:
        cur.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            cur.execute("COMMIT")


def ledger_verify(*, account_ids: list[int] | None = None, progress=None) -> VerifyReport:
    """Walk the chains and report every break with where it is: altered, inserted or removed entries, a head or
    a cached balance that does not match the entries. Read a page of accounts at a time (heads, cached balances,
    then their entries streamed), in one snapshot, so memory stays flat and concurrent writes are not breaks."""
    report = VerifyReport()
    digest = hashlib.sha256()
    if account_ids is not None:
        account_ids = sorted({int(pk) for pk in account_ids})
    with _snapshot():
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
    for (account_text, seq_text, credit_class, amount, reason, outcome_id, conversion_id, reverses_id, actor_id, memo,
         created_at, prev_hash, stored_hash, entry_id) in chain.from_iterable(batches):
        if account_text != current_text:
            if current is not None:
                _close(report, digest, current, expect_seq, prev, sums, heads, cached)
            current, current_text, expect_seq, prev, sums = int(account_text), account_text, 0, GENESIS, {}
        seq = int(seq_text)
        expect_seq += 1
        if seq != expect_seq:
            breaks.append(Break(current, seq, int(entry_id), f"序号不连续：应为第 {expect_seq} 笔（记录被删除或插入）"))
            expect_seq = seq
        if prev_hash != prev:
            breaks.append(Break(current, seq, int(entry_id), "前一笔的哈希不一致（链被删除、插入或改动）"))
        # The same fields, in the same order and the same text, as entry_hash() hashes.
        payload = "\x1f".join((prev_hash, account_text, seq_text, credit_class, amount, reason, outcome_id,
                               conversion_id, reverses_id, actor_id, memo, created_at))
        if sha256(payload.encode()).hexdigest() != stored_hash:
            breaks.append(Break(current, seq, int(entry_id), "记录内容与其哈希不一致（记录被改动）"))
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
            breaks.append(Break(account_id, None, None, f"账户记载有 {seq} 笔记录，但账本中一笔也没有（记录被删除）"))
        if cached.pop(account_id, None):
            breaks.append(Break(account_id, None, None, "缓存的余额与账本记录之和不一致"))
        report.accounts += 1


def _close(report: VerifyReport, digest, account_id: int, last_seq: int, last_hash: str, sums: dict, heads: dict,
           cached: dict) -> None:
    """An account's entries are all read: its head and cached balances must match them."""
    head = heads.pop(account_id, None)
    if head is None:
        report.breaks.append(Break(account_id, None, None, "账本中有记录，但账户不存在"))
    elif head != (last_seq, last_hash):
        report.breaks.append(Break(account_id, None, None,
                                   f"账户记载的链尾为第 {head[0]} 笔，而账本的链尾为第 {last_seq} 笔，或其哈希不一致"
                                   "（末尾记录被删除或被改动）"))
    if {k: v for k, v in sums.items() if v} != cached.pop(account_id, {}):
        report.breaks.append(Break(account_id, None, None, "缓存的余额与账本记录之和不一致"))
    digest.update(f"{account_id}:{last_seq}:{last_hash}\n".encode())
    report.accounts += 1
