"""Whole pages for anonymous visitors, and the CSRF token in cached HTML: the web half of the cache (core/cache.py
holds the versions and the fragments the domain uses).

    @public_page(depends=("catalog",))           # an anonymous GET of the whole page
    def course_list(request): ...

What is never cached: signed-in requests (by `public_page`; their non-personal parts go through `fragment`), other
methods than GET/HEAD, poisoned requests (more than MAX_QUERY_PARAMS parameters, a query string or path longer than
MAX_QUERY_LENGTH), responses that are not a plain 200, that set a cookie or change the session, that carry
messages, or whose body is larger than MAX_BODY.

The CSRF token: a cached page is rendered with CSRF_SENTINEL where the token goes (the csrf context processor below
gives it while a page is being rendered for the cache), and each response gets the requester's own token in its place.
"""

from functools import wraps
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from learncity.core.cache import _MISSING, NAMES, PAGE_TIMEOUT, _digest, _get, _request_versions, versions

MAX_QUERY_PARAMS = 20
MAX_QUERY_LENGTH = 1024
MAX_BODY = 2_000_000
CSRF_SENTINEL = "lcCsrfSentinel0000000000000000000000000000000000000000000000000"  # the length of a real token
_SENTINEL_BYTES = CSRF_SENTINEL.encode()
_RENDERING_FOR_CACHE = "_lc_rendering_for_cache"
_HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-Target", "HX-History-Restore-Request")
_STORED_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "Referrer-Policy",
                   "X-Content-Type-Options", "Cross-Origin-Opener-Policy", "Cache-Control", "HX-Push-Url")


class VersionsMiddleware:
    """Each request reads the versions at most once (fragments share them); nothing carries over to the next."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_versions.set({})
        try:
            return self.get_response(request)
        finally:
            _request_versions.reset(token)


# --- keys ----------------------------------------------------------------------------------------------------------
def _status(response, value: str) -> None:
    """X-Cache: hit/miss, only where LEARNCITY_CACHE_STATUS_HEADER is on (tests, a benchmark): to the public it would
    tell whether someone made a given search in the last minutes."""
    if getattr(settings, "LEARNCITY_CACHE_STATUS_HEADER", False):
        response.headers["X-Cache"] = value


def cacheable_query(query_string: str) -> list[tuple[str, str]] | None:
    """The query's parameters in a normal order, or None when the query is too large to be a key (a poisoned
    query string of thousands of parameters or a 100 KB value is answered, but never cached)."""
    if len(query_string) > MAX_QUERY_LENGTH:
        return None
    pairs = parse_qsl(query_string, keep_blank_values=True, max_num_fields=MAX_QUERY_PARAMS + 1) \
        if query_string else []
    if len(pairs) > MAX_QUERY_PARAMS:
        return None
    return sorted(pairs)


def _page_key(request, depends: tuple[str, ...]) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    if len(request.path) > MAX_QUERY_LENGTH:
        return None
    try:
        query = cacheable_query(request.META.get("QUERY_STRING", ""))
    except ValueError:  # more fields than parse_qsl was allowed to read
        return None
    if query is None:
        return None
    messages = getattr(request, "_messages", None)
    if messages is not None and len(messages):  # a pending flash message is for this visitor only
        return None
    parts = ("page", request.path, query, getattr(request, "LANGUAGE_CODE", ""),
             bool(getattr(request, "large_text", False)),
             tuple(request.headers.get(h, "") for h in _HTMX_HEADERS),
             timezone.localdate().isoformat(), sorted(versions(*depends).items()))
    return "lc:page:" + _digest(parts)


# --- pages ---------------------------------------------------------------------------------------------------------
def _with_token(request, response):
    if not response.streaming and _SENTINEL_BYTES in response.content:
        response.content = response.content.replace(_SENTINEL_BYTES, get_token(request).encode())
    return response


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if len(response.content) > MAX_BODY:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    messages = getattr(request, "_messages", None)
    if messages is not None and len(messages):  # a message added (and shown) for this visitor
        return False
    control = response.headers.get("Cache-Control", "")
    return "private" not in control and "no-store" not in control


def public_page(depends: tuple[str, ...] = (), timeout: int = PAGE_TIMEOUT):
    """Cache a view's whole page for anonymous visitors (see the module's docstring for what is not cached)."""
    for name in depends:
        if name not in NAMES:
            raise ValueError(f"unknown cache content {name!r}; known: {', '.join(NAMES)}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            key = _page_key(request, depends)
            if key is None:
                return view(request, *args, **kwargs)
            stored = _get(key)
            if stored is not _MISSING:
                status, content, headers = stored
                response = HttpResponse(content, status=status)
                for name, value in headers:
                    response.headers[name] = value
                _status(response, "hit")
                return _with_token(request, response)
            setattr(request, _RENDERING_FOR_CACHE, True)
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            finally:
                setattr(request, _RENDERING_FOR_CACHE, False)
            if _storable(request, response):
                headers = [(h, response.headers[h]) for h in _STORED_HEADERS if h in response.headers]
                cache.set(key, (response.status_code, response.content, headers), timeout)
                _status(response, "miss")
            return _with_token(request, response)

        return wrapped

    return decorator


# --- fragments shared by signed-in visitors ---------------------------------------------------------------------
def shared_render(template: str, context: dict, request) -> str:
    """HTML for everyone (a fragment shared by signed-in visitors), rendered for this request: a CSRF token in it
    is the sentinel, never this visitor's own (another visitor holding it could forge this one's posts); the page
    that includes the HTML gets the requester's token in its place through `with_token`."""
    setattr(request, _RENDERING_FOR_CACHE, True)
    try:
        return render_to_string(template, context, request=request)
    finally:
        setattr(request, _RENDERING_FOR_CACHE, False)


def with_token(request, response):
    """The requester's CSRF token where a shared fragment in the response carries the sentinel."""
    return _with_token(request, response)


# --- the CSRF token in cached pages ---------------------------------------------------------------------------------
def csrf(request) -> dict:
    """Replaces Django's csrf context processor: a page rendered for the cache carries the sentinel, replaced by
    each requester's token when it is sent (public_page); every other page gets the token as usual."""
    if getattr(request, _RENDERING_FOR_CACHE, False):
        return {"csrf_token": CSRF_SENTINEL}
    return {"csrf_token": SimpleLazyObject(lambda: get_token(request))}
