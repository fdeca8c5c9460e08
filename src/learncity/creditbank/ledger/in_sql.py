"""PostgreSQL: verification's per-entry work in the database (`ledger_verify` hands it its pages)."""

import json
import re
import threading
from collections.abc import Iterator

from django.db import connection, connections, transaction

from learncity.creditbank.ledger.chain import entry_hash_sql
from learncity.creditbank.ledger.report import Break, Problem, VerifyReport, _scope
from learncity.creditbank.models import (
    GENESIS,
    CreditClass,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    Outcome,
    balance_field,
)
from learncity.creditbank.sql import dialect, version_joins
from learncity.creditbank.sql.postgresql import PG_TIME_TEXT

POSTGRESQL = dialect("postgresql")



# --- PostgreSQL: the per-entry work in the database -------------------------------------------------------------
# The same checks as `_verify_page`, each local to an entry, its predecessor and its account's row, as one
# statement a page of accounts: every entry's hash recomputed (`entry_hash_sql`), its seq and prev_hash against
# the previous entry's (lag over the account's entries in seq order, the order of the unique (account, seq) index,
# so no sort), and per account the last entry and the sums per class against the account's head and cached
# balances (a FULL JOIN, so accounts without entries and entries without an account are there too). A page comes
# back as one row: its accounts and entries, the digest's lines, and the accounts with a break (JSON). When verify
# has its own transaction, _CONNECTIONS connections verify pages at once, all in its snapshot (exported, imported).

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
    line = f"COALESCE({digest.format(POSTGRESQL.outcome_payload({}))}, '-')"
    return (f"CASE WHEN e.reason = '{upgrade}' THEN (SELECT CASE WHEN bool_or(c.reason = '{upgrade}') "
            f"OR NOT COALESCE(bool_or({recorded}), false) THEN '' ELSE {digest.format(
                f"string_agg(CASE WHEN {recorded} THEN {line} END, chr(10) ORDER BY c.seq)")} END "
            f"FROM {entries} c LEFT JOIN {Outcome._meta.db_table} o ON o.id = c.outcome_id AND {recorded} "
            f"{version_joins()} WHERE c.account_id = e.account_id AND c.seq < e.seq) END")


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
    outcome_now = POSTGRESQL.outcome_now(hashed=True)
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
                without.append(Break(account_id, None, None, Problem.no_entries(head_seq)))
            if differs:
                without.append(Break(account_id, None, None, Problem.BALANCE))
            continue
        with_entries += _entry_breaks(account_id, bad)
        if not known:
            with_entries.append(Break(account_id, None, None, Problem.NO_ACCOUNT))
        elif head_moved:
            with_entries.append(Break(account_id, None, None, Problem.head_moved(head_seq, last_seq)))
        if differs:
            with_entries.append(Break(account_id, None, None, Problem.BALANCE))
    return with_entries + without


def _entry_breaks(account_id: int, bad: list | None) -> list[Break]:
    """An account's entries' breaks as `_page_sql` flags them ([seq, id, expected seq, then 0 or 1 for each
    check]), in seq order and, for each entry, in `walk._verify_page`'s order of checks."""
    found = []
    for seq, entry_id, expect_seq, *flags in sorted(bad or ()):
        if seq != expect_seq:
            found.append(Break(account_id, seq, entry_id, Problem.gap(expect_seq)))
        found += [Break(account_id, seq, entry_id, problem)
                  for flag, problem in zip(flags, _FLAGGED, strict=True) if flag]
    return found


# What each 0-or-1 after an entry's expected seq in `_page_sql`'s `bad` says, in order.
_FLAGGED = (Problem.UNLINKED, Problem.ALTERED, Problem.DOWNGRADED, Problem.OUTCOME, Problem.STRAY_CHECKPOINT)


def verify_in_sql(report: VerifyReport, digest, account_ids: list[int] | None, progress, own_transaction: bool, *,
                  page: int) -> None:
    accounts = LearningAccount._meta.db_table
    with connection.cursor() as cur:
        if own_transaction:
            _tune(cur)
        # The pages `walk._pages` reads: `page` accounts each, the first without a lower bound and the last without an
        # upper one.
        cur.execute(f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {accounts} "
                    f"WHERE {_scope('id', None, None, account_ids)}) x WHERE n % {int(page)} = 0 ORDER BY id")
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

