"""Sign-in throttling (issue 14): password guessing on /login/, on the Django admin and with API tokens and provider
keys is locked out after LEARNCITY_SIGNIN_FAILURES failures of an account from one address, for
LEARNCITY_SIGNIN_COOLOFF_MINUTES after the last one; the lock says until when, and it is in the audit trail."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.db.models import F, Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learncity.core.models import AuditEvent
from learncity.intake import keys as intake_keys
from learncity.people.services import api_token_create, user_create
from tests.network.factories import institution_make
from tests.people.factories import account_make, learner_make
from tests.people.factories import root as root_make
from tests.places.factories import TONGCHUAN, street_of

PASSWORD = "a-long-passphrase-9"
WRONG = "not-the-password"
COOL_OFF = datetime.timedelta(minutes=15)


@pytest.fixture
def person(db):
    return user_create(actor=None, username="guessed", password=PASSWORD)


@pytest.fixture
def superuser(db):
    user = user_create(actor=None, username="root_guessed", password=PASSWORD)
    user.is_superuser = user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    return user


def sign_in(client, username, password, *, address="10.0.0.1", url="/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def lock_ends(**attempts) -> datetime.datetime:
    return AccessAttempt.objects.filter(**attempts).aggregate(last=Max("attempt_time"))["last"] + COOL_OFF


def locked_text(until: datetime.datetime) -> str:
    return f"请在 {timezone.localtime(until):%Y-%m-%d %H:%M} 之后再试"


def age_attempts(by: datetime.timedelta) -> None:
    """As if `by` had passed since every failed attempt (axes keeps them in its own table)."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def audit(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("id").values_list("object_id", "detail"))


# --- /login/ --------------------------------------------------------------------------------------------------------

def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_sign_in_page(person):
    client = Client()
    answers = [sign_in(client, "guessed", WRONG).status_code for _ in range(30)]

    response = sign_in(client, "guessed", PASSWORD)

    assert answers == [200] * 4 + [429] * 26
    assert response.status_code == 429
    assert signed_in_as(client) is None
    until = lock_ends(username="guessed")
    page = response.content.decode()
    assert 'data-testid="signin-locked"' in page and locked_text(until) in page
    assert '<input id="id_username" name="username" autocomplete="username" required value="guessed">' in page
    assert 899 <= int(response["Retry-After"]) <= 900
    assert AccessAttempt.objects.get(username="guessed").failures_since_start == 31


def test_each_failed_sign_in_and_the_lock_out_are_audited(person):
    client = Client()
    for _ in range(7):
        sign_in(client, "guessed", WRONG)

    failed, locked = audit("signin.failed"), audit("signin.locked")

    assert failed == [(str(person.pk), {"username": "guessed", "address": "10.0.0.1", "path": "/login/"})] * 4
    assert len(locked) == 1
    object_id, detail = locked[0]
    assert object_id == str(person.pk)
    assert detail == {"username": "guessed", "address": "10.0.0.1", "path": "/login/", "lock": "account_address",
                      "failures": 5, "until": detail["until"]}
    # the lock as it was when the fifth failure made it (the two after it moved it on)
    assert datetime.datetime.fromisoformat(detail["until"]) < lock_ends(username="guessed")


def test_a_wrong_password_of_nobody_is_audited_too(db):
    sign_in(Client(), "nobody-here", WRONG)

    assert audit("signin.failed") == [("", {"username": "nobody-here", "address": "10.0.0.1", "path": "/login/"})]


def test_the_lock_lifts_after_the_cool_off_and_every_attempt_meanwhile_restarts_it(person):
    client = Client()
    for _ in range(5):
        sign_in(client, "guessed", WRONG)

    age_attempts(COOL_OFF - datetime.timedelta(minutes=1))
    still = sign_in(client, "guessed", PASSWORD)  # 14 minutes on: locked, and the wait starts again
    age_attempts(COOL_OFF - datetime.timedelta(seconds=5))
    again = sign_in(client, "guessed", PASSWORD)  # 29 minutes after the failures, but not 15 after the last try
    age_attempts(COOL_OFF + datetime.timedelta(seconds=1))
    after = sign_in(client, "guessed", PASSWORD)

    assert (still.status_code, again.status_code) == (429, 429)
    assert after.status_code == 302
    assert signed_in_as(client) == str(person.pk)


def test_a_lock_is_of_the_account_from_that_address_not_of_the_account_everywhere(person, users):
    from learncity.people.services import user_create

    other = user_create(actor=None, username="bystander", password=PASSWORD)
    for _ in range(30):
        sign_in(Client(), "guessed", WRONG, address="10.0.0.1")

    owner_elsewhere, other_elsewhere, other_there = Client(), Client(), Client()
    responses = [sign_in(owner_elsewhere, "guessed", PASSWORD, address="10.0.0.2").status_code,
                 sign_in(other_elsewhere, "bystander", PASSWORD, address="10.0.0.2").status_code,
                 sign_in(other_there, "bystander", PASSWORD, address="10.0.0.1").status_code]

    assert responses == [302, 302, 302]
    assert [signed_in_as(c) for c in (owner_elsewhere, other_elsewhere, other_there)] == [
        str(person.pk), str(other.pk), str(other.pk)]
    assert sign_in(Client(), "guessed", PASSWORD, address="10.0.0.1").status_code == 429


