"""Event sign-ups, cancelling and the organiser's check-in (services), and the event and venue lists (selectors):
the date-range overlap, the district/street filter and paging, each with its bad inputs."""

import datetime

import pytest

from learncity.catalog import selectors
from learncity.catalog.models import (
    Event,
    EventRegistration,
    EventRegistrationStatus,
    LearningRecord,
    RecordKind,
    Venue,
)
from learncity.catalog.services import event_check_in, event_register, event_registration_cancel
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.places.models import Place, PlaceLevel
from tests.catalog.factories import (
    course_make,
    event_make,
    event_on,
    learner_make,
    profile,
    today,
    venue_make,
)
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN
from tests.portal.world import world_fixtures

world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)

pytestmark = pytest.mark.django_db
HOUR, DAY = datetime.timedelta(hours=1), datetime.timedelta(days=1)


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


@pytest.fixture
def lecture(school):
    """A lecture of the staff's school in three days, 2 hours, 2 seats."""
    return event_make(school, title="市民讲堂：家庭理财", capacity=2, hours="2.5")


def state(event: Event) -> tuple:
    """What sign-ups write for an event."""
    event.refresh_from_db()
    return (event.registered_count, sorted(EventRegistration.objects.filter(event=event).values_list(
        "learner_id", "status")), LearningRecord.objects.filter(event=event).count())


# --- signing up and cancelling ------------------------------------------------------------------------------


def test_a_resident_signs_up_and_cancels_and_may_sign_up_again(lecture):
    user = learner_make(TONGCHUAN)
    audited = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    registration = event_register(actor=user, event=lecture)
    assert (registration.status, registration.learner) == (EventRegistrationStatus.REGISTERED, profile(user))
    assert state(lecture)[0] == 1

    cancelled = event_registration_cancel(actor=user, registration=registration)
    assert cancelled.status == EventRegistrationStatus.CANCELLED
    assert state(lecture)[0] == 0

    again = event_register(actor=user, event=lecture)
    assert again.pk != registration.pk
    assert state(lecture)[:2] == (1, sorted([(profile(user).pk, "cancelled"), (profile(user).pk, "registered")]))
    assert list(AuditEvent.objects.filter(action__startswith="event_registration.", id__gt=audited).order_by("id")
                .values_list("action", flat=True)) == ["event_registration.create", "event_registration.cancel",
                                                       "event_registration.create"]


def test_a_full_event_refuses_the_next_and_writes_nothing(lecture):
    first, second, third = learner_make(TONGCHUAN), learner_make(TONGCHUAN), learner_make(TONGCHUAN)
    event_register(actor=first, event=lecture)
    event_register(actor=second, event=lecture)
    before = state(lecture)

    with pytest.raises(DomainError) as refused:
        event_register(actor=third, event=lecture)

    assert refused.value.code == "event_full"
    assert refused.value.errors == {"event": ["活动「市民讲堂：家庭理财」的 2 个名额已满"]}
    assert state(lecture) == before and before[0] == 2


def test_capacity_zero_means_no_limit(school):
    open_day = event_make(school, capacity=0)

    for _ in range(3):
        event_register(actor=learner_make(TONGCHUAN), event=open_day)

    assert state(open_day)[0] == 3


def test_signing_up_twice_is_refused(lecture):
    user = learner_make(TONGCHUAN)
    event_register(actor=user, event=lecture)
    before = state(lecture)

    with pytest.raises(DomainError) as refused:
        event_register(actor=user, event=lecture)

    assert refused.value.code == "already_registered"
    assert refused.value.errors == {"event": ["您已报名活动「市民讲堂：家庭理财」"]}
    assert state(lecture) == before


