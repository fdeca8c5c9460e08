"""Bulk recognition (`bulk.recognise_records`) on both databases: many records of several learners over several
batches become one outcome and one ledger entry each, accounts open for learners who have none, each account's
chain stays whole (seq 1..n, every link right, head and cached balances equal to the entries), an id range
recognises only its records, and a second run writes nothing.

On PostgreSQL also the optimistic batch: its accounts' heads are read without a lock, so another writer may append
to one of them before the batch moves the heads; the batch is then undone and done again with its accounts locked
first. Those tests are transactional (the other writer commits on its own connection): the database is flushed
after each, and the demo city is put back when the module is done."""

import datetime
import threading
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from learncity.catalog.models import LearningRecord, RecordKind, RecordSource
from learncity.catalog.services import learning_record_create
from learncity.core.audit import AuditEvent
from learncity.creditbank import bulk, bulk_sql, services
from learncity.creditbank.ledger import ledger_verify
from learncity.creditbank.models import (
    CreditClass,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    Outcome,
    balance_field,
)
from learncity.people.models import LearnerProfile
from tests.creditbank import test_concurrency as race
from tests.creditbank.factories import completion, institution_of

pytestmark = pytest.mark.django_db

# The race tests' own city, school, standard (RACE-STD: completion records, 10 hours a credit, at most 4) and
# learner, made by the concurrency tests' fixture.
world = race.world


def postgres_only(test):
    """The marks of test_concurrency's tests: PostgreSQL only, transactional, the demo city put back after."""
    for mark in (pytest.mark.usefixtures("_demo_city_put_back"),
                 pytest.mark.django_db(transaction=True, serialized_rollback=True),
                 pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="needs PostgreSQL: the optimistic batch and its retry are the PostgreSQL "
                                           "path's (the PostgreSQL pass of `make test` runs these)"),
                 pytest.mark.postgres):
        test = mark(test)
    return test


# (kind, course kind, hours, score) of records the demo staff member's community school sends: the first four
# match a standard (CE-COURSE, ELDER-COURSE, VOLUNTEER, LECTURE: two credit classes), the last two none
# (CE-COURSE asks for at least 4 hours; no standard recognises attendance).
MATCHING = [("completion", "community", "32", None), ("completion", "elderly", "20", None),
            ("volunteering", "", "30", None), ("event", "", "3", None)]
UNMATCHED = [("completion", "community", "2", None), ("attendance", "community", "2", None)]


def _learner(tag: str, residence=None) -> LearnerProfile:
    """A new resident without records or an account. (Not the demo's `resident(n)`: those may have records of
    their own that no one recognised, and how many of them have no account yet varies from build to build.)"""
    residence = residence or LearnerProfile.objects.order_by("pk").first().residence
    return LearnerProfile.objects.create(name=f"批量学员{tag}", id_number_encrypted="-", id_number_hash=f"bulk-{tag}",
                                         id_number_masked="350102********0000", birth_date=datetime.date(1980, 1, 1),
                                         sex="F", residence=residence)


def _rows(learner_cases, *, provider, tag, days_ago=3):
    """Unrecognised LearningRecord rows, as an import writes them: [(learner, case)] in id order."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    rows = [LearningRecord(learner=learner, provider=provider, kind=kind, course_kind=course_kind,
                           title=f"批量 {tag} {i}", hours=Decimal(hours), score=None if score is None else Decimal(score),
                           date=day, source=RecordSource.IMPORT, external_id=f"bulk-{tag}-{i}")
            for i, (learner, (kind, course_kind, hours, score)) in enumerate(learner_cases)]
    rows = LearningRecord.objects.bulk_create(rows)
    assert all(r.pk for r in rows)
    return rows


def _whole(account_ids):
    """Each account's chain is whole: seq 1..n without gaps, the head at its last entry, each cached balance the
    sum of its entries of that class, and every link right (ledger_verify)."""
    for pk in account_ids:
        account = LearningAccount.objects.get(pk=pk)
        entries = list(LedgerEntry.objects.filter(account_id=pk).order_by("seq"))
        assert entries, f"account {pk} has no entries"
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert (account.head_seq, account.head_hash) == (entries[-1].seq, entries[-1].hash)
        sums = defaultdict(Decimal)
        for e in entries:
            sums[e.credit_class] += e.amount
        assert {c: getattr(account, balance_field(c)) for c in CreditClass.values} == \
            {c: sums[c] for c in CreditClass.values}
    report = ledger_verify(account_ids=list(account_ids))
    assert report.ok, [str(b) for b in report.breaks]


def _recognised_once(records):
    """Each record has exactly one outcome, and that outcome exactly one ledger entry, a recognition in the
    outcome's account."""
    for r in records:
        outcomes = list(Outcome.objects.filter(learning_record=r))
        assert len(outcomes) == 1, r.external_id
        entries = list(LedgerEntry.objects.filter(outcome=outcomes[0]))
        assert len(entries) == 1, r.external_id
        e, o = entries[0], outcomes[0]
        assert (e.reason, e.account_id, e.amount, e.credit_class) == \
            (EntryReason.RECOGNITION, o.account_id, o.credits, o.credit_class)
        assert o.account.learner_id == r.learner_id


