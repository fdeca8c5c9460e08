"""Writes to the learning network: institutions and network levels (designations, committees and member units:
test_committees.py). In a network of the module's own in 达州市 (which the demo city leaves empty), four levels deep
like 福州's, with the cast of roles around it; 巴中市 stands for a city with no levels yet."""

from types import SimpleNamespace

import pytest
from django.forms.models import model_to_dict

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.core.scopes import forget_scope
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
from learncity.people.models import User
from learncity.places.models import Place
from learncity.places.services import community_create
from tests.network.factories import (
    DAZHOU_LEVELS,
    committee_make,
    institution_make,
    levels_make,
    member_unit_make,
    module_world,
)
from tests.people.factories import account_make, learner_make
from tests.people.factories import root as root_make
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, place

DONGCHENG, XICHENG = "511702001", "511702002"  # 东城街道, 西城街道: streets of 通川区
SANLIPING = "511703001"  # 三里坪街道, a street of 达川区
BAZHONG, BAZHOU = "511900", "511902"  # 巴中市 and its 巴州区: no levels, no institutions
FOUR_LEVELS = [("社区大学", Tier.CITY), ("社区学院", Tier.DISTRICT), ("社区学校", Tier.STREET),
               ("社区学习室", Tier.COMMUNITY)]
K = InstitutionKind


def _network():
    """达州's four levels and their institutions: the city's 社区大学; 通川区's and 达川区's 社区学院; the 社区学校 of
    东城街道 (the staff's), 西城街道 and 三里坪街道, each under its district's college; and 通川区's library, outside
    the network. The users: a superuser, the city's administrator, auditor and expert, the administrators of 通川区
    and 达川区, the school's staff, a member unit's reporter, and a learner of 东城街道."""
    root = root_make()
    city, tongchuan, dachuan = place(DAZHOU), place(TONGCHUAN), place(DACHUAN)
    lv = levels_make(root, city, FOUR_LEVELS)
    university = institution_make(root, city, kind=K.COMMUNITY_UNIVERSITY, name="达州市社区大学", level=lv[Tier.CITY])
    colleges = [institution_make(root, d, kind=K.COMMUNITY_COLLEGE, name=f"{d.name}社区学院", level=lv[Tier.DISTRICT],
                                 parent=university) for d in (tongchuan, dachuan)]
    school = institution_make(root, place(DONGCHENG), kind=K.COMMUNITY_SCHOOL, name="东城街道社区学校",
                              level=lv[Tier.STREET], parent=colleges[0])
    for code, college in ((XICHENG, colleges[0]), (SANLIPING, colleges[1])):
        street = place(code)
        institution_make(root, street, kind=K.COMMUNITY_SCHOOL, name=f"{street.name}社区学校", level=lv[Tier.STREET],
                         parent=college, address=street.name)
    institution_make(root, tongchuan, kind=K.LIBRARY, name="通川区图书馆")
    unit = member_unit_make(root, committee_make(root, city), name="达州市民政局", is_lead=True)
    users = {
        "admin": root,
        "city_admin": account_make("city_admin", actor=root, place=city),
        "district_admin": account_make("district_admin", actor=root, place=tongchuan),
        "district_admin_2": account_make("district_admin", actor=root, place=dachuan),
        "staff": account_make("institution_staff", actor=root, institution=school),
        "reporter": account_make("member_unit_reporter", actor=root, member_unit=unit),
        "expert": account_make("expert_reviewer", actor=root, place=city),
        "auditor": account_make("auditor", actor=root, place=city),
        "learner": learner_make(place(DONGCHENG)).user,
    }
    return SimpleNamespace(users=users, school=school)


network_built = module_world(_network)


@pytest.fixture
def net(network_built, db):
    """The module's network, its users read anew (no scope cached from another test)."""
    found = User.objects.in_bulk([u.pk for u in network_built.users.values()])
    users = {role: found[u.pk] for role, u in network_built.users.items()}
    for u in users.values():
        forget_scope(u)
    return SimpleNamespace(users=users, school=network_built.school, user=users.__getitem__, **users)


