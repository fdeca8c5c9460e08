"""The learning platform's JSON API with bearer tokens: staff run a course (create, sessions, publish, check-in
codes, attendance, completions, roster), learners enroll, cancel, check in and learn online, and anyone signed
in searches — bad input gets a JSON error naming the field and writes nothing. Who may call what is declared
route by route in tests/api/test_authorization_matrix.py.

The module's own city in 达州市 (tests/portal/world.py): the staff's school in 通川区 (world.institution), an
institution of 达川区 (world.institution_2), its learner and administrators; learners made here live in 通川区."""

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
    LearningRecord,
    Mode,
)
from learncity.catalog.services import enrollment_create, session_qr_token
from learncity.core.models import AuditEvent
from tests.catalog.factories import (
    TERM,
    course_make,
    first_session,
    learner_make,
    resource_make,
    today,
    venue_make,
)
from tests.places.factories import DACHUAN, TONGCHUAN
from tests.portal.world import world_fixtures

world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)


def term_state() -> dict:
    return {
        "courses": list(Course.objects.filter(term=TERM).order_by("pk").values_list(
            "pk", "code", "title", "state", "enrolled_count", "capacity", "fee", "hours")),
        "sessions": list(CourseSession.objects.filter(course__term=TERM).order_by("pk").values_list(
            "pk", "date", "start", "end", "venue_id", "room")),
        "enrollments": list(Enrollment.objects.filter(course__term=TERM).order_by("pk").values_list(
            "pk", "status", "waitlist_position", "completed_hours", "score")),
        "course_count": Course.objects.count(),
        "attendances": Attendance.objects.count(),
        "records": LearningRecord.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def unchanged():
    """unchanged() -> a check that nothing the catalog writes has changed since it was made."""

    def make():
        before = term_state()
        return lambda: term_state() == before

    return make


def error(response, status: int, code: str = "invalid") -> dict:
    assert response.status_code == status, response.content.decode()[:1000]
    assert response["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    assert body["code"] == ("invalid_input" if status == 422 else code)
    return body


def post(client, url, data=None):
    return client.post(url, data if data is not None else {}, content_type="application/json")


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


@pytest.fixture
def staff_api(world, api_as):
    return api_as(world.staff)


@pytest.fixture
def learner_api(world, api_as):
    return api_as(world.learner)


@pytest.fixture
def published(world, school):
    """A published course of the staff's school: two sessions from today, 12 hours, 2 seats."""
    return course_make(world.staff, school, title="书法入门", capacity=2, sessions=2, state=CourseState.PUBLISHED)


# --- running a course ------------------------------------------------------------------------------------

NEW_COURSE = {"code": "API-SHUFA-01", "title": "接口书法课", "kind": "culture", "hours": "12", "capacity": 20,
              "term": TERM, "fee": "30", "target_groups": ["elderly"]}


def test_staff_create_schedule_and_publish_a_course(school, staff_api):
    hall = venue_make(school, name="接口教学楼")

    created = post(staff_api, "/api/catalog/courses", {**NEW_COURSE, "institution_code": school.code})
    assert created.status_code == 201, created.content
    course = created.json()
    assert {k: course[k] for k in ("code", "title", "institution_code", "state", "capacity", "enrolled_count",
                                   "target_groups", "sessions")} == {
        "code": "API-SHUFA-01", "title": "接口书法课", "institution_code": school.code, "state": "draft",
        "capacity": 20, "enrolled_count": 0, "target_groups": ["elderly"], "sessions": []}
    assert (Decimal(course["hours"]), Decimal(course["fee"])) == (Decimal(12), Decimal(30))

    session = post(staff_api, f"/api/catalog/courses/{course['id']}/sessions",
                   {"date": "2031-03-04", "start": "09:00", "end": "11:00", "venue_id": hall.pk, "room": "101"})
    assert session.status_code == 201, session.content
    assert {k: v for k, v in session.json().items() if k != "id"} == {
        "date": "2031-03-04", "start": "09:00:00", "end": "11:00:00", "venue": "接口教学楼", "room": "101"}

    published = post(staff_api, f"/api/catalog/courses/{course['id']}/state", {"state": "published"})
    assert published.status_code == 200
    assert (published.json()["state"], len(published.json()["sessions"])) == ("published", 1)
    assert Course.objects.get(pk=course["id"]).state == "published"


@pytest.mark.parametrize(("fields", "status", "errors"), [
    ({"fee": "-1"}, 422, {"fee": ["不能小于 0，而不是 -1"]}),
    ({"capacity": 0}, 422, {"capacity": ["不能小于 1，而不是 0"]}),
    ({"hours": "0"}, 422, {"hours": ["必须大于 0，而不是 0"]}),
    ({"kind": "knitting"}, 422, {"kind": ["「knitting」不是可选的值（可选：'community', 'elderly', 'vocational', "
                                          "'professional', 'cadre', 'academic', 'rural', 'family', 'health', "
                                          "'culture', 'digital' or 'law'）"]}),
    ({"mode": "radio"}, 422, {"mode": ["「radio」不是可选的值（可选：'offline', 'online' or 'blended'）"]}),
    ({"title": " "}, 422, {"title": ["必填"]}),
    ({"target_groups": ["martians"]}, 400, {"target_groups": ["未知的群体：martians"]}),
    ({"institution_code": "NO-SUCH"}, 400, {"institution_code": ["未知的机构代码「NO-SUCH」"]}),
    ({"teacher_ids": [999999999]}, 400, {"teacher_ids": ["没有这些编号：999999999"]}),
    ({"textbook_ids": [999999999]}, 400, {"textbook_ids": ["没有这些编号：999999999"]}),
])
def test_a_bad_course_is_refused_naming_the_field(school, staff_api, unchanged, fields, status, errors):
    nothing_changed = unchanged()

    response = post(staff_api, "/api/catalog/courses", {**NEW_COURSE, "institution_code": school.code, **fields})

    assert error(response, status)["errors"] == errors
    assert nothing_changed()


def test_a_course_names_only_teachers_of_its_own_institutions(world, school, staff_api, unchanged):
    from learncity.pools.services import teacher_create

    mine = teacher_create(actor=world.staff, name="本校教师", kind="part_time", institution_codes=[school.code])
    theirs = teacher_create(actor=world.district_admin_2, name="达川教师", kind="part_time",
                            institution_codes=[world.institution_2.code])
    nothing_changed = unchanged()

    refused = post(staff_api, "/api/catalog/courses", {**NEW_COURSE, "institution_code": school.code,
                                                       "teacher_ids": [mine.pk, theirs.pk]})

    assert error(refused, 400)["errors"] == {"teacher_ids": [f"没有这些编号：{theirs.pk}"]}
    assert nothing_changed()
    made = post(staff_api, "/api/catalog/courses", {**NEW_COURSE, "institution_code": school.code,
                                                    "teacher_ids": [mine.pk]})
    assert made.status_code == 201, made.content
    assert list(Course.objects.get(pk=made.json()["id"]).teachers.all()) == [mine]


@pytest.mark.parametrize(("fields", "loc"), [
    ({"capacity": "很多"}, "capacity"),
    ({"hours": "abc"}, "hours"),
    ({"fee": None}, "fee"),
])
def test_a_course_field_of_the_wrong_type_is_refused_by_the_schema(school, staff_api, unchanged, fields, loc):
    nothing_changed = unchanged()

    response = post(staff_api, "/api/catalog/courses", {**NEW_COURSE, "institution_code": school.code, **fields})

    assert list(error(response, 422)["errors"]) == [loc]
    assert nothing_changed()


def test_staff_cannot_create_a_course_for_another_districts_institution(world, staff_api, unchanged):
    nothing_changed = unchanged()

    response = post(staff_api, "/api/catalog/courses", {**NEW_COURSE, "institution_code": world.institution_2.code})

    error(response, 403, "permission_denied")
    assert nothing_changed()


def test_an_overlapping_or_backwards_session_is_refused(world, school, staff_api, unchanged):
    hall = venue_make(school, name="接口教学楼")
    taken = course_make(world.staff, school, title="太极拳", sessions=0)
    post(staff_api, f"/api/catalog/courses/{taken.pk}/sessions",
         {"date": "2031-03-04", "start": "09:00", "end": "11:00", "venue_id": hall.pk, "room": "101"})
    course = course_make(world.staff, school, sessions=0)
    nothing_changed = unchanged()
    url = f"/api/catalog/courses/{course.pk}/sessions"

    overlap = post(staff_api, url, {"date": "2031-03-04", "start": "10:30", "end": "12:00", "venue_id": hall.pk,
                                    "room": "101"})
    backwards = post(staff_api, url, {"date": "2031-03-04", "start": "12:00", "end": "11:00", "venue_id": hall.pk})
    bad_date = post(staff_api, url, {"date": "2031-02-30", "start": "12:00", "end": "13:00", "venue_id": hall.pk})

    assert error(overlap, 400)["errors"] == {"start": ["接口教学楼101 在 2031-03-04 09:00-11:00 已有课程「太极拳」"]}
    assert error(backwards, 400)["errors"] == {"end": ["结束时间 11:00 必须晚于开始时间 12:00"]}
    assert list(error(bad_date, 422)["errors"]) == ["date"]
    assert nothing_changed()
    # the next hour in the same room, and the same hours in another room, are free
    assert post(staff_api, url, {"date": "2031-03-04", "start": "11:00", "end": "12:00", "venue_id": hall.pk,
                                 "room": "101"}).status_code == 201
    assert post(staff_api, url, {"date": "2031-03-04", "start": "09:00", "end": "11:00", "venue_id": hall.pk,
                                 "room": "102"}).status_code == 201


@pytest.mark.parametrize(("state", "to", "message"), [
    (CourseState.DRAFT, "published", "线下课程发布前至少要安排一次课"),
    (CourseState.CLOSED, "published", "课程不能从「已结束」改为「published」"),
])
def test_a_state_change_that_is_not_allowed_is_refused(world, school, staff_api, unchanged, state, to, message):
    course = course_make(world.staff, school, sessions=0 if state == CourseState.DRAFT else 1, state=state)
    nothing_changed = unchanged()

    response = post(staff_api, f"/api/catalog/courses/{course.pk}/state", {"state": to})

    assert error(response, 400)["errors"] == {"state": [message]}
    assert nothing_changed()


def test_staff_update_a_course_but_not_below_its_enrolled(staff_api, published, unchanged):
    for _ in range(2):
        enrollment_create(actor=learner_make(TONGCHUAN), course=published)
    url = f"/api/catalog/courses/{published.pk}"

    renamed = staff_api.patch(url, {"title": "书法入门（春）", "fee": "10"}, content_type="application/json")
    assert renamed.status_code == 200
    assert (renamed.json()["title"], Decimal(renamed.json()["fee"])) == ("书法入门（春）", Decimal(10))

    nothing_changed = unchanged()
    shrunk = staff_api.patch(url, {"capacity": 1}, content_type="application/json")
    assert error(shrunk, 400)["errors"] == {"capacity": ["已有 2 人报名，名额不能少于报名人数"]}
    assert nothing_changed()


# --- enrolling -------------------------------------------------------------------------------------------


def test_learners_enroll_wait_and_move_up_when_a_seat_is_freed(api_as, staff_api, published):
    # given a course with 2 seats and 4 learners
    people = [learner_make(TONGCHUAN, name=n) for n in ("林一", "林二", "林三", "林四")]
    clients = [api_as(u) for u in people]
    url = f"/api/catalog/courses/{published.pk}/enrollments"

    # when they enroll one after another
    answers = [post(c, url) for c in clients]

    # then two are enrolled and two wait, in order
    assert [a.status_code for a in answers] == [201] * 4
    assert [(a.json()["learner_name"], a.json()["status"], a.json()["waitlist_position"]) for a in answers] == [
        ("林一", "enrolled", None), ("林二", "enrolled", None), ("林三", "waitlisted", 1), ("林四", "waitlisted", 2)]

    # when the first cancels, the first waiting takes the seat
    cancelled = clients[0].delete(f"/api/catalog/enrollments/{answers[0].json()['id']}")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    roster = staff_api.get(f"/api/catalog/courses/{published.pk}/roster")
    assert [(r["learner_name"], r["status"], r["waitlist_position"]) for r in roster.json()] == [
        ("林二", "enrolled", None), ("林三", "enrolled", None), ("林四", "waitlisted", 2)]
    assert Course.objects.get(pk=published.pk).enrolled_count == 2

    # and cancelling again is refused
    again = clients[0].delete(f"/api/catalog/enrollments/{answers[0].json()['id']}")
    assert error(again, 400)["errors"] == {"enrollment": ["已取消的报名不能取消"]}


def test_enrolling_twice_or_in_a_closed_course_is_refused(world, school, learner_api, published, unchanged):
    closed = course_make(world.staff, school, title="已结课", state=CourseState.CLOSED)
    assert post(learner_api, f"/api/catalog/courses/{published.pk}/enrollments").status_code == 201
    nothing_changed = unchanged()

    twice = post(learner_api, f"/api/catalog/courses/{published.pk}/enrollments")
    too_late = post(learner_api, f"/api/catalog/courses/{closed.pk}/enrollments")

    assert error(twice, 400, "already_enrolled")["errors"] == {"course": ["您已报名「书法入门」"]}
    assert error(too_late, 400, "course_not_open")["errors"] == {"course": ["课程「已结课」已结束，不能报名"]}
    assert nothing_changed()


def test_a_draft_is_not_found_by_a_learner(world, school, learner_api, unchanged):
    draft = course_make(world.staff, school)
    nothing_changed = unchanged()

    assert error(learner_api.get(f"/api/catalog/courses/{draft.pk}"), 404, "not_found")
    assert error(post(learner_api, f"/api/catalog/courses/{draft.pk}/enrollments"), 404, "not_found")
    assert nothing_changed()


def test_a_learner_cannot_cancel_someone_elses_enrollment(learner_api, published, unchanged):
    theirs = enrollment_create(actor=learner_make(TONGCHUAN), course=published)
    nothing_changed = unchanged()

    error(learner_api.delete(f"/api/catalog/enrollments/{theirs.pk}"), 404, "not_found")
    assert nothing_changed()


# --- attendance and completion ---------------------------------------------------------------------------


def test_the_whole_path_check_in_complete_and_see_the_hours_once(api_as, staff_api, published):
    # given a learner enrolled in 书法入门
    me = learner_make(TONGCHUAN)
    my_api = api_as(me)
    enrollment = post(my_api, f"/api/catalog/courses/{published.pk}/enrollments").json()
    session = first_session(published)

    # when staff show today's check-in code and the learner scans it (twice)
    code = staff_api.get(f"/api/catalog/sessions/{session.pk}/token").json()
    assert code["checkin_url"] == f"http://testserver/learn/checkin/?t={code['token']}"
    assert code["expires_in_seconds"] == 600
    first = post(my_api, "/api/catalog/checkin", {"token": code["token"]})
    second = post(my_api, "/api/catalog/checkin", {"token": code["token"]})

    # then they are checked in once
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert (first.json()["id"], first.json()["date"]) == (session.pk, today().isoformat())
    assert Attendance.objects.filter(enrollment_id=enrollment["id"]).count() == 1

    # when staff mark them completed with 12 hours and a score
    done = post(staff_api, f"/api/catalog/courses/{published.pk}/completions",
                {"entries": [{"enrollment_id": enrollment["id"], "hours": "12", "score": "91"}]})
    assert done.status_code == 200
    assert [(e["id"], e["status"], Decimal(e["completed_hours"]), Decimal(e["score"])) for e in done.json()] == [
        (enrollment["id"], "completed", Decimal(12), Decimal(91))]

    # then My learning counts the course's 12 hours once, not again with the 2 hours of attendance
    mine = my_api.get("/api/catalog/me/learning").json()
    assert Decimal(mine["total_hours"]) == Decimal(12)
    assert mine["record_count"] == 2
    assert sorted((r["kind"], Decimal(r["hours"]), r["source"]) for r in mine["records"]) == [
        ("attendance", Decimal(2), "qr"), ("completion", Decimal(12), "api")]
    assert [(e["id"], e["status"]) for e in mine["enrollments"]] == [(enrollment["id"], "completed")]


def _token_made_ago(monkeypatch, seconds: int, session, actor) -> str:
    real = time.time
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: real() - seconds))
    token = session_qr_token(actor=actor, session=session)
    monkeypatch.undo()
    return token


