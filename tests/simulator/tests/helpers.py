# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""What the simulator tests share: a seed, a small API client, and ways to start a simulator."""

from __future__ import annotations

import os

import requests

from ansible_collections.bird.engagements.tests.simulator import (
    IN_MEMORY_URL,
    BirdSimulator,
    run_simulator,
)

SIMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIMULATOR_PATH = os.path.join(SIMULATOR_DIR, "bird_simulator.py")
DEMO_SEED = os.path.join(SIMULATOR_DIR, "demo_seed.json")
REPO_ROOT = os.path.dirname(os.path.dirname(SIMULATOR_DIR))

KEY = "test-key"
READ_ONLY_KEY = "read-only-key"
WS2_ONLY_KEY = "ws2-only-key"
WS1 = "00000000-0000-4000-8000-000000000001"
WS2 = "00000000-0000-4000-8000-000000000002"
SMS_ONLY = "00000000-0000-4000-8000-0000000001ff"
SMS_CONNECTOR = "00000000-0000-4000-8000-00000000c001"
VOICE = "voice-messagebird:1"


def number_id(index):
    return f"00000000-0000-4000-8000-0000000001{index:02d}"


def seed():
    """WS1: eight voice numbers (number_id(0..7), +3120555000N), one SMS-only (SMS_ONLY) with an SMS connector; WS2: one number."""
    numbers = [
        {
            "id": number_id(i),
            "number": f"+3120555{i:04d}",
            "country": "NL",
            "capabilities": ["sms", "voice"],
        }
        for i in range(8)
    ]
    numbers.append(
        {
            "id": SMS_ONLY,
            "number": "+31205559999",
            "country": "NL",
            "capabilities": ["sms"],
        }
    )
    return {
        "access_keys": [
            {"key": KEY, "workspaces": "*", "write": True},
            {"key": READ_ONLY_KEY, "workspaces": "*", "write": False},
            {"key": WS2_ONLY_KEY, "workspaces": [WS2], "write": True},
        ],
        "workspaces": [
            {
                "id": WS1,
                "name": "one",
                "numbers": numbers,
                "connectors": [
                    {
                        "id": SMS_CONNECTOR,
                        "name": "sms",
                        "connectorTemplateRef": "sms-messagebird:1",
                        "arguments": {"phoneNumberId": SMS_ONLY},
                    }
                ],
            },
            {
                "id": WS2,
                "name": "two",
                "numbers": [
                    {
                        "id": "00000000-0000-4000-8000-000000000201",
                        "number": "+31205550201",
                    }
                ],
            },
        ],
    }


def _with_test_defaults(config):
    config.setdefault("seed", seed())
    config.setdefault("rate_get", 0)
    config.setdefault("rate_post", 0)
    return config


def serving(**config):
    """Context manager: a quiet simulator over HTTP on a free port (the test seed, no rate limits, unless given)."""
    return run_simulator(**_with_test_defaults(config))


def in_memory(**config):
    """A quiet simulator that is not started (use it through Client, i.e. the in-memory transport)."""
    config.setdefault("quiet", True)
    return BirdSimulator(_with_test_defaults(config))


class Client:
    """Calls one workspace of a simulator: over HTTP when it is started, else through the in-memory transport."""

    def __init__(self, sim, key=KEY, workspace=WS1):
        self.sim = sim
        self.root = sim.url or IN_MEMORY_URL
        self.base = f"{self.root}/workspaces/{workspace}"
        self.session = requests.Session() if sim.url else sim.session()
        if key:
            self.session.headers["Authorization"] = f"AccessKey {key}"

    def get(self, path, **params):
        return self.session.get(self.base + path, params=params, timeout=10)

    def post(self, path, body):
        return self.session.post(self.base + path, json=body, timeout=10)

    def delete(self, path):
        return self.session.delete(self.base + path, timeout=10)

    def create(self, index=0, name=None, template=VOICE, phone_number_id=None):
        body = {
            "name": name or f"voice {index}",
            "connectorTemplateRef": template,
            "arguments": {"phoneNumberId": phone_number_id or number_id(index)},
            "channelConversationalStatusEnabled": True,
        }
        return self.post("/connectors", body)

    def admin_call(self, method, path, body=None):
        return self.session.request(
            method, f"{self.root}/_sim{path}", json=body, timeout=10
        )

    def admin(self, method, path, body=None):
        response = self.admin_call(method, path, body)
        assert response.status_code in (200, 201), response.text
        return response.json()


def list_all(client, path, **params):
    """Follow nextPageToken; returns (items, pages, last body)."""
    items, pages, token = [], 0, None
    while True:
        query = dict(params)
        if token:
            query["pageToken"] = token
        response = client.get(path, **query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["results"])
        pages += 1
        token = body.get("nextPageToken")
        if not token:
            return items, pages, body
