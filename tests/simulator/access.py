# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Who may call the API: access keys, and the per-workspace rate limits."""

from __future__ import annotations

import collections
import math
import time

WRITE_METHODS = ("POST", "PATCH", "DELETE")


def authenticate(access_keys, headers):
    """Return (key entry, None) for a valid ``Authorization: AccessKey <key>``, else (None, reason)."""
    value = headers.get("Authorization")
    if not value:
        return None, 'missing Authorization header (expected "AccessKey <key>")'
    scheme, _sep, key = value.strip().partition(" ")
    if scheme.lower() != "accesskey" or not key.strip():
        return None, 'unsupported Authorization scheme (expected "AccessKey <key>")'
    entry = access_keys.get(key.strip())
    if entry is None:
        return None, "the access key is not valid"
    return entry, None


def permission_error(key_entry, ws_id, method):
    """The reason a valid key may not make this request on ws_id, or None."""
    if key_entry["workspaces"] != "*" and ws_id not in key_entry["workspaces"]:
        return "the access key is not allowed to access this workspace"
    if method in WRITE_METHODS and not key_entry["write"]:
        return "the access key is not allowed to modify this workspace"
    return None


class RateWindows:
    """Sliding one-second windows per workspace: one for GETs, one for writes (POST, PATCH and DELETE)."""

    def __init__(self):
        self.windows = {}

    def reset(self):
        self.windows = {}

    def check(self, ws_id, method, cfg):
        """(lock held) None if allowed (and counted), else the Retry-After value in seconds."""
        cls = "GET" if method == "GET" else "WRITE"
        limit = cfg["rate_get"] if cls == "GET" else cfg["rate_post"]
        if limit <= 0:
            return None
        now = time.monotonic()
        window = self.windows.get((ws_id, cls))
        if window is None:
            window = self.windows[(ws_id, cls)] = collections.deque()
        cutoff = now - 1.0
        while window and window[0] <= cutoff:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(window[0] + 1.0 - now))
        window.append(now)
        return None
