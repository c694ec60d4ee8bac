# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Steps: one number's decision, and the steps of one workspace. Internal.

The planner (``_plan``) makes them; the service carries them out; the report shows them.
"""

from ansible_collections.bird.engagements.plugins.module_utils._errors import Failure
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_number_id,
)

LISTED = "listed"
ALL_VOICE_NUMBERS = "all_voice_numbers"
EXCLUSIVE = "exclusive"

CREATE = "create"
DELETE = "delete"
REPLACE = "replace"  # delete a connector whose channel failed, then create a new one

# Why a step that did not fail was not carried out.
UNREAD = "the workspace could not be read"


class Step:
    """One number's decision. ``specs`` are the listings it comes from (none when derived)."""

    __slots__ = (
        "workspace_id",
        "specs",
        "origin",
        "state",
        "phone_number",
        "phone_number_id",
        "name",
        "conversational",
        "before",
        "channel",
        "number",
        "action",
        "failure",
        "skipped",
    )

    def __init__(
        self,
        workspace_id,
        specs=(),
        origin=LISTED,
        state="present",
        phone_number=None,
        phone_number_id=None,
        name=None,
        conversational=None,
    ):
        self.workspace_id = workspace_id
        self.specs = tuple(specs)
        self.origin = origin
        self.state = state
        self.phone_number = phone_number
        self.phone_number_id = phone_number_id
        self.name = name
        self.conversational = conversational
        self.before = None  # the Voice connector found, if any
        self.channel = None  # its channel, when read
        self.number = None  # the number object, when one was read
        self.action = None  # CREATE, DELETE, REPLACE or None
        self.failure = None
        # Why its action was not carried out, though it did not fail.
        self.skipped = None

    @classmethod
    def listed(cls, specs):
        spec = specs[0]
        return cls(
            spec.workspace_id,
            specs,
            LISTED,
            spec.state,
            spec.phone_number,
            spec.phone_number_id,
            spec.name,
            spec.conversational,
        )

    @property
    def prefix(self):
        return self.specs[0].prefix if self.specs else ""

    @property
    def given(self):
        return self.phone_number or self.phone_number_id

    def create_name(self):
        """The name a new connector of this number gets."""
        return self.name or "Voice %s" % self.given

    def fail(self, message):
        self.failure = Failure(self.prefix + message)

    def adopt(self, connector, e164=None):
        """Take the connector found as this number's, filling in what the input did not say."""
        self.before = connector
        self.phone_number_id = self.phone_number_id or connector_number_id(connector)
        self.phone_number = self.phone_number or e164

    def to_delete(self, connector, e164):
        """Make this step the deletion of ``connector``; returns the step."""
        self.adopt(connector, e164)
        self.action = DELETE
        return self


class WorkspacePlan:
    """The steps of one workspace, its warnings, and any failure of the workspace as a whole."""

    def __init__(self, group):
        self.group = group
        self.workspace_id = group.workspace_id
        self.steps = []
        self.failure = None  # the workspace could not be read
        self.guard = None  # max_deletions stopped its deletions
        self.warnings = []
