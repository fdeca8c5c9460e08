"""people.sql's seam, on whichever database the suite runs on (CI runs it on SQLite and PostgreSQL): the same
answers on the same data."""

from django.db import connection, transaction

from learncity.people.models import LearnerProfile
from learncity.people.sql import IMPLEMENTATIONS, people_sql
from tests.people.factories import learner_make
from tests.places.factories import TONGCHUAN, street_of


def test_the_seam_is_chosen_by_the_connection_and_both_databases_have_one():
    assert set(IMPLEMENTATIONS) == {"postgresql", "sqlite"}
    assert people_sql(connection) is IMPLEMENTATIONS[connection.vendor]


def test_locking_the_profiles_against_writes_leaves_this_transaction_reading_and_writing_them(db):
    # given two residents' profiles
    street = street_of(TONGCHUAN)
    ours = LearnerProfile.objects.filter(pk__in=[learner_make(street, name=name, account=False).pk
                                                 for name in ("测试学员甲", "测试学员乙")])
    before = list(ours.order_by("pk").values_list("pk", "name"))
    first = before[0][0]
    table = connection.ops.quote_name(LearnerProfile._meta.db_table)

    # when a transaction locks the table against others' writes, then reads and writes it itself
    with transaction.atomic():
        with connection.cursor() as cur:
            people_sql(connection).lock_against_writes(cur, table)
        seen = list(ours.order_by("pk").values_list("pk", "name"))
        LearnerProfile.objects.filter(pk=first).update(name="锁定测试")

    # then it saw every row as it was, and its own write stands
    assert seen == before
    assert LearnerProfile.objects.get(pk=first).name == "锁定测试"
