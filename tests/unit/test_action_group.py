# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module is in the ``bird`` action group of meta/runtime.yml (so that
``module_defaults: group/bird.engagements.bird`` reaches it), and its rendered
documentation (ansible-doc, doc fragments applied) says so."""

from __future__ import annotations

import glob
import json
import os
import sys

import pytest
import yaml

from conftest import ansible_env, run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_yaml(*parts):
    with open(os.path.join(ROOT, *parts), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


GALAXY = load_yaml('galaxy.yml')
COLLECTION = '%s.%s' % (GALAXY['namespace'], GALAXY['name'])
GROUP = 'bird'
MODULES = sorted(os.path.splitext(os.path.basename(path))[0]
                 for path in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py'))
                 if not os.path.basename(path).startswith('_'))


def short_name(name):
    prefix = COLLECTION + '.'
    return name[len(prefix):] if name.startswith(prefix) else name


@pytest.fixture(scope='module')
def module_docs():
    """``{short module name: its documentation as ansible-doc renders it}``."""
    ansible_doc = os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
    proc = run([ansible_doc, '--json', '-t', 'module'] + ['%s.%s' % (COLLECTION, m) for m in MODULES],
               ansible_env(None, access_key=None))
    assert proc.returncode == 0, proc.stderr
    return dict((short_name(name), data['doc']) for name, data in json.loads(proc.stdout).items())


def test_modules_exist():
    assert MODULES, 'no module found in plugins/modules'


def test_action_group_lists_exactly_the_modules():
    groups = load_yaml('meta', 'runtime.yml').get('action_groups') or {}
    members = groups.get(GROUP)
    assert isinstance(members, list), 'meta/runtime.yml has no action_groups.%s list' % GROUP
    listed = [short_name(member) for member in members if isinstance(member, str)]
    missing = sorted(set(MODULES) - set(listed))
    assert missing == [], 'modules missing from action_groups.%s in meta/runtime.yml: %s' % (GROUP, missing)
    stale = sorted(set(listed) - set(MODULES))
    assert stale == [], 'action_groups.%s lists modules that do not exist: %s' % (GROUP, stale)
    assert len(listed) == len(set(listed)), 'a module is listed twice'


def test_docs_declare_the_action_group(module_docs):
    assert sorted(module_docs) == MODULES
    for name, doc in module_docs.items():
        attribute = (doc.get('attributes') or {}).get('action_group')
        assert attribute, '%s: no action_group attribute in its documentation' % name
        assert attribute.get('support') == 'full', name
        assert attribute.get('membership') == ['%s.%s' % (COLLECTION, GROUP)], name
