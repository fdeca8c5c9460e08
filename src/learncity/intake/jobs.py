"""An import job's run, from its queued file to its end (`job_run`): the pipeline's steps (`pipeline`) with the
job's progress, heartbeat and counts, its lock, its messages and its audit rows. What the background task
(`tasks.job_process`) and the import command run; `services` submits the jobs.

All or nothing, then resumable: the checks against the reference tables, the dedup and the new records are one
transaction, which also sets the job's counts and the range of its records' ids; a worker killed before its commit
leaves nothing accepted, and the job is run again from the start (its staged rows deleted first). After it the
records are accepted, every one once, and their recognition into outcomes and ledger entries follows, batch by
batch, each batch committed (side by side in several database sessions on PostgreSQL); a worker killed then leaves
whole batches, and the job is resumed at the records not yet recognised.
"""

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.core.audit import audit_record
from learncity.core.bulk import analyze
from learncity.core.errors import FileRejected, NotFound
from learncity.creditbank.models import LearningAccount, LedgerEntry, Outcome
from learncity.intake import pipeline
from learncity.intake.models import ImportJob, JobMode, JobStatus, StagedRow
from learncity.records.models import LearningRecord

log = logging.getLogger(__name__)


def intake_dir() -> Path:
    return Path(settings.LEARNCITY_INTAKE_DIR)


def job_file(job: ImportJob) -> Path:
    return intake_dir() / str(job.pk) / f"upload.{job.file_format}"



class _RunLock:
    """Held by the process running a job (an exclusive flock on the job's file, freed by the OS if it dies), so
    the same job never runs twice at once."""

    def __init__(self, path: Path):
        self.path, self.fd = path, None

    def acquire(self) -> bool:
        try:
            self.fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return True  # nothing to guard: the job will fail for the missing file
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _beat(job: ImportJob, **changes) -> None:
    """Record progress (and the heartbeat) on the job row; call inside a short transaction or autocommit."""
    changes["heartbeat_at"] = timezone.now()
    if "message" in changes:
        changes["message"] = changes["message"][:500]  # a refused file's message lists its cells; the column is short
    for k, v in changes.items():
        setattr(job, k, v)
    ImportJob.objects.filter(pk=job.pk).update(**changes)


