# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Canary access keys, and the search of every output for them."""

from __future__ import annotations

import uuid

CANARY_PREFIX = "bk-canary-"


def canary_key():
    """A random, distinctive access key: any piece of it in an output is a leak."""
    return CANARY_PREFIX + uuid.uuid4().hex


def find_leaks(key, texts, window=10):
    """Where ``key`` (or any ``window``-character piece of its random part) occurs in ``texts``.

    ``texts`` is ``{name: text}``; returns ``[(name, piece, context)]``.
    """
    secret = key.split("-")[-1] if key.startswith(CANARY_PREFIX) else key
    pieces = [key] + [
        secret[i : i + window] for i in range(0, max(1, len(secret) - window + 1))
    ]
    leaks = []
    for name, text in texts.items():
        text = text or ""
        for piece in pieces:
            index = text.find(piece)
            if index >= 0:
                leaks.append((name, piece, text[max(0, index - 80) : index + 80]))
                break
    return leaks
