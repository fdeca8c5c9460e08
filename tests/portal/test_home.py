"""The service hall (首页, issue 15 item 1): search first and the services as tiles for everyone; the city's
learning life for visitors; for a resident what is near home and for their groups, their own next sessions,
sign-ups and credits; for staff and officials their to-dos with counts, each within their scope.

The tests' own city is the world (tests/portal/world.py: 达州市, its 通川区 and 达川区, built once per module); each
test adds the courses, sessions, events, uploads and declarations it counts and compares the page's numbers before
and after. The site's other data (the demo city beside it, which depends on its build date) does not decide the
outcome. The query budgets are the demo city's home page, on purpose (see there)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from learncity.catalog import selectors as catalog_selectors
from learncity.catalog.models import Attendance, CourseState, Event, EventKind, LearningRecord, Venue
from learncity.catalog.services import attendance_mark, enrollment_create
from learncity.core.models import AuditEvent
from learncity.creditbank import selectors as credit_selectors
from learncity.creditbank.models import Declaration, DeclarationStatus
from learncity.creditbank.services import account_open
from learncity.intake import services as intake_services
from learncity.intake.models import JobMode, JobStatus
from learncity.intake.selectors import home_jobs_to_fix
from learncity.monitoring.selectors import home_reports_due
from learncity.places.models import Place
from learncity.places.selectors import home_area
from tests.catalog.factories import (
    GULOU,
    course_make,
    first_session,
    profile,
    staff_institution,
    today,
    venue_make,
)
from tests.catalog.factories import learner_make as demo_learner_make
from tests.creditbank.factories import declared
from tests.intake.files import csv_file, record
from tests.people.factories import learner_make
from tests.places.factories import DAZHOU, TONGCHUAN, street_of

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff60\u3000-\u303f]")


def resident_make(street, **kw):
    """A user with a learner profile living in `street`, registered by themself."""
    return learner_make(street, **kw).user


@pytest.fixture(autouse=True)
def _cache_of_this_test():
    """Each test starts from an empty cache: the versions roll back with a test's transaction, the cache does not."""
    cache.clear()


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def section(page: str, testid: str) -> str:
    """The element carrying data-testid=testid, up to the end of its section."""
    start = page.index(f'data-testid="{testid}"')
    end = page.find("</section>", start)
    return page[start:end if end != -1 else len(page)]


def todo_counts(page: str) -> dict[str, int]:
    """{to-do key: count} as the page shows them."""
    found = re.findall(r'data-testid="todo-(\w+)".*?data-testid="todo-count">([\d,]+)<', page, re.S)
    return {key: int(n.replace(",", "")) for key, n in found}


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


def event_make(venue: Venue, *, title: str, starts: datetime.datetime, ends: datetime.datetime,
               title_en: str = "") -> Event:
    organiser = venue.institution or staff_institution_of_place(venue)
    return Event.objects.create(title=title, title_en=title_en, kind=EventKind.LECTURE, organiser=organiser,
                                venue=venue, starts_at=starts, ends_at=ends, capacity=50)


def staff_institution_of_place(venue: Venue):
    from learncity.network.models import Institution

    return Institution.objects.filter(place__path__startswith=venue.place.path).order_by("pk").first()


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def public_venue(institution, name: str) -> Venue:
    return Venue.objects.create(name=name, kind=Venue.Kind.LIBRARY, place=institution.place, institution=institution,
                                address="测试路 2 号", opening_hours="9:00–17:00")


# --- everyone: search first, the services as tiles ----------------------------------------------------------


