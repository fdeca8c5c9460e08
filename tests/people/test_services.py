"""Writes to people: learner profiles (encrypted, masked, revealed only to their owner), roles, users, API tokens."""

import datetime
import hashlib
import json

import pytest
from django.db import connection
from django.utils import timezone

from learncity.core import crypto
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.core.scopes import Role, scope_for
from learncity.network.models import MemberUnit
from learncity.people import idcard
from learncity.people.models import ApiToken, LearnerProfile, RoleAssignment, User
from learncity.people.selectors import api_token_list, profile_list
from learncity.people.services import (
    ID_CONTEXT,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    learner_profile_create,
    learner_profile_reveal,
    role_grant,
    role_revoke,
    user_create,
)
from learncity.places.services import community_create
from tests.network.factories import committee_make, member_unit_make
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN

# Registered in Beijing, living in 达州: no resident the factories make (registered where they live) holds these.
NUMBER = "110105199003071239"  # male (sequence 123 is odd)
NUMBER_X = "11010519491231002X"  # female, check character X
HONGSHAN = "511702001901"  # a community of 东城街道, 通川区 (made below)
DACHUAN_COMMUNITY = "511703001901"  # a community of 三里坪街道, 达川区 (made below)


@pytest.fixture(scope="module", autouse=True)
def _more_of_the_world(world_built):
    """Beside the world (tests/portal/world.py: 达州市, 通川区, 达川区): a community in each district, and 通川区's
    committee with its 民政局 as a member unit."""
    root = world_built.admin
    community_create(actor=root, parent_code=HONGSHAN[:9], code=HONGSHAN, name="洪山社区")
    community_create(actor=root, parent_code=DACHUAN_COMMUNITY[:9], code=DACHUAN_COMMUNITY, name="达川测试社区")
    committee = committee_make(root, world_built.district, name="通川区终身教育促进委员会")
    member_unit_make(root, committee, name="通川区民政局", is_lead=True)


def row_values(model, pk) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {model._meta.db_table} WHERE id = %s", [pk])
        return [str(v) for v in cur.fetchone()]


def writes() -> tuple[int, int, int]:
    return LearnerProfile.objects.count(), AuditEvent.objects.count(), RoleAssignment.objects.count()


def new_user(username: str = "resident_lin") -> User:
    return user_create(actor=None, username=username, password=None, display_name="林秀英")


def create_refused(exc_type=DomainError, **kwargs) -> DomainError:
    before = writes()
    with pytest.raises(exc_type) as exc:
        learner_profile_create(**{"name": "林秀英", "id_number": NUMBER, "residence_code": HONGSHAN, **kwargs})
    assert writes() == before, "a refused registration must write nothing"
    return exc.value


# --- learner profiles ------------------------------------------------------------------------------------


def test_a_district_admin_registers_a_resident_with_the_id_number_encrypted_at_rest(world):
    # given the admin of 通川区
    actor = world.district_admin

    # when they register a resident of 洪山社区
    profile = learner_profile_create(actor=actor, name="林 秀英", id_number=NUMBER, residence_code=HONGSHAN,
                                     phone="138-0013-8000", groups=["women", "employee", "women"])

    # then birth date and sex come from the number, and it is kept masked, hashed and encrypted
    got = LearnerProfile.objects.get(pk=profile.pk)
    assert (got.name, got.birth_date, got.sex, got.phone, got.residence.code, got.id_number_masked) == (
        "林 秀英", datetime.date(1990, 3, 7), "M", "13800138000", HONGSHAN, "110105********1239")
    assert sorted(got.groups.values_list("code", flat=True)) == ["employee", "women"]
    assert crypto.decrypt(got.id_number_encrypted, context=ID_CONTEXT) == NUMBER
    # and no column of the stored row holds the number
    assert not [v for v in row_values(LearnerProfile, profile.pk) if NUMBER in v]


def test_a_resident_is_found_by_id_number_through_the_keyed_hash(world):
    profile = learner_profile_create(actor=world.district_admin, name="林秀英", id_number=NUMBER_X,
                                     residence_code=HONGSHAN)

    assert list(profile_list(actor=world.district_admin, q=NUMBER_X)) == [profile]
    assert list(profile_list(actor=world.district_admin, q=" 11010519491231002x ")) == [profile]
    assert list(profile_list(actor=world.district_admin, q=NUMBER)) == []
    # a district admin of 达川区 does not find a resident of 通川区, even by the exact number
    assert list(profile_list(actor=world.district_admin_2, q=NUMBER_X)) == []


