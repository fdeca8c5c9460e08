"""Bulk recognition: learning records (new or historical) become outcomes and ledger entries, set-based.

The same rules as `services.record_recognise` (a test holds both paths to the same results): the standard the
course names, else the most specific active standard matching the record's kind and course kind that the provider
is accredited for; hours, score and effective date checked; credits by the version's rule. Per batch: accounts
opened for learners who have none, the batch's accounts' heads read (under a lock, or checked when they are moved:
below), each account's new entries chained, outcomes and entries written, heads moved and balances raised in one
update of each account's row.

On PostgreSQL a batch runs entirely in SQL over temporary tables (matching by a lateral join on the catalogue, the
chain folded by a PL/pgSQL pass with sha256(), heads moved only where unmoved, else the batch redone under a lock):
no row travels to Python and back. On SQLite (one writer at a time; the demo's and the tests' database) the rows
are matched and chained in Python and written with executemany. Both write byte-identical outcomes and entries; a test holds both to
`services.record_recognise`.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from learncity.catalog.models import Course, LearningRecord
from learncity.core.audit import audit_record
from learncity.core.bulk import insert_rows, next_ids
from learncity.creditbank import ledger
from learncity.creditbank.bulk_sql import _recognise_in_sql, temp_buffers_raise
from learncity.creditbank.catalogue import KIND_LABELS, BulkResult, Catalogue
from learncity.creditbank.models import (
    CHAIN,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    RecognitionMethod,
)
from learncity.creditbank.sql import dialect
from learncity.network.models import Institution

__all__ = ["KIND_LABELS", "BulkResult", "Catalogue", "recognise_records", "temp_buffers_raise"]


def _db(model, column: str, value):
    return model._meta.get_field(column).get_db_prep_save(value, connection) if value is not None else None


_SELECT = """
SELECT r.id, r.learner_id, r.provider_id, r.kind, r.course_kind, COALESCE(c.outcome_standard_code, ''), r.title,
       r.date, r.hours, r.score
