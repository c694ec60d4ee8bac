# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The admin API under /_sim and the Python methods behind it (admin.py, stats.py)."""

from __future__ import annotations

import json
import time

import pytest

from .helpers import (
    SMS_CONNECTOR,
    SMS_ONLY,
    VOICE,
    WS1,
    WS2,
    Client,
    in_memory,
    number_id,
    serving,
)


def test_faults_and_config_are_managed_over_http():
    with serving() as sim:
        client = Client(sim)
        body = client.admin(
            "POST",
            "/faults",
            [{"method": "GET", "path": "numbers", "kind": "status", "status": 502}],
        )
        assert body["faults"][0]["status"] == 502
        assert client.get("/numbers").status_code == 502
        assert client.admin("DELETE", "/faults") == {"faults": []}
        assert client.get("/numbers").status_code == 200
        config = client.admin(
            "POST", "/config", {"channel_delay": 2, "duplicate_status": 422}
        )
        assert config["channel_delay"] == 2.0 and config["duplicate_status"] == 422
        assert sim.config()["duplicate_status"] == 422
        assert (
            client.session.post(
                f"{sim.url}/_sim/config", json={"nope": 1}, timeout=5
            ).status_code
            == 400
        )
        assert (
            client.session.post(
                f"{sim.url}/_sim/config", json={"pending_channel": "bad"}, timeout=5
            ).status_code
            == 400
        )
        assert (
            client.session.post(
                f"{sim.url}/_sim/faults", json={"kind": "explode"}, timeout=5
            ).status_code
            == 400
        )
        assert client.session.get(f"{sim.url}/_sim/nope", timeout=5).status_code == 404
        assert sim.stats()["total"] == 2  # admin calls are not counted


def test_admin_answers_have_request_ids_and_refuse_other_methods():
    client = Client(in_memory())
    response = client.admin_call("GET", "/health")
    assert (
        response.json() == {"ok": True} and response.headers["Messagebird-Request-Id"]
    )
    response = client.admin_call("PUT", "/health")
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    assert client.admin_call("GET", "/connectors/x").status_code == 405
    response = client.session.post(f"{client.root}/_sim/config", data="{bad", timeout=5)
    assert response.status_code == 400


def test_insert_connector_acts_as_someone_else_and_refuses_duplicates_unless_forced():
    with serving() as sim:
        client = Client(sim)
        inserted = client.admin(
            "POST",
            "/connectors",
            {"workspace_id": WS1, "phone_number_id": number_id(5), "name": "theirs"},
        )
        assert inserted["channel"]["channelId"]
        assert client.create(5).status_code == 409
        response = client.session.post(
            f"{sim.url}/_sim/connectors",
            json={"workspace_id": WS1, "phone_number_id": number_id(5)},
            timeout=5,
        )
        assert response.status_code == 409
        client.admin(
            "POST",
            "/connectors",
            {"workspace_id": WS1, "phone_number_id": number_id(5), "force": True},
        )
        voice = client.get("/connectors", templateRef=VOICE).json()["results"]
        assert [c["number"]["numberId"] for c in voice] == [number_id(5)] * 2
        assert sim.stats()["writes_applied"] == 0
        response = client.session.post(
            f"{sim.url}/_sim/connectors",
            json={"workspace_id": "nope", "phone_number_id": "x"},
            timeout=5,
        )
        assert response.status_code == 404


def test_insert_connector_takes_any_template_version():
    sim = in_memory()
    client = Client(sim)
    inserted = client.admin(
        "POST",
        "/connectors",
        {
            "workspace_id": WS1,
            "phone_number_id": number_id(1),
            "template": "voice-messagebird:2",
        },
    )
    assert inserted["connectorTemplateRef"] == "voice-messagebird:2"
    assert (
        client.create(1).status_code == 409
    )  # the number's voice connector, of another version
    assert (
        client.admin_call(
            "POST",
            "/connectors",
            {"workspace_id": WS1, "phone_number_id": number_id(1), "bogus": 1},
        ).status_code
        == 400
    )


def test_delete_connector_removes_it_and_its_channel_behind_the_clients_back():
    sim = in_memory()
    client = Client(sim)
    created = client.create(0).json()
    deleted = client.admin("DELETE", f'/connectors/{created["id"]}')
    assert deleted["id"] == created["id"]
    assert client.get(f'/connectors/{created["id"]}').status_code == 404
    assert client.get(f'/channels/{created["channel"]["channelId"]}').status_code == 404
    assert (
        client.admin_call("DELETE", f'/connectors/{created["id"]}').status_code == 404
    )
    assert sim.delete_connector(WS1, SMS_CONNECTOR)["id"] == SMS_CONNECTOR
    with pytest.raises(LookupError):
        sim.delete_connector(WS2, created["id"])
    assert (
        client.admin_call(
            "DELETE", f'/connectors/{created["id"]}?workspace_id=nope'
        ).status_code
        == 404
    )
    stats = sim.stats()
    assert stats["writes"] == 1 and stats["writes_applied"] == 1  # only the API create
    assert client.create(0).status_code == 201