def inst(name: str) -> Institution:
    return Institution.objects.select_related("place", "parent", "network_level").get(name=name)


def level(city_code: str, tier: int) -> NetworkLevel:
    return NetworkLevel.objects.get(city__code=city_code, tier=tier)


def snapshot(institution: Institution) -> dict:
    return model_to_dict(Institution.objects.get(pk=institution.pk))


def create_refused(actor, exc_type=DomainError, **kwargs) -> DomainError:
    before = Institution.objects.count()
    fields = {"code": "GL-TEST-01", "name": "东城街道老年学校", "kind": InstitutionKind.ELDERLY_UNIVERSITY,
              "place_code": DONGCHENG, **kwargs}
    with pytest.raises(exc_type) as exc:
        institution_create(actor=actor, **fields)
    assert Institution.objects.count() == before, "a refused create must write nothing"
    return exc.value


# --- institution_create ----------------------------------------------------------------------------------


def test_a_district_admin_creates_a_network_institution_in_their_district(net):
    # given the admin of 通川区, the street level of the network and the district's community college
    actor = net.district_admin

    # when they create a street-level institution under the college
    created = institution_create(
        actor=actor, code="GL-TEST-01", name=" 东城街道继续教育中心 ", kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE,
        place_code=DONGCHENG, parent_code=inst("通川区社区学院").code, network_level_id=level(DAZHOU, Tier.STREET).pk,
        address=" 东城路 1 号 ", phone="0591-87654321",
    )

    # then it is stored as given (trimmed), and audited once
    got = inst("东城街道继续教育中心")
    assert got.pk == created.pk
    assert (got.code, got.kind, got.place.code, got.parent.name, got.network_level.name, got.address, got.phone) == (
        "GL-TEST-01", "continuing_education_centre", DONGCHENG, "通川区社区学院", "社区学校", "东城路 1 号", "0591-87654321")
    event = AuditEvent.objects.get(action="institution.create", object_id=str(got.pk))
    assert event.actor == actor
    assert event.detail == {"code": "GL-TEST-01", "name": "东城街道继续教育中心"}


@pytest.mark.parametrize("phone", ["", "13800138000", "0591-87654321", "059187654321", "0591-87654321-123", "400-800-1234"])
def test_accepted_phone_numbers(net, phone):
    created = institution_create(actor=net.city_admin, code="GL-TEST-01", name="东城街道老年学校",
                                 kind=InstitutionKind.ELDERLY_UNIVERSITY, place_code=DONGCHENG, phone=phone)

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
        ({"code": "<the school's>"}, {"code": ["机构代码「<the school's>」已存在"]}),
    ],
)
def test_institution_create_refuses_bad_fields(net, fields, errors):
    if fields.get("code") == "<the school's>":  # a code in use: the module's school's, known once it is made
        fields, errors = {"code": net.school.code}, {"code": [f"机构代码「{net.school.code}」已存在"]}
    exc = create_refused(net.city_admin, **fields)

    assert exc.errors == errors


def test_institution_create_in_an_unknown_place_is_an_input_error_on_place_code(net):
    exc = create_refused(net.city_admin, place_code="511799")

    assert exc.errors == {"place_code": ["未知的区划代码「511799」(unknown place code)"]}


def test_a_network_level_at_the_wrong_tier_is_refused(net):
    # given the street level (社区学校) and a district
    exc = create_refused(net.city_admin, kind=InstitutionKind.COMMUNITY_SCHOOL, place_code=TONGCHUAN,
                         network_level_id=level(DAZHOU, Tier.STREET).pk)

    assert exc.errors == {"network_level": ["「社区学校」应设在街道乡镇一级，而「通川区」是区县级"]}


