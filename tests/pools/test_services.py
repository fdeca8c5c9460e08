"""The people pools: teachers, textbooks, experts and volunteers with their service hours — who may keep each
pool, what the services refuse (saying what is wrong, and writing nothing), and what the selectors show to whom.
Service hours are learning too: each entry makes one learning record."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from learncity.catalog.models import LearningRecord, RecordKind, RecordSource
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.core.scopes import Action
from learncity.people.models import LearnerProfile
from learncity.pools import selectors
from learncity.pools.models import Expert, Teacher, Textbook, Volunteer, VolunteerService
from learncity.pools.services import (
    expert_create,
    expert_update,
    teacher_create,
    teacher_update,
    textbook_create,
    textbook_update,
    volunteer_register,
    volunteer_service_record,
    volunteer_update,
)
from tests.catalog.factories import course_make, today
from tests.checks import refuses
from tests.people.factories import account_make, id_number_free
from tests.places.factories import TONGCHUAN, place
from tests.pools.factories import resident, volunteer_at
from tests.portal.world import world_fixtures

world_built, world = world_fixtures()  # the module's own city in 达州市 (tests/portal/world.py)

pytestmark = pytest.mark.django_db
GUANGAN = "511600"  # 广安市: a city beside 达州, whose expert pool the world's people do not see

TEACHER_KINDS = "'full_time', 'part_time' or 'volunteer'"


def snapshot() -> dict:
    """Everything the pool services write."""
    return {
        "teachers": list(Teacher.objects.order_by("pk").values_list("pk", "name", "kind", "specialities")),
        "teacher_links": sorted(Teacher.institutions.through.objects.values_list("teacher_id", "institution_id")),
        "textbooks": list(Textbook.objects.order_by("pk").values_list("pk", "title", "isbn", "authors")),
        "experts": list(Expert.objects.order_by("pk").values_list("pk", "name", "kind", "city_id")),
        "volunteers": list(Volunteer.objects.order_by("pk").values_list("pk", "learner_id", "institution_id",
                                                                        "skills")),
        "services": VolunteerService.objects.count(),
        "records": LearningRecord.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


refused = refuses(snapshot)


@pytest.fixture
def school(world):
    """The world's 通川区 社区学校, where `world.staff` works."""
    return world.institution


@pytest.fixture
def volunteer(world, school):
    """A resident of 通川区 born 1990-05-17, volunteering at the staff's school."""
    return volunteer_at(world, school)


def yesterday() -> datetime.date:
    return today() - datetime.timedelta(days=1)


# --- teachers ---------------------------------------------------------------------------------------------


def test_staff_add_a_teacher_of_their_institution(world, school):
    # when the staff of the world's 通川区 社区学校 add a teacher
    teacher = teacher_create(actor=world.staff, name=" 陈书文 ", kind="part_time", specialities="书法、国画",
                             institution_codes=[school.code])

    # then the teacher is in the pool, teaching there, and the write is audited once
    got = Teacher.objects.get(pk=teacher.pk)
    assert (got.name, got.kind, got.specialities) == ("陈书文", "part_time", "书法、国画")
    assert list(got.institutions.values_list("code", flat=True)) == [school.code]
    event = AuditEvent.objects.get(action="teacher.create", object_id=str(got.pk))
    assert (event.actor, event.detail) == (world.staff, {"institutions": [school.code]})


@pytest.mark.parametrize(("fields", "errors"), [
    ({"name": "  "}, {"name": ["必填"]}),
    ({"name": "陈" * 65}, {"name": ["不能超过 64 个字符"]}),
    ({"kind": "guest"}, {"kind": [f"「guest」不是可选的值（可选：{TEACHER_KINDS}）"]}),
    ({"kind": "", "name": ""}, {"name": ["必填"], "kind": [f"「」不是可选的值（可选：{TEACHER_KINDS}）"]}),
    ({"specialities": "书" * 201}, {"specialities": ["不能超过 200 个字符"]}),
    ({"institution_codes": []}, {"institution_codes": ["至少选择一个任教机构"]}),
    ({"institution_codes": ["NO-SUCH"]}, {"institution_codes": ["未知的机构代码：NO-SUCH"]}),
])
def test_a_bad_teacher_is_refused_saying_what_is_wrong(world, school, fields, errors):
    data = {"name": "陈书文", "kind": "part_time", "institution_codes": [school.code], **fields}

    exc = refused(teacher_create, actor=world.staff, **data)

    assert exc.errors == errors


