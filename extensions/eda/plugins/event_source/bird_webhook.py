# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ansible-rulebook event source: Bird's signed webhook deliveries, verified, one event each."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import ssl
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from yarl import URL

DOCUMENTATION = r"""
---
short_description: Receive Bird (MessageBird) webhook deliveries, each signature checked
description:
  - An ansible-rulebook event source that listens for the deliveries of Bird webhook subscriptions (Notifications
    API, for example service C(channels) event C(channel.updated), or service C(numbers) event C(endpoint)).
  - Only a POST to the served path whose C(messagebird-signature) header is Bird's HMAC-SHA256, made with the
    subscription's signing key, over the C(messagebird-request-timestamp) header, O(url) and the raw body becomes an
    event. Every other request is answered 4xx and dropped. Refused requests are logged with the reason, the remote
    address and the request id; never the signing key or a signature.
  - A timestamp older than O(max_age) seconds, or more than 30 seconds ahead, is refused. An accepted delivery is
    remembered for O(max_age) + 30 seconds by its C(messagebird-request-id) and by its signature (the id is not
    signed); a repeat of either gets 409. At most 100000 keys (two per delivery) are remembered, the oldest
    forgotten first beyond that. A body not received within 30 seconds gets 408.
  - When cancelled, it stops listening; requests in progress get 2 seconds to finish.
  - Each event has C(payload), Bird's JSON body exactly as sent (parsed), and C(meta) with C(request_id),
    C(timestamp) (an integer), C(endpoint) (the served path) and C(headers), which has only
    C(messagebird-request-id), C(messagebird-request-timestamp), C(content-type) and C(user-agent) as sent.
  - Needs aiohttp 3.9 or later.
options:
  host:
    description:
      - The address to listen on.
    type: str
    default: "0.0.0.0"
  port:
    description:
      - The TCP port to listen on.
    type: int
    default: 5000
  url:
    description:
      - The public URL registered with Bird as the subscription's C(url), exactly as registered. The signature
        covers it, so it is needed even when the listener sits behind a TLS proxy that forwards to another URL.
    type: str
    required: true
  path:
    description:
      - The path this listener serves, as the proxy forwards it. Requests to any other path get 404.
      - Defaults to the path of O(url) (V(/) if it has none).
    type: str
  signing_key:
    description:
      - The subscription's signing key (its C(signingKey)).
      - If not given, the environment variable E(BIRD_WEBHOOK_SIGNING_KEY) is used; one of them is required.
    type: str
  max_age:
    description:
      - How many seconds old a delivery's C(messagebird-request-timestamp) may be.
    type: int
    default: 300
  max_body_size:
    description:
      - The largest body accepted, in bytes; larger ones get 413 and are not read into memory.
    type: int
    default: 1048576
  certfile:
    description:
      - A PEM certificate (chain) to serve TLS directly. Requires O(keyfile).
    type: str
  keyfile:
    description:
      - The PEM private key of O(certfile). Requires O(certfile).
    type: str
"""

EXAMPLES = r"""
- bird.engagements.bird_webhook:
    url: https://eda.example.com/bird/channels
    port: 5000
    # signing_key: from the environment variable BIRD_WEBHOOK_SIGNING_KEY

- bird.engagements.bird_webhook:
    url: https://hooks.example.com/eda/bird
    path: /bird
    signing_key: "{{ bird_signing_key }}"
    max_age: 120
    certfile: /etc/eda/tls/cert.pem
    keyfile: /etc/eda/tls/key.pem
"""

logger = logging.getLogger(__name__)

ENV_SIGNING_KEY = "BIRD_WEBHOOK_SIGNING_KEY"
# Seconds a timestamp may be ahead of this host's clock.
FUTURE_SKEW = 30
# Keys the replay memory holds at most (request id and signature: two per delivery).
REPLAY_CACHE_MAX = 100_000
# Seconds a client has to send the whole body.
BODY_READ_TIMEOUT = 30.0
# Seconds requests in progress get to finish when the source is cancelled.
SHUTDOWN_GRACE = 2.0
KEPT_HEADERS = (
    "messagebird-request-id",
    "messagebird-request-timestamp",
    "content-type",
    "user-agent",
)
_TIMESTAMP = re.compile(r"-?[0-9]{1,18}")


