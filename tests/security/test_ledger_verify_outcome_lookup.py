"""`ledger verify` reads each entry's outcome by its primary key and builds the outcome's payload in one call (SQLite:
one printf; PostgreSQL: the standard version's part once a statement, not joined for every entry), and SQLite's
walk gets each entry's time already in `time_text`'s form. These hold the faster forms to what the ledger wrote:
text with printf's own % signs, quotes and separators; times on the second exactly (the shorter form SQLite keeps)
and in a form Django never writes; every version checked against its own text; a standard or level gone.
Both paths (the Python walk, and on PostgreSQL the SQL) report the same."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from learncity.creditbank import ledger
from learncity.creditbank.models import (
    FrameworkLevel,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    RecognitionMethod,
    Standard,
    StandardVersion,
)
from learncity.creditbank.services import account_open
from tests.creditbank.factories import completion, drop_append_only_triggers, institution_of
from tests.security.credit_world import course_standard_make, course_version, resident_make

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _course_standard(world_built):
    """The course standard of the tests' own city (tests/security/credit_world.py), its school accredited."""
    course_standard_make(world_built)

OUTCOME_ALTERED = "记录所记的学习成果与记账时不一致（成果被改动或删除）"
POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="the page statement is PostgreSQL's")


def found(report: ledger.VerifyReport) -> list[tuple]:
    return [(b.account_id, b.seq, b.entry_id, b.problem) for b in report.breaks]


def by_both_paths(account_ids=None) -> list[list[tuple]]:
    return [found(ledger.ledger_verify(account_ids=account_ids, in_python=True)),
            found(ledger.ledger_verify(account_ids=account_ids))]


def python_hash(outcome: Outcome) -> str:
    """The outcome's hash as the Python reference computes it (`outcome_payload`), from the row as stored."""
    o = Outcome.objects.select_related("standard_version__standard", "standard_version__level").get(pk=outcome.pk)
    v = o.standard_version
    return ledger.outcome_hash(ledger.outcome_payload(
        outcome_id=o.pk, account_id=o.account_id, standard_code=v.standard.code, version=v.version,
        version_name=v.name, level=v.level.level, method=o.method, title=o.title, provider_id=o.provider_id,
        provider_name=o.provider_name, date=o.date, hours=o.hours, score=o.score, credit_class=o.credit_class,
        credits=o.credits, basis=o.basis, learning_record_id=o.learning_record_id, declaration_id=o.declaration_id,
        recognised_at=o.recognised_at, recognised_by_id=o.recognised_by_id))


def recorded(world, *, title: str, basis: str, recognised_at: datetime.datetime, score=None) -> tuple:
    """A new account with one outcome written as given and its recognition appended (chain version 2)."""
    staff = world.staff
    account, _ = account_open(actor=staff, learner=resident_make(world), via=OpenedVia.AUTO,
                              institution=institution_of(staff))
    version = course_version()
    outcome = Outcome.objects.create(
        account=account, standard_version=version, method=RecognitionMethod.AUTO, title=title,
        provider=institution_of(staff), provider_name=institution_of(staff).name, date=recognised_at.date(),
        hours=Decimal("16.0"), score=score, credit_class=version.credit_class, credits=Decimal("1.00"), basis=basis,
        recognised_at=recognised_at, recognised_by=staff)
    with transaction.atomic():
        ledger.entries_append(account=ledger.lock_account(account.pk), actor=staff, movements=[ledger.Movement(
            credit_class=version.credit_class, amount=Decimal("1.00"), reason="recognition", outcome_id=outcome.pk)])
    return LearningAccount.objects.get(pk=account.pk), outcome


@pytest.mark.parametrize("title, basis, score", [
    ("100% 完成 %s %d %.2f %%", "依据 %1$s 与 %n 与 %z", Decimal("87.5")),
    ("引号 ' 与 \" 与 \\", "分隔\x1f符 与 4:冒号", None),
    ("", "空标题", Decimal("0")),
], ids=["printf-signs", "quotes-separators", "empty-title"])
def test_outcome_text_with_percent_signs_quotes_and_separators_hashes_as_in_python_and_verifies(world, title, basis,
                                                                                               score):
    account, outcome = recorded(world, title=title, basis=basis, score=score,
                                recognised_at=datetime.datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC))
    entry = LedgerEntry.objects.get(account=account)
    assert entry.outcome_hash == ledger.outcome_hashes([outcome.pk])[outcome.pk] == python_hash(outcome)
    assert by_both_paths([account.pk]) == [[], []]


