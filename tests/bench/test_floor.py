# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ideal client does the job, with the least requests: ``pytest tests/bench`` (a few seconds)."""

from __future__ import annotations

# The benchmark's parts, beside this file (pytest puts its directory on the path, as running bench.py does).
import floor  # pylint: disable=import-error
import pytest
import sim  # pylint: disable=import-error

from ansible_collections.bird.engagements.tests.simulator import (
    CONFIG_DEFAULTS,
    run_simulator,
)

# 150 numbers: 2 pages of connectors (100 a page), of numbers (99) and of channels (the simulator's
# page_size_max, 100, cuts the 1,000 asked for).
WORKSPACES, NUMBERS = 3, 150
CONNECTORS, CHANNELS, NUMBER_PAGES = (
    "GET /workspaces/{ws}/connectors",
    "GET /workspaces/{ws}/channels",
    "GET /workspaces/{ws}/numbers",
)


@pytest.fixture(name="simulator")
def fixture_simulator(request):
    config = dict(
        generate_workspaces=WORKSPACES,
        numbers_per_workspace=NUMBERS,
        access_key=sim.KEY,
        channel_delay=0.3,
    )
    config.update(getattr(request, "param", {}))
    with run_simulator(**config) as running:
        yield running


def run(simulator, workspaces):
    simulator.reset_stats()
    results = floor.IdealClient(simulator.url, sim.KEY).run(workspaces)
    assert not sim.check_state(simulator.state()["workspaces"], workspaces)
    assert all(r["status"] == "active" and r["channel_id"] for r in results)
    return results, simulator.stats()


@pytest.mark.parametrize(
    "simulator",
    [
        {},
        {"list_item_ids": "number", "last_page_token": "empty"},
        {"list_item_ids": "arguments", "template_filter_param": ""},
    ],
    indirect=True,
)
def test_fresh_then_converged(simulator):
    workspaces = sim.entries(WORKSPACES, NUMBERS)
    results, stats = run(simulator, workspaces)
    assert len(results) == WORKSPACES * NUMBERS and all(r["changed"] for r in results)
    assert stats["by_method"]["POST"] == WORKSPACES * NUMBERS
    assert stats["by_route"][NUMBER_PAGES] == WORKSPACES * 2
    assert stats["by_status"].get("429", 0) == 0

    results, stats = run(simulator, workspaces)
    assert not any(r["changed"] for r in results)
    # E.164 entries are matched through the number each connector echoes: no number page.
    assert stats["by_route"] == {CONNECTORS: WORKSPACES * 2, CHANNELS: WORKSPACES * 2}
    assert stats["writes"] == 0


def test_a_wrong_entry_changes_nothing(simulator):
    workspaces = sim.entries(WORKSPACES, NUMBERS)
    workspaces[-1]["numbers"].append({"phone_number": "+31209999999"})
    simulator.reset_stats()
    with pytest.raises(floor.FloorError, match="no voice number"):
        floor.IdealClient(simulator.url, sim.KEY).run(workspaces)
    assert simulator.stats()["writes"] == 0


@pytest.mark.skipif(
    "channel_setup_seconds" not in CONFIG_DEFAULTS,
    reason="a simulator without channel set-up",
)
@pytest.mark.parametrize("simulator", [{"channel_setup_seconds": 0.4}], indirect=True)
def test_waits_until_the_channels_are_active(simulator):
    workspaces = sim.entries(1, 2)
    run(simulator, workspaces)
    # Assigned at once, active 0.4 s later: the channels were read more than once.
    assert simulator.stats()["by_route"][CHANNELS] > 2


def test_a_wrong_answer_is_an_error(simulator):
    simulator.add_faults(
        {
            "method": "POST",
            "path": "/connectors$",
            "kind": "status",
            "status": 500,
            "count": 1,
        }
    )
    with pytest.raises(floor.FloorError):
        floor.IdealClient(simulator.url, sim.KEY).run(sim.entries(1, 2))
