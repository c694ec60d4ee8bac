# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Creating without duplicates: each way a create attempt ends (created, duplicate, refused, uncertain)."""

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._create import (
    LATE_LISTING_SECONDS,
    UNCONFIRMED_LOOK_SECONDS,
)
from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    N103,
    WS1,
    Clock,
    connectors_of,
    simulator,
)
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.service_helpers import (
    create,
    execute,
    one,
    planned,
)

POST = {"method": "POST", "path": "/connectors$"}


def test_created_with_the_connector_in_the_answer():
    sim = simulator()
    client, dummy, outcomes = planned(sim, one(WS1, [{"phone_number_id": N101}]))
    create(client, outcomes)
    (outcome,) = outcomes
    assert outcome.changed and outcome.failure is None and outcome.connector["id"]
    assert sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 1


@pytest.mark.parametrize("status", [409, 422])
def test_a_concurrent_install_is_returned_unchanged(status):
    sim = simulator(duplicate_status=status)
    client, dummy, outcomes = planned(sim, one(WS1, [{"phone_number_id": N101}]))
    existing = sim.insert_connector(
        WS1, N101, name="installed by someone else"
    )  # between plan and apply
    create(client, outcomes)
    (outcome,) = outcomes
    assert not outcome.changed and outcome.failure is None
    assert outcome.connector["id"] == existing["id"]
    assert len(connectors_of(sim, WS1, N101)) == 1


@pytest.mark.parametrize(
    "status, body",
    [
        (
            409,
            {"code": "ConnectorAlreadyExists", "message": "connector already exists"},
        ),
        (
            422,
            {
                "code": "Conflict",
                "message": "a voice connector is already installed for this number",
            },
        ),
        # Not worded as a duplicate: looked up briefly all the same.
        (422, {"code": "InvalidPayload", "message": "cannot install this connector"}),
    ],
)
def test_a_duplicate_refusal_is_looked_up_until_bird_lists_the_connector(status, body):
    # Installation is asynchronous: the refusal may come before the other install is listed.
    sim = simulator()
    client, dummy, outcomes = planned(sim, one(WS1, [{"phone_number_id": N101}]))
    sim.add_faults(
        [
            dict(POST, kind="status", status=status, count=1, body=body),
            {
                "method": "GET",
                "path": "/connectors$",
                "kind": "status",
                "status": 200,
                "body": {"results": []},
                "count": 2,
            },
        ]
    )
    existing = sim.insert_connector(WS1, N101)
    create(client, outcomes, wait_timeout=120, clock=Clock())
    (outcome,) = outcomes
    assert outcome.failure is None and outcome.connector["id"] == existing["id"]
    assert not outcome.changed and len(connectors_of(sim, WS1, N101)) == 1


def test_a_409_without_a_listed_connector_fails_within_wait_timeout_and_explains_itself():
    sim = simulator()
    sim.add_faults(dict(POST, kind="status", status=409))
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], wait_timeout=1))
    (outcome,) = report.outcomes
    assert (
        "HTTP 409" in outcome.failure.message
        and "another platform or template" in outcome.failure.message
    )
    assert outcome.failure.api_error.status == 409


@pytest.mark.parametrize(
    "message", ["name too long", "phone number does not exist in this workspace"]
)
def test_a_real_validation_422_fails_with_birds_words_after_a_brief_look(message):
    # Whether Bird's duplicate refusal is a 409 or a 422 is unverified: a 422 is looked up,
    # but one that does not say the connector exists only for a few seconds of wait_timeout.
    sim = simulator()
    sim.add_faults(
        dict(
            POST,
            kind="status",
            status=422,
            count=1,
            body={"code": "InvalidPayload", "message": message},
        )
    )
    clock = Clock()
    report = execute(
        sim, one(WS1, [{"phone_number_id": N101}], wait_timeout=120), clock=clock
    )
    (outcome,) = report.outcomes
    assert "HTTP 422 InvalidPayload: %s" % message in outcome.failure.message
    assert "Bird says the connector exists" not in outcome.failure.message
    assert not outcome.changed and outcome.failure.api_error.status == 422
    assert UNCONFIRMED_LOOK_SECONDS <= clock.now < UNCONFIRMED_LOOK_SECONDS + 5.0
    # The plan's read, then a handful of looks, not two minutes of them.
    assert sim.stats()["by_route"]["GET /workspaces/{ws}/connectors"] <= 8


