# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Webhook subscriptions: the Notifications API endpoints (webhooks.py, routing in api.py)."""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.tests.simulator import BirdSimulator
from ansible_collections.bird.engagements.tests.simulator.seed import (
    DEFAULT_ORGANIZATION,
)

from .helpers import (
    DEMO_SEED,
    READ_ONLY_KEY,
    WS1,
    WS2,
    Client,
    in_memory,
    seed,
    serving,
)

ORG = DEFAULT_ORGANIZATION
URL = "https://hooks.example.com/bird/events"
RESPONSE_FIELDS = {
    "id",
    "organizationId",
    "workspaceId",
    "service",
    "event",
    "eventFilters",
    "template",
    "url",
    "status",
    "createdAt",
    "updatedAt",
}


class Hooks:
    """The webhook-subscriptions of one organization's workspace, through a Client's session."""

    def __init__(self, client, org=ORG, workspace=WS1):
        self.client = client
        self.base = f"{client.root}/organizations/{org}/workspaces/{workspace}/webhook-subscriptions"

    def call(self, method, suffix="", body=None, **params):
        return self.client.session.request(
            method, self.base + suffix, json=body, params=params, timeout=10
        )

    def create(self, **fields):
        body = {"service": "channels", "event": "channel.updated", "url": URL}
        body.update(fields)
        return self.call("POST", body=body)


