"""Import jobs in the background: a django.tasks task on the django-tasks-db backend, run by `learncity db_worker`
(which `learncity serve` starts beside the web server).

A job is enqueued once its upload has committed (`services.job_submit` calls `job_enqueue` from
`transaction.on_commit`). The task only calls `services.job_run`, which does the whole pipeline: it commits the
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

from learncity.intake.models import ImportJob, JobStatus

log = logging.getLogger(__name__)

# job_run beats at least every few seconds while it works (every batch of rows, every stage); a job silent for
# this long has lost its worker. Keep it well above the longest single SQL statement of a large job.
STALE_AFTER = datetime.timedelta(minutes=2)
# A file that kills its worker every time (out of memory, say) is not retried for ever.
MAX_ATTEMPTS = 3


class WorkerLost(Exception):
    """Recorded on a task row whose worker died while running it (the job itself is enqueued again)."""


@task
def job_process(job_id: int) -> dict:
    """Run one import job to its end (done, rejected or failed)."""
    # services enqueues through this module; importing it here, not at the top, keeps the two free of a cycle.
    from learncity.intake import services

    job = services.job_run(job_id)
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

    - RUNNING with no heartbeat for `stale_after`: its worker was killed (its transaction rolled back).
    - QUEUED for `stale_after` with no task waiting for it: the enqueue after its commit never happened (the
      process died between the two), its task row was pruned, its worker died between claiming the task and
      starting the job, or the task failed before the job began.
    Task rows a dead worker left RUNNING are marked failed (WorkerLost). A job tried MAX_ATTEMPTS times (runs
    begun, or tasks failed) is marked FAILED instead — unless its records are written: they are accepted, and
    their recognition only goes on where it stopped. A job whose row is locked — a live worker inside the
    transaction that writes its records, on PostgreSQL — is skipped.
    """
    now = timezone.now()
    cutoff = now - stale_after
    running = ImportJob.objects.annotate(last_sign=_LAST_SIGN).filter(status=JobStatus.RUNNING, last_sign__lt=cutoff)
    queued = ImportJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=cutoff)
    # A cheap read first: most calls find nothing, and on SQLite a locking transaction would take the write lock.
    candidates = [*running.values_list("pk", flat=True), *queued.values_list("pk", flat=True)]
    return [job_id for job_id in candidates if _job_resume(job_id, cutoff=cutoff, now=now)]


_LAST_SIGN = Coalesce("heartbeat_at", "started_at", "created_at")


@transaction.atomic
def _job_resume(job_id: int, *, cutoff: datetime.datetime, now: datetime.datetime) -> bool:
    job = ImportJob.objects.select_for_update(skip_locked=True).annotate(last_sign=_LAST_SIGN).filter(pk=job_id).first()
    if job is None:
        return False  # locked by its worker right now: alive
    if job.status == JobStatus.RUNNING and job.last_sign < cutoff and job.records_first is not None:
        message = _("处理进程中断，已重新排队，将接着认定学习成果（记录已接收，不会重复）。")
    elif job.status == JobStatus.RUNNING and job.last_sign < cutoff:
        message = _("处理进程中断，已重新排队，将从头处理（此前未接收任何记录）。")
    elif job.status == JobStatus.QUEUED and job.created_at < cutoff:
        message = job.message
    else:
        return False  # it moved on since the first read
    _task_rows_lost(job_id, cutoff=cutoff, now=now)
    if _task_rows(job_id).filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists():
        return False  # waiting its turn in the queue, or claimed a moment ago
    tries = max(job.attempts, _task_rows(job_id).filter(status=TaskResultStatus.FAILED).count())
    if tries >= MAX_ATTEMPTS and job.records_first is None:
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, finished_at=now, heartbeat_at=now, stage="",
            message=_("处理已中断 %(n)d 次，不再重试；未接收任何记录。请检查文件后重新上传，或联系管理员。")
            % {"n": tries})
        log.warning("import job %s: stopped %s times, marked failed", job_id, tries)
        return False
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.QUEUED, heartbeat_at=now, stage="", message=message)
    job_enqueue(job_id)  # in the same transaction as the job's new state: both or neither
    log.warning("import job %s enqueued again", job_id)
    return True