def test_an_event_that_has_ended_takes_no_sign_up_but_one_under_way_does(school):
    ended = event_make(school, starts_in=-3 * HOUR, lasts=2 * HOUR, title="已结束的讲座")
    under_way = event_make(school, starts_in=-2 * DAY, lasts=10 * DAY, title="进行中的展览")
    user = learner_make(TONGCHUAN)

    with pytest.raises(DomainError) as refused:
        event_register(actor=user, event=ended)
    event_register(actor=user, event=under_way)

    assert refused.value.code == "event_over"
    assert refused.value.errors == {"event": ["活动「已结束的讲座」已结束，不能报名"]}
    assert state(ended) == (0, [], 0)
    assert state(under_way)[0] == 1


def test_someone_without_a_learner_profile_cannot_sign_up(world, lecture):
    with pytest.raises(DomainError) as refused:
        event_register(actor=world.staff, event=lecture)

    assert refused.value.code == "no_profile"
    assert state(lecture) == (0, [], 0)


def test_nobody_cancels_another_residents_sign_up(lecture):
    owner, other = learner_make(TONGCHUAN), learner_make(TONGCHUAN)
    registration = event_register(actor=owner, event=lecture)

    with pytest.raises(PermissionDenied):
        event_registration_cancel(actor=other, registration=registration)

    assert state(lecture)[:2] == (1, [(profile(owner).pk, "registered")])


def test_a_cancelled_or_attended_sign_up_cannot_be_cancelled(world, school):
    event = event_make(school, starts_in=-HOUR, lasts=3 * HOUR)
    user = learner_make(TONGCHUAN)
    registration = event_register(actor=user, event=event)
    event_check_in(actor=world.staff, event=event, registration_ids=[registration.pk])

    with pytest.raises(DomainError) as refused:
        event_registration_cancel(actor=user, registration=registration)

    assert refused.value.code == "not_cancellable"
    assert refused.value.errors == {"registration": ["已参加的活动报名不能取消"]}
    assert state(event)[:2] == (1, [(profile(user).pk, "attended")])


# --- check-in -------------------------------------------------------------------------------------------------


def test_check_in_marks_attended_and_makes_the_event_learning_record_once(world, school):
    event = event_make(school, starts_in=-HOUR, lasts=3 * HOUR, title="社区讲座：急救常识", hours="1.5")
    user = learner_make(TONGCHUAN)
    registration = event_register(actor=user, event=event)

    done = event_check_in(actor=world.staff, event=event, registration_ids=[registration.pk])
    again = event_check_in(actor=world.staff, event=event, registration_ids=[registration.pk])

    assert [r.status for r in done] == [r.status for r in again] == [EventRegistrationStatus.ATTENDED]
    registration.refresh_from_db()
    assert registration.attended_at is not None and registration.recorded_by == world.staff
    record = LearningRecord.objects.get(event=event)
    assert (record.learner, record.provider, record.kind, record.title, record.hours, record.date,
            record.external_id) == (profile(user), school, RecordKind.EVENT, "社区讲座：急救常识",
                                    registration.event.hours, today(), f"event-{event.pk}-{profile(user).pk}")
    assert state(event)[0] == 1


def test_checking_in_someone_not_signed_up_refuses_the_whole_list(world, school):
    event = event_make(school, starts_in=-HOUR, lasts=3 * HOUR)
    other_event = event_make(school, starts_in=-HOUR, lasts=3 * HOUR)
    signed = event_register(actor=learner_make(TONGCHUAN), event=event)
    elsewhere = event_register(actor=learner_make(TONGCHUAN), event=other_event)
    cancelled = event_register(actor=learner_make(TONGCHUAN), event=event)
    event_registration_cancel(actor=cancelled.learner.user, registration=cancelled)
    before = state(event)

    for wrong in (elsewhere.pk, cancelled.pk, 987654321):
        with pytest.raises(DomainError) as refused:
            event_check_in(actor=world.staff, event=event, registration_ids=[signed.pk, wrong])
        assert refused.value.code == "not_registered"
        assert refused.value.errors == {"registration_ids": [f"这些报名不属于本活动或已取消，不能签到：{wrong}"]}

    assert state(event) == before and before[2] == 0
    with pytest.raises(DomainError) as empty:
        event_check_in(actor=world.staff, event=event, registration_ids=[])
    assert empty.value.errors == {"registration_ids": ["没有要签到的报名"]}


