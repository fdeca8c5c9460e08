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

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from learncity.catalog.models import LearningRecord, RecordKind
from learncity.core.audit import audit_record
from learncity.core.bulk import insert_rows, next_ids
from learncity.creditbank import ledger
from learncity.creditbank.models import (
    CHAIN,
    Accreditation,
    CreditClass,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    RecognitionMethod,
    StandardVersion,
    VersionStatus,
    balance_field,
)
from learncity.network.models import Institution

KIND_LABELS = dict(RecordKind.choices)


class Catalogue:
    """The active standard versions and accreditations, loaded once for a bulk run."""

    def __init__(self):
        versions = list(StandardVersion.objects.filter(status=VersionStatus.ACTIVE).select_related("standard", "level"))
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
                      max_id: int | None = None, batch: int | None = None,
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
    if connection.vendor == "postgresql":
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
        insert_rows(Outcome, ["id", "account_id", "standard_version_id", "learning_record_id", "declaration_id",
                              "method", "title", "provider_id", "provider_name", "date", "hours", "score",
                              "credit_class", "credits", "basis", "recognised_at", "recognised_by_id"], outcomes)
        insert_rows(LedgerEntry, ["id", "account_id", "seq", "credit_class", "amount", "reason", "outcome_id",
                                  "conversion_id", "reverses_id", "actor_id", "memo", "created_at", "prev_hash", "hash",
                                  "chain", "outcome_hash"], entries)
        _heads_move({pk: heads[pk] for pk in {e[1] for e in entries}}, sums)
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


def _heads_move(heads: dict, sums: dict) -> None:
    """Each account's new head, and its balances raised by the batch's credits per class, in one update a row."""
    table = connection.ops.quote_name(LearningAccount._meta.db_table)
    classes = CreditClass.values
    rows = [(pk, seq, digest, *(str(sums.get((pk, c), 0)) for c in classes)) for pk, (seq, digest) in heads.items()]
    names = ", ".join(f"d_{c}" for c in classes)
    update = (f"UPDATE {table} SET head_seq = v.seq, head_hash = v.hash, "
              + ", ".join(f"{balance_field(c)} = {balance_field(c)} + v.d_{c}" for c in classes)
              + f" FROM v WHERE {table}.id = v.id")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            columns = [_array(c) for c in zip(*rows, strict=True)] if rows else ["{}"] * (3 + len(classes))
            cur.execute(f"WITH v(id, seq, hash, {names}) AS (SELECT * FROM unnest(%s::bigint[], %s::integer[], "
                        f"%s::varchar[], {', '.join(['%s::numeric[]'] * len(classes))})) {update}", columns)
            return
        marks = "(%s, %s, %s, " + ", ".join(["CAST(%s AS NUMERIC)"] * len(classes)) + ")"
        for i in range(0, len(rows), _CHUNK):
            part = rows[i:i + _CHUNK]
            cur.execute(f"WITH v(id, seq, hash, {names}) AS (VALUES {', '.join([marks] * len(part))}) {update}",
                        [x for r in part for x in r])


# --- PostgreSQL: the whole batch in SQL ---------------------------------------------------------------------
# The same matching, credits, basis text and hash chain as the Python path above, as a few statements a batch
# over temporary tables: no row leaves the server. Once a run: the catalogue, the accreditations, the kind labels
# and the records to examine (those without an outcome, found by one anti-join) go into session temporary tables,
# with the function that chains a batch's entries. A batch is then the next `batch` of those records: matched in
# one statement, its accounts opened and locked, its entries numbered and chained in one ordered pass by
# `pg_temp.lc_chain` (PL/pgSQL, sha256() over the same payload as `ledger.entry_hash`: a recursive query took
# two to four times as long, joining each step back to the batch), and written with three set-based statements.

_TEMP_BUFFERS = "256MB"
_RUN_TABLES = ("_lc_todo", "_lc_cat", "_lc_acc", "_lc_label")


