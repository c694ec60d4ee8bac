# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``bird.engagements.voice_channel_id`` lookup in a playbook at ``-vvvv``, the key only in the
environment (as AWX injects it): in a task's template, in ``query`` with several terms, in a template
file; a number without a Voice channel and an API that echoes the authorization header fail the
lookup with a message that names the term, and no output holds the key.
"""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ansible_env,
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
    number_id,
    seed_with_key,
    start_sim,
)

LOOKUP = "bird.engagements.voice_channel_id"
TEMPLATE = """calls: POST /workspaces/{{ workspace }}/channels/{{ lookup('%s', '%s') }}/calls
""" % (
    LOOKUP,
    WS1_VOICE[1],
)


def failing(name, expression, variable):
    """A block whose lookup must fail; the rescue keeps the message."""
    return {
        "name": name,
        "block": [
            {"name": "Look up", "ansible.builtin.debug": {"msg": expression}},
            {
                "name": "It did not fail",
                "ansible.builtin.set_fact": {variable: "no error"},
            },
        ],
        "rescue": [
            {
                "name": "Keep the message",
                "ansible.builtin.set_fact": {
                    variable: "{{ ansible_failed_result.msg }}"
                },
            }
        ],
    }


@pytest.fixture(scope="module")
def looked_up(tmp_path_factory, request):
    key = canary_key()
    sim = start_sim(seed=seed_with_key(key))
    echo = start_sim(
        seed=seed_with_key(key),
        faults=[
            {
                "method": "GET",
                "path": "/connectors$",
                "kind": "status",
                "status": 400,
                "echo_headers": True,
            }
        ],
    )
    for one in (sim, echo):
        request.addfinalizer(one.stop)
    connectors = [sim.insert_connector(WS1, number_id(n)) for n in WS1_VOICE[:2]]
    tmp = tmp_path_factory.mktemp("lookup")
    template = tmp / "calls.j2"
    template.write_text(TEMPLATE)
    out, rendered = str(tmp / "saved.json"), str(tmp / "calls.txt")
    path = write_playbook(
        str(tmp / "play.json"),
        [
            {
                "name": "In a task",
                "ansible.builtin.debug": {
                    "msg": "POST /workspaces/{{ lookup('ansible.builtin.env', 'BIRD_WORKSPACE_ID') }}/channels/"
                    "{{ lookup('%s', '%s') }}/calls" % (LOOKUP, WS1_VOICE[0])
                },
            },
            {
                "name": "Several, in order, by E.164 and by id",
                "ansible.builtin.set_fact": {
                    "several": "{{ query('%s', '%s', '%s') }}"
                    % (LOOKUP, WS1_VOICE[1], number_id(WS1_VOICE[0]))
                },
            },
            {
                "name": "In a template file",
                "vars": {"workspace": WS1},
                "ansible.builtin.template": {
                    "src": str(template),
                    "dest": rendered,
                    "mode": "0600",
                },
            },
            failing(
                "A number without a Voice channel",
                "{{ lookup('%s', '%s') }}" % (LOOKUP, WS1_VOICE[2]),
                "missing",
            ),
            failing(
                "An API that echoes the key",
                "{{ lookup('%s', '%s', api_url='%s') }}"
                % (LOOKUP, WS1_VOICE[0], echo.url),
                "echoed",
            ),
            {
                "name": "Save",
                "ansible.builtin.copy": {
                    "content": '{{ {"several": several, "missing": missing, "echoed": echoed} | to_json }}',
                    "dest": out,
                    "mode": "0600",
                },
            },
        ],
        name="lookups",
    )
    env = ansible_env(sim, access_key=key, BIRD_WORKSPACE_ID=WS1)
    run = run_playbook(path, env, out_file=out, args=["-vvvv"])
    with open(rendered, encoding="utf-8") as handle:
        text = handle.read()
    return dict(
        run=run,
        key=key,
        connectors=connectors,
        rendered=text,
        stats=sim.stats(),
        echo_stats=echo.stats(),
    )


def test_the_lookup_gives_the_channel_ids_in_a_task_a_query_and_a_template_file(
    looked_up,
):
    run = looked_up["run"]
    assert run.rc == 0, run
    first, second = [c["channel"]["channelId"] for c in looked_up["connectors"]]
    assert "POST /workspaces/%s/channels/%s/calls" % (WS1, first) in run.stdout, run
    assert run.result["several"] == [second, first]
    assert looked_up["rendered"] == "calls: POST /workspaces/%s/channels/%s/calls\n" % (
        WS1,
        second,
    )
    assert looked_up["stats"]["writes"] == 0


def test_a_failed_lookup_names_the_term_and_masks_an_echoed_key(looked_up):
    saved = looked_up["run"].result
    assert (
        "%s has no Voice connector in workspace %s" % (WS1_VOICE[2], WS1)
        in saved["missing"]
    ), saved
    assert (
        "voice_channel_id: " in saved["echoed"] and "HTTP 400" in saved["echoed"]
    ), saved
    assert "'Authorization': ['AccessKey ********']" in saved["echoed"], saved
    assert looked_up["echo_stats"]["faults_fired"]["status"] >= 1


def test_the_key_from_the_environment_is_in_no_output_at_vvvv(looked_up):
    run = looked_up["run"]
    assert (
        "ESTABLISH LOCAL CONNECTION" in run.stdout
    ), "expected the details that -vvvv shows"
    texts = dict(run.texts, rendered=looked_up["rendered"])
    assert find_leaks(looked_up["key"], texts) == []