def test_staff_cannot_add_a_teacher_to_another_institution(world, school):
    other = world.institution_other

    exc = refused(teacher_create, PermissionDenied, actor=world.staff, name="陈书文", kind="part_time",
                  institution_codes=[school.code, other.code])

    assert exc.errors == {"__all__": [f"您无权管理这些机构的师资：{other.name}"]}


@pytest.mark.parametrize("who", ["learner", "expert", "auditor", "reporter"])
def test_roles_that_manage_no_institution_keep_no_pool(world, school, who):
    actor = world.user(who)

    refused(teacher_create, PermissionDenied, actor=actor, name="陈书文", kind="part_time",
            institution_codes=[school.code])
    refused(textbook_create, PermissionDenied, actor=actor, title="书法入门")
    refused(expert_create, PermissionDenied, actor=actor, name="王教授", kind="guidance")
    _, number = resident(world)
    refused(volunteer_register, PermissionDenied, actor=actor, institution_code=school.code, id_number=number)


def test_an_update_keeps_the_institutions_outside_the_actors_scope(world, school):
    # given a teacher of the staff's school who also teaches in 达川区
    dachuan = world.institution_2
    other = world.institution_other
    teacher = teacher_create(actor=world.city_admin, name="陈书文", kind="part_time",
                             institution_codes=[school.code, dachuan.code])

    # when the 通川区 admin moves the 通川 part to another school and renames the teacher
    teacher_update(actor=world.district_admin, teacher=teacher, name="陈书雯", institution_codes=[other.code])

    # then the 达川 institution stays
    got = Teacher.objects.get(pk=teacher.pk)
    assert got.name == "陈书雯"
    assert sorted(got.institutions.values_list("code", flat=True)) == sorted([other.code, dachuan.code])
    assert AuditEvent.objects.get(action="teacher.update", object_id=str(got.pk)).detail == {
        "changed": ["institution_codes", "name"]}


def test_an_update_must_leave_the_teacher_one_institution_of_the_actor(world, school):
    teacher = teacher_create(actor=world.staff, name="陈书文", kind="part_time", institution_codes=[school.code])

    exc = refused(teacher_update, actor=world.staff, teacher=teacher, institution_codes=[])

    assert exc.errors == {"institution_codes": ["至少选择一个任教机构"]}


def test_a_teacher_of_another_district_is_not_the_actors_to_change(world, school):
    teacher = teacher_create(actor=world.city_admin, name="黄达川", kind="full_time",
                             institution_codes=[world.institution_2.code])

    refused(teacher_update, PermissionDenied, actor=world.district_admin, teacher=teacher, name="改名")
    with pytest.raises(NotFound):
        selectors.teacher_get(actor=world.district_admin, pk=teacher.pk, action=Action.CHANGE)
    exc = refused(teacher_update, actor=world.city_admin, teacher=teacher, kind="guest")
    assert list(exc.errors) == ["kind"]
    exc = refused(teacher_update, actor=world.city_admin, teacher=teacher, user=world.learner)
    assert exc.errors == {"user": ["不能修改此字段"]}


def test_teacher_list_is_scoped_and_filtered(world, school):
    # given teachers at the staff's school, at another 通川 school and in 达川区
    mine = teacher_create(actor=world.staff, name="测试甲老师", kind="volunteer", specialities="太极拳",
                          institution_codes=[school.code])
    other = teacher_create(actor=world.city_admin, name="测试乙老师", kind="full_time",
                           institution_codes=[world.institution_other.code])
    far = teacher_create(actor=world.city_admin, name="测试丙老师", kind="full_time",
                         institution_codes=[world.institution_2.code])

    def names(who, **filters):
        return set(selectors.teacher_list(actor=world.user(who), q="测试", **filters).values_list("name", flat=True))

    assert names("staff") == {mine.name}
    assert names("district_admin") == {mine.name, other.name}
    assert names("city_admin") == names("auditor") == {mine.name, other.name, far.name}
    assert names("learner") == set()
    assert names("city_admin", kind="full_time") == {other.name, far.name}
    assert names("city_admin", institution=school.code) == {mine.name}
    assert set(selectors.teacher_list(actor=world.staff, q="太极").values_list("pk", flat=True)) >= {mine.pk}
    with pytest.raises(DomainError) as exc:
        selectors.teacher_list(actor=world.staff, kind="guest")
    assert exc.value.errors == {"kind": ["未知类别：guest"]}


