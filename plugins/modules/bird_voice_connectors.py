#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: bird_voice_connectors
short_description: Ensure Voice connectors for many phone numbers across Bird workspaces in one task
version_added: 0.1.0
description:
  - The batch form of M(bird.engagements.bird_voice_connector), with the same identity, creation and waiting
    rules, for hundreds of numbers across many workspaces.
  - Every entry is validated, and every workspace is read once (its connectors, and its numbers where needed),
    before any write is sent. Any problem (a malformed entry, a number that is not in its workspace or has no
    voice capability, the same number listed twice, more deletions than O(workspaces[].max_deletions)) fails
    the task with every problem listed, and nothing is changed.
  - Then connectors are deleted and created concurrently across workspaces, within Bird's per-workspace rate
    limits, and channel ids are awaited. When one number fails, the others are still carried out, each result
    says how its number went, and the task fails naming the failed ones.
  - A Voice connector is identified by its workspace, its template's slug (V(voice-messagebird)) and its
    number. A connector of another version of the template (V(voice-messagebird:2)) is the number's Voice
    connector, kept as it is with a warning. Where Bird lets a number have connectors of several
    versions, the one of O(connector_template_ref) is its own and the others are kept, with a warning;
    O(workspaces[].numbers[].state=absent) removes them all (a row for each).
  - The P(bird.engagements.voice_channels#role) role wraps this module.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.attributes
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - When the task runs on the controller (the C(local) connection, no C(become), no C(async)) and its interpreter is
        the controller's own Python (C(ansible_python_interpreter) is C(ansible_playbook_python), as it is for the
        implicit C(localhost)), the action runs this module's code in a fork of Ansible's worker process instead of a new
        Python process, with the same arguments and C(environment), and parses its result as a module's. That saves
        0.3 to 0.5 seconds a run.
      - Otherwise the module runs as any module does; so it does too with C(keep_remote_files), when the worker runs other
        threads (started by a lookup, say), and when the task's C(environment) sets what Python reads only at start-up
        (C(PYTHON*), C(LANG), C(LC_ALL), C(LC_CTYPE)). C(-vvv) says which way a task ran.
      - A task C(timeout) ends the fork with the task, where a module process would go on unseen.
  check_mode:
    support: full
    details:
      - Reads what it needs, sends no write request, and predicts RV(ignore:changed) per number exactly as a real
        run would, including each deletion O(workspaces[].exclusive) would make. Channel ids of connectors that a
        real run would create are V(null).
  diff_mode:
    support: full
    details:
      - Shows, per workspace, the state, name and template of each number before and after (numbers that
        O(workspaces[].exclusive) removes or O(workspaces[].all_voice_numbers) adds included); never the
        access key.
  idempotent:
    support: full
    description: When run twice in a row with the same arguments, the second run reports no change.
