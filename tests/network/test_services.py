"""Writes to the learning network: institutions and network levels (designations, committees and member units: test_committees.py)."""


import pytest
from django.forms.models import model_to_dict

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.network.models import (
    Institution,
    InstitutionKind,
    NetworkLevel,
    Tier,
)
from learncity.network.services import (
    institution_create,
    institution_update,
    network_levels_configure,
)
from learncity.places.models import Place
from learncity.places.services import community_create

FUZHOU, GULOU, TAIJIANG = "350100", "350102", "350103"
GUDONG, GUXI, YINGZHOU = "350102001", "350102002", "350103001"
DAZHOU, TONGCHUAN = "511700", "511702"  # 达州市 has no demo data in the test database
DAZHOU_LEVELS = [("继续教育大学", Tier.CITY), ("继续教育学院", Tier.DISTRICT), ("继续教育中心", Tier.COMMUNITY)]


def inst(name: str) -> Institution:
    return Institution.objects.select_related("place", "parent", "network_level").get(name=name)


def level(city_code: str, tier: int) -> NetworkLevel:
    return NetworkLevel.objects.get(city__code=city_code, tier=tier)


def snapshot(institution: Institution) -> dict:
    return model_to_dict(Institution.objects.get(pk=institution.pk))


def create_refused(actor, exc_type=DomainError, **kwargs) -> DomainError:
    before = Institution.objects.count()
    fields = {"code": "GL-TEST-01", "name": "鼓东街道老年学校", "kind": InstitutionKind.ELDERLY_UNIVERSITY,
              "place_code": GUDONG, **kwargs}
    with pytest.raises(exc_type) as exc:
        institution_create(actor=actor, **fields)
    assert Institution.objects.count() == before, "a refused create must write nothing"
    return exc.value


# --- institution_create ----------------------------------------------------------------------------------


def test_a_district_admin_creates_a_network_institution_in_their_district(users):
    # given the admin of 鼓楼区, the street level of 福州's network and the district's community college
    actor = users["district_admin"]

    # when they create a street-level institution under the college
    created = institution_create(
        actor=actor, code="GL-TEST-01", name=" 鼓东街道继续教育中心 ", kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE,
        place_code=GUDONG, parent_code=inst("鼓楼区社区学院").code, network_level_id=level(FUZHOU, Tier.STREET).pk,
        address=" 鼓东路 1 号 ", phone="0591-87654321",
    )

    # then it is stored as given (trimmed), and audited once
    got = inst("鼓东街道继续教育中心")
    assert got.pk == created.pk
    assert (got.code, got.kind, got.place.code, got.parent.name, got.network_level.name, got.address, got.phone) == (
        "GL-TEST-01", "continuing_education_centre", GUDONG, "鼓楼区社区学院", "社区学校", "鼓东路 1 号", "0591-87654321")
    event = AuditEvent.objects.get(action="institution.create", object_id=str(got.pk))
    assert event.actor == actor
    assert event.detail == {"code": "GL-TEST-01", "name": "鼓东街道继续教育中心"}


@pytest.mark.parametrize("phone", ["", "13800138000", "0591-87654321", "059187654321", "0591-87654321-123", "400-800-1234"])
def test_accepted_phone_numbers(users, phone):
    created = institution_create(actor=users["city_admin"], code="GL-TEST-01", name="鼓东街道老年学校",
                                 kind=InstitutionKind.ELDERLY_UNIVERSITY, place_code=GUDONG, phone=phone)

    assert Institution.objects.get(pk=created.pk).phone == phone


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"code": "鼓楼 01"}, {"code": ["机构代码「鼓楼 01」只能由字母、数字、- 和 _ 组成，2–32 位"]}),
        ({"code": "A"}, {"code": ["机构代码「A」只能由字母、数字、- 和 _ 组成，2–32 位"]}),
        ({"code": "-GL01"}, {"code": ["机构代码「-GL01」只能由字母、数字、- 和 _ 组成，2–32 位"]}),
        ({"code": "G" * 33}, {"code": [f"机构代码「{'G' * 33}」只能由字母、数字、- 和 _ 组成，2–32 位"]}),
        ({"name": "   "}, {"name": ["名称不能为空，且不超过 128 个字"]}),
        ({"name": "校" * 129}, {"name": ["名称不能为空，且不超过 128 个字"]}),
        ({"kind": "school"}, {"kind": ["未知的机构类型「school」"]}),
        ({"phone": "12345"}, {"phone": ["电话号码「12345」格式不正确"]}),
        ({"phone": "0591-8765432a"}, {"phone": ["电话号码「0591-8765432a」格式不正确"]}),
        ({"phone": "+86 591 8765"}, {"phone": ["电话号码「+86 591 8765」格式不正确"]}),
        ({"parent_code": "NO-SUCH"}, {"parent": ["未知的上级机构代码「NO-SUCH」"]}),
        ({"network_level_id": 999_999}, {"network_level": ["未知的网络层级「999999」"]}),
        ({"code": "DEMO350100019"}, {"code": ["机构代码「DEMO350100019」已存在"]}),
    ],
)
def test_institution_create_refuses_bad_fields(users, fields, errors):
    exc = create_refused(users["city_admin"], **fields)

    assert exc.errors == errors