def test_the_id_number_is_masked_everywhere_it_is_shown_or_logged(world):
    profile = learner_profile_create(actor=world.city_admin, name="林秀英", id_number=NUMBER_X,
                                     residence_code=HONGSHAN)

    assert profile.id_number_masked == "110105********002X"
    assert str(profile) == "林秀英 110105********002X"
    assert [p.id_number_masked for p in profile_list(actor=world.auditor, q=NUMBER_X)] == ["110105********002X"]
    event = AuditEvent.objects.get(action="profile.create", object_id=str(profile.pk))
    assert event.detail == {"residence": HONGSHAN}
    assert not [e.pk for e in AuditEvent.objects.all() if NUMBER_X in json.dumps(e.detail)]


def test_the_owner_reveals_their_number_and_exactly_one_audit_row_is_written(world):
    # given a resident who registered themself
    user = new_user()
    profile = learner_profile_create(actor=user, user=user, name="林秀英", id_number=NUMBER_X,
                                     residence_code=HONGSHAN)
    before = AuditEvent.objects.count()

    # when they reveal their own number
    number = learner_profile_reveal(actor=user, profile=profile)

    # then they see it, and exactly one pii.view row records who saw whose
    assert number == NUMBER_X
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="pii.view")
    assert (event.actor, event.object_type, event.object_id, event.detail) == (
        user, "people.learnerprofile", str(profile.pk), {"field": "id_number"})


def test_the_worlds_learner_reveals_their_own_number(world):
    learner = world.learner
    profile = LearnerProfile.objects.get(user=learner)

    number = learner_profile_reveal(actor=learner, profile=profile)

    assert idcard.mask(number) == profile.id_number_masked
    assert LearnerProfile.objects.get(id_number_hash=crypto.lookup_hash(number, context=ID_CONTEXT)) == profile
    assert AuditEvent.objects.filter(action="pii.view", actor=learner).count() == 1


@pytest.mark.parametrize("username", ["admin", "city_admin", "district_admin", "auditor", "staff", "learner"])
def test_nobody_but_the_owner_may_reveal_a_number(world, username):
    owner = new_user()
    profile = learner_profile_create(actor=owner, user=owner, name="林秀英", id_number=NUMBER_X,
                                     residence_code=HONGSHAN)
    before = AuditEvent.objects.count()

    with pytest.raises(PermissionDenied) as exc:
        learner_profile_reveal(actor=world.user(username), profile=profile)

    assert str(exc.value) == "身份证号码只对本人完整显示 (shown unmasked to its owner only)"
    assert AuditEvent.objects.count() == before


def test_a_profile_without_an_account_is_revealed_to_nobody(world):
    profile = learner_profile_create(actor=world.district_admin, name="林秀英", id_number=NUMBER_X,
                                     residence_code=HONGSHAN)

    for actor in (None, world.district_admin, world.admin):
        with pytest.raises(PermissionDenied):
            learner_profile_reveal(actor=actor, profile=profile)

    assert not AuditEvent.objects.filter(action="pii.view").exists()


def test_self_registration_grants_the_learner_role_and_the_own_profile_in_scope(db):
    user = new_user()

    profile = learner_profile_create(actor=user, user=user, name="林秀英", id_number=NUMBER, residence_code=HONGSHAN)

    assert list(user.role_assignments.values_list("role", flat=True)) == [Role.LEARNER]
    assert list(profile_list(actor=user)) == [profile]


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("11010519491231002", "身份证号码应为 18 位，「11010519491231002」是 17 位"),
        ("110105194912310021", "身份证号码校验位错误：最后一位应为 X，而不是 1"),
        ("11010519990230123" + idcard.check_char("11010519990230123"), "身份证号码中的出生日期 19990230 不存在"),
        ("1101051949123100XX", "身份证号码前 17 位必须是数字，最后一位是数字或 X"),
    ],
)
def test_a_bad_id_number_writes_nothing(world, id_number, message):
    exc = create_refused(actor=world.district_admin, id_number=id_number)

    assert exc.errors == {"id_number": [message]}


