"""Writes of the learning platform: courses and their sessions, enrollment and the waiting list, attendance by
QR code and by staff, completions, learning records and online resources — each refused input names its
field and writes nothing, and nobody manages an institution they do not manage."""

import datetime
import time
import types
from decimal import Decimal

import pytest
from django.core import signing

from learncity.catalog.models import (
    Attendance,
    Course,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    LearningRecord,
    Mode,
    RecordKind,
    RecordSource,
)
from learncity.catalog.services import (
    QR_SALT,
    attendance_check_in_qr,
    attendance_mark,
    completion_mark,
    course_create,
    course_set_state,
    course_update,
    enrollment_cancel,
    enrollment_create,
    learning_record_create,
    resource_view_complete,
    session_add,
    session_qr_token,
)
from learncity.core.errors import NotFound, PermissionDenied
from learncity.core.models import AuditEvent
from tests.catalog.factories import (
    TERM,
    course_make,
    first_session,
    learner_make,
    profile,
    resource_make,
    today,
    venue_make,
)
from tests.checks import refuses
from tests.places.factories import TONGCHUAN
from tests.portal.world import world_fixtures

world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)

ENROLLED, WAITLISTED, CANCELLED, COMPLETED = (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED,
                                              EnrollmentStatus.CANCELLED, EnrollmentStatus.COMPLETED)


def snapshot() -> dict:
    """Everything the catalog services write: the rows of this file's courses (all in TERM), and counts."""
    return {
        "courses": list(Course.objects.filter(term=TERM).order_by("pk").values_list(
            "pk", "code", "title", "state", "enrolled_count", "capacity", "fee", "hours", "mode")),
        "sessions": list(CourseSession.objects.filter(course__term=TERM).order_by("pk").values_list(
            "pk", "course_id", "date", "start", "end", "venue_id", "room")),
        "enrollments": list(Enrollment.objects.filter(course__term=TERM).order_by("pk").values_list(
            "pk", "learner_id", "status", "waitlist_position", "completed_hours", "score")),
        "course_count": Course.objects.count(),
        "attendances": Attendance.objects.count(),
        "records": LearningRecord.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


refused = refuses(snapshot)


def statuses(course: Course) -> list[tuple]:
    return list(course.enrollments.order_by("pk").values_list("learner__user__username", "status",
                                                               "waitlist_position"))


def live_count(course: Course) -> int:
    return course.enrollments.filter(status__in=[ENROLLED, COMPLETED]).count()


def reloaded(course: Course) -> Course:
    return Course.objects.get(pk=course.pk)


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


def resident_user(**kw):
    """A new resident of 通川区 (`world.district`) with an account that registered itself."""
    return learner_make(TONGCHUAN, **kw)


@pytest.fixture
def published(world, school):
    """A published course of the staff's school with two sessions (today and tomorrow), 12 hours, 3 seats."""
    return course_make(world.staff, school, title="书法入门", capacity=3, sessions=2, state=CourseState.PUBLISHED)


# --- course_create ---------------------------------------------------------------------------------------


def test_staff_create_a_draft_course_of_their_own_institution(world, school):
    # given the staff of the world's 通川区 社区学校
    # when they create a course
    course = course_create(actor=world.staff, institution_code=school.code, code="GD-SHUFA-01", title=" 书法入门 ",
                           kind="culture", hours="12", fee="80.50", capacity="25", term=TERM, mode=Mode.BLENDED,
                           target_groups=["elderly", "women"], description="楷书基础")

    # then it is a draft of that institution, stored as given (trimmed), with nobody enrolled, audited once
    got = Course.objects.get(code="GD-SHUFA-01")
    assert got.pk == course.pk
    assert (got.institution_id, got.title, got.kind, got.hours, got.fee, got.capacity, got.term, got.mode,
            got.state, got.enrolled_count, got.description) == (
        school.pk, "书法入门", "culture", Decimal("12.0"), Decimal("80.50"), 25, TERM, "blended", "draft", 0, "楷书基础")
    assert sorted(got.target_groups.values_list("code", flat=True)) == ["elderly", "women"]
    event = AuditEvent.objects.get(action="course.create", object_id=str(got.pk))
    assert (event.actor, event.detail) == (world.staff, {"code": "GD-SHUFA-01"})


COURSE_KINDS = ("'community', 'elderly', 'vocational', 'professional', 'cadre', 'academic', 'rural', 'family', "
                "'health', 'culture', 'digital' or 'law'")
COURSE = {"code": "GD-BAD-01", "title": "书法入门", "kind": "culture", "hours": "12", "fee": "0", "capacity": 20,
          "term": TERM}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"fee": "-1"}, {"fee": ["不能小于 0，而不是 -1"]}),
        ({"fee": "abc"}, {"fee": ["「abc」不是数字"]}),
        ({"fee": "NaN"}, {"fee": ["「NaN」不是合理的数字"]}),
        ({"fee": "1.234"}, {"fee": ["「1.234」最多 2 位小数"]}),
        ({"capacity": 0}, {"capacity": ["不能小于 1，而不是 0"]}),
        ({"capacity": "-3"}, {"capacity": ["不能小于 1，而不是 -3"]}),
        ({"capacity": "二十"}, {"capacity": ["「二十」不是数字"]}),
        ({"capacity": True}, {"capacity": ["「True」不是数字"]}),
        ({"hours": "0"}, {"hours": ["必须大于 0，而不是 0"]}),
        ({"hours": "-2"}, {"hours": ["必须大于 0，而不是 -2"]}),
        ({"hours": "2001"}, {"hours": ["不能大于 2000，而不是 2001"]}),
        ({"hours": ""}, {"hours": ["必填"]}),
        ({"kind": "knitting"}, {"kind": [f"「knitting」不是可选的值（可选：{COURSE_KINDS}）"]}),
        ({"mode": "radio"}, {"mode": ["「radio」不是可选的值（可选：'offline', 'online' or 'blended'）"]}),
        ({"title": "   "}, {"title": ["必填"]}),
        ({"title": "课" * 129}, {"title": ["不能超过 128 个字符"]}),
        ({"term": ""}, {"term": ["必填"]}),
        ({"code": " "}, {"code": ["必填"]}),
        ({"target_groups": ["elderly", "martians"]}, {"target_groups": ["未知的群体：martians"]}),
        ({"fee": "-1", "capacity": 0, "hours": "0"}, {"hours": ["必须大于 0，而不是 0"],
                                                      "capacity": ["不能小于 1，而不是 0"],
                                                      "fee": ["不能小于 0，而不是 -1"]}),
    ],
)
def test_course_create_refuses_bad_input_naming_the_field(world, school, fields, errors):
    exc = refused(course_create, actor=world.staff, institution_code=school.code, **{**COURSE, **fields})

    assert exc.errors == errors


