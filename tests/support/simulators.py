# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulators for the tests, and what their state says.

- the demo seed (``tests/simulator/demo_seed.json``): its key, workspaces and numbers;
- ``start_sim``: a started, quiet in-process simulator; ``ExternalSimulator``: the command
  line as a process on a fixed port with a state file, to be killed and restarted;
- ``intercept``, ``RaceGate``, ``HoldCreateUntilLookup``: hold chosen API requests inside an
  in-process simulator, so that races and lost-response windows happen every time;
- reading the state: Voice connectors by number (any version of the template), duplicates,
  channels, the gaps after a status in the request log.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from ansible_collections.bird.engagements.tests import simulator as simulator_package
from ansible_collections.bird.engagements.tests.simulator import BirdSimulator

SIMULATOR_DIR = os.path.dirname(os.path.abspath(simulator_package.__file__))
SIMULATOR_PATH = os.path.join(SIMULATOR_DIR, "bird_simulator.py")
DEMO_SEED = os.path.join(SIMULATOR_DIR, "demo_seed.json")
DEMO_KEY = "demo-access-key-not-secret"

VOICE_SLUG = "voice-messagebird"
WS1 = "a1b2c3d4-0001-4000-8000-000000000001"
WS2 = "a1b2c3d4-0002-4000-8000-000000000002"
UNKNOWN_WS = "a1b2c3d4-0009-4000-8000-000000000009"
SMS_ONLY = "+31201230199"
WS1_VOICE = ["+31201230101", "+31201230102", "+31201230103", "+31201230104"]
WS2_VOICE = ["+31201230201", "+31201230202", "+31201230203"]


def number_id(e164):
    """The demo seed's id of a demo number: +3120123WNNN -> b1b2c3d4-000W-4000-8000-000000000NNN."""
    return "b1b2c3d4-000%s-4000-8000-000000000%s" % (e164[-3], e164[-3:])


def seed_with_key(key, base=DEMO_SEED):
    """The demo seed (or ``base``, a path or a dict) with ``key`` as its only access key."""
    if isinstance(base, str):
        with open(base, encoding="utf-8") as handle:
            seed = json.load(handle)
    else:
        seed = json.loads(json.dumps(base))
    seed["access_keys"] = [{"key": key, "workspaces": "*", "write": True}]
    return seed


def start_sim(**config):
    """A started, quiet in-process simulator (demo seed unless ``seed`` is given); the caller stops it."""
    config.setdefault("seed", DEMO_SEED)
    config.setdefault("quiet", True)
    sim = BirdSimulator(config)
    sim.start()
    return sim


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- reading the simulator -------------------------------------------------------


def _slug(connector):
    ref = connector.get("connectorTemplateRef") or ""
    return ref.split(":", 1)[0]


def connectors_by_number(state, slug=VOICE_SLUG):
    """``{(workspace id, phone number id): [connector ids]}`` of the connectors of ``slug`` (any version)
    in ``state``: a number's Voice connector may be of another version of the template.
    """
    found: dict = {}
    for ws_id, workspace in state["workspaces"].items():
        for connector in workspace["connectors"]:
            if _slug(connector) != slug:
                continue
            number = (connector.get("arguments") or {}).get("phoneNumberId")
            found.setdefault((ws_id, number), []).append(connector["id"])
    return found


def duplicates(state):
    """The numbers that have more than one Voice connector: ``{(ws, number id): [ids]}``."""
    return dict((k, v) for k, v in connectors_by_number(state).items() if len(v) > 1)


def connector_count(state):
    return sum(len(v) for v in connectors_by_number(state).values())


def channel_of(state, ws_id, phone_number_id):
    """The channel id of the (single) Voice connector of a number, or None."""
    for connector in state["workspaces"][ws_id]["connectors"]:
        if (
            _slug(connector) == VOICE_SLUG
            and (connector.get("arguments") or {}).get("phoneNumberId")
            == phone_number_id
        ):
            return (connector.get("channel") or {}).get("channelId")
    return None


class Snapshot:
    """What a simulator recorded, kept after it stops; read with the simulator's own method names."""

    def __init__(self, sim):
        self._stats = sim.stats()
        self._state = sim.state()
        self._requests = sim.requests(limit=1000)

    def stats(self):
        return self._stats

    def state(self):
        return self._state

    def requests(self, limit=1000):
        return self._requests[-limit:]


def request_gaps_after(sim, status):
    """Seconds from each response with ``status`` to the next request's response (one client at a time)."""
    log = sim.requests(limit=1000)
    times = [
        datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp()
        for r in log
    ]
    return [
        times[i + 1] - times[i] for i, r in enumerate(log[:-1]) if r["status"] == status
    ]


