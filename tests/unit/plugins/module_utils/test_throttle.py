# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request rates and requests in flight: within Bird's limits, slower after a 429, back up after successes."""

import threading

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._throttle import (
    COOLDOWN,
    HEADROOM,
    InFlightGate,
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


def test_a_429_halves_the_pace_and_successes_win_it_back():
    clock = Clock()
    pacer = RatePacer(40, clock=clock, sleep=clock.sleep)
    pacer.rate_limited()
    assert pacer.rate == 20
    pacer.rate_limited()  # the same burst: no second decrease
    assert pacer.rate == 20
    clock.sleep(COOLDOWN)
    pacer.rate_limited()
    clock.sleep(COOLDOWN)
    pacer.rate_limited()
    assert pacer.rate == 5
    for dummy in range(100):
        pacer.succeeded()
    assert pacer.rate == 40  # never above the ceiling
    for dummy in range(20):
        clock.sleep(COOLDOWN)
        pacer.rate_limited()
    assert pacer.rate == 1.0


def test_the_gate_holds_requests_beyond_its_limit():
    gate = InFlightGate(2)
    entered = []
    release = threading.Event()

    def worker(name):
        with gate:
            entered.append(name)
            release.wait(5)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for dummy in range(100):
        if len(entered) == 2:
            break
        threading.Event().wait(0.01)
    assert len(entered) == 2 and gate.in_flight == 2
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(entered) == 3 and gate.in_flight == 0


def test_the_gate_shrinks_on_429_and_grows_back_to_its_ceiling():
    clock = Clock()
    gate = InFlightGate(32, clock=clock)
    gate.rate_limited()
    gate.rate_limited()
    assert int(gate.limit) == 16
    clock.sleep(COOLDOWN)
    gate.rate_limited()
    assert int(gate.limit) == 8
    for dummy in range(200):
        gate.succeeded()
    assert gate.limit == 32


def test_each_workspace_has_its_own_pace_within_its_limits():
    throttle = Throttle(8)
    read = throttle.pacer("A1", "GET")
    assert read is throttle.pacer("a1", "GET")
    assert read.ceiling == pytest.approx(50 * HEADROOM)
    assert throttle.pacer("a1", "DELETE") is throttle.pacer("a1", "POST")
    assert throttle.pacer("a1", "POST").ceiling == pytest.approx(500 * HEADROOM)
    throttle.set_limits("a2", 10, 20)
    assert throttle.pacer("a2", "GET").ceiling == pytest.approx(10 * HEADROOM)
    assert throttle.pacer("a2", "POST").ceiling == pytest.approx(20 * HEADROOM)
    assert throttle.pacer("a2", "GET") is not throttle.pacer("a1", "GET")