def job_run(job_id: int, *, progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Run an import job to its end: DONE (records written and recognised), REJECTED (the file, or in
    all-or-nothing mode any row, refused; nothing written) or FAILED (an unexpected error: nothing written, or,
    past the records' commit, the records written and some not yet recognised — `tasks.jobs_resume` runs such a
    job again, to go on recognising).
    Idempotent and resumable: a finished job is returned as it is; a job another process is running is left to it;
    a job left RUNNING by a killed worker, QUEUED again, or FAILED, starts over from the beginning — or, once its
    records are written, goes on recognising those not yet recognised.
    `progress(job)` is called after each chunk of rows, at each stage and while records are recognised."""
    job = ImportJob.objects.select_related("institution").filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("未找到这次上传"))
    if job.status in (JobStatus.DONE, JobStatus.REJECTED):
        return job
    lock = _RunLock(job_file(job))
    if not lock.acquire():
        return job  # running in another process right now
    try:
        return _run(job.pk, progress or (lambda job: None))
    finally:
        lock.release()


def _run(job_id: int, progress: Callable[[ImportJob], None]) -> ImportJob:
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (JobStatus.DONE, JobStatus.REJECTED):
            return job
        if job.records_first is not None:  # its records were written by a run that stopped: recognise the rest
            _beat(job, status=JobStatus.RUNNING, attempts=job.attempts + 1, finished_at=None, stage="recognise")
        else:
            pipeline.staged_delete(job.pk)  # what a killed run staged
            _beat(job, status=JobStatus.RUNNING, attempts=job.attempts + 1, started_at=now, finished_at=None,
                  stage="parse", rows_total=0, rows_done=0, rows_new=0, rows_duplicate=0, rows_changed=0,
                  rows_invalid=0, recognised=0, rows_examples=0, message="", has_report=False, encoding="")
    progress(job)
    try:
        if job.records_first is None:
            _pipeline(job, progress)
        if job.records_first is not None:
            _recognition(job, progress)
    except FileRejected as exc:
        pipeline.staged_delete(job.pk)
        _finish(job, JobStatus.REJECTED, message=str(exc), has_report=False)
        audit_record(actor=job.created_by, action="intake.job_rejected", obj=job, reason=exc.summary[:200])
        log.info("import job %s rejected: %s", job.pk, exc.summary)
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        written = ImportJob.objects.filter(pk=job.pk, records_first__isnull=False).exists()  # (committed, or not)
        if not written:
            message = _("处理失败（%(e)s），未接收任何记录；请稍后重试或联系管理员。") % {"e": exc.__class__.__name__}
        else:
            message = _("记录已接收（新增 %(new)s 条），认定学习成果时处理失败（%(e)s）；稍后将自动重试，接着认定，"
                        "不会重复。") % {"new": job.rows_new, "e": exc.__class__.__name__}
        _finish(job, JobStatus.FAILED, message=message, has_report=written)
        raise
    progress(job)
    return job


def _finish(job: ImportJob, status: str, **changes) -> None:
    with transaction.atomic():
        _beat(job, status=status, finished_at=timezone.now(), stage="", **changes)
    if status in (JobStatus.DONE, JobStatus.REJECTED):
        transaction.on_commit(lambda: _file_remove(job))


def _file_remove(job: ImportJob) -> None:
    """A finished job's file is no longer needed (its rows are staged, for the report)."""
    path = job_file(job)
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()  # empty unless something else was put there


def _encoding_note(job: ImportJob) -> str:
    if job.file_format != "csv" or not job.encoding:
        return ""
    return _("文件编码：%(e)s。") % {"e": pipeline.ENCODING_LABELS.get(job.encoding, job.encoding)}


def _pipeline(job: ImportJob, progress: Callable[[ImportJob], None]) -> None:
    path = job_file(job)
    if not path.exists():
        raise FileNotFoundError(f"import job {job.pk}: {path} is missing")
    source = pipeline.open_source(path, job.file_format, name=job.filename)
    with transaction.atomic():
        _beat(job, encoding=source.encoding, rows_total=source.estimate)
    try:
        positions = pipeline.check_headers(source)
    except FileRejected as exc:
        raise FileRejected(exc.summary + " " + _encoding_note(job), exc.cell_errors, encoding=exc.encoding) from None

    def on_chunk(rows: int) -> None:
        _beat(job, rows_done=rows, rows_total=max(rows, job.rows_total))
        progress(job)

    staged = pipeline.stage(job, source, positions, on_chunk=on_chunk)
    if staged.rows == 0:
        raise FileRejected(_("文件只有表头（或只有示例行），没有要导入的记录。") + _encoding_note(job))
    with transaction.atomic():
        _beat(job, rows_total=staged.rows, rows_done=staged.rows, stage="validate")
    progress(job)
    actor = job.created_by

    # Everything that makes records visible, in one transaction: the checks against the reference tables, the
    # dedup and the new records, with the job's counts and the range of its records' ids. The job row is locked
    # for its length: the sign, to the worker's watchdog, that this job is alive. A run killed before its commit
    # leaves nothing accepted, and the job starts over; after it, the records are accepted, once, and a run that
    # stops is resumed at their recognition (`_recognition`).
    with transaction.atomic():
        ImportJob.objects.select_for_update().filter(pk=job.pk).first()
        pipeline.commit_settings()
        invalid = pipeline.validate(job)
        job.rows_invalid = invalid
        if invalid and job.mode == JobMode.ALL_OR_NOTHING:
            _beat(job, status=JobStatus.REJECTED, finished_at=timezone.now(), stage="", rows_invalid=invalid,
                  has_report=True, message=_(
                      "共 %(rows)s 行，其中 %(bad)s 行有错误。您选择了「全部正确才接收」，所以整个文件未接收，没有写入任何记录。"
                      "请下载错误报告，改正后重新上传。") % {"rows": staged.rows, "bad": invalid} + _encoding_note(job))
            audit_record(actor=actor, action="intake.job_rejected", obj=job, rows=staged.rows, invalid=invalid)
            transaction.on_commit(lambda: _file_remove(job))
            return
        job.stage = "dedup"
        progress(job)
        pipeline.lock_records()
        duplicate, changed = pipeline.dedup(job)
        job.rows_duplicate, job.rows_changed, job.stage = duplicate, changed, "write"
        progress(job)
        ids = pipeline.write(job, actor_id=actor.pk if actor else None, now=timezone.now())
        counts = {"rows_invalid": invalid, "rows_duplicate": duplicate, "rows_changed": changed, "rows_new": len(ids),
                  "rows_examples": staged.examples}
        if ids:
            _beat(job, stage="recognise", records_first=ids.start, records_last=ids.stop - 1, **counts)
            pipeline.commit_unflushed()
        else:
            _done(job, recognised=0, **counts)


ANALYZE_ROWS = 100_000
ANALYZE_SHARE = 0.1


def _recognition(job: ImportJob, progress: Callable[[ImportJob], None]) -> None:
    """The job's written records recognised into outcomes and ledger entries, batch by batch, each batch committed
    (side by side on PostgreSQL: `pipeline.recognise`); then the job DONE. Resumable at any point: a batch is
    whole or absent, and a record already recognised is not recognised again."""
    ids = range(job.records_first, job.records_last + 1)
    job.stage = "recognise"
    progress(job)

    outcomes = Outcome.objects.filter(learning_record__gte=ids.start, learning_record__lt=ids.stop)
    before = outcomes.count()  # (recognised by a run that stopped)

    def recognised_so_far(n: int) -> None:  # (committed at once: the page's progress and the watchdog see it)
        _beat(job, recognised=before + n)
        progress(job)

    pipeline.recognise(ids, actor=job.created_by, progress=recognised_so_far,
                       sessions=settings.LEARNCITY_INTAKE_RECOGNISERS)
    # The tables the job wrote, analysed when the job changed their size enough to change a plan (a tenth, or
    # ANALYZE_ROWS rows): the pages and checks that read them next are planned for their new sizes whether
    # autovacuum runs or not. A small job on a big table does not pay for reading the whole table again.
    if len(ids) >= ANALYZE_ROWS or len(ids) >= ANALYZE_SHARE * max(ids.start - 1, 1):
        analyze(LearningRecord, Outcome, LedgerEntry, LearningAccount, StagedRow)
    recognised = outcomes.count()
    with transaction.atomic():
        _done(job, recognised=recognised)


def _done(job: ImportJob, *, recognised: int, **counts) -> None:
    """Mark the job DONE with its message (inside a transaction)."""
    for k, v in counts.items():
        setattr(job, k, v)
    parts = [_("共 %(rows)s 行：新增 %(new)s 条") % {"rows": job.rows_total, "new": job.rows_new}]
    if job.rows_duplicate:
        parts.append(_("重复 %(n)s 条（此前已接收，未重复入账）") % {"n": job.rows_duplicate})
    if job.rows_changed:
        parts.append(_("内容有变化 %(n)s 条（未覆盖原记录，见报告）") % {"n": job.rows_changed})
    if job.rows_invalid:
        parts.append(_("有错误 %(n)s 行（未接收，见错误报告）") % {"n": job.rows_invalid})
    parts.append(_("认定学习成果 %(n)s 条") % {"n": recognised})
    message = "，".join(parts) + "。"
    if job.rows_examples:
        message += _("已跳过模板的示例行 %(n)s 行。") % {"n": job.rows_examples}
    message += _encoding_note(job)
    _beat(job, status=JobStatus.DONE, finished_at=timezone.now(), stage="", recognised=recognised, has_report=True,
          message=message[:500], **counts)
    records = f"{job.records_first}-{job.records_last}" if job.records_first is not None else ""
    audit_record(actor=job.created_by, action="intake.job_done", obj=job, rows=job.rows_total, new=job.rows_new,
                 duplicate=job.rows_duplicate, changed=job.rows_changed, invalid=job.rows_invalid,
                 recognised=recognised, records=records)
    transaction.on_commit(lambda: _file_remove(job))
