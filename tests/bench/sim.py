# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator, as the benchmark uses it: its command line in a child process, its admin API,
the entries the scenarios provision, and the checks of the state a run left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

from ansible_collections.bird.engagements.tests.simulator import generated_ids

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SIMULATOR = os.path.join(ROOT, "tests", "simulator", "bird_simulator.py")

KEY = "bench-access-key"
TEMPLATE = "voice-messagebird:1"
CONNECTORS = "GET /workspaces/{ws}/connectors"
NUMBERS = "GET /workspaces/{ws}/numbers"


def entries(n_workspaces, n_numbers):
    """The role's ``voice_channels_workspaces``: half the numbers by E.164, half by id."""
    workspaces = []
    for workspace in generated_ids(n_workspaces, n_numbers):
        numbers = [
            (
                {"phone_number": n["number"]}
                if index % 2 == 0
                else {"phone_number_id": n["id"]}
            )
            for index, n in enumerate(workspace["numbers"])
        ]
        workspaces.append({"workspace_id": workspace["id"], "numbers": numbers})
    return workspaces


class Simulator:
    """``bird_simulator.py`` started from its command line, with Bird's default rate limits."""

    def __init__(
        self,
        work,
        n_workspaces,
        n_numbers,
        latency,
        channel_delay,
        rate_get=50,
        rate_post=500,
    ):
        self.work = work
        self.n_workspaces = n_workspaces
        self.n_numbers = n_numbers
        url_file = os.path.join(work, "sim-%dx%d.url" % (n_workspaces, n_numbers))
        if os.path.exists(url_file):
            os.unlink(url_file)
        cmd = [
            sys.executable,
            SIMULATOR,
            "--port",
            "0",
            "--generate-workspaces",
            str(n_workspaces),
            "--numbers-per-workspace",
            str(n_numbers),
            "--access-key",
            KEY,
            "--latency",
            str(latency),
            "--channel-delay",
            str(channel_delay),
            "--rate-get",
            str(rate_get),
            "--rate-post",
            str(rate_post),
            "--url-file",
            url_file,
            "--quiet",
        ]
        # pylint: disable-next=consider-using-with  # stopped by stop()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not os.path.exists(url_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("the simulator did not start: %s" % " ".join(cmd))
            time.sleep(0.05)
        with open(url_file, encoding="utf-8") as handle:
            self.url = handle.read().strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def admin(self, method, path, body=None):
        data = (
            json.dumps(body).encode()
            if body is not None
            else (b"" if method == "POST" else None)
        )
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=data,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(
            request, timeout=120
        ) as response:  # nosec - the local simulator only
            return json.loads(response.read() or b"null")

    def configure(self, **values):
        return self.admin("POST", "/_sim/config", values)

    def reset(self):
        self.admin("POST", "/_sim/reset")

    def reset_stats(self):
        self.admin("POST", "/_sim/reset-stats")

    def stats(self):
        return self.admin("GET", "/_sim/stats")

    def state(self):
        return self.admin("GET", "/_sim/state")["workspaces"]

    def requests(self, limit=1000):
        return self.admin("GET", "/_sim/requests?limit=%d" % limit)


class RequestRecorder:
    """With ``--trace``: reads ``/_sim/requests`` every ``interval`` s during a run (the simulator keeps only
    the last 1000), so the whole run's request log can be rebuilt. It costs CPU on the 2 cores, so the timed
    runs go without it."""

    def __init__(self, sim, interval=0.25):
        self.sim = sim
        self.interval = interval
        self.log = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _grab(self):
        for item in self.sim.requests(1000):
            self.log.setdefault(item["request_id"], item)

    def _loop(self):
        while not self._stop.wait(self.interval):
            self._grab()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._grab()

    def entries(self):
        return sorted(self.log.values(), key=lambda r: r["time"])


def check_state(state, workspaces):
    """Every listed number has exactly one Voice connector, with its channel assigned; returns problems."""
    problems = []
    for workspace in workspaces:
        ws = state.get(workspace["workspace_id"])
        if ws is None:
            problems.append("workspace %s missing" % workspace["workspace_id"])
            continue
        voice = [c for c in ws["connectors"] if c["connectorTemplateRef"] == TEMPLATE]
        by_id: dict = {}
        by_e164: dict = {}
        for connector in voice:
            by_id.setdefault(connector["arguments"].get("phoneNumberId"), []).append(
                connector
            )
            by_e164.setdefault(
                (connector.get("number") or {}).get("phoneNumber"), []
            ).append(connector)
        for entry in workspace["numbers"]:
            found = (
                by_id.get(entry["phone_number_id"], [])
                if "phone_number_id" in entry
                else by_e164.get(entry["phone_number"], [])
            )
            if len(found) != 1:
                problems.append(
                    "%s: %d connectors for %s"
                    % (workspace["workspace_id"], len(found), entry)
                )
            elif not (found[0].get("channel") or {}).get("channelId"):
                problems.append(
                    "%s: no channel for %s" % (workspace["workspace_id"], entry)
                )
        if len(voice) != len(workspace["numbers"]):
            problems.append(
                "%s: %d connectors for %d numbers"
                % (workspace["workspace_id"], len(voice), len(workspace["numbers"]))
            )
    return problems


def reads(stats, n_workspaces, log=None):
    """Reads per workspace: connector pages, number pages, other GETs (averages from ``by_route``, and the
    spread per workspace when ``log`` holds the whole run)."""
    by_route = stats["by_route"]
    gets = stats["by_method"].get("GET", 0)
    result = {
        "connector_pages": by_route.get(CONNECTORS, 0) / n_workspaces,
        "number_pages": by_route.get(NUMBERS, 0) / n_workspaces,
    }
    result["other_gets"] = (
        gets - by_route.get(CONNECTORS, 0) - by_route.get(NUMBERS, 0)
    ) / n_workspaces
    if log is not None and len(log) >= stats["total"]:
        for key, route in (("connector_pages", CONNECTORS), ("number_pages", NUMBERS)):
            per_ws: dict = {}
            for item in log:
                if item["route"] == route:
                    per_ws[item["workspace"]] = per_ws.get(item["workspace"], 0) + 1
            counts = [per_ws.get(w, 0) for w in stats.get("by_workspace", {})] or [0]
            result[key + "_range"] = (min(counts), max(counts))
    return result
