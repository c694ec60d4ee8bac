# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ad hoc commands with credentials from the environment only, and
``module_defaults: group/bird.engagements.bird`` supplying them to every module."""

from __future__ import annotations

import json
import re

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    adhoc,
    ansible_env,
    playbook,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    DEMO_KEY,
    SMS_ONLY,
    WS1,
    WS1_VOICE,
    WS2,
    number_id,
)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CONNECTOR = "bird.engagements.bird_voice_connector"
INFO = "bird.engagements.bird_voice_connector_info"
NUMBERS = "bird.engagements.bird_number_info"


def run_ok(module, args, env, **kwargs):
    proc, result = adhoc(module, args, env, **kwargs)
    assert proc.returncode == 0 and result is not None, proc.stdout + proc.stderr
    assert DEMO_KEY not in proc.stdout + proc.stderr
    return result


def test_adhoc_runs_take_credentials_and_workspace_from_the_environment_check_apply_and_converge(
    simulator,
):
    sim = simulator()
    # BIRD_ACCESS_KEY, BIRD_API_URL and BIRD_WORKSPACE_ID: nothing on the command line but the number.
    env = ansible_env(sim, BIRD_WORKSPACE_ID=WS1)
    args = "phone_number=+31201230101"

    checked = run_ok(CONNECTOR, args, env, check=True)
    assert checked["changed"] is True
    assert checked["channel_id"] is None and checked["connector_id"] is None
    stats = sim.stats()
    assert stats["total"] > 0 and stats["writes"] == 0

    applied = run_ok(CONNECTOR, args, env)
    assert applied["changed"] is True
    assert UUID_RE.match(applied["channel_id"])
    assert sim.stats()["writes_applied"] == 1

    sim.reset_stats()
    again = run_ok(CONNECTOR, args, env)
    assert again["changed"] is False
    assert (again["channel_id"], again["connector_id"]) == (
        applied["channel_id"],
        applied["connector_id"],
    )
    checked_again = run_ok(CONNECTOR, args, env, check=True)
    assert (
        checked_again["changed"] is False
        and checked_again["channel_id"] == applied["channel_id"]
    )
    assert sim.stats()["writes"] == 0

    info = run_ok(INFO, "", env)
    assert info["changed"] is False
    assert [
        (c["phone_number"], c["channel_id"], c["channel_status"])
        for c in info["connectors"]
    ] == [("+31201230101", applied["channel_id"], "active")]

    # bird_number_info: the ids to install with, and which numbers can carry voice; it reads only.
    numbers = run_ok(NUMBERS, "", env)
    assert numbers["changed"] is False
    assert [(n["phone_number"], n["id"], n["voice"]) for n in numbers["numbers"]] == [
        (e164, number_id(e164), True) for e164 in WS1_VOICE
    ] + [(SMS_ONLY, number_id(SMS_ONLY), False)]
    assert sim.stats()["writes"] == 0


PLAYBOOK = """
- name: Every module gets its credentials from module_defaults
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/bird.engagements.bird:
      access_key: "{{ bird_key }}"
      api_url: "{{ bird_url }}"
  tasks:
    - name: One number
      bird.engagements.bird_voice_connector:
        workspace_id: %(ws1)s
        phone_number: "+31201230102"
      register: single

    - name: Many numbers
      bird.engagements.bird_voice_connectors:
        workspaces:
          - workspace_id: %(ws2)s
            numbers:
              - phone_number: "+31201230201"
      register: batch

    - name: Read back
      bird.engagements.bird_voice_connector_info:
        workspace_id: %(ws1)s
      register: info

    - name: The numbers that can carry voice
      bird.engagements.bird_number_info:
        workspace_id: %(ws1)s
        voice: true
      register: voice_numbers

    - name: Check the results
      ansible.builtin.assert:
        that:
          - single is changed
          - single.channel_id | length == 36
          - batch.summary.created == 1
          - batch.results[0].channel_id | length == 36
          - info.connectors | map(attribute='channel_id') | list == [single.channel_id]
          - voice_numbers.numbers | map(attribute='phone_number') | list == %(ws1_voice)s
""" % dict(ws1=WS1, ws2=WS2, ws1_voice=WS1_VOICE)


def test_module_defaults_group_gives_every_module_its_credentials(simulator, tmp_path):
    sim = simulator()
    env = ansible_env(None, access_key=None)
    assert not [name for name in env if name.startswith("BIRD_")]

    # Without module_defaults (and with no BIRD_* variable) a module has no credentials at all.
    proc, result = adhoc(INFO, "workspace_id=%s api_url=%s" % (WS1, sim.url), env)
    assert proc.returncode != 0
    assert (
        "access_key is missing: give it, or set the environment variable BIRD_ACCESS_KEY"
        in result["msg"]
    )
    assert sim.stats()["total"] == 0

    path = tmp_path / "module_defaults.yml"
    path.write_text(PLAYBOOK)
    # The key comes from a vars file, as it would from a vault, not from the command line.
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"bird_key": DEMO_KEY, "bird_url": sim.url}))
    proc = playbook(str(path), env, "-e", "@%s" % extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert DEMO_KEY not in proc.stdout + proc.stderr

    stats = sim.stats()
    assert stats["writes_applied"] == 2
    assert set(stats["by_workspace"]) == {WS1, WS2}
    assert "401" not in stats["by_status"]