@pytest.mark.parametrize("who", [None, "learner", "staff", "city_admin"])
def test_every_visitor_gets_the_search_box_first_then_the_six_service_tiles(world, client_as, who):
    page = html(client_as(world.user(who)).get("/"))

    main = page[page.index("<main"):]
    search = main.index('data-testid="home-search"')
    tiles = main.index('data-testid="home-tiles"')
    assert search < tiles
    form = re.search(r'<form method="get" action="([^"]+)" role="search"[^>]*>.*?</form>', main, re.S)
    assert form.group(1) == "/learn/"
    assert 'name="q"' in form.group(0)
    links = re.findall(r'<a class="hall-tile[^"]*" href="([^"]+)">.*?<span>(.*?)</span></a>', section(page, "home-tiles"))
    assert links == [("/learn/", "找课程"), ("/learn/events/", "活动"), ("/learn/venues/", "场馆"),
                     ("/learn/resources/", "在线资源"), ("/credits/", "我的学习账户"), ("/credits/verify/", "证书验证")]


def test_the_search_box_takes_the_visitor_to_the_catalogue_search(client_as):
    response = client_as(None).get("/learn/", {"q": "书法"})

    assert response.status_code == 200
    assert 'data-testid="result-count"' in response.content.decode()


def test_query_parameters_the_home_page_does_not_read_change_nothing_and_are_not_echoed(world, client_as):
    before = AuditEvent.objects.count()

    page = html(client_as(None).get("/", {"q": "<script>alert(1)</script>", "page": "abc"}))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" not in page
    assert AuditEvent.objects.count() == before


# --- anonymous visitors: the city's learning life, not a login wall ----------------------------------------------


def test_anonymous_visitors_see_courses_not_ended_those_taking_learners_first(world, client_as):
    admin = world.city_admin
    soon = course_make(admin, world.institution_2, title="测试油画入门班", state=CourseState.PUBLISHED,
                       sessions=4, session_date=today() + datetime.timedelta(days=1))
    mostly_past = course_make(admin, world.institution_2, title="测试过半的篆刻班", state=CourseState.PUBLISHED,
                              sessions=3, session_date=today() - datetime.timedelta(days=2))
    ended = course_make(admin, world.institution_2, title="测试已结束的剪纸班", state=CourseState.PUBLISHED,
                        sessions=2, session_date=today() - datetime.timedelta(days=20))

    current = catalog_selectors.home_city(limit=10_000)["current"]
    page = html(client_as(None).get("/"))

    taking = [c.enrolment_open for c in current]
    assert taking == sorted(taking, reverse=True)  # those taking new learners first
    assert soon in current and mostly_past in current and ended not in current
    assert current.index(soon) < current.index(mostly_past)
    assert (soon.life_cycle()["enrolment_open"], mostly_past.life_cycle()["enrolment_open"]) == (True, False)
    courses = section(page, "home-courses")
    assert f'href="/learn/courses/{current[0].pk}/"' in courses
    assert f'href="/learn/courses/{ended.pk}/"' not in page
    assert 'data-testid="home-todos"' not in page
    assert '<a class="button" href="/login/">登录</a>' in page


def test_anonymous_visitors_see_this_weeks_events_including_one_still_running(world, client_as):
    venue = public_venue(world.institution_2, "测试台江图书馆")
    tomorrow = event_make(venue, title="测试市民讲堂：明天", starts=at(today() + datetime.timedelta(days=1), 9),
                          ends=at(today() + datetime.timedelta(days=1), 11))
    running = event_make(venue, title="测试展览：仍在展出", starts=at(today() - datetime.timedelta(days=20), 9),
                         ends=at(today() + datetime.timedelta(days=3), 17))
    over = event_make(venue, title="测试讲座：昨天已结束", starts=at(today() - datetime.timedelta(days=1), 9),
                      ends=at(today() - datetime.timedelta(days=1), 11))
    later = event_make(venue, title="测试讲座：下周之后", starts=at(today() + datetime.timedelta(days=8), 9),
                       ends=at(today() + datetime.timedelta(days=8), 11))

    page = html(client_as(None).get("/"))

    week = section(page, "home-week")
    for shown in (tomorrow, running):
        assert f'href="/learn/events/{shown.pk}/"' in week
    for hidden in (over, later):
        assert hidden.title not in page


