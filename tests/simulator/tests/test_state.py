# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Seed, generated workspaces and the state file (state.py)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from ansible_collections.bird.engagements.tests.simulator import (
    GENERATED_NAMESPACE,
    BirdSimulator,
    generated_ids,
    run_simulator,
)

from .helpers import DEMO_SEED, SMS_CONNECTOR, WS1, Client, in_memory, seed, serving


def test_the_state_file_keeps_connectors_and_channels_across_restarts(tmp_path):
    state_file = str(tmp_path / "state.json")
    with serving(state_file=state_file, channel_delay=0.2) as sim:
        client = Client(sim)
        pending = client.create(0).json()
        ready = client.create(1).json()
        client.delete(f"/connectors/{SMS_CONNECTOR}")
        assert pending["channel"] is None
    with serving(state_file=state_file) as sim:
        client = Client(sim)
        ids = [c["id"] for c in client.get("/connectors").json()["results"]]
        assert ids == [pending["id"], ready["id"]]
        time.sleep(0.2)
        first = client.get(f'/connectors/{pending["id"]}').json()["channel"][
            "channelId"
        ]
        assert client.get(f"/channels/{first}").status_code == 200
        assert client.create(1).status_code == 409
        client.create(2)
    with serving(state_file=state_file) as sim:
        client = Client(sim)
        assert (
            client.get(f'/connectors/{pending["id"]}').json()["channel"]["channelId"]
            == first
        )
        assert len(client.get("/connectors").json()["results"]) == 3
        client.admin("POST", "/reset")
    with open(state_file, encoding="utf-8") as handle:
        saved = json.load(handle)
    assert [c["id"] for c in saved["workspaces"][WS1]["connectors"]] == [SMS_CONNECTOR]


def test_the_state_file_keeps_admin_changes(tmp_path):
    state_file = str(tmp_path / "state.json")
    sim = in_memory(state_file=state_file)
    added = sim.add_number(WS1, number="+31205558888", capabilities=["sms", "voice"])
    inserted = sim.insert_connector(WS1, added["id"])
    sim.delete_connector(WS1, SMS_CONNECTOR)
    again = in_memory(state_file=state_file)
    assert [n["id"] for n in again.workspaces[WS1]["numbers"]][-1] == added["id"]
    assert [c["id"] for c in again.state()["workspaces"][WS1]["connectors"]] == [
        inserted["id"]
    ]
    assert (
        again.state()["workspaces"][WS1]["connectors"][0]["number"]["phoneNumber"]
        == "+31205558888"
    )


def test_generated_ids_are_stable_unique_and_match_the_generated_workspaces():
    first = generated_ids(3, 4)
    assert first == generated_ids(3, 4)
    numbers = [n["number"] for ws in first for n in ws["numbers"]]
    assert len(set(numbers)) == 12 and numbers[0] == "+31201000000"
    assert all(len(n) == 12 and n.startswith("+3120") for n in numbers)
    assert first[1]["numbers"][0]["id"] == str(
        uuid.uuid5(GENERATED_NAMESPACE, "workspace-1-number-0")
    )
    assert all(
        n["capabilities"] == ["sms", "voice"] for ws in first for n in ws["numbers"]
    )
    with run_simulator(
        generate_workspaces=3, numbers_per_workspace=4, access_key="k"
    ) as sim:
        assert list(sim.workspaces) == [ws["id"] for ws in first]
        response = requests.get(
            f'{sim.url}/workspaces/{first[2]["id"]}/numbers',
            headers={"Authorization": "AccessKey k"},
            timeout=5,
        )
        assert [n["number"] for n in response.json()["results"]] == [
            n["number"] for n in first[2]["numbers"]
        ]


