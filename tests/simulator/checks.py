# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Checks that turn configuration, seed and fault-rule values into their normal form (or raise ValueError)."""

from __future__ import annotations

import math


def as_int(key, value, minimum=None, maximum=None):
    if isinstance(value, bool):
        raise ValueError(f"{key}: expected an integer, got {value!r}")
    try:
        result = int(value)
        if isinstance(value, float) and value != result:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"{key}: expected an integer, got {value!r}") from None
    return _in_range(key, result, minimum, maximum)


def as_float(key, value, minimum=None, maximum=None):
    if isinstance(value, bool):
        raise ValueError(f"{key}: expected a number, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key}: expected a number, got {value!r}") from None
    if math.isnan(result):
        raise ValueError(f"{key}: expected a number, got {value!r}")
    return _in_range(key, result, minimum, maximum)


def _in_range(key, result, minimum, maximum):
    if minimum is not None and result < minimum:
        raise ValueError(f"{key}: must be >= {minimum}, got {result}")
    if maximum is not None and result > maximum:
        raise ValueError(f"{key}: must be <= {maximum}, got {result}")
    return result


def as_bool(key, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in (
        "true",
        "yes",
        "on",
        "1",
        "false",
        "no",
        "off",
        "0",
    ):
        return value.lower() in ("true", "yes", "on", "1")
    raise ValueError(f"{key}: expected a boolean, got {value!r}")


def as_choice(key, value, choices):
    if value not in choices:
        raise ValueError(
            f'{key}: must be one of {", ".join(repr(c) for c in choices)}, got {value!r}'
        )
    return value