def test_an_expired_forged_or_unenrolled_check_in_is_refused(world, learner_api, published, monkeypatch,
                                                             unchanged):
    session = first_session(published)
    good = session_qr_token(actor=world.staff, session=session)
    expired = _token_made_ago(monkeypatch, 11 * 60, session, world.staff)
    nothing_changed = unchanged()

    not_enrolled = post(learner_api, "/api/catalog/checkin", {"token": good})
    enrollment_create(actor=world.learner, course=published)
    nothing_changed = unchanged()
    too_old = post(learner_api, "/api/catalog/checkin", {"token": expired})
    forged = post(learner_api, "/api/catalog/checkin", {"token": good[:-3] + "xyz"})

    assert error(not_enrolled, 400, "not_enrolled")["errors"] == {"token": ["您没有报名「书法入门」，不能签到"]}
    assert error(too_old, 400, "token_expired")["errors"] == {"token": ["签到码已过期，请让工作人员刷新签到码"]}
    assert error(forged, 400, "token_invalid")["errors"] == {"token": ["签到码无效"]}
    assert nothing_changed()


def test_staff_mark_attendance_but_not_for_another_course(world, school, staff_api, published, unchanged):
    mine = enrollment_create(actor=learner_make(TONGCHUAN), course=published)
    theirs = enrollment_create(actor=learner_make(TONGCHUAN), course=course_make(world.staff, school,
                                                                         state=CourseState.PUBLISHED))
    url = f"/api/catalog/sessions/{first_session(published).pk}/attendance"
    nothing_changed = unchanged()

    refused = post(staff_api, url, {"enrollment_ids": [mine.pk, theirs.pk]})
    assert error(refused, 400)["errors"] == {"enrollment_ids": [f"这些报名不属于本课程或未在读：[{theirs.pk}]"]}
    assert nothing_changed()

    marked = post(staff_api, url, {"enrollment_ids": [mine.pk]})
    assert (marked.status_code, [e["id"] for e in marked.json()]) == (200, [mine.pk])
    assert list(Attendance.objects.filter(enrollment=mine).values_list("method", flat=True)) == ["staff"]


