# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_voice_connectors_fact: the rows of a registered result as a fact, as they are, or a clear error."""

import json
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.plugins.loader import action_loader

from ansible_collections.bird.engagements.plugins.action import (
    bird_voice_connectors_fact as fact_action,
)

ROWS = [
    {"phone_number": "+31201230101", "channel_id": "c1", "owner": "nl"},
    {"phone_number": "+31201230102", "channel_id": "c2", "owner": "de"},
    {"phone_number": "+31201230103", "channel_id": "c3", "owner": "nl"},
]
REGISTERED = {"changed": False, "results": ROWS, "summary": {}}


def action(args, templar=None):
    task = MagicMock()
    task.args = dict(args)
    task.async_val = 0
    task.check_mode = False
    task.action = "bird.engagements.bird_voice_connectors_fact"
    connection = MagicMock(**{"_shell.tmpdir": "/tmp"})  # no remote tmp needed
    plugin = action_loader.get(
        "bird.engagements.bird_voice_connectors_fact",
        task=task,
        connection=connection,
        play_context=MagicMock(),
        loader=None,
        templar=templar,
        shared_loader_obj=None,
    )
    registered = {}

    def register_host_variables(variables, layer):
        registered[layer] = variables

    plugin.register_host_variables = register_host_variables
    return plugin, registered


needs_layers = fact_action.VariableLayer is not None


def run(args, task_vars):
    plugin, registered = action(args)
    return plugin.run(task_vars=task_vars), registered


def test_the_rows_are_set_as_they_are_under_the_fact_name():
    if not needs_layers:
        with pytest.raises(AnsibleActionFail, match="needs ansible-core 2.21 or later"):
            run({"result": "r", "fact": "provisioned"}, {"r": REGISTERED})
        return
    result, registered = run({"result": "r", "fact": "provisioned"}, {"r": REGISTERED})
    layers = fact_action.VariableLayer
    assert registered[layers.EPHEMERAL_FACT] == {"provisioned": ROWS}
    assert (
        registered[layers.EPHEMERAL_FACT]["provisioned"] is ROWS
    )  # not copied, not templated
    assert registered[layers.CACHEABLE_FACT] == {}  # not a cacheable fact, as set_fact
    assert result["changed"] is False
    assert result["count"] == 3
    assert result["fact"] == "provisioned"
    assert (
        ROWS not in result.values()
    )  # the rows stay out of the result (and the callbacks' way)


@pytest.mark.parametrize(
    "owner, expected",
    [("nl", ["+31201230101", "+31201230103"]), ("de", ["+31201230102"]), ("fr", [])],
)
def test_with_an_owner_only_its_rows(owner, expected):
    rows = fact_action.rows_of(REGISTERED, "r", owner)
    assert [row["phone_number"] for row in rows] == expected


@pytest.mark.parametrize(
    "value, message",
    [
        (
            None,
            "'r' is not the registered result of bird.engagements.bird_voice_connectors",
        ),
        ("text", "'r' is not the registered result"),
        ({"changed": False}, "'r' is not the registered result"),
        ({"results": {"a": 1}}, "'r' is not the registered result"),
        ({"results": [ROWS[0], "x"]}, r"r\.results\[1\] is a str, not a mapping"),
    ],
)
def test_anything_but_a_result_is_an_error_naming_the_variable(value, message):
    with pytest.raises(AnsibleActionFail, match=message):
        fact_action.rows_of(value, "r")


@pytest.mark.parametrize("owner", [None, "nl"])
def test_rows_given_as_one_json_text_are_the_same_rows(owner):
    """A task run with results_format=json: its results_json, parsed."""
    registered = {"changed": False, "results_json": json.dumps(ROWS), "summary": {}}
    assert fact_action.rows_of(registered, "r", owner) == fact_action.rows_of(
        REGISTERED, "r", owner
    )


@pytest.mark.parametrize(
    "value, message",
    [
        ({"results_json": "[{"}, r"r\.results_json is not valid JSON"),
        (
            {"results_json": '{"a": 1}'},
            r"r\.results_json holds a dict, not a list of rows",
        ),
        (
            {"results_json": '[{"a": 1}, 2]'},
            r"r\.results_json\[1\] is a int, not a mapping",
        ),
        ({"results_json": ["x"]}, "'r' is not the registered result"),
        ({"results": "[]", "results_json": "[]"}, "'r' is not the registered result"),
    ],
)
def test_a_malformed_json_text_is_an_error_naming_the_variable(value, message):
    with pytest.raises(AnsibleActionFail, match=message):
        fact_action.rows_of(value, "r")


def test_an_empty_result_is_an_empty_list():
    assert fact_action.rows_of({"results": []}, "r", "nl") == []