def _counts():
    return (Outcome.objects.count(), LedgerEntry.objects.count(), LearningAccount.objects.count(),
            AuditEvent.objects.count())


# --- both databases ---------------------------------------------------------------------------------------

def test_bulk_recognition_over_several_batches_and_accounts_keeps_every_chain_whole(users):
    staff, school = users["staff"], institution_of(users["staff"])
    a, b, c, d = [_learner(f"many-{i}") for i in range(4)]
    # given one learner with an account and an entry already (recognised one by one), three without an account
    first = completion(staff, a, hours="40")
    assert LedgerEntry.objects.get(outcome__learning_record=first).seq == 1
    assert not LearningAccount.objects.filter(learner__in=[b, c, d]).exists()
    # and 19 imported records, interleaved so that each account's records span batches of 3, one batch of
    # records that match nothing only
    m, u = MATCHING, UNMATCHED
    plan = [(a, m[0]), (b, m[0]), (c, m[0]),
            (b, u[0]), (d, u[1]), (a, u[0]),
            (d, m[0]), (a, m[1]), (b, m[1]),
            (c, m[1]), (b, m[2]), (d, m[1]),
            (a, m[2]), (b, m[3]), (c, u[1]),
            (d, m[2]), (b, m[0]), (a, m[3]),
            (b, u[1])]
    rows = _rows(plan, provider=school, tag="many")
    matching = [r for r, (_, case) in zip(rows, plan, strict=True) if case in MATCHING]
    unmatched = [r for r in rows if r not in matching]
    assert (len(matching), len(unmatched)) == (14, 5)
    # when they are recognised in bulk, 3 records a batch
    result = bulk.recognise_records(actor=staff, learner_ids=[a.pk, b.pk, c.pk, d.pk], batch=3)
    # then every matching record has one outcome and one entry, the others none
    _recognised_once(matching)
    assert not Outcome.objects.filter(learning_record__in=unmatched).exists()
    assert (result.examined, result.recognised, result.entries, result.unmatched, result.batches,
            result.accounts_opened) == (19, 14, 14, 5, 7, 3)
    assert dict(result.by_standard) == dict(Counter(Outcome.objects.filter(learning_record__in=matching)
                                                    .values_list("standard_version__standard__code", flat=True)))
    assert set(result.by_standard) == {"CE-COURSE", "ELDER-COURSE", "VOLUNTEER", "LECTURE"}
    # and each account's chain is whole: the first learner's bulk entries follow the one already there
    accounts = dict(LearningAccount.objects.filter(learner__in=[a, b, c, d]).values_list("learner_id", "pk"))
    assert len(accounts) == 4
    assert {lid: LedgerEntry.objects.filter(account_id=pk).count() for lid, pk in accounts.items()} == \
        {a.pk: 1 + 4, b.pk: 5, c.pk: 2, d.pk: 3}
    _whole(accounts.values())
    assert (LearningAccount.objects.get(learner=a).balance_training, LearningAccount.objects.get(learner=a)
            .balance_culture) == (Decimal("2.50") + Decimal("2.00") + Decimal("1.50"), Decimal("1.25") + Decimal("0.37"))
    # and a second run recognises nothing (it looks at the records that matched nothing again) and writes nothing
    before = _counts()
    heads = list(LearningAccount.objects.filter(pk__in=accounts.values()).order_by("pk")
                 .values_list("head_seq", "head_hash", *(balance_field(c) for c in CreditClass.values)))
    again = bulk.recognise_records(actor=staff, learner_ids=[a.pk, b.pk, c.pk, d.pk], batch=3)
    assert (again.examined, again.recognised, again.entries, again.unmatched, again.accounts_opened) == (5, 0, 0, 5, 0)
    assert _counts() == before
    assert list(LearningAccount.objects.filter(pk__in=accounts.values()).order_by("pk")
                .values_list("head_seq", "head_hash", *(balance_field(c) for c in CreditClass.values))) == heads


