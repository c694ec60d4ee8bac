# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voice_channel_id lookup: channel ids in the order of the terms, options from the environment."""

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader
from ansible.utils.display import Display

from ansible_collections.bird.engagements.tests.unit.helpers import (
    DEMO_KEY,
    N101,
    N102,
    WS1,
)


@pytest.fixture
def lookup():
    return lookup_loader.get("bird.engagements.voice_channel_id")


def test_channel_ids_in_the_order_of_the_terms_with_the_key_only_in_the_environment(
    module_env, monkeypatch, lookup
):
    sim = module_env()
    monkeypatch.setenv("BIRD_WORKSPACE_ID", WS1)
    first = sim.insert_connector(WS1, N101)
    second = sim.insert_connector(WS1, N102)
    found = lookup.run([N102, "+31201230101"], variables={})
    assert found == [second["channel"]["channelId"], first["channel"]["channelId"]]


def test_a_term_without_a_channel_fails_naming_it_and_never_the_key(module_env, lookup):
    module_env()
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run(["+31201230101"], variables={}, workspace_id=WS1)
    assert "+31201230101 has no Voice connector" in str(info.value)
    assert DEMO_KEY not in str(info.value)


def test_empty_environment_values_count_as_unset(module_env, monkeypatch, lookup):
    module_env()
    monkeypatch.setenv("BIRD_WORKSPACE_ID", "")
    with pytest.raises(
        AnsibleLookupError,
        match="workspace_id is required: give it, or set BIRD_WORKSPACE_ID",
    ):
        lookup.run(["+31201230101"], variables={})
    with pytest.raises(AnsibleLookupError, match="workspace_id must be a UUID"):
        lookup.run(["+31201230101"], variables={}, workspace_id="ws-1")


def test_an_echoed_key_is_scrubbed_from_api_errors(module_env, lookup):
    sim = module_env()
    sim.add_faults(
        {
            "method": "GET",
            "path": "/connectors$",
            "kind": "status",
            "status": 400,
            "echo_headers": True,
        }
    )
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run(["+31201230101"], variables={}, workspace_id=WS1)
    assert "HTTP 400" in str(info.value) and DEMO_KEY not in str(info.value)


def test_a_plain_http_api_url_is_warned_about_as_the_modules_do(
    module_env, monkeypatch, lookup
):
    sim = module_env()
    connector = sim.insert_connector(WS1, N101)
    warnings = []
    monkeypatch.setattr(
        Display, "warning", lambda self, msg, *args, **kwargs: warnings.append(msg)
    )
    found = lookup.run([N101], variables={}, workspace_id=WS1)
    assert found == [connector["channel"]["channelId"]]
    assert len(warnings) == 1 and "plain http" in warnings[0]
    assert warnings[0].startswith("voice_channel_id: ") and DEMO_KEY not in warnings[0]