@pytest.mark.parametrize(("entry", "status", "message"), [
    ({"hours": "13"}, 400, "林一：不能大于 12.0，而不是 13"),
    ({"hours": "0"}, 422, "必须大于 0，而不是 0"),
    ({"hours": "12", "score": "101"}, 422, "不能大于 100，而不是 101"),
    ({"hours": "12", "score": "-5"}, 422, "不能小于 0，而不是 -5"),
    ({"hours": "十二"}, 422, None),
])
def test_bad_completions_are_refused_all_or_nothing(staff_api, published, unchanged, entry, status, message):
    one, two = (enrollment_create(actor=learner_make(TONGCHUAN, name=n), course=published) for n in ("林一", "林二"))
    nothing_changed = unchanged()

    response = post(staff_api, f"/api/catalog/courses/{published.pk}/completions",
                    {"entries": [{"enrollment_id": two.pk, "hours": "12"}, {"enrollment_id": one.pk, **entry}]})

    body = error(response, status)
    if status == 400:
        assert body["errors"] == {f"enrollment_{one.pk}": [message]}
    elif message is not None:
        assert body["errors"] == {f"entries.1.{'score' if 'score' in entry else 'hours'}": [message]}
    else:
        assert list(body["errors"]) == ["entries.1.hours"]
    assert nothing_changed()


