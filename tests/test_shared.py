"""The cache the dashboard's sessions share (cbme.app.shared)."""

import threading
import time

import pytest

from cbme.app.shared import SharedCache


def test_a_value_is_computed_once_and_then_read():
    cache, calls = SharedCache(max_entries=10), []
    assert cache.get(("q", 1), lambda: calls.append(1) or "result") == "result"
    assert cache.get(("q", 1), lambda: calls.append(1) or "other") == "result"
    assert cache.get(("q", 2), lambda: calls.append(1) or "second") == "second"
    assert len(calls) == 2


def test_callers_asking_at_the_same_moment_wait_for_one_computation():
    cache, calls, start = SharedCache(max_entries=10), [], threading.Barrier(5)

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return object()

    results = []

    def ask():
        start.wait()
        results.append(cache.get("resident R1", slow))

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 5 and all(r is results[0] for r in results)


def test_the_least_recently_used_value_leaves_first():
    cache = SharedCache(max_entries=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # read: now the most recent
    cache.get("c", lambda: 3)
    assert len(cache) == 2
    assert cache.get("a", lambda: "recomputed") == 1
    assert cache.get("b", lambda: "recomputed") == "recomputed"


def test_a_failed_computation_is_not_kept():
    cache = SharedCache(max_entries=10)

    def fail():
        raise RuntimeError("database busy")

    with pytest.raises(RuntimeError):
        cache.get("q", fail)
    assert cache.get("q", lambda: "second try") == "second try"
    cache.clear()
    assert len(cache) == 0
