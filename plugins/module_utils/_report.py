# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a run did: one :class:`Outcome` per number, and the :class:`Report` of them all. Internal.

Every module turns a report into its result the same way (:meth:`Report.result`):
the single-number module shows its one number at the top level, the batch module a
row per listed entry (and per number that ``all_voice_numbers`` or ``exclusive``
added); both carry Bird's status, code, message and request id for a failure, the
summary, and with ``--diff`` the managed fields before and after.
"""

from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_channel_id,
    connector_id,
    connector_template_ref,
)
from ansible_collections.bird.engagements.plugins.module_utils._plan import (
    CREATE,
    DELETE,
)

# How many problems a message lists before "and N more".
MAX_LISTED = 25
# Why an entry that did not fail was not carried out (see Report.not_done).
UNREAD = "the workspace could not be read"
STOPPED = "the run stopped before any write"


class Outcome:
    """What happened to one step: ``changed``, the connector (after, or the one removed), a failure."""

    __slots__ = ("step", "changed", "connector", "failure", "settled")

    def __init__(self, step):
        self.step = step
        self.changed = False
        self.connector = step.before
        self.failure = step.failure
        self.settled = False

    def settle(self, connector=None, failure=None):
        if connector is not None:
            self.connector = connector
        self.failure = failure
        self.settled = True

    @property
    def present(self):
        return self.step.state == "present"

    @property
    def channel_id(self):
        """Derived from the connector: there is no other copy of it."""
        return (
            connector_channel_id(self.connector)
            if self.present and self.connector
            else None
        )

    @property
    def name(self):
        if not self.present:
            return None
        return self.connector.get("name") if self.connector else self.step.create_name()

    def status_text(self, check_mode):
        if self.failure is not None:
            return self.failure.message
        if not self.changed:
            return "unchanged"
        verb = {CREATE: "created", DELETE: "deleted"}.get(self.step.action, "changed")
        return "would be %s (check mode)" % verb if check_mode else verb

    def managed(self, after, template_ref):
        """The fields a diff shows: state, name and template, never a secret.

        The same in check mode and in a real run: a connector to be created is shown as
        the create will make it.
        """
        step = self.step
        if after:
            present = step.state == "present"
            connector = self.connector if step.action != CREATE else None
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

    def __init__(
        self,
        request,
        outcomes=(),
        problems=(),
        warnings=(),
        stopped=False,
        unread=(),
    ):
        self.request = request
        self.outcomes = list(outcomes)
        # Failures of the run as a whole (input, a workspace's reads)
        self.problems = list(problems)
        self.warnings = list(warnings)
        self.stopped = stopped  # True when nothing was written because of a problem
        self.unread = set(unread)  # the workspaces that could not be read
        self.template_ref = request.template_ref

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
        if self.problems and not self.outcomes:
            return "nothing was changed: %s in the input: %s" % (
                _count(len(self.problems), "problem"),
                _listing([p.message for p in self.problems]),
            )
        if self.stopped:
            problems = [p.message for p in self.problems] + [
                o.failure.message for o in self.failures
            ]
            return "nothing was changed: %s: %s" % (
                _count(len(problems), "problem"),
                _listing(problems),
            )
        failures = self.failures
        if single and len(failures) == 1 and len(self.outcomes) == 1:
            return failures[0].failure.message
        if failures:
            return "%d of %d numbers failed: %s" % (
                len(failures),
                len(self.outcomes),
                _listing([o.failure.message for o in failures]),
            )
        return "ok"

    def api_error(self):
        """The first API error behind a failure, for the top-level status and request id."""
        for failure in [o.failure for o in self.failures] + self.problems:
            if failure.api_error is not None:
                return failure.api_error
        return None

    def summary(self):
        counts = dict(created=0, deleted=0, unchanged=0, failed=0, not_carried_out=0)
        for outcome in self.outcomes:
            counts[self._bucket(outcome)] += 1
        return counts

    def not_done(self, outcome):
        """Why an outcome that did not fail was not carried out (UNREAD or STOPPED), else None:
        neither unchanged nor failed, what it needed was not done, or not even found out.
        """
        if outcome.failure is not None:
            return None
        if outcome.step.workspace_id in self.unread:
            return UNREAD
        if self.stopped and outcome.step.action is not None:
            return STOPPED
        return None

    def _bucket(self, outcome):
        if outcome.failure is not None:
            return "failed"
        if self.not_done(outcome):
            return "not_carried_out"
        if not outcome.changed:
            return "unchanged"
        return "created" if outcome.present else "deleted"

    def workspaces(self):
        """Per workspace: how many numbers were (or in check mode would be) created, deleted, unchanged and failed."""
        rows: dict = {}
        for outcome in self.outcomes:
            workspace_id = outcome.step.workspace_id
            row = rows.setdefault(
                workspace_id,
                dict(
                    workspace_id=workspace_id,
                    created=0,
                    deleted=0,
                    unchanged=0,
                    failed=0,
                    not_carried_out=0,
                ),
            )
            row[self._bucket(outcome)] += 1
        # In check mode the counts are what a run would do, and the line says so.
        check_mode = self.request.check_mode
        line = (
            "%s: would create %d, would delete %d, %d unchanged, %d failed"
            if check_mode
            else "%s: %d created, %d deleted, %d unchanged, %d failed"
        )
        for row in rows.values():
            text = line % (
                row["workspace_id"],
                row["created"],
                row["deleted"],
                row["unchanged"],
                row["failed"],
            )
            if row["not_carried_out"]:
                text += ", %d not carried out (%s)" % (
                    row["not_carried_out"],
                    UNREAD if row["workspace_id"] in self.unread else STOPPED,
                )
            row["text"] = text + (" (check mode)" if check_mode else "")
        return list(rows.values())

    def rows(self):
        """One row per listed entry (each owner's listing), then one per number a workspace option added."""
        rows: list = []
        check_mode = self.request.check_mode
        for outcome in self.outcomes:
            step = outcome.step
            why = self.not_done(outcome)
            owners = (
                [((0, s.order), s.owner) for s in step.specs]
                if step.specs
                else [((1, len(rows)), owner) for owner in step.owners or [None]]
            )
            for order, owner in owners:
                row = dict(
                    workspace_id=step.workspace_id,
                    phone_number=step.phone_number,
                    phone_number_id=step.phone_number_id,
                    connector_id=connector_id(outcome.connector or {}),
                    channel_id=outcome.channel_id,
                    name=outcome.name,
                    state=step.state,
                    changed=outcome.changed,
                    action=step.action or "none",
                    origin=step.origin,
                    owner=owner,
                    failed=outcome.failure is not None,
                    msg=(
                        "not carried out: %s" % why
                        if why
                        else outcome.status_text(check_mode)
                    ),
                )
                if outcome.failure is not None:
                    row.update(outcome.failure.result_fields())
                rows.append((order, row))
        # Listed entries in the order given, then what workspace options added.
        return [row for dummy, row in sorted(rows, key=lambda item: item[0])]

    def diff(self):
        """``{before, after}``: per workspace, per number, the managed fields."""
        before: dict = {}
        after: dict = {}
        for outcome in self.outcomes:
            step = outcome.step
            key = (
                step.phone_number
                or step.phone_number_id
                or connector_id(outcome.connector or {})
            )
            before.setdefault(step.workspace_id, {})[key] = outcome.managed(
                False, self.template_ref
            )
            after.setdefault(step.workspace_id, {})[key] = outcome.managed(
                True, self.template_ref
            )
        return dict(before=before, after=after)

    # -- the modules' results ------------------------------------------------------------
    def result(self, single, diff):
        """``(failed, msg, fields)`` for exit_json/fail_json, the same way for every module."""
        fields = dict(changed=self.changed)
        if single:
            fields.update(self._single())
        else:
            fields.update(
                results=self.rows(),
                summary=self.summary(),
                workspaces=self.workspaces(),
            )
        if diff and self.outcomes:
            fields["diff"] = self._single_diff() if single else self.diff()
        if not self.failed:
            return False, None, fields
        error = self.api_error()
        if single or error is not None:
            fields.update(
                status=getattr(error, "status", None),
                api_code=getattr(error, "code", None),
                api_message=getattr(error, "api_message", None),
                api_details=getattr(error, "details", None),
                request_id=getattr(error, "request_id", None),
            )
        fields["errors"] = [p.message for p in self.problems] + [
            o.failure.message for o in self.failures
        ]
        return True, self.message(single), fields

    def _single(self):
        outcome = self.outcomes[0] if self.outcomes else None
        step = outcome.step if outcome else None
        return dict(
            channel_id=outcome.channel_id if outcome else None,
            connector_id=connector_id(outcome.connector or {}) if outcome else None,
            phone_number_id=step.phone_number_id if step else None,
            phone_number=step.phone_number if step else None,
            connector=(outcome.connector or {}) if outcome else {},
        )

    def _single_diff(self):
        outcome = self.outcomes[0]
        step = outcome.step
        common = dict(
            workspace_id=step.workspace_id,
            phone_number_id=step.phone_number_id,
            phone_number=step.phone_number,
        )
        before = dict(common, **outcome.managed(False, self.template_ref))
        after = dict(common, **outcome.managed(True, self.template_ref))
        return dict(before=before, after=after)


def _count(number, noun):
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


def _listing(messages):
    shown = messages[:MAX_LISTED]
    more = len(messages) - len(shown)
    return "; ".join(shown) + ("; and %d more" % more if more > 0 else "")