def test_failures_of_many_accounts_from_one_address_lock_the_address(person, settings):
    settings.LEARNCITY_SIGNIN_ADDRESS_FAILURES = 12
    for n in range(12):
        sign_in(Client(), f"sprayed{n % 4}", WRONG, address="10.0.0.9")  # three failures of each of four names

    there, elsewhere = Client(), Client()

    assert sign_in(there, "guessed", PASSWORD, address="10.0.0.9").status_code == 429
    assert sign_in(elsewhere, "guessed", PASSWORD, address="10.0.0.3").status_code == 302
    assert (signed_in_as(there), signed_in_as(elsewhere)) == (None, str(person.pk))
    assert [(d["username"], d["lock"], d["failures"]) for _, d in audit("signin.locked")] == [
        ("sprayed3", "address", 12)]


def test_the_lock_message_is_in_english_on_request(person):
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    for _ in range(5):
        response = sign_in(client, "guessed", WRONG)

    until = timezone.localtime(lock_ends(username="guessed"))
    assert response.status_code == 429
    assert f"Try again after {until:%Y-%m-%d %H:%M}" in response.content.decode()


# --- the Django admin ---------------------------------------------------------------------------------------------

def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_admin_sign_in(superuser):
    client = Client()
    url = reverse("admin:login")
    answers = [sign_in(client, "root_guessed", WRONG, url=url).status_code for _ in range(30)]

    response = sign_in(client, "root_guessed", PASSWORD, url=url)

    assert answers == [200] * 4 + [429] * 26
    assert response.status_code == 429
    assert signed_in_as(client) is None
    page = response.content.decode()
    assert 'data-testid="signin-locked"' in page and locked_text(lock_ends(username="root_guessed")) in page
    assert 899 <= int(response["Retry-After"]) <= 900
    assert client.get(reverse("admin:index")).status_code == 302  # still to the sign-in
    assert [d["path"] for _, d in audit("signin.locked")] == [url]


# --- API tokens and provider keys -----------------------------------------------------------------------------------

def api_get(path, token, *, address="10.0.0.1"):
    return Client().get(path, headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=address)


def test_thirty_wrong_tokens_then_the_right_one_are_refused(person):
    _, token = api_token_create(actor=person, name="mine")
    wrong = token[:-4] + "XXXX"
    answers = [api_get("/api/me", wrong).status_code for _ in range(30)]

    response = api_get("/api/me", token)

    assert answers == [401] * 4 + [429] * 26
    assert response.status_code == 429
    body = response.json()
    until = lock_ends(username="<personal-token>")
    assert body["code"] == "signin_locked" and locked_text(until) in body["detail"]
    assert body["errors"] == {"__all__": [body["detail"]]}
    assert datetime.datetime.fromisoformat(body["locked_until"]) == until
    assert int(response["Retry-After"]) == body["retry_after"] and 899 <= body["retry_after"] <= 900
    # a refused try while locked does not move the lock on (the fifth failure set it)
    assert AccessAttempt.objects.get(username="<personal-token>").failures_since_start == 5
    assert audit("signin.failed") == []
    assert [(d["credential"], d["address"], d["failures"]) for _, d in audit("signin.locked")] == [
        ("personal_token", "10.0.0.1", 5)]
    assert api_get("/api/me", token, address="10.0.0.2").json()["username"] == "guessed"


def test_thirty_wrong_provider_keys_then_the_right_one_are_refused(db):
    root = root_make()
    institution = institution_make(root, street_of(TONGCHUAN))
    staff = account_make("institution_staff", actor=root, institution=institution)
    _, key = intake_keys.provider_key_create(actor=staff, institution_code=institution.code, name="system")
    wrong = key[:-4] + "XXXX"
    answers = [api_get("/api/intake/jobs", wrong).status_code for _ in range(30)]

    response = api_get("/api/intake/jobs", key)

    assert answers == [401] * 4 + [429] * 26
    assert response.status_code == 429
    assert response.json()["code"] == "signin_locked"
    assert 899 <= int(response["Retry-After"]) <= 900
    assert [(d["credential"], d["path"]) for _, d in audit("signin.locked")] == [("provider_key", "/api/intake/jobs")]
    assert api_get("/api/intake/jobs", key, address="10.0.0.2").status_code == 200


def test_a_token_lock_lifts_after_the_cool_off(person):
    _, token = api_token_create(actor=person, name="mine")
    for _ in range(5):
        api_get("/api/me", "lc_nothing_here")

    age_attempts(COOL_OFF - datetime.timedelta(seconds=5))
    still = api_get("/api/me", token)
    age_attempts(datetime.timedelta(seconds=6))
    after = api_get("/api/me", token)

    assert (still.status_code, after.status_code) == (429, 200)
    assert after.json()["username"] == "guessed"


def test_signing_in_with_the_test_client_and_force_login_still_work(person):
    client = Client()
    assert client.login(username="guessed", password=PASSWORD)
    other = Client()
    other.force_login(learner_make(street_of(TONGCHUAN)).user)
    assert other.get("/people/me/").status_code == 200
