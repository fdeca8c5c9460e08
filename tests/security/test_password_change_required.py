"""Passwords (issue 14, item 4, after review): after an administrator's reset the session leads only to the password
change, on the API too (a session call answers 403 `password_change_required`, but for the change itself); no API
token is made until the password is changed; the Django admin's own password change, which checked the current
password unthrottled, leads to ours; and the reset's permission is decided on the account's row as it is when
locked, not on the object the caller handed in."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from learncity.core.errors import PermissionDenied
from learncity.core.models import AuditEvent
from learncity.people.models import ApiToken, User
from learncity.people.services import api_token_create, password_reset

TEMPORARY = "a-temporary-passphrase-4"
OWN = "my-own-new-passphrase-8"
CURRENT = "the-current-passphrase-5"
REFUSAL = "管理员重置了您的密码，请先修改密码（POST /api/people/me/password）再使用接口。"


def password_state(user):
    return User.objects.filter(pk=user.pk).values_list("password", "must_change_password").get()


@pytest.fixture
def reset_staff(world):
    """The staff member of the tests' own city (tests/portal/world.py), just reset by their district's
    administrator and signed in with the password given."""
    staff = world.staff
    password_reset(actor=world.district_admin, user=staff, new_password=TEMPORARY)
    client = Client()
    client.post("/login/", {"username": staff.username, "password": TEMPORARY}, REMOTE_ADDR="10.4.4.4")
    assert client.session["_auth_user_id"] == str(staff.pk)
    return staff, client


# --- the API with the session ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/api/me", None),
    ("post", "/api/people/tokens", {"name": "a way around", "days": 30}),
    ("get", "/api/people/tokens", None),
    ("get", "/api/catalog/courses", None),
])
def test_a_session_that_must_change_its_password_is_refused_by_the_api(reset_staff, method, path, body):
    staff, client = reset_staff
    tokens, audit, state = ApiToken.objects.count(), AuditEvent.objects.count(), password_state(staff)

    response = getattr(client, method)(path, body, content_type="application/json") if body else getattr(
        client, method)(path)

    assert response.status_code == 403
    assert response.json() == {"code": "password_change_required", "detail": REFUSAL, "errors": {"__all__": [REFUSAL]}}
    assert (ApiToken.objects.count(), AuditEvent.objects.count(), password_state(staff)) == (tokens, audit, state)


def test_the_refusal_is_in_english_on_request(reset_staff):
    _, client = reset_staff
    client.cookies["django_language"] = "en"

    body = client.get("/api/me").json()

    assert body["detail"] == ("An administrator reset your password: change it first (POST /api/people/me/password), "
                              "then use the API.")


def test_the_session_may_change_the_password_by_the_api_and_then_use_it(reset_staff):
    staff, client = reset_staff

    changed = client.post("/api/people/me/password", {"current_password": TEMPORARY, "new_password": OWN},
                          content_type="application/json")
    after = client.get("/api/me")

    assert (changed.status_code, changed.json()) == (200, {"username": staff.username, "must_change_password": False,
                                                           "temporary_password": None})
    assert (after.status_code, after.json()["username"]) == (200, staff.username)
    assert password_state(staff)[1] is False


def test_signing_out_is_still_allowed(reset_staff):
    _, client = reset_staff

    response = client.post("/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_bearer_request_is_not_the_sessions(reset_staff):
    # a request with a token is answered as the token's: here an unknown one, 401, not the session's 403
    _, client = reset_staff

    response = client.get("/api/me", headers={"Authorization": "Bearer lc_nothing_here"})

    assert response.status_code == 401


# --- no token while the password must change ----------------------------------------------------------------------

def test_no_token_is_made_while_the_password_must_change(reset_staff):
    staff, _ = reset_staff
    tokens, audit = ApiToken.objects.count(), AuditEvent.objects.count()

    with pytest.raises(PermissionDenied) as refused:
        api_token_create(actor=staff, name="a way around")

    assert refused.value.message == ("请先修改管理员为您重置的密码，再创建 API 令牌 "
                                     "(change the password an administrator reset before creating an API token)")
    assert (ApiToken.objects.count(), AuditEvent.objects.count()) == (tokens, audit)


def test_the_token_page_leads_to_the_password_change_and_makes_no_token(reset_staff):
    _, client = reset_staff
    tokens = ApiToken.objects.count()

    response = client.post("/people/me/tokens/", {"name": "a way around"})

    assert (response.status_code, response["Location"]) == (302, "/people/me/password/?next=%2Fpeople%2Fme%2Ftokens%2F")
    assert ApiToken.objects.count() == tokens


def test_once_the_password_is_changed_a_token_may_be_made(reset_staff):
    staff, client = reset_staff
    client.post("/people/me/password/", {"current_password": TEMPORARY, "new_password": OWN})

    row, token = api_token_create(actor=staff, name="now")

    assert (row.user_id, token.startswith("lc_")) == (staff.pk, True)


# --- the Django admin's password change ------------------------------------------------------------------------------

@pytest.fixture
def superuser_signed_in(world):
    root = world.admin
    root.set_password(CURRENT)
    root.save(update_fields=["password"])
    client = Client()
    client.post("/django-admin/login/", {"username": root.username, "password": CURRENT}, REMOTE_ADDR="10.5.5.5")
    assert client.session["_auth_user_id"] == str(root.pk)
    return root, client


def test_the_admins_password_change_leads_to_ours_and_checks_nothing_itself(superuser_signed_in):
    root, client = superuser_signed_in
    before = password_state(root)
    admin_form = {"old_password": CURRENT, "new_password1": OWN, "new_password2": OWN}

    shown = client.get("/django-admin/password_change/")
    posted = [client.post("/django-admin/password_change/", {**admin_form, "old_password": f"guess-{n}"},
                          REMOTE_ADDR="10.5.5.5") for n in range(10)]
    right = client.post("/django-admin/password_change/", admin_form, REMOTE_ADDR="10.5.5.5")
    done = client.get("/django-admin/password_change/done/")
    index = client.get("/django-admin/").content.decode()

    ours = "/people/me/password/?next=%2Fdjango-admin%2F"
    assert [(r.status_code, r["Location"]) for r in (shown, *posted, right, done)] == [(302, ours)] * 13
    assert password_state(root) == before
    assert AccessAttempt.objects.count() == 0
    assert 'href="/django-admin/password_change/"' in index  # the admin's link, which leads to ours


def test_guesses_where_the_admins_password_change_leads_are_throttled(superuser_signed_in):
    root, client = superuser_signed_in
    before = password_state(root)
    target = client.get("/django-admin/password_change/")["Location"]

    answers = [client.post(target, {"current_password": f"guess-{n}", "new_password": OWN},
                           REMOTE_ADDR="10.5.5.5").status_code for n in range(5)]
    right = client.post(target, {"current_password": CURRENT, "new_password": OWN}, REMOTE_ADDR="10.5.5.5")

    assert answers == [400] * 4 + [429]
    assert right.status_code == 429
    assert password_state(root) == before
    assert list(AuditEvent.objects.filter(action="signin.locked").values_list("detail__path", "detail__lock")) == [
        ("/people/me/password/", "account_address")]


# --- the reset decides on the locked row ----------------------------------------------------------------------------

def test_a_reset_refuses_an_account_made_superuser_after_it_was_read(world):
    staff = User.objects.get(username=world.staff.username)  # as the caller read it
    User.objects.filter(pk=staff.pk).update(is_superuser=True, is_staff=True)  # meanwhile
    api_token_create(actor=world.staff, name="theirs")
    before, audit = password_state(staff), AuditEvent.objects.count()

    with pytest.raises(PermissionDenied):
        password_reset(actor=world.district_admin, user=staff, new_password=TEMPORARY)

    assert password_state(staff) == before
    assert AuditEvent.objects.count() == audit
    assert ApiToken.objects.filter(user=staff, revoked_at__isnull=True).count() == 1
