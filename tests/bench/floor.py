# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ideal client: the least the Bird API allows for the role's job, without Ansible.

It is the API half of a run's floor (the other half is an ``ansible-playbook`` run that carries
the same numbers into a module and back). It is a correct client, not a load generator: it matches
existing connectors, resolves E.164 numbers, checks every answer, retries 429s, and returns each
entry's connector and active channel.

Like the role, it reads and checks everything before its first write, so that a wrong entry
changes nothing. Every workspace at once:

1. read the connector pages (``limit=100``) and, at the same time, the Voice channel pages
   (``platform=voice-messagebird``, ``limit=1000``);
2. match each entry: by id through ``arguments.phoneNumberId`` or ``number.numberId``, by E.164
   through the number each connector echoes (``number.phoneNumber``); only if an entry has no
   connector, read the number pages (``limit=99``) to find its number and check its voice;
3. once every workspace is read and every entry checked, create the missing connectors, all at once;
4. re-read the channel list every ``poll_interval`` seconds until the channel of every entry, new
   or found, is ``active`` (``failed`` or ``deleted`` is an error).

Requests run on one pool of at most ``max_in_flight`` threads, each with its own keep-alive
``requests.Session``; a pacer per workspace keeps request starts under 90 % of Bird's limits
(45 GET/s and 450 POST/s), the margin absorbing the jitter between sending and arriving.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

TEMPLATE = "voice-messagebird:1"
PLATFORM = "voice-messagebird"
LIMITS = {"connectors": 100, "channels": 1000, "numbers": 99}
RATES = {"GET": 45.0, "POST": 450.0}


class FloorError(Exception):
    """An answer the ideal client cannot accept (the benchmark is then void)."""


class Pacer:
    """Spaces request starts at least ``1 / rate`` seconds apart (thread-safe)."""

    def __init__(self, rate):
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self):
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        time.sleep(max(0.0, start - now))


