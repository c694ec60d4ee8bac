# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for channel ids: every pending shape, prompt polls, timeouts, failures named as such."""

import time

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._backoff import (
    CHANNEL_POLL,
)
from ansible_collections.bird.engagements.plugins.module_utils._service import run
from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    WS1,
    WS2,
    Clock,
    client,
    simulator,
)
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.service_helpers import (
    batch,
    execute,
    one,
)


@pytest.mark.parametrize("pending", ["null", "no_id", "absent"])
def test_the_channel_id_is_awaited_whatever_shape_the_pending_channel_has(pending):
    sim = simulator(channel_delay=0.5, pending_channel=pending)
    report = execute(
        sim,
        batch(
            [
                {
                    "workspace_id": WS1,
                    "numbers": [{"phone_number_id": N101}, {"phone_number_id": N102}],
                },
                {"workspace_id": WS2, "numbers": [{"phone_number": "+31201230201"}]},
            ]
        ),
    )
    assert not report.failed and all(o.channel_id for o in report.outcomes)
    channels = {
        c["id"] for ws in sim.state()["workspaces"].values() for c in ws["channels"]
    }
    assert {o.channel_id for o in report.outcomes} <= channels


def test_the_wait_ends_soon_after_bird_assigns_the_channel():
    sim = simulator(channel_delay=1.0)
    started = time.monotonic()
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]), sleep=time.sleep)
    elapsed = time.monotonic() - started
    assert report.outcomes[0].channel_id
    # Polls are 0.1 s apart for the first second: never more than a poll late (plus slack for the machine).
    assert 1.0 <= elapsed < 1.0 + 0.1 + 0.5, elapsed


@pytest.mark.parametrize("read_seconds", [0.0, 0.04, 0.3])
def test_polls_are_spaced_from_start_to_start_however_long_a_read_takes(read_seconds):
    """A read that takes part of the interval shortens the pause after it; one longer than the
    interval is followed by the next at once (two list pages at 100 ms would otherwise make the
    0.1 s polls 0.3 s apart)."""
    sim = simulator(channel_delay=-1)
    clock = Clock()
    pauses = []
    bird = client(sim)
    send = bird.request

    def slow_request(*args, **kwargs):
        response = send(*args, **kwargs)
        clock.now += (
            read_seconds  # every request takes read_seconds on the service's clock
        )
        return response

    def sleep(seconds):
        pauses.append(seconds)
        clock.sleep(seconds)

    bird.request = slow_request
    report = run(
        bird, one(WS1, [{"phone_number_id": N101}], wait_timeout=2), sleep, clock
    )
    failure = report.outcomes[0].failure.message
    assert "Bird listed no channel for it within 2 seconds" in failure
    # The first pause follows the create; each later one is the policy's interval less the poll
    # before it (the channels list: while every listed channel names its connector, a connector
    # with no channel listed is not read on its own), never below zero.
    poll = read_seconds
    expected = [CHANNEL_POLL.delay(1)] + [
        max(0.0, CHANNEL_POLL.delay(n) - poll) for n in range(2, len(pauses) + 1)
    ]
    assert pauses[:-1] == pytest.approx(expected[:-1])
    # The last pause is cut short by the deadline, as every pause may be.
    assert pauses[-1] <= expected[-1] + 1e-9


def _connector_reads(numbers, name_connectors):
    """Run a create of ``numbers`` whose channels (not) name their connector; return the report
    and the GETs of one connector it sent."""
    sim = simulator(channel_delay=0.5)
    bird = client(sim)
    send = bird.request
    reads = []

    def request(method, path, *args, **kwargs):
        response = send(method, path, *args, **kwargs)
        reads.append((method, path))
        if not name_connectors and path.endswith("/channels"):
            for channel in response.body["results"]:
                channel.pop("connectorId")
        return response

    bird.request = request
    report = run(bird, one(WS1, numbers), sleep=time.sleep)
    return report, [p for m, p in reads if m == "GET" and "/connectors/" in p]


def test_channels_that_do_not_name_their_connector_are_found_through_the_connector():
    """Channels document ``connectorId``; were it missing, each connector still waiting is read
    on its own for its channel id. While every listed channel names its connector, none is.
    """
    numbers = [{"phone_number_id": N101}, {"phone_number_id": N102}]
    for name_connectors in (False, True):
        report, connector_reads = _connector_reads(numbers, name_connectors)
        assert not report.failed and all(o.channel_id for o in report.outcomes)
        assert (
            (len(connector_reads) >= 2) if not name_connectors else not connector_reads
        )


@pytest.mark.parametrize("options", [dict(wait=False), dict(wait_timeout=0)])
def test_no_wait_returns_without_a_channel_id_and_without_failing(options):
    sim = simulator(channel_delay=5)
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], **options))
    (outcome,) = report.outcomes
    assert (
        not report.failed
        and outcome.changed
        and outcome.channel_id is None
        and outcome.connector["id"]
    )


def test_a_channel_that_never_comes_times_out_naming_the_connector():
    sim = simulator(channel_delay=-1)
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], wait_timeout=1))
    (outcome,) = report.outcomes
    assert (
        outcome.connector["id"] in outcome.failure.message
        and "wait_timeout" in outcome.failure.message
    )
    assert outcome.changed


def test_a_read_failure_while_waiting_is_reported_as_such():
    sim = simulator(channel_delay=1)
    numbers = [
        {"phone_number_id": N101},
        {"phone_number_id": N102},
        {"phone_number": "+31201230103"},
    ]
    sim.add_faults(
        {
            "method": "GET",
            "path": "/channels",
            "kind": "status",
            "status": 503,
        }
    )
    report = execute(sim, one(WS1, numbers), retries=1)
    assert len(report.failures) == 3
    for outcome in report.outcomes:
        assert "while waiting for the channel of connector" in outcome.failure.message
        assert "HTTP 503" in outcome.failure.message and outcome.changed
        assert outcome.failure.api_error.status == 503


def test_a_connector_deleted_while_waiting_is_named():
    sim = simulator(channel_delay=-1)
    sim.add_faults(
        {"method": "GET", "path": "/connectors/", "kind": "status", "status": 404}
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], wait_timeout=3))
    failure = report.outcomes[0].failure
    assert "disappeared while waiting for its channel" in failure.message
    # Bird's answer, with its request id, for Bird's support.
    assert failure.api_error.status == 404 and failure.api_error.request_id
    assert "request id: %s" % failure.api_error.request_id in failure.message


def test_channels_are_polled_once_even_when_the_creates_used_up_wait_timeout():
    # One create waits out a 429's Retry-After (60 s, a fiftieth of it here) past wait_timeout;
    # the other's channel was assigned meanwhile and is reported, not a timeout.
    sim = simulator(channel_delay=0.3)
    sim.add_faults(
        {
            "method": "POST",
            "path": "/connectors$",
            "kind": "status",
            "status": 429,
            "retry_after": 60,
            "count": 1,
        }
    )
    numbers = [{"phone_number_id": N101}, {"phone_number_id": N102}]
    report = execute(sim, one(WS1, numbers, wait_timeout=1))
    done = [o for o in report.outcomes if o.failure is None]
    assert len(done) == 1 and done[0].channel_id
    (late,) = [o for o in report.outcomes if o.failure is not None]
    assert "listed no channel for it within 1 seconds" in late.failure.message