FROM {records} r
LEFT JOIN {courses} c ON c.id = r.course_id
WHERE r.id > %s {extra} AND NOT EXISTS (SELECT 1 FROM {outcomes} o WHERE o.learning_record_id = r.id)
ORDER BY r.id LIMIT %s"""


def recognise_records(*, actor=None, learner_ids: list[int] | None = None, min_id: int | None = None,
                      max_id: int | None = None, batch: int | None = None,
                      progress: Callable[[BulkResult], None] | None = None) -> BulkResult:
    """Recognise every learning record that has no outcome yet (or only those of `learner_ids`, or only those whose
    id is in min_id..max_id — the records an import job has just written), in batches of `batch` records, each
    batch in its own transaction. Resumable: a killed run leaves whole batches only."""
    catalogue = Catalogue()
    result = BulkResult()
    names = dict(Institution.objects.values_list("pk", "name"))
    extra, params_extra = "", []
    if learner_ids is not None:
        if not learner_ids:
            return result
        extra = f"AND r.learner_id IN ({', '.join(['%s'] * len(learner_ids))})"
        params_extra = list(learner_ids)
    if max_id is not None:
        extra += " AND r.id <= %s"
        params_extra.append(max_id)
    if dialect().works_in_sql:
        batch = batch or 200_000  # (held in the server's temporary tables)
        _recognise_in_sql(catalogue, actor, extra, params_extra, min_id, batch, result, progress)
        return result
    batch = batch or 100_000  # (held in this process)
    sql = _SELECT.format(records=LearningRecord._meta.db_table, courses=Course._meta.db_table,
                         outcomes=Outcome._meta.db_table, extra=extra)
    last = 0 if min_id is None else min_id - 1
    while True:
        with connection.cursor() as cur:
            cur.execute(sql, [last, *params_extra, batch])
            rows = cur.fetchall()
        if not rows:
            break
        last = rows[-1][0]
        result.examined += len(rows)
        _batch(rows, catalogue, names, actor, result)
        result.batches += 1
        if progress is not None:
            progress(result)
    return result


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _as_date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _batch(rows, catalogue: Catalogue, names: dict, actor, result: BulkResult) -> None:
    matched = []
    for rid, learner_id, provider_id, kind, course_kind, code, title, date, hours, score in rows:
        hours, score, date = _dec(hours), _dec(score), _as_date(date)
        m = catalogue.match(kind=kind, course_kind=course_kind, provider_id=provider_id, standard_code=code,
                            hours=hours, score=score, date=date)
        if m is None:
            result.unmatched += 1
            continue
        matched.append((rid, learner_id, provider_id, kind, title, date, hours, score, *m))
    if not matched:
        return
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    accounts_table = LearningAccount._meta.db_table
    with transaction.atomic():
        learner_ids = sorted({m[1] for m in matched})
        accounts = _accounts_of(matched, learner_ids, now, actor_id, result)
        account_ids = sorted(accounts[lid] for lid in learner_ids)
        # Locked in id order (FOR UPDATE on PostgreSQL; SQLite's writer already holds the database).
        lock = dialect().lock_rows
        heads = {pk: [s, h] for pk, s, h in _select_in(
            f"SELECT id, head_seq, head_hash FROM {accounts_table} WHERE {{in}} ORDER BY id{lock}", "id", account_ids)}
        outcomes, entries, sums = _chained(matched, accounts, heads, names, now, actor_id, result)
        insert_rows(Outcome, ["id", "account_id", "standard_version_id", "learning_record_id", "declaration_id",
                              "method", "title", "provider_id", "provider_name", "date", "hours", "score",
                              "credit_class", "credits", "basis", "recognised_at", "recognised_by_id"], outcomes)
        insert_rows(LedgerEntry, ["id", "account_id", "seq", "credit_class", "amount", "reason", "outcome_id",
                                  "conversion_id", "reverses_id", "actor_id", "memo", "created_at", "prev_hash", "hash",
                                  "chain", "outcome_hash"], entries)
        ledger.heads_move({pk: heads[pk] for pk in {e[1] for e in entries}}, sums)
        audit_record(actor=actor, action="outcome.recognise_bulk", object_type="creditbank.outcome",
                     object_id=f"{outcomes[0][0]}-{outcomes[-1][0]}", records=len(matched))
    result.recognised += len(matched)
    result.entries += len(entries)


def _accounts_of(matched: list, learner_ids: list[int], now, actor_id, result: BulkResult) -> dict[int, int]:
    """{learner id: account id} of the batch's learners, an account opened (for the provider of the learner's first
    record here) for each who has none."""
    accounts = dict(_select_in(f"SELECT learner_id, id FROM {LearningAccount._meta.db_table} WHERE {{in}}",
                               "learner_id", learner_ids))
    missing = [lid for lid in learner_ids if lid not in accounts]
    if missing:
        provider_of = {}
        for m in matched:
            provider_of.setdefault(m[1], m[2])
        ids = next_ids(LearningAccount, len(missing))
        insert_rows(LearningAccount, ["id", "learner_id", "opened_at", "opened_via", "opened_for_id", "opened_by_id",
                                      "head_seq", "head_hash"],
                    ((pk, lid, _db(LearningAccount, "opened_at", now), OpenedVia.AUTO, provider_of[lid], actor_id, 0,
                      ledger.GENESIS) for pk, lid in zip(ids, missing, strict=True)))
        accounts.update(zip(missing, ids, strict=True))
        result.accounts_opened += len(missing)
    return accounts


def _chained(matched: list, accounts: dict, heads: dict, names: dict, now, actor_id, result: BulkResult) -> tuple:
    """The batch's outcome and entry rows, each entry chained to its account's head (moved in `heads`), and the
    credits per (account, class)."""
    labels = {k: str(v) for k, v in KIND_LABELS.items()}  # translated once, not once a record
    outcome_ids = iter(next_ids(Outcome, len(matched)))
    entry_ids = iter(next_ids(LedgerEntry, len(matched)))
    outcomes, entries, sums = [], [], defaultdict(Decimal)
    recognised_at = _db(Outcome, "recognised_at", now)
    created_at = _db(LedgerEntry, "created_at", now)
    for rid, learner_id, provider_id, kind, title, date, hours, score, version, credits in matched:
        account_id = accounts[learner_id]
        oid = next(outcome_ids)
        provider = names.get(provider_id, "")
        basis = (f"认证机构 {provider} 的{labels.get(kind, kind)}记录，符合标准 {version.standard.code} "
                 f"v{version.version}《{version.name}》")[:300]
        outcomes.append((oid, account_id, version.pk, rid, None, RecognitionMethod.AUTO, title, provider_id,
                         provider, date.isoformat(), hours, score, version.credit_class, credits, basis, recognised_at,
                         actor_id))
        covered = ledger.outcome_hash(ledger.outcome_payload(
            outcome_id=oid, account_id=account_id, standard_code=version.standard.code, version=version.version,
            version_name=version.name, level=version.level.level, method=RecognitionMethod.AUTO, title=title,
            provider_id=provider_id, provider_name=provider, date=date, hours=hours, score=score,
            credit_class=version.credit_class, credits=credits, basis=basis, learning_record_id=rid,
            declaration_id=None, recognised_at=now, recognised_by_id=actor_id))
        head = heads[account_id]
        seq = head[0] + 1
        digest = ledger.entry_hash(prev_hash=head[1], account_id=account_id, seq=seq,
                                   credit_class=version.credit_class, amount=credits,
                                   reason=EntryReason.RECOGNITION, outcome_id=oid, conversion_id=None,
                                   reverses_id=None, actor_id=actor_id, memo="", created_at=now, chain=CHAIN,
                                   outcome_hash=covered)
        entries.append((next(entry_ids), account_id, seq, version.credit_class,
                        credits, EntryReason.RECOGNITION, oid, None, None, actor_id, "",
                        created_at, head[1], digest, CHAIN, covered))
        head[0], head[1] = seq, digest
        sums[(account_id, version.credit_class)] += credits
        result.by_standard[version.standard.code] += 1
    return outcomes, entries, sums


# On PostgreSQL a batch's ids and values go as a few array parameters (unnest), each sent as one array literal:
# tens of thousands of placeholders, or Python lists that the driver renders element by element, cost seconds
# a batch in client-side binding. SQLite binds placeholders cheaply, in chunks under its limit (sql/).
def _select_in(sql: str, column: str, ids: list[int]) -> list[tuple]:
    """Rows of `sql` (whose `{in}` is replaced by "`column` is one of `ids`")."""
    with connection.cursor() as cur:
        return dialect().select_in(cur, sql, column, ids)