class IdealClient:
    """See the module docstring; ``run(workspaces)`` returns one result per entry."""

    def __init__(
        self, api_url, access_key, max_in_flight=32, poll_interval=0.1, timeout=120.0
    ):
        self.api_url = api_url.rstrip("/")
        self.access_key = access_key
        self.max_in_flight = max_in_flight
        self.poll_interval = poll_interval
        self.timeout = timeout
        self._local = threading.local()
        self._pacers: dict = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_in_flight)  # replaced in run()
        self._waiters = self._pool

    # -- HTTP ------------------------------------------------------------------
    def _send(self, method, ws, path, params=None, body=None):
        """One request on a pool thread; a 429 is retried after a pause."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["Authorization"] = "AccessKey " + self.access_key
        kind = "GET" if method == "GET" else "POST"
        with self._lock:
            pacer = self._pacers.setdefault((ws, kind), Pacer(RATES[kind]))
        url = "%s/workspaces/%s/%s" % (self.api_url, ws, path)
        for attempt in range(10):
            pacer.wait()
            response = session.request(
                method, url, params=params, json=body, timeout=60
            )
            if response.status_code != 429:
                return response
            time.sleep(
                float(response.headers.get("Retry-After") or 0.1 * (attempt + 1))
            )
        raise FloorError("%s %s: still 429 after 10 tries" % (method, url))

    def _call(self, method, ws, path, params=None, body=None):
        return self._pool.submit(self._send, method, ws, path, params, body)

    @staticmethod
    def _body(response, status):
        body = response.json() if response.status_code == status else None
        if not isinstance(body, dict):
            raise FloorError(
                "%s %s: HTTP %s, expected %s: %s"
                % (
                    response.request.method,
                    response.url,
                    response.status_code,
                    status,
                    response.text[:300],
                )
            )
        return body

    def _list(self, ws, resource, params=None):
        """Every item of a list, page after page (each page needs the token of the one before)."""
        params = dict(params or {}, limit=LIMITS[resource])
        items, tokens = [], set()
        while True:
            page = self._body(self._call("GET", ws, resource, params).result(), 200)
            if not isinstance(page.get("results"), list):
                raise FloorError('%s of %s: no "results" list' % (resource, ws))
            items.extend(page["results"])
            token = page.get("nextPageToken")
            if not token:
                return items
            if token in tokens:
                raise FloorError(
                    "%s of %s: page token %r came twice" % (resource, ws, token)
                )
            tokens.add(token)
            params["pageToken"] = token

    def _channels(self, ws):
        """Voice channels by connector id and by channel id."""
        found = {}
        for channel in self._list(ws, "channels", {"platform": PLATFORM}):
            if channel.get("platformId") == PLATFORM:
                found[channel.get("connectorId")] = found[channel.get("id")] = channel
        return found

    # -- one workspace -----------------------------------------------------------
    @staticmethod
    def _number_id(connector):
        value = (connector.get("arguments") or {}).get("phoneNumberId") or (
            connector.get("number") or {}
        ).get("numberId")
        return value.lower() if isinstance(value, str) else None

    def _plan(self, ws, entries):
        """Read the workspace and check every entry: (channels, each entry's connector or None, the
        number id of each entry to create, by index)."""
        channels = self._waiters.submit(self._channels, ws)
        found: dict = {}
        for connector in self._list(ws, "connectors", {"templateRef": TEMPLATE}):
            if connector.get("connectorTemplateRef") == TEMPLATE:
                for key in (
                    self._number_id(connector),
                    (connector.get("number") or {}).get("phoneNumber"),
                ):
                    found.setdefault(key, []).append(connector)
        keys = [
            (e.get("phone_number_id") or "").lower() or e["phone_number"]
            for e in entries
        ]
        connectors = []
        for key in keys:
            if len(found.get(key, [])) > 1:
                raise FloorError("workspace %s: several connectors for %s" % (ws, key))
            connectors.append(found.get(key, [None])[0])
        creates = {}
        if None in connectors:
            numbers: dict = {}
            for number in self._list(ws, "numbers"):
                for key in (str(number["id"]).lower(), number.get("number")):
                    numbers.setdefault(key, []).append(number)
            for index, key in enumerate(keys):
                if connectors[index] is None:
                    number = numbers.get(key, [])
                    if len(number) != 1 or "voice" not in (
                        number[0].get("capabilities") or []
                    ):
                        raise FloorError(
                            "workspace %s: %s is no voice number" % (ws, key)
                        )
                    creates[index] = str(number[0]["id"]).lower()
        return channels.result(), connectors, creates

    def _provision(self, ws, entries, plan):
        """Create what ``plan`` says, then wait until every channel is active; one result per entry."""
        channels, connectors, creates = plan
        sent = {}
        for index, number_id in creates.items():
            body = {
                "name": "Voice %s" % (entries[index].get("phone_number") or number_id),
                "connectorTemplateRef": TEMPLATE,
                "arguments": {"phoneNumberId": number_id},
            }
            sent[index] = self._call("POST", ws, "connectors", body=body)
        for index, future in sent.items():
            connectors[index] = connector = self._body(future.result(), 201)
            if not connector.get("id") or self._number_id(connector) != creates[index]:
                raise FloorError(
                    "create for %s answered %r" % (creates[index], connector)
                )
        deadline = time.monotonic() + self.timeout
        while True:
            results = [
                self._result(ws, e, c, channels, i in creates)
                for i, (e, c) in enumerate(zip(entries, connectors))
            ]
            waiting = [r for r in results if r["status"] != "active"]
            if not waiting:
                return results
            if time.monotonic() > deadline or any(
                r["status"] in ("failed", "deleted") for r in waiting
            ):
                raise FloorError(
                    "workspace %s: channels not active: %s" % (ws, waiting[:3])
                )
            time.sleep(self.poll_interval)
            channels = self._channels(ws)

    @staticmethod
    def _result(ws, entry, connector, channels, changed):
        channel_id = (connector.get("channel") or {}).get("channelId")
        channel = channels.get(channel_id) or channels.get(connector["id"]) or {}
        return {
            "workspace_id": ws,
            "phone_number": entry.get("phone_number"),
            "phone_number_id": IdealClient._number_id(connector),
            "connector_id": connector["id"],
            "channel_id": channel.get("id"),
            "status": channel.get("status"),
            "changed": changed,
        }

    # -- every workspace -----------------------------------------------------------
    def run(self, workspaces):
        """``workspaces`` in the role's form: ``[{"workspace_id", "numbers": [{phone_number | phone_number_id}]}]``."""
        with ThreadPoolExecutor(self.max_in_flight, "floor-http") as self._pool:
            # Threads that only wait: one per workspace, and its channel read beside its connector read.
            with ThreadPoolExecutor(2 * len(workspaces), "floor-wait") as self._waiters:
                plans = [
                    self._waiters.submit(self._plan, w["workspace_id"], w["numbers"])
                    for w in workspaces
                ]
                plans = [
                    plan.result() for plan in plans
                ]  # every workspace checked first
                drivers = [
                    self._waiters.submit(
                        self._provision, w["workspace_id"], w["numbers"], plan
                    )
                    for w, plan in zip(workspaces, plans)
                ]
                return [r for driver in drivers for r in driver.result()]
