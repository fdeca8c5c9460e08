"""The back office's accounts page: new sign-ins with one role and scope, all or nothing; revoking roles. In the
tests' own city (tests/portal/world.py: 达州市, its 通川区 and 达川区)."""

import pytest

from learncity.core.models import AuditEvent
from learncity.people.models import RoleAssignment, User
from tests.places.factories import DACHUAN, DAZHOU, street_of


def state():
    return User.objects.count(), RoleAssignment.objects.count(), AuditEvent.objects.count()


def form(**overrides):
    return {"username": "new_admin", "display_name": "达川区新管理员", "password": "a-long-passphrase-9",
            "role": "district_admin", "place_code": DACHUAN, "institution_code": "", "member_unit_id": "",
            **overrides}


def test_city_admin_creates_a_district_admin_who_can_sign_in(world, client_as, client):
    response = client_as(world.city_admin).post("/people/accounts/", form())

    assert response.status_code == 302
    ra = RoleAssignment.objects.get(user__username="new_admin")
    assert (ra.role, ra.place.code, ra.user.display_name) == ("district_admin", DACHUAN, "达川区新管理员")
    assert list(AuditEvent.objects.filter(action__in=["user.create", "role.grant"], actor=world.city_admin)
                .order_by("id").values_list("action", flat=True)) == ["user.create", "role.grant"]
    assert client.login(username="new_admin", password="a-long-passphrase-9")


def test_district_admin_creates_staff_of_an_institution_in_their_district(world, client_as):
    inst = world.institution_other

    response = client_as(world.district_admin).post(
        "/people/accounts/", form(username="gulou_staff", role="institution_staff", place_code="",
                                  institution_code=inst.code))

    assert response.status_code == 302
    assert RoleAssignment.objects.get(user__username="gulou_staff").institution == inst


@pytest.mark.parametrize(("overrides", "why"), [
    ({"role": "institution_staff", "place_code": "", "institution_code": "dachuan"}, "an institution of 达川区"),
    ({"role": "city_admin", "place_code": DAZHOU}, "a city admin"),
    ({"role": "district_admin", "place_code": DACHUAN}, "an admin of another district"),
])
def test_district_admin_cannot_grant_beyond_their_scope(world, client_as, overrides, why):
    if overrides.get("institution_code") == "dachuan":
        overrides["institution_code"] = world.institution_2.code
    before = state()

    response = client_as(world.district_admin).post("/people/accounts/", form(**overrides))

    assert response.status_code == 403, why
    assert state() == before


@pytest.mark.parametrize(("overrides", "message"), [
    ({"username": "坏 名字"}, "用户名「坏 名字」只能由字母、数字和 _ . @ - 组成，3–150 位"),
    ({"username": "<city_admin>"}, "用户名「<city_admin>」已被使用"),
    ({"password": "short"}, "此密码太短，至少要包含 8 个字符。"),
    ({"place_code": "359999"}, "未知的区划代码「359999」(unknown place code)"),
    ({"place_code": "<street of 达川区>"}, "区县管理员的范围必须是区县，「<street of 达川区>」不是"),
    ({"role": "institution_staff", "place_code": "", "institution_code": "NO-SUCH"}, "未知的机构代码「NO-SUCH」"),
    ({"role": "member_unit_reporter", "place_code": "", "member_unit_id": "abc"}, "成员单位编号「abc」应为数字"),
    ({"role": "chairman"}, "未知的角色「chairman」"),
])
def test_bad_account_input_is_shown_and_nothing_is_written(world, client_as, overrides, message):
    # (the names of the world's city administrator and of a street of 达川区, known once it is built)
    street = street_of(DACHUAN)
    overrides = {k: {"<city_admin>": world.city_admin.username, "<street of 达川区>": street.code}.get(v, v)
                 for k, v in overrides.items()}
    message = message.replace("<city_admin>", world.city_admin.username).replace("<street of 达川区>", street.name)
    before = state()

    response = client_as(world.city_admin).post("/people/accounts/", form(**overrides))

    assert response.status_code == 400
    assert f"<li>{message}</li>" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("role", ["auditor", "expert", "reporter", "staff", "learner"])
def test_only_administrators_open_the_accounts_page(world, client_as, role):
    assert client_as(world.user(role)).get("/people/accounts/").status_code == 403


def test_district_admin_lists_only_roles_inside_their_district(world, client_as):
    page = client_as(world.district_admin).get("/people/accounts/").content.decode()

    assert f"<td>{world.staff.username}</td>" in page and f"<td>{world.district_admin.username}</td>" in page
    assert world.district_admin_2.username not in page and f"<td>{world.city_admin.username}</td>" not in page


def test_city_admin_revokes_a_role(world, client_as):
    ra = RoleAssignment.objects.get(user=world.district_admin_2)

    response = client_as(world.city_admin).post(f"/people/accounts/{ra.pk}/revoke/", {"confirm": "yes"})

    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(ra.pk)).count() == 1


def test_district_admin_cannot_revoke_a_role_of_another_district(world, client_as):
    ra = RoleAssignment.objects.get(user=world.district_admin_2)
    before = state()

    response = client_as(world.district_admin).post(f"/people/accounts/{ra.pk}/revoke/", {"confirm": "yes"})

    assert response.status_code == 404
    assert state() == before


def test_the_new_account_button_reads_create_in_english(world, client_as):
    client = client_as(world.district_admin)
    client.cookies["django_language"] = "en"
    page = client.get("/people/accounts/").content.decode()
    assert '<button type="submit">Create</button>' in page and ">Created<" not in page
