# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running ``ansible-playbook`` for the benchmark: a throw-away collections path holding this
checkout, the inventories (``localhost`` with ansible-playbook's Python, or with ``interpreter.py``
to trace module processes), the plays, and the measurements of each run (wall time, the peak RSS of
the ``ansible-playbook`` processes, the module lines ``interpreter.py`` logged, and the task lines of
``callbacks/bench_timer.py``).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

PING_PLAY = """---
- name: Floor
  hosts: localhost
  gather_facts: false
  tasks:
    - name: One module run
      ansible.builtin.ping:
"""

# The numbers come from a JSON file through a lookup: the cheapest way in for Ansible. (As YAML in the play,
# 1,000 numbers cost about 0.25 s more, and from a YAML vars file about 0.6 s: Ansible tags every value
# with its origin, and parses a plain vars file again for every task; see role_play_yaml.)
ROLE_PLAY = """---
- name: Role
  hosts: localhost
  gather_facts: false
  vars:
    voice_channels_workspaces: "{{ lookup('ansible.builtin.file', 'workspaces.json') | from_json }}"
  tasks:
    - name: Provision with the role
      ansible.builtin.include_role:
        name: bird.engagements.voice_channels
"""

# The kind of the converged run whose play has the numbers as YAML in its vars (role_play_yaml).
YAML_CONVERGED = "converged, YAML vars"


def role_play_yaml(workspaces):
    """The role play with the numbers written into its ``vars:`` as YAML, as the README shows it and
    as most plays give them: Ansible tags each of those values with its origin and handles them one
    by one, which costs more than the JSON text the lookup of ``ROLE_PLAY`` parses."""
    import yaml  # pylint: disable=import-outside-toplevel  # PyYAML comes with ansible-core

    play = [
        {
            "name": "Role, numbers in the play's vars",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {"voice_channels_workspaces": workspaces},
            "tasks": [
                {
                    "name": "Provision with the role",
                    "ansible.builtin.include_role": {
                        "name": "bird.engagements.voice_channels"
                    },
                }
            ],
        }
    ]
    return "---\n" + yaml.safe_dump(play, default_flow_style=False, sort_keys=False)


MODULE_PLAY = """---
- name: One number
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Provision one number
      bird.engagements.bird_voice_connector:
        workspace_id: "{{ workspace_id }}"
        phone_number_id: "{{ phone_number_id }}"
"""


class Ansible:
    """A work directory for playbook runs against one simulator URL."""

    def __init__(self, work, api_url, access_key, module_process=False):
        self.work = work
        collections = os.path.join(work, "collections", "ansible_collections", "bird")
        os.makedirs(collections, exist_ok=True)
        link = os.path.join(collections, "engagements")
        if not os.path.islink(link):
            os.symlink(ROOT, link)
        self.interpreter = os.path.join(work, "python-bench")
        with open(os.path.join(HERE, "interpreter.py"), encoding="utf-8") as handle:
            code = handle.read()
        with open(self.interpreter, "w", encoding="utf-8") as handle:
            handle.write("#!%s -I\n" % sys.executable + code)
        os.chmod(self.interpreter, os.stat(self.interpreter).st_mode | stat.S_IXUSR)
        # Modules on localhost run with ansible-playbook's own Python, as on the implicit localhost, so the
        # role's module runs in a fork of Ansible's worker (plugins/plugin_utils/_forked_module.py) and
        # the ping play's is a plain module process. The traced inventory runs every module through
        # interpreter.py, a module process whose start, exit and memory are logged (the single module's,
        # and the role's with --module-process).
        self.plain_inventory = os.path.join(work, "inventory.ini")
        self.traced_inventory = os.path.join(work, "inventory-traced.ini")
        for path, python in (
            (self.plain_inventory, "'{{ ansible_playbook_python }}'"),
            (self.traced_inventory, self.interpreter),
        ):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(
                    "localhost ansible_connection=local ansible_python_interpreter=%s\n"
                    % python
                )
        self.role_inventory = (
            self.traced_inventory if module_process else self.plain_inventory
        )
        self.module_log = os.path.join(work, "modules.jsonl")
        self.task_log = os.path.join(work, "tasks.jsonl")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ANSIBLE_", "BIRD_")) or k == "BIRD_BENCH_PROFILE_DIR"
        }
        env.update(
            BIRD_API_URL=api_url,
            BIRD_ACCESS_KEY=access_key,
            ANSIBLE_COLLECTIONS_PATH=os.path.join(work, "collections"),
            ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_RETRY_FILES_ENABLED="false",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_HOME=os.path.join(work, "ansible-home"),
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callbacks"),
            ANSIBLE_CALLBACKS_ENABLED="bench_timer",
            BIRD_BENCH_MODULE_LOG=self.module_log,
            BIRD_BENCH_TASK_LOG=self.task_log,
            PATH=os.path.dirname(sys.executable)
            + os.pathsep
            + os.environ.get("PATH", ""),
        )
        self.env = env

    def write_json(self, name, value):
        path = os.path.join(self.work, name)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(value, handle, separators=(",", ":"))
        return os.path.getsize(path)

    def run(self, play, label, extra_vars=None, inventory=None):
        """Run ``play`` (with ``inventory``, the plain one unless given); returns ``{seconds, start, end,
        ansible_rss_mib, modules: [...]}``. ``ansible_rss_mib`` is the largest of the process and its
        children (``wait4``), a forked module's included."""
        path = os.path.join(self.work, "play.yml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(play)
        for stale in (self.module_log, self.task_log):
            if os.path.exists(stale):
                os.unlink(stale)
        cmd = [
            os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
            "-i",
            inventory or self.plain_inventory,
            path,
        ]
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        out_path = os.path.join(self.work, "ansible.out")
        with open(out_path, "w+", encoding="utf-8") as out:
            start = time.time()
            began = time.monotonic()
            # pylint: disable-next=consider-using-with  # waited for below
            proc = subprocess.Popen(
                cmd,
                cwd=self.work,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            dummy, status, usage = os.wait4(proc.pid, 0)
            seconds = time.monotonic() - began
            end = time.time()
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            output = out.read()
        if proc.returncode != 0:
            sys.stderr.write(output[-6000:])
            raise SystemExit(
                "%s: ansible-playbook failed (exit %s)" % (label, proc.returncode)
            )
        return {
            "seconds": seconds,
            "start": start,
            "end": end,
            "ansible_rss_mib": usage.ru_maxrss / 1024.0,
            "modules": _lines(self.module_log),
            "tasks": _lines(self.task_log),
        }


def _lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def module_of(run, name):
    """The logged run of module ``name`` (the last one) in a playbook run, or None."""
    found = [m for m in run["modules"] if m["module"] == name]
    return found[-1] if found else None
