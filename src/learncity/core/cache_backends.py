"""The production cache backend: Django's Redis cache that never breaks a page.

A Redis server that is down, restarting or unreachable makes every read a miss and every write a no-op; the
pages answer from the database. The first failure logs one warning; then the backend does not try the server
again for RETRY_AFTER seconds (so a dead server costs no connection time-out per request), and it logs once more
when the server answers again. Short socket time-outs keep a hung server from holding a page for long.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("learncity.cache")

RETRY_AFTER = 30.0


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.5)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down = False

    # --- the circuit: closed (try the server), open (skip it for RETRY_AFTER seconds) -------------------------
    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + RETRY_AFTER
            if not self._down:
                self._down = True
                log.warning("cache server %s unreachable (%s): pages are served from the database; "
                            "trying it again every %d s", self._servers[0], exc, RETRY_AFTER)

    def _succeeded(self) -> None:
        if self._down:
            with self._lock:
                if self._down:
                    self._down = False
                    log.warning("cache server %s answers again", self._servers[0])

    def _call(self, method, fallback, *args, **kwargs):
        if not self._available():
            return fallback
        try:
            result = method(*args, **kwargs)
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return fallback
        self._succeeded()
        return result

    # --- Django's cache API, each falling open ------------------------------------------------------------------
    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version)

    def clear(self):
        return self._call(super().clear, False)
