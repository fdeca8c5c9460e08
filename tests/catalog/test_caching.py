"""The catalog's pages from the cache (issue 16, item 4): anonymous pages whole, signed-in pages' course rows as
fragments; a change through a service shows on the next request; kept counts match the truth; every page stays
within its query budget; a poisoned query string is answered and never cached."""

import re

import pytest

from learncity.catalog.models import CourseState, Enrollment, EnrollmentStatus, Event
from learncity.catalog.services import (
    course_set_state,
    course_update,
    enrollment_cancel,
    enrollment_create,
    event_register,
    event_registration_cancel,
)
from learncity.core.cache import versions
from learncity.core.errors import DomainError
from tests.catalog.factories import course_make, event_make, learner_make
from tests.places.factories import DACHUAN, TONGCHUAN
from tests.portal.world import world_fixtures

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 15  # issue 16: no page issues more than 15 queries
world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


@pytest.fixture
def course(world, school):
    return course_make(world.staff, school, title="缓存书法入门", capacity=2, sessions=2,
                       state=CourseState.PUBLISHED)


def text(response) -> str:
    return response.content.decode()


def _untokened(page: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", page)


def test_an_anonymous_page_is_served_from_the_cache_the_second_time(client_as, course):
    visitor = client_as(None)

    first, second = visitor.get("/learn/"), visitor.get("/learn/")

    assert (first.status_code, first.headers.get("X-Cache")) == (200, "miss")
    assert (second.status_code, second.headers.get("X-Cache")) == (200, "hit")
    assert _untokened(text(second)) == _untokened(text(first))  # each visitor has their own CSRF token


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "resident"])
def test_a_renamed_course_shows_on_the_next_request_of_the_list_and_its_page(client_as, world, course, signed_in):
    visitor = client_as(learner_make(TONGCHUAN) if signed_in else None)
    for url in ("/learn/", f"/learn/courses/{course.pk}/"):
        assert "缓存书法入门" in text(visitor.get(url))  # cached now

    course_update(actor=world.staff, course=course, title="缓存国画入门")

    for url in ("/learn/", f"/learn/courses/{course.pk}/"):
        page = text(visitor.get(url))
        assert "缓存国画入门" in page
        assert "缓存书法入门" not in page


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "resident"])
def test_an_enrolment_taken_and_cancelled_shows_on_the_next_request(client_as, course, signed_in):
    visitor = client_as(learner_make(TONGCHUAN) if signed_in else None)
    learner = learner_make(TONGCHUAN)
    assert '<dd data-testid="seats">0 / 2</dd>' in text(visitor.get(f"/learn/courses/{course.pk}/"))
    assert "余 2 席" in text(visitor.get("/learn/"))

    enrollment = enrollment_create(actor=learner, course=course)

    assert '<dd data-testid="seats">1 / 2</dd>' in text(visitor.get(f"/learn/courses/{course.pk}/"))
    assert "余 1 席" in text(visitor.get("/learn/"))

    enrollment_cancel(actor=learner, enrollment=enrollment)

    assert '<dd data-testid="seats">0 / 2</dd>' in text(visitor.get(f"/learn/courses/{course.pk}/"))


def test_the_signed_in_learner_sees_their_own_enrolment_on_a_cached_course_page(client_as, course):
    me, other = learner_make(TONGCHUAN), learner_make(TONGCHUAN)
    mine, theirs = client_as(me), client_as(other)
    theirs.get(f"/learn/courses/{course.pk}/")  # the course's row is cached by the other learner's visit

    enrollment_create(actor=me, course=course)

    assert 'data-testid="cancel"' in text(mine.get(f"/learn/courses/{course.pk}/"))
    assert 'data-testid="enroll"' in text(theirs.get(f"/learn/courses/{course.pk}/"))


def test_a_registration_shows_on_the_next_request_of_the_event_page(client_as, world, school):
    event = event_make(school, capacity=5)
    visitor = client_as(None)
    assert "已报名 0 / 5" in text(visitor.get(f"/learn/events/{event.pk}/"))
    learner = learner_make(TONGCHUAN)

    registration = event_register(actor=learner, event=event)
    assert "已报名 1 / 5" in text(visitor.get(f"/learn/events/{event.pk}/"))

    event_registration_cancel(actor=learner, registration=registration)
    assert "已报名 0 / 5" in text(visitor.get(f"/learn/events/{event.pk}/"))


