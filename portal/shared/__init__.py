"""State the portal's processes must agree on (ADR 0014): a small cache with expiry and counters.

:class:`RedisState` when ``REDIS_URL`` is set (every web node and the worker see
the same values), else :class:`MemoryState` (this process only: the portal on
one machine needs no Redis). The app's instance is ``services().shared``.

Generations are counters named after what a cache depends on: a process that
changes the knowledge base or the search index bumps ``CONTENT`` after its
commit (:mod:`portal.shared.invalidation`), and every cache keyed by it, in any
node, stops answering with what it held before.

Redis being down is never an error for a reader: reads answer ``None`` (a
miss, "generation unknown": callers then serve without their cache), writes are
dropped, one line is logged when it goes away and one when it is back.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Protocol
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

#: Generation of what pages and search results are made from: articles, categories, the index.
CONTENT = "content"
#: After a failure, Redis is not asked again for this long (requests do not each wait for a timeout).
RETRY_SECONDS = 5.0
#: Longest wait for Redis on any call: a slow cache must not make a slow page.
TIMEOUT_SECONDS = 0.25


class SharedState(Protocol):
    """A cache with expiry and counters, seen by every process (Redis) or by this one (memory)."""

    #: Whether other processes see the same values.
    shared: bool

    def get(self, key: str) -> bytes | None:
        """The value stored under ``key``; None when missing, expired or unavailable."""

    def set(self, key: str, value: bytes, ttl: int) -> None:
        """Store ``value`` for ``ttl`` seconds (dropped when unavailable)."""

    def incr(self, key: str) -> int | None:
        """Add one to the counter ``key``; its new value, or None when unavailable."""

    def counter(self, key: str) -> int | None:
        """The counter's value (0 if never counted), or None when unavailable."""


def generation(state: SharedState, name: str) -> int | None:
    """The current generation ``name``; None when unknown (callers serve without their cache)."""
    return state.counter(f"generation:{name}")


def bump(state: SharedState, name: str) -> None:
    """Start a new generation ``name``: what was cached under the old one is no longer used."""
    state.incr(f"generation:{name}")


class MemoryState:
    """:class:`SharedState` in this process's memory, least recently used entries dropped first."""

    shared = False

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._counters: dict[str, int] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def incr(self, key: str) -> int:
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    def counter(self, key: str) -> int:
        with self._lock:
            return self._counters.get(key, 0)


def redis_address(url: str) -> str:
    """``host:port`` of a Redis URL, for log lines: never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname or '?'}:{parts.port or 6379}"


class RedisState:
    """:class:`SharedState` in Redis, every key under ``prefix:``.

    A call that fails (refused, timed out) answers like a miss; Redis is then
    left alone for ``RETRY_SECONDS`` so requests do not each wait for a timeout.
    """

    shared = True

    def __init__(self, url: str, prefix: str, timeout: float = TIMEOUT_SECONDS,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        import redis  # only with a Redis URL: the portal on one machine runs without the package

        self._client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                            health_check_interval=30)
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._prefix = prefix + ":"
        self._address = redis_address(url)
        self._retry_seconds = retry_seconds
        self._down_until = 0.0
        self._down = False
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False while Redis is being left alone after a failure."""
        return not (self._down and time.monotonic() < self._down_until)

    def _call(self, method: str, *args):
        if not self.available:
            return None
        try:
            result = getattr(self._client, method)(*args)
        except self._errors as exc:
            with self._lock:
                self._down_until = time.monotonic() + self._retry_seconds
                if not self._down:
                    self._down = True
                    log.warning("Redis at %s is unavailable (%s): serving without the shared cache, "
                                "rate limits counted in this process; trying again every %.0f s",
                                self._address, type(exc).__name__, self._retry_seconds)
            return None
        if self._down:
            with self._lock:
                if self._down:
                    self._down = False
                    log.warning("Redis at %s answers again: shared cache and rate limits are back", self._address)
        return result

    def get(self, key: str) -> bytes | None:
        return self._call("get", self._prefix + key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._call("set", self._prefix + key, value, ttl)

    def incr(self, key: str) -> int | None:
        value = self._call("incr", self._prefix + key)
        return None if value is None else int(value)

    def counter(self, key: str) -> int | None:
        if not self.available:
            return None
        value = self._call("get", self._prefix + key)
        if value is None:
            # A missing counter is 0, unless the call failed just now.
            return None if not self.available else 0
        return int(value)


def build_shared_state(redis_url: str, prefix: str) -> SharedState:
    """Redis when a URL is configured, else this process's memory."""
    if redis_url:
        return RedisState(redis_url, prefix)
    return MemoryState()
