"""Import jobs in the background: a django.tasks task on the django-tasks-db backend, run by `learncity db_worker`
(which `learncity serve` starts beside the web server).

A job is enqueued once its upload has committed (`services.job_submit` calls `job_enqueue` from
`transaction.on_commit`). The task only calls `jobs.job_run`, which does the whole pipeline: it commits the
records in one transaction, so a worker killed before it leaves nothing accepted, then recognises them batch by
batch. A killed worker leaves the job RUNNING and its task row RUNNING, and nothing in django-tasks-db would ever
pick either up again. `jobs_resume` does: a job whose heartbeat is older than STALE_AFTER (or a queued job whose
task row is gone) is enqueued again, and `job_run` starts it over from the beginning, or, if its records were
written, recognises those not yet recognised. `learncity serve` calls it 5 s after it starts and then every
minute; `learncity intake_resume` calls it once (for a cron job beside a stand-alone `learncity db_worker`).
"""

import datetime
import logging

from django.db import transaction
from django.db.models.functions import Coalesce
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from learncity.core.errors import DomainError
from learncity.core.followups import follow_up
from learncity.intake.jobs import job_run
from learncity.intake.models import ImportJob, JobStatus

log = logging.getLogger(__name__)

# job_run beats at least every few seconds while it works (every batch of rows, every stage); a job silent for
# this long has lost its worker. Keep it well above the longest single SQL statement of a large job.
STALE_AFTER = datetime.timedelta(minutes=2)
# A file that kills its worker every time (out of memory, say) is not retried for ever.
MAX_ATTEMPTS = 3
# A job whose records are written (accepted) is retried longer: only their recognition is left, and it goes on
# where it stopped. Past this, an administrator runs it again (`learncity intake_resume --job N`).
MAX_RECOGNITION_ATTEMPTS = 10


class WorkerLost(Exception):
    """Recorded on a task row whose worker died while running it (the job itself is enqueued again)."""


@task
def job_process(job_id: int) -> dict:
    """Run one import job to its end (done, rejected or failed)."""
    job = job_run(job_id)
    if job.rows_new:  # the dashboards' figures: refreshed in the background, not by the next page read
        follow_up("records_imported")  # monitoring answers (core/followups.py)
    return {"job": job.pk, "status": job.status, "rows_new": job.rows_new}


def job_enqueue(job_id: int) -> str:
    """Put the job on the worker's queue; returns the task id. Call it after the job's row has committed."""
    return str(job_process.enqueue(job_id).id)


def _task_rows(job_id: int):
    return DBTaskResult.objects.filter(task_path=job_process.module_path, args_kwargs__args__0=job_id)


def _task_rows_lost(job_id: int, *, cutoff: datetime.datetime, now: datetime.datetime) -> None:
    """Mark the job's task rows that a dead worker left RUNNING as failed, so the task list tells the truth."""
    _task_rows(job_id).filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.FAILED, finished_at=now,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=f"WorkerLost: the worker running import job {job_id} stopped answering before {cutoff.isoformat()}")


def jobs_resume(*, stale_after: datetime.timedelta = STALE_AFTER) -> list[int]:
    """Enqueue again the jobs a dead worker left behind; returns their ids.

    - RUNNING with no heartbeat for `stale_after`: its worker was killed. Before its records' commit the job
      starts over (nothing was accepted); after it, it goes on recognising its records.
    - FAILED after its records' commit, `stale_after` ago: recognition failed (a lost connection, say); it goes on.
    - QUEUED for `stale_after` with no task waiting for it: the enqueue after its commit never happened (the
      process died between the two), its task row was pruned, its worker died between claiming the task and
      starting the job, or the task failed before the job began.
    Task rows a dead worker left RUNNING are marked failed (WorkerLost). A job tried MAX_ATTEMPTS times (runs
    begun, or tasks failed) is marked FAILED instead — MAX_RECOGNITION_ATTEMPTS times once its records are in. A
    job whose row is locked — a live worker inside the transaction that writes its records, on PostgreSQL — is
    skipped.
    """
    now = timezone.now()
    cutoff = now - stale_after
    jobs = ImportJob.objects.annotate(last_sign=_LAST_SIGN)
    running = jobs.filter(status=JobStatus.RUNNING, last_sign__lt=cutoff)
    failed = jobs.filter(status=JobStatus.FAILED, records_first__isnull=False, last_sign__lt=cutoff,
                         attempts__lt=MAX_RECOGNITION_ATTEMPTS)
    queued = ImportJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=cutoff)
    # A cheap read first: most calls find nothing, and on SQLite a locking transaction would take the write lock.
    candidates = [*running.values_list("pk", flat=True), *failed.values_list("pk", flat=True),
                  *queued.values_list("pk", flat=True)]
    return [job_id for job_id in candidates if _job_resume(job_id, cutoff=cutoff, now=now)]


