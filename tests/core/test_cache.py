"""The cache (learncity.core.cache): public pages whole, fragments, version bumps, the CSRF token in cached pages,
poisoned requests, and the Redis backend (the real server at 127.0.0.1:6379) up and down."""

import logging
import os
import re
import socket
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from learncity.core import cache as lc_cache
from learncity.core import page_cache
from learncity.core.cache import bump, fragment, versions
from learncity.core.cache_backends import FailOpenRedisCache
from learncity.core.models import CacheVersion
from learncity.core.page_cache import MAX_QUERY_PARAMS
from tests.core import cache_urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.cache_urls")]

REDIS = os.environ.get("LEARNCITY_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _n(response) -> int:
    return int(re.search(rb'<p id="n">(\d+)</p>', response.content).group(1))


def _token(response) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content).group(1).decode()


# --- versions -------------------------------------------------------------------------------------------------------
def test_a_new_database_starts_its_versions_from_the_clock():
    # a Redis that outlived an older database (the demo built again) must hold no key of the new one's versions
    assert all(v > 1_700_000_000_000_000 for v in versions(*lc_cache.NAMES).values())


def test_versions_are_read_in_one_query_and_bumped_in_the_transaction(django_assert_num_queries):
    before = versions("catalog", "monitoring")
    with django_assert_num_queries(1):
        versions("catalog", "monitoring", "credits")
    bump("catalog")
    after = versions("catalog", "monitoring")
    assert after == {"catalog": before["catalog"] + 1, "monitoring": before["monitoring"]}


def test_bump_creates_a_missing_row():
    CacheVersion.objects.filter(name="credits").delete()
    assert versions("credits") == {"credits": 0}
    bump("credits")
    first = versions("credits")["credits"]
    bump("credits")
    assert first > 1_700_000_000_000_000  # from the clock (µs), past any version an older database had
    assert versions("credits") == {"credits": first + 1}


def test_unknown_names_are_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"'katalog'.*catalog, monitoring, credits"):
        bump("katalog")
    with pytest.raises(ValueError, match="'katalog'"):
        fragment(("x",), ("katalog",), lambda: 1)
    with pytest.raises(ValueError, match="'katalog'"):
        page_cache.public_page(depends=("katalog",))


# --- public pages ------------------------------------------------------------------------------------------------------
def test_an_anonymous_page_is_rendered_once_and_a_bump_renders_it_again():
    first = Client().get("/page/?q=书法")
    second = Client().get("/page/?q=书法")
    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert _n(second) == _n(first)
    assert "书法".encode() in second.content
    bump("catalog")
    third = Client().get("/page/?q=书法")
    assert third["X-Cache"] == "miss" and _n(third) == _n(first) + 1


def test_the_public_is_not_told_whether_a_page_came_from_the_cache(settings):
    settings.LEARNCITY_CACHE_STATUS_HEADER = False  # (the default; the suite turns it on)
    first, second = Client().get("/page/?q=someone"), Client().get("/page/?q=someone")
    assert _n(first) == _n(second)  # cached all the same
    assert "X-Cache" not in first and "X-Cache" not in second


def test_an_entry_that_cannot_be_read_back_is_rebuilt(caplog):
    class Unreadable:
        def __reduce__(self):
            return (int, ("not a number",))  # unpickling raises ValueError

    key = lc_cache.fragment_key(("broken",), ("catalog",))
    cache.set(key, Unreadable())
    with caplog.at_level(logging.WARNING, logger="learncity.cache"):
        assert fragment(("broken",), ("catalog",), lambda: "rebuilt") == "rebuilt"
    assert "unreadable" in caplog.text


def test_keys_carry_the_code_and_the_day(monkeypatch):
    key = lc_cache.fragment_key(("rows",), ("catalog",))
    monkeypatch.setattr(lc_cache, "_CODE", "another-deploy")
    assert lc_cache.fragment_key(("rows",), ("catalog",)) != key
    monkeypatch.undo()
    import datetime

    from django.utils import timezone

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(lc_cache.timezone, "localdate", lambda: tomorrow)
    assert lc_cache.fragment_key(("rows",), ("catalog",)) != key


