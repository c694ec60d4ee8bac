# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One bounded pool for a run: results in order, nested maps without deadlock, threads bounded."""

import threading
import time

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._parallel import (
    Executor,
)


def test_results_come_in_order_and_run_concurrently():
    started = []

    def slow(item):
        started.append(time.monotonic())
        time.sleep(0.05)
        return item * 2

    with Executor(4) as executor:
        began = time.monotonic()
        assert executor.map(slow, range(8)) == [0, 2, 4, 6, 8, 10, 12, 14]
    # 8 items of 0.05 s on 4 workers and the caller: well under the serial 0.4 s.
    assert time.monotonic() - began < 0.3


def test_nested_maps_finish_with_every_thread_busy_and_stay_within_the_limit():
    peak = []
    lock = threading.Lock()

    def leaf(item):
        with lock:
            peak.append(threading.active_count())
        time.sleep(0.001)
        return item

    def branch(item):
        return sum(executor.map(leaf, range(20))) + item

    before = threading.active_count()
    with Executor(3) as executor:
        # Every branch waits on leaves while the pool is full of branches: callers run what is queued.
        assert executor.map(branch, range(30)) == [190 + i for i in range(30)]
    assert max(peak) <= before + 3


def test_the_first_error_is_raised_after_every_item_ended():
    ended = []

    def work(item):
        if item == 1:
            raise ValueError("item 1")
        time.sleep(0.02)
        ended.append(item)
        return item

    with Executor(4) as executor:
        with pytest.raises(ValueError, match="item 1"):
            executor.map(work, range(5))
    assert sorted(ended) == [0, 2, 3, 4]


def test_a_limit_of_one_runs_in_the_caller_only():
    before = threading.active_count()
    with Executor(1) as executor:
        assert (
            executor.map(lambda i: threading.active_count(), range(3)) == [before] * 3
        )
