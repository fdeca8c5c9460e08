"""The ledger's properties: append-only in the database itself, chained so that any edit made behind its back is
found by `ledger_verify` with where it is, amounts that are Decimals or nothing, and balances that always equal
the sum of the entries (a property test over random sequences of operations)."""

import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learncity.core.errors import DomainError
from learncity.creditbank import ledger, selectors, services
from learncity.creditbank.models import (
    ConversionRule,
    CreditClass,
    LearningAccount,
    LedgerEntry,
    TranscriptWithdrawal,
    balance_field,
)
from tests.creditbank.factories import (
    CONVERSION_RULE,
    DECLARED_STANDARD,
    completion,
    conversion_make,
    course_world_fixtures,
    declared,
    drop_append_only_triggers,
    world_resident,
)

pytestmark = pytest.mark.django_db


def _world_more(world) -> None:
    """The declared standard and the conversion rule the property test runs, and the world's learner with an
    account of recognised credits (as the demo's learner has)."""
    conversion_make(world)
    completion(world.staff, world.learner_profile, hours="32")


world_built, world = course_world_fixtures(_world_more)


def _account_with_entries(world, n=3):
    learner = world_resident(world, 0)
    for hours in ("16", "32", "48")[:n]:
        completion(world.staff, learner, hours=hours)
    return LearningAccount.objects.get(learner=learner)


@pytest.mark.parametrize("sql", [
    "UPDATE creditbank_ledgerentry SET amount = 99 WHERE id = %s",
    "DELETE FROM creditbank_ledgerentry WHERE id = %s",
])
def test_the_database_refuses_updates_and_deletes_of_entries(world, sql):
    account = _account_with_entries(world, 1)
    entry = LedgerEntry.objects.get(account=account)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.amount == Decimal("1.00")


def test_the_orm_cannot_edit_or_delete_an_entry_either(world):
    entry = LedgerEntry.objects.get(account=_account_with_entries(world, 1))
    entry.amount = Decimal("50")
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(account=entry.account).update(memo="x")


def test_issued_transcripts_are_append_only_too(world):
    account = _account_with_entries(world, 1)
    t = services.transcript_issue(actor=world.city_admin, account=account)
    assert re.fullmatch(r"[A-Za-z0-9]{24}", t.token)  # (no "-" a printed line could end on)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(t).objects.filter(pk=t.pk).update(digest="0" * 64)
    # and so is its withdrawal
    services.transcript_withdraw(actor=world.city_admin, token=t.token)
    with pytest.raises(IntegrityError), transaction.atomic():
        TranscriptWithdrawal.objects.filter(transcript=t).update(reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        TranscriptWithdrawal.objects.filter(transcript=t).delete()


def test_a_cached_balance_changed_behind_the_ledgers_back_is_reported(world):
    account = _account_with_entries(world)
    assert ledger.ledger_verify(account_ids=[account.pk]).ok
    LearningAccount.objects.filter(pk=account.pk).update(balance_culture=F("balance_culture") + Decimal("1"))
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert [(b.account_id, b.seq, b.problem) for b in report.breaks] == [
        (account.pk, None, "缓存的余额与账本记录之和不一致")]


def test_a_clean_ledger_verifies(world):
    account = _account_with_entries(world)
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert (report.ok, report.accounts, report.entries) == (True, 1, 3)
    assert len(report.digest) == 64
    everything = ledger.ledger_verify()
    assert everything.ok, [str(b) for b in everything.breaks[:5]]
    assert everything.entries == LedgerEntry.objects.count()


def _tamper(sql, params):
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_an_altered_amount_is_found_where_it_is(world):
    account = _account_with_entries(world)
    second = LedgerEntry.objects.get(account=account, seq=2)
    _tamper("UPDATE creditbank_ledgerentry SET amount = 9 WHERE id = %s", [second.pk])
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert not report.ok
    problems = {(b.seq, b.problem) for b in report.breaks}
    assert (2, "记录内容与其哈希不一致（记录被改动）") in problems
    assert any("缓存的余额" in b.problem for b in report.breaks)
    assert f"LA{account.pk:010d}" in str(report.breaks[0]) and "第 2 笔" in str(
        next(b for b in report.breaks if b.seq == 2))


def test_a_removed_entry_in_the_middle_is_found(world):
    account = _account_with_entries(world)
    _tamper("DELETE FROM creditbank_ledgerentry WHERE account_id = %s AND seq = 2", [account.pk])
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert any(b.seq == 3 and "序号不连续" in b.problem for b in report.breaks)
    assert any(b.seq == 3 and "前一笔的哈希不一致" in b.problem for b in report.breaks)


def test_a_removed_last_entry_is_found_by_the_head(world):
    account = _account_with_entries(world)
    _tamper("DELETE FROM creditbank_ledgerentry WHERE account_id = %s AND seq = 3", [account.pk])
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert any("链尾" in b.problem for b in report.breaks)


def test_an_inserted_forged_entry_is_found(world):
    account = _account_with_entries(world)
    last = LedgerEntry.objects.get(account=account, seq=3)
    # a forger who appends with a made-up hash and moves the head, but cannot recompute a matching hash
    LedgerEntry.objects.create(account=account, seq=4, credit_class="academic", amount=Decimal("50"),
                               reason="recognition", created_at=last.created_at, prev_hash=last.hash, hash="f" * 64)
    _tamper("UPDATE creditbank_learningaccount SET head_seq = 4, head_hash = %s WHERE id = %s", ["f" * 64, account.pk])
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert any(b.seq == 4 and "记录内容与其哈希不一致" in b.problem for b in report.breaks)
    assert any("缓存的余额" in b.problem for b in report.breaks)


def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link(world):
    account = _account_with_entries(world)
    first = LedgerEntry.objects.get(account=account, seq=1)
    forged = ledger.entry_hash(prev_hash=first.prev_hash, account_id=account.pk, seq=1, credit_class=first.credit_class,
                               amount=Decimal("40"), reason=first.reason, outcome_id=first.outcome_id,
                               conversion_id=None, reverses_id=None, actor_id=first.actor_id, memo=first.memo,
                               created_at=first.created_at)
    _tamper("UPDATE creditbank_ledgerentry SET amount = 40, hash = %s WHERE id = %s", [forged, first.pk])
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert any(b.seq == 2 and "前一笔的哈希不一致" in b.problem for b in report.breaks)


@pytest.mark.parametrize("amount", [1.5, "abc", "1e400", "NaN", "0.001", None, True])
def test_an_amount_that_is_not_a_two_place_decimal_is_refused(world, amount):
    account = _account_with_entries(world, 1)
    before = LedgerEntry.objects.count()
    with pytest.raises(DomainError) as exc, transaction.atomic():
        ledger.entries_append(account=ledger.lock_account(account.pk), movements=[
            ledger.Movement(credit_class=CreditClass.TRAINING, amount=amount, reason="recognition")])
    assert "amount" in exc.value.errors
    assert LedgerEntry.objects.count() == before


def test_a_movement_that_would_make_a_balance_negative_is_refused_and_nothing_is_written(world):
    account = _account_with_entries(world, 1)
    before = (LedgerEntry.objects.count(), account.head_seq)
    with pytest.raises(DomainError) as exc, transaction.atomic():
        ledger.entries_append(account=ledger.lock_account(account.pk), movements=[
            ledger.Movement(credit_class=CreditClass.TRAINING, amount=Decimal("-5"), reason="expiry")])
    assert "不能小于 0" in exc.value.errors["amount"][0]
    account.refresh_from_db()
    assert (LedgerEntry.objects.count(), account.head_seq) == before


# --- the property: the cache always equals the entries, and the chain always verifies ---------------------------

OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("recognise"), st.sampled_from(["4", "8", "16", "17", "33", "64", "100"])),
    st.tuples(st.just("declare"), st.booleans()),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("convert"), st.integers(min_value=0, max_value=20)),
), min_size=1, max_size=10)