def _chain_function(institutions: str) -> str:
    """`pg_temp.lc_chain(sequence, reason, actor, at)`: the batch's matched records (`_lc_m`) with their accounts'
    heads (`_lc_h`), in account then record order, each given an outcome id from `sequence`, its provider's name
    and recognition basis, the hash of the outcome they make (`ledger.outcome_payload`), the next seq of its
    account, the previous entry's hash and its own (`ledger.entry_hash` of the recognition entry, chain version
    `CHAIN`)."""
    assert CHAIN == 2, "lc_chain writes chain version 2"
    covered = ledger.outcome_payload_sql(
        "postgresql", id="o", account_id="r.account_id", code="r.standard_code", version="r.version", name="r.name",
        level="r.level", method=f"'{RecognitionMethod.AUTO}'::text", title="r.title", provider_id="r.provider_id",
        provider_name="pname", date="r.date", hours="r.hours", score="r.score", credit_class="r.credit_class",
        credits="r.credits", basis="why", learning_record_id="r.rid", declaration_id="NULL::bigint",
        recognised_at="at_ts", recognised_by_id="NULLIF(actor, '')")
    digest = ledger.entry_hash_sql("h", "r.account_id::text", "s::text", "r.credit_class", "round(r.credits, 2)::text",
                                   "reason", "o::text", "''", "''", "actor", "''", "at", "oh")
    return f"""
        CREATE OR REPLACE FUNCTION pg_temp.lc_chain(sequence regclass, reason text, actor text, at text)
        RETURNS TABLE (rid bigint, learner_id bigint, provider_id bigint, kind text, title text, date date,
                       hours numeric, score numeric, version_id bigint, standard_code text, version integer,
                       name text, credit_class text, credits numeric, account_id bigint, oid bigint, seq integer,
                       prev_hash text, hash text, provider_name text, basis text, outcome_hash text)
        LANGUAGE plpgsql AS $lc$
        DECLARE r record; acc bigint := NULL; h text; s integer; o bigint; pname text; why text; oh text;
                at_ts timestamptz := at::timestamptz;
        BEGIN
          FOR r IN SELECT m.*, a.account_id, a.head_seq, a.head_hash, COALESCE(i.name, '') AS pname,
                          COALESCE(l.label, m.kind) AS label
                   FROM _lc_m m JOIN _lc_h a ON a.learner_id = m.learner_id
                   LEFT JOIN {institutions} i ON i.id = m.provider_id LEFT JOIN _lc_label l ON l.kind = m.kind
                   ORDER BY a.account_id, m.rid LOOP
            IF acc IS DISTINCT FROM r.account_id THEN
              acc := r.account_id; h := r.head_hash; s := r.head_seq;
            END IF;
            s := s + 1;
            o := nextval(sequence);
            pname := r.pname;
            why := left('认证机构 ' || pname || ' 的' || r.label || '记录，符合标准 ' || r.standard_code || ' v'
                        || r.version || '《' || r.name || '》', 300);
            oh := encode(pg_catalog.sha256(convert_to({covered}, 'UTF8')), 'hex');
            rid := r.rid; learner_id := r.learner_id; provider_id := r.provider_id; kind := r.kind;
            title := r.title; date := r.date; hours := r.hours; score := r.score; version_id := r.version_id;
            standard_code := r.standard_code; version := r.version; name := r.name; credit_class := r.credit_class;
            credits := r.credits; account_id := r.account_id; oid := o; seq := s; prev_hash := h;
            provider_name := pname; basis := why; outcome_hash := oh;
            h := {digest};
            hash := h;
            RETURN NEXT;
          END LOOP;
        END $lc$"""


