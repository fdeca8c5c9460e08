"""Back-office forms that can't be misused (issue 15, item 8): the new-account form offers only the roles the
administrator may grant, and revoking a role or resetting a password asks for confirmation first, without
JavaScript; a POST without it changes nothing and says so. In the tests' own city (tests/portal/world.py): 达州市,
the district administrator's 通川区."""

import re

import pytest

from learncity.core.errors import PermissionDenied
from learncity.core.models import AuditEvent
from learncity.people.models import RoleAssignment, User
from learncity.people.services import account_create, roles_grantable
from tests.places.factories import DACHUAN, TONGCHUAN

ALL_STAFF_ROLES = ["institution_staff", "district_admin", "city_admin", "member_unit_reporter", "expert_reviewer",
                   "auditor", "inspector"]


def state():
    return (User.objects.count(), RoleAssignment.objects.count(), AuditEvent.objects.count(),
            sorted(User.objects.values_list("pk", "password", "must_change_password")))


def offered_roles(page: str) -> list[str]:
    select = page.split('<select id="a-role" name="role">')[1].split("</select>")[0]
    return re.findall(r'<option value="([a-z_]+)"', select)


def form(**overrides):
    return {"username": "new_one", "display_name": "", "password": "a-long-passphrase-9", "role": "city_admin",
            "place_code": TONGCHUAN, "institution_code": "", "member_unit_id": "", **overrides}


# --- the roles offered ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "roles"), [
    ("admin", ALL_STAFF_ROLES),
    ("city_admin", ALL_STAFF_ROLES),
    ("district_admin", ["institution_staff", "member_unit_reporter", "inspector"]),
])
def test_the_new_account_form_offers_only_the_roles_the_admin_may_grant(world, client_as, username, roles):
    page = client_as(world.user(username)).get("/people/accounts/").content.decode()

    assert offered_roles(page) == roles
    assert [r.value for r in roles_grantable(actor=world.user(username)) if r != "learner"] == roles


def test_a_district_admin_is_not_offered_the_city_admin_role_by_name(world, client_as):
    page = client_as(world.district_admin).get("/people/accounts/").content.decode()

    select = page.split('<select id="a-role" name="role">')[1].split("</select>")[0]
    assert select == ('<option value="institution_staff">机构工作人员</option>'
                      '<option value="member_unit_reporter">成员单位填报员</option>'
                      '<option value="inspector">督导员</option>')


def test_a_district_admin_grants_an_inspector_over_their_district_not_the_other(world, client_as):
    before = state()
    response = client_as(world.district_admin).post("/people/accounts/", form(role="inspector", place_code=DACHUAN))
    assert response.status_code == 403
    assert state() == before

    response = client_as(world.district_admin).post("/people/accounts/", form(role="inspector", place_code=TONGCHUAN))

    assert response.status_code == 302
    ra = RoleAssignment.objects.select_related("place").get(user__username="new_one")
    assert (ra.role, ra.place.code) == ("inspector", TONGCHUAN)


@pytest.mark.parametrize("role", ["city_admin", "district_admin", "auditor", "expert_reviewer"])
def test_a_role_not_offered_and_posted_anyway_is_refused_in_their_own_district(world, client_as, role):
    before = state()

    response = client_as(world.district_admin).post("/people/accounts/", form(role=role, place_code=TONGCHUAN))

    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", ["city_admin", "district_admin", "auditor", "expert_reviewer"])
def test_the_service_refuses_a_role_not_offered(world, role):
    before = state()

    with pytest.raises(PermissionDenied):
        account_create(actor=world.district_admin, username="new_one", password="a-long-passphrase-9",
                       display_name="", role=role, place_code=TONGCHUAN)

    assert state() == before


@pytest.mark.parametrize("username", ["auditor", "expert", "reporter", "learner"])
def test_who_manages_no_accounts_may_grant_no_role(world, username):
    assert roles_grantable(actor=world.user(username)) == []


def test_institution_staff_may_grant_only_the_learner_role(world):
    assert roles_grantable(actor=world.staff) == ["learner"]


# --- revoking a role asks first ----------------------------------------------------------------------------------

def test_the_accounts_page_links_to_the_confirmation_instead_of_revoking_in_one_click(world, client_as):
    ra = RoleAssignment.objects.get(user=world.staff)

    page = client_as(world.district_admin).get("/people/accounts/").content.decode()

    assert f'<a href="/people/accounts/{ra.pk}/revoke/">撤销</a>' in page
    assert f'action="/people/accounts/{ra.pk}/revoke/"' not in page


