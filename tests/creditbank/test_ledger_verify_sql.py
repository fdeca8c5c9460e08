"""`ledger_verify` on PostgreSQL does the per-entry work in SQL; these hold it to the Python walk (which SQLite
uses, and `in_python=True` asks for on PostgreSQL): for a clean ledger and for every kind of tampering both
report exactly the same breaks, in the same order, with the same counts and the same digest, both for the one
account and for the whole ledger read in small pages. On SQLite both calls take the Python walk, so there the
tests hold it to the expected breaks alone.

The ledgers are the tests' own 达州 world's (tests/portal/world.py, with its course standard): its residents'
accounts. Tampering drops the append-only triggers inside the test's rolled-back transaction. The last test is
transactional (PostgreSQL only): verify in its own snapshot, shared by two connections; so each test builds its
world itself (a world kept for the whole module would hold a transaction open across that test's flush)."""

import hashlib
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F

from learncity.creditbank import ledger
from learncity.creditbank.models import GENESIS, CreditClass, LearningAccount, LedgerEntry, balance_field
from tests.creditbank.factories import completion, drop_append_only_triggers, world_resident
from tests.portal.world import world_build
from tests.security.credit_world import course_standard_make

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="needs PostgreSQL: SQLite has only the Python walk")
SMALL_PAGE = 40  # accounts a page when the whole ledger is verified: the test database's accounts in several pages
TINY_PAGE = 2  # accounts a page where a test's own few accounts must fall on pages of their own
SNAPSHOT_PAGE = 5  # accounts a page for the two connections: many pages for both, not so many the test drags
ONE_PAGE = 1_000_000  # every account of the test database on one page


def both(account_ids=None, progress=None) -> ledger.VerifyReport:
    """Verify by SQL and by the Python walk; they must agree on everything. The SQL path's report."""
    by_sql = ledger.ledger_verify(account_ids=account_ids, progress=progress)
    by_python = ledger.ledger_verify(account_ids=account_ids, in_python=True)
    assert (by_sql.accounts, by_sql.entries, by_sql.digest) == (by_python.accounts, by_python.entries,
                                                                by_python.digest)
    assert by_sql.breaks == by_python.breaks
    return by_sql


def found(report) -> list[tuple]:
    return [(b.account_id, b.seq, b.entry_id, b.problem) for b in report.breaks]


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(ledger.walk, "_PAGE", SMALL_PAGE)


def world_make():
    """The tests' own 达州 world with its course standard, which recognises its school's course completions."""
    built = world_build()
    course_standard_make(built)
    return built


@pytest.fixture
def world(db):
    return world_make()


def accounts_make(world, first: int, count: int) -> list[LearningAccount]:
    """Accounts of the world's residents `first`, `first` + 1, …, each with one recognised entry, in id order."""
    learners = [world_resident(world, n) for n in range(first, first + count)]
    for learner in learners:
        completion(world.staff, learner, hours="16")
    return list(LearningAccount.objects.filter(learner__in=learners, head_seq=1).order_by("pk"))


@pytest.fixture
def chain(world):
    """A resident's new account with three recognised entries (1, 2 and 3 credits), and the entries by seq."""
    learner = world_resident(world, 0)
    for hours in ("16", "32", "48"):
        completion(world.staff, learner, hours=hours)
    account = LearningAccount.objects.get(learner=learner)
    entries = {e.seq: e for e in LedgerEntry.objects.filter(account=account)}
    assert sorted(entries) == [1, 2, 3]
    return account, entries


def _tamper(sql: str, params=()) -> None:
    """What someone with write access to the database could do (only inside the test's rolled-back transaction)."""
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _forge(account_id: int, seq: int, prev_hash: str, amount: str, *, hash_right: bool = True,
           credit_class: str = CreditClass.CULTURE) -> LedgerEntry:
    """An entry written straight into the table (INSERT is not refused), its hash computed as the ledger would or
    made up."""
    fields = {"account_id": account_id, "seq": seq, "credit_class": credit_class, "amount": Decimal(amount),
              "reason": "recognition", "outcome_id": None, "conversion_id": None, "reverses_id": None,
              "actor_id": None, "memo": "伪造", "created_at": LedgerEntry.objects.order_by("-pk").first().created_at}
    digest = ledger.entry_hash(prev_hash=prev_hash, **fields) if hash_right else "f" * 64
    return LedgerEntry.objects.create(prev_hash=prev_hash, hash=digest, **fields)


