"""Enrollment under concurrency, on PostgreSQL: many learners press "报名" at the same moment, each request on its
own database connection, and the course is neither overbooked nor its waiting list scrambled; seats freed at
the same moment go to the waiting list in order.

These tests commit for real (transactional), so the database is flushed after each. They make their own world
(a place, an institution, its staff, learners) rather than use the demo city, and the demo city is put back
when the module is done, for any test that runs after them."""

import datetime
import threading
from itertools import count

import pytest
from django.db import connection, connections

from learncity.catalog.models import Course, CourseState, Enrollment, EnrollmentStatus
from learncity.catalog.services import enrollment_cancel, enrollment_create
from learncity.core.errors import DomainError
from learncity.core.scopes import Role
from learncity.network.models import Institution, InstitutionKind
from learncity.people.models import LearnerProfile, RoleAssignment, User
from learncity.places.models import Place, PlaceLevel
from tests.catalog.factories import course_make

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite lets one writer in at a time, so there is no race to test "
                              "(the PostgreSQL pass of `make test` runs these)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LEARNERS, SEATS = 12, 5
_ids = count(1)


@pytest.fixture(scope="module", autouse=True)
def _demo_city_put_back(django_db_setup, django_db_blocker):
    """Transactional tests end with the database flushed: put back what the migrations wrote and the demo city
    the session built, so the tests that come after find them."""
    yield
    from learncity.demo.builder import demo_build
    from tests.conftest import DEMO_RESIDENTS

    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        demo_build(residents=DEMO_RESIDENTS)


def _place(code: str, name: str, level: int, parent: Place | None) -> Place:
    path = (parent.path if parent else "/") + code + "/"
    return Place.objects.create(code=code, name=name, level=level, parent=parent, path=path)


@pytest.fixture
def world():
    """A street of a made-up city with one institution, its staff, and LEARNERS residents who can sign in."""
    province = _place("990000", "测试省", PlaceLevel.PROVINCE, None)
    city = _place("990100", "测试市", PlaceLevel.CITY, province)
    district = _place("990102", "测试区", PlaceLevel.DISTRICT, city)
    street = _place("990102001", "测试街道", PlaceLevel.STREET, district)
    school = Institution.objects.create(code="RACE-SCHOOL", name="测试街道社区学校", kind=InstitutionKind.COMMUNITY_SCHOOL,
                                        place=street)
    staff = User.objects.create_user(username="race-staff", password=None)
    RoleAssignment.objects.create(user=staff, role=Role.INSTITUTION_STAFF, institution=school)
    learners = []
    for i in range(LEARNERS):
        user = User.objects.create_user(username=f"race-learner-{i:02d}", password=None)
        RoleAssignment.objects.create(user=user, role=Role.LEARNER)
        LearnerProfile.objects.create(user=user, name=f"学员{i:02d}", id_number_encrypted="-",
                                      id_number_hash=f"race-{next(_ids)}-{i}", id_number_masked="990102********0000",
                                      birth_date=datetime.date(1980, 1, 1), sex="F", residence=street)
        learners.append(user)
    return {"school": school, "staff": staff, "learners": learners}


