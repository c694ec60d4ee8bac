# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ideal client: the least the Bird API allows for the job the role does, without Ansible.

It is the API half of a scenario's floor (the other half is a one-task ``ansible-playbook``
run). It is a correct client, not a load generator: it matches existing connectors, resolves
E.164 numbers, checks every answer, retries 429s, and returns, for every entry, the connector
and channel ids.

Per workspace, in parallel across workspaces:

1. read every connector page (``limit=99``, following ``nextPageToken``);
2. match each entry: by id through ``arguments.phoneNumberId`` or ``number.numberId``, by
   E.164 through the number each connector echoes (``number.phoneNumber``);
3. send the creates of unmatched id entries at once (Bird checks the number), and, only if
   some E.164 entry is still unmatched, read every number page (``limit=99``) to resolve
   those, then send their creates;
4. re-read the connector list every ``poll_interval`` seconds until every new connector
   has ``channel.channelId``.

Every HTTP request runs on one pool of at most ``max_in_flight`` threads, each with its own
keep-alive ``requests.Session``; a per-workspace pacer spaces request starts to stay under
Bird's limits (``rates``, by default 90 % of 50 GET/s and 500 POST/s, the margin absorbing
the jitter between sending and arriving).
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

TEMPLATE = "voice-messagebird:1"
PAGE_LIMIT = 99
DEFAULT_RATES = {"GET": 45.0, "POST": 450.0}


class FloorError(Exception):
    """The ideal client got an answer it cannot accept (the benchmark is then void)."""