def test_a_waitlisted_learner_cannot_be_completed(staff_api, published, unchanged):
    made = [enrollment_create(actor=learner_make(TONGCHUAN), course=published) for _ in range(3)]
    nothing_changed = unchanged()

    response = post(staff_api, f"/api/catalog/courses/{published.pk}/completions",
                    {"entries": [{"enrollment_id": made[2].pk, "hours": "12"}]})

    assert error(response, 400)["errors"] == {
        f"enrollment_{made[2].pk}": [f"报名 {made[2].pk} 不在本课程的在读名单中，不能结业"]}
    assert nothing_changed()


# --- online resources ------------------------------------------------------------------------------------


def test_a_resource_is_recorded_once_when_watched_to_ninety_percent(world, school, learner_api, unchanged):
    resource = resource_make(school, minutes=20, title="接口微课")
    url = f"/api/catalog/resources/{resource.pk}/complete"
    nothing_changed = unchanged()

    short = post(learner_api, url, {"watched_seconds": 1079})
    assert error(short, 400)["errors"] == {"watched_seconds": ["尚未看完：已看 17 分钟，共 20 分钟"]}
    assert nothing_changed()

    done = post(learner_api, url, {"watched_seconds": 1080})
    again = post(learner_api, url, {"watched_seconds": 1200})
    assert done.status_code == again.status_code == 200
    assert done.json() == again.json()
    assert (done.json()["kind"], Decimal(done.json()["hours"]), done.json()["title"]) == (
        "resource", Decimal("0.3"), "接口微课")
    assert LearningRecord.objects.filter(resource=resource, learner=world.learner_profile).count() == 1


