"""Issue 14, item 6: the ledger covers what a transcript shows. `UPDATE creditbank_outcome SET credits = 40,
title = '伪造成果'` used to succeed, pass `learncity ledger verify`, and show on the next transcript.

Now outcomes are append-only (the database refuses UPDATE and DELETE, on SQLite and PostgreSQL), and a ledger entry
of chain version 2 hashes the outcome it records, so with the triggers dropped (what someone with write access to
the database would do first; only inside the test's rolled-back transaction) the forged outcome is reported by
`ledger verify` — the Python walk and, on PostgreSQL, the SQL — naming the account and the entry, and by the
transcript verification page. Entries written before (chain version 1) still verify; one taken back to version 1
is reported. A correction is a reversal entry and a new outcome: the outcome row is never edited."""

import datetime
import hashlib
import importlib
import json
import types
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from learncity.catalog.models import LearningRecord, RecordKind, RecordSource
from learncity.core.errors import DomainError
from learncity.core.scopes import Role
from learncity.creditbank import bulk, ledger, selectors, services
from learncity.creditbank.models import (
    GENESIS,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    RecognitionMethod,
    StandardVersion,
)
from learncity.people.models import LearnerProfile, RoleAssignment, User
from tests.creditbank.factories import (
    completion,
    drop_append_only_triggers,
    institution_of,
)
from tests.creditbank.factories import ledger_verify_command as command
from tests.security.credit_world import course_standard_make, course_version, resident_make

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _course_standard(world_built):
    """The course standard of the tests' own city (tests/security/credit_world.py), its school accredited."""
    course_standard_make(world_built)

FORGERY = "UPDATE creditbank_outcome SET credits = 40, title = '伪造成果' WHERE id = %s"
OUTCOME_ALTERED = "记录所记的学习成果与记账时不一致（成果被改动或删除）"
DOWNGRADED = "记录的链版本低于前一笔（版本被改动）"
LEDGER_FAILED = "该账户的账本校验未通过"
OUTCOMES_DIFFER = "该账户的部分学习成果与其账本记录不一致（成果在记账后被改动）"


@pytest.fixture
def recognised(world):
    """A resident's new account with two outcomes recognised one by one (1 and 2 credits under the course
    standard of the tests' own city, tests/security/credit_world.py)."""
    learner = resident_make(world)
    completion(world.staff, learner, hours="16")
    completion(world.staff, learner, hours="32")
    account = LearningAccount.objects.get(learner=learner)
    outcomes = list(Outcome.objects.filter(account=account).order_by("pk"))
    assert [o.credits for o in outcomes] == [Decimal("1.00"), Decimal("2.00")]
    return account, outcomes


def row(outcome: Outcome) -> dict:
    return Outcome.objects.filter(pk=outcome.pk).values().get()


def found(report: ledger.VerifyReport) -> list[tuple]:
    return [(b.account_id, b.seq, b.entry_id, b.problem) for b in report.breaks]


def by_both_paths(account_ids=None) -> list[list[tuple]]:
    """The breaks the Python walk finds, and those of the SQL on PostgreSQL (on SQLite, the Python walk again)."""
    return [found(ledger.ledger_verify(account_ids=account_ids, in_python=True)),
            found(ledger.ledger_verify(account_ids=account_ids))]


def recognition_of(outcome: Outcome) -> LedgerEntry:
    return LedgerEntry.objects.get(outcome=outcome, reason=EntryReason.RECOGNITION)


def verdict(client, token: str) -> tuple[str, list[str]]:
    """The public verification page's verdict (data-valid) and its reasons, as the page shows them."""
    body = client.get(f"/credits/verify/{token}/").content.decode()
    valid = body.split('data-testid="verdict" data-valid="')[1][0]
    if 'data-testid="reasons"' not in body:
        return valid, []
    listed = body.split('data-testid="reasons">')[1].split("</ul>")[0]
    return valid, [item.split("</li>")[0] for item in listed.split("<li>")[1:]]


