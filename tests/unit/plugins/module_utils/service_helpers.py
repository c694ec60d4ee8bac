# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building requests the way the modules do, and running them through the service in memory."""

from ansible_collections.bird.engagements.plugins.module_utils._backoff import Deadline
from ansible_collections.bird.engagements.plugins.module_utils._create import Creator
from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    group_workspaces,
    request_from_batch,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    template_slug,
)
from ansible_collections.bird.engagements.plugins.module_utils._parallel import (
    Executor,
)
from ansible_collections.bird.engagements.plugins.module_utils._plan import Planner
from ansible_collections.bird.engagements.plugins.module_utils._report import Outcome
from ansible_collections.bird.engagements.plugins.module_utils._service import run
from ansible_collections.bird.engagements.tests.unit import helpers


def batch(workspaces, check_mode=False, **options):
    """A request from ``bird_voice_connectors`` parameters (defaults as the module's)."""
    params = dict(
        connector_template_ref="voice-messagebird:1",
        wait=True,
        wait_timeout=10,
        concurrency=8,
    )
    params.update(options)
    params["workspaces"] = [dict(w) for w in workspaces]
    return request_from_batch(params, check_mode)


def one(workspace_id, numbers, **options):
    """A request for one workspace; ``numbers`` are dicts such as ``{'phone_number': '+31...'}``."""
    workspace = dict(workspace_id=workspace_id, numbers=list(numbers))
    for name in (
        "exclusive",
        "all_voice_numbers",
        "max_deletions",
        "keep",
        "replace_failed",
    ):
        if name in options:
            workspace[name] = options.pop(name)
    return batch([workspace], **options)


def execute(
    sim, req, retries=3, key=helpers.DEMO_KEY, sleep=helpers.quick_sleep, clock=None
):
    """Run ``req`` against ``sim`` in memory; return the report. With a ``helpers.Clock``, the
    service's waits and deadlines run on it (the requests' own retries still wait for real).
    """
    client = helpers.client(sim, key=key, retries=retries)
    if clock is None:
        return run(client, req, sleep=sleep)
    return run(client, req, sleep=clock.sleep, clock=clock)


def messages(report):
    return [o.failure.message for o in report.failures] + [
        p.message for p in report.problems
    ]


def planned(sim, req, retries=3):
    """``(client, plans, outcomes)``: ``req`` planned (read, nothing written) against ``sim``."""
    client = helpers.client(sim, retries=retries)
    pmap = Executor(4)
    planner = Planner(client, req.template_ref, template_slug(req.template_ref), pmap)
    plans = [planner.plan(group) for group in group_workspaces(req)[0]]
    return client, plans, [Outcome(step) for plan in plans for step in plan.steps]


def create(client, outcomes, wait_timeout=5, clock=None):
    """Send the creates of planned outcomes, as the service does (its waits on ``clock``, a
    ``helpers.Clock``, if given)."""
    creator = Creator(
        client,
        "voice-messagebird:1",
        "voice-messagebird",
        Deadline(wait_timeout) if clock is None else Deadline(wait_timeout, clock),
        Executor(4),
        helpers.quick_sleep if clock is None else clock.sleep,
    )
    creator.create_all([o for o in outcomes if o.step.action == "create"])