def test_an_id_range_recognises_only_its_records(users):
    staff, school = users["staff"], institution_of(users["staff"])
    a, b = _learner("range-a"), _learner("range-b")
    # given two imports, one after the other, of records of the same two learners
    first = _rows([(a, MATCHING[0]), (b, MATCHING[1]), (a, UNMATCHED[0]), (a, MATCHING[2]), (b, MATCHING[3])],
                  provider=school, tag="range-1")
    second = _rows([(b, MATCHING[0]), (a, MATCHING[3]), (a, MATCHING[1])], provider=school, tag="range-2")
    assert max(r.pk for r in first) < min(r.pk for r in second)
    # when only the first import's id range is recognised (as an import job does with the ids it wrote)
    result = bulk.recognise_records(actor=staff, min_id=first[0].pk, max_id=first[-1].pk, batch=2)
    # then its records are recognised and the second import's are left alone
    assert (result.examined, result.recognised, result.unmatched, result.batches, result.accounts_opened) == \
        (5, 4, 1, 3, 2)
    _recognised_once([r for r in first if r.hours >= 4])
    assert not Outcome.objects.filter(learning_record__in=second).exists()
    accounts = list(LearningAccount.objects.filter(learner__in=[a, b]).values_list("pk", flat=True))
    _whole(accounts)
    # and the second range, recognised later, continues the same chains
    result = bulk.recognise_records(actor=staff, min_id=second[0].pk, max_id=second[-1].pk, batch=2)
    assert (result.examined, result.recognised, result.unmatched, result.batches, result.accounts_opened) == \
        (3, 3, 0, 2, 0)
    _recognised_once(second)
    assert LedgerEntry.objects.filter(account__learner=a).count() == 4
    assert LedgerEntry.objects.filter(account__learner=b).count() == 3
    _whole(accounts)
    # and both ranges again: nothing twice
    before = _counts()
    assert bulk.recognise_records(actor=staff, min_id=first[0].pk, max_id=second[-1].pk).recognised == 0
    assert _counts() == before


def test_nothing_to_recognise_writes_nothing(users):
    staff, school = users["staff"], institution_of(users["staff"])
    a = _learner("none")
    rows = _rows([(a, MATCHING[0])], provider=school, tag="none")
    before = _counts()
    # no learners: nothing looked at
    assert bulk.recognise_records(actor=staff, learner_ids=[]) == bulk.BulkResult()
    # a learner without records, an empty id range, a range after every record: no batch
    assert bulk.recognise_records(actor=staff, learner_ids=[_learner("idle").pk]) == bulk.BulkResult()
    assert bulk.recognise_records(actor=staff, min_id=rows[0].pk + 1, max_id=rows[0].pk) == bulk.BulkResult()
    assert bulk.recognise_records(actor=staff, min_id=rows[0].pk + 1) == bulk.BulkResult()
    assert _counts() == before
    assert not LearningAccount.objects.filter(learner=a).exists()
    # (and the record is still there to recognise)
    assert bulk.recognise_records(actor=staff, learner_ids=[a.pk]).recognised == 1
    _recognised_once(rows)


# --- PostgreSQL: the optimistic batch and its retry -------------------------------------------------------