# --- the database refuses ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [FORGERY, "DELETE FROM creditbank_outcome WHERE id = %s"], ids=["update", "delete"])
def test_the_database_refuses_to_update_or_delete_an_outcome(recognised, sql):
    account, (_, second) = recognised
    before = row(second)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [second.pk])
    assert row(second) == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.filter(pk=second.pk).update(title="伪造成果")
    assert row(second) == before
    assert by_both_paths([account.pk]) == [[], []]


# --- with the triggers dropped, verification finds the forgery ---------------------------------------------------

def test_the_forged_outcome_is_found_by_both_verifications_with_its_account_and_entry(recognised):
    account, (_, second) = recognised
    entry = recognition_of(second)
    assert (entry.chain, len(entry.outcome_hash)) == (2, 64)
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(FORGERY, [second.pk])
    assert (row(second)["title"], row(second)["credits"]) == ("伪造成果", Decimal("40.00"))

    expected = [(account.pk, entry.seq, entry.pk, OUTCOME_ALTERED)]
    assert by_both_paths([account.pk]) == [expected, expected]
    # and over the whole ledger, that and nothing else
    assert by_both_paths() == [expected, expected]


def test_learncity_ledger_verify_exits_1_and_names_the_account_of_the_forged_outcome(recognised):
    account, (_, second) = recognised
    entry = recognition_of(second)
    assert command("--account", account.number)[0] == 0
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(FORGERY, [second.pk])

    code, text = command("--account", account.number)
    assert code == 1
    assert f"账户 {account.number} 第 {entry.seq} 笔（记录 id {entry.pk}）" in text and OUTCOME_ALTERED in text
    code, report = command("--json")
    assert code == 1
    assert [(b["account"], b["seq"], b["entry_id"], b["problem"]) for b in json.loads(report)["breaks"]] == [
        (account.number, entry.seq, entry.pk, OUTCOME_ALTERED)]


@pytest.mark.parametrize("sql", [
    "DELETE FROM creditbank_outcome WHERE id = %s",
    "UPDATE creditbank_outcome SET account_id = account_id + 1000000 WHERE id = %s",  # moved to another's transcript
    "UPDATE creditbank_outcome SET score = 99 WHERE id = %s",
    "UPDATE creditbank_outcome SET date = '2001-01-01' WHERE id = %s",
    "UPDATE creditbank_outcome SET provider_name = '别的学校' WHERE id = %s",
], ids=["deleted", "moved", "score", "date", "provider"])
def test_every_field_a_transcript_shows_is_covered(recognised, sql):
    account, (first, _) = recognised
    entry = recognition_of(first)
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(sql, [first.pk])
    expected = [(account.pk, entry.seq, entry.pk, OUTCOME_ALTERED)]
    assert by_both_paths([account.pk]) == [expected, expected]


def test_the_standard_version_a_transcript_names_is_covered(recognised):
    # the version's name and level are what the transcript prints beside the outcome
    account, (first, second) = recognised
    drop_append_only_triggers()
    StandardVersion.objects.filter(pk=first.standard_version_id).update(name="伪造的标准名称")
    expected = [(account.pk, recognition_of(o).seq, recognition_of(o).pk, OUTCOME_ALTERED) for o in (first, second)]
    assert by_both_paths([account.pk]) == [expected, expected]


def test_the_verification_page_says_the_transcripts_outcomes_no_longer_match_the_ledger(recognised, world,
                                                                                       client_as):
    account, (_, second) = recognised
    before = services.transcript_issue(actor=world.city_admin, account=account)
    anyone = client_as(None)
    assert verdict(anyone, before.token) == ("1", [])

    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(FORGERY, [second.pk])
    after = services.transcript_issue(actor=world.city_admin, account=account)  # states the forgery …
    stated = [o for c in after.content["classes"] for y in c["years"] for o in y["outcomes"]]
    assert ("伪造成果", "40.00") in [(o["title"], o["credits"]) for o in stated]

    # … and neither it nor the one issued before is valid any more, and the page says why
    for issued in (before, after):
        assert verdict(anyone, issued.token) == ("0", [LEDGER_FAILED, OUTCOMES_DIFFER])
        assert selectors.transcript_verify(issued.token).reasons == [LEDGER_FAILED, OUTCOMES_DIFFER]


