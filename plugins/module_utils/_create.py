# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Creating Voice connectors, looking before ever sending a create twice, and deleting them. Internal.

A create attempt (:func:`attempt_create`) ends ``CREATED``, ``DUPLICATE`` (a 409 or 422: the
connector exists, or for a 422 perhaps a validation error), ``REFUSED`` (the entry fails with
Bird's words) or ``UNCERTAIN`` (a 5xx, a lost connection, a timeout: it may have been applied).

:class:`Creator` then re-reads each workspace's connectors once per round (not once per entry)
until each connector Bird says exists, or may have created, is found, refused, or
``wait_timeout`` runs out: installation is asynchronous, and Bird may list a new connector some
seconds late. An uncertain create is sent again, at most ``retries`` times, only after its
connector has not been listed for ``LATE_LISTING_SECONDS``: whether Bird refuses a second
connector on a number is unverified, so one that Bird lists later than that could end up twice.
"""

from ansible_collections.bird.engagements.plugins.module_utils._backoff import LOOKUP
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    Failure,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    RETRY_CREATE,
    workspace_path,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_id,
)
from ansible_collections.bird.engagements.plugins.module_utils._steps import REPLACE
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    read_voice_connectors,
    the_connector,
)

CREATED = "created"
DUPLICATE = "duplicate"
REFUSED = "refused"
UNCERTAIN = "uncertain"

# Statuses Bird may use for "connector already exists" (which one is unverified).
DUPLICATE_STATUSES = (409, 422)
# Words of a 422's code or message that say the connector is there already. Bird's code
# string is unverified, so a 422 without them may still be the refusal, or a validation
# error: its connector is looked for this many seconds (within wait_timeout), then
# Bird's words are the answer.
EXISTS_WORDS = ("already", "duplicate", "conflict")
UNCONFIRMED_LOOK_SECONDS = 5.0
# How long a create that may have been applied is looked for before it is sent again.
LATE_LISTING_SECONDS = 10.0


def says_it_exists(error):
    """A 409, or a 422 whose code or message says the connector is there already."""
    if error.status == 409:
        return True
    if error.status == 422:
        words = ("%s %s" % (error.code or "", error.api_message or "")).lower()
        return any(word in words for word in EXISTS_WORDS)
    return False


def about(step):
    """What a write's failure starts with: the entry (if listed) and its number."""
    return "%snumber %s: " % (step.prefix, step.given)


def create_body(step, template_ref):
    body = {
        "name": step.create_name(),
        "connectorTemplateRef": template_ref,
        "arguments": {"phoneNumberId": step.phone_number_id},
    }
    if step.conversational is not None:
        body["channelConversationalStatusEnabled"] = bool(step.conversational)
    return body


def attempt_create(client, step, template_ref):
    """Send one create: ``(kind, connector or None, error or None)``."""
    path = workspace_path(step.workspace_id, "connectors")
    try:
        response = client.request(
            "POST", path, body=create_body(step, template_ref), retry=RETRY_CREATE
        )
    except BirdAPIError as err:
        if err.status in DUPLICATE_STATUSES:
            return DUPLICATE, None, err
        if err.maybe_applied or (err.status is None and err.transient):
            return UNCERTAIN, None, err
        return REFUSED, None, err
    body = response.body
    if isinstance(body, dict) and connector_id(body):
        return CREATED, body, None
    # Accepted, but without the connector: it is looked up, and the answer is kept for the
    # error (its request id) in case it never shows.
    return (
        CREATED,
        None,
        BirdAPIError(
            "Bird answered HTTP %s without a connector id" % response.status,
            method="POST",
            path=path,
            request_id=response.request_id,
        ),
    )


class Pending:
    """A create not settled yet: what happened so far, and whether the connector may be ours."""

    __slots__ = ("outcome", "kind", "error", "sends", "maybe_ours", "look_until")

    def __init__(self, outcome):
        self.outcome = outcome
        self.kind = None
        self.error = None
        self.sends = 0
        # How long a connector Bird may have is looked for (None: until wait_timeout).
        self.look_until = None
        # Whether an attempt of ours may have been applied: a connector found later may then be
        # ours, and "changed" must not be denied.
        self.maybe_ours = False

    def settle(self, connector=None, failure=None):
        self.outcome.changed = self.outcome.changed or self.maybe_ours
        self.outcome.settle(connector, failure)


class Creator:
    """Creates the connectors of many outcomes, across workspaces, in rounds."""

    def __init__(self, client, template_ref, slug, deadline, pmap, sleep):
        self.client = client
        self.template_ref = template_ref
        self.slug = slug
        self.deadline = deadline
        self.pmap = pmap
        self.sleep = sleep

    def create_all(self, outcomes):
        pending = [Pending(o) for o in outcomes]
        to_send = list(pending)
        look = 0
        while pending:
            for item, (kind, connector, error) in zip(
                to_send, self.pmap(self._send, to_send)
            ):
                self._sent(item, kind, connector, error)
            pending = [p for p in pending if not p.outcome.settled]
            if not pending:
                return
            look += 1
            self.sleep(min(LOOKUP.delay(look), self.deadline.remaining()))
            to_send = self._look(pending)
            pending = [p for p in pending if not p.outcome.settled]

    def _send(self, item):
        item.sends += 1
        return attempt_create(self.client, item.outcome.step, self.template_ref)

    def _sent(self, item, kind, connector, error):
        """The one place where each way a create attempt can end is handled."""
        outcome = item.outcome
        item.kind, item.error = kind, error
        if kind == CREATED:
            outcome.changed = True
            if connector is not None:
                outcome.settle(connector)
            # else: Bird accepted it without returning the connector; look it up.
        elif kind == REFUSED:
            outcome.settle(failure=Failure.from_api(error, about(outcome.step)))
        elif kind == UNCERTAIN:
            item.maybe_ours = True
            item.look_until = self.deadline.sooner(LATE_LISTING_SECONDS)
        elif kind == DUPLICATE and not says_it_exists(error):
            # A 422 that may be a validation error: looked up briefly, then Bird's words stand.
            item.look_until = self.deadline.sooner(UNCONFIRMED_LOOK_SECONDS)
        # DUPLICATE: someone else's, or an earlier uncertain attempt of ours; look it up.

    def _look(self, pending):
        """One re-read per workspace; settle what is found. Returns the creates to send again."""
        by_workspace: dict = {}
        for item in pending:
            by_workspace.setdefault(item.outcome.step.workspace_id, []).append(item)
        reads = self.pmap(self._read, list(by_workspace))
        to_send = []
        for items, (voice, error) in zip(by_workspace.values(), reads):
            for item in items:
                if error is not None:
                    self._unknown(item, error)
                    continue
                step = item.outcome.step
                found = [
                    c
                    for c in voice.for_number(step.phone_number_id, step.phone_number)
                    # A replaced connector Bird still lists (its delete may be asynchronous) is not it.
                    if step.action != REPLACE
                    or connector_id(c) != connector_id(step.before)
                ]
                chosen = the_connector(found, self.template_ref)
                if chosen is not None:
                    item.settle(chosen)
                elif found:
                    item.outcome.settle(
                        failure=Failure(
                            "%smore than one connector now exists for number %s: %s"
                            % (
                                step.prefix,
                                step.given,
                                ", ".join(sorted(map(connector_id, found))),
                            )
                        )
                    )
                elif (
                    item.kind == UNCERTAIN
                    and item.sends <= self.client.retries
                    and item.look_until.passed()
                    and not self.deadline.passed()
                ):
                    to_send.append(item)
                elif self.deadline.passed() or not self._may_still_appear(item):
                    self._not_found(item)
        return to_send

    def _read(self, workspace_id):
        try:
            return read_voice_connectors(self.client, workspace_id, self.slug), None
        except BirdAPIError as err:
            return None, err

    @staticmethod
    def _may_still_appear(item):
        """A connector Bird accepted, or says exists, may not be listed yet: keep looking
        (an unconfirmed 422's for a few seconds; an uncertain create's until it is sent again).
        """
        if item.kind == CREATED:
            return True
        if item.kind == UNCERTAIN:
            return not item.look_until.passed()
        return item.kind == DUPLICATE and (
            not item.look_until.passed()
            if item.look_until is not None
            else says_it_exists(item.error)
        )

    def _unknown(self, item, error):
        # The look failed: say so, and report a change rather than deny one.
        cause = " (after: %s)" % item.error if item.error is not None else ""
        item.settle(
            failure=Failure.from_api(
                error,
                "%scould not check whether the create was applied%s; run again: a run looks for "
                "the connector before it creates one: "
                % (item.outcome.step.prefix, cause),
            )
        )

    def _not_found(self, item):
        outcome, step = item.outcome, item.outcome.step
        if item.kind == CREATED:
            message = (
                "Bird accepted the create but returned no connector id, and none is listed for number %s "
                "within wait_timeout: run again to pick it up (%s)"
                % (step.given, item.error)
            )
            outcome.settle(failure=Failure(step.prefix + message, api_error=item.error))
            return
        # Else a duplicate whose connector did not show (a 422 that did not say the connector
        # exists needs no hint: Bird's words stand), or an uncertain create out of retries.
        if item.kind == DUPLICATE and says_it_exists(item.error):
            item.error.hint = (
                "Bird says the connector exists, but no %s connector is listed for number %s within "
                "wait_timeout: look for a connector of another platform or template on this number"
                % (self.slug, step.given)
            )
        item.settle(failure=Failure.from_api(item.error, about(step)))


def delete(client, outcome):
    """Delete the outcome's connector. A 404 means someone else removed it, unless an earlier
    try of ours may have (a lost response)."""
    step = outcome.step
    try:
        response = client.request(
            "DELETE",
            workspace_path(step.workspace_id, "connectors", connector_id(step.before)),
            accept_status=(404,),
        )
    except BirdAPIError as err:
        outcome.changed = err.maybe_applied
        outcome.settle(failure=Failure.from_api(err, about(step)))
        return
    outcome.changed = response.status != 404 or response.uncertain
    outcome.settle(step.before)


def remove_replaced(client, outcome):
    """Delete the connector a replacement replaces (its channel failed); its create follows."""
    delete(client, outcome)
    if outcome.failure is None:
        outcome.connector, outcome.settled = None, False
