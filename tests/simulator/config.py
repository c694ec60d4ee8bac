# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Configuration: the runtime keys with their defaults and checks, and the start-up options."""

from __future__ import annotations

import copy

from .capabilities import CAPABILITY_FORMAT_CHOICES
from .checks import as_bool, as_choice, as_float, as_int
from .faults import FaultRule
from .paging import LIMIT_ABOVE_MAX
from .shapes import LIST_ITEM_IDS, LIST_ITEM_TEMPLATES
from .tokens import TOKEN_STYLES

# The base URL of a simulator reached through the in-memory transport (see transport.py), started or not.
IN_MEMORY_URL = "http://bird.simulator"


def _check_pending_channel(key, value):
    if value is None:
        value = "null"
    return as_choice(key, value, ("null", "no_id", "absent"))


def _check_optional_capabilities_format(key, value):
    if value in (None, "null", ""):
        return None
    return as_choice(key, value, CAPABILITY_FORMAT_CHOICES)


def _check_template_filter_param(key, value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected a string, got {value!r}")
    return value


def _check_string(key, value):
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key}: expected a non-empty string, got {value!r}")
    return value


def _check_status_by_number(key, value):
    """E.164 number or number id -> a channel's final status."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(
            f"{key}: expected an object of number (or number id) -> status"
        )
    return {
        _check_string(key, number): _check_string(f"{key}[{number}]", status)
        for number, status in value.items()
    }


def _check_webhook_target(key, value):
    """None (deliveries are recorded, not sent) or an http(s) base URL such as http://127.0.0.1:5000."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError(f"{key}: expected an http(s) base URL or null, got {value!r}")
    return value


def _check_delays(key, value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list of seconds")
    return [as_float(f"{key}[{index}]", v, 0.0) for index, v in enumerate(value)]


def _non_negative(key, value):
    return as_float(key, value, 0.0)


def _check_faults(key, value):
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list of fault rules")
    return [FaultRule(rule).spec() for rule in value]


def _choice(*choices):
    return lambda key, value: as_choice(key, value, choices)


# key -> (default, check(key, value) -> normalised value)
CONFIG_SPEC = {
    "page_size": (10, lambda k, v: as_int(k, v, 1)),
    "page_size_max": (100, lambda k, v: as_int(k, v, 1)),
    "channel_delay": (0.0, as_float),
    "channel_setup_seconds": (0.0, _non_negative),
    "channel_final_status": ("active", _check_string),
    "channel_final_status_by_number": ({}, _check_status_by_number),
    "voiceless_create": ("refuse", _choice("refuse", "fail_channel")),
    "pending_channel": ("null", _check_pending_channel),
    "duplicate_status": (409, lambda k, v: as_int(k, v, 400, 599)),
    "duplicate_code": ("ConnectorAlreadyExists", _check_string),
    "duplicate_message": ("connector already exists", _check_string),
    "duplicate_scope": ("platform", _choice("platform", "template")),
    "duplicate_refusal": (True, as_bool),
    "delete_status": (204, lambda k, v: as_choice(k, as_int(k, v), (200, 202, 204))),
    "delete_delay": (0.0, _non_negative),
    "deleted_channel_visible": (False, as_bool),
    "template_filter_param": ("templateRef", _check_template_filter_param),
    "last_page_token": ("omit", _choice("omit", "empty")),
    "page_token_style": ("simple", _choice(*TOKEN_STYLES)),
    "limit_above_max": ("clamp", _choice(*LIMIT_ABOVE_MAX)),
    "list_delay": (0.0, _non_negative),
    "list_item_ids": ("both", _choice(*LIST_ITEM_IDS)),
    "get_item_ids": ("both", _choice("both", "null")),
    "list_item_template": ("full", _choice(*LIST_ITEM_TEMPLATES)),
    "number_field": ("number", _choice("number", "phoneNumber", "both")),
    "capabilities_format": ("list", _choice(*CAPABILITY_FORMAT_CHOICES)),
    "number_capabilities_format": (None, _check_optional_capabilities_format),
    "voiceless_every": (0, lambda k, v: as_int(k, v, 0)),
    "extra_fields": (True, as_bool),
    "latency": (0.0, lambda k, v: as_float(k, v, 0.0)),
    "rate_get": (50, lambda k, v: as_int(k, v, 0)),
    "rate_post": (500, lambda k, v: as_int(k, v, 0)),
    "retry_after_header": (False, as_bool),
    "request_id_header": (True, as_bool),
    "webhook_target": (None, _check_webhook_target),
    "webhook_retry_delays": ([1.0, 5.0], _check_delays),
    "echo_signing_key": (True, as_bool),
    "rate_limit_share": (0.0, lambda k, v: as_float(k, v, 0.0, 1.0)),
    "faults": ([], _check_faults),
    "random_seed": (0, as_int),
    "quiet": (False, as_bool),
}

CONFIG_DEFAULTS = {key: copy.deepcopy(spec[0]) for key, spec in CONFIG_SPEC.items()}

# Options that only matter when the simulator starts (not changeable at runtime).
SERVER_OPTIONS = {
    "seed": None,  # path to a seed JSON file, or the seed itself as a dict
    "generate_workspaces": 0,
    "numbers_per_workspace": 1,
    "access_key": None,
    "state_file": None,
    "host": "127.0.0.1",
    "port": 0,
    "https": False,
    "cert": None,
    "key": None,
    "cert_out": None,
    "url_file": None,
}


def validate_config(values):
    """Validate and normalise a partial runtime configuration; raises ValueError."""
    if not isinstance(values, dict):
        raise ValueError("configuration must be a JSON object")
    result = {}
    for key, value in values.items():
        if key not in CONFIG_SPEC:
            raise ValueError(
                f'unknown configuration key {key!r}; known keys: {", ".join(sorted(CONFIG_SPEC))}'
            )
        result[key] = CONFIG_SPEC[key][1](key, value)
    return result


def split_options(config):
    """Split a BirdSimulator config dict into (start-up options, full runtime configuration); raises ValueError."""
    config = dict(config or {})
    unknown = sorted(set(config) - set(CONFIG_SPEC) - set(SERVER_OPTIONS))
    if unknown:
        raise ValueError(f'unknown simulator option(s): {", ".join(unknown)}')
    options = {key: config.get(key, default) for key, default in SERVER_OPTIONS.items()}
    runtime = copy.deepcopy(CONFIG_DEFAULTS)
    runtime.update(
        validate_config({k: v for k, v in config.items() if k in CONFIG_SPEC})
    )
    return options, runtime
