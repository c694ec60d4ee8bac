# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_voice_connectors in a fork of Ansible's worker (plugins/plugin_utils/_forked_module.py):
the same results as a module process, the task's environment, the task's timeout, and when it forks.

With ansible-playbook's own Python on localhost the module forks; another interpreter (here a
script that starts the same Python, so that the module process has the same packages) makes it
run as a module process. Both runs get their own simulator in the same state.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ANSIBLE_PLAYBOOK,
    ansible_env,
    playbook,
    save_task,
    write_playbook,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    DEMO_KEY,
    WS1,
    WS1_VOICE,
    WS2,
    number_id,
)

MODULE = "bird.engagements.bird_voice_connectors"
FORKED = "bird_voice_connectors: runs in a fork of the worker process"
MODULE_PROCESS = "bird_voice_connectors: runs as a module process"
STEPS = ("check", "apply", "again", "refused")


def other_python(tmp_path):
    """An interpreter path that is not ansible-playbook's: a script starting the same Python."""
    path = tmp_path / "python-elsewhere"
    path.write_text('#!/bin/sh\nexec "%s" "$@"\n' % sys.executable)
    path.chmod(0o755)
    return str(path)


SEEDED = ("a1b2c3d4-", "b1b2c3d4-")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def without_ids(value):
    """``value`` with the ids a simulator makes up (connectors, channels) replaced by a mark."""
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    if isinstance(value, str):
        return UUID.sub(
            lambda m: m.group(0) if m.group(0).startswith(SEEDED) else "<id>", value
        )
    return value


def workspaces_args():
    return [
        {
            "workspace_id": WS1,
            "numbers": [
                {"phone_number": WS1_VOICE[0]},
                {"phone_number_id": number_id(WS1_VOICE[1])},
            ],
        },
        {
            "workspace_id": WS2,
            "numbers": [
                {"phone_number": "+31201230201"},
            ],
        },
    ]


def steps_playbook(tmp_path, name):
    """Check and diff mode, the real run, the converged run, and a run refused for a number the workspace
    does not have, each result saved."""
    tasks = []
    refused = workspaces_args()
    refused[1]["numbers"].append(
        {"phone_number": "+31201239999"}
    )  # not a number of WS2
    for step, workspaces, extra in (
        ("check", workspaces_args(), {"check_mode": True, "diff": True}),
        ("apply", workspaces_args(), {"diff": True}),
        ("again", workspaces_args(), {}),
        ("refused", refused, {}),
    ):
        tasks.append(
            dict(
                {
                    "name": "Ensure (%s)" % step,
                    MODULE: {"workspaces": workspaces, "wait_timeout": 30},
                    "register": step,
                    "ignore_errors": True,
                },
                **extra,
            )
        )
        tasks.append(save_task(step, str(tmp_path / ("%s-%s.json" % (name, step)))))
    return write_playbook(str(tmp_path / ("%s.yml" % name)), tasks)


def load(tmp_path, name, step):
    with open(tmp_path / ("%s-%s.json" % (name, step)), encoding="utf-8") as handle:
        return json.load(handle)


