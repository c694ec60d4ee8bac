# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of this collection's modules in a fork of Ansible's worker process, not a new Python.

When a module task runs on the controller (the ``local`` connection, no ``become``, no ``async``) and
its interpreter is the controller's own Python (``ansible_python_interpreter`` is
``ansible_playbook_python``, as it is for the implicit ``localhost``), Ansible builds an AnsiballZ zip,
starts that same Python on it, imports ``ansible.module_utils`` again and compiles the collection's
code from the zip: 0.3-0.4 s a run before the module does anything (docs/performance.md). Here the
worker, which has all of that loaded already, forks; the child runs the same module's ``main()``
with the same arguments (``_update_module_args``, as for a module process) and the task's
``environment:``, its output captured; and the worker parses that output with Ansible's own
``_parse_returned_data``, as it parses a module process's. The module code, its argument checks,
``no_log`` masking, check and diff mode are the same; only the process is.

Anything else (another connection, ``become``, ``async``, another interpreter, ``keep_remote_files``)
runs the module as usual. ``-vvv`` says which way a task ran.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import resource
import signal
import sys
import tempfile
import traceback

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

try:  # ansible-core before 2.21; later ones clean their task result object themselves
    from ansible.vars.clean import remove_internal_keys
except ImportError:  # pragma: no cover - depends on the core
    remove_internal_keys = None

try:  # ansible-core 2.19 and later: arguments and results go through a serialization profile
    from ansible.module_utils.common.json import Direction, get_module_encoder
except ImportError:  # pragma: no cover - depends on the core
    Direction = get_module_encoder = None
    from ansible.module_utils.common.json import AnsibleJSONEncoder
else:
    AnsibleJSONEncoder = None

try:  # ansible-core 2.19 and later tell the controller's module_utils from a target's
    from ansible.module_utils import _internal
    from ansible.module_utils._internal._ansiballz._loader import (
        _handle_exception as handle_exception,
    )
except ImportError:  # pragma: no cover - depends on the core
    _internal = handle_exception = None

display = Display()

# Modules that declare no metadata use this profile (ansible-core 2.19 and later); this
# collection's declare none.
PROFILE = "legacy"
MODULES = "ansible_collections.bird.engagements.plugins.modules.%s"


def module_arguments_json(module_args):
    """The module's input as AnsiballZ hands it over: ``{"ANSIBLE_MODULE_ARGS": ...}`` as JSON bytes."""
    params = dict(ANSIBLE_MODULE_ARGS=module_args)
    if get_module_encoder is not None:
        encoded = json.dumps(
            params, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
        )
    else:  # pragma: no cover - ansible-core before 2.19
        encoded = json.dumps(params, cls=AnsibleJSONEncoder, vault_to_text=True)
    return encoded.encode("utf-8")


def same_python(interpreter, executable):
    """Whether the ``interpreter`` path runs the Python of ``executable`` with its packages: the same
    path, or another name for the same file in the same directory (``python3`` beside ``python`` in a
    virtual environment, whose packages Python finds from that directory)."""
    if not isinstance(interpreter, str) or not interpreter:
        return False
    if interpreter == executable:
        return True
    try:
        return os.path.dirname(os.path.abspath(interpreter)) == os.path.dirname(
            os.path.abspath(executable)
        ) and os.path.samefile(interpreter, executable)
    except OSError:
        return False


def set_open_files_limit(limit):
    """The soft limit of open files ``limit`` (within the hard limit), as AnsiballZ sets it; 0: as it is."""
    if not limit:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, limit)
    if wanted != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except ValueError:  # some platforms report a hard limit they do not allow
            pass