def test_no_check_in_before_the_event_begins(world, lecture):
    registration = event_register(actor=learner_make(TONGCHUAN), event=lecture)

    with pytest.raises(DomainError) as refused:
        event_check_in(actor=world.staff, event=lecture, registration_ids=[registration.pk])

    assert refused.value.code == "event_not_started"
    assert state(lecture)[1] == [(registration.learner_id, "registered")]


def test_staff_of_another_institution_cannot_check_in(world, school):
    event = event_make(world.institution_2, starts_in=-HOUR, lasts=3 * HOUR)
    registration = event_register(actor=learner_make(DACHUAN), event=event)

    with pytest.raises(PermissionDenied):
        event_check_in(actor=world.staff, event=event, registration_ids=[registration.pk])

    assert state(event) == (1, [(registration.learner_id, "registered")], 0)


# --- lists: date overlap, place, paging ----------------------------------------------------------------------


def test_a_months_list_holds_the_events_that_overlap_it_and_not_one_that_ended_before(school):
    hall = venue_make(school, name="测试展厅")
    ended_early = event_on(school, datetime.date(2031, 7, 20), datetime.date(2031, 8, 3), venue=hall, title="八月展")
    spanning = event_on(school, datetime.date(2031, 8, 20), datetime.date(2031, 9, 30), venue=hall, title="跨月展")
    day = event_on(school, datetime.date(2031, 9, 28), datetime.date(2031, 9, 28), venue=hall, title="9·28")
    last_day = event_on(school, datetime.date(2031, 9, 30), datetime.date(2031, 10, 2), venue=hall, title="月末")
    event_on(school, datetime.date(2031, 10, 1), datetime.date(2031, 10, 1), venue=hall, title="十月")

    september = selectors.event_list_filtered(date_from=datetime.date(2031, 9, 1),
                                              date_to=datetime.date(2031, 9, 30))
    august = selectors.event_list_filtered(date_from=datetime.date(2031, 8, 1), date_to=datetime.date(2031, 8, 31))

    assert list(september) == [spanning, day, last_day]
    assert list(august) == [ended_early, spanning]


def test_events_are_filtered_by_district_and_street(world, school):
    tongchuan = event_on(school, datetime.date(2031, 9, 1), datetime.date(2031, 9, 1), title="通川")
    dachuan = event_on(world.institution_2, datetime.date(2031, 9, 1), datetime.date(2031, 9, 1), title="达川")
    street = school.place if school.place.level == PlaceLevel.STREET else school.place.parent
    september = {"date_from": datetime.date(2031, 9, 1), "date_to": datetime.date(2031, 9, 30)}

    assert list(selectors.event_list_filtered(district_code=TONGCHUAN, **september)) == [tongchuan]
    assert list(selectors.event_list_filtered(district_code=DACHUAN, **september)) == [dachuan]
    assert list(selectors.event_list_filtered(district_code=TONGCHUAN, street_code=street.code,
                                              **september)) == [tongchuan]
    other_street = Place.objects.filter(parent__code=TONGCHUAN, level=PlaceLevel.STREET).exclude(pk=street.pk)[0]
    assert list(selectors.event_list_filtered(street_code=other_street.code, **september)) == []