class Pacer:
    """Spaces request starts at least ``1 / rate`` seconds apart (thread-safe)."""

    def __init__(self, rate):
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self):
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class IdealClient:
    """See the module docstring. ``run(workspaces)`` returns one result dict per entry."""

    def __init__(
        self,
        api_url,
        access_key,
        max_in_flight=32,
        rates=None,
        poll_interval=0.1,
        timeout=60.0,
        wait_timeout=120.0,
        template=TEMPLATE,
    ):
        self.api_url = api_url.rstrip("/")
        self.access_key = access_key
        self.max_in_flight = max_in_flight
        self.rates = dict(DEFAULT_RATES, **(rates or {}))
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.wait_timeout = wait_timeout
        self.template = template
        self._local = threading.local()
        self._pacers = {}
        self._pacers_lock = threading.Lock()
        self._pool = None
        self.counts = {"GET": 0, "POST": 0, "retried_429": 0, "polls": 0}
        self._counts_lock = threading.Lock()

    # -- HTTP ----------------------------------------------------------------
    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update(
                {
                    "Authorization": "AccessKey %s" % self.access_key,
                    "Accept": "application/json",
                }
            )
            self._local.session = session
        return session

    def _pacer(self, workspace_id, method):
        kind = "GET" if method == "GET" else "POST"
        with self._pacers_lock:
            pacer = self._pacers.get((workspace_id, kind))
            if pacer is None:
                pacer = self._pacers[(workspace_id, kind)] = Pacer(self.rates[kind])
        return pacer

    def _send(self, method, workspace_id, path, params=None, body=None):
        """One request on a pool thread (at most max_in_flight at once); 429s are retried."""
        url = "%s/workspaces/%s/%s" % (self.api_url, workspace_id, path)
        for attempt in range(10):
            self._pacer(workspace_id, method).acquire()
            response = self._session().request(
                method, url, params=params, json=body, timeout=self.timeout
            )
            with self._counts_lock:
                self.counts[method] = self.counts.get(method, 0) + 1
            if response.status_code != 429:
                return response
            with self._counts_lock:
                self.counts["retried_429"] += 1
            retry_after = response.headers.get("Retry-After")
            time.sleep(
                float(retry_after)
                if retry_after
                else random.uniform(0.05, 0.1) * (attempt + 1)
            )
        raise FloorError("%s %s: still 429 after 10 tries" % (method, url))

    def _call(self, method, workspace_id, path, params=None, body=None):
        assert self._pool is not None, "the client runs inside run()"
        return self._pool.submit(self._send, method, workspace_id, path, params, body)

    @staticmethod
    def _json(response, expect):
        if response.status_code != expect:
            raise FloorError(
                "%s %s: HTTP %s, expected %s: %s"
                % (
                    response.request.method,
                    response.url,
                    response.status_code,
                    expect,
                    response.text[:300],
                )
            )
        body = response.json()
        if not isinstance(body, dict):
            raise FloorError("%s: not a JSON object" % response.url)
        return body

    def _pages(self, workspace_id, resource, params=None):
        """Every item of a list, page after page (a page needs the token of the one before)."""
        params = dict(params or {}, limit=PAGE_LIMIT)
        items, seen = [], set()
        while True:
            page = self._json(
                self._call("GET", workspace_id, resource, params=params).result(), 200
            )
            results = page.get("results")
            if not isinstance(results, list):
                raise FloorError(
                    '%s list of %s: no "results" list' % (resource, workspace_id)
                )
            items.extend(results)
            token = page.get("nextPageToken")
            if not token:
                return items
            if token in seen:
                raise FloorError(
                    "%s list of %s: page token %r came twice"
                    % (resource, workspace_id, token)
                )
            seen.add(token)
            params["pageToken"] = token

    def _connectors(self, workspace_id):
        return [
            c
            for c in self._pages(
                workspace_id, "connectors", {"templateRef": self.template}
            )
            if isinstance(c, dict) and c.get("connectorTemplateRef") == self.template
        ]

    # -- one workspace -------------------------------------------------------
    @staticmethod
    def _number_id(connector):
        value = (connector.get("arguments") or {}).get("phoneNumberId") or (
            connector.get("number") or {}
        ).get("numberId")
        return value.lower() if isinstance(value, str) else None

    def _create(self, workspace_id, entry, number_id):
        body = {
            "name": "Voice %s" % (entry.get("phone_number") or number_id),
            "connectorTemplateRef": self.template,
            "arguments": {"phoneNumberId": number_id},
        }
        return self._call("POST", workspace_id, "connectors", body=body)

    def _check_created(self, future, number_id):
        connector = self._json(future.result(), 201)
        if not connector.get("id") or self._number_id(connector) != number_id:
            raise FloorError(
                "create for number %s answered %r" % (number_id, connector)
            )
        return connector

    def _workspace(self, workspace_id, entries):
        """Provision one workspace; returns one result per entry, in order."""
        connectors = self._connectors(workspace_id)
        by_id: dict = {}
        by_e164: dict = {}
        for connector in connectors:
            by_id.setdefault(self._number_id(connector), []).append(connector)
            by_e164.setdefault(
                (connector.get("number") or {}).get("phoneNumber"), []
            ).append(connector)
        results: list = [None] * len(entries)
        pending = {}  # connector id: index, until its channel id is seen
        creates = []  # (index, number id, future)
        unresolved = []  # indexes of E.164 entries that no connector matches
        for index, entry in enumerate(entries):
            if entry.get("phone_number_id"):
                key = entry["phone_number_id"].lower()
                found = by_id.get(key, [])
            else:
                key = None
                found = by_e164.get(entry["phone_number"], [])
            if len(found) > 1:
                raise FloorError(
                    "workspace %s: several connectors for %r" % (workspace_id, entry)
                )
            if found:
                results[index] = self._result(
                    workspace_id, entry, found[0], changed=False
                )
                if not results[index]["channel_id"]:
                    pending[found[0]["id"]] = index
            elif key:
                creates.append((index, key, self._create(workspace_id, entry, key)))
            else:
                unresolved.append(index)
        if unresolved:
            numbers: dict = {}
            for number in self._pages(workspace_id, "numbers"):
                e164 = number.get("number") or number.get("phoneNumber")
                numbers.setdefault(e164, []).append(number)
            for index in unresolved:
                found = numbers.get(entries[index]["phone_number"], [])
                if len(found) != 1:
                    raise FloorError(
                        "workspace %s: %d numbers match %s"
                        % (workspace_id, len(found), entries[index]["phone_number"])
                    )
                key = str(found[0]["id"]).lower()
                creates.append(
                    (index, key, self._create(workspace_id, entries[index], key))
                )
        for index, key, future in creates:
            connector = self._check_created(future, key)
            results[index] = self._result(
                workspace_id, entries[index], connector, changed=True
            )
            if not results[index]["channel_id"]:
                pending[connector["id"]] = index
        self._await(workspace_id, entries, results, pending)
        return results

    def _await(self, workspace_id, entries, results, pending):
        deadline = time.monotonic() + self.wait_timeout
        next_poll = time.monotonic()
        while pending:
            next_poll += self.poll_interval
            now = time.monotonic()
            if now > deadline:
                raise FloorError(
                    "workspace %s: %d channels not assigned in time"
                    % (workspace_id, len(pending))
                )
            if next_poll > now:
                time.sleep(next_poll - now)
            with self._counts_lock:
                self.counts["polls"] += 1
            listed = dict((c.get("id"), c) for c in self._connectors(workspace_id))
            for connector_id, index in list(pending.items()):
                connector = listed.get(connector_id)
                if connector is None:
                    raise FloorError(
                        "workspace %s: connector %s vanished"
                        % (workspace_id, connector_id)
                    )
                if (connector.get("channel") or {}).get("channelId"):
                    results[index] = self._result(
                        workspace_id, entries[index], connector, changed=True
                    )
                    del pending[connector_id]

    def _result(self, workspace_id, entry, connector, changed):
        return {
            "workspace_id": workspace_id,
            "phone_number": entry.get("phone_number"),
            "phone_number_id": self._number_id(connector),
            "connector_id": connector["id"],
            "channel_id": (connector.get("channel") or {}).get("channelId"),
            "changed": changed,
        }

    # -- all workspaces --------------------------------------------------------
    def run(self, workspaces):
        """``workspaces`` in the role's form: ``[{"workspace_id", "numbers": [{phone_number | phone_number_id}]}]``."""
        self._pool = ThreadPoolExecutor(
            max_workers=self.max_in_flight, thread_name_prefix="floor-http"
        )
        outcome: list = [None] * len(workspaces)
        errors = []

        def drive(position, workspace):
            try:
                outcome[position] = self._workspace(
                    workspace["workspace_id"], workspace["numbers"]
                )
            # pylint: disable-next=broad-exception-caught  # reported below, with the workspace
            except Exception as err:
                errors.append("%s: %s" % (workspace["workspace_id"], err))

        try:
            # One light driver thread per workspace: it only waits; the pool bounds what is in flight.
            drivers = [
                threading.Thread(target=drive, args=(p, w), daemon=True)
                for p, w in enumerate(workspaces)
            ]
            for driver in drivers:
                driver.start()
            for driver in drivers:
                driver.join()
        finally:
            self._pool.shutdown(wait=True)
        if errors:
            raise FloorError("; ".join(errors[:5]))
        results = [r for group in outcome for r in group]
        missing = [r for r in results if not r["channel_id"]]
        if missing:
            raise FloorError("%d entries without a channel id" % len(missing))
        return results