# --- textbooks --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("isbn", "stored"), [
    ("978-7-04-050000-4", "978-7-04-050000-4"),
    ("9787040500004", "9787040500004"),
    ("978 7 04 050000 4", "978-7-04-050000-4"),
    ("0-8044-2957-x", "0-8044-2957-X"),
    ("7302000000", None),  # its check character is X, not 0
    ("", ""),
])
def test_isbns_are_checked_by_their_check_digit(world, isbn, stored):
    if stored is None:
        exc = refused(textbook_create, actor=world.staff, title="书法入门", isbn=isbn)
        assert exc.errors == {"isbn": [f"ISBN「{isbn}」的校验位不正确，请核对"]}
        return
    book = textbook_create(actor=world.staff, title="书法入门", isbn=isbn)
    assert Textbook.objects.get(pk=book.pk).isbn == stored


@pytest.mark.parametrize(("fields", "errors"), [
    ({"isbn": "978-7-04-050000-5"}, {"isbn": ["ISBN「978-7-04-050000-5」的校验位不正确，请核对"]}),
    ({"isbn": "12345"}, {"isbn": ["ISBN「12345」不正确：应为 10 位或 13 位数字（可含连字符，10 位的末位可为 X）"]}),
    ({"isbn": "1234567890123"}, {"isbn": ["ISBN「1234567890123」不正确：13 位 ISBN 应以 978 或 979 开头"]}),
    ({"isbn": "97870405000X4"}, {"isbn": ["ISBN「97870405000X4」不正确：应为 10 位或 13 位数字（可含连字符，10 位的末位可为 X）"]}),
    ({"title": ""}, {"title": ["必填"]}),
    ({"publisher": "社" * 101}, {"publisher": ["不能超过 100 个字符"]}),
])
def test_a_bad_textbook_is_refused(world, fields, errors):
    exc = refused(textbook_create, actor=world.staff, **{"title": "书法入门", **fields})

    assert exc.errors == errors


def test_a_textbook_used_by_courses_is_changed_only_by_those_who_run_them_all(world, school):
    # given a textbook used by a course in 达川区, and one used by the staff's school only
    far_book = textbook_create(actor=world.city_admin, title="达川教材")
    my_book = textbook_create(actor=world.staff, title="通川教材")
    course_make(world.city_admin, world.institution_2, sessions=0).textbooks.add(far_book)
    course_make(world.staff, school, sessions=0).textbooks.add(my_book)

    # then the staff may change their own, not the other; the city admin may change both
    textbook_update(actor=world.staff, textbook=my_book, isbn="7-302-00000-X", authors="王羲之")
    assert Textbook.objects.filter(pk=my_book.pk).values_list("isbn", "authors").get() == ("7-302-00000-X", "王羲之")
    refused(textbook_update, PermissionDenied, actor=world.staff, textbook=far_book, title="改名")
    refused(textbook_update, PermissionDenied, actor=world.district_admin, textbook=far_book, title="改名")
    textbook_update(actor=world.city_admin, textbook=far_book, title="达川教材（第二版）")
    assert Textbook.objects.get(pk=far_book.pk).title == "达川教材（第二版）"
    exc = refused(textbook_update, actor=world.city_admin, textbook=far_book, isbn="978-7-04-050000-5")
    assert list(exc.errors) == ["isbn"]


