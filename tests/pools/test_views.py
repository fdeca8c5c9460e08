"""The staff's pages for the people pools (/learn/manage/pools/, the pools app's): lists that filter in place (HTMX), create forms
that say what is wrong, edit pages, and a volunteer's page with their service hours — each inside the viewer's
scope; learners get 403 and anonymous visitors the sign-in page."""

import datetime
import html as htmllib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learncity.catalog.models import LearningRecord, RecordKind
from learncity.core.models import AuditEvent
from learncity.pools.models import Expert, Teacher, Textbook, Volunteer
from learncity.pools.services import teacher_create, volunteer_register, volunteer_service_record
from tests.catalog.factories import today
from tests.people.factories import id_number_free
from tests.places.factories import TONGCHUAN
from tests.pools.factories import resident
from tests.portal.world import world_fixtures

world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)

pytestmark = pytest.mark.django_db

POOLS = ["teachers", "textbooks", "experts", "volunteers"]
H1 = {"teachers": "师资库", "textbooks": "教材库", "experts": "专家库", "volunteers": "志愿者库"}


def html(response) -> str:
    return response.content.decode()


def errors_shown(response) -> list[str]:
    return [htmllib.unescape(m) for m in re.findall(r"<ul class=\"errors\"[^>]*>(.*?)</ul>", html(response), re.S)
            for m in re.findall(r"<li>(.*?)</li>", m, re.S)]


def flashed(response) -> list[str]:
    return [htmllib.unescape(m) for m in re.findall(r'<li class="(?:success|error)">(.*?)</li>', html(response))]


