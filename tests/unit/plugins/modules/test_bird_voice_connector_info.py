# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_voice_connector_info: connectors with channel ids and status, and the workspace as code."""

import json

from ansible_collections.bird.engagements.plugins.modules import (
    bird_voice_connector_info,
    bird_voice_connectors,
)
from ansible_collections.bird.engagements.tests.support.in_process import run_module
from ansible_collections.bird.engagements.tests.unit.helpers import (
    DEMO_KEY,
    N101,
    N102,
    WS1,
    writes,
)


def test_connectors_and_a_workspace_spec_that_the_batch_module_accepts_as_it_is(
    module_env,
):
    sim = module_env()
    first = sim.insert_connector(WS1, N101, name="Support")
    sim.insert_connector(WS1, N102, template="voice-messagebird:2")
    info = run_module(bird_voice_connector_info.main, dict(workspace_id=WS1))
    assert (
        not info["changed"]
        and [c["connector_id"] for c in info["connectors"]][0] == first["id"]
    )
    assert info["connectors"][0]["channel_status"] == "active"
    assert (
        info["workspace_spec"]["workspace_id"] == WS1
        and len(info["workspace_spec"]["numbers"]) == 2
    )
    sim.reset_stats()
    again = run_module(
        bird_voice_connectors.main, dict(workspaces=[info["workspace_spec"]])
    )
    assert not again.get("failed") and not again["changed"] and writes(sim) == 0


def test_filters_are_checked_before_any_request(module_env):
    sim = module_env()
    result = run_module(
        bird_voice_connector_info.main,
        dict(workspace_id=WS1, phone_number="0201230101"),
    )
    assert (
        result["failed"]
        and "phone_number must be an E.164" in result["msg"]
        and sim.stats()["total"] == 0
    )


def test_a_read_failure_fails_with_birds_status(module_env):
    sim = module_env()
    sim.add_faults(
        {"method": "GET", "path": "/connectors$", "kind": "status", "status": 403}
    )
    result = run_module(bird_voice_connector_info.main, dict(workspace_id=WS1))
    assert result["failed"] and result["status"] == 403 and result["request_id"]


def test_an_unexpected_error_fails_with_its_type_and_text_and_never_the_key(
    module_env, monkeypatch
):
    module_env()

    def broken(*args, **kwargs):
        raise ValueError("a bug near %s" % DEMO_KEY)

    monkeypatch.setattr(bird_voice_connector_info, "voice_connectors", broken)
    result = run_module(bird_voice_connector_info.main, dict(workspace_id=WS1))
    assert result["failed"] and result["msg"].startswith("unexpected ValueError: a bug")
    assert DEMO_KEY not in json.dumps(result) and "********" in result["msg"]
