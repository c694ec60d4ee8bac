# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request rates and requests in flight: within each workspace's limits and ``concurrency``."""

import threading

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._throttle import (
    HEADROOM,
    RatePacer,
    Throttle,
)
from ansible_collections.bird.engagements.tests.unit.helpers import Clock


def test_a_pacer_spaces_request_starts():
    clock = Clock()
    pacer = RatePacer(10, clock=clock, sleep=clock.sleep)
    for dummy in range(5):
        pacer.acquire()
    assert clock.now == pytest.approx(0.4)


def test_in_flight_holds_requests_beyond_concurrency():
    throttle = Throttle(2)
    entered = []
    release = threading.Event()

    def worker(name):
        with throttle.in_flight:
            entered.append(name)
            release.wait(5)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for dummy in range(100):
        if len(entered) == 2:
            break
        threading.Event().wait(0.01)
    threading.Event().wait(0.05)
    assert len(entered) == 2
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(entered) == 3


def test_each_workspace_has_its_own_pace_within_its_limits():
    throttle = Throttle(8)
    read = throttle.pacer("A1", "GET")
    assert read is throttle.pacer("a1", "GET")
    assert read.interval == pytest.approx(1 / (50 * HEADROOM))
    assert throttle.pacer("a1", "DELETE") is throttle.pacer("a1", "POST")
    assert throttle.pacer("a1", "POST").interval == pytest.approx(1 / (500 * HEADROOM))
    throttle.set_limits("a2", 10, 20)
    assert throttle.pacer("a2", "GET").interval == pytest.approx(1 / (10 * HEADROOM))
    assert throttle.pacer("a2", "POST").interval == pytest.approx(1 / (20 * HEADROOM))
    assert throttle.pacer("a2", "GET") is not throttle.pacer("a1", "GET")