def test_a_bad_id_number_at_self_registration_writes_no_role_either(db):
    user = new_user()

    create_refused(actor=user, user=user, id_number="110105194912310021")

    assert not user.role_assignments.exists()


def test_an_unknown_residence_is_an_input_error_on_residence_code(world):
    exc = create_refused(actor=world.district_admin, residence_code="511702001999")

    assert exc.errors == {"residence_code": ["未知的居住地区划代码「511702001999」(unknown place code)"]}


def test_a_registered_id_number_cannot_be_registered_again(world):
    learner_profile_create(actor=world.district_admin, name="林秀英", id_number=NUMBER_X, residence_code=HONGSHAN)

    exc = create_refused(actor=world.city_admin, name="林秀", id_number="11010519491231002x")

    assert exc.errors == {"id_number": ["该身份证号码已登记"]}


def test_a_residents_number_cannot_be_registered_again(world):
    their_number = learner_profile_reveal(actor=world.learner, profile=world.learner.learner_profile)

    exc = create_refused(actor=world.city_admin, id_number=their_number)

    assert exc.errors == {"id_number": ["该身份证号码已登记"]}


def test_a_user_with_a_profile_cannot_register_a_second_one(db):
    user = new_user()
    learner_profile_create(actor=user, user=user, name="林秀英", id_number=NUMBER, residence_code=HONGSHAN)

    exc = create_refused(actor=user, user=user, id_number=NUMBER_X)

    assert exc.errors == {"user": ["该用户已有学习者档案"]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "林"}, {"name": ["姓名「林」不正确：应为 2–64 个汉字或字母"]}),
        ({"name": "林秀英1"}, {"name": ["姓名「林秀英1」不正确：应为 2–64 个汉字或字母"]}),
        ({"phone": "12345"}, {"phone": ["手机号码「12345」不正确：应为 11 位，以 1 开头"]}),
        ({"groups": ["elderly", "pensioner"]}, {"groups": ["未知的群体：pensioner"]}),
    ],
)
def test_bad_profile_fields_write_nothing(world, fields, errors):
    exc = create_refused(actor=world.district_admin, **fields)

    assert exc.errors == errors


def test_a_district_admin_cannot_register_residents_of_another_district(world):
    create_refused(PermissionDenied, actor=world.district_admin, residence_code=DACHUAN_COMMUNITY)


@pytest.mark.parametrize("username", ["staff", "reporter", "expert", "auditor", "learner"])
def test_roles_without_people_rights_cannot_register_residents(world, username):
    create_refused(PermissionDenied, actor=world.user(username))


def test_an_anonymous_actor_cannot_register_anyone(db):
    create_refused(PermissionDenied, actor=None)


def test_registering_another_user_needs_people_rights(world):
    other = new_user()

    create_refused(PermissionDenied, actor=world.learner, user=other)


# --- users and roles -------------------------------------------------------------------------------------


def test_a_city_admin_grants_a_district_admin_role(world):
    # given a new user
    user = new_user("dachuan_2")

    # when the city admin makes them admin of 达川区
    ra = role_grant(actor=world.city_admin, user=user, role="district_admin", place_code=DACHUAN)

    # then the role is stored with who granted it, audited, and the user's scope is 达川区
    assert (ra.role, ra.place.code, ra.granted_by) == (Role.DISTRICT_ADMIN, DACHUAN, world.city_admin)
    assert AuditEvent.objects.get(action="role.grant", object_id=str(ra.pk)).detail == {
        "user": "dachuan_2", "role": "district_admin"}
    assert scope_for(user).change.place_paths == frozenset({"/510000/511700/511703/"})


def test_granting_the_same_role_twice_keeps_one_row(world):
    user = new_user()

    first = role_grant(actor=world.city_admin, user=user, role="auditor", place_code=DAZHOU)
    second = role_grant(actor=world.city_admin, user=user, role="auditor", place_code=DAZHOU)

    assert first.pk == second.pk
    assert user.role_assignments.count() == 1
    assert AuditEvent.objects.filter(action="role.grant", object_id=str(first.pk)).count() == 1


def test_a_district_admin_cannot_make_district_admins(world):
    user = new_user()
    before = writes()

    for place_code in (TONGCHUAN, DACHUAN):
        with pytest.raises(PermissionDenied):
            role_grant(actor=world.district_admin, user=user, role="district_admin", place_code=place_code)

    assert writes() == before


