# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Webhook deliveries: events, signatures, retries, the outbox (deliveries.py, the admin calls that cause events)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid

from ansible_collections.bird.engagements.tests.simulator.deliveries import (
    signature,
    target_url,
)

from .helpers import WS1, WS2, Client, in_memory, number_id, serving
from .test_webhooks import Hooks

URL = "https://hooks.example.com/bird/events?source=sim"
VOICE_FILTER = [{"key": "platformId", "value": "voice-messagebird"}]

# A fixed vector, computed once with openssl (OpenSSL 3.0):
#   printf '%s' "$BODY" | openssl dgst -sha256 -binary > body.sha256   (hex: VECTOR_BODY_SHA256)
#   { printf '%s\n%s\n' "$TS" "$URL"; cat body.sha256; } | openssl dgst -sha256 -hmac "$KEY" -binary | base64
VECTOR_KEY = "whsec_simulator_vector"
VECTOR_TIMESTAMP = 1700000000
VECTOR_URL = "https://hooks.example.com/bird/events?source=sim"
VECTOR_BODY = (
    b'{"service":"channels","event":"channel.updated","payload":'
    b'{"id":"c0ffee00-0000-4000-8000-000000000001","status":"failed"}}'
)
VECTOR_BODY_SHA256 = "b1e09bd15fbcd63c4b91195c2f27c8d39c8cd7f378eeaafe5f833202c61bd1c3"
VECTOR_SIGNATURE = "wvdMF1ezGpNGaf+8lSgHIGY60MSXnAlEF1gDMgw3QWk="


