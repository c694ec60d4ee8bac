#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: bird_voice_connector_info
short_description: List the Voice connectors (and their channels) of a Bird workspace
version_added: 0.1.0
description:
  - Lists the connectors of one template (by default the Voice connector, V(voice-messagebird:1)) in a workspace,
    following every page, with their channel ids and channel status.
  - Optionally filtered to one phone number (by E.164 or id) or one connector id.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.attributes
  - bird.engagements.attributes.INFO_MODULE
options:
  workspace_id:
    description:
      - UUID of the Bird workspace.
      - If not set, the value of the E(BIRD_WORKSPACE_ID) environment variable is used.
    type: str
    required: true
  phone_number:
    description:
      - Only the connector of this number, in E.164 form (for example V(+31201234567)).
    type: str
  phone_number_id:
    description:
      - Only the connector of the phone number with this UUID.
    type: str
  connector_id:
    description:
      - Only the connector with this UUID.
    type: str
  connector_template_ref:
    description:
      - Connector template to list.
    type: str
    default: voice-messagebird:1
  channel_status:
    description:
      - Whether to read the workspace's voice channels to report RV(connectors[].channel_status).
      - One extra paginated read; set to V(false) to skip it.
    type: bool
    default: true
seealso:
  - module: bird.engagements.bird_voice_connector
'''

EXAMPLES = r'''
- name: All Voice connectors of a workspace
  bird.engagements.bird_voice_connector_info:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
  register: voice

- name: Print number -> channel id
  ansible.builtin.debug:
    msg: "{{ voice.connectors | items2dict(key_name='phone_number', value_name='channel_id') }}"

- name: The channel of one number
  bird.engagements.bird_voice_connector_info:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    phone_number: "+31201234567"
  register: one
'''

RETURN = r'''
connectors:
  description: The matching connectors, in the order the API lists them.
  returned: always
  type: list
  elements: dict
  contains:
    connector_id:
      description: Id of the connector.
      type: str
      returned: always
      sample: 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9
    channel_id:
      description: Id of its channel; V(null) while Bird has not assigned it yet.
      type: str
      returned: always
      sample: 8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d
    phone_number_id:
      description: Id of its phone number.
      type: str
      returned: always
      sample: 7d4e1c1a-0b5e-4a8e-9d57-6f0e0a1b2c3d
    phone_number:
      description: The number in E.164 form, when the API gives it.
      type: str
      returned: always
      sample: "+31201234567"
    name:
      description: Name of the connector.
      type: str
      returned: always
      sample: Voice +31201234567
    channel_status:
      description:
        - Status of the channel (for example V(active)), when known; V(null) when not read or not found.
      type: str
      returned: always
      sample: active
    connector:
      description: The connector as the API returned it.
      type: dict
      returned: always
'''

from ansible_collections.bird.engagements.plugins.module_utils._client import BirdAPIError
from ansible_collections.bird.engagements.plugins.module_utils._module import ENV_WORKSPACE_ID, BirdModule, env_fallback
from ansible_collections.bird.engagements.plugins.module_utils._voice import (
    DEFAULT_TEMPLATE,
    PlanError,
    VoiceConnectorManager,
    check_e164,
    connector_channel_id,
    connector_number_id,
    connector_phone_number,
    number_e164,
)


def main():
    module = BirdModule(
        argument_spec=dict(
            workspace_id=dict(type='str', required=True, fallback=(env_fallback, [ENV_WORKSPACE_ID])),
            phone_number=dict(type='str'),
            phone_number_id=dict(type='str'),
            connector_id=dict(type='str'),
            connector_template_ref=dict(type='str', default=DEFAULT_TEMPLATE),
            channel_status=dict(type='bool', default=True),
        ),
        mutually_exclusive=[('phone_number', 'phone_number_id')],
        supports_check_mode=True,
    )
    params = module.params
    module.check_connection_options()
    for option in ('workspace_id', 'phone_number_id', 'connector_id'):
        module.check_uuid_option(option)
    if params['phone_number'] is not None:
        error = check_e164(params['phone_number'], 'phone_number')
        if error:
            module.fail_json(msg=error)

    workspace_id = params['workspace_id']
    manager = VoiceConnectorManager(module.client, template_ref=params['connector_template_ref'])
    try:
        connectors = manager.list_connectors(workspace_id)
        number_id = (params['phone_number_id'] or '').lower() or None
        e164 = params['phone_number']
        if e164:
            number = manager.find_number(workspace_id, e164)
            number_id = str(number.get('id')).lower() if number else None
            if number:
                e164 = number_e164(number) or e164
        if params['connector_id']:
            connectors = [c for c in connectors if str(c.get('id')).lower() == params['connector_id'].lower()]
        if number_id or e164:
            connectors = [c for c in connectors if (number_id and connector_number_id(c) == number_id)
                          or (e164 and connector_phone_number(c) == e164)]
        status = {}
        if params['channel_status'] and connectors:
            status = dict((c.get('id'), c.get('status')) for c in manager.list_channels(workspace_id))
    except (BirdAPIError, PlanError) as err:
        module.fail_api(err)

    result = []
    for connector in connectors:
        channel_id = connector_channel_id(connector)
        result.append(dict(
            connector_id=connector.get('id'),
            channel_id=channel_id,
            phone_number_id=connector_number_id(connector),
            phone_number=connector_phone_number(connector),
            name=connector.get('name'),
            channel_status=status.get(channel_id) if channel_id else None,
            connector=connector,
        ))
    module.exit_json(changed=False, connectors=module.scrub(result))


if __name__ == '__main__':
    main()
