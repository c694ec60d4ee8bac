# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""List pages: the ``limit`` query, opaque page tokens, and cutting a sorted list into pages."""

from __future__ import annotations

import base64
import binascii
import collections

from .shapes import error

# Sequence numbers start at 1, so a token of START leads to the first page.
START = 0

Page = collections.namedtuple(
    "Page", "resource items next_token request_token position"
)
Page.__doc__ = """One page of a list: items are (seq, object) pairs; position is the seq the page ends at."""


def encode_token(resource, seq):
    raw = f"{resource}:{seq}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_token(resource, token):
    """Return the sequence number encoded in token, or None if it is not valid for resource."""
    try:
        raw = base64.b64decode(
            token + "=" * (-len(token) % 4), altchars=b"-_", validate=True
        ).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    name, sep, seq = raw.partition(":")
    if not sep or name != resource or not seq.isdigit():
        return None
    return int(seq)


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


def cut_page(resource, items, params, limit):
    """items: (seq, object) sorted by seq. Returns (Page, None) or (None, error response) for a bad pageToken.

    A page token points just after the last item returned, so it stays valid when earlier items are deleted.
    """
    token = params.get("pageToken") or None
    after = START
    if token:
        after = decode_token(resource, token)
        if after is None:
            return None, error(
                400, "invalid pageToken", {"pageToken": ["the page token is not valid"]}
            )
        items = [item for item in items if item[0] > after]
    page = items[:limit]
    position = page[-1][0] if page else after
    next_token = encode_token(resource, position) if len(items) > limit else None
    return Page(resource, page, next_token, token, position), None


def list_envelope(results, page, last_page_token):
    """The normal list answer: ``{"results": [...], "nextPageToken": ...}`` (last page per last_page_token)."""
    body = {"results": results}
    if page.next_token:
        body["nextPageToken"] = page.next_token
    elif last_page_token == "empty":
        body["nextPageToken"] = ""
    return body