def test_a_kind_that_cannot_serve_a_network_level_is_refused(net):
    exc = create_refused(net.city_admin, kind=InstitutionKind.LIBRARY,
                         network_level_id=level(DAZHOU, Tier.STREET).pk)

    assert exc.errors == {"kind": ["图书馆不能作为「社区学校」"]}


def test_a_network_level_of_another_city_is_refused(net):
    # given 巴中 configured with its own levels
    bazhong = network_levels_configure(actor=net.admin, city=Place.objects.get(code=BAZHONG), levels=DAZHOU_LEVELS)

    exc = create_refused(net.city_admin, kind=InstitutionKind.COMMUNITY_COLLEGE, place_code=TONGCHUAN,
                         network_level_id=bazhong[1].pk)

    assert exc.errors == {"network_level": ["「通川区」不在巴中市"]}


def test_a_parent_outside_the_place_is_refused(net):
    # given a street of 通川区 and the community college of 达川区
    exc = create_refused(net.city_admin, kind=InstitutionKind.COMMUNITY_SCHOOL,
                         network_level_id=level(DAZHOU, Tier.STREET).pk, parent_code=inst("达川区社区学院").code)

    assert exc.errors == {"parent": ["上级机构「达川区社区学院」所在的达川区不包含东城街道"]}


def test_a_parent_two_network_levels_up_is_refused(net):
    exc = create_refused(net.city_admin, kind=InstitutionKind.COMMUNITY_SCHOOL,
                         network_level_id=level(DAZHOU, Tier.STREET).pk, parent_code=inst("达州市社区大学").code)

    assert exc.errors == {"parent": ["上级机构应为「2」级网络机构"]}


def test_every_field_error_is_reported_at_once(net):
    exc = create_refused(net.city_admin, code="x", name="", kind="school", phone="1")

    assert exc.errors == {
        "code": ["机构代码「x」只能由字母、数字、- 和 _ 组成，2–32 位"],
        "name": ["名称不能为空，且不超过 128 个字"],
        "kind": ["未知的机构类型「school」"],
        "phone": ["电话号码「1」格式不正确"],
    }


def test_a_district_admin_cannot_create_in_another_district(net):
    create_refused(net.district_admin, PermissionDenied, place_code=SANLIPING)
    create_refused(net.district_admin_2, PermissionDenied, place_code=DONGCHENG)


@pytest.mark.parametrize("username", ["staff", "reporter", "expert", "auditor", "learner"])
def test_roles_without_change_rights_cannot_create_institutions(net, username):
    # even the staff of 东城街道社区学校 cannot create a new institution in its own street
    create_refused(net.user(username), PermissionDenied, place_code=DONGCHENG)


# --- institution_update ----------------------------------------------------------------------------------


def test_a_district_admin_updates_an_institution_of_their_district_and_the_change_is_audited(net):
    school = inst("西城街道社区学校")

    institution_update(actor=net.district_admin, institution=school, name="西城街道社区学校（新址）",
                       phone="13800138000", is_active=False)

    got = inst("西城街道社区学校（新址）")
    assert (got.pk, got.phone, got.is_active, got.parent.name) == (school.pk, "13800138000", False, "通川区社区学院")
    event = AuditEvent.objects.get(action="institution.update", object_id=str(school.pk))
    assert event.detail == {"changed": {"name": ["西城街道社区学校", "西城街道社区学校（新址）"],
                                        "phone": [school.phone, "13800138000"], "is_active": [True, False]}}


def test_staff_can_update_their_own_institution(net):
    own = net.staff.role_assignments.get().institution

    institution_update(actor=net.staff, institution=own, description="每周二、四开课")

    assert Institution.objects.get(pk=own.pk).description == "每周二、四开课"


def test_staff_cannot_update_another_institution_even_next_door(net):
    other = inst("西城街道社区学校")
    before = snapshot(other)

    with pytest.raises(PermissionDenied):
        institution_update(actor=net.staff, institution=other, description="改")

    assert snapshot(other) == before


