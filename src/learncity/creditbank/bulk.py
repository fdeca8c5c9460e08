"""Bulk recognition: learning records (new or historical) become outcomes and ledger entries, set-based.

The same rules as `services.record_recognise` (a test holds both paths to the same results): the standard the
course names, else the most specific active standard matching the record's kind and course kind that the provider
is accredited for; hours, score and effective date checked; credits by the version's rule. Per batch: accounts
opened for learners who have none, the batch's accounts locked in id order, heads read, each account's new entries
chained, outcomes and entries written, heads moved and balances raised in one update of each account's row.

On PostgreSQL a batch is a range of record ids and runs entirely in SQL over temporary tables (matching by a
lateral join on the catalogue, the chain folded by a recursive query with sha256()): no row travels to Python and
back. On SQLite (one writer at a time; the demo's and the tests' database) the rows are matched and chained in
Python and written with executemany. Both write byte-identical outcomes and entries; a test holds both to
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
                      max_id: int | None = None, batch: int = 100_000,
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
        _recognise_in_sql(catalogue, actor, extra, params_extra, min_id, batch, result, progress)
        return result
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
# over temporary tables: no row leaves the server. The chain is folded by a recursive query, one step per entry
# an account receives in the batch, with PostgreSQL's sha256() over the same payload as `ledger.entry_hash`.

def _recognise_in_sql(catalogue: Catalogue, actor, extra: str, params_extra: list, min_id: int | None, batch: int,
                      result: BulkResult, progress) -> None:
    from learncity.catalog.models import Course

    tables = {"records": LearningRecord._meta.db_table, "courses": Course._meta.db_table,
              "outcomes": Outcome._meta.db_table, "accounts": LearningAccount._meta.db_table,
              "entries": LedgerEntry._meta.db_table,
              "institutions": Institution._meta.db_table}
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) FROM {tables['records']} r "
                    f"WHERE r.id >= %s {extra}", [min_id or 0, *params_extra])
        low, high = cur.fetchone()
    cat_rows = []
    for v in catalogue.by_code.values():
        cat_rows.append(_cat_row(v, rank=0, code=v.standard.code, kind=""))
    for kind, versions in catalogue.by_kind.items():
        for rank, v in enumerate(versions):
            cat_rows.append(_cat_row(v, rank=rank, code="", kind=kind))
    accredited = sorted(catalogue.accredited)
    labels = [(k, str(v)) for k, v in KIND_LABELS.items()]
    for start in range(low, high + 1, batch):
        with transaction.atomic():
            examined, matched = _batch_sql(tables, cat_rows, accredited, labels, actor, extra, params_extra,
                                           start, min(start + batch - 1, high), result)
        if examined:
            result.examined += examined
            result.unmatched += examined - matched
            result.batches += 1
            if progress is not None:
                progress(result)


def _cat_row(v: StandardVersion, *, rank: int, code: str, kind: str) -> tuple:
    return (rank, code, kind, v.course_kinds, v.standard_id, v.pk, v.standard.code, v.version, v.name,
            v.credit_class, v.credits, v.hours_per_credit, v.min_hours, v.min_score, v.effective_from)


_TEMP_BUFFERS = "256MB"


def _batch_sql(t: dict, cat_rows: list, accredited: list, labels: list, actor, extra: str, params_extra: list,
               low: int, high: int, result: BulkResult) -> tuple[int, int]:
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    with connection.cursor() as cur:
        # Room for a batch's sorts, hashes and temporary tables in memory rather than in files.
        # (JIT would spend most of a second compiling each of the big statements below, to save less.)
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL jit = off")
        cur.execute("SELECT current_setting('temp_buffers')")
        if cur.fetchone()[0] != _TEMP_BUFFERS:
            try:
                with transaction.atomic():  # only before the session's first temporary table
                    cur.execute(f"SET temp_buffers = '{_TEMP_BUFFERS}'")
            except DatabaseError:
                pass
        cur.execute("CREATE TEMP TABLE _lc_cat (rank int, code text, kind text, course_kinds text, standard_id bigint,"
                    " version_id bigint, standard_code text, version int, name text, credit_class text,"
                    " credits numeric, hours_per_credit numeric, min_hours numeric, min_score numeric,"
                    " effective_from date) ON COMMIT DROP")
        with cur.cursor.copy("COPY _lc_cat FROM STDIN") as copy:
            for row in cat_rows:
                copy.write_row(row)
        cur.execute("CREATE TEMP TABLE _lc_acc (standard_id bigint, institution_id bigint, "
                    "PRIMARY KEY (standard_id, institution_id)) ON COMMIT DROP")
        with cur.cursor.copy("COPY _lc_acc FROM STDIN") as copy:
            for row in accredited:
                copy.write_row(row)
        cur.execute("CREATE TEMP TABLE _lc_label (kind text PRIMARY KEY, label text) ON COMMIT DROP")
        with cur.cursor.copy("COPY _lc_label FROM STDIN") as copy:
            for row in labels:
                copy.write_row(row)
        # The records of this id range without an outcome, each with the version it matches (if any).
        cur.execute(f"""
            CREATE TEMP TABLE _lc_r ON COMMIT DROP AS
            SELECT r.id AS rid, r.learner_id, r.provider_id, r.kind, r.course_kind, r.title, r.date, r.hours,
                   r.score, COALESCE(c.outcome_standard_code, '') AS code
            FROM {t['records']} r LEFT JOIN {t['courses']} c ON c.id = r.course_id
            WHERE r.id BETWEEN %s AND %s {extra}
              AND NOT EXISTS (SELECT 1 FROM {t['outcomes']} o WHERE o.learning_record_id = r.id)""",
                    [low, high, *params_extra])
        examined = cur.rowcount
        if not examined:
            return 0, 0
        cur.execute("ANALYZE _lc_r")
        # Matched once per distinct (course standard, kind, course kind, provider) — a handful — then joined back.
        cur.execute("""
            CREATE TEMP TABLE _lc_k ON COMMIT DROP AS
            SELECT k.code, k.kind, k.course_kind, k.provider_id, v.standard_id, v.version_id, v.standard_code,
                   v.version, v.name, v.credit_class, v.credits, v.hours_per_credit, v.min_hours, v.min_score,
                   v.effective_from
            FROM (SELECT DISTINCT code, kind, course_kind, provider_id FROM _lc_r) k
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
            WHERE EXISTS (SELECT 1 FROM _lc_acc a WHERE a.standard_id = v.standard_id AND a.institution_id = k.provider_id)""")
        cur.execute("""
            CREATE TEMP TABLE _lc_m ON COMMIT DROP AS
            SELECT r.*, v.standard_id, v.version_id, v.standard_code, v.version, v.name, v.credit_class,
                   CASE WHEN v.hours_per_credit IS NULL THEN v.credits
                        ELSE LEAST(trunc(r.hours / v.hours_per_credit, 2), v.credits) END AS credits
            FROM _lc_r r JOIN _lc_k v ON v.code = r.code AND v.kind = r.kind AND v.course_kind = r.course_kind
                                     AND v.provider_id = r.provider_id
            WHERE r.hours >= v.min_hours AND r.date >= v.effective_from
              AND (v.min_score IS NULL OR r.score >= v.min_score)""")
        cur.execute("DELETE FROM _lc_m WHERE credits <= 0")
        cur.execute("ANALYZE _lc_m")
        cur.execute("SELECT count(*) FROM _lc_m")
        matched = cur.fetchone()[0]
        if not matched:
            return examined, 0
        # The batch's accounts, locked in id order; their heads as they are under the lock.
        lock = (f"INSERT INTO _lc_h SELECT a.id, a.learner_id, a.head_seq, a.head_hash FROM {t['accounts']} a "
                f"WHERE a.learner_id IN (SELECT learner_id FROM _lc_l {{missing}}) ORDER BY a.id FOR UPDATE")
        missing = "WHERE NOT EXISTS (SELECT 1 FROM _lc_h h WHERE h.learner_id = _lc_l.learner_id)"
        cur.execute("CREATE TEMP TABLE _lc_l ON COMMIT DROP AS SELECT DISTINCT ON (learner_id) learner_id, provider_id "
                    "FROM _lc_m ORDER BY learner_id, rid")
        cur.execute("ANALYZE _lc_l")
        cur.execute("CREATE TEMP TABLE _lc_h (account_id bigint PRIMARY KEY, learner_id bigint, head_seq integer, "
                    "head_hash text) ON COMMIT DROP")
        cur.execute(lock.format(missing=""))
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
        cur.execute(lock.format(missing=missing))
        cur.execute("ANALYZE _lc_h")
        # One outcome per matched record, numbered by record within its account (the chain's order). (The
        # sequence's name looked up once: pg_get_serial_sequence() in the select list costs microseconds a row.)
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [t["outcomes"]])
        sequence = cur.fetchone()[0]
        cur.execute("""
            CREATE TEMP TABLE _lc_e ON COMMIT DROP AS
            SELECT e.*, nextval(%s::regclass) AS oid FROM (
                SELECT m.*, h.account_id, row_number() OVER (PARTITION BY h.account_id ORDER BY m.rid) AS k
                FROM _lc_m m JOIN _lc_h h ON h.learner_id = m.learner_id ORDER BY h.account_id, m.rid) e""",
                    [sequence])
        cur.execute("CREATE INDEX ON _lc_e (account_id, k)")
        cur.execute("ANALYZE _lc_e")

        def digest(prev: str, seq: str) -> str:  # ledger.entry_hash of the entry that follows `prev` as `seq`
            return ledger.entry_hash_sql(prev, "e.account_id::text", f"({seq})::text", "e.credit_class",
                                         "round(e.credits, 2)::text", "%(reason)s", "e.oid::text", "''", "''",
                                         "%(actor)s", "''", "%(at)s")

        params = {"reason": EntryReason.RECOGNITION, "actor": "" if actor_id is None else str(actor_id),
                  "at": ledger.time_text(now)}
        cur.execute(f"""
            CREATE TEMP TABLE _lc_c ON COMMIT DROP AS
            WITH RECURSIVE chain(account_id, k, seq, prev_hash, hash) AS (
                SELECT e.account_id, e.k, h.head_seq + 1, h.head_hash::text,
                       {digest('h.head_hash::text', 'h.head_seq + 1')}
                FROM _lc_e e JOIN _lc_h h ON h.account_id = e.account_id WHERE e.k = 1
              UNION ALL
                SELECT e.account_id, e.k, c.seq + 1, c.hash, {digest('c.hash', 'c.seq + 1')}
                FROM chain c JOIN _lc_e e ON e.account_id = c.account_id AND e.k = c.k + 1
            ) SELECT * FROM chain""", params)
        cur.execute(f"""
            INSERT INTO {t['outcomes']} (id, account_id, standard_version_id, learning_record_id, declaration_id,
                method, title, provider_id, provider_name, date, hours, score, credit_class, credits, basis,
                recognised_at, recognised_by_id)
            SELECT e.oid, e.account_id, e.version_id, e.rid, NULL, %(method)s, e.title, e.provider_id,
                   COALESCE(i.name, ''), e.date, e.hours, e.score, e.credit_class, e.credits,
                   left('认证机构 ' || COALESCE(i.name, '') || ' 的' || COALESCE(l.label, e.kind) || '记录，符合标准 '
                        || e.standard_code || ' v' || e.version || '《' || e.name || '》', 300),
                   %(at)s, %(actor)s
            FROM _lc_e e LEFT JOIN {t['institutions']} i ON i.id = e.provider_id
            LEFT JOIN _lc_label l ON l.kind = e.kind ORDER BY e.account_id, e.k""",
                    {"method": RecognitionMethod.AUTO, "at": now, "actor": actor_id})
        cur.execute(f"""
            INSERT INTO {t['entries']} (account_id, seq, credit_class, amount, reason, outcome_id, conversion_id,
                reverses_id, actor_id, memo, created_at, prev_hash, hash)
            SELECT e.account_id, c.seq, e.credit_class, e.credits, %(reason)s, e.oid, NULL, NULL, %(actor)s, '',
                   %(at)s, c.prev_hash, c.hash
            FROM _lc_c c JOIN _lc_e e ON e.account_id = c.account_id AND e.k = c.k ORDER BY e.account_id, c.seq""",
                    {"reason": EntryReason.RECOGNITION, "actor": actor_id, "at": now})
        entries = cur.rowcount
        # Each account's new head and balances, in one update of its row.
        classes = CreditClass.values
        cur.execute(f"""
            UPDATE {t['accounts']} a SET head_seq = c.seq, head_hash = c.hash,
                   {', '.join(f"{balance_field(c)} = a.{balance_field(c)} + s.d_{c}" for c in classes)}
            FROM (SELECT DISTINCT ON (account_id) account_id, seq, hash FROM _lc_c ORDER BY account_id, k DESC) c
            JOIN (SELECT account_id,
                         {', '.join(f"COALESCE(sum(credits) FILTER (WHERE credit_class = '{c}'), 0) AS d_{c}"
                                    for c in classes)}
                  FROM _lc_e GROUP BY account_id) s ON s.account_id = c.account_id
            WHERE a.id = c.account_id""")
        cur.execute("SELECT standard_code, count(*), min(oid), max(oid) FROM _lc_e GROUP BY standard_code")
        first, last = None, None
        for code, n, lo, hi in cur.fetchall():
            result.by_standard[code] += n
            first, last = min(lo, first or lo), max(hi, last or hi)
        for table in ("_lc_c", "_lc_e", "_lc_h", "_lc_l", "_lc_m", "_lc_k", "_lc_r", "_lc_label", "_lc_acc", "_lc_cat"):
            cur.execute(f"DROP TABLE {table}")
    audit_record(actor=actor, action="outcome.recognise_bulk", object_type="creditbank.outcome",
                 object_id=f"{first}-{last}", records=matched)
    result.recognised += matched
    result.entries += entries
    return examined, matched