def test_an_unpublished_resource_is_not_found(school, learner_api, unchanged):
    hidden = resource_make(school, published=False)
    nothing_changed = unchanged()

    error(post(learner_api, f"/api/catalog/resources/{hidden.pk}/complete", {"watched_seconds": 9999}), 404,
          "not_found")
    assert nothing_changed()


# --- finding courses -------------------------------------------------------------------------------------


@pytest.fixture
def cuju(world, school, django_capture_on_commit_callbacks):
    """Courses with the rare word 蹴鞠 (no demo data has it), indexed as the services commit: a free offline one
    of the staff's school in 通川区 for the elderly (March 2031), a paid online one in 达川区, a free offline
    one in 达川区 (September 2031), one that has 蹴鞠 only in its description, and a draft."""
    with django_capture_on_commit_callbacks(execute=True):
        made = {
            "tongchuan": course_make(world.staff, school, title="蹴鞠入门", kind="health", target_groups=["elderly"],
                                 state=CourseState.PUBLISHED, session_date=datetime.date(2031, 3, 1)),
            "online": course_make(world.city_admin, world.institution_2, title="蹴鞠理论", mode=Mode.ONLINE,
                                  fee="100", sessions=0, state=CourseState.PUBLISHED),
            "later": course_make(world.city_admin, world.institution_2, title="蹴鞠提高", kind="health",
                                 state=CourseState.PUBLISHED, session_date=datetime.date(2031, 9, 1)),
            "described": course_make(world.staff, school, title="传统体育游戏", description="含蹴鞠、投壶等",
                                     state=CourseState.PUBLISHED, session_date=datetime.date(2031, 4, 1)),
            "draft": course_make(world.staff, school, title="蹴鞠草稿"),
        }
    return made