def _recognise_in_sql(catalogue: Catalogue, actor, extra: str, params_extra: list, min_id: int | None, batch: int,
                      result: BulkResult, progress) -> None:
    from learncity.catalog.models import Course

    tables = {"records": LearningRecord._meta.db_table, "courses": Course._meta.db_table,
              "outcomes": Outcome._meta.db_table, "accounts": LearningAccount._meta.db_table,
              "entries": LedgerEntry._meta.db_table,
              "institutions": Institution._meta.db_table}
    cat_rows = []
    for v in catalogue.by_code.values():
        cat_rows.append(_cat_row(v, rank=0, code=v.standard.code, kind=""))
    for kind, versions in catalogue.by_kind.items():
        for rank, v in enumerate(versions):
            cat_rows.append(_cat_row(v, rank=rank, code="", kind=kind))
    labels = [(k, str(v)) for k, v in KIND_LABELS.items()]
    try:
        with transaction.atomic(), connection.cursor() as cur:
            _run_setup(cur, tables, cat_rows, sorted(catalogue.accredited), labels, extra, params_extra, min_id, batch)
            cur.execute("SELECT b, count(*), min(id), max(id) FROM _lc_todo GROUP BY b ORDER BY b")
            batches = cur.fetchall()
        for _b, examined, low, high in batches:
            try:
                with transaction.atomic():
                    done = _batch_sql(tables, actor, low, high, lock_first=False)
            except _HeadsMoved:
                # Another writer appended to one of these accounts between the heads' read and their update (or
                # the two deadlocked): the batch is undone and done again, its accounts locked first.
                with transaction.atomic():
                    done = _batch_sql(tables, actor, low, high, lock_first=True)
            matched = done.recognised
            if matched < examined:  # unmatched, or recognised by another writer since the run began?
                with connection.cursor() as cur:
                    cur.execute(f"SELECT count(*) FROM _lc_todo t WHERE t.id BETWEEN %s AND %s AND EXISTS "
                                f"(SELECT 1 FROM {tables['outcomes']} o WHERE o.learning_record_id = t.id)", [low, high])
                    examined -= cur.fetchone()[0] - matched
            result.recognised += done.recognised
            result.entries += done.entries
            result.accounts_opened += done.accounts_opened
            for code, n in done.by_standard.items():
                result.by_standard[code] += n
            result.examined += examined
            result.unmatched += examined - matched
            result.batches += 1
            if progress is not None:
                progress(result)
    finally:
        if not connection.needs_rollback:
            with connection.cursor() as cur:
                for table in _RUN_TABLES:
                    cur.execute(f"DROP TABLE IF EXISTS {table}")


def temp_buffers_raise(cur) -> None:
    """Room for the bulk path's temporary tables in the session's memory (PostgreSQL). The server takes the setting
    only before the session's first temporary table: call this before making any (a session that already has one
    keeps the default, 8 MB, and the bulk path spills to disk)."""
    cur.execute("SELECT current_setting('temp_buffers')")
    if cur.fetchone()[0] != _TEMP_BUFFERS:
        try:
            with transaction.atomic():
                cur.execute(f"SET temp_buffers = '{_TEMP_BUFFERS}'")
        except DatabaseError:
            pass


def _run_setup(cur, t: dict, cat_rows: list, accredited: list, labels: list, extra: str, params_extra: list,
               min_id: int | None, batch: int) -> None:
    """The run's temporary tables (kept across its batches' transactions, dropped at its end) and chain function."""
    temp_buffers_raise(cur)
    cur.execute("SET LOCAL work_mem = '256MB'")
    cur.execute("SET LOCAL jit = off")
    for table in _RUN_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    # The records to examine: every one in the range without an outcome, numbered into batches (`b`). One
    # anti-join over the records' and outcomes' indexes, rather than a probe a record batch after batch over
    # ranges of ids that mostly have their outcomes already.
    low = min_id or 0
    cur.execute(f"""
        CREATE TEMP TABLE _lc_todo AS
        SELECT r.id, (row_number() OVER (ORDER BY r.id) - 1) / %s AS b FROM {t['records']} r
        WHERE r.id >= %s {extra}
          AND NOT EXISTS (SELECT 1 FROM {t['outcomes']} o WHERE o.learning_record_id = r.id
                          AND o.learning_record_id >= %s)""", [batch, low, *params_extra, low])
    cur.execute("CREATE UNIQUE INDEX ON _lc_todo (id)")
    cur.execute("ANALYZE _lc_todo")
    cur.execute("CREATE TEMP TABLE _lc_cat (rank int, code text, kind text, course_kinds text, standard_id bigint,"
                " version_id bigint, standard_code text, version int, name text, credit_class text,"
                " credits numeric, hours_per_credit numeric, min_hours numeric, min_score numeric,"
                " effective_from date, level int)")
    with cur.cursor.copy("COPY _lc_cat FROM STDIN") as copy:
        for row in cat_rows:
            copy.write_row(row)
    cur.execute("CREATE TEMP TABLE _lc_acc (standard_id bigint, institution_id bigint, "
                "PRIMARY KEY (standard_id, institution_id))")
    with cur.cursor.copy("COPY _lc_acc FROM STDIN") as copy:
        for row in accredited:
            copy.write_row(row)
    cur.execute("CREATE TEMP TABLE _lc_label (kind text PRIMARY KEY, label text)")
    with cur.cursor.copy("COPY _lc_label FROM STDIN") as copy:
        for row in labels:
            copy.write_row(row)
    cur.execute("ANALYZE _lc_cat")
    cur.execute("ANALYZE _lc_acc")
    cur.execute("ANALYZE _lc_label")
    cur.execute(_chain_function(t["institutions"]))