def test_staff_cannot_move_their_institution_to_another_place(net):
    own = net.staff.role_assignments.get().institution
    before = snapshot(own)

    with pytest.raises(PermissionDenied) as exc:
        institution_update(actor=net.staff, institution=own, place_code=XICHENG)

    assert str(exc.value) == "您无权把机构移到「西城街道」"
    assert snapshot(own) == before


def test_a_district_admin_cannot_update_in_another_district(net):
    other = inst("三里坪街道社区学校")
    before = snapshot(other)

    with pytest.raises(PermissionDenied):
        institution_update(actor=net.district_admin, institution=other, name="改名")

    assert snapshot(other) == before


def test_a_district_admin_cannot_move_an_institution_into_another_district(net):
    own = inst("通川区图书馆")
    before = snapshot(own)

    with pytest.raises(PermissionDenied) as exc:
        institution_update(actor=net.district_admin, institution=own, place_code=DACHUAN)

    assert str(exc.value) == "您无权把机构移到「达川区」"
    assert snapshot(own) == before


@pytest.mark.parametrize("username", ["auditor", "expert", "reporter", "learner"])
def test_read_only_roles_change_nothing(net, username):
    school = inst("东城街道社区学校")
    before = snapshot(school)

    with pytest.raises(PermissionDenied):
        institution_update(actor=net.user(username), institution=school, name="改名")

    assert snapshot(school) == before
    assert not AuditEvent.objects.filter(action="institution.update").exists()


def test_an_invalid_update_changes_nothing(net):
    school = inst("西城街道社区学校")
    before = snapshot(school)

    with pytest.raises(DomainError) as exc:
        institution_update(actor=net.district_admin, institution=school, name="新名字", phone="12345")

    assert exc.value.errors == {"phone": ["电话号码「12345」格式不正确"]}
    assert snapshot(school) == before


def test_an_update_to_a_parent_outside_the_place_is_refused(net):
    school = inst("西城街道社区学校")
    before = snapshot(school)

    with pytest.raises(DomainError) as exc:
        institution_update(actor=net.city_admin, institution=school, parent_code=inst("达川区社区学院").code)

    assert exc.value.errors == {"parent": ["上级机构「达川区社区学院」所在的达川区不包含西城街道"]}
    assert snapshot(school) == before


def test_an_institution_cannot_be_its_own_parent(net):
    school = inst("西城街道社区学校")

    with pytest.raises(DomainError) as exc:
        institution_update(actor=net.city_admin, institution=school, parent_code=school.code)

    assert exc.value.errors == {"parent": ["机构不能是自己的上级"]}


def test_fields_that_cannot_be_edited_are_refused(net):
    school = inst("西城街道社区学校")
    before = snapshot(school)

    with pytest.raises(DomainError) as exc:
        institution_update(actor=net.city_admin, institution=school, code="NEW-CODE", created_at=None)

    assert exc.value.errors == {"code": ["不能修改此字段"], "created_at": ["不能修改此字段"]}
    assert snapshot(school) == before


# --- network levels --------------------------------------------------------------------------------------


def test_a_three_level_network_is_configured_for_a_city_without_institutions(net):
    # given 巴中市, which has no levels and no institutions yet
    bazhong = Place.objects.get(code=BAZHONG)
    assert not NetworkLevel.objects.filter(city=bazhong).exists()

    # when its three levels are configured (city, district, community: no street level)
    levels = network_levels_configure(actor=net.admin, city=bazhong, levels=DAZHOU_LEVELS)

    # then they are stored top first, and audited
    assert [(lv.rank, lv.name, lv.tier) for lv in NetworkLevel.objects.filter(city=bazhong)] == [
        (1, "继续教育大学", 0), (2, "继续教育学院", 1), (3, "继续教育中心", 3)]
    assert [lv.pk for lv in levels] == list(NetworkLevel.objects.filter(city=bazhong).values_list("pk", flat=True))
    event = AuditEvent.objects.get(action="network.levels", object_id=str(bazhong.pk))
    assert event.detail == {"levels": [["继续教育大学", 0], ["继续教育学院", 1], ["继续教育中心", 3]]}


