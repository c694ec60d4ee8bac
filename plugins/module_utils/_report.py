# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a run did: one :class:`Outcome` per number, and the :class:`Report` of them all. Internal.

:meth:`Report.result` is the one way every module turns a report into its result.
"""

from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    channel_status,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    api_fields,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_channel_id,
    connector_id,
    connector_template_ref,
)
from ansible_collections.bird.engagements.plugins.module_utils._steps import (
    CREATE,
    DELETE,
    REPLACE,
)

# How many problems a message lists before "and N more".
MAX_LISTED = 25
COUNTS = ("created", "deleted", "replaced", "unchanged", "failed", "not_carried_out")
VERBS = {CREATE: "created", DELETE: "deleted", REPLACE: "replaced"}


class Outcome:
    """What happened to one step: ``changed``, the connector (after, or the one removed) and its
    channel, a failure, or why its action was not carried out (``skipped``)."""

    __slots__ = (
        "step",
        "changed",
        "connector",
        "channel",
        "failure",
        "skipped",
        "settled",
    )

    def __init__(self, step):
        self.step = step
        self.changed = False
        self.connector = step.before
        self.channel = step.channel if step.action != REPLACE else None
        self.failure = step.failure
        self.skipped = step.skipped
        self.settled = False

    def settle(self, connector=None, failure=None):
        if connector is not None:
            self.connector = connector
        self.failure = failure
        self.settled = True

    def skip(self, reason):
        if self.failure is None and self.skipped is None:
            self.skipped = reason

    @property
    def present(self):
        return self.step.state == "present"

    @property
    def channel_id(self):
        if not (self.present and self.connector):
            return None
        return connector_channel_id(self.connector) or (self.channel or {}).get("id")

    @property
    def channel_status(self):
        return channel_status(self.channel) if self.present else None

    @property
    def name(self):
        if not self.present:
            return None
        return self.connector.get("name") if self.connector else self.step.create_name()

    @property
    def bucket(self):
        """Which count of the summary this outcome is in."""
        if self.failure is not None:
            return "failed"
        if self.skipped is not None:
            return "not_carried_out"
        if not self.changed:
            return "unchanged"
        return VERBS.get(self.step.action) or ("created" if self.present else "deleted")

    def status_text(self, check_mode):
        if self.failure is not None:
            return self.failure.message
        if self.skipped is not None:
            return "not carried out: %s" % self.skipped
        if not self.changed:
            return "unchanged"
        verb = VERBS.get(self.step.action, "changed")
        return "would be %s (check mode)" % verb if check_mode else verb

    def managed(self, after, template_ref):
        """The fields a diff shows: state, name and template, never a secret; the same in check
        mode and in a real run (a connector to be created is shown as the create will make it).
        """
        step = self.step
        if after:
            present = step.state == "present"
            connector = self.connector if step.action not in (CREATE, REPLACE) else None
        else:
            present = step.before is not None
            connector = step.before
        view = dict(state="present" if present else "absent")
        if present:
            view["name"] = connector.get("name") if connector else step.create_name()
            view["connector_template_ref"] = (
                connector_template_ref(connector) if connector else template_ref
            )
        return view


class Report:
    """Every outcome of a run, in order, and what the run as a whole came to."""

    def __init__(self, request, outcomes=(), problems=(), warnings=()):
        self.request = request
        self.outcomes = list(outcomes)
        # Failures of the run as a whole (input, a workspace's reads, max_deletions).
        self.problems = list(problems)
        self.warnings = list(warnings)
        self.template_ref = request.template_ref
        self.stopped = bool(self.problems)  # a problem stopped the run before any write

    @property
    def changed(self):
        return any(o.changed for o in self.outcomes)

    @property
    def failures(self):
        return [o for o in self.outcomes if o.failure is not None]

    @property
    def failed(self):
        return bool(self.problems or self.failures)

    def message(self, single=False):
        failures = [o.failure.message for o in self.failures]
        if self.stopped:
            problems = [p.message for p in self.problems] + failures
            return "nothing was changed: %s%s: %s" % (
                _count(len(problems), "problem"),
                "" if self.outcomes else " in the input",
                _listing(problems),
            )
        if single and len(failures) == 1 and len(self.outcomes) == 1:
            return failures[0]
        if failures:
            return "%d of %d numbers failed: %s" % (
                len(failures),
                len(self.outcomes),
                _listing(failures),
            )
        return "ok"

    def api_error(self):
        """The first API error behind a failure, for the top-level status and request id."""
        for failure in [o.failure for o in self.failures] + self.problems:
            if failure.api_error is not None:
                return failure.api_error
        return None

    def summary(self):
        counts = dict.fromkeys(COUNTS, 0)
        for outcome in self.outcomes:
            counts[outcome.bucket] += 1
        return counts

    def workspaces(self):
        """Per workspace: the counts of :meth:`summary`, and a line of text for people."""
        rows: dict = {}
        reasons: dict = {}
        for outcome in self.outcomes:
            workspace_id = outcome.step.workspace_id
            row = rows.setdefault(
                workspace_id,
                dict(workspace_id=workspace_id, **dict.fromkeys(COUNTS, 0)),
            )
            row[outcome.bucket] += 1
            if outcome.bucket == "not_carried_out":
                reasons.setdefault(workspace_id, []).append(outcome.skipped)
        line = (
            "%s: would create %d, would delete %d, %d unchanged, %d failed"
            if self.request.check_mode
            else "%s: %d created, %d deleted, %d unchanged, %d failed"
        )
        for workspace_id, row in rows.items():
            text = line % tuple(
                row[n]
                for n in ("workspace_id", "created", "deleted", "unchanged", "failed")
            )
            if row["replaced"]:
                text += ", %d %s" % (
                    row["replaced"],
                    "would be replaced" if self.request.check_mode else "replaced",
                )
            if row["not_carried_out"]:
                text += ", %d not carried out (%s)" % (
                    row["not_carried_out"],
                    "; ".join(sorted(set(reasons[workspace_id]))),
                )
            row["text"] = text + (" (check mode)" if self.request.check_mode else "")
        return list(rows.values())

    def rows(self):
        """One row per listed entry, in the order given, then one per number a workspace option added."""
        rows: list = []
        check_mode = self.request.check_mode
        for outcome in self.outcomes:
            step = outcome.step
            row = dict(
                workspace_id=step.workspace_id,
                phone_number=step.phone_number,
                phone_number_id=step.phone_number_id,
                connector_id=connector_id(outcome.connector or {}),
                channel_id=outcome.channel_id,
                channel_status=outcome.channel_status,
                name=outcome.name,
                state=step.state,
                changed=outcome.changed,
                action=step.action or "none",
                origin=step.origin,
                failed=outcome.failure is not None,
                msg=outcome.status_text(check_mode),
            )
            if outcome.failure is not None:
                row.update(outcome.failure.result_fields())
            orders = [(0, spec.order) for spec in step.specs] or [(1, len(rows))]
            rows.extend((order, row) for order in orders)
        return [row for dummy, row in sorted(rows, key=lambda item: item[0])]

    def diff(self):
        """``{before, after}``: per workspace, per number that changes, the managed fields."""
        diff: dict = dict(before={}, after={})
        for outcome in self.outcomes:
            if not outcome.changed:
                continue
            step = outcome.step
            key = (
                step.phone_number
                or step.phone_number_id
                or connector_id(outcome.connector or {})
            )
            for side, after in (("before", False), ("after", True)):
                view = outcome.managed(after, self.template_ref)
                diff[side].setdefault(step.workspace_id, {})[key] = view
        return diff

    # -- the modules' results ------------------------------------------------------------
    def result(self, single):
        """``(failed, msg, fields)`` for exit_json/fail_json, the same way for every module."""
        fields = dict(changed=self.changed)
        if single:
            fields.update(self._single())
        else:
            fields.update(
                results=self.rows(),
                summary=self.summary(),
                workspaces=self.workspaces(),
                diff=self.diff(),
            )
        if not self.failed:
            return False, None, fields
        error = self.api_error()
        if single or error is not None:
            fields.update(api_fields(error))
        if not single:
            fields["errors"] = [p.message for p in self.problems] + [
                o.failure.message for o in self.failures
            ]
        return True, self.message(single), fields

    def _single(self):
        if not self.outcomes:
            return dict(
                channel_id=None,
                channel_status=None,
                connector_id=None,
                phone_number_id=None,
                connector={},
            )
        outcome = self.outcomes[0]
        step = outcome.step
        common = dict(
            workspace_id=step.workspace_id,
            phone_number_id=step.phone_number_id,
            phone_number=step.phone_number,
        )
        return dict(
            channel_id=outcome.channel_id,
            channel_status=outcome.channel_status,
            connector_id=connector_id(outcome.connector or {}),
            phone_number_id=step.phone_number_id,
            phone_number=step.phone_number,
            connector=outcome.connector or {},
            diff=dict(
                before=dict(common, **outcome.managed(False, self.template_ref)),
                after=dict(common, **outcome.managed(True, self.template_ref)),
            ),
        )


def _count(number, noun):
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


def _listing(messages):
    shown = messages[:MAX_LISTED]
    more = len(messages) - len(shown)
    return "; ".join(shown) + ("; and %d more" % more if more > 0 else "")
