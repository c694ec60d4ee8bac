# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: the access key never shows, whatever happens.

A random, distinctive key (``bk-canary-<32 hex>``) is the simulator's only key. Every
output of every run (stdout and stderr at -vvvv, --diff, failure results, registered
variables saved to a file with ansible.builtin.copy) is searched for the key and for
any 10-character piece of it, including when the API echoes the request headers,
``Authorization`` included, in its error body (fault ``echo_headers``).
"""

from __future__ import annotations

import json

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    MODULE,
    ROLE,
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
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    seed_with_key,
)

ECHO_ON_LIST = {
    "method": "GET",
    "path": "/connectors$",
    "kind": "status",
    "status": 400,
    "echo_headers": True,
}


def args(number=WS1_VOICE[0], **extra):
    value = dict(
        workspace_id=WS1, phone_number=number, timeout=5, retries=1, wait_timeout=10
    )
    value.update(extra)
    return value


def keyed_sim(simulator, key, **config):
    return simulator(seed=seed_with_key(key), **config)


def assert_no_leak(key, run):
    leaks = find_leaks(key, run.texts)
    assert leaks == [], leaks


def test_the_leak_search_finds_pieces_of_the_key():
    key = canary_key()
    assert find_leaks(key, {"a": "x AccessKey %s y" % key})
    assert find_leaks(key, {"a": "truncated: AccessKey %s" % key[:20]})
    assert find_leaks(key, {"a": "AccessKey ********", "b": "bk-canary-"}) == []


def test_the_key_never_shows_at_vvvv_with_diff_and_in_check_mode(simulator):
    key = canary_key()
    sim = keyed_sim(simulator, key, channel_delay=0.2)
    env = ansible_env(sim, access_key=key)
    runs = parallel(
        lambda job: run_adhoc(job[0], env, oneline=False, verbosity=4, **job[1]),
        [
            (args(), dict(diff=True)),  # key from BIRD_ACCESS_KEY
            (
                args(WS1_VOICE[1], access_key=key),
                dict(diff=True, check=True),
            ),  # key as a module option
            (args(WS1_VOICE[2], access_key=key), {}),
        ],
    )
    for run in runs:
        assert run.rc == 0 and run.result, run
        assert_no_leak(key, run)
    for run in runs[:2]:  # the diff really was shown
        assert (
            "--- before\n+++ after" in run.stdout
            and '+    "state": "present"' in run.stdout
        ), run
    assert (
        sim.stats()["by_status"].get("201") == 2
    )  # the key was used, and check mode wrote nothing


def test_an_api_echoing_the_authorization_header_reaches_the_user_masked(simulator):
    key = canary_key()
    listing = keyed_sim(simulator, key, faults=[ECHO_ON_LIST])
    creating = keyed_sim(
        simulator,
        key,
        faults=[
            {"method": "POST", "kind": "status", "status": 422, "echo_headers": True}
        ],
    )
    failing = keyed_sim(
        simulator,
        key,
        faults=[
            {"method": "GET", "kind": "status", "status": 503, "echo_headers": True}
        ],
    )
    jobs = [(listing, args()), (creating, args()), (failing, args(retries=2))]
    runs = parallel(
        lambda job: run_adhoc(
            job[1], ansible_env(job[0], access_key=key), oneline=False, verbosity=4
        ),
        jobs,
    )
    for (sim, dummy), run in zip(jobs, runs):
        assert run.rc != 0 and run.result, run
        assert_no_leak(key, run)
        # The API did echo the header, and what reached the user is masked.
        assert sim.stats()["faults_fired"]["status"] >= 1
        assert (
            "'Authorization': ['AccessKey ********']" in run.result["msg"]
        ), run.result
        assert is_clear_failure(run)
    assert "HTTP 422" in runs[1].result["msg"] and "HTTP 503" in runs[2].result["msg"]


def test_a_key_echoed_across_the_message_limit_is_masked_before_the_cut(simulator):
    """A non-JSON error body (a proxy's or a gateway's page) that echoes the key near its 500th character."""
    key = canary_key()
    # The body is a JSON string, so the client keeps its first 500 characters as text; the key starts at
    # character 474, so its first 26 characters (16 of them random) are inside the limit.
    body = "x" * 456 + " echo: AccessKey " + key
    sim = keyed_sim(
        simulator,
        key,
        faults=[
            {
                "method": "GET",
                "path": "/connectors$",
                "kind": "status",
                "status": 400,
                "body": body,
            }
        ],
    )
    run = run_adhoc(
        args(), ansible_env(sim, access_key=key), oneline=False, verbosity=4
    )
    assert run.rc != 0 and "echo: AccessKey" in run.stdout, run
    assert_no_leak(key, run)


def test_a_wrong_key_fails_with_401_and_is_not_shown(simulator):
    good, wrong = canary_key(), canary_key()
    sim = keyed_sim(simulator, good)
    run = run_adhoc(
        args(), ansible_env(sim, access_key=wrong), oneline=False, verbosity=4
    )
    assert run.rc != 0 and "HTTP 401" in run.result["msg"], run
    assert_no_leak(wrong, run)
    assert sim.stats()["by_status"] == {"401": 1}


def test_registered_saved_and_printed_results_of_module_and_role_hold_no_key(
    tmp_path, simulator
):
    """Module and role, succeeding and failing (with the key echoed), registered, saved and printed at -vvvv."""
    key = canary_key()
    ok = keyed_sim(simulator, key, channel_delay=0.2)
    echo = keyed_sim(simulator, key, faults=[ECHO_ON_LIST])
    out = str(tmp_path / "registered.json")
    module_ok = dict(args(), api_url=ok.url)
    module_echo = dict(args(), api_url=echo.url)
    role_vars = dict(
        voice_channels_access_key="{{ secret_key }}",
        voice_channels_timeout=5,
        voice_channels_retries=1,
        voice_channels_wait_timeout=10,
        voice_channels_workspaces=[
            dict(workspace_id=WS2, numbers=[dict(phone_number=n) for n in WS2_VOICE])
        ],
    )
    tasks = [
        {"name": "Module ok", MODULE: module_ok, "register": "module_ok"},
        {
            "name": "Module echo",
            MODULE: module_echo,
            "register": "module_echo",
            "ignore_errors": True,
        },
        {
            "name": "Role ok",
            "ansible.builtin.include_role": {"name": ROLE},
            "vars": dict(role_vars, voice_channels_api_url=ok.url),
        },
        {
            "name": "Keep role ok",
            "ansible.builtin.set_fact": {"role_ok": "{{ voice_channels_result }}"},
        },
        {
            "name": "Role echo",
            "block": [
                {
                    "name": "Role",
                    "ansible.builtin.include_role": {"name": ROLE},
                    "vars": dict(role_vars, voice_channels_api_url=echo.url),
                }
            ],
            "rescue": [
                {
                    "name": "Keep",
                    "ansible.builtin.set_fact": {
                        "role_echo": "{{ ansible_failed_result }}"
                    },
                }
            ],
        },
        {
            "name": "Save",
            "ansible.builtin.copy": {
                "content": '{{ {"module_ok": module_ok, "module_echo": module_echo, "role_ok": role_ok, '
                '"role_echo": role_echo} | to_json }}',
                "dest": out,
                "mode": "0600",
            },
        },
        {"name": "Show", "ansible.builtin.debug": {"var": "module_echo"}},
    ]
    path = write_playbook(str(tmp_path / "secrets.json"), tasks)
    secrets = tmp_path / "secrets-vars.json"
    secrets.write_text(json.dumps({"secret_key": key}))
    run = run_playbook(
        path,
        ansible_env(None, access_key=key),
        out_file=out,
        args=["-vvvv", "--diff", "-e", "@%s" % secrets],
    )
    assert run.rc == 0, run
    saved = run.result
    assert saved["module_ok"]["changed"] and saved["module_ok"]["channel_id"]
    assert (
        saved["module_echo"]["failed"]
        and "AccessKey ********" in saved["module_echo"]["msg"]
    )
    assert saved["role_ok"]["summary"]["created"] == 3
    assert saved["role_echo"]["failed"]
    assert (
        ok.stats()["writes_applied"] == 4
        and echo.stats()["faults_fired"]["status"] == 2
    )
    assert_no_leak(key, run)
