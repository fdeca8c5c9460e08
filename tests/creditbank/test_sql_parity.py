"""The credit bank's SQL seam (`learncity.creditbank.sql`): each method of the database's `LedgerSQL` answers as the
Python reference does, on the same data. CI runs this file on SQLite and on PostgreSQL, so both implementations are
held to the same reference."""

import pytest
from django.db import connection

from learncity.creditbank import ledger
from learncity.creditbank.models import CreditClass, LearningAccount, LedgerEntry, Outcome, balance_field
from learncity.creditbank.sql import OUTCOME_COLUMNS, PostgreSQL, SQLite, dialect, version_joins
from tests.creditbank.factories import completion, course_world_fixtures, world_resident

world_built, world = course_world_fixtures()


@pytest.fixture
def account(world):
    """A resident's new account with two recognised entries (1 and 2 credits)."""
    learner = world_resident(world, 1)
    for hours in ("16", "32"):
        completion(world.staff, learner, hours=hours)
    return LearningAccount.objects.get(learner=learner)


def _payload(o: Outcome) -> str:
    v = o.standard_version
    return ledger.outcome_payload(
        outcome_id=o.pk, account_id=o.account_id, standard_code=v.standard.code, version=v.version,
        version_name=v.name, level=v.level.level, method=o.method, title=o.title, provider_id=o.provider_id,
        provider_name=o.provider_name, date=o.date, hours=o.hours, score=o.score, credit_class=o.credit_class,
        credits=o.credits, basis=o.basis, learning_record_id=o.learning_record_id, declaration_id=o.declaration_id,
        recognised_at=o.recognised_at, recognised_by_id=o.recognised_by_id)


def _one(sql: str):
    """Rows of `sql`, run without parameters: SQLite's payload is a printf with % signs of its own (ids are written
    inline, as the ledger does)."""
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_the_dialect_is_chosen_by_the_database_and_says_what_it_does():
    chosen = dialect()
    assert chosen.vendor == connection.vendor
    assert isinstance(dialect("postgresql"), PostgreSQL) and isinstance(dialect("sqlite"), SQLite)
    assert (chosen.works_in_sql, chosen.lock_rows) == (
        (True, " FOR UPDATE") if connection.vendor == "postgresql" else (False, ""))


def test_version_segment_is_the_python_payloads_version_part(account):
    o = Outcome.objects.filter(account=account).select_related("standard_version__standard",
                                                                  "standard_version__level").first()
    v = o.standard_version
    (found,), = _one(f"SELECT {dialect().version_segment({})} FROM {Outcome._meta.db_table} o {version_joins()} "
                     f"WHERE o.id = {int(o.pk)}")
    assert found == f"{len(v.standard.code)}:{v.standard.code}\x1f{v.version}\x1f{len(v.name)}:{v.name}\x1f{v.level.level}"
    assert found in _payload(o)


def test_outcome_payload_is_the_python_payload_whole_and_with_the_version_part_given(account):
    outcomes = list(Outcome.objects.filter(account=account).order_by("pk")
                    .select_related("standard_version__standard", "standard_version__level"))
    table = Outcome._meta.db_table
    whole = _one(f"SELECT {dialect().outcome_payload({})} FROM {table} o {version_joins()} "
                 f"WHERE o.account_id = {account.pk} ORDER BY o.id")
    segment = dialect().version_segment({})
    given = _one(f"SELECT {dialect().outcome_payload({}, segment=segment)} FROM {table} o {version_joins()} "
                 f"WHERE o.account_id = {account.pk} ORDER BY o.id")
    assert [p for (p,) in whole] == [p for (p,) in given] == [_payload(o) for o in outcomes]
    # and over other expressions than the outcome's own columns: NULL when one of them is missing
    (missing,), = _one(f"SELECT {dialect().outcome_payload({**OUTCOME_COLUMNS, 'title': 'NULL'})} FROM {table} o "
                       f"{version_joins()} WHERE o.id = {int(outcomes[0].pk)}")
    assert missing is None