def test_a_taken_course_code_is_refused(world, school):
    course_make(world.staff, school, sessions=0)
    taken = Course.objects.filter(term=TERM).get().code

    exc = refused(course_create, actor=world.staff, institution_code=school.code, **{**COURSE, "code": taken})

    assert exc.errors == {"code": [f"课程代码「{taken}」已存在"]}


def test_an_unknown_institution_is_an_input_error(world):
    exc = refused(course_create, actor=world.city_admin, institution_code="NO-SUCH", **COURSE)

    assert exc.errors == {"institution_code": ["未知的机构代码「NO-SUCH」"]}


@pytest.mark.parametrize(
    ("username", "where"),
    [
        ("staff", "district_other"),  # staff manage only their own institution
        ("staff", "district_2"),
        ("district_admin", "district_2"),  # 通川区's admin, a 达川区 institution
        ("district_admin_2", "mine"),  # 达川区's admin, the staff's 通川区 institution
        ("learner", "mine"),
        ("reporter", "mine"),
        ("expert", "mine"),
        ("auditor", "mine"),
    ],
)
def test_nobody_creates_courses_for_an_institution_they_do_not_manage(world, school, username, where):
    institution = {"mine": school, "district_other": world.institution_other,
                   "district_2": world.institution_2}[where]

    refused(course_create, PermissionDenied, actor=world.user(username), institution_code=institution.code, **COURSE)


def test_admins_create_courses_for_any_institution_in_their_area(world):
    # 通川区's admin for an institution of 通川区 that is not the staff's; the city's admin for one in 达川区
    tongchuan = course_create(actor=world.district_admin, institution_code=world.institution_other.code,
                              **{**COURSE, "code": "DCQ-01"})
    dachuan = course_create(actor=world.city_admin, institution_code=world.institution_2.code,
                            **{**COURSE, "code": "DCQ-02"})

    assert sorted(Course.objects.filter(term=TERM).values_list("code", "institution__code")) == [
        ("DCQ-01", world.institution_other.code), ("DCQ-02", world.institution_2.code)]
    assert (tongchuan.state, dachuan.state) == ("draft", "draft")


# --- course_update ---------------------------------------------------------------------------------------


def test_staff_update_their_course_and_the_change_is_audited(world, school):
    course = course_make(world.staff, school, sessions=0)

    course_update(actor=world.staff, course=course, title="书法进阶", capacity=40, fee="20")

    got = reloaded(course)
    assert (got.title, got.capacity, got.fee, got.hours) == ("书法进阶", 40, Decimal("20.00"), Decimal("12.0"))
    assert AuditEvent.objects.get(action="course.update", object_id=str(course.pk)).detail == {
        "changed": ["capacity", "fee", "title"]}


def test_capacity_cannot_drop_below_the_enrolled(world, published):
    for _ in range(2):
        enrollment_create(actor=resident_user(), course=published)

    exc = refused(course_update, actor=world.staff, course=published, capacity=1)

    assert exc.errors == {"capacity": ["已有 2 人报名，名额不能少于报名人数"]}


def test_raising_the_capacity_gives_the_new_seats_to_the_waiting_list_first(world, published):
    # given 3 seats taken and 3 learners waiting
    arrivals = [resident_user() for _ in range(6)]
    made = [enrollment_create(actor=u, course=published) for u in arrivals]

    # when staff add two seats
    course_update(actor=world.staff, course=published, capacity=5)

    # then the first two waiting take them, in order; the third still waits
    assert [(s, p) for _, s, p in statuses(published)] == [("enrolled", None)] * 5 + [("waitlisted", 3)]
    assert reloaded(published).enrolled_count == live_count(published) == 5
    assert AuditEvent.objects.get(action="course.update", object_id=str(published.pk)).detail == {
        "changed": ["capacity"], "promoted": [made[3].pk, made[4].pk]}

    # and a newcomer queues behind the one still waiting rather than taking a seat
    assert enrollment_create(actor=resident_user(), course=published).status == "waitlisted"
    assert reloaded(published).enrolled_count == 5


@pytest.mark.parametrize(("fields", "errors"), [
    ({"fee": "-1"}, {"fee": ["不能小于 0，而不是 -1"]}),
    ({"capacity": 0}, {"capacity": ["不能小于 1，而不是 0"]}),
    ({"code": "NEW"}, {"code": ["不能修改此字段"]}),
    ({"state": "published"}, {"state": ["不能修改此字段"]}),
])
def test_course_update_refuses_bad_input(world, school, fields, errors):
    course = course_make(world.staff, school, sessions=0)

    exc = refused(course_update, actor=world.staff, course=course, **fields)

    assert exc.errors == errors


