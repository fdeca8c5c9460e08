"""Staged rows do not outlive their use: a finished job's rows go after LEARNCITY_INTAKE_REPORT_DAYS (the job, its
counts and message stay; its report goes), a large job's rows no report shows go at once, and nothing of a job
still queued or running is touched."""


import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from learncity.core.errors import DomainError
from learncity.intake import services
from learncity.intake.models import ImportJob, JobStatus, StagedRow
from tests.intake.files import adults, csv_file, record
from tests.intake.test_pipeline import report_rows, upload

pytestmark = pytest.mark.django_db


def _finished_days_ago(job: ImportJob, days: int) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=days))
    job.refresh_from_db()
    return job


def _staged(job: ImportJob) -> int:
    return StagedRow.objects.filter(job_id=job.pk).count()


def test_a_job_finished_before_the_retention_loses_its_staged_rows_and_report_but_stays(staff, school, settings):
    settings.LEARNCITY_INTAKE_REPORT_DAYS = 30
    people = adults(2)
    old = _finished_days_ago(upload(staff, school, csv_file([record(people[0], "PG-1"), record(people[1], "PG-2")]),
                                    "old.csv"), 31)
    recent = _finished_days_ago(upload(staff, school, csv_file([record(people[0], "PG-3")]), "recent.csv"), 29)
    assert old.has_report and _staged(old) == 2 and _staged(recent) == 1

    result = services.jobs_purge()

    assert (result.jobs, result.rows) == (1, 2)
    old.refresh_from_db()
    assert not old.has_report and _staged(old) == 0
    assert old.status == JobStatus.DONE and old.rows_total == 2 and old.rows_new == 2 and old.message  # the history
    recent.refresh_from_db()
    assert recent.has_report and _staged(recent) == 1
    assert services.jobs_purge() == services.PurgeResult()  # nothing left to do: nothing done again


def test_the_rows_of_a_job_still_queued_or_running_are_never_purged(staff, school):
    people = adults(1)
    job = _finished_days_ago(upload(staff, school, csv_file([record(people[0], "PG-R1")]), "r.csv"), 400)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    services.jobs_purge(days=0)  # (every finished job's rows go)
    assert _staged(job) == 1


def test_a_large_jobs_rows_that_no_report_shows_go_at_once(staff, school, monkeypatch):
    monkeypatch.setattr(services, "REPORT_EVERY_ROW_UP_TO", 2)
    people = adults(3)
    first = upload(staff, school, csv_file([record(people[0], "PG-L1")]), "first.csv")
    job = upload(staff, school, csv_file([
        record(people[0], "PG-L1"),  # duplicate of the first upload
        record(people[1], "PG-L2", score="-1"),  # an error
        record(people[2], "PG-L3"),  # new
        record(people[0], "PG-L4"),  # new
    ]), "large.csv", mode="valid")
    assert (job.rows_total, job.rows_new, job.rows_duplicate, job.rows_invalid) == (4, 2, 1, 1)
    before = report_rows(job)

    result = services.jobs_purge()

    assert result.jobs == 0 and result.rows >= 3  # (the demo city's own uploads are "large" here too)
    assert list(StagedRow.objects.filter(job_id=job.pk).values_list("external_id", flat=True)) == ["PG-L2"]
    job.refresh_from_db()
    assert job.has_report and report_rows(job) == before  # the report is what it was
    assert _staged(first) == 1  # a small job keeps every row for its report


def test_a_negative_retention_is_refused(staff, school):
    with pytest.raises(DomainError) as exc:
        services.jobs_purge(days=-1)
    assert "保留天数不能是负数" in exc.value.errors["days"][0]
    with pytest.raises(CommandError, match="保留天数不能是负数"):
        call_command("intake_purge", "--days", "-1")


def test_the_command_says_what_it_deleted(staff, school, capsys):
    people = adults(1)
    _finished_days_ago(upload(staff, school, csv_file([record(people[0], "PG-C1")]), "c.csv"), 10)
    call_command("intake_purge", "--days", "5")
    assert "reports removed: 1 jobs; staged rows deleted: 1" in capsys.readouterr().out
