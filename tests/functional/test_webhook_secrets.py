# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Webhook signing keys never show, whatever happens.

Real ``ansible`` and ``ansible-playbook`` processes at ``-vvvv`` (without ANSIBLE_DEBUG, which
``ansible_env`` leaves out as it leaves out every ANSIBLE_ variable of the caller) run
bird_webhook_subscription and its _info module against a simulator that returns signing keys in its
answers, as Bird's examples do, and one that does not. The signing keys (an old one and a new one)
and the access key are random canaries; every output (stdout and stderr, --diff, check mode,
failures, registered results printed and saved to a file) is searched for them and for any
10-character piece of them, also when Bird echoes the key in an error's message and details, or in a
text body cut at its 500th character.
"""

from __future__ import annotations

import json

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ansible_env,
    is_clear_failure,
    parallel,
    run_adhoc,
    run_playbook,
    write_playbook,
)
from ansible_collections.bird.engagements.tests.support.leaks import (
    canary_key,
    find_leaks,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    WS1,
    seed_with_key,
)

MODULE = "bird.engagements.bird_webhook_subscription"
INFO = "bird.engagements.bird_webhook_subscription_info"
URL = "https://eda.example.com/bird"


def hook_args(sim, signing_key=None, **extra):
    value = dict(
        organization_id=sim.organization_id,
        workspace_id=WS1,
        service="channels",
        event="channel.updated",
        url=URL,
        event_filters=[dict(key="platformId", value="voice-messagebird")],
        timeout=5,
        retries=1,
    )
    if signing_key is not None:
        value["signing_key"] = signing_key
    value.update(extra)
    return value


def assert_no_leak(run, *keys):
    for key in keys:
        leaks = find_leaks(key, run.texts)
        assert leaks == [], leaks


def env_of(sim, access_key):
    env = ansible_env(sim, access_key=access_key)
    assert not any(name.startswith("ANSIBLE_DEBUG") for name in env)
    return env


def subscriptions(sim):
    return sim.state()["workspaces"][WS1]["subscriptions"]


def test_the_signing_key_never_shows_at_vvvv_whether_bird_returns_it_or_not(
    simulator,
):
    access, old, new = canary_key(), canary_key(), canary_key()

    def scenario(echo):
        """Create, rotate (check mode, then as update_signing_key asks), list, remove: at -vvvv with --diff."""
        sim = simulator(seed=seed_with_key(access), echo_signing_key=echo)
        env = env_of(sim, access)
        rotate = dict(update_signing_key="on_create" if echo else "always")
        steps = [
            (MODULE, hook_args(sim, old), dict(diff=True)),
            (MODULE, hook_args(sim, old), dict(diff=True)),
            (MODULE, hook_args(sim, new, **rotate), dict(diff=True, check=True)),
            (MODULE, hook_args(sim, new, **rotate), dict(diff=True)),
            (INFO, dict(organization_id=sim.organization_id, workspace_id=WS1), {}),
            (MODULE, hook_args(sim, state="absent"), dict(diff=True)),
        ]
        runs = []
        for module, arguments, options in steps:
            runs.append(
                run_adhoc(
                    arguments, env, module=module, oneline=False, verbosity=4, **options
                )
            )
            if module == MODULE and runs[-1].rc == 0 and len(runs) == 4:
                held = subscriptions(sim)
                # The rotation really happened (compared here, never printed).
                assert len(held) == 1 and held[0]["signingKey"] == new
        return sim, runs

    for echo, (sim, runs) in zip((True, False), parallel(scenario, [True, False])):
        for run in runs:
            assert run.rc == 0 and run.result, run
            assert_no_leak(run, old, new, access)
        changed = [run.result["changed"] for run in runs]
        assert changed == [True, False, True, True, False, True], (echo, changed)
        # The diffs were shown, with what is known of the key and never the key.
        assert "--- before\n+++ after" in runs[0].stdout
        assert '+    "signing_key": "set"' in runs[0].stdout
        assert '+    "signing_key": "updated"' in runs[3].stdout
        assert runs[4].result["subscriptions"][0]["has_signing_key"] is (
            True if echo else None
        )
        assert subscriptions(sim) == []


def test_bird_echoing_the_key_in_its_errors_reaches_the_user_masked(simulator):
    access, key = canary_key(), canary_key()
    refusal = {
        "code": "InvalidPayload",
        "message": "signingKey %s is not accepted" % key,
        "details": {"signingKey": [key], json.dumps({"signingKey": key}): ["echo"]},
    }
    jobs = [
        # A JSON error naming the key in its message, its details and a details key, with the headers echoed.
        {
            "method": "POST",
            "path": "/webhook-subscriptions$",
            "kind": "status",
            "status": 422,
            "body": refusal,
            "echo_headers": True,
        },
        # A text body (a gateway's page) that echoes the key across the 500-character cut.
        {
            "method": "POST",
            "path": "/webhook-subscriptions$",
            "kind": "status",
            "status": 400,
            "body": "x" * 470 + " echo: signingKey=" + key,
        },
    ]
    sims = [
        simulator(seed=seed_with_key(access), faults=[fault], echo_signing_key=True)
        for fault in jobs
    ]
    runs = parallel(
        lambda sim: run_adhoc(
            hook_args(sim, key),
            env_of(sim, access),
            module=MODULE,
            oneline=False,
            verbosity=4,
            diff=True,
        ),
        sims,
    )
    for sim, run in zip(sims, runs):
        assert run.rc != 0 and run.result and is_clear_failure(run), run
        assert_no_leak(run, key, access)
        assert sim.stats()["faults_fired"]["status"] == 1
        assert subscriptions(sim) == []
    assert "HTTP 422 InvalidPayload: signingKey ******** is not accepted" in (
        runs[0].result["msg"]
    )
    assert "'Authorization': ['AccessKey ********']" in runs[0].result["msg"]
    assert "echo: signingKey=" in runs[1].result["msg"]


def test_registered_printed_and_saved_results_hold_no_key(tmp_path, simulator):
    """The key from an extra-vars file, in a playbook at -vvvv --diff: results registered, printed, saved."""
    access, key = canary_key(), canary_key()
    sim = simulator(seed=seed_with_key(access), echo_signing_key=True)
    out = str(tmp_path / "registered.json")
    args = hook_args(sim, "{{ webhook_key }}")
    tasks = [
        {"name": "Create", MODULE: args, "register": "created"},
        {"name": "Again", MODULE: args, "register": "again"},
        {
            "name": "Refused",
            MODULE: dict(args, url="http://eda.example.com/{{ webhook_key }}"),
            "register": "refused",
            "ignore_errors": True,
        },
        {
            "name": "List",
            INFO: dict(organization_id=sim.organization_id, workspace_id=WS1),
            "register": "listed",
        },
        {
            "name": "Save",
            "ansible.builtin.copy": {
                "content": '{{ {"created": created, "again": again, "refused": refused, "listed": listed} '
                "| to_json }}",
                "dest": out,
                "mode": "0600",
            },
        },
        {"name": "Show", "ansible.builtin.debug": {"var": "created"}},
        {"name": "Show the list", "ansible.builtin.debug": {"var": "listed"}},
    ]
    path = write_playbook(str(tmp_path / "webhook.json"), tasks)
    secrets = tmp_path / "secrets-vars.json"
    secrets.write_text(json.dumps({"webhook_key": key}))
    run = run_playbook(
        path,
        env_of(sim, access),
        out_file=out,
        args=["-vvvv", "--diff", "-e", "@%s" % secrets],
    )
    assert run.rc == 0, run
    saved = run.result
    assert saved["created"]["changed"] and not saved["again"]["changed"]
    assert saved["refused"]["failed"] and "is not a URL Bird accepts" in (
        saved["refused"]["msg"]
    )
    assert saved["listed"]["subscriptions"][0]["has_signing_key"] is True
    assert subscriptions(sim)[0]["signingKey"] == key
    assert_no_leak(run, key, access)