def _not_json(constant: str) -> Any:
    raise ValueError("%s is not JSON" % constant)


def bird_signature(key: bytes, timestamp: str, url: str, body: bytes) -> bytes:
    """Bird's signature: HMAC-SHA256 over timestamp, URL and the body's raw SHA-256, joined by newlines."""
    message = b"\n".join(
        (timestamp.encode("utf-8"), url.encode("utf-8"), hashlib.sha256(body).digest())
    )
    return hmac.new(key, message, hashlib.sha256).digest()


def verified_signature(
    key: bytes, timestamp: str, url: str, body: bytes, header: str
) -> bytes | None:
    """The signature (raw bytes) if the base64 header is Bird's signature of this delivery, else None."""
    try:
        given = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        return None
    expected = bird_signature(key, timestamp, url, body)
    return expected if hmac.compare_digest(given, expected) else None


class ReplayCache:
    """Keys of accepted deliveries, each forgotten `ttl` seconds after it was added.

    At most `cap` keys: adding more forgets the oldest first. All keys live
    equally long, so insertion order is expiry order and both are O(1).
    """

    def __init__(self, ttl: float, cap: int, clock: Any = time.monotonic) -> None:
        self._ttl = ttl
        self._cap = cap
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    def remember(self, keys: list[str]) -> bool:
        """Add the keys; False (and nothing added) if any of them is already known."""
        now = self._clock()
        while self._expiry and next(iter(self._expiry.values())) <= now:
            self._expiry.popitem(last=False)
        if any(key in self._expiry for key in keys):
            return False
        for key in keys:
            self._expiry[key] = now + self._ttl
        while len(self._expiry) > self._cap:
            self._expiry.popitem(last=False)
        return True


@dataclass(frozen=True)
class _Config:
    url: str
    path: str
    key: bytes = field(repr=False)
    host: str
    port: int
    max_age: int
    max_body_size: int
    ssl_context: ssl.SSLContext | None = field(repr=False)


def _int_arg(args: dict[str, Any], name: str, default: int, high: int = 2**62) -> int:
    value = args.get(name, default)
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]+", str(value)):
        raise ValueError("bird_webhook: %s must be a positive integer" % name)
    if not 1 <= int(value) <= high:
        raise ValueError("bird_webhook: %s must be between 1 and %d" % (name, high))
    return int(value)


def parse_args(args: dict[str, Any]) -> _Config:
    """The source's arguments, checked, with their defaults; ValueError names what is wrong."""
    url = str(args.get("url") or "")
    parsed = URL(url)
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise ValueError(
            "bird_webhook: url is required: the absolute URL registered with Bird"
        )
    path = args.get("path") or parsed.path or "/"
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("bird_webhook: path must start with /, not %r" % (path,))
    key = args.get("signing_key") or os.environ.get(ENV_SIGNING_KEY)
    if not key or not isinstance(key, str):
        raise ValueError(
            "bird_webhook: the subscription's signing key is required: set the signing_key argument "
            "or the environment variable %s" % ENV_SIGNING_KEY
        )
    certfile, keyfile = args.get("certfile"), args.get("keyfile")
    context = None
    if bool(certfile) != bool(keyfile):
        raise ValueError("bird_webhook: give both certfile and keyfile, or neither")
    if certfile:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(
                "bird_webhook: cannot load certfile %s with keyfile %s: %s"
                % (certfile, keyfile, exc)
            ) from None
    return _Config(
        url=url,
        path=path,
        key=key.encode("utf-8"),
        host=args.get("host") or "0.0.0.0",
        port=_int_arg(args, "port", 5000, 65535),
        max_age=_int_arg(args, "max_age", 300),
        max_body_size=_int_arg(args, "max_body_size", 1024 * 1024),
        ssl_context=context,
    )


