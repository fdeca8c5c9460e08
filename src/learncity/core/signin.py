"""Sign-in throttling, on django-axes: who is locked out, until when, and the audit rows of failures and lock-outs.

Every way in is counted by axes in its own tables (`axes.AccessAttempt`), per account+address and per address
(settings.AXES_LOCKOUT_PARAMETERS, in that order):

- passwords: /login/, the Django admin's sign-in and the current-password check of a password change all go
  through `django.contrib.auth.authenticate(request, …)`, whose first backend is `SigninBackend` (axes' own);
- API tokens: `token_signin` asks axes whether the address may still try, and reports a failed personal token
  (`lc_…`) or provider key (`lcp_…`) to axes as a failed sign-in of the pseudo-account PERSONAL_TOKEN or
  PROVIDER_KEY (names no user can have: USERNAME_RE forbids `<` and `>`).

LEARNCITY_SIGNIN_FAILURES failures of an account from an address lock that account from that address only, so a
guesser elsewhere cannot lock its owner out; LEARNCITY_SIGNIN_ADDRESS_FAILURES failures from one address, of any
accounts, lock the address. A lock lasts LEARNCITY_SIGNIN_COOLOFF_MINUTES after the last failure that counts.
"""

import datetime
import math

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
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
    """axes' database handler with two limits instead of one, and the audit trail.

    axes compares one count with one limit (AXES_FAILURE_LIMIT, the account+address one); the address's count is
    scaled to it, so that reaching LEARNCITY_SIGNIN_ADDRESS_FAILURES reads as reaching AXES_FAILURE_LIMIT."""

    def _counts(self, request, credentials) -> tuple[int, int]:
        account, address = (qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
                            for qs in self.get_user_attempts(request, credentials))
        return account, address

    def get_failures(self, request, credentials=None) -> int:
        account, address = self._counts(request, credentials)
        limit = settings.AXES_FAILURE_LIMIT
        return max(account, address * limit // settings.LEARNCITY_SIGNIN_ADDRESS_FAILURES)

    def locked_until(self, request, credentials=None) -> datetime.datetime | None:
        """When the lock on this account+address (or address) lifts, if it is locked: the failures that count are
        those of the last cool-off, so the lock holds until the oldest of the most recent `limit` failures leaves
        that window."""
        cool_off = get_cool_off(request)
        limits = (settings.AXES_FAILURE_LIMIT, settings.LEARNCITY_SIGNIN_ADDRESS_FAILURES)
        until = None
        for qs, limit in zip(self.get_user_attempts(request, credentials), limits, strict=True):
            seen = 0
            for at, failures in qs.order_by("-attempt_time").values_list("attempt_time", "failures_since_start"):
                seen += failures
                if seen >= limit:
                    until = at + cool_off if until is None else max(until, at + cool_off)
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
        detail = {"address": request.axes_ip_address, "path": request.axes_path_info}
        detail.update({"credential": kind} if kind else {"username": username})
        target = {"object_type": "people.user", "object_id": _user_id(username)} if not kind else {
            "object_type": "axes.accessattempt"}
        if before < limit <= after:
            until = self.locked_until(request, credentials)
            audit_record(actor=None, action="signin.locked", **target, **detail, failures=after,
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


def client_address(request) -> str | None:
    """The client's address: the connection's, or behind LEARNCITY_PROXY_COUNT proxies the one the outermost proxy
    saw (the proxies append to X-Forwarded-For; anything left of that entry the client may have written)."""
    hops = settings.LEARNCITY_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


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
