"""Network pages: the browser and its HTMX tree, institutions (read, create, edit), committees' member units
(added, and their responsibility edited inline) and designations — each inside the viewer's scope. Committees and
designations are tested in the tests' own city (tests/portal/world.py); the browser, its tree and the institutions'
pages still read the demo city's network (福州's four levels, a learning room in every community)."""

import re

import pytest

from learncity.core.models import AuditEvent
from learncity.network.models import Committee, Designation, Institution, MemberUnit, NetworkLevel, Tier
from learncity.network.services import designation_create
from learncity.places.models import Place, PlaceLevel, PlaceSource
from tests.network.factories import committee_make, member_unit_make
from tests.places.factories import DACHUAN, TONGCHUAN

CITY, GULOU, TAIJIANG = "350100", "350102", "350103"
GUDONG = "350102001"  # a street of 鼓楼区, where the staff's institution is
YINGZHOU = "350103001"  # a street of 台江区
STAFF_INST = "DEMO350100019"  # 鼓东街道社区学校, the institution of `staff`


def html(response) -> str:
    return response.content.decode()


def place_links(page: str) -> set[str]:
    return set(re.findall(r'href="/places/(\w+)/"', page))


def institution_links(page: str) -> set[str]:
    return set(re.findall(r'href="/network/institutions/([\w-]+)/"', page))


def institutions_at(*codes: str) -> set[str]:
    return set(Institution.objects.filter(place__code__in=codes).values_list("code", flat=True))


def streets_of(code: str) -> list[str]:
    return list(Place.objects.filter(parent__code=code).order_by("code").values_list("code", flat=True))


def taijiang_inst() -> Institution:
    return Institution.objects.filter(place__code=TAIJIANG).order_by("code")[0]


def level(tier: Tier) -> NetworkLevel:
    return NetworkLevel.objects.get(city__code=CITY, tier=tier)


def institution_state():
    return (
        sorted(Institution.objects.values_list("code", "name", "kind", "place_id", "parent_id", "network_level_id",
                                               "address", "phone", "description", "is_active")),
        AuditEvent.objects.count(),
    )


def units_state():
    return sorted(MemberUnit.objects.values_list("pk", "committee_id", "name", "responsibility")), AuditEvent.objects.count()


# --- the browser, in scope ----------------------------------------------------------------------------------


def test_district_admin_browser_shows_only_their_district(users, client_as):
    # given 鼓楼区 with its streets, next to 台江区
    streets = streets_of(GULOU)
    taijiang_names = ["台江区", *Place.objects.filter(parent__code=TAIJIANG).values_list("name", flat=True)]

    # when 鼓楼区's admin opens the network browser
    response = client_as(users["district_admin"]).get("/network/")

    # then the tree is 鼓楼区 and its streets, with the institutions located right at them, and nothing of 台江区
    assert response.status_code == 200
    page = html(response)
    assert place_links(page) == {GULOU, *streets}
    assert institution_links(page) == institutions_at(GULOU, *streets)
    # the district's streets are shown (its toggle closes them), each street's communities load when opened
    assert set(re.findall(r'hx-get="/network/tree/(\w+)/"', page)) == set(streets)
    assert re.findall(r'aria-controls="kids-(\w+)" aria-expanded="true"', page) == [GULOU]
    assert set(re.findall(r'aria-controls="kids-(\w+)" aria-expanded="false"', page)) == set(streets)
    for name in taijiang_names:
        assert name not in page
    assert not institution_links(page) & set(
        Institution.objects.filter(place__path__startswith="/350000/350100/350103/").values_list("code", flat=True))


