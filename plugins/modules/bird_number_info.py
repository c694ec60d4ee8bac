#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: bird_number_info
short_description: List the phone numbers of a Bird workspace, with their ids and voice capability
version_added: 0.1.0
description:
  - Lists a workspace's phone numbers, following every page, with the id to use as O(bird.engagements.bird_voice_connector#module:phone_number_id),
    the E.164 form and whether the number can carry voice.
  - Bird documents several shapes of a number's capabilities; each is read. Where the list does not say whether a
    number has voice, the number's own endpoint is asked.
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
      - Only the number with exactly this E.164 form (for example V(+31201234567)).
    type: str
  voice:
    description:
      - V(true) lists only numbers that can carry voice, V(false) only numbers that cannot. Numbers that do not
        say are in neither.
    type: bool
seealso:
  - module: bird.engagements.bird_voice_connector_info
  - module: bird.engagements.bird_voice_connectors
"""

EXAMPLES = r"""
- name: Every number of the workspace
  bird.engagements.bird_number_info:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
  register: all_numbers

- name: The id of one number
  bird.engagements.bird_number_info:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    phone_number: "+31201234567"
  register: one

- name: Use it
  ansible.builtin.debug:
    msg: "{{ one.numbers[0].id }}"

- name: The numbers that can have a Voice channel
  bird.engagements.bird_number_info:
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    voice: true
  register: voice_numbers
"""

RETURN = r"""
numbers:
  description: The matching numbers, in the order the API lists them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the number, the C(phoneNumberId) a Voice connector is installed with.
      type: str
      returned: always
      sample: 7d4e1c1a-0b5e-4a8e-9d57-6f0e0a1b2c3d
    phone_number:
      description: The number in E.164 form, when the API gives it.
      type: str
      returned: always
      sample: "+31201234567"
    voice:
      description: Whether the number can carry voice; V(null) when neither the list nor the number's own endpoint says.
      type: bool
      returned: always
      sample: true
    number:
      description: The number as the API returned it.
      type: dict
      returned: always
"""

from ansible_collections.bird.engagements.plugins.module_utils._info import numbers
from ansible_collections.bird.engagements.plugins.module_utils._module import (
    BirdModule,
    workspace_option,
)


def main():
    module = BirdModule(
        argument_spec=dict(
            workspace_id=workspace_option(),
            phone_number=dict(type="str"),
            voice=dict(type="bool"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    module.check_options(uuids=("workspace_id",), e164s=("phone_number",))
    rows = module.ask(
        numbers,
        params["workspace_id"].lower(),
        phone_number=params["phone_number"],
        voice=params["voice"],
    )
    module.exit_json(changed=False, numbers=module.scrub(rows))


if __name__ == "__main__":
    main()
