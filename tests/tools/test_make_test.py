# Copyright (c) Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of tests/tools/make_test.py, the runner behind `make test`, with a stand-in for nox."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "make_test.py"

# A stand-in for nox: each session named in $FAKE_NOX_<SESSION> behaves as told
# ("fail", "hang", "hang-hard": ignore SIGTERM); every other session passes.
FAKE_NOX = textwrap.dedent("""\
    import os, signal, sys, time
    sessions = sys.argv[sys.argv.index("-e") + 1:]
    for name in sessions:
        how = os.environ.get("FAKE_NOX_" + name.upper().replace("-", "_").replace(".", "_"), "pass")
        print("session", name, how, flush=True)
        if how == "fail":
            print("boom in", name, flush=True)
            sys.exit(1)
        if how.startswith("hang"):
            if how == "hang-hard":
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(600)
    """)


@pytest.fixture(name="fake_nox")
def fixture_fake_nox(tmp_path):
    script = tmp_path / "nox"
    script.write_text("#!%s\n%s" % (sys.executable, FAKE_NOX), encoding="utf-8")
    script.chmod(0o755)
    return script


def run_runner(fake_nox, tmp_path, *names, **behaviour):
    env = dict(os.environ, MAKE_TEST_LOGS=str(tmp_path / "logs"))
    for session, how in behaviour.items():
        env["FAKE_NOX_" + session.upper()] = how
    # The timeout only turns a hang into a failure; nothing here is timed.
    return subprocess.run(
        [sys.executable, str(RUNNER), "--nox", str(fake_nox), *names],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_stage_passing_exits_zero_with_a_passed_table(fake_nox, tmp_path):
    result = run_runner(fake_nox, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stages: 12 passed, 0 failed" in result.stdout
    assert "FAILED" not in result.stdout
    assert (tmp_path / "logs" / "checks.log").read_text().count("session ") == 4


def test_a_failure_stops_the_running_stage_and_ends_without_starting_the_rest(
    fake_nox, tmp_path
):
    result = run_runner(
        fake_nox,
        tmp_path,
        ANSIBLE_TEST_INTEGRATION_2_16="fail",
        ANSIBLE_TEST_INTEGRATION_2_21="hang",
    )
    assert result.returncode == 1
    out = result.stdout
    assert "FAILED integration-2.16" in out
    assert "boom in ansible-test-integration-2.16" in out  # the end of its log
    assert "stopping integration-2.21" in out
    assert "stages: 0 passed, 1 failed, 11 skipped" in out
    assert "start  functional" not in out
    assert not (tmp_path / "logs" / "functional.log").exists()


def test_keep_going_runs_every_stage_after_a_failure(fake_nox, tmp_path):
    result = run_runner(
        fake_nox, tmp_path, "--keep-going", ANSIBLE_TEST_SANITY_2_16="fail"
    )
    assert result.returncode == 1
    assert "stages: 11 passed, 1 failed" in result.stdout


def test_a_stage_that_ignores_sigterm_is_killed(fake_nox, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_test", RUNNER)
    assert spec is not None and spec.loader is not None
    make_test = importlib.util.module_from_spec(spec)
    # dataclasses looks the module up in sys.modules while it makes Stage.
    monkeypatch.setitem(sys.modules, "make_test", make_test)
    spec.loader.exec_module(make_test)
    monkeypatch.setattr(make_test, "STOP_GRACE", 1)
    monkeypatch.setenv("MAKE_TEST_LOGS", str(tmp_path / "logs"))
    monkeypatch.setenv("FAKE_NOX_LINT", "hang-hard")
    (tmp_path / "logs").mkdir()
    stage = make_test.Stage("lint", ["lint"], "lint")
    stage.start([str(fake_nox)])
    # Let it get as far as ignoring SIGTERM before it is stopped.
    waited = 0
    while "hang-hard" not in stage.log.read_text() and waited < 200:
        subprocess.run(["sleep", "0.05"], check=True)
        waited += 1
    stage.stop()
    assert stage.result == "stopped"
    assert stage.process.returncode == -9
