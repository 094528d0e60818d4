"""A small thread-safe LRU, for in-process caches (query translations, search results)."""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock


class LRUCache:
    def __init__(self, size: int = 4096):
        self._data: OrderedDict = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