def test_district_admin_gets_404_for_another_districts_tree(users, client_as):
    client = client_as(users["district_admin"])

    for url in [f"/network/?root={TAIJIANG}", f"/network/?root={YINGZHOU}", f"/network/tree/{TAIJIANG}/",
                f"/network/tree/{YINGZHOU}/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "台江区" not in html(response)


def test_district_admin_browser_can_start_at_one_of_their_streets(users, client_as):
    response = client_as(users["district_admin"]).get(f"/network/?root={GUDONG}")

    assert response.status_code == 200
    page = html(response)
    assert place_links(page) == {GUDONG, *streets_of(GUDONG)}
    assert "<nav class=\"crumbs\">福建省 › 福州市 › 鼓楼区 › 鼓东街道</nav>" in page


def test_staff_browser_shows_only_their_own_institution(users, client_as):
    # given the staff of 鼓东街道社区学校; 鼓东街道 has other institutions too (its cultural station)
    assert len(institutions_at(GUDONG)) > 1

    response = client_as(users["staff"]).get("/network/")

    assert response.status_code == 200
    page = html(response)
    assert institution_links(page) == {STAFF_INST}
    assert place_links(page) == {GUDONG}
    assert "hx-get" not in page


def test_staff_opens_their_institution_and_no_other(users, client_as):
    client = client_as(users["staff"])
    neighbour = Institution.objects.filter(place__code=GUDONG).exclude(code=STAFF_INST).order_by("code")[0]

    assert client.get(f"/network/institutions/{STAFF_INST}/").status_code == 200
    for code in [neighbour.code, taijiang_inst().code, "DEMO350100001"]:
        response = client.get(f"/network/institutions/{code}/")
        assert response.status_code == 404, code
        assert Institution.objects.get(code=code).name not in html(response)


def test_staff_edits_their_own_institution(users, client_as):
    inst = Institution.objects.get(code=STAFF_INST)
    client = client_as(users["staff"])
    form = {"code": inst.code, "name": inst.name, "kind": inst.kind, "place_code": GUDONG,
            "network_level_id": str(inst.network_level_id), "parent_code": inst.parent.code,
            "address": "鼓东路 1 号", "phone": "0591-87654321", "description": inst.description, "is_active": "on"}

    response = client.post(f"/network/institutions/{STAFF_INST}/edit/", form)

    assert response.status_code == 302
    assert response.url == f"/network/institutions/{STAFF_INST}/"
    inst.refresh_from_db()
    assert (inst.address, inst.phone) == ("鼓东路 1 号", "0591-87654321")


def test_learner_gets_403_for_the_network(users, client_as):
    client = client_as(users["learner"])

    for url in ["/network/", f"/network/tree/{GULOU}/", "/network/committees/", "/network/institutions/new/"]:
        assert client.get(url).status_code == 403, url


# --- institutions across the district line -------------------------------------------------------------------


def test_district_admin_gets_404_for_another_districts_institution(users, client_as):
    inst = taijiang_inst()
    client = client_as(users["district_admin"])

    for url in [f"/network/institutions/{inst.code}/", f"/network/institutions/{inst.code}/edit/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert inst.name not in html(response)


def test_district_admin_edit_post_to_another_districts_institution_changes_nothing(users, client_as):
    inst = taijiang_inst()
    before = institution_state()

    response = client_as(users["district_admin"]).post(f"/network/institutions/{inst.code}/edit/", {
        "code": inst.code, "name": "被改名的机构", "kind": inst.kind, "place_code": TAIJIANG, "is_active": "on"})

    assert response.status_code == 404
    assert institution_state() == before


def test_district_admin_cannot_create_an_institution_in_another_district(users, client_as):
    before = institution_state()

    response = client_as(users["district_admin"]).post("/network/institutions/new/", {
        "code": "TJ-NEW-1", "name": "越界机构", "kind": "library", "place_code": TAIJIANG})

    assert response.status_code == 403
    assert institution_state() == before


def test_auditor_reads_institutions_city_wide_but_cannot_edit(users, client_as):
    inst = taijiang_inst()
    client = client_as(users["auditor"])
    before = institution_state()

    page = client.get(f"/network/institutions/{inst.code}/")
    assert page.status_code == 200
    assert f"/network/institutions/{inst.code}/edit/" not in html(page)
    assert client.get(f"/network/?root={TAIJIANG}").status_code == 200
    assert client.get(f"/network/institutions/{inst.code}/edit/").status_code == 404
    response = client.post(f"/network/institutions/{inst.code}/edit/", {
        "code": inst.code, "name": "审计改名", "kind": inst.kind, "place_code": TAIJIANG, "is_active": "on"})

    assert response.status_code == 404
    assert institution_state() == before


def test_auditor_cannot_open_or_post_the_new_institution_form(users, client_as):
    client = client_as(users["auditor"])
    before = institution_state()

    assert client.get("/network/institutions/new/").status_code == 403
    response = client.post("/network/institutions/new/", {
        "code": "AUDIT-1", "name": "审计机构", "kind": "library", "place_code": GULOU})

    assert response.status_code == 403
    assert institution_state() == before


# --- institutions: the city admin's back office -------------------------------------------------------------


def new_room(**overrides) -> dict:
    """A learning room in 洪山社区 (a community of 鼓东街道), under 鼓东街道社区学校, at the community level."""
    community = Place.objects.filter(parent__code=GUDONG).order_by("code")[0]
    form = {"code": "ROOM-901", "name": "测试学习室", "kind": "learning_room", "place_code": community.code,
            "network_level_id": str(level(Tier.COMMUNITY).pk), "parent_code": STAFF_INST,
            "address": "测试路 9 号", "phone": "0591-12345678", "description": "页面测试"}
    form.update(overrides)
    return form


def test_city_admin_new_institution_form_offers_the_citys_levels(users, client_as):
    community = Place.objects.filter(parent__code=GUDONG).order_by("code")[0]

    response = client_as(users["city_admin"]).get(f"/network/institutions/new/?place={community.code}")

    assert response.status_code == 200
    page = html(response)
    assert f'name="place_code" value="{community.code}"' in page
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', page.split('name="network_level_id"', 1)[1])
    assert options == [(str(lv.pk), lv.name) for lv in NetworkLevel.objects.filter(city__code=CITY).order_by("rank")]


def test_city_admin_creates_an_institution(users, client_as):
    client = client_as(users["city_admin"])
    form = new_room()

    response = client.post("/network/institutions/new/", form)

    assert response.status_code == 302
    assert response.url == "/network/institutions/ROOM-901/"
    inst = Institution.objects.get(code="ROOM-901")
    assert (inst.name, inst.kind, inst.place.code, inst.network_level_id, inst.parent.code, inst.address,
            inst.phone, inst.description, inst.is_active) == (
        "测试学习室", "learning_room", form["place_code"], level(Tier.COMMUNITY).pk, STAFF_INST, "测试路 9 号",
        "0591-12345678", "页面测试", True)
    assert AuditEvent.objects.filter(action="institution.create", object_id=str(inst.pk)).count() == 1
    assert '<li class="success">已创建机构「测试学习室」</li>' in html(client.get(response.url))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"code": "坏 代码"}, "机构代码「坏 代码」只能由字母、数字、- 和 _ 组成，2–32 位"),
    ({"code": STAFF_INST}, f"机构代码「{STAFF_INST}」已存在"),
    ({"place_code": "350102999999", "network_level_id": ""}, "未知的区划代码「350102999999」(unknown place code)"),
    ({"network_level_id": "street", "kind": "community_school"}, "「社区学校」应设在街道乡镇一级，而「洪山社区」是社区村级"),
    ({"kind": "library"}, "图书馆不能作为「社区学习室」"),
    ({"parent_code": "NO-SUCH"}, "未知的上级机构代码「NO-SUCH」"),
    ({"phone": "12345"}, "电话号码「12345」格式不正确"),
], ids=["bad-code", "taken-code", "unknown-place", "wrong-tier", "wrong-kind", "unknown-parent", "bad-phone"])
def test_city_admin_bad_institution_shows_the_errors_and_saves_nothing(users, client_as, overrides, message):
    if overrides.get("network_level_id") == "street":
        overrides = {**overrides, "network_level_id": str(level(Tier.STREET).pk)}
    before = institution_state()

    response = client_as(users["city_admin"]).post("/network/institutions/new/", new_room(**overrides))

    assert response.status_code == 400
    page = html(response)
    assert f"<li>{message}</li>" in page
    assert '<input type="text" name="name" value="测试学习室"' in page  # what was typed comes back
    assert institution_state() == before


