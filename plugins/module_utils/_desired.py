# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The desired state, as the user wrote it: immutable, and checked before any request. Internal.

- :class:`NumberSpec`: one number that should (or should not) have a Voice connector;
- :class:`WorkspaceSpec`: a workspace's numbers and its options (``exclusive``,
  ``all_voice_numbers``, ``max_deletions``, Bird's rate limits for it);
- :class:`Request`: every workspace, plus the run's options.

:func:`check_request` finds every input problem at once and names each by its
field (``workspaces[0].numbers[3].phone_number``). :func:`group_workspaces` merges
the blocks that name the same workspace (the role passes one block per inventory
host, its ``owner``), failing on conflicting entries.
"""

from collections import namedtuple

from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    DEFAULT_TEMPLATE,
    check_template_ref,
    check_uuid,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
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


SETTINGS = ("state", "name", "conversational")


class NumberSpec(
    namedtuple(
        "NumberSpec",
        "workspace_id phone_number phone_number_id name conversational state "
        "label owner order",
    )
):
    """One listed number. ``label`` is where it was written (``workspaces[0].numbers[3]``, or ""); ``order``
    its position in the request."""

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
        """What two listings of one number must agree on."""
        return tuple(getattr(self, name) for name in SETTINGS)


def number_spec(
    workspace_id,
    phone_number=None,
    phone_number_id=None,
    name=None,
    conversational=None,
    state="present",
    label="",
    owner=None,
    order=0,
):
    return NumberSpec(
        _lower(workspace_id),
        phone_number,
        _lower(phone_number_id),
        name,
        conversational,
        state,
        label,
        owner,
        order,
    )


class WorkspaceSpec(
    namedtuple(
        "WorkspaceSpec",
        "workspace_id numbers exclusive all_voice_numbers max_deletions "
        "reads_per_second writes_per_second label owner",
    )
):
    """A workspace block: its numbers (a tuple of NumberSpec) and its options."""

    __slots__ = ()

    def field(self, name):
        return "%s.%s" % (self.label, name) if self.label else name

    def settings(self):
        return (
            self.exclusive,
            self.all_voice_numbers,
            self.max_deletions,
            self.reads_per_second,
            self.writes_per_second,
        )


def workspace_spec(
    workspace_id,
    numbers=(),
    exclusive=False,
    all_voice_numbers=False,
    max_deletions=DEFAULT_MAX_DELETIONS,
    reads_per_second=BIRD_READS_PER_SECOND,
    writes_per_second=BIRD_WRITES_PER_SECOND,
    label="",
    owner=None,
):
    return WorkspaceSpec(
        _lower(workspace_id),
        tuple(numbers),
        bool(exclusive),
        bool(all_voice_numbers),
        max_deletions,
        reads_per_second,
        writes_per_second,
        label,
        owner,
    )


Request = namedtuple(
    "Request", "workspaces template_ref check_mode wait wait_timeout concurrency"
)


def request(
    workspaces,
    template_ref=DEFAULT_TEMPLATE,
    check_mode=False,
    wait=True,
    wait_timeout=DEFAULT_WAIT_TIMEOUT,
    concurrency=DEFAULT_CONCURRENCY,
):
    return Request(
        tuple(workspaces),
        template_ref,
        bool(check_mode),
        bool(wait),
        wait_timeout,
        concurrency,
    )


def _lower(value):
    return value.lower() if isinstance(value, str) else value


# -- building from module parameters --------------------------------------------------------


def request_from_batch(params, check_mode):
    """The request of ``bird_voice_connectors`` (and so of the role)."""
    blocks = []
    counters: dict = {}
    order = 0
    # With several owners, labels count within each and name it: the role passes each host's list in order.
    default_owner = params.get("owner")
    several = (
        len(set(block.get("owner") or default_owner for block in params["workspaces"]))
        > 1
    )
    for block in params["workspaces"]:
        owner = block.get("owner") or default_owner
        index = counters[owner] = counters.get(owner, -1) + 1
        label = "%sworkspaces[%d]" % (
            "%s: " % owner if owner and several else "",
            index,
        )
        numbers = []
        for j, number in enumerate(block.get("numbers") or []):
            numbers.append(
                number_spec(
                    block["workspace_id"],
                    phone_number=number.get("phone_number"),
                    phone_number_id=number.get("phone_number_id"),
                    name=number.get("name"),
                    conversational=number.get("conversational"),
                    state=number.get("state") or "present",
                    label="%s.numbers[%d]" % (label, j),
                    owner=owner,
                    order=order,
                )
            )
            order += 1
        blocks.append(
            workspace_spec(
                block["workspace_id"],
                numbers,
                exclusive=block.get("exclusive"),
                all_voice_numbers=block.get("all_voice_numbers"),
                max_deletions=_default(
                    block.get("max_deletions"), DEFAULT_MAX_DELETIONS
                ),
                reads_per_second=_default(
                    block.get("reads_per_second"), BIRD_READS_PER_SECOND
                ),
                writes_per_second=_default(
                    block.get("writes_per_second"), BIRD_WRITES_PER_SECOND
                ),
                label=label,
                owner=owner,
            )
        )
    return request(
        blocks,
        template_ref=params["connector_template_ref"],
        check_mode=check_mode,
        wait=params["wait"],
        wait_timeout=params["wait_timeout"],
        concurrency=params["concurrency"],
    )


def request_from_single(params, check_mode):
    """The request of ``bird_voice_connector``: the batch with one entry."""
    number = number_spec(
        params["workspace_id"],
        phone_number=params["phone_number"],
        phone_number_id=params["phone_number_id"],
        name=params["name"],
        conversational=params["conversational"],
        state=params["state"],
    )
    return request(
        [workspace_spec(params["workspace_id"], [number])],
        template_ref=params["connector_template_ref"],
        check_mode=check_mode,
        wait=params["wait"],
        wait_timeout=params["wait_timeout"],
    )


def _default(value, default):
    return default if value is None else value


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
    for name in ("reads_per_second", "writes_per_second"):
        value = getattr(block, name)
        if not isinstance(value, (int, float)) or value <= 0:
            problems.append(
                "%s must be more than 0 (Bird's default is %s), got %r"
                % (
                    block.field(name),
                    (
                        BIRD_READS_PER_SECOND
                        if name.startswith("reads")
                        else BIRD_WRITES_PER_SECOND
                    ),
                    value,
                )
            )
    return [p for p in problems if p]


def check_request(req):
    """Every input problem of ``req``, as messages naming the field; [] when it can run."""
    errors = []
    error = check_template_ref(req.template_ref)
    if error:
        errors.append(error)
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
    if not errors:
        errors.extend(group_workspaces(req)[1])
    return errors


# -- merging the blocks of one workspace ----------------------------------------------


class WorkspaceGroup(
    namedtuple("WorkspaceGroup", "workspace_id numbers settings blocks")
):
    """Every block naming one workspace: its distinct numbers (each with the specs that list it)."""

    __slots__ = ()

    @property
    def exclusive(self):
        return self.settings[0]

    @property
    def all_voice_numbers(self):
        return self.settings[1]

    @property
    def max_deletions(self):
        return self.settings[2]

    @property
    def owners(self):
        return sorted(set(b.owner for b in self.blocks if b.owner))


def listing_conflict(first, other):
    """Why ``other`` may not list the number ``first`` lists, or None when the two can be merged.

    Several owners may list one number if they agree on it; one owner listing it twice, or
    owners disagreeing, is refused.
    """
    if other.owner == first.owner:
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
    """Merge specs that name one number: the problems, naming where, if they cannot be merged."""
    first = listings[0]
    problems = []
    for other in listings[1:]:
        conflict = listing_conflict(first, other)
        if conflict is None:
            continue
        if other.owner == first.owner:
            problems.append(
                "%sthe same number (%s) is already listed as %s; %s"
                % (other.prefix, key_name, first.label, conflict)
            )
        else:
            problems.append(
                "%sconflicts with %s for number %s: %s"
                % (other.prefix, first.label, key_name, conflict)
            )
    return problems


def group_workspaces(req):
    """``([WorkspaceGroup], [problems])``: blocks merged by workspace id (case-insensitive)."""
    groups: dict = {}
    order: list = []
    problems: list = []
    for block in req.workspaces:
        if block.workspace_id not in groups:
            groups[block.workspace_id] = []
            order.append(block.workspace_id)
        groups[block.workspace_id].append(block)
    result = []
    for workspace_id in order:
        blocks = groups[workspace_id]
        for block in blocks[1:]:
            if block.settings() != blocks[0].settings():
                problems.append(
                    "%s and %s name workspace %s with different options (exclusive, all_voice_numbers, "
                    "max_deletions, reads_per_second, writes_per_second): %r against %r; give them once"
                    % (
                        blocks[0].label,
                        block.label,
                        workspace_id,
                        blocks[0].settings(),
                        block.settings(),
                    )
                )
        listed: dict = {}
        for block in blocks:
            for spec in block.numbers:
                key = spec.phone_number_id or spec.phone_number
                listed.setdefault(key, []).append(spec)
        numbers = []
        for key, listings in listed.items():
            problems.extend(merge_listings(listings, key))
            numbers.append(tuple(listings))
        result.append(
            WorkspaceGroup(
                workspace_id, tuple(numbers), blocks[0].settings(), tuple(blocks)
            )
        )
    return result, problems