def test_institution_create_in_an_unknown_place_is_an_input_error_on_place_code(users):
    exc = create_refused(users["city_admin"], place_code="350199")

    assert exc.errors == {"place_code": ["未知的区划代码「350199」(unknown place code)"]}


def test_a_network_level_at_the_wrong_tier_is_refused(users):
    # given the street level (社区学校) and a district
    exc = create_refused(users["city_admin"], kind=InstitutionKind.COMMUNITY_SCHOOL, place_code=GULOU,
                         network_level_id=level(FUZHOU, Tier.STREET).pk)

    assert exc.errors == {"network_level": ["「社区学校」应设在街道乡镇一级，而「鼓楼区」是区县级"]}


def test_a_kind_that_cannot_serve_a_network_level_is_refused(users):
    exc = create_refused(users["city_admin"], kind=InstitutionKind.LIBRARY,
                         network_level_id=level(FUZHOU, Tier.STREET).pk)

    assert exc.errors == {"kind": ["图书馆不能作为「社区学校」"]}


def test_a_network_level_of_another_city_is_refused(users):
    # given 达州 configured with its own levels
    dazhou = network_levels_configure(actor=users["admin"], city=Place.objects.get(code=DAZHOU), levels=DAZHOU_LEVELS)

    exc = create_refused(users["city_admin"], kind=InstitutionKind.COMMUNITY_COLLEGE, place_code=GULOU,
                         network_level_id=dazhou[1].pk)

    assert exc.errors == {"network_level": ["「鼓楼区」不在达州市"]}


def test_a_parent_outside_the_place_is_refused(users):
    # given a street of 鼓楼区 and the community college of 台江区
    exc = create_refused(users["city_admin"], kind=InstitutionKind.COMMUNITY_SCHOOL,
                         network_level_id=level(FUZHOU, Tier.STREET).pk, parent_code=inst("台江区社区学院").code)

    assert exc.errors == {"parent": ["上级机构「台江区社区学院」所在的台江区不包含鼓东街道"]}


def test_a_parent_two_network_levels_up_is_refused(users):
    exc = create_refused(users["city_admin"], kind=InstitutionKind.COMMUNITY_SCHOOL,
                         network_level_id=level(FUZHOU, Tier.STREET).pk, parent_code=inst("福州市社区大学").code)

    assert exc.errors == {"parent": ["上级机构应为「2」级网络机构"]}


def test_every_field_error_is_reported_at_once(users):
    exc = create_refused(users["city_admin"], code="x", name="", kind="school", phone="1")

    assert exc.errors == {
        "code": ["机构代码「x」只能由字母、数字、- 和 _ 组成，2–32 位"],
        "name": ["名称不能为空，且不超过 128 个字"],
        "kind": ["未知的机构类型「school」"],
        "phone": ["电话号码「1」格式不正确"],
    }


def test_a_district_admin_cannot_create_in_another_district(users):
    create_refused(users["district_admin"], PermissionDenied, place_code=YINGZHOU)
    create_refused(users["district_admin_2"], PermissionDenied, place_code=GUDONG)


@pytest.mark.parametrize("username", ["staff", "reporter", "expert", "auditor", "learner"])
def test_roles_without_change_rights_cannot_create_institutions(users, username):
    # even the staff of 鼓东街道社区学校 cannot create a new institution in its own street
    create_refused(users[username], PermissionDenied, place_code=GUDONG)


# --- institution_update ----------------------------------------------------------------------------------


