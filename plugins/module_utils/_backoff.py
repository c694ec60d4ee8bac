# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one backoff policy of the collection, and deadlines. Internal.

Every wait (between retries of a request, between looks for a connector that Bird
is still installing, between polls for a channel id) is a :class:`Backoff`:
a first delay, a growth factor and a cap, optionally with "full jitter" so that
concurrent clients spread out. Only the numbers differ, and they are named here.
"""

import math
import random
import time


class Backoff:
    """Delays ``first * growth**n`` capped at ``cap``; with ``jitter`` each is drawn from [delay/2, delay].

    ``steady`` delays of ``first`` come before the growth starts (prompt polling at first).
    """

    def __init__(self, first, cap, growth=2.0, jitter=True, steady=0):
        self.first = first
        self.cap = cap
        self.growth = growth
        self.jitter = jitter
        self.steady = steady

    def delay(self, attempt):
        """Seconds to wait before attempt number ``attempt`` (1 = the first retry or look)."""
        exponent = max(0, attempt - 1 - self.steady)
        # Compared as logarithms: growth**exponent overflows a float after about 1,000 doublings,
        # which a long wait_timeout reaches.
        if self.growth > 1 and exponent * math.log(self.growth) >= math.log(
            self.cap / self.first
        ):
            ceiling = self.cap
        else:
            ceiling = min(self.cap, self.first * (self.growth**exponent))
        return random.uniform(ceiling / 2.0, ceiling) if self.jitter else ceiling


# Retries of a failed request: about 0.5 s, doubling, at most 20 s, jittered.
REQUEST_RETRY = Backoff(first=0.5, cap=20.0)
# Looks for a connector Bird says exists (a duplicate refusal) or may have created (an
# uncertain create): installation is asynchronous, so look promptly, then less often.
LOOKUP = Backoff(first=0.2, cap=5.0)
# Polls for channel ids: every 0.1 s for the first second, then 25% longer each time, at
# most every 2 s; not jittered, so the first polls stay prompt.
CHANNEL_POLL = Backoff(first=0.1, cap=2.0, growth=1.25, jitter=False, steady=10)
# Honour Retry-After, but never sleep longer than this for one retry.
RETRY_AFTER_CAP = 60.0


class Deadline:
    """A point in time, ``seconds`` from now; ``clock`` is injectable for tests."""

    def __init__(self, seconds, clock=time.monotonic):
        self._clock = clock
        self.seconds = seconds
        self.at = clock() + seconds

    def remaining(self):
        return max(0.0, self.at - self._clock())

    def passed(self):
        return self._clock() >= self.at

    def sooner(self, seconds):
        """A deadline ``seconds`` from now on the same clock, but no later than this one."""
        return Deadline(min(seconds, self.remaining()), self._clock)