UNLINKED = "前一笔的哈希不一致（链被删除、插入或改动）"
ALTERED = "记录内容与其哈希不一致（记录被改动）"
NO_ACCOUNT = "账本中有记录，但账户不存在"
BALANCE = "缓存的余额与账本记录之和不一致"


def gap(expect_seq):
    return f"序号不连续：应为第 {expect_seq} 笔（记录被删除或插入）"


def head_moved(head_seq, last_seq):
    return f"账户记载的链尾为第 {head_seq} 笔，而账本的链尾为第 {last_seq} 笔，或其哈希不一致（末尾记录被删除或被改动）"


def no_entries(head_seq):
    return f"账户记载有 {head_seq} 笔记录，但账本中一笔也没有（记录被删除）"


# Each kind of tampering: done to the chain's account (a, its entries e), and the breaks it must cause there.

def altered_amount(a, e):
    _tamper("UPDATE creditbank_ledgerentry SET amount = 9 WHERE id = %s", [e[2].pk])
    return [(a.pk, 2, e[2].pk, ALTERED), (a.pk, None, None, BALANCE)]


def altered_memo(a, e):
    _tamper("UPDATE creditbank_ledgerentry SET memo = 'x' WHERE id = %s", [e[2].pk])
    return [(a.pk, 2, e[2].pk, ALTERED)]


def rewritten_with_its_hash_recomputed(a, e):
    first = e[1]
    forged = ledger.entry_hash(prev_hash=first.prev_hash, account_id=a.pk, seq=1, credit_class=first.credit_class,
                               amount=Decimal("40"), reason=first.reason, outcome_id=first.outcome_id,
                               conversion_id=None, reverses_id=None, actor_id=first.actor_id, memo=first.memo,
                               created_at=first.created_at, chain=first.chain, outcome_hash=first.outcome_hash)
    _tamper("UPDATE creditbank_ledgerentry SET amount = 40, hash = %s WHERE id = %s", [forged, first.pk])
    return [(a.pk, 2, e[2].pk, UNLINKED), (a.pk, None, None, BALANCE)]


def deleted_middle_entry(a, e):
    _tamper("DELETE FROM creditbank_ledgerentry WHERE id = %s", [e[2].pk])
    return [(a.pk, 3, e[3].pk, gap(2)), (a.pk, 3, e[3].pk, UNLINKED), (a.pk, None, None, BALANCE)]


def deleted_last_entry(a, e):
    _tamper("DELETE FROM creditbank_ledgerentry WHERE id = %s", [e[3].pk])
    return [(a.pk, None, None, head_moved(3, 2)), (a.pk, None, None, BALANCE)]


def every_entry_deleted(a, e):  # the account keeps its head and balances but has no entries
    _tamper("DELETE FROM creditbank_ledgerentry WHERE account_id = %s", [a.pk])
    return [(a.pk, None, None, no_entries(3)), (a.pk, None, None, BALANCE)]


def inserted_with_a_made_up_hash_and_the_head_moved(a, e):
    forged = _forge(a.pk, 4, e[3].hash, "50", hash_right=False)
    _tamper("UPDATE creditbank_learningaccount SET head_seq = 4, head_hash = %s WHERE id = %s", [forged.hash, a.pk])
    return [(a.pk, 4, forged.pk, ALTERED), (a.pk, None, None, BALANCE)]


def inserted_after_a_gap_with_a_right_hash(a, e):
    forged = _forge(a.pk, 10, e[3].hash, "2")
    return [(a.pk, 10, forged.pk, gap(4)), (a.pk, None, None, head_moved(3, 10)), (a.pk, None, None, BALANCE)]


def head_moved_back(a, e):
    _tamper("UPDATE creditbank_learningaccount SET head_seq = 2, head_hash = %s WHERE id = %s", [e[2].hash, a.pk])
    return [(a.pk, None, None, head_moved(2, 3))]


def head_hash_changed(a, e):
    _tamper("UPDATE creditbank_learningaccount SET head_hash = %s WHERE id = %s", ["e" * 64, a.pk])
    return [(a.pk, None, None, head_moved(3, 3))]


def cached_balance_changed(a, e):
    field = balance_field(e[1].credit_class)
    LearningAccount.objects.filter(pk=a.pk).update(**{field: F(field) + Decimal("0.01")})
    return [(a.pk, None, None, BALANCE)]


def balance_cached_in_another_class(a, e):
    moved = balance_field(e[1].credit_class)
    other = balance_field(next(c for c in CreditClass.values if balance_field(c) != moved))
    total = getattr(a, moved)
    LearningAccount.objects.filter(pk=a.pk).update(**{moved: Decimal("0"), other: total})
    return [(a.pk, None, None, BALANCE)]


