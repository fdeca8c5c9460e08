"""A job's records recognised side by side, on PostgreSQL: the records' id range cut where learners meet into
LEARNCITY_INTAKE_RECOGNISERS parts, each recognised by its own thread in its own database session. Real sessions
need committed data: the test commits (transactional), and the demo city is put back after it."""

import datetime
import importlib
import itertools
import threading

import pytest
from django.db import connection

from learncity.creditbank.ledger import ledger_verify
from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.intake import services
from learncity.intake.models import JobStatus
from learncity.people.models import LearnerProfile, User
from learncity.records.models import LearningRecord
from tests.intake.test_kill import _demo_city_put_back, big_csv  # noqa: F401 -- the module's put-back fixture

# (the module: the package's own `recognise` is its function)
recognition = importlib.import_module("learncity.intake.pipeline.recognise")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: the sessions side by side need a server (and SQLite lets one writer "
                              "in at a time; there the parts are recognised one after the other)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_jobs_records_are_recognised_in_sessions_side_by_side(settings, monkeypatch):
    # Given three sessions to recognise with, and a job of 3,000 records of 40 residents, recognised once one of
    # the sessions has failed
    settings.LEARNCITY_INTAKE_RECOGNISERS = 3
    staff = User.objects.get(username="staff")
    school = staff.role_assignments.get().institution
    residents = list(LearnerProfile.objects.filter(birth_date__lt=datetime.date.today() - datetime.timedelta(days=30))
                     .order_by("pk")[:40])
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        own = cur.fetchone()[0]
    parts = []
    real = recognition._recognise_part
    lost = {"recognise-1"}  # the session that loses its connection, the first time

    def watched(low, high, actor, progress):
        name = threading.current_thread().name
        if name in lost:
            lost.clear()
            raise RuntimeError("the connection was lost")
        with connection.cursor() as cur:  # (this thread's own connection)
            cur.execute("SELECT pg_backend_pid()")
            parts.append((name, cur.fetchone()[0], low, high))
        return real(low, high, actor, progress)

    monkeypatch.setattr(recognition, "_recognise_part", watched)
    seen = []
    entries_before = LedgerEntry.objects.count()
    ours = LearningRecord.objects.filter(provider=school, external_id__startswith="SIDE-")

    # When it runs, and one of the sessions fails
    job = services.job_submit(actor=staff, institution_code=school.code, filename="side.csv",
                              data=big_csv(residents, 3_000, "SIDE-"), mode="all", source="page")
    with pytest.raises(RuntimeError, match="connection was lost"):
        services.job_run(job.pk)

    # Then the job failed past its records' commit: they are in, each once, the report is there, and it says the
    # recognition will go on; the failed part's records are not recognised
    job.refresh_from_db()
    assert (job.status, job.rows_new, job.has_report) == (JobStatus.FAILED, 3_000, True)
    assert "稍后将自动重试" in job.message
    assert ours.count() == 3_000
    assert Outcome.objects.filter(learning_record__in=ours).count() < 3_000

    # When it is run again, with every session working
    parts.clear()
    job = services.job_run(job.pk, progress=lambda j: seen.append((j.stage, j.recognised)))

    # Then three threads, each in its own database session, recognised a part of the records' range: the parts
    # cover it, and no learner's records are in two of them
    assert (job.status, job.rows_new, job.recognised) == (JobStatus.DONE, 3_000, 3_000), job.message
    assert sorted(name for name, *_ in parts) == ["recognise-0", "recognise-1", "recognise-2"]
    assert len({pid for _, pid, *_ in parts} | {own}) == 4
    ranges = sorted((low, high) for *_, low, high in parts)
    assert ranges[0][0] == job.records_first and ranges[-1][1] == job.records_last
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(ranges))
    learners = [set(LearningRecord.objects.filter(pk__range=r).values_list("learner_id", flat=True)) for r in ranges]
    assert sum(map(len, learners)) == len(set().union(*learners)) == 40
    # every record recognised once, the ledger whole, and the progress counted up to all of them
    assert Outcome.objects.filter(learning_record__in=ours).values("learning_record").distinct().count() == 3_000
    assert LedgerEntry.objects.count() == entries_before + 3_000
    assert ledger_verify().ok
    counted = [n for stage, n in seen if stage == "recognise"]
    assert counted == sorted(counted) and counted[-1] == 3_000