class _Receiver:
    """The request handler: checks a delivery, queues it as an event or refuses it."""

    def __init__(self, queue: asyncio.Queue[Any], config: _Config) -> None:
        self.queue = queue
        self.config = config
        self.replays = ReplayCache(config.max_age + FUTURE_SKEW, REPLAY_CACHE_MAX)

    @staticmethod
    def _refuse(
        request: web.Request, status: int, reason: str, **kwargs: Any
    ) -> web.Response:
        level = logging.INFO if status in (404, 405) else logging.WARNING
        request_id = request.headers.get("messagebird-request-id", "")[:100] or None
        details = (status, reason, request.remote, request_id)
        logger.log(
            level, "bird_webhook refused %d (%s) from %s, request id %r", *details
        )
        return web.Response(status=status, text=reason + "\n", **kwargs)

    async def _read_body(self, request: web.Request) -> bytes | None:
        """The body; None as soon as it is larger than max_body_size."""
        limit = self.config.max_body_size
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await request.content.read(min(65536, limit + 1 - size))
            size += len(chunk)
            if not chunk or size > limit:
                return None if size > limit else b"".join(chunks)
            chunks.append(chunk)

    async def handle(self, request: web.Request) -> web.Response:
        config = self.config
        if request.path != config.path:
            return self._refuse(request, 404, "not found")
        if request.method != "POST":
            return self._refuse(request, 405, "only POST", headers={"Allow": "POST"})
        signature = request.headers.get("messagebird-signature", "").strip()
        timestamp = request.headers.get("messagebird-request-timestamp", "").strip()
        if not signature or not timestamp:
            return self._refuse(request, 401, "signature or timestamp header missing")
        if not _TIMESTAMP.fullmatch(timestamp):
            return self._refuse(request, 400, "timestamp is not an integer")
        age = time.time() - int(timestamp)
        if age > config.max_age:
            return self._refuse(request, 401, "timestamp older than max_age")
        if age < -FUTURE_SKEW:
            return self._refuse(request, 401, "timestamp in the future")
        body = None
        if (request.content_length or 0) <= config.max_body_size:
            try:
                body = await asyncio.wait_for(
                    self._read_body(request), BODY_READ_TIMEOUT
                )
            except asyncio.TimeoutError:
                return self._refuse(request, 408, "body not received in time")
        if body is None:
            return self._refuse(request, 413, "body larger than max_body_size")
        digest = verified_signature(config.key, timestamp, config.url, body, signature)
        if digest is None:
            return self._refuse(request, 401, "signature does not match")
        try:
            payload = json.loads(body, parse_constant=_not_json)
        except ValueError:
            return self._refuse(request, 400, "body is not JSON")
        request_id = request.headers.get("messagebird-request-id") or None
        keys = ["signature:" + digest.hex()]
        if request_id:
            keys.append("id:" + request_id)
        # No await between this check and the queueing decision: atomic in the event loop.
        if not self.replays.remember(keys):
            return self._refuse(request, 409, "delivery already accepted")
        headers = {h: request.headers[h] for h in KEPT_HEADERS if h in request.headers}
        meta = dict(request_id=request_id, timestamp=int(timestamp), headers=headers)
        await self.queue.put(
            {"payload": payload, "meta": dict(meta, endpoint=config.path)}
        )
        logger.debug("bird_webhook queued delivery %r", request_id)
        return web.Response(status=200, text="accepted\n")


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Listen for Bird webhook deliveries and put each verified one on the queue as an event."""
    config = parse_args(args)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _Receiver(queue, config).handle)
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_GRACE)
    await runner.setup()
    try:
        site = web.TCPSite(
            runner, config.host, config.port, ssl_context=config.ssl_context
        )
        await site.start()
        scheme = "https" if config.ssl_context else "http"
        logger.info(
            "bird_webhook listening on %s://%s:%d%s",
            scheme,
            config.host,
            config.port,
            config.path,
        )
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        logger.info("bird_webhook cancelled: closing the listener")
        raise
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    # Run directly: events go to stdout, one JSON line each. Needs BIRD_WEBHOOK_SIGNING_KEY.

    class MockQueue(asyncio.Queue):
        """A queue that writes each event to stdout."""

        async def put(self, item: Any) -> None:
            sys.stdout.write(json.dumps(item) + "\n")
            sys.stdout.flush()

    logging.basicConfig(level=logging.INFO)
    asyncio.run(
        main(MockQueue(), {"url": "https://eda.example.com/bird", "port": 5000})
    )
