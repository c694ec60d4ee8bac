# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make live`` (tests/live/live.py) run as ``make live`` runs it, against the simulator.

Once as Bird most likely is (the simulator's defaults) and twice taking the other side of the
unverified points, each time in a workspace that holds other connectors (SMS, Voice of other
numbers and of another version, an SMS connector on the spare number itself): the report says
what the simulator was set to do and what its own log shows it did, every write touched the
spare number only, and the workspace (every workspace) is as it was. Then the refusals: missing
or malformed variables (each named, nothing sent), a number that is not spare (nothing written),
and a failed channel (cleaned up all the same). The access key is a canary found nowhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from ansible_collections.bird.engagements.tests.support.ansible_runs import ROOT
from ansible_collections.bird.engagements.tests.support.leaks import (
    canary_key,
    find_leaks,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    SMS_ONLY,
    WS1,
    WS2,
    number_id,
    seed_with_key,
)

LIVE = os.path.join(ROOT, "tests", "live", "live.py")
SPARE = "+31201230104"
SPARE_ID = number_id(SPARE)
CONNECTORS_PATH = "/workspaces/%s/connectors" % WS1

# Another side of every unverified point at once (and a page of two items, so lists have pages).
OTHER_SIDE = {
    "duplicate_refusal": False,
    "template_filter_param": "",
    "list_item_ids": "none",
    "list_item_template": "none",
    "delete_status": 202,
    "delete_delay": 0.3,
    "deleted_channel_visible": True,
    "capabilities_format": "string",
    "number_capabilities_format": "endpoint",
    "number_field": "phoneNumber",
    "last_page_token": "empty",
    "limit_above_max": "reject",
    "request_id_header": False,
    "pending_channel": "no_id",
    "channel_delay": 0.3,
    "channel_setup_seconds": 2.0,
    "list_delay": 0.5,
    "page_token_style": "binary",
}
# The third answer to a second install (422), and the remaining shapes.
OTHER_422 = {
    "duplicate_status": 422,
    "duplicate_code": "InvalidPayload",
    "template_filter_param": "connectorTemplateRef",
    "capabilities_format": "objects",
    "number_capabilities_format": "dict",
    "number_field": "both",
    "delete_status": 200,
    "pending_channel": "absent",
    "channel_delay": 0.3,
    "limit_above_max": "clamp_all",
    "page_token_style": "bird",
}

EXPECTED: dict[str, dict] = {
    "likely": {
        "duplicate_refused": True,
        "duplicate_status": 409,
        "duplicate_code": "ConnectorAlreadyExists",
        "template_filter_honoured": True,
        "list_items_name_number": True,
        "list_items_name_template": True,
        "capabilities_shape": "list",
        "number_capabilities_shape": "list",
        "number_field": "number",
        "delete_status": 204,
        "delete_async": False,
        "deleted_channel_visible": False,
        "channel_statuses_seen": ["active"],
        "create_returns_channel": True,
        "pending_channel_shape": None,
        "request_id_header": True,
        "get_names_number": True,
    },
    "other side": {
        "duplicate_refused": False,
        "duplicate_status": None,
        "duplicate_code": None,
        "template_filter_honoured": False,
        "list_items_name_number": False,
        "list_items_name_template": False,
        "capabilities_shape": "string",
        "number_capabilities_shape": "endpoint-list",
        "number_field": "phoneNumber",
        "delete_status": 202,
        "delete_async": True,
        "deleted_channel_visible": True,
        "channel_statuses_seen": ["pending", "setting-up", "active"],
        "create_returns_channel": False,
        "pending_channel_shape": "no-id",
        "request_id_header": False,
        "get_names_number": True,
    },
    "422": {
        "duplicate_refused": True,
        "duplicate_status": 422,
        "duplicate_code": "InvalidPayload",
        "template_filter_honoured": False,
        "capabilities_shape": "object",
        "number_capabilities_shape": "object",
        "number_field": "both",
        "delete_status": 200,
        "delete_async": False,
        "channel_statuses_seen": ["active"],
        "create_returns_channel": False,
        "pending_channel_shape": "absent",
        "request_id_header": True,
    },
}
PAGING = {
    "likely": {"last_page_token": "omitted", "limit_above_max": "accepted"},
    "other side": {"last_page_token": "empty", "limit_above_max": "refused"},
    "422": {"last_page_token": "omitted", "limit_above_max": "accepted"},
}
CONFIGS: dict[str, dict] = {"likely": {}, "other side": OTHER_SIDE, "422": OTHER_422}


def busy_seed(key):
    """The demo seed with other connectors: SMS ones (one on the spare number), Voice ones of other
    numbers (one of version 2), and one in the other workspace."""
    seed = seed_with_key(key)
    extra = {
        WS1: [
            ("sms-messagebird:1", SMS_ONLY),
            ("voice-messagebird:1", "+31201230101"),
            ("voice-messagebird:2", "+31201230102"),
            ("sms-messagebird:1", SPARE),
        ],
        WS2: [("voice-messagebird:1", "+31201230201")],
    }
    for workspace in seed["workspaces"]:
        workspace["connectors"] = [
            {
                "name": "theirs %d" % i,
                "template": template,
                "phoneNumberId": number_id(e164),
            }
            for i, (template, e164) in enumerate(extra[workspace["id"]])
        ]
    return seed


class Writes:
    """Every write the simulator receives, with its body and answer (a hook on its request handling)."""

    def __init__(self, sim):
        self.entries: list = []
        self._lock = threading.Lock()
        original = sim.handle_api

        def handle_api(method, path, query, headers, raw_body):
            response = original(method, path, query, headers, raw_body)
            if method != "GET":
                body = json.loads(raw_body) if raw_body else None
                answer = response.body if isinstance(response.body, dict) else {}
                with self._lock:
                    self.entries.append(
                        (method, path, body, response.status, answer.get("id"))
                    )
            return response

        sim.handle_api = handle_api

    def assert_spare_only(self):
        """Every create is a Voice connector of the spare number; every delete, a connector so created."""
        created = set()
        for method, path, body, status, new_id in self.entries:
            if method == "POST":
                assert path == CONNECTORS_PATH, path
                assert body["arguments"] == {"phoneNumberId": SPARE_ID}, body
                assert body["connectorTemplateRef"].startswith(
                    "voice-messagebird:"
                ), body
                if 200 <= status < 300:
                    created.add(new_id)
            else:
                assert method == "DELETE", (method, path)
                workspace_path, dummy, cid = path.rpartition("/")
                assert workspace_path == CONNECTORS_PATH and cid in created, path
        return created

    def statuses(self, method):
        return [e[3] for e in self.entries if e[0] == method]


def state_of(sim, created=()):
    """Every workspace's connectors (id, template, number) and channels (id, connector, status), less the
    channels Bird keeps as ``deleted`` for connectors this run created and deleted."""
    result = {}
    for ws_id, workspace in sim.state()["workspaces"].items():
        connectors = sorted(
            (
                c["id"],
                c["connectorTemplateRef"],
                (c.get("arguments") or {}).get("phoneNumberId"),
            )
            for c in workspace["connectors"]
        )
        channels = sorted(
            (c["id"], c["connectorId"], c["status"])
            for c in workspace["channels"]
            if not (c["connectorId"] in created and c["status"] == "deleted")
        )
        result[ws_id] = (connectors, channels, len(workspace["pending_channels"]))
    return result


def live_env(sim, key, **variables):
    """The environment of make live against ``sim``: no BIRD_ variable of this shell; ``variables``
    replace the spare number's defaults (an empty one is unset for the driver)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIRD_")}
    env.update(
        BIRD_API_URL=sim.url,
        BIRD_LIVE_WAIT="30",
        BIRD_ACCESS_KEY=key,
        BIRD_WORKSPACE_ID=WS1,
        BIRD_LIVE_NUMBER_ID=SPARE_ID,
    )
    env.update(variables)
    return env


def run_live(env, tmp_path):
    report_path = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, LIVE, "--report", str(report_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    text = report_path.read_text(encoding="utf-8") if report_path.exists() else ""
    report = json.loads(text) if text else None
    return proc, report, text


def assert_no_leak(key, proc, text):
    assert not find_leaks(
        key, {"stdout": proc.stdout, "stderr": proc.stderr, "report": text}
    )


@pytest.mark.parametrize("side", list(CONFIGS))
def test_live_reports_what_the_api_did_writes_only_the_spare_number_and_leaves_the_workspace(
    simulator, tmp_path, side
):
    key = canary_key()
    sim = simulator(seed=busy_seed(key), page_size_max=2, **CONFIGS[side])
    before = state_of(sim)
    writes = Writes(sim)

    proc, report, text = run_live(live_env(sim, key), tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert report["ok"] is True and report["failures"] == [], report["failures"]
    for field, value in EXPECTED[side].items():
        assert report[field] == value, (field, report[field], value)
    for field, value in PAGING[side].items():
        assert report["paging"][field] == value, (field, report["paging"])
    # What the simulator's own record shows it did.
    posts, deletes = writes.statuses("POST"), writes.statuses("DELETE")
    assert posts[0] == 201 and report["create"]["status"] == 201
    second = posts[1]
    assert report["duplicate_refused"] is (second >= 400)
    assert report["duplicate_status"] == (second if second >= 400 else None)
    assert report["delete_status"] == deletes[1 if second < 400 else 0]
    assert report["template_filter"]["other_templates"] >= 3
    assert report["modules"]["checks"] and all(report["modules"]["checks"].values())
    if side == "other side":
        assert report["connector_listed_after_seconds"] >= 0.5
        assert report["delete"]["deleted_channel_status"] == "deleted"
    # Writes: the spare number only; every connector made is gone; the workspaces are as they were.
    created = writes.assert_spare_only()
    assert len(created) == (3 if side == "other side" else 2)
    assert state_of(sim, created) == before
    assert report["workspace"]["unchanged"] is True
    assert [w["method"] for w in report["writes"]][:2] == ["POST", "POST"]
    assert "OK" in proc.stdout.splitlines()[-1]
    assert_no_leak(key, proc, text)
    assert SPARE not in text  # ids only: the report goes into public issues


def test_missing_variables_are_each_named_and_nothing_is_sent(simulator, tmp_path):
    sim = simulator()
    every = dict(BIRD_ACCESS_KEY="", BIRD_WORKSPACE_ID="", BIRD_LIVE_NUMBER_ID="")
    proc, report, dummy = run_live(live_env(sim, "unused", **every), tmp_path)
    assert proc.returncode == 2 and report is None
    for name in every:
        assert "%s is not set" % name in proc.stderr
    key = canary_key()
    proc, report, dummy = run_live(
        live_env(sim, key, BIRD_WORKSPACE_ID="", BIRD_LIVE_NUMBER_ID="not-a-uuid"),
        tmp_path,
    )
    assert proc.returncode == 2
    assert "BIRD_WORKSPACE_ID is not set" in proc.stderr
    assert "BIRD_LIVE_NUMBER_ID must be a UUID" in proc.stderr
    assert "BIRD_ACCESS_KEY" not in proc.stderr
    assert_no_leak(key, proc, "")
    assert sim.stats()["total"] == 0


@pytest.mark.parametrize(
    "case",
    [
        "voice connector",
        "voice connector of version 2",
        "not in the workspace",
        "no voice",
    ],
)
def test_a_number_that_is_not_spare_stops_the_run_before_any_write(
    simulator, tmp_path, case
):
    key = canary_key()
    sim = simulator(seed=busy_seed(key))
    number, named = SPARE_ID, [SPARE_ID]
    if case.startswith("voice connector"):
        template = "voice-messagebird:2" if "2" in case else "voice-messagebird:1"
        named.append(sim.insert_connector(WS1, SPARE_ID, template=template)["id"])
    elif case == "not in the workspace":
        number = named[0] = number_id("+31201230201")  # a number of the other workspace
    else:
        number = named[0] = number_id(SMS_ONLY)
    before = state_of(sim)

    proc, report, text = run_live(
        live_env(sim, key, BIRD_LIVE_NUMBER_ID=number), tmp_path
    )

    assert proc.returncode == 3, proc.stdout + proc.stderr
    reason = report["stopped_before_writes"]
    assert reason and all(name in reason for name in named), reason
    assert all(name in proc.stdout for name in named)
    assert sim.stats()["writes"] == 0 and report["writes"] == []
    assert state_of(sim) == before
    assert_no_leak(key, proc, text)
    assert SPARE not in text


def test_a_failed_step_still_leaves_the_workspace_as_it_was(simulator, tmp_path):
    key = canary_key()
    sim = simulator(
        seed=busy_seed(key), channel_final_status="failed", delete_delay=0.3
    )
    before = state_of(sim)
    writes = Writes(sim)

    proc, report, text = run_live(live_env(sim, key), tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert report["ok"] is False and report["channel_statuses_seen"] == ["failed"]
    assert any("ended 'failed'" in f for f in report["failures"]), report["failures"]
    assert report["modules"]["verdict"].startswith("not run")
    created = writes.assert_spare_only()
    assert created and state_of(sim, created) == before
    assert report["workspace"]["unchanged"] is True
    assert "NOT OK" in proc.stdout
    assert_no_leak(key, proc, text)
