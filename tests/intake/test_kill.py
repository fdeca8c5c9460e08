"""The kill test, on PostgreSQL: a large upload's worker process is killed with SIGKILL — once while it reads
the file into the staging table, once inside the transaction that writes its learning records, after it has
begun writing them (nobody else can see them yet) — and each time nothing of the job is visible as accepted and the job
is left to be resumed; then once while it recognises the records it has committed, in two database sessions side
by side, and the records are there, each once, with whole batches of outcomes and ledger entries or none. Resumed,
the job makes each record exactly once, recognises each once, and the ledger verifies.

The workers are real processes (`learncity db_worker`) on the test database, so the test commits for real
(transactional): the database is flushed after it, and the demo city put back when the module is done."""

import csv
import datetime
import io
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from learncity.creditbank.ledger import ledger_verify
from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.intake import services, tasks
from learncity.intake.models import ImportJob, JobStatus, StagedRow
from learncity.people.models import LearnerProfile, User
from learncity.records.models import LearningRecord, RecordSource
from tests.intake.files import HEADERS, id_number_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: the worker is a second process on the test database, which an "
                              "in-memory SQLite test database cannot share (the PostgreSQL pass of `make test` "
                              "runs it)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = 200_000  # long enough to stop the worker in the middle of each stage (the file is about 30 MB)
PREFIX = "KILL-"
WAIT = 300  # seconds any one stage may take on a slow machine


@pytest.fixture(scope="module", autouse=True)
def _demo_city_put_back(django_db_setup, django_db_blocker):
    """Transactional tests end with the database flushed: put back what the migrations wrote and the demo city
    the session built, so the tests that come after find them."""
    yield
    from learncity.demo.builder import demo_build
    from tests.conftest import DEMO_RESIDENTS

    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        demo_build(residents=DEMO_RESIDENTS)


@pytest.fixture
def data_dir(settings, tmp_path):
    """The worker's data folder: its intake folder is the test's (the uploaded file is found there), and its
    keys are the test's (the ID numbers' look-up hashes match)."""
    settings.LEARNCITY_INTAKE_DIR = tmp_path / "data" / "intake"
    return tmp_path / "data"


@pytest.fixture
def start_worker(data_dir, tmp_path):
    """start_worker() -> a new Worker; any still running when the test ends (it failed) is killed, so the flush
    that follows does not wait on its locks."""
    started = []

    def start() -> "Worker":
        started.append(Worker(data_dir, tmp_path / f"worker-{len(started) + 1}.log"))
        return started[-1]

    yield start
    for worker in started:
        if worker.proc.poll() is None:
            worker.kill()


def big_csv(residents: list[LearnerProfile], rows: int, prefix: str = PREFIX) -> bytes:
    """`rows` good completion records spread over the residents, record ids KILL-000000… (or `prefix`…)"""
    people = [(id_number_of(p), p.name) for p in residents]
    date = (datetime.date.today() - datetime.timedelta(days=10)).isoformat()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for i in range(rows):
        idn, name = people[i % len(people)]
        writer.writerow([f"{prefix}{i:06d}", idn, name, "课程结业", "", "社区教育", f"社区书法入门 第{i % 40 + 1}讲",
                         "16", "", date])
    return buf.getvalue().encode("utf-8")


