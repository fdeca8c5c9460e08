"""Appending to the ledger: movements under the account's lock, and the chain upgrade checkpoints of migration 0008."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import DomainError
from learncity.creditbank.ledger.chain import CENT, checkpoint_hash, entry_hash, outcome_hashes
from learncity.creditbank.models import (
    CHAIN,
    CreditClass,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    balance_field,
)
from learncity.creditbank.sql import dialect


def chains_upgrade(*, batch: int = 2_000) -> int:
    """Append a chain upgrade checkpoint (version 2, amount 0, no outcome, `checkpoint_hash` of the outcomes the
    account's version 1 entries record) to every account whose version 1 entries record outcomes and that has
    none yet; returns how many. Migration 0008 runs it, and only it may: `entries_append` refuses the reason.

    `batch` accounts at a time, in id order: their version 1 outcomes read through the (account, seq) index, the
    accounts locked (FOR UPDATE on PostgreSQL; SQLite's write lock), the outcomes hashed by a query (10,000 a
    query at most), the checkpoints inserted by one bulk insert and the heads moved by one update (balances
    unchanged)."""
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
            heads_move(moved, {})
            written += len(rows)


def heads_move(heads: dict, sums: dict) -> None:
    """Each account's new head ({id: (seq, hash)}), and its balances raised by `sums` ({(id, class): amount}), in
    one update a row (the bulk path's, and the chain upgrade's)."""
    table = connection.ops.quote_name(LearningAccount._meta.db_table)
    classes = CreditClass.values
    rows = [(pk, seq, digest, *(str(sums.get((pk, c), 0)) for c in classes)) for pk, (seq, digest) in heads.items()]
    names = ", ".join(f"d_{c}" for c in classes)
    update = (f"UPDATE {table} SET head_seq = v.seq, head_hash = v.hash, "
              + ", ".join(f"{balance_field(c)} = {balance_field(c)} + v.d_{c}" for c in classes)
              + f" FROM v WHERE {table}.id = v.id")
    with connection.cursor() as cur:
        dialect().heads_move(cur, update, names, rows, len(classes))


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

