# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How fast requests go: per-workspace request rates and the number in flight. Internal.

Bird limits requests per workspace (by default 50 GET/s and 500 POST/s; a 429 means
"not processed"). The client keeps under those limits with a :class:`RatePacer` per
workspace and kind (reads; writes), and under ``concurrency`` requests in flight
with one :class:`InFlightGate`. Both adapt to Bird's answers: a 429 halves the
workspace's pace and the number in flight; each success wins some of it back, up to
the configured ceiling (additive increase, multiplicative decrease). The 429s of
requests that were in flight together are one signal: after a decrease, further 429s
within ``COOLDOWN`` seconds do not decrease again.
"""

import threading
import time

# Bird's documented default limits, per workspace and second.
BIRD_READS_PER_SECOND = 50
BIRD_WRITES_PER_SECOND = 500
# The share of a limit the client uses, leaving room for other clients of the workspace
# and for the server's clock not being ours.
HEADROOM = 0.9
# After a 429, a pace or gate never drops below these.
MIN_RATE = 1.0
MIN_IN_FLIGHT = 1
# Successes needed to win back what one 429 took away (roughly).
RECOVERY_SUCCESSES = 20
# 429s this close to the last decrease answer requests sent before it took effect.
COOLDOWN = 1.0


class _Cooldown:
    """True at most once per ``COOLDOWN`` seconds (call with the lock of its owner held)."""

    def __init__(self, clock):
        self._clock = clock
        self._last = None

    def ready(self):
        now = self._clock()
        if self._last is not None and now - self._last < COOLDOWN:
            return False
        self._last = now
        return True


class RatePacer:
    """Spaces request starts so that at most ``rate`` begin per second (thread-safe, adaptive)."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.ceiling = float(rate)
        self.rate = float(rate)
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._cooldown = _Cooldown(clock)

    def acquire(self):
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            self._sleep(start - now)

    def rate_limited(self):
        """Bird answered 429: halve the pace (once for a burst)."""
        with self._lock:
            if self._cooldown.ready():
                self.rate = max(MIN_RATE, self.rate / 2.0)

    def succeeded(self):
        with self._lock:
            if self.rate < self.ceiling:
                self.rate = min(
                    self.ceiling, self.rate + self.ceiling / (2.0 * RECOVERY_SUCCESSES)
                )


class InFlightGate:
    """At most ``limit`` requests in flight (thread-safe, adaptive between 1 and ``ceiling``)."""

    def __init__(self, ceiling, clock=time.monotonic):
        self.ceiling = max(MIN_IN_FLIGHT, int(ceiling))
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self._cond = threading.Condition()
        self._cooldown = _Cooldown(clock)

    def __enter__(self):
        with self._cond:
            while self.in_flight >= int(self.limit):
                self._cond.wait()
            self.in_flight += 1
        return self

    def __exit__(self, *exc_info):
        with self._cond:
            self.in_flight -= 1
            self._cond.notify()

    def rate_limited(self):
        with self._cond:
            if self._cooldown.ready():
                self.limit = max(float(MIN_IN_FLIGHT), self.limit / 2.0)

    def succeeded(self):
        with self._cond:
            if self.limit < self.ceiling:
                before = int(self.limit)
                self.limit = min(
                    float(self.ceiling),
                    self.limit + self.ceiling / (2.0 * RECOVERY_SUCCESSES),
                )
                if int(self.limit) > before:
                    self._cond.notify_all()


class Throttle:
    """The pacers of every workspace and the gate, as one object the client consults.

    ``limits`` maps a workspace id to ``(reads_per_second, writes_per_second)``, the
    limits Bird applies to it; workspaces not listed get Bird's defaults.
    """

    def __init__(self, concurrency, limits=None, sleep=time.sleep):
        self.gate = InFlightGate(concurrency)
        self._limits = {k.lower(): v for k, v in (limits or {}).items()}
        self._pacers = {}
        self._lock = threading.Lock()
        self._sleep = sleep

    def set_limits(self, workspace_id, reads_per_second, writes_per_second):
        with self._lock:
            self._limits[workspace_id.lower()] = (reads_per_second, writes_per_second)
            self._pacers.pop((workspace_id.lower(), "read"), None)
            self._pacers.pop((workspace_id.lower(), "write"), None)

    def pacer(self, workspace_id, method):
        """The pacer of a workspace for this method (DELETE counts as a write, as POST does)."""
        kind = "read" if method == "GET" else "write"
        key = ((workspace_id or "").lower(), kind)
        with self._lock:
            pacer = self._pacers.get(key)
            if pacer is None:
                reads, writes = self._limits.get(
                    key[0], (BIRD_READS_PER_SECOND, BIRD_WRITES_PER_SECOND)
                )
                pacer = self._pacers[key] = RatePacer(
                    (reads if kind == "read" else writes) * HEADROOM, sleep=self._sleep
                )
        return pacer