class Worker:
    """`learncity db_worker --batch` as its own process on the test database."""

    def __init__(self, data_dir: Path, log: Path):
        db = connection.settings_dict
        url = (f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or '127.0.0.1'}:"
               f"{db['PORT'] or 5432}/{quote(db['NAME'])}")
        env = {**os.environ, "DATABASE_URL": url, "LEARNCITY_DATA_DIR": str(data_dir), "DEBUG": "0",
               "SECRET_KEY": settings.SECRET_KEY, "LEARNCITY_PII_KEY": settings.LEARNCITY_PII_KEY,
               "LEARNCITY_INTAKE_RECOGNISERS": "2"}  # (two sessions side by side, however many cores)
        self.log_path = log
        self.log = open(log, "w")  # noqa: SIM115 -- open while the process runs, closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "learncity.cli", "db_worker", "--batch", "--no-reload",
                                      "--no-startup-delay", "--interval", "0"], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_for(self, what: str, ready) -> None:
        deadline = time.monotonic() + WAIT
        while not ready():
            if self.proc.poll() is not None:
                pytest.fail(f"the worker ended (exit {self.proc.returncode}) before {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"timed out waiting for {what}:\n{self.output()}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: no handler runs, no rollback is sent; PostgreSQL finds the connection gone and rolls back.
        Waits until the worker's database sessions have ended (their locks released)."""
        backends = self.backends()
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL
        self.log.close()
        deadline = time.monotonic() + WAIT
        while set(self.backends()) & set(backends):
            assert time.monotonic() < deadline, "the killed worker's database session did not end"
            time.sleep(0.05)

    def finish(self) -> None:
        try:
            code = self.proc.wait(timeout=WAIT * 2)
        finally:
            self.log.close()
        assert code == 0, self.output()

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-4000:]

    @staticmethod
    def backends() -> list[int]:
        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
            return [r[0] for r in cur.fetchall()]


def job_now(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


def holds_write_lock(table: str) -> bool:
    """Another session (the worker) has written to `table` in a transaction still open: it holds ROW EXCLUSIVE
    on it until it commits or rolls back."""
    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = %s AND l.pid <> pg_backend_pid() AND l.granted AND l.mode = 'RowExclusiveLock')",
                    [table])
        return cur.fetchone()[0]


def last_activity() -> str:
    """What the worker's session is running (or last ran)."""
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(string_agg(query, ' | '), '') FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'")
        return cur.fetchone()[0].strip()


@dataclass
class Before:
    """What the school's imports, the outcomes and the ledger held before the job."""

    school: object
    imported: int
    outcomes: int
    entries: int

    @classmethod
    def of(cls, school) -> "Before":
        return cls(school, LearningRecord.objects.filter(provider=school, source=RecordSource.IMPORT).count(),
                   Outcome.objects.count(), LedgerEntry.objects.count())

    def ours(self):
        return LearningRecord.objects.filter(provider=self.school, source=RecordSource.IMPORT,
                                             external_id__startswith=PREFIX)


def nothing_accepted(before: Before, job: ImportJob, *, attempts: int) -> None:
    job = job_now(job)
    assert (job.status, job.attempts, job.rows_new, job.recognised) == (JobStatus.RUNNING, attempts, 0, 0)
    assert LearningRecord.objects.filter(provider=before.school, source=RecordSource.IMPORT).count() == before.imported
    assert not before.ours().exists()
    assert (Outcome.objects.count(), LedgerEntry.objects.count()) == (before.outcomes, before.entries)


def test_a_killed_worker_leaves_nothing_accepted_and_the_job_resumes_exactly_once(start_worker):
    staff = User.objects.get(username="staff")
    school = staff.role_assignments.get().institution
    residents = list(LearnerProfile.objects.filter(birth_date__lt=datetime.date.today() - datetime.timedelta(days=30))
                     .order_by("pk"))
    before = Before.of(school)

    # Given a large upload, queued
    job = services.job_submit(actor=staff, institution_code=school.code, filename="kill.csv",
                              data=big_csv(residents, ROWS), mode="all", source="page")
    assert job_now(job).status == JobStatus.QUEUED

    killed_while_parsing(start_worker, job, before)
    killed_while_writing(start_worker, job, before)
    killed_while_recognising(start_worker, job, before)
    resumed_to_the_end(start_worker, job, before)


def killed_while_parsing(start_worker, job: ImportJob, before: Before) -> None:
    # When its worker is killed while it reads the file (a first chunk staged, the rest not yet)
    worker = start_worker()
    worker.wait_for("the first chunk of rows staged",
                    lambda: (j := job_now(job)).status == JobStatus.RUNNING and j.stage == "parse" and j.rows_done > 0)
    worker.kill()

    # Then nothing is accepted; the job is RUNNING, stopped in the middle of its parse stage
    stopped = job_now(job)
    assert stopped.stage == "parse" and 0 < stopped.rows_done < ROWS, (stopped.stage, stopped.rows_done)
    assert 0 < StagedRow.objects.filter(job_id=job.pk).count() < ROWS  # staged, never accepted
    nothing_accepted(before, job, attempts=1)


