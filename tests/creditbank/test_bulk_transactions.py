"""Bulk recognition on PostgreSQL: the optimistic batch. Its accounts' heads are read without a lock, so another
writer may append to one of them before the batch moves the heads; the batch is then undone and done again with its
accounts locked first. (The tests of both databases are in test_bulk.py.)

These tests are transactional (the other writer commits on its own connection), so each makes its world itself:
the race tests' own city, school, standard (RACE-STD: completion records, 10 hours a credit, at most 4) and learner,
made by the concurrency tests' fixture. The database is flushed after each, and the demo city (which the other
modules' tests still read) is put back when the module is done."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from learncity.catalog.models import RecordKind, RecordSource
from learncity.catalog.services import learning_record_create
from learncity.creditbank import bulk, bulk_sql, services
from learncity.creditbank.models import LearningAccount, LedgerEntry, Outcome
from tests.creditbank import test_concurrency as race
from tests.creditbank.test_bulk import _learner, _recognised_once, _rows, _whole

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


@pytest.fixture(scope="module")
def _demo_city_put_back(django_db_setup, django_db_blocker):
    """(As in test_concurrency: the demo city the flushes took is built again for the modules after this one.)"""
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
