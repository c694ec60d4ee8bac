# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set a host fact to the rows of a registered ``bird_voice_connectors`` result, without templating them.

``ansible.builtin.set_fact`` templates its value: for the 1,000 rows of a 1,000-number run that is
one pass over 13,000 values, and again when the callbacks show the result. This action reads the
registered variable as it is and hands the rows to Ansible's variable layers directly, as
``set_fact`` itself does on ansible-core 2.21 (``register_host_variables``). Older cores have no
such interface; there the role keeps using ``set_fact``, and this action fails saying so.

With ``show_workspaces`` it also shows the result's line per workspace, so that the role needs no
``debug`` task of its own: every task costs Ansible a pass over the play's variables, which is
most of a task's time when they hold thousands of numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

try:  # ansible-core 2.21 and later
    from ansible.plugins.action import VariableLayer
except ImportError:  # pragma: no cover - depends on the core
    VariableLayer = None

ARGUMENT_SPEC = dict(
    result=dict(type="str", required=True),
    fact=dict(type="str", required=True),
    owner=dict(type="str"),
    show_workspaces=dict(type="bool", default=False),
)


def workspace_lines(registered):
    """The result's line per workspace (``workspaces[].text``), those it has."""
    workspaces = registered.get("workspaces")
    if not isinstance(workspaces, list):
        return []
    return [
        item["text"]
        for item in workspaces
        if isinstance(item, Mapping) and isinstance(item.get("text"), str)
    ]


def rows_of(registered, result, owner=None):
    """The rows of the ``bird_voice_connectors`` result ``registered`` (the variable named ``result``):
    its ``results`` list, or with ``results_format=json`` its ``results_json`` text parsed.

    With ``owner``, only the rows that host owns. Anything but a mapping with a ``results`` list
    (or a ``results_json`` text of one) of mappings is an error naming the variable, never an empty list.
    """
    if isinstance(registered, Mapping) and isinstance(registered.get("results"), list):
        field, rows = "results", registered["results"]
    elif (
        isinstance(registered, Mapping)
        and "results" not in registered
        and isinstance(registered.get("results_json"), str)
    ):
        field = "results_json"
        try:
            rows = json.loads(registered["results_json"])
        except ValueError as err:
            raise AnsibleActionFail(
                "result: %s.results_json is not valid JSON (%s): not a bird_voice_connectors result"
                % (result, err)
            ) from None
        if not isinstance(rows, list):
            raise AnsibleActionFail(
                "result: %s.results_json holds a %s, not a list of rows: not a bird_voice_connectors"
                " result" % (result, type(rows).__name__)
            )
    else:
        raise AnsibleActionFail(
            "result: %r is not the registered result of bird.engagements.bird_voice_connectors"
            " (a mapping with a 'results' list or a 'results_json' text); register that task's"
            " result under this name" % result
        )
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise AnsibleActionFail(
                "result: %s.%s[%d] is a %s, not a mapping: not a bird_voice_connectors result"
                % (result, field, index, type(row).__name__)
            )
    if owner is None:
        return rows
    return [row for row in rows if row.get("owner") == owner]


class ActionModule(ActionBase):
    """See ``plugins/modules/bird_voice_connectors_fact.py`` for the documentation."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no longer has any effect
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if not args["fact"].isidentifier():
            raise AnsibleActionFail(
                "fact: %r is not a valid variable name (letters, digits and _, not starting with a digit)"
                % args["fact"]
            )
        name = args["result"]
        if name not in (task_vars or {}):
            raise AnsibleActionFail(
                "result: no variable named %r; register the bird.engagements.bird_voice_connectors"
                " task's result under this name first" % name
            )
        registered = task_vars[name]
        # A variable defined as a template (not registered) is rendered first.
        if isinstance(registered, str):
            registered = self._templar.template(registered)
        # A failed run's rows are published too (each says whether it failed). Only a run that failed
        # before it had any (bad input, no access key) sets nothing, and this task does not fail on
        # it: that run's own failure says what went wrong. Anything else must be a whole result.
        rowless_failure = (
            isinstance(registered, Mapping)
            and bool(registered.get("failed"))
            and "results" not in registered
            and "results_json" not in registered
        )
        rows = [] if rowless_failure else rows_of(registered, name, args["owner"])
        # The input is checked first, so that a mistake is named on every core.
        if VariableLayer is None:
            raise AnsibleActionFail(
                "bird.engagements.bird_voice_connectors_fact needs ansible-core 2.21 or later;"
                " on this core use ansible.builtin.set_fact"
            )
        if rowless_failure:
            msg = "%s: not set, %s failed before it had any results" % (
                args["fact"],
                name,
            )
        else:
            # As set_fact does: a fact for this play run only, and no legacy ansible_facts handling.
            self.register_host_variables({}, VariableLayer.CACHEABLE_FACT)
            self.register_host_variables(
                {args["fact"]: rows}, VariableLayer.EPHEMERAL_FACT
            )
            msg = "%s: %d entries" % (args["fact"], len(rows))
        result.update(changed=False, fact=args["fact"], count=len(rows), msg=msg)
        lines = workspace_lines(registered) if args["show_workspaces"] else []
        if lines:
            # Shown at every verbosity, as ansible.builtin.debug shows its message.
            result.update(workspaces=lines, _ansible_verbose_always=True)
        return result
