# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Channels: their status lifecycle, status changes, channels kept as deleted (channels.py)."""

from __future__ import annotations

import time

import pytest

from ansible_collections.bird.engagements.tests.simulator.channels import (
    render_channel,
    status_at,
)

from .helpers import (
    SMS_CONNECTOR,
    SMS_ONLY,
    WS1,
    Client,
    in_memory,
    list_all,
    number_id,
    seed,
)

CHANNEL_FIELDS = {
    "id",
    "platformId",
    "name",
    "connectorId",
    "identifier",
    "status",
    "createdAt",
    "updatedAt",
}


def _channel_of(client, connector):
    return client.get(f'/channels/{connector["channel"]["channelId"]}')


def test_a_new_channel_is_active_at_once_by_default_and_has_the_documented_fields():
    client = Client(in_memory())
    connector = client.create(0, name="Voice 0").json()
    channel = _channel_of(client, connector).json()
    assert set(channel) == CHANNEL_FIELDS
    assert channel["status"] == "active"
    assert channel["platformId"] == "voice-messagebird"
    assert channel["identifier"] == "+31205550000"
    assert channel["connectorId"] == connector["id"]
    assert channel["name"] == "Voice 0"


def test_the_setup_goes_pending_then_setting_up_then_final_at_those_times():
    channel = {
        "readyAt": 100.0,
        "setupSeconds": 10.0,
        "status": "failed",
        "changes": [],
        "id": "c",
        "platformId": "voice-messagebird",
        "name": "n",
        "connectorId": "k",
        "identifier": "+1",
    }
    assert [status_at(channel, at) for at in (100.0, 104.9, 105.0, 109.9, 110.0)] == [
        "pending",
        "pending",
        "setting-up",
        "setting-up",
        "failed",
    ]
    assert render_channel(channel, 107.0)["updatedAt"].endswith(":45.000Z")
    # a change during the setup ends it: the later setup steps never happen
    channel["changes"] = [[103.0, "inactive"]]
    assert [status_at(channel, at) for at in (102.0, 103.0, 108.0, 200.0)] == [
        "pending",
        "inactive",
        "inactive",
        "inactive",
    ]


def test_channel_setup_seconds_shows_the_setting_up_states_over_the_api():
    client = Client(in_memory(channel_setup_seconds=0.6))
    connector = client.create(0).json()
    assert _channel_of(client, connector).json()["status"] == "pending"
    assert [
        c["connectorId"]
        for c in client.get("/channels", status="pending").json()["results"]
    ] == [connector["id"]]
    time.sleep(0.4)
    assert _channel_of(client, connector).json()["status"] == "setting-up"
    time.sleep(0.3)
    channel = _channel_of(client, connector).json()
    assert channel["status"] == "active"
    assert channel["updatedAt"] > channel["createdAt"]


@pytest.mark.parametrize("final", ["failed", "inactive", "warning", "suspended"])
def test_channel_final_status_is_where_a_new_channel_ends(final):
    sim = in_memory(channel_final_status=final)
    client = Client(sim)
    connector = client.create(0).json()
    assert _channel_of(client, connector).json()["status"] == final
    listed = client.get("/channels", status=final).json()["results"]
    assert [c["connectorId"] for c in listed] == [connector["id"]]
    # the seeded connector's channel is active whatever the setting
    assert (
        client.get("/channels", status="active").json()["results"][0]["connectorId"]
        == SMS_CONNECTOR
    )


def test_channel_final_status_by_number_overrides_it_by_e164_or_by_number_id():
    sim = in_memory(
        channel_final_status_by_number={
            "+31205550001": "failed",
            number_id(2): "warning",
        }
    )
    client = Client(sim)
    statuses = [
        _channel_of(client, client.create(index).json()).json()["status"]
        for index in range(3)
    ]
    assert statuses == ["active", "failed", "warning"]


def test_seeded_channels_are_active_unless_the_seed_gives_channel_status():
    data = seed()
    data["workspaces"][0]["connectors"].append(
        {
            "name": "v",
            "connectorTemplateRef": "voice-messagebird:1",
            "phoneNumberId": number_id(4),
            "channelStatus": "inactive",
        }
    )
    client = Client(in_memory(seed=data, channel_final_status="failed"))
    channels = client.get("/channels").json()["results"]
    assert [c["status"] for c in channels] == ["active", "inactive"]


