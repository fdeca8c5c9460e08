"""Step 4, recognition: a job's written records recognised into outcomes and ledger entries by the credit bank's
bulk path, batch by batch, each batch committed; on PostgreSQL, side by side in several database sessions."""

import itertools
import threading
from collections.abc import Callable

from django.db import connection, connections
from django.utils import translation

from learncity.creditbank import bulk
from learncity.intake.pipeline.sql import pipeline_sql
from learncity.records.models import LearningRecord


def recognise(ids: range, *, actor, progress: Callable[[int], None] | None = None, sessions: int = 1) -> int:
    """Recognise the job's records (`ids`, written in learner order), batch by batch, each batch committed on its
    own: resumable, a batch at a time, and idempotent (a record already recognised is skipped). On PostgreSQL with
    `sessions` > 1, and outside any transaction, the range is cut at learners' boundaries into that many parts, each
    recognised in its own database session on its own thread: the parts touch different learners' accounts, so the
    server works on them side by side, a core each. `progress(records recognised so far)` runs on this thread.
    Returns the records recognised."""
    if not ids:
        return 0
    if sessions <= 1 or not pipeline_sql().side_by_side or connection.in_atomic_block:
        return _recognise_part(ids.start, ids.stop - 1, actor, progress)
    parts = _parts(ids, sessions)
    done = [0] * len(parts)
    failed: list[BaseException] = []
    stop = threading.Event()  # set when a part fails: the others stop after the batch they are in
    language = translation.get_language()  # (the outcomes' basis text names the record kind in it)

    def advanced(k: int, n: int) -> None:
        done[k] = n
        if stop.is_set():
            raise _Stopped

    def work(k: int, low: int, high: int) -> None:
        try:
            with translation.override(language):
                done[k] = _recognise_part(low, high, actor, lambda n: advanced(k, n))
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the calling thread, which raises it
            failed.append(exc)
            stop.set()
        finally:
            connections.close_all()  # (this thread's own connections)

    threads = [threading.Thread(target=work, args=(k, low, high), name=f"recognise-{k}", daemon=True)
               for k, (low, high) in enumerate(parts)]
    for t in threads:
        t.start()
    reported = -1
    try:
        while alive := [t for t in threads if t.is_alive()]:
            alive[0].join(PROGRESS_EVERY)
            if progress is not None:  # (also the job's heartbeat, when nothing moved: a batch can take a while)
                reported = sum(done)
                progress(reported)
    except BaseException:
        stop.set()
        for t in threads:
            t.join()
        raise
    if failed:
        raise failed[0]
    total = sum(done)
    if progress is not None and total != reported:
        progress(total)
    return total


class _Stopped(Exception):
    """A part stopped because another failed."""


PROGRESS_EVERY = 2.0  # seconds between progress reports while parts are recognised side by side


def _recognise_part(low: int, high: int, actor, progress: Callable[[int], None] | None) -> int:
    """Records low..high recognised in this thread's database session. On PostgreSQL its batches commit without
    waiting for their WAL to reach the disk (synchronous_commit off): a batch lost in a server crash is lost whole,
    with the accounts' heads it moved, and the job, not DONE until a commit that does wait (and so makes durable
    everything committed before it), recognises it again when it is resumed."""
    vendor = pipeline_sql()
    with vendor.unflushed_session():
        result = bulk.recognise_records(actor=actor, min_id=low, max_id=high, batch=vendor.recognise_batch,
                                        progress=(lambda r: progress(r.recognised)) if progress else None)
    return result.recognised


def _parts(ids: range, n: int) -> list[tuple[int, int]]:
    """`ids` cut into up to `n` ranges of about equal length, each cut where one learner's records end and the
    next one's begin (a job writes a learner's records under consecutive ids), so no two parts share an account."""
    lr = LearningRecord._meta.db_table
    cuts = [ids.start]
    with connection.cursor() as cur:
        for k in range(1, n):
            mid = ids.start + len(ids) * k // n
            cur.execute(f"SELECT learner_id FROM {lr} WHERE id >= %s AND id < %s ORDER BY id LIMIT 1",
                        [mid, ids.stop])
            row = cur.fetchone()
            if row is None:
                break
            cur.execute(f"SELECT MIN(id) FROM {lr} WHERE id >= %s AND id < %s AND learner_id <> %s",
                        [mid, ids.stop, row[0]])
            cut = cur.fetchone()[0]
            if cut is not None and cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(ids.stop)
    return [(low, high - 1) for low, high in itertools.pairwise(cuts) if high > low]