# -- holding requests inside the in-process simulator ----------------------------


def intercept(sim, before):
    """Call ``before(method, path, query)`` in the simulator's handler thread before each API request.

    It may block (to hold a request) and runs without the simulator's lock.
    Returns a function that removes the hook.
    """
    original = sim.handle_api

    def handle_api(method, path, query, headers, raw_body):
        before(method, path, query)
        return original(method, path, query, headers, raw_body)

    sim.handle_api = handle_api

    def restore():
        sim.handle_api = original

    return restore


class RaceGate:
    """Hold requests until ``parties`` of them with the same key have arrived, then release them together.

    ``key(method, path, query)`` gives the key of a request, or None for requests that pass freely.
    Only the first ``parties`` arrivals of a key wait; later ones (retries) pass. A gate whose
    parties do not all arrive within ``timeout`` seconds opens anyway and is counted in ``broken``.
    """

    def __init__(self, sim, parties, key, timeout=30.0):
        self.parties = parties
        self.key = key
        self.timeout = timeout
        self.barriers = {}
        self.arrived = {}
        self.released = {}
        self.broken = 0
        self._lock = threading.Lock()
        self.remove = intercept(sim, self._before)

    def _before(self, method, path, query):
        key = self.key(method, path, query)
        if key is None:
            return
        with self._lock:
            seen = self.arrived[key] = self.arrived.get(key, 0) + 1
            if seen > self.parties:
                return
            barrier = self.barriers.setdefault(key, threading.Barrier(self.parties))
        try:
            barrier.wait(self.timeout)
        except threading.BrokenBarrierError:
            with self._lock:
                self.broken += 1
            return
        with self._lock:
            self.released[key] = self.released.get(key, 0) + 1


def numbers_search_key(method, path, query):
    """Race key of a module run: its search of the workspace's numbers (after it read the connectors)."""
    if method == "GET" and path.endswith("/numbers"):
        term = re.search(r"searchTerm=([^&]*)", query or "")
        return (path, term.group(1) if term else "*")
    return None


class HoldCreateUntilLookup:
    """Hold the first create until the client, having timed out, has looked the connector up; then apply it.

    This makes the worst case of a slow create happen every time: the create is applied after
    the client's lookup found nothing and before the client sends the create again.
    """

    def __init__(self, sim, timeout=20.0):
        self.lookup_seen = threading.Event()
        self.create_started = threading.Event()
        self.held = 0
        self.timeout = timeout
        self.remove = intercept(sim, self._before)

    def _before(self, method, path, query):
        if (
            method == "POST"
            and path.endswith("/connectors")
            and not self.create_started.is_set()
        ):
            self.create_started.set()
            self.held += 1
            self.lookup_seen.wait(self.timeout)
            time.sleep(0.1)  # let the lookup's (empty) answer go out first
        elif (
            method == "GET"
            and path.endswith("/connectors")
            and self.create_started.is_set()
        ):
            self.lookup_seen.set()


# -- the simulator out of process (for restarts) ----------------------------------


class ExternalSimulator:
    """``bird_simulator.py`` as a process on a fixed port with a state file, so it can be killed and restarted."""

    def __init__(self, workdir, seed, port=None, config=None, extra_args=()):
        self.workdir = workdir
        self.port = port or free_port()
        self.seed_file = os.path.join(workdir, "seed.json")
        self.state_file = os.path.join(workdir, "state.json")
        self.config_file = os.path.join(workdir, "config.json")
        with open(self.seed_file, "w", encoding="utf-8") as handle:
            json.dump(seed, handle)
        with open(self.config_file, "w", encoding="utf-8") as handle:
            json.dump(dict(config or {}), handle)
        self.extra_args = list(extra_args)
        self.proc = None
        self.url = "http://127.0.0.1:%d" % self.port
        self.starts = 0

    def start(self, timeout=15.0):
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [
                sys.executable,
                SIMULATOR_PATH,
                "--seed",
                self.seed_file,
                "--port",
                str(self.port),
                "--state-file",
                self.state_file,
                "--config",
                self.config_file,
                "--quiet",
            ]
            + self.extra_args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.admin("/_sim/health")
                self.starts += 1
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        "simulator exited: %s"
                        % (self.proc.stderr.read() if self.proc.stderr else "")
                    ) from None
                time.sleep(0.05)
        raise RuntimeError("simulator did not start on port %d" % self.port)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None:
            self.proc.stdout.close()
            self.proc.stderr.close()
        self.proc = None

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method="POST" if data else "GET",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(
            request, timeout=5
        ) as response:  # nosec - local test server
            return json.loads(response.read().decode() or "null")

    def state(self):
        return self.admin("/_sim/state")

    def stats(self):
        return self.admin("/_sim/stats")
