#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: bird_voice_connectors
short_description: Ensure Voice connectors for many phone numbers across Bird workspaces in one task
version_added: 0.1.0
description:
  - The batch form of M(bird.engagements.bird_voice_connector), with the same identity, creation and waiting
    rules, for hundreds of numbers across many workspaces.
  - Every entry is validated, and every workspace is read once (its connectors, and its numbers where needed),
    before any write is sent. Any problem (a malformed entry, a number that is not in its workspace or has no
    voice capability, the same number listed twice) fails the task with every problem listed, and nothing is
    changed.
  - Then connectors are created and deleted concurrently (O(concurrency)), within Bird's per-workspace rate
    limits, and channel ids are awaited by re-reading each workspace's connector list.
  - The P(bird.engagements.voice_channels#role) role wraps this module.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads what it needs, sends no write request, and predicts RV(ignore:changed) per number exactly as a real
        run would. Channel ids of connectors that a real run would create are V(null).
  diff_mode:
    support: full
    details:
      - Shows, per workspace, the state and name of each listed number before and after; never the access key.
  idempotent:
    support: full
    description: When run twice in a row with the same arguments, the second run reports no change.
options:
  workspaces:
    description:
      - The workspaces and, for each, the numbers whose Voice connectors to manage.
      - Numbers of a workspace that are not listed are left alone.
    type: list
    elements: dict
    required: true
    suboptions:
      workspace_id:
        description: UUID of the workspace.
        type: str
        required: true
      numbers:
        description: The numbers of this workspace.
        type: list
        elements: dict
        required: true
        suboptions:
          phone_number:
            description:
              - The number in E.164 form (quote it in YAML, for example V("+31201234567")).
              - Exactly one of O(workspaces[].numbers[].phone_number) and O(workspaces[].numbers[].phone_number_id)
                is required.
            type: str
          phone_number_id:
            description: UUID of the workspace's phone number.
            type: str
          name:
            description:
              - Name of the connector, used only when it is created. Defaults to C(Voice <E.164 number>).
            type: str
          conversational:
            description: Sent as C(channelConversationalStatusEnabled) when the connector is created.
            type: bool
          state:
            description: Whether the number should have a Voice connector.
            type: str
            choices: [present, absent]
            default: present
  connector_template_ref:
    description:
      - Connector template to install.
    type: str
    default: voice-messagebird:1
  wait:
    description:
      - Wait until Bird has assigned a channel id to every present number's connector.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for channel ids, for the whole task. On timeout the task fails and names each
        connector still without one.
    type: int
    default: 120
  concurrency:
    description:
      - How many requests run at once, across all workspaces. Request rates also stay under Bird's default
        per-workspace limits (50 reads and 500 writes a second); a 429 is retried.
    type: int
    default: 8
seealso:
  - module: bird.engagements.bird_voice_connector
  - module: bird.engagements.bird_voice_connector_info
'''

EXAMPLES = r'''
- name: Voice channels for the support numbers of two workspaces
  bird.engagements.bird_voice_connectors:
    workspaces:
      - workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
        numbers:
          - phone_number: "+31201234567"
          - phone_number: "+31201234568"
            name: Support NL (backup)
          - phone_number_id: 7d4e1c1a-0b5e-4a8e-9d57-6f0e0a1b2c3d
            state: absent
      - workspace_id: 5b0a7c2e-3d1f-4e6a-8b9c-0d1e2f3a4b5c
        numbers:
          - phone_number: "+4930123456789"
  register: voice

- name: Channel id per number
  ansible.builtin.debug:
    msg: "{{ voice.results | selectattr('state', '==', 'present') | items2dict(key_name='phone_number', value_name='channel_id') }}"
'''

RETURN = r'''
results:
  description: One item per listed number, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    workspace_id:
      description: The workspace.
      type: str
      returned: always
    phone_number:
      description: The number in E.164 form, when known.
      type: str
      returned: always
    phone_number_id:
      description: Id of the number (resolved from the E.164 number when that was given).
      type: str
      returned: always
    connector_id:
      description:
        - Id of the connector; V(null) in check mode for one that a real run would create, and for an absent
          number that had none.
        - For O(workspaces[].numbers[].state=absent), the id of the connector that was (or would be) removed.
      type: str
      returned: always
    channel_id:
      description: Id of the Voice channel; V(null) for absent numbers, in check mode for new ones, and with
        O(wait=false) when Bird has not assigned it yet.
      type: str
      returned: always
    name:
      description: Name of the connector, for present numbers.
      type: str
      returned: always
    state:
      description: The state asked for.
      type: str
      returned: always
    changed:
      description: Whether this number's connector was (or in check mode would be) created or deleted.
      type: bool
      returned: always
summary:
  description: How many numbers were created, deleted and left unchanged.
  returned: always
  type: dict
  sample: {created: 3, deleted: 1, unchanged: 996}
'''

from ansible_collections.bird.engagements.plugins.module_utils._client import BirdAPIError
from ansible_collections.bird.engagements.plugins.module_utils._module import BirdModule
from ansible_collections.bird.engagements.plugins.module_utils._voice import (
    DEFAULT_TEMPLATE,
    Entry,
    PlanError,
    VoiceConnectorManager,
    validate_entries,
)

MAX_LISTED = 25


def number_spec():
    return dict(
        phone_number=dict(type='str'),
        phone_number_id=dict(type='str'),
        name=dict(type='str'),
        conversational=dict(type='bool'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )


def entries_from(workspaces):
    entries = []
    for w_index, workspace in enumerate(workspaces):
        for n_index, number in enumerate(workspace['numbers']):
            entries.append(Entry(
                workspace['workspace_id'], phone_number=number['phone_number'],
                phone_number_id=number['phone_number_id'], name=number['name'],
                conversational=number['conversational'], state=number['state'],
                label='workspaces[%d].numbers[%d]' % (w_index, n_index),
                workspace_label='workspaces[%d]' % w_index))
    return entries


def listing(errors):
    shown = errors[:MAX_LISTED]
    more = len(errors) - len(shown)
    return '; '.join(shown) + ('; and %d more' % more if more > 0 else '')


def state_view(entries, planned):
    """``{workspace_id: {number: {state, name}}}`` before (planned=False) or after (planned=True)."""
    view = {}
    for entry in entries:
        number = entry.phone_number or entry.phone_number_id
        if planned:
            present = entry.state == 'present'
            name = (entry.connector or {}).get('name') if entry.connector else entry.create_name()
        else:
            present = entry.connector is not None
            name = (entry.connector or {}).get('name')
        view.setdefault(entry.workspace_id, {})[number] = dict(state='present', name=name) if present else dict(
            state='absent')
    return view


def main():
    module = BirdModule(
        argument_spec=dict(
            workspaces=dict(type='list', elements='dict', required=True, options=dict(
                workspace_id=dict(type='str', required=True),
                numbers=dict(type='list', elements='dict', required=True, options=number_spec()),
            )),
            connector_template_ref=dict(type='str', default=DEFAULT_TEMPLATE),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=120),
            concurrency=dict(type='int', default=8),
        ),
        supports_check_mode=True,
    )
    params = module.params
    module.check_connection_options()
    if params['wait_timeout'] < 0:
        module.fail_json(msg='wait_timeout must be 0 or more seconds, got %d' % params['wait_timeout'])
    if not 1 <= params['concurrency'] <= 64:
        module.fail_json(msg='concurrency must be between 1 and 64, got %d' % params['concurrency'])
    entries = entries_from(params['workspaces'])
    errors = validate_entries(entries)
    if errors:
        module.fail_json(msg='nothing was changed: %d invalid entries: %s' % (len(errors), listing(errors)),
                         errors=errors)

    manager = VoiceConnectorManager(module.client, template_ref=params['connector_template_ref'],
                                    check_mode=module.check_mode, wait=params['wait'],
                                    wait_timeout=params['wait_timeout'], concurrency=params['concurrency'])
    try:
        manager.plan(entries)
    except PlanError as err:
        msg = 'nothing was changed: %d problems: %s' % (len(err.errors), listing(err.errors))
        module.fail_json(msg=module.scrub(msg), errors=module.scrub(err.errors))
    except BirdAPIError as err:
        module.fail_api(err)
    for warning in manager.warnings[:MAX_LISTED]:
        module.warn(warning)
    if len(manager.warnings) > MAX_LISTED:
        module.warn('%d more numbers have a name that differs from their connector\'s'
                    % (len(manager.warnings) - MAX_LISTED))

    before = state_view(entries, planned=False)
    after = state_view(entries, planned=True)
    errors = manager.apply(entries)

    summary = dict(created=0, deleted=0, unchanged=0, failed=0)
    for entry in entries:
        if entry.error:
            summary['failed'] += 1
        elif not entry.changed:
            summary['unchanged'] += 1
        else:
            summary['created' if entry.state == 'present' else 'deleted'] += 1
    result = dict(changed=any(e.changed for e in entries), results=[e.result() for e in entries], summary=summary)
    if module._diff:
        result['diff'] = dict(before=before, after=after)
    if errors:
        module.fail_json(msg=module.scrub('%d of %d numbers failed: %s' % (len(errors), len(entries), listing(errors))),
                         errors=module.scrub(errors), **module.scrub(result))
    module.exit_json(**module.scrub(result))


if __name__ == '__main__':
    main()
