# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role in plays over several inventory hosts, each with its own ``voice_channels_workspaces``.

Two teams share a workspace with ``exclusive: true``. Whatever shrinks the play batch
(``--limit``, ``serial: 1``, a host that failed before the role), no run deletes a connector
of a number another inventory host lists, nor recreates one; check mode predicts the same.
Hosts that give the role different settings (their own access keys), or their lists through a
role variable the role cannot read for another host, stop the play before any write. Only the
hosts that ran the role get ``voice_channels_provisioned``, after a failed run too. A number two
hosts list is created once, and entries that conflict fail before any write. The plays run under
the play's ``become``, which cannot work here: the role never uses it.
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

# A voice number nobody lists, with a connector: exclusive removes it, and nothing else.
EXTRA = "+31201230105"
EXTRA_ID = "b1b2c3d4-0001-4000-8000-000000000105"
TEAMS: dict = {
    "team-a": [
        dict(
            workspace_id=WS1,
            exclusive=True,
            numbers=[dict(phone_number=WS1_VOICE[0]), dict(phone_number=WS1_VOICE[1])],
        )
    ],
    "team-b": [
        dict(
            workspace_id=WS1.upper(),
            exclusive=True,
            numbers=[
                dict(phone_number_id=number_id(WS1_VOICE[2])),
                dict(phone_number=WS1_VOICE[3]),
            ],
        )
    ],
}
TEAM_B_IDS = sorted(number_id(n) for n in WS1_VOICE[2:])
SHARED = WS1_VOICE[1]
FRESH: dict = {
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
    "voice-c": [
        dict(workspace_id=WS2, numbers=[dict(phone_number=WS2_VOICE[0])]),
        dict(workspace_id=WS1.upper(), numbers=[dict(phone_number=WS1_VOICE[3])]),
    ],
}
CONFLICTING: dict = {
    "voice-a": [dict(workspace_id=WS1, numbers=[dict(phone_number=WS1_VOICE[0])])],
    "voice-b": [
        dict(
            workspace_id=WS1, numbers=[dict(phone_number=WS1_VOICE[0], state="absent")]
        )
    ],
}
# Bird refuses creates in workspace 1 (REFUSED_SIM): voice-a's entry fails, voice-b's is created.
REFUSED: dict = {
    "voice-a": [dict(workspace_id=WS1, numbers=[dict(phone_number=WS1_VOICE[0])])],
    "voice-b": [dict(workspace_id=WS2, numbers=[dict(phone_number=WS2_VOICE[0])])],
}
REFUSED_FAULT = {
    "method": "POST",
    "path": "^/workspaces/%s/connectors$" % WS1,
    "kind": "status",
    "status": 403,
}
MODULE_TASK = "TASK [%s : Ensure the Voice connectors of the listed numbers]" % ROLE
SECRET_KEYS = {"team-a": "key-of-team-a-S3CRET", "team-b": "key-of-team-b-S3CRET"}


