# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A write that Bird refuses (HTTP 403, its policy), as a playbook sees it in the registered result.

The single module carries Bird's status, code, message, details and the request id at the top
level; the batch module carries them per entry, carries out the entries Bird does not refuse, and
fails naming the refused ones. The request id is the one Bird's answer to that very create had.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    BATCH_MODULE,
    MODULE,
    ansible_env,
    run_playbook,
    save_task,
    write_playbook,
)
from ansible_collections.bird.engagements.tests.support.leaks import (
    canary_key,
    find_leaks,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    WS1,
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    channel_of,
    number_id,
    seed_with_key,
    start_sim,
)

REFUSAL = {
    "code": "Forbidden",
    "message": "the policy of this access key does not allow installing connectors",
    "details": {"policy": ["connectors:write is not granted"]},
}
OPTIONS = dict(timeout=5, retries=1, wait_timeout=10)


@pytest.fixture(scope="module")
def refused(tmp_path_factory, request):
    """Creates in workspace 1 are refused with 403; workspace 2 accepts them."""
    key = canary_key()
    sim = start_sim(
        seed=seed_with_key(key),
        faults=[
            {
                "method": "POST",
                "path": "^/workspaces/%s/connectors$" % WS1,
                "kind": "status",
                "status": 403,
                "body": REFUSAL,
            }
        ],
    )
    request.addfinalizer(sim.stop)
    tmp = tmp_path_factory.mktemp("refused")
    single, batch = str(tmp / "single.json"), str(tmp / "batch.json")
    path = write_playbook(
        str(tmp / "play.json"),
        [
            {
                "name": "One number",
                MODULE: dict(OPTIONS, workspace_id=WS1, phone_number=WS1_VOICE[0]),
                "register": "single",
                "ignore_errors": True,
            },
            {
                "name": "Several numbers",
                BATCH_MODULE: dict(
                    OPTIONS,
                    workspaces=[
                        dict(
                            workspace_id=WS1,
                            numbers=[
                                dict(phone_number=WS1_VOICE[1]),
                                dict(phone_number=WS1_VOICE[2]),
                            ],
                        ),
                        dict(
                            workspace_id=WS2, numbers=[dict(phone_number=WS2_VOICE[0])]
                        ),
                    ],
                ),
                "register": "batch",
                "ignore_errors": True,
            },
            save_task("single", single),
            save_task("batch", batch),
        ],
        name="refused writes",
    )
    run = run_playbook(path, ansible_env(sim, access_key=key), args=["-vvvv"])
    creates = [r for r in sim.requests(limit=1000) if r["method"] == "POST"]
    return dict(
        run=run,
        key=key,
        single=_load(single),
        batch=_load(batch),
        creates=creates,
        stats=sim.stats(),
        state=sim.state(),
    )


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def test_the_module_fails_with_birds_status_code_message_details_and_request_id(
    refused,
):
    result = refused["single"]
    assert result["failed"] is True and result["changed"] is False, result
    assert (
        result["status"],
        result["api_code"],
        result["api_message"],
        result["api_details"],
    ) == (403, REFUSAL["code"], REFUSAL["message"], REFUSAL["details"]), result
    first_refusal = [r for r in refused["creates"] if r["status"] == 403][0]
    assert (
        result["request_id"] == first_refusal["request_id"] and result["request_id"]
    ), (result, first_refusal)
    assert (
        "HTTP 403 Forbidden" in result["msg"] and result["request_id"] in result["msg"]
    ), result["msg"]
    assert "role or policy" in result["msg"], result["msg"]
    assert result["connector_id"] is None and result["channel_id"] is None
    assert result["phone_number"] == WS1_VOICE[0] and result[
        "phone_number_id"
    ] == number_id(WS1_VOICE[0])


def test_the_batch_module_reports_each_refusal_on_its_entry_and_carries_out_the_others(
    refused,
):
    result = refused["batch"]
    assert result["failed"] is True and result["changed"] is True, result
    assert result["msg"].startswith("2 of 3 numbers failed: "), result["msg"]
    assert result["summary"] == dict(
        created=1, deleted=0, replaced=0, unchanged=0, failed=2, not_carried_out=0
    ), result["summary"]
    rows = dict((r["phone_number"], r) for r in result["results"])
    refusals = dict(
        (r["request_id"], r) for r in refused["creates"] if r["status"] == 403
    )
    for e164 in WS1_VOICE[1:3]:
        row = rows[e164]
        assert (
            row["failed"],
            row["changed"],
            row["action"],
            row["origin"],
        ) == (True, False, "create", "listed"), row
        assert (
            row["status"],
            row["api_code"],
            row["api_message"],
            row["api_details"],
        ) == (403, REFUSAL["code"], REFUSAL["message"], REFUSAL["details"]), row
        assert row["request_id"] in refusals and row["request_id"] in row["msg"], (
            row,
            sorted(refusals),
        )
        assert (
            "HTTP 403" in row["msg"]
            and row["connector_id"] is None
            and row["channel_id"] is None
        ), row
    # One request id per refused create: each entry names its own.
    assert len(set(rows[e]["request_id"] for e in WS1_VOICE[1:3])) == 2
    created = rows[WS2_VOICE[0]]
    assert (
        created["failed"],
        created["changed"],
        created["action"],
        created["origin"],
        created["msg"],
    ) == (False, True, "create", "listed", "created"), created
    assert "status" not in created and "request_id" not in created, created
    assert created["channel_id"] == channel_of(
        refused["state"], WS2, number_id(WS2_VOICE[0])
    )
    # The task's own status and request id are the first failure's.
    assert (
        result["status"] == 403
        and result["request_id"] == rows[WS1_VOICE[1]]["request_id"]
    ), result


def test_refusals_write_nothing_in_that_workspace_and_the_key_never_shows(refused):
    stats = refused["stats"]
    assert stats["writes_applied"] == 1 and len(refused["creates"]) == 4, stats
    assert [r["status"] for r in refused["creates"]].count(403) == 3
    assert find_leaks(refused["key"], refused["run"].texts) == []