def test_anonymous_visitors_see_live_figures_counted_from_the_records(world, client_as):
    day = today()
    records = LearningRecord.objects.filter(date__gte=datetime.date(day.year, 1, 1), date__lte=day)
    expected_records = records.count()
    expected_learners = records.values("learner_id").distinct().count()
    running = sum(1 for c in catalog_selectors._home_not_ended(day) if c.phase == "running")

    page = html(client_as(None).get("/"))

    figures = section(page, "home-figures")
    values = [int(v.replace(",", "")) for v in re.findall(r"<dd[^>]*>([\d,]+)</dd>", figures)]
    assert len(values) == 6
    assert values[1] == running
    assert values[4:] == [expected_records, expected_learners]


def test_the_figures_follow_a_new_learning_record_and_a_new_course(world, client_as):
    from tests.creditbank.factories import completion

    before = catalog_selectors.home_figures()
    completion(world.staff, learner_make(street_of(world.district_2)), days_ago=0)
    course_make(world.city_admin, world.institution_2, state=CourseState.PUBLISHED, sessions=2,
                session_date=today() + datetime.timedelta(days=10))

    after = catalog_selectors.home_figures()

    assert after["records_year"] == before["records_year"] + 1
    assert after["learners_year"] == before["learners_year"] + 1
    assert after["courses_taking"] == before["courses_taking"] + 1


# --- a resident: near home, for their groups, their own learning -----------------------------------------------


@pytest.fixture
def resident(world):
    """A resident of the first street of 通川区 (where the staff member's community school is), elderly."""
    return resident_make(world.street, name="测试居民", birth=datetime.date(1950, 3, 8), groups=["elderly"])


def test_home_area_is_the_residents_street_and_district_from_the_place_chain(world, resident):
    place = profile(resident).residence

    area = home_area(place)

    assert area["street"] == place
    assert area["district"] == world.district
    assert home_area(world.district) == {"street": None, "district": world.district, "street_path": None,
                                         "district_path": world.district.path}


def test_a_resident_sees_courses_of_their_street_before_their_district_and_none_from_elsewhere(world, resident,
                                                                                               client_as):
    admin, start = world.city_admin, today() + datetime.timedelta(days=3)
    street = profile(resident).residence
    district_inst = world.institution_other
    assert not district_inst.place.path.startswith(street.path)
    in_district = course_make(admin, district_inst, title="测试区里的书法课", state=CourseState.PUBLISHED, sessions=2,
                              session_date=start - datetime.timedelta(days=2))
    in_street = course_make(admin, world.institution, title="测试街道的合唱课", state=CourseState.PUBLISHED,
                            sessions=2, session_date=start)
    elsewhere = course_make(admin, world.institution_2, title="测试台江的茶艺课", state=CourseState.PUBLISHED,
                            sessions=2, session_date=start)

    page = html(client_as(resident).get("/"))

    near = section(page, "home-near")
    assert near.index("测试街道的合唱课") < near.index("测试区里的书法课")
    assert f"/learn/courses/{in_street.pk}/" in near and f"/learn/courses/{in_district.pk}/" in near
    assert f"/learn/courses/{elsewhere.pk}/" not in page
    assert "本街道" in near and "本区县" in near


def test_a_resident_sees_courses_for_their_groups_from_anywhere_in_the_city(world, resident, client_as):
    admin, start = world.city_admin, today() + datetime.timedelta(days=5)
    for_elderly = course_make(admin, world.institution_2, title="测试台江老年太极", state=CourseState.PUBLISHED,
                              sessions=2, session_date=start, target_groups=["elderly"])
    for_youth = course_make(admin, world.institution_2, title="测试台江青少年编程", state=CourseState.PUBLISHED,
                            sessions=2, session_date=start, target_groups=["youth"])

    page = html(client_as(resident).get("/"))

    groups = section(page, "home-for-groups")
    assert f"/learn/courses/{for_elderly.pk}/" in groups
    assert f"/learn/courses/{for_youth.pk}/" not in page
    assert "适合老年人的课程" in page