class Listener:
    """A local HTTP listener that records every request and answers the statuses queued (then 204)."""

    def __init__(self):
        self.received: list = []
        self.statuses: list = []
        self.hold = threading.Event()
        self.hold.set()
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # pylint: disable=invalid-name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                listener.hold.wait(10)
                listener.received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                status = listener.statuses.pop(0) if listener.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # pylint: disable=arguments-differ
                """Quiet."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def listening():
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()


def _verify(received, key, url=URL):
    """Recompute the signature of one received request with hmac/hashlib, as a listener must."""
    headers = received["headers"]
    message = (
        headers["messagebird-request-timestamp"].encode()
        + b"\n"
        + url.encode()
        + b"\n"
        + hashlib.sha256(received["body"]).digest()
    )
    expected = base64.b64encode(
        hmac.new(key.encode(), message, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, headers["messagebird-signature"])


def _subscribe(client, workspace=WS1, **fields):
    """Subscribe (to this module's URL unless told) and return the subscription."""
    fields.setdefault("url", URL)
    response = Hooks(client, workspace=workspace).create(**fields)
    assert response.status_code == 201, response.text
    return response.json()


def _events(listener):
    return [
        (json.loads(r["body"])["event"], json.loads(r["body"])["payload"].get("status"))
        for r in listener.received
    ]


def test_the_signature_is_birds_algorithm_and_matches_the_openssl_vector():
    assert hashlib.sha256(VECTOR_BODY).hexdigest() == VECTOR_BODY_SHA256
    assert (
        signature(VECTOR_KEY, VECTOR_TIMESTAMP, VECTOR_URL, VECTOR_BODY)
        == VECTOR_SIGNATURE
    )
    assert (
        signature(VECTOR_KEY, "1700000000", VECTOR_URL, VECTOR_BODY) == VECTOR_SIGNATURE
    )
    assert (
        signature(VECTOR_KEY, VECTOR_TIMESTAMP + 1, VECTOR_URL, VECTOR_BODY)
        != VECTOR_SIGNATURE
    )


def test_target_url_appends_the_subscription_urls_path_and_query():
    assert (
        target_url("http://127.0.0.1:5000/", URL)
        == "http://127.0.0.1:5000/bird/events?source=sim"
    )
    assert target_url("http://h:1/base", "https://x.example.com") == "http://h:1/base/"


def test_a_new_channel_is_delivered_signed_to_the_matching_subscription():
    with listening() as listener:
        sim = in_memory(webhook_target=listener.url)
        client = Client(sim)
        _subscribe(
            client,
            event="channel.created",
            eventFilters=VOICE_FILTER,
            signingKey="k1",
            url=URL,
        )
        _subscribe(client, event="channel.updated", signingKey="k2")  # another event
        _subscribe(Client(sim, workspace=WS2), workspace=WS2, event="channel.created")
        before = int(time.time())
        connector = client.create(0).json()
        client.create(1, template="sms-messagebird:1")  # filtered out: another platform
        assert sim.wait_deliveries(5)
        assert len(listener.received) == 1
        received = listener.received[0]
        assert received["path"] == "/bird/events?source=sim"
        headers = received["headers"]
        assert headers["content-type"] == "application/json"
        assert uuid.UUID(headers["messagebird-request-id"])
        assert before <= int(headers["messagebird-request-timestamp"]) <= time.time()
        assert _verify(received, "k1")
        assert not _verify(received, "k1", url=listener.url + "/bird/events?source=sim")
        body = json.loads(received["body"])
        channel = client.get(f'/channels/{connector["channel"]["channelId"]}').json()
        assert body == {
            "service": "channels",
            "event": "channel.created",
            "payload": channel,
        }
        attempts = sim.deliveries()
        assert [(a["attempt"], a["status"], a["error"]) for a in attempts] == [
            (1, 204, None)
        ]
        assert attempts[0]["requestId"] == headers["messagebird-request-id"]
        assert attempts[0]["target"] == listener.url + "/bird/events?source=sim"
        assert attempts[0]["url"] == URL and attempts[0]["event"] == "channel.created"


def test_the_setup_steps_are_created_then_updated_events_at_their_times():
    with listening() as listener:
        sim = in_memory(
            webhook_target=listener.url,
            channel_delay=0.2,
            channel_setup_seconds=0.4,
            channel_final_status="failed",
        )
        client = Client(sim)
        _subscribe(client, event="channel.created")
        _subscribe(client, event="channel.updated")
        _subscribe(
            client,
            event="channel.updated",
            eventFilters=[{"key": "channelStatus", "value": "failed"}] + VOICE_FILTER,
        )
        started = time.time()
        client.create(0)
        assert sim.wait_deliveries(5)
        assert time.time() - started >= 0.6
        assert _events(listener) == [
            ("channel.created", "pending"),
            ("channel.updated", "setting-up"),
            ("channel.updated", "failed"),
            ("channel.updated", "failed"),
        ]
        assert "messagebird-signature" not in listener.received[0]["headers"]  # no key


def test_status_changes_and_kept_deletes_are_channel_updated_events():
    with listening() as listener:
        sim = in_memory(webhook_target=listener.url, deleted_channel_visible=True)
        client = Client(sim)
        _subscribe(client, event="channel.updated", signingKey="k")
        connector = client.create(0).json()
        channel_id = connector["channel"]["channelId"]
        client.admin("POST", f"/channels/{channel_id}", {"status": "inactive"})
        sim.set_channel_status(channel_id, "warning")
        client.delete(f'/connectors/{connector["id"]}')
        other = client.create(1).json()
        sim.update_config(deleted_channel_visible=False)
        client.delete(f'/connectors/{other["id"]}')  # the channel goes: no event
        assert sim.wait_deliveries(5)
        assert _events(listener) == [
            ("channel.updated", "inactive"),
            ("channel.updated", "warning"),
            ("channel.updated", "deleted"),
        ]
        assert all(_verify(received, "k") for received in listener.received)


def test_a_status_set_before_assignment_comes_in_channel_created_only():
    with listening() as listener:
        sim = in_memory(
            webhook_target=listener.url, channel_delay=0.2, channel_setup_seconds=1
        )
        client = Client(sim)
        _subscribe(client, event="channel.created")
        _subscribe(client, event="channel.updated")
        client.create(0)
        channel_id = sim.state()["workspaces"][WS1]["pending_channels"][0]["channelId"]
        sim.set_channel_status(channel_id, "failed")
        assert sim.wait_deliveries(5)
        assert _events(listener) == [("channel.created", "failed")]


def test_inactive_subscriptions_get_nothing():
    with listening() as listener:
        sim = in_memory(webhook_target=listener.url)
        client = Client(sim)
        hooks = Hooks(client)
        sub_id = _subscribe(client, event="channel.created")["id"]
        hooks.call("PATCH", f"/{sub_id}", {"status": "inactive"})
        client.create(0)
        assert sim.wait_deliveries(5)
        assert listener.received == [] and sim.deliveries() == []


def test_a_number_whose_voice_becomes_active_sends_the_numbers_endpoint_event():
    with listening() as listener:
        sim = in_memory(webhook_target=listener.url, capabilities_format="endpoint")
        client = Client(sim)
        _subscribe(client, service="numbers", event="endpoint", signingKey="n")
        added = client.admin(
            "POST",
            "/numbers",
            {"workspace_id": WS1, "number": "+31205556000", "voice_status": "pending"},
        )
        assert added["voice_status"] == "pending"
        number = client.get(f'/numbers/{added["id"]}').json()
        assert number["capabilities"][0]["inbound"]["status"] == "pending"
        sim.update_config(capabilities_format="list")
        assert client.get(f'/numbers/{added["id"]}').json()["capabilities"] == ["sms"]
        assert client.create(phone_number_id=added["id"]).status_code == 422
        changed = client.admin(
            "POST", f'/numbers/{added["id"]}/capabilities', {"voice": "active"}
        )
        assert (
            changed["capabilities"] == ["sms", "voice"]
            and "voice_status" not in changed
        )
        assert client.create(phone_number_id=added["id"]).status_code == 201
        assert sim.wait_deliveries(5)
        body = json.loads(listener.received[0]["body"])
        assert body["service"] == "numbers" and body["event"] == "endpoint"
        assert body["payload"]["id"] == added["id"]
        assert body["payload"]["capabilities"] == ["sms", "voice"]
        assert _verify(listener.received[0], "n")
        # voice taken away, then pending again: two more events, each as GET /numbers/{id} then says
        sim.set_number_voice(number_id(0), None)
        assert client.create(0).status_code == 422
        sim.update_config(capabilities_format="endpoint")
        sim.set_number_voice(number_id(0), "pending", workspace_id=WS1)
        assert sim.wait_deliveries(5)
        payloads = [json.loads(r["body"])["payload"] for r in listener.received[1:]]
        assert payloads[0]["capabilities"] == ["sms"]
        assert payloads[1] == client.get(f"/numbers/{number_id(0)}").json()
        assert payloads[1]["capabilities"][0]["outbound"]["status"] == "pending"
        assert (
            client.admin_call(
                "POST", "/numbers/nope/capabilities", {"voice": "active"}
            ).status_code
            == 404
        )
        assert (
            client.admin_call(
                "POST", f"/numbers/{number_id(0)}/capabilities", {}
            ).status_code
            == 400
        )
        sim.reset()
        assert (
            client.get(f"/numbers/{number_id(0)}").json()["capabilities"][0]["inbound"][
                "status"
            ]
            == "active"
        )


def test_failed_deliveries_are_retried_with_the_same_request_id_and_a_fresh_signature():
    with listening() as listener:
        listener.statuses = [500, 503]
        sim = in_memory(webhook_target=listener.url, webhook_retry_delays=[0.1, 1.0])
        client = Client(sim)
        _subscribe(client, event="channel.created", signingKey="r")
        client.create(0)
        assert sim.wait_deliveries(5)
        attempts = sim.deliveries()
        assert [(a["attempt"], a["status"]) for a in attempts] == [
            (1, 500),
            (2, 503),
            (3, 204),
        ]
        ids = {r["headers"]["messagebird-request-id"] for r in listener.received}
        assert len(ids) == 1 and ids == {a["requestId"] for a in attempts}
        stamps = [
            int(r["headers"]["messagebird-request-timestamp"])
            for r in listener.received
        ]
        assert stamps[2] > stamps[0]  # a fresh timestamp, and so a fresh signature
        assert all(_verify(received, "r") for received in listener.received)
        assert (
            len({r["headers"]["messagebird-signature"] for r in listener.received}) >= 2
        )
        assert listener.received[0]["body"] == listener.received[2]["body"]


def test_a_connection_error_is_retried_and_the_retries_end():
    with listening() as listener:
        closed = listener.url
    sim = in_memory(webhook_target=closed, webhook_retry_delays=[0.05])
    client = Client(sim)
    _subscribe(client, event="channel.created")
    client.create(0)
    assert sim.wait_deliveries(10)
    attempts = sim.deliveries()
    assert [a["attempt"] for a in attempts] == [1, 2]
    assert all(a["status"] is None and a["error"] for a in attempts)


def test_without_webhook_target_deliveries_are_recorded_not_sent():
    sim = in_memory()
    client = Client(sim)
    _subscribe(client, event="channel.created", signingKey="s")
    connector = client.create(0).json()
    assert sim.wait_deliveries(5)
    (attempt,) = sim.deliveries()
    assert attempt["target"] is None and attempt["status"] is None
    assert attempt["error"].startswith("not sent")
    assert json.loads(attempt["body"])["payload"]["connectorId"] == connector["id"]
    received = {"headers": attempt["headers"], "body": attempt["body"].encode()}
    assert _verify(received, "s")


def test_emit_sends_any_event_to_the_matching_subscriptions():
    with listening() as listener:
        sim = in_memory(webhook_target=listener.url)
        client = Client(sim)
        _subscribe(
            client,
            service="payments",
            event="payment.succeeded",
            eventFilters=[{"key": "currency", "value": "EUR"}],
        )
        _subscribe(
            client,
            service="payments",
            event="payment.succeeded",
            url="https://other.example.org/hook",
        )
        answer = client.admin(
            "POST",
            "/webhooks/emit",
            {
                "workspace_id": WS1,
                "service": "payments",
                "event": "payment.succeeded",
                "payload": {"currency": "USD"},
            },
        )
        assert len(answer["requestIds"]) == 1
        ids = sim.emit_webhook(
            WS1, "payments", "payment.succeeded", {"currency": "EUR"}
        )
        assert len(ids) == 2
        assert sim.wait_deliveries(5)
        assert sorted(r["path"] for r in listener.received) == [
            "/bird/events?source=sim",
            "/hook",
            "/hook",
        ]
        assert (
            client.admin_call(
                "POST",
                "/webhooks/emit",
                {"workspace_id": "nope", "service": "x", "event": "y"},
            ).status_code
            == 404
        )
        assert (
            client.admin_call(
                "POST", "/webhooks/emit", {"workspace_id": WS1}
            ).status_code
            == 400
        )


def test_deliveries_and_wait_over_http_and_reset():
    with listening() as listener, serving(webhook_target=listener.url) as sim:
        client = Client(sim)
        _subscribe(client, event="channel.created")
        client.create(0)
        assert client.admin("POST", "/deliveries/wait", {"timeout": 5}) == {
            "empty": True
        }
        (attempt,) = client.admin("GET", "/deliveries")
        assert attempt["status"] == 204 and attempt["event"] == "channel.created"
        sim.update_config(channel_delay=30)
        client.create(1)  # its channel.created is 30 s away
        assert client.admin("POST", "/deliveries/wait", {"timeout": 0.1}) == {
            "empty": False
        }
        assert (
            client.admin_call("POST", "/deliveries/wait", {"timeout": -1}).status_code
            == 400
        )
        client.admin("POST", "/reset")
        assert client.admin("GET", "/deliveries") == []
        assert client.admin("POST", "/deliveries/wait") == {"empty": True}


def test_deliveries_are_sent_without_the_simulators_lock():
    with listening() as listener:
        listener.hold.clear()  # the listener keeps the delivery waiting
        sim = in_memory(webhook_target=listener.url)
        client = Client(sim)
        _subscribe(client, event="channel.created")
        client.create(0)
        time.sleep(0.2)
        started = time.monotonic()
        assert client.get("/connectors").status_code == 200
        assert client.create(1).status_code == 201
        assert time.monotonic() - started < 1.0
        assert sim.wait_deliveries(0.1) is False  # one is under way
        listener.hold.set()
        assert sim.wait_deliveries(5)
        assert len(listener.received) == 2
