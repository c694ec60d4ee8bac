# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-driven Voice channels end to end: the real ansible-rulebook, the collection's
rulebook, event source and playbooks, against the simulator.

The simulator posts its signed webhook deliveries to the listener of
ansible-rulebook (``webhook_target``: a local port, as a TLS proxy in front of the
listener would; the signature covers the subscription's public URL). The
subscriptions are made by the collection's playbook
(``ansible-playbook bird.engagements.webhook_subscriptions``); then a number whose
voice becomes active gets a Voice connector through rule 1, and its channel, once
failed, is replaced through rule 2. A delivery with a bad signature creates nothing,
and the signing key is in no output.

ansible-rulebook needs Java 17 (drools-jpy): a missing Java or ansible-rulebook
fails the test, saying what to install; it is never skipped.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import importlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from ansible_collections.bird.engagements.tests.simulator import run_simulator
from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ANSIBLE_PLAYBOOK,
    BIN,
    COLLECTIONS,
    ROOT,
    ansible_env,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    DEMO_SEED,
    WS1,
    connectors_by_number,
    free_port,
    number_id,
)

RULEBOOKS = Path(ROOT) / "extensions" / "eda" / "rulebooks"
RULEBOOK = RULEBOOKS / "voice_channels.yml"
CONTROLLER_RULEBOOK = RULEBOOKS / "voice_channels_controller.yml"
# The subscriptions' public URL: Bird accepts only https with a domain name.
PUBLIC_URL = "https://eda.example.com/bird/voice"
KEY = "whsec-e2e-Q7v3Zt9LmX2pK8rN4wB6"
NEW_NUMBER = "+31201230150"
# A demo number with active voice and no connector: the forged delivery names it.
FORGED_FOR = "+31201230104"
# Bounds of the waits (seconds): never reached on a healthy run.
LISTENER_TIMEOUT = 60
FLOW_TIMEOUT = 90
STOP_TIMEOUT = 30

INSTALL_JAVA = (
    "install a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless) and set "
    'JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")") '
    "(nox -e eda sets it from the java on PATH when it is unset)"
)


def java_home() -> str:
    """JAVA_HOME for ansible-rulebook (drools-jpy), checked; fails the test saying what to install."""
    java = shutil.which("java")
    home = os.environ.get("JAVA_HOME") or (
        os.path.dirname(os.path.dirname(os.path.realpath(java))) if java else ""
    )
    if not home:
        pytest.fail(
            "ansible-rulebook needs Java 17, and no java is on PATH: " + INSTALL_JAVA
        )
    binary = os.path.join(home, "bin", "java")
    if not os.access(binary, os.X_OK):
        pytest.fail("JAVA_HOME=%s has no bin/java: %s" % (home, INSTALL_JAVA))
    version = subprocess.run(
        [binary, "-version"], capture_output=True, text=True, check=False
    )
    match = re.search(r'version "(\d+)', version.stderr + version.stdout)
    if not match or int(match.group(1)) < 17:
        pytest.fail(
            "ansible-rulebook needs Java 17 or later; %s says %r: %s"
            % (binary, (version.stderr or version.stdout).strip()[:200], INSTALL_JAVA)
        )
    return home


def ansible_rulebook() -> str:
    """The ansible-rulebook of this environment; fails the test saying what to install."""
    path = os.path.join(BIN, "ansible-rulebook")
    if not os.access(path, os.X_OK):
        pytest.fail(
            "ansible-rulebook is not installed in %s: pip install ansible-rulebook "
            "(nox -e eda installs it, pinned in tests/nox-constraints.txt)" % BIN
        )
    return path


def sign(body: bytes, timestamp: str, key: str, url: str = PUBLIC_URL) -> str:
    """Bird's signature, written out here independently of the simulator and the source."""
    message = b"\n".join(
        (timestamp.encode(), url.encode(), hashlib.sha256(body).digest())
    )
    return base64.b64encode(
        hmac.new(key.encode(), message, hashlib.sha256).digest()
    ).decode()