def test_the_key_holds_the_query_language_and_display_mode():
    base = _n(Client().get("/page/?q=a&p=1"))
    assert _n(Client().get("/page/?p=1&q=a")) == base  # the same parameters in another order: the same page
    assert _n(Client().get("/page/?q=b&p=1")) != base
    english = Client()
    english.cookies["django_language"] = "en"
    page = english.get("/page/?q=a&p=1")
    assert _n(page) != base and b'<p id="lang">en</p>' in page.content
    large = Client()
    large.cookies["lc_large"] = "1"
    assert _n(large.get("/page/?q=a&p=1")) != base
    htmx = Client().get("/page/?q=a&p=1", headers={"HX-Request": "true", "HX-Target": "results"})
    assert _n(htmx) != base


def test_a_cached_page_carries_each_visitors_own_working_csrf_token():
    Client().get("/page/")  # someone else's visit fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/page/")
    assert page["X-Cache"] == "hit"
    assert page_cache.CSRF_SENTINEL.encode() not in page.content
    token = _token(page)
    assert f'"X-CSRFToken": "{token}"'.encode() in page.content
    assert "csrftoken" in page.cookies  # the hit set the visitor's CSRF cookie
    assert visitor.post("/post/", {"csrfmiddlewaretoken": token}).status_code == 200
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/page/")
    assert stranger.post("/post/", {"csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_signed_in_visitors_other_methods_and_errors_are_not_cached(world):
    signed_in = Client()
    signed_in.force_login(world.learner)
    a, b = signed_in.get("/page/"), signed_in.get("/page/")
    assert _n(b) == _n(a) + 1 and "X-Cache" not in b
    assert b"lcCsrfSentinel" not in b.content
    count = cache_urls.RENDERS["count"]
    assert Client().get("/missing/").status_code == 404
    assert Client().get("/missing/").status_code == 404
    assert cache_urls.RENDERS["count"] == count + 2
    first, again = Client().get("/cookie/"), Client().get("/cookie/")
    assert _n(again) == _n(first) + 1 and again.cookies["seen"].value == "1"


def test_a_page_with_a_message_for_its_visitor_is_not_cached():
    flashed = Client().get("/flash/")
    assert b"saved" in flashed.content
    assert "X-Cache" not in flashed
    plain = Client().get("/page/")
    assert b"saved" not in plain.content


@pytest.mark.parametrize(("query", "status"), [
    ("&".join(f"p{i}=1" for i in range(10_000)), 400),  # beyond DATA_UPLOAD_MAX_NUMBER_FIELDS: Django's 400
    ("q=" + "书" * 30_000, 200),  # a 270 KB value
    ("&".join(f"p{i}=1" for i in range(MAX_QUERY_PARAMS + 1)), 200),
])
def test_a_poisoned_query_string_is_answered_but_never_cached(query, status):
    cache.clear()
    before = cache_urls.RENDERS["count"]
    client = Client(raise_request_exception=False)
    first, second = client.get(f"/page/?{query}"), client.get(f"/page/?{query}")
    assert first.status_code == second.status_code == status
    assert cache_urls.RENDERS["count"] == before + 2  # the view ran both times (the 400 when it read the query)
    assert "X-Cache" not in second and page_cache.CSRF_SENTINEL.encode() not in second.content
    assert not cache._cache  # nothing stored (the local backend's own store)


def test_html_shared_by_signed_in_visitors_never_carries_one_visitors_csrf_token(world, rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    request = rf.get("/")
    request.user = world.learner
    html = page_cache.shared_render("base.html", {}, request)
    assert page_cache.CSRF_SENTINEL in html  # base.html posts forms (language, large text, sign out)
    assert get_token(request) not in html
    other = rf.get("/")
    other.user = world.staff
    response = page_cache.with_token(other, HttpResponse(html))
    assert page_cache.CSRF_SENTINEL.encode() not in response.content
    assert b'name="csrfmiddlewaretoken" value="' in response.content


# --- fragments ---------------------------------------------------------------------------------------------------------
def test_a_fragment_is_built_once_per_version_and_key():
    built = []

    def build(label):
        built.append(label)
        return {"label": label, "rows": (1, 2)}

    assert fragment(("rows", 1, "zh-hans"), ("catalog",), lambda: build("a"))["label"] == "a"
    assert fragment(("rows", 1, "zh-hans"), ("catalog",), lambda: build("b"))["label"] == "a"
    assert fragment(("rows", 2, "zh-hans"), ("catalog",), lambda: build("c"))["label"] == "c"
    bump("monitoring")  # not a dependency of these rows
    assert fragment(("rows", 1, "zh-hans"), ("catalog",), lambda: build("d"))["label"] == "a"
    bump("catalog")
    assert fragment(("rows", 1, "zh-hans"), ("catalog",), lambda: build("e"))["label"] == "e"
    assert built == ["a", "c", "e"]


def test_a_fragment_may_be_empty_or_none():
    calls = []
    assert fragment(("none",), (), lambda: calls.append(1)) is None
    assert fragment(("none",), (), lambda: calls.append(1)) is None
    assert calls == [1]


# --- the Redis backend ----------------------------------------------------------------------------------------------
def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache():
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    backend = FailOpenRedisCache(REDIS, {"KEY_PREFIX": f"lctest-{uuid.uuid4().hex}"})
    yield backend
    client = backend._cache.get_client(write=True)
    keys = client.keys(f"{backend.key_prefix}:*")
    if keys:
        client.delete(*keys)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: nothing listens there


def test_the_redis_backend_keeps_values_for_every_worker(redis_cache):
    redis_cache.set("k", {"rows": (1, 2)}, 60)
    other = FailOpenRedisCache(REDIS, {"KEY_PREFIX": redis_cache.key_prefix})  # another process's backend
    assert other.get("k") == {"rows": (1, 2)}
    assert redis_cache.get_many(["k", "absent"]) == {"k": {"rows": (1, 2)}}
    assert redis_cache.add("k", 1) is False and redis_cache.delete("k") is True
    assert other.get("k", "gone") == "gone"


def test_pages_and_fragments_work_on_redis(redis_cache, settings):
    settings.CACHES = {"default": {"BACKEND": "learncity.core.cache_backends.FailOpenRedisCache",
                                   "LOCATION": REDIS, "KEY_PREFIX": redis_cache.key_prefix}}
    first, second = Client().get("/page/"), Client().get("/page/")
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit" and _n(first) == _n(second)
    bump("catalog")
    assert Client().get("/page/")["X-Cache"] == "miss"
    poisoned = "&".join(f"p{i}=1" for i in range(10_000))
    assert Client(raise_request_exception=False).get(f"/page/?{poisoned}").status_code == 400
    client = redis_cache._cache.get_client()
    keys = client.keys(f"{redis_cache.key_prefix}:*")
    assert len(keys) == 2  # the page at two versions; nothing for the poisoned request


def test_a_cache_server_that_is_down_costs_misses_and_one_warning(caplog, settings):
    location = f"redis://127.0.0.1:{_closed_port()}/0"
    down = FailOpenRedisCache(location, {})
    with caplog.at_level(logging.WARNING, logger="learncity.cache"):
        for _ in range(5):
            assert down.get("k", "default") == "default"
            assert down.set("k", 1) is None
            assert down.get_many(["a", "b"]) == {}
            assert down.add("k", 1) is False
    warnings = [r for r in caplog.records if r.name == "learncity.cache"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()

    settings.CACHES = {"default": {"BACKEND": "learncity.core.cache_backends.FailOpenRedisCache",
                                   "LOCATION": location}}
    before = cache_urls.RENDERS["count"]
    pages = [Client().get("/page/") for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert cache_urls.RENDERS["count"] == before + 3  # each from the database, none from the cache
    assert fragment(("rows",), ("catalog",), lambda: "built") == "built"


def test_sessions_on_the_shared_cache_end_everywhere_at_sign_out(redis_cache, settings, world):
    # production (REDIS_URL): sessions are read from Redis and written to both it and the database
    settings.CACHES = {"default": {"BACKEND": "learncity.core.cache_backends.FailOpenRedisCache",
                                   "LOCATION": REDIS, "KEY_PREFIX": redis_cache.key_prefix}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    learner = Client()
    learner.force_login(world.learner)
    key = learner.cookies["sessionid"].value
    other_worker = Client()
    other_worker.cookies["sessionid"] = key
    assert "X-Cache" not in other_worker.get("/page/")  # signed in with the same session: never from the cache

    assert Session.objects.filter(session_key=key).exists()
    assert learner.post("/logout/").status_code in (200, 302)
    assert not Session.objects.filter(session_key=key).exists()
    after = other_worker.get("/page/")
    assert after.status_code == 200 and after["X-Cache"] in ("hit", "miss")  # anonymous again: the cache answers