def test_a_draft_course_is_not_shown_from_the_cache_to_those_who_may_not_see_it(client_as, world, school):
    draft = course_make(world.staff, school, title="缓存草稿课程", state=CourseState.DRAFT)
    assert client_as(world.staff).get(f"/learn/courses/{draft.pk}/").status_code == 200  # its row is cached

    assert client_as(None).get(f"/learn/courses/{draft.pk}/").status_code == 404
    assert client_as(learner_make(TONGCHUAN)).get(f"/learn/courses/{draft.pk}/").status_code == 404


# --- kept counts ------------------------------------------------------------------------------------------------


def _truth(course) -> int:
    return Enrollment.objects.filter(course=course, status=EnrollmentStatus.ENROLLED).count()


def test_the_kept_enrolled_count_matches_the_enrolments_after_enrol_cancel_waitlist_and_bad_input(course):
    a, b, c = learner_make(TONGCHUAN), learner_make(TONGCHUAN), learner_make(TONGCHUAN)
    ea = enrollment_create(actor=a, course=course)
    enrollment_create(actor=b, course=course)
    ec = enrollment_create(actor=c, course=course)  # full: waiting
    assert ec.status == EnrollmentStatus.WAITLISTED
    with pytest.raises(DomainError):
        enrollment_create(actor=a, course=course)  # twice: refused, nothing counted
    course.refresh_from_db()
    assert course.enrolled_count == _truth(course) == 2

    enrollment_cancel(actor=a, enrollment=ea)  # the seat goes to the one waiting
    with pytest.raises(DomainError):
        enrollment_cancel(actor=a, enrollment=ea)  # cancelled already: refused, nothing counted
    course.refresh_from_db()
    assert course.enrolled_count == _truth(course) == 2


def test_the_kept_registered_count_matches_the_registrations_after_register_cancel_and_bad_input(school):
    event = event_make(school, capacity=1)
    learner, late = learner_make(TONGCHUAN), learner_make(TONGCHUAN)
    registration = event_register(actor=learner, event=event)
    with pytest.raises(DomainError):
        event_register(actor=late, event=event)  # full
    event.refresh_from_db()
    assert event.registered_count == event.registrations.exclude(status="cancelled").count() == 1

    event_registration_cancel(actor=learner, registration=registration)
    with pytest.raises(DomainError):
        event_registration_cancel(actor=learner, registration=registration)
    event.refresh_from_db()
    assert event.registered_count == event.registrations.exclude(status="cancelled").count() == 0


def test_a_waitlisted_enrolment_does_not_drop_the_cached_pages(course):
    enrollment_create(actor=learner_make(TONGCHUAN), course=course)
    enrollment_create(actor=learner_make(TONGCHUAN), course=course)
    before = versions("catalog")["catalog"]

    enrollment_create(actor=learner_make(TONGCHUAN), course=course)  # full: a place on the waiting list changes nothing shown

    assert versions("catalog")["catalog"] == before


# --- query budgets -------------------------------------------------------------------------------------------


@pytest.fixture
def pages(course, school):
    event = event_make(school, venue=course.sessions.first().venue)
    return {"list": "/learn/", "search": "/learn/?q=书法", "course": f"/learn/courses/{course.pk}/",
            "events": "/learn/events/", "event": f"/learn/events/{event.pk}/", "venues": "/learn/venues/",
            "venue": f"/learn/venues/{event.venue_id}/"}


@pytest.mark.parametrize("who", ["anonymous", "resident", "staff"])
@pytest.mark.parametrize("page", ["list", "search", "course", "events", "event", "venues", "venue"])
def test_every_catalog_page_stays_within_its_query_budget_on_a_cold_cache(client_as, users, pages, who, page,
                                                                            django_assert_max_num_queries):
    # the demo city's resident and staff, on purpose: the budget is that of a full city's visitors, with the
    # enrolments, courses and scope the demo gives them (the world's have next to none)
    visitor = client_as({"anonymous": None, "resident": users["learner"], "staff": users["staff"]}[who])

    with django_assert_max_num_queries(PAGE_BUDGET):
        response = visitor.get(pages[page])

    assert response.status_code == 200