def test_a_district_admin_updates_an_institution_of_their_district_and_the_change_is_audited(users):
    school = inst("鼓西街道社区学校")

    institution_update(actor=users["district_admin"], institution=school, name="鼓西街道社区学校（新址）",
                       phone="13800138000", is_active=False)

    got = inst("鼓西街道社区学校（新址）")
    assert (got.pk, got.phone, got.is_active, got.parent.name) == (school.pk, "13800138000", False, "鼓楼区社区学院")
    event = AuditEvent.objects.get(action="institution.update", object_id=str(school.pk))
    assert event.detail == {"changed": {"name": ["鼓西街道社区学校", "鼓西街道社区学校（新址）"],
                                        "phone": [school.phone, "13800138000"], "is_active": [True, False]}}


def test_staff_can_update_their_own_institution(users):
    own = users["staff"].role_assignments.get().institution

    institution_update(actor=users["staff"], institution=own, description="每周二、四开课")

    assert Institution.objects.get(pk=own.pk).description == "每周二、四开课"


def test_staff_cannot_update_another_institution_even_next_door(users):
    other = inst("鼓西街道社区学校")
    before = snapshot(other)

    with pytest.raises(PermissionDenied):
        institution_update(actor=users["staff"], institution=other, description="改")

    assert snapshot(other) == before


def test_staff_cannot_move_their_institution_to_another_place(users):
    own = users["staff"].role_assignments.get().institution
    before = snapshot(own)

    with pytest.raises(PermissionDenied) as exc:
        institution_update(actor=users["staff"], institution=own, place_code=GUXI)

    assert str(exc.value) == "您无权把机构移到「鼓西街道」"
    assert snapshot(own) == before


def test_a_district_admin_cannot_update_in_another_district(users):
    other = inst("瀛洲街道社区学校")
    before = snapshot(other)

    with pytest.raises(PermissionDenied):
        institution_update(actor=users["district_admin"], institution=other, name="改名")

    assert snapshot(other) == before


def test_a_district_admin_cannot_move_an_institution_into_another_district(users):
    own = inst("鼓楼区图书馆")
    before = snapshot(own)

    with pytest.raises(PermissionDenied) as exc:
        institution_update(actor=users["district_admin"], institution=own, place_code=TAIJIANG)

    assert str(exc.value) == "您无权把机构移到「台江区」"
    assert snapshot(own) == before


@pytest.mark.parametrize("username", ["auditor", "expert", "reporter", "learner"])
def test_read_only_roles_change_nothing(users, username):
    school = inst("鼓东街道社区学校")
    before = snapshot(school)

    with pytest.raises(PermissionDenied):
        institution_update(actor=users[username], institution=school, name="改名")

    assert snapshot(school) == before
    assert not AuditEvent.objects.filter(action="institution.update").exists()


def test_an_invalid_update_changes_nothing(users):
    school = inst("鼓西街道社区学校")
    before = snapshot(school)

    with pytest.raises(DomainError) as exc:
        institution_update(actor=users["district_admin"], institution=school, name="新名字", phone="12345")

    assert exc.value.errors == {"phone": ["电话号码「12345」格式不正确"]}
    assert snapshot(school) == before


def test_an_update_to_a_parent_outside_the_place_is_refused(users):
    school = inst("鼓西街道社区学校")
    before = snapshot(school)

    with pytest.raises(DomainError) as exc:
        institution_update(actor=users["city_admin"], institution=school, parent_code=inst("台江区社区学院").code)

    assert exc.value.errors == {"parent": ["上级机构「台江区社区学院」所在的台江区不包含鼓西街道"]}
    assert snapshot(school) == before


def test_an_institution_cannot_be_its_own_parent(users):
    school = inst("鼓西街道社区学校")

    with pytest.raises(DomainError) as exc:
        institution_update(actor=users["city_admin"], institution=school, parent_code=school.code)

    assert exc.value.errors == {"parent": ["机构不能是自己的上级"]}


def test_fields_that_cannot_be_edited_are_refused(users):
    school = inst("鼓西街道社区学校")
    before = snapshot(school)

    with pytest.raises(DomainError) as exc:
        institution_update(actor=users["city_admin"], institution=school, code="NEW-CODE", created_at=None)

    assert exc.value.errors == {"code": ["不能修改此字段"], "created_at": ["不能修改此字段"]}
    assert snapshot(school) == before


# --- network levels --------------------------------------------------------------------------------------


