# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_voice_connectors: per-entry outcomes, exclusive, every voice number, summaries."""

from ansible_collections.bird.engagements.plugins.modules import bird_voice_connectors
from ansible_collections.bird.engagements.tests.support.in_process import run_module
from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    N103,
    WS1,
    WS2,
    connectors_of,
    writes,
)

# Bird refuses the first create with 403.
FIRST_CREATE_FORBIDDEN = {
    "method": "POST",
    "path": "/connectors$",
    "kind": "status",
    "status": 403,
    "count": 1,
    "body": {"code": "Forbidden", "message": "no"},
}


def run(args, **kwargs):
    return run_module(bird_voice_connectors.main, args, **kwargs)


def test_each_entry_reports_its_outcome_and_one_failure_fails_the_task_naming_it(
    module_env,
):
    sim = module_env()
    sim.add_faults(FIRST_CREATE_FORBIDDEN)
    result = run(
        dict(
            concurrency=1,
            workspaces=[
                {
                    "workspace_id": WS1,
                    "numbers": [{"phone_number_id": N101}, {"phone_number_id": N102}],
                },
                {"workspace_id": WS2, "numbers": [{"phone_number": "+31201230201"}]},
            ],
        )
    )
    assert result["failed"] and result["changed"]
    assert result["msg"].startswith("1 of 3 numbers failed: workspaces[0].numbers[0]: ")
    rows = result["results"]
    assert [r["failed"] for r in rows] == [True, False, False]
    assert (
        rows[0]["status"] == 403
        and rows[0]["api_code"] == "Forbidden"
        and rows[0]["request_id"]
    )
    assert [r["msg"] for r in rows[1:]] == ["created", "created"] and all(
        r["channel_id"] for r in rows[1:]
    )
    assert result["summary"] == dict(
        created=2, deleted=0, replaced=0, unchanged=0, failed=1, not_carried_out=0
    )


def test_exclusive_in_check_mode_predicts_each_deletion_and_the_diff_shows_it(
    module_env,
):
    sim = module_env()
    kept = sim.insert_connector(WS1, N101)
    stray = sim.insert_connector(WS1, N102)
    args = dict(
        workspaces=[
            {
                "workspace_id": WS1,
                "exclusive": True,
                "numbers": [{"phone_number_id": N101}],
            }
        ]
    )
    checked = run(args, check=True, diff=True)
    assert writes(sim) == 0 and checked["changed"]
    removed = checked["results"][1]
    assert (
        removed["origin"],
        removed["state"],
        removed["changed"],
        removed["connector_id"],
    ) == ("exclusive", "absent", True, stray["id"])
    assert (
        removed["phone_number_id"] == N102 and removed["phone_number"] == "+31201230102"
    )
    assert checked["diff"]["before"][WS1]["+31201230102"]["state"] == "present"
    assert checked["diff"]["after"][WS1]["+31201230102"] == {"state": "absent"}
    applied = run(args, diff=True)
    assert applied["results"] == [
        dict(r, msg=r["msg"].replace("would be deleted (check mode)", "deleted"))
        for r in checked["results"]
    ]
    assert [c["id"] for c in connectors_of(sim, WS1)] == [kept["id"]]


def test_every_voice_number_and_the_per_workspace_lines(module_env):
    module_env()
    result = run(
        dict(
            workspaces=[
                {
                    "workspace_id": WS1,
                    "all_voice_numbers": True,
                    "numbers": [{"phone_number_id": N103, "state": "absent"}],
                }
            ]
        )
    )
    assert not result.get("failed") and result["summary"]["created"] == 3
    assert result["workspaces"] == [
        dict(
            workspace_id=WS1,
            created=3,
            deleted=0,
            replaced=0,
            unchanged=1,
            failed=0,
            not_carried_out=0,
            text="%s: 3 created, 0 deleted, 1 unchanged, 0 failed" % WS1,
        )
    ]


def test_problems_found_before_any_write_list_every_entry(module_env):
    sim = module_env()
    result = run(
        dict(
            workspaces=[
                {
                    "workspace_id": WS1,
                    "numbers": [
                        {"phone_number": "+31201230199"},
                        {"phone_number": "+31209999999"},
                        {"phone_number_id": "bad"},
                    ],
                }
            ]
        )
    )
    assert result["failed"] and result["msg"].startswith("nothing was changed: ")
    assert (
        len(result["errors"]) == 1
        and "workspaces[0].numbers[2].phone_number_id must be a UUID" in result["msg"]
    )
    result = run(
        dict(
            workspaces=[
                {
                    "workspace_id": WS1,
                    "numbers": [
                        {"phone_number": "+31201230199"},
                        {"phone_number": "+31209999999"},
                    ],
                }
            ]
        )
    )
    assert len(result["errors"]) == 2 and [r["failed"] for r in result["results"]] == [
        True,
        True,
    ]
    assert sim.stats()["writes"] == 0