def test_add_number_adds_a_number_behind_the_clients_back():
    sim = in_memory()
    client = Client(sim)
    added = client.admin(
        "POST",
        "/numbers",
        {"workspace_id": WS1, "number": "+31205557777", "capabilities": ["sms"]},
    )
    assert (
        added["number"] == "+31205557777"
        and added["capabilities"] == ["sms"]
        and added["id"]
    )
    listed = client.get("/numbers", searchTerm="+31205557777").json()["results"]
    assert listed == [
        {
            "id": added["id"],
            "number": "+31205557777",
            "country": "NL",
            "status": "active",
            "capabilities": ["sms"],
        }
    ]
    assert client.create(phone_number_id=added["id"]).status_code == 422  # no voice
    second = sim.add_number(
        WS1, number="+31205557777", id="00000000-0000-4000-8000-0000000007aa"
    )
    assert second["capabilities"] == ["sms", "voice"]
    assert [
        n["id"] for n in client.get("/numbers", searchTerm="7777").json()["results"]
    ] == [added["id"], second["id"]]
    assert client.create(phone_number_id=second["id"]).status_code == 201
    assert (
        client.admin_call(
            "POST",
            "/numbers",
            {"workspace_id": WS1, "number": "+1", "id": second["id"]},
        ).status_code
        == 409
    )
    assert (
        client.admin_call(
            "POST", "/numbers", {"workspace_id": "nope", "number": "+1"}
        ).status_code
        == 404
    )
    assert (
        client.admin_call("POST", "/numbers", {"workspace_id": WS1}).status_code == 400
    )
    assert (
        client.admin_call(
            "POST",
            "/numbers",
            {"workspace_id": WS1, "number": "+1", "capabilities": "voice"},
        ).status_code
        == 400
    )
    assert sim.stats()["writes_applied"] == 1
    assert [n["number"] for n in sim.workspaces[WS1]["numbers"]][-2:] == [
        "+31205557777"
    ] * 2
    sim.reset()
    assert client.get("/numbers", searchTerm="7777").json()["results"] == []


def test_stats_count_requests_by_method_route_status_and_workspace():
    with serving(rate_get=2) as sim:
        client = Client(sim)
        connector = client.create(0).json()
        client.create(0)
        client.get(f'/connectors/{connector["id"]}')
        client.get("/connectors")
        client.get("/numbers")
        client.delete(f'/connectors/{connector["id"]}')
        Client(sim, key="bad").get("/connectors")
        stats = client.admin("GET", "/stats")
        assert stats == {
            "total": 7,
            "by_method": {"GET": 4, "POST": 2, "DELETE": 1},
            "writes": 3,
            "writes_applied": 2,
            "by_route": {
                "POST /workspaces/{ws}/connectors": 2,
                "GET /workspaces/{ws}/connectors/{id}": 1,
                "GET /workspaces/{ws}/connectors": 2,
                "GET /workspaces/{ws}/numbers": 1,
                "DELETE /workspaces/{ws}/connectors/{id}": 1,
            },
            "by_status": {"201": 1, "409": 1, "200": 2, "429": 1, "204": 1, "401": 1},
            "by_workspace": {WS1: {"GET": 3, "POST": 2, "DELETE": 1}},
            "by_workspace_route": {
                WS1: {
                    "POST /workspaces/{ws}/connectors": 2,
                    "GET /workspaces/{ws}/connectors/{id}": 1,
                    "GET /workspaces/{ws}/connectors": 1,
                    "GET /workspaces/{ws}/numbers": 1,
                    "DELETE /workspaces/{ws}/connectors/{id}": 1,
                }
            },
            "faults_fired": {
                "status": 0,
                "drop": 0,
                "drop_after_apply": 0,
                "delay": 0,
                "malformed": 0,
                "gateway": 0,
                "rate_limited": 1,
            },
        }
        log = client.admin("GET", "/requests?limit=2")
        assert [entry["status"] for entry in log] == [204, 401]
        assert [entry["auth_ok"] for entry in log] == [True, False]
        assert all("Authorization" not in json.dumps(entry) for entry in log)
        client.admin("POST", "/reset-stats")
        assert sim.stats()["total"] == 0 and sim.requests() == []


def test_by_workspace_route_counts_reads_per_workspace():
    sim = in_memory()
    for workspace in (WS1, WS2, WS2):
        Client(sim, workspace=workspace).get("/connectors")
    Client(sim, workspace=WS2).get("/numbers")
    routes = sim.stats()["by_workspace_route"]
    assert routes == {
        WS1: {"GET /workspaces/{ws}/connectors": 1},
        WS2: {"GET /workspaces/{ws}/connectors": 2, "GET /workspaces/{ws}/numbers": 1},
    }


def test_state_shows_each_channels_assignment_time():
    sim = in_memory(channel_delay=0.1)
    client = Client(sim)
    before = time.time()
    created = client.create(0).json()
    pending = sim.state()["workspaces"][WS1]
    assert [p["connectorId"] for p in pending["pending_channels"]] == [created["id"]]
    assert [c["connectorId"] for c in pending["channels"]] == [SMS_CONNECTOR]
    time.sleep(0.12)
    channels = client.admin("GET", "/state")["workspaces"][WS1]["channels"]
    assigned = [c["assignedAt"] for c in channels if c["connectorId"] == created["id"]]
    assert len(assigned) == 1 and isinstance(assigned[0], float)
    assert before + 0.1 <= assigned[0] <= time.time()
    assert sim.state()["workspaces"][WS1]["pending_channels"] == []


def test_reset_restores_the_seed():
    with serving() as sim:
        client = Client(sim)
        client.create(0)
        client.delete(f"/connectors/{SMS_CONNECTOR}")
        client.admin("POST", "/reset")
        state = client.admin("GET", "/state")["workspaces"]
        assert [c["id"] for c in state[WS1]["connectors"]] == [SMS_CONNECTOR]
        assert len(state[WS1]["channels"]) == 1 and state[WS2]["connectors"] == []
        assert sim.stats()["total"] == 0
        assert client.create(0).status_code == 201
        assert sim.workspaces[WS1]["numbers"][-1]["id"] == SMS_ONLY