def test_a_three_level_network_is_configured_for_a_city_without_institutions(users):
    # given 达州市, which has no levels and no institutions yet
    dazhou = Place.objects.get(code=DAZHOU)
    assert not NetworkLevel.objects.filter(city=dazhou).exists()

    # when its three levels are configured (city, district, community: no street level)
    levels = network_levels_configure(actor=users["admin"], city=dazhou, levels=DAZHOU_LEVELS)

    # then they are stored top first, and audited
    assert [(lv.rank, lv.name, lv.tier) for lv in NetworkLevel.objects.filter(city=dazhou)] == [
        (1, "继续教育大学", 0), (2, "继续教育学院", 1), (3, "继续教育中心", 3)]
    assert [lv.pk for lv in levels] == list(NetworkLevel.objects.filter(city=dazhou).values_list("pk", flat=True))
    event = AuditEvent.objects.get(action="network.levels", object_id=str(dazhou.pk))
    assert event.detail == {"levels": [["继续教育大学", 0], ["继续教育学院", 1], ["继续教育中心", 3]]}


def test_a_three_level_network_takes_its_institutions_level_by_level(users):
    # given 达州's three levels and a community of 通川区
    admin = users["admin"]
    top, middle, bottom = network_levels_configure(actor=admin, city=Place.objects.get(code=DAZHOU),
                                                   levels=DAZHOU_LEVELS)
    street = Place.objects.filter(parent__code=TONGCHUAN).order_by("code").first()
    community = community_create(actor=admin, parent_code=street.code, code=f"{street.code}001", name="测试社区")

    # when the three institutions are created, each under the one above
    university = institution_create(actor=admin, code="DZ-01", name="达州市继续教育大学",
                                    kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=DAZHOU,
                                    network_level_id=top.pk)
    college = institution_create(actor=admin, code="DZ-02", name="通川区继续教育学院",
                                 kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=TONGCHUAN,
                                 network_level_id=middle.pk, parent_code="DZ-01")
    centre = institution_create(actor=admin, code="DZ-03", name="测试社区继续教育中心",
                                kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=community.code,
                                network_level_id=bottom.pk, parent_code="DZ-02")

    # then the chain runs city → district → community
    assert [(i.network_level.rank, i.parent_id) for i in (university, college, centre)] == [
        (1, None), (2, university.pk), (3, college.pk)]

    # and an institution at the street tier, which 达州 does not have, is refused
    with pytest.raises(DomainError) as exc:
        institution_create(actor=admin, code="DZ-04", name="街道继续教育中心",
                           kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=street.code,
                           network_level_id=bottom.pk, parent_code="DZ-02")
    assert exc.value.errors == {"network_level": [f"「继续教育中心」应设在社区村一级，而「{street.name}」是街道乡镇级"]}


def test_levels_of_a_city_without_institutions_can_be_configured_again(users):
    dazhou = Place.objects.get(code=DAZHOU)
    network_levels_configure(actor=users["admin"], city=dazhou, levels=DAZHOU_LEVELS)

    network_levels_configure(actor=users["admin"], city=dazhou, levels=[("社区大学", 0), ("社区学院", 1)])

    assert list(NetworkLevel.objects.filter(city=dazhou).values_list("rank", "name", "tier")) == [
        (1, "社区大学", 0), (2, "社区学院", 1)]


def test_levels_in_use_by_institutions_cannot_be_reconfigured(users):
    # given 福州's four levels, used by the demo institutions
    fuzhou = Place.objects.get(code=FUZHOU)
    before = list(NetworkLevel.objects.filter(city=fuzhou).values_list("pk", "rank", "name", "tier"))

    # when a city admin tries the three-level layout
    with pytest.raises(DomainError) as exc:
        network_levels_configure(actor=users["city_admin"], city=fuzhou, levels=DAZHOU_LEVELS)

    # then it is refused and the levels stay as they were
    assert exc.value.errors == {"levels": ["已有机构使用当前层级，不能重新配置"]}
    assert list(NetworkLevel.objects.filter(city=fuzhou).values_list("pk", "rank", "name", "tier")) == before


def test_submitting_the_levels_in_use_unchanged_is_accepted_and_changes_nothing(users):
    fuzhou = Place.objects.get(code=FUZHOU)
    before = list(NetworkLevel.objects.filter(city=fuzhou).values_list("pk", "rank", "name", "tier"))
    same = [(name, tier) for _, _, name, tier in before]

    levels = network_levels_configure(actor=users["city_admin"], city=fuzhou, levels=same)

    assert [lv.pk for lv in levels] == [pk for pk, *_ in before]
    assert list(NetworkLevel.objects.filter(city=fuzhou).values_list("pk", "rank", "name", "tier")) == before
    assert not AuditEvent.objects.filter(action="network.levels").exists()


