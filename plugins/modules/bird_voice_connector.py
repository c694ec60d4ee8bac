#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: bird_voice_connector
short_description: Ensure a phone number has a Bird Voice connector (and so a Voice channel)
version_added: 0.1.0
description:
  - Installs the Bird Voice connector (template V(voice-messagebird:1)) for one phone number of a workspace, which
    creates the Voice channel whose id the Voice Calls API needs; or uninstalls it.
  - A Voice connector is identified by its workspace, its template's slug (V(voice-messagebird)) and its phone
    number; names are no identity. A connector of another version of the template on the number is its Voice
    connector, kept with a warning. Bird has no update call, so an existing connector is never changed.
  - A create that Bird refuses because the connector already exists is looked up and returned unchanged; one whose
    outcome is unknown is looked for before it is sent again (see
    R(Bird API assumptions,ansible_collections.bird.engagements.docsite.api_assumptions)).
  - For many numbers use M(bird.engagements.bird_voice_connectors) or the P(bird.engagements.voice_channels#role)
    role, which read each workspace once.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.connection.WORKSPACE
  - bird.engagements.attributes
attributes:
  check_mode:
    support: full
    details:
      - Sends no write request, and predicts RV(ignore:changed) exactly as a real run would.
      - A channel id that a real run would create is not known yet; RV(channel_id) is then V(null).
  diff_mode:
    support: full
    details:
      - Shows the state, number, name and template of the connector; never the access key.
  idempotent:
    support: full
    description: When run twice in a row with the same arguments, the second run reports no change.
options:
  phone_number_id:
    description:
      - UUID of the workspace's phone number (the C(id) of an item of C(GET /workspaces/{id}/numbers)).
      - At least one of O(phone_number_id) and O(phone_number) is required.
    type: str
  phone_number:
    description:
      - The phone number in E.164 form (V(+) and 8 to 15 digits, for example V(+31201234567)); the module fails if
        the workspace has no such number or several.
      - At least one of O(phone_number_id) and O(phone_number) is required. With both, the id identifies the
        number and the E.164 form must match it.
    type: str
  name:
    description:
      - Name of the connector and its channel, used only when the connector is created. Defaults to
        C(Voice <E.164 number>). An existing connector with another name is kept, with a warning.
    type: str
  conversational:
    description:
      - Sent as C(channelConversationalStatusEnabled) when the connector is created. Not sent when unset.
    type: bool
  connector_template_ref:
    description:
      - Connector template to install, C(<slug>:<version>).
    type: str
    default: voice-messagebird:1
  state:
    description:
      - V(present) ensures the number has a Voice connector (creating one of O(connector_template_ref) if it has
        none); V(absent) uninstalls it, whatever its version, which also deletes its channel.
    type: str
    choices: [present, absent]
    default: present
  replace_failed:
    description:
      - When the number's connector has a channel that Bird reports V(failed) or V(deleted) (or that Bird no longer
        knows), delete that connector and create a new one. The new channel has a new id.
      - Without it, such a channel fails the task, naming the number, connector, channel and status.
    type: bool
    default: false
  wait:
    description:
      - Wait until Bird has set up the connector's channel (installation is asynchronous), that is until its status
        is V(active), or until it ends V(failed) (the task then fails) or V(inactive), V(warning) or a status this
        module does not know (a warning). With V(false), RV(channel_id) may be V(null) right after a create.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the channel, and for a connector that Bird says exists but does not list yet. On timeout
        the module fails naming the connector. V(0) does not wait.
    type: int
    default: 120
seealso:
  - module: bird.engagements.bird_voice_connector_info
  - module: bird.engagements.bird_voice_connectors
  - module: bird.engagements.bird_number_info
  - plugin: bird.engagements.voice_channel_id
    plugin_type: lookup
  - name: Installing a Voice channel
    description: Bird's guide to Voice connectors.
    link: https://docs.bird.com/api/channels-api/supported-channels/programmable-voice/installing-a-voice-channel
"""

EXAMPLES = r"""
- name: Ensure +31 20 123 4567 has a Voice channel
  bird.engagements.bird_voice_connector:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    phone_number: "+31201234567"
  register: voice

- name: Use the channel id with the Voice Calls API
  ansible.builtin.debug:
    msg: "POST /workspaces/2cffb55c-120e-41a8-8f10-ed9d1b412d29/channels/{{ voice.channel_id }}/calls"

