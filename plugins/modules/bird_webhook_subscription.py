#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: bird_webhook_subscription
short_description: Ensure a Bird workspace has a webhook subscription
version_added: 0.1.0
description:
  - Creates, updates or removes a webhook subscription of a Bird workspace (Notifications API), such as one that
    posts C(channels) C(channel.updated) events to an Event-Driven Ansible listener.
  - A subscription is identified by its O(service), O(event) and O(url). Its O(event_filters), O(template),
    O(status) and signing key are updated in place; the subscription keeps its id. To move a subscription to
    another URL, remove the old one and add the new one.
  - Several subscriptions with the same service, event and URL fail the task, naming their ids; nothing is changed.
  - The signing key never shows in results, errors or diffs. Bird may return a subscription's key; if it does, a
    different key is updated. If it does not, the module cannot tell whether the key differs; see
    O(update_signing_key).
author:
  - Bird engagements collection maintainers (@bird-engagements)
extends_documentation_fragment:
  - bird.engagements.connection
  - bird.engagements.connection.ORGANIZATION
  - bird.engagements.connection.WORKSPACE
  - bird.engagements.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the subscriptions, sends no write request, and predicts RV(ignore:changed) as a real run would.
      - When a run would create the subscription, RV(subscription) is empty.
  diff_mode:
    support: full
    details:
      - Shows the state, service, event, URL, event filters, template and status. Of the signing key it shows only
        whether it is set, updated, or not returned by Bird; never the key.
  idempotent:
    support: partial
    description: When run twice in a row with the same arguments, the second run reports no change.
    details:
      - With O(update_signing_key=always) and a O(signing_key), every run sends the key and reports a change when
        Bird does not return keys. Otherwise a second run with the same arguments reports no change.
options:
  service:
    description:
      - The Bird service whose events to receive.
    type: str
    required: true
    choices: [channels, numbers, payments, conversations]
  event:
    description:
      - The event, for example V(channel.created) or V(channel.updated) of V(channels), or V(endpoint) of
        V(numbers).
    type: str
    required: true
  url:
    description:
      - Where Bird posts the events. Bird accepts only a public C(https://) URL whose host is a domain name (labels
        of letters, digits and hyphens, and a top-level domain of letters), without a port or white space; any other
        URL fails before a request is sent.
      - So an Event-Driven Ansible listener sits behind a TLS endpoint with a public name.
    type: str
    required: true
  event_filters:
    description:
      - Only events matching these filters are delivered, for example C(platformId) and C(channelStatus) for
        V(channels). Compared as a set, in any order.
      - When not set, the filters of an existing subscription are left as they are. V([]) removes them.
    type: list
    elements: dict
    suboptions:
      key:
        description: The filter's key.
        type: str
        required: true
      value:
        description: The value it must have.
        type: str
        required: true
  template:
    description:
      - Bird's template of the delivered payload. When not set, an existing subscription's template is left as it is.
    type: str
  signing_key:
    description:
      - The key Bird signs every delivery with (C(messagebird-signature)); give the same key to the listener.
      - When not set, the key is left as it is (Bird may make one).
    type: str
  update_signing_key:
    description:
      - When to send O(signing_key) to an existing subscription.
      - V(on_create) sends it when the subscription is created, when Bird returns a different key, and when Bird
        says the subscription has none. When Bird does not return keys, a changed key is not noticed.
      - V(always) also sends it on every run when Bird does not return keys, so the task always reports a change.
        Use it once to rotate a key, or where that is what you want.
    type: str
    choices: [on_create, always]
    default: on_create
  status:
    description:
      - V(inactive) keeps the subscription without deliveries.
    type: str
    choices: [active, inactive]
    default: active
  state:
    description:
      - V(present) creates or updates the subscription; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: bird.engagements.bird_webhook_subscription_info
  - name: bird.engagements.bird_webhook event source
    description: >-
      The Event-Driven Ansible source of this collection that receives these deliveries and checks their signature
      (C(extensions/eda/plugins/event_source/bird_webhook.py)).
    link: https://github.com/bird-engagements/bird.engagements/tree/main/extensions/eda/plugins/event_source
"""

EXAMPLES = r"""
- name: Post channel status changes of Voice channels to the rulebook's listener
  bird.engagements.bird_webhook_subscription:
    organization_id: 6e1d0c2b-3a4f-4e5d-8c7b-9a0f1e2d3c4b
    workspace_id: 2cffb55c-120e-41a8-8f10-ed9d1b412d29
    service: channels
    event: channel.updated
    url: https://eda.example.com/bird
    event_filters:
      - key: platformId
        value: voice-messagebird
    signing_key: "{{ vault_bird_webhook_key }}"

- name: Pause the deliveries, credentials and ids from the environment (BIRD_*)
  bird.engagements.bird_webhook_subscription:
    service: channels
    event: channel.updated
    url: https://eda.example.com/bird
    status: inactive

- name: Rotate the key (Bird does not return keys, so send it this once)
  bird.engagements.bird_webhook_subscription:
    service: channels
    event: channel.updated
    url: https://eda.example.com/bird
    signing_key: "{{ vault_bird_webhook_new_key }}"
    update_signing_key: always

- name: Remove the subscription
  bird.engagements.bird_webhook_subscription:
    service: channels
    event: channel.updated
    url: https://eda.example.com/bird
    state: absent
"""

RETURN = r"""
subscription:
  description:
    - The subscription as Bird returned it, without its signing key. With O(state=absent), the one removed.
    - Empty when there is none, and in check mode when a run would create it.
  returned: always
  type: dict
  sample:
    id: 3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a
    service: channels
    event: channel.updated
    url: https://eda.example.com/bird
    eventFilters:
      - key: platformId
        value: voice-messagebird
    status: active
    createdAt: "2025-02-07T16:48:03.963Z"
    updatedAt: "2025-02-07T16:48:03.963Z"
status:
  description: HTTP status of Bird's answer behind a failure, if any.
  returned: on failure
  type: int
  sample: 403
api_code:
  description: Bird's error C(code) behind a failure, if any.
  returned: on failure
  type: str
  sample: InvalidPayload
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

from ansible_collections.bird.engagements.plugins.module_utils._webhook_changes import (
    Desired,
    ensure,
)
from ansible_collections.bird.engagements.plugins.module_utils._webhooks import (
    STATES,
    STATUSES,
    UPDATE_SIGNING_KEY,
    WebhookModule,
    selector_spec,
)


def main():
    spec = selector_spec()
    for name in ("service", "event", "url"):
        spec[name]["required"] = True
    spec.update(
        event_filters=dict(
            type="list",
            elements="dict",
            options=dict(
                key=dict(type="str", required=True, no_log=False),
                value=dict(type="str", required=True),
            ),
        ),
        template=dict(type="str"),
        signing_key=dict(type="str", no_log=True),
        update_signing_key=dict(
            type="str",
            default="on_create",
            choices=list(UPDATE_SIGNING_KEY),
            no_log=False,
        ),
        status=dict(type="str", default="active", choices=list(STATUSES)),
        state=dict(type="str", default="present", choices=list(STATES)),
    )
    module = WebhookModule(argument_spec=spec, supports_check_mode=True)
    organization_id, workspace_id = module.check_input()
    outcome = module.answer(
        ensure,
        organization_id,
        workspace_id,
        Desired(module.params),
        module.params["state"],
        module.check_mode,
    )
    module.exit_json(
        changed=outcome.changed,
        subscription=module.scrub(outcome.subscription),
        diff=module.scrub(outcome.diff),
    )


if __name__ == "__main__":
    main()