def post(port: int, body: bytes, headers: dict) -> int:
    """POST to the listener; its HTTP status."""
    request = urllib.request.Request(
        "http://127.0.0.1:%d/bird/voice" % port, data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Rulebook:
    """A running ansible-rulebook, its stdout and stderr in files."""

    def __init__(self, command: list, env: dict, directory: Path) -> None:
        self.out = directory / "ansible-rulebook.out"
        self.err = directory / "ansible-rulebook.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                command,
                env=env,
                cwd=directory,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own group: ansible-runner's children stop with it
            )

    def output(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(
            errors="replace"
        )

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(
                "ansible-rulebook ended (rc %s):\n%s"
                % (self.process.returncode, self.output()[-4000:])
            )

    def wait_for(self, what: str, ready, timeout: float = FLOW_TIMEOUT):
        """Poll ``ready()`` until it returns something true, at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            result = ready()
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(
                    "not within %ss: %s\nansible-rulebook's output:\n%s"
                    % (timeout, what, self.output()[-4000:])
                )
            time.sleep(0.5)

    def group_alive(self) -> bool:
        """Whether any process of its group (ansible-runner's, ansible-playbook's) is still there."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> tuple[int | None, bool]:
        """SIGINT, as Ctrl-C; returns its exit status (None: it had to be killed) and whether it left processes.

        Its embedded JVM answers SIGINT by exiting with 130 at once, or ansible-rulebook's own handler
        ends it with 0; either way nothing it started may be left running. Whatever lingers after
        STOP_TIMEOUT seconds is killed, its whole group.
        """
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 5
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        leftovers = self.group_alive()
        if self.process.poll() is None or leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return (
            None
            if self.process.returncode == -signal.SIGKILL
            else self.process.returncode
        ), leftovers


def voice_connectors(sim, phone_number_id: str) -> list:
    """The number's Voice connectors (any template version), each with its channel as the simulator has it."""
    state = sim.state()
    workspace = state["workspaces"][WS1]
    channels = {channel["id"]: channel for channel in workspace["channels"]}
    ids = connectors_by_number(state).get((WS1, phone_number_id), [])
    result = []
    for connector in workspace["connectors"]:
        if connector["id"] in ids:
            channel_id = (connector.get("channel") or {}).get("channelId")
            result.append(
                {
                    "connector_id": connector["id"],
                    "channel_id": channel_id,
                    "channel_status": channels.get(channel_id, {}).get("status"),
                }
            )
    return result


def one_active_channel(sim, phone_number_id: str, other_than: str | None = None):
    """The number's only Voice connector if its channel is active (and not ``other_than``), else None."""
    found = voice_connectors(sim, phone_number_id)
    if (
        len(found) == 1
        and found[0]["channel_status"] == "active"
        and found[0]["channel_id"] != other_than
    ):
        return found[0]
    return None


def test_a_signed_event_in_a_voice_channel_out(tmp_path):
    # pylint: disable=too-many-locals,too-many-statements
    env_java = java_home()
    rulebook_bin = ansible_rulebook()
    port = free_port()
    started = time.monotonic()
    with run_simulator(
        seed=DEMO_SEED,
        webhook_target="http://127.0.0.1:%d" % port,
        webhook_retry_delays=[1.0],
    ) as sim:
        env = ansible_env(
            sim,
            BIRD_WEBHOOK_SIGNING_KEY=KEY,
            BIRD_ORGANIZATION_ID=sim.organization_id,
            BIRD_WORKSPACE_ID=WS1,
        )

        # 1. The subscriptions, with the collection's playbook.
        subscribe = subprocess.run(
            [
                ANSIBLE_PLAYBOOK,
                "bird.engagements.webhook_subscriptions",
                "-e",
                "webhook_subscriptions_url=" + PUBLIC_URL,
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        subscribed = time.monotonic()
        assert subscribe.returncode == 0, subscribe.stdout + subscribe.stderr
        assert KEY not in subscribe.stdout + subscribe.stderr
        subscriptions = sim.state()["workspaces"][WS1]["subscriptions"]
        assert sorted(
            (
                s["service"],
                s["event"],
                sorted((f["key"], f["value"]) for f in s["eventFilters"] or []),
                s["url"],
                s["signingKey"],
                s["status"],
            )
            for s in subscriptions
        ) == [
            (
                "channels",
                "channel.updated",
                [("channelStatus", "failed"), ("platformId", "voice-messagebird")],
                PUBLIC_URL,
                KEY,
                "active",
            ),
            ("numbers", "endpoint", [], PUBLIC_URL, KEY, "active"),
        ]

        # 2. ansible-rulebook with the collection's rulebook, the listener on the local port.
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(
            yaml.safe_dump(
                {
                    "all": {
                        "hosts": {
                            "localhost": {
                                "ansible_connection": "local",
                                "ansible_python_interpreter": env[
                                    "ANSIBLE_PYTHON_INTERPRETER"
                                ],
                            }
                        }
                    }
                }
            )
        )
        variables = tmp_path / "vars.yml"
        variables.write_text(
            yaml.safe_dump(
                {
                    "bird_webhook_url": PUBLIC_URL,
                    "bird_webhook_host": "127.0.0.1",
                    "bird_webhook_port": port,
                    "bird_workspace_id": WS1,
                    "voice_channels_replace_failed": True,
                }
            )
        )
        rulebook = Rulebook(
            [
                rulebook_bin,
                # By its collection name, as the docs run it: the checkout's
                # extensions/eda/rulebooks/voice_channels.yml.
                "--rulebook",
                "bird.engagements.voice_channels",
                "-i",
                str(inventory),
                "--vars",
                str(variables),
                "-v",
            ],
            dict(env, JAVA_HOME=env_java),
            tmp_path,
        )
        try:
            rulebook.wait_for(
                "the listener on port %d" % port,
                lambda: listening(port),
                LISTENER_TIMEOUT,
            )
            listener_up = time.monotonic()

            # 3. A forged delivery (signed with another key) for a number that has voice: refused.
            forged_body = json.dumps(
                {
                    "service": "numbers",
                    "event": "endpoint",
                    "payload": {"id": number_id(FORGED_FOR), "number": FORGED_FOR},
                }
            ).encode()
            timestamp = str(int(time.time()))
            forged_status = post(
                port,
                forged_body,
                {
                    "content-type": "application/json",
                    "messagebird-request-id": "forged-1",
                    "messagebird-request-timestamp": timestamp,
                    "messagebird-signature": sign(forged_body, timestamp, KEY + "-not"),
                },
            )
            assert forged_status == 401

            # 4. A new number, voice pending: its endpoint event makes no channel.
            number = sim.add_number(WS1, NEW_NUMBER, voice_status="pending")
            sim.set_number_voice(number["id"], "pending")
            rulebook.wait_for(
                "the report of the number without usable voice",
                lambda: re.search(
                    re.escape(NEW_NUMBER) + r".*voice is\s+not active",
                    rulebook.output(),
                ),
            )
            assert not voice_connectors(sim, number["id"])

            # 5. Its voice becomes active: exactly one Voice connector, its channel active.
            sim.set_number_voice(number["id"], "active")
            first = rulebook.wait_for(
                "one Voice connector with an active channel for %s" % NEW_NUMBER,
                lambda: one_active_channel(sim, number["id"]),
            )
            rulebook.wait_for(
                "the report of channel %s" % first["channel_id"],
                lambda: "Voice channel %s is active" % first["channel_id"]
                in rulebook.output(),
            )

            # 6. The channel fails: reported, and replaced (voice_channels_replace_failed).
            sim.set_channel_status(first["channel_id"], "failed")
            second = rulebook.wait_for(
                "a new active channel replacing %s" % first["channel_id"],
                lambda: one_active_channel(sim, number["id"], first["channel_id"]),
            )
            rulebook.wait_for(
                "the report of the replacement",
                lambda: "Voice channel %s is active (replaced" % second["channel_id"]
                in rulebook.output(),
            )
            flows_done = time.monotonic()
        finally:
            returncode, leftovers = rulebook.stop()

        output = rulebook.output()
        assert returncode in (
            0,
            130,
        ), "ansible-rulebook did not stop on SIGINT (%s):\n%s" % (
            returncode,
            output[-4000:],
        )
        assert not leftovers, "ansible-rulebook left processes running"
        assert re.search(
            r"Voice channel %s .*is failed" % re.escape(first["channel_id"]), output
        ), output[-4000:]
        # The forged delivery made nothing; every real one was accepted at its first attempt.
        assert not voice_connectors(sim, number_id(FORGED_FOR))
        assert number_id(FORGED_FOR) not in output
        assert sim.wait_deliveries(10)
        attempts = [
            (d["service"], d["event"], d["attempt"], d["status"])
            for d in sim.deliveries()
        ]
        assert attempts == [
            ("numbers", "endpoint", 1, 200),
            ("numbers", "endpoint", 1, 200),
            ("channels", "channel.updated", 1, 200),
        ], attempts
        assert KEY not in output
    print(
        "subscriptions %.1fs, ansible-rulebook listening after %.1fs, the three events handled in %.1fs, "
        "stopped by SIGINT with %s; %.1fs in all"
        % (
            subscribed - started,
            listener_up - subscribed,
            flows_done - listener_up,
            returncode,
            time.monotonic() - started,
        )
    )


def _rules(path: Path) -> list:
    return [
        (rule["name"], " ".join(rule["condition"].split()))
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))[0]["rules"]
    ]


def test_both_rulebooks_are_valid_and_have_the_same_rules(monkeypatch):
    """ansible-rulebook's own schema and parser take both; the controller's rules are those of the CLI's."""
    ansible_rulebook()  # fails saying what to install when it is missing
    # By name: the environments of nox -e lint (mypy, pylint) have no ansible-rulebook.
    settings = importlib.import_module("ansible_rulebook.conf").settings
    parse_rule_sets = importlib.import_module(
        "ansible_rulebook.rules_parser"
    ).parse_rule_sets
    validate = importlib.import_module("ansible_rulebook.validators").Validate
    # The parser finds the collection (its event source's routing) with ansible-galaxy.
    monkeypatch.setattr(
        settings, "ansible_galaxy_path", os.path.join(BIN, "ansible-galaxy")
    )
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
    for path in (RULEBOOK, CONTROLLER_RULEBOOK):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        validate.rulebook(data)
        (ruleset,) = parse_rule_sets(data)
        assert [rule.name for rule in ruleset.rules] == [
            "Voice channel for a number whose voice became active",
            "Failed Voice channel",
        ]
        assert ruleset.sources[0].source_name == "bird.engagements.bird_webhook"
    assert _rules(RULEBOOK) == _rules(CONTROLLER_RULEBOOK)
