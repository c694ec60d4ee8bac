# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The in-memory transport: requests answered by a simulator that is not started (transport.py)."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from ansible_collections.bird.engagements.tests.simulator import IN_MEMORY_URL
from ansible_collections.bird.engagements.tests.simulator.transport import (
    SimulatorAdapter,
    mount,
)

from .helpers import KEY, SMS_CONNECTOR, WS1, Client, in_memory, number_id, serving

BASE = f"{IN_MEMORY_URL}/workspaces/{WS1}"


@pytest.fixture(name="no_sockets")
def fixture_no_sockets(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the in-memory transport opened a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_a_simulator_that_is_not_started_answers_through_a_session_without_sockets(
    no_sockets,
):  # pylint: disable=unused-argument
    sim = in_memory()
    assert sim.url is None
    session = sim.session(KEY)
    response = session.get(f"{BASE}/numbers", params={"limit": 2}, timeout=5)
    assert response.status_code == 200 and response.ok and response.reason == "OK"
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert response.headers["Messagebird-Request-Id"]
    assert response.url == f"{BASE}/numbers?limit=2"
    assert [n["id"] for n in response.json()["results"]] == [number_id(0), number_id(1)]
    created = session.post(
        f"{BASE}/connectors",
        json={
            "name": "x",
            "connectorTemplateRef": "voice-messagebird:1",
            "arguments": {"phoneNumberId": number_id(0)},
        },
        timeout=5,
    )
    assert created.status_code == 201 and created.reason == "Created"
    deleted = session.delete(f'{BASE}/connectors/{created.json()["id"]}', timeout=5)
    assert (
        deleted.status_code == 204
        and deleted.content == b""
        and "Content-Length" not in deleted.headers
    )
    assert session.get(f"{IN_MEMORY_URL}/_sim/health").json() == {"ok": True}


def test_in_memory_requests_go_through_auth_stats_and_the_request_log():
    sim = in_memory(rate_get=1, retry_after_header=True)
    client = Client(sim)
    assert Client(sim, key=None).get("/numbers").status_code == 401
    assert client.get("/numbers").status_code == 200
    limited = client.get("/numbers")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    stats = sim.stats()
    assert stats["total"] == 3 and stats["by_status"] == {"401": 1, "200": 1, "429": 1}
    assert stats["by_workspace"][WS1]["GET"] == 2
    log = sim.requests()
    assert [entry["status"] for entry in log] == [401, 200, 429]
    assert log[-1]["request_id"] == limited.headers["Messagebird-Request-Id"]


def test_a_fault_status_body_and_retry_after_come_through():
    client = Client(
        in_memory(
            faults={"method": "POST", "kind": "status", "status": 503, "retry_after": 2}
        )
    )
    response = client.create(0)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.json()["code"] == "ServiceUnavailable"
    with pytest.raises(requests.HTTPError):
        response.raise_for_status()


def test_drop_raises_connection_error_without_applying():
    sim = in_memory(faults={"method": "POST", "kind": "drop", "count": 1})
    client = Client(sim)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.create(1)
    assert len(sim.state()["workspaces"][WS1]["connectors"]) == 1
    assert sim.stats()["by_status"] == {"dropped": 1}
    assert client.create(1).status_code == 201


def test_drop_after_apply_raises_connection_error_after_applying():
    sim = in_memory(faults={"method": "POST", "kind": "drop_after_apply", "count": 1})
    client = Client(sim)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.create(1)
    assert [
        c["arguments"]["phoneNumberId"]
        for c in sim.state()["workspaces"][WS1]["connectors"]
    ][-1] == number_id(1)
    assert sim.stats()["writes_applied"] == 1
    assert client.create(1).status_code == 409


@pytest.mark.parametrize("timeout", [0.2, (5, 0.2)])
def test_a_delay_beyond_the_read_timeout_raises_read_timeout_after_the_timeout_and_after_applying(
    timeout,
):
    sim = in_memory(faults={"method": "POST", "kind": "delay", "delay": 30, "count": 1})
    session = sim.session(KEY)
    body = {
        "name": "x",
        "connectorTemplateRef": "voice-messagebird:1",
        "arguments": {"phoneNumberId": number_id(2)},
    }
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(f"{BASE}/connectors", json=body, timeout=timeout)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 5  # the caller waited its timeout, not the 30 s delay
    assert sim.stats()["writes_applied"] == 1
    assert (
        session.post(f"{BASE}/connectors", json=body, timeout=timeout).status_code
        == 409
    )


def test_a_delay_or_latency_within_the_timeout_is_waited_and_latency_beyond_it_times_out():
    sim = in_memory(faults={"kind": "delay", "delay": 0.1, "count": 1})
    session = sim.session(KEY)
    started = time.monotonic()
    assert session.get(f"{BASE}/numbers", timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.1
    sim.update_config(latency=0.3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get(f"{BASE}/numbers", timeout=0.05)
    sim.update_config(latency=0.0)
    assert session.get(f"{BASE}/numbers").status_code == 200  # no timeout: no limit


def test_mount_routes_any_session_and_base_url_into_the_simulator():
    sim = in_memory()
    session = mount(requests.Session(), sim, base_url="https://api.bird.com")
    assert isinstance(session.get_adapter("https://api.bird.com/x"), SimulatorAdapter)
    response = session.get(
        f"https://api.bird.com/workspaces/{WS1}/connectors/{SMS_CONNECTOR}",
        headers={"Authorization": f"AccessKey {KEY}"},
        timeout=5,
    )
    assert response.json()["id"] == SMS_CONNECTOR
    assert session.get("https://api.bird.com/_sim/stats").json()["total"] == 1


def test_the_transport_uses_the_simulators_handle_api_so_hooks_see_its_requests():
    sim = in_memory()
    seen = []
    original = sim.handle_api

    def handle_api(method, path, query, headers, raw_body):
        seen.append((method, path, query))
        return original(method, path, query, headers, raw_body)

    sim.handle_api = handle_api
    Client(sim).get("/numbers", limit=1)
    assert seen == [("GET", f"/workspaces/{WS1}/numbers", "limit=1")]


def test_a_started_simulator_serves_http_and_memory_alike():
    with serving() as sim:
        over_http = Client(sim).get("/numbers").json()
        in_memory_session = sim.session(KEY)
        assert in_memory_session.get(f"{BASE}/numbers", timeout=5).json() == over_http
        assert sim.stats()["total"] == 2
