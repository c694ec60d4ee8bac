# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: rate limits, server errors, lost responses, slow responses, a channel that
never comes, and a simulator restarted mid-run.

Each run must either converge (one connector per number, with its channel id) or
fail with a message that says what happened; retries must never leave a duplicate
or an orphaned connector. Counts come from the simulator (stats, request log and
state).

Most of a fault scenario is waiting (backoff, Retry-After, timeouts, channel
delays), so the scenarios run concurrently, each against its own simulator, in the
module-scoped ``outcomes`` fixture; each test then checks one scenario's outcome.
tests/reliability/run.py repeats these faults at random, many times over.
"""

from __future__ import annotations

import functools
import signal
import subprocess
import time

import pytest

from ansible_collections.bird.engagements.tests.simulator import generated_ids
from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ANSIBLE_PLAYBOOK,
    ROOT,
    Run,
    ansible_env,
    is_clear_failure,
    parallel,
    role_playbook,
    run_adhoc,
    run_playbook,
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
    ExternalSimulator,
    HoldCreateUntilLookup,
    Snapshot,
    channel_of,
    connector_count,
    connectors_by_number,
    duplicates,
    number_id,
    request_gaps_after,
    start_sim,
)

NUMBER = WS1_VOICE[0]
ALL_NUMBERS = [(WS1, n) for n in WS1_VOICE] + [(WS2, n) for n in WS2_VOICE]
ALL_WORKSPACES = [
    dict(workspace_id=WS1, numbers=[dict(phone_number=n) for n in WS1_VOICE]),
    dict(workspace_id=WS2, numbers=[dict(phone_number=n) for n in WS2_VOICE]),
]
CREATE = {"method": "POST", "path": "/connectors$"}
LIST_CONNECTORS = {"method": "GET", "path": "/connectors$"}
SCENARIOS: dict = {}


def scenario(func=None, name=None):
    """Register a scenario ``func(start, tmp) -> dict``; ``start(**config)`` starts a simulator for it."""
    if func is None:
        return functools.partial(scenario, name=name)
    SCENARIOS[name or func.__name__] = func
    return func


class Outcome:
    """A finished scenario: what it returned, and snapshots of its simulators (``sim`` is the first)."""

    def __init__(self, value, sims, error):
        self.value = value or {}
        self.sims = sims
        self.sim = sims[0] if sims else None
        self.error = error

    def __getattr__(self, name):
        if name in ("value", "error"):
            raise AttributeError(name)
        if self.error is not None:
            raise self.error
        try:
            return self.value[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    # Made here, not in the threads: pytest's temporary directory factory is not thread-safe.
    tmps = dict((name, tmp_path_factory.mktemp(name)) for name in SCENARIOS)

    def play(name):
        tmp = tmps[name]
        sims = []

        def start(**config):
            sims.append(start_sim(**config))
            return sims[-1]

        value = error = None
        try:
            value = SCENARIOS[name](start, tmp)
        except Exception as exc:  # pylint: disable=broad-except
            error = exc
        snapshots = [Snapshot(sim) for sim in sims]
        for sim in sims:
            sim.stop()
        return Outcome(value, snapshots, error)

    # The slowest first, so that the pool ends together.
    names = sorted(
        SCENARIOS, key=lambda n: (n != "restart", "rate" not in n, "role" not in n, n)
    )
    return dict(zip(names, parallel(play, names, workers=4)))


def module_args(**extra):
    args = dict(
        workspace_id=WS1, phone_number=NUMBER, timeout=5, retries=5, wait_timeout=20
    )
    args.update(extra)
    return args


def rule(base, **fields):
    value = dict(base)
    value.update(fields)
    return value


def adhoc(sim, **extra):
    return dict(run=run_adhoc(module_args(**extra), ansible_env(sim)))


def role(tmp, sim, check=False, **role_vars):
    out = str(tmp / "result.json")
    path = role_playbook(str(tmp / "role.json"), out, ALL_WORKSPACES, role_vars)
    return dict(
        run=run_playbook(
            path, ansible_env(sim), out_file=out, args=["--check"] if check else []
        )
    )


def assert_converged(sim, numbers, applied=None):
    """Exactly one connector per number, each with a channel, nothing else; ``applied`` creates in all."""
    state = sim.state()
    by_number = connectors_by_number(state)
    assert duplicates(state) == {}, by_number
    assert sorted(by_number) == sorted(
        (ws, number_id(n)) for ws, n in numbers
    ), by_number
    for ws, number in numbers:
        assert channel_of(state, ws, number_id(number)), (number, state)
    stats = sim.stats()
    assert stats["writes_applied"] == (
        len(numbers) if applied is None else applied
    ), stats
    return state


def assert_module_converged(outcome):
    run = outcome.run
    assert run.rc == 0, run
    state = assert_converged(outcome.sim, [(WS1, NUMBER)])
    assert run.result["changed"] is True
    assert run.result["channel_id"] == channel_of(state, WS1, number_id(NUMBER))


def assert_role_converged(outcome):
    run = outcome.run
    assert run.rc == 0, run
    assert_converged(outcome.sim, ALL_NUMBERS)
    assert run.result["summary"] == dict(
        created=7, deleted=0, replaced=0, unchanged=0, failed=0, not_carried_out=0
    ), run.result["summary"]
    assert all(r["channel_id"] for r in run.result["results"])


def posts(sim):
    return sim.stats()["by_route"].get("POST /workspaces/{ws}/connectors", 0)


# -- 429 ---------------------------------------------------------------------------------


@scenario
def rate_limited_half(start, tmp):
    return adhoc(
        start(rate_limit_share=0.5, random_seed=1, channel_delay=0.2), retries=10
    )


def test_429s_on_half_the_requests_are_retried_with_backoff_until_the_create_lands(
    outcomes,
):
    outcome = outcomes["rate_limited_half"]
    assert_module_converged(outcome)
    assert outcome.sim.stats()["faults_fired"]["rate_limited"] >= 2
    # With this seed the create itself is refused with 429 (not processed): it is simply sent again.
    assert [r["status"] for r in outcome.sim.requests() if r["method"] == "POST"][
        :2
    ] == [429, 429]
    # Backed off: the first retry waits 0.25-0.5 s, and each one after that longer.
    assert min(request_gaps_after(outcome.sim, 429)) >= 0.2


@scenario
def rate_limited_retry_after(start, tmp):
    return adhoc(
        start(
            rate_limit_share=0.4,
            random_seed=6,
            retry_after_header=True,
            channel_delay=0.2,
        ),
        retries=10,
    )


def test_429s_with_retry_after_wait_at_least_what_bird_asks(outcomes):
    outcome = outcomes["rate_limited_retry_after"]
    assert_module_converged(outcome)
    assert outcome.sim.stats()["faults_fired"]["rate_limited"] >= 2
    # The simulator sends Retry-After: 1; the next request comes at least that much later.
    assert min(request_gaps_after(outcome.sim, 429)) >= 0.95


@scenario
def rate_limited_role(start, tmp):
    return role(
        tmp,
        start(rate_limit_share=0.3, random_seed=11, channel_delay=0.3),
        voice_channels_retries=10,
        voice_channels_wait_timeout=30,
    )


def test_role_converges_with_429s_on_a_third_of_its_requests(outcomes):
    outcome = outcomes["rate_limited_role"]
    assert_role_converged(outcome)
    assert outcome.sim.stats()["faults_fired"]["rate_limited"] >= 3


# -- 5xx bursts --------------------------------------------------------------------------


def server_error_burst(start, tmp, status):
    sim = start(
        channel_delay=0.2,
        faults=[
            rule(LIST_CONNECTORS, kind="status", status=status, count=2),
            {
                "method": "GET",
                "path": "/numbers$",
                "kind": "status",
                "status": status,
                "count": 1,
            },
            rule(CREATE, kind="status", status=status, count=1),
        ],
    )
    return adhoc(sim)


for _status in (500, 502, 503):
    scenario(
        functools.partial(server_error_burst, status=_status),
        name="server_error_%d" % _status,
    )


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_burst_is_retried_and_the_failed_create_is_looked_up_then_sent_once_more(
    outcomes, status
):
    outcome = outcomes["server_error_%d" % status]
    assert_module_converged(outcome)
    stats = outcome.sim.stats()
    assert stats["faults_fired"]["status"] == 4
    # The create that failed with a 5xx was looked up, found missing, and sent once more.
    assert (
        posts(outcome.sim) == 2
        and stats["by_status"].get("201") == 1
        and "409" not in stats["by_status"]
    )


@scenario
def server_error_role(start, tmp):
    return role(
        tmp,
        start(
            channel_delay=0.2,
            faults=[
                rule(CREATE, kind="status", status=502, count=3),
                rule(LIST_CONNECTORS, kind="status", status=503, count=2),
            ],
        ),
    )


def test_role_converges_through_5xx_bursts_on_creates_and_lists(outcomes):
    outcome = outcomes["server_error_role"]
    assert_role_converged(outcome)
    assert posts(outcome.sim) == 7 + 3 and "409" not in outcome.sim.stats()["by_status"]


# -- lost responses ------------------------------------------------------------------------


@scenario
def create_response_lost(start, tmp):
    return adhoc(
        start(
            channel_delay=0.2, faults=[rule(CREATE, kind="drop_after_apply", count=1)]
        )
    )


def test_a_create_applied_whose_response_is_lost_is_found_not_sent_again(outcomes):
    outcome = outcomes["create_response_lost"]
    assert_module_converged(outcome)
    # Looked up and found: the create was not sent again.
    assert (
        posts(outcome.sim) == 1
        and outcome.sim.stats()["faults_fired"]["drop_after_apply"] == 1
    )


@scenario
def create_dropped(start, tmp):
    return adhoc(start(channel_delay=0.2, faults=[rule(CREATE, kind="drop", count=1)]))


def test_create_dropped_before_apply_is_sent_again(outcomes):
    outcome = outcomes["create_dropped"]
    assert_module_converged(outcome)
    assert posts(outcome.sim) == 2 and "409" not in outcome.sim.stats()["by_status"]


@scenario
def role_responses_lost(start, tmp):
    return role(
        tmp,
        start(
            channel_delay=0.2,
            faults=[
                rule(CREATE, kind="drop_after_apply", count=3),
                {"method": "GET", "kind": "drop", "count": 2, "skip": 2},
            ],
        ),
    )


def test_role_finds_its_creates_whose_responses_were_lost_and_sends_none_twice(
    outcomes,
):
    outcome = outcomes["role_responses_lost"]
    assert_role_converged(outcome)
    stats = outcome.sim.stats()
    assert (
        stats["faults_fired"]["drop_after_apply"] == 3
        and stats["faults_fired"]["drop"] == 2
    )
    assert posts(outcome.sim) == 7 and "409" not in stats["by_status"]


@scenario
def delete_response_lost(start, tmp):
    sim = start(faults=[{"method": "DELETE", "kind": "drop_after_apply", "count": 1}])
    connector = sim.insert_connector(WS1, number_id(NUMBER))
    return dict(adhoc(sim, state="absent"), connector=connector)


def test_a_delete_applied_whose_response_is_lost_reports_changed(outcomes):
    outcome = outcomes["delete_response_lost"]
    run = outcome.run
    assert run.rc == 0, run
    assert (
        run.result["changed"] is True
        and run.result["connector_id"] == outcome.connector["id"]
    )
    assert connectors_by_number(outcome.sim.state()) == {}
    assert outcome.sim.stats()["faults_fired"]["drop_after_apply"] == 1


# -- slow responses (longer than the module's timeout of 1 s) --------------------------------


def settle(sim, result, timeout=10.0):
    """Wait until the delayed requests that the client gave up on have ended in the simulator
    (a request is logged when it ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logged = sum(1 for r in sim.requests(limit=1000) if r["fault"] == "delay")
        if logged >= sim.stats()["faults_fired"]["delay"]:
            break
        time.sleep(0.05)
    return result


@scenario
def slow_read(start, tmp):
    sim = start(
        channel_delay=0.2,
        faults=[rule(LIST_CONNECTORS, kind="delay", delay=2.0, count=1)],
    )
    return settle(sim, adhoc(sim, timeout=1))


def test_a_read_slower_than_the_timeout_is_retried(outcomes):
    outcome = outcomes["slow_read"]
    assert_module_converged(outcome)
    assert outcome.sim.stats()["faults_fired"]["delay"] == 1
    lists = [
        r["fault"]
        for r in outcome.sim.requests()
        if r["route"] == "GET /workspaces/{ws}/connectors"
    ]
    assert sorted(lists, key=str) == sorted(
        ["delay", None], key=str
    ), lists  # timed out, then retried


@scenario
def slow_create(start, tmp):
    sim = start(
        channel_delay=0.2, faults=[rule(CREATE, kind="delay", delay=2.5, count=1)]
    )
    return settle(sim, adhoc(sim, timeout=1))


def test_a_create_slower_than_the_timeout_is_looked_up_and_never_duplicated(outcomes):
    outcome = outcomes["slow_create"]
    assert_module_converged(outcome)
    assert outcome.sim.stats()["faults_fired"]["delay"] == 1
    # The slow create was looked for until it was listed, and never sent a second time.
    creates = [
        (r["status"], r["fault"])
        for r in outcome.sim.requests()
        if r["method"] == "POST"
    ]
    assert creates == [(201, "delay")], creates


@scenario
def create_applied_after_lookup(start, tmp):
    sim = start(channel_delay=0.2)
    hold = HoldCreateUntilLookup(sim)
    return dict(adhoc(sim, timeout=1), hold=hold)


def test_create_applied_after_the_lookup_still_reports_changed(outcomes):
    """The slow create lands after the client's first lookup found nothing.

    The client keeps looking before it would send the create again, and finds it: the connector
    found is the one this run created, so the run must report changed (a handler or a
    ``when: r.changed`` depends on it), and no second create is sent.
    """
    outcome = outcomes["create_applied_after_lookup"]
    assert outcome.hold.held == 1 and outcome.hold.lookup_seen.is_set()
    assert outcome.run.rc == 0, outcome.run
    assert_converged(outcome.sim, [(WS1, NUMBER)])
    assert outcome.sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 1
    assert (
        outcome.run.result["changed"] is True
    ), "this run created the connector but reports changed=false"


# -- channels ----------------------------------------------------------------------------------


@scenario
def channel_never(start, tmp):
    return adhoc(start(channel_delay=-1), wait_timeout=2)


def test_channel_never_assigned_fails_naming_the_connector(outcomes):
    outcome = outcomes["channel_never"]
    run = outcome.run
    assert run.rc != 0, run
    connector_id = connectors_by_number(outcome.sim.state())[(WS1, number_id(NUMBER))][
        0
    ]
    assert (
        connector_id in run.result["msg"] and "wait_timeout" in run.result["msg"]
    ), run.result["msg"]
    assert run.result["changed"] is True and run.result["connector_id"] == connector_id
    assert is_clear_failure(run)
    assert outcome.sim.stats()["writes"] == 1


@scenario
def wait_reads_fail(start, tmp):
    sim = start(
        channel_delay=30,
        faults=[
            {
                "method": "GET",
                "path": "/channels$",
                "kind": "status",
                "status": 503,
            }
        ],
    )
    return adhoc(sim, retries=1, wait_timeout=30)


def test_failing_reads_while_waiting_are_reported_as_such(outcomes):
    """Reads of the channels list fail (HTTP 503) long before wait_timeout: the message must say so."""
    outcome = outcomes["wait_reads_fail"]
    run = outcome.run
    assert run.rc != 0 and run.seconds < 25, run
    msg = run.result["msg"]
    assert connectors_by_number(outcome.sim.state())[(WS1, number_id(NUMBER))][0] in msg
    assert "503" in msg, (
        "the failure blames wait_timeout instead of the HTTP 503 that stopped the wait: %s"
        % msg
    )
    assert is_clear_failure(run)


# -- check mode under faults ---------------------------------------------------------------------


@scenario
def check_mode_role(start, tmp):
    sim = start(
        rate_limit_share=0.3,
        random_seed=5,
        faults=[
            rule(LIST_CONNECTORS, kind="status", status=503, count=1),
            {
                "method": "GET",
                "path": "/numbers$",
                "kind": "delay",
                "delay": 1.5,
                "count": 1,
            },
        ],
    )
    return role(
        tmp, sim, check=True, voice_channels_retries=8, voice_channels_timeout=1
    )


def test_check_mode_under_faults_sends_no_write(outcomes):
    outcome = outcomes["check_mode_role"]
    run = outcome.run
    assert run.rc == 0, run
    assert run.result["changed"] is True and run.result["summary"]["created"] == 7
    stats = outcome.sim.stats()
    assert stats["writes"] == 0 and stats["total"] > 0
    assert stats["faults_fired"]["status"] == 1 and stats["faults_fired"]["delay"] == 1


# -- restart --------------------------------------------------------------------------------------


@scenario
def restart(start, tmp):
    """Kill the API (SIGTERM) while the role creates 24 connectors, and start it again on the same
    port from its state file; then run the role once more."""
    count = 24
    key = canary_key()
    generated = generated_ids(1, count)
    seed = {
        "access_keys": [{"key": key, "workspaces": "*", "write": True}],
        "workspaces": generated,
    }
    ext = ExternalSimulator(
        str(tmp), seed, config={"latency": 0.1, "channel_delay": 0.5}
    )
    ext.start()
    workspaces = [
        dict(
            workspace_id=generated[0]["id"],
            numbers=[dict(phone_number=n["number"]) for n in generated[0]["numbers"]],
        )
    ]
    out = str(tmp / "first.json")
    path = role_playbook(
        str(tmp / "role.json"),
        out,
        workspaces,
        dict(
            voice_channels_retries=8,
            voice_channels_timeout=5,
            voice_channels_concurrency=4,
            voice_channels_wait_timeout=60,
        ),
    )
    env = ansible_env(ext, access_key=key)
    try:
        # pylint: disable-next=consider-using-with  # waited for below
        proc = subprocess.Popen(
            [ANSIBLE_PLAYBOOK, path],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 90
        at_restart = 0
        while time.monotonic() < deadline and proc.poll() is None:
            at_restart = connector_count(ext.state())
            if at_restart >= 4:
                break
            time.sleep(0.03)
        running = proc.poll() is None
        ext.stop(signal.SIGTERM)
        time.sleep(0.5)
        ext.start()
        stdout, stderr = proc.communicate(timeout=120)
        first = Run(
            subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
            out_file=out,
        )
        after_first = ext.state()
        out2 = str(tmp / "second.json")
        second = run_playbook(
            role_playbook(str(tmp / "again.json"), out2, workspaces), env, out_file=out2
        )
        return dict(
            first=first,
            second=second,
            running=running,
            at_restart=at_restart,
            count=count,
            key=key,
            after_first=after_first,
            final=ext.state(),
            starts=ext.starts,
        )
    finally:
        ext.stop()


def test_an_api_restarted_mid_run_leaves_no_duplicate_and_a_rerun_converges(outcomes):
    """The run converges or fails clearly; a second run converges; no duplicates at any point."""
    outcome = outcomes["restart"]
    assert (
        outcome.running and 4 <= outcome.at_restart < outcome.count
    ), "the restart must happen mid-run"
    assert outcome.starts == 2
    first, second = outcome.first, outcome.second
    assert first.rc == 0 or is_clear_failure(first), first
    assert duplicates(outcome.after_first) == {}
    assert second.rc == 0, second
    assert (
        duplicates(outcome.final) == {}
        and connector_count(outcome.final) == outcome.count
    )
    assert len(second.result["results"]) == outcome.count and all(
        r["channel_id"] for r in second.result["results"]
    )
    for run in (first, second):
        assert find_leaks(outcome.key, run.texts) == []
