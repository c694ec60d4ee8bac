# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running real ``ansible`` and ``ansible-playbook`` processes against a simulator.

- paths: the checkout (``ROOT``) and the collections path it is imported from
  (``COLLECTIONS``, also the ``ANSIBLE_COLLECTIONS_PATH`` of every process);
- ``ansible_env``: a clean environment, credentials injected as AWX injects them;
- ``adhoc``/``run_adhoc``, ``playbook``/``run_playbook``, ``start_playbooks`` (several at
  once), ``parallel``; a finished run is a :class:`Run`;
- playbooks written as JSON (which is YAML), saving registered results to files;
- ``is_clear_failure``: a failure that says what went wrong, without a traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.bird.engagements.tests.support.simulators import DEMO_KEY

# .../ansible_collections/bird/engagements, as imported (through the .cache/collections link, or
# the tree ansible-test builds); the checkout is where it leads.
PACKAGE_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
COLLECTIONS = os.path.dirname(os.path.dirname(os.path.dirname(PACKAGE_ROOT)))
ROOT = os.path.realpath(PACKAGE_ROOT)
BIN = os.path.dirname(sys.executable)
ANSIBLE = os.path.join(BIN, "ansible")
ANSIBLE_PLAYBOOK = os.path.join(BIN, "ansible-playbook")

MODULE = "bird.engagements.bird_voice_connector"
BATCH_MODULE = "bird.engagements.bird_voice_connectors"
ROLE = "bird.engagements.voice_channels"


def ansible_core_version():
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel

    return __version__


