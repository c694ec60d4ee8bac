# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: voice_channel_id
short_description: The Voice channel id of a phone number
version_added: 0.1.0
description:
  - Returns the id of the Voice channel of each term (a phone number in E.164 form or a phone number id), in the
    order of the terms. It is the id the Voice Calls API needs, C(POST /workspaces/{id}/channels/{channel id}/calls).
  - Reads the workspace's connectors once for all terms (and its numbers only for E.164 terms that no connector
    echoes).
  - A term without a Voice channel (no Voice connector, or one whose channel Bird has not assigned yet) fails the
    lookup, naming it.
  - The access key is never shown in any output or error.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
options:
  _terms:
    description: Phone numbers in E.164 form (V(+31201234567)) or phone number ids (UUIDs).
    type: list
    elements: str
    required: true
  workspace_id:
    description: UUID of the Bird workspace. Required, here or in the environment.
    type: str
    env:
      - name: BIRD_WORKSPACE_ID
  access_key:
    description:
      - "Bird access key, sent as C(Authorization: AccessKey <key>)."
      - Required, here or in E(BIRD_ACCESS_KEY), which the Bird credential type of AWX and Ansible Automation
        Platform injects.
    type: str
    env:
      - name: BIRD_ACCESS_KEY
  api_url:
    description: Base URL of the Bird API; V(https://api.bird.com) when neither this nor E(BIRD_API_URL) is set.
    type: str
    env:
      - name: BIRD_API_URL
  connector_template_ref:
    description:
      - Connector template whose slug identifies Voice connectors (any version counts).
      - Where Bird lets a number have connectors of several versions, the channel id is that of the
        connector of exactly this template.
    type: str
    default: voice-messagebird:1
notes:
  - Environment variables that are set but empty count as unset, as AWX injects empty optional fields.
seealso:
  - module: bird.engagements.bird_voice_connector_info
"""

EXAMPLES = r"""
- name: Call from the support line (key and workspace from BIRD_ACCESS_KEY and BIRD_WORKSPACE_ID)
  ansible.builtin.debug:
    msg: >-
      POST /workspaces/{{ lookup('ansible.builtin.env', 'BIRD_WORKSPACE_ID') }}/channels/{{
      lookup('bird.engagements.voice_channel_id', '+31201234567') }}/calls

- name: Several at once, in order
  ansible.builtin.set_fact:
    support_channels: "{{ query('bird.engagements.voice_channel_id', '+31201234567', '+31201234568',
                                workspace_id='2cffb55c-120e-41a8-8f10-ed9d1b412d29') }}"
"""

RETURN = r"""
_raw:
  description: The channel ids, one per term, in the order of the terms.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.bird.engagements.plugins.module_utils._connection import (
    ENV_ACCESS_KEY,
    ENV_API_URL,
    ENV_WORKSPACE_ID,
    check_connection,
    env_value,
    make_client,
)
from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    DEFAULT_CONCURRENCY,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    InputError,
    scrub_secret,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    check_template_ref,
    check_uuid,
)
from ansible_collections.bird.engagements.plugins.module_utils._info import channel_ids
from ansible_collections.bird.engagements.plugins.module_utils._parallel import (
    Executor,
)

display = Display()

# Options read from the environment when not given; an empty variable counts as unset.
ENVIRONMENT = dict(
    access_key=ENV_ACCESS_KEY, api_url=ENV_API_URL, workspace_id=ENV_WORKSPACE_ID
)


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if not HAS_REQUESTS:
            raise AnsibleLookupError(
                "the bird.engagements.voice_channel_id lookup needs the Python library requests"
            )
        self.set_options(var_options=variables, direct=kwargs)
        options = self.get_options()
        for name, variable in ENVIRONMENT.items():
            # Ansible's own env handling takes an empty variable for a value; AWX injects "" for blanks.
            if not options.get(name):
                options[name] = env_value(variable)
        secret = (options.get("access_key") or "").strip()
        try:
            errors = [
                (
                    check_uuid(options["workspace_id"], "workspace_id")
                    if options.get("workspace_id")
                    else "workspace_id is required: give it, or set BIRD_WORKSPACE_ID"
                ),
                check_template_ref(options["connector_template_ref"]),
            ]
            if any(errors):
                raise InputError([e for e in errors if e])
            for warning in check_connection(options):
                display.warning("voice_channel_id: %s" % warning)
            client = make_client(options)
            with Executor(DEFAULT_CONCURRENCY) as executor:
                ids, warnings = channel_ids(
                    client,
                    options["workspace_id"].lower(),
                    list(terms),
                    options["connector_template_ref"].strip(),
                    pmap=executor,
                )
            for warning in warnings:
                display.warning(scrub_secret("voice_channel_id: %s" % warning, secret))
            return ids
        # "from None": the error says it all, and no chained traceback repeats its cause.
        except InputError as err:
            raise AnsibleLookupError(
                scrub_secret("voice_channel_id: %s" % "; ".join(err.errors), secret)
            ) from None
        except BirdAPIError as err:
            raise AnsibleLookupError(
                scrub_secret("voice_channel_id: %s" % err, secret)
            ) from None