def test_outcome_now_is_each_entrys_outcome_payload_as_it_is_now(account):
    entries = list(LedgerEntry.objects.filter(account=account).order_by("seq").select_related(
        "outcome__standard_version__standard", "outcome__standard_version__level"))
    found = _one(f"SELECT {dialect().outcome_now()} FROM {LedgerEntry._meta.db_table} e "
                 f"LEFT JOIN {Outcome._meta.db_table} o ON o.id = e.outcome_id {version_joins()} "
                 f"WHERE e.account_id = {account.pk} ORDER BY e.seq")
    assert [p for (p,) in found] == [_payload(e.outcome) if e.outcome_id else "" for e in entries]
    if dialect().works_in_sql:  # the database hashes it too
        hashed = _one(f"SELECT {dialect().outcome_now(hashed=True)} FROM {LedgerEntry._meta.db_table} e "
                      f"WHERE e.account_id = {account.pk} ORDER BY e.seq")
        assert [h for (h,) in hashed] == [ledger.outcome_hash(_payload(e.outcome)) for e in entries]


def test_entry_rows_are_every_field_as_the_hash_is_computed_over(account):
    entries = list(LedgerEntry.objects.filter(account=account).order_by("seq").select_related(
        "outcome__standard_version__standard", "outcome__standard_version__level"))
    with connection.cursor() as cur:
        rows = [list(r) for batch in dialect().entry_rows(cur, f"e.account_id = {account.pk}") for r in batch]

    def text(value):
        return "" if value is None else str(value)

    assert rows == [[str(e.account_id), str(e.seq), e.credit_class, ledger.amount_text(e.amount), e.reason,
                     text(e.outcome_id), text(e.conversion_id), text(e.reverses_id), text(e.actor_id), e.memo,
                     ledger.time_text(e.created_at), e.prev_hash, e.hash, str(e.pk), str(e.chain), e.outcome_hash,
                     _payload(e.outcome) if e.outcome_id else ""] for e in entries]
    # each row's hash recomputed from its text is the stored one
    assert all(ledger.entry_hash(prev_hash=e.prev_hash, account_id=e.account_id, seq=e.seq,
                                 credit_class=e.credit_class, amount=e.amount, reason=e.reason,
                                 outcome_id=e.outcome_id, conversion_id=e.conversion_id, reverses_id=e.reverses_id,
                                 actor_id=e.actor_id, memo=e.memo, created_at=e.created_at, chain=e.chain,
                                 outcome_hash=e.outcome_hash) == e.hash for e in entries)


def test_cents_is_a_balance_with_its_two_decimals(account):
    columns = [balance_field(c) for c in CreditClass.values]
    (found,) = _one(f"SELECT {', '.join(dialect().cents(c) for c in columns)} FROM {LearningAccount._meta.db_table} "
                    f"WHERE id = {int(account.pk)}")
    account.refresh_from_db()
    assert list(found) == [ledger.amount_text(getattr(account, c)) for c in columns]


def test_select_in_reads_the_rows_of_the_ids_given(account, world):
    for n in (2, 3):  # two more accounts of the world's, one entry each
        completion(world.staff, world_resident(world, n), hours="16")
    others = list(LearningAccount.objects.filter(learner__residence=world.street).exclude(pk=account.pk)
                  .order_by("pk").values_list("pk", flat=True))
    assert len(others) == 2
    ids = [account.pk, *others, 10**9]
    with connection.cursor() as cur:
        found = dialect().select_in(cur, f"SELECT id, head_seq FROM {LearningAccount._meta.db_table} "
                                         f"WHERE {{in}} ORDER BY id", "id", ids)
    assert found == list(LearningAccount.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "head_seq"))
    with connection.cursor() as cur:
        assert dialect().select_in(cur, f"SELECT id FROM {LearningAccount._meta.db_table} WHERE {{in}}", "id",
                                   []) == []


def test_heads_move_sets_each_head_and_raises_each_balance(account):
    account.refresh_from_db()
    before = {c: getattr(account, balance_field(c)) for c in CreditClass.values}
    # (inside the test's rolled-back transaction: the chain no longer ends at this head)
    ledger.heads_move({account.pk: (account.head_seq + 5, "f" * 64)},
                      {(account.pk, CreditClass.TRAINING): ledger.check_amount("1.25")})
    account.refresh_from_db()
    assert (account.head_seq, account.head_hash) == (LedgerEntry.objects.filter(account=account).count() + 5,
                                                     "f" * 64)
    assert {c: getattr(account, balance_field(c)) for c in CreditClass.values} == {
        c: before[c] + (ledger.check_amount("1.25") if c == CreditClass.TRAINING else 0) for c in CreditClass.values}