def entry_moved_to_a_class_that_does_not_exist(a, e):
    # the cached balance lowered to match, so only the unknown class's own sum shows it
    _tamper("UPDATE creditbank_ledgerentry SET credit_class = 'bogus' WHERE id = %s", [e[2].pk])
    field = balance_field(e[2].credit_class)
    LearningAccount.objects.filter(pk=a.pk).update(**{field: F(field) - e[2].amount})
    return [(a.pk, 2, e[2].pk, ALTERED), (a.pk, None, None, BALANCE)]


def entries_of_an_account_that_does_not_exist(a, e):
    missing = a.pk + 1_000_000
    first = _forge(missing, 1, GENESIS, "1")
    _forge(missing, 2, first.hash, "1")
    return [(missing, None, None, NO_ACCOUNT), (missing, None, None, BALANCE)]


TAMPERINGS = [altered_amount, altered_memo, rewritten_with_its_hash_recomputed, deleted_middle_entry,
              deleted_last_entry, every_entry_deleted, inserted_with_a_made_up_hash_and_the_head_moved,
              inserted_after_a_gap_with_a_right_hash, head_moved_back, head_hash_changed, cached_balance_changed,
              balance_cached_in_another_class, entry_moved_to_a_class_that_does_not_exist,
              entries_of_an_account_that_does_not_exist]


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__)
def test_every_kind_of_tampering_is_reported_the_same_by_sql_and_by_the_python_walk(chain, small_pages, tamper):
    account, entries = chain
    # given a ledger that verifies
    assert both().ok
    # when it is tampered with behind the application's back
    expected = tamper(account, entries)
    where = expected[0][0]
    # then both paths report exactly these breaks for the account concerned …
    assert found(both(account_ids=[where])) == expected
    # … and for the whole ledger, read in pages, nothing else
    whole = both()
    assert found(whole) == expected
    assert whole.entries == LedgerEntry.objects.count()


def test_breaks_in_several_accounts_and_pages_come_in_account_order(chain, world, monkeypatch):
    # given tampering in the chain's account and in two more of the world's accounts, each on a page of its own
    # (pages of two accounts: the chain's account, then four more, the second and the fourth of them tampered with)
    monkeypatch.setattr(ledger.walk, "_PAGE", TINY_PAGE)
    account, entries = chain
    others = accounts_make(world, 1, 4)
    assert len(others) == 4 and account.pk < others[0].pk
    first, last = others[1], others[3]
    expected = [(first.pk, None, None, head_moved(first.head_seq + 1, first.head_seq))]
    LearningAccount.objects.filter(pk=first.pk).update(head_seq=F("head_seq") + 1)
    expected += deleted_middle_entry(account, entries)
    field = balance_field(CreditClass.ACADEMIC)
    LearningAccount.objects.filter(pk=last.pk).update(**{field: F(field) + 1})
    expected += [(last.pk, None, None, BALANCE)]
    stray = _forge(0, 1, GENESIS, "1", hash_right=False)  # an entry below every account id
    expected += [(0, 1, stray.pk, ALTERED), (0, None, None, NO_ACCOUNT), (0, None, None, BALANCE)]
    # when the whole ledger is verified, then the breaks come by account, each account's in its own order
    assert found(both()) == sorted(expected, key=lambda b: b[0])
    # and so they do when every account is on one page
    monkeypatch.setattr(ledger.walk, "_PAGE", ONE_PAGE)
    assert found(both()) == sorted(expected, key=lambda b: b[0])


def test_a_clean_ledger_has_no_breaks_and_the_digest_over_every_accounts_head(chain, small_pages):
    seen = []
    report = both(progress=seen.append)
    assert (report.ok, report.entries) == (True, LedgerEntry.objects.count())
    assert report.accounts == LearningAccount.objects.count()
    heads = LearningAccount.objects.filter(head_seq__gt=0).order_by("pk").values_list("pk", "head_seq", "head_hash")
    assert report.digest == hashlib.sha256("".join(f"{pk}:{seq}:{h}\n" for pk, seq, h in heads).encode()).hexdigest()
    if connection.vendor == "postgresql":  # after every page (the Python walk: every 100,000 entries)
        assert len(seen) == LearningAccount.objects.count() // SMALL_PAGE + 1
        assert seen == sorted(seen) and seen[-1] == report.entries


def test_accounts_named_that_do_not_exist_and_an_empty_list(db):
    for account_ids in ([10**9], []):
        report = both(account_ids=account_ids)
        assert (report.ok, report.accounts, report.entries) == (True, 0, 0)
        assert report.digest == hashlib.sha256().hexdigest()