def test_a_three_level_network_takes_its_institutions_level_by_level(net):
    # given 巴中's three levels (达州's layout) and a community of 巴州区
    admin = net.admin
    top, middle, bottom = network_levels_configure(actor=admin, city=Place.objects.get(code=BAZHONG),
                                                   levels=DAZHOU_LEVELS)
    street = Place.objects.filter(parent__code=BAZHOU).order_by("code").first()
    community = community_create(actor=admin, parent_code=street.code, code=f"{street.code}001", name="测试社区")

    # when the three institutions are created, each under the one above
    university = institution_create(actor=admin, code="DZ-01", name="巴中市继续教育大学",
                                    kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=BAZHONG,
                                    network_level_id=top.pk)
    college = institution_create(actor=admin, code="DZ-02", name="巴州区继续教育学院",
                                 kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=BAZHOU,
                                 network_level_id=middle.pk, parent_code="DZ-01")
    centre = institution_create(actor=admin, code="DZ-03", name="测试社区继续教育中心",
                                kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=community.code,
                                network_level_id=bottom.pk, parent_code="DZ-02")

    # then the chain runs city → district → community
    assert [(i.network_level.rank, i.parent_id) for i in (university, college, centre)] == [
        (1, None), (2, university.pk), (3, college.pk)]

    # and an institution at the street tier, which 达州's layout does not have, is refused
    with pytest.raises(DomainError) as exc:
        institution_create(actor=admin, code="DZ-04", name="街道继续教育中心",
                           kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=street.code,
                           network_level_id=bottom.pk, parent_code="DZ-02")
    assert exc.value.errors == {"network_level": [f"「继续教育中心」应设在社区村一级，而「{street.name}」是街道乡镇级"]}


def test_levels_of_a_city_without_institutions_can_be_configured_again(net):
    bazhong = Place.objects.get(code=BAZHONG)
    network_levels_configure(actor=net.admin, city=bazhong, levels=DAZHOU_LEVELS)

    network_levels_configure(actor=net.admin, city=bazhong, levels=[("社区大学", 0), ("社区学院", 1)])

    assert list(NetworkLevel.objects.filter(city=bazhong).values_list("rank", "name", "tier")) == [
        (1, "社区大学", 0), (2, "社区学院", 1)]


def test_levels_in_use_by_institutions_cannot_be_reconfigured(net):
    # given 达州's four levels, used by the module's institutions
    dazhou = Place.objects.get(code=DAZHOU)
    before = list(NetworkLevel.objects.filter(city=dazhou).values_list("pk", "rank", "name", "tier"))

    # when a city admin tries the three-level layout
    with pytest.raises(DomainError) as exc:
        network_levels_configure(actor=net.city_admin, city=dazhou, levels=DAZHOU_LEVELS)

    # then it is refused and the levels stay as they were
    assert exc.value.errors == {"levels": ["已有机构使用当前层级，不能重新配置"]}
    assert list(NetworkLevel.objects.filter(city=dazhou).values_list("pk", "rank", "name", "tier")) == before


def test_submitting_the_levels_in_use_unchanged_is_accepted_and_changes_nothing(net):
    dazhou = Place.objects.get(code=DAZHOU)
    before = list(NetworkLevel.objects.filter(city=dazhou).values_list("pk", "rank", "name", "tier"))
    same = [(name, tier) for _, _, name, tier in before]
    audited = AuditEvent.objects.filter(action="network.levels").count()  # the module's own configuring

    levels = network_levels_configure(actor=net.city_admin, city=dazhou, levels=same)

    assert [lv.pk for lv in levels] == [pk for pk, *_ in before]
    assert list(NetworkLevel.objects.filter(city=dazhou).values_list("pk", "rank", "name", "tier")) == before
    assert AuditEvent.objects.filter(action="network.levels").count() == audited