def test_a_cached_anonymous_page_takes_one_query(client_as, pages, django_assert_num_queries):
    visitor = client_as(None)
    for url in pages.values():
        visitor.get(url)

    for url in pages.values():
        with django_assert_num_queries(1):  # the versions
            assert visitor.get(url).headers["X-Cache"] == "hit"


# --- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["&".join(f"p{i}=1" for i in range(10_000)), "q=" + "书" * 35_000],
                         ids=["10,000 parameters", "a 100 KB q"])
@pytest.mark.parametrize("url", ["/learn/", "/learn/events/", "/learn/venues/"])
def test_a_poisoned_query_string_is_answered_and_never_cached(client, url, query):
    first, second = client.get(f"{url}?{query}"), client.get(f"{url}?{query}")

    assert first.status_code in (200, 400)
    assert second.status_code == first.status_code
    assert "X-Cache" not in first.headers and "X-Cache" not in second.headers


@pytest.mark.parametrize("url, field", [("/learn/events/?page=abc", "页码"), ("/learn/events/?from=2026-13-01", "日期"),
                                        ("/learn/venues/?page=0", "页码"), ("/learn/?date_from=tomorrow", "日期"),
                                        ("/learn/venues/?q=" + "馆" * 101, "101 个字符")])
def test_bad_parameters_keep_their_400_and_are_not_cached(client, url, field):
    first, second = client.get(url), client.get(url)

    assert (first.status_code, second.status_code) == (400, 400)
    assert field in text(second)
    assert "X-Cache" not in second.headers


def test_an_unknown_course_is_a_404_not_cached(client):
    assert client.get("/learn/courses/999999/").status_code == 404
    again = client.get("/learn/courses/999999/")
    assert again.status_code == 404 and "X-Cache" not in again.headers


def test_a_write_past_the_services_shows_after_the_next_bump(client, school):
    """The services are the only writers that invalidate: a direct write (an administrator's SQL) is seen once
    something bumps the catalog's version, and at once then."""
    from learncity.core.cache import bump

    event = event_make(school, capacity=5)
    assert "已报名 0 / 5" in text(client.get(f"/learn/events/{event.pk}/"))
    Event.objects.filter(pk=event.pk).update(registered_count=1)
    assert "已报名 0 / 5" in text(client.get(f"/learn/events/{event.pk}/"))
    bump("catalog")
    assert "已报名 1 / 5" in text(client.get(f"/learn/events/{event.pk}/"))


def test_a_course_published_at_a_venue_shows_on_the_next_request_of_its_page_signed_in(client_as, world, school):
    draft = course_make(world.staff, school, title="缓存场馆课程", state=CourseState.DRAFT)
    venue_id = draft.sessions.first().venue_id
    visitor = client_as(learner_make(TONGCHUAN))
    assert "缓存场馆课程" not in text(visitor.get(f"/learn/venues/{venue_id}/"))  # cached without it

    course_set_state(actor=world.staff, course=draft, state=CourseState.PUBLISHED)

    assert "缓存场馆课程" in text(visitor.get(f"/learn/venues/{venue_id}/"))


def test_a_renamed_course_shows_on_the_next_search_signed_in(client_as, world, course,
                                                             django_capture_on_commit_callbacks):
    visitor = client_as(learner_make(TONGCHUAN))
    with django_capture_on_commit_callbacks(execute=True):
        course_update(actor=world.staff, course=course, title="缓存蹴鞠入门")
    assert "缓存蹴鞠入门" in text(visitor.get("/learn/", {"q": "蹴鞠"}))  # cached now

    with django_capture_on_commit_callbacks(execute=True):  # the index is written once the change commits
        course_update(actor=world.staff, course=course, title="缓存蹴鞠进阶")

    page = text(visitor.get("/learn/", {"q": "蹴鞠"}))
    assert "缓存蹴鞠进阶" in page
    assert "缓存蹴鞠入门" not in page


def test_learners_of_two_districts_each_see_their_own_picks_whatever_the_query_string(client_as, world, school):
    course_make(world.staff, school, title="缓存通川课程", state=CourseState.PUBLISHED, featured=True)
    tongchuan, dachuan = client_as(learner_make(TONGCHUAN)), client_as(learner_make(DACHUAN))

    assert "缓存通川课程" in text(tongchuan.get("/learn/", {"utm": "1"}))
    assert "缓存通川课程" not in text(dachuan.get("/learn/", {"utm": "1"}))  # not the Tongchuan learner's page