def test_textbooks_are_a_shared_library_for_staff_not_for_learners(world):
    book = textbook_create(actor=world.staff, title="共享教材")

    assert selectors.textbook_list(actor=world.learner).count() == 0
    for who in ("staff", "district_admin_2", "auditor", "expert"):
        assert selectors.textbook_list(actor=world.user(who)).count() == Textbook.objects.count()
    assert list(selectors.textbook_list(actor=world.auditor, q="共享教材").values_list("pk", flat=True)) == [book.pk]
    assert selectors.textbook_list(actor=world.auditor, action=Action.CHANGE).count() == 0


# --- experts ----------------------------------------------------------------------------------------------


def test_city_admins_keep_their_citys_expert_pool(world):
    city = world.city
    expert = expert_create(actor=world.city_admin, name="王明德", kind="guidance", specialities="社区教育",
                           organisation="四川文理学院")

    got = Expert.objects.get(pk=expert.pk)
    assert (got.name, got.kind, got.city_id, got.organisation) == ("王明德", "guidance", city.pk, "四川文理学院")
    assert AuditEvent.objects.get(action="expert.create", object_id=str(got.pk)).detail == {"city": city.code}
    expert_update(actor=world.city_admin, expert=got, kind="reviewer")
    assert Expert.objects.get(pk=expert.pk).kind == "reviewer"


@pytest.mark.parametrize("who", ["district_admin", "staff"])
def test_district_admins_and_staff_do_not_keep_the_expert_pool(world, who):
    expert = expert_create(actor=world.city_admin, name="王明德", kind="guidance")

    refused(expert_create, PermissionDenied, actor=world.user(who), name="李四", kind="guidance")
    refused(expert_update, PermissionDenied, actor=world.user(who), expert=expert, name="改名")
    refused(expert_create, PermissionDenied, actor=world.city_admin, name="李四", kind="guidance",
            city_code=GUANGAN)  # another city


@pytest.mark.parametrize(("fields", "errors"), [
    ({"name": ""}, {"name": ["必填"]}),
    ({"kind": "famous"}, {"kind": ["「famous」不是可选的值（可选：'consultancy', 'guidance' or 'reviewer'）"]}),
    ({"city_code": TONGCHUAN}, {"city_code": [f"「{TONGCHUAN}」不是城市的区划代码"]}),  # 通川区, a district
])
def test_a_bad_expert_is_refused(world, fields, errors):
    exc = refused(expert_create, actor=world.city_admin, **{"name": "王明德", "kind": "guidance", **fields})

    assert exc.errors == errors


def test_the_expert_pool_is_seen_by_staff_roles_of_the_city(world):
    # given two experts of the world's city, and one of another city (广安市)
    for name, kind in (("王明德", "guidance"), ("李秀英", "reviewer")):
        expert_create(actor=world.city_admin, name=name, kind=kind)
    elsewhere = expert_create(actor=account_make("city_admin", place=place(GUANGAN)), name="张广安", kind="guidance")
    in_city = set(Expert.objects.filter(city=world.city).values_list("pk", flat=True))

    assert len(in_city) == 2 and elsewhere.pk not in in_city
    for who in ("staff", "district_admin", "city_admin", "reporter", "expert", "auditor"):
        assert set(selectors.expert_list(actor=world.user(who)).values_list("pk", flat=True)) == in_city, who
    assert selectors.expert_list(actor=world.learner).count() == 0
    assert set(selectors.expert_list(actor=world.city_admin, action=Action.CHANGE)
               .values_list("pk", flat=True)) == in_city
    assert selectors.expert_list(actor=world.district_admin, action=Action.CHANGE).count() == 0


# --- volunteers -------------------------------------------------------------------------------------------


def test_staff_register_a_resident_as_a_volunteer_by_their_id_number(world, school):
    # given a registered resident (whom staff cannot browse)
    profile, number = resident(world)

    # when the staff register them by the ID number on their card
    volunteer = volunteer_register(actor=world.staff, institution_code=school.code, id_number=number,
                                   skills="摄影")

    # then they are a volunteer of the school
    got = Volunteer.objects.get(pk=volunteer.pk)
    assert (got.learner_id, got.institution_id, got.skills) == (profile.pk, school.pk, "摄影")
    event = AuditEvent.objects.get(action="volunteer.register", object_id=str(got.pk))
    assert (event.actor, event.detail) == (world.staff, {"institution": school.code})