def hits(client, **params) -> list[tuple[str, int]]:
    response = client.get("/api/catalog/search", params)
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["total"] >= len(body["items"])
    return [(h["type"], h["id"]) for h in body["items"]]


def test_a_two_character_query_finds_titles_before_descriptions_and_no_drafts(learner_api, cuju):
    response = learner_api.get("/api/catalog/search", {"q": "蹴鞠"})

    body = response.json()
    assert body["total"] == 4
    got = [(h["type"], h["id"]) for h in body["items"]]
    assert set(got[:3]) == {("course", cuju[k].pk) for k in ("tongchuan", "online", "later")}
    assert got[3] == ("course", cuju["described"].pk)
    assert [h["title"] for h in body["items"]][3] == "传统体育游戏"


@pytest.mark.parametrize(("params", "which"), [
    ({"district": TONGCHUAN}, ["tongchuan", "described"]),
    ({"district": DACHUAN}, ["online", "later"]),
    ({"free": "true"}, ["tongchuan", "later", "described"]),
    ({"mode": "online"}, ["online"]),
    ({"kind": "health"}, ["tongchuan", "later"]),
    ({"group": "elderly"}, ["tongchuan"]),
    ({"date_from": "2031-08-01"}, ["later"]),
    ({"date_to": "2031-03-15"}, ["tongchuan"]),
    ({"date_from": "2031-03-15", "date_to": "2031-04-15"}, ["described"]),
    ({"types": "venue,event"}, []),
    ({"district": DACHUAN, "free": "true", "kind": "health"}, ["later"]),
])
def test_search_filters(learner_api, cuju, params, which):
    assert sorted(hits(learner_api, q="蹴鞠", **params)) == sorted(("course", cuju[w].pk) for w in which)


