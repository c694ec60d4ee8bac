# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One install on the spare number with raw requests, watched from the create to the delete.

This is where the unverified points of bird-api.md are seen: what the 201 holds, the channel's
statuses in order, how soon the connector is listed and what its list item says, whether the
template filter is honoured, how Bird answers a second install on the same number (one it
accepts is deleted at once, by the id it returned), what the delete answers and whether it
is asynchronous, and what becomes of the channel.
"""

from __future__ import annotations

import time

from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    NOT_YET,
    channel_status,
    verdict,
)
from ansible_collections.bird.engagements.plugins.module_utils._create import (
    DUPLICATE_STATUSES,
    says_it_exists,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_channel_id,
    connector_id,
    connector_number_id,
    template_slug,
)
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    list_connectors,
)
from ansible_collections.bird.engagements.tests.live.probe import (
    TEMPLATE,
    VOICE_SLUG,
    capabilities_shape,
    channel_shape,
    number_fields_named,
    template_fields_named,
)

NAME = "bird.engagements make live"
TEMPLATE_FILTER_PARAM = "templateRef"  # as Bird documents it
POLL_SECONDS = 0.25


class Clock:
    """Time and sleep, so that tests could replace them."""

    def __init__(self, now=time.monotonic, sleep=time.sleep):
        self.now = now
        self.sleep = sleep


def channel_ids(channels):
    return [c.get("id") for c in channels]


def wait_gone(probe, ids, seconds, clock):
    """Wait until none of ``ids`` can be read or is listed; the ids still there after ``seconds``."""
    deadline = clock.now() + seconds
    left = list(ids)
    while left:
        listed = set(
            connector_id(c) for c in list_connectors(probe.client, probe.workspace_id)
        )
        left = [
            cid
            for cid in left
            if cid in listed or probe.get("connectors", cid).status != 404
        ]
        if not left or clock.now() >= deadline:
            break
        clock.sleep(POLL_SECONDS)
    return left


class RawCycle:
    """The raw install and its observations; ``report`` gets them, ``snapshot`` is the workspace before."""

    def __init__(self, probe, report, snapshot, wait_seconds, clock=None):
        self.probe = probe
        self.report = report
        self.snapshot = snapshot
        self.wait_seconds = wait_seconds
        self.clock = clock or Clock()
        self.maybe_untracked = False  # a create of ours may exist without its id known
        self.connector = None
        self.channel_id = None
        self.created_at = None
        self.settled = False

    def run(self):
        """Install, observe, uninstall. True when the channel became usable and the connector is gone."""
        report = self.report
        with report.step("install the Voice connector on the spare number (raw POST)"):
            if not self.install():
                return False
        with report.step("watch its channel until it is set up"):
            usable = self.watch_channel()
        with report.step("wait until the connector and its channel are listed"):
            listed = self.wait_listed()
            self.wait_channel_listed()
        with report.step("read its list item and the template filter"):
            self.list_items(listed)
            self.template_filter(listed)
        with report.step("read the connector on its own"):
            self.read_one()
        with report.step("try a second install on the same number"):
            self.second_install()
        with report.step("uninstall it (raw DELETE) and watch it go"):
            self.uninstall()
        return usable and self.settled

    # -- install and channel ------------------------------------------------------------
    def install(self):
        report = self.report
        self.created_at = self.clock.now()
        answer = self.probe.create(NAME)
        report["create"].update(status=answer.status, code=answer.code)
        if answer.error is not None:
            self.maybe_untracked = True
            report.fail("the install's outcome is unknown: %s" % answer.error)
            return False
        if not answer.ok:
            report.fail(
                "Bird refused the install: HTTP %s %s %s"
                % (answer.status, answer.code or "", answer.message or "")
            )
            return False
        body = answer.body if isinstance(answer.body, dict) else {}
        if not connector_id(body):
            self.maybe_untracked = True
            report.fail(
                "Bird answered HTTP %s to the install without a connector id"
                % answer.status
            )
            return False
        self.connector = body
        shape = channel_shape(body)
        report["create_returns_channel"] = shape == "assigned"
        report["pending_channel_shape"] = None if shape == "assigned" else shape
        report["create"].update(
            connector_id=connector_id(body),
            names_number=connector_number_id(body) is not None,
            template_fields=template_fields_named(body),
        )
        self.channel_id = connector_channel_id(body)
        return True

    def watch_channel(self):
        """Read the connector until it names its channel, then the channel until it is past setting up."""
        report, probe, clock = self.report, self.probe, self.clock
        cid = connector_id(self.connector)
        statuses: list = []
        seen = report["channel"]
        deadline = self.created_at + self.wait_seconds
        while True:
            if self.channel_id is None:
                answer = probe.get("connectors", cid)
                if answer.status == 404:
                    report.fail(
                        "connector %s disappeared while its channel was set up" % cid
                    )
                    break
                if answer.ok:
                    shape = channel_shape(answer.body)
                    if shape != "assigned" and "pending_channel_shape_get" not in seen:
                        seen["pending_channel_shape_get"] = shape
                    self.channel_id = connector_channel_id(answer.body)
                    if self.channel_id:
                        seen["assigned_after_seconds"] = self._since_create()
            if self.channel_id is not None:
                answer = probe.get("channels", self.channel_id)
                if answer.ok:
                    status = channel_status(answer.body)
                    seen.setdefault("readable_after_seconds", self._since_create())
                    if not statuses or statuses[-1] != status:
                        statuses.append(status)
                    if verdict(status) != NOT_YET:
                        break
                elif answer.status == 404:
                    seen["unreadable_reads"] = seen.get("unreadable_reads", 0) + 1
            if clock.now() >= deadline:
                report.fail(
                    "the channel of connector %s was not set up within %s seconds (statuses seen: %s)"
                    % (cid, self.wait_seconds, statuses or "none")
                )
                break
            clock.sleep(POLL_SECONDS)
        report["channel_statuses_seen"] = statuses
        final = statuses[-1] if statuses else None
        seen.update(
            channel_id=self.channel_id, final_status=final, usable=final == "active"
        )
        if statuses and final != "active":
            report.fail("the new channel ended %r, not active" % final)
        return final == "active"

    def wait_listed(self):
        """The connectors list once it holds the new connector (Bird may list it late)."""
        cid = connector_id(self.connector)
        deadline = self.clock.now() + self.wait_seconds
        while True:
            listed = list_connectors(self.probe.client, self.probe.workspace_id)
            if cid in [connector_id(c) for c in listed]:
                self.report["connector_listed_after_seconds"] = self._since_create()
                return listed
            if self.clock.now() >= deadline:
                self.report.fail(
                    "Bird did not list connector %s within %s seconds of its create"
                    % (cid, self.wait_seconds)
                )
                return listed
            self.clock.sleep(POLL_SECONDS)

    def wait_channel_listed(self):
        """Whether the channels list (filtered by platform) names the new channel, and honours the filter."""
        seen = self.report["channel"]
        if self.channel_id is None:
            return
        deadline = self.clock.now() + self.wait_seconds
        while True:
            channels, info = self.probe.pages(
                "channels", params={"platform": VOICE_SLUG}, limit=1000
            )
            listed = self.channel_id in channel_ids(channels)
            refused = not 200 <= (info["status"] or 0) < 300
            if listed or refused or self.clock.now() >= deadline:
                break
            self.clock.sleep(POLL_SECONDS)
        seen["listed_after_seconds"] = self._since_create() if listed else None
        seen["platform_filter_status"] = info["status"]
        if not listed:
            # The modules wait for a new channel by reading this list.
            self.report.fail(
                "the channels list (platform=%s) did not name the new channel %s %s"
                % (
                    VOICE_SLUG,
                    self.channel_id,
                    (
                        "(HTTP %s)" % info["status"]
                        if refused
                        else "within %s seconds" % self.wait_seconds
                    ),
                )
            )
        others = [
            i
            for i, c in self.snapshot.channels.items()
            if c["platform"] not in (None, VOICE_SLUG)
        ]
        if others:
            seen["platform_filter_honoured"] = not set(others) & set(
                channel_ids(channels)
            )

    # -- what lists say -----------------------------------------------------------------
    def _templates(self):
        """Connector id -> template, as read before the run (list items completed), with ours."""
        templates = {cid: c["template"] for cid, c in self.snapshot.connectors.items()}
        templates[connector_id(self.connector)] = TEMPLATE
        return templates

    def list_items(self, listed):
        report = self.report
        templates = self._templates()
        voice = [
            c
            for c in listed
            if template_slug(templates.get(connector_id(c))) == VOICE_SLUG
        ]
        naming = [c for c in voice if number_fields_named(c)]
        ours = [c for c in listed if connector_id(c) == connector_id(self.connector)]
        report["listing"].update(
            voice_items=len(voice),
            voice_items_naming_number=len(naming),
            number_fields=number_fields_named(ours[0]) if ours else None,
            template_fields=template_fields_named(ours[0]) if ours else None,
        )
        if voice:
            report["list_items_name_number"] = len(naming) == len(voice)
        if ours:
            report["list_items_name_template"] = bool(template_fields_named(ours[0]))

    def template_filter(self, listed):
        """Ask for the connectors of ``voice-messagebird:1`` and compare with the whole list."""
        report = self.report
        templates = self._templates()
        everything = set(connector_id(c) for c in listed)
        others = set(
            cid for cid in everything if templates.get(cid) not in (None, TEMPLATE)
        )
        filtered, info = self.probe.pages(
            "connectors", params={TEMPLATE_FILTER_PARAM: TEMPLATE}, limit=100
        )
        got = set(connector_id(c) for c in filtered)
        ours = connector_id(self.connector)
        seen = report["template_filter"]
        seen.update(
            param=TEMPLATE_FILTER_PARAM,
            value=TEMPLATE,
            status=info["status"],
            other_templates=len(others),
            items_unfiltered=len(everything),
            items_filtered=len(got),
        )
        if info["status"] is not None and not 200 <= info["status"] < 300:
            seen["match"] = "refused"
            report["template_filter_honoured"] = False
        elif not others:
            seen["match"] = None
        elif not got & others and ours in got:
            seen["match"] = "exact"
            report["template_filter_honoured"] = True
        elif everything <= got:
            seen["match"] = "ignored"
            report["template_filter_honoured"] = False
        elif ours in got and all(
            template_slug(templates.get(cid)) == VOICE_SLUG for cid in got
        ):
            seen["match"] = "slug"
            report["template_filter_honoured"] = True
        else:
            seen["match"] = "other"
            report.note(
                "the template filter left out some connectors of other templates but not all, or left out ours"
            )

    def read_one(self):
        answer = self.probe.get("connectors", connector_id(self.connector))
        if not answer.ok:
            self.report.fail(
                "GET of connector %s: HTTP %s"
                % (connector_id(self.connector), answer.status)
            )
            return
        body = answer.body
        self.report["get_names_number"] = bool(number_fields_named(body))
        number = body.get("number")
        self.report["number"]["connector_number_capabilities_shape"] = (
            capabilities_shape(number) if isinstance(number, dict) else None
        )

    # -- the second install ---------------------------------------------------------------
    def second_install(self):
        report = self.report
        seen = report["duplicate"]
        answer = self.probe.create(NAME + " (second install)")
        if answer.error is not None:
            self.maybe_untracked = True
            report.fail("the second install's outcome is unknown: %s" % answer.error)
            return
        if answer.ok:
            report["duplicate_refused"] = False
            seen["accepted_status"] = answer.status
            second = (
                connector_id(answer.body) if isinstance(answer.body, dict) else None
            )
            if second is None:
                self.maybe_untracked = True
                report.fail("Bird accepted the second install without a connector id")
                return
            seen["connector_id"] = second
            deleted = self.probe.delete(second)
            seen["delete_status"] = deleted.status
            if not deleted.ok:
                report.fail(
                    "the delete of the second connector %s: HTTP %s"
                    % (second, deleted.status)
                )
            return
        report["duplicate_refused"] = True
        report["duplicate_status"] = answer.status
        report["duplicate_code"] = answer.code
        seen["message"] = answer.message
        error = BirdAPIError(
            "", status=answer.status, code=answer.code, api_message=answer.message
        )
        if answer.status not in DUPLICATE_STATUSES:
            seen["collection_reads_it_as"] = (
                "refused: the module fails with Bird's words"
            )
        elif says_it_exists(error):
            seen["collection_reads_it_as"] = "exists: the module looks the connector up"
        else:
            seen["collection_reads_it_as"] = (
                "perhaps a validation error: the module looks for the connector for a few seconds"
            )

    # -- the delete ----------------------------------------------------------------------
    def uninstall(self):
        report, probe = self.report, self.probe
        cid = connector_id(self.connector)
        seen = report["delete"]
        answer = probe.delete(cid)
        report["delete_status"] = answer.status
        seen["returns_connector"] = (
            isinstance(answer.body, dict) and connector_id(answer.body) == cid
        )
        if answer.error is not None or not answer.ok:
            report.fail(
                "the delete of connector %s: %s"
                % (
                    cid,
                    answer.error or "HTTP %s %s" % (answer.status, answer.code or ""),
                )
            )
            return
        started = self.clock.now()
        readable = probe.get("connectors", cid).ok
        listed = cid in [
            connector_id(c) for c in list_connectors(probe.client, probe.workspace_id)
        ]
        seen.update(readable_right_after=readable, listed_right_after=listed)
        report["delete_async"] = readable or listed
        left = wait_gone(probe, [cid], self.wait_seconds, self.clock)
        self.settled = not left
        if left:
            report.fail(
                "connector %s was still there %s seconds after its delete"
                % (cid, self.wait_seconds)
            )
            return
        seen["gone_after_seconds"] = round(self.clock.now() - started, 2)
        if self.channel_id:
            channel = probe.get("channels", self.channel_id)
            report["deleted_channel_visible"] = channel.ok
            seen["deleted_channel_status"] = (
                channel_status(channel.body) if channel.ok else None
            )
            if channel.ok and seen["deleted_channel_status"] != "deleted":
                report.note(
                    "channel %s is still readable as %r after its connector's delete, which Bird "
                    "documents as deleting the channel"
                    % (self.channel_id, seen["deleted_channel_status"])
                )
            channels, dummy = probe.pages(
                "channels", params={"platform": VOICE_SLUG}, limit=1000
            )
            seen["deleted_channel_listed"] = self.channel_id in channel_ids(channels)
        seen["delete_again_status"] = probe.delete(cid).status

    def _since_create(self):
        return round(self.clock.now() - self.created_at, 2)