def test_the_confirmation_page_names_what_will_be_revoked_and_changes_nothing(world, client_as):
    ra = RoleAssignment.objects.select_related("institution").get(user=world.staff)
    before = state()

    response = client_as(world.district_admin).get(f"/people/accounts/{ra.pk}/revoke/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<p data-testid="question">撤销 {world.staff.username} 的「机构工作人员」角色（{ra.institution.name}）？</p>' in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert state() == before


def test_a_place_role_is_named_with_its_place(world, client_as):
    ra = RoleAssignment.objects.select_related("place").get(user=world.district_admin_2)

    page = client_as(world.city_admin).get(f"/people/accounts/{ra.pk}/revoke/").content.decode()

    assert f"撤销 {world.district_admin_2.username} 的「区县管理员」角色（{ra.place.name}）？" in page


@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "no"}, {"confirm": "YES"}])
def test_a_revoke_posted_without_confirmation_changes_nothing_and_says_so(world, client_as, data):
    ra = RoleAssignment.objects.get(user=world.staff)
    before = state()

    response = client_as(world.district_admin).post(f"/people/accounts/{ra.pk}/revoke/", data)

    assert response.status_code == 400
    assert "<li>未确认，没有做任何更改 (not confirmed: nothing was changed)</li>" in response.content.decode()
    assert state() == before


def test_a_confirmed_revoke_revokes_the_role(world, client_as):
    ra = RoleAssignment.objects.get(user=world.staff)

    response = client_as(world.district_admin).post(f"/people/accounts/{ra.pk}/revoke/", {"confirm": "yes"})

    assert (response.status_code, response["Location"]) == (302, "/people/accounts/")
    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(ra.pk)).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_role_outside_the_scope_has_no_confirmation_page_either(world, client_as, method):
    ra = RoleAssignment.objects.get(user=world.district_admin_2)
    before = state()

    response = getattr(client_as(world.district_admin), method)(f"/people/accounts/{ra.pk}/revoke/",
                                                                   {"confirm": "yes"})

    assert response.status_code == 404
    assert state() == before


# --- resetting a password asks first -----------------------------------------------------------------------------

def test_the_reset_page_asks_to_confirm_what_the_reset_does(world, client_as):
    page = client_as(world.district_admin).get(f"/people/users/{world.staff.pk}/password/").content.decode()

    assert ('<input type="checkbox" name="confirm" value="yes" required> '
            f"确认重置 {world.staff.username} 的密码：其他已登录的会话会失效，个人 API 令牌会被吊销") in page


@pytest.mark.parametrize("data", [{"new_password": ""}, {"new_password": "a-long-passphrase-9"},
                                  {"new_password": "", "confirm": "on"}])
def test_a_reset_posted_without_confirmation_changes_nothing_and_says_so(world, client_as, data):
    staff = world.staff
    before = state()

    response = client_as(world.district_admin).post(f"/people/users/{staff.pk}/password/", data)

    assert response.status_code == 400
    assert response.context["errors"] == {"confirm": ["未勾选确认，密码没有重置 (not confirmed: the password was not reset)"]}
    assert state() == before


# --- picking places and institutions instead of typing codes ----------------------------------------------------

def datalist(page: str, list_id: str) -> list[tuple[str, str]]:
    body = page.split(f'<datalist id="{list_id}">')[1].split("</datalist>")[0]
    return re.findall(r'<option value="([^"]+)">([^<]*)</option>', body)


def test_a_city_admin_picks_the_city_its_districts_and_streets_by_name(world, client_as):
    from learncity.places.models import Place

    page = client_as(world.city_admin).get("/people/accounts/").content.decode()

    expected = list(Place.objects.filter(path__startswith=world.city.path, level__lte=4).order_by("code")
                    .values_list("code", "name")[:300])
    options = datalist(page, "a-places")
    assert options == expected
    assert (TONGCHUAN, "通川区") in options and all(len(code) <= 9 for code, _ in options)
    assert 'list="a-places"' in page and 'name="place_code"' in page


def test_a_district_admin_is_offered_only_the_institutions_and_places_of_their_district(world, client_as):
    from learncity.network.models import Institution
    from learncity.places.models import Place

    page = client_as(world.district_admin).get("/people/accounts/").content.decode()

    options = datalist(page, "a-institutions")
    in_district = Institution.objects.filter(place__path__startswith=world.district.path)
    assert options == list(in_district.order_by("name").values_list("code", "name")[:300])
    assert len(options) == min(300, in_district.count()) > 0
    # the places an inspector may be granted over (Role.INSPECTOR): their district's, down to the streets
    places = datalist(page, "a-places")
    assert places == list(Place.objects.filter(path__startswith=world.district.path, level__lte=4)
                          .order_by("code").values_list("code", "name")[:300])
    assert (TONGCHUAN, "通川区") in places and DACHUAN not in {code for code, _ in places}


def test_an_institution_picked_from_the_list_posts_its_code(world, client_as):
    page = client_as(world.district_admin).get("/people/accounts/").content.decode()
    code, name = datalist(page, "a-institutions")[0]

    response = client_as(world.district_admin).post("/people/accounts/", form(
        role="institution_staff", place_code="", institution_code=code))

    assert response.status_code == 302
    assert RoleAssignment.objects.get(user__username="new_one").institution.name == name
