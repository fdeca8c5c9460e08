"""Sign-in throttling (issue 14, item 4, after review): which address a request is counted as (the connection's, or
the one the outermost of LEARNCITY_PROXY_COUNT proxies saw; an IPv6 address as its /64), and the limit per account
whatever the addresses (LEARNCITY_SIGNIN_ACCOUNT_FAILURES failures within LEARNCITY_SIGNIN_ACCOUNT_COOLOFF_MINUTES
lock the account everywhere, counting at most LEARNCITY_SIGNIN_FAILURES from each address)."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client, RequestFactory
from django.utils import timezone

from learncity.core.models import AuditEvent
from learncity.core.signin import client_address
from learncity.people.services import api_token_create, user_create

PASSWORD = "a-long-passphrase-9"
WRONG = "not-the-password"
ACCOUNT_WINDOW = datetime.timedelta(minutes=5)


@pytest.fixture
def person(db):
    return user_create(actor=None, username="guessed", password=PASSWORD)


def sign_in(username, password, *, address, forwarded=None):
    client = Client()
    extra = {"REMOTE_ADDR": address} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
    response = client.post("/login/", {"username": username, "password": password}, **extra)
    return response.status_code, client.session.get("_auth_user_id")


def counted_addresses() -> list[str]:
    return sorted(set(AccessAttempt.objects.values_list("ip_address", flat=True)))


def locks():
    return [(d["username"], d["lock"], d["address"], d["failures"])
            for d in AuditEvent.objects.filter(action="signin.locked").order_by("id").values_list("detail", flat=True)]


# --- which address ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("proxies", "remote", "forwarded", "counted"), [
    (0, "10.0.0.1", None, "10.0.0.1"),
    (0, "10.0.0.1", "6.6.6.6", "10.0.0.1"),  # no proxy: whatever the client wrote is ignored
    (1, "10.9.9.9", "203.0.113.5", "203.0.113.5"),
    (1, "10.9.9.9", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the proxy appended the last; the rest is the client's
    (2, "10.9.9.9", "6.6.6.6, 203.0.113.5, 10.8.8.8", "203.0.113.5"),
    (1, "10.9.9.9", None, "10.9.9.9"),  # not through the proxy: the connection's
    (2, "10.9.9.9", "203.0.113.5", "10.9.9.9"),  # fewer hops than proxies: the connection's
    (1, "10.9.9.9", "198.51.100.4:8080", "198.51.100.4"),  # a port the proxy wrote
    (1, "10.9.9.9", "[2001:db8:1:2:aaaa::1]:4711", "2001:db8:1:2::"),
    (0, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", None, "2001:db8:1:2::"),  # an IPv6 address counts as its /64
    (0, "2001:DB8:1:2::1", None, "2001:db8:1:2::"),
    (0, "::ffff:192.0.2.7", None, "192.0.2.7"),  # IPv4 written as IPv6 is the IPv4 address
    (1, "10.9.9.9", "unknown", None),  # no address: counted with the others that had none
])
def test_the_address_a_request_is_counted_as(settings, proxies, remote, forwarded, counted):
    settings.LEARNCITY_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().post("/login/", REMOTE_ADDR=remote, **headers)

    assert client_address(request) == counted


def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_lock(person, settings):
    settings.LEARNCITY_PROXY_COUNT = 0
    answers = [sign_in("guessed", WRONG, address="10.0.0.1", forwarded=f"198.51.100.{n}")[0] for n in range(6)]

    right = sign_in("guessed", PASSWORD, address="10.0.0.1", forwarded="198.51.100.99")

    assert answers == [200] * 4 + [429] * 2
    assert right == (429, None)
    assert counted_addresses() == ["10.0.0.1"]


def test_behind_one_proxy_the_address_it_saw_is_counted_not_what_the_client_wrote(person, settings):
    settings.LEARNCITY_PROXY_COUNT = 1
    answers = [sign_in("guessed", WRONG, address="10.9.9.9", forwarded=f"198.51.100.{n}, 203.0.113.5")[0]
               for n in range(5)]

    locked = sign_in("guessed", PASSWORD, address="10.9.9.9", forwarded="198.51.100.99, 203.0.113.5")
    neighbour = sign_in("guessed", PASSWORD, address="10.9.9.9", forwarded="203.0.113.6")

    assert answers == [200] * 4 + [429]
    assert locked == (429, None)
    assert neighbour == (302, str(person.pk))  # another client behind the same proxy is not the guesser
    assert counted_addresses() == ["203.0.113.5"]
    assert locks() == [("guessed", "account_address", "203.0.113.5", 5)]


def test_addresses_of_one_ipv6_64_share_one_count(person):
    answers = [sign_in("guessed", WRONG, address=f"2001:db8:1:2::{n:x}")[0] for n in range(1, 6)]

    same_network = sign_in("guessed", PASSWORD, address="2001:db8:1:2:ffff:ffff:ffff:ffff")
    next_network = sign_in("guessed", PASSWORD, address="2001:db8:1:3::1")

    assert answers == [200] * 4 + [429]
    assert same_network == (429, None)
    assert next_network[0] == 302
    assert counted_addresses() == ["2001:db8:1:2::"]
    # the audit trail keeps the address as it was
    assert locks() == [("guessed", "account_address", "2001:db8:1:2::5", 5)]


# --- the limit per account, whatever the address -------------------------------------------------------------------

def test_thirty_failures_from_thirty_addresses_lock_the_account_everywhere_for_five_minutes(person):
    other = user_create(actor=None, username="bystander", password=PASSWORD)
    answers = [sign_in("guessed", WRONG, address=f"10.1.{n}.1")[0] for n in range(30)]

    elsewhere = Client()
    refused = elsewhere.post("/login/", {"username": "guessed", "password": PASSWORD}, REMOTE_ADDR="10.200.0.1")
    bystander = sign_in("bystander", PASSWORD, address="10.200.0.2")

    assert answers == [200] * 29 + [429]
    assert refused.status_code == 429 and elsewhere.session.get("_auth_user_id") is None
    # until the oldest of the last thirty failures (the refused try counts as one) is five minutes old
    failures = AccessAttempt.objects.filter(username="guessed").order_by("-attempt_time")
    assert list(failures.values_list("failures_since_start", flat=True)) == [1] * 31
    until = failures.values_list("attempt_time", flat=True)[29] + ACCOUNT_WINDOW
    page = refused.content.decode()
    assert f"请在 {timezone.localtime(until):%Y-%m-%d %H:%M} 之后再试" in page
    retry_after = int(refused["Retry-After"])
    assert retry_after <= 300 and 0 <= retry_after - (until - timezone.now()).total_seconds() < 2
    assert bystander == (302, str(other.pk))
    assert locks() == [("guessed", "account", "10.1.29.1", 30)]

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - ACCOUNT_WINDOW - datetime.timedelta(seconds=1))
    assert sign_in("guessed", PASSWORD, address="10.200.0.3") == (302, str(person.pk))


def test_one_address_trying_on_while_locked_counts_only_its_first_failures_towards_the_account(person):
    # five addresses, each locked out of the account after five failures, trying on thirty times each: 25 count
    for n in range(5):
        for _ in range(30):
            sign_in("guessed", WRONG, address=f"10.2.{n}.1")

    owner = sign_in("guessed", PASSWORD, address="10.200.0.1")
    sixth_address = [sign_in("guessed", WRONG, address="10.2.9.1")[0] for _ in range(5)]
    owner_after = sign_in("guessed", PASSWORD, address="10.200.0.2")

    assert owner == (302, str(person.pk))
    assert sixth_address == [200] * 4 + [429]  # its fifth makes 30: the account's lock and this address's at once
    assert owner_after == (429, None)


def test_failed_tokens_from_many_addresses_do_not_stop_every_token(person):
    _, token = api_token_create(actor=person, name="mine")
    for n in range(40):
        Client().get("/api/me", headers={"Authorization": "Bearer lc_nothing_here"}, REMOTE_ADDR=f"10.3.{n}.1")

    response = Client().get("/api/me", headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR="10.200.0.1")

    assert (response.status_code, response.json()["username"]) == (200, "guessed")
