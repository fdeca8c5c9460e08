"""`learncity ledger verify`: a clean ledger passes (exit 0) with its counts; an entry altered, removed or forged
behind the application's back (the append-only triggers dropped first, inside the test's rolled-back
transaction) makes it exit 1 and name the account and the entry."""

import datetime
import json
from decimal import Decimal
from itertools import count

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from learncity.catalog.models import RecordKind, RecordSource
from learncity.catalog.services import learning_record_create
from learncity.creditbank import ledger, services
from learncity.creditbank.inputs import StandardIn
from learncity.creditbank.models import EntryReason, LearningAccount, LedgerEntry
from tests.creditbank.factories import drop_append_only_triggers, world_resident
from tests.creditbank.factories import ledger_verify_command as verify
from tests.portal.world import world_fixtures

pytestmark = pytest.mark.django_db

world_built, world = world_fixtures()  # the tests' own 达州市: its staff's school, its city administrator

RECORDS_EACH = 3
_ids = count(1)


def number(account: LearningAccount) -> str:
    return f"LA{account.pk:010d}"


@pytest.fixture
def accounts(world) -> list[LearningAccount]:
    """Two residents of the world who had no account, each with RECORDS_EACH event records recognised under a
    standard the staff member's school is accredited for (1.5 credits each)."""
    school = world.institution
    services.standard_create(actor=world.city_admin, city=world.city, data=StandardIn(
        code="TEST-LEDGER-CMD", providers=[school.code], name="账本校验测试标准", credit_class="culture", level=1,
        credits="1.5", record_kinds=["event"], course_kinds=["culture"], effective_from=datetime.date(2020, 1, 1)))
    residents = [world_resident(world, 0), world_resident(world, 1)]
    for learner in residents:
        for i in range(RECORDS_EACH):
            learning_record_create(actor=world.staff, learner=learner, provider=school, kind=RecordKind.EVENT,
                                   course_kind="culture", title=f"市民讲堂 {i}", hours=Decimal("2"),
                                   date=timezone.localdate() - datetime.timedelta(days=30 - i),
                                   source=RecordSource.PAGE, external_id=f"ledger-cmd-{next(_ids)}")
    made = [LearningAccount.objects.get(learner=learner) for learner in residents]
    assert [a.head_seq for a in made] == [RECORDS_EACH, RECORDS_EACH]
    return made


def verify_json(*args: str) -> tuple[int, dict]:
    code, text = verify(*args, "--json")
    return code, json.loads(text)


def breaks(report: dict) -> list[tuple]:
    return [(b["account"], b["seq"], b["entry_id"]) for b in report["breaks"]]


def entry(account: LearningAccount, seq: int) -> LedgerEntry:
    return LedgerEntry.objects.get(account=account, seq=seq)


def test_a_clean_ledger_passes_with_its_counts(accounts):
    # when the two accounts are verified
    code, text = verify("--account", *[number(a) for a in accounts])

    # then it exits 0 and says how many accounts and entries it walked
    assert code == 0
    assert "账本校验通过" in text
    assert "账户数：2\n" in text
    assert f"记录数：{2 * RECORDS_EACH}\n" in text
    assert "断裂" not in text


def test_the_whole_ledger_passes_and_json_gives_counts_and_digest(accounts):
    # when the whole ledger (every account in the database, the two new ones among them) is verified
    code, report = verify_json()

    # then every account and entry was walked, nothing is broken, and the digest is a SHA-256
    assert code == 0
    assert report["ok"] is True
    assert report["breaks"] == []
    assert report["accounts"] == LearningAccount.objects.count()
    assert report["entries"] == LedgerEntry.objects.count()
    assert len(report["digest"]) == 64 and int(report["digest"], 16) >= 0
    # and the digest only changes when a head does
    assert verify_json()[1]["digest"] == report["digest"]


