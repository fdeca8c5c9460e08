"""Events and venues as pages: the event list by date overlap with its range shown, the district/street filter and
paging (each with its bad input a 400 that says what is wrong), an event's page with sign-up, cancel and the
organiser's check-in, the venue list and a venue's page with what is held there."""

import datetime
import html as htmllib
import re

import pytest

from learncity.catalog.models import EventRegistration, LearningRecord, RecordKind, Venue
from learncity.catalog.selectors import PAGE_SIZE
from learncity.catalog.services import event_register
from learncity.core.cache import bump
from tests.catalog.factories import course_make, event_make, event_on, learner_make, profile, today
from tests.places.factories import DACHUAN, TONGCHUAN
from tests.portal.world import world_fixtures

world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)

HOUR = datetime.timedelta(hours=1)


def html(response) -> str:
    return htmllib.unescape(response.content.decode())


def errors_shown(response) -> list[str]:
    return [m for block in re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', html(response), re.S)
            for m in re.findall(r"<li>(.*?)</li>", block, re.S)]


def flashed(response) -> list[str]:
    return re.findall(r'<li class="(?:success|error|info|warning)">(.*?)</li>', html(response))


def event_links(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/learn/events/(\d+)/"', page)]


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


@pytest.fixture
def hall(school):
    return Venue.objects.create(name="通川测试展厅", kind=Venue.Kind.CULTURAL_STATION, place=school.place,
                                institution=school, address="通川区测试街道五四路 128 号",
                                opening_hours="周一至周日 8:30-21:00", free_open_days="全年免费开放",
                                accessibility="无障碍通道、轮椅借用", transit_note="地铁 1 号线「东街口」站 B 出口，步行约 5 分钟")


# --- the event list ------------------------------------------------------------------------------------------


def test_a_september_list_shows_the_events_that_overlap_it_with_their_range(client_as, school, hall):
    spanning = event_on(school, datetime.date(2031, 8, 20), datetime.date(2031, 9, 30), venue=hall, title="跨月展")
    ended = event_on(school, datetime.date(2031, 7, 20), datetime.date(2031, 8, 3), venue=hall, title="八月展")
    day = event_on(school, datetime.date(2031, 9, 28), datetime.date(2031, 9, 28), venue=hall, title="活动日")

    response = client_as(None).get("/learn/events/", {"from": "2031-09-01", "to": "2031-09-30"})

    assert response.status_code == 200
    page = html(response)
    assert event_links(page) == [spanning.pk, day.pk]
    assert ended.pk not in event_links(page)
    assert "2031-08-20 至 09-30 · 每天 09:00–17:00" in page
    assert "2031-09-28 09:00–17:00" in page
    assert "2031-09-01 至 2031-09-30：2 项活动" in page


def test_an_event_card_names_its_venue_once(world, client_as, school, hall):
    event_on(school, datetime.date(2031, 9, 28), datetime.date(2031, 9, 28), venue=hall, title="活动日")

    page = html(client_as(None).get("/learn/events/", {"from": "2031-09-01", "to": "2031-09-30"}))

    where = re.search(r'data-testid="where">(.*?)</p>', page).group(1)
    assert where == f"通川测试展厅 · {school.place.parent.name} › {school.place.name}"  # the hall is the school's
    assert page.count("通川测试展厅") == 1
    other = event_on(world.institution_2, datetime.date(2031, 9, 29), datetime.date(2031, 9, 29), venue=hall)
    bump("catalog")  # events come by import (here straight into the table), which drops the cached pages
    page = html(client_as(None).get("/learn/events/", {"from": "2031-09-01", "to": "2031-09-30"}))
    assert f"通川测试展厅 · {school.place.parent.name} › {school.place.name} · 主办：{other.organiser.name}" in page


def test_events_are_filtered_by_district_and_paged(world, client_as, school, hall):
    made = [event_on(school, datetime.date(2031, 9, 1) + datetime.timedelta(days=i % 28),
                     datetime.date(2031, 9, 1) + datetime.timedelta(days=i % 28), venue=hall, title=f"讲座{i}")
            for i in range(PAGE_SIZE + 3)]
    elsewhere = event_on(world.institution_2, datetime.date(2031, 9, 2), datetime.date(2031, 9, 2), title="达川")
    client = client_as(None)
    september = {"from": "2031-09-01", "to": "2031-09-30", "district": TONGCHUAN}

    first = client.get("/learn/events/", september)
    second = client.get("/learn/events/", {**september, "page": "2"})

    shown = event_links(html(first)) + event_links(html(second))
    assert sorted(shown) == sorted(e.pk for e in made)
    assert elsewhere.pk not in shown
    assert "第 1 / 2 页" in html(first) and "page=2" in html(first)
    assert event_links(html(client.get("/learn/events/", {**september, "district": DACHUAN}))) == [elsewhere.pk]


@pytest.mark.parametrize(("params", "message"), [
    ({"page": "0"}, "页码「0」必须是从 1 开始的整数"),
    ({"page": "x"}, "页码「x」必须是从 1 开始的整数"),
    ({"page": "99"}, "第 99 页不存在：共 1 页"),
    ({"district": "999999"}, "未知的区县代码「999999」"),
    ({"from": "2031-13-01"}, "「2031-13-01」不是日期（YYYY-MM-DD）"),
    ({"from": "2031-09-30", "to": "2031-09-01"}, "结束日期 2031-09-01 早于开始日期 2031-09-30"),
    ({"kind": "party"}, "未知的活动类型「party」"),
    ({"page": "²"}, "页码「²」必须是从 1 开始的整数"),  # a digit to str.isdigit, not to int()
    ({"page": "9" * 25}, f"页码「{'9' * 20}」必须是从 1 开始的整数"),
    ({"from": "9999-12-31"}, "不能大于 2100-12-31，而不是 9999-12-31"),
    ({"from": "0001-01-01"}, "不能小于 1900-01-01，而不是 0001-01-01"),
    ({"to": "9999-12-31"}, "不能大于 2100-12-31，而不是 9999-12-31"),
])
def test_a_bad_event_filter_is_a_400_saying_what_is_wrong(client_as, params, message):
    response = client_as(None).get("/learn/events/", {"from": "2031-09-01", **params})

    assert response.status_code == 400
    assert errors_shown(response) == [message]
    assert 'data-testid="event-filter"' in html(response)  # the form stays, to put it right


def test_the_event_list_query_count_is_pinned(client_as, school, hall, django_assert_max_num_queries):
    for i in range(10):
        event_on(school, datetime.date(2031, 9, 1 + i), datetime.date(2031, 9, 1 + i), venue=hall, title=f"第{i}讲")
    client = client_as(None)

    with django_assert_max_num_queries(9):  # with the cache versions (issue 16), cold
        response = client.get("/learn/events/", {"from": "2031-09-01", "to": "2031-09-30", "district": TONGCHUAN})

    assert len(event_links(html(response))) == 10


# --- an event's page -------------------------------------------------------------------------------------------


def test_the_event_page_gives_the_range_the_place_and_the_seats(client_as, school, hall):
    event = event_on(school, datetime.date(2031, 9, 1), datetime.date(2031, 9, 30), venue=hall, title="市民书画展",
                     capacity=100)
    event_register(actor=learner_make(TONGCHUAN), event=event)

    page = html(client_as(None).get(f"/learn/events/{event.pk}/"))

    assert "2031-09-01 至 09-30" in page
    assert re.search(r'data-testid="address">通川区测试街道五四路 128 号<', page)
    assert re.search(r'data-testid="transit">地铁 1 号线「东街口」站 B 出口，步行约 5 分钟<', page)
    assert re.search(rf'data-testid="organiser">{school.name}<', page)
    assert re.search(r'data-testid="seats">已报名 1 / 100，余 99 席<', page)
    assert "登录后报名" in page


def test_a_resident_signs_up_and_cancels_on_the_event_page(client_as, school):
    event = event_make(school, capacity=10)
    user = learner_make(TONGCHUAN)
    client = client_as(user)

    signed = client.post(f"/learn/events/{event.pk}/register/", follow=True)
    registration = EventRegistration.objects.get(event=event, learner=profile(user))
    assert flashed(signed) == ["报名成功"]
    assert 'data-testid="registration-status">已报名<' in html(signed)
    assert re.search(r'data-testid="seats">已报名 1 / 10，余 9 席<', html(signed))

    cancelled = client.post(f"/learn/event-registrations/{registration.pk}/cancel/", follow=True)
    registration.refresh_from_db()
    assert flashed(cancelled) == ["已取消报名"]
    assert registration.status == "cancelled"
    assert 'data-testid="event-register"' in html(cancelled)


def test_a_full_or_doubled_sign_up_is_flashed_and_writes_nothing(client_as, school):
    event = event_make(school, capacity=1, title="小讲座")
    first, second = learner_make(TONGCHUAN), learner_make(TONGCHUAN)
    client_as(first).post(f"/learn/events/{event.pk}/register/")

    twice = client_as(first).post(f"/learn/events/{event.pk}/register/", follow=True)
    full = client_as(second).post(f"/learn/events/{event.pk}/register/", follow=True)

    assert flashed(twice) == ["您已报名活动「小讲座」"]
    assert flashed(full) == ["活动「小讲座」的 1 个名额已满"]
    assert EventRegistration.objects.filter(event=event).count() == 1
    assert 'data-testid="event-full"' in html(full) and 'data-testid="event-register"' not in html(full)


def test_a_past_event_offers_no_sign_up(client_as, school):
    event = event_make(school, starts_in=-3 * HOUR, lasts=HOUR)
    user = learner_make(TONGCHUAN)

    page = client_as(user).get(f"/learn/events/{event.pk}/")
    posted = client_as(user).post(f"/learn/events/{event.pk}/register/", follow=True)

    assert 'data-testid="event-over"' in html(page) and 'data-testid="event-register"' not in html(page)
    assert flashed(posted) == [f"活动「{event.title}」已结束，不能报名"]
    assert not EventRegistration.objects.filter(event=event).exists()


def test_signing_up_needs_a_post_and_a_sign_in(client_as, school):
    event = event_make(school)

    assert client_as(learner_make(TONGCHUAN)).get(f"/learn/events/{event.pk}/register/").status_code == 405
    anonymous = client_as(None).post(f"/learn/events/{event.pk}/register/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert not EventRegistration.objects.filter(event=event).exists()


def test_the_organisers_staff_check_in_and_the_learning_record_is_made(world, client_as, school):
    event = event_make(school, starts_in=-HOUR, lasts=3 * HOUR, title="社区讲座", hours="2")
    user = learner_make(TONGCHUAN, name="林签到")
    registration = event_register(actor=user, event=event)
    staff = client_as(world.staff)

    page = staff.get(f"/learn/events/{event.pk}/")
    checked = staff.post(f"/learn/events/{event.pk}/check-in/", {"present": [registration.pk]}, follow=True)

    assert "林签到" in html(page) and 'data-testid="event-check-in"' in html(page)
    assert flashed(checked) == ["已签到 1 人"]
    record = LearningRecord.objects.get(event=event)
    assert (record.learner, record.kind, record.hours) == (profile(user), RecordKind.EVENT, event.hours)


def test_checking_in_someone_not_signed_up_is_flashed_and_nothing_changes(world, client_as, school):
    event = event_make(school, starts_in=-HOUR, lasts=3 * HOUR)
    registration = event_register(actor=learner_make(TONGCHUAN), event=event)

    response = client_as(world.staff).post(f"/learn/events/{event.pk}/check-in/",
                                              {"present": [registration.pk, 987654321]}, follow=True)
    bad = client_as(world.staff).post(f"/learn/events/{event.pk}/check-in/", {"present": ["x"]}, follow=True)

    assert flashed(response) == ["这些报名不属于本活动或已取消，不能签到：987654321"]
    assert flashed(bad) == ["「x」不是数字"]
    registration.refresh_from_db()
    assert registration.status == "registered" and not LearningRecord.objects.filter(event=event).exists()


def test_the_roster_and_check_in_are_not_for_others(world, client_as, school):
    event = event_make(world.institution_2, starts_in=-HOUR, lasts=3 * HOUR)
    registration = event_register(actor=learner_make(DACHUAN, name="达川学员"), event=event)

    page = client_as(world.staff).get(f"/learn/events/{event.pk}/")
    posted = client_as(world.staff).post(f"/learn/events/{event.pk}/check-in/", {"present": [registration.pk]})

    assert "达川学员" not in html(page) and 'data-testid="event-roster"' not in html(page)
    assert posted.status_code == 404
    registration.refresh_from_db()
    assert registration.status == "registered"


# --- venues ------------------------------------------------------------------------------------------------------


@pytest.fixture
def venues(world) -> list[Venue]:
    """Two pages and a bit of the world's 通川区 venues, over its two institutions (and one closed, not listed)."""
    made = [Venue.objects.create(name=f"通川测试场馆{i}", kind=Venue.Kind.CLASSROOM, place=school.place,
                                 institution=school, address=f"通川区测试路 {i + 1} 号")
            for i, school in enumerate([world.institution, world.institution_other] * (PAGE_SIZE + 2))]
    Venue.objects.create(name="通川已闭馆", kind=Venue.Kind.CLASSROOM, place=world.street, institution=world.institution,
                         address="通川区测试路 999 号", closed_on=today() - datetime.timedelta(days=1))
    bump("catalog")  # venues come by import (here straight into the table), which drops the cached pages
    return made


def test_the_venue_list_is_paged_with_full_addresses(client_as, venues):
    client = client_as(None)
    total = Venue.objects.filter(place__path__contains=f"/{TONGCHUAN}/").exclude(closed_on__lt=today()).count()
    pages = -(-total // PAGE_SIZE)

    first = client.get("/learn/venues/", {"district": TONGCHUAN})
    last = client.get("/learn/venues/", {"district": TONGCHUAN, "page": str(pages)})

    assert first.status_code == last.status_code == 200
    assert f"共 {total} 个场馆" in html(first) and f"第 1 / {pages} 页" in html(first)
    assert len(re.findall(r'data-testid="venue"', html(first))) == PAGE_SIZE
    assert len(re.findall(r'data-testid="venue"', html(last))) == total - (pages - 1) * PAGE_SIZE
    addresses = re.findall(r'data-testid="address">(.*?)</dd>', html(first))
    assert addresses and all(a.startswith("通川区") and a.endswith("号") for a in addresses)


def test_venues_are_filtered_by_street(client_as, school, hall):
    street = school.place
    response = client_as(None).get("/learn/venues/", {"district": TONGCHUAN, "street": street.code})

    assert response.status_code == 200
    assert "通川测试展厅" in html(response)
    assert f'<option value="{street.code}" selected>{street.name}</option>' in html(response)


@pytest.mark.parametrize(("params", "message"), [
    ({"district": "000000"}, "未知的区县代码「000000」"),
    ({"page": "-1"}, "页码「-1」必须是从 1 开始的整数"),
    ({"page": "100000"}, "第 100000 页不存在：共"),
    ({"kind": "zoo"}, "未知的场馆类型「zoo」"),
    ({"page": "²"}, "页码「²」必须是从 1 开始的整数"),
])
def test_a_bad_venue_filter_is_a_400_saying_what_is_wrong(client_as, params, message):
    response = client_as(None).get("/learn/venues/", params)

    assert response.status_code == 400
    shown = errors_shown(response)
    assert len(shown) == 1 and shown[0].startswith(message)


def test_the_venue_list_query_count_is_pinned(client_as, venues, django_assert_max_num_queries):
    client = client_as(None)

    with django_assert_max_num_queries(9):  # with the cache versions (issue 16), cold
        response = client.get("/learn/venues/", {"district": TONGCHUAN, "page": "2"})

    assert len(re.findall(r'data-testid="venue"', html(response))) == PAGE_SIZE


def test_a_venue_page_has_its_facts_and_what_is_held_there(world, client_as, school, hall):
    course = course_make(world.staff, school, title="测试书法", venue=hall, state="published")
    event = event_make(school, venue=hall, title="测试讲座")

    page = html(client_as(None).get(f"/learn/venues/{hall.pk}/"))

    for testid, value in (("address", "通川区测试街道五四路 128 号"), ("opening-hours", "周一至周日 8:30-21:00"),
                          ("free-days", "全年免费开放"), ("accessibility", "无障碍通道、轮椅借用"),
                          ("transit", "地铁 1 号线「东街口」站 B 出口，步行约 5 分钟")):
        assert re.search(rf'data-testid="{testid}">{re.escape(value)}<', page), testid
    assert f'href="/learn/courses/{course.pk}/"' in page
    assert f'href="/learn/events/{event.pk}/"' in page


def test_an_unknown_venue_or_event_is_a_404(client_as):
    assert client_as(None).get("/learn/venues/987654321/").status_code == 404
    assert client_as(None).get("/learn/events/987654321/").status_code == 404


def test_the_pages_read_in_english(client_as, school, hall):
    from django.conf import settings

    client = client_as(None)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    event = event_on(school, datetime.date(2031, 9, 1), datetime.date(2031, 9, 30), venue=hall, title="书画展")

    listing = html(client.get("/learn/events/", {"from": "2031-09-01", "to": "2031-09-30"}))
    detail = html(client.get(f"/learn/events/{event.pk}/"))
    venues = html(client.get("/learn/venues/", {"page": "x"}))

    assert "2031-09-01 to 09-30" in listing and "2031-09-01 to 2031-09-30: 1 event" in listing
    assert "Sign in to enrol" in detail and "Address" in detail
    assert errors_shown(client.get("/learn/venues/", {"page": "x"})) == [
        "The page number “x” must be a whole number from 1"]
    assert "Venues" in venues
