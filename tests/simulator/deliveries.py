# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Webhook deliveries: which events happen when, and the signed POSTs that tell the subscriptions.

Events come from state changes (a channel assigned, its setting-up steps, a status change, a number's
voice capability) and from ``emit``. Each goes, as one delivery per matching subscription, to
``webhook_target`` + the subscription URL's path: Bird posts to a public https URL that a test cannot
serve, so the simulator plays the TLS-terminating proxy in front of a local listener. The signature
still covers the subscription's own URL, as Bird's does.

One background thread does the work, never under the simulator's lock; it starts when there is
something to do and ends when there has been nothing for a while. Lock order: the simulator's lock,
then the outbox's condition; the thread takes the simulator's lock only without the condition.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from .channels import render_channel, timeline
from .shapes import iso
from .webhooks import matches

# Seconds a delivery waits for the listener's answer; Bird's own timeout is not documented.
SEND_TIMEOUT = 2.0
IDLE_SECONDS = 1.0
LOG_SIZE = 1000


def signature(signing_key, timestamp, url, body):
    """Bird's messagebird-signature: base64 of HMAC-SHA256(key, <timestamp> "\\n" <url> "\\n" <sha256(body), 32 raw bytes>)."""
    message = (
        str(timestamp).encode()
        + b"\n"
        + url.encode()
        + b"\n"
        + hashlib.sha256(body).digest()
    )
    digest = hmac.new(signing_key.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def target_url(base, url):
    """Where a delivery to the subscription ``url`` goes: ``base`` (webhook_target) + the URL's path and query."""
    parts = urllib.parse.urlsplit(url)
    return (
        base.rstrip("/")
        + (parts.path or "/")
        + (f"?{parts.query}" if parts.query else "")
    )


class Outbox:
    """Scheduled events and delivery attempts of one simulator, and the log of every attempt."""

    def __init__(self, store, lock, config):
        self._store = store
        self._lock = lock  # the simulator's
        self._config = config  # () -> the simulator's current configuration
        self._cond = threading.Condition()
        self._heap = []  # (due, order, job)
        self._order = itertools.count()
        self._busy = 0
        self._thread = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.log: collections.deque = collections.deque(maxlen=LOG_SIZE)

    # -- events (called with the simulator's lock held) ---------------------------------

    def channel_steps(self, ws_id, channel):
        """A new channel: channel.created at its assignment, channel.updated at each later setting-up step."""
        # A new channel has no changes yet: its timeline is its setup (empty if it is never assigned).
        for index, (at, status) in enumerate(timeline(channel)):
            event = "channel.updated" if index else "channel.created"
            self._channel_event(ws_id, channel, event, at, status)

    def channel_changed(self, ws_id, channel, at):
        """A status change at ``at`` (channel.updated); a channel not assigned yet tells it in its channel.created."""
        if channel["readyAt"] is not None and channel["readyAt"] <= at:
            status = timeline(channel)[-1][1]
            self._channel_event(ws_id, channel, "channel.updated", at, status)

    def _channel_event(self, ws_id, channel, event, at, status):
        if at > time.time():
            self._schedule(at, ("channel", ws_id, channel["id"], event, at, status))
            return
        # Due now: the caller holds the lock, so deliver at once (nothing at all to do without subscriptions).
        ws = self._store.workspaces[ws_id]
        if ws["subscriptions"]:
            self.deliver(ws, "channels", event, render_channel(channel, at))

    def purge_at(self, at):
        """Carry out delayed deletes at ``at`` even when no request comes (their events happen then)."""
        self._schedule(at, ("purge",))

    def deliver(self, ws, service, event, payload):
        """Send an event to every matching subscription of workspace ``ws``; returns the deliveries' request ids."""
        body = json.dumps(
            {"service": service, "event": event, "payload": payload}
        ).encode("utf-8")
        ids = []
        for subscription in sorted(
            ws["subscriptions"].values(), key=lambda s: s["seq"]
        ):
            if not matches(subscription, service, event, payload):
                continue
            # A delivery keeps the subscription as it was at the event, for all its attempts.
            delivery = {
                "requestId": str(uuid.uuid4()),
                "subscriptionId": subscription["id"],
                "service": service,
                "event": event,
                "url": subscription["url"],
                "signingKey": subscription["signingKey"],
                "body": body,
            }
            ids.append(delivery["requestId"])
            self._schedule(time.time(), ("attempt", delivery, 1))
        return ids

    # -- the queue ------------------------------------------------------------------------

    def _schedule(self, due, job):
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._order), job))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="bird-simulator-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _next_job(self):
        """The next due job (waiting for it), or None when idle long enough to end the thread."""
        with self._cond:
            idle_since = time.monotonic()
            while True:
                now = time.time()
                if self._heap and self._heap[0][0] <= now:
                    self._busy += 1
                    return heapq.heappop(self._heap)[2]
                if not self._heap and time.monotonic() - idle_since >= IDLE_SECONDS:
                    self._thread = None
                    return None
                wait = self._heap[0][0] - now if self._heap else IDLE_SECONDS
                self._cond.wait(min(wait, IDLE_SECONDS))

    def _run(self):
        while True:
            job = self._next_job()
            if job is None:
                return
            try:
                self._do(job)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _do(self, job):
        if job[0] == "purge":
            with self._lock:
                self._store.purge(time.time())
        elif job[0] == "channel":
            _kind, ws_id, channel_id, event, at, status = job
            with self._lock:
                ws = self._store.workspaces.get(ws_id)
                channel = ws and ws["channels"].get(channel_id)
                # A setting-up step that a change (or a delete) overtook never happened: no event.
                if channel and (
                    event == "channel.created" or (at, status) in timeline(channel)
                ):
                    self.deliver(ws, "channels", event, render_channel(channel, at))
        else:
            self._attempt(job[1], job[2])

    def _attempt(self, delivery, attempt):
        cfg = self._config()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "messagebird-request-id": delivery["requestId"],
            "messagebird-request-timestamp": str(timestamp),
        }
        if delivery["signingKey"]:
            headers["messagebird-signature"] = signature(
                delivery["signingKey"], timestamp, delivery["url"], delivery["body"]
            )
        target = cfg["webhook_target"]
        status, problem = None, None
        if target is None:
            problem = "not sent: webhook_target is null"
        else:
            target = target_url(target, delivery["url"])
            status, problem = self._send(target, delivery["body"], headers)
        entry = {
            "requestId": delivery["requestId"],
            "subscriptionId": delivery["subscriptionId"],
            "service": delivery["service"],
            "event": delivery["event"],
            "url": delivery["url"],
            "target": target,
            "attempt": attempt,
            "time": iso(time.time()),
            "status": status,
            "error": problem,
            "headers": headers,
            "body": delivery["body"].decode("utf-8"),
        }
        with self._cond:
            self.log.append(entry)
        delays = cfg["webhook_retry_delays"]
        failed = status is None or not 200 <= status < 300
        if target is not None and failed and attempt <= len(delays):
            self._schedule(
                time.time() + delays[attempt - 1], ("attempt", delivery, attempt + 1)
            )

    def _send(self, url, body, headers):
        """(status, None) of a POST, or (None, what went wrong) when there was no answer."""
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=SEND_TIMEOUT) as answer:
                return answer.status, None
        except urllib.error.HTTPError as exc:
            return exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            return None, f"{type(exc).__name__}: {exc}"

    # -- for tests ---------------------------------------------------------------------------

    def attempts(self):
        """Every delivery attempt so far, oldest first (without the signing key)."""
        with self._cond:
            return [dict(entry, headers=dict(entry["headers"])) for entry in self.log]

    def wait(self, timeout):
        """Wait until nothing is left to send or to happen (retries and scheduled events included); True if so."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._heap and not self._busy, timeout
            )

    def clear(self, log=True):
        """Forget what is scheduled (and with ``log`` the attempts so far); an attempt under way still finishes."""
        with self._cond:
            self._heap = []
            if log:
                self.log.clear()
            self._cond.notify_all()
