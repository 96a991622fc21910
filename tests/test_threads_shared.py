"""fastconv._threads.run_shared: the Python-level work (the FFT path's
blocks) shared between the calling thread and a process-wide pool."""
import contextlib
import threading
import time

import pytest

from fastconv import _threads


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_every_item_runs_once(threads):
    seen, lock = [], threading.Lock()

    def work(item):
        time.sleep(0.001)
        with lock:
            seen.append(item)

    _threads.run_shared(work, range(50), threads)
    assert sorted(seen) == list(range(50))


def test_no_items():
    _threads.run_shared(lambda item: 1 / 0, [], 3)


def test_the_calling_thread_and_helpers_share_the_work():
    names, helper_started = set(), threading.Event()
    main = threading.current_thread()

    def work(item):
        names.add(threading.current_thread().name)
        if threading.current_thread() is main:
            helper_started.wait(10)       # until the helper has an item too
        else:
            helper_started.set()

    _threads.run_shared(work, range(20), 2)
    assert threading.current_thread().name in names
    assert any(name.startswith("fastconv") for name in names), names


def test_context_is_entered_on_every_thread():
    entered, inside = [], threading.local()

    @contextlib.contextmanager
    def context():
        entered.append(threading.current_thread().name)
        inside.flag = True
        try:
            yield
        finally:
            inside.flag = False

    flags, workers = [], set()

    def work(item):
        time.sleep(0.002)
        workers.add(threading.current_thread().name)
        flags.append(inside.flag)

    _threads.run_shared(work, range(10), 2, context)
    assert all(flags) and len(flags) == 10
    assert workers <= set(entered) and len(entered) == len(set(entered))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_an_error_stops_the_work_and_is_raised(threads):
    started = []

    def work(item):
        started.append(item)
        time.sleep(0.002)
        if item == 3:
            raise KeyError(item)

    with pytest.raises(KeyError):
        _threads.run_shared(work, range(100), threads)
    assert len(started) < 100
    assert 3 in started


def test_a_helper_error_is_raised_in_the_caller():
    main, helper_failed = threading.current_thread(), threading.Event()

    def work(item):
        if threading.current_thread() is main:
            helper_failed.wait(10)        # until the helper has raised
        else:
            helper_failed.set()
            raise ValueError("helper")

    with pytest.raises(ValueError, match="helper"):
        _threads.run_shared(work, range(40), 2)