def inventory(path, hosts, extra_vars=None, list_variable=None):
    """Hosts on the local connection, whose become (to another user) cannot work here; each has its
    list in ``voice_channels_workspaces``, or in ``list_variable``."""
    host_vars = dict(
        (
            name,
            dict(
                {list_variable or "voice_channels_workspaces": workspaces},
                **(extra_vars or {}).get(name, {}),
            ),
        )
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


def play(path, out_dir, serial=None, fail_first=None, list_variable=None):
    """The role over every host (``serial`` if given), after a task that fails ``fail_first``; with
    ``list_variable``, the role's ``voice_channels_workspaces`` is that host variable, as a role
    variable."""
    tasks: list = []
    if fail_first:
        tasks.append(
            {
                "name": "A task that fails on one host before the role",
                "ansible.builtin.fail": {"msg": "failed before the role"},
                "when": "inventory_hostname == %r" % fail_first,
            }
        )
    tasks += [
        {
            "name": "Provision",
            "block": [
                dict(
                    {
                        "name": "The role",
                        "ansible.builtin.include_role": {"name": ROLE},
                    },
                    **(
                        {
                            "vars": {
                                "voice_channels_workspaces": "{{ %s }}" % list_variable
                            }
                        }
                        if list_variable
                        else {}
                    ),
                )
            ],
            "rescue": [
                {
                    "name": "Keep the failure",
                    "ansible.builtin.set_fact": {
                        "role_failure": "{{ ansible_failed_result | default({'failed': true}) }}"
                    },
                }
            ],
        },
        {
            "name": "Save what each host got",
            "become": False,
            "check_mode": False,
            "delegate_to": "localhost",
            "ansible.builtin.copy": {
                "dest": "%s/{{ inventory_hostname }}.json" % out_dir,
                "mode": "0600",
                "content": (
                    "{{ {'provisioned': voice_channels_provisioned | default(None), "
                    "'failure': role_failure | default(None), "
                    "'fact_hosts': groups['all'] | map('extract', hostvars) "
                    "| selectattr('voice_channels_provisioned', 'defined') "
                    "| map(attribute='inventory_hostname') | list} | to_json }}"
                ),
            },
        },
    ]
    spec: dict = {
        "name": "Every host its Voice channels",
        "hosts": "all",
        "gather_facts": False,
        "become": True,
        "tasks": tasks,
    }
    if serial:
        spec["serial"] = serial
    return write_plays(path, [spec])


def saved(out_dir, hosts):
    found = {}
    for host in hosts:
        path = os.path.join(out_dir, host + ".json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                found[host] = json.load(handle)
    return found


def teams_sim():
    """Every listed number of both teams has its connector, and so has a number nobody lists."""
    sim = start_sim(channel_delay=0.1)
    sim.add_number(WS1, EXTRA, id=EXTRA_ID)
    for e164 in WS1_VOICE + [EXTRA]:
        sim.insert_connector(WS1, number_id(e164) if e164 != EXTRA else EXTRA_ID)
    return sim


def voice_connectors(sim):
    """``{number id: connector id}`` of the workspace's Voice connectors."""
    return dict(
        (number, ids[0])
        for (ws, number), ids in connectors_by_number(sim.state()).items()
        if ws == WS1
    )


# Each scenario: (hosts, extra host vars, play options, ansible-playbook args, runs).
SCENARIOS = {
    "all hosts": (TEAMS, None, {}, [], 1),
    "--limit team-a": (TEAMS, None, {}, ["--limit", "team-a"], 1),
    "serial 1, twice": (TEAMS, None, {"serial": 1}, [], 2),
    "team-b failed before the role": (TEAMS, None, {"fail_first": "team-b"}, [], 1),
    "per-host access keys": (
        TEAMS,
        dict((h, {"voice_channels_access_key": k}) for h, k in SECRET_KEYS.items()),
        {},
        [],
        1,
    ),
    "fresh, a shared number": (FRESH, None, {}, [], 1),
    "conflicting entries": (CONFLICTING, None, {}, [], 1),
    "a refused create": (REFUSED, None, {}, [], 1),
    "lists as a role variable": (TEAMS, None, {"list_variable": "team_list"}, [], 1),
    "lists as a role variable, serial 1": (
        TEAMS,
        None,
        {"list_variable": "team_list", "serial": 1},
        [],
        1,
    ),
}


@pytest.fixture(scope="module", params=[False, True], ids=["apply", "check"])
def outcomes(request, tmp_path_factory):
    """Every scenario, each against its own simulator, in a real run or in check mode."""
    check = request.param

    def one(item):
        tmp, (name, (hosts, extra, options, args, runs)) = item
        if hosts is TEAMS:
            sim = teams_sim()
        else:
            faults = [REFUSED_FAULT] if hosts is REFUSED else []
            sim = start_sim(channel_delay=0.1, faults=faults)
        try:
            before = voice_connectors(sim)
            path = play(os.path.join(tmp, "play.json"), tmp, **options)
            hosts_file = inventory(
                os.path.join(tmp, "hosts.json"),
                hosts,
                extra,
                options.get("list_variable"),
            )
            runs_done = [
                run_playbook(
                    path,
                    ansible_env(sim),
                    args=["-i", hosts_file] + args + (["--check"] if check else []),
                )
                for dummy in range(runs)
            ]
            return name, dict(
                runs=runs_done,
                results=saved(tmp, hosts),
                before=before,
                after=voice_connectors(sim),
                stats=sim.stats(),
                state=sim.state(),
            )
        finally:
            sim.stop()

    # The directories first: pytest makes its base directory on first use, not thread-safely.
    dirs = [str(tmp_path_factory.mktemp("scenario")) for dummy in SCENARIOS]
    return check, dict(parallel(one, list(zip(dirs, SCENARIOS.items())), workers=3))


@pytest.mark.parametrize(
    "scenario",
    ["all hosts", "--limit team-a", "serial 1, twice", "team-b failed before the role"],
)
def test_no_run_deletes_or_recreates_what_another_inventory_host_lists(
    outcomes, scenario
):
    check, found = outcomes
    got = found[scenario]
    for run in got["runs"]:
        if scenario.startswith("team-b failed"):
            assert run.rc == 2 and "failed before the role" in run.stdout, run
        else:
            assert run.rc == 0, run
    listed = dict((n, c) for n, c in got["before"].items() if n != EXTRA_ID)
    if check:
        assert got["stats"]["writes"] == 0 and got["after"] == got["before"]
    else:
        # Every listed number keeps its connector (and channel): only the unlisted one went, once.
        assert got["after"] == listed, (got["before"], got["after"])
        assert got["stats"]["writes_applied"] == 1, got["stats"]
    # What each host that ran the role was told: team-b's numbers are never to be deleted.
    for host, result in got["results"].items():
        assert result["failure"] is None, (host, result)
        rows = result["provisioned"]
        deleted = [r["phone_number_id"] for r in rows if r["action"] == "delete"]
        assert deleted in ([], [EXTRA_ID]), rows
        assert all(
            r["channel_status"] == "active" for r in rows if r["state"] == "present"
        )
    if scenario == "--limit team-a":
        assert sorted(got["results"]) == ["team-a"]
    if scenario.startswith("team-b failed"):
        assert sorted(got["results"]) == ["team-a"]
    # Only the hosts that ran the role have the fact: not a host failed before it, nor one left out.
    for host, result in got["results"].items():
        assert host in result["fact_hosts"], (host, result)
        assert set(result["fact_hosts"]) <= set(got["results"]), (host, result)


def test_hosts_with_their_own_access_keys_stop_before_any_write_naming_the_setting(
    outcomes,
):
    dummy, found = outcomes
    got = found["per-host access keys"]
    (run,) = got["runs"]
    assert got["stats"]["total"] == 0, run
    message = "voice_channels_access_key differs between team-a and team-b. Give those hosts the same value"
    assert message in run.stdout, run.stdout
    assert "Nothing was changed" in run.stdout
    # Every host stops there: the module task never ran.
    assert MODULE_TASK not in run.stdout
    assert all(
        r["failure"] and r["provisioned"] is None for r in got["results"].values()
    )
    for key in SECRET_KEYS.values():
        assert key not in run.stdout + run.stderr


def test_a_number_two_hosts_list_is_created_once_and_each_host_gets_its_own_rows(
    outcomes,
):
    check, found = outcomes
    got = found["fresh, a shared number"]
    (run,) = got["runs"]
    assert run.rc == 0 and sorted(got["results"]) == sorted(FRESH), run
    # One module run, on the controller, for every host.
    module_task = run.stdout.split(MODULE_TASK, 1)[1].split("\nTASK [", 1)[0]
    assert re.findall(r"^(?:changed|ok): \[[^]]+\]", module_task, re.M) == [
        "changed: [voice-a -> localhost]"
    ], module_task
    e164 = dict((number_id(n), n) for n in WS1_VOICE + WS2_VOICE)
    for host, workspaces in FRESH.items():
        rows = got["results"][host]["provisioned"]
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
            assert row["action"] == "create" and row["changed"] is True, row
            if not check:
                assert row["channel_status"] == "active"
                assert row["channel_id"] == channel_of(
                    got["state"], row["workspace_id"], row["phone_number_id"]
                ), row
    if check:
        assert got["stats"]["writes"] == 0
        return
    shared = [
        r
        for host in ("voice-a", "voice-b")
        for r in got["results"][host]["provisioned"]
        if r["phone_number"] == SHARED
    ]
    assert len(set((r["connector_id"], r["channel_id"]) for r in shared)) == 1
    assert duplicates(got["state"]) == {}
    assert got["stats"]["writes_applied"] == 5, got["stats"]
    # The role shows each new connector's number and channel id.
    for row in got["results"]["voice-a"]["provisioned"]:
        assert (
            "%s (workspace %s): new Voice channel %s"
            % (
                row["phone_number"],
                row["workspace_id"],
                row["channel_id"],
            )
            in run.stdout
        )


def test_hosts_whose_entries_conflict_fail_before_any_write(outcomes):
    dummy, found = outcomes
    got = found["conflicting entries"]
    (run,) = got["runs"]
    assert got["stats"]["writes"] == 0, (got["stats"], run)
    msg = got["results"]["voice-a"]["failure"]["msg"]
    assert msg.startswith("nothing was changed: "), msg
    assert (
        "the same number (%s) is also listed as workspaces[0].numbers[0]; state 'absent' here, "
        "'present' there" % WS1_VOICE[0]
    ) in msg, msg


def test_after_a_failed_run_each_host_still_gets_its_own_rows(outcomes):
    check, found = outcomes
    got = found["a refused create"]
    (run,) = got["runs"]
    assert run.rc == 0, run  # the play rescues the role's failure
    rows = dict((h, r["provisioned"]) for h, r in got["results"].items())
    assert [r["phone_number"] for r in rows["voice-a"]] == [WS1_VOICE[0]], rows
    assert [r["phone_number"] for r in rows["voice-b"]] == [WS2_VOICE[0]], rows
    if check:
        assert all(r["action"] == "create" and not r["failed"] for r in rows["voice-a"])
        assert got["stats"]["writes"] == 0
        return
    # Each host failed with the run, and each learns what happened to its own numbers.
    assert all(r["failure"] for r in got["results"].values()), got["results"]
    (refused,) = rows["voice-a"]
    assert refused["failed"] and refused["status"] == 403, refused
    (created,) = rows["voice-b"]
    assert created["changed"] and not created["failed"], created
    assert created["channel_id"] == channel_of(
        got["state"], WS2, number_id(WS2_VOICE[0])
    ), created


@pytest.mark.parametrize(
    "scenario", ["lists as a role variable", "lists as a role variable, serial 1"]
)
def test_lists_that_are_not_inventory_variables_stop_before_any_write(
    outcomes, scenario
):
    dummy, found = outcomes
    got = found[scenario]
    (run,) = got["runs"]
    assert got["stats"]["total"] == 0, run
    # With serial too: a batch's host cannot read what the other batch's host lists.
    assert (
        "voice_channels_workspaces of team-a, team-b is not a host or group variable"
        in run.stdout
    ), run.stdout
    assert "Nothing was changed" in run.stdout
    assert MODULE_TASK not in run.stdout
    assert got["after"] == got["before"]
    assert all(
        r["failure"] and r["provisioned"] is None for r in got["results"].values()
    ), got["results"]