@pytest.mark.parametrize(
    "args, task_vars, message",
    [
        ({"result": "missing", "fact": "f"}, {}, "result: no variable named 'missing'"),
        (
            {"result": "r", "fact": "not valid"},
            {"r": REGISTERED},
            "fact: 'not valid' is not a valid variable name",
        ),
        ({"result": "r", "fact": "f", "extra": 1}, {"r": REGISTERED}, "extra"),
        ({"fact": "f"}, {"r": REGISTERED}, "result"),
    ],
)
def test_bad_arguments_fail_naming_the_option_on_every_core(args, task_vars, message):
    with pytest.raises(AnsibleActionFail, match=message):
        run(args, task_vars)


def test_a_variable_defined_as_a_template_is_rendered_first():
    templar = MagicMock()
    templar.template.return_value = REGISTERED
    plugin, registered = action(
        {"result": "r", "fact": "provisioned", "owner": "de"}, templar
    )
    if not needs_layers:
        with pytest.raises(AnsibleActionFail, match="needs ansible-core 2.21 or later"):
            plugin.run(task_vars={"r": "{{ registered }}"})
        return
    result = plugin.run(task_vars={"r": "{{ registered }}"})
    templar.template.assert_called_once_with("{{ registered }}")
    assert registered[fact_action.VariableLayer.EPHEMERAL_FACT] == {
        "provisioned": [ROWS[1]]
    }
    assert result["count"] == 1


WORKSPACES = [
    {"workspace_id": "w1", "text": "w1: 0 created, 0 deleted, 2 unchanged, 0 failed"},
    {"workspace_id": "w2", "text": "w2: 1 created, 0 deleted, 0 unchanged, 0 failed"},
]


@pytest.mark.parametrize(
    "registered, expected",
    [
        (dict(REGISTERED, workspaces=WORKSPACES), [w["text"] for w in WORKSPACES]),
        (REGISTERED, []),
        (dict(REGISTERED, workspaces="none"), []),
        (
            dict(REGISTERED, workspaces=[{"text": 3}, "x", WORKSPACES[1]]),
            [WORKSPACES[1]["text"]],
        ),
    ],
)
def test_the_lines_per_workspace_are_those_the_result_has(registered, expected):
    assert fact_action.workspace_lines(registered) == expected


@pytest.mark.parametrize("show", [True, False])
def test_show_workspaces_shows_the_lines_at_every_verbosity(show):
    args = {"result": "r", "fact": "provisioned", "show_workspaces": show}
    task_vars = {"r": dict(REGISTERED, workspaces=WORKSPACES)}
    if not needs_layers:
        with pytest.raises(AnsibleActionFail, match="needs ansible-core 2.21 or later"):
            run(args, task_vars)
        return
    result, dummy = run(args, task_vars)
    if show:
        assert result["workspaces"] == [w["text"] for w in WORKSPACES]
        assert result["_ansible_verbose_always"] is True
    else:
        assert "workspaces" not in result and "_ansible_verbose_always" not in result


@pytest.mark.parametrize("as_json", [False, True])
def test_a_failed_run_publishes_its_rows_and_shows_its_lines(as_json):
    args = {"result": "r", "fact": "provisioned", "show_workspaces": True}
    failed_run = dict(REGISTERED, failed=True, msg="1 failed", workspaces=WORKSPACES)
    if as_json:
        failed_run["results_json"] = json.dumps(failed_run.pop("results"))
    if not needs_layers:
        with pytest.raises(AnsibleActionFail, match="needs ansible-core 2.21 or later"):
            run(args, {"r": failed_run})
        return
    result, registered = run(args, {"r": failed_run})
    assert registered[fact_action.VariableLayer.EPHEMERAL_FACT] == {"provisioned": ROWS}
    assert result["count"] == 3
    assert result["workspaces"] == [
        "w1: 0 created, 0 deleted, 2 unchanged, 0 failed",
        "w2: 1 created, 0 deleted, 0 unchanged, 0 failed",
    ]
    assert "failed" not in result  # the failed task already failed the host


def test_a_run_that_failed_before_it_had_rows_sets_nothing_and_does_not_fail():
    args = {"result": "r", "fact": "provisioned", "show_workspaces": True}
    bad_input = {"failed": True, "msg": "missing required arguments: workspace_id"}
    if not needs_layers:
        with pytest.raises(AnsibleActionFail, match="needs ansible-core 2.21 or later"):
            run(args, {"r": bad_input})
        return
    result, registered = run(args, {"r": bad_input})
    assert registered == {}  # no variable layer touched: the fact stays as it was
    assert result["count"] == 0
    assert result["msg"] == "provisioned: not set, r failed before it had any results"
    assert "workspaces" not in result and "failed" not in result


@pytest.mark.parametrize(
    "value",
    [{"failed": True, "results": "none"}, {"failed": True, "results": [ROWS[0], 1]}],
)
def test_a_failed_result_with_malformed_rows_is_still_an_error(value):
    with pytest.raises(AnsibleActionFail, match="not the registered result|is a int"):
        run({"result": "r", "fact": "provisioned"}, {"r": value})