def test_city_admin_edits_an_institution(users, client_as):
    # given 台江区's library, and the city admin
    inst = taijiang_inst()
    code, old_name, old_phone, old_description = inst.code, inst.name, inst.phone, inst.description
    assert (inst.address, inst.is_active) == ("台江区", True)
    client = client_as(users["city_admin"])
    assert client.get(f"/network/institutions/{code}/edit/").status_code == 200

    # when they rename it, give it a phone number and mark it closed
    response = client.post(f"/network/institutions/{inst.code}/edit/", {
        "code": "IGNORED", "name": "台江区新图书馆", "kind": inst.kind, "place_code": TAIJIANG,
        "network_level_id": str(inst.network_level_id or ""), "parent_code": inst.parent.code if inst.parent else "",
        "address": "台江路 2 号", "phone": "13800138000", "description": ""})

    # then it is saved (its code cannot change) and the change is audited
    assert response.status_code == 302
    assert response.url == f"/network/institutions/{inst.code}/"
    inst.refresh_from_db()
    assert (inst.code, inst.name, inst.address, inst.phone, inst.description, inst.is_active) == (
        code, "台江区新图书馆", "台江路 2 号", "13800138000", "", False)
    event = AuditEvent.objects.filter(action="institution.update", object_id=str(inst.pk)).get()
    assert event.detail["changed"] == {
        "name": [old_name, "台江区新图书馆"], "address": ["台江区", "台江路 2 号"],
        "phone": [old_phone, "13800138000"], "description": [old_description, ""], "is_active": [True, False]}
    assert not Institution.objects.filter(code="IGNORED").exists()


