"""The JSON API: one Ninja instance; each app mounts its router. Session (with CSRF) or bearer-token auth."""

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from learncity.core.api_contract import ContractAPI, declare_error_responses, install_error_handlers
from learncity.core.signin import PERSONAL_TOKEN, SigninLocked, token_signin
from learncity.core.signin_api import SigninLockedOut, signin_locked_response
from learncity.intake.keys import KEY_PREFIX as PROVIDER_KEY_PREFIX
from learncity.people.services import api_token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer lc_…`, a person's token, throttled like a sign-in: failures from one address lock it
    out for a while (429, see `learncity.core.signin`). A provider key (`lcp_…`) is not a person's token: it is
    taken on the intake routes only, by their own auth, and is not counted as a failure here."""

    def authenticate(self, request: HttpRequest, token: str):
        if token.startswith(PROVIDER_KEY_PREFIX):
            return None
        user = token_signin(request, token, api_token_authenticate, account=PERSONAL_TOKEN)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in session, for the pages' own calls; CSRF is checked for unsafe methods.

    A request that carries an Authorization header is a token's (a person's or a provider key's): when the token
    failed, the answer is 401 whatever the method, not this check's 403 "CSRF check failed". A request without a
    signed-in session is not the session's either (401, with nothing to protect from cross-site forgery)."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest):
        if "Authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        if key is None:
            return None
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


api = ContractAPI(
    title="learncity API",
    version="1",
    description="终身学习城市平台接口。Authenticate with a personal API token: `Authorization: Bearer lc_…`.",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


install_error_handlers(api)


@api.exception_handler(SigninLocked)
def signin_locked(request, exc: SigninLocked):
    return signin_locked_response(api, request, exc)


def _mount():
    from learncity.catalog.api import router as catalog_router
    from learncity.catalog.event_api import router as event_router
    from learncity.core.api import router as core_router
    from learncity.creditbank.api import router as creditbank_router
    from learncity.governance.api import router as governance_router
    from learncity.intake.api import ProviderKeyAuth
    from learncity.intake.api import router as intake_router
    from learncity.monitoring.api import router as monitoring_router
    from learncity.network.api import router as network_router
    from learncity.people.api import router as people_router
    from learncity.places.api import router as places_router
    from learncity.pools.api import router as pool_router

    api.add_router("/", core_router)
    api.add_router("/places", places_router)
    api.add_router("/network", network_router)
    api.add_router("/people", people_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/catalog", pool_router)
    api.add_router("/catalog", event_router)
    api.add_router("/credits", creditbank_router)
    api.add_router("/monitoring", monitoring_router)
    api.add_router("/governance", governance_router)
    # An institution's provider key (Bearer lcp_…) is taken here, and only here, besides a person's token or session.
    api.add_router("/intake", intake_router, auth=[ProviderKeyAuth(), *api.auth])


_mount()
# After every router is mounted: each operation's error statuses, as ErrorOut; a route that takes a token or a key
# may also answer a locked-out address (429).
declare_error_responses(api, signed_in={429: SigninLockedOut})