class _Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_balances_equal_the_sum_of_entries_after_any_sequence_of_operations(world, operations):
    try:
        with transaction.atomic():
            _run(world, operations)
            raise _Rollback
    except _Rollback:
        pass


def _run(world, operations):
    learner_user = world.learner
    profile = world.learner_profile
    account = LearningAccount.objects.get(learner=profile)
    rule = ConversionRule.objects.get(code=CONVERSION_RULE)
    for op, arg in operations:
        try:
            if op == "recognise":
                completion(world.staff, profile, hours=arg)
            elif op == "declare":
                d = declared(learner_user, code=DECLARED_STANDARD)
                services.declaration_review(actor=world.expert, declaration=d, approve=arg, reason="审核")
            elif op == "reverse":
                standing = [o for o in selectors.outcomes(account) if not o.reversed]
                if standing:
                    services.outcome_reverse(actor=world.city_admin, outcome=standing[arg % len(standing)],
                                             reason="测试冲正")
            elif op == "convert":
                usable = selectors.convertible_outcomes(account=account, rule=rule)
                if usable:
                    c = services.conversion_apply(actor=learner_user, rule=rule,
                                                  outcome_ids=[usable[arg % len(usable)].pk])
                    services.conversion_decide(actor=world.staff, conversion=c, approve=True, reason="同意")
        except DomainError:
            pass  # a refused operation (a cap, a used outcome, an outcome already reversed) writes nothing
    sums = {}
    for credit_class, amount in LedgerEntry.objects.filter(account=account).values_list("credit_class", "amount"):
        sums[credit_class] = sums.get(credit_class, Decimal("0")) + Decimal(str(amount))
    account.refresh_from_db()
    cached = {c: Decimal(str(getattr(account, balance_field(c)))).quantize(Decimal("0.01")) for c in CreditClass.values}
    assert {c: v.quantize(Decimal("0.01")) for c, v in sums.items() if v} == {c: v for c, v in cached.items() if v}
    assert all(v >= 0 for v in cached.values())
    account.refresh_from_db()
    assert account.head_seq == LedgerEntry.objects.filter(account=account).count()
    assert ledger.ledger_verify(account_ids=[account.pk]).ok