# --- outcomes recognised in bulk are covered the same way -------------------------------------------------------

def test_outcomes_recognised_in_bulk_are_covered_and_a_forged_one_is_found(world):
    learner = resident_make(world)
    school = institution_of(world.staff)
    day = timezone.localdate() - datetime.timedelta(days=5)
    LearningRecord.objects.bulk_create([
        LearningRecord(learner=learner, provider=school, kind=RecordKind.COMPLETION, course_kind="community",
                       title=f"批量结业 {i}", hours=Decimal(hours), score=None if score is None else Decimal(score),
                       date=day, source=RecordSource.IMPORT, external_id=f"covered-bulk-{i}")
        for i, (hours, score) in enumerate([("32", "87.5"), ("16", None), ("48.5", "60")])])
    result = bulk.recognise_records(learner_ids=[learner.pk])
    assert result.recognised == 3
    account = LearningAccount.objects.get(learner=learner)
    entries = list(LedgerEntry.objects.filter(account=account).order_by("seq"))
    assert [(e.chain, len(e.outcome_hash)) for e in entries] == [(2, 64)] * 3
    # each entry's outcome hash is the one the one-by-one path would compute from the outcome as stored
    assert [e.outcome_hash for e in entries] == [ledger.outcome_hashes([e.outcome_id])[e.outcome_id] for e in entries]
    assert by_both_paths([account.pk]) == [[], []]

    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(FORGERY, [entries[1].outcome_id])
    expected = [(account.pk, 2, entries[1].pk, OUTCOME_ALTERED)]
    assert by_both_paths([account.pk]) == [expected, expected]


# --- chain versions ----------------------------------------------------------------------------------------------