@pytest.mark.parametrize("username", ["district_admin_2", "learner", "expert", "auditor"])
def test_nobody_updates_a_course_of_an_institution_they_do_not_manage(world, school, username):
    course = course_make(world.staff, school, sessions=0)

    refused(course_update, PermissionDenied, actor=world.user(username), course=course, title="别人的课")


def test_staff_of_another_institution_cannot_update(world):
    course = course_make(world.district_admin, world.institution_other, sessions=0)

    refused(course_update, PermissionDenied, actor=world.staff, course=course, title="别人的课")


# --- course_set_state ------------------------------------------------------------------------------------


def test_an_offline_course_is_published_only_with_a_session(world, school):
    # given an offline draft without sessions
    course = course_make(world.staff, school, sessions=0)

    # then publishing it is refused
    exc = refused(course_set_state, actor=world.staff, course=course, state=CourseState.PUBLISHED)
    assert exc.errors == {"state": ["线下课程发布前至少要安排一次课"]}

    # and once a session is added it is published, and audited
    session_add(actor=world.staff, course=course, date=today(), start="09:00", end="10:00",
                venue_id=venue_make(school).pk)
    course_set_state(actor=world.staff, course=course, state=CourseState.PUBLISHED)
    assert reloaded(course).state == "published"
    assert AuditEvent.objects.get(action="course.state", object_id=str(course.pk)).detail == {"state": "published"}


def test_an_online_course_is_published_without_a_session(world, school):
    course = course_make(world.staff, school, sessions=0, mode=Mode.ONLINE)

    course_set_state(actor=world.staff, course=course, state=CourseState.PUBLISHED)

    assert reloaded(course).state == "published"


@pytest.mark.parametrize(("to", "message"), [
    (CourseState.PUBLISHED, "课程不能从「已结束」改为「published」"),
    (CourseState.DRAFT, "课程不能从「已结束」改为「draft」"),
    (CourseState.CLOSED, "课程不能从「已结束」改为「closed」"),
])
def test_closed_is_final(world, school, to, message):
    course = course_make(world.staff, school, state=CourseState.CLOSED)

    exc = refused(course_set_state, actor=world.staff, course=course, state=to)

    assert exc.errors == {"state": [message]}
    assert reloaded(course).state == "closed"


def test_a_draft_cannot_be_closed_or_set_to_an_unknown_state(world, school):
    course = course_make(world.staff, school)

    assert refused(course_set_state, actor=world.staff, course=course, state="closed").errors == {
        "state": ["课程不能从「草稿」改为「closed」"]}
    assert refused(course_set_state, actor=world.staff, course=course, state="archived").errors == {
        "state": ["课程不能从「草稿」改为「archived」"]}


def test_a_course_with_learners_cannot_go_back_to_draft(world, published):
    enrollment_create(actor=world.learner, course=published)

    exc = refused(course_set_state, actor=world.staff, course=reloaded(published), state=CourseState.DRAFT)

    assert exc.errors == {"state": ["已有学员报名的课程不能退回草稿"]}


def test_a_course_read_before_a_learner_enrolled_still_cannot_go_back_to_draft(world, published):
    # given the staff's page read the course, and then a learner enrolled
    read_before = Course.objects.get(pk=published.pk)
    enrollment_create(actor=world.learner, course=published)

    exc = refused(course_set_state, actor=world.staff, course=read_before, state=CourseState.DRAFT)

    assert exc.errors == {"state": ["已有学员报名的课程不能退回草稿"]}


def test_a_course_read_before_it_closed_cannot_be_reopened(world, school):
    course = course_make(world.staff, school, state=CourseState.PUBLISHED)
    read_before = Course.objects.get(pk=course.pk)
    course_set_state(actor=world.district_admin, course=course, state=CourseState.CLOSED)

    exc = refused(course_set_state, actor=world.staff, course=read_before, state=CourseState.DRAFT)

    assert exc.errors == {"state": ["课程不能从「已结束」改为「draft」"]}


@pytest.mark.parametrize("username", ["district_admin_2", "learner", "expert", "auditor", "reporter"])
def test_nobody_publishes_a_course_of_an_institution_they_do_not_manage(world, school, username):
    course = course_make(world.staff, school)

    refused(course_set_state, PermissionDenied, actor=world.user(username), course=course, state=CourseState.PUBLISHED)


# --- session_add -----------------------------------------------------------------------------------------

DAY = datetime.date(2031, 3, 4)


@pytest.fixture
def hall(school):
    return venue_make(school, name="通川社区学校教学楼")


@pytest.fixture
def booked(world, school, hall):
    """A course holding room 101 of the hall on DAY from 09:00 to 11:00."""
    course = course_make(world.staff, school, title="太极拳", sessions=0)
    session_add(actor=world.staff, course=course, date=DAY, start="09:00", end="11:00", venue_id=hall.pk,
                room="101")
    return course


def test_a_session_is_added_and_audited(world, booked, hall):
    session = booked.sessions.get()

    assert (session.date, session.start, session.end, session.venue_id, session.room) == (
        DAY, datetime.time(9), datetime.time(11), hall.pk, "101")
    assert AuditEvent.objects.get(action="session.add", object_id=str(session.pk)).detail == {"course": booked.code}


@pytest.mark.parametrize(("start", "end"), [("10:00", "09:00"), ("09:00", "09:00")])
def test_a_session_ends_after_it_starts(world, school, hall, start, end):
    course = course_make(world.staff, school, sessions=0)

    exc = refused(session_add, actor=world.staff, course=course, date=DAY, start=start, end=end, venue_id=hall.pk)

    assert exc.errors == {"end": [f"结束时间 {end} 必须晚于开始时间 {start}"]}


@pytest.mark.parametrize(("start", "end"), [("10:00", "12:00"), ("08:00", "09:30"), ("09:30", "10:30"),
                                            ("08:00", "12:00"), ("09:00", "11:00")])
