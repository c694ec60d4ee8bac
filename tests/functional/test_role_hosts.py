# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role in a play over several inventory hosts, each with its own ``voice_channels_workspaces``,
under the play's ``become`` (which cannot work on this machine: a task that used it would fail).

All hosts' entries are provisioned in one module run on the controller: a number that two hosts
list is created once, each host's ``voice_channels_provisioned`` holds its own entries, and
entries that conflict fail before any write.
"""

from __future__ import annotations

import json
import os
import re
import sys

import pytest

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ROLE,
    ansible_env,
    parallel,
    run_playbook,
    write_plays,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    WS1,
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    channel_of,
    connectors_by_number,
    duplicates,
    number_id,
    start_sim,
)

SHARED = WS1_VOICE[1]
HOSTS: dict = {
    "voice-a": [
        dict(
            workspace_id=WS1,
            numbers=[dict(phone_number=WS1_VOICE[0]), dict(phone_number=SHARED)],
        )
    ],
    "voice-b": [
        dict(
            workspace_id=WS1,
            numbers=[
                dict(phone_number=SHARED),
                dict(phone_number_id=number_id(WS1_VOICE[2])),
            ],
        )
    ],
    # The same workspace in capitals, and another workspace.
    "voice-c": [
        dict(workspace_id=WS2, numbers=[dict(phone_number=WS2_VOICE[0])]),
        dict(workspace_id=WS1.upper(), numbers=[dict(phone_number=WS1_VOICE[3])]),
    ],
}
CONFLICTING = {
    "voice-a": [dict(workspace_id=WS1, numbers=[dict(phone_number=WS1_VOICE[0])])],
    "voice-b": [
        dict(
            workspace_id=WS1, numbers=[dict(phone_number=WS1_VOICE[0], state="absent")]
        )
    ],
    "voice-c": [dict(workspace_id=WS2, numbers=[dict(phone_number=WS2_VOICE[0])])],
}
MODULE_TASK = "TASK [%s : Ensure the Voice connectors of the listed numbers]" % ROLE


def inventory(path, hosts):
    """Hosts on the local connection, whose become (to another user) cannot work here."""
    host_vars = dict(
        (name, dict(voice_channels_workspaces=workspaces))
        for name, workspaces in hosts.items()
    )
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "all": {
                    "hosts": host_vars,
                    "vars": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable,
                        "ansible_become_user": "nobody",
                        "ansible_become_method": "sudo",
                        "ansible_become_exe": "/nonexistent/become",
                    },
                }
            },
            handle,
        )
    return path


def play(path, out_dir):
    return write_plays(
        path,
        [
            {
                "name": "Every host its Voice channels",
                "hosts": "all",
                "gather_facts": False,
                "become": True,
                "tasks": [
                    {
                        "name": "Show that the play's become is on and fails here",
                        "ansible.builtin.command": "true",
                        "register": "become_probe",
                        "ignore_errors": True,
                        "run_once": True,
                    },
                    {
                        "name": "Provision",
                        "block": [
                            {
                                "name": "The role",
                                "ansible.builtin.include_role": {"name": ROLE},
                            }
                        ],
                        "rescue": [
                            {
                                "name": "Keep the failure",
                                "ansible.builtin.set_fact": {
                                    # A run_once task's failure fails every host; only the host that ran it has the result.
                                    "role_failure": "{{ ansible_failed_result | default({'failed': true, 'ran_elsewhere': true}) }}"
                                },
                            }
                        ],
                    },
                    {
                        "name": "Save what each host got",
                        "become": False,
                        "delegate_to": "localhost",
                        "ansible.builtin.copy": {
                            "dest": "%s/{{ inventory_hostname }}.json" % out_dir,
                            "mode": "0600",
                            "content": (
                                "{{ {'provisioned': voice_channels_provisioned | default(None), 'failure': role_failure "
                                "| default(None), 'probe': become_probe} | to_json }}"
                            ),
                        },
                    },
                ],
            }
        ],
    )


def saved(out_dir, hosts):
    found = {}
    for host in hosts:
        path = os.path.join(out_dir, host + ".json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                found[host] = json.load(handle)
    return found


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Both plays at once, each against its own simulator: the shared numbers, and the conflicting entries."""
    jobs = []
    for name, hosts in (("shared", HOSTS), ("conflicting", CONFLICTING)):
        tmp = tmp_path_factory.mktemp(name)
        jobs.append((name, hosts, str(tmp), start_sim(channel_delay=0.2)))

    def one(job):
        name, hosts, tmp, sim = job
        path = play(os.path.join(tmp, "play.json"), tmp)
        run = run_playbook(
            path,
            ansible_env(sim),
            args=["-i", inventory(os.path.join(tmp, "hosts.json"), hosts)],
        )
        return name, (run, saved(tmp, hosts), sim.stats(), sim.state())

    try:
        return dict(parallel(one, jobs, workers=2))
    finally:
        for job in jobs:
            job[3].stop()