@pytest.mark.parametrize(
    ("levels", "errors"),
    [
        ([], {"levels": ["至少需要一个层级"]}),
        ([("市", 0), ("区", 4)], {"levels": ["层级所在区划必须是 [0, 1, 2, 3] 之一"]}),
        ([("区", 1), ("市", 0)], {"levels": ["层级必须自上而下排列，每个区划层级最多一个"]}),
        ([("市", 0), ("区一", 1), ("区二", 1)], {"levels": ["层级必须自上而下排列，每个区划层级最多一个"]}),
    ],
)
def test_network_levels_configure_refuses_bad_layouts(users, levels, errors):
    dazhou = Place.objects.get(code=DAZHOU)

    with pytest.raises(DomainError) as exc:
        network_levels_configure(actor=users["admin"], city=dazhou, levels=levels)

    assert exc.value.errors == errors
    assert not NetworkLevel.objects.filter(city=dazhou).exists()


def test_network_levels_belong_to_a_city(users):
    with pytest.raises(DomainError) as exc:
        network_levels_configure(actor=users["admin"], city=Place.objects.get(code=GULOU), levels=DAZHOU_LEVELS)

    assert exc.value.errors == {"city": ["「鼓楼区」不是城市"]}
    assert not NetworkLevel.objects.filter(city__code=GULOU).exists()


@pytest.mark.parametrize("username", ["city_admin", "district_admin", "auditor", "expert", "staff"])
def test_only_the_citys_own_admin_configures_its_levels(users, username):
    # 达州 is outside every demo user's scope; a district admin of 福州 is not a city admin either
    with pytest.raises(PermissionDenied):
        network_levels_configure(actor=users[username], city=Place.objects.get(code=DAZHOU), levels=DAZHOU_LEVELS)

    assert not NetworkLevel.objects.filter(city__code=DAZHOU).exists()


def test_a_district_admin_cannot_configure_their_own_citys_levels(users):
    fuzhou = Place.objects.get(code=FUZHOU)
    before = list(NetworkLevel.objects.filter(city=fuzhou).values_list("pk", "name", "tier"))

    with pytest.raises(PermissionDenied):
        network_levels_configure(actor=users["district_admin"], city=fuzhou, levels=DAZHOU_LEVELS)

    assert list(NetworkLevel.objects.filter(city=fuzhou).values_list("pk", "name", "tier")) == before


def test_refusals_are_in_english_for_a_user_who_chose_english(users, api_as):
    # given a district admin and the city admin, each with English chosen
    district_api, city_api = api_as(users["district_admin_2"]), api_as(users["city_admin"])
    district_api.cookies["django_language"] = city_api.cookies["django_language"] = "en"
    before = Institution.objects.count()
    body = {"code": "bad code!", "name": "Test school", "kind": InstitutionKind.values[0], "place_code": "350100"}

    # when one creates an institution outside their district, and the other one with a bad code
    outside = district_api.post("/api/network/institutions", body, content_type="application/json")
    bad_code = city_api.post("/api/network/institutions", body, content_type="application/json")

    # then both are told why in English, and nothing is written
    assert (outside.status_code, outside.json()["detail"]) == (403, "You do not have permission to do this")
    assert bad_code.status_code == 400
    assert bad_code.json()["errors"]["code"] == [
        "The institution code “bad code!” may hold only letters, digits, - and _, 2 to 32 of them"]
    assert Institution.objects.count() == before


def test_an_institution_renamed_shows_on_the_next_request_of_the_catalog(users, client):
    """institution_update bumps the catalog's version: its course cards, cached, show the new name at once."""
    from learncity.catalog.models import CourseState
    from tests.catalog.factories import course_make, staff_institution

    school = staff_institution(users)
    course_make(users["staff"], school, title="缓存机构课程", state=CourseState.PUBLISHED)
    assert school.name in client.get("/learn/").content.decode()

    institution_update(actor=users["staff"], institution=school, name="鼓东街道社区学校（缓存）")

    assert "鼓东街道社区学校（缓存）" in client.get("/learn/").content.decode()