def _v1_hash(prev: str, account_id: int, seq: int, credit_class: str, amount: str, reason: str, outcome_id: int,
             created_at: datetime.datetime, actor_id: int) -> str:
    """The hash as every entry was written before chain version 2 (written out here, not taken from the code)."""
    payload = "\x1f".join([prev, str(account_id), str(seq), credit_class, amount, reason, str(outcome_id), "", "",
                           str(actor_id), "", created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")])
    return hashlib.sha256(payload.encode()).hexdigest()


@pytest.fixture
def history(world):
    """An account with two entries written before the migration (chain version 1, as the old code wrote them),
    then one recognised now (version 2)."""
    staff = world.staff
    learner = resident_make(world)
    account, _ = services.account_open(actor=staff, learner=learner, via=OpenedVia.AUTO,
                                       institution=institution_of(staff))
    version = course_version()
    prev, when = GENESIS, datetime.datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    for seq in (1, 2):
        outcome = Outcome.objects.create(
            account=account, standard_version=version, method=RecognitionMethod.AUTO, title=f"旧结业 {seq}",
            provider=institution_of(staff), provider_name=institution_of(staff).name, date=when.date(),
            hours=Decimal("16.0"), credit_class=version.credit_class, credits=Decimal("1.00"), basis="旧的认定依据",
            recognised_at=when, recognised_by=staff)
        digest = _v1_hash(prev, account.pk, seq, version.credit_class, "1.00", "recognition", outcome.pk, when, staff.pk)
        LedgerEntry.objects.create(account=account, seq=seq, credit_class=version.credit_class, amount=Decimal("1.00"),
                                   reason="recognition", outcome=outcome, actor=staff, created_at=when,
                                   prev_hash=prev, hash=digest, chain=1)
        prev, when = digest, when + datetime.timedelta(days=30)
    LearningAccount.objects.filter(pk=account.pk).update(head_seq=2, head_hash=prev, balance_training=Decimal("2.00"))
    completion(staff, learner, hours="32")
    return account


def test_entries_of_chain_version_1_still_verify_and_new_ones_are_version_2(history):
    entries = list(LedgerEntry.objects.filter(account=history).order_by("seq"))
    assert [(e.seq, e.chain, e.outcome_hash != "") for e in entries] == [(1, 1, False), (2, 1, False), (3, 2, True)]
    assert entries[2].prev_hash == entries[1].hash
    assert by_both_paths([history.pk]) == [[], []]


def test_an_entry_taken_back_to_version_1_is_reported(history, world):
    # given a fourth entry (version 2, after the third), then rewritten as version 1 — which covers no outcome —
    # with its hash and the account's head recomputed to match, and its outcome forged
    completion(world.staff, history.learner, hours="16")
    last = LedgerEntry.objects.get(account=history, seq=4)
    digest = _v1_hash(last.prev_hash, history.pk, 4, last.credit_class, ledger.amount_text(last.amount), last.reason,
                      last.outcome_id, last.created_at, last.actor_id)
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE creditbank_ledgerentry SET chain = 1, outcome_hash = '', hash = %s WHERE id = %s",
                    [digest, last.pk])
        cur.execute(FORGERY, [last.outcome_id])
    LearningAccount.objects.filter(pk=history.pk).update(head_hash=digest)
    # then the version going down is reported where it is
    expected = [(history.pk, 4, last.pk, DOWNGRADED)]
    assert by_both_paths([history.pk]) == [expected, expected]


def test_a_version_2_entry_taken_back_to_version_1_before_the_head_breaks_the_next_link(history, world):
    completion(world.staff, history.learner, hours="16")
    third, fourth = (LedgerEntry.objects.get(account=history, seq=seq) for seq in (3, 4))
    digest = _v1_hash(third.prev_hash, history.pk, 3, third.credit_class, ledger.amount_text(third.amount),
                      third.reason, third.outcome_id, third.created_at, third.actor_id)
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE creditbank_ledgerentry SET chain = 1, outcome_hash = '', hash = %s WHERE id = %s",
                    [digest, third.pk])
    expected = [(history.pk, 4, fourth.pk, "前一笔的哈希不一致（链被删除、插入或改动）")]
    assert by_both_paths([history.pk]) == [expected, expected]


def test_an_entry_of_an_unknown_version_is_reported_as_altered(history):
    last = LedgerEntry.objects.get(account=history, seq=3)
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE creditbank_ledgerentry SET chain = 3 WHERE id = %s", [last.pk])
    expected = [(history.pk, 3, last.pk, "记录内容与其哈希不一致（记录被改动）")]
    assert by_both_paths([history.pk]) == [expected, expected]


# --- a correction ------------------------------------------------------------------------------------------------

def test_a_correction_is_a_reversal_and_a_new_outcome_and_the_outcome_row_is_never_edited(recognised, world):
    account, (first, second) = recognised
    before = row(second)
    original = recognition_of(second)

    reversal = services.outcome_reverse(actor=world.city_admin, outcome=second, reason="学时登记有误")
    record = completion(world.staff, account.learner, hours="48")
    corrected = Outcome.objects.get(learning_record=record)

    assert row(second) == before
    assert (reversal.reason, reversal.reverses_id, reversal.amount, reversal.outcome_id, reversal.chain) == (
        EntryReason.REVERSAL, original.pk, -original.amount, second.pk, 2)
    assert reversal.outcome_hash == original.outcome_hash  # the same outcome, untouched
    shown = [o["id"] for c in selectors.transcript_content(account)["classes"] for y in c["years"]
             for o in y["outcomes"]]
    assert sorted(shown) == sorted([first.pk, corrected.pk])
    assert by_both_paths([account.pk]) == [[], []]