def test_a_session_overlapping_another_in_the_same_room_is_refused_naming_the_clash(world, school, hall, booked,
                                                                                       start, end):
    # given another course of the same institution, wanting the same room on the same day
    other = course_make(world.staff, school, title="书法入门", sessions=0)

    exc = refused(session_add, actor=world.staff, course=other, date=DAY, start=start, end=end, venue_id=hall.pk,
                  room=" 101 ")

    assert exc.errors == {"start": ["通川社区学校教学楼101 在 2031-03-04 09:00-11:00 已有课程「太极拳」"]}


@pytest.mark.parametrize(("day", "start", "end", "room"), [
    (DAY, "11:00", "12:00", "101"),  # right after
    (DAY, "07:30", "09:00", "101"),  # right before
    (DAY, "09:00", "11:00", "102"),  # another room
    (DAY + datetime.timedelta(days=1), "09:00", "11:00", "101"),  # another day
])
def test_adjacent_sessions_and_other_rooms_or_days_are_allowed(world, school, hall, booked, day, start, end, room):
    other = course_make(world.staff, school, sessions=0)

    session_add(actor=world.staff, course=other, date=day, start=start, end=end, venue_id=hall.pk, room=room)

    assert list(other.sessions.values_list("date", "room")) == [(day, room)]


def test_the_same_room_of_another_venue_is_free(world, school, booked):
    other = course_make(world.staff, school, sessions=0)

    session_add(actor=world.staff, course=other, date=DAY, start="09:00", end="11:00",
                venue_id=venue_make(school).pk, room="101")

    assert other.sessions.count() == 1


@pytest.mark.parametrize(("fields", "errors"), [
    ({"date": "2031-02-30"}, {"date": ["「2031-02-30」不是日期（YYYY-MM-DD）"]}),
    ({"start": "25:00"}, {"start": ["「25:00」不是有效的时间"]}),
    ({"venue_id": 999_999_999}, {"venue_id": ["未知的场地「999999999」"]}),
    ({"venue_id": None}, {"venue_id": ["线下课程的每次课都要有上课地点"]}),
])
def test_session_add_refuses_bad_input(world, school, hall, fields, errors):
    course = course_make(world.staff, school, sessions=0)

    exc = refused(session_add, actor=world.staff,
                  course=course, **{"date": "2031-03-04", "start": "09:00", "end": "10:00", "venue_id": hall.pk,
                                    **fields})

    assert exc.errors == errors


@pytest.mark.parametrize("username", ["district_admin_2", "learner", "expert"])
def test_nobody_adds_sessions_to_a_course_they_do_not_manage(world, school, hall, username):
    course = course_make(world.staff, school, sessions=0)

    refused(session_add, PermissionDenied, actor=world.user(username), course=course, date=DAY, start="09:00",
            end="10:00", venue_id=hall.pk)


def test_staff_of_another_institution_cannot_add_sessions(world, hall):
    course = course_make(world.district_admin, world.institution_other, sessions=0)

    refused(session_add, PermissionDenied, actor=world.staff, course=course, date=DAY, start="09:00",
            end="10:00", venue_id=hall.pk)


# --- enrollment_create -----------------------------------------------------------------------------------


def test_a_learner_enrolls_in_a_published_course(world, published):
    enrollment = enrollment_create(actor=world.learner, course=published)

    assert (enrollment.status, enrollment.waitlist_position, enrollment.learner) == (
        "enrolled", None, profile(world.learner))
    assert reloaded(published).enrolled_count == 1
    assert AuditEvent.objects.get(action="enrollment.create", object_id=str(enrollment.pk)).detail == {
        "status": "enrolled"}


@pytest.mark.parametrize(("state", "label"), [(CourseState.DRAFT, "草稿"), (CourseState.CLOSED, "已结束")])
def test_only_a_published_course_takes_enrollments(world, school, state, label):
    course = course_make(world.staff, school, title="书法入门", state=state)

    exc = refused(enrollment_create, actor=world.learner, course=course)

    assert (exc.code, exc.errors) == ("course_not_open", {"course": [f"课程「书法入门」{label}，不能报名"]})


def test_enrolling_twice_is_refused(world, published):
    enrollment_create(actor=world.learner, course=published)

    exc = refused(enrollment_create, actor=world.learner, course=published)

    assert (exc.code, exc.errors) == ("already_enrolled", {"course": ["您已报名「书法入门」"]})


def test_a_waitlisted_learner_cannot_enroll_again(world, published):
    for _ in range(3):
        enrollment_create(actor=resident_user(), course=published)
    enrollment_create(actor=world.learner, course=published)

    exc = refused(enrollment_create, actor=world.learner, course=published)

    assert exc.code == "already_enrolled"


def test_a_full_course_puts_learners_on_the_waiting_list_in_order_of_arrival(world, published):
    # given a course with 3 seats and 6 learners arriving one after another
    arrivals = [resident_user() for _ in range(6)]

    made = [enrollment_create(actor=u, course=published) for u in arrivals]

    # then the first 3 are enrolled and the others wait at positions 1, 2, 3, in the order they came
    assert [(e.status, e.waitlist_position) for e in made] == [
        ("enrolled", None), ("enrolled", None), ("enrolled", None),
        ("waitlisted", 1), ("waitlisted", 2), ("waitlisted", 3)]
    assert statuses(published) == [(u.username, s, p) for u, (s, p) in zip(arrivals, [
        ("enrolled", None), ("enrolled", None), ("enrolled", None),
        ("waitlisted", 1), ("waitlisted", 2), ("waitlisted", 3)], strict=True)]
    assert reloaded(published).enrolled_count == 3


def test_a_user_without_a_learner_profile_cannot_enroll(world, published):
    exc = refused(enrollment_create, actor=world.staff, course=published)

    assert (exc.code, exc.errors) == ("no_profile", {"learner": ["您还没有学习者档案，无法报名"]})


