"""A cache of values shared by every session of the server process.

Streamlit's st.cache_resource hashes every argument of every call (about 0.1 ms a call, and a resident
page makes twenty), so the dashboard's caches take plain keys instead: tuples its callers build from
values that are already hashable (the database, its data version, a query's name and parameters).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedCache(Generic[T]):
    """Values by key, computed once: a caller asking for a key another thread is computing waits for
    that value instead of computing it again (a committee opening one resident together). Past
    max_entries the least recently used value leaves. A failed computation is not kept."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                if key in self._values:  # computed by the thread this one waited for
                    return self._values[key]
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:  # stored and no longer computing at once: a newcomer finds the value
                self._values[key] = value
                self._computing.pop(key, None)
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
