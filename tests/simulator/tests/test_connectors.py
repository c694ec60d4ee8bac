# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Connector variants: delete answers and delays, late listing, accepted duplicates, request ids, names (api.py)."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time

import pytest
import requests

from .helpers import KEY, WS1, Client, in_memory, number_id, serving

UNKNOWN_WS = "00000000-0000-4000-8000-00000000dead"


# --- DELETE ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 202, 204])
def test_delete_status_gives_the_connector_or_no_body(status):
    client = Client(in_memory(delete_status=status))
    connector = client.create(0).json()
    response = client.delete(f'/connectors/{connector["id"]}')
    assert response.status_code == status
    if status == 204:
        assert response.content == b""
    else:
        assert response.json()["id"] == connector["id"]
        assert response.json()["arguments"] == {"phoneNumberId": number_id(0)}
    assert client.get(f'/connectors/{connector["id"]}').status_code == 404


def test_a_delayed_delete_leaves_the_connector_listed_and_readable_until_then():
    sim = in_memory(delete_status=202, delete_delay=0.3)
    client = Client(sim)
    connector = client.create(0).json()
    channel_id = connector["channel"]["channelId"]
    assert client.delete(f'/connectors/{connector["id"]}').status_code == 202
    assert client.get(f'/connectors/{connector["id"]}').status_code == 200
    assert connector["id"] in [
        c["id"] for c in client.get("/connectors").json()["results"]
    ]
    assert client.get(f"/channels/{channel_id}").status_code == 200
    assert client.create(0).status_code == 409  # still there
    # a second DELETE while the first is under way: already going, as if gone
    assert client.delete(f'/connectors/{connector["id"]}').status_code == 404
    time.sleep(0.35)
    assert client.get(f'/connectors/{connector["id"]}').status_code == 404
    assert client.get(f"/channels/{channel_id}").status_code == 404
    assert connector["id"] not in [
        c["id"] for c in client.get("/connectors").json()["results"]
    ]
    assert sim.stats()["writes_applied"] == 2


def test_a_delayed_delete_takes_effect_without_any_request_and_can_keep_the_channel():
    sim = in_memory(delete_delay=0.2, deleted_channel_visible=True)
    client = Client(sim)
    connector = client.create(0).json()
    assert client.delete(f'/connectors/{connector["id"]}').status_code == 204
    time.sleep(0.25)
    state = sim.state()["workspaces"][WS1]
    assert connector["id"] not in [c["id"] for c in state["connectors"]]
    kept = [c for c in state["channels"] if c["connectorId"] == connector["id"]]
    assert [c["status"] for c in kept] == ["deleted"]


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_of_two_racing_deletes_one_gets_2xx_and_the_other_404(delay):
    sim = in_memory(delete_delay=delay)
    connector = Client(sim).create(0).json()
    barrier = threading.Barrier(2)

    def delete(_index):
        client = Client(sim)
        barrier.wait()
        return client.delete(f'/connectors/{connector["id"]}').status_code

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(delete, range(2))) == [204, 404]


# --- unknown workspace ------------------------------------------------------------------


def test_any_call_on_an_unknown_workspace_is_404_workspace_not_found():
    client = Client(in_memory(), workspace=UNKNOWN_WS)
    for response in (
        client.get("/connectors"),
        client.get("/connectors/x"),
        client.create(0),
        client.delete("/connectors/x"),
        client.get("/channels"),
        client.get("/channels/x"),
        client.get("/numbers"),
        client.get(f"/numbers/{number_id(0)}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"code": "NotFound", "message": "workspace not found"}


# --- late listing, duplicates --------------------------------------------------------------


def test_list_delay_keeps_a_new_connector_and_its_channel_out_of_lists_for_a_while():
    sim = in_memory(list_delay=0.3)
    client = Client(sim)
    connector = client.create(0).json()
    channel_id = connector["channel"]["channelId"]
    assert client.get(f'/connectors/{connector["id"]}').status_code == 200
    assert client.get(f"/channels/{channel_id}").status_code == 200
    assert connector["id"] not in [
        c["id"] for c in client.get("/connectors").json()["results"]
    ]
    assert channel_id not in [
        c["id"] for c in client.get("/channels").json()["results"]
    ]
    assert client.create(0).status_code == 409  # it exists all the same
    time.sleep(0.35)
    assert connector["id"] in [
        c["id"] for c in client.get("/connectors").json()["results"]
    ]
    assert channel_id in [c["id"] for c in client.get("/channels").json()["results"]]


def test_a_lost_create_answer_that_bird_lists_only_later():
    sim = in_memory(
        list_delay=0.3,
        faults=[
            {
                "method": "POST",
                "path": "/connectors$",
                "kind": "drop_after_apply",
                "count": 1,
            }
        ],
    )
    client = Client(sim)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.create(1)
    assert [
        c["connectorTemplateRef"] for c in client.get("/connectors").json()["results"]
    ] == ["sms-messagebird:1"]
    time.sleep(0.35)
    voice = client.get("/connectors", templateRef="voice-messagebird:1").json()[
        "results"
    ]
    assert [c["arguments"]["phoneNumberId"] for c in voice] == [number_id(1)]


def test_duplicate_refusal_false_accepts_a_second_connector_on_the_number():
    sim = in_memory(duplicate_refusal=False)
    client = Client(sim)
    first = client.create(0).json()
    second = client.create(0, name="again")
    assert second.status_code == 201 and second.json()["id"] != first["id"]
    sim.insert_connector(WS1, number_id(0))  # no force needed
    voice = client.get("/connectors", templateRef="voice-messagebird").json()["results"]
    assert len(voice) == 3
    sim.update_config(duplicate_refusal=True)
    assert client.create(0).status_code == 409


# --- request ids, names ---------------------------------------------------------------------


def test_request_id_header_false_leaves_the_request_id_out():
    sim = in_memory()
    client = Client(sim)
    assert client.get("/numbers").headers["Messagebird-Request-Id"]
    sim.update_config(request_id_header=False)
    for response in (client.get("/numbers"), client.get("/nope"), client.create(0)):
        assert "Messagebird-Request-Id" not in response.headers
    assert sim.requests(1)[0]["request_id"] is None


NAMES = [
    "Zürich Voice",
    "Téléphone ☎ 東京",
    'emoji 😀 and "quotes" \\ slash',
    "ñ\u00a0\u2028",
]


@pytest.mark.parametrize("escaped", [False, True], ids=["utf-8", "u-escapes"])
def test_non_ascii_names_round_trip_exactly(escaped):
    with serving() as sim:
        client = Client(sim)
        for index, name in enumerate(NAMES):
            body = {
                "name": name,
                "connectorTemplateRef": "voice-messagebird:1",
                "arguments": {"phoneNumberId": number_id(index)},
            }
            data = json.dumps(body, ensure_ascii=escaped).encode("utf-8")
            assert data.isascii() is escaped  # raw UTF-8 bytes, or \u escapes only
            response = client.session.post(
                f"{client.base}/connectors",
                data=data,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Authorization": f"AccessKey {KEY}",
                },
                timeout=10,
            )
            assert response.status_code == 201, response.text
            created = response.json()
            assert created["name"] == name
            assert client.get(f'/connectors/{created["id"]}').json()["name"] == name
            channel = client.get(f'/channels/{created["channel"]["channelId"]}').json()
            assert channel["name"] == name
        listed = [c["name"] for c in client.get("/connectors").json()["results"]][1:]
        assert listed == NAMES