def test_a_resident_sees_this_weeks_events_and_venues_near_home(world, resident, client_as):
    near_venue = public_venue(world.institution, "测试鼓东街道图书室")
    far_venue = public_venue(world.institution_2, "测试台江文化馆")
    day = today() + datetime.timedelta(days=2)
    near_event = event_make(near_venue, title="测试街道读书会", starts=at(day, 9), ends=at(day, 11))
    far_event = event_make(far_venue, title="测试台江讲座", starts=at(day, 14), ends=at(day, 16))

    page = html(client_as(resident).get("/"))

    near = section(page, "home-near")
    assert f"/learn/events/{near_event.pk}/" in near
    assert f"/learn/events/{far_event.pk}/" not in near
    assert f"/learn/venues/{near_venue.pk}/" in near
    assert f"/learn/venues/{far_venue.pk}/" not in near
    assert f"/learn/events/{far_event.pk}/" in section(page, "home-week")  # the city's week, below


def test_a_resident_sees_their_next_sessions_enrolments_and_credits(world, resident, client_as):
    course = course_make(world.city_admin, world.institution, title="测试我报的葫芦丝班",
                         state=CourseState.PUBLISHED, sessions=3, session_date=today() + datetime.timedelta(days=1))
    enrollment_create(actor=resident, course=course)
    account, _ = account_open(actor=None, learner=profile(resident), via="self")

    page = html(client_as(resident).get("/"))

    mine = section(page, "home-mine")
    session = first_session(course)
    assert f"{session.date:%m-%d} 09:00" in mine
    assert "测试我报的葫芦丝班" in mine
    assert "已报名" in mine
    assert "在学 1 门课程" in mine
    credits = section(page, "home-credits")
    assert account.number in credits
    assert 'data-testid="home-todos"' not in page
    assert 'data-testid="home-figures"' not in page


def test_a_resident_without_a_learning_account_is_told_how_it_opens(resident, client_as):
    page = html(client_as(resident).get("/"))

    assert credit_selectors.home_credits(actor=resident) is None
    assert "您还没有学习账户" in section(page, "home-credits")


# --- staff and officials: their to-dos, within their scope -----------------------------------------------------


def course_with_past_session(world, institution, *, title: str):
    """A published course of the institution whose first of three daily sessions was yesterday, with a learner of
    the same district enrolled (so yesterday's and today's sessions wait for their attendance)."""
    course = course_make(world.city_admin, institution, title=title, state=CourseState.PUBLISHED, sessions=3,
                         session_date=today() - datetime.timedelta(days=1))
    district = world.district if institution.place.path.startswith(world.district.path) else world.district_2
    learner = resident_make(street_of(district))
    enrollment = enrollment_create(actor=learner, course=course)
    return course, enrollment


WHO = ["staff", "district_admin", "district_admin_2", "city_admin"]


def sessions_to_mark(world) -> dict[str, int]:
    return {u: catalog_selectors.home_sessions_to_mark(actor=world.user(u))["count"] for u in WHO}


def test_sessions_to_mark_are_counted_for_who_manages_them_and_no_one_else(world):
    before = sessions_to_mark(world)
    course_with_past_session(world, world.institution, title="测试本校的课")
    course_with_past_session(world, world.institution_other, title="测试区里别校的课")
    course_with_past_session(world, world.institution_2, title="测试台江的课")

    after = sessions_to_mark(world)

    # yesterday's and today's session of each course
    assert {u: after[u] - before[u] for u in WHO} == {"staff": 2, "district_admin": 4, "district_admin_2": 2,
                                                      "city_admin": 6}
    for who in ("learner", "expert", "auditor", "reporter"):
        assert catalog_selectors.home_sessions_to_mark(actor=world.user(who))["count"] == 0