def test_forked_and_module_process_runs_return_the_same_results(simulator, tmp_path):
    runs = {}
    for name, extra in (
        ("forked", []),
        ("process", ["-e", "ansible_python_interpreter=%s" % other_python(tmp_path)]),
    ):
        sim = simulator()
        proc = playbook(
            steps_playbook(tmp_path, name), ansible_env(sim), "-vvv", *extra
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert (FORKED in proc.stdout) == (name == "forked"), proc.stdout[-3000:]
        assert (MODULE_PROCESS in proc.stdout) == (name == "process")
        assert DEMO_KEY not in proc.stdout + proc.stderr
        runs[name] = {step: load(tmp_path, name, step) for step in STEPS}
    forked, process = runs["forked"], runs["process"]
    assert (
        forked["check"]["changed"] is True
        and forked["check"]["diff"]
        and forked["check"]["warnings"]
    )
    assert forked["apply"]["summary"]["created"] == 3 and not forked["apply"].get(
        "failed"
    )
    assert (
        forked["again"]["changed"] is False
        and forked["again"]["summary"]["unchanged"] == 3
    )
    assert (
        forked["refused"]["failed"] is True
        and "+31201239999" in forked["refused"]["msg"]
    )
    for step in STEPS:
        assert without_ids(forked[step]) == without_ids(process[step]), step


def test_the_tasks_environment_reaches_the_forked_module(simulator, tmp_path):
    sim = simulator()
    env = ansible_env(sim, access_key=None)
    out = str(tmp_path / "result.json")
    path = write_playbook(
        str(tmp_path / "environment.yml"),
        [
            {
                "name": "Ensure, with the key from the task's environment",
                MODULE: {"workspaces": workspaces_args()[:1]},
                "environment": {"BIRD_ACCESS_KEY": DEMO_KEY},
                "register": "r",
            },
            save_task("r", out),
        ],
    )
    proc = playbook(path, env, "-vvv")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert FORKED in proc.stdout
    assert DEMO_KEY not in proc.stdout + proc.stderr
    with open(out, encoding="utf-8") as handle:
        assert json.load(handle)["summary"]["created"] == 2


def test_a_tasks_timeout_stops_the_forked_module(simulator, tmp_path):
    # Channels are assigned after 60 s: the module keeps polling until the task's timeout ends it.
    sim = simulator(channel_delay=60.0)
    path = write_playbook(
        str(tmp_path / "timeout.yml"),
        [
            {
                "name": "Ensure, waiting for channels",
                MODULE: {"workspaces": workspaces_args()[:1], "wait_timeout": 120},
                "timeout": 3,
            }
        ],
    )
    started = time.monotonic()
    proc = playbook(path, ansible_env(sim))
    # "timed out" from ansible-core 2.19 on, "in the expected time frame" before.
    assert proc.returncode != 0 and re.search(
        "(?i)timed out|expected time frame", proc.stdout
    ), proc.stdout[-3000:]
    assert time.monotonic() - started < 60
    # Nothing polls Bird after the task ended, and no process of that play is left: the fork went too.
    seen = sim.stats()["total"]
    time.sleep(1.5)
    assert sim.stats()["total"] == seen
    assert not processes_naming(path)


def processes_naming(text):
    """The pids of the processes whose command line holds ``text``."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                if text.encode() in handle.read():
                    found.append(int(pid))
        except (OSError, ValueError):
            continue
    return found


def test_a_task_environment_python_reads_at_start_up_runs_a_module_process(
    simulator, tmp_path
):
    sim = simulator()
    path = write_playbook(
        str(tmp_path / "pythonpath.yml"),
        [
            {
                "name": "Ensure, with a PYTHONPATH of the task's",
                MODULE: {"workspaces": workspaces_args()[:1]},
                "environment": {"PYTHONPATH": str(tmp_path)},
            }
        ],
    )
    proc = playbook(path, ansible_env(sim), "-vvv")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (
        "the task's environment sets PYTHONPATH, which Python reads when it starts"
        in proc.stdout
    )
    assert FORKED not in proc.stdout


def test_without_the_controllers_python_on_localhost_the_module_runs_as_a_process(
    simulator, tmp_path
):
    sim = simulator()
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n"
        % other_python(tmp_path)
    )
    path = write_playbook(
        str(tmp_path / "interpreter.yml"),
        [{"name": "Ensure", MODULE: {"workspaces": workspaces_args()[:1]}}],
    )
    proc = playbook(path, ansible_env(sim), "-i", str(inventory), "-vvv")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (
        MODULE_PROCESS in proc.stdout
        and "its interpreter %s is not the controller's Python" % other_python(tmp_path)
        in proc.stdout
    )
    assert FORKED not in proc.stdout


def test_another_name_of_ansible_playbooks_python_in_its_directory_forks(
    simulator, tmp_path
):
    with open(ANSIBLE_PLAYBOOK, encoding="utf-8") as handle:
        python = handle.readline()[
            2:
        ].strip()  # the shebang: the Python ansible-playbook runs on
    directory = os.path.dirname(python)
    [sibling] = [
        os.path.join(directory, name)
        for name in ("python", "python3")
        if os.path.join(directory, name) != python
        and os.path.exists(os.path.join(directory, name))
        and os.path.samefile(os.path.join(directory, name), python)
    ][:1]
    sim = simulator()
    path = write_playbook(
        str(tmp_path / "sibling.yml"),
        [{"name": "Ensure", MODULE: {"workspaces": workspaces_args()[:1]}}],
    )
    proc = playbook(
        path, ansible_env(sim), "-e", "ansible_python_interpreter=%s" % sibling, "-vvv"
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert FORKED in proc.stdout and MODULE_PROCESS not in proc.stdout
