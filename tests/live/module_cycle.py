# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One install on the spare number through the collection's modules, in one ``ansible-playbook`` run.

In order: check mode before the install (predicts a change, writes nothing), the install with
``wait`` (the channel active), the same again (unchanged), check mode of ``present`` (unchanged)
and of ``absent`` (predicts the delete), then, whatever happened before, ``absent`` and
``absent`` again (unchanged). ``bird_voice_connector_info`` on the number between them shows
that check mode wrote nothing. Credentials and URL reach the modules through the environment
(``BIRD_ACCESS_KEY``, ``BIRD_API_URL``), never on a command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

MODULE = "bird.engagements.bird_voice_connector"
INFO = "bird.engagements.bird_voice_connector_info"
NAME = "bird.engagements make live (module)"

# (register as, module, state or None for the info module, check mode)
STEPS = (
    ("check_new", MODULE, "present", True),
    ("info_after_check_new", INFO, None, False),
    ("install", MODULE, "present", False),
    ("rerun", MODULE, "present", False),
    ("check_present", MODULE, "present", True),
    ("check_absent", MODULE, "absent", True),
    ("info_after_checks", INFO, None, False),
)
ALWAYS = (
    ("absent", MODULE, "absent", False),
    ("absent_rerun", MODULE, "absent", False),
)


def _task(register, module, state, check, workspace_id, number_id, wait_seconds):
    args = {"workspace_id": workspace_id, "phone_number_id": number_id}
    if state is not None:
        args.update(state=state)
    if module == MODULE and state == "present":
        args.update(name=NAME, wait_timeout=int(wait_seconds))
    task = {"name": register.replace("_", " "), module: args, "register": register}
    if check:
        task["check_mode"] = True
    return task


def playbook(workspace_id, number_id, wait_seconds, out_file):
    """The play, as JSON (which is YAML)."""

    def tasks(steps, ignore):
        made = [
            _task(register, module, state, check, workspace_id, number_id, wait_seconds)
            for register, module, state, check in steps
        ]
        for task in made:
            if ignore:
                task["ignore_errors"] = True
        return made

    names = [s[0] for s in STEPS + ALWAYS]
    saved = "{{ {%s} | to_json }}" % ", ".join(
        "'%s': (%s | default(none))" % (n, n) for n in names
    )
    return [
        {
            "name": "bird.engagements make live: the modules on the spare number",
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "the modules, in order",
                    "block": tasks(STEPS, False),
                    "always": tasks(ALWAYS, True)
                    + [
                        {
                            "name": "save the results",
                            "ansible.builtin.copy": {
                                "content": saved,
                                "dest": out_file,
                                "mode": "0600",
                            },
                            "check_mode": False,
                        }
                    ],
                }
            ],
        }
    ]


def ansible_env(collections_path):
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_NOCOLOR="1",
    )
    return env


def run_modules(collections_path, workspace_id, number_id, wait_seconds):
    """Run the play; ``(results by step, return code, output tail)``."""
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    with tempfile.TemporaryDirectory(prefix="bird-live-") as work:
        out_file = os.path.join(work, "results.json")
        play = os.path.join(work, "live.yml")
        with open(play, "w", encoding="utf-8") as handle:
            json.dump(
                playbook(workspace_id, number_id, wait_seconds, out_file),
                handle,
                indent=1,
            )
        proc = subprocess.run(
            [ansible_playbook, play],
            env=ansible_env(collections_path),
            cwd=work,
            capture_output=True,
            text=True,
            timeout=4 * wait_seconds + 300,
            check=False,
        )
        results: dict = {}
        if os.path.exists(out_file):
            with open(out_file, encoding="utf-8") as handle:
                results = json.load(handle)
    tail = (proc.stdout + proc.stderr)[-3000:]
    return results, proc.returncode, tail


def _brief(result):
    """What the report keeps of one module result."""
    if not isinstance(result, dict):
        return None
    brief = {
        k: result.get(k)
        for k in ("changed", "failed", "connector_id", "channel_id", "channel_status")
        if k in result
    }
    if result.get("failed"):
        brief["msg"] = str(result.get("msg"))[:500]
    if "connectors" in result:
        brief["connectors"] = [
            c.get("connector_id") for c in result["connectors"] or []
        ]
    return brief


def evaluate(results):
    """``(step briefs, checks, failures)``: each step against what a correct module does."""
    briefs = {name: _brief(results.get(name)) for name, *dummy in STEPS + ALWAYS}
    install = briefs.get("install") or {}
    cid = install.get("connector_id")

    def ok(name):
        brief = briefs.get(name)
        return brief is not None and not brief.get("failed")

    def same(name, key, value):
        return ok(name) and briefs[name].get(key) == value

    checks = {
        "check_mode_predicts_install": same("check_new", "changed", True)
        and briefs["check_new"].get("connector_id") is None,
        # No connector on the number after check mode, and none but the install's after the checks.
        "check_mode_wrote_nothing": same("info_after_check_new", "connectors", [])
        and ok("info_after_checks")
        and set(briefs["info_after_checks"].get("connectors") or []) <= {cid},
        "info_finds_the_connector": same(
            "info_after_checks", "connectors", [cid] if cid else None
        ),
        "install_waits_until_active": same("install", "changed", True)
        and bool(cid)
        and install.get("channel_status") == "active",
        "rerun_unchanged": same("rerun", "changed", False)
        and same("rerun", "connector_id", cid)
        and same("rerun", "channel_id", install.get("channel_id")),
        "check_mode_present_unchanged": same("check_present", "changed", False)
        and same("check_present", "connector_id", cid),
        "check_mode_absent_predicts_delete": same("check_absent", "changed", True)
        and same("check_absent", "connector_id", cid),
        "absent_removes": same("absent", "changed", True)
        and same("absent", "connector_id", cid),
        "absent_rerun_unchanged": same("absent_rerun", "changed", False),
    }
    failures = []
    for name, passed in checks.items():
        if not passed:
            failures.append("modules: %s did not hold" % name.replace("_", " "))
    for name, brief in briefs.items():
        if brief and brief.get("failed"):
            failures.append("modules: step %s failed: %s" % (name, brief.get("msg")))
    return briefs, checks, failures