def test_marking_attendance_takes_the_session_off_the_list(world):
    course, enrollment = course_with_past_session(world, world.institution, title="测试要点名的课")
    found = catalog_selectors.home_sessions_to_mark(actor=world.staff)
    yesterday = first_session(course)
    assert yesterday in found["items"]

    attendance_mark(actor=world.staff, session=yesterday, enrollment_ids=[enrollment.pk])

    after = catalog_selectors.home_sessions_to_mark(actor=world.staff)
    assert after["count"] == found["count"] - 1
    assert yesterday not in after["items"]
    assert Attendance.objects.filter(session=yesterday).count() == 1


def test_a_session_with_no_one_enrolled_or_a_draft_course_is_nothing_to_mark(world):
    before = catalog_selectors.home_sessions_to_mark(actor=world.staff)["count"]
    course_make(world.staff, world.institution, state=CourseState.PUBLISHED, sessions=2,
                session_date=today() - datetime.timedelta(days=1))  # nobody enrolled
    course_make(world.staff, world.institution, state=CourseState.DRAFT, sessions=2,
                session_date=today() - datetime.timedelta(days=1))

    assert catalog_selectors.home_sessions_to_mark(actor=world.staff)["count"] == before


def test_the_staff_page_shows_the_count_and_links_to_the_session_sheet(world, client_as):
    before = todo_counts(html(client_as(world.staff).get("/")))
    course, _ = course_with_past_session(world, world.institution, title="测试页上的课")

    page = html(client_as(world.staff).get("/"))

    counts = todo_counts(page)
    assert counts["sessions"] == before["sessions"] + 2
    assert f'href="/learn/manage/sessions/{first_session(course).pk}/"' in section(page, "home-todos")
    assert set(counts) == {"sessions", "conversions", "jobs"}  # no declarations to review, no reports due


def test_a_district_admin_sees_only_their_districts_counts(world, client_as):
    gulou_before = todo_counts(html(client_as(world.district_admin).get("/")))
    taijiang_before = todo_counts(html(client_as(world.district_admin_2).get("/")))
    course_with_past_session(world, world.institution_2, title="测试台江要点名的课")
    upload_refused(world, world.institution_2)

    gulou = todo_counts(html(client_as(world.district_admin).get("/")))
    taijiang = todo_counts(html(client_as(world.district_admin_2).get("/")))

    assert gulou == gulou_before
    assert taijiang["sessions"] == taijiang_before["sessions"] + 2
    assert taijiang["jobs"] == taijiang_before["jobs"] + 1
    assert "declarations" not in gulou  # a district admin reviews no declarations


def test_declarations_to_review_are_the_reviewers_not_the_auditors(world, client_as):
    before = {u: (credit_selectors.home_declarations_to_review(actor=world.user(u)) or {}).get("count")
              for u in ("expert", "city_admin", "auditor", "district_admin", "staff")}
    learner = resident_make(world.street)
    account_open(actor=None, learner=profile(learner), via="self")
    declared(learner)

    after = {u: (credit_selectors.home_declarations_to_review(actor=world.user(u)) or {}).get("count")
             for u in before}

    assert after["expert"] == before["expert"] + 1
    assert after["city_admin"] == before["city_admin"] + 1
    assert after["auditor"] is None and after["district_admin"] is None and after["staff"] is None
    assert before["expert"] + 1 == Declaration.objects.filter(
        status=DeclarationStatus.SUBMITTED, account__learner__residence__path__startswith=world.city.path).count()
    page = html(client_as(world.expert).get("/"))
    assert todo_counts(page) == {"declarations": after["expert"]}
    assert 'href="/credits/review/"' in section(page, "home-todos")


def upload(world, institution, rows, mode=JobMode.ALL_OR_NOTHING):
    job = intake_services.job_submit(actor=world.city_admin, institution_code=institution.code,
                                     filename="测试学习记录.csv", data=csv_file(rows), mode=mode)
    return intake_services.job_run(job.pk)