def test_a_district_admin_enrolls_a_resident_of_their_district(world, school):
    course = course_make(world.staff, school, state=CourseState.PUBLISHED)
    resident = profile(resident_user())

    enrollment = enrollment_create(actor=world.district_admin, course=course, learner=resident)

    assert (enrollment.learner, enrollment.status) == (resident, "enrolled")


@pytest.mark.parametrize("username", ["staff", "district_admin_2", "learner", "auditor"])
def test_others_cannot_enroll_a_resident(world, school, username):
    # staff have no residents in their scope; 达川区's admin does not manage the course; a learner is not staff
    course = course_make(world.staff, school, state=CourseState.PUBLISHED)
    resident = profile(resident_user())

    refused(enrollment_create, PermissionDenied, actor=world.user(username), course=course, learner=resident)


# --- enrollment_cancel -----------------------------------------------------------------------------------


def test_a_freed_seat_goes_to_the_first_on_the_waiting_list(world, published):
    # given 3 enrolled and 3 waiting
    arrivals = [resident_user() for _ in range(6)]
    made = [enrollment_create(actor=u, course=published) for u in arrivals]

    # when the second enrolled learner cancels
    cancelled = enrollment_cancel(actor=arrivals[1], enrollment=made[1])

    # then the first waiting is enrolled, the others keep their order, and the count is the live enrollments
    assert (cancelled.status, cancelled.waitlist_position) == ("cancelled", None)
    assert [s for _, s, _ in statuses(published)] == ["enrolled", "cancelled", "enrolled", "enrolled", "waitlisted",
                                                      "waitlisted"]
    assert [p for _, _, p in statuses(published)] == [None, None, None, None, 2, 3]
    assert reloaded(published).enrolled_count == live_count(published) == 3
    assert AuditEvent.objects.get(action="enrollment.cancel", object_id=str(made[1].pk)).detail == {
        "promoted": made[3].pk}

    # and the next seat freed goes to the next in line
    enrollment_cancel(actor=arrivals[0], enrollment=made[0])
    assert [s for _, s, _ in statuses(published)] == ["cancelled", "cancelled", "enrolled", "enrolled", "enrolled",
                                                      "waitlisted"]
    assert reloaded(published).enrolled_count == live_count(published) == 3


def test_cancelling_a_waiting_place_promotes_nobody(world, published):
    arrivals = [resident_user() for _ in range(5)]
    made = [enrollment_create(actor=u, course=published) for u in arrivals]

    enrollment_cancel(actor=arrivals[3], enrollment=made[3])

    assert [(s, p) for _, s, p in statuses(published)] == [
        ("enrolled", None), ("enrolled", None), ("enrolled", None), ("cancelled", None), ("waitlisted", 2)]
    assert reloaded(published).enrolled_count == live_count(published) == 3


def test_a_seat_freed_with_nobody_waiting_is_given_back(world, published):
    made = enrollment_create(actor=world.learner, course=published)

    enrollment_cancel(actor=world.learner, enrollment=made)

    assert reloaded(published).enrolled_count == live_count(published) == 0
    # and the learner may enroll again
    assert enrollment_create(actor=world.learner, course=published).status == "enrolled"
    assert reloaded(published).enrolled_count == 1


def test_cancelling_twice_is_refused(world, published):
    made = enrollment_create(actor=world.learner, course=published)
    enrollment_cancel(actor=world.learner, enrollment=made)

    exc = refused(enrollment_cancel, actor=world.learner, enrollment=made)

    assert exc.errors == {"enrollment": ["已取消的报名不能取消"]}
    assert reloaded(published).enrolled_count == 0


def test_a_completed_enrollment_cannot_be_cancelled(world, published):
    made = enrollment_create(actor=world.learner, course=published)
    completion_mark(actor=world.staff, course=published, entries=[(made.pk, "12", None)])

    exc = refused(enrollment_cancel, actor=world.learner, enrollment=made)

    assert exc.errors == {"enrollment": ["已结业的报名不能取消"]}


def test_staff_cancel_an_enrollment_in_their_course(world, published):
    made = enrollment_create(actor=world.learner, course=published)

    enrollment_cancel(actor=world.staff, enrollment=made)

    assert Enrollment.objects.get(pk=made.pk).status == "cancelled"


@pytest.mark.parametrize("who", ["another_learner", "district_admin_2", "expert", "auditor"])
def test_nobody_cancels_someone_elses_enrollment(world, published, who):
    made = enrollment_create(actor=world.learner, course=published)
    actor = resident_user() if who == "another_learner" else world.user(who)

    refused(enrollment_cancel, PermissionDenied, actor=actor, enrollment=made)


# --- QR check-in -----------------------------------------------------------------------------------------


def signed_at(monkeypatch, seconds_ago: int, session, actor) -> str:
    """A check-in token as the staff's page would have made it `seconds_ago`."""
    real = time.time
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: real() - seconds_ago))
    token = session_qr_token(actor=actor, session=session)
    monkeypatch.undo()
    return token


def test_a_valid_token_checks_the_learner_in_once(world, published):
    # given an enrolled learner and the QR token of today's session
    enrollment_create(actor=world.learner, course=published)
    session = first_session(published)
    token = session_qr_token(actor=world.staff, session=session)

    # when they scan it
    attendance = attendance_check_in_qr(actor=world.learner, token=token)

    # then they are checked in, and the two hours are one learning record
    assert (attendance.session, attendance.method, attendance.enrollment.learner) == (
        session, "qr", profile(world.learner))
    record = LearningRecord.objects.get(learner=profile(world.learner), course=published)
    assert (record.kind, record.hours, record.date, record.source, record.course, record.session, record.provider,
            record.external_id, record.title) == (
        "attendance", Decimal("2.0"), today(), "qr", published, session, published.institution,
        f"attendance-{attendance.pk}", "书法入门")

    # and a second scan creates nothing new
    before = snapshot()
    again = attendance_check_in_qr(actor=world.learner, token=token)
    assert again.pk == attendance.pk
    assert snapshot() == before


