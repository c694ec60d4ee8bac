# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The desired state, as the user wrote it: immutable, and checked before any request. Internal.

:func:`check_request` finds every input problem at once and names each by its field
(``workspaces[0].numbers[3].phone_number``). :func:`group_workspaces` merges the blocks
(:class:`WorkspaceSpec`) that name one workspace: several blocks (say, one per team) may list
one number if they agree on it; one block listing a number twice is a mistake.
"""

from collections import namedtuple

from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    UUID_RE,
    check_template_ref,
    check_uuid,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    E164_RE,
    check_e164,
)
from ansible_collections.bird.engagements.plugins.module_utils._throttle import (
    BIRD_READS_PER_SECOND,
    BIRD_WRITES_PER_SECOND,
)

STATES = ("present", "absent")
DEFAULT_WAIT_TIMEOUT = 120
DEFAULT_CONCURRENCY = 32
MAX_CONCURRENCY = 128
# exclusive deletes at most this many unlisted Voice connectors of a workspace unless told otherwise.
DEFAULT_MAX_DELETIONS = 10

# What two listings of one number must agree on.
SETTINGS = ("state", "name", "conversational")


class NumberSpec(
    namedtuple(
        "NumberSpec",
        "workspace_id phone_number phone_number_id name conversational state label block order",
    )
):
    """One listed number. ``label`` is where it was written (``workspaces[0].numbers[3]``, or "");
    ``block`` the index of its block, ``order`` its position in the whole request."""

    __slots__ = ()

    def field(self, name):
        return "%s.%s" % (self.label, name) if self.label else name

    @property
    def prefix(self):
        return "%s: " % self.label if self.label else ""

    @property
    def given(self):
        """The number as the user gave it, for messages."""
        return self.phone_number or self.phone_number_id

    def settings(self):
        return tuple(getattr(self, name) for name in SETTINGS)


class WorkspaceSpec(
    namedtuple(
        "WorkspaceSpec",
        "workspace_id numbers keep label exclusive all_voice_numbers max_deletions "
        "reads_per_second writes_per_second replace_failed",
    )
):
    """A block: its numbers (NumberSpecs), ``keep`` (``(label, number)`` pairs) and its options."""

    __slots__ = ()

    def field(self, name):
        return "%s.%s" % (self.label, name) if self.label else name

    def settings(self):
        return tuple(getattr(self, name) for name in WORKSPACE_SETTINGS)


# What the blocks naming one workspace must agree on: all but the first four fields.
WORKSPACE_SETTINGS = WorkspaceSpec._fields[4:]

Request = namedtuple(
    "Request", "workspaces template_ref check_mode wait wait_timeout concurrency"
)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _default(value, default):
    return default if value is None else value


# -- building from module parameters --------------------------------------------------------


def request_from_batch(params, check_mode, labelled=True):
    """The request of ``bird_voice_connectors`` (and so of the role). ``labelled``: messages name
    each entry by where it was written (``workspaces[0].numbers[3]``)."""
    blocks = []
    order = 0
    for index, block in enumerate(params["workspaces"]):
        label = "workspaces[%d]" % index if labelled else ""
        workspace_id = _lower(block["workspace_id"])
        numbers = tuple(
            NumberSpec(
                workspace_id,
                number.get("phone_number"),
                _lower(number.get("phone_number_id")),
                number.get("name"),
                number.get("conversational"),
                number.get("state") or "present",
                "%s.numbers[%d]" % (label, j) if labelled else "",
                index,
                order + j,
            )
            for j, number in enumerate(block.get("numbers") or [])
        )
        order += len(numbers)
        keep = tuple(
            ("%s.keep[%d]" % (label, k), _lower(value))
            for k, value in enumerate(block.get("keep") or [])
        )
        blocks.append(
            WorkspaceSpec(
                workspace_id,
                numbers,
                keep,
                label,
                bool(block.get("exclusive")),
                bool(block.get("all_voice_numbers")),
                _default(block.get("max_deletions"), DEFAULT_MAX_DELETIONS),
                _default(block.get("reads_per_second"), BIRD_READS_PER_SECOND),
                _default(block.get("writes_per_second"), BIRD_WRITES_PER_SECOND),
                bool(block.get("replace_failed")),
            )
        )
    return Request(
        tuple(blocks),
        params["connector_template_ref"],
        bool(check_mode),
        bool(params["wait"]),
        params["wait_timeout"],
        params["concurrency"],
    )


def request_from_single(params, check_mode):
    """The request of ``bird_voice_connector``: the batch with one entry, unlabelled, whose
    replacement of a failed channel is its one allowed deletion."""
    fields = ("phone_number", "phone_number_id", "name", "conversational", "state")
    block = dict(
        workspace_id=params["workspace_id"],
        numbers=[{name: params[name] for name in fields}],
        max_deletions=1,
        replace_failed=params["replace_failed"],
    )
    batch = dict(params, workspaces=[block], concurrency=DEFAULT_CONCURRENCY)
    return request_from_batch(batch, check_mode, labelled=False)


# -- checks -----------------------------------------------------------------------------


def _check_number(spec):
    problems = []
    if spec.state not in STATES:
        problems.append(
            "%s must be present or absent, got %r" % (spec.field("state"), spec.state)
        )
    if spec.phone_number is None and spec.phone_number_id is None:
        problems.append(
            "%sgive phone_number (E.164) or phone_number_id (UUID)" % spec.prefix
        )
    if spec.phone_number is not None:
        problems.append(check_e164(spec.phone_number, spec.field("phone_number")))
    if spec.phone_number_id is not None:
        problems.append(check_uuid(spec.phone_number_id, spec.field("phone_number_id")))
    if spec.name is not None and not str(spec.name).strip():
        problems.append(
            '%s must not be empty; leave it out for the default "Voice <number>"'
            % spec.field("name")
        )
    return [p for p in problems if p]


def _check_workspace(block):
    problems = [check_uuid(block.workspace_id, block.field("workspace_id"))]
    if not isinstance(block.max_deletions, int) or block.max_deletions < 0:
        problems.append(
            "%s must be 0 or more, got %r"
            % (block.field("max_deletions"), block.max_deletions)
        )
    for name, default in (
        ("reads_per_second", BIRD_READS_PER_SECOND),
        ("writes_per_second", BIRD_WRITES_PER_SECOND),
    ):
        value = getattr(block, name)
        if not isinstance(value, (int, float)) or value <= 0:
            problems.append(
                "%s must be more than 0 (Bird's default is %s), got %r"
                % (block.field(name), default, value)
            )
    for label, value in block.keep:
        if not isinstance(value, str) or not (
            E164_RE.match(value) or UUID_RE.match(value)
        ):
            problems.append(
                "%s must be an E.164 number (+31201234567) or a phone number id (UUID), got %r"
                % (label, value)
            )
    return [p for p in problems if p]


def check_request(req):
    """Every input problem of ``req``, as messages naming the field; [] when it can run."""
    errors = [check_template_ref(req.template_ref)]
    if not isinstance(req.wait_timeout, int) or req.wait_timeout < 0:
        errors.append(
            "wait_timeout must be 0 or more seconds, got %r" % (req.wait_timeout,)
        )
    if (
        not isinstance(req.concurrency, int)
        or not 1 <= req.concurrency <= MAX_CONCURRENCY
    ):
        errors.append(
            "concurrency must be between 1 and %d, got %r"
            % (MAX_CONCURRENCY, req.concurrency)
        )
    for block in req.workspaces:
        errors.extend(_check_workspace(block))
        for spec in block.numbers:
            errors.extend(_check_number(spec))
    errors = [e for e in errors if e]
    return errors or group_workspaces(req)[1]


# -- merging the blocks of one workspace ----------------------------------------------


class WorkspaceGroup(namedtuple("WorkspaceGroup", "workspace_id numbers keep options")):
    """Every block naming one workspace: its distinct numbers (each with the specs that list it),
    the numbers to keep (a frozenset of ids and E.164 numbers) and ``options``, the first block,
    whose options every block shares.
    """

    __slots__ = ()


def listing_conflict(first, other):
    """Why ``other`` may not list the number ``first`` lists, or None when the two can be merged."""
    if other.block == first.block:
        return "list each number once"
    differ = [
        "%s %r here, %r there" % (name, mine, theirs)
        for name, mine, theirs in zip(SETTINGS, other.settings(), first.settings())
        if mine != theirs
    ]
    if differ:
        return "%s; list it the same way, or in one place only" % ", ".join(differ)
    return None


def merge_listings(listings, key_name):
    """The problems, naming where, if specs that name one number cannot be merged."""
    first = listings[0]
    problems = []
    for other in listings[1:]:
        conflict = listing_conflict(first, other)
        if conflict is not None:
            problems.append(
                "%sthe same number (%s) is also listed as %s; %s"
                % (other.prefix, key_name, first.label, conflict)
            )
    return problems


def group_workspaces(req):
    """``([WorkspaceGroup], [problems])``: blocks merged by workspace id (case-insensitive)."""
    groups: dict = {}
    for block in req.workspaces:
        groups.setdefault(block.workspace_id, []).append(block)
    result, problems = [], []
    for workspace_id, blocks in groups.items():
        for block in blocks[1:]:
            differ = [
                name
                for name, mine, theirs in zip(
                    WORKSPACE_SETTINGS, block.settings(), blocks[0].settings()
                )
                if mine != theirs
            ]
            if differ:
                problems.append(
                    "%s and %s name workspace %s with different %s: give the same in both"
                    % (blocks[0].label, block.label, workspace_id, ", ".join(differ))
                )
        listed: dict = {}
        for block in blocks:
            for spec in block.numbers:
                listed.setdefault(spec.phone_number_id or spec.phone_number, []).append(
                    spec
                )
        numbers = []
        for key, listings in listed.items():
            problems.extend(merge_listings(listings, key))
            numbers.append(tuple(listings))
        keep = frozenset(value for block in blocks for dummy, value in block.keep)
        for listings in numbers:
            spec = listings[0]
            if spec.state == "absent" and (
                spec.phone_number_id in keep or spec.phone_number in keep
            ):
                problems.append(
                    "%sthe number (%s) is listed absent and also in keep: keep protects it from deletion; "
                    "remove it from one of them" % (spec.prefix, spec.given)
                )
        result.append(WorkspaceGroup(workspace_id, tuple(numbers), keep, blocks[0]))
    return result, problems