_external = iter(range(1, 10_000))


def upload_refused(world, institution):
    person = world.learner_profile
    job = upload(world, institution, [record(person, f"home-bad-{next(_external)}", hours="很多")])
    assert job.status == JobStatus.REJECTED
    return job


def test_a_refused_upload_is_a_to_do_until_a_later_upload_is_accepted_whole(world):
    school = world.institution
    before = {u: home_jobs_to_fix(actor=world.user(u))["count"] for u in WHO}

    refused = upload_refused(world, school)
    waiting = {u: home_jobs_to_fix(actor=world.user(u))["count"] for u in WHO}
    assert refused in home_jobs_to_fix(actor=world.staff)["items"]
    person = world.learner_profile
    fixed = upload(world, school, [record(person, f"home-good-{next(_external)}")])
    after = {u: home_jobs_to_fix(actor=world.user(u))["count"] for u in WHO}

    assert {u: waiting[u] - before[u] for u in WHO} == {"staff": 1, "district_admin": 1, "district_admin_2": 0,
                                                        "city_admin": 1}
    assert (fixed.status, fixed.rows_invalid) == (JobStatus.DONE, 0)
    # the school's accepted upload settles every earlier one of the school, and only the school's
    assert after["staff"] == 0
    assert {u: waiting[u] - after[u] for u in WHO} == {"staff": waiting["staff"], "district_admin": waiting["staff"],
                                                       "district_admin_2": 0, "city_admin": waiting["staff"]}


# --- reports due -------------------------------------------------------------------------------------------------


def test_reports_due_are_the_administrators_with_their_deadlines(world):
    day = datetime.date(2026, 12, 7)

    due = home_reports_due(actor=world.district_admin, today=day)

    assert [(r["kind"], r["period"].key, r["deadline"], r["days_left"], r["place"].code) for r in due] == [
        ("quarterly", "2026-Q4", datetime.date(2027, 1, 15), 39, TONGCHUAN),
        ("annual", "2026", datetime.date(2027, 1, 31), 55, TONGCHUAN)]
    assert [r["place"].code for r in home_reports_due(actor=world.city_admin, today=day)] == [DAZHOU, DAZHOU]


def test_a_report_is_due_until_its_deadline_and_not_before_the_month_its_period_ends(world):
    admin = world.city_admin

    assert home_reports_due(actor=admin, today=datetime.date(2026, 11, 15)) == []
    assert [r["period"].key for r in home_reports_due(actor=admin, today=datetime.date(2027, 1, 15))] == [
        "2026-Q4", "2026"]
    assert [r["period"].key for r in home_reports_due(actor=admin, today=datetime.date(2027, 1, 16))] == ["2026"]
    assert home_reports_due(actor=admin, today=datetime.date(2027, 2, 1)) == []


@pytest.mark.parametrize("who", ["learner", "staff", "expert", "auditor", "reporter"])
def test_no_reports_are_due_from_those_who_issue_none(world, who):
    assert home_reports_due(actor=world.user(who), today=datetime.date(2026, 12, 7)) == []


def test_the_admins_page_links_each_report_due_to_its_period_and_place(world, client_as):
    due = home_reports_due(actor=world.district_admin)

    page = html(client_as(world.district_admin).get("/"))

    assert todo_counts(page)["reports"] == len(due)
    place = world.district
    for r in due:
        assert f'href="/monitor/reports/?kind={r["kind"]}&amp;period={r["period"].key}&amp;place={place.pk}"' in page


def test_a_read_only_role_has_no_to_dos_and_is_told_so(world, client_as):
    page = html(client_as(world.auditor).get("/"))

    assert todo_counts(page) == {}
    assert "您的角色暂无待办事项。" in section(page, "home-todos")


