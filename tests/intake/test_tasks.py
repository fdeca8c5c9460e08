"""Import jobs as background tasks: an upload enqueues a django-tasks-db task once it commits; `db_worker` runs it
to the end; jobs a dead worker left behind are enqueued again by `jobs_resume` (`learncity intake_resume`)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learncity.creditbank.models import Outcome
from learncity.intake import pipeline, services, tasks
from learncity.intake.models import ImportJob, JobStatus
from learncity.records.models import LearningRecord, RecordSource
from tests.intake.factories import submitted
from tests.intake.files import adults, csv_file, record

TASK_PATH = "learncity.intake.tasks.job_process"


def submit(staff, school, rows: int, prefix: str, capture) -> ImportJob:
    """An upload of `rows` good records, committed (its on-commit callbacks run, as after a real commit)."""
    residents = adults(rows)
    data = csv_file([record(p, f"{prefix}-{i:04d}") for i, p in enumerate(residents)])
    with capture(execute=True):
        job = submitted(staff, school, data, filename=f"{prefix}.csv")
    return job


def task_rows(job: ImportJob):
    return DBTaskResult.objects.filter(task_path=TASK_PATH, args_kwargs__args__0=job.pk)


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    """The worker closes stale connections between tasks; inside a test's rolled-back transaction that would close
    the test's own connection (Django's test client disconnects the same call from its request signals)."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def run_worker() -> None:
    """`learncity db_worker --batch`: everything queued, then exit."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)


def test_an_upload_waits_in_the_task_table_until_a_worker_runs_it(staff, school, django_capture_on_commit_callbacks):
    # Given an upload of 5 records, committed
    job = submit(staff, school, 5, "TASK-A", django_capture_on_commit_callbacks)

    # Then a task for it waits in django-tasks-db's table, and nothing is written yet
    [row] = task_rows(job)
    assert (row.status, row.args_kwargs, row.queue_name) == (TaskResultStatus.READY, {"args": [job.pk], "kwargs": {}},
                                                             "default")
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED
    assert not LearningRecord.objects.filter(provider=school, external_id__startswith="TASK-A").exists()

    # When the worker runs what is queued
    run_worker()

    # Then the job is done, its task succeeded, and each record exists once, recognised
    job.refresh_from_db()
    row.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_new, job.attempts) == (JobStatus.DONE, 5, 5, 1)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == {"job": job.pk, "status": "done", "rows_new": 5}
    made = LearningRecord.objects.filter(provider=school, external_id__startswith="TASK-A")
    assert sorted(made.values_list("external_id", flat=True)) == [f"TASK-A-{i:04d}" for i in range(5)]
    assert set(made.values_list("source", flat=True)) == {RecordSource.IMPORT}
    assert Outcome.objects.filter(learning_record__in=made).count() == job.recognised == 5
    assert not task_rows(job).filter(status=TaskResultStatus.READY).exists()


def test_job_enqueue_returns_the_task_id(staff, school, django_capture_on_commit_callbacks):
    job = submit(staff, school, 1, "TASK-B", django_capture_on_commit_callbacks)
    second = tasks.job_enqueue(job.pk)

    assert task_rows(job).count() == 2 and task_rows(job).filter(pk=second).exists()
    # Two tasks for one job make it once: the second finds the job done.
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.rows_new, job.attempts) == (JobStatus.DONE, 1, 1)
    assert LearningRecord.objects.filter(provider=school, external_id__startswith="TASK-B").count() == 1
    assert set(task_rows(job).values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


def _left_running(job: ImportJob, *, minutes_ago: int, attempts: int = 1) -> None:
    """What a worker killed in the middle of the job leaves: the job RUNNING, silent since then, and its task
    RUNNING for ever."""
    then = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, stage="parse", started_at=then,
                                               heartbeat_at=then, attempts=attempts, rows_done=50_000)
    task_rows(job).update(status=TaskResultStatus.RUNNING, started_at=then, worker_ids=["killed"])


def test_a_job_left_running_by_a_dead_worker_is_enqueued_again_and_finished(staff, school,
                                                                           django_capture_on_commit_callbacks):
    # Given a job whose worker died 5 minutes ago, and one whose worker is alive (it beat 10 s ago)
    dead = submit(staff, school, 3, "TASK-C", django_capture_on_commit_callbacks)
    alive = submit(staff, school, 2, "TASK-D", django_capture_on_commit_callbacks)
    _left_running(dead, minutes_ago=5)
    ImportJob.objects.filter(pk=alive.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now()
                                                 - datetime.timedelta(seconds=10), attempts=1)
    [lost] = task_rows(dead)

    # When the stale jobs are resumed (`learncity intake_resume`)
    call_command("intake_resume", verbosity=0)

    # Then only the dead one is queued again; its old task is marked failed (WorkerLost), a new one waits
    dead.refresh_from_db()
    lost.refresh_from_db()
    assert (dead.status, dead.stage, dead.attempts) == (JobStatus.QUEUED, "", 1)
    assert "重新排队" in dead.message
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "learncity.intake.tasks.WorkerLost"
    assert task_rows(dead).filter(status=TaskResultStatus.READY).count() == 1
    assert ImportJob.objects.get(pk=alive.pk).status == JobStatus.RUNNING
    assert tasks.jobs_resume() == []  # a second sweep finds nothing more to do

    # And a worker finishes it from the start: each record once
    task_rows(alive).delete()  # (the live job's worker is imaginary: leave it out of this run)
    run_worker()
    dead.refresh_from_db()
    assert (dead.status, dead.rows_new, dead.attempts) == (JobStatus.DONE, 3, 2)
    assert LearningRecord.objects.filter(provider=school, external_id__startswith="TASK-C").count() == 3


def test_a_job_that_keeps_killing_its_worker_is_given_up(staff, school, django_capture_on_commit_callbacks):
    job = submit(staff, school, 1, "TASK-E", django_capture_on_commit_callbacks)
    _left_running(job, minutes_ago=3, attempts=tasks.MAX_ATTEMPTS)

    assert tasks.jobs_resume() == []

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, tasks.MAX_ATTEMPTS)
    assert "不再重试" in job.message
    assert not task_rows(job).filter(status=TaskResultStatus.READY).exists()
    assert not LearningRecord.objects.filter(provider=school, external_id__startswith="TASK-E").exists()


def test_a_job_stopped_after_its_records_were_written_is_resumed_however_often_it_stopped(
        staff, school, django_capture_on_commit_callbacks, monkeypatch):
    # Given a job whose records were written, whose worker then died while recognising them, for the third time
    # (SystemExit: no handler of the job's runs, as when the process is killed)
    job = submit(staff, school, 3, "TASK-W", django_capture_on_commit_callbacks)
    recognition_fails(job, SystemExit(9), monkeypatch)
    _left_running(job, minutes_ago=3, attempts=tasks.MAX_ATTEMPTS)
    ImportJob.objects.filter(pk=job.pk).update(stage="recognise")
    ours = LearningRecord.objects.filter(provider=school, external_id__startswith="TASK-W")
    assert ours.count() == 3 and not Outcome.objects.filter(learning_record__in=ours).exists()

    # When the dead workers' jobs are looked for
    assert tasks.jobs_resume() == [job.pk]

    # Then it is queued again, to go on recognising (its records are in: giving up would leave them unrecognised)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and "接着认定" in job.message
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_new, job.recognised) == (JobStatus.DONE, tasks.MAX_ATTEMPTS + 1, 3, 3)
    assert ours.count() == 3 and Outcome.objects.filter(learning_record__in=ours).count() == 3


def recognition_fails(job: ImportJob, error: BaseException, monkeypatch) -> None:
    """Run the job in this process with its recognition raising `error` once its records are written."""

    def fails(*args, **kwargs):
        raise error

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "recognise", fails)
        with pytest.raises(type(error)):
            services.job_run(job.pk)


def written_then_failed(staff, school, prefix: str, capture, monkeypatch) -> ImportJob:
    """A job whose records were written and whose recognition then failed (a lost connection, say)."""
    job = submit(staff, school, 2, prefix, capture)
    recognition_fails(job, ConnectionError("the database went away"), monkeypatch)
    task_rows(job).update(status=TaskResultStatus.FAILED)  # (as its task ends when the worker runs it)
    job.refresh_from_db()
    assert (job.status, job.rows_new, job.recognised) == (JobStatus.FAILED, 2, 0)
    return job


def test_a_job_whose_recognition_failed_is_enqueued_again_to_go_on(staff, school, django_capture_on_commit_callbacks,
                                                                   monkeypatch):
    job = written_then_failed(staff, school, "TASK-R", django_capture_on_commit_callbacks, monkeypatch)
    assert tasks.jobs_resume() == []  # (a moment ago: not yet)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=3))

    assert tasks.jobs_resume() == [job.pk]

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and "接着认定" in job.message
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_new, job.recognised) == (JobStatus.DONE, 2, 2, 2)


def test_a_job_whose_recognition_keeps_stopping_is_left_to_an_administrator(
        staff, school, django_capture_on_commit_callbacks, monkeypatch):
    # Given a job past its records' commit whose worker died MAX_RECOGNITION_ATTEMPTS times
    job = written_then_failed(staff, school, "TASK-M", django_capture_on_commit_callbacks, monkeypatch)
    _left_running(job, minutes_ago=3, attempts=tasks.MAX_RECOGNITION_ATTEMPTS)

    # Then it is marked FAILED, saying how to run it again, and not retried by itself any more
    assert tasks.jobs_resume() == []
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "已中断 10 次" in job.message and f"intake_resume --job {job.pk}" in job.message
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    assert tasks.jobs_resume() == []

    # When an administrator runs it again
    out = io.StringIO()
    call_command("intake_resume", job=job.pk, stdout=out)
    assert f"enqueued again: {job.pk}" in out.getvalue()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and "接着认定" in job.message
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    job.refresh_from_db()
    assert (job.status, job.recognised) == (JobStatus.DONE, 2)

    # and a job that is done, or that does not exist, is refused with what is wrong
    with pytest.raises(CommandError, match=r"已完成.*无需重新排队"):
        call_command("intake_resume", job=job.pk)
    with pytest.raises(CommandError, match="没有编号为 999999 的上传"):
        call_command("intake_resume", job=999999)


def test_a_queued_job_whose_task_keeps_failing_before_it_begins_is_given_up(staff, school,
                                                                         django_capture_on_commit_callbacks):
    # Given a job queued 3 minutes ago whose task failed MAX_ATTEMPTS times before the job began
    job = submit(staff, school, 1, "TASK-I", django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    tasks.job_enqueue(job.pk)
    tasks.job_enqueue(job.pk)
    task_rows(job).update(status=TaskResultStatus.FAILED)
    assert task_rows(job).count() == tasks.MAX_ATTEMPTS

    assert tasks.jobs_resume() == []

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 0)
    assert task_rows(job).count() == tasks.MAX_ATTEMPTS


def test_a_queued_job_whose_task_was_lost_is_enqueued_again(staff, school, django_capture_on_commit_callbacks):
    # Given a job committed 3 minutes ago whose enqueue never happened (the process died between the two)
    job = submit(staff, school, 1, "TASK-F", django_capture_on_commit_callbacks)
    task_rows(job).delete()
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    # and one queued as long, still waiting its turn behind a long job
    waiting = submit(staff, school, 1, "TASK-G", django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))

    assert tasks.jobs_resume() == [job.pk]

    assert task_rows(job).filter(status=TaskResultStatus.READY).count() == 1
    assert task_rows(waiting).filter(status=TaskResultStatus.READY).count() == 1
    run_worker()
    assert set(ImportJob.objects.filter(pk__in=[job.pk, waiting.pk]).values_list("status", flat=True)) == {
        JobStatus.DONE}


def test_a_fresh_job_is_left_alone(staff, school, django_capture_on_commit_callbacks):
    job = submit(staff, school, 1, "TASK-H", django_capture_on_commit_callbacks)
    task_rows(job).delete()  # queued a moment ago: its enqueue may still be on its way

    assert tasks.jobs_resume() == []
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED
