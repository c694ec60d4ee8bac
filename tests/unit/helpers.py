# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the unit tests; no server and no process is started by any of them.

- ``response``/``FakeSession``: a scripted stand-in for ``requests.Session``;
- ``simulator``/``client``: the bundled Bird API simulator in memory (its requests never
  touch a socket) and a :class:`BirdClient` on it;
- ``use_simulator``: modules under test talk to an in-memory simulator (run them with
  ``tests/support/in_process.py: run_module``).
"""

import json
import os
import time

import requests

from ansible_collections.bird.engagements.plugins.module_utils._http import BirdClient
from ansible_collections.bird.engagements.plugins.module_utils._throttle import Throttle
from ansible_collections.bird.engagements.tests.simulator import (
    IN_MEMORY_URL,
    BirdSimulator,
)
from ansible_collections.bird.engagements.tests.simulator.transport import mount

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_SEED = os.path.join(ROOT, "tests", "simulator", "demo_seed.json")
DEMO_KEY = "demo-access-key-not-secret"
WS1 = "a1b2c3d4-0001-4000-8000-000000000001"
WS2 = "a1b2c3d4-0002-4000-8000-000000000002"
UNKNOWN_WS = "a1b2c3d4-0009-4000-8000-000000000009"
N101 = "b1b2c3d4-0001-4000-8000-000000000101"
N102 = "b1b2c3d4-0001-4000-8000-000000000102"
N103 = "b1b2c3d4-0001-4000-8000-000000000103"
N104 = "b1b2c3d4-0001-4000-8000-000000000104"
N199 = "b1b2c3d4-0001-4000-8000-000000000199"
SMS_ONLY = "+31201230199"


# -- a scripted session -------------------------------------------------------------------


def response(status, body=None, headers=None):
    """A real ``requests.Response`` with a JSON body."""
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers or {})
    if body is not None:
        resp._content = json.dumps(body).encode()  # pylint: disable=protected-access
        resp.headers.setdefault("Content-Type", "application/json")
    else:
        resp._content = b""  # pylint: disable=protected-access
    return resp


class FakeSession(requests.Session):
    """Answers each request with the next scripted item: a Response, or an exception to raise.

    ``script`` is a list, or a function ``(method, url, params, json) -> item``.
    """

    def __init__(self, script):
        super().__init__()
        self.script = script
        self.calls = []

    # pylint: disable-next=arguments-differ  # only what BirdClient passes
    def request(  # type: ignore[override]
        self, method, url, params=None, json=None, timeout=None, verify=None, **kwargs
    ):
        self.calls.append(
            dict(
                method=method,
                url=url,
                params=dict(params or {}),
                json=json,
                timeout=timeout,
                verify=verify,
                headers=dict(self.headers),
                allow_redirects=kwargs.get("allow_redirects", True),
            )
        )
        item = (
            self.script(method, url, params, json)
            if callable(self.script)
            else self.script.pop(0)
        )
        if isinstance(item, Exception):
            raise item
        return item


# -- the simulator in memory --------------------------------------------------------------


def quick_sleep(seconds):
    """Retries and lookups wait a fiftieth of what they ask: the simulator's clock is real."""
    time.sleep(seconds / 50.0)


class Clock:
    """A clock that moves only when something sleeps on it: waits of minutes take no time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def simulator(**config):
    """A BirdSimulator (demo seed unless ``seed`` is given), never started: use it through ``client``."""
    config.setdefault("seed", DEMO_SEED)
    config.setdefault("quiet", True)
    return BirdSimulator(config)


def client(sim, key=DEMO_KEY, retries=3, concurrency=8, sleep=quick_sleep):
    """A BirdClient whose requests the in-memory simulator answers."""
    session = mount(requests.Session(), sim)
    # Retries wait less, but the pace stays real: the simulator enforces Bird's rate limits in real time.
    return BirdClient(
        IN_MEMORY_URL,
        key,
        timeout=5,
        retries=retries,
        session=session,
        sleep=sleep,
        throttle=Throttle(concurrency),
    )


def connectors_of(sim, workspace_id, number_id=None):
    found = sim.state()["workspaces"][workspace_id]["connectors"]
    return [
        c
        for c in found
        if number_id is None
        or (c.get("arguments") or {}).get("phoneNumberId") == number_id
    ]


def writes(sim):
    return sim.stats()["writes"]


# -- modules in this process --------------------------------------------------------------


def use_simulator(monkeypatch, sim):
    """Every ``requests.Session`` made from now on (by a module under test) talks to ``sim`` in memory."""
    original = requests.Session
    monkeypatch.setattr(requests, "Session", lambda: mount(original(), sim))