@pytest.mark.parametrize(("kwargs", "errors"), [
    ({"district_code": "999999"}, {"district": ["未知的区县代码「999999」"]}),
    ({"district_code": DAZHOU}, {"district": [f"未知的区县代码「{DAZHOU}」"]}),  # a city, not a district
    ({"street_code": "nope"}, {"street": ["未知的街道（乡镇）代码「nope」"]}),
    ({"kind": "party"}, {"kind": ["未知的活动类型「party」"]}),
    ({"date_from": datetime.date(2031, 9, 30), "date_to": datetime.date(2031, 9, 1)},
     {"date_to": ["结束日期 2031-09-01 早于开始日期 2031-09-30"]}),
])
def test_bad_event_filters_say_what_is_wrong(kwargs, errors):
    with pytest.raises(DomainError) as refused:
        selectors.event_list_filtered(**kwargs)

    assert refused.value.errors == errors


def test_a_street_of_another_district_is_refused():
    dachuan_street = Place.objects.filter(parent__code=DACHUAN, level=PlaceLevel.STREET).order_by("code")[0]

    with pytest.raises(DomainError) as refused:
        selectors.venue_list_filtered(district_code=TONGCHUAN, street_code=dachuan_street.code)

    assert refused.value.errors == {"street": [f"{dachuan_street.name}不在通川区"]}


def test_venues_are_paged_and_filtered_by_street_kind_and_words(world, school):
    for i, institution in enumerate([world.institution, world.institution_other] * (selectors.PAGE_SIZE // 2 + 3)):
        venue_make(institution, name=f"通川测试场馆{i}")
    venues = selectors.venue_list_filtered(district_code=TONGCHUAN)
    total = venues.count()
    pages = -(-total // selectors.PAGE_SIZE)

    first, last = selectors.page_of(venues, "1"), selectors.page_of(venues, str(pages))

    assert total > selectors.PAGE_SIZE  # the world's 通川区 needs more than one page
    assert len(first.object_list) == selectors.PAGE_SIZE
    assert len(last.object_list) == total - (pages - 1) * selectors.PAGE_SIZE
    assert not {v.pk for v in first.object_list} & {v.pk for v in last.object_list}
    library = Venue.objects.create(name="通川区测试少儿图书馆", kind=Venue.Kind.LIBRARY, place=school.place,
                                   address="通川区测试街道测试路 12 号")
    assert list(selectors.venue_list_filtered(q="测试路 12", kind=Venue.Kind.LIBRARY)) == [library]
    assert library in selectors.venue_list_filtered(street_code=school.place.path.strip("/").split("/")[3])


def test_a_venue_closed_before_today_leaves_the_list(school):
    closed = Venue.objects.create(name="已停用的测试教学点", kind=Venue.Kind.CLASSROOM, place=school.place,
                                  opened_on=datetime.date(2020, 1, 1), closed_on=today() - DAY)

    assert closed not in selectors.venue_list_filtered(q="已停用的测试教学点")


@pytest.mark.parametrize(("page", "message"), [
    ("abc", "页码「abc」必须是从 1 开始的整数"), ("0", "页码「0」必须是从 1 开始的整数"),
    ("-2", "页码「-2」必须是从 1 开始的整数"), ("1.5", "页码「1.5」必须是从 1 开始的整数"),
    ("9999", "第 9999 页不存在：共 2 页"),
])
def test_a_bad_page_number_is_refused_with_the_reason(page, message):
    with pytest.raises(DomainError) as refused:
        selectors.page_of(list(range(30)), page)

    assert refused.value.errors == {"page": [message]}


def test_a_venue_page_holds_its_courses_and_events(world, school):
    hall = venue_make(school, name="测试多功能厅")
    running = course_make(world.staff, school, title="测试太极拳", venue=hall, state="published")
    elsewhere = course_make(world.staff, school, title="别处的课", state="published")
    coming = event_make(school, venue=hall, title="即将举办")
    past = event_make(school, venue=hall, starts_in=-5 * DAY, title="已办过")
    other = event_make(world.institution_other, title="别处的活动")

    detail = selectors.venue_detail(pk=hall.pk)

    assert detail["venue"] == hall
    assert detail["courses"] == [running] and elsewhere not in detail["courses"]
    assert detail["events"] == [coming] and detail["past_events"] == [past]
    assert other not in detail["events"]
