"""Passwords: everyone signed in changes their own (given the current one); administrators reset those of staff in
their scope (a temporary password shown once, or one they type), and the holder must then choose their own. Django's
password validators apply to both; every change and reset is audited; wrong current passwords count towards the
sign-in lock-out."""

import pytest
from django.test import Client

from learncity.core.models import AuditEvent
from learncity.people.models import User
from learncity.people.services import account_create, api_token_create, role_grant

NEW = "a-brand-new-passphrase-7"
CURRENT = "the-current-passphrase-5"


@pytest.fixture(autouse=True)
def _known_passwords(world):
    """The world's users' passwords, known to the tests."""
    for user in world.users.values():
        user.set_password(CURRENT)
        user.save(update_fields=["password"])


def known_password() -> str:
    return CURRENT


def password_state(user):
    return User.objects.filter(pk=user.pk).values_list("password", "must_change_password").get()


def audit_rows(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("id").values_list("actor__username", "object_id",
                                                                                    "detail"))


def can_sign_in(username: str, password: str) -> bool:
    client = Client()
    client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.1.1")
    return "_auth_user_id" in client.session


@pytest.fixture
def dachuan_staff(world):
    """Staff of an institution of 达川区, the other district."""
    return account_create(actor=world.admin, username="dachuan_staff", password=NEW, display_name="达川员工",
                          role="institution_staff", institution_code=world.institution_2.code).user


# --- reset, on the accounts pages ---------------------------------------------------------------------------------

def test_a_district_admin_resets_staff_of_their_district_to_a_temporary_password_shown_once(world, client_as):
    staff, admin = world.staff, world.district_admin
    client = client_as(admin)

    response = client.post(f"/people/users/{staff.pk}/password/", {"confirm": "yes", "new_password": ""})

    assert (response.status_code, response["Location"]) == (302, "/people/accounts/")
    page = client.get("/people/accounts/").content.decode()
    temporary = page.split('data-testid="temporary-password">')[1].split("</code>")[0]
    assert len(temporary) == 12 and temporary.isalnum()
    assert 'data-testid="temporary-password"' not in client.get("/people/accounts/").content.decode()
    assert password_state(staff)[1] is True
    assert can_sign_in(staff.username, temporary) and not can_sign_in(staff.username, known_password())
    assert audit_rows("user.password.reset") == [(admin.username, str(staff.pk),
                                                  {"username": staff.username, "generated": True, "tokens_revoked": 0})]


def test_an_admin_may_type_the_new_password_instead(world, client_as):
    staff = world.staff
    client = client_as(world.city_admin)

    response = client.post(f"/people/users/{staff.pk}/password/", {"confirm": "yes", "new_password": NEW})

    assert response.status_code == 302
    assert 'data-testid="temporary-password"' not in (page := client.get("/people/accounts/").content.decode())
    assert f"已重置 {staff.username} 的密码" in page
    assert can_sign_in(staff.username, NEW)
    assert audit_rows("user.password.reset") == [(world.city_admin.username, str(staff.pk), {
        "username": staff.username, "generated": False, "tokens_revoked": 0})]


@pytest.mark.parametrize(("password", "messages"), [
    ("12345678", ["这个密码太常见了。", "密码只包含数字。"]),
    ("short", ["此密码太短，至少要包含 8 个字符。"]),
    ("<username>24", ["密码跟 用户名 太相似了。"]),
])
def test_a_weak_typed_password_is_refused_with_the_rules_it_breaks(world, client_as, password, messages):
    staff = world.staff
    password = password.replace("<username>", staff.username)
    before = password_state(staff), AuditEvent.objects.count()

    response = client_as(world.district_admin).post(f"/people/users/{staff.pk}/password/",
                                                       {"confirm": "yes", "new_password": password})

    assert response.status_code == 400
    assert response.context["errors"] == {"new_password": messages}
    assert (password_state(staff), AuditEvent.objects.count()) == before


def test_a_district_admin_cannot_reset_staff_of_another_district(world, client_as, dachuan_staff):
    before = password_state(dachuan_staff), AuditEvent.objects.count()

    response = client_as(world.district_admin).post(f"/people/users/{dachuan_staff.pk}/password/",
                                                       {"confirm": "yes", "new_password": ""})

    assert response.status_code == 404
    assert (password_state(dachuan_staff), AuditEvent.objects.count()) == before