def test_admins_may_register_by_profile_id_within_their_people_scope(world, school):
    tongchuan_profile, _ = resident(world, world.district)
    dachuan_profile, _ = resident(world, world.district_2)

    volunteer = volunteer_register(actor=world.district_admin, institution_code=school.code,
                                   learner_id=tongchuan_profile.pk)

    assert volunteer.learner_id == tongchuan_profile.pk
    exc = refused(volunteer_register, actor=world.district_admin, institution_code=school.code,
                  learner_id=dachuan_profile.pk)
    assert exc.errors == {"learner_id": [f"未找到学习者档案 {dachuan_profile.pk}，或您无权查看；可改用身份证号码登记"]}
    exc = refused(volunteer_register, actor=world.staff, institution_code=school.code, learner_id=tongchuan_profile.pk)
    assert list(exc.errors) == ["learner_id"]


def test_a_bad_volunteer_registration_is_refused(world, school, volunteer):
    unknown = id_number_free(TONGCHUAN, datetime.date(1985, 1, 2))
    taken = LearnerProfile.objects.get(pk=volunteer.learner_id)

    cases = [
        ({"id_number": unknown}, {"id_number": ["没有该身份证号码的学习者档案，请先登记学习者"]}),
        ({"id_number": "51170219900517123"}, {"id_number": ["身份证号码应为 18 位，「51170219900517123」是 17 位"]}),
        ({}, {"id_number": ["请填写志愿者的身份证号码（或学习者档案编号，二者选一）"]}),
        ({"learner_id": taken.pk}, {"learner_id": [f"{taken.name} 已是志愿者（{school.name}）"]}),
        ({"learner_id": taken.pk, "institution_code": "NO-SUCH"}, {"institution_code": ["未知的机构代码「NO-SUCH」"]}),
        ({"learner_id": taken.pk, "skills": "技" * 201}, {"skills": ["不能超过 200 个字符"]}),
    ]
    for fields, errors in cases:
        exc = refused(volunteer_register, actor=world.city_admin, **{"institution_code": school.code, **fields})
        assert exc.errors == errors, fields


def test_staff_cannot_register_a_volunteer_at_another_institution(world):
    _, number = resident(world)

    refused(volunteer_register, PermissionDenied, actor=world.staff,
            institution_code=world.institution_other.code, id_number=number)


def test_recording_service_hours_also_records_learning(world, school, volunteer):
    # when the staff record two hours of service yesterday
    service = volunteer_service_record(actor=world.staff, volunteer=volunteer, date=yesterday(), hours="2",
                                       activity="社区读书会引导")

    # then the entry is kept, and the volunteer has a learning record of it for the credit bank
    got = VolunteerService.objects.get(pk=service.pk)
    assert (got.volunteer_id, got.date, got.hours, got.activity, got.institution_id, got.recorded_by) == (
        volunteer.pk, yesterday(), Decimal("2.0"), "社区读书会引导", school.pk, world.staff)
    record = LearningRecord.objects.get(external_id=f"volunteer-service-{service.pk}")
    assert (record.learner_id, record.provider_id, record.kind, record.title, record.hours, record.date,
            record.source, record.created_by) == (
        volunteer.learner_id, school.pk, RecordKind.VOLUNTEERING, "志愿服务：社区读书会引导", Decimal("2.0"),
        yesterday(), RecordSource.PAGE, world.staff)
    assert service.learning_record == record
    assert sorted(AuditEvent.objects.filter(object_id__in=[str(service.pk), str(record.pk)],
                                            action__in=["volunteer_service.record", "learning_record.create"])
                  .values_list("action", flat=True)) == ["learning_record.create", "volunteer_service.record"]


@pytest.mark.parametrize(("hours", "message"), [
    ("-1", "不能小于 0.5，而不是 -1"),
    ("0", "不能小于 0.5，而不是 0"),
    ("25", "不能大于 24，而不是 25"),
    ("0.3", "不能小于 0.5，而不是 0.3"),
    ("1.25", "「1.25」最多 1 位小数"),
    ("两小时", "「两小时」不是数字"),
    ("Infinity", "「Infinity」不是合理的数字"),
    ("", "必填"),
])
def test_bad_hours_are_refused(world, volunteer, hours, message):
    exc = refused(volunteer_service_record, actor=world.staff, volunteer=volunteer, date=yesterday(), hours=hours,
                  activity="助老服务")

    assert exc.errors == {"hours": [message]}


