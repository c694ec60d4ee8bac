# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plays and inventories of the benchmark, and ``ansible-playbook`` runs of them with one
ansible-core install: wall time, and the time of each task (``callbacks/bench_timer.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# On localhost the numbers are a host variable (the role gathers every host's list through hostvars,
# which has no play vars), read from a JSON file by a lookup.
LOOKUP = "{{ lookup('ansible.builtin.file', 'workspaces.json') | from_json }}"
LOCAL = {
    "ansible_connection": "local",
    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
}

ROLE_PLAY = """---
- name: Voice channels
  hosts: localhost
  gather_facts: false
  roles:
    - bird.engagements.voice_channels
"""

# The floor's play: one module run carrying the same numbers in (ping's data) and back (its result).
PING_PLAY = """---
- name: Floor
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The numbers into a module and back
      ansible.builtin.ping:
        data: "{{ voice_channels_workspaces }}"
"""

# Hosts as workspaces: each host of the inventory has its own voice_channels_workspaces.
HOSTS_ROLE_PLAY = """---
- name: Voice channels per host
  hosts: all
  gather_facts: false
  roles:
    - bird.engagements.voice_channels
"""

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


def _dump(value):
    return "---\n" + yaml.safe_dump(value, default_flow_style=False, sort_keys=False)


def localhost_inventory(workspaces=LOOKUP):
    """localhost with ``voice_channels_workspaces``: the lookup, or the numbers themselves as YAML."""
    return _dump(
        {
            "all": {
                "hosts": {
                    "localhost": dict(LOCAL, voice_channels_workspaces=workspaces)
                }
            }
        }
    )


def hosts_floor_play():
    """Hosts as workspaces, the floor's play: the role's check of ``voice_channels_workspaces`` per
    host, one module run carrying every host's list in and back, and one fact per host.
    """
    path = os.path.join(ROOT, "roles", "voice_channels", "meta", "argument_specs.yml")
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    batch = "ansible_play_batch | map('extract', hostvars, 'voice_channels_workspaces') | flatten(levels=1)"
    tasks = [
        {
            "name": "Check the numbers",
            "ansible.builtin.validate_argument_spec": {
                "argument_spec": {
                    "voice_channels_workspaces": spec["voice_channels_workspaces"]
                }
            },
        },
        {
            "name": "Every host's numbers into a module and back",
            "ansible.builtin.ping": {"data": "{{ %s }}" % batch},
            "run_once": True,
        },
        {
            "name": "A fact per host",
            "ansible.builtin.set_fact": {
                "voice_channels_provisioned": "{{ voice_channels_workspaces }}"
            },
        },
    ]
    return _dump(
        [
            {
                "name": "Floor, hosts as workspaces",
                "hosts": "all",
                "gather_facts": False,
                "tasks": tasks,
            }
        ]
    )


def hosts_inventory(workspaces):
    """An inventory of one host per workspace, each with its own ``voice_channels_workspaces``."""
    hosts = dict(
        ("ws%03d" % i, {"voice_channels_workspaces": [ws]})
        for i, ws in enumerate(workspaces)
    )
    return _dump({"all": {"vars": LOCAL, "hosts": hosts}})


def ansible_core(bin_dir):
    """'ansible-core X.Y.Z, Python A.B.C' of the install whose ``ansible-playbook`` is in ``bin_dir``."""
    code = "import ansible.release, platform; print(ansible.release.__version__, platform.python_version())"
    out = subprocess.run(
        [os.path.join(bin_dir, "python"), "-c", code],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return "ansible-core %s, Python %s" % tuple(out)


class Ansible:
    """``ansible-playbook`` of one ansible-core install (``bin_dir``), in a work directory, against
    one simulator. ``files`` are written there first (``workspaces.json``, inventories).
    """

    def __init__(self, bin_dir, work, api_url, access_key):
        self.bin_dir = bin_dir
        self.work = work
        link = os.path.join(
            work, "collections", "ansible_collections", "bird", "engagements"
        )
        if not os.path.islink(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(ROOT, link)
        self.write("localhost.yml", localhost_inventory())
        self.task_log = os.path.join(work, "tasks.jsonl")
        self.env = dict(
            (k, v)
            for k, v in os.environ.items()
            if not k.startswith(("ANSIBLE_", "BIRD_"))
        )
        self.env.update(
            BIRD_API_URL=api_url,
            BIRD_ACCESS_KEY=access_key,
            BIRD_BENCH_TASK_LOG=self.task_log,
            ANSIBLE_COLLECTIONS_PATH=os.path.join(work, "collections"),
            ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
            ANSIBLE_HOME=os.path.join(work, "ansible-home"),
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_RETRY_FILES_ENABLED="false",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callbacks"),
            ANSIBLE_CALLBACKS_ENABLED="bench_timer",
            PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
        )

    def write(self, name, text):
        with open(os.path.join(self.work, name), "w", encoding="utf-8") as handle:
            handle.write(
                text
                if isinstance(text, str)
                else json.dumps(text, separators=(",", ":"))
            )

    def run(self, play, inventory="localhost.yml", extra_vars=None):
        """Run ``play``; returns ``{"seconds", "end", "tasks": [[action, seconds], ...]}``: each task
        (its action's short name) from its start to the next one's, "start" before the first and
        "end" after the last."""
        self.write("play.yml", play)
        if os.path.exists(self.task_log):
            os.unlink(self.task_log)
        cmd = [
            os.path.join(self.bin_dir, "ansible-playbook"),
            "-i",
            inventory,
            "play.yml",
        ]
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        start = time.time()
        done = subprocess.run(
            cmd,
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        end = time.time()
        if done.returncode:
            sys.stderr.write(done.stdout[-6000:] + done.stderr[-3000:])
            raise SystemExit(
                "ansible-playbook failed (exit %s): %s" % (done.returncode, play[:200])
            )
        with open(self.task_log, encoding="utf-8") as handle:
            marks = [json.loads(line) for line in handle]
        names = ["start"] + [(m["action"] or "end").rsplit(".", 1)[-1] for m in marks]
        times = [start] + [m["time"] for m in marks] + [end]
        tasks = [[name, times[i + 1] - times[i]] for i, name in enumerate(names)]
        return {"seconds": end - start, "end": end, "tasks": tasks}
