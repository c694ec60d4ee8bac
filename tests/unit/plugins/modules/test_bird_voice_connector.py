# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_voice_connector: its documented results, check and diff mode, failures with Bird's words."""

from ansible_collections.bird.engagements.plugins.modules import bird_voice_connector
from ansible_collections.bird.engagements.tests.support.in_process import run_module
from ansible_collections.bird.engagements.tests.unit.helpers import (
    DEMO_KEY,
    N101,
    SMS_ONLY,
    WS1,
    connectors_of,
    writes,
)


def run(args, **kwargs):
    return run_module(bird_voice_connector.main, args, **kwargs)


def test_check_then_apply_then_nothing_left_to_do(module_env):
    sim = module_env()
    args = dict(workspace_id=WS1, phone_number="+31201230101")
    checked = run(args, check=True, diff=True)
    assert (
        checked["changed"]
        and checked["channel_id"] is None
        and checked["connector"] == {}
    )
    assert checked["diff"]["after"]["state"] == "present" and writes(sim) == 0
    applied = run(args, diff=True)
    assert (
        applied["changed"]
        and applied["channel_id"]
        and applied["phone_number_id"] == N101
    )
    assert applied["diff"] == checked["diff"]
    assert applied["connector"]["id"] == applied["connector_id"]
    again = run(args)
    assert not again["changed"] and again["channel_id"] == applied["channel_id"]
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_the_workspace_comes_from_the_environment_and_absent_removes(
    module_env, monkeypatch
):
    sim = module_env()
    monkeypatch.setenv("BIRD_WORKSPACE_ID", WS1)
    existing = sim.insert_connector(WS1, N101)
    result = run(dict(phone_number_id=N101, state="absent"))
    assert (
        result["changed"]
        and result["connector_id"] == existing["id"]
        and result["channel_id"] is None
    )
    assert connectors_of(sim, WS1) == []


def test_a_refused_write_fails_with_status_and_request_id_at_the_top(module_env):
    sim = module_env()
    sim.add_faults(
        {
            "method": "POST",
            "path": "/connectors$",
            "kind": "status",
            "status": 403,
            "body": {"code": "Forbidden", "message": "policy denies connectors:write"},
        }
    )
    result = run(dict(workspace_id=WS1, phone_number_id=N101))
    assert result["failed"] and not result["changed"]
    assert (result["status"], result["api_code"], result["api_message"]) == (
        403,
        "Forbidden",
        "policy denies connectors:write",
    )
    assert result["request_id"] and result["request_id"] in result["msg"]
    # One number: its failure, naming the number, not a batch's "1 of 1 numbers failed".
    assert result["msg"].startswith(
        "number +31201230101: POST /workspaces/%s/connectors: HTTP 403" % WS1
    ), result["msg"]


def test_bad_input_fails_before_any_request_naming_the_field(module_env):
    sim = module_env()
    for args, expected in [
        (
            dict(workspace_id="nope", phone_number="+31201230101"),
            "workspace_id must be a UUID",
        ),
        (
            dict(workspace_id=WS1, phone_number="31201230101"),
            "phone_number must be an E.164",
        ),
        (
            dict(workspace_id=WS1, phone_number_id=N101, connector_template_ref=""),
            "connector_template_ref must be",
        ),
        (
            dict(workspace_id=WS1, phone_number_id=N101, wait_timeout=-1),
            "wait_timeout must be 0 or more",
        ),
    ]:
        result = run(args)
        assert result["failed"] and expected in result["msg"], result
    assert sim.stats()["total"] == 0


def test_a_number_without_voice_fails_before_any_write(module_env):
    sim = module_env(capabilities_format="objects")
    result = run(dict(workspace_id=WS1, phone_number=SMS_ONLY))
    assert (
        result["failed"]
        and "has no voice capability" in result["msg"]
        and writes(sim) == 0
    )


def test_the_key_is_in_no_result(module_env):
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
    result = run(dict(workspace_id=WS1, phone_number_id=N101))
    assert result["failed"] and DEMO_KEY not in str(result)