def ansible_env(sim=None, access_key=DEMO_KEY, **extra):
    """Environment for an ansible process against ``sim``, credentials injected as AWX does."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BIRD_", "ANSIBLE_"))
    }
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_DEPRECATION_WARNINGS="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=BIN + os.pathsep + env.get("PATH", ""),
    )
    if sim is not None:
        env["BIRD_API_URL"] = sim.url
        if getattr(sim, "ca_file", None):
            env["REQUESTS_CA_BUNDLE"] = sim.ca_file
    if access_key is not None:
        env["BIRD_ACCESS_KEY"] = access_key
    env.update(extra)
    return env


def run(args, env, cwd=ROOT, timeout=300):
    """Run a command; return CompletedProcess with text stdout/stderr."""
    return subprocess.run(
        args,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _adhoc_args(module, module_args, oneline, check=False, diff=False, verbosity=0):
    args = [ANSIBLE, "localhost", "-m", module, "-a", module_args] + (
        ["-o"] if oneline else []
    )
    args += ["--check"] if check else []
    args += ["--diff"] if diff else []
    args += ["-" + "v" * verbosity] if verbosity else []
    return args


def _parse_adhoc(stdout, oneline):
    """The result an ad hoc run printed (``-o``: one line; else the default callback's block), or None."""
    if oneline:
        texts = [
            line.split("=>", 1)[1]
            for line in stdout.splitlines()
            if line.startswith("localhost |") and "=>" in line
        ]
    else:
        match = re.search(r"^localhost \| [A-Z!]+ => (\{.*?^\})$", stdout, re.M | re.S)
        texts = [match.group(1)] if match else []
    result = None
    for text in texts:
        try:
            result = json.loads(text)
        except ValueError:
            result = None
    return result


def adhoc(module, module_args, env, check=False, diff=False, verbosity=0):
    """``ansible localhost -m module -a args -o``; returns (CompletedProcess, result dict or None)."""
    proc = run(_adhoc_args(module, module_args, True, check, diff, verbosity), env)
    return proc, _parse_adhoc(proc.stdout, True)


def playbook(path, env, *extra_args):
    """``ansible-playbook path extra_args...``; returns CompletedProcess."""
    return run([ANSIBLE_PLAYBOOK, path] + list(extra_args), env)


class Run:
    """One finished ansible process: return code, outputs, and the JSON result it saved (or parsed)."""

    def __init__(self, proc, result=None, out_file=None, seconds=0.0):
        self.rc = proc.returncode
        self.stdout = proc.stdout or ""
        self.stderr = proc.stderr or ""
        self.seconds = seconds
        self.out_file = out_file
        self.file_text = ""
        if out_file and os.path.exists(out_file):
            with open(out_file, encoding="utf-8") as handle:
                self.file_text = handle.read()
            try:
                result = json.loads(self.file_text)
            except ValueError:
                result = None
        self.result = result

    @property
    def texts(self):
        """Every output of the run, to search for leaks."""
        return {
            "stdout": self.stdout,
            "stderr": self.stderr,
            "saved result": self.file_text,
            "parsed result": json.dumps(self.result),
        }

    def __repr__(self):
        return "Run(rc=%s, result=%s, stdout=%s, stderr=%s)" % (
            self.rc,
            json.dumps(self.result)[:1500],
            self.stdout[-1500:],
            self.stderr[-1500:],
        )


def run_playbook(path, env, out_file=None, args=()):
    started = time.monotonic()
    proc = playbook(path, env, *args)
    return Run(proc, out_file=out_file, seconds=time.monotonic() - started)


def run_adhoc(
    module_args, env, module=MODULE, oneline=True, check=False, diff=False, verbosity=0
):
    """``ansible localhost -m module`` with JSON arguments; returns a :class:`Run`.

    ``oneline=False`` uses the default callback, which (unlike ``-o``) also prints warnings.
    """
    started = time.monotonic()
    proc = run(
        _adhoc_args(module, json.dumps(module_args), oneline, check, diff, verbosity),
        env,
    )
    return Run(
        proc,
        result=_parse_adhoc(proc.stdout, oneline),
        seconds=time.monotonic() - started,
    )


def start_playbooks(jobs, timeout=300):
    """Start several ansible-playbook processes at once: ``jobs`` is ``[(playbook, env, out_file)]``.

    Returns their :class:`Run` results in order."""
    started = time.monotonic()
    procs = []
    for path, env, dummy in jobs:
        procs.append(
            subprocess.Popen(  # pylint: disable=consider-using-with
                [ANSIBLE_PLAYBOOK, path],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    runs = []
    for proc, (dummy, dummy2, out_file) in zip(procs, jobs):
        try:
            stdout, stderr = proc.communicate(
                timeout=max(1, timeout - (time.monotonic() - started))
            )
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        runs.append(
            Run(
                subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
                out_file=out_file,
                seconds=time.monotonic() - started,
            )
        )
    return runs


def parallel(func, items, workers=3):
    """``[func(item) for item in items]``, ``workers`` at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


# -- playbooks ----------------------------------------------------------------------


def write_plays(path, plays):
    """Write plays (JSON is YAML); return the path."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(plays, handle, indent=1)
    return path


def write_playbook(path, tasks, name="fault-injection"):
    """Write a one-play playbook on localhost; return its path."""
    return write_plays(
        path,
        [{"name": name, "hosts": "localhost", "gather_facts": False, "tasks": tasks}],
    )


def save_task(variable, dest):
    """A task writing a registered variable to a JSON file (also after a failure, in an ``always``)."""
    return {
        "name": "Save %s" % variable,
        "ansible.builtin.copy": {
            "content": "{{ (%s | default({'missing': true})) | to_json }}" % variable,
            "dest": dest,
            "mode": "0600",
        },
        "check_mode": False,
        "diff": False,
    }


def module_race_playbook(path, out, workspace_id, numbers, extra=None):
    """The single module on each number in turn, the registered loop result saved to ``out``."""
    args = dict(
        workspace_id=workspace_id,
        phone_number="{{ item }}",
        timeout=25,
        retries=5,
        wait_timeout=60,
    )
    args.update(extra or {})
    return write_playbook(
        path,
        [
            {
                "name": "Ensure the connectors",
                MODULE: args,
                "loop": list(numbers),
                "register": "r",
                "ignore_errors": True,
            },
            save_task("r", out),
        ],
    )


def role_playbook(path, out, workspaces, role_vars=None):
    """The role on ``workspaces``, its module result (voice_channels_result) saved to ``out`` in any case."""
    role_vars = dict(role_vars or {})
    role_vars["voice_channels_workspaces"] = workspaces
    return write_playbook(
        path,
        [
            {
                "name": "Provision",
                "block": [
                    {
                        "name": "Run the role",
                        "ansible.builtin.include_role": {"name": ROLE},
                        "vars": role_vars,
                    }
                ],
                "always": [save_task("voice_channels_result", out)],
            }
        ],
    )


# -- judging results ----------------------------------------------------------------

UNCLEAR_MARKERS = (
    "Traceback",
    "MODULE FAILURE",
    "NoneType",
    "KeyError",
    "AttributeError",
    "TypeError",
    "unexpected error",
    "simulator error",
)


def failure_message(run_or_result):
    """The failure message of a run's result (a module result, a loop result or a role result)."""
    result = getattr(run_or_result, "result", run_or_result)
    result = result if isinstance(result, dict) else {}
    if "results" in result and "msg" not in result:
        return " | ".join(
            str(r.get("msg"))
            for r in result["results"]
            if isinstance(r, dict) and r.get("failed")
        )
    return str(result.get("msg") or "")


def is_clear_message(msg):
    """A failure message that says something, without a traceback or an internal error."""
    return bool(msg.strip()) and not any(marker in msg for marker in UNCLEAR_MARKERS)


def is_clear_failure(run):
    """A failed run whose message says what went wrong, without a traceback or an internal error."""
    result = run.result if isinstance(run.result, dict) else {}
    return (
        run.rc != 0
        and is_clear_message(failure_message(run))
        and "module_stderr" not in result
    )