def _cat_row(v: StandardVersion, *, rank: int, code: str, kind: str) -> tuple:
    return (rank, code, kind, v.course_kinds, v.standard_id, v.pk, v.standard.code, v.version, v.name,
            v.credit_class, v.credits, v.hours_per_credit, v.min_hours, v.min_score, v.effective_from, v.level.level)


class _HeadsMoved(Exception):
    """A batch found an account's head moved under it (or deadlocked with another writer)."""


def _batch_sql(t: dict, actor, low: int, high: int, *, lock_first: bool) -> BulkResult:
    """One batch: the records to examine with ids in low..high; what it did.

    The accounts' heads are read without a lock, and each account's row is updated, once its entries are chained,
    only if its head is still the one chained from (its seq only ever grows): the update takes the row locks, and
    one pass over the accounts does both. Any account whose head moved meanwhile (or a deadlock between two such
    updates) raises _HeadsMoved, and the batch is done again with `lock_first`: its accounts locked in id order
    (FOR UPDATE) before their heads are read, as one-by-one recognition does."""
    result = BulkResult()
    try:
        _batch_statements(t, actor, low, high, lock_first, result)
    except DatabaseError as exc:
        if not lock_first and getattr(exc.__cause__, "sqlstate", None) == "40P01":  # deadlock_detected
            raise _HeadsMoved from exc
        raise
    return result


