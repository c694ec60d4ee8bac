# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options that are wrong in ways a person makes them: checked before any request."""

from __future__ import annotations

import uuid

import pytest

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ANSIBLE,
    adhoc,
    ansible_env,
    run,
)
from ansible_collections.bird.engagements.tests.support.simulators import seed_with_key

MODULE = "bird.engagements.bird_voice_connector"
ARGS = "workspace_id=a1b2c3d4-0001-4000-8000-000000000001 phone_number=+31201230101"


def test_a_key_pasted_with_a_trailing_newline_works_and_never_shows(simulator):
    key = "bk-paste-" + uuid.uuid4().hex
    sim = simulator(seed=seed_with_key(key))
    proc, result = adhoc(
        MODULE, ARGS, ansible_env(sim, access_key=key + "\n"), check=True, verbosity=4
    )
    assert result is not None and result["changed"] is True, proc.stdout + proc.stderr
    assert key not in proc.stdout + proc.stderr


@pytest.mark.parametrize("bad", ["two words", "tab\there", "quote\u2019s"])
def test_a_key_with_impossible_characters_is_refused_without_showing_it(simulator, bad):
    key = "bk-odd-" + uuid.uuid4().hex[:12] + bad
    sim = simulator()
    proc, dummy = adhoc(MODULE, ARGS, ansible_env(sim, access_key=key), verbosity=4)
    assert proc.returncode != 0
    assert (
        "access_key holds a space, a control character or a non-ASCII character"
        in proc.stdout
    )
    assert key not in proc.stdout + proc.stderr
    assert sim.stats()["total"] == 0


@pytest.mark.parametrize(
    "extra,message",
    [
        ("api_url=http://[::1", "api_url 'http://[::1' is not a valid URL"),
        ("api_url=https://127.0.0.1:notaport", "is not a valid URL"),
        ("ca_path=/nonexistent/ca.pem", "ca_path '/nonexistent/ca.pem' is not a file"),
    ],
)
def test_bad_connection_options_fail_before_any_request(simulator, extra, message):
    sim = simulator()
    proc, result = adhoc(MODULE, ARGS + " " + extra, ansible_env(sim))
    assert proc.returncode != 0 and result is not None, proc.stdout + proc.stderr
    assert message in result["msg"]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert sim.stats()["total"] == 0


def test_plain_http_works_with_a_warning_and_https_without(simulator):
    ansible = [ANSIBLE, "localhost", "-m", MODULE, "-a", ARGS, "--check"]
    proc = run(ansible, ansible_env(simulator()))
    assert proc.returncode == 0 and "CHANGED" in proc.stdout, proc.stdout + proc.stderr
    assert (
        "api_url uses plain http: the access key travels unencrypted"
        in proc.stdout + proc.stderr
    )
    proc = run(ansible, ansible_env(simulator(https=True)))
    assert proc.returncode == 0 and "CHANGED" in proc.stdout, proc.stdout + proc.stderr
    assert "plain http" not in proc.stdout + proc.stderr