def run_child(module_name, json_params, environment, outputs, rlimit_nofile=0):
    """In the forked child: the module's ``main()`` on ``json_params``, its stdout and stderr on the
    two descriptors ``outputs``; never returns (``os._exit`` with the module's exit code).
    """
    out_fd, err_fd = outputs
    code = 1
    try:
        set_open_files_limit(rlimit_nofile)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            signal.signal(signum, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        # The worker's sys.stdout is not descriptor 1 (ansible-core 2.19 and later make it a buffer).
        # pylint: disable=consider-using-with
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        # pylint: enable=consider-using-with
        os.environ.update(environment)
        # pylint: disable-next=import-outside-toplevel
        from ansible.module_utils import basic

        if _internal is not None:
            # module_utils code behaves as on a target: warnings and deprecations go into the
            # result, and the target's JSON profiles encode it.
            _internal.is_controller = False

        basic._ANSIBLE_ARGS = json_params  # pylint: disable=protected-access
        if hasattr(basic, "_ANSIBLE_PROFILE"):
            basic._ANSIBLE_PROFILE = PROFILE  # pylint: disable=protected-access
        try:
            module = importlib.import_module(MODULES % module_name)
            module.main()
            raise RuntimeError("%s did not exit through exit_json" % module_name)
        # Not BaseException: modules exit through SystemExit. From ansible-core 2.19 on, the
        # failure a module process reports (AnsiballZ's handler, which exits); before, a traceback.
        except Exception as exc:  # pylint: disable=broad-exception-caught
            if handle_exception is None:
                raise
            handle_exception(exc, PROFILE)
    # exit_json and fail_json end here, as in a module process.
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # pylint: disable=broad-exception-caught
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # pylint: disable=broad-exception-caught
                pass  # nowhere left to tell
        # Not sys.exit: the worker's exit handlers are not the child's to run.
        os._exit(code)  # pylint: disable=protected-access


class ForkedModuleAction(NormalAction):
    """The ``normal`` action for ``MODULE``, whose ``_execute_module`` forks instead of starting a
    Python when the task runs on the controller with the controller's Python (see the module docstring).
    """

    MODULE = ""  # the module's short name, set by each action

    def _execute_module(
        self,
        module_name=None,
        module_args=None,
        tmp=None,
        task_vars=None,
        persist_files=False,
        delete_remote_tmp=None,
        wrap_async=False,
        **kwargs,
    ):  # ActionBase's signature; ansible-core 2.21 adds ignore_unknown_opts
        why_not = self.why_not_forked(
            module_name, module_args, task_vars or {}, wrap_async
        )
        if why_not is None:
            why_not = self._import_module()
        if why_not is not None:
            display.vvv(
                "%s: runs as a module process (%s)" % (self.MODULE, why_not),
                host=self._play_context.remote_addr,
            )
            return super()._execute_module(
                module_name,
                module_args,
                tmp,
                task_vars,
                persist_files,
                delete_remote_tmp,
                wrap_async,
                **kwargs,
            )
        display.vvv(
            "%s: runs in a fork of the worker process (the controller's Python, local connection)"
            % self.MODULE,
            host=self._play_context.remote_addr,
        )
        return self._execute_forked(task_vars or {})

    def why_not_forked(self, module_name, module_args, task_vars, wrap_async):
        """None when the module would run on the controller with the controller's Python; else why not."""
        if module_name not in (None, self._task.action) or module_args is not None:
            return "another module or other arguments than the task's"
        if getattr(self._connection, "transport", None) not in (
            "local",
            "ansible.builtin.local",
        ):
            return "the connection is not local"
        if self._play_context.become:
            return "become"
        if wrap_async or self._task.async_val:
            return "async"
        if C.DEFAULT_KEEP_REMOTE_FILES:
            return "keep_remote_files"
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = task_vars.get("ansible_delegated_vars", {}).get(
                self._task.delegate_to
            )
            if host_vars is None:
                return "no variables for the delegated host"
        # As AnsiballZ picks it: the host's variable, else a configured path (not a discovery mode).
        interpreter = host_vars.get("ansible_python_interpreter")
        if interpreter is None:
            configured = C.config.get_config_value(
                "INTERPRETER_PYTHON", variables=host_vars
            )
            if not str(configured).startswith("auto"):
                interpreter = configured
        if interpreter is not None:
            interpreter = self._templar.template(interpreter)
        if not same_python(interpreter, sys.executable):
            return "its interpreter %s is not the controller's Python %s" % (
                interpreter or "(discovered)",
                sys.executable,
            )
        return None

    def _import_module(self):
        """Import the module in the worker, so that a loop's items import it once; why not, if it fails."""
        try:
            importlib.import_module(MODULES % self.MODULE)
        except ImportError as exc:  # requests missing on the controller, for one
            return "it cannot be imported on the controller: %s" % exc
        return None

    def _open_files_limit(self, task_vars):
        """The open-files limit AnsiballZ would set for the module (``PYTHON_MODULE_RLIMIT_NOFILE``), or 0."""
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = task_vars["ansible_delegated_vars"][self._task.delegate_to]
        limit = C.config.get_config_value(
            "PYTHON_MODULE_RLIMIT_NOFILE", variables=host_vars
        )
        return int(self._templar.template(limit) or 0)

    def _execute_forked(self, task_vars):
        rlimit_nofile = self._open_files_limit(task_vars)
        module_args = self._task.args.copy()
        self._update_module_args(self._task.action, module_args, task_vars)
        environment = {}
        self._compute_environment_string(environment)
        environment = dict((to_text(k), to_text(v)) for k, v in environment.items())
        json_params = module_arguments_json(module_args)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child; the tests check its output
                run_child(
                    self.MODULE,
                    json_params,
                    environment,
                    (out.fileno(), err.fileno()),
                    rlimit_nofile,
                )
            try:
                dummy, status = os.waitpid(pid, 0)
            except BaseException:
                # The task's timeout (an alarm in this process) or an interrupt: the child goes too.
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise
            res = {"rc": os.waitstatus_to_exitcode(status)}
            for name, handle in (("stdout", out), ("stderr", err)):
                handle.seek(0)
                res[name] = to_text(handle.read(), errors="surrogate_then_replace")
                res[name + "_lines"] = res[name].splitlines()
        return self._parsed(res)

    def _parsed(self, res):
        """The child's output as ``_execute_module`` returns a module process's."""
        self._used_interpreter = "#!" + sys.executable
        if "profile" in inspect.signature(self._parse_returned_data).parameters:
            data = self._parse_returned_data(res, PROFILE)
        else:  # pragma: no cover - ansible-core before 2.19
            data = self._parse_returned_data(res)
        if hasattr(data, "remove_internal_keys"):  # ansible-core 2.21 and later
            data.remove_internal_keys()
            return data.as_result_dict(for_round_trip=True)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data