def test_a_token_made_nine_minutes_ago_still_works(world, published, monkeypatch):
    enrollment_create(actor=world.learner, course=published)
    token = signed_at(monkeypatch, 9 * 60, first_session(published), world.staff)

    attendance_check_in_qr(actor=world.learner, token=token)

    assert Attendance.objects.filter(session=first_session(published)).count() == 1


def test_an_expired_token_is_refused(world, published, monkeypatch):
    enrollment_create(actor=world.learner, course=published)
    token = signed_at(monkeypatch, 11 * 60, first_session(published), world.staff)

    exc = refused(attendance_check_in_qr, actor=world.learner, token=token)

    assert (exc.code, exc.errors) == ("token_expired", {"token": ["签到码已过期，请让工作人员刷新签到码"]})


def _tamper(token: str) -> str:
    payload, rest = token.split(":", 1)
    return payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + rest


@pytest.mark.parametrize("forge", [
    lambda t: t[:-3] + "xyz",  # a changed signature
    _tamper,  # a changed payload
    lambda t: signing.dumps({"s": 1}, salt="another.salt"),  # signed for something else
    lambda t: signing.dumps({"s": 1}, salt=QR_SALT, key="not-our-secret"),
    lambda t: "",
    lambda t: "hello",
], ids=["signature", "payload", "salt", "key", "empty", "garbage"])
def test_a_forged_token_is_refused(world, published, forge):
    enrollment_create(actor=world.learner, course=published)
    token = session_qr_token(actor=world.staff, session=first_session(published))

    exc = refused(attendance_check_in_qr, actor=world.learner, token=forge(token))

    assert (exc.code, exc.errors) == ("token_invalid", {"token": ["签到码无效"]})


def test_a_learner_not_enrolled_cannot_check_in(world, published):
    token = session_qr_token(actor=world.staff, session=first_session(published))

    exc = refused(attendance_check_in_qr, actor=world.learner, token=token)

    assert (exc.code, exc.errors) == ("not_enrolled", {"token": ["您没有报名「书法入门」，不能签到"]})


def test_a_waitlisted_or_cancelled_learner_cannot_check_in(world, published):
    for _ in range(3):
        enrollment_create(actor=resident_user(), course=published)
    waiting = resident_user()
    enrollment_create(actor=waiting, course=published)
    gone = enrollment_create(actor=world.learner, course=published)
    enrollment_cancel(actor=world.learner, enrollment=gone)
    token = session_qr_token(actor=world.staff, session=first_session(published))

    assert refused(attendance_check_in_qr, actor=waiting, token=token).code == "not_enrolled"
    assert refused(attendance_check_in_qr, actor=world.learner, token=token).code == "not_enrolled"


def test_a_user_without_a_profile_cannot_check_in(world, published):
    token = session_qr_token(actor=world.staff, session=first_session(published))

    assert refused(attendance_check_in_qr, actor=world.staff, token=token).code == "no_profile"


@pytest.mark.parametrize("username", ["district_admin_2", "learner", "expert"])
def test_only_managers_get_a_sessions_token(world, published, username):
    with pytest.raises(PermissionDenied):
        session_qr_token(actor=world.user(username), session=first_session(published))


# --- attendance_mark -------------------------------------------------------------------------------------


def test_staff_check_in_enrolled_learners(world, published):
    a, b = (enrollment_create(actor=resident_user(), course=published) for _ in range(2))
    session = first_session(published)

    marked = attendance_mark(actor=world.staff, session=session, enrollment_ids=[a.pk, b.pk, a.pk])

    assert [(m.enrollment_id, m.method, m.recorded_by) for m in marked] == [
        (a.pk, "staff", world.staff), (b.pk, "staff", world.staff)]
    assert sorted(LearningRecord.objects.filter(session=session).values_list("learner_id", "kind", "hours", "source")) \
        == sorted([(a.learner_id, "attendance", Decimal("2.0"), "page"), (b.learner_id, "attendance", Decimal("2.0"),
                                                                          "page")])
    # marking them again creates nothing new
    before = snapshot()
    attendance_mark(actor=world.staff, session=session, enrollment_ids=[a.pk, b.pk])
    assert snapshot() == before


def test_an_enrollment_of_another_course_is_refused_and_nothing_is_written(world, school, published):
    mine = enrollment_create(actor=resident_user(), course=published)
    other_course = course_make(world.staff, school, state=CourseState.PUBLISHED)
    theirs = enrollment_create(actor=resident_user(), course=other_course)

    exc = refused(attendance_mark, actor=world.staff, session=first_session(published),
                  enrollment_ids=[mine.pk, theirs.pk])

    assert exc.errors == {"enrollment_ids": [f"这些报名不属于本课程或未在读：[{theirs.pk}]"]}


def test_a_waitlisted_enrollment_cannot_be_marked_present(world, published):
    made = [enrollment_create(actor=resident_user(), course=published) for _ in range(4)]

    exc = refused(attendance_mark, actor=world.staff, session=first_session(published),
                  enrollment_ids=[made[3].pk])

    assert exc.errors == {"enrollment_ids": [f"这些报名不属于本课程或未在读：[{made[3].pk}]"]}


@pytest.mark.parametrize("username", ["district_admin_2", "learner", "expert", "auditor"])
def test_nobody_marks_attendance_in_a_course_they_do_not_manage(world, published, username):
    made = enrollment_create(actor=resident_user(), course=published)

    refused(attendance_mark, PermissionDenied, actor=world.user(username), session=first_session(published),
            enrollment_ids=[made.pk])


