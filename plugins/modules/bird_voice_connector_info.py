#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: bird_voice_connector_info
short_description: List the Voice connectors (and their channels) of a Bird workspace
version_added: 0.1.0
description:
  - Lists the Voice connectors of a workspace (the slug of O(connector_template_ref), V(voice-messagebird), in any
    version), following every page, with their channel ids and channel status.
  - Optionally filtered to one phone number (by E.164 or id) or one connector id.
  - Also returns RV(workspace_spec), to adopt an existing workspace as code with the
    P(bird.engagements.voice_channels#role) role.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.connection.WORKSPACE
  - bird.engagements.attributes
  - bird.engagements.attributes.INFO_MODULE
options:
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
      - Connector template whose connectors to list, C(<slug>:<version>); connectors of every version of its slug
        are listed.
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
  - module: bird.engagements.bird_number_info
  - plugin: bird.engagements.voice_channel_id
    plugin_type: lookup
"""

EXAMPLES = r"""
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

- name: Adopt what exists today as code
  bird.engagements.bird_voice_connector_info:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    channel_status: false
  register: today

- name: Write it out as the role's variables (review it, then commit it)
  ansible.builtin.copy:
    dest: group_vars/all/voice_channels.yml
    content: "{{ {'voice_channels_workspaces': [today.workspace_spec]} | to_nice_yaml }}"
    mode: "0644"
"""

RETURN = r"""
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
    connector_template_ref:
      description: The connector's template, for example V(voice-messagebird:1), when the API gives it.
      type: str
      returned: always
      sample: voice-messagebird:1
    connector:
      description: The connector as the API returned it.
      type: dict
      returned: always
workspace_spec:
  description:
    - The connectors listed, as one element of the role's C(voice_channels_workspaces) (and of the
      O(bird.engagements.bird_voice_connectors#module:workspaces) option). It holds the workspace id, and per number
      its id, its E.164 form where known, and its connector's name.
    - Given back to the role (or to M(bird.engagements.bird_voice_connectors)), it changes nothing.
  returned: always
  type: dict
  sample:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    numbers:
      - phone_number_id: 7d4e1c1a-0b5e-4a8e-9d57-6f0e0a1b2c3d
        phone_number: "+31201234567"
        name: Support NL
"""

from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    DEFAULT_TEMPLATE,
)
from ansible_collections.bird.engagements.plugins.module_utils._info import (
    voice_connectors,
    workspace_spec,
)
from ansible_collections.bird.engagements.plugins.module_utils._module import (
    BirdModule,
    workspace_option,
)


def main():
    module = BirdModule(
        argument_spec=dict(
            workspace_id=workspace_option(),
            phone_number=dict(type="str"),
            phone_number_id=dict(type="str"),
            connector_id=dict(type="str"),
            connector_template_ref=dict(type="str", default=DEFAULT_TEMPLATE),
            channel_status=dict(type="bool", default=True),
        ),
        mutually_exclusive=[("phone_number", "phone_number_id")],
        supports_check_mode=True,
    )
    params = module.params
    module.check_options(
        uuids=("workspace_id", "phone_number_id", "connector_id"),
        e164s=("phone_number",),
        templates=("connector_template_ref",),
    )
    workspace_id = params["workspace_id"].lower()
    rows = module.ask(
        voice_connectors,
        workspace_id,
        params["connector_template_ref"].strip(),
        phone_number=params["phone_number"],
        phone_number_id=params["phone_number_id"],
        connector=params["connector_id"],
        channel_status=params["channel_status"],
    )
    spec, warnings = workspace_spec(workspace_id, rows)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(
        changed=False, connectors=module.scrub(rows), workspace_spec=module.scrub(spec)
    )


if __name__ == "__main__":
    main()