def test_a_district_admin_role_must_be_scoped_to_a_district(world):
    user = new_user()
    before = writes()

    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.city_admin, user=user, role="district_admin", place_code="511702001")

    assert exc.value.errors == {"place": ["区县管理员的范围必须是区县，「东城街道」不是"]}
    assert writes() == before


def test_a_district_admin_grants_staff_of_their_own_institutions_only(world):
    user = new_user()
    own, other = world.institution_other, world.institution_2  # of 通川区; of 达川区

    ra = role_grant(actor=world.district_admin, user=user, role="institution_staff", institution=own)
    with pytest.raises(PermissionDenied):
        role_grant(actor=world.district_admin, user=user, role="institution_staff", institution=other)

    assert list(user.role_assignments.values_list("pk", "institution__name")) == [(ra.pk, own.name)]


def test_a_district_admin_grants_reporters_of_their_own_committee_only(world):
    user = new_user()
    own = MemberUnit.objects.get(name="通川区民政局")
    city_unit = world.member_unit

    role_grant(actor=world.district_admin, user=user, role="member_unit_reporter", member_unit=own)
    with pytest.raises(PermissionDenied):
        role_grant(actor=world.district_admin, user=user, role="member_unit_reporter", member_unit=city_unit)

    assert list(user.role_assignments.values_list("member_unit__name", flat=True)) == ["通川区民政局"]


def test_an_unknown_role_is_refused(world):
    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.admin, user=new_user(), role="superuser")

    assert exc.value.errors == {"role": ["未知的角色「superuser」"]}


def test_a_role_without_its_scope_target_is_refused(world):
    user = new_user()
    before = writes()

    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.admin, user=user, role="institution_staff")

    assert exc.value.errors == {"role": ["角色与其范围不匹配（例如机构工作人员必须指定机构）"]}
    assert writes() == before


@pytest.mark.parametrize("username", ["auditor", "expert", "reporter", "learner"])
def test_read_only_roles_grant_nothing_not_even_the_learner_role(world, username):
    user = new_user()
    before = writes()

    with pytest.raises(PermissionDenied):
        role_grant(actor=world.user(username), user=user, role="learner")

    assert writes() == before


@pytest.mark.parametrize("username", ["auditor", "expert", "reporter", "learner"])
def test_read_only_roles_create_no_accounts(world, username):
    before = User.objects.count()

    with pytest.raises(PermissionDenied):
        user_create(actor=world.user(username), username="someone_new", password=None)

    assert User.objects.count() == before


def test_a_district_admin_creates_an_account_and_grants_the_learner_role(world):
    user = user_create(actor=world.district_admin, username="learner_2", password="a-long-passphrase")

    ra = role_grant(actor=world.district_admin, user=user, role="learner")

    assert user.check_password("a-long-passphrase")
    assert (ra.role, ra.place, ra.institution, ra.member_unit) == (Role.LEARNER, None, None, None)


def test_user_create_rules(world):
    before = User.objects.count()

    for username, errors in (
        ("ab", {"username": ["用户名「ab」只能由字母、数字和 _ . @ - 组成，3–150 位"]}),
        ("林秀英", {"username": ["用户名「林秀英」只能由字母、数字和 _ . @ - 组成，3–150 位"]}),
        (world.learner.username.upper(), {"username": [f"用户名「{world.learner.username.upper()}」已被使用"]}),
    ):
        with pytest.raises(DomainError) as exc:
            user_create(actor=world.city_admin, username=username, password=None)
        assert exc.value.errors == errors

    with pytest.raises(DomainError) as exc:
        user_create(actor=world.city_admin, username="new_user", password="short")
    assert list(exc.value.errors) == ["password"]

    assert User.objects.count() == before


