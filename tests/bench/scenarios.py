# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scenarios: each runs against a simulator in a known state and returns plain dicts (rows).

- ``ping``: the one-task play (``ansible.builtin.ping`` on localhost), the Ansible half of every floor;
- ``role``: the ``voice_channels`` role over every entry, fresh (no connectors) or converged, the
  numbers read from a JSON file; once more converged with the numbers written as YAML in the play
  (``playbooks.YAML_CONVERGED``);
- ``ideal``: :class:`floor.IdealClient` doing the same job, the API half of the floor;
- ``single``: ``bird_voice_connector`` for one new number, and how long after Bird assigned the
  channel the module returned.

Every run is checked: afterwards every listed number has exactly one Voice connector with its channel.
"""

from __future__ import annotations

import statistics
import time

import floor  # pylint: disable=import-error
import playbooks  # pylint: disable=import-error
import sim  # pylint: disable=import-error
import timeline  # pylint: disable=import-error


class BenchError(Exception):
    """A run did not do its job: its figures would mean nothing."""


def _counts(stats, n_workspaces, log=None):
    return {
        "GET": stats["by_method"].get("GET", 0),
        "POST": stats["by_method"].get("POST", 0),
        "DELETE": stats["by_method"].get("DELETE", 0),
        "writes": stats["writes"],
        "http_429": stats["by_status"].get("429", 0),
        "reads": sim.reads(stats, n_workspaces, log),
    }


def _last_assigned(state):
    stamps = [
        timeline.epoch(ch["createdAt"])
        for ws in state.values()
        for ch in ws["channels"]
    ]
    return max(stamps) if stamps else None


BREAKDOWN = (
    "to_first_task",
    "argspec",
    "module_task",
    "task_to_module",
    "module_seconds",
    "module_to_result",
    "publish",
    "to_end",
)


PUBLISH_ACTIONS = (
    "bird.engagements.bird_voice_connectors_fact",
    "ansible.builtin.debug",
    "ansible.builtin.set_fact",
)


def breakdown(run, module_name, action):
    """Seconds of a playbook run, in order: start to its first task, the role's argument validation, the
    module task (start to result) and, when its module process was traced (interpreter.py), the task's
    start to the module's process, the module, its exit to the task's result; the role's
    line per workspace and publishing of voice_channels_provisioned (one bird_voice_connectors_fact task on
    ansible-core 2.21 and later; a debug and a set_fact task before), and the last task to the end. A part
    that did not happen is None."""
    tasks = [t for t in run["tasks"] if t.get("event") == "task" and t.get("start")]
    module = playbooks.module_of(run, module_name)
    by_action = dict((t["action"], t) for t in tasks)
    result = dict.fromkeys(BREAKDOWN)
    if tasks:
        result["to_first_task"] = tasks[0]["start"] - run["start"]
        result["to_end"] = run["end"] - max(t["end"] for t in tasks)
    if "ansible.builtin.validate_argument_spec" in by_action:
        task = by_action["ansible.builtin.validate_argument_spec"]
        result["argspec"] = task["end"] - task["start"]
    publishing = [by_action[a] for a in PUBLISH_ACTIONS if a in by_action]
    if publishing:
        result["publish"] = sum(t["end"] - t["start"] for t in publishing)
    task = by_action.get(action)
    if task:
        result["module_task"] = task["end"] - task["start"]
    if module:
        result["module_seconds"] = module["end"] - module["start"]
        if task:
            result["task_to_module"] = module["start"] - task["start"]
            result["module_to_result"] = task["end"] - module["end"]
    return result


def ping(ansible, samples):
    """``samples`` runs of the one-task play (to summarize with ping_summary)."""
    return [ansible.run(playbooks.PING_PLAY, "ping") for dummy in range(samples)]


def ping_summary(runs):
    """Median wall time of the one-task play's runs (and of each part of them)."""
    parts = [breakdown(r, "ping", "ansible.builtin.ping") for r in runs]
    row = {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "samples": [r["seconds"] for r in runs],
        "ansible_rss_mib": max(r["ansible_rss_mib"] for r in runs),
    }
    for key in BREAKDOWN:
        values = [p[key] for p in parts if p[key] is not None]
        row[key] = statistics.median(values) if values else None
    return row