@pytest.mark.parametrize("memo", [
    "制表\t符", "反斜杠 \\ 与 \\N 和 \\t", "换\n行\r回车", "中文备注：学分转换（第二次）", "单元\x1f分隔", "'引号\" %s %(x)s",
])
def test_memos_with_tabs_backslashes_newlines_and_chinese_verify_clean(chain, memo):
    account, _ = chain
    ledger.entries_append(account=ledger.lock_account(account.pk), movements=[
        ledger.Movement(credit_class=CreditClass.TRAINING, amount=Decimal("1.25"), reason="recognition", memo=memo),
        ledger.Movement(credit_class=CreditClass.TRAINING, amount=Decimal("-0.50"), reason="expiry", memo=memo)])
    report = both(account_ids=[account.pk])
    assert (report.ok, report.entries) == (True, 5), found(report)


@POSTGRES_ONLY
def test_the_sql_recomputes_the_same_hash_as_entry_hash(chain):
    account, entries = chain
    e = entries[2]
    sql = ledger.entry_hash_sql(*(["%s"] * 11), ledger.PG_TIME_TEXT.format("%s::timestamptz"))
    with connection.cursor() as cur:
        cur.execute(f"SELECT {sql}", [e.prev_hash, str(account.pk), "2", e.credit_class, "1.50", e.reason, "7", "",
                                      "", "", "备注\t\\ 中文", e.created_at])
        (digest,) = cur.fetchone()
    assert digest == ledger.entry_hash(prev_hash=e.prev_hash, account_id=account.pk, seq=2,
                                       credit_class=e.credit_class, amount=Decimal("1.5"), reason=e.reason,
                                       outcome_id=7, conversion_id=None, reverses_id=None, actor_id=None,
                                       memo="备注\t\\ 中文", created_at=e.created_at, chain=1)


# --- the last test: transactional, so verify has a snapshot of its own to share (PostgreSQL) ----------------------

@pytest.fixture(scope="module")
def _demo_city_put_back(django_db_setup, django_db_blocker):
    """The transactional test flushes the database when it ends: the demo city (which the other modules' tests
    still read) is put back when the module is done (after that flush; hence this test comes last)."""
    yield
    from learncity.demo.builder import demo_build
    from tests.conftest import DEMO_RESIDENTS

    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        demo_build(residents=DEMO_RESIDENTS)


@POSTGRES_ONLY
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_connections_in_one_exported_snapshot_report_what_the_python_walk_does(_demo_city_put_back,
                                                                                    monkeypatch):
    # given the world's eight accounts with entries (committed, so the second connection sees them), the ledger
    # read in pages of five accounts
    monkeypatch.setattr(ledger.walk, "_PAGE", SNAPSHOT_PAGE)
    with_entries = accounts_make(world_make(), 0, 8)
    assert len(with_entries) == 8
    moved, cached = with_entries[3], with_entries[-2]
    # and tampering that needs no trigger dropped: a head moved, a cached balance, an entry without an account
    LearningAccount.objects.filter(pk=moved.pk).update(head_seq=F("head_seq") + 1)
    field = balance_field(CreditClass.CULTURE)
    LearningAccount.objects.filter(pk=cached.pk).update(**{field: F(field) + 1})
    missing = LearningAccount.objects.order_by("pk").last().pk + 1
    _forge(missing, 1, GENESIS, "1")
    # and the main connection slowed a little, so the second one certainly verifies pages too
    pages_by = {}
    page_sql = ledger.in_sql._page_sql

    def slowed(*args):
        pages_by.setdefault(threading.current_thread().name, []).append(args[:2])
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.05)
        return page_sql(*args)

    monkeypatch.setattr(ledger.in_sql, "_page_sql", slowed)
    # when the whole ledger is verified in verify's own snapshot
    report = both()
    # then the two connections shared the pages, and found exactly these
    by_helper = sum(len(p) for name, p in pages_by.items() if name != threading.main_thread().name)
    assert len(pages_by) == 2 and sum(map(len, pages_by.values())) == LearningAccount.objects.count() // SNAPSHOT_PAGE + 1
    assert 0 < by_helper < LearningAccount.objects.count() // SNAPSHOT_PAGE + 1
    assert found(report) == [(moved.pk, None, None, head_moved(moved.head_seq + 1, moved.head_seq)),
                             (cached.pk, None, None, BALANCE),
                             (missing, None, None, NO_ACCOUNT), (missing, None, None, BALANCE)]
    assert report.entries == LedgerEntry.objects.count()
