# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""List pages: the ``limit`` query, page tokens (tokens.py), and cutting a sorted list into pages."""

from __future__ import annotations

import collections

from .shapes import error
from .tokens import decode_token, encode_token

# Sequence numbers start at 1, so a token of START leads to the first page.
START = 0

# The documented most items per page of each list (bird-api.md "Paging": 100 unless an endpoint says otherwise).
LIST_MAXIMUM = {
    "connectors": 100,
    "numbers": 99,
    "channels": 1000,
    "webhook-subscriptions": 100,
}
# Lists whose too large limit the simulator has always clamped (limit_above_max "clamp"); the others refuse it.
CLAMPED_BY_DEFAULT = ("connectors", "webhook-subscriptions")
LIMIT_ABOVE_MAX = ("clamp", "clamp_all", "reject")

Page = collections.namedtuple(
    "Page", "resource items next_token request_token position style"
)
Page.__doc__ = """One page of a list: items are (seq, object) pairs; position is the seq the page ends at;
style is the page_token_style its tokens are in."""


def parse_limit(params, default, minimum, maximum, clamp, cap=None):
    """Return (limit, error response). ``cap`` (page_size_max) bounds every page, as a server may."""
    cap = min(maximum, cap or maximum)
    if "limit" not in params:
        return min(default, cap), None
    raw = params["limit"]
    try:
        limit = int(raw)
    except ValueError:
        return None, error(
            400,
            "limit must be an integer",
            {"limit": [f"expected an integer between {minimum} and {maximum}"]},
        )
    if limit < minimum or (limit > maximum and not clamp):
        return None, error(
            400,
            f"limit must be between {minimum} and {maximum}",
            {"limit": [f"expected an integer between {minimum} and {maximum}"]},
        )
    return min(limit, cap), None


def list_limit(resource, params, cfg):
    """(limit, error response) of a list of resource under the configuration (page_size, page_size_max, limit_above_max)."""
    mode = cfg["limit_above_max"]
    clamp = mode == "clamp_all" or (mode == "clamp" and resource in CLAMPED_BY_DEFAULT)
    return parse_limit(
        params,
        cfg["page_size"],
        1,
        LIST_MAXIMUM[resource],
        clamp,
        cap=cfg["page_size_max"],
    )


def cut_page(resource, items, params, limit, style="simple"):
    """items: (seq, object) sorted by seq. Returns (Page, None) or (None, error response) for a bad pageToken.

    A page token points just after the last item returned, so it stays valid when earlier items are deleted.
    """
    token = params.get("pageToken") or None
    after = START
    if token:
        after = decode_token(resource, token, style)
        if after is None:
            return None, error(
                400, "invalid pageToken", {"pageToken": ["the page token is not valid"]}
            )
        items = [item for item in items if item[0] > after]
    page = items[:limit]
    position = page[-1][0] if page else after
    next_token = encode_token(resource, position, style) if len(items) > limit else None
    return Page(resource, page, next_token, token, position, style), None


def list_envelope(results, page, last_page_token):
    """The normal list answer: ``{"results": [...], "nextPageToken": ...}`` (last page per last_page_token)."""
    body = {"results": results}
    if page.next_token:
        body["nextPageToken"] = page.next_token
    elif last_page_token == "empty":
        body["nextPageToken"] = ""
    return body
