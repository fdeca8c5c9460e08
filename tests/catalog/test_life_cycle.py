"""A course's life cycle (issue 15, item 2): its phase from its sessions' dates (报名中 / 即将开始 / 进行中 /
已结束), and enrolment and the waiting list refused once a course has ended or most of its sessions are past —
through the service, the page and the API, with nothing written."""

import datetime

import pytest

from learncity.catalog.models import (
    Attendance,
    Course,
    CoursePhase,
    CourseSession,
    CourseState,
    Enrollment,
    EnrolmentState,
    LearningRecord,
)
from learncity.catalog.services import enrollment_create
from learncity.core.errors import DomainError
from learncity.core.models import AuditEvent
from tests.catalog.factories import TERM, course_make, learner_make, today
from tests.places.factories import TONGCHUAN
from tests.portal.world import world_fixtures

DAY = datetime.timedelta(days=1)
world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)


def snapshot() -> dict:
    return {
        "courses": list(Course.objects.filter(term=TERM).order_by("pk").values_list(
            "pk", "state", "enrolled_count", "capacity")),
        "sessions": list(CourseSession.objects.filter(course__term=TERM).order_by("pk").values_list("pk", "date")),
        "enrollments": list(Enrollment.objects.filter(course__term=TERM).order_by("pk").values_list(
            "pk", "learner_id", "status", "waitlist_position")),
        "attendances": Attendance.objects.count(),
        "records": LearningRecord.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


def course_from(world, school, *, first: datetime.timedelta, sessions: int, capacity: int = 30,
                state: str = CourseState.PUBLISHED) -> Course:
    """A course of `sessions` daily sessions whose first is `first` from today."""
    return course_make(world.staff, school, title="书法入门", capacity=capacity, sessions=sessions,
                       session_date=today() + first, state=state)


@pytest.mark.parametrize(("first", "sessions", "phase", "open_", "past"), [
    (30 * DAY, 4, CoursePhase.OPEN, True, 0),            # starts in a month
    (8 * DAY, 4, CoursePhase.OPEN, True, 0),             # just beyond "starting soon"
    (7 * DAY, 4, CoursePhase.STARTING, True, 0),         # within the week
    (DAY, 4, CoursePhase.STARTING, True, 0),             # tomorrow
    (0 * DAY, 4, CoursePhase.RUNNING, True, 0),          # its first session is today
    (-2 * DAY, 4, CoursePhase.RUNNING, True, 2),         # half of them past: still open
    (-3 * DAY, 4, CoursePhase.RUNNING, False, 3),        # 3 of 4 past: mostly passed, closed
    (-13 * DAY, 16, CoursePhase.RUNNING, False, 13),     # 13 of 16 past, as the issue found
    (-4 * DAY, 4, CoursePhase.ENDED, False, 4),          # the last was yesterday
    (-30 * DAY, 1, CoursePhase.ENDED, False, 1),
])
def test_a_course_phase_and_enrolment_follow_its_sessions_dates(world, school, first, sessions, phase, open_, past):
    course = course_from(world, school, first=first, sessions=sessions)

    cycle = course.life_cycle()

    assert cycle == {"phase": phase, "enrolment_open": open_, "session_count": sessions, "sessions_past": past,
                     "enrolment_state": cycle["enrolment_state"], "enrol_opens": None, "enrol_closes": None}
    assert cycle["enrolment_state"] == (EnrolmentState.OPEN if open_ else EnrolmentState.ENDED
                                        if phase == CoursePhase.ENDED else EnrolmentState.MOSTLY_PAST)
    assert Course.objects.with_phase().get(pk=course.pk).phase == phase


def test_a_course_without_sessions_is_open_and_a_closed_course_has_ended(world, school):
    online = course_make(world.staff, school, mode="online", sessions=0, state=CourseState.PUBLISHED)
    closed = course_from(world, school, first=10 * DAY, sessions=2, state=CourseState.CLOSED)
    draft = course_from(world, school, first=10 * DAY, sessions=2, state=CourseState.DRAFT)

    assert online.life_cycle() == {"phase": CoursePhase.OPEN, "enrolment_open": True, "session_count": 0,
                                   "sessions_past": 0, "enrolment_state": EnrolmentState.OPEN,
                                   "enrol_opens": None, "enrol_closes": None}
    assert closed.life_cycle()["phase"] == CoursePhase.ENDED
    assert (draft.life_cycle()["phase"], draft.life_cycle()["enrolment_open"]) == (CoursePhase.OPEN, False)


def test_the_phase_is_taken_on_the_day_asked(world, school):
    course = course_from(world, school, first=2 * DAY, sessions=2)

    assert [course.life_cycle(today() + n * DAY)["phase"] for n in (-10, 0, 2, 3, 4)] == [
        CoursePhase.OPEN, CoursePhase.STARTING, CoursePhase.RUNNING, CoursePhase.RUNNING, CoursePhase.ENDED]


# --- enrolment refused -------------------------------------------------------------------------------------


def refused(**kwargs) -> DomainError:
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        enrollment_create(**kwargs)
    assert snapshot() == before
    return exc.value


def test_an_ended_course_takes_no_enrolment(world, school):
    course = course_from(world, school, first=-5 * DAY, sessions=3)

    exc = refused(actor=world.learner, course=course)

    assert (exc.code, exc.errors) == ("course_ended", {"course": ["课程「书法入门」已结束，不能报名或候补"]})


def test_a_full_ended_course_takes_nobody_on_its_waiting_list(world, school):
    course = course_from(world, school, first=0 * DAY, sessions=1, capacity=1)
    enrollment_create(actor=learner_make(TONGCHUAN, name="林一"), course=course)  # its one seat taken on the day
    CourseSession.objects.filter(course=course).update(date=today() - 2 * DAY)  # two days later

    exc = refused(actor=world.learner, course=course)

    assert exc.code == "course_ended"


def test_a_course_mostly_past_takes_no_enrolment_and_no_waiting(world, school):
    course = course_from(world, school, first=-13 * DAY, sessions=16)
    full = course_from(world, school, first=0 * DAY, sessions=4, capacity=1)
    enrollment_create(actor=learner_make(TONGCHUAN, name="林一"), course=full)
    for n, session in enumerate(full.sessions.order_by("date")):  # three days later
        CourseSession.objects.filter(pk=session.pk).update(date=today() + (n - 3) * DAY)

    exc = refused(actor=world.learner, course=course)
    waiting = refused(actor=world.learner, course=full)

    assert (exc.code, exc.errors) == ("enrolment_closed",
                                      {"course": ["课程「书法入门」的 16 次课已上过 13 次，报名已截止"]})
    assert (waiting.code, waiting.errors) == ("enrolment_closed",
                                              {"course": ["课程「书法入门」的 4 次课已上过 3 次，报名已截止"]})


def test_a_course_half_past_still_takes_a_learner(world, school):
    course = course_from(world, school, first=-2 * DAY, sessions=4)

    enrollment = enrollment_create(actor=world.learner, course=course)

    assert enrollment.status == "enrolled"


def test_the_page_refuses_an_ended_course_with_the_reason_and_writes_nothing(world, client_as, school):
    course = course_from(world, school, first=-5 * DAY, sessions=3)
    before = snapshot()

    response = client_as(world.learner).post(f"/learn/courses/{course.pk}/enroll/", follow=True)

    assert response.status_code == 200
    assert "课程「书法入门」已结束，不能报名或候补" in response.content.decode()
    assert snapshot() == before


def test_the_api_refuses_an_ended_or_mostly_past_course_and_writes_nothing(world, api_as, school):
    ended = course_from(world, school, first=-5 * DAY, sessions=3)
    mostly = course_from(world, school, first=-3 * DAY, sessions=4)
    client = api_as(world.learner)
    before = snapshot()

    answers = [client.post(f"/api/catalog/courses/{c.pk}/enrollments", {}, content_type="application/json")
               for c in (ended, mostly)]

    assert [a.status_code for a in answers] == [400, 400]
    assert [a.json()["errors"] for a in answers] == [
        {"course": ["课程「书法入门」已结束，不能报名或候补"]},
        {"course": ["课程「书法入门」的 4 次课已上过 3 次，报名已截止"]}]
    assert snapshot() == before


def test_english_speakers_read_the_refusal_in_english(world, school):
    from django.utils import translation

    course = course_from(world, school, first=-5 * DAY, sessions=3)

    with translation.override("en"):
        exc = refused(actor=world.learner, course=course)

    assert exc.errors == {"course": ["The course “书法入门” has ended: it takes no enrolments and no waiting list"]}


# --- shown: badges, the course page, the latest courses, search ---------------------------------------------


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def badge(text: str) -> str:
    return f'data-testid="phase">{text}</span>'


@pytest.mark.parametrize(("first", "sessions", "text"), [
    (30 * DAY, 2, "报名中"), (3 * DAY, 2, "即将开始"), (0 * DAY, 2, "进行中"), (-5 * DAY, 2, "已结束")])
def test_the_course_page_shows_the_phase_in_words(world, client_as, school, first, sessions, text):
    course = course_from(world, school, first=first, sessions=sessions)

    html = page(client_as(world.learner).get(f"/learn/courses/{course.pk}/"))

    assert html.count('data-testid="phase"') == 1
    assert badge(text) in html


def test_the_course_page_hides_the_enrol_button_of_an_ended_course_and_says_why(world, client_as, school):
    ended = course_from(world, school, first=-5 * DAY, sessions=3)
    mostly = course_from(world, school, first=-3 * DAY, sessions=4)
    running = course_from(world, school, first=-1 * DAY, sessions=4)
    client = client_as(world.learner)

    ended_page, mostly_page, running_page = (page(client.get(f"/learn/courses/{c.pk}/"))
                                             for c in (ended, mostly, running))

    assert 'data-testid="enroll"' not in ended_page
    assert '<p data-testid="enrolment-closed">本课程已结束，不再接受报名和候补。</p>' in ended_page
    assert 'data-testid="enroll"' not in mostly_page
    assert '<p data-testid="enrolment-closed">本课程 4 次课已上过 3 次，报名已截止。</p>' in mostly_page
    assert '<button type="submit" data-testid="enroll">报名</button>' in running_page
    assert 'data-testid="enrolment-closed"' not in running_page


def test_the_course_page_says_why_in_english_too(world, client_as, school):
    course = course_from(world, school, first=-3 * DAY, sessions=4)
    client = client_as(world.learner)
    client.cookies["django_language"] = "en"

    html = page(client.get(f"/learn/courses/{course.pk}/"))

    assert "3 of this course's 4 sessions have passed: enrolment has closed." in html
    assert badge("In progress") in html


def test_the_latest_courses_leave_out_ended_ones_and_show_their_phase(world, client_as, school):
    ended = course_from(world, school, first=-5 * DAY, sessions=2)
    starting = course_from(world, school, first=2 * DAY, sessions=2)
    Course.objects.filter(pk__in=[ended.pk, starting.pk]).update(featured=True)  # first in the list

    html = page(client_as(None).get("/learn/"))

    assert "最新课程" in html
    assert f'href="/learn/courses/{starting.pk}/"' in html
    assert f'href="/learn/courses/{ended.pk}/"' not in html
    card = html.split(f'href="/learn/courses/{starting.pk}/"', 1)[1].split("</h3>", 1)[0]
    assert badge("即将开始") in card


@pytest.fixture
def guqin(world, school):
    """Two published courses found by 古琴修复: one that has ended, one that starts in a month; indexed."""
    from learncity.catalog.search import index_documents

    made = {name: course_make(world.staff, school, title=title, sessions=2, session_date=today() + first,
                              state=CourseState.PUBLISHED)
            for name, title, first in (("ended", "古琴修复（上期）", -10 * DAY), ("open", "古琴修复（本期）", 30 * DAY))}
    index_documents(list(made.values()))
    return made


def test_search_leaves_out_ended_courses_unless_asked_and_says_which_are_closed(client_as, world, guqin):
    client = client_as(world.learner)

    default = page(client.get("/learn/", {"q": "古琴修复"}))
    including = page(client.get("/learn/", {"q": "古琴修复", "ended": "1"}))

    assert f'/learn/courses/{guqin["open"].pk}/' in default
    assert f'/learn/courses/{guqin["ended"].pk}/' not in default
    assert f'/learn/courses/{guqin["open"].pk}/' in including
    assert f'/learn/courses/{guqin["ended"].pk}/' in including
    assert badge("报名中") in default and badge("已结束") not in default
    assert badge("报名中") in including and badge("已结束") in including
    assert 'name="ended" value="1" style="width:auto" data-testid="include-ended" checked' in including


def test_the_search_api_leaves_out_ended_courses_unless_asked(api_as, world, guqin):
    client = api_as(world.learner)

    default = client.get("/api/catalog/search", {"q": "古琴修复", "types": "course"})
    including = client.get("/api/catalog/search", {"q": "古琴修复", "types": "course", "include_ended": "true"})

    assert [h["id"] for h in default.json()["items"]] == [guqin["open"].pk]
    assert sorted(h["id"] for h in including.json()["items"]) == sorted([guqin["open"].pk, guqin["ended"].pk])


# --- the enrolment window and late enrolment (the provider's say) -------------------------------------------


def windowed(world, school, *, first=30 * DAY, sessions=4, **window) -> Course:
    return course_make(world.staff, school, title="书法入门", sessions=sessions, session_date=today() + first,
                       state=CourseState.PUBLISHED, **window)


@pytest.mark.parametrize(("window", "state"), [
    ({"enrol_opens": today() + 5 * DAY}, EnrolmentState.NOT_YET),
    ({"enrol_opens": today() + DAY, "enrol_closes": today() + 9 * DAY}, EnrolmentState.NOT_YET),
    ({"enrol_closes": today() - DAY}, EnrolmentState.CLOSED),
    ({"enrol_opens": today() - 9 * DAY, "enrol_closes": today() - DAY}, EnrolmentState.CLOSED),
    ({"enrol_opens": today(), "enrol_closes": today()}, EnrolmentState.OPEN),  # both days included
    ({"enrol_opens": today() - 9 * DAY}, EnrolmentState.OPEN),
])
def test_enrolment_opens_and_closes_by_date(world, school, window, state):
    course = windowed(world, school, **window)

    cycle = course.life_cycle()

    assert (cycle["enrolment_state"], cycle["enrolment_open"], cycle["phase"]) == (
        state, state == EnrolmentState.OPEN, CoursePhase.OPEN)
    assert Course.objects.with_phase().filter(enrolment_open=True, pk=course.pk).exists() == (
        state == EnrolmentState.OPEN)


def test_late_enrolment_lets_learners_join_a_course_mostly_past_but_not_one_ended(world, school):
    late = windowed(world, school, first=-3 * DAY, late_enrolment=True)
    ended = windowed(world, school, first=-5 * DAY, late_enrolment=True)

    enrollment = enrollment_create(actor=world.learner, course=late)

    assert (late.life_cycle()["enrolment_state"], enrollment.status) == (EnrolmentState.OPEN, "enrolled")
    assert refused(actor=world.learner, course=ended).code == "course_ended"


def test_enrolment_outside_its_window_is_refused_saying_when(world, school):
    early = windowed(world, school, enrol_opens=today() + 5 * DAY)
    late = windowed(world, school, enrol_closes=today() - DAY)

    not_yet = refused(actor=world.learner, course=early)
    closed = refused(actor=world.learner, course=late)

    assert (not_yet.code, not_yet.errors) == ("enrolment_not_open", {"course": [
        f"课程「书法入门」{(today() + 5 * DAY).isoformat()} 开始报名，现在还不能报名或候补"]})
    assert (closed.code, closed.errors) == ("enrolment_closed", {"course": [
        f"课程「书法入门」的报名已于 {(today() - DAY).isoformat()} 截止"]})


def test_the_course_page_shows_the_window_and_why_it_is_closed(world, client_as, school):
    course = windowed(world, school, enrol_opens=today() - 9 * DAY, enrol_closes=today() - DAY)

    html = page(client_as(world.learner).get(f"/learn/courses/{course.pk}/"))

    window = f"{(today() - 9 * DAY).isoformat()} 至 {(today() - DAY).isoformat()}"
    assert f'data-testid="enrolment-window">{window}</dd>' in html
    assert f"报名已于 {(today() - DAY).isoformat()} 截止。" in html
    assert 'data-testid="enroll"' not in html


@pytest.mark.parametrize("window", [{"enrol_opens": today() + 5 * DAY}, {"enrol_closes": today() - DAY}])
def test_a_course_not_taking_enrolments_is_not_badged_enrolling(world, client_as, school, window):
    # its first session is a month away (phase open), but its window is not open: the badge must not say 报名中
    from learncity.catalog.search import index_documents

    course = windowed(world, school, **window)
    index_documents([course])
    anyone = client_as(world.learner)

    detail = page(anyone.get(f"/learn/courses/{course.pk}/"))
    found = page(anyone.get("/learn/", {"q": "书法入门"}))
    anyone.cookies["django_language"] = "en"
    english = page(anyone.get(f"/learn/courses/{course.pk}/"))

    assert badge("未在报名期") in detail and badge("报名中") not in detail
    assert badge("未在报名期") in found and badge("报名中") not in found
    assert badge("Not taking enrolments") in english


def course_payload(school, **extra) -> dict:
    return {"institution_code": school.code, "code": "TC-WINDOW-1", "title": "书法入门", "kind": "culture",
            "hours": "12", "capacity": 30, "term": "2026秋", **extra}


def test_the_api_sets_the_window_and_lists_the_phase(world, api_as, school):
    client = api_as(world.staff)

    made = client.post("/api/catalog/courses", course_payload(
        school, enrol_opens="2026-09-01", enrol_closes="2026-09-20", late_enrolment=True, title_en="Calligraphy",
        tags="书法, calligraphy，楷书"), content_type="application/json")
    changed = client.patch(f"/api/catalog/courses/{made.json()['id']}", {"enrol_closes": None, "late_enrolment": False},
                           content_type="application/json")

    assert made.status_code == 201
    body = made.json()
    assert (body["enrol_opens"], body["enrol_closes"], body["late_enrolment"], body["title_en"], body["tags"]) == (
        "2026-09-01", "2026-09-20", True, "Calligraphy", ["书法", "calligraphy", "楷书"])
    assert (body["phase"], body["enrolment_open"], body["enrolment_state"]) == ("open", False, "not_published")
    assert changed.status_code == 200
    assert (changed.json()["enrol_opens"], changed.json()["enrol_closes"], changed.json()["late_enrolment"]) == (
        "2026-09-01", None, False)


def test_the_api_refuses_a_window_that_closes_before_it_opens_and_writes_nothing(world, api_as, school):
    client = api_as(world.staff)
    before = Course.objects.count()

    answer = client.post("/api/catalog/courses", course_payload(school, enrol_opens="2026-09-20",
                                                                enrol_closes="2026-09-01"),
                         content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["errors"] == {"enrol_closes": ["报名截止日期 2026-09-01 早于报名开始日期 2026-09-20"]}
    assert Course.objects.count() == before


def test_a_patch_that_would_close_before_opening_is_refused(world, api_as, school):
    course = windowed(world, school, enrol_opens=today() + 5 * DAY)
    client = api_as(world.staff)

    answer = client.patch(f"/api/catalog/courses/{course.pk}", {"enrol_closes": (today() + DAY).isoformat()},
                          content_type="application/json")

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["enrol_closes"]
    assert Course.objects.get(pk=course.pk).enrol_closes is None


def test_the_course_form_takes_the_window_and_refuses_bad_dates(world, client_as, school):
    client = client_as(world.staff)
    form = {"institution_code": school.code, "code": "TC-FORM-1", "title": "书法入门", "kind": "culture",
            "mode": "offline", "term": "2026秋", "hours": "12", "fee": "0", "capacity": "30"}
    before = Course.objects.count()

    backwards = client.post("/learn/manage/courses/new/", {**form, "enrol_opens": "2026-09-20",
                                                          "enrol_closes": "2026-09-01"})
    garbled = client.post("/learn/manage/courses/new/", {**form, "enrol_opens": "20.09.2026"})
    made = client.post("/learn/manage/courses/new/", {**form, "enrol_opens": "2026-09-01", "enrol_closes": "2026-09-20",
                                                      "late_enrolment": "on", "title_en": "Calligraphy"})

    assert backwards.status_code == 400
    assert "报名截止日期 2026-09-01 早于报名开始日期 2026-09-20" in backwards.content.decode()
    assert garbled.status_code == 400
    assert "「20.09.2026」不是日期（YYYY-MM-DD）" in garbled.content.decode()
    assert made.status_code == 302
    course = Course.objects.get(code="TC-FORM-1")
    assert (course.enrol_opens, course.enrol_closes, course.late_enrolment, course.title_en) == (
        datetime.date(2026, 9, 1), datetime.date(2026, 9, 20), True, "Calligraphy")
    assert Course.objects.count() == before + 1


def test_search_says_how_many_ended_courses_also_match_with_a_link(client_as, api_as, world, guqin):
    client = client_as(world.learner)

    default = page(client.get("/learn/", {"q": "古琴修复"}))
    including = page(client.get("/learn/", {"q": "古琴修复", "ended": "1"}))
    api = api_as(world.learner).get("/api/catalog/search", {"q": "古琴修复"})

    assert 'data-testid="ended-matches">另有 1 门已结束的课程也匹配，<a href="?q=%E5%8F%A4%E7%90%B4%E4%BF%AE%E5%A4%8D&amp;ended=1">' in default
    assert 'data-testid="ended-matches"' not in including
    assert (api.json()["total"], api.json()["ended_total"]) == (1, 1)