- name: Same by number id, with a name, credentials from module_defaults
  module_defaults:
    group/bird.engagements.bird:
      access_key: "{{ vault_bird_access_key }}"
  bird.engagements.bird_voice_connector:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    phone_number_id: 7d4e1c1a-0b5e-4a8e-9d57-6f0e0a1b2c3d
    name: Support line NL
    conversational: true

- name: Remove the Voice connector (and its channel)
  bird.engagements.bird_voice_connector:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    phone_number: "+31201234567"
    state: absent

# Ad hoc, with BIRD_ACCESS_KEY and BIRD_WORKSPACE_ID in the environment:
# ansible localhost -m bird.engagements.bird_voice_connector -a 'phone_number=+31201234567'
"""

RETURN = r"""
channel_id:
  description:
    - Id of the Voice channel, for C(POST /workspaces/{workspace_id}/channels/{channel_id}/calls).
    - V(null) in check mode when a run would create the connector, with O(wait=false) when Bird has not
      assigned it yet, and with O(state=absent).
  returned: always
  type: str
  sample: 8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d
channel_status:
  description:
    - The status of the Voice channel as Bird gives it (V(active), V(pending), V(setting-up), V(failed), V(inactive),
      V(deleted), V(warning), or a value Bird adds later); V(null) when not known (check mode for a new connector,
      O(wait=false), O(state=absent)).
    - An existing channel that is V(failed) or V(deleted) fails the task (see O(replace_failed)); V(inactive),
      V(warning) and unknown values give a warning.
  returned: always
  type: str
  sample: active
connector_id:
  description:
    - Id of the connector. V(null) in check mode when a run would create it, or when there is none.
    - With O(state=absent), the id of the connector that was (or in check mode would be) removed.
  returned: always
  type: str
  sample: 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9
phone_number_id:
  description: Id of the phone number (resolved from O(phone_number) when that was given).
  returned: always
  type: str
  sample: 7d4e1c1a-0b5e-4a8e-9d57-6f0e0a1b2c3d
phone_number:
  description: The number in E.164 form, when known.
  returned: always
  type: str
  sample: "+31201234567"
connector:
  description:
    - The connector as the API returned it. Empty in check mode when a run would create it, or when there is
      none. With O(state=absent), the connector that was removed.
    - For a new connector, what the create returned; Bird may fill in its C(channel) only later, so use
      RV(channel_id).
  returned: always
  type: dict
  sample:
    id: 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9
    name: Voice +31201234567
    connectorTemplateRef: voice-messagebird:1
    arguments:
      phoneNumberId: 7d4e1c1a-0b5e-4a8e-9d57-6f0e0a1b2c3d
    channel:
      channelId: 8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d
      platform: voice-messagebird
status:
  description: HTTP status of Bird's answer behind a failure, if any.
  returned: on failure
  type: int
  sample: 403
api_code:
  description: Bird's error C(code) behind a failure, if any.
  returned: on failure
  type: str
  sample: Forbidden
api_message:
  description: Bird's error C(message) behind a failure, if any.
  returned: on failure
  type: str
api_details:
  description: Bird's error C(details) behind a failure, if any.
  returned: on failure
  type: dict
request_id:
  description: Bird's C(Messagebird-Request-Id) of the failed call, if any.
  returned: on failure
  type: str
  sample: 5f0c8a2e-6f2b-4d47-9a43-2d1c0e5b7a9f
"""

from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    DEFAULT_WAIT_TIMEOUT,
    request_from_single,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    DEFAULT_TEMPLATE,
)
from ansible_collections.bird.engagements.plugins.module_utils._module import (
    BirdModule,
    workspace_option,
)


def main():
    module = BirdModule(
        argument_spec=dict(
            workspace_id=workspace_option(),
            phone_number_id=dict(type="str"),
            phone_number=dict(type="str"),
            name=dict(type="str"),
            conversational=dict(type="bool"),
            connector_template_ref=dict(type="str", default=DEFAULT_TEMPLATE),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            replace_failed=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
        ),
        # Not required_one_of: Ansible would report it before a misspelled option; the request's check names both.
        supports_check_mode=True,
    )
    module.run_request(
        request_from_single(module.params, module.check_mode), single=True
    )


if __name__ == "__main__":
    main()
