# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator as the benchmark uses it: its command line in a child process, its admin API,
the entries the runs provision, and the check of the state a run left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

from ansible_collections.bird.engagements.tests.simulator import generated_ids

HERE = os.path.dirname(os.path.abspath(__file__))
SIMULATOR = os.path.join(
    os.path.dirname(os.path.dirname(HERE)), "tests", "simulator", "bird_simulator.py"
)
KEY = "bench-access-key"
TEMPLATE = "voice-messagebird:1"
ROUTES = {
    "connector_pages": "GET /workspaces/{ws}/connectors",
    "channel_pages": "GET /workspaces/{ws}/channels",
    "number_pages": "GET /workspaces/{ws}/numbers",
}


def entries(n_workspaces, n_numbers):
    """``voice_channels_workspaces`` for generated data: half the numbers by E.164, half by id."""
    return [
        {
            "workspace_id": ws["id"],
            "numbers": [
                (
                    {"phone_number": n["number"]}
                    if i % 2 == 0
                    else {"phone_number_id": n["id"]}
                )
                for i, n in enumerate(ws["numbers"])
            ],
        }
        for ws in generated_ids(n_workspaces, n_numbers)
    ]


class Simulator:
    """``bird_simulator.py`` with generated workspaces and Bird's default rate limits (50 GET/s and
    500 POST/s per workspace). With ``converged`` every number has its Voice connector and an active
    channel from the start (a seed), and a reset returns there."""

    def __init__(self, work, n_workspaces, n_numbers, channel_delay, converged=False):
        url_file = os.path.join(work, "sim-%dx%d.url" % (n_workspaces, n_numbers))
        if os.path.exists(url_file):
            os.unlink(url_file)
        cmd = [sys.executable, SIMULATOR, "--port", "0", "--access-key", KEY]
        cmd += [
            "--channel-delay",
            str(channel_delay),
            "--url-file",
            url_file,
            "--quiet",
        ]
        if converged:
            seed = os.path.join(work, "seed-%dx%d.json" % (n_workspaces, n_numbers))
            workspaces = generated_ids(n_workspaces, n_numbers)
            for ws in workspaces:
                ws["connectors"] = [
                    {"name": "Voice " + n["number"], "phoneNumberId": n["id"]}
                    for n in ws["numbers"]
                ]
            with open(seed, "w", encoding="utf-8") as handle:
                json.dump({"workspaces": workspaces}, handle)
            cmd += ["--seed", seed]
        else:
            cmd += ["--generate-workspaces", str(n_workspaces)]
            cmd += ["--numbers-per-workspace", str(n_numbers)]
        # pylint: disable-next=consider-using-with  # stopped by stop()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not os.path.exists(url_file):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise SystemExit("the simulator did not start: %s" % " ".join(cmd))
            time.sleep(0.05)
        with open(url_file, encoding="utf-8") as handle:
            self.url = handle.read().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        if method == "POST" and data is None:
            data = b""
        request = urllib.request.Request(self.url + path, method=method, data=data)
        request.add_header("Content-Type", "application/json")
        # nosec: the local simulator only
        with urllib.request.urlopen(request, timeout=120) as response:  # nosec
            return json.loads(response.read() or b"null")

    def configure(self, **values):
        self.admin("POST", "/_sim/config", values)

    def reset(self):
        self.admin("POST", "/_sim/reset")

    def reset_stats(self):
        self.admin("POST", "/_sim/reset-stats")

    def stats(self):
        return self.admin("GET", "/_sim/stats")

    def state(self):
        return self.admin("GET", "/_sim/state")["workspaces"]


def counts(stats):
    """Requests of a run: GETs, writes, 429s, and per workspace (mean, min, max) the pages of each list
    and the other GETs (of one connector, channel or number)."""
    result = {
        "GET": stats["by_method"].get("GET", 0),
        "writes": stats["writes"],
        "429s": stats["by_status"].get("429", 0),
    }
    per_ws = list(stats["by_workspace_route"].values()) or [{}]
    for key, route in ROUTES.items():
        pages = [routes.get(route, 0) for routes in per_ws]
        result[key] = (sum(pages) / len(pages), min(pages), max(pages))
    others = [
        sum(
            n
            for r, n in routes.items()
            if r.startswith("GET ") and r not in ROUTES.values()
        )
        for routes in per_ws
    ]
    result["other_gets"] = (sum(others) / len(others), min(others), max(others))
    return result


def check_state(state, workspaces):
    """Every listed number has exactly one Voice connector, with an active channel; returns the problems."""
    problems = []
    for workspace in workspaces:
        ws = state.get(workspace["workspace_id"], {"connectors": [], "channels": []})
        active = set(c["id"] for c in ws["channels"] if c.get("status") == "active")
        found: dict = {}
        for connector in ws["connectors"]:
            if connector["connectorTemplateRef"] == TEMPLATE:
                for key in (
                    connector["arguments"].get("phoneNumberId"),
                    (connector.get("number") or {}).get("phoneNumber"),
                ):
                    found.setdefault(key, []).append(connector)
        for entry in workspace["numbers"]:
            key = entry.get("phone_number_id") or entry["phone_number"]
            mine = found.get(key, [])
            if len(mine) != 1:
                problems.append("%d connectors for %s" % (len(mine), key))
            elif (mine[0].get("channel") or {}).get("channelId") not in active:
                problems.append("no active channel for %s" % key)
    return problems


def last_active(state):
    """When the last channel became active (epoch seconds), or None."""
    stamps = [c["assignedAt"] for ws in state.values() for c in ws["channels"]]
    return max(stamps) if stamps else None