@pytest.mark.parametrize(
    ("levels", "errors"),
    [
        ([], {"levels": ["至少需要一个层级"]}),
        ([("市", 0), ("区", 4)], {"levels": ["层级所在区划必须是 [0, 1, 2, 3] 之一"]}),
        ([("区", 1), ("市", 0)], {"levels": ["层级必须自上而下排列，每个区划层级最多一个"]}),
        ([("市", 0), ("区一", 1), ("区二", 1)], {"levels": ["层级必须自上而下排列，每个区划层级最多一个"]}),
    ],
)
def test_network_levels_configure_refuses_bad_layouts(net, levels, errors):
    bazhong = Place.objects.get(code=BAZHONG)

    with pytest.raises(DomainError) as exc:
        network_levels_configure(actor=net.admin, city=bazhong, levels=levels)

    assert exc.value.errors == errors
    assert not NetworkLevel.objects.filter(city=bazhong).exists()


def test_network_levels_belong_to_a_city(net):
    with pytest.raises(DomainError) as exc:
        network_levels_configure(actor=net.admin, city=Place.objects.get(code=TONGCHUAN), levels=DAZHOU_LEVELS)

    assert exc.value.errors == {"city": ["「通川区」不是城市"]}
    assert not NetworkLevel.objects.filter(city__code=TONGCHUAN).exists()


@pytest.mark.parametrize("username", ["city_admin", "district_admin", "auditor", "expert", "staff"])
def test_only_the_citys_own_admin_configures_its_levels(net, username):
    # 巴中 is outside every user's scope; a district admin of 达州 is not a city admin either
    with pytest.raises(PermissionDenied):
        network_levels_configure(actor=net.user(username), city=Place.objects.get(code=BAZHONG), levels=DAZHOU_LEVELS)

    assert not NetworkLevel.objects.filter(city__code=BAZHONG).exists()


def test_a_district_admin_cannot_configure_their_own_citys_levels(net):
    dazhou = Place.objects.get(code=DAZHOU)
    before = list(NetworkLevel.objects.filter(city=dazhou).values_list("pk", "name", "tier"))

    with pytest.raises(PermissionDenied):
        network_levels_configure(actor=net.district_admin, city=dazhou, levels=DAZHOU_LEVELS)

    assert list(NetworkLevel.objects.filter(city=dazhou).values_list("pk", "name", "tier")) == before


def test_refusals_are_in_english_for_a_user_who_chose_english(net, api_as):
    # given a district admin and the city admin, each with English chosen
    district_api, city_api = api_as(net.district_admin_2), api_as(net.city_admin)
    district_api.cookies["django_language"] = city_api.cookies["django_language"] = "en"
    before = Institution.objects.count()
    body = {"code": "bad code!", "name": "Test school", "kind": InstitutionKind.values[0], "place_code": DAZHOU}

    # when one creates an institution outside their district, and the other one with a bad code
    outside = district_api.post("/api/network/institutions", body, content_type="application/json")
    bad_code = city_api.post("/api/network/institutions", body, content_type="application/json")

    # then both are told why in English, and nothing is written
    assert (outside.status_code, outside.json()["detail"]) == (403, "You do not have permission to do this")
    assert bad_code.status_code == 400
    assert bad_code.json()["errors"]["code"] == [
        "The institution code “bad code!” may hold only letters, digits, - and _, 2 to 32 of them"]
    assert Institution.objects.count() == before


def test_an_institution_renamed_shows_on_the_next_request_of_the_catalog(net, client):
    """institution_update bumps the catalog's version: its course cards, cached, show the new name at once."""
    from learncity.catalog.models import CourseState
    from tests.catalog.factories import course_make

    school = net.school
    course_make(net.staff, school, title="缓存机构课程", state=CourseState.PUBLISHED)
    assert school.name in client.get("/learn/").content.decode()

    institution_update(actor=net.staff, institution=school, name="东城街道社区学校（缓存）")

    assert "东城街道社区学校（缓存）" in client.get("/learn/").content.decode()