def test_a_service_date_must_be_past_and_after_birth(world, volunteer):
    tomorrow = today() + datetime.timedelta(days=1)

    exc = refused(volunteer_service_record, actor=world.staff, volunteer=volunteer, date=tomorrow, hours="2",
                  activity="助老服务")
    assert exc.errors == {"date": [f"服务日期 {tomorrow} 在未来，只能登记已完成的服务"]}
    exc = refused(volunteer_service_record, actor=world.staff, volunteer=volunteer, date="1980-01-01", hours="2",
                  activity="助老服务")
    assert exc.errors == {"date": ["服务日期 1980-01-01 早于志愿者的出生日期"]}
    exc = refused(volunteer_service_record, actor=world.staff, volunteer=volunteer, date="昨天", hours="0",
                  activity=" ")
    assert exc.errors == {"activity": ["必填"], "date": ["「昨天」不是日期（YYYY-MM-DD）"],
                          "hours": ["不能小于 0.5，而不是 0"]}


def test_a_day_holds_no_more_than_24_hours_of_service(world, volunteer):
    volunteer_service_record(actor=world.staff, volunteer=volunteer, date=yesterday(), hours="20", activity="应急值守")

    exc = refused(volunteer_service_record, actor=world.staff, volunteer=volunteer, date=yesterday(), hours="4.5",
                  activity="应急值守")

    assert exc.errors == {"hours": [f"{yesterday()} 已登记 20.0 小时，再加 4.5 小时将超过一天 24 小时"]}
    volunteer_service_record(actor=world.staff, volunteer=volunteer, date=yesterday(), hours="4", activity="应急值守")
    assert volunteer.services.aggregate(h=Sum("hours"))["h"] == Decimal("24.0")


def test_staff_cannot_record_hours_of_another_institutions_volunteer(world):
    theirs = volunteer_at(world, world.institution_other)

    refused(volunteer_service_record, PermissionDenied, actor=world.staff, volunteer=theirs, date=yesterday(),
            hours="2", activity="助老服务")
    refused(volunteer_service_record, PermissionDenied, actor=world.learner, volunteer=theirs, date=yesterday(),
            hours="2", activity="助老服务")
    refused(volunteer_update, PermissionDenied, actor=world.staff, volunteer=theirs, skills="改")
    with pytest.raises(NotFound):
        selectors.volunteer_get(actor=world.staff, pk=theirs.pk)


def test_staff_record_hours_only_at_an_institution_they_manage(world, volunteer):
    exc = refused(volunteer_service_record, PermissionDenied, actor=world.staff, volunteer=volunteer,
                  date=yesterday(), hours="2", activity="助老服务", institution=world.institution_2)
    assert exc.errors == {"__all__": ["只能登记在您管理的机构中完成的志愿服务"]}
    other = world.institution_other
    refused(volunteer_service_record, PermissionDenied, actor=world.staff, volunteer=volunteer, date=yesterday(),
            hours="2", activity="助老服务", institution=other.code)

    # the 通川区 admin records hours served at another 通川 school
    service = volunteer_service_record(actor=world.district_admin, volunteer=volunteer, date=yesterday(), hours="2",
                                       activity="助老服务", institution=other.code)
    assert LearningRecord.objects.get(external_id=f"volunteer-service-{service.pk}").provider_id == other.pk


def test_a_volunteer_moves_to_another_institution_of_the_actor(world, volunteer):
    other = world.institution_other

    volunteer_update(actor=world.district_admin, volunteer=volunteer, skills="摄影、剪辑", institution_code=other.code)

    assert Volunteer.objects.filter(pk=volunteer.pk).values_list("skills", "institution_id").get() == (
        "摄影、剪辑", other.pk)
    refused(volunteer_update, PermissionDenied, actor=world.district_admin, volunteer=volunteer,
            institution_code=world.institution_2.code)


