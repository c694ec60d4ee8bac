#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: bird_voice_connectors
short_description: Ensure Voice connectors for many phone numbers across Bird workspaces in one task
version_added: 0.1.0
description:
  - The batch form of M(bird.engagements.bird_voice_connector), with the same rules, for hundreds of numbers
    across many workspaces. The P(bird.engagements.voice_channels#role) role wraps it.
  - Every entry is checked, and every workspace is read once, before any write. Any problem (a malformed entry,
    a number that is not in its workspace or has no voice, conflicting entries for one number, more deletions
    than O(workspaces[].max_deletions)) fails the task with every problem listed, and nothing is changed.
  - Then connectors are created concurrently, within Bird's rate limits, and their channels awaited. Deletions
    come last, only in a workspace whose creates all succeeded. When one number fails, the others are still
    carried out.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.attributes
attributes:
  check_mode:
    support: full
    details:
      - Sends no write, and predicts each number's change as a real run would, deletions of
        O(workspaces[].exclusive) included. Channel ids of connectors a real run would create are V(null).
  diff_mode:
    support: full
    details:
      - Shows, per workspace, the state, name and template of each number that changes; never the access key.
  idempotent:
    support: full
    description: When run twice in a row with the same arguments, the second run reports no change.
options:
  workspaces:
    description:
      - The workspaces and, for each, the numbers whose Voice connectors to manage.
      - Several entries may name one workspace (for example one per team). Their options must then agree, and
        a number several of them list is provisioned once if they agree on it. One entry listing a number twice
        is an error.
    type: list
    elements: dict
    required: true
    suboptions:
      workspace_id:
        description: UUID of the workspace (compared case-insensitively).
        type: str
        required: true
      numbers:
        description: The numbers of this workspace. Numbers that are not listed are left alone, unless
          O(workspaces[].exclusive) or O(workspaces[].all_voice_numbers) says otherwise.
        type: list
        elements: dict
        default: []
        suboptions:
          phone_number:
            description:
              - The number in E.164 form (quote it in YAML, for example V("+31201234567")).
              - At least one of O(workspaces[].numbers[].phone_number) and
                O(workspaces[].numbers[].phone_number_id) is required. With both, the id identifies the number
                and the E.164 form must match it.
            type: str
          phone_number_id:
            description: UUID of the workspace's phone number.
            type: str
          name:
            description: Name of the connector, used only when it is created. Defaults to C(Voice <number>).
            type: str
          conversational:
            description: Sent as C(channelConversationalStatusEnabled) when the connector is created.
            type: bool
          state:
            description: Whether the number should have a Voice connector.
            type: str
            choices: [present, absent]
            default: present
      exclusive:
        description:
          - The workspace's Voice connectors (any version of the template) become exactly those of the numbers
            that are present (listed, or added by O(workspaces[].all_voice_numbers)). Every other one is deleted
            with its channel, except those of O(workspaces[].keep). Connectors of other platforms are never
            touched.
          - A connector that names no phone number is left alone, with a warning.
        type: bool
        default: false
      keep:
        description:
          - Numbers (E.164 or phone number id) whose Voice connectors this task leaves alone although they are
            not listed, because something else manages them. O(workspaces[].exclusive) does not delete them,
            and O(workspaces[].all_voice_numbers) does not add them.
          - A number listed with O(workspaces[].numbers[].state=absent) and kept fails the task before any write.
        type: list
        elements: str
        default: []
      all_voice_numbers:
        description:
          - Every voice-capable number of the workspace gets a Voice connector, as if listed
            V(present). Listed numbers keep their own settings (list one V(absent) to leave it out). Numbers
            without voice are skipped; a number whose capabilities do not say is included, with a warning.
        type: bool
        default: false
      replace_failed:
        description:
          - Replace the connectors of this workspace whose channel Bird reports V(failed) or V(deleted) (or no longer
            knows), deleting each and creating a new one, with a new channel id. Without it, such a channel fails
            its entry. Replacements count against O(workspaces[].max_deletions).
        type: bool
        default: false
      max_deletions:
        description:
          - The most Voice connectors O(workspaces[].exclusive) and O(workspaces[].replace_failed) may delete in this
            workspace in one run. More, and the task fails before any write, naming them. A guard against a
            mistyped list; numbers listed V(absent) do not count.
        type: int
        default: 10
      reads_per_second:
        description: The read rate limit Bird applies to this workspace; the module keeps under 90% of it.
        type: float
        default: 50
      writes_per_second:
        description: The write rate limit Bird applies to this workspace; the module keeps under 90% of it.
        type: float
        default: 500
  connector_template_ref:
    description:
      - Connector template to install, C(<slug>:<version>). Existing connectors of any version of the same slug
        count as the number's Voice connector.
    type: str
    default: voice-messagebird:1
  wait:
    description:
      - Wait until the channel of every new connector is set up, that is V(active), or ended V(failed) (its entry
        fails) or V(inactive), V(warning) or a status this module does not know (a warning).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, for the whole task, for channels and for connectors that Bird says exist but does not
        list yet. On timeout the task fails and names each connector still waiting. V(0) does not wait.
    type: int
    default: 120
  concurrency:
    description:
      - The most requests in flight at once, across all workspaces (1 to 128), and the most threads the module
        uses for them.
    type: int
    default: 32
seealso:
  - module: bird.engagements.bird_voice_connector
  - module: bird.engagements.bird_voice_connector_info
  - module: bird.engagements.bird_number_info
"""

EXAMPLES = r"""
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

- name: Every voice number but one has a Voice channel, nothing else does, except another team's (check first)
  bird.engagements.bird_voice_connectors:
    workspaces:
      - workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
        all_voice_numbers: true
        exclusive: true
        max_deletions: 5
        keep: ["+31201234599"]
        numbers:
          - phone_number: "+31201234569"
            state: absent
  check_mode: true
  diff: true
"""

RETURN = r"""
results:
  description:
    - One item per listed entry, in the order given (a number listed in several entries has an item for each),
      then one per number that O(workspaces[].all_voice_numbers) added or O(workspaces[].exclusive) removed.
  returned: always
  type: list
  elements: dict
  contains:
    workspace_id:
      description: The workspace (lower case).
      type: str
      returned: always
    phone_number:
      description: The number in E.164 form, when known.
      type: str
      returned: always
    phone_number_id:
      description: Id of the number, when known.
      type: str
      returned: always
    connector_id:
      description:
        - Id of the connector (for V(absent), the one removed); V(null) when there is none, and in check mode for
          one a real run would create.
      type: str
      returned: always
    channel_id:
      description: Id of the Voice channel; V(null) for absent numbers, and in check mode for new ones.
      type: str
      returned: always
    channel_status:
      description:
        - Status of the Voice channel as Bird gives it (V(active), V(setting-up), V(failed), V(inactive), ... or a
          value Bird adds later); V(null) when not known.
        - A new channel is awaited until V(active); one that ends V(failed), or an existing one that is V(failed)
          or V(deleted), fails its entry; V(inactive), V(warning) and unknown values give a warning.
      type: str
      returned: always
    name:
      description: Name of the connector, for present numbers.
      type: str
      returned: always
    state:
      description: The state asked for (V(absent) for a connector O(workspaces[].exclusive) removes).
      type: str
      returned: always
    changed:
      description: Whether this number's connector was (or in check mode would be) created or deleted.
      type: bool
      returned: always
    action:
      description: What the plan decided for this number, V(create), V(delete), V(replace) or V(none).
      type: str
      returned: always
    origin:
      description: Why the number is here, V(listed), V(all_voice_numbers) or V(exclusive).
      type: str
      returned: always
    failed:
      description: Whether this number failed.
      type: bool
      returned: always
    msg:
      description:
        - 'What happened to this number (V(created), V(deleted), V(unchanged)), why it failed, or why its action
          was not carried out (V(not carried out: <why>\)).'
      type: str
      returned: always
    status:
      description: HTTP status of Bird's answer behind the failure, if any.
      type: int
      returned: when failed
    api_code:
      description: Bird's error C(code), if any.
      type: str
      returned: when failed
    api_message:
      description: Bird's error C(message), if any.
      type: str
      returned: when failed
    api_details:
      description: Bird's error C(details), if any.
      type: dict
      returned: when failed
    request_id:
      description: Bird's C(Messagebird-Request-Id) of the failed call, if any.
      type: str
      returned: when failed
summary:
  description:
    - How many numbers were created, deleted, replaced (O(workspaces[].replace_failed)), left unchanged and failed
      (in check mode, would be).
    - C(not_carried_out) counts numbers whose create or delete was not done although they did not fail (the run
      stopped before any write, a workspace could not be read, O(workspaces[].max_deletions) stopped the
      deletions, or a create in the workspace did not succeed); their C(msg) says why.
  returned: always
  type: dict
  sample: {created: 3, deleted: 1, replaced: 0, unchanged: 996, failed: 0, not_carried_out: 0}
workspaces:
  description: The same counts per workspace, with a line of text for people.
  returned: always
  type: list
  elements: dict
  sample:
    - workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
      created: 3
      deleted: 1
      replaced: 0
      unchanged: 96
      failed: 0
      not_carried_out: 0
      text: "2cffb55c-120e-41a8-8f10-ed9d1b412d29: 3 created, 1 deleted, 96 unchanged, 0 failed"
errors:
  description: Every problem, when the task failed.
  returned: on failure
  type: list
  elements: str
"""

from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_DELETIONS,
    DEFAULT_WAIT_TIMEOUT,
    request_from_batch,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    DEFAULT_TEMPLATE,
)
from ansible_collections.bird.engagements.plugins.module_utils._module import BirdModule
from ansible_collections.bird.engagements.plugins.module_utils._throttle import (
    BIRD_READS_PER_SECOND,
    BIRD_WRITES_PER_SECOND,
)

NUMBER_OPTIONS = dict(
    phone_number=dict(type="str"),
    phone_number_id=dict(type="str"),
    name=dict(type="str"),
    conversational=dict(type="bool"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)

WORKSPACE_OPTIONS = dict(
    workspace_id=dict(type="str", required=True),
    numbers=dict(type="list", elements="dict", default=[], options=NUMBER_OPTIONS),
    exclusive=dict(type="bool", default=False),
    all_voice_numbers=dict(type="bool", default=False),
    keep=dict(type="list", elements="str", default=[]),
    replace_failed=dict(type="bool", default=False),
    max_deletions=dict(type="int", default=DEFAULT_MAX_DELETIONS),
    reads_per_second=dict(type="float", default=BIRD_READS_PER_SECOND),
    writes_per_second=dict(type="float", default=BIRD_WRITES_PER_SECOND),
)


def main():
    module = BirdModule(
        argument_spec=dict(
            workspaces=dict(
                type="list", elements="dict", required=True, options=WORKSPACE_OPTIONS
            ),
            connector_template_ref=dict(type="str", default=DEFAULT_TEMPLATE),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
            concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
        ),
        supports_check_mode=True,
    )
    module.run_request(request_from_batch(module.params, module.check_mode))


if __name__ == "__main__":
    main()