def test_create_get_list_patch_delete():
    sim = in_memory()
    hooks = Hooks(Client(sim))
    response = hooks.create(
        eventFilters=[{"key": "platformId", "value": "voice-messagebird"}],
        template="{{ payload }}",
        signingKey="key-1",
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == RESPONSE_FIELDS | {"signingKey"}
    assert created["organizationId"] == ORG and created["workspaceId"] == WS1
    assert created["status"] == "active" and created["signingKey"] == "key-1"
    assert created["createdAt"] == created["updatedAt"]
    sub_id = created["id"]
    assert hooks.call("GET", f"/{sub_id}").json() == created
    assert hooks.call("GET").json() == {"results": [created]}
    patched = hooks.call(
        "PATCH",
        f"/{sub_id}",
        {
            "url": URL + "/v2?x=1",
            "eventFilters": None,
            "template": None,
            "signingKey": "key-2",
            "status": "inactive",
        },
    ).json()
    assert (patched["url"], patched["eventFilters"], patched["signingKey"]) == (
        URL + "/v2?x=1",
        None,
        "key-2",
    )
    assert patched["status"] == "inactive" and patched["service"] == "channels"
    assert hooks.call("GET", f"/{sub_id}").json()["status"] == "inactive"
    response = hooks.call("DELETE", f"/{sub_id}")
    assert response.status_code == 204 and response.content == b""
    assert hooks.call("GET", f"/{sub_id}").status_code == 404
    assert hooks.call("DELETE", f"/{sub_id}").status_code == 404
    assert hooks.call("PATCH", f"/{sub_id}", {"status": "active"}).status_code == 404
    stats = sim.stats()
    assert stats["by_method"]["PATCH"] == 2 and stats["writes_applied"] == 3
    assert (
        stats["by_route"][
            "PATCH /organizations/{org}/workspaces/{ws}/webhook-subscriptions/{id}"
        ]
        == 2
    )


def test_echo_signing_key_false_makes_the_key_write_only():
    sim = in_memory(echo_signing_key=False)
    hooks = Hooks(Client(sim))
    created = hooks.create(signingKey="secret").json()
    assert set(created) == RESPONSE_FIELDS
    for answer in (
        hooks.call("GET", f'/{created["id"]}').json(),
        hooks.call("GET").json()["results"][0],
        hooks.call("PATCH", f'/{created["id"]}', {"signingKey": "other"}).json(),
    ):
        assert "signingKey" not in answer
    # the simulator still has it (the state shows it, deliveries use it)
    assert sim.state()["workspaces"][WS1]["subscriptions"][0]["signingKey"] == "other"
    # echoed, a subscription without a key says null
    sim.update_config(echo_signing_key=True)
    assert hooks.create(event="channel.created").json()["signingKey"] is None


@pytest.mark.parametrize(
    "fields, detail",
    [
        ({"extra": 1}, "extra"),
        ({"status": "inactive"}, "status"),
        ({"url": "http://hooks.example.com/x"}, "url"),
        ({"url": "https://127.0.0.1:8443/x"}, "url"),
        ({"url": "https://localhost/x"}, "url"),
        ({"url": "https://hooks.example.com/a b"}, "url"),
        ({"url": None}, "url"),
        ({"service": "sms"}, "service"),
        ({"event": ""}, "event"),
        ({"event": "channel.deleted"}, "event"),
        ({"service": "numbers", "event": "channel.created"}, "event"),
        ({"eventFilters": {"key": "platformId"}}, "eventFilters"),
        ({"eventFilters": [{"key": "platformId"}]}, "eventFilters[0]"),
        ({"eventFilters": [{"key": "number", "value": "x"}]}, "eventFilters[0].key"),
        ({"template": 3}, "template"),
        ({"signingKey": ["k"]}, "signingKey"),
    ],
)
def test_create_refuses_bad_bodies_with_422_naming_the_property(fields, detail):
    hooks = Hooks(Client(in_memory()))
    response = hooks.create(**fields)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "InvalidPayload"
    assert detail in response.json()["details"]


def test_create_needs_service_event_and_url_and_takes_other_services():
    hooks = Hooks(Client(in_memory()))
    response = hooks.call("POST", body={})
    assert set(response.json()["details"]) == {"service", "event", "url"}
    assert hooks.call("POST", body=[1]).status_code == 422
    for service, event in (
        ("numbers", "endpoint"),
        ("payments", "payment.succeeded"),
        ("conversations", "conversation.created"),
    ):
        filters = [{"key": "anything", "value": "x"}]
        response = hooks.create(service=service, event=event, eventFilters=filters)
        assert response.status_code == 201, response.text


def test_patch_takes_only_its_properties():
    hooks = Hooks(Client(in_memory()))
    sub_id = hooks.create().json()["id"]
    for body, detail in (
        ({"service": "numbers"}, "service"),
        ({"event": "channel.created"}, "event"),
        ({"status": "paused"}, "status"),
        ({"url": "https://x"}, "url"),
    ):
        response = hooks.call("PATCH", f"/{sub_id}", body)
        assert response.status_code == 422 and detail in response.json()["details"]
    assert hooks.call("GET", f"/{sub_id}").json()["url"] == URL


def test_at_most_five_subscriptions_per_filter_combination():
    hooks = Hooks(Client(in_memory()))
    voice = [{"key": "platformId", "value": "voice-messagebird"}]
    for _index in range(5):
        assert hooks.create(eventFilters=voice).status_code == 201
    response = hooks.create(eventFilters=voice)
    assert response.status_code == 422 and "eventFilters" in response.json()["details"]
    # another combination: another event, other filters (null and [] are the same: none)
    assert hooks.create(event="channel.created", eventFilters=voice).status_code == 201
    both = voice + [{"key": "channelStatus", "value": "failed"}]
    for _index in range(5):
        assert hooks.create(eventFilters=both[::-1]).status_code == 201
    assert hooks.create(eventFilters=both).status_code == 422  # order does not matter
    plain = [hooks.create(eventFilters=None).json()["id"] for _index in range(4)]
    assert hooks.create(eventFilters=[]).status_code == 201
    response = hooks.call("PATCH", f"/{plain[0]}", {"eventFilters": voice})
    assert response.status_code == 422  # into a full combination
    assert hooks.call("PATCH", f"/{plain[0]}", {"eventFilters": []}).status_code == 200


def test_unknown_organization_or_workspace_is_404_and_the_route_needs_the_organization():
    client = Client(in_memory())
    response = Hooks(client, org="00000000-0000-4000-8000-0000000000ff").call("GET")
    assert response.status_code == 404
    assert response.json() == {"code": "NotFound", "message": "organization not found"}
    response = Hooks(client, workspace="00000000-0000-4000-8000-00000000dead").create()
    assert response.json() == {"code": "NotFound", "message": "workspace not found"}
    assert (
        client.get("/webhook-subscriptions").status_code == 404
    )  # not under /workspaces alone
    response = client.session.put(Hooks(client).base, json={}, timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST"
    response = client.session.put(Hooks(client).base + "/x", json={}, timeout=5)
    assert response.headers["Allow"] == "GET, PATCH, DELETE"


def test_subscriptions_take_the_same_auth_rate_limits_faults_and_paging():
    with serving(rate_post=2, page_size=2, page_token_style="binary") as sim:
        hooks = Hooks(Client(sim))
        assert Hooks(Client(sim, key=None)).call("GET").status_code == 401
        read_only = Hooks(Client(sim, key=READ_ONLY_KEY))
        assert read_only.call("GET").status_code == 200
        assert read_only.create().status_code == 403
        assert hooks.create().status_code == 201
        assert hooks.create().status_code == 201
        assert hooks.create().status_code == 429  # writes per workspace per second
        sim.update_config(rate_post=0)
        hooks.create(event="channel.created")
        results, token, pages = [], None, 0
        while True:
            body = hooks.call("GET", **({"pageToken": token} if token else {})).json()
            results += body["results"]
            pages += 1
            token = body.get("nextPageToken")
            if not token:
                break
        assert len(results) == 3 and pages == 2
        assert hooks.call("GET", limit=101).status_code == 200  # clamped, as connectors
        sim.update_config(limit_above_max="reject")
        assert hooks.call("GET", limit=101).status_code == 400
        assert hooks.call("GET", limit=100).status_code == 200
        sim.add_faults(
            [
                {
                    "path": "webhook-subscriptions$",
                    "method": "POST",
                    "status": 503,
                    "count": 1,
                },
                {"path": "webhook-subscriptions$", "kind": "malformed", "count": 1},
            ]
        )
        assert hooks.create().status_code == 503
        assert "results" not in hooks.call("GET").json()
        log = sim.requests(2)
        assert [entry["route"] for entry in log] == [
            "POST /organizations/{org}/workspaces/{ws}/webhook-subscriptions",
            "GET /organizations/{org}/workspaces/{ws}/webhook-subscriptions",
        ]


def test_the_organization_comes_from_the_seed_and_covers_every_workspace():
    data = dict(seed(), organization_id="0rg")
    client = Client(in_memory(seed=data, generate_workspaces=1))
    assert Hooks(client, org="0rg", workspace=WS2).create().status_code == 201
    assert Hooks(client).call("GET").status_code == 404
    sim = BirdSimulator({"seed": DEMO_SEED, "generate_workspaces": 1, "quiet": True})
    assert sim.organization_id == ORG
    assert sim.state()["organization_id"] == ORG


def test_the_state_file_keeps_subscriptions_and_reset_drops_them(tmp_path):
    state_file = str(tmp_path / "state.json")
    sim = in_memory(state_file=state_file)
    created = Hooks(Client(sim)).create(signingKey="k").json()
    again = in_memory(state_file=state_file)
    hooks = Hooks(Client(again))
    assert hooks.call("GET", f'/{created["id"]}').json() == created
    assert hooks.create(event="channel.created").status_code == 201
    again.reset()
    assert hooks.call("GET").json()["results"] == []
