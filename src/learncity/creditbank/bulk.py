"""Bulk recognition: learning records (new or historical) become outcomes and ledger entries, set-based.

The same rules as `services.record_recognise` (a test holds both paths to the same results): the standard the
course names, else the most specific active standard matching the record's kind and course kind that the provider
is accredited for; hours, score and effective date checked; credits by the version's rule. Per batch: accounts
opened for learners who have none, the batch's accounts locked in id order (SELECT … FOR UPDATE on PostgreSQL; one
writer at a time on SQLite), heads read, each account's new entries chained in memory, outcomes and entries written
with COPY on PostgreSQL (executemany on SQLite), balances upserted and heads moved in one statement each.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from learncity.catalog.models import LearningRecord, RecordKind
from learncity.core.audit import audit_record
from learncity.core.bulk import insert_rows, next_ids
from learncity.creditbank import ledger
from learncity.creditbank.models import (
    AccountBalance,
    Accreditation,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    RecognitionMethod,
    StandardVersion,
    VersionStatus,
)
from learncity.network.models import Institution

KIND_LABELS = dict(RecordKind.choices)


class Catalogue:
    """The active standard versions and accreditations, loaded once for a bulk run."""

    def __init__(self):
        versions = list(StandardVersion.objects.filter(status=VersionStatus.ACTIVE).select_related("standard"))
        self.by_code = {v.standard.code: v for v in versions}
        self.withdrawn_codes = set(StandardVersion.objects.exclude(standard__versions__status=VersionStatus.ACTIVE)
                                   .values_list("standard__code", flat=True))
        self.accredited = set(Accreditation.objects.filter(revoked_at__isnull=True)
                              .values_list("standard_id", "institution_id"))
        by_kind: dict[str, list[StandardVersion]] = defaultdict(list)
        for v in sorted(versions, key=lambda v: (not v.course_kinds, v.standard.code)):
            for kind in filter(None, v.record_kinds.split(",")):
                by_kind[kind].append(v)
        self.by_kind = by_kind

    def match(self, *, kind: str, course_kind: str, provider_id: int, standard_code: str, hours: Decimal,
              score: Decimal | None, date) -> tuple[StandardVersion, Decimal] | None:
        if standard_code:
            version = self.by_code.get(standard_code)
            if version is None:
                return None
        else:
            version = next((v for v in self.by_kind.get(kind, ())
                            if (v.standard_id, provider_id) in self.accredited
                            and (not v.course_kinds or f",{course_kind or '-'}," in v.course_kinds)), None)
            if version is None:
                return None
        if (version.standard_id, provider_id) not in self.accredited:
            return None
        if hours < version.min_hours or date < version.effective_from:
            return None
        if version.min_score is not None and (score is None or score < version.min_score):
            return None
        credits = version.credits_for(hours)
        return (version, credits) if credits > 0 else None


@dataclass
class BulkResult:
    examined: int = 0
    recognised: int = 0
    accounts_opened: int = 0
    entries: int = 0
    batches: int = 0
    unmatched: int = 0
    by_standard: dict = field(default_factory=lambda: defaultdict(int))


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
                      max_id: int | None = None, batch: int = 20_000,
                      progress: Callable[[BulkResult], None] | None = None) -> BulkResult:
    """Recognise every learning record that has no outcome yet (or only those of `learner_ids`, or only those whose
    id is in min_id..max_id — the records an import job has just written), in batches of `batch` records, each
    batch in its own transaction. Resumable: a killed run leaves whole batches only."""
    from learncity.catalog.models import Course

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
    import datetime

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
    labels = {k: str(v) for k, v in KIND_LABELS.items()}  # translated once, not once a record
    accounts_table = LearningAccount._meta.db_table
    with transaction.atomic():
        learner_ids = sorted({m[1] for m in matched})
        accounts = dict(_select_in(f"SELECT learner_id, id FROM {accounts_table} WHERE {{in}}", "learner_id",
                                   learner_ids))
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
        account_ids = sorted(accounts[lid] for lid in learner_ids)
        # Locked in id order (FOR UPDATE on PostgreSQL; SQLite's writer already holds the database).
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        heads = {pk: [s, h] for pk, s, h in _select_in(
            f"SELECT id, head_seq, head_hash FROM {accounts_table} WHERE {{in}} ORDER BY id{lock}", "id", account_ids)}
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
            head = heads[account_id]
            seq = head[0] + 1
            digest = ledger.entry_hash(prev_hash=head[1], account_id=account_id, seq=seq,
                                       credit_class=version.credit_class, amount=credits,
                                       reason=EntryReason.RECOGNITION, outcome_id=oid, conversion_id=None,
                                       reverses_id=None, actor_id=actor_id, memo="", created_at=now)
            entries.append((next(entry_ids), account_id, seq, version.credit_class,
                            credits, EntryReason.RECOGNITION, oid, None, None, actor_id, "",
                            created_at, head[1], digest))
            head[0], head[1] = seq, digest
            sums[(account_id, version.credit_class)] += credits
            result.by_standard[version.standard.code] += 1
        insert_rows(Outcome, ["id", "account_id", "standard_version_id", "learning_record_id", "declaration_id",
                              "method", "title", "provider_id", "provider_name", "date", "hours", "score",
                              "credit_class", "credits", "basis", "recognised_at", "recognised_by_id"], outcomes)
        insert_rows(LedgerEntry, ["id", "account_id", "seq", "credit_class", "amount", "reason", "outcome_id",
                                  "conversion_id", "reverses_id", "actor_id", "memo", "created_at", "prev_hash", "hash"],
                    entries)
        _balances_add(sums)
        _heads_move({pk: heads[pk] for pk in {e[1] for e in entries}})
        audit_record(actor=actor, action="outcome.recognise_bulk", object_type="creditbank.outcome",
                     object_id=f"{outcomes[0][0]}-{outcomes[-1][0]}", records=len(matched))
    result.recognised += len(matched)
    result.entries += len(entries)


# On PostgreSQL a batch's ids and values go as a few array parameters (unnest), each sent as one array literal:
# tens of thousands of placeholders, or Python lists that the driver renders element by element, cost seconds
# a batch in client-side binding. SQLite binds placeholders cheaply, in chunks under its limit.
_CHUNK = 5_000


def _array(values) -> str:
    """A PostgreSQL array literal of values that need no quoting (ids, numbers, hashes, class codes)."""
    return "{" + ",".join(map(str, values)) + "}"


def _select_in(sql: str, column: str, ids: list[int]) -> list[tuple]:
    """Rows of `sql` (whose `{in}` is replaced by "`column` is one of `ids`")."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(sql.format(**{"in": f"{column} = ANY(%s::bigint[])"}), [_array(ids)])
            return cur.fetchall()
        rows = []
        for i in range(0, len(ids), _CHUNK):
            part = ids[i:i + _CHUNK]
            cur.execute(sql.format(**{"in": f"{column} IN ({', '.join(['%s'] * len(part))})"}), part)
            rows += cur.fetchall()
        return rows