def test_a_member_units_reporter_has_only_its_units_tasks_to_do(world, client_as):
    """The reporter reads the statistics but sets nothing: its one to-do is the committee's tasks its unit answers
    for (none yet in the world; tests/governance/test_views.py shows them counted)."""
    page = html(client_as(world.reporter).get("/"))

    assert todo_counts(page) == {"tasks": 0, "returns": 0}
    assert "您的角色暂无待办事项。" not in section(page, "home-todos")


# --- bounded queries ---------------------------------------------------------------------------------------------


def more_of_everything(users, resident_user) -> None:
    """Ten more courses near the resident (some for their groups, enrolled in), ten more events this week, and
    sessions to mark for the staff: nothing of it may add a query."""
    admin, school = users["city_admin"], staff_institution(users)
    venue = public_venue(school, "测试更多的图书室")
    for i in range(10):
        course = course_make(admin, school, title=f"测试更多课程{i}", state=CourseState.PUBLISHED,
                             sessions=3, session_date=today() - datetime.timedelta(days=1),
                             target_groups=["elderly"], venue=venue_make(school))
        enrollment_create(actor=resident_user, course=course)
        day = today() + datetime.timedelta(days=i % 7)
        event_make(venue, title=f"测试更多活动{i}", starts=at(day, 9), ends=at(day, 11))


# A request with the parts that are not the visitor's in the cache (anonymous: the whole page), and the first
# request after a change, which builds them again (the cache emptied; it includes settling the session).
# The administrators' one more than before governance: the committee to-do's figures (its tasks are read only
# when there are any).
QUERIES = {None: 1, "resident": 12, "staff": 11, "district_admin": 13, "city_admin": 15, "expert": 8}
FIRST = {None: 9, "resident": 24, "staff": 19, "district_admin": 21, "city_admin": 23, "expert": 16}


# On the demo city on purpose: the subject is the home page of a full city (its hundreds of courses, events and
# records behind each part), as the demo's users see it, not a world of the test's own.
@pytest.fixture
def demo_resident(db):
    """A resident of the first street of the demo's 鼓楼区 (where the demo staff member's school is), elderly."""
    return demo_learner_make(GULOU, name="测试居民", birth=datetime.date(1950, 3, 8), groups=["elderly"])


@pytest.mark.parametrize("who", list(QUERIES))
def test_the_home_page_takes_a_fixed_number_of_queries(users, demo_resident, client_as, django_assert_num_queries,
                                                       who):
    user = demo_resident if who == "resident" else users[who] if who else None
    account_open(actor=None, learner=profile(demo_resident), via="self")
    client = client_as(user)
    cache.clear()
    with django_assert_num_queries(FIRST[who]):
        client.get("/")
    with django_assert_num_queries(QUERIES[who]):
        client.get("/")
    more_of_everything(users, demo_resident)
    client.get("/")  # the change is built once

    with django_assert_num_queries(QUERIES[who]):
        page = html(client.get("/"))

    if who == "resident":
        assert page.count('data-testid="home-course"') >= 6


# --- the cache: a change shows on the next request ------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "resident", "staff"])
def test_a_new_course_shows_on_the_next_home_request(world, resident, client_as, who):
    user = resident if who == "resident" else world.user(who)
    client = client_as(user)
    client.get("/")
    before = html(client.get("/"))

    course_make(world.city_admin, world.institution, title="测试缓存后新开的书法班",
                state=CourseState.PUBLISHED, sessions=3, session_date=today() + datetime.timedelta(days=1))
    after = html(client.get("/"))

    assert "测试缓存后新开的书法班" not in before
    assert "测试缓存后新开的书法班" in after