def killed_while_writing(start_worker, job: ImportJob, before: Before) -> None:
    # When it is resumed, and the second worker is killed inside the transaction that writes the records, while it
    # writes them
    assert tasks.jobs_resume(stale_after=datetime.timedelta(0)) == [job.pk]
    assert job_now(job).status == JobStatus.QUEUED
    worker = start_worker()
    records = LearningRecord._meta.db_table
    worker.wait_for("learning records written inside the transaction that accepts them",
                    lambda: job_now(job).stage == "validate" and holds_write_lock(records)
                    and last_activity().startswith("INSERT INTO catalog_learningrecord"))
    worker.kill()

    # Then still nothing is accepted, and the job can be resumed again
    nothing_accepted(before, job, attempts=2)
    assert job_now(job).stage == "validate"


def killed_while_recognising(start_worker, job: ImportJob, before: Before) -> None:
    # When it is resumed, and the third worker is killed while it recognises the records it has committed
    assert tasks.jobs_resume(stale_after=datetime.timedelta(0)) == [job.pk]
    worker = start_worker()
    worker.wait_for("ledger entries being written for the committed records",
                    lambda: job_now(job).stage == "recognise" and holds_write_lock(LedgerEntry._meta.db_table))
    worker.kill()

    # Then the records are accepted, each once, and the job is RUNNING, to be resumed at their recognition: the
    # outcomes and ledger entries there are of whole batches, one of each a record (none while the first batches
    # were being written)
    ours = before.ours()
    stopped = job_now(job)
    assert (stopped.status, stopped.stage, stopped.attempts, stopped.rows_new) == (JobStatus.RUNNING, "recognise", 3,
                                                                                  ROWS)
    assert ours.count() == ROWS and ours.values("external_id").distinct().count() == ROWS
    assert stopped.records_last - stopped.records_first + 1 == ROWS
    recognised = Outcome.objects.filter(learning_record__in=ours).count()
    assert recognised < ROWS and stopped.recognised <= recognised  # (the job's count follows a moment behind)
    assert (Outcome.objects.count(), LedgerEntry.objects.count()) == (before.outcomes + recognised,
                                                                      before.entries + recognised)
    assert ledger_verify().ok


def resumed_to_the_end(start_worker, job: ImportJob, before: Before) -> None:
    # When it is resumed (a job past its records' commit is resumed however often it stopped) and left to finish
    assert tasks.jobs_resume(stale_after=datetime.timedelta(0)) == [job.pk]
    assert "接着认定" in job_now(job).message
    started = time.monotonic()
    worker = start_worker()
    worker.finish()
    elapsed = time.monotonic() - started

    # Then every record was made exactly once, each recognised once, and the ledger verifies
    ours = before.ours()
    job = job_now(job)
    assert (job.status, job.attempts, job.rows_total, job.rows_new, job.rows_duplicate, job.rows_invalid,
            job.recognised) == (JobStatus.DONE, 4, ROWS, ROWS, 0, 0, ROWS), job.message
    assert ours.count() == ROWS
    assert ours.values("external_id").distinct().count() == ROWS
    assert (LearningRecord.objects.filter(provider=before.school, source=RecordSource.IMPORT).count()
            == before.imported + ROWS)
    assert Outcome.objects.filter(learning_record__in=ours).count() == ROWS
    assert Outcome.objects.filter(learning_record__in=ours).values("learning_record").distinct().count() == ROWS
    assert (Outcome.objects.count(), LedgerEntry.objects.count()) == (before.outcomes + ROWS, before.entries + ROWS)
    report = ledger_verify()
    assert report.ok, report.breaks[:5]
    assert report.entries == before.entries + ROWS
    print(f"\nkill test: {ROWS} rows resumed to done in {elapsed:.1f} s (worker start included)")
