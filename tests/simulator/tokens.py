# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Page tokens in the styles of ``page_token_style``: what a list hands out as ``nextPageToken``.

A token names the position (the creation sequence number) a page ends at and the resource it
belongs to. Decoding re-encodes that position and compares: a token of another resource, or one
changed on its way back (a "+" that arrived as a space, a rewritten "/", a lost "="), is refused.

- ``simple``: URL-safe base64 of ``<resource>:<seq>``, without padding (the simulator's own style).
- ``bird``: standard base64 of the JSON text ``[<epoch ms>, "<uuid>"]``, as in Bird's own example.
  Such a text is digits, hex, ``-``, ``"``, ``,``, `` `` and brackets only, and the base64 of those
  bytes never holds ``+`` or ``/`` (that takes a byte >= 0x80 or one of ``>?~``): the notes'
  "so it can hold +, / and =" holds for ``=`` only. json.dumps writes 55 bytes here, so every
  token ends in ``==``.
- ``binary``: standard base64 of bytes (a marker, the position, a uuid), built so that every token
  holds ``+``, ``/`` and ``=``: an opaque token as Bird may make it, to test that a client passes
  it back exactly, URL-encoded.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import uuid

TOKEN_STYLES = ("simple", "bird", "binary")

# Bird's example createdAt (2025-02-07T16:48:03.963Z): the epoch ms of a "bird" token is this plus the position.
BIRD_EPOCH_MS = 1738946883963
TOKEN_NAMESPACE = uuid.UUID("0b6d8f3e-2a41-4c1e-9d7a-5e3f1c2b4a90")
# base64 turns 0xfb 0xff into "+/"; 26 bytes in all leave one "=" of padding.
BINARY_MARKER = b"\xfb\xff"


def encode_token(resource, seq, style="simple"):
    if style == "simple":
        raw = f"{resource}:{seq}".encode("ascii")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    return _standard_token(resource, seq, style)


def decode_token(resource, token, style="simple"):
    """Return the sequence number encoded in token, or None if it is not a valid token of resource in style."""
    if style == "simple":
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
    try:
        decoded = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return None
    seq = _bird_position(decoded) if style == "bird" else _binary_position(decoded)
    # Only the exact token of that position and resource is one of ours.
    if seq is None or _standard_token(resource, seq, style) != token:
        return None
    return seq


def _marker(resource, seq):
    """The uuid that ties a token to its resource."""
    return uuid.uuid5(TOKEN_NAMESPACE, f"{resource}:{seq}")


@functools.lru_cache(maxsize=65536)
def _standard_token(resource, seq, style):
    if style == "bird":
        raw = json.dumps([BIRD_EPOCH_MS + seq, str(_marker(resource, seq))]).encode()
    else:
        raw = BINARY_MARKER + seq.to_bytes(8, "big") + _marker(resource, seq).bytes
    return base64.b64encode(raw).decode("ascii")


def _bird_position(raw):
    try:
        value = json.loads(raw.decode("ascii"))
    except ValueError:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and type(value[0]) is int  # pylint: disable=unidiomatic-typecheck  # not a bool
        and value[0] >= BIRD_EPOCH_MS
    ):
        return value[0] - BIRD_EPOCH_MS
    return None


def _binary_position(raw):
    if len(raw) != 26 or not raw.startswith(BINARY_MARKER):
        return None
    return int.from_bytes(raw[2:10], "big")
