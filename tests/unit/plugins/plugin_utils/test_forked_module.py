# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_forked_module: when a module task forks instead of starting a Python, and what the fork returns.

The fork runs the module's real ``main()`` against the in-memory simulator of the parent (the
child has a copy of it), so these tests read the child's result, not the simulator's state.
"""

# The action's parts under test are ActionBase's protected methods and attributes.
# pylint: disable=protected-access

import os
import resource
import sys
import threading
from unittest.mock import MagicMock

import pytest
from ansible.plugins.loader import action_loader

from ansible_collections.bird.engagements.plugins.plugin_utils import _forked_module
from ansible_collections.bird.engagements.tests.unit.helpers import DEMO_KEY, N101, WS1

MODULE = "bird.engagements.bird_voice_connectors"
ARGS = {"workspaces": [{"workspace_id": WS1, "numbers": [{"phone_number_id": N101}]}]}


@pytest.fixture(autouse=True)
def no_configured_interpreter_or_limit(monkeypatch):
    for name in ("ANSIBLE_PYTHON_INTERPRETER", "ANSIBLE_PYTHON_MODULE_RLIMIT_NOFILE"):
        monkeypatch.delenv(name, raising=False)


def action(args=None, interpreter=sys.executable, templates=None, **task_fields):
    task = MagicMock()
    task.args = dict(ARGS if args is None else args)
    task.action = MODULE
    task.async_val = task_fields.pop("async_val", 0)
    task.delegate_to = task_fields.pop("delegate_to", None)
    task.check_mode = task_fields.pop("check_mode", False)
    task.diff = task_fields.pop("diff", False)
    task.no_log = False
    task.environment = task_fields.pop("environment", [])
    connection = MagicMock(
        transport=task_fields.pop("transport", "local"), socket_path=None, become=None
    )
    connection._shell.tmpdir = None
    connection._shell.get_option.return_value = "~/.ansible/tmp"
    connection._shell.env_prefix.side_effect = lambda **kw: " ".join(
        "%s=%s" % i for i in kw.items()
    )
    templar = MagicMock()
    templar.template.side_effect = lambda value: (templates or {}).get(value, value)
    play_context = MagicMock(
        become=task_fields.pop("become", False),
        remote_addr="localhost",
        executable="/bin/sh",
    )
    assert not task_fields, task_fields
    plugin = action_loader.get(
        MODULE,
        task=task,
        connection=connection,
        play_context=play_context,
        loader=None,
        templar=templar,
        shared_loader_obj=None,
    )
    host_vars = {"ansible_python_interpreter": interpreter}
    task_vars = dict(host_vars)
    if task.delegate_to:
        task_vars = {"ansible_delegated_vars": {task.delegate_to: host_vars}}
    return plugin, task_vars


def why_not(**kwargs):
    plugin, task_vars = action(**kwargs)
    return plugin.why_not_forked(None, None, task_vars, False)


def test_the_action_of_the_module_is_the_forking_one():
    plugin, dummy = action()
    assert isinstance(plugin, _forked_module.ForkedModuleAction)
    assert plugin.MODULE == "bird_voice_connectors"


def test_a_local_task_with_the_controllers_python_forks():
    assert why_not() is None
    assert why_not(delegate_to="localhost") is None


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        (
            {"interpreter": "/usr/bin/python3-elsewhere"},
            "interpreter /usr/bin/python3-elsewhere is not the controller's Python",
        ),
        ({"interpreter": None}, "interpreter (discovered) is not"),
        ({"transport": "ssh"}, "the connection is not local"),
        ({"become": True}, "become"),
        ({"async_val": 30}, "async"),
    ],
)
def test_anything_but_the_controllers_python_on_the_local_connection_runs_a_module_process(
    kwargs, reason
):
    assert reason in why_not(**kwargs)


def test_another_name_of_the_same_python_in_its_directory_is_the_same_python(tmp_path):
    python = tmp_path / "venv" / "bin" / "python3.12"
    python.parent.mkdir(parents=True)
    python.write_text("")
    (python.parent / "python").symlink_to("python3.12")
    (tmp_path / "python").symlink_to(
        python
    )  # the same file, but not that environment's directory
    same = _forked_module.same_python
    assert same(str(python.parent / "python"), str(python))
    assert same(str(python), str(python.parent / "python"))
    assert not same(str(tmp_path / "python"), str(python))
    assert not same(str(python.parent / "python3"), str(python))  # no such file
    assert not same(None, str(python)) and not same("", str(python))


def test_a_delegated_task_uses_the_delegated_hosts_interpreter():
    plugin, task_vars = action(delegate_to="localhost")
    task_vars["ansible_delegated_vars"]["localhost"][
        "ansible_python_interpreter"
    ] = "/opt/other/python"
    assert "interpreter" in plugin.why_not_forked(None, None, task_vars, False)
    del task_vars["ansible_delegated_vars"]["localhost"]
    assert "delegated host" in plugin.why_not_forked(None, None, task_vars, False)


def test_without_the_hosts_variable_a_configured_interpreter_counts_and_discovery_does_not(
    monkeypatch,
):
    plugin, task_vars = action()
    del task_vars["ansible_python_interpreter"]
    monkeypatch.setenv("ANSIBLE_PYTHON_INTERPRETER", sys.executable)
    assert plugin.why_not_forked(None, None, task_vars, False) is None
    monkeypatch.setenv("ANSIBLE_PYTHON_INTERPRETER", "auto_silent")
    assert "interpreter" in plugin.why_not_forked(None, None, task_vars, False)


def test_an_open_files_limit_for_modules_is_set_in_the_fork_as_ansiballz_sets_it(
    monkeypatch,
):
    monkeypatch.setenv("ANSIBLE_PYTHON_MODULE_RLIMIT_NOFILE", "64")
    plugin, task_vars = action()
    assert plugin.why_not_forked(None, None, task_vars, False) is None
    assert plugin._open_files_limit(task_vars) == 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports its limit
        _forked_module.set_open_files_limit(64)
        os.write(write_end, str(resource.getrlimit(resource.RLIMIT_NOFILE)).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 100).decode() == str((min(64, hard), hard))
    os.close(read_end)
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (
        soft,
        hard,
    )  # the parent's is unchanged


def test_the_interpreter_is_templated_as_ansiballz_templates_it():
    template = "{{ ansible_playbook_python }}"
    plugin, task_vars = action(
        interpreter=template, templates={template: sys.executable}
    )
    assert plugin.why_not_forked(None, None, task_vars, False) is None
    plugin, task_vars = action(
        interpreter=template, templates={template: "/opt/other/python"}
    )
    assert "/opt/other/python is not" in plugin.why_not_forked(
        None, None, task_vars, False
    )


def test_keep_remote_files_runs_a_module_process(monkeypatch):
    monkeypatch.setenv("ANSIBLE_KEEP_REMOTE_FILES", "true")
    assert why_not() == "keep_remote_files"


def test_other_threads_in_the_worker_run_a_module_process():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert why_not() == "the worker process runs other threads"
    finally:
        stop.set()
        thread.join()
    assert why_not() is None


@pytest.mark.parametrize(
    "name", ["PYTHONPATH", "PYTHONHASHSEED", "LANG", "LC_ALL", "LC_CTYPE"]
)
def test_an_environment_python_reads_at_start_up_runs_a_module_process(
    monkeypatch, name
):
    plugin, task_vars = action(environment=[{name: "x"}])
    plugin._compute_environment_string = (
        lambda out: out.update({name: "x", "TZ": "UTC"}) or ""
    )
    monkeypatch.setattr(
        _forked_module.NormalAction,
        "_execute_module",
        lambda self, *a, **k: {"ran": "module process"},
    )
    assert plugin._execute_module(task_vars=task_vars) == {"ran": "module process"}
    assert _forked_module.environment_why_not({name: "x", "TZ": "UTC"}) == (
        "the task's environment sets %s, which Python reads when it starts" % name
    )
    assert (
        _forked_module.environment_why_not(
            {"TZ": "UTC", "LC_TIME": "C", "BIRD_API_URL": "x"}
        )
        is None
    )


def test_another_module_or_other_arguments_run_as_a_module_process():
    plugin, task_vars = action()
    assert plugin.why_not_forked("ansible.builtin.ping", None, task_vars, False)
    assert plugin.why_not_forked(None, {"data": 1}, task_vars, False)
    assert plugin.why_not_forked(None, None, task_vars, True) == "async"


def test_without_the_fork_the_usual_module_execution_runs(monkeypatch):
    plugin, task_vars = action(interpreter="/opt/other/python")
    calls = []

    def module_process(self, *args, **kwargs):  # pylint: disable=unused-argument
        calls.append((args, kwargs))
        return {"ran": "module process"}

    monkeypatch.setattr(_forked_module.NormalAction, "_execute_module", module_process)
    assert plugin._execute_module(task_vars=task_vars, wrap_async=False) == {
        "ran": "module process"
    }
    assert calls and calls[0][0][3] is task_vars


def forked(module_env, args=None, **kwargs):
    module_env()
    plugin, task_vars = action(args, **kwargs)
    return plugin._execute_module(task_vars=task_vars, wrap_async=False)


def test_the_fork_returns_the_modules_result(module_env):
    result = forked(module_env)
    assert result["changed"] is True and not result.get("failed")
    # The module's warnings are in the result, as from a module process (not shown by the worker).
    assert "plain http" in str(result["warnings"])
    # Ansible's internal keys are taken out, as for a module process (before 2.21 it keeps one).
    assert [key for key in result if key.startswith("_ansible_")] in (
        [],
        ["_ansible_parsed"],
    )
    [row] = result["results"]
    assert row["phone_number_id"] == N101 and row["channel_id"]
    assert result["summary"]["created"] == 1


def test_check_mode_reaches_the_forked_module(module_env):
    result = forked(module_env, check_mode=True)
    assert result["changed"] is True and result["summary"]["created"] == 1
    assert result["results"][0]["channel_id"] is None


def test_the_tasks_environment_reaches_the_forked_module(module_env, monkeypatch):
    module_env()
    monkeypatch.delenv("BIRD_ACCESS_KEY")
    plugin, task_vars = action(environment=[{"BIRD_ACCESS_KEY": DEMO_KEY}])
    plugin._compute_environment_string = (
        lambda out: out.update(BIRD_ACCESS_KEY=DEMO_KEY) or ""
    )
    result = plugin._execute_module(task_vars=task_vars)
    assert not result.get("failed"), result
    assert (
        "BIRD_ACCESS_KEY" not in os.environ
    )  # the worker's own environment is unchanged


def test_a_bad_argument_fails_as_the_module_does_and_the_key_is_masked(module_env):
    result = forked(
        module_env, args=dict(ARGS, access_key=DEMO_KEY, concurrency="many")
    )
    assert result["failed"] is True
    assert "concurrency" in result["msg"]
    assert DEMO_KEY not in repr(result)


def test_a_module_that_raises_fails_as_a_module_process_does(module_env, monkeypatch):
    module_env()
    plugin, task_vars = action()
    plugin.MODULE = "no_such_module_here"
    monkeypatch.setattr(plugin, "_import_module", lambda: None)
    result = plugin._execute_module(task_vars=task_vars)
    assert result["failed"] is True
    if (
        _forked_module.handle_exception is None
    ):  # before ansible-core 2.19: the traceback
        assert result["msg"].startswith("MODULE FAILURE")
        assert "Traceback" in result["module_stderr"]
        assert "no_such_module_here" in result["module_stderr"]
    else:  # AnsiballZ's report of the exception
        assert "No module named" in result["exception"].event.msg
        assert "no_such_module_here" in result["exception"].event.msg


def test_a_module_that_cannot_be_imported_on_the_controller_runs_as_a_module_process(
    monkeypatch,
):
    plugin, task_vars = action()
    plugin.MODULE = "no_such_module_here"
    monkeypatch.setattr(
        _forked_module.NormalAction,
        "_execute_module",
        lambda self, *a, **k: {"ran": "module process"},
    )
    assert plugin._execute_module(task_vars=task_vars) == {"ran": "module process"}


def test_the_arguments_are_handed_over_as_ansiballz_does():
    encoded = _forked_module.module_arguments_json(
        {"workspaces": [], "_ansible_check_mode": True}
    )
    assert (
        encoded
        == b'{"ANSIBLE_MODULE_ARGS": {"workspaces": [], "_ansible_check_mode": true}}'
    )