def test_the_anonymous_home_page_shows_this_years_records_after_the_next_rollup_refresh(world, resident, client_as):
    from learncity.catalog.models import RecordKind, RecordSource
    from learncity.catalog.services import learning_record_create
    from learncity.monitoring.rollups import rollups_refresh

    client = client_as(None)
    before = figures(html(client.get("/")))
    learning_record_create(actor=world.staff, learner=profile(resident), provider=world.institution,
                           kind=RecordKind.COMPLETION, title="测试缓存的结业记录", hours=Decimal("2"), date=today(),
                           source=RecordSource.PAGE, external_id="HOME-CACHE-1")
    cached = figures(html(client.get("/")))
    rollups_refresh()

    refreshed = figures(html(client.get("/")))

    assert cached == before  # the page is the cached one until the figures are refreshed
    assert refreshed["records"] == before["records"] + 1


def figures(page: str) -> dict[str, int]:
    """The anonymous home page's live figures, by their test ids."""
    found = re.findall(r'data-testid="figure-(\w+)">(.*?)</dd>', page, re.S)
    return {key: int(re.sub(r"<[^>]+>|,|\s", "", value)) for key, value in found}


def test_signed_in_visitors_never_get_the_cached_anonymous_page(world, client_as):
    client_as(None).get("/")  # cached for anonymous visitors

    page = html(client_as(world.city_admin).get("/"))

    assert 'data-testid="home-todos"' in page
    assert str(world.city_admin) in page


# --- English ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "resident", "city_admin"])
def test_the_home_page_is_complete_in_english(world, resident, client_as, who):
    user = resident if who == "resident" else world.user(who)
    venue = public_venue(world.institution, "测试双语图书馆")
    day = today() + datetime.timedelta(days=1)
    event = event_make(venue, title="测试英文讲座", title_en="Test lecture in English", starts=at(day, 9),
                       ends=at(day, 11))

    page = html(english(client_as(user)).get("/"))

    assert '<html lang="en"' in page
    tiles = re.findall(r"<span>(.*?)</span></a>", section(page, "home-tiles"))
    assert tiles == ["Find courses", "Events", "Venues", "Online resources", "My learning account",
                     "Verify a certificate"]
    assert "Test lecture in English" in page and event.title not in page
    main = page[page.index("<main"):page.index("</main>")]
    # every label of the page is English: what Chinese is left is data (names of people, places, courses)
    labels = re.sub(r"<[^>]+>", "\n", main)
    data = {str(user)} if user else set()
    leftovers = [t.strip() for t in labels.split("\n") if CJK.search(t) and t.strip() not in data]
    data |= _data_strings(page)
    untranslated = []
    for text in leftovers:
        for d in sorted(data, key=len, reverse=True):
            text = text.replace(d, "")
        if CJK.search(text):
            untranslated.append(text)
    assert untranslated == []
    if who == "city_admin":
        assert "My to-dos" in page and "Sessions waiting for attendance" in page


def _data_strings(page: str) -> set[str]:
    """The Chinese text on the page that is data: names of courses, events, venues, institutions and places."""
    from learncity.catalog.models import Course
    from learncity.network.models import Institution

    found = set()
    for model, fields in ((Course, ("title",)), (Event, ("title",)), (Venue, ("name", "opening_hours",
                                                                              "free_open_days")),
                          (Institution, ("name",)), (Place, ("name",))):
        for row in model.objects.values_list(*fields):
            found.update(v for v in row if v and v in page)
    from learncity.people.models import LearnerGroup, LearnerProfile

    found.update(n for n in LearnerProfile.objects.values_list("name", flat=True) if n in page)
    found.update(n for n in LearnerGroup.objects.values_list("name", flat=True) if n in page)
    from learncity.intake.models import ImportJob

    found.update(n for n in ImportJob.objects.values_list("filename", flat=True) if n in page)
    return found


def test_credits_are_shown_with_the_numbers_filter(world, resident, client_as):
    account, _ = account_open(actor=None, learner=profile(resident), via="self")
    found = credit_selectors.home_credits(actor=resident)

    assert found["account"] == account
    assert found["credits"] == Decimal("0")
    assert "0</span> 学分" in section(html(client_as(resident).get("/")), "home-credits")
