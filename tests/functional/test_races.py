# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Races: several ansible-playbook processes started at once on the same numbers.

A gate inside the simulator holds each process's read of the numbers until every
process has made it, so all of them have seen "no connector" and all of them
send the create: the race happens every time, not by luck. Then, for every number,
there must be exactly one connector, every run must succeed and report the same
channel id, and exactly one run (the one whose create won) reports ``changed``.
The duplicate refusal is tried with both candidate statuses, 409 and 422.
"""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ansible_env,
    module_race_playbook,
    role_playbook,
    start_playbooks,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    WS1,
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    RaceGate,
    channel_of,
    connector_count,
    connectors_by_number,
    duplicates,
    number_id,
    numbers_search_key,
)

PROCESSES = 4


def _check_race(sim, gate, runs, numbers, per_run_items, duplicate_status):
    """The invariants of a race on ``numbers`` ([(workspace id, E.164)])."""
    assert gate.broken == 0 and all(v == PROCESSES for v in gate.released.values()), (
        gate.released,
        gate.broken,
    )
    for run in runs:
        assert run.rc == 0, run
    state = sim.state()
    assert duplicates(state) == {}
    by_number = connectors_by_number(state)
    assert len(by_number) == len(numbers) and connector_count(state) == len(
        numbers
    ), by_number
    for ws_id, e164 in numbers:
        items = [per_run_items(run)[e164] for run in runs]
        assert not any(item.get("failed") for item in items), items
        channels = set(item["channel_id"] for item in items)
        expected = channel_of(state, ws_id, number_id(e164))
        assert channels == {expected} and expected, (e164, channels, expected)
        changed = [item["changed"] for item in items]
        assert changed.count(True) == 1, (e164, changed)
    stats = sim.stats()
    # Every process sent its create: one won, the others were refused as duplicates and looked it up.
    assert stats["by_status"].get("201") == len(numbers), stats["by_status"]
    assert stats["by_status"].get(str(duplicate_status)) == len(numbers) * (
        PROCESSES - 1
    ), stats["by_status"]
    assert stats["writes_applied"] == len(numbers)


@pytest.mark.parametrize("duplicate_status", [409, 422])
def test_module_runs_racing_on_the_same_numbers_make_one_connector_each_and_agree(
    tmp_path, simulator, duplicate_status
):
    sim = simulator(channel_delay=0.3, duplicate_status=duplicate_status, latency=0.01)
    numbers = WS1_VOICE[:2]
    gate = RaceGate(sim, PROCESSES, numbers_search_key)
    jobs = []
    for index in range(PROCESSES):
        out = str(tmp_path / ("run%d.json" % index))
        jobs.append(
            (
                module_race_playbook(
                    str(tmp_path / ("race%d.json" % index)), out, WS1, numbers
                ),
                ansible_env(sim),
                out,
            )
        )
    runs = start_playbooks(jobs)

    def items(run):
        return dict((r["item"], r) for r in run.result["results"])

    _check_race(sim, gate, runs, [(WS1, n) for n in numbers], items, duplicate_status)


@pytest.mark.parametrize("duplicate_status", [409, 422])
def test_role_runs_racing_on_the_same_numbers_make_one_connector_each_and_agree(
    tmp_path, simulator, duplicate_status
):
    sim = simulator(channel_delay=0.3, duplicate_status=duplicate_status, latency=0.01)
    # Four numbers in one workspace (its number list is read once) and three in the other (searched one by one).
    workspaces = [
        dict(workspace_id=WS1, numbers=[dict(phone_number=n) for n in WS1_VOICE]),
        dict(workspace_id=WS2, numbers=[dict(phone_number=n) for n in WS2_VOICE]),
    ]
    gate = RaceGate(sim, PROCESSES, numbers_search_key)
    jobs = []
    for index in range(PROCESSES):
        out = str(tmp_path / ("run%d.json" % index))
        jobs.append(
            (
                role_playbook(
                    str(tmp_path / ("race%d.json" % index)),
                    out,
                    workspaces,
                    dict(voice_channels_timeout=25, voice_channels_wait_timeout=60),
                ),
                ansible_env(sim),
                out,
            )
        )
    runs = start_playbooks(jobs)

    def items(run):
        return dict((r["phone_number"], r) for r in run.result["results"])

    numbers = [(WS1, n) for n in WS1_VOICE] + [(WS2, n) for n in WS2_VOICE]
    _check_race(sim, gate, runs, numbers, items, duplicate_status)
    for run in runs:
        summary = run.result["summary"]
        assert summary["failed"] == 0 and summary["created"] + summary[
            "unchanged"
        ] == len(numbers), summary