def _balances_add(sums: dict) -> None:
    table = connection.ops.quote_name(AccountBalance._meta.db_table)
    upsert = f"ON CONFLICT (account_id, credit_class) DO UPDATE SET amount = {table}.amount + excluded.amount"
    rows = [(account_id, credit_class, str(amount)) for (account_id, credit_class), amount in sums.items()]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            columns = [_array(c) for c in zip(*rows, strict=True)] if rows else ["{}"] * 3
            cur.execute(f"INSERT INTO {table} (account_id, credit_class, amount) "
                        f"SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::numeric[]) {upsert}", columns)
            return
        for i in range(0, len(rows), _CHUNK):
            part = rows[i:i + _CHUNK]
            values = ", ".join(["(%s, %s, CAST(%s AS NUMERIC))"] * len(part))
            cur.execute(f"INSERT INTO {table} (account_id, credit_class, amount) VALUES {values} {upsert}",
                        [x for r in part for x in r])


def _heads_move(heads: dict) -> None:
    table = connection.ops.quote_name(LearningAccount._meta.db_table)
    rows = [(pk, seq, digest) for pk, (seq, digest) in heads.items()]
    update = f"UPDATE {table} SET head_seq = v.seq, head_hash = v.hash FROM v WHERE {table}.id = v.id"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            columns = [_array(c) for c in zip(*rows, strict=True)] if rows else ["{}"] * 3
            cur.execute(f"WITH v(id, seq, hash) AS (SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::varchar[])) "
                        f"{update}", columns)
            return
        for i in range(0, len(rows), _CHUNK):
            part = rows[i:i + _CHUNK]
            values = ", ".join(["(%s, %s, %s)"] * len(part))
            cur.execute(f"WITH v(id, seq, hash) AS (VALUES {values}) {update}", [x for r in part for x in r])
