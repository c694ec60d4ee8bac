#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This action runs on the controller: its code is plugins/action/bird_voice_connectors_fact.py.

DOCUMENTATION = r"""
module: bird_voice_connectors_fact
short_description: Set a host fact to the per-number results of a bird_voice_connectors run
version_added: 0.1.0
description:
  - Sets the host fact O(fact) to RV(bird.engagements.bird_voice_connectors#module:results), the per-number
    results of a registered P(bird.engagements.bird_voice_connectors#module) task, optionally only the rows one
    owner listed. A task run with O(bird.engagements.bird_voice_connectors#module:results_format=json) returns
    them as one JSON text, RV(bird.engagements.bird_voice_connectors#module:results_json); this action reads
    that too, as the same list.
  - What C(ansible.builtin.set_fact) of the template C({{ registered.results }}) does, without templating
    the rows. For a run over thousands of numbers, C(set_fact) walks every value of the result once more
    and the callbacks walk it again; this action hands the rows over as they are.
  - With O(show_workspaces), it also shows the result's line per workspace, as C(ansible.builtin.debug) would.
  - The rows of a failed run are published too; each says whether it failed. A run that failed before it had
    any results (a result with C(failed) set and neither C(results) nor C(results_json), for example after bad
    input) sets nothing, and this task does not fail on it.
  - The P(bird.engagements.voice_channels#role) role uses it to set C(voice_channels_provisioned) and to say
    what happened per workspace.
  - Needs ansible-core 2.21 or later (the interface C(set_fact) itself uses there). On older cores it
    fails saying so; use C(ansible.builtin.set_fact) there.
author:
  - Bird engagements collection maintainers (@bird-engagements)
options:
  result:
    description:
      - The B(name) of the variable the P(bird.engagements.bird_voice_connectors#module) task registered, not
        its value (V(provisioned), not V({{ provisioned }})).
      - Anything else fails the task; such a result is a mapping with a C(results) list of mappings (or a
        C(results_json) text of one), or a failed one with neither.
    type: str
    required: true
  fact:
    description:
      - The name of the host fact to set, for the rest of the play run (as C(set_fact) without C(cacheable)).
    type: str
    required: true
  owner:
    description:
      - Only the rows whose C(owner) is this (for a run over several hosts' lists, each host its own).
      - Unset, every row.
    type: str
  show_workspaces:
    description:
      - Also show the result's line per workspace (the C(text) of each item of
        RV(bird.engagements.bird_voice_connectors#module:workspaces)) as RV(workspaces), at every verbosity.
    type: bool
    default: false
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details:
      - It only sets a variable, in check mode too.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
seealso:
  - module: bird.engagements.bird_voice_connectors
"""

EXAMPLES = r"""
- name: Ensure the Voice connectors of many numbers, the rows as one JSON text for the next task
  bird.engagements.bird_voice_connectors:
    workspaces: "{{ voice_workspaces }}"
    results_format: json
  register: provisioned

- name: Keep the per-number results as a fact, and say what happened per workspace
  bird.engagements.bird_voice_connectors_fact:
    result: provisioned
    fact: voice_numbers
    show_workspaces: true
  when: ansible_version.full is version('2.21', '>=')

- name: The same on older cores
  ansible.builtin.set_fact:
    voice_numbers: "{{ provisioned.results_json | from_json }}"
  when: ansible_version.full is version('2.21', '<')
"""

RETURN = r"""
fact:
  description: The name of the fact that was set.
  returned: success
  type: str
  sample: voice_numbers
msg:
  description: What was set.
  returned: success
  type: str
  sample: "voice_numbers: 1000 entries"
count:
  description: How many rows the fact holds; V(0) when the run failed before it had any and nothing was set.
  returned: success
  type: int
  sample: 1000
workspaces:
  description: The result's line per workspace.
  returned: with O(show_workspaces), when the result has any
  type: list
  elements: str
  sample:
    - "2cffb55c-120e-41a8-8f10-ed9d1b412d29: 3 created, 1 deleted, 96 unchanged, 0 failed"
"""