options:
  workspaces:
    description:
      - The workspaces and, for each, the numbers whose Voice connectors to manage.
      - Numbers of a workspace that are not listed are left alone, unless O(workspaces[].exclusive) or
        O(workspaces[].all_voice_numbers) says otherwise.
      - A workspace may be named by several entries (for example one per inventory host, see
        O(workspaces[].owner)); their options must then agree, and a number they list in common is provisioned
        once.
    type: list
    elements: dict
    required: true
    suboptions:
      workspace_id:
        description: UUID of the workspace (compared case-insensitively).
        type: str
        required: true
      numbers:
        description: The numbers of this workspace.
        type: list
        elements: dict
        default: []
        suboptions:
          phone_number:
            description:
              - The number in E.164 form (quote it in YAML, for example V("+31201234567")).
              - At least one of O(workspaces[].numbers[].phone_number) and
                O(workspaces[].numbers[].phone_number_id) is required. When both are given, the id identifies the
                number and the E.164 form must match what Bird says of it.
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
      exclusive:
        description:
          - After the run, the workspace's Voice connectors (the template's slug, any version) are exactly those
            of the numbers that are present (listed, or added by O(workspaces[].all_voice_numbers)). Every other
            Voice connector of the workspace is deleted, with its channel.
          - Connectors of other platforms (SMS, WhatsApp, ...) are never touched.
          - Each connector removed this way is a result with RV(results[].origin=exclusive),
            RV(results[].state=absent) and RV(results[].changed=true).
        type: bool
        default: false
      all_voice_numbers:
        description:
          - Every voice-capable number of the workspace gets a Voice connector, as if it were listed with
            O(workspaces[].numbers[].state=present).
          - Listed numbers keep their own settings; list a number with O(workspaces[].numbers[].state=absent) to
            leave it out, or with a O(workspaces[].numbers[].name) to name it.
          - Numbers without voice are skipped. A number whose capabilities do not say is included, with a
            warning, and Bird decides.
        type: bool
        default: false
      max_deletions:
        description:
          - The most Voice connectors that O(workspaces[].exclusive) may delete in this workspace in one run. More,
            and the task fails before any write, saying how many would go. It guards against a mistyped list.
          - Numbers listed with O(workspaces[].numbers[].state=absent) do not count.
        type: int
        default: 10
      reads_per_second:
        description:
          - The read (GET) rate limit Bird applies to this workspace; the module keeps under 90% of it.
          - Set it when your account's limits are not Bird's defaults.
        type: float
        default: 50
      writes_per_second:
        description:
          - The write (POST and DELETE) rate limit Bird applies to this workspace; the module keeps under 90% of it.
        type: float
        default: 500
      owner:
        description:
          - A label for this entry's results (RV(results[].owner)). The P(bird.engagements.voice_channels#role) role
            sets it to the inventory host that listed the workspace, so that each host gets its own results.
          - Entries of different owners may list the same number if they agree on it; conflicting entries (for
            example V(present) for one owner and V(absent) for another) fail the task before any write.
        type: str
  connector_template_ref:
    description:
      - Connector template to install, C(<slug>:<version>).
      - Existing connectors of any version of the same slug count as the number's Voice connector.
    type: str
    default: voice-messagebird:1
  wait:
    description:
      - Wait until Bird has assigned a channel id to every present number's connector.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, for the whole task, for channel ids and for connectors that Bird says exist but does not
        list yet (installation is asynchronous). On timeout the task fails and names each connector still
        without one.
      - V(0) does not wait at all, like O(wait=false).
    type: int
    default: 120
  owner:
    description:
      - The O(workspaces[].owner) of the entries that do not give one.
    type: str
    version_added: 0.1.0
  concurrency:
    description:
      - The most requests in flight at once, across all workspaces (1 to 128). Fewer are used while Bird answers
        HTTP 429, and request rates stay under each workspace's limits (O(workspaces[].reads_per_second),
        O(workspaces[].writes_per_second)) either way.
    type: int
    default: 32
  results_format:
    description:
      - How the task returns its rows, one per number.
      - V(list) returns them as RV(results).
      - V(json) returns the same rows as one JSON text, RV(results_json), and no RV(results). This is for a play
        that hands the rows on rather than reading them, as the P(bird.engagements.voice_channels#role) role
        does with M(bird.engagements.bird_voice_connectors_fact). Ansible handles each value of a result one by
        one (masking, C(register), callbacks), about 13,000 values for 1,000 numbers against one string. A
        converged run of 1,000 numbers takes about 0.2 s less.
    type: str
    choices: [list, json]
    default: list
    version_added: 0.1.0
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

- name: This workspace has exactly these two Voice channels (check first)
  bird.engagements.bird_voice_connectors:
    workspaces:
      - workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
        exclusive: true
        max_deletions: 5
        numbers:
          - phone_number: "+31201234567"
          - phone_number: "+31201234568"
  check_mode: true
  diff: true

- name: Every voice number of the workspace has a Voice channel, except one
  bird.engagements.bird_voice_connectors:
    workspaces:
      - workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
        all_voice_numbers: true
        numbers:
          - phone_number: "+31201234569"
            state: absent
"""

RETURN = r"""
results:
  description:
    - One item per listed number (per O(workspaces[].owner) when several list it), in the order given, then one
      per number that O(workspaces[].all_voice_numbers) added or O(workspaces[].exclusive) removed.
  returned: with O(results_format=list) (the default)
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
      description: Id of the number (resolved from the E.164 number when that was given).
      type: str
      returned: always
    connector_id:
      description:
        - Id of the connector; V(null) in check mode for one that a real run would create, and for an absent
          number that had none.
        - For RV(results[].state=absent), the id of the connector that was (or would be) removed.
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
      description: The state asked for (V(absent) for a connector O(workspaces[].exclusive) removes).
      type: str
      returned: always
    changed:
      description: Whether this number's connector was (or in check mode would be) created or deleted.
      type: bool
      returned: always
    action:
      description: What the plan decided for this number, V(create), V(delete) or V(none).
      type: str
      returned: always
    origin:
      description:
        - Why the number is in the results, V(listed), V(all_voice_numbers) (added by
          O(workspaces[].all_voice_numbers)) or V(exclusive) (removed by O(workspaces[].exclusive)).
      type: str
      returned: always
    owner:
      description: The O(workspaces[].owner) of the entry, or V(null).
      type: str
      returned: always
    failed:
      description: Whether this number failed.
      type: bool
      returned: always
    msg:
      description: What happened to this number (V(created), V(deleted), V(unchanged), ...), or why it failed.
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
results_json:
  description:
    - With O(results_format=json), the rows of RV(results) as one JSON text (a list of objects with the same
      keys), in the same order.
    - C(results_json | from_json) gives RV(results); M(bird.engagements.bird_voice_connectors_fact) reads either.
  returned: with O(results_format=json)
  type: str
  sample: '[{"workspace_id":"2cffb55c-120e-41a8-8f10-ed9d1b412d29","phone_number":"+31201234567",...}]'
summary:
  description:
    - How many numbers were created, deleted, left unchanged and failed (in check mode, would be).
    - C(not_carried_out) counts the numbers whose create or delete was not done because the run stopped before any
      write (another entry failed), and every number of a workspace that could not be read (nothing is known of
      them). They are neither unchanged nor failed; their rows say why.
  returned: always
  type: dict
  sample: {created: 3, deleted: 1, unchanged: 996, failed: 0, not_carried_out: 0}
workspaces:
  description:
    - The same counts per workspace, with a line of text for people.
    - 'In check mode the counts are what a run would do, and the line reads
      V(<workspace>: would create 3, would delete 1, 96 unchanged, 0 failed (check mode\)).'
    - 'When some were not carried out, the line says so and why, for example
      V(<workspace>: 0 created, 0 deleted, 0 unchanged, 0 failed, 100 not carried out (the workspace could not be
      read\)).'
  returned: always
  type: list
  elements: dict
  sample:
    - workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
      created: 3
      deleted: 1
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
    max_deletions=dict(type="int", default=DEFAULT_MAX_DELETIONS),
    reads_per_second=dict(type="float", default=BIRD_READS_PER_SECOND),
    writes_per_second=dict(type="float", default=BIRD_WRITES_PER_SECOND),
    owner=dict(type="str"),
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
            owner=dict(type="str"),
            results_format=dict(type="str", choices=["list", "json"], default="list"),
        ),
        supports_check_mode=True,
    )
    module.run_request(
        request_from_batch(module.params, module.check_mode),
        results_format=module.params["results_format"],
    )


if __name__ == "__main__":
    main()