def test_an_outcome_and_an_entry_on_the_second_exactly_verify(world):
    # given an outcome recognised at a whole second (SQLite keeps it without the fraction) …
    account, outcome = recorded(world, title="整秒", basis="整秒的认定",
                                recognised_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    assert ledger.outcome_hashes([outcome.pk])[outcome.pk] == python_hash(outcome)
    # … and its entry's time moved to a whole second, with its hash and the head recomputed as the ledger would
    entry = LedgerEntry.objects.get(account=account)
    at = datetime.datetime(2025, 1, 2, 3, 4, 6, tzinfo=datetime.UTC)
    digest = ledger.entry_hash(prev_hash=entry.prev_hash, account_id=account.pk, seq=1, credit_class=entry.credit_class,
                               amount=entry.amount, reason=entry.reason, outcome_id=outcome.pk, conversion_id=None,
                               reverses_id=None, actor_id=entry.actor_id, memo="", created_at=at, chain=2,
                               outcome_hash=entry.outcome_hash)
    drop_append_only_triggers()
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=at, hash=digest)
    LearningAccount.objects.filter(pk=account.pk).update(head_hash=digest)
    # then both verify clean
    assert by_both_paths([account.pk]) == [[], []]


def test_an_entry_time_in_a_form_django_never_writes_is_read_as_the_same_instant(world):
    account, _ = recorded(world, title="时间格式", basis="时间格式的认定",
                                recognised_at=datetime.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=datetime.UTC))
    entry = LedgerEntry.objects.get(account=account)

    def iso(moment):  # an instant written as ISO 8601 with its offset
        return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")

    drop_append_only_triggers()
    with connection.cursor() as cur:  # the same instant in that form verifies
        cur.execute("UPDATE creditbank_ledgerentry SET created_at = %s WHERE id = %s", [iso(entry.created_at), entry.pk])
    assert by_both_paths([account.pk]) == [[], []]
    with connection.cursor() as cur:  # another instant in that form is an altered entry
        cur.execute("UPDATE creditbank_ledgerentry SET created_at = %s WHERE id = %s",
                    [iso(entry.created_at + datetime.timedelta(seconds=1)), entry.pk])
    expected = [(account.pk, 1, entry.pk, "记录内容与其哈希不一致（记录被改动）")]
    assert by_both_paths([account.pk]) == [expected, expected]


def _entries_of(version_id: int) -> list[tuple]:
    return [(e.account_id, e.seq, e.pk, OUTCOME_ALTERED) for e in LedgerEntry.objects.filter(
        chain=2, outcome__standard_version_id=version_id).order_by("account_id", "seq")]


def test_each_version_is_checked_against_its_own_text_over_the_whole_ledger(world):
    # given the whole ledger (the demo city's beside the tests' own city's), with entries of outcomes under the
    # world's course standard and under others
    completion(world.staff, resident_make(world), hours="32")
    version = course_version()
    others = LedgerEntry.objects.filter(chain=2, outcome__isnull=False).exclude(
        outcome__standard_version=version).count()
    assert others > 0 and _entries_of(version.pk)
    assert by_both_paths() == [[], []]
    # when that version's name is changed behind the ledger's back
    drop_append_only_triggers()
    StandardVersion.objects.filter(pk=version.pk).update(name="伪造的标准名称")
    # then exactly the entries of its outcomes are reported, in account order, by both paths
    expected = _entries_of(version.pk)
    assert by_both_paths() == [expected, expected]


@pytest.mark.parametrize("change", ["standard code", "level number", "level gone", "standard gone"])
def test_a_standard_or_level_changed_or_gone_is_reported_for_each_entry_of_its_outcomes(world, change):
    learner = resident_make(world)
    completion(world.staff, learner, hours="16")
    completion(world.staff, learner, hours="48")
    account = LearningAccount.objects.get(learner=learner)
    version = course_version()
    gone = None
    drop_append_only_triggers()
    if change == "standard code":
        Standard.objects.filter(pk=version.standard_id).update(code="CE-FORGED")
    elif change == "level number":
        FrameworkLevel.objects.filter(pk=version.level_id).update(level=99)
    else:  # deleted (put back below: the test's end checks the foreign keys)
        gone = version.level if change == "level gone" else version.standard
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {gone._meta.db_table} WHERE id = %s", [gone.pk])
    expected = [(account.pk, e.seq, e.pk, OUTCOME_ALTERED) for e in LedgerEntry.objects.filter(account=account)
                .order_by("seq")]
    assert len(expected) == 2
    assert by_both_paths([account.pk]) == [expected, expected]
    if gone is not None:
        gone.save(force_insert=True)
        assert by_both_paths([account.pk]) == [[], []]


@POSTGRES_ONLY
def test_the_page_statement_reads_outcomes_by_primary_key_in_entry_order():
    # The plan that made verify slow: every outcome of the ledger hashed for each page, then the page's entries
    # sorted again. Now each entry's outcome is looked up by its key while the entries come in (account, seq)
    # order, and the standard versions' text is computed once.
    with transaction.atomic(), connection.cursor() as cur:
        ledger._tune(cur)
        cur.execute("EXPLAIN " + ledger._page_sql(None, None, None))
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "Sort Key: e.account_id" not in plan and "Hash Cond: (e.outcome_id" not in plan, plan
    assert "Index Scan using ledger_entry_seq_once on creditbank_ledgerentry e" in plan, plan
    assert "Index Scan using creditbank_outcome_pkey on creditbank_outcome" in plan, plan
    assert "Index Cond: (id = e.outcome_id)" in plan, plan
    assert plan.count("InitPlan") == 1, plan