@pytest.fixture(scope="module")
def _demo_city_put_back(django_db_setup, django_db_blocker):
    """(As in test_concurrency, for this module's transactional tests only: its other tests use the demo city.)"""
    yield
    from learncity.demo.builder import demo_build
    from tests.conftest import DEMO_RESIDENTS

    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        demo_build(residents=DEMO_RESIDENTS)


def _one_by_one(world, learner, tag):
    """A record of the race school recognised at once (one-by-one recognition: account locked, entry appended)."""
    return learning_record_create(
        actor=world["staff"], learner=learner, provider=world["school"], kind=RecordKind.COMPLETION,
        title=f"课程 {tag}", hours=Decimal("20"), date=timezone.localdate() - datetime.timedelta(days=1),
        source=RecordSource.API, external_id=f"bulk-race-{tag}")


def _on_another_connection(call):
    """call() in a thread of its own, so on a connection of its own, committed before this returns."""
    out = {}

    def run():
        try:
            out["result"] = call()
        except BaseException as exc:  # (reported below, in the test's thread)
            out["error"] = repr(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the other writer hung (waiting for a lock the batch holds?)"
    assert "error" not in out, out["error"]
    return out["result"]


def _before_first(prefix: str, call, done: list):
    """An execute wrapper: before this connection's first statement that starts with `prefix`, call() runs on
    another connection (its result appended to `done`)."""

    def wrapper(execute, sql, params, many, context):
        if not done and sql.lstrip().startswith(prefix):
            done.append(_on_another_connection(call))
        return execute(sql, params, many, context)

    return wrapper


def _spy_batches(monkeypatch):
    calls = []
    original = bulk_sql._batch_sql

    def spy(t, actor, low, high, *, lock_first):
        calls.append((low, high, lock_first))
        return original(t, actor, low, high, lock_first=lock_first)

    monkeypatch.setattr(bulk_sql, "_batch_sql", spy)
    return calls


@postgres_only
def test_a_head_moved_by_another_writer_mid_batch_makes_the_batch_run_again_locked(world, monkeypatch):
    learner, newcomer = world["learner"], _learner("race-newcomer", world["learner"].residence)
    # given a learner whose account has an entry (one by one), a newcomer without an account, and 6 imported
    # records of theirs: two batches of 3, each with records of both
    _one_by_one(world, learner, "first")
    account = LearningAccount.objects.get(learner=learner)
    case = ("completion", "", "20", None)
    rows = _rows([(learner, case), (newcomer, case), (learner, case), (learner, case), (newcomer, case),
                  (learner, case)], provider=world["school"], tag="race", days_ago=2)
    calls = _spy_batches(monkeypatch)
    # when, in the first batch, after the heads were read without a lock and before the entries are chained and
    # the heads moved, another writer appends an entry to the learner's account and commits
    meanwhile = []
    with connection.execute_wrapper(_before_first("CREATE TEMP TABLE _lc_e",
                                                  lambda: _one_by_one(world, learner, "meanwhile"), meanwhile)):
        result = bulk.recognise_records(actor=world["staff"], learner_ids=[learner.pk, newcomer.pk], batch=3)
    # then the first batch found the head moved and ran again with its accounts locked first; the second did not
    assert len(meanwhile) == 1
    assert calls == [(rows[0].pk, rows[2].pk, False), (rows[0].pk, rows[2].pk, True), (rows[3].pk, rows[5].pk, False)]
    # and what the undone attempt did is not counted or kept: the newcomer's account opened once
    assert (result.examined, result.recognised, result.entries, result.unmatched, result.batches,
            result.accounts_opened) == (6, 6, 6, 0, 2, 1)
    assert LearningAccount.objects.filter(learner=newcomer).count() == 1
    _recognised_once(rows)
    _recognised_once(meanwhile)
    # and the learner's chain has the other writer's entry second, the bulk entries after it
    seqs = dict(LedgerEntry.objects.filter(account=account).values_list("outcome__learning_record_id", "seq"))
    assert seqs == {Outcome.objects.get(account=account, learning_record__external_id="bulk-race-first")
                    .learning_record_id: 1, meanwhile[0].pk: 2,
                    rows[0].pk: 3, rows[2].pk: 4, rows[3].pk: 5, rows[5].pk: 6}
    assert LearningAccount.objects.get(pk=account.pk).balance_training == Decimal("2.00") * 6
    _whole([account.pk, LearningAccount.objects.get(learner=newcomer).pk])


@postgres_only
def test_an_account_opened_by_another_writer_mid_batch_is_used_not_opened_twice(world, monkeypatch):
    learner, newcomer = world["learner"], _learner("race-newcomer", world["learner"].residence)
    _one_by_one(world, learner, "first")
    case = ("completion", "", "20", None)
    rows = _rows([(newcomer, case), (learner, case), (newcomer, case)], provider=world["school"], tag="race",
                 days_ago=2)
    calls = _spy_batches(monkeypatch)
    # when another writer opens the newcomer's account (and appends to it) just before the batch opens the
    # accounts its learners have none of
    meanwhile = []
    with connection.execute_wrapper(_before_first("WITH opened AS",
                                                  lambda: _one_by_one(world, newcomer, "meanwhile"), meanwhile)):
        result = bulk.recognise_records(actor=world["staff"], learner_ids=[learner.pk, newcomer.pk], batch=3)
    # then the batch takes that account as it is (its head read after it was opened): no retry, none opened
    assert len(meanwhile) == 1
    assert calls == [(rows[0].pk, rows[2].pk, False)]
    assert (result.recognised, result.accounts_opened, result.batches) == (3, 0, 1)
    assert LearningAccount.objects.filter(learner=newcomer).count() == 1
    _recognised_once([*rows, *meanwhile])
    newcomers = LearningAccount.objects.get(learner=newcomer)
    assert dict(LedgerEntry.objects.filter(account=newcomers).values_list("outcome__learning_record_id", "seq")) == \
        {meanwhile[0].pk: 1, rows[0].pk: 2, rows[2].pk: 3}
    _whole([newcomers.pk, LearningAccount.objects.get(learner=learner).pk])


@postgres_only
def test_a_record_recognised_one_by_one_while_the_retry_waits_for_its_lock_is_left_out(world, monkeypatch):
    """A record of a batch run again locked, recognised one by one between its matching and its locks."""
    learner = world["learner"]
    _one_by_one(world, learner, "first")
    case = ("completion", "", "20", None)
    rows = _rows([(learner, case), (learner, case), (learner, case)], provider=world["school"], tag="race", days_ago=2)
    calls = _spy_batches(monkeypatch)
    moved, recognised = [], []
    retry_lock = _before_first("INSERT INTO _lc_h", lambda: services.record_recognise(actor=world["staff"],
                                                                                      record=rows[0]), recognised)

    def second(execute, sql, params, many, context):
        if "FOR UPDATE" in sql:  # the retry's lock, after its records were matched
            return retry_lock(execute, sql, params, many, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(second), \
            connection.execute_wrapper(_before_first("CREATE TEMP TABLE _lc_e",
                                                     lambda: _one_by_one(world, learner, "meanwhile"), moved)):
        result = bulk.recognise_records(actor=world["staff"], learner_ids=[learner.pk], batch=3)
    assert [c[2] for c in calls] == [False, True]
    assert len(moved) == len(recognised) == 1
    _recognised_once(rows)
    assert result.recognised == 2
    _whole([LearningAccount.objects.get(learner=learner).pk])
    assert Outcome.objects.filter(learning_record__in=rows).count() == 3


@postgres_only
def test_a_record_recognised_by_another_writer_before_the_batch_is_not_counted_unmatched(world, monkeypatch):
    learner = world["learner"]
    _one_by_one(world, learner, "first")
    case = ("completion", "", "20", None)
    rows = _rows([(learner, case), (learner, case), (learner, case)], provider=world["school"], tag="race", days_ago=2)
    done = []
    with connection.execute_wrapper(_before_first(
            "CREATE TEMP TABLE _lc_m", lambda: services.record_recognise(actor=world["staff"], record=rows[0]), done)):
        result = bulk.recognise_records(actor=world["staff"], learner_ids=[learner.pk], batch=3)
    _recognised_once(rows)
    # (examined: the records still without an outcome when the batch read them, as on SQLite)
    assert len(done) == 1 and (result.examined, result.recognised, result.unmatched) == (2, 2, 0)