def rows(response) -> list[list[str]]:
    """The listed rows, each as its cells' text."""
    return [[htmllib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", m, re.S)]
            for m in re.findall(r'<tr data-testid="row">(.*?)</tr>', html(response), re.S)]


def resident_number(world) -> str:
    """The ID number of a new resident of 通川区, 页面志愿者, registered by the city admin."""
    _, number = resident(world, birth=datetime.date(1988, 3, 9), name="页面志愿者")
    return number


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


@pytest.fixture
def volunteer(world, school):
    return volunteer_register(actor=world.staff, institution_code=school.code, id_number=resident_number(world))


# --- who gets in ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pool", POOLS)
def test_staff_open_each_pool(world, client_as, pool):
    response = client_as(world.staff).get(f"/learn/manage/pools/{pool}/")

    assert response.status_code == 200
    assert f"<h1>{H1[pool]}</h1>" in html(response)


@pytest.mark.parametrize("pool", POOLS)
def test_learners_get_403_and_visitors_the_sign_in_page(world, client_as, pool):
    url = f"/learn/manage/pools/{pool}/"

    assert client_as(world.learner).get(url).status_code == 403
    response = client_as(None).get(url)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


@pytest.mark.parametrize("who", ["learner", "expert", "auditor"])
@pytest.mark.parametrize("pool", POOLS)
def test_those_without_a_form_cannot_post_to_a_pool(world, client_as, school, who, pool):
    number = resident_number(world)
    before = (Teacher.objects.count(), Textbook.objects.count(), Expert.objects.count(), Volunteer.objects.count(),
              AuditEvent.objects.count())

    response = client_as(world.user(who)).post(f"/learn/manage/pools/{pool}/", {
        "name": "越权", "title": "越权", "kind": "part_time" if pool == "teachers" else "reviewer",
        "institution_codes": [school.code], "institution_code": school.code, "city_code": world.city.code,
        "id_number": number})

    assert response.status_code == 403
    assert (Teacher.objects.count(), Textbook.objects.count(), Expert.objects.count(), Volunteer.objects.count(),
            AuditEvent.objects.count()) == before


def test_the_manage_page_links_to_the_pools_which_open_on_the_teachers(world, client_as):
    client = client_as(world.staff)

    assert 'href="/learn/manage/pools/"' in html(client.get("/learn/manage/"))
    response = client.get("/learn/manage/pools/")
    assert (response.status_code, response["Location"]) == (302, "/learn/manage/pools/teachers/")


# --- teachers ---------------------------------------------------------------------------------------------


def test_staff_add_a_teacher_through_the_form(world, client_as, school):
    response = client_as(world.staff).post("/learn/manage/pools/teachers/", {
        "name": "页面陈老师", "kind": "part_time", "specialities": "书法", "institution_codes": [school.code]},
        follow=True)

    teacher = Teacher.objects.get(name="页面陈老师")
    assert list(teacher.institutions.values_list("code", flat=True)) == [school.code]
    assert flashed(response) == ["已把「页面陈老师」加入师资库"]
    assert AuditEvent.objects.filter(action="teacher.create", object_id=str(teacher.pk)).count() == 1


def test_a_bad_teacher_form_says_what_is_wrong(world, client_as, school):
    before = Teacher.objects.count()

    response = client_as(world.staff).post("/learn/manage/pools/teachers/", {
        "name": " ", "kind": "part_time", "institution_codes": [school.code]})

    assert response.status_code == 400
    assert errors_shown(response) == ["必填"]
    assert Teacher.objects.count() == before


def test_an_htmx_filter_answers_with_the_rows_only(world, client_as, school):
    teacher_create(actor=world.staff, name="筛选甲老师", kind="volunteer", institution_codes=[school.code])
    teacher_create(actor=world.staff, name="筛选乙老师", kind="full_time", institution_codes=[school.code])

    response = client_as(world.staff).get("/learn/manage/pools/teachers/", {"q": "筛选", "kind": "volunteer"},
                                             headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in html(response) and "<form" not in html(response)
    assert [r[:2] for r in rows(response)] == [["筛选甲老师", "志愿者"]]


def test_a_bad_filter_is_a_400(world, client_as):
    response = client_as(world.staff).get("/learn/manage/pools/teachers/", {"kind": "guest"})

    assert response.status_code == 400
    assert errors_shown(response) == ["未知类别：guest"]


def test_staff_edit_their_teacher_not_another_districts(world, client_as, school):
    mine = teacher_create(actor=world.staff, name="编辑前", kind="part_time", institution_codes=[school.code])
    far = teacher_create(actor=world.city_admin, name="达川老师", kind="part_time",
                         institution_codes=[world.institution_2.code])
    client = client_as(world.staff)

    assert 'value="编辑前"' in html(client.get(f"/learn/manage/pools/teachers/{mine.pk}/"))
    response = client.post(f"/learn/manage/pools/teachers/{mine.pk}/", {
        "name": "编辑后", "kind": "full_time", "specialities": "", "institution_codes": [school.code]})
    assert (response.status_code, response["Location"]) == (302, "/learn/manage/pools/teachers/")
    assert Teacher.objects.filter(pk=mine.pk).values_list("name", "kind").get() == ("编辑后", "full_time")
    assert client.get(f"/learn/manage/pools/teachers/{far.pk}/").status_code == 404
    assert client.post(f"/learn/manage/pools/teachers/{far.pk}/", {"name": "改", "kind": "full_time"}).status_code == 404
    assert Teacher.objects.get(pk=far.pk).name == "达川老师"


# --- textbooks and experts --------------------------------------------------------------------------------


def test_a_textbook_with_a_bad_isbn_is_refused_on_the_form(world, client_as):
    before = Textbook.objects.count()

    response = client_as(world.staff).post("/learn/manage/pools/textbooks/",
                                              {"title": "书法入门", "isbn": "978-7-04-050000-5"})

    assert response.status_code == 400
    assert errors_shown(response) == ["ISBN「978-7-04-050000-5」的校验位不正确，请核对"]
    assert Textbook.objects.count() == before
    response = client_as(world.staff).post("/learn/manage/pools/textbooks/",
                                              {"title": "页面书法入门", "isbn": "978-7-04-050000-4"})
    assert response.status_code == 302
    assert Textbook.objects.get(title="页面书法入门").isbn == "978-7-04-050000-4"


def test_only_city_admins_get_the_expert_form(world, client_as):
    city = world.city
    assert 'id="create"' not in html(client_as(world.staff).get("/learn/manage/pools/experts/"))
    assert 'id="create"' not in html(client_as(world.district_admin).get("/learn/manage/pools/experts/"))

    client = client_as(world.city_admin)
    assert 'id="create"' in html(client.get("/learn/manage/pools/experts/"))
    response = client.post("/learn/manage/pools/experts/", {"name": "页面王教授", "kind": "reviewer",
                                                           "organisation": "四川文理学院", "city_code": city.code})
    assert response.status_code == 302
    assert Expert.objects.filter(name="页面王教授", city=city).count() == 1
    response = client_as(world.district_admin).post("/learn/manage/pools/experts/", {
        "name": "越权专家", "kind": "reviewer", "city_code": city.code})
    assert response.status_code == 403
    assert not Expert.objects.filter(name="越权专家").exists()


# --- volunteers -------------------------------------------------------------------------------------------


def test_staff_register_a_volunteer_and_land_on_their_page(world, client_as, school):
    number = resident_number(world)

    response = client_as(world.staff).post("/learn/manage/pools/volunteers/", {
        "id_number": number, "institution_code": school.code, "skills": "摄影"}, follow=True)

    volunteer = Volunteer.objects.get(learner__id_number_masked=number[:6] + "*" * 8 + number[-4:])
    assert response.redirect_chain == [(f"/learn/manage/pools/volunteers/{volunteer.pk}/", 302)]
    assert flashed(response) == ["已登记志愿者：页面志愿者"]
    assert "页面志愿者" in html(response) and number not in html(response)


def test_an_unknown_id_number_is_said_so(world, client_as, school):
    response = client_as(world.staff).post("/learn/manage/pools/volunteers/", {
        "id_number": id_number_free(TONGCHUAN, datetime.date(1970, 1, 1)), "institution_code": school.code})

    assert response.status_code == 400
    assert errors_shown(response) == ["没有该身份证号码的学习者档案，请先登记学习者"]


def test_staff_record_hours_on_the_volunteers_page(world, client_as, volunteer):
    client = client_as(world.staff)
    url = f"/learn/manage/pools/volunteers/{volunteer.pk}/"
    yesterday = today() - datetime.timedelta(days=1)

    response = client.post(url, {"action": "service", "date": yesterday.isoformat(), "hours": "2.5",
                                 "activity": "社区图书角整理", "institution_code": volunteer.institution.code},
                           follow=True)

    assert flashed(response) == [f"已登记 {yesterday} 的志愿服务 2.5 小时"]
    assert re.search(r'<dd data-testid="total">2\.5 小时（1 次）</dd>', html(response))
    assert "社区图书角整理" in html(response)
    record = LearningRecord.objects.get(learner_id=volunteer.learner_id, kind=RecordKind.VOLUNTEERING)
    assert (record.hours, record.date) == (Decimal("2.5"), yesterday)


@pytest.mark.parametrize(("hours", "message"), [
    ("0", "不能小于 0.5，而不是 0"),
    ("-2", "不能小于 0.5，而不是 -2"),
    ("25", "不能大于 24，而不是 25"),
])
def test_bad_hours_on_the_page_say_what_is_wrong(world, client_as, volunteer, hours, message):
    response = client_as(world.staff).post(f"/learn/manage/pools/volunteers/{volunteer.pk}/", {
        "action": "service", "date": today().isoformat(), "hours": hours, "activity": "助老",
        "institution_code": volunteer.institution.code})

    assert response.status_code == 400
    assert errors_shown(response) == [message]
    assert volunteer.services.count() == 0


def test_the_volunteer_list_shows_total_hours(world, client_as, volunteer):
    volunteer_service_record(actor=world.staff, volunteer=volunteer, date=today(), hours="3", activity="助学")

    response = client_as(world.staff).get("/learn/manage/pools/volunteers/", {"q": "页面志愿"})

    assert [r[0:1] + r[-2:] for r in rows(response)] == [["页面志愿者", "1", "3"]]


def test_auditors_read_a_volunteer_but_record_nothing(world, client_as, volunteer):
    client = client_as(world.auditor)
    url = f"/learn/manage/pools/volunteers/{volunteer.pk}/"

    page = html(client.get(url))
    assert "页面志愿者" in page and 'id="record"' not in page
    response = client.post(url, {"action": "service", "date": today().isoformat(), "hours": "2", "activity": "助老",
                                 "institution_code": volunteer.institution.code})
    assert response.status_code == 403
    assert volunteer.services.count() == 0


def test_another_institutions_volunteer_is_not_found_for_staff(world, client_as):
    theirs = volunteer_register(actor=world.city_admin, institution_code=world.institution_other.code,
                                id_number=resident_number(world))

    assert client_as(world.staff).get(f"/learn/manage/pools/volunteers/{theirs.pk}/").status_code == 404
    assert client_as(world.expert).get(f"/learn/manage/pools/volunteers/{theirs.pk}/").status_code == 404


# --- queries and the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("pool", "make"), [
    ("teachers", lambda world, school: teacher_create(actor=world.staff, name="计数老师", kind="volunteer",
                                                      institution_codes=[school.code])),
    ("volunteers", lambda world, school: volunteer_register(actor=world.staff, institution_code=school.code,
                                                            id_number=resident_number(world))),
])
def test_a_list_page_makes_as_many_queries_for_many_rows_as_for_one(world, client_as, school, pool, make):
    client = client_as(world.staff)
    make(world, school)
    client.get(f"/learn/manage/pools/{pool}/")  # warm: the session, the scope
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/learn/manage/pools/{pool}/").status_code == 200
    for _ in range(4):
        make(world, school)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/learn/manage/pools/{pool}/").status_code == 200

    assert len(many) == len(few)


def test_the_api_records_hours_and_says_what_is_wrong(world, api_as, volunteer):
    client = api_as(world.staff)
    url = f"/api/catalog/volunteers/{volunteer.pk}/services"

    bad = client.post(url, {"date": today().isoformat(), "hours": "25", "activity": "助老"},
                      content_type="application/json")
    good = client.post(url, {"date": today().isoformat(), "hours": "1.5", "activity": "助老"},
                       content_type="application/json")

    assert (bad.status_code, bad.json()["code"], bad.json()["errors"]) == (422, "invalid_input", {"hours": ["不能大于 24，而不是 25"]})
    assert good.status_code == 201
    record = LearningRecord.objects.get(pk=good.json()["learning_record_id"])
    assert (record.kind, record.hours, record.source) == (RecordKind.VOLUNTEERING, Decimal("1.5"), "api")
    listed = client.get("/api/catalog/volunteers", {"q": "页面志愿"}).json()
    assert [(v["id"], Decimal(v["total_hours"]), v["service_count"]) for v in listed["items"]] == [
        (volunteer.pk, Decimal("1.5"), 1)]
