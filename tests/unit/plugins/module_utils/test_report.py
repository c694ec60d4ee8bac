# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One report, mapped the same way for every module: rows, summary, diff, Bird's words on failure."""

from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    WS1,
    simulator,
    writes,
)
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.service_helpers import (
    batch,
    execute,
    one,
)


def test_the_single_result_is_the_batch_with_one_entry():
    sim = simulator()
    report = execute(sim, one(WS1, [{"phone_number": "+31201230101"}]))
    failed, msg, single = report.result(single=True)
    assert not failed and msg is None
    (row,) = report.result(single=False)[2]["results"]
    assert single["changed"] is row["changed"] is True
    for field in ("channel_id", "connector_id", "phone_number_id", "phone_number"):
        assert single[field] == row[field]
    assert single["connector"]["id"] == row["connector_id"]


def test_the_diff_shows_the_managed_fields_the_same_in_check_mode_and_for_real():
    sim = simulator()
    sim.insert_connector(WS1, N102, name="Old")
    req = one(
        WS1,
        [
            {"phone_number": "+31201230101"},
            {"phone_number_id": N102, "state": "absent"},
        ],
        check_mode=True,
    )
    predicted = execute(sim, req).result(single=False)[2]["diff"]
    applied = execute(sim, req._replace(check_mode=False)).result(single=False)[2][
        "diff"
    ]
    assert predicted == applied
    assert applied["before"][WS1] == {
        "+31201230101": {"state": "absent"},
        "+31201230102": {
            "state": "present",
            "name": "Old",
            "connector_template_ref": "voice-messagebird:1",
        },
    }
    assert applied["after"][WS1] == {
        "+31201230101": {
            "state": "present",
            "name": "Voice +31201230101",
            "connector_template_ref": "voice-messagebird:1",
        },
        "+31201230102": {"state": "absent"},
    }


def test_the_single_diff_has_the_connectors_managed_fields():
    sim = simulator()
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], check_mode=True))
    diff = report.result(single=True)[2]["diff"]
    assert diff["before"] == dict(
        state="absent",
        workspace_id=WS1,
        phone_number_id=N101,
        phone_number="+31201230101",
    )
    assert diff["after"] == dict(
        diff["before"],
        state="present",
        name="Voice +31201230101",
        connector_template_ref="voice-messagebird:1",
    )


def test_a_failure_carries_birds_status_code_and_request_id_at_the_top_and_per_row():
    sim = simulator()
    sim.add_faults(
        {
            "method": "POST",
            "path": "/connectors$",
            "kind": "status",
            "status": 403,
            "body": {"code": "Forbidden", "message": "no"},
        }
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    failed, msg, single = report.result(single=True)
    assert failed and "HTTP 403 Forbidden: no" in msg
    assert (single["status"], single["api_code"], single["api_message"]) == (
        403,
        "Forbidden",
        "no",
    )
    assert single["request_id"] and "errors" not in single
    (row,) = report.result(single=False)[2]["results"]
    assert (
        row["failed"]
        and row["status"] == 403
        and row["request_id"] == single["request_id"]
    )


def test_summaries_count_per_run_and_per_workspace():
    sim = simulator()
    sim.insert_connector(WS1, N102)
    report = execute(
        sim,
        batch(
            [
                {
                    "workspace_id": WS1,
                    "numbers": [
                        {"phone_number_id": N101},
                        {"phone_number_id": N102},
                        {"phone_number": "+31201230103", "state": "absent"},
                    ],
                }
            ]
        ),
    )
    assert report.summary() == dict(
        created=1, deleted=0, replaced=0, unchanged=2, failed=0, not_carried_out=0
    )
    (line,) = report.workspaces()
    assert line["text"] == "%s: 1 created, 0 deleted, 2 unchanged, 0 failed" % WS1


def test_the_workspace_line_says_would_in_check_mode():
    sim = simulator()
    sim.insert_connector(WS1, N102)
    numbers = [{"phone_number_id": N101}, {"phone_number_id": N102, "state": "absent"}]
    report = execute(
        sim, batch([{"workspace_id": WS1, "numbers": numbers}], check_mode=True)
    )
    (line,) = report.workspaces()
    assert (line["created"], line["deleted"]) == (1, 1)
    assert line["text"] == (
        "%s: would create 1, would delete 1, 0 unchanged, 0 failed (check mode)" % WS1
    )
    assert writes(sim) == 0


def test_rows_follow_the_input_order_and_a_number_listed_twice_shares_one_outcome():
    sim = simulator()
    report = execute(
        sim,
        batch(
            [
                {
                    "workspace_id": WS1,
                    "numbers": [
                        {"phone_number": "+31201230102"},
                        {"phone_number": "+31201230101"},
                    ],
                },
                {
                    "workspace_id": WS1,
                    "numbers": [{"phone_number": "+31201230101"}],
                },
            ]
        ),
    )
    rows = report.rows()
    assert [r["phone_number"] for r in rows] == [
        "+31201230102",
        "+31201230101",
        "+31201230101",
    ]
    assert rows[1]["connector_id"] == rows[2]["connector_id"]
    assert sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 2


def test_the_batch_diff_holds_only_the_numbers_that_change():
    sim = simulator()
    sim.insert_connector(WS1, N102)
    report = execute(
        sim, one(WS1, [{"phone_number_id": N101}, {"phone_number_id": N102}])
    )
    diff = report.result(single=False)[2]["diff"]
    assert list(diff["after"][WS1]) == ["+31201230101"]
    again = execute(
        sim, one(WS1, [{"phone_number_id": N101}, {"phone_number_id": N102}])
    )
    assert again.result(single=False)[2]["diff"] == {"before": {}, "after": {}}