# --- completion_mark -------------------------------------------------------------------------------------


def test_each_completion_makes_exactly_one_learning_record(world, published):
    # given two enrolled learners, one of whom attended a session
    a, b = (enrollment_create(actor=resident_user(name=n), course=published) for n in ("林小芳", "陈大海"))
    attendance_mark(actor=world.staff, session=first_session(published), enrollment_ids=[a.pk])

    # when staff mark both completed, one with a score
    done = completion_mark(actor=world.staff, course=published, entries=[(a.pk, "12", "92.5"), (b.pk, 10, None)])

    # then both are completed with their hours and score, and each has exactly one completion record
    assert [e.pk for e in done] == [a.pk, b.pk]
    assert list(Enrollment.objects.filter(pk__in=[a.pk, b.pk]).order_by("pk").values_list(
        "status", "completed_hours", "score")) == [("completed", Decimal("12.0"), Decimal("92.5")),
                                                   ("completed", Decimal("10.0"), None)]
    records = LearningRecord.objects.filter(course=published, kind=RecordKind.COMPLETION).order_by("learner_id")
    assert [(r.learner_id, r.hours, r.score, r.title, r.provider_id, r.course_kind, r.date, r.external_id)
            for r in records] == [
        (a.learner_id, Decimal("12.0"), Decimal("92.5"), "书法入门", published.institution_id, "culture", today(),
         f"completion-{a.pk}"),
        (b.learner_id, Decimal("10.0"), None, "书法入门", published.institution_id, "culture", today(),
         f"completion-{b.pk}"),
    ]
    assert LearningRecord.objects.filter(course=published).count() == 3  # and the one attendance
    assert AuditEvent.objects.get(action="completion.mark", object_id=str(published.pk)).detail == {
        "enrollments": [a.pk, b.pk]}
    # the seats stay taken by those who completed
    assert reloaded(published).enrolled_count == live_count(published) == 2


@pytest.fixture
def class_of_four(world, published):
    """Three enrolled learners (林一, 林二, 林三) and one waiting (林四)."""
    return [enrollment_create(actor=resident_user(name=f"林{n}"), course=published) for n in "一二三四"]


@pytest.mark.parametrize(("entry", "errors"), [
    (lambda es, other: (other.pk, "12", None), lambda es, other: {
        f"enrollment_{other.pk}": [f"报名 {other.pk} 不在本课程的在读名单中，不能结业"]}),
    (lambda es, other: (es[3].pk, "12", None), lambda es, other: {
        f"enrollment_{es[3].pk}": [f"报名 {es[3].pk} 不在本课程的在读名单中，不能结业"]}),
    (lambda es, other: (es[0].pk, "13", None), lambda es, other: {
        f"enrollment_{es[0].pk}": ["林一：不能大于 12.0，而不是 13"]}),
    (lambda es, other: (es[0].pk, "0", None), lambda es, other: {
        f"enrollment_{es[0].pk}": ["林一：必须大于 0，而不是 0"]}),
    (lambda es, other: (es[0].pk, "-2", None), lambda es, other: {
        f"enrollment_{es[0].pk}": ["林一：必须大于 0，而不是 -2"]}),
    (lambda es, other: (es[0].pk, "", None), lambda es, other: {
        f"enrollment_{es[0].pk}": ["林一：必填"]}),
    (lambda es, other: (es[0].pk, "12", "101"), lambda es, other: {
        f"enrollment_{es[0].pk}": ["林一：不能大于 100，而不是 101"]}),
    (lambda es, other: (es[0].pk, "12", "-1"), lambda es, other: {
        f"enrollment_{es[0].pk}": ["林一：不能小于 0，而不是 -1"]}),
    (lambda es, other: (es[0].pk, "12", "优秀"), lambda es, other: {
        f"enrollment_{es[0].pk}": ["林一：「优秀」不是数字"]}),
], ids=["other-course", "waitlisted", "hours-above-course", "hours-zero", "hours-negative", "hours-empty",
        "score-above-100", "score-negative", "score-not-a-number"])
def test_completion_mark_refuses_bad_entries_and_writes_nothing(world, school, published, class_of_four, entry,
                                                                errors):
    other = enrollment_create(actor=resident_user(), course=course_make(world.staff, school,
                                                                        state=CourseState.PUBLISHED))
    # a good entry goes with the bad one: all or nothing
    good = (class_of_four[1].pk, "12", "90")

    exc = refused(completion_mark, actor=world.staff, course=published,
                  entries=[good, entry(class_of_four, other)])

    assert exc.errors == errors(class_of_four, other)


def test_a_learner_completed_once_cannot_be_completed_again(world, published, class_of_four):
    completion_mark(actor=world.staff, course=published, entries=[(class_of_four[0].pk, "12", None)])

    exc = refused(completion_mark, actor=world.staff, course=published, entries=[(class_of_four[0].pk, "10", "80")])

    assert exc.errors == {f"enrollment_{class_of_four[0].pk}": ["林一 已结业"]}
    assert LearningRecord.objects.filter(course=published, kind="completion").count() == 1


def test_completing_nobody_is_refused(world, published):
    assert refused(completion_mark, actor=world.staff, course=published, entries=[]).errors == {
        "entries": ["没有要结业的学员"]}


@pytest.mark.parametrize("username", ["district_admin_2", "learner", "expert", "auditor"])
def test_nobody_marks_completions_in_a_course_they_do_not_manage(world, published, class_of_four, username):
    refused(completion_mark, PermissionDenied, actor=world.user(username), course=published,
            entries=[(class_of_four[0].pk, "12", None)])


def test_staff_of_another_institution_cannot_mark_completions(world):
    course = course_make(world.district_admin, world.institution_other, state=CourseState.PUBLISHED)
    made = enrollment_create(actor=world.learner, course=course)

    refused(completion_mark, PermissionDenied, actor=world.staff, course=course, entries=[(made.pk, "12", None)])


