# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How fast requests go: per-workspace request rates and the number in flight. Internal.

Bird limits requests per workspace (by default 50 GET/s and 500 POST/s); a 429 means
"not processed" and is retried by the client after a backoff. The client stays under
90% of each limit with a :class:`RatePacer` per workspace and kind (reads; writes), and
under ``concurrency`` requests in flight with one semaphore.
"""

import threading
import time

# Bird's documented default limits, per workspace and second.
BIRD_READS_PER_SECOND = 50
BIRD_WRITES_PER_SECOND = 500
# The share of a limit the client uses, leaving room for other clients of the workspace
# and for the server's clock not being ours.
HEADROOM = 0.9


class RatePacer:
    """Spaces request starts so that at most ``rate`` begin per second (thread-safe)."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self):
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class Throttle:
    """The pacers of every workspace and the in-flight limit, as one object the client consults.
    A workspace without :meth:`set_limits` gets Bird's default limits."""

    def __init__(self, concurrency, sleep=time.sleep):
        self.concurrency = max(1, int(concurrency))
        self.in_flight = threading.BoundedSemaphore(self.concurrency)
        self._limits: dict = {}
        self._pacers: dict = {}
        self._lock = threading.Lock()
        self._sleep = sleep

    def set_limits(self, workspace_id, reads_per_second, writes_per_second):
        with self._lock:
            self._limits[workspace_id.lower()] = (reads_per_second, writes_per_second)
            self._pacers.pop((workspace_id.lower(), "read"), None)
            self._pacers.pop((workspace_id.lower(), "write"), None)

    def pacer(self, workspace_id, method):
        """The pacer of a workspace for this method (DELETE and PATCH count as writes, as POST does)."""
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
