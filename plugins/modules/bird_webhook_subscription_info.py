#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: bird_webhook_subscription_info
short_description: List the webhook subscriptions of a Bird workspace
version_added: 0.1.0
description:
  - Lists the webhook subscriptions of a workspace (Notifications API), following every page, optionally only those
    of one service, event or URL.
  - Signing keys are never returned; RV(subscriptions[].has_signing_key) says whether a subscription has one, when
    Bird says so.
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.connection.ORGANIZATION
  - bird.engagements.connection.WORKSPACE
  - bird.engagements.attributes
  - bird.engagements.attributes.INFO_MODULE
options:
  service:
    description:
      - Only the subscriptions of this service.
    type: str
    choices: [channels, numbers, payments, conversations]
  event:
    description:
      - Only the subscriptions of this event, for example V(channel.updated).
    type: str
  url:
    description:
      - Only the subscriptions that post to this URL (compared exactly).
    type: str
seealso:
  - module: bird.engagements.bird_webhook_subscription
"""

EXAMPLES = r"""
- name: All webhook subscriptions of a workspace
  bird.engagements.bird_webhook_subscription_info:
    organization_id: 6e1d0c2b-3a4f-4e5d-8c7b-9a0f1e2d3c4b
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
  register: hooks

- name: Those posting to the rulebook's listener
  ansible.builtin.debug:
    msg: "{{ hooks.subscriptions | selectattr('url', 'match', 'https://eda.example.com/') | map(attribute='event') }}"

- name: The channels subscriptions (ids and credentials from BIRD_* in the environment)
  bird.engagements.bird_webhook_subscription_info:
    service: channels
"""

RETURN = r"""
subscriptions:
  description: The matching subscriptions, in the order Bird lists them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the subscription.
      type: str
      returned: always
      sample: 3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a
    service:
      description: Its service.
      type: str
      returned: always
      sample: channels
    event:
      description: Its event.
      type: str
      returned: always
      sample: channel.updated
    url:
      description: Where Bird posts the events.
      type: str
      returned: always
      sample: https://eda.example.com/bird
    event_filters:
      description: Its event filters, sorted; empty when it has none.
      type: list
      elements: dict
      returned: always
      sample: [{key: platformId, value: voice-messagebird}]
    template:
      description: Its template, when Bird gives one.
      type: str
      returned: always
    status:
      description: Its status as Bird gives it, for example V(active) or V(inactive).
      type: str
      returned: always
      sample: active
    has_signing_key:
      description: Whether it has a signing key; V(null) when Bird does not say.
      type: bool
      returned: always
      sample: true
    subscription:
      description: The subscription as Bird returned it, without its signing key.
      type: dict
      returned: always
"""

from ansible_collections.bird.engagements.plugins.module_utils._webhooks import (
    WebhookModule,
    selector_spec,
    subscription_rows,
)


def main():
    module = WebhookModule(argument_spec=selector_spec(), supports_check_mode=True)
    organization_id, workspace_id = module.check_input()
    params = module.params
    rows = module.answer(
        subscription_rows,
        organization_id,
        workspace_id,
        params["service"],
        params["event"].strip() if params["event"] else None,
        params["url"],
    )
    module.exit_json(changed=False, subscriptions=module.scrub(rows))


if __name__ == "__main__":
    main()
