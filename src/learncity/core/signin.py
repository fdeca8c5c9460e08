"""Sign-in throttling, on django-axes: who is locked out, until when, and the audit rows of failures and lock-outs.

Every way in is counted by axes in its own tables (`axes.AccessAttempt`), per account+address, per address and per
account (settings.AXES_LOCKOUT_PARAMETERS, in that order):

- passwords: /login/, the Django admin's sign-in and the current-password check of a password change all go
  through `django.contrib.auth.authenticate(request, …)`, whose first backend is `SigninBackend` (axes' own);
- API tokens: `token_signin` asks axes whether the address may still try, and reports a failed personal token
  (`lc_…`) or provider key (`lcp_…`) to axes as a failed sign-in of the pseudo-account PERSONAL_TOKEN or
  PROVIDER_KEY (names no user can have: USERNAME_RE forbids `<` and `>`).

LEARNCITY_SIGNIN_FAILURES failures of an account from an address lock that account from that address only, so a
guesser elsewhere cannot lock its owner out; LEARNCITY_SIGNIN_ADDRESS_FAILURES failures from one address, of any
accounts, lock the address. A lock lasts LEARNCITY_SIGNIN_COOLOFF_MINUTES after the last failure that counts.
LEARNCITY_SIGNIN_ACCOUNT_FAILURES failures of one account within LEARNCITY_SIGNIN_ACCOUNT_COOLOFF_MINUTES, from any
addresses, lock the account everywhere for what is left of that shorter window: a guesser who keeps changing address
is held to that rate. The trade-off: such a guesser can keep the account's owner out as long as they keep guessing
(hence the shorter window); the pseudo-accounts of tokens and keys have no such limit, or anyone could stop every
token. An address is the client's as `client_address` finds it; an IPv6 address counts as its /64 (one household or
server is given a whole /64, so each of its addresses would otherwise be a fresh counter).
"""

import datetime
import ipaddress
import math
import re

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError

PERSONAL_TOKEN = "<personal-token>"
PROVIDER_KEY = "<provider-key>"
TOKEN_ACCOUNTS = {PERSONAL_TOKEN: "personal_token", PROVIDER_KEY: "provider_key"}


def signin_locked_message(until: datetime.datetime) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return _("登录失败次数过多，已暂时锁定。请在 %(time)s 之后再试（约 %(minutes)s 分钟后）；锁定期间的每次尝试都会重新计时。") % {
        "time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"), "minutes": minutes}


class SigninLocked(DomainError):
    """Too many failed sign-ins from here: refused until `until` (`retry_after` seconds from now)."""

    status = 429

    def __init__(self, until: datetime.datetime | None = None):
        self.until = until or timezone.now() + get_cool_off()
        self.retry_after = max(1, math.ceil((self.until - timezone.now()).total_seconds()))
        super().__init__(signin_locked_message(self.until), code="signin_locked")