def test_account_numbers_are_checked(accounts):
    # a usage error exits 2, not 1 (1 means the ledger is broken)
    with pytest.raises(CommandError, match="不是学习账户号") as bad:
        call_command("ledger", "verify", "--account", "XY12", verbosity=0)
    missing = LearningAccount.objects.order_by("-pk").first().pk + 1000
    with pytest.raises(CommandError, match=f"未找到学习账户：LA{missing:010d}") as unknown:
        call_command("ledger", "verify", "--account", f"LA{missing:010d}", verbosity=0)
    assert (bad.value.returncode, unknown.value.returncode) == (2, 2)
    # a number without its LA prefix is accepted
    code, report = verify_json("--account", str(accounts[0].pk))
    assert (code, report["accounts"], report["entries"]) == (0, 1, RECORDS_EACH)


def test_an_altered_amount_is_found_with_its_account_and_seq(accounts):
    # given the second entry of the first account altered behind the ledger's back
    victim, other = accounts
    drop_append_only_triggers()
    altered = entry(victim, 2)
    with connection.cursor() as cur:
        cur.execute("UPDATE creditbank_ledgerentry SET amount = amount + 1 WHERE id = %s", [altered.pk])

    # when the ledger is verified
    code, report = verify_json("--account", number(victim), number(other))

    # then it exits 1, and names the entry (its hash no longer matches) and the account's balance
    assert code == 1
    assert report["ok"] is False
    assert breaks(report) == [(number(victim), 2, altered.pk), (number(victim), None, None)]
    assert "哈希不一致" in report["breaks"][0]["problem"]
    assert "余额" in report["breaks"][1]["problem"]
    # and the text report says where, too
    code, text = verify("--account", number(victim))
    assert code == 1
    assert f"账户 {number(victim)} 第 2 笔（记录 id {altered.pk}）" in text
    assert "发现 2 处断裂" in text


def test_a_deleted_entry_is_found_at_the_next_seq(accounts):
    # given the second of three entries deleted
    victim = accounts[0]
    drop_append_only_triggers()
    third = entry(victim, 3)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM creditbank_ledgerentry WHERE account_id = %s AND seq = 2", [victim.pk])

    code, report = verify_json()

    # then the gap and the broken link are reported at seq 3, and the balance no longer adds up
    assert code == 1
    assert breaks(report) == [(number(victim), 3, third.pk), (number(victim), 3, third.pk), (number(victim), None, None)]
    assert "序号不连续" in report["breaks"][0]["problem"]
    assert "前一笔的哈希不一致" in report["breaks"][1]["problem"]


def test_a_deleted_last_entry_is_found_by_the_head(accounts):
    victim = accounts[1]
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM creditbank_ledgerentry WHERE account_id = %s AND seq = %s", [victim.pk, RECORDS_EACH])

    code, report = verify_json("--account", number(victim))

    assert code == 1
    assert breaks(report) == [(number(victim), None, None), (number(victim), None, None)]
    assert "链尾" in report["breaks"][0]["problem"]
    assert "余额" in report["breaks"][1]["problem"]


def test_forged_entries_are_found(accounts):
    # given, on the first account, a forged entry appended with a correctly computed hash (the triggers allow
    # INSERT), and on the second one whose hash was made up
    first, second = accounts
    now = timezone.now()
    forged = []
    for account, good_hash in ((first, True), (second, False)):
        head = LearningAccount.objects.get(pk=account.pk)
        seq = head.head_seq + 1
        fields = {"account_id": account.pk, "seq": seq, "credit_class": "academic", "amount": Decimal("30.00"),
                  "reason": EntryReason.RECOGNITION, "outcome_id": None, "conversion_id": None, "reverses_id": None,
                  "actor_id": None, "memo": "", "created_at": now}
        digest = ledger.entry_hash(prev_hash=head.head_hash, **fields) if good_hash else "f" * 64
        forged.append(LedgerEntry.objects.create(prev_hash=head.head_hash, hash=digest, **fields))

    code, report = verify_json("--account", number(first), number(second))

    # then: the first account's head no longer matches its chain's end, and its balance does not add up; the
    # second's forged entry is named by its seq, besides its account's head and balance
    assert code == 1
    assert breaks(report) == [
        (number(first), None, None), (number(first), None, None),
        (number(second), RECORDS_EACH + 1, forged[1].pk), (number(second), None, None), (number(second), None, None),
    ]
    assert f"第 {RECORDS_EACH + 1} 笔" in report["breaks"][0]["problem"]
    assert "哈希不一致" in report["breaks"][2]["problem"]