def role(simulator, ansible, workspaces, kind, latency, trace=False):
    """The role over ``workspaces`` (already written to workspaces.json); ``kind`` says which state it
    finds: ``fresh`` resets the simulator first, ``converged`` (and ``playbooks.YAML_CONVERGED``, whose play has
    the numbers as YAML in its vars) takes what the run before left.
    """
    if kind == "fresh":
        simulator.reset()
    simulator.reset_stats()
    label = "role, %s" % kind
    play = (
        playbooks.role_play_yaml(workspaces)
        if kind == playbooks.YAML_CONVERGED
        else playbooks.ROLE_PLAY
    )
    if trace:
        with sim.RequestRecorder(simulator) as recorder:
            run = ansible.run(play, label, inventory=ansible.role_inventory)
        log = recorder.entries()
    else:
        run = ansible.run(play, label, inventory=ansible.role_inventory)
        log = None
    stats = simulator.stats()
    if log is None and stats["total"] <= 1000:
        log = simulator.requests(1000)
    state = simulator.state()
    problems = sim.check_state(state, workspaces)
    if problems:
        raise BenchError("%s left a wrong state: %s" % (label, "; ".join(problems[:5])))
    module = playbooks.module_of(run, "bird_voice_connectors")
    row = {
        "scenario": "role",
        "kind": kind,
        "latency": latency,
        "seconds": run["seconds"],
        "numbers": sum(len(w["numbers"]) for w in workspaces),
        "workspaces": len(workspaces),
        "ansible_rss_mib": run["ansible_rss_mib"],
    }
    row.update(_counts(stats, len(workspaces), log))
    row.update(
        breakdown(
            run, "bird_voice_connectors", "bird.engagements.bird_voice_connectors"
        )
    )
    if module:
        row.update(
            module_rss_mib=module["maxrss_kib"] / 1024.0,
            module_cpu=module["cpu"],
            result_bytes=module["stdout_bytes"],
        )
    if kind == "fresh":
        # To the module process's exit, or with the module forked, to the module task's end.
        assigned = _last_assigned(state)
        tasks = [
            t
            for t in run["tasks"]
            if t.get("action") == "bird.engagements.bird_voice_connectors"
            and t.get("end")
        ]
        end = module["end"] if module else (tasks[-1]["end"] if tasks else None)
        if assigned and end:
            row["assigned_to_module_end"] = end - assigned
    if trace and log:
        row["timeline"] = timeline.phases(
            log, run["start"], latency, module, run["end"]
        )
    return row


def ideal(
    simulator,
    workspaces,
    kind,
    latency,
    trace=False,
    max_in_flight=32,
    poll_interval=0.1,
):
    """The ideal client over ``workspaces``; ``fresh`` resets the simulator first."""
    if kind == "fresh":
        simulator.reset()
    simulator.reset_stats()
    client = floor.IdealClient(
        simulator.url, sim.KEY, max_in_flight=max_in_flight, poll_interval=poll_interval
    )
    start = time.time()
    began = time.monotonic()
    if trace:
        with sim.RequestRecorder(simulator) as recorder:
            results = client.run(workspaces)
        log = recorder.entries()
    else:
        results = client.run(workspaces)
        log = None
    seconds = time.monotonic() - began
    end = time.time()
    stats = simulator.stats()
    if log is None and stats["total"] <= 1000:
        log = simulator.requests(1000)
    numbers = sum(len(w["numbers"]) for w in workspaces)
    changed = sum(1 for r in results if r["changed"])
    if len(results) != numbers or changed != (numbers if kind == "fresh" else 0):
        raise BenchError(
            "ideal client, %s: %d results, %d changed, for %d numbers"
            % (kind, len(results), changed, numbers)
        )
    state = simulator.state()
    problems = sim.check_state(state, workspaces)
    if problems:
        raise BenchError(
            "ideal client, %s, left a wrong state: %s" % (kind, "; ".join(problems[:5]))
        )
    row = {
        "scenario": "ideal",
        "kind": kind,
        "latency": latency,
        "seconds": seconds,
        "numbers": numbers,
        "workspaces": len(workspaces),
        "polls": client.counts["polls"],
    }
    row.update(_counts(stats, len(workspaces), log))
    if kind == "fresh":
        assigned = _last_assigned(state)
        if assigned:
            row["assigned_to_module_end"] = end - assigned
    if trace and log:
        row["timeline"] = timeline.phases(log, start, latency, None, end)
    return row


def single(simulator, ansible, latency, samples):
    """``bird_voice_connector`` for one new number, ``samples`` times (a reset before each): how long after
    Bird assigned the channel the module exited, and the whole ``ansible-playbook`` run ended.
    """
    workspace = sim.generated_ids(simulator.n_workspaces, simulator.n_numbers)[0]
    rows = []
    for index in range(samples):
        simulator.reset()
        simulator.reset_stats()
        number = workspace["numbers"][index % len(workspace["numbers"])]
        run = ansible.run(
            playbooks.MODULE_PLAY,
            "single module",
            extra_vars={
                "workspace_id": workspace["id"],
                "phone_number_id": number["id"],
            },
            inventory=ansible.traced_inventory,
        )
        module = playbooks.module_of(run, "bird_voice_connector")
        connectors = simulator.state()[workspace["id"]]
        created = [
            c
            for c in connectors["connectors"]
            if c["arguments"].get("phoneNumberId") == number["id"]
        ]
        if len(created) != 1 or not connectors["channels"] or module is None:
            raise BenchError(
                "single module run %d: %d connectors, %d channels"
                % (index, len(created), len(connectors["channels"]))
            )
        assigned = timeline.epoch(connectors["channels"][0]["createdAt"])
        created_at = timeline.epoch(created[0]["createdAt"])
        stats = simulator.stats()
        rows.append(
            {
                "latency": latency,
                "seconds": run["seconds"],
                "create_to_assigned": assigned - created_at,
                "assigned_to_module_end": module["end"] - assigned,
                "assigned_to_end": run["end"] - assigned,
                "GET": stats["by_method"].get("GET", 0),
                "POST": stats["by_method"].get("POST", 0),
            }
        )
    return rows
