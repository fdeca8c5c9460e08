"""Events and venues in the API: lists by date overlap and place (public), details, sign-up and cancel by the
resident, check-in by the organiser's staff; bad inputs answered with their code and field, nothing written."""

import datetime

import pytest

from learncity.catalog.models import EventRegistration, LearningRecord, Venue
from learncity.catalog.services import event_register
from tests.catalog.factories import course_make, event_make, event_on, learner_make, profile
from tests.places.factories import DACHUAN, TONGCHUAN
from tests.portal.world import world_fixtures

world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)

HOUR = datetime.timedelta(hours=1)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content.decode()[:1000]
    body = response.json()
    assert body["code"] == code
    return body


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


@pytest.fixture
def hall(school):
    return Venue.objects.create(name="接口测试展厅", kind=Venue.Kind.CULTURAL_STATION, place=school.place,
                                institution=school, address="通川区测试街道五四路 128 号",
                                opening_hours="周一至周日 8:30-21:00", transit_note="公交 5 路至「东街口」站")


def test_the_event_list_is_public_and_filtered_by_date_overlap_and_district(world, client_as, school, hall):
    spanning = event_on(school, datetime.date(2031, 8, 20), datetime.date(2031, 9, 30), venue=hall)
    event_on(school, datetime.date(2031, 7, 20), datetime.date(2031, 8, 3), venue=hall)
    event_on(world.institution_2, datetime.date(2031, 9, 2), datetime.date(2031, 9, 2))

    response = client_as(None).get("/api/catalog/events", {"date_from": "2031-09-01", "date_to": "2031-09-30",
                                                           "district": TONGCHUAN})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["venue_name"], item["organiser_code"], item["capacity"], item["seats_left"]) == (
        spanning.pk, "接口测试展厅", school.code, 0, None)


@pytest.mark.parametrize(("params", "status", "code", "field", "message"), [
    ({"district": "999999"}, 400, "unknown_place", "district", "未知的区县代码「999999」"),
    ({"date_from": "2031-09-30", "date_to": "2031-09-01"}, 400, "invalid", "date_to",
     "结束日期 2031-09-01 早于开始日期 2031-09-30"),
    ({"kind": "party"}, 400, "invalid", "kind", "未知的活动类型「party」"),
    ({"date_to": "9999-12-31"}, 422, "invalid_input", "date_to",
     "不能大于 2100-12-31，而不是 9999-12-31"),
    ({"date_from": "0001-01-01"}, 422, "invalid_input", "date_from",
     "不能小于 1900-01-01，而不是 0001-01-01"),
])
def test_a_bad_event_filter_names_its_field(client_as, params, status, code, field, message):
    body = error(client_as(None).get("/api/catalog/events", params), status, code)

    assert body["errors"] == {field: [message]}


def test_an_event_and_a_venue_in_detail(world, client_as, school, hall):
    event = event_make(school, venue=hall, capacity=20, title="接口讲座")
    course = course_make(world.staff, school, title="接口书法", venue=hall, state="published")
    event_register(actor=learner_make(TONGCHUAN), event=event)

    got = client_as(None).get(f"/api/catalog/events/{event.pk}").json()
    venue = client_as(None).get(f"/api/catalog/venues/{hall.pk}").json()

    assert (got["title"], got["registered_count"], got["seats_left"]) == ("接口讲座", 1, 19)
    assert (got["venue"]["address"], got["venue"]["transit_note"]) == ("通川区测试街道五四路 128 号", "公交 5 路至「东街口」站")
    assert [e["id"] for e in venue["upcoming_events"]] == [event.pk]
    assert [c["id"] for c in venue["current_courses"]] == [course.pk]
    assert client_as(None).get("/api/catalog/venues/987654321").status_code == 404
    assert client_as(None).get("/api/catalog/events/987654321").status_code == 404