def test_each_host_gets_its_own_numbers_and_a_shared_number_is_created_once_without_become(
    outcomes,
):
    run, results, stats, state = outcomes["shared"]
    assert run.rc == 0 and sorted(results) == sorted(HOSTS), run
    for host, result in results.items():
        assert result["probe"]["failed"], (
            "the play's become works here, so this test proves nothing: %s" % result
        )
        assert result["failure"] is None, result["failure"]
    # One module run, on the controller, for every host.
    module_task = run.stdout.split(MODULE_TASK, 1)[1].split("\nTASK [", 1)[0]
    assert re.findall(r"^(?:changed|ok): \[[^]]+\]", module_task, re.M) == [
        "changed: [voice-a -> localhost]"
    ], module_task
    # Each host's fact holds its own entries, in its order.
    for host, workspaces in HOSTS.items():
        rows = results[host]["provisioned"]
        assert [r["owner"] for r in rows] == [host] * len(rows)
        e164 = dict((number_id(n), n) for n in WS1_VOICE + WS2_VOICE)
        wanted = [
            (
                w["workspace_id"].lower(),
                n.get("phone_number") or e164[n["phone_number_id"]],
            )
            for w in workspaces
            for n in w["numbers"]
        ]
        assert [(r["workspace_id"], r["phone_number"]) for r in rows] == wanted, rows
        for row in rows:
            assert (
                row["state"] == "present"
                and not row["failed"]
                and row["action"] == "create"
            ), row
            assert row["origin"] == "listed" and row["changed"] is True, row
            assert row["channel_id"] == channel_of(
                state, row["workspace_id"], row["phone_number_id"]
            ), row
    # The shared number: one connector, the same for both hosts, created once.
    shared = [
        r
        for host in ("voice-a", "voice-b")
        for r in results[host]["provisioned"]
        if r["phone_number"] == SHARED
    ]
    assert (
        len(shared) == 2
        and len(set((r["connector_id"], r["channel_id"]) for r in shared)) == 1
    ), shared
    assert duplicates(state) == {}
    assert sorted(connectors_by_number(state)) == sorted(
        [(WS1, number_id(n)) for n in WS1_VOICE] + [(WS2, number_id(WS2_VOICE[0]))]
    )
    assert (
        stats["by_route"]["POST /workspaces/{ws}/connectors"] == 5
        and stats["writes_applied"] == 5
    ), stats


def test_hosts_whose_entries_conflict_fail_before_any_write_naming_both(outcomes):
    run, results, stats, dummy = outcomes["conflicting"]
    assert run.rc == 0 and sorted(results) == sorted(
        CONFLICTING
    ), run  # the play rescues the failure to look at it
    assert stats["writes"] == 0, stats
    for host, result in results.items():
        assert result["failure"] and result["failure"]["failed"], (host, result)
        # A failed run's rows are published too (this one stopped before it had any), on the host
        # that ran the run_once task; the others fail with it without running the always section.
        if result["failure"].get("ran_elsewhere"):
            assert result["provisioned"] is None, result
        else:
            assert result["provisioned"] == [], result
    assert [
        h for h, r in sorted(results.items()) if not r["failure"].get("ran_elsewhere")
    ] == ["voice-a"], results
    msg = results["voice-a"]["failure"]["msg"]
    assert msg.startswith("nothing was changed: "), msg
    assert (
        "voice-b: workspaces[0].numbers[0]: conflicts with voice-a: workspaces[0].numbers[0] for number %s: "
        "state 'absent' here, 'present' there" % WS1_VOICE[0]
    ) in msg, msg