def test_a_volunteers_skills_can_be_cleared_and_are_kept_when_left_out(world, volunteer):
    volunteer_update(actor=world.district_admin, volunteer=volunteer, skills="摄影")
    volunteer_update(actor=world.district_admin, volunteer=volunteer, institution_code=volunteer.institution.code)
    assert Volunteer.objects.get(pk=volunteer.pk).skills == "摄影"

    volunteer_update(actor=world.district_admin, volunteer=volunteer, skills="")

    assert Volunteer.objects.get(pk=volunteer.pk).skills == ""


def test_volunteer_list_shows_total_hours_to_those_who_may_see_them(world, school, volunteer):
    # given two entries of the staff's volunteer, and a volunteer in 达川区
    volunteer_service_record(actor=world.staff, volunteer=volunteer, date=yesterday(), hours="2", activity="助老")
    volunteer_service_record(actor=world.staff, volunteer=volunteer, date=today(), hours="1.5", activity="助学")
    far = volunteer_at(world, world.institution_2, world.district_2)

    def listed(who, **kw):
        return {v.pk: (v.total_hours, v.service_count) for v in selectors.volunteer_list(actor=world.user(who), **kw)}

    assert listed("staff")[volunteer.pk] == (Decimal("3.5"), 2)
    assert far.pk not in listed("staff") and far.pk not in listed("district_admin")
    assert listed("city_admin")[far.pk] == (Decimal("0"), 0)
    assert far.pk in listed("auditor")
    assert set(listed("staff")) == set(Volunteer.objects.filter(institution=school).values_list("pk", flat=True))
    for who in ("learner", "expert", "reporter"):
        assert listed(who) == {}, who
    assert list(listed("staff", q="测试志愿")) == [volunteer.pk]
    assert list(listed("city_admin", institution=school.code, q="测试志愿")) == [volunteer.pk]


def test_volunteer_list_finds_one_by_id_number(world, school):
    _, number = resident(world)
    volunteer = volunteer_register(actor=world.staff, institution_code=school.code, id_number=number)

    assert list(selectors.volunteer_list(actor=world.staff, q=number).values_list("pk", flat=True)) == [
        volunteer.pk]
    assert list(selectors.volunteer_list(actor=world.district_admin_2, q=number)) == []


# --- every entry and its record -----------------------------------------------------------------------------


def test_every_service_entry_is_a_volunteering_learning_record(world, school, volunteer):
    # given entries recorded by the staff (page and API), by the 通川区 admin at another school, and by the city
    # admin for a volunteer of 达川区
    far = volunteer_at(world, world.institution_2, world.district_2)
    made = {
        volunteer_service_record(actor=world.staff, volunteer=volunteer, date=yesterday(), hours="2",
                                 activity="助老").pk: RecordSource.PAGE,
        volunteer_service_record(actor=world.staff, volunteer=volunteer, date=today(), hours="1.5", activity="助学",
                                 source=RecordSource.API).pk: RecordSource.API,
        volunteer_service_record(actor=world.district_admin, volunteer=volunteer, date=yesterday(), hours="3",
                                 activity="读书会", institution=world.institution_other).pk: RecordSource.PAGE,
        volunteer_service_record(actor=world.city_admin, volunteer=far, date=yesterday(), hours="4",
                                 activity="应急值守").pk: RecordSource.PAGE,
    }
    in_world = world.city.path

    # then every entry of the world's residents is one volunteering record of theirs, and no record is left over
    services = {s.pk: s for s in VolunteerService.objects.select_related("volunteer")
                .filter(volunteer__learner__residence__path__startswith=in_world)}
    records = {r.external_id: r for r in LearningRecord.objects.filter(
        kind=RecordKind.VOLUNTEERING, learner__residence__path__startswith=in_world)}

    assert services and set(services) == set(made)
    assert set(records) == {f"volunteer-service-{pk}" for pk in services}
    for pk, s in services.items():
        r = records[f"volunteer-service-{pk}"]
        assert (r.learner_id, r.provider_id, r.hours, r.date, r.source) == (
            s.volunteer.learner_id, s.institution_id, s.hours, s.date, made[pk])
