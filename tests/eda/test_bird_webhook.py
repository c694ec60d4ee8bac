# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bird_webhook event source (extensions/eda/plugins/event_source/bird_webhook.py).

The plugin's main() runs as a task on a free port of 127.0.0.1, as ansible-rulebook
would run it; requests come from aiohttp's client or from raw sockets. Signatures are
made here with hmac/hashlib following Bird's documented algorithm, never with the
plugin's own function, and one vector was computed once with the openssl command line.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import hmac
import importlib.util
import inspect
import ipaddress
import json
import logging
import os
import runpy
import socket
import ssl
import subprocess
import sys
import time
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PLUGIN = (
    Path(__file__).resolve().parents[2]
    / "extensions/eda/plugins/event_source/bird_webhook.py"
)


def _load_plugin():
    spec = importlib.util.spec_from_file_location("bird_webhook", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bw = _load_plugin()
# By name: the environments of nox -e lint (mypy, pylint) have no aiohttp, and
# the event source itself is loaded from its path as ansible-rulebook does.
aiohttp = importlib.import_module("aiohttp")

KEY = "sk-bird-TEST-7f3c9a51e2d84b06"
URL = "https://hooks.example.com/eda/bird"
PATH = "/eda/bird"
BODY = b'{"service": "channels", "event": "channel.updated", "payload": {"id": "c1"}}'
ENV = "BIRD_WEBHOOK_SIGNING_KEY"

# Computed once with openssl (OpenSSL 3.0), not with Python:
#   printf '%s' "$body" | openssl dgst -sha256 -binary > h
#   { printf '%s\n%s\n' "$ts" "$url"; cat h; } | openssl dgst -sha256 -hmac "$key" -binary | base64
OPENSSL_KEY = "whsec-bird-test-0123456789"
OPENSSL_TS = "1700000000"
OPENSSL_URL = "https://eda.example.com/bird/hooks?tenant=acme"
OPENSSL_BODY = (
    rb'{"service": "channels", "event": "channel.updated", "payload": '
    rb'{"id": "3f1c2b9e-1d2c-4b5a-9e8f-0a1b2c3d4e5f", "status": "active", "name": "Voice \u00e9t\u00e9"}}'
)
OPENSSL_BODY_SHA256 = "3c55eb7df7f57a0ebc36d0ef19371cabc8fd3f0ef9eecef6c4f56bf09149260d"
OPENSSL_SIGNATURE = "3l4KtXUwjO5QcKGBL66WO5CKtFJbfjfjcKwjQ/gRxaY="


def sign(body: bytes, timestamp: str, url: str = URL, key: str = KEY) -> str:
    """Bird's algorithm, written out independently of the plugin."""
    message = (
        timestamp.encode()
        + b"\n"
        + url.encode()
        + b"\n"
        + hashlib.sha256(body).digest()
    )
    return base64.b64encode(
        hmac.new(key.encode(), message, hashlib.sha256).digest()
    ).decode()


def now() -> str:
    return str(int(time.time()))


def signed(body: bytes = BODY, request_id: str | None = "req-1", **kwargs) -> dict:
    timestamp = kwargs.pop("timestamp", None) or now()
    headers = {
        "messagebird-signature": sign(body, timestamp, **kwargs),
        "messagebird-request-timestamp": timestamp,
        "content-type": "application/json",
    }
    if request_id:
        headers["messagebird-request-id"] = request_id
    return headers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
        return True


@dataclass
class Server:
    port: int
    queue: asyncio.Queue
    task: asyncio.Task
    scheme: str = "http"
    client: Any = None

    def url(self, path: str = PATH) -> str:
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def events(self) -> list:
        items = []
        while not self.queue.empty():
            items.append(self.queue.get_nowait())
        return items


async def start_main(**overrides) -> Server:
    """Run main() as a task on a free port of 127.0.0.1; return once it listens."""
    port = free_port()
    args = {"host": "127.0.0.1", "port": port, "url": URL, "signing_key": KEY}
    args.update(overrides)
    queue: asyncio.Queue = asyncio.Queue()
    task = asyncio.create_task(bw.main(queue, args))
    for _attempt in range(250):
        if task.done():
            task.result()  # raises what main raised
        with suppress(OSError):
            writer = (await asyncio.open_connection("127.0.0.1", port))[1]
            writer.close()
            await writer.wait_closed()
            break
        await asyncio.sleep(0.02)
    scheme = "https" if overrides.get("certfile") else "http"
    return Server(port, queue, task, scheme)


@asynccontextmanager
async def running(**overrides):
    """start_main() and an aiohttp client session, both closed at the end."""
    server = await start_main(**overrides)
    try:
        async with aiohttp.ClientSession() as client:
            server.client = client
            yield server
    finally:
        server.task.cancel()
        with suppress(asyncio.CancelledError):
            await server.task


async def post(server, body=BODY, headers=None, path=PATH, method="POST") -> int:
    """The status of the response to the request."""
    async with server.client.request(
        method, server.url(path), data=body, headers=headers
    ) as response:
        await response.read()
        return response.status


async def raw_status(port: int, *parts: bytes, pause: float = 0.0) -> int:
    """Send raw bytes (with a pause between parts) and return the response's status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(pause)
        line = await asyncio.wait_for(reader.readline(), 5)
        return int(line.split()[1])
    finally:
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()


# --- the signature, against Bird's documented algorithm ----------------------


def test_signature_matches_the_fixed_openssl_vector():
    assert hashlib.sha256(OPENSSL_BODY).hexdigest() == OPENSSL_BODY_SHA256
    raw = bw.bird_signature(OPENSSL_KEY.encode(), OPENSSL_TS, OPENSSL_URL, OPENSSL_BODY)
    assert base64.b64encode(raw).decode() == OPENSSL_SIGNATURE
    assert bw.verified_signature(
        OPENSSL_KEY.encode(), OPENSSL_TS, OPENSSL_URL, OPENSSL_BODY, OPENSSL_SIGNATURE
    )


@pytest.mark.parametrize("body", [b"", b"{}", BODY, os.urandom(3000)])
def test_signature_matches_an_independent_hmac(body):
    timestamp = now()
    expected = sign(body, timestamp)
    raw = bw.bird_signature(KEY.encode(), timestamp, URL, body)
    assert base64.b64encode(raw).decode() == expected
    assert bw.verified_signature(KEY.encode(), timestamp, URL, body, expected) == raw


@pytest.mark.parametrize(
    "change",
    ["key", "timestamp", "url", "body", "not base64", "truncated", "empty"],
)
def test_signature_refuses_anything_changed(change):
    args = [OPENSSL_KEY.encode(), OPENSSL_TS, OPENSSL_URL, OPENSSL_BODY]
    header = OPENSSL_SIGNATURE
    if change == "key":
        args[0] = b"another-key"
    elif change == "timestamp":
        args[1] = "1700000001"
    elif change == "url":
        args[2] = "https://eda.example.com/bird/hooks"
    elif change == "body":
        args[3] = OPENSSL_BODY.replace(b": ", b":")
    elif change == "not base64":
        header = "%%%" + header
    elif change == "truncated":
        header = base64.b64encode(base64.b64decode(header)[:16]).decode()
    else:
        header = ""
    assert bw.verified_signature(*args, header) is None


# --- accepted deliveries -------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        OPENSSL_BODY,
        b'{"service":"numbers","event":"endpoint","payload":{"id":"n1","capabilities":[{"name":"voice","inbound":null}]}}',
        b'  {"event": "channel.updated",\n "payload": {"b": 2, "a": [1.50, "\\u2603"]}}\n',
    ],
)
async def test_a_delivery_is_one_event_with_the_body_as_sent(body):
    async with running() as server:
        headers = signed(body, request_id="7c1f-delivery")
        headers.update(
            {
                "user-agent": "Bird-Webhooks/1.0",
                "x-forwarded-for": "203.0.113.9",
                "authorization": "Bearer something",
            }
        )
        status = await post(server, body, headers)
        assert status == 200
        [event] = server.events()
        assert event == {
            "payload": json.loads(body),
            "meta": {
                "request_id": "7c1f-delivery",
                "timestamp": int(headers["messagebird-request-timestamp"]),
                "headers": {
                    "messagebird-request-id": "7c1f-delivery",
                    "messagebird-request-timestamp": headers[
                        "messagebird-request-timestamp"
                    ],
                    "content-type": "application/json",
                    "user-agent": "Bird-Webhooks/1.0",
                },
                "endpoint": PATH,
            },
        }
        text = json.dumps(event)
        assert KEY not in text and headers["messagebird-signature"] not in text


@pytest.mark.asyncio
async def test_a_delivery_without_request_id_is_accepted():
    async with running() as server:
        status = await post(server, headers=signed(request_id=None))
        assert status == 200
        [event] = server.events()
        assert event["meta"]["request_id"] is None
        assert "messagebird-request-id" not in event["meta"]["headers"]


@pytest.mark.asyncio
async def test_behind_a_proxy_the_public_url_is_signed_and_the_path_served():
    public = "https://hooks.example.com/public/bird"
    async with running(url=public, path="/bird") as server:
        assert await post(server, headers=signed(url=public), path="/bird") == 200
        # What the listener itself sees is not what Bird signed.
        mine = server.url("/bird")
        assert await post(server, headers=signed(url=mine), path="/bird") == 401
        assert (
            await post(server, headers=signed(url=public), path="/public/bird") == 404
        )
        [event] = server.events()
        assert event["meta"]["endpoint"] == "/bird"


@pytest.mark.asyncio
async def test_the_key_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV, KEY)
    async with running(signing_key=None) as server:
        assert await post(server, headers=signed()) == 200
        assert len(server.events()) == 1


# --- refusals --------------------------------------------------------------------

SMALL = b'{"event": "x"}'
LIMIT = 100


def refusal(case: str):
    """(method, path, body, headers) of a request that must be refused."""
    headers = signed(SMALL)
    method, path, body = "POST", PATH, SMALL
    if case == "no signature":
        del headers["messagebird-signature"]
    elif case == "no timestamp":
        del headers["messagebird-request-timestamp"]
    elif case == "empty signature":
        headers["messagebird-signature"] = ""
    elif case == "wrong key":
        headers = signed(SMALL, key="not-the-key")
    elif case == "another url":
        headers = signed(SMALL, url="https://other.example.com/eda/bird")
    elif case == "signature not base64":
        headers["messagebird-signature"] = "not base64!"
    elif case == "body changed":
        body = b'{"event": "y"}'
    elif case == "timestamp not an integer":
        headers = signed(SMALL, timestamp="1700000000.5")
    elif case == "timestamp a word":
        headers = signed(SMALL, timestamp="yesterday")
    elif case == "timestamp too old":
        headers = signed(SMALL, timestamp=str(int(time.time()) - 301))
    elif case == "timestamp in the future":
        headers = signed(SMALL, timestamp=str(int(time.time()) + 120))
    elif case == "not JSON":
        body = b"service=channels&event=channel.updated"
        headers = signed(body)
    elif case == "JSON with NaN":
        body = b'{"value": NaN}'
        headers = signed(body)
    elif case == "too large":
        body = b'{"event": "%s"}' % (b"x" * LIMIT)
        headers = signed(body)
    elif case == "GET":
        method = "GET"
    elif case == "PUT":
        method = "PUT"
    elif case == "other path":
        path = "/eda/bird/"
    elif case == "root path":
        path = "/"
    return method, path, body, headers


REFUSALS = {
    "no signature": 401,
    "no timestamp": 401,
    "empty signature": 401,
    "wrong key": 401,
    "another url": 401,
    "signature not base64": 401,
    "body changed": 401,
    "timestamp not an integer": 400,
    "timestamp a word": 400,
    "timestamp too old": 401,
    "timestamp in the future": 401,
    "not JSON": 400,
    "JSON with NaN": 400,
    "too large": 413,
    "GET": 405,
    "PUT": 405,
    "other path": 404,
    "root path": 404,
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_refused_and_never_queued(case):
    async with running(max_body_size=LIMIT) as server:
        method, path, body, headers = refusal(case)
        status = await post(server, body, headers, path=path, method=method)
        assert status == REFUSALS[case]
        assert server.events() == []
        # The listener still takes a good delivery afterwards.
        assert await post(server, SMALL, signed(SMALL, "good")) == 200


@pytest.mark.asyncio
async def test_405_names_the_allowed_method():
    async with running() as server:
        async with server.client.get(server.url()) as response:
            assert response.status == 405
            assert response.headers["Allow"] == "POST"


@pytest.mark.asyncio
async def test_a_large_content_length_is_refused_before_the_body_is_read():
    async with running(max_body_size=LIMIT) as server:
        headers = signed(SMALL)
        head = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n" % PATH
        head += "".join("%s: %s\r\n" % item for item in headers.items()) + "\r\n"
        # Only the head is sent: a server that waited for the body would not answer.
        assert await raw_status(server.port, head.encode()) == 413
        assert server.events() == []


@pytest.mark.asyncio
async def test_a_large_chunked_body_is_refused_after_max_body_size_bytes():
    async with running(max_body_size=LIMIT) as server:
        headers = signed(SMALL)
        head = "POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" % PATH
        head += "".join("%s: %s\r\n" % item for item in headers.items()) + "\r\n"
        chunk = b"32\r\n" + b"x" * 50 + b"\r\n"
        # The body never ends; the listener answers once it is past the limit.
        status = await raw_status(server.port, head.encode(), *[chunk] * 4, pause=0.01)
        assert status == 413
        assert server.events() == []


@pytest.mark.asyncio
async def test_a_body_that_does_not_arrive_in_time_is_refused(monkeypatch):
    monkeypatch.setattr(bw, "BODY_READ_TIMEOUT", 0.3)
    async with running() as server:
        headers = signed(SMALL)
        head = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n" % (
            PATH,
            len(SMALL),
        )
        head += "".join("%s: %s\r\n" % item for item in headers.items()) + "\r\n"
        assert await raw_status(server.port, head.encode() + SMALL[:5]) == 408
        assert server.events() == []


# --- replays -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_replays_are_refused_with_409():
    async with running() as server:
        first = signed(BODY, "delivery-1")
        assert await post(server, BODY, first) == 200
        # The same delivery again (Bird's retry or a replay), with or without a new timestamp.
        assert await post(server, BODY, first) == 409
        other = b'{"event": "channel.updated", "payload": {"id": "c2"}}'
        assert await post(server, other, signed(other, "delivery-1")) == 409
        # The request id is not signed: the same signed delivery under another id is a replay.
        forged = dict(first, **{"messagebird-request-id": "delivery-forged"})
        assert await post(server, BODY, forged) == 409
        # Without any id, the signature names the delivery.
        anonymous = signed(other, None)
        assert await post(server, other, anonymous) == 200
        assert await post(server, other, anonymous) == 409
        # A different delivery is accepted. (The same body signed in the same second
        # has the same signature: that is the same delivery.)
        third = b'{"event": "channel.updated", "payload": {"id": "c3"}}'
        assert await post(server, third, signed(third, "delivery-2")) == 200
        assert [e["meta"]["request_id"] for e in server.events()] == [
            "delivery-1",
            None,
            "delivery-2",
        ]


@pytest.mark.asyncio
async def test_concurrent_copies_of_one_delivery_make_one_event():
    async with running() as server:
        headers = signed(BODY, "delivery-x")
        statuses = await asyncio.gather(
            *(post(server, BODY, headers) for _copy in range(10))
        )
        assert sorted(statuses) == [200] + [409] * 9
        assert len(server.events()) == 1


@pytest.mark.asyncio
async def test_a_request_id_is_forgotten_after_the_window(monkeypatch):
    monkeypatch.setattr(bw, "FUTURE_SKEW", 0)
    async with running(max_age=1) as server:
        one, two, three = (b'{"n": %d}' % n for n in (1, 2, 3))
        assert await post(server, one, signed(one, "id-a")) == 200
        assert await post(server, two, signed(two, "id-a")) == 409
        await asyncio.sleep(1.2)
        assert await post(server, three, signed(three, "id-a")) == 200
        assert len(server.events()) == 2


@pytest.mark.asyncio
async def test_the_replay_memory_is_capped_oldest_first(monkeypatch):
    monkeypatch.setattr(bw, "REPLAY_CACHE_MAX", 4)  # two deliveries with an id
    async with running() as server:
        for n in (1, 2, 3):
            body = b'{"n": %d}' % n
            assert await post(server, body, signed(body, "id-%d" % n)) == 200
        again = b'{"n": 10}'
        assert await post(server, again, signed(again, "id-1")) == 200
        later = b'{"n": 30}'
        assert await post(server, later, signed(later, "id-3")) == 409


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_replay_cache_expires_keys_after_ttl():
    clock = FakeClock()
    cache = bw.ReplayCache(ttl=10, cap=100, clock=clock)
    assert cache.remember(["id:a", "signature:1"])
    clock.now += 9.9
    assert not cache.remember(["id:a"])
    assert not cache.remember(["id:b", "signature:1"])
    assert len(cache) == 2  # a refused remember adds nothing
    clock.now += 0.1
    assert cache.remember(["id:a"])
    assert len(cache) == 1


def test_replay_cache_holds_at_most_cap_keys_and_evicts_the_oldest():
    clock = FakeClock()
    cache = bw.ReplayCache(ttl=300, cap=3, clock=clock)
    for key in "abcd":
        assert cache.remember([key])
        clock.now += 1
    assert len(cache) == 3
    assert cache.remember(["a"])  # forgotten: the oldest
    assert not cache.remember(["d"])
    for n in range(10000):
        cache.remember(["flood-%d" % n])
    assert len(cache) == 3


# --- the signing key stays secret ---------------------------------------------------


@pytest.mark.asyncio
async def test_the_key_is_in_no_log_at_debug(caplog):
    caplog.set_level(logging.DEBUG)
    async with running() as server:
        signatures = []
        for case in ("wrong key", "another url", "not JSON", "timestamp too old"):
            body, headers = refusal(case)[2:]
            headers["messagebird-request-id"] = "refused-" + case.replace(" ", "-")
            signatures.append(headers["messagebird-signature"])
            assert await post(server, body, headers) in (400, 401)
        good = signed(BODY, "accepted-1")
        signatures.append(good["messagebird-signature"])
        assert await post(server, BODY, good) == 200
        assert await post(server, BODY, good) == 409
        with pytest.raises(ValueError) as error:
            await bw.main(
                asyncio.Queue(), {"url": URL, "signing_key": KEY, "port": "x"}
            )
        assert KEY not in str(error.value)
        assert repr(bw.parse_args({"url": URL, "signing_key": KEY})).count(KEY) == 0

        logged = caplog.text + "".join(
            str(r.args) + r.getMessage() for r in caplog.records
        )
        assert KEY not in logged and KEY.encode().hex() not in logged
        for signature in signatures:
            assert signature not in logged
        refusals = [
            r.getMessage() for r in caplog.records if "refused" in r.getMessage()
        ]
        assert any(
            "401" in m
            and "signature does not match" in m
            and "127.0.0.1" in m
            and "'refused-wrong-key'" in m
            for m in refusals
        )
        assert any("409" in m and "'accepted-1'" in m for m in refusals)


# --- arguments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        ({"url": None}, ["url is required"]),
        ({"url": "/eda/bird"}, ["url is required"]),
        ({"url": "ftp://hooks.example.com/x"}, ["url is required"]),
        ({"signing_key": None}, ["signing_key", ENV]),
        ({"signing_key": ""}, ["signing_key", ENV]),
        ({"certfile": "/tmp/cert.pem"}, ["both certfile and keyfile"]),
        ({"keyfile": "/tmp/key.pem"}, ["both certfile and keyfile"]),
        (
            {"certfile": "/nonexistent/c.pem", "keyfile": "/nonexistent/k.pem"},
            ["cannot load"],
        ),
        ({"path": "eda/bird"}, ["path must start with /"]),
        ({"port": "http"}, ["port"]),
        ({"port": 0}, ["port"]),
        ({"port": 70000}, ["port"]),
        ({"port": True}, ["port"]),
        ({"max_age": 0}, ["max_age"]),
        ({"max_age": -5}, ["max_age"]),
        ({"max_body_size": "1MB"}, ["max_body_size"]),
    ],
)
def test_bad_arguments_are_clear_errors(monkeypatch, args, words):
    monkeypatch.delenv(ENV, raising=False)
    full = {"url": URL, "signing_key": KEY}
    full.update(args)
    with pytest.raises(ValueError) as error:
        bw.parse_args(full)
    for word in words:
        assert word in str(error.value)
    assert KEY not in str(error.value)


def test_defaults(monkeypatch):
    monkeypatch.setenv(ENV, "from-env")
    config = bw.parse_args({"url": URL})
    assert (config.host, config.port, config.path) == ("0.0.0.0", 5000, PATH)
    assert (config.max_age, config.max_body_size) == (300, 1048576)
    assert config.key == b"from-env" and config.ssl_context is None
    assert bw.parse_args({"url": "https://h.example.com"}).path == "/"
    assert bw.parse_args({"url": URL, "signing_key": "arg"}).key == b"arg"
    assert bw.parse_args({"url": URL, "port": "8080"}).port == 8080


def test_documentation_describes_every_argument():
    doc = yaml.safe_load(bw.DOCUMENTATION)
    options = doc["options"]
    assert set(options) == {
        "host",
        "port",
        "url",
        "path",
        "signing_key",
        "max_age",
        "max_body_size",
        "certfile",
        "keyfile",
    }
    assert options["url"]["required"] is True
    defaults = {k: v["default"] for k, v in options.items() if "default" in v}
    assert defaults == {
        "host": "0.0.0.0",
        "port": 5000,
        "max_age": 300,
        "max_body_size": 1048576,
    }
    assert str(bw.REPLAY_CACHE_MAX) in bw.DOCUMENTATION.replace("_", "")
    assert "%d seconds" % bw.FUTURE_SKEW in bw.DOCUMENTATION
    for example in yaml.safe_load(bw.EXAMPLES):
        assert set(example["bird.engagements.bird_webhook"]) <= set(options)


def test_ansible_rulebook_can_load_it_with_runpy():
    # ansible-rulebook loads a source with runpy.run_path and calls its main.
    plugin = runpy.run_path(str(PLUGIN))
    assert asyncio.iscoroutinefunction(plugin["main"])
    assert list(inspect.signature(plugin["main"]).parameters) == ["queue", "args"]


def test_running_the_file_without_a_key_says_what_is_missing():
    env = {k: v for k, v in os.environ.items() if k != ENV}
    proc = subprocess.run(
        [sys.executable, str(PLUGIN)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "signing_key" in proc.stderr and ENV in proc.stderr


# --- TLS ------------------------------------------------------------------------------


def make_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now_ = datetime.datetime.now(datetime.timezone.utc)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now_ - datetime.timedelta(minutes=5))
        .not_valid_after(now_ + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


@pytest.mark.asyncio
async def test_tls_with_certfile_and_keyfile(tmp_path):
    certfile, keyfile = make_certificate(tmp_path)
    async with running(certfile=str(certfile), keyfile=str(keyfile)) as server:
        context = ssl.create_default_context(cafile=str(certfile))
        async with server.client.post(
            server.url(), data=BODY, headers=signed(), ssl=context
        ) as response:
            assert response.status == 200
        [event] = server.events()
        assert event["payload"] == json.loads(BODY)
        # Plain HTTP is not answered on the TLS port.
        with pytest.raises(aiohttp.ClientError):
            plain = Server(
                server.port, server.queue, server.task, "http", server.client
            )
            await post(plain, headers=signed(request_id="plain"))
        assert server.events() == []


# --- shutdown ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_cancel_closes_the_listener_and_leaves_no_task():
    server = await start_main()
    async with aiohttp.ClientSession() as server.client:
        assert await post(server, headers=signed()) == 200
    # An idle connection and a request whose body never comes, open during shutdown.
    idle = (await asyncio.open_connection("127.0.0.1", server.port))[1]
    stuck = (await asyncio.open_connection("127.0.0.1", server.port))[1]
    head = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n" % PATH
    head += "".join("%s: %s\r\n" % item for item in signed(SMALL).items())
    stuck.write(head.encode() + b"\r\n{")
    await stuck.drain()
    await asyncio.sleep(0.1)

    started = time.monotonic()
    server.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await server.task
    assert time.monotonic() - started < bw.SHUTDOWN_GRACE + 2
    for writer in (idle, stuck):
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()
    assert port_is_free(server.port)
    await asyncio.sleep(0.05)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