def test_city_admin_bad_edit_shows_the_error_and_changes_nothing(users, client_as):
    inst = Institution.objects.get(code=STAFF_INST)
    before = institution_state()

    response = client_as(users["city_admin"]).post(f"/network/institutions/{STAFF_INST}/edit/", {
        "name": "改名", "kind": "library", "place_code": GUDONG, "network_level_id": str(inst.network_level_id),
        "parent_code": inst.parent.code, "is_active": "on"})

    assert response.status_code == 400
    assert "<li>图书馆不能作为「社区学校」</li>" in html(response)
    assert institution_state() == before


# --- HTMX: the tree's children ------------------------------------------------------------------------------


def test_tree_children_of_a_street_is_a_fragment_with_each_community_and_its_learning_room(users, client_as):
    communities = list(Place.objects.filter(parent__code=GUDONG).order_by("code"))
    rooms = {i.place_id: i for i in Institution.objects.filter(place__in=communities, kind="learning_room")}
    assert len(rooms) == len(communities) > 0

    response = client_as(users["district_admin"]).get(f"/network/tree/{GUDONG}/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page
    assert "<body" not in page
    assert page.count("<li>") == len(communities)
    for c in communities:
        room = rooms[c.pk]
        assert f'<a class="name" href="/places/{c.code}/">{c.name}</a>' in page
        assert f'<div class="insts"><a href="/network/institutions/{room.code}/">{room.name}</a>' in page
    assert place_links(page) == {c.code for c in communities}


def test_tree_children_without_htmx_is_a_whole_page(users, client_as):
    response = client_as(users["district_admin"]).get(f"/network/tree/{GUDONG}/")

    assert response.status_code == 200
    assert "<html" in html(response)


def test_tree_children_of_a_community_says_there_is_nothing_below(users, client_as):
    community = Place.objects.filter(parent__code=GUDONG).order_by("code")[0]

    response = client_as(users["district_admin"]).get(f"/network/tree/{community.code}/",
                                                      headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert html(response).strip() == '<li class="muted">没有可查看的下级</li>'


# --- query counts ---------------------------------------------------------------------------------------------

# Measured: session, user, role assignments, own learner profile (4), then the browser's own queries. A loop of
# queries per node (an N+1) would push these up.
BROWSER_QUERIES = 15
TREE_QUERIES = 9


def test_browser_query_count_is_pinned(users, client_as, django_assert_max_num_queries):
    client = client_as(users["district_admin"])

    with django_assert_max_num_queries(BROWSER_QUERIES):
        response = client.get("/network/")

    assert response.status_code == 200


def test_tree_query_count_is_pinned(users, client_as, django_assert_max_num_queries):
    client = client_as(users["district_admin"])

    with django_assert_max_num_queries(TREE_QUERIES):
        response = client.get(f"/network/tree/{GULOU}/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert place_links(html(response)) == set(streets_of(GULOU))


def test_tree_query_count_does_not_grow_with_the_nodes(users, client_as, django_assert_max_num_queries):
    # given five more communities under a street, each with its own institution
    street = Place.objects.get(code=GUDONG)
    for n in range(901, 906):
        code = f"{GUDONG}{n}"
        place = Place.objects.create(code=code, name=f"加测{n}社区", level=PlaceLevel.COMMUNITY, parent=street,
                                     path=f"{street.path}{code}/", source=PlaceSource.MANUAL)
        Institution.objects.create(code=f"ROOM-{n}", name=f"加测{n}学习室", kind="learning_room", place=place)
    client = client_as(users["district_admin"])

    with django_assert_max_num_queries(TREE_QUERIES):
        response = client.get(f"/network/tree/{GUDONG}/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert {f"ROOM-{n}" for n in range(901, 906)} <= institution_links(html(response))


# --- committees and member units (in the tests' own city: tests/portal/world.py, with what `_units` adds) --------


@pytest.fixture(scope="module")
def _units(world_built):
    """Beside the world's committee of 达州市 and its reporter's unit: the city's 教育局 and 民政局, and 达川区's
    committee with a unit of its own."""
    root = world_built.admin
    member_unit_make(root, world_built.committee, name="达州市教育局")
    member_unit_make(root, world_built.committee, name="达州市民政局", responsibility="社区建设")
    member_unit_make(root, committee_make(root, world_built.district_2), name="达川区教育局", is_lead=True)


def city_unit(world, name_contains: str) -> MemberUnit:
    return MemberUnit.objects.get(committee=world.committee, name__contains=name_contains)


def test_city_admin_adds_a_member_unit(world, _units, client_as):
    committee = world.committee
    client = client_as(world.city_admin)

    response = client.post(f"/network/committees/{committee.pk}/members/",
                           {"name": "达州市体育局", "responsibility": "全民健身与体育培训"})

    assert response.status_code == 302
    assert response.url == f"/network/committees/{committee.pk}/"
    added = MemberUnit.objects.get(committee=committee, name="达州市体育局")
    assert (added.responsibility, added.is_lead) == ("全民健身与体育培训", False)
    assert AuditEvent.objects.filter(action="member_unit.create", object_id=str(added.pk)).count() == 1
    page = html(client.get(response.url))
    assert '<li class="success">已添加成员单位「达州市体育局」</li>' in page
    assert f'<tr id="unit-{added.pk}"><td>达州市体育局</td>' in page


def test_city_admin_adding_an_existing_member_unit_shows_the_message_and_adds_nothing(world, _units, client_as):
    committee = world.committee
    client = client_as(world.city_admin)
    before = units_state()

    response = client.post(f"/network/committees/{committee.pk}/members/", {"name": "达州市教育局"})

    assert response.status_code == 302
    assert units_state() == before
    assert '<li class="error">「达州市教育局」已是成员单位</li>' in html(client.get(response.url))


def test_district_admin_cannot_add_a_member_unit_to_another_districts_committee(world, _units, client_as):
    committee = Committee.objects.get(place=world.district_2)
    before = units_state()

    response = client_as(world.district_admin).post(f"/network/committees/{committee.pk}/members/",
                                                       {"name": "越界单位"})

    assert response.status_code == 404
    assert units_state() == before


def test_city_admin_edits_a_member_units_responsibility_inline(world, _units, client_as):
    # given a member unit of the city's committee
    target = city_unit(world, "民政局")
    client = client_as(world.city_admin)

    # when the edit button asks for the form (HTMX) and the form is posted (HTMX)
    form = client.get(f"/network/member-units/{target.pk}/", headers={"HX-Request": "true"})
    response = client.post(f"/network/member-units/{target.pk}/", {"responsibility": "  社区建设；社区工作者培训  "},
                           headers={"HX-Request": "true"})

    # then each answer is one table row, and the new responsibility is saved, trimmed and audited
    assert form.status_code == 200
    assert "<html" not in html(form)
    assert html(form).startswith(f'<tr id="unit-{target.pk}">')
    assert f">{target.responsibility}</textarea>" in html(form)
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page
    assert page.startswith(f'<tr id="unit-{target.pk}"><td>{target.name}</td>')
    assert "<td>社区建设；社区工作者培训 <button" in page
    target.refresh_from_db()
    assert target.responsibility == "社区建设；社区工作者培训"
    assert AuditEvent.objects.filter(action="member_unit.update", object_id=str(target.pk)).count() == 1


def test_reporter_edits_their_own_units_responsibility(world, _units, client_as):
    own = world.reporter.role_assignments.get().member_unit

    response = client_as(world.reporter).post(f"/network/member-units/{own.pk}/", {"responsibility": "职业技能培训"},
                                                 headers={"HX-Request": "true"})

    assert response.status_code == 200
    own.refresh_from_db()
    assert own.responsibility == "职业技能培训"


def test_reporter_cannot_edit_another_unit(world, _units, client_as):
    # given a unit of the same committee that is not the reporter's
    other = city_unit(world, "民政局")
    assert other != world.reporter.role_assignments.get().member_unit
    before = units_state()
    client = client_as(world.reporter)

    # a unit outside the reporter's scope is not found, as if it did not exist (its id tells nothing)
    assert client.get(f"/network/member-units/{other.pk}/", headers={"HX-Request": "true"}).status_code == 404
    response = client.post(f"/network/member-units/{other.pk}/", {"responsibility": "篡改"},
                           headers={"HX-Request": "true"})

    assert response.status_code == 404
    assert units_state() == before


def test_committee_page_offers_the_reporter_an_edit_button_on_their_own_unit_only(world, _units, client_as):
    committee = world.committee
    own = world.reporter.role_assignments.get().member_unit

    response = client_as(world.reporter).get(f"/network/committees/{committee.pk}/")

    assert response.status_code == 200
    assert re.findall(r'hx-get="/network/member-units/(\d+)/"', html(response)) == [str(own.pk)]


def test_auditor_cannot_add_or_edit_member_units(world, _units, client_as):
    committee = world.committee
    target = city_unit(world, "民政局")
    client = client_as(world.auditor)
    before = units_state()

    assert client.post(f"/network/committees/{committee.pk}/members/", {"name": "审计单位"}).status_code == 403
    assert client.post(f"/network/member-units/{target.pk}/", {"responsibility": "审计"}).status_code == 403
    assert units_state() == before


# --- designations (in the tests' own city, where 通川区 is already a municipal experimental district) ------------


@pytest.fixture(scope="module")
def _designated(world_built):
    designation_create(actor=world_built.admin, place_code=TONGCHUAN, kind="experimental", tier="municipal",
                       year=2020)


def designations_state():
    return sorted(Designation.objects.values_list("place__code", "kind", "tier", "year")), AuditEvent.objects.count()


def test_city_admin_adds_a_designation_on_a_district_page(world, _designated, client_as):
    client = client_as(world.city_admin)
    assert f'action="/network/designations/{TONGCHUAN}/"' in html(client.get(f"/places/{TONGCHUAN}/"))

    response = client.post(f"/network/designations/{TONGCHUAN}/",
                           {"kind": "demonstration", "tier": "provincial", "year": "2021"})

    assert response.status_code == 302
    assert response.url == f"/places/{TONGCHUAN}/"
    assert Designation.objects.filter(place__code=TONGCHUAN, kind="demonstration", tier="provincial", year=2021).count() == 1
    page = html(client.get(response.url))
    assert '<li class="success">已添加称号</li>' in page
    assert "<li>2021 通川区 省级 社区教育示范区</li>" in page


@pytest.mark.parametrize(("form", "message"), [
    (None, "「通川区」已有该称号"),
    ({"kind": "demonstration", "tier": "provincial", "year": "二〇二一"}, "年份必须是整数"),
    ({"kind": "demonstration", "tier": "provincial", "year": "1980"}, "年份「1980」不正确"),
    ({"kind": "model", "tier": "provincial", "year": "2021"}, "未知的类别「model」"),
], ids=["duplicate", "text-year", "early-year", "unknown-kind"])
def test_city_admin_bad_designation_shows_the_message_and_adds_nothing(world, _designated, client_as, form, message):
    if form is None:  # the one 通川区 already holds
        existing = Designation.objects.filter(place__code=TONGCHUAN).order_by("pk")[0]
        form = {"kind": existing.kind, "tier": existing.tier, "year": str(existing.year + 1)}
    client = client_as(world.city_admin)
    before = designations_state()

    response = client.post(f"/network/designations/{TONGCHUAN}/", form)

    assert response.status_code == 302
    assert designations_state() == before
    assert f'<li class="error">{message}</li>' in html(client.get(response.url))


def test_district_admin_cannot_add_a_designation_to_another_district(world, _designated, client_as):
    before = designations_state()

    response = client_as(world.district_admin).post(f"/network/designations/{DACHUAN}/",
                                                       {"kind": "demonstration", "tier": "national", "year": "2022"})

    assert response.status_code == 403
    assert designations_state() == before


def test_auditor_cannot_add_a_designation(world, _designated, client_as):
    before = designations_state()

    response = client_as(world.auditor).post(f"/network/designations/{TONGCHUAN}/",
                                                {"kind": "demonstration", "tier": "national", "year": "2022"})

    assert response.status_code == 403
    assert designations_state() == before