def test_a_lost_create_response_is_looked_up_not_resent():
    sim = simulator()
    sim.add_faults(dict(POST, kind="drop_after_apply", count=1))
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    (outcome,) = report.outcomes
    assert outcome.changed and outcome.channel_id and outcome.failure is None
    assert sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 1
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_a_create_that_failed_unapplied_is_sent_again_after_looking_long_enough():
    sim = simulator()
    sim.add_faults(dict(POST, kind="status", status=503, count=1))
    clock = Clock()
    report = execute(
        sim, one(WS1, [{"phone_number_id": N101}], wait_timeout=60), clock=clock
    )
    assert report.changed and not report.failed
    assert sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 2
    assert len(connectors_of(sim, WS1, N101)) == 1
    # Sent again only after looking for LATE_LISTING_SECONDS, in case Bird listed it late.
    assert clock.now >= LATE_LISTING_SECONDS


def test_uncertain_creates_are_looked_up_with_one_read_per_workspace_per_round():
    sim = simulator()
    sim.add_faults(dict(POST, kind="status", status=503, count=3))
    numbers = [{"phone_number_id": n} for n in (N101, N102, N103)]
    client, dummy, outcomes = planned(sim, one(WS1, numbers))
    sim.reset_stats()
    create(client, outcomes, wait_timeout=60, clock=Clock())
    routes = sim.stats()["by_route"]
    assert routes["POST /workspaces/{ws}/connectors"] == 6
    # One list read per round for the three (not one per number), until they are sent again.
    looks = routes["GET /workspaces/{ws}/connectors"]
    assert 1 <= looks <= 12 and "GET /workspaces/{ws}/connectors/{id}" not in routes
    assert all(o.changed and o.failure is None for o in outcomes)


def test_an_uncertain_create_out_of_retries_fails_and_reports_a_change():
    sim = simulator()
    sim.add_faults(dict(POST, kind="status", status=503))
    report = execute(
        sim,
        one(WS1, [{"phone_number_id": N101}], wait_timeout=60),
        retries=1,
        clock=Clock(),
    )
    (outcome,) = report.outcomes
    assert "HTTP 503" in outcome.failure.message and outcome.changed
    assert sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 2


def test_a_create_is_retried_after_429():
    sim = simulator()
    sim.add_faults(dict(POST, kind="status", status=429, count=2))
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    assert (
        report.changed and not report.failed and len(connectors_of(sim, WS1, N101)) == 1
    )


def test_a_failed_look_after_an_uncertain_create_reports_a_change_and_says_why():
    sim = simulator()
    sim.add_faults(
        [
            dict(POST, kind="drop_after_apply", count=1),
            {
                "method": "GET",
                "path": "/connectors$",
                "kind": "status",
                "status": 503,
                "skip": 1,
            },
        ]
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]), retries=1)
    (outcome,) = report.outcomes
    assert "could not check whether the create was applied" in outcome.failure.message
    assert "HTTP 503" in outcome.failure.message and outcome.changed
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_a_created_answer_without_a_connector_is_looked_up():
    sim = simulator()
    # Answered 201 {} without being applied: nothing to find within wait_timeout, a clear error.
    sim.add_faults(dict(POST, kind="status", status=201, body={}, count=1))
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], wait_timeout=1))
    failure = report.outcomes[0].failure
    assert "returned no connector id" in failure.message
    # The answer's request id, for Bird's support.
    assert failure.api_error.request_id and (
        "request id: %s" % failure.api_error.request_id in failure.message
    )
    # Applied, but answered without its id: the look finds it.
    sim.clear_faults()
    client, dummy, outcomes = planned(sim, one(WS1, [{"phone_number_id": N102}]))
    sim.add_faults(
        dict(POST, kind="status", status=201, body={"name": "no id"}, count=1)
    )
    existing = sim.insert_connector(WS1, N102)  # stands for what the 201 created
    create(client, outcomes)
    assert outcomes[0].changed and outcomes[0].connector["id"] == existing["id"]


def test_a_second_connector_of_another_version_is_refused_by_bird_and_found():
    # One channel per platform on a number: Bird refuses :1 beside :2 as a duplicate.
    sim = simulator()
    client, dummy, outcomes = planned(sim, one(WS1, [{"phone_number_id": N101}]))
    other = sim.insert_connector(WS1, N101, template="voice-messagebird:2")
    create(client, outcomes)
    assert (
        outcomes[0].failure is None
        and outcomes[0].connector["id"] == other["id"]
        and not outcomes[0].changed
    )
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_a_refused_create_found_beside_a_connector_of_another_version_takes_its_own():
    # Where Bird allows a connector of each version on a number (duplicate_scope: template):
    # someone installs :1 and :2 between plan and apply, and our :1 is refused as a duplicate.
    sim = simulator(duplicate_scope="template")
    client, dummy, outcomes = planned(sim, one(WS1, [{"phone_number_id": N101}]))
    mine = sim.insert_connector(WS1, N101)
    sim.insert_connector(WS1, N101, template="voice-messagebird:2")
    create(client, outcomes)
    (outcome,) = outcomes
    assert outcome.failure is None and not outcome.changed
    assert outcome.connector["id"] == mine["id"]
    assert len(connectors_of(sim, WS1, N101)) == 2