def test_the_demo_seed_has_the_documented_numbers_and_key():
    with run_simulator(seed=DEMO_SEED) as sim:
        workspaces = list(sim.workspaces.values())
        assert len(workspaces) == 2
        voice = [
            [n for n in ws["numbers"] if "voice" in n["capabilities"]]
            for ws in workspaces
        ]
        assert [len(v) for v in voice] == [4, 3]
        assert [
            n["capabilities"]
            for n in workspaces[0]["numbers"]
            if "voice" not in n["capabilities"]
        ] == [["sms"]]
        assert sim.access_keys == ["demo-access-key-not-secret"]
        assert sim.organization_id == "c1b2c3d4-0000-4000-8000-000000000001"


def test_voiceless_every_gives_every_kth_generated_number_sms_only():
    expected = generated_ids(2, 7, voiceless_every=3)
    assert [[n["capabilities"] for n in ws["numbers"]] for ws in expected] == [
        [
            ["sms", "voice"],
            ["sms", "voice"],
            ["sms"],
            ["sms", "voice"],
            ["sms", "voice"],
            ["sms"],
            ["sms", "voice"],
        ]
    ] * 2
    assert [n["id"] for n in expected[0]["numbers"]] == [
        n["id"] for n in generated_ids(2, 7)[0]["numbers"]
    ]
    sim = BirdSimulator(
        {
            "seed": seed(),
            "generate_workspaces": 2,
            "numbers_per_workspace": 7,
            "voiceless_every": 3,
            "quiet": True,
        }
    )
    generated = {ws["id"]: ws for ws in expected}
    for ws_id, ws in sim.workspaces.items():
        if ws_id in generated:
            assert ws["numbers"] == [
                dict(n, status="active") for n in generated[ws_id]["numbers"]
            ]
    assert [n["capabilities"] for n in sim.workspaces[WS1]["numbers"]] == [
        ["sms", "voice"]
    ] * 8 + [
        ["sms"]
    ]  # seeded ones keep theirs
    voiceless = expected[0]["numbers"][2]["id"]
    client = Client(sim, key="test-key", workspace=expected[0]["id"])
    assert client.create(phone_number_id=voiceless).status_code == 422
    sim.update_config(voiceless_every=0)
    assert client.create(phone_number_id=voiceless).status_code == 201


def test_seed_connectors_may_be_of_any_template_version():
    data = seed()
    first_number = data["workspaces"][0]["numbers"][0]["id"]
    data["workspaces"][0]["connectors"].append(
        {
            "name": "v2",
            "connectorTemplateRef": "voice-messagebird:2",
            "phoneNumberId": first_number,
        }
    )
    sim = in_memory(seed=data)
    connectors = sim.state()["workspaces"][WS1]["connectors"]
    assert connectors[1]["connectorTemplateRef"] == "voice-messagebird:2"
    assert connectors[1]["id"] == str(
        uuid.uuid5(GENERATED_NAMESPACE, f"seed-connector-{WS1}-1")
    )
    assert connectors[1]["channel"]["channelId"] == str(
        uuid.uuid5(GENERATED_NAMESPACE, f"seed-channel-{WS1}-1")
    )
    assert Client(sim).create(0).status_code == 409


@pytest.mark.parametrize(
    "bad",
    [
        [1],
        {"other": 1},
        {"workspaces": [{"name": "no id"}]},
        {"workspaces": [{"id": "a"}, {"id": "a"}]},
        {"workspaces": [{"id": "a", "numbers": [{"id": "n"}]}]},
        {
            "workspaces": [
                {
                    "id": "a",
                    "numbers": [{"id": "n", "number": "+1", "capabilities": "x"}],
                }
            ]
        },
        {"access_keys": [{"key": ""}]},
        {"access_keys": [{"key": "k", "workspaces": "ws"}]},
    ],
)
def test_a_bad_seed_raises_value_error(bad):
    with pytest.raises(ValueError):
        BirdSimulator({"seed": bad})


def test_without_keys_the_default_key_is_accepted():
    sim = BirdSimulator({"seed": {"workspaces": [{"id": "w"}]}, "quiet": True})
    assert sim.access_keys == ["simulator-access-key"]