def test_nobody_resets_a_superuser_nor_staff_with_a_role_beyond_their_scope(world, client_as, dachuan_staff):
    own_inst = world.staff.role_assignments.get().institution
    root = account_create(actor=world.admin, username="root_in_tongchuan", password=NEW, display_name="",
                          role="institution_staff", institution_code=own_inst.code).user
    User.objects.filter(pk=root.pk).update(is_superuser=True, is_staff=True)
    role_grant(actor=world.admin, user=dachuan_staff, role="institution_staff", institution=own_inst)
    before = password_state(root), password_state(dachuan_staff), AuditEvent.objects.count()
    client = client_as(world.district_admin)

    answers = [client.post(f"/people/users/{u.pk}/password/", {"confirm": "yes", "new_password": ""}).status_code
               for u in (root, dachuan_staff)]

    assert answers == [403, 403]
    assert (password_state(root), password_state(dachuan_staff), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(("role", "target", "status"), [
    ("staff", "district_admin", 404),  # institution staff administer no accounts: they see only their own
    ("learner", "staff", 404),
    ("auditor", "staff", 403),  # sees the accounts, changes none
    ("district_admin", "district_admin", 403),  # one's own is changed, with the current password
])
def test_who_does_not_administer_the_account_cannot_reset_it(world, client_as, role, target, status):
    target = world.user(target)
    before = password_state(target), AuditEvent.objects.count()

    response = client_as(world.user(role)).post(f"/people/users/{target.pk}/password/", {"confirm": "yes", "new_password": ""})

    assert response.status_code == status
    assert (password_state(target), AuditEvent.objects.count()) == before


def test_anonymous_is_sent_to_sign_in_and_nothing_changes(world, client):
    staff = world.staff
    before = password_state(staff), AuditEvent.objects.count()

    reset = client.post(f"/people/users/{staff.pk}/password/", {"confirm": "yes", "new_password": ""})
    change = client.post("/people/me/password/", {"current_password": "x", "new_password": NEW})

    assert (reset.status_code, change.status_code) == (302, 302)
    assert reset["Location"].startswith("/login/?next=")
    assert (password_state(staff), AuditEvent.objects.count()) == before


# --- reset, by the API ----------------------------------------------------------------------------------------------

def test_a_city_admin_resets_by_the_api_and_the_temporary_password_works(world, api_as, dachuan_staff):
    response = api_as(world.city_admin).post(f"/api/people/users/{dachuan_staff.pk}/password", {},
                                                content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["must_change_password"], len(body["temporary_password"])) == (
        "dachuan_staff", True, 12)
    assert can_sign_in("dachuan_staff", body["temporary_password"])


def test_a_reset_revokes_the_holders_api_tokens_and_audits_how_many(world, api_as, dachuan_staff):
    _, stolen = api_token_create(actor=dachuan_staff, name="made by whoever had the password")
    thief = Client(headers={"Authorization": f"Bearer {stolen}"})
    assert thief.get("/api/people/tokens").status_code == 200

    response = api_as(world.city_admin).post(f"/api/people/users/{dachuan_staff.pk}/password", {},
                                                content_type="application/json")

    assert response.status_code == 200
    assert thief.get("/api/people/tokens").status_code == 401
    assert not dachuan_staff.api_tokens.filter(revoked_at__isnull=True).exists()
    assert audit_rows("user.password.reset")[-1][2]["tokens_revoked"] == 1


def test_the_api_refuses_a_weak_password_and_an_out_of_scope_target(world, api_as, dachuan_staff):
    admin = api_as(world.district_admin)

    before = password_state(dachuan_staff), password_state(world.staff), AuditEvent.objects.count()
    weak = admin.post(f"/api/people/users/{world.staff.pk}/password", {"new_password": "password"},
                      content_type="application/json")
    beyond = admin.post(f"/api/people/users/{dachuan_staff.pk}/password", {}, content_type="application/json")
    anonymous = Client().post(f"/api/people/users/{world.staff.pk}/password", {}, content_type="application/json")

    assert (weak.status_code, weak.json()["errors"]) == (400, {"new_password": ["这个密码太常见了。"]})
    assert (beyond.status_code, beyond.json()["code"]) == (404, "not_found")
    assert anonymous.status_code == 401
    assert (password_state(dachuan_staff), password_state(world.staff), AuditEvent.objects.count()) == before


# --- the forced change after a reset --------------------------------------------------------------------------------

def test_after_a_reset_the_pages_lead_to_the_password_change_until_it_is_done(world, client_as):
    staff = world.staff
    client_as(world.district_admin).post(f"/people/users/{staff.pk}/password/", {"confirm": "yes", "new_password": NEW})
    client = Client()
    client.post("/login/", {"username": staff.username, "password": NEW})

    led = client.get("/learn/manage/")
    form = client.get(led["Location"])
    done = client.post(led["Location"], {"current_password": NEW, "new_password": "yet-another-passphrase-3",
                                         "next": "/learn/manage/"})

    assert (led.status_code, led["Location"]) == (302, "/people/me/password/?next=%2Flearn%2Fmanage%2F")
    assert form.status_code == 200 and 'data-testid="must-change"' in form.content.decode()
    assert (done.status_code, done["Location"]) == (302, "/learn/manage/")
    assert client.get("/learn/manage/").status_code == 200
    assert password_state(staff)[1] is False


# --- change, one's own ----------------------------------------------------------------------------------------------

def test_a_signed_in_user_changes_their_password_and_stays_signed_in(world, client_as):
    learner = world.learner
    client = client_as(learner)

    response = client.post("/people/me/password/", {"current_password": known_password(), "new_password": NEW})

    assert (response.status_code, response["Location"]) == (302, "/people/me/")
    assert client.get("/people/me/").status_code == 200
    assert can_sign_in(learner.username, NEW) and not can_sign_in(learner.username, known_password())
    assert audit_rows("user.password.change") == [(learner.username, str(learner.pk), {"username": learner.username})]


def test_other_sessions_end_when_the_password_changes(world):
    learner = world.learner
    elsewhere, here = Client(), Client()
    elsewhere.force_login(learner)
    here.force_login(learner)

    here.post("/people/me/password/", {"current_password": known_password(), "new_password": NEW})

    assert elsewhere.get("/people/me/").status_code == 302
    assert here.get("/people/me/").status_code == 200


@pytest.mark.parametrize(("current", "new", "errors"), [
    ("not-my-password", NEW, {"current_password": ["当前密码不正确"]}),
    ("", NEW, {"current_password": ["请输入当前密码"]}),
    (None, "", {"new_password": ["请输入新密码"]}),
    (None, "12345678", {"new_password": ["这个密码太常见了。", "密码只包含数字。"]}),
    (None, "{username}2024", {"new_password": ["密码跟 用户名 太相似了。"]}),
    (None, None, {"new_password": ["新密码不能与当前密码相同"]}),
])
def test_a_change_is_refused_with_what_is_wrong(world, client_as, current, new, errors):
    learner = world.learner
    current = known_password() if current is None else current
    new = known_password() if new is None else new.format(username=learner.username)
    before = password_state(learner)
    audit_before = AuditEvent.objects.exclude(action="signin.failed").count()

    response = client_as(learner).post("/people/me/password/", {"current_password": current, "new_password": new})

    assert response.status_code == 400
    assert response.context["errors"] == errors
    assert password_state(learner) == before
    assert AuditEvent.objects.exclude(action="signin.failed").count() == audit_before
    assert len(audit_rows("signin.failed")) == (1 if current == "not-my-password" else 0)


def test_a_refused_change_says_what_is_wrong_in_english_on_request(world, client_as):
    client = client_as(world.learner)
    client.cookies["django_language"] = "en"
    before = password_state(world.learner)

    wrong = client.post("/people/me/password/", {"current_password": "not-my-password", "new_password": NEW})
    same = client.post("/people/me/password/", {"current_password": known_password(), "new_password": known_password()})
    empty = client.post("/people/me/password/", {"current_password": "", "new_password": ""})

    assert wrong.context["errors"] == {"current_password": ["The current password is not correct"]}
    assert same.context["errors"] == {"new_password": ["The new password must differ from the current one"]}
    assert empty.context["errors"] == {"current_password": ["Enter your current password"],
                                       "new_password": ["Enter a new password"]}
    assert password_state(world.learner) == before


def test_wrong_current_passwords_lock_the_change_out_like_a_sign_in(world, client_as):
    learner = world.learner
    client = client_as(learner)
    before = password_state(learner)

    answers = [client.post("/people/me/password/", {"current_password": "wrong-guess", "new_password": NEW},
                           REMOTE_ADDR="10.2.2.2").status_code for _ in range(5)]
    right = client.post("/people/me/password/", {"current_password": known_password(), "new_password": NEW},
                        REMOTE_ADDR="10.2.2.2")

    assert answers == [400] * 4 + [429]
    assert right.status_code == 429 and "请在" in right.content.decode()
    assert 899 <= int(right["Retry-After"]) <= 900
    assert password_state(learner) == before
    assert [d["path"] for _, _, d in audit_rows("signin.locked")] == ["/people/me/password/"]


def test_the_api_changes_ones_own_password_with_a_token(world):
    staff = world.staff
    _, token = api_token_create(actor=staff, name="mine")
    client = Client(headers={"Authorization": f"Bearer {token}"})

    wrong = client.post("/api/people/me/password", {"current_password": "nope", "new_password": NEW},
                        content_type="application/json")
    right = client.post("/api/people/me/password", {"current_password": known_password(), "new_password": NEW},
                        content_type="application/json")

    assert (wrong.status_code, wrong.json()["errors"]) == (400, {"current_password": ["当前密码不正确"]})
    assert (right.status_code, right.json()) == (200, {"username": staff.username, "must_change_password": False,
                                                       "temporary_password": None})
    assert can_sign_in(staff.username, NEW)
    assert Client().post("/api/people/me/password", {"current_password": NEW, "new_password": "x" * 20},
                         content_type="application/json").status_code == 401
