"""Bulk recognition (`bulk.recognise_records`) on both databases: many records of several learners over several
batches become one outcome and one ledger entry each, accounts open for learners who have none, each account's
chain stays whole (seq 1..n, every link right, head and cached balances equal to the entries), an id range
recognises only its records, and a second run writes nothing.

The records are the tests' own 达州 world's (tests/portal/world.py), its school's, under the standards its credit
bank has (tests/creditbank/test_services.py `credit_bank_make`). The optimistic batch of the PostgreSQL path and its
retry, whose tests are transactional, are in test_bulk_transactions.py."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone

from learncity.catalog.models import LearningRecord, RecordSource
from learncity.core.audit import AuditEvent
from learncity.creditbank import bulk
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
from tests.creditbank.factories import completion, course_world_fixtures
from tests.creditbank.test_services import ELDER, LECTURE, VOLUNTEER, credit_bank_make
from tests.security.credit_world import COURSE_STANDARD

pytestmark = pytest.mark.django_db

world_built, world = course_world_fixtures(then=credit_bank_make)

# (kind, course kind, hours, score) of records the world's school sends: the first four match a standard (the
# course standard, the elderly courses', volunteering's and lectures': two credit classes), the last two none (the
# course standard asks for at least 4 hours; no standard recognises attendance).
MATCHING = [("completion", "community", "32", None), ("completion", "elderly", "20", None),
            ("volunteering", "", "30", None), ("event", "", "3", None)]
UNMATCHED = [("completion", "community", "2", None), ("attendance", "community", "2", None)]


def _learner(tag: str, residence) -> LearnerProfile:
    """A new resident of `residence` without records or an account."""
    return LearnerProfile.objects.create(name=f"批量学员{tag}", id_number_encrypted="-", id_number_hash=f"bulk-{tag}",
                                         id_number_masked=f"{residence.code[:6]}********0000",
                                         birth_date=datetime.date(1980, 1, 1), sex="F", residence=residence)


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

def test_bulk_recognition_over_several_batches_and_accounts_keeps_every_chain_whole(world):
    staff, school = world.staff, world.institution
    a, b, c, d = [_learner(f"many-{i}", world.street) for i in range(4)]
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
    assert set(result.by_standard) == {COURSE_STANDARD, ELDER, VOLUNTEER, LECTURE}
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


def test_an_id_range_recognises_only_its_records(world):
    staff, school = world.staff, world.institution
    a, b = _learner("range-a", world.street), _learner("range-b", world.street)
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


def test_nothing_to_recognise_writes_nothing(world):
    staff, school = world.staff, world.institution
    a = _learner("none", world.street)
    rows = _rows([(a, MATCHING[0])], provider=school, tag="none")
    before = _counts()
    # no learners: nothing looked at
    assert bulk.recognise_records(actor=staff, learner_ids=[]) == bulk.BulkResult()
    # a learner without records, an empty id range, a range after every record: no batch
    assert bulk.recognise_records(actor=staff, learner_ids=[_learner("idle", world.street).pk]) == bulk.BulkResult()
    assert bulk.recognise_records(actor=staff, min_id=rows[0].pk + 1, max_id=rows[0].pk) == bulk.BulkResult()
    assert bulk.recognise_records(actor=staff, min_id=rows[0].pk + 1) == bulk.BulkResult()
    assert _counts() == before
    assert not LearningAccount.objects.filter(learner=a).exists()
    # (and the record is still there to recognise)
    assert bulk.recognise_records(actor=staff, learner_ids=[a.pk]).recognised == 1
    _recognised_once(rows)