# --- learning_record_create ------------------------------------------------------------------------------


BORN = datetime.date(1990, 5, 17)


@pytest.fixture
def resident(db):
    """A learner born on BORN."""
    return profile(resident_user(birth=BORN))


def record_fields(world, learner, **changes) -> dict:
    return {"actor": world.staff, "learner": learner, "provider": world.institution, "kind": RecordKind.EVENT,
            "title": "市民讲堂：巴渠文化", "hours": "2", "date": datetime.date(2026, 3, 1),
            "source": RecordSource.IMPORT, "external_id": "LECTURE-2026-0301-1", **changes}


def test_a_learning_record_is_made_once_per_provider_and_external_id(world, resident):
    first = learning_record_create(**record_fields(world, resident))
    before = snapshot()

    # re-sending the same record, even with other figures, returns the first and writes nothing
    again = learning_record_create(**record_fields(world, resident, hours="3", title="改过的标题"))

    assert again.pk == first.pk
    assert snapshot() == before
    got = LearningRecord.objects.get(pk=first.pk)
    assert (got.learner, got.kind, got.hours, got.title, got.date, got.source, got.created_by) == (
        resident, "event", Decimal("2.0"), "市民讲堂：巴渠文化", datetime.date(2026, 3, 1), "import", world.staff)
    assert AuditEvent.objects.filter(action="learning_record.create", object_id=str(first.pk)).count() == 1


def test_the_same_external_id_of_another_provider_is_another_record(world, resident):
    first = learning_record_create(**record_fields(world, resident))
    second = learning_record_create(**record_fields(world, resident, provider=world.institution_2))

    assert first.pk != second.pk
    assert LearningRecord.objects.filter(external_id="LECTURE-2026-0301-1").count() == 2


def test_a_record_of_today_and_of_the_birth_day_are_accepted(world, resident):
    learning_record_create(**record_fields(world, resident, date=today(), external_id="A"))
    learning_record_create(**record_fields(world, resident, date=BORN, external_id="B", hours="0"))

    assert sorted(LearningRecord.objects.filter(learner=resident).values_list("date", "hours")) == [
        (BORN, Decimal("0.0")), (today(), Decimal("2.0"))]


@pytest.mark.parametrize(("changes", "errors"), [
    ({"date": "tomorrow"}, {"date": ["学习日期 {tomorrow} 在未来"]}),
    ({"date": BORN - datetime.timedelta(days=1)}, {"date": ["学习日期 1990-05-16 早于学习者的出生日期"]}),
    ({"date": "2026-03-32"}, {"date": ["「2026-03-32」不是日期（YYYY-MM-DD）"]}),
    ({"hours": "-1"}, {"hours": ["不能小于 0，而不是 -1"]}),
    ({"hours": "abc"}, {"hours": ["「abc」不是数字"]}),
    ({"hours": "2001"}, {"hours": ["不能大于 2000，而不是 2001"]}),
    ({"score": "120"}, {"score": ["不能大于 100，而不是 120"]}),
    ({"kind": "sleeping"}, {"kind": [
        "「sleeping」不是可选的值（可选：'attendance', 'completion', 'event', 'resource' or 'volunteering'）"]}),
    ({"source": "fax"}, {"source": ["「fax」不是可选的值（可选：'page', 'api', 'qr', 'import' or 'demo'）"]}),
    ({"course_kind": "knitting"}, {"course_kind": [f"「knitting」不是可选的值（可选：{COURSE_KINDS}）"]}),
    ({"external_id": " "}, {"external_id": ["必填"]}),
    ({"external_id": "x" * 65}, {"external_id": ["不能超过 64 个字符"]}),
])
def test_learning_record_create_refuses_bad_input(world, resident, changes, errors):
    tomorrow = today() + datetime.timedelta(days=1)
    if changes.get("date") == "tomorrow":
        changes = {"date": tomorrow}
        errors = {"date": [m.format(tomorrow=tomorrow) for m in errors["date"]]}

    exc = refused(learning_record_create, **record_fields(world, resident, **changes))

    assert exc.errors == errors


# --- resource_view_complete ------------------------------------------------------------------------------


def test_a_resource_watched_to_ninety_percent_is_recorded_once(world, school):
    resource = resource_make(school, minutes=30)

    # 1619 seconds is short of 90% of 30 minutes
    exc = refused(resource_view_complete, actor=world.learner, resource=resource, watched_seconds=1619)
    assert exc.errors == {"watched_seconds": ["尚未看完：已看 26 分钟，共 30 分钟"]}

    # 1620 seconds is 90%: half an hour of online learning is recorded
    record = resource_view_complete(actor=world.learner, resource=resource, watched_seconds=1620)
    assert (record.kind, record.hours, record.resource, record.provider, record.learner, record.date,
            record.course_kind) == ("resource", Decimal("0.5"), resource, school, profile(world.learner), today(),
                                    "digital")

    # and watching it again records nothing more
    before = snapshot()
    assert resource_view_complete(actor=world.learner, resource=resource, watched_seconds=1800).pk == record.pk
    assert snapshot() == before


def test_a_negative_watch_time_is_refused(world, school):
    exc = refused(resource_view_complete, actor=world.learner, resource=resource_make(school), watched_seconds=-1)

    assert exc.errors == {"watched_seconds": ["不能小于 0，而不是 -1"]}


def test_a_user_without_a_profile_records_no_resource(world, school):
    exc = refused(resource_view_complete, actor=world.staff, resource=resource_make(school), watched_seconds=1800)

    assert exc.code == "no_profile"


def test_an_unpublished_resource_is_not_found(world, school):
    refused(resource_view_complete, NotFound, actor=world.learner, resource=resource_make(school, published=False),
            watched_seconds=1800)