def test_search_pages_through_the_results(learner_api, cuju):
    everything = hits(learner_api, q="蹴鞠")

    pages = hits(learner_api, q="蹴鞠", limit=3) + hits(learner_api, q="蹴鞠", limit=3, offset=3)

    assert pages == everything
    assert len(everything) == 4


def test_another_two_character_query_and_its_pinyin_initials(learner_api, cuju):
    # 投壶 is only in one description; "cjrm" are the initials of 蹴鞠入门
    assert hits(learner_api, q="投壶") == [("course", cuju["described"].pk)]
    assert ("course", cuju["tongchuan"].pk) in hits(learner_api, q="cjrm", district=TONGCHUAN)


@pytest.mark.parametrize(("params", "errors"), [
    ({"district": "999999"}, {"district_code": ["未知区县代码：999999"]}),
    ({"kind": "knitting"}, {"kind": ["未知类别：knitting"]}),
    ({"mode": "radio"}, {"mode": ["未知方式：radio"]}),
    ({"group": "martians"}, {"group": ["未知群体：martians"]}),
    ({"types": "course,poem"}, {"types": ["未知类型：poem"]}),
    ({"date_from": "2031-05-01", "date_to": "2031-04-01"}, {"date_from": ["开始日期晚于结束日期"]}),
    ({"q": "书" * 101}, {"q": ["搜索词最多 100 个字符"]}),
])
def test_bad_search_filters_are_refused_naming_them(learner_api, params, errors):
    assert error(learner_api.get("/api/catalog/search", params), 400)["errors"] == errors


def test_a_search_date_that_is_not_a_date_is_refused_by_the_schema(learner_api):
    body = error(learner_api.get("/api/catalog/search", {"q": "书法", "date_from": "2031-13-01"}), 422)

    assert list(body["errors"]) == ["date_from"]


def test_the_published_courses_list_filters_by_district(world, school, learner_api):
    mine = course_make(world.staff, school, state=CourseState.PUBLISHED)
    draft = course_make(world.staff, school)
    neighbour = course_make(world.city_admin, world.institution_other, state=CourseState.PUBLISHED)  # 通川区's too
    far = course_make(world.city_admin, world.institution_2, state=CourseState.PUBLISHED)

    body = learner_api.get("/api/catalog/courses", {"district": TONGCHUAN, "limit": 100_000}).json()

    codes = {c["code"] for c in body["items"]}
    assert mine.code in codes
    assert neighbour.code in codes
    assert draft.code not in codes
    assert far.code not in codes
    assert codes == set(Course.objects.filter(state="published",
                                              institution__place__path__contains=f"/{TONGCHUAN}/")
                        .values_list("code", flat=True))


def test_a_refused_enrolment_is_explained_in_english_to_a_user_who_chose_english(world, api_as, published):
    # given the city admin, who has no learner profile, with English chosen
    course = published
    api = api_as(world.city_admin)
    api.cookies["django_language"] = "en"
    before = Enrollment.objects.count()

    response = api.post(f"/api/catalog/courses/{course.pk}/enrollments")

    assert response.status_code == 400
    assert response.json()["errors"] == {"learner": ["You have no learner profile yet, so you cannot enrol"]}
    assert Enrollment.objects.count() == before
