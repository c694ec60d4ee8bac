# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""What the simulator counts: the per-request context, the counters of GET /_sim/stats and the request log."""

from __future__ import annotations

import collections
import time

from .access import WRITE_METHODS
from .shapes import iso

REQUEST_LOG_SIZE = 1000


class RequestContext:
    """What one API request was and what became of it (filled in while it is handled)."""

    __slots__ = (
        "method",
        "path",
        "query",
        "route",
        "workspace",
        "auth_ok",
        "applied",
        "fault",
        "malformed",
    )

    def __init__(self, method, path, query):
        self.method = method
        self.path = path
        self.query = query
        self.route = f"{method} <unknown>"
        self.workspace = None
        self.auth_ok = False
        self.applied = False
        self.fault = None
        self.malformed = None


def new_stats():
    return {
        "total": 0,
        "by_method": {"GET": 0, "POST": 0, "DELETE": 0},
        "writes": 0,
        "writes_applied": 0,
        "by_route": {},
        "by_status": {},
        "by_workspace": {},
        "by_workspace_route": {},
        "faults_fired": {
            "status": 0,
            "drop": 0,
            "drop_after_apply": 0,
            "delay": 0,
            "malformed": 0,
            "gateway": 0,
            "rate_limited": 0,
        },
    }


def _count(counter, key):
    counter[key] = counter.get(key, 0) + 1


class Recorder:
    """The counters and the last REQUEST_LOG_SIZE requests (the simulator's lock guards them)."""

    def __init__(self):
        self.stats = new_stats()
        self.log: collections.deque = collections.deque(maxlen=REQUEST_LOG_SIZE)

    def clear(self):
        self.stats = new_stats()
        self.log.clear()

    def record(self, ctx, response):
        """(lock held) Count one API request and add it to the log."""
        stats = self.stats
        stats["total"] += 1
        _count(stats["by_method"], ctx.method)
        if ctx.method in WRITE_METHODS:
            stats["writes"] += 1
            if ctx.applied:
                stats["writes_applied"] += 1
        _count(stats["by_route"], ctx.route)
        _count(stats["by_status"], "dropped" if response.drop else str(response.status))
        if ctx.workspace is not None:
            _count(
                stats["by_workspace"].setdefault(
                    ctx.workspace, {"GET": 0, "POST": 0, "DELETE": 0}
                ),
                ctx.method,
            )
            _count(stats["by_workspace_route"].setdefault(ctx.workspace, {}), ctx.route)
        self.log.append(
            {
                "time": iso(time.time()),
                "method": ctx.method,
                "path": ctx.path,
                "query": ctx.query,
                "route": ctx.route,
                "workspace": ctx.workspace,
                "status": None if response.drop else response.status,
                "dropped": response.drop,
                "fault": ctx.fault,
                "applied": ctx.applied,
                "auth_ok": ctx.auth_ok,
                "request_id": response.headers.get("Messagebird-Request-Id"),
            }
        )
