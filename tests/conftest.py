# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest set-up for tests/unit and tests/functional.

- Makes ``ansible_collections.bird.engagements`` importable from this checkout:
  ansible-core imports collection code under that name, so a tree under
  build/ links it to the repository root (also used as ANSIBLE_COLLECTIONS_PATH).
- Puts the simulator (tests/simulator) on sys.path.
- Fixtures: ``simulator`` starts in-process Bird API simulators; ``ansible``
  runs ansible / ansible-playbook against one, credentials from the environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'bird', 'engagements')
SIMULATOR_DIR = os.path.join(ROOT, 'tests', 'simulator')
DEMO_SEED = os.path.join(SIMULATOR_DIR, 'demo_seed.json')
DEMO_KEY = 'demo-access-key-not-secret'

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    try:
        os.symlink(ROOT, LINK)
    except FileExistsError:  # another process made it meanwhile
        pass
for path in (COLLECTIONS, SIMULATOR_DIR):
    if path not in sys.path:
        sys.path.insert(0, path)

import bird_simulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def simulator():
    """Factory: ``simulator(**config)`` starts a quiet in-process simulator (demo seed by default)."""
    started = []

    def start(**config):
        config.setdefault('seed', DEMO_SEED)
        config.setdefault('quiet', True)
        sim = bird_simulator.BirdSimulator(config)
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


def ansible_env(sim=None, access_key=DEMO_KEY, **extra):
    """Environment for an ansible process against ``sim``, credentials injected as AWX does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('BIRD_', 'ANSIBLE_'))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
        ANSIBLE_DEPRECATION_WARNINGS='false',
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='0',
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', ''),
    )
    if sim is not None:
        env['BIRD_API_URL'] = sim.url
        if getattr(sim, 'ca_file', None):
            env['REQUESTS_CA_BUNDLE'] = sim.ca_file
    if access_key is not None:
        env['BIRD_ACCESS_KEY'] = access_key
    env.update(extra)
    return env


def run(args, env, cwd=ROOT, timeout=300):
    """Run a command; return CompletedProcess with text stdout/stderr."""
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def adhoc(module, module_args, env, check=False, diff=False, verbosity=0):
    """``ansible localhost -m module -a args``; returns (CompletedProcess, result dict or None)."""
    args = [os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-m', module, '-a', module_args,
            '-o']
    if check:
        args.append('--check')
    if diff:
        args.append('--diff')
    if verbosity:
        args.append('-' + 'v' * verbosity)
    proc = run(args, env)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith('localhost |') and '=>' in line:
            try:
                result = json.loads(line.split('=>', 1)[1])
            except ValueError:
                result = None
    return proc, result


def playbook(path, env, *extra_args):
    """``ansible-playbook path extra_args...``; returns CompletedProcess."""
    return run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), path] + list(extra_args), env)
