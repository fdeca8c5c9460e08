"""Caching with real invalidation: the versions every cached thing is keyed by, and fragments.

Keys carry version numbers (core.CacheVersion, one row per kind of content: "catalog", "monitoring", "credits").
The services that change that content call `bump(name)` explicitly, in their transaction; readers read the
versions in one query at the start of a request, so the next request after a change builds a new key in every
worker process, whatever the backend (Redis in production, a process-local cache in the embedded demo). Old
entries are never read again and age out.

    rows = fragment(("course-rows", place_id, lang), ("catalog",), lambda: build_rows(place_id))

Whole pages for anonymous visitors are cached by the web layer on top of this (core/page_cache.py: `public_page`).
A cache server that is down only makes misses (learncity.core.cache_backends.FailOpenRedisCache).
"""

import contextvars
import hashlib
import logging
import pickle
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from learncity.core.models import CacheVersion

log = logging.getLogger("learncity.cache")

NAMES = ("catalog", "monitoring", "credits")
PAGE_TIMEOUT = 600
# The HTMX headers a page's rendering depends on (render_page: a partial for HTMX requests that are not boosted).
_MISSING = object()
# Versions read in this request (set by VersionsMiddleware): several fragments of one page read them once.
_request_versions: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "learncity_cache_versions", default=None)


# --- versions --------------------------------------------------------------------------------------------------
def versions(*names: str) -> dict[str, int]:
    """The current version of each named kind of content (0 for a name never bumped), in one query, or none when
    this request has read them already."""
    memo = _request_versions.get()
    if memo is None:
        return _read_versions(names)
    missing = [n for n in names if n not in memo]
    if missing:
        memo.update(_read_versions(missing))
    return {n: memo[n] for n in names}


def _read_versions(names: Iterable[str]) -> dict[str, int]:
    names = list(names)
    if not names:
        return {}
    found = dict(CacheVersion.objects.filter(name__in=names).values_list("name", "version"))
    return {n: found.get(n, 0) for n in names}


def bump(*names: str) -> None:
    """A change to the named kinds of content: every cached page and fragment that depends on one of them is
    rebuilt on its next request. Call it from the service that made the change, inside its transaction (the row
    is locked until the commit, so readers see the new version with the new data, never before it)."""
    for name in names:
        if name not in NAMES:
            raise ValueError(f"unknown cache content {name!r}; known: {', '.join(NAMES)}")
        if not CacheVersion.objects.filter(name=name).update(version=F("version") + 1):
            # a row lost (a database emptied): start again from the clock, past any version a cache may still hold
            _, created = CacheVersion.objects.get_or_create(name=name, defaults={"version": time.time_ns() // 1000})
            if not created:
                CacheVersion.objects.filter(name=name).update(version=F("version") + 1)
    memo = _request_versions.get()
    if memo is not None:
        for name in names:
            memo.pop(name, None)


# --- keys --------------------------------------------------------------------------------------------------------
def _code_fingerprint() -> str:
    """What this installation's code is (the package's files: names, sizes, times): in every key, so a deploy never
    serves pages of the old templates, nor unpickles a value whose class has changed, from a Redis that outlived it."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".mo") and "migrations" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


_CODE = _code_fingerprint()


def _digest(parts: Iterable[Any]) -> str:
    return hashlib.sha256(repr((_CODE, *parts)).encode()).hexdigest()


def _get(key: str):
    """The stored value, or _MISSING: an entry that cannot be read back (a class it refers to changed under the
    same code fingerprint, a truncated value) is a miss, not a server error."""
    try:
        return cache.get(key, _MISSING)
    except (AttributeError, ImportError, EOFError, TypeError, ValueError, pickle.UnpicklingError) as exc:
        log.warning("cache entry %s unreadable (%s): rebuilt", key, exc)
        return _MISSING


def fragment_key(key_parts: tuple, depends: tuple[str, ...]) -> str:
    # the day too: a course's phase, an event's "this week" change with the date, not with a bump
    return "lc:frag:" + _digest(("fragment", key_parts, timezone.localdate().isoformat(),
                                 sorted(versions(*depends).items())))


# --- fragments -----------------------------------------------------------------------------------------------------
def fragment[T](key_parts: tuple, depends: tuple[str, ...], build: Callable[[], T], timeout: int = PAGE_TIMEOUT) -> T:
    """The cached value for key_parts at the current versions of `depends`, built (and stored) when missing. For the
    non-personal parts of a page; key_parts must name everything the value depends on besides those versions
    (place, period, language…). Values are pickled: keep them plain."""
    for name in depends:
        if name not in NAMES:
            raise ValueError(f"unknown cache content {name!r}; known: {', '.join(NAMES)}")
    key = fragment_key(key_parts, depends)
    stored = _get(key)
    if stored is not _MISSING:
        return stored
    value = build()
    cache.set(key, value, timeout)
    return value