def test_the_venue_list_is_paged_and_filtered(client_as, hall):
    body = client_as(None).get("/api/catalog/venues", {"district": TONGCHUAN, "q": "接口测试", "limit": 5}).json()
    bad = error(client_as(None).get("/api/catalog/venues", {"district": TONGCHUAN, "street": "000"}), 400, "unknown_place")

    assert body["count"] == 1 and body["items"][0]["id"] == hall.pk
    assert bad["errors"] == {"street": ["未知的街道（乡镇）代码「000」"]}


def test_a_resident_signs_up_and_cancels_through_the_api(api_as, school):
    event = event_make(school, capacity=1, title="接口小讲座")
    user = learner_make(TONGCHUAN)
    api = api_as(user)

    signed = api.post(f"/api/catalog/events/{event.pk}/registrations")
    twice = api.post(f"/api/catalog/events/{event.pk}/registrations")
    full = api_as(learner_make(TONGCHUAN)).post(f"/api/catalog/events/{event.pk}/registrations")

    assert signed.status_code == 201 and signed.json()["status"] == "registered"
    assert error(twice, 400, "already_registered")["errors"] == {"event": ["您已报名活动「接口小讲座」"]}
    assert error(full, 400, "event_full")["errors"] == {"event": ["活动「接口小讲座」的 1 个名额已满"]}
    assert EventRegistration.objects.filter(event=event).count() == 1

    cancelled = api.delete(f"/api/catalog/event-registrations/{signed.json()['id']}")
    again = api.delete(f"/api/catalog/event-registrations/{signed.json()['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert error(again, 400, "not_cancellable")["errors"] == {"registration": ["已取消的活动报名不能取消"]}
    event.refresh_from_db()
    assert event.registered_count == 0


def test_nobody_cancels_anothers_sign_up_through_the_api(api_as, school):
    event = event_make(school)
    registration = event_register(actor=learner_make(TONGCHUAN), event=event)

    response = api_as(learner_make(TONGCHUAN)).delete(f"/api/catalog/event-registrations/{registration.pk}")

    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == "registered"


def test_a_past_event_takes_no_sign_up_through_the_api(api_as, school):
    event = event_make(school, starts_in=-3 * HOUR, lasts=HOUR, title="过去的讲座")

    body = error(api_as(learner_make(TONGCHUAN)).post(f"/api/catalog/events/{event.pk}/registrations"), 400, "event_over")

    assert body["errors"] == {"event": ["活动「过去的讲座」已结束，不能报名"]}
    assert not EventRegistration.objects.filter(event=event).exists()


def test_staff_check_in_through_the_api(world, api_as, school):
    event = event_make(school, starts_in=-HOUR, lasts=3 * HOUR)
    user = learner_make(TONGCHUAN)
    registration = event_register(actor=user, event=event)
    staff = api_as(world.staff)

    roster = staff.get(f"/api/catalog/events/{event.pk}/registrations")
    wrong = staff.post(f"/api/catalog/events/{event.pk}/check-in", {"registration_ids": [registration.pk, 987654]},
                       content_type="application/json")
    assert not LearningRecord.objects.filter(event=event).exists()
    done = staff.post(f"/api/catalog/events/{event.pk}/check-in", {"registration_ids": [registration.pk]},
                      content_type="application/json")

    assert [r["learner_name"] for r in roster.json()] == [profile(user).name]
    assert error(wrong, 400, "not_registered")["errors"] == {
        "registration_ids": ["这些报名不属于本活动或已取消，不能签到：987654"]}
    assert done.status_code == 200 and [r["status"] for r in done.json()] == ["attended"]
    assert LearningRecord.objects.get(event=event).learner == profile(user)


def test_others_see_no_roster_and_check_in_nobody(world, api_as):
    event = event_make(world.institution_2, starts_in=-HOUR, lasts=3 * HOUR)
    registration = event_register(actor=learner_make(DACHUAN), event=event)
    staff = api_as(world.staff)

    assert staff.get(f"/api/catalog/events/{event.pk}/registrations").status_code == 404
    response = staff.post(f"/api/catalog/events/{event.pk}/check-in", {"registration_ids": [registration.pk]},
                          content_type="application/json")

    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == "registered"