def job_requeue(job_id: int) -> None:
    """An administrator's: enqueue again a FAILED job (or one its worker left RUNNING), whatever its attempts; a
    job whose records are written goes on recognising them, any other starts over. Raises DomainError for a job
    that is finished, queued, or alive."""
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(skip_locked=True).annotate(last_sign=_LAST_SIGN).filter(
            pk=job_id).first()
        if job is None:
            if not ImportJob.objects.filter(pk=job_id).exists():
                raise DomainError({"job": _("没有编号为 %(n)s 的上传") % {"n": job_id}})
            raise DomainError({"job": _("这次上传正在处理中")})
        if job.status not in (JobStatus.FAILED, JobStatus.RUNNING) or (
                job.status == JobStatus.RUNNING and job.last_sign >= now - STALE_AFTER):
            raise DomainError({"job": _("这次上传的状态是「%(s)s」，无需重新排队") % {"s": job.get_status_display()}})
        _task_rows_lost(job_id, cutoff=now, now=now)
        _enqueue_again(job, now=now)


_LAST_SIGN = Coalesce("heartbeat_at", "started_at", "created_at")


@transaction.atomic
def _job_resume(job_id: int, *, cutoff: datetime.datetime, now: datetime.datetime) -> bool:
    job = ImportJob.objects.select_for_update(skip_locked=True).annotate(last_sign=_LAST_SIGN).filter(pk=job_id).first()
    if job is None:
        return False  # locked by its worker right now: alive
    written = job.records_first is not None
    stale = job.last_sign < cutoff
    if not ((job.status == JobStatus.RUNNING and stale) or (job.status == JobStatus.FAILED and written and stale)
            or (job.status == JobStatus.QUEUED and job.created_at < cutoff)):
        return False  # it moved on since the first read
    _task_rows_lost(job_id, cutoff=cutoff, now=now)
    if _task_rows(job_id).filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists():
        return False  # waiting its turn in the queue, or claimed a moment ago
    tries = max(job.attempts, _task_rows(job_id).filter(status=TaskResultStatus.FAILED).count())
    if tries >= (MAX_RECOGNITION_ATTEMPTS if written else MAX_ATTEMPTS):
        if job.status != JobStatus.FAILED:
            message = (_("记录已接收，但认定学习成果已中断 %(n)d 次，不再自动重试。请联系管理员（learncity intake_resume "
                         "--job %(job)d）。") if written else
                       _("处理已中断 %(n)d 次，不再重试；未接收任何记录。请检查文件后重新上传，或联系管理员。"))
            ImportJob.objects.filter(pk=job_id).update(status=JobStatus.FAILED, finished_at=now, heartbeat_at=now,
                                                       stage="", message=message % {"n": tries, "job": job_id})
            log.warning("import job %s: stopped %s times, marked failed", job_id, tries)
        return False
    _enqueue_again(job, now=now)
    return True


def _enqueue_again(job: ImportJob, *, now: datetime.datetime) -> None:
    if job.records_first is not None:
        message = _("处理进程中断，已重新排队，将接着认定学习成果（记录已接收，不会重复）。")
    elif job.status == JobStatus.QUEUED:
        message = job.message
    else:
        message = _("处理进程中断，已重新排队，将从头处理（此前未接收任何记录）。")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, heartbeat_at=now, stage="", message=message)
    job_enqueue(job.pk)  # in the same transaction as the job's new state: both or neither
    log.warning("import job %s enqueued again", job.pk)
