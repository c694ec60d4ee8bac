# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one backoff policy, and deadlines."""

from ansible_collections.bird.engagements.plugins.module_utils._backoff import (
    CHANNEL_POLL,
    LOOKUP,
    REQUEST_RETRY,
    Backoff,
    Deadline,
)


def test_delays_grow_to_the_cap_with_jitter_in_the_upper_half():
    policy = Backoff(first=0.5, cap=4.0)
    for attempt in range(1, 10):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        for dummy in range(20):
            assert ceiling / 2 <= policy.delay(attempt) <= ceiling


def test_channel_polls_are_prompt_for_the_first_second_then_back_off():
    delays = [CHANNEL_POLL.delay(n) for n in range(1, 40)]
    assert delays[:11] == [0.1] * 11
    assert all(b >= a for a, b in zip(delays, delays[1:]))
    assert max(delays) == 2.0
    assert sum(delays[:11]) >= 1.0


def test_the_named_policies_are_capped():
    assert REQUEST_RETRY.delay(50) <= 20.0 and LOOKUP.delay(50) <= 5.0


def test_a_deadline_counts_down_on_its_clock():
    now = [100.0]
    deadline = Deadline(5, clock=lambda: now[0])
    assert deadline.remaining() == 5 and not deadline.passed()
    now[0] = 104.0
    assert deadline.remaining() == 1
    now[0] = 106.0
    assert deadline.remaining() == 0 and deadline.passed()
    assert Deadline(0, clock=lambda: now[0]).passed()


def test_delays_stay_at_the_cap_however_many_attempts_a_long_wait_takes():
    # A wait_timeout of hours makes thousands of polls; growth**n would overflow a float.
    for policy in (CHANNEL_POLL, LOOKUP, REQUEST_RETRY):
        for attempt in (1_100, 5_000, 10**6):
            assert policy.cap / 2 <= policy.delay(attempt) <= policy.cap
    assert Backoff(first=1.0, cap=3.0, growth=1.0, jitter=False).delay(10**6) == 1.0


def test_a_sooner_deadline_is_on_the_same_clock_and_never_later():
    now = [100.0]
    deadline = Deadline(10, clock=lambda: now[0])
    short = deadline.sooner(3)
    assert short.remaining() == 3
    now[0] = 103.0
    assert short.passed() and not deadline.passed()
    assert deadline.sooner(60).remaining() == deadline.remaining() == 7
