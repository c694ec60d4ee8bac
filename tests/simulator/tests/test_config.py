# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Configuration keys: defaults, checks, runtime updates (config.py, checks.py)."""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.tests.simulator import (
    CONFIG_DEFAULTS,
    BirdSimulator,
    validate_config,
)

from .helpers import Client, in_memory

# The defaults as the README documents them; new keys must not change what the old ones do.
DOCUMENTED_DEFAULTS = {
    "page_size": 10,
    "page_size_max": 100,
    "channel_delay": 0.0,
    "channel_setup_seconds": 0.0,
    "channel_final_status": "active",
    "channel_final_status_by_number": {},
    "voiceless_create": "refuse",
    "pending_channel": "null",
    "duplicate_status": 409,
    "duplicate_code": "ConnectorAlreadyExists",
    "duplicate_message": "connector already exists",
    "duplicate_scope": "platform",
    "duplicate_refusal": True,
    "delete_status": 204,
    "delete_delay": 0.0,
    "deleted_channel_visible": False,
    "template_filter_param": "templateRef",
    "last_page_token": "omit",
    "page_token_style": "simple",
    "limit_above_max": "clamp",
    "list_delay": 0.0,
    "list_item_ids": "both",
    "get_item_ids": "both",
    "list_item_template": "full",
    "number_field": "number",
    "capabilities_format": "list",
    "number_capabilities_format": None,
    "voiceless_every": 0,
    "extra_fields": True,
    "latency": 0.0,
    "rate_get": 50,
    "rate_post": 500,
    "retry_after_header": False,
    "request_id_header": True,
    "webhook_target": None,
    "webhook_retry_delays": [1.0, 5.0],
    "echo_signing_key": True,
    "rate_limit_share": 0.0,
    "faults": [],
    "random_seed": 0,
    "quiet": False,
}


def test_the_defaults_are_the_documented_ones():
    assert CONFIG_DEFAULTS == DOCUMENTED_DEFAULTS
    assert BirdSimulator().config() == DOCUMENTED_DEFAULTS


@pytest.mark.parametrize(
    "key, value",
    [
        ("page_size", 0),
        ("page_size", "x"),
        ("page_size", True),
        ("page_size", 1.5),
        ("channel_delay", float("nan")),
        ("latency", -1),
        ("pending_channel", "bad"),
        ("duplicate_status", 302),
        ("duplicate_code", ""),
        ("duplicate_scope", "number"),
        ("delete_status", 201),
        ("delete_delay", -1),
        ("deleted_channel_visible", "maybe"),
        ("duplicate_refusal", "maybe"),
        ("channel_setup_seconds", -0.5),
        ("channel_final_status", ""),
        ("channel_final_status", None),
        ("channel_final_status_by_number", ["failed"]),
        ("channel_final_status_by_number", {"+31205550000": ""}),
        ("voiceless_create", "accept"),
        ("page_token_style", "opaque"),
        ("limit_above_max", "ignore"),
        ("list_delay", -1),
        ("get_item_ids", "none"),
        ("request_id_header", "sometimes"),
        ("webhook_target", "127.0.0.1:5000"),
        ("webhook_target", 5000),
        ("webhook_retry_delays", 5),
        ("webhook_retry_delays", [1, -1]),
        ("echo_signing_key", "perhaps"),
        ("template_filter_param", 1),
        ("last_page_token", "none"),
        ("list_item_ids", "some"),
        ("list_item_template", "partial"),
        ("number_field", "e164"),
        ("capabilities_format", "set"),
        ("number_capabilities_format", "set"),
        ("voiceless_every", -1),
        ("extra_fields", "maybe"),
        ("rate_limit_share", 1.5),
        ("faults", "x"),
        ("random_seed", "x"),
        ("nope", 1),
    ],
)
def test_a_bad_value_or_unknown_key_raises_value_error(key, value):
    with pytest.raises(ValueError):
        validate_config({key: value})
    with pytest.raises(ValueError):
        BirdSimulator({key: value})


def test_values_are_normalised():
    assert validate_config(
        {
            "channel_delay": 2,
            "extra_fields": "off",
            "pending_channel": None,
            "template_filter_param": None,
            "number_capabilities_format": "",
            "faults": {"kind": "drop"},
            "delete_status": "200",
            "channel_final_status_by_number": None,
            "delete_delay": 1,
            "request_id_header": "no",
            "webhook_target": "",
            "webhook_retry_delays": [0, 2],
        }
    ) == {
        "channel_delay": 2.0,
        "extra_fields": False,
        "pending_channel": "null",
        "template_filter_param": "",
        "number_capabilities_format": None,
        "faults": [
            {
                "method": "*",
                "path": ".*",
                "kind": "drop",
                "status": 503,
                "body": None,
                "count": None,
                "skip": 0,
                "probability": 1.0,
                "retry_after": None,
                "delay": 0.0,
                "echo_headers": False,
                "malformed": None,
            }
        ],
        "delete_status": 200,
        "channel_final_status_by_number": {},
        "delete_delay": 1.0,
        "request_id_header": False,
        "webhook_target": None,
        "webhook_retry_delays": [0.0, 2.0],
    }
    with pytest.raises(ValueError):
        validate_config([])


def test_unknown_start_up_options_raise_value_error():
    with pytest.raises(ValueError, match="unknown simulator option"):
        BirdSimulator({"sead": "x"})


def test_update_config_takes_a_dict_or_keywords_and_a_bad_update_changes_nothing():
    sim = in_memory()
    assert (
        sim.update_config({"page_size": 3}, capabilities_format="cycle")["page_size"]
        == 3
    )
    assert sim.config()["capabilities_format"] == "cycle"
    with pytest.raises(ValueError):
        sim.update_config(page_size=4, list_item_ids="bad")
    assert sim.config()["page_size"] == 3


def test_setting_faults_replaces_the_rules_and_their_counters():
    sim = in_memory(faults=[{"kind": "status", "status": 500}])
    client = Client(sim)
    assert client.get("/numbers").status_code == 500
    assert sim.faults()[0]["fired"] == 1
    sim.update_config(faults=[{"kind": "status", "status": 502, "count": 1}])
    assert [rule["fired"] for rule in sim.faults()] == [0]
    assert client.get("/numbers").status_code == 502
    assert client.get("/numbers").status_code == 200
    sim.add_faults([{"kind": "status", "status": 418}])
    assert [rule["status"] for rule in sim.config()["faults"]] == [502, 418]
    sim.clear_faults()
    assert sim.config()["faults"] == [] and sim.faults() == []
    with pytest.raises(ValueError):
        sim.add_faults("x")
