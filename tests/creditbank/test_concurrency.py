"""Recognitions and conversion approvals racing on the same account, on PostgreSQL, each on its own connection:
the account's row lock orders them, so no cap is broken, no outcome is used twice for one target, and the chain
stays whole (seq 1..n, every link right, the head and the balances equal to the entries).

Transactional tests: the database is flushed after each, and the demo city is put back when the module is done."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from learncity.catalog.models import RecordKind, RecordSource
from learncity.catalog.services import learning_record_create
from learncity.core.errors import DomainError
from learncity.core.scopes import Role
from learncity.creditbank import ledger, services
from learncity.creditbank.models import (
    Accreditation,
    Conversion,
    ConversionRule,
    ConversionStatus,
    CreditClass,
    FrameworkLevel,
    LearningAccount,
    LedgerEntry,
    Outcome,
    RuleStatus,
    Standard,
    StandardVersion,
)
from learncity.network.models import Institution, InstitutionKind
from learncity.people.models import LearnerProfile, RoleAssignment, User
from learncity.places.models import Place, PlaceLevel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite lets one writer in at a time, so there is no race to test "
                              "(the PostgreSQL pass of `make test` runs these)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RACERS = 8


@pytest.fixture(scope="module", autouse=True)
def _demo_city_put_back(django_db_setup, django_db_blocker):
    yield
    from learncity.demo.builder import demo_build
    from tests.conftest import DEMO_RESIDENTS

    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        demo_build(residents=DEMO_RESIDENTS)


def _place(code, name, level, parent):
    return Place.objects.create(code=code, name=name, level=level, parent=parent,
                                path=(parent.path if parent else "/") + code + "/")


@pytest.fixture
def world():
    province = _place("990000", "测试省", PlaceLevel.PROVINCE, None)
    city = _place("990100", "测试市", PlaceLevel.CITY, province)
    street = _place("990102001", "测试街道", PlaceLevel.STREET, _place("990102", "测试区", PlaceLevel.DISTRICT, city))
    school = Institution.objects.create(code="RACE-SCHOOL", name="测试街道社区学校", kind=InstitutionKind.COMMUNITY_SCHOOL,
                                        place=street)
    staff = User.objects.create_user(username="race-staff", password=None)
    RoleAssignment.objects.create(user=staff, role=Role.INSTITUTION_STAFF, institution=school)
    user = User.objects.create_user(username="race-learner", password=None)
    RoleAssignment.objects.create(user=user, role=Role.LEARNER)
    learner = LearnerProfile.objects.create(user=user, name="学员", id_number_encrypted="-", id_number_hash="race-1",
                                            id_number_masked="990102********0000", birth_date=datetime.date(1980, 1, 1),
                                            sex="F", residence=street)
    standard = Standard.objects.create(code="RACE-STD", city=city)
    StandardVersion.objects.create(standard=standard, version=1, name="测试课程", credit_class=CreditClass.TRAINING,
                                   level=FrameworkLevel.objects.get(level=1), credits=Decimal("4"),
                                   hours_per_credit=Decimal("10"), record_kinds=",completion,",
                                   effective_from=datetime.date(2020, 1, 1))
    Accreditation.objects.create(standard=standard, institution=school)
    return {"school": school, "staff": staff, "user": user, "learner": learner, "standard": standard}


def run_together(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except DomainError as exc:
            results[i] = exc
        except BaseException as exc:
            results[i] = ("crashed", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert [r for r in results if isinstance(r, tuple)] == []
    return results


def _record(world, n, hours="20"):
    return learning_record_create(
        actor=world["staff"], learner=world["learner"], provider=world["school"], kind=RecordKind.COMPLETION,
        title=f"课程 {n}", hours=Decimal(hours), date=timezone.localdate() - datetime.timedelta(days=1),
        source=RecordSource.API, external_id=f"race-{n}")


def _whole(account: LearningAccount):
    account.refresh_from_db()
    seqs = list(LedgerEntry.objects.filter(account=account).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert account.head_seq == len(seqs)
    report = ledger.ledger_verify(account_ids=[account.pk])
    assert report.ok, [str(b) for b in report.breaks]


def test_racing_recognitions_on_one_account_keep_the_chain_whole(world):
    # when eight providers' records for the same learner arrive at the same moment
    results = run_together([lambda n=n: _record(world, n) for n in range(RACERS)])
    # then each is recognised once, and the chain has eight links in order
    assert all(not isinstance(r, DomainError) for r in results)
    account = LearningAccount.objects.get(learner=world["learner"])
    assert Outcome.objects.filter(account=account).count() == RACERS
    assert LearningAccount.objects.get(pk=account.pk).balance_training == Decimal("2.00") * RACERS
    _whole(account)


def test_the_same_record_sent_twice_at_once_is_recognised_once(world):
    results = run_together([lambda: _record(world, 0)] * 4)
    assert len({r.pk for r in results}) == 1
    account = LearningAccount.objects.get(learner=world["learner"])
    assert LedgerEntry.objects.filter(account=account).count() == 1
    _whole(account)


def _rule(world, cap):
    rule = ConversionRule.objects.create(
        code="RACE-RULE", name="测试转换", target_institution=world["school"], target_kind="programme",
        target_name="测试专业", target_class=CreditClass.ACADEMIC, ratio=Decimal("1"), cap_per_learner=Decimal(cap),
        effective_from=datetime.date(2020, 1, 1), status=RuleStatus.ACTIVE)
    rule.sources.set([world["standard"]])
    return rule


def test_racing_approvals_never_break_the_cap(world):
    # given four outcomes of 2 credits and a rule capped at 5 credits, four applications of one outcome each
    outcomes = [Outcome.objects.get(learning_record=_record(world, n)) for n in range(4)]
    rule = _rule(world, "5")
    applications = [services.conversion_apply(actor=world["user"], rule=rule, outcome_ids=[o.pk]) for o in outcomes]
    # when the institution approves all four at the same moment
    results = run_together([lambda c=c: services.conversion_decide(actor=world["staff"], conversion=c, approve=True,
                                                                   reason="同意") for c in applications])
    # then two fit under the cap and two are refused by it
    approved = [r for r in results if not isinstance(r, DomainError)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(approved) == 2 and len(refused) == 2
    assert all("上限" in r.errors["outcomes"][0] for r in refused)
    account = LearningAccount.objects.get(learner=world["learner"])
    assert LearningAccount.objects.get(pk=account.pk).balance_academic == Decimal("4.00")
    assert Conversion.objects.filter(status=ConversionStatus.APPROVED).count() == 2
    _whole(account)


def test_racing_approvals_never_use_one_outcome_twice_for_one_target(world):
    outcome = Outcome.objects.get(learning_record=_record(world, 0))
    rule = _rule(world, "100")
    applications = [services.conversion_apply(actor=world["user"], rule=rule, outcome_ids=[outcome.pk])
                    for _ in range(3)]
    results = run_together([lambda c=c: services.conversion_decide(actor=world["staff"], conversion=c, approve=True,
                                                                   reason="同意") for c in applications])
    assert sum(1 for r in results if not isinstance(r, DomainError)) == 1
    assert all("只能使用一次" in r.errors["outcomes"][0] for r in results if isinstance(r, DomainError))
    account = LearningAccount.objects.get(learner=world["learner"])
    assert LearningAccount.objects.get(pk=account.pk).balance_academic == Decimal("2.00")
    _whole(account)