class SigninBackend(AxesStandaloneBackend):
    """axes' backend: refuses a locked account+address before any password is checked. A call without a request is
    the server's own (a management command, the test client's `login()`): there is no address to throttle."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SigninAttempts(AxesDatabaseHandler):
    """axes' database handler with three limits instead of one, and the audit trail.

    axes compares one count with one limit (AXES_FAILURE_LIMIT, the account+address one) and has one cool-off; the
    address's and the account's counts are scaled to that limit, so that reaching LEARNCITY_SIGNIN_ADDRESS_FAILURES
    (or LEARNCITY_SIGNIN_ACCOUNT_FAILURES) reads as reaching AXES_FAILURE_LIMIT, and the account's count is of its own
    shorter window only."""

    LOCKS = ("account_address", "address", "account")

    def _counted(self, request, credentials) -> list[tuple[str, list[tuple[datetime.datetime, int]], int,
                                                            datetime.timedelta]]:
        """For each lock, in the order of AXES_LOCKOUT_PARAMETERS: its name, the failures that count towards it (when
        the last of a batch was, how many; the newest first), its limit and how long a failure counts. The account's
        own lock is only for an account a person can have, and counts at most AXES_FAILURE_LIMIT failures from each
        address: more from one address were refused unchecked (that address was locked out of the account), and one
        address must not lock an account everywhere by trying on while it is locked."""
        cool_off = get_cool_off(request)
        per_address = settings.AXES_FAILURE_LIMIT
        account_window = min(cool_off, datetime.timedelta(minutes=settings.LEARNCITY_SIGNIN_ACCOUNT_COOLOFF_MINUTES))
        username = get_client_username(request, credentials)
        counted = []
        for lock, attempts in zip(self.LOCKS, self.get_user_attempts(request, credentials), strict=True):
            if lock == "account":
                if not username or username in TOKEN_ACCOUNTS:
                    continue
                since = (request.axes_attempt_time or timezone.now()) - account_window
                by_address = (attempts.filter(attempt_time__gte=since).values("ip_address")
                              .annotate(last=Max("attempt_time"), n=Sum("failures_since_start")).order_by("-last"))
                failures = [(row["last"], min(row["n"], per_address)) for row in by_address]
                counted.append((lock, failures, settings.LEARNCITY_SIGNIN_ACCOUNT_FAILURES, account_window))
            else:
                failures = list(attempts.order_by("-attempt_time").values_list("attempt_time", "failures_since_start"))
                limit = per_address if lock == "account_address" else settings.LEARNCITY_SIGNIN_ADDRESS_FAILURES
                counted.append((lock, failures, limit, cool_off))
        return counted

    def _counts(self, request, credentials) -> list[tuple[str, int, int]]:
        return [(lock, sum(n for _at, n in failures), limit)
                for lock, failures, limit, _window in self._counted(request, credentials)]

    def get_failures(self, request, credentials=None) -> int:
        scale = settings.AXES_FAILURE_LIMIT
        return max(count * scale // limit for _lock, count, limit in self._counts(request, credentials))

    def locked_until(self, request, credentials=None) -> datetime.datetime | None:
        """When the lock on this account+address (or address, or account) lifts, if it is locked: the failures that
        count are those of the last window, so the lock holds until the oldest of the most recent `limit` failures
        leaves that window."""
        until = None
        for _lock, failures, limit, window in self._counted(request, credentials):
            seen = 0
            for at, n in failures:
                seen += n
                if seen >= limit:
                    until = at + window if until is None else max(until, at + window)
                    break
        return until

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        limit = settings.AXES_FAILURE_LIMIT
        before = self.get_failures(request, credentials)
        super().user_login_failed(sender, credentials, request, **kwargs)
        after = request.axes_failures_since_start or 0
        username = get_client_username(request, credentials)
        kind = TOKEN_ACCOUNTS.get(username)
        detail = {"address": client_ip(request), "path": request.axes_path_info}
        detail.update({"credential": kind} if kind else {"username": username})
        target = {"object_type": "people.user", "object_id": _user_id(username)} if not kind else {
            "object_type": "axes.accessattempt"}
        if before < limit <= after:
            until = self.locked_until(request, credentials)
            lock, failures, _limit = next(c for c in self._counts(request, credentials) if c[1] >= c[2])
            audit_record(actor=None, action="signin.locked", **target, **detail, lock=lock, failures=failures,
                         until=until.isoformat() if until else None)
        elif before < limit and not kind:
            # A failed password (a token's failures are counted by axes alone: a wrong token writes nothing here).
            audit_record(actor=None, action="signin.failed", **target, **detail)


def _user_id(username) -> str:
    from django.contrib.auth import get_user_model

    if not username:
        return ""
    pk = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    return str(pk or "")


def client_ip(request) -> str | None:
    """The client's address as it was written: the connection's, or behind LEARNCITY_PROXY_COUNT proxies the one the
    outermost proxy saw (the proxies append to X-Forwarded-For; anything left of that entry the client may have
    written, so it is never read). What the audit trail shows."""
    hops = settings.LEARNCITY_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


_WITH_PORT = re.compile(r"^\[(?P<v6>[^\]]+)\](?::\d+)?$|^(?P<v4>\d{1,3}(?:\.\d{1,3}){3}):\d+$")


def address_key(address: str | None) -> str | None:
    """What throttling counts an address as: an IPv4 address as it is, an IPv6 address as its /64 network (its
    first address: `2001:db8:1:2::`), an IPv4-mapped IPv6 address as its IPv4 one; a port a proxy wrote is dropped.
    None for what is no address (axes then counts it with every other request that had none)."""
    text = (address or "").strip()
    if (match := _WITH_PORT.match(text)) is not None:
        text = match["v6"] or match["v4"]
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address)
    return str(ip)


def client_address(request) -> str | None:
    """The address sign-in throttling keys on (AXES_CLIENT_IP_CALLABLE): `client_ip`, by `address_key`."""
    return address_key(client_ip(request))


def signin_locked_until(request, credentials=None) -> datetime.datetime | None:
    AxesProxyHandler.update_request(request)
    return AxesProxyHandler.get_implementation().locked_until(request, credentials)


def _probe(request) -> HttpRequest:
    """What axes reads of an API request (its address, agent, path), without its body: reading `request.POST` of an
    upload would parse it before the route chose how to stream it."""
    probe = HttpRequest()
    probe.method, probe.path, probe.path_info = request.method, request.path, request.path_info
    probe.META, probe.GET = request.META, request.GET
    return probe


def token_signin(request, token: str, authenticate, *, account: str):
    """`authenticate(token)` for an API request, throttled: from a locked address it is not even tried (SigninLocked,
    429, and the wait does not grow, so a provider's system retrying a good key gets in once the lock lifts); a token
    that authenticates nothing is counted, and the failure that reaches the limit is answered 429 too."""
    probe = _probe(request)
    credentials = get_credentials(account)
    if not AxesProxyHandler.is_allowed(probe, credentials):
        raise SigninLocked(signin_locked_until(probe, credentials))
    found = authenticate(token)
    if found is None:
        user_login_failed.send(sender=__name__, credentials=credentials, request=probe)
        if probe.axes_locked_out:
            raise SigninLocked(signin_locked_until(probe, credentials))
    return found


def signin_attempts_reset(*, username: str) -> int:
    """Forget the failed sign-ins of an account (every address): after an administrator reset its password."""
    return AxesProxyHandler.reset_attempts(username=username)
