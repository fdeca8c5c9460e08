"""Bulk recognition on PostgreSQL: a batch entirely in SQL over temporary tables (bulk.py says what it does and how
the Python path agrees with it)."""



from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from learncity.catalog.models import Course, LearningRecord
from learncity.core.audit import audit_record
from learncity.creditbank import ledger
from learncity.creditbank.catalogue import KIND_LABELS, BulkResult, Catalogue
from learncity.creditbank.models import (
    CHAIN,
    CreditClass,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    RecognitionMethod,
    StandardVersion,
    balance_field,
)
from learncity.network.models import Institution

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
        matched = _batch_match(cur, t, low, high)
        if not matched:
            cur.execute("DROP TABLE _lc_m")  # (inside an outer transaction ON COMMIT would come only at its end)
            return
        accounts = _batch_accounts(cur, t, now, actor_id, lock_first, result)
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
        first, last = _batch_write(cur, t, now, actor_id, accounts, lock_first, result)
    audit_record(actor=actor, action="outcome.recognise_bulk", object_type="creditbank.outcome",
                 object_id=f"{first}-{last}", records=matched)
    result.recognised += matched


def _batch_match(cur, t: dict, low: int, high: int) -> int:
    """The batch's matched records into _lc_m; how many."""
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
    return matched


def _batch_accounts(cur, t: dict, now, actor_id, lock_first: bool, result: BulkResult) -> int:
    """The accounts of the batch's learners (opened for those who have none) and their heads into _lc_h, locked
    in id order with `lock_first`; how many."""
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
    return accounts


def _batch_write(cur, t: dict, now, actor_id, accounts: int, lock_first: bool, result: BulkResult) -> tuple:
    """The batch's entries chained (_lc_e), the heads and balances moved, the outcomes and entries written; the
    first and last outcome id."""
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
    return first, last