def test_a_city_admin_revokes_a_role_and_a_district_admin_cannot_revoke_theirs(world):
    user = new_user()
    ra = role_grant(actor=world.city_admin, user=user, role="district_admin", place_code=TONGCHUAN)
    city_role = world.city_admin.role_assignments.get()

    with pytest.raises(PermissionDenied):
        role_revoke(actor=world.district_admin, assignment=city_role)
    role_revoke(actor=world.city_admin, assignment=ra)

    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    assert RoleAssignment.objects.filter(pk=city_role.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke").count() == 1


# --- API tokens ------------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_only_its_hash_is_stored(world):
    user = world.district_admin

    row, token = api_token_create(actor=user, name=" 数据同步 ")

    assert token.startswith(f"lc_{row.prefix}_")
    assert len(row.prefix) == 10
    stored = ApiToken.objects.get(pk=row.pk)
    assert (stored.user, stored.name, stored.token_hash) == (user, "数据同步", hashlib.sha256(token.encode()).hexdigest())
    assert not [v for v in row_values(ApiToken, row.pk) if token in v or token.split("_", 2)[2] in v]
    assert not [e.pk for e in AuditEvent.objects.all() if token in json.dumps(e.detail)]
    assert AuditEvent.objects.get(action="token.create", object_id=str(row.pk)).detail == {"name": "数据同步"}


def test_a_token_expires_after_the_days_given(world):
    before = timezone.now()

    row, _ = api_token_create(actor=world.learner, name="t", days=30)
    forever, _ = api_token_create(actor=world.learner, name="t2", days=None)

    assert before + datetime.timedelta(days=30) <= row.expires_at <= timezone.now() + datetime.timedelta(days=30)
    assert forever.expires_at is None


def test_a_valid_token_authenticates_its_user_and_records_its_use(world):
    row, token = api_token_create(actor=world.staff, name="t")
    assert row.last_used_at is None

    assert api_token_authenticate(token) == world.staff
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # same prefix, wrong secret
    lambda t: t.replace("lc_", "xx_", 1),
    lambda t: "",
    lambda t: "lc_0000000000_" + t.split("_", 2)[2],  # unknown prefix
])
def test_a_wrong_token_authenticates_nobody(world, mangle):
    _, token = api_token_create(actor=world.staff, name="t")

    assert api_token_authenticate(mangle(token)) is None


def test_a_revoked_token_fails(world):
    row, token = api_token_create(actor=world.staff, name="t")

    api_token_revoke(actor=world.staff, token=row)

    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert api_token_authenticate(token) is None


def test_an_expired_token_fails(world):
    row, token = api_token_create(actor=world.staff, name="t", days=1)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert api_token_authenticate(token) is None


def test_a_token_of_a_deactivated_user_fails(world):
    _, token = api_token_create(actor=world.staff, name="t")
    User.objects.filter(pk=world.staff.pk).update(is_active=False)

    assert api_token_authenticate(token) is None


def test_only_the_owner_revokes_a_token(world):
    row, token = api_token_create(actor=world.staff, name="t")

    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=world.city_admin, token=row)

    assert ApiToken.objects.get(pk=row.pk).revoked_at is None
    assert api_token_authenticate(token) == world.staff


@pytest.mark.parametrize(
    ("name", "days", "errors"),
    [
        ("  ", 30, {"name": ["令牌名称不能为空，且不超过 64 个字"]}),
        ("t" * 65, 30, {"name": ["令牌名称不能为空，且不超过 64 个字"]}),
        ("t", 0, {"days": ["有效天数应在 1–3650 之间"]}),
        ("t", 3651, {"days": ["有效天数应在 1–3650 之间"]}),
    ],
)
def test_api_token_create_rules(world, name, days, errors):
    with pytest.raises(DomainError) as exc:
        api_token_create(actor=world.staff, name=name, days=days)

    assert exc.value.errors == errors
    assert not ApiToken.objects.exists()


def test_an_anonymous_actor_gets_no_token(db):
    with pytest.raises(PermissionDenied):
        api_token_create(actor=None, name="t")

    assert not ApiToken.objects.exists()


def test_each_user_lists_only_their_own_tokens(world):
    own, _ = api_token_create(actor=world.staff, name="mine")
    api_token_create(actor=world.city_admin, name="theirs")

    assert list(api_token_list(actor=world.staff)) == [own]


def test_a_refused_token_is_explained_in_english_to_a_user_who_chose_english(world, api_as):
    api = api_as(world.learner)
    api.cookies["django_language"] = "en"
    before = ApiToken.objects.count()

    response = api.post("/api/people/tokens", {"name": " ", "days": 30}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"name": ["The token name is required and at most 64 characters"]}
    assert ApiToken.objects.count() == before