# --- the upgrade: outcomes recorded before chain version 2 are covered by a checkpoint ----------------------------

STRAY_CHECKPOINT = "多余的账本升级记录（每个账户至多一笔，且只在此前的记录载有学习成果时）"
_upgrade = importlib.import_module("learncity.creditbank.migrations.0008_chain_upgrade_checkpoints")


def run_the_upgrade() -> None:
    """Migration 0008's own function, on the test's database (it uses only the schema editor's connection)."""
    _upgrade.forwards(None, types.SimpleNamespace(connection=connection))


def _write_v1(account: LearningAccount, staff, outcomes: list[bool], start: int = 0) -> list[LedgerEntry]:
    """Entries of 1 credit written as before migration 0007 (chain version 1), each recording a new outcome or
    none, and the account's head and balance moved to match."""
    version = course_version()
    prev, when = GENESIS, datetime.datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    entries = []
    for seq, with_outcome in enumerate(outcomes, start=1):
        outcome = None
        if with_outcome:
            outcome = Outcome.objects.create(
                account=account, standard_version=version, method=RecognitionMethod.AUTO, title=f"旧结业 {start + seq}",
                provider=institution_of(staff), provider_name=institution_of(staff).name, date=when.date(),
                hours=Decimal("16.0"), credit_class=version.credit_class, credits=Decimal("1.00"), basis="旧的认定依据",
                recognised_at=when, recognised_by=staff)
        payload = "\x1f".join([prev, str(account.pk), str(seq), version.credit_class, "1.00", "recognition",
                               "" if outcome is None else str(outcome.pk), "", "", str(staff.pk), "",
                               when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")])
        digest = hashlib.sha256(payload.encode()).hexdigest()
        entries.append(LedgerEntry.objects.create(
            account=account, seq=seq, credit_class=version.credit_class, amount=Decimal("1.00"), reason="recognition",
            outcome=outcome, actor=staff, created_at=when, prev_hash=prev, hash=digest, chain=1))
        prev, when = digest, when + datetime.timedelta(days=30)
    LearningAccount.objects.filter(pk=account.pk).update(head_seq=len(outcomes), head_hash=prev,
                                                         balance_training=Decimal(len(outcomes)))
    return entries


@pytest.fixture
def upgraded(world):
    """Before the upgrade: an account whose version 1 entries record two outcomes (and one that records none),
    one whose version 1 entry records none, and one with version 2 entries only. Then migration 0008's function."""
    staff = world.staff
    accounts = []
    for _ in range(3):
        account, _ = services.account_open(actor=staff, learner=resident_make(world), via=OpenedVia.AUTO,
                                           institution=institution_of(staff))
        accounts.append(account)
    old, bare, new = accounts
    old_entries = _write_v1(old, staff, [True, False, True])
    _write_v1(bare, staff, [False], start=10)
    completion(staff, new.learner, hours="16")
    before = {a.pk: list(LedgerEntry.objects.filter(account=a).order_by("seq").values_list("pk", "hash"))
              for a in accounts}
    run_the_upgrade()
    return types.SimpleNamespace(old=old, bare=bare, new=new, old_entries=old_entries, before=before,
                                 outcomes=[e.outcome for e in old_entries if e.outcome_id is not None])


def checkpoint_of(account: LearningAccount) -> LedgerEntry:
    return LedgerEntry.objects.get(account=account, reason=EntryReason.CHAIN_UPGRADE)


def test_the_upgrade_appends_one_checkpoint_covering_the_outcomes_recorded_before(upgraded):
    old = LearningAccount.objects.get(pk=upgraded.old.pk)
    checkpoint = checkpoint_of(old)
    first, second = upgraded.outcomes
    # the SHA-256 of the two outcomes' hashes (chain version 2's), in seq order, joined by a newline
    covered = ledger.outcome_hashes([first.pk, second.pk])
    expected = hashlib.sha256(f"{covered[first.pk]}\n{covered[second.pk]}".encode()).hexdigest()
    assert (checkpoint.seq, checkpoint.chain, checkpoint.amount, checkpoint.outcome_id, checkpoint.actor_id,
            checkpoint.prev_hash, checkpoint.outcome_hash) == (
        4, 2, Decimal("0.00"), None, None, upgraded.old_entries[-1].hash, expected)
    assert (old.head_seq, old.head_hash, old.balance_training) == (4, checkpoint.hash, Decimal("3.00"))
    # the entries before it kept their hashes (transcripts name them), and the other accounts got nothing
    for account in (upgraded.old, upgraded.bare, upgraded.new):
        kept = list(LedgerEntry.objects.filter(account=account).exclude(reason=EntryReason.CHAIN_UPGRADE)
                    .order_by("seq").values_list("pk", "hash"))
        assert kept == upgraded.before[account.pk]
    assert list(LedgerEntry.objects.filter(reason=EntryReason.CHAIN_UPGRADE).values_list("account_id", flat=True)) == [
        old.pk]
    everyone = [upgraded.old.pk, upgraded.bare.pk, upgraded.new.pk]
    assert by_both_paths(everyone) == [[], []]
    # new entries follow the checkpoint
    completion(LedgerEntry.objects.get(account=old, seq=1).actor, old.learner, hours="16")
    after = LedgerEntry.objects.get(account=old, seq=5)
    assert (after.chain, after.prev_hash) == (2, checkpoint.hash)
    assert by_both_paths(everyone) == [[], []]


def test_the_upgrade_run_twice_appends_nothing_the_second_time(upgraded):
    entries = list(LedgerEntry.objects.order_by("pk").values_list("pk", "hash"))
    heads = list(LearningAccount.objects.order_by("pk").values_list("pk", "head_seq", "head_hash"))
    assert ledger.chains_upgrade() == 0
    run_the_upgrade()
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", "hash")) == entries
    assert list(LearningAccount.objects.order_by("pk").values_list("pk", "head_seq", "head_hash")) == heads


@pytest.mark.parametrize("sql", [FORGERY, "DELETE FROM creditbank_outcome WHERE id = %s"], ids=["forged", "deleted"])
def test_a_forged_or_deleted_outcome_recorded_before_the_upgrade_is_found_at_the_checkpoint(upgraded, world,
                                                                                           client_as, sql):
    account, (first, _) = upgraded.old, upgraded.outcomes
    issued = services.transcript_issue(actor=world.city_admin, account=account)
    anyone = client_as(None)
    assert verdict(anyone, issued.token) == ("1", [])
    checkpoint = checkpoint_of(account)

    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(sql, [first.pk])
    expected = [(account.pk, checkpoint.seq, checkpoint.pk, OUTCOME_ALTERED)]
    assert by_both_paths([account.pk]) == [expected, expected]
    assert by_both_paths() == [expected, expected]
    assert verdict(anyone, issued.token) == ("0", [LEDGER_FAILED, OUTCOMES_DIFFER])
    code, text = command("--account", account.number)
    assert code == 1
    assert f"账户 {account.number} 第 {checkpoint.seq} 笔（记录 id {checkpoint.pk}）" in text and OUTCOME_ALTERED in text


def _append_checkpoint(account: LearningAccount, outcome_hash: str) -> LedgerEntry:
    """A checkpoint appended with a right hash and the head moved, as someone with write access could."""
    account = LearningAccount.objects.get(pk=account.pk)
    seq, when = account.head_seq + 1, timezone.now()
    digest = ledger.entry_hash(prev_hash=account.head_hash, account_id=account.pk, seq=seq, credit_class="training",
                               amount=Decimal("0"), reason=EntryReason.CHAIN_UPGRADE, outcome_id=None,
                               conversion_id=None, reverses_id=None, actor_id=None, memo="", created_at=when, chain=2,
                               outcome_hash=outcome_hash)
    entry = LedgerEntry.objects.create(account=account, seq=seq, credit_class="training", amount=Decimal("0"),
                                       reason=EntryReason.CHAIN_UPGRADE, created_at=when, prev_hash=account.head_hash,
                                       hash=digest, chain=2, outcome_hash=outcome_hash)
    LearningAccount.objects.filter(pk=account.pk).update(head_seq=seq, head_hash=digest)
    return entry


def test_a_second_checkpoint_or_one_without_outcomes_recorded_before_is_a_break(upgraded):
    first = checkpoint_of(upgraded.old)
    second = _append_checkpoint(upgraded.old, first.outcome_hash)  # the same outcomes, covered again
    empty = ledger.checkpoint_hash([])
    stray = [_append_checkpoint(account, empty) for account in (upgraded.bare, upgraded.new)]
    expected = [(upgraded.old.pk, second.seq, second.pk, STRAY_CHECKPOINT)] + [
        (e.account_id, e.seq, e.pk, STRAY_CHECKPOINT) for e in stray]
    assert by_both_paths([upgraded.old.pk, upgraded.bare.pk, upgraded.new.pk]) == [expected, expected]


def test_only_the_migration_writes_a_checkpoint(upgraded):
    account = LearningAccount.objects.get(pk=upgraded.new.pk)
    entries = list(LedgerEntry.objects.order_by("pk").values_list("pk", flat=True))
    with pytest.raises(DomainError) as refused, transaction.atomic():
        ledger.entries_append(account=ledger.lock_account(account.pk), movements=[ledger.Movement(
            credit_class="training", amount=Decimal("1.00"), reason=EntryReason.CHAIN_UPGRADE)])
    assert refused.value.errors == {"reason": ["账本升级记录只由迁移 0008 写入"]}
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", flat=True)) == entries
    assert LearningAccount.objects.get(pk=account.pk).head_seq == account.head_seq
    # and the database refuses an amount of 0 on any other entry
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(account=account, seq=account.head_seq + 1, credit_class="training",
                                   amount=Decimal("0"), reason=EntryReason.RECOGNITION, created_at=timezone.now(),
                                   prev_hash=account.head_hash, hash="0" * 64)
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", flat=True)) == entries


def test_the_ledger_page_shows_the_checkpoint_with_its_label_and_0_credits(upgraded, client_as):
    user = User.objects.create_user(username="upgraded-learner", password="x")
    RoleAssignment.objects.create(user=user, role=Role.LEARNER)
    LearnerProfile.objects.filter(pk=upgraded.old.learner_id).update(user=user)
    body = client_as(user).get("/credits/").content.decode()
    row_html = body.split('data-testid="entry-4">')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("</td>")[0] for c in row_html.split("<td")[1:]]
    assert cells[:4] == ["4", "账本升级：此前记录的学习成果纳入校验", "非学历培训", "0"]


def test_the_upgrade_goes_a_batch_of_accounts_at_a_time(world):
    staff = world.staff
    accounts = []
    for _ in range(3):
        account, _ = services.account_open(actor=staff, learner=resident_make(world), via=OpenedVia.AUTO,
                                           institution=institution_of(staff))
        accounts.append(account)
    for account, outcomes in zip(accounts, ([True], [False, True, True], [False]), strict=True):
        _write_v1(account, staff, outcomes, start=20 * account.pk)
    with transaction.atomic():
        assert ledger.chains_upgrade(batch=1) == 2
    assert [(e.account_id, e.seq) for e in LedgerEntry.objects.filter(reason=EntryReason.CHAIN_UPGRADE)
            .order_by("account_id")] == [(accounts[0].pk, 2), (accounts[1].pk, 4)]
    assert by_both_paths([a.pk for a in accounts]) == [[], []]