def run_together(calls: list) -> list:
    """Run each call on its own thread and database connection, all released at once; their results in order
    (a DomainError is a result; anything else fails the test)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except DomainError as exc:
            results[i] = exc
        except BaseException as exc:  # reported below, in the test's thread
            results[i] = ("crashed", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    crashed = [r for r in results if isinstance(r, tuple)]
    assert crashed == []
    return results


def rows(course: Course) -> list[tuple]:
    return list(Enrollment.objects.filter(course=course).order_by("pk").values_list(
        "learner__user__username", "status", "waitlist_position"))


def test_simultaneous_enrollments_neither_overbook_nor_scramble_the_waiting_list(world):
    # given a published course with 5 seats, and 12 learners, the first of whom presses twice
    course = course_make(world["staff"], world["school"], capacity=SEATS, state=CourseState.PUBLISHED)
    learners = world["learners"]
    callers = [learners[0], *learners]

    # when they all enroll at the same moment
    results = run_together([lambda u=u: enrollment_create(actor=u, course=course) for u in callers])

    # then the double press made one enrollment and was told so; everyone else has exactly one
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert [(r.code, r.errors) for r in refusals] == [("already_enrolled", {"course": [f"您已报名「{course.title}」"]})]
    got = rows(course)
    assert sorted(u for u, _, _ in got) == sorted(u.username for u in learners)
    # 5 enrolled, 7 waiting at positions 1..7, given in the order they got in (the order of their rows)
    assert sum(s == EnrollmentStatus.ENROLLED for _, s, _ in got) == SEATS
    assert [p for _, s, p in got if s == EnrollmentStatus.WAITLISTED] == list(range(1, LEARNERS - SEATS + 1))
    assert all(p is None for _, s, p in got if s == EnrollmentStatus.ENROLLED)
    # the seats were given before the waiting list started
    assert [s for _, s, _ in got] == [EnrollmentStatus.ENROLLED] * SEATS + [EnrollmentStatus.WAITLISTED] * 7
    assert Course.objects.get(pk=course.pk).enrolled_count == SEATS


def test_seats_freed_at_the_same_moment_go_to_the_waiting_list_in_order(world):
    # given 5 enrolled and 7 waiting, enrolled one after another
    course = course_make(world["staff"], world["school"], capacity=SEATS, state=CourseState.PUBLISHED)
    made = [enrollment_create(actor=u, course=course) for u in world["learners"]]
    enrolled, waiting = made[:SEATS], made[SEATS:]
    assert [e.waitlist_position for e in waiting] == [1, 2, 3, 4, 5, 6, 7]

    # when three enrolled learners and the second on the waiting list cancel at the same moment
    quitting = [*enrolled[:3], waiting[1]]
    results = run_together([lambda e=e: enrollment_cancel(actor=e.learner.user, enrollment=e) for e in quitting])

    # then every cancel went through, and the three seats went to the first three still waiting: 1, 3 and 4
    assert [r.status for r in results] == [EnrollmentStatus.CANCELLED] * 4
    status = dict(Enrollment.objects.filter(course=course).values_list("pk", "status"))
    expected_enrolled = {e.pk for e in [*enrolled[3:], waiting[0], waiting[2], waiting[3]]}
    assert {pk for pk, s in status.items() if s == EnrollmentStatus.ENROLLED} == expected_enrolled
    assert list(Enrollment.objects.filter(course=course, status=EnrollmentStatus.WAITLISTED).order_by(
        "waitlist_position").values_list("pk", "waitlist_position")) == [(e.pk, i) for e, i in zip(
            waiting[4:], (5, 6, 7), strict=True)]
    # and the course is not overbooked
    assert Course.objects.get(pk=course.pk).enrolled_count == len(expected_enrolled) == SEATS


def test_simultaneous_event_sign_ups_fill_the_places_and_no_more(world):
    # given an event with 5 places and 12 residents, the first of whom presses twice
    from learncity.catalog.models import Event, EventRegistration
    from learncity.catalog.services import event_register
    from tests.catalog.factories import event_make

    event = event_make(world["school"], capacity=SEATS, title="抢位讲座")
    learners = world["learners"]

    # when they all sign up at the same moment
    results = run_together([lambda u=u: event_register(actor=u, event=event) for u in [learners[0], *learners]])

    # then 5 have a place, the rest were told it is full (or, for the double press, that they had signed up)
    codes = sorted(r.code for r in results if isinstance(r, DomainError))
    signed = EventRegistration.objects.filter(event=event).exclude(status="cancelled")
    assert signed.count() == SEATS == Event.objects.get(pk=event.pk).registered_count
    assert len(set(signed.values_list("learner_id", flat=True))) == SEATS
    assert len(codes) == LEARNERS + 1 - SEATS and set(codes) <= {"event_full", "already_registered"}
