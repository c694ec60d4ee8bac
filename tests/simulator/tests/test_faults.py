# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Rate limits and fault rules (access.py, faults.py)."""

from __future__ import annotations

import concurrent.futures
import json
import time

import pytest
import requests

from .helpers import (
    KEY,
    SMS_CONNECTOR,
    SMS_ONLY,
    WS1,
    WS2,
    Client,
    in_memory,
    list_all,
    number_id,
    serving,
)

# --- rate limits -------------------------------------------------------------------


def test_rate_limits_count_gets_and_writes_per_workspace_and_refuse_without_processing():
    with serving(rate_get=3, rate_post=2) as sim:
        client = Client(sim)
        codes = [client.get("/connectors").status_code for _attempt in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get("/connectors")
        assert response.json()["code"] == "TooManyRequests"
        assert "Retry-After" not in response.headers
        # per workspace
        assert Client(sim, workspace=WS2).get("/connectors").status_code == 200
        assert [client.create(i).status_code for i in range(3)] == [201, 201, 429]
        assert (
            len(sim.state()["workspaces"][WS1]["connectors"]) == 3
        )  # the 429 was not processed
        sim.update_config(retry_after_header=True)
        response = client.get("/connectors")
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1
        time.sleep(1.05)
        assert client.get("/connectors").status_code == 200
        stats = sim.stats()
        assert stats["faults_fired"]["rate_limited"] == 4
        assert stats["by_status"]["429"] == 4


def test_rate_limit_share_refuses_that_share_at_random():
    with serving(rate_limit_share=1.0, retry_after_header=True) as sim:
        client = Client(sim)
        response = client.create(0)
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        assert sim.state()["workspaces"][WS1]["connectors"][0]["id"] == SMS_CONNECTOR
        sim.update_config(rate_limit_share=0.5, random_seed=7)
        codes = [client.get("/numbers").status_code for _attempt in range(40)]
        assert 5 < codes.count(429) < 35


# --- status, drop, delay ------------------------------------------------------------------


def test_a_status_fault_fires_after_skip_for_count_requests_without_processing():
    rule = {
        "method": "POST",
        "path": "/connectors$",
        "kind": "status",
        "status": 503,
        "count": 1,
        "skip": 1,
        "retry_after": 2,
    }
    with serving(faults=[rule]) as sim:
        client = Client(sim)
        assert client.create(0).status_code == 201
        response = client.create(1)
        assert response.status_code == 503
        assert response.json()["code"] == "ServiceUnavailable"
        assert response.headers["Retry-After"] == "2"
        assert response.headers["Messagebird-Request-Id"]
        assert client.create(1).status_code == 201
        assert client.get("/connectors").status_code == 200  # GET does not match
        stats = sim.stats()
        assert stats["faults_fired"]["status"] == 1
        assert stats["writes"] == 3 and stats["writes_applied"] == 2
        assert sim.faults()[0]["fired"] == 1 and sim.faults()[0]["seen"] == 3


def test_a_status_fault_with_body_and_probability_is_reproducible_by_random_seed():
    rule = {
        "method": "*",
        "path": "numbers",
        "kind": "status",
        "status": 500,
        "body": {"code": "Boom", "message": "x"},
        "probability": 0.5,
    }
    with serving(faults=[rule], random_seed=3) as sim:
        client = Client(sim)
        responses = [client.get("/numbers") for _attempt in range(30)]
        codes = [response.status_code for response in responses]
        assert 3 < codes.count(500) < 27
        assert {json.dumps(r.json()) for r in responses if r.status_code == 500} == {
            json.dumps({"code": "Boom", "message": "x"})
        }
        with serving(faults=[rule], random_seed=3) as again:
            assert [
                Client(again).get("/numbers").status_code for _attempt in range(30)
            ] == codes


def test_a_drop_fault_closes_the_connection_without_processing():
    with serving(
        faults=[{"method": "GET", "path": "/connectors", "kind": "drop", "count": 1}]
    ) as sim:
        client = Client(sim)
        with pytest.raises(requests.ConnectionError):
            client.get("/connectors")
        assert client.get("/connectors").status_code == 200
        stats = sim.stats()
        assert stats["faults_fired"]["drop"] == 1
        assert stats["by_status"] == {"dropped": 1, "200": 1}
        with pytest.raises(requests.ConnectionError):
            sim.add_faults({"method": "POST", "kind": "drop"})
            client.create(0)
        assert len(sim.state()["workspaces"][WS1]["connectors"]) == 1


def test_a_drop_after_apply_fault_processes_the_request_then_closes_the_connection():
    with serving(
        faults={
            "method": "POST",
            "path": "/connectors",
            "kind": "drop_after_apply",
            "count": 1,
        }
    ) as sim:
        client = Client(sim)
        with pytest.raises(requests.ConnectionError):
            client.create(4)
        connectors = sim.state()["workspaces"][WS1]["connectors"]
        assert [c["arguments"]["phoneNumberId"] for c in connectors] == [
            SMS_ONLY,
            number_id(4),
        ]
        assert client.create(4).status_code == 409
        stats = sim.stats()
        assert (
            stats["writes_applied"] == 1
            and stats["faults_fired"]["drop_after_apply"] == 1
        )
        assert (
            sim.requests(5)[0]["dropped"] is True
            and sim.requests(5)[0]["applied"] is True
        )


def test_a_delay_fault_and_latency_slow_requests_down_without_serialising_them():
    with serving(
        faults=[
            {
                "method": "GET",
                "path": "numbers",
                "kind": "delay",
                "delay": 0.3,
                "count": 1,
            }
        ]
    ) as sim:
        client = Client(sim)
        started = time.monotonic()
        assert client.get("/numbers").status_code == 200
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        client.get("/numbers")
        assert time.monotonic() - started < 0.25
        assert sim.stats()["faults_fired"]["delay"] == 1
        sim.update_config(latency=0.2)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = list(
                pool.map(
                    lambda _index: requests.get(
                        f"{client.base}/numbers",
                        headers={"Authorization": f"AccessKey {KEY}"},
                        timeout=5,
                    ).status_code,
                    range(4),
                )
            )
        assert codes == [200] * 4
        assert time.monotonic() - started < 0.6  # latency overlaps between requests


def test_a_delay_combines_with_a_later_status_rule():
    sim = in_memory(
        faults=[
            {"kind": "delay", "delay": 0.05, "count": 1},
            {"method": "GET", "kind": "status", "status": 502, "count": 1},
        ]
    )
    started = time.monotonic()
    assert Client(sim).get("/numbers").status_code == 502
    assert time.monotonic() - started >= 0.05
    assert (
        sim.stats()["faults_fired"]["delay"] == 1
        and sim.stats()["faults_fired"]["status"] == 1
    )


def test_echo_headers_puts_the_request_headers_in_the_error_details():
    with serving(
        faults=[{"kind": "status", "status": 500, "echo_headers": True}]
    ) as sim:
        response = Client(sim).get("/connectors")
        assert response.status_code == 500
        details = response.json()["details"]
        assert details["Authorization"] == [f"AccessKey {KEY}"]


# --- malformed list answers ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/connectors", "/numbers", "/channels"])
def test_malformed_no_results_answers_2xx_without_a_results_list(path):
    sim = in_memory(faults={"kind": "malformed", "malformed": "no_results", "count": 1})
    client = Client(sim)
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert "results" not in body and isinstance(body["items"], list) and body["items"]
    assert "results" in client.get(path).json()  # count 1
    stats = sim.stats()
    assert stats["faults_fired"]["malformed"] == 1
    assert sim.requests(2)[0]["fault"] == "malformed"


@pytest.mark.parametrize(
    "mode, check",
    [
        ("empty_object", lambda body: body == {}),
        (
            "results_not_list",
            lambda body: isinstance(body["results"], dict)
            and all(isinstance(v, dict) for v in body["results"].values()),
        ),
        (
            "not_object",
            lambda body: isinstance(body, list)
            and body
            and all("id" in item for item in body),
        ),
        (
            "items_without_id",
            lambda body: body["results"]
            and all(
                isinstance(i, dict) and i and "id" not in i for i in body["results"]
            ),
        ),
    ],
)
def test_malformed_bodies_take_the_shape_named(mode, check):
    client = Client(in_memory(faults={"kind": "malformed", "malformed": mode}))
    for path in ("/connectors", "/numbers", "/channels"):
        response = client.get(path)
        assert response.status_code == 200
        assert check(response.json()), (path, response.text)


def test_malformed_rules_leave_single_items_and_writes_alone():
    sim = in_memory(faults={"kind": "malformed", "malformed": "not_object"})
    client = Client(sim)
    assert client.create(0).status_code == 201
    assert client.get(f"/connectors/{SMS_CONNECTOR}").json()["id"] == SMS_CONNECTOR
    assert (
        sim.faults()[0]["seen"] == 0 and sim.stats()["faults_fired"]["malformed"] == 0
    )
    assert isinstance(client.get("/connectors").json(), list)


def test_malformed_token_loop_gives_a_token_already_given():
    sim = in_memory(
        page_size=2,
        faults={
            "method": "GET",
            "path": "/numbers$",
            "kind": "malformed",
            "malformed": "token_loop",
            "skip": 1,
        },
    )
    client = Client(sim)
    first = client.get("/numbers").json()  # skipped: a normal first page
    second = client.get("/numbers", pageToken=first["nextPageToken"]).json()
    assert second["nextPageToken"] == first["nextPageToken"]
    assert [n["id"] for n in second["results"]] == [number_id(2), number_id(3)]
    restart = client.get(
        "/numbers"
    ).json()  # a first page: its token leads back to the first page
    assert [
        n["id"]
        for n in client.get("/numbers", pageToken=restart["nextPageToken"]).json()[
            "results"
        ]
    ] == [number_id(0), number_id(1)]


def test_malformed_endless_never_ends_and_never_repeats_a_token():
    sim = in_memory(
        page_size=4,
        faults={
            "method": "GET",
            "path": "/connectors$",
            "kind": "malformed",
            "malformed": "endless",
        },
    )
    client = Client(sim)
    for index in range(4):
        client.create(index)
    tokens: list = []
    results: list = []
    params: dict = {}
    for _page in range(12):
        body = client.get("/connectors", **params).json()
        results.extend(c["id"] for c in body["results"])
        assert body["nextPageToken"] and body["nextPageToken"] not in tokens
        tokens.append(body["nextPageToken"])
        params = {"pageToken": body["nextPageToken"]}
    assert (
        len(results) == 5 and len(set(results)) == 5
    )  # the real items, then empty pages
    sim.clear_faults()
    assert len(list_all(client, "/connectors")[0]) == 5


def test_fault_rules_are_validated():
    for rule in (
        {"kind": "explode"},
        {"kind": "malformed", "malformed": "weird"},
        {"kind": "status", "malformed": "no_results"},
        {"nope": 1},
        {"path": "("},
        {"probability": 2},
        {"kind": "gateway", "status": 404},
    ):
        with pytest.raises(ValueError):
            in_memory(faults=rule)
    assert (
        in_memory(faults={"kind": "malformed"}).faults()[0]["malformed"] == "no_results"
    )


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_fault_answers_html_without_a_request_id_and_without_processing(
    status,
):
    with serving(
        faults=[{"method": "POST", "kind": "gateway", "status": status, "count": 1}]
    ) as sim:
        for client in (Client(sim), Client(in_memory(faults=sim.config()["faults"]))):
            response = client.create(0)
            assert response.status_code == status
            assert response.headers["Content-Type"] == "text/html"
            assert "Messagebird-Request-Id" not in response.headers
            assert response.text.startswith("<html>")
            assert f"{status} {response.reason}" in response.text
            assert client.sim.stats()["writes_applied"] == 0
            assert client.sim.stats()["faults_fired"]["gateway"] == 1
            assert client.create(0).status_code == 201  # the rule has fired its count
    assert in_memory(faults={"kind": "gateway"}).faults()[0]["status"] == 502
