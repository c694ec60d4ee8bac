# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A job run the way AWX runs it: ansible-runner, a private data dir, the
credential only in the environment (as the "Bird API" credential type injects
it), verbosity 4, against an in-process simulator that accepts one random key.

The playbook is the shipped example, docs/awx/example_job.yml (the module, the
role and the info module against the simulator's demo workspaces).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys

import ansible_runner
import pytest

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    BIN,
    COLLECTIONS,
    ROOT,
)
from ansible_collections.bird.engagements.tests.support.simulators import seed_with_key

EXAMPLE_JOB = os.path.join(ROOT, "docs", "awx", "example_job.yml")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Connectors the example job creates: one with the module, four with the role.
EXPECTED_CREATES = 5


def channel_ids(value):
    """Every non-null ``channel_id`` anywhere in ``value`` (dicts and lists, recursively)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "channel_id" and item is not None:
                found.append(item)
            else:
                found.extend(channel_ids(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(channel_ids(item))
    return found


def files_containing(top, needle):
    """Paths (relative to ``top``) of the files under ``top`` whose bytes contain ``needle``."""
    hits, count = [], 0
    for dirpath, _dirnames, filenames in os.walk(top):
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            count += 1
            with open(path, "rb") as handle:
                if needle.encode("utf-8") in handle.read():
                    hits.append(os.path.relpath(path, top))
    return hits, count


@pytest.fixture
def runner_env(monkeypatch):
    """Nothing from the developer's shell may supply credentials or ansible settings."""
    for name in list(os.environ):
        if name.startswith(("BIRD_", "ANSIBLE_")):
            monkeypatch.delenv(name)
    # ansible-runner starts `ansible-playbook` from PATH, like the execution environment does.
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))


# ansible-runner starts ansible-playbook with pexpect (a fork) while the simulator's threads run in this
# process; the child only execs, so Python's warning about forking a threaded process does not apply.
@pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)
def test_the_example_awx_job_runs_under_ansible_runner_and_the_key_stays_in_its_input(
    simulator, runner_env, tmp_path
):
    access_key = "bird-awx-test-" + secrets.token_hex(16)
    sim = simulator(seed=seed_with_key(access_key), channel_delay=0.2)

    private_data_dir = tmp_path / "job"
    (private_data_dir / "project").mkdir(parents=True)
    (private_data_dir / "inventory").mkdir()
    shutil.copy(EXAMPLE_JOB, private_data_dir / "project" / "example_job.yml")
    (private_data_dir / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n"
        % sys.executable
    )

    # What the credential type injects, plus what the execution environment provides
    # (the collection on the collections path); nothing else carries the credential.
    envvars = {
        "BIRD_ACCESS_KEY": access_key,
        "BIRD_API_URL": sim.url,
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    }
    result = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook="example_job.yml",
        envvars=envvars,
        verbosity=4,
        ident="job",
        quiet=True,
        timeout=240,
    )
    stdout = result.stdout.read()
    assert (result.status, result.rc) == ("successful", 0), stdout[-4000:]

    events = list(result.events)
    ok_results = [
        e["event_data"]["res"]
        for e in events
        if e.get("event") == "runner_on_ok" and "res" in e.get("event_data", {})
    ]
    assert ok_results, "no runner_on_ok event carried a result"

    # The channel ids come back in the job events and are the ones the API assigned.
    returned = set(channel_ids(ok_results))
    assigned = set(
        channel["id"]
        for workspace in sim.state()["workspaces"].values()
        for channel in workspace["channels"]
    )
    assert len(assigned) == EXPECTED_CREATES
    assert returned == assigned
    assert all(UUID_RE.match(channel_id) for channel_id in returned)
    module_result = next(
        res for res in ok_results if res.get("phone_number") == "+31201230101"
    )
    assert module_result["changed"] is True and module_result["channel_id"] in assigned

    # The key reached the API (it is the only key the simulator accepts) ...
    stats = sim.stats()
    assert stats["writes_applied"] == EXPECTED_CREATES
    assert "401" not in stats["by_status"] and "403" not in stats["by_status"]

    # ... but appears in no event, not in stdout, and in no artifact.
    assert access_key not in json.dumps(events)
    assert access_key not in stdout
    assert (
        "ESTABLISH LOCAL CONNECTION" in stdout
    ), "expected the connection details that verbosity 4 shows"

    # env/envvars is the job's input (AWX writes the injected credential there,
    # and so does ansible-runner with envvars=): the key is legitimately in it,
    # so only artifacts/ (the job's output) is searched.
    assert access_key in (private_data_dir / "env" / "envvars").read_text()
    artifacts = private_data_dir / "artifacts"
    hits, count = files_containing(str(artifacts), access_key)
    assert count > 5, "expected the job events and stdout under artifacts/"
    # ansible-runner's own record of the command it ran, artifacts/<ident>/command,
    # repeats the input environment (the same content as env/envvars) next to the
    # command line. It is allowed only there: not in the command line, not anywhere else.
    command_file = os.path.join("job", "command")
    assert [hit for hit in hits if hit != command_file] == []
    if command_file in hits:
        with open(
            os.path.join(str(artifacts), command_file), encoding="utf-8"
        ) as handle:
            command = json.load(handle)
        assert command["env"].pop("BIRD_ACCESS_KEY") == access_key
        assert access_key not in json.dumps(command)
