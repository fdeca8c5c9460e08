"""A job's recognition, after the transaction that writes its records: resumed (not started over) when a run stops
there, however far it got; and the records' id range cut where learners meet, for the sessions that recognise
the parts side by side on PostgreSQL (that path itself, with real sessions, is in test_kill.py)."""

import importlib
import itertools

import pytest

from learncity.creditbank import bulk
from learncity.creditbank.ledger import ledger_verify
from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.intake import pipeline, services
from learncity.intake.models import JobStatus
from learncity.records.models import LearningRecord
from tests.intake.factories import submitted
from tests.intake.files import adults, csv_file, record

# (the module: the package's own `recognise` is its function)
recognition = importlib.import_module("learncity.intake.pipeline.recognise")


def submit(user, institution, rows: list[dict], filename: str):
    return submitted(user, institution, csv_file(rows), filename=filename)


def test_a_job_that_fails_after_writing_its_records_is_resumed_at_their_recognition(
        staff, school, monkeypatch, django_capture_on_commit_callbacks):
    people = adults(4)
    rows = [record(p, f"RS-{i}-{k}") for i, p in enumerate(people) for k in range(2)]  # 8 rows, 4 learners
    job = submit(staff, school, rows, "rs.csv")
    entries_before = LedgerEntry.objects.count()

    # Given a run whose recognition fails once its records are committed
    real = pipeline.recognise

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(pipeline, "recognise", broken)
    with pytest.raises(RuntimeError):
        services.job_run(job.pk)

    # Then the job says so: FAILED, its records accepted (each once), none recognised, and how to go on
    job.refresh_from_db()
    ours = LearningRecord.objects.filter(provider=school, external_id__startswith="RS-")
    assert (job.status, job.rows_new, job.recognised, job.has_report) == (JobStatus.FAILED, 8, 0, True)
    assert "记录已接收（新增 8 条）" in job.message and "自动重试" in job.message
    assert ours.count() == 8 and job.records_last - job.records_first + 1 == 8
    assert set(ours.values_list("pk", flat=True)) == set(range(job.records_first, job.records_last + 1))
    assert not Outcome.objects.filter(learning_record__in=ours).exists()

    # and when some of its records are recognised meanwhile (a batch of an earlier run, say) and it is run again
    bulk.recognise_records(actor=staff, min_id=job.records_first, max_id=job.records_first + 2)
    assert Outcome.objects.filter(learning_record__in=ours).count() == 3
    monkeypatch.setattr(pipeline, "recognise", real)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_run(job.pk)

    # Then it goes on where it stopped: nothing parsed or written again, every record recognised once
    assert (job.status, job.attempts, job.rows_total, job.rows_new, job.recognised) == (JobStatus.DONE, 2, 8, 8, 8)
    assert "新增 8 条" in job.message and "认定学习成果 8 条" in job.message
    assert job.has_report and not services.job_file(job).exists()
    assert ours.count() == 8
    assert Outcome.objects.filter(learning_record__in=ours).values("learning_record").distinct().count() == 8
    assert Outcome.objects.filter(learning_record__in=ours).count() == 8
    assert LedgerEntry.objects.count() == entries_before + 8
    assert ledger_verify().ok
    assert services.job_run(job.pk).recognised == 8  # and a finished job stays as it is


def test_a_job_with_nothing_new_finishes_in_the_transaction_that_checks_it(staff, school):
    people = adults(2)
    rows = [record(p, f"RN-{i}") for i, p in enumerate(people)]
    first = services.job_run(submit(staff, school, rows, "rn.csv").pk)
    again = services.job_run(submit(staff, school, rows, "rn2.csv").pk)
    assert (first.status, first.rows_new, first.recognised) == (JobStatus.DONE, 2, 2)
    assert (again.status, again.rows_new, again.rows_duplicate, again.recognised) == (JobStatus.DONE, 0, 2, 0)
    assert (again.records_first, again.records_last) == (None, None)
    assert "重复 2 条" in again.message


def test_the_records_are_cut_into_parts_where_learners_meet(staff, school):
    people = adults(7)
    counts = [3, 1, 5, 2, 4, 1, 3]  # records per learner: 19
    rows = [record(p, f"RP-{i}-{k}") for i, (p, n) in enumerate(zip(people, counts, strict=True)) for k in range(n)]
    job = services.job_run(submit(staff, school, rows, "rp.csv").pk)
    ids = range(job.records_first, job.records_last + 1)
    learner_of = dict(LearningRecord.objects.filter(pk__in=ids).values_list("pk", "learner_id"))
    assert len(learner_of) == 19

    for n in (1, 2, 3, 4, 30):
        parts = recognition._parts(ids, n)
        # the parts cover the range, in order, without gaps or overlaps, no more of them than asked
        assert parts[0][0] == ids.start and parts[-1][1] == ids.stop - 1 and 1 <= len(parts) <= n
        assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(parts))
        # and no learner has records in two of them
        learners = [{learner_of[i] for i in range(low, high + 1)} for low, high in parts]
        assert sum(len(s) for s in learners) == 7, (n, parts)
    assert len(recognition._parts(ids, 2)) == 2


def test_an_empty_range_needs_no_recognition(staff):
    assert pipeline.recognise(range(0), actor=staff, sessions=2) == 0