def test_set_channel_status_changes_a_channel_at_any_time_over_http_and_python():
    sim = in_memory()
    client = Client(sim)
    connector = client.create(0).json()
    channel_id = connector["channel"]["channelId"]
    changed = client.admin("POST", f"/channels/{channel_id}", {"status": "inactive"})
    assert changed["status"] == "inactive" and changed["id"] == channel_id
    assert _channel_of(client, connector).json()["status"] == "inactive"
    assert sim.set_channel_status(channel_id, "warning")["status"] == "warning"
    assert (
        client.get("/channels", status="warning").json()["results"][0]["id"]
        == channel_id
    )
    states = sim.state()["workspaces"][WS1]["channels"]
    assert {c["id"]: c["status"] for c in states}[channel_id] == "warning"
    assert (
        client.admin_call("POST", "/channels/nope", {"status": "failed"}).status_code
        == 404
    )
    assert (
        client.admin_call("POST", f"/channels/{channel_id}", {"status": ""}).status_code
        == 400
    )
    assert (
        client.admin_call("POST", f"/channels/{channel_id}", {"other": 1}).status_code
        == 400
    )
    with pytest.raises(LookupError):
        sim.set_channel_status("nope", "failed")


def test_a_status_set_before_assignment_holds_from_the_assignment_on():
    sim = in_memory(channel_delay=0.2, channel_setup_seconds=5)
    client = Client(sim)
    connector = client.create(0).json()
    channel_id = sim.state()["workspaces"][WS1]["pending_channels"][0]["channelId"]
    assert sim.set_channel_status(channel_id, "failed")["status"] == "failed"
    assert client.get(f"/channels/{channel_id}").status_code == 404
    time.sleep(0.25)
    assert (
        client.get(f'/connectors/{connector["id"]}').json()["channel"]["channelId"]
        == channel_id
    )
    assert client.get(f"/channels/{channel_id}").json()["status"] == "failed"


@pytest.mark.parametrize("visible", [False, True])
def test_deleted_channel_visible_keeps_the_channel_of_a_deleted_connector(visible):
    sim = in_memory(deleted_channel_visible=visible)
    client = Client(sim)
    connector = client.create(0).json()
    assert client.delete(f'/connectors/{connector["id"]}').status_code == 204
    response = _channel_of(client, connector)
    if not visible:
        assert response.status_code == 404
        assert client.get("/channels", status="deleted").json()["results"] == []
        return
    assert response.status_code == 200 and response.json()["status"] == "deleted"
    assert response.json()["connectorId"] == connector["id"]
    listed = client.get("/channels", status="deleted").json()["results"]
    assert [c["id"] for c in listed] == [connector["channel"]["channelId"]]
    # the number is free for a new connector; an admin delete keeps its channel the same way
    again = client.create(0).json()
    sim.delete_connector(WS1, again["id"])
    assert _channel_of(client, again).json()["status"] == "deleted"


def test_channels_list_pages_and_filters():
    client = Client(in_memory(page_size=2, page_token_style="bird"))
    for index in range(4):
        client.create(index)
    items, pages, _last = list_all(client, "/channels", platform="voice-messagebird")
    assert len(items) == 4 and pages == 2
    assert all(set(item) == CHANNEL_FIELDS for item in items)
    assert client.get("/channels", limit=1000).status_code == 200
    assert client.get("/channels", limit=1001).status_code == 400


@pytest.mark.parametrize("mode", ["refuse", "fail_channel"])
def test_voiceless_create_refuses_or_accepts_with_a_channel_that_ends_failed(mode):
    sim = in_memory(voiceless_create=mode)
    client = Client(sim)
    none = sim.add_number(WS1, "+31205554444", capabilities=["sms", "voice-none"])
    for number in (SMS_ONLY, none["id"]):
        response = client.create(phone_number_id=number)
        if mode == "refuse":
            assert response.status_code == 422
            assert "voice" in response.json()["details"]["arguments.phoneNumberId"][0]
            continue
        assert response.status_code == 201, response.text
        assert _channel_of(client, response.json()).json()["status"] == "failed"
    # a number that is not there is refused either way
    assert (
        client.create(
            phone_number_id="00000000-0000-4000-8000-00000000beef"
        ).status_code
        == 422
    )