def _batch_statements(t: dict, actor, low: int, high: int, lock_first: bool, result: BulkResult) -> None:
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    with connection.cursor() as cur:
        # Room for a batch's sorts and hashes in memory rather than in files. (JIT would spend most of a second
        # compiling each of the statements below, to save less.)
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL jit = off")
        # The batch's records (still without an outcome: another run may have recognised some meanwhile), each with
        # its course's standard; matched once per distinct (course standard, kind, course kind, provider) — a
        # handful — against the catalogue, then joined back; hours, date and score checked; credits by the rule.
        source = f"""
            SELECT r.id AS rid, r.learner_id, r.provider_id, r.kind, r.course_kind, r.title, r.date, r.hours, r.score,
                   COALESCE(c.outcome_standard_code, '') AS code
            FROM _lc_todo t JOIN {t['records']} r ON r.id = t.id LEFT JOIN {t['courses']} c ON c.id = r.course_id
            WHERE t.id BETWEEN %(low)s AND %(high)s
              AND NOT EXISTS (SELECT 1 FROM {t['outcomes']} o WHERE o.learning_record_id = r.id)"""
        # (The batch's records and their outcomes looked up by index, a record at a time: the planner, its figures
        # for tables just grown by the batches before, would rather hash whole tables of millions of rows.)
        cur.execute("SET LOCAL enable_hashjoin = off")
        cur.execute("SET LOCAL enable_mergejoin = off")
        cur.execute(f"""
            CREATE TEMP TABLE _lc_m ON COMMIT DROP AS
            WITH r AS MATERIALIZED ({source}),
            k AS MATERIALIZED (
                SELECT k.code, k.kind, k.course_kind, k.provider_id, v.standard_id, v.version_id, v.standard_code,
                       v.version, v.name, v.credit_class, v.credits, v.hours_per_credit, v.min_hours, v.min_score,
                       v.effective_from, v.level
                FROM (SELECT DISTINCT code, kind, course_kind, provider_id FROM r) k
                CROSS JOIN LATERAL (
                    SELECT cat.* FROM _lc_cat cat
                    WHERE CASE WHEN k.code <> '' THEN cat.code = k.code
                          ELSE cat.code = '' AND cat.kind = k.kind
                               AND (cat.course_kinds = ''
                                    OR strpos(cat.course_kinds, ',' || COALESCE(NULLIF(k.course_kind, ''), '-') || ',') > 0)
                               AND EXISTS (SELECT 1 FROM _lc_acc a
                                           WHERE a.standard_id = cat.standard_id AND a.institution_id = k.provider_id)
                          END
                    ORDER BY cat.rank LIMIT 1) v
                WHERE EXISTS (SELECT 1 FROM _lc_acc a
                              WHERE a.standard_id = v.standard_id AND a.institution_id = k.provider_id))
            SELECT * FROM (
                SELECT r.rid, r.learner_id, r.provider_id, r.kind, r.title, r.date, r.hours, r.score,
                       v.version_id, v.standard_code, v.version, v.name, v.level, v.credit_class,
                       CASE WHEN v.hours_per_credit IS NULL THEN v.credits
                            ELSE LEAST(trunc(r.hours / v.hours_per_credit, 2), v.credits) END AS credits
                FROM r JOIN k v ON v.code = r.code AND v.kind = r.kind AND v.course_kind = r.course_kind
                                AND v.provider_id = r.provider_id
                WHERE r.hours >= v.min_hours AND r.date >= v.effective_from
                  AND (v.min_score IS NULL OR r.score >= v.min_score)) m
            WHERE m.credits > 0""", {"low": low, "high": high})
        matched = cur.rowcount
        cur.execute("SET LOCAL enable_hashjoin = on")
        cur.execute("SET LOCAL enable_mergejoin = on")
        if not matched:
            cur.execute("DROP TABLE _lc_m")  # (inside an outer transaction ON COMMIT would come only at its end)
            return
        # The batch's accounts and their heads (read under a lock taken in id order, with `lock_first`).
        lock = (f"INSERT INTO _lc_h SELECT a.id, a.learner_id, a.head_seq, a.head_hash FROM {t['accounts']} a "
                f"WHERE a.learner_id IN (SELECT learner_id FROM _lc_l {{missing}})"
                + (" ORDER BY a.id FOR UPDATE" if lock_first else ""))
        missing = "WHERE NOT EXISTS (SELECT 1 FROM _lc_h h WHERE h.learner_id = _lc_l.learner_id)"
        cur.execute("CREATE TEMP TABLE _lc_l ON COMMIT DROP AS SELECT DISTINCT ON (learner_id) learner_id, provider_id "
                    "FROM _lc_m ORDER BY learner_id, rid")
        cur.execute("ANALYZE _lc_l")
        cur.execute("CREATE TEMP TABLE _lc_h (account_id bigint PRIMARY KEY, learner_id bigint UNIQUE, "
                    "head_seq integer, head_hash text) ON COMMIT DROP")
        cur.execute(lock.format(missing=""))
        accounts = cur.rowcount
        # Accounts for learners who have none (opened for the provider of their first record here). One opened
        # meanwhile by someone else is skipped by ON CONFLICT and then locked like the others.
        cur.execute(f"""
            WITH opened AS (
                INSERT INTO {t['accounts']} (learner_id, opened_at, opened_via, opened_for_id, opened_by_id, head_seq,
                                             head_hash)
                SELECT learner_id, %s, %s, provider_id, %s, 0, %s FROM _lc_l {missing} ORDER BY learner_id
                ON CONFLICT (learner_id) DO NOTHING RETURNING id, learner_id, head_seq, head_hash)
            INSERT INTO _lc_h SELECT * FROM opened""", [now, OpenedVia.AUTO, actor_id, ledger.GENESIS])
        result.accounts_opened += cur.rowcount
        accounts += cur.rowcount
        cur.execute(f"SELECT count(*) FROM _lc_l {missing}")
        if cur.fetchone()[0]:  # opened by someone else meanwhile
            cur.execute(lock.format(missing=missing))
            accounts += cur.rowcount
        if lock_first:
            # Under the locks nobody else recognises these accounts' records; any recognised between the match above
            # and the locks (one by one, or by another run) are left out now.
            cur.execute(f"DELETE FROM _lc_m m WHERE EXISTS "
                        f"(SELECT 1 FROM {t['outcomes']} o WHERE o.learning_record_id = m.rid)")
            if cur.rowcount:
                matched -= cur.rowcount
                cur.execute("DELETE FROM _lc_h h WHERE NOT EXISTS (SELECT 1 FROM _lc_m m WHERE m.learner_id = h.learner_id)")
                accounts -= cur.rowcount
                if not matched:
                    for table in ("_lc_h", "_lc_l", "_lc_m"):
                        cur.execute(f"DROP TABLE {table}")
                    return
        cur.execute("ANALYZE _lc_h")
        # Outcome ids, seqs and hashes, in account then record order (the chain's order). (The sequence's name is
        # looked up once: pg_get_serial_sequence() a row costs microseconds a row.)
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [t["outcomes"]])
        sequence = cur.fetchone()[0]
        cur.execute("CREATE TEMP TABLE _lc_e ON COMMIT DROP AS SELECT * FROM pg_temp.lc_chain(%s, %s, %s, %s)",
                    [sequence, EntryReason.RECOGNITION, "" if actor_id is None else str(actor_id),
                     ledger.time_text(now)])
        # Each account's new head and balances, in one update of its row — of the rows whose head is still the one
        # chained from.
        classes = CreditClass.values
        cur.execute(f"""
            UPDATE {t['accounts']} a SET head_seq = c.seq, head_hash = c.hash,
                   {', '.join(f"{balance_field(c)} = a.{balance_field(c)} + c.d_{c}" for c in classes)}
            FROM (SELECT account_id, max(seq) AS seq, min(seq) - 1 AS from_seq,
                         (array_agg(hash ORDER BY seq DESC))[1] AS hash,
                         {', '.join(f"COALESCE(sum(credits) FILTER (WHERE credit_class = '{c}'), 0) AS d_{c}"
                                    for c in classes)}
                  FROM _lc_e GROUP BY account_id ORDER BY account_id) c
            WHERE a.id = c.account_id AND a.head_seq = c.from_seq""")
        if cur.rowcount != accounts:  # (each account of the batch has at least one entry)
            if lock_first:
                raise RuntimeError("bulk recognition: an account's head moved while it was locked")
            raise _HeadsMoved
        cur.execute(f"""
            INSERT INTO {t['outcomes']} (id, account_id, standard_version_id, learning_record_id, declaration_id,
                method, title, provider_id, provider_name, date, hours, score, credit_class, credits, basis,
                recognised_at, recognised_by_id)
            SELECT e.oid, e.account_id, e.version_id, e.rid, NULL, %(method)s, e.title, e.provider_id,
                   e.provider_name, e.date, e.hours, e.score, e.credit_class, e.credits, e.basis, %(at)s, %(actor)s
            FROM _lc_e e""",
                    {"method": RecognitionMethod.AUTO, "at": now, "actor": actor_id})
        cur.execute(f"""
            INSERT INTO {t['entries']} (account_id, seq, credit_class, amount, reason, outcome_id, conversion_id,
                reverses_id, actor_id, memo, created_at, prev_hash, hash, chain, outcome_hash)
            SELECT e.account_id, e.seq, e.credit_class, e.credits, %(reason)s, e.oid, NULL, NULL, %(actor)s, '',
                   %(at)s, e.prev_hash, e.hash, %(chain)s, e.outcome_hash
            FROM _lc_e e""", {"reason": EntryReason.RECOGNITION, "actor": actor_id, "at": now, "chain": CHAIN})
        result.entries += cur.rowcount
        cur.execute("SELECT standard_code, count(*), min(oid), max(oid) FROM _lc_e GROUP BY standard_code")
        first, last = None, None
        for code, n, lo, hi in cur.fetchall():
            result.by_standard[code] += n
            first, last = min(lo, first or lo), max(hi, last or hi)
        for table in ("_lc_e", "_lc_h", "_lc_l", "_lc_m"):
            cur.execute(f"DROP TABLE {table}")
    audit_record(actor=actor, action="outcome.recognise_bulk", object_type="creditbank.outcome",
                 object_id=f"{first}-{last}", records=matched)
    result.recognised += matched
