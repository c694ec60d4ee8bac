# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of this collection's modules in a fork of Ansible's worker process, not a new Python.

When a module task runs on the controller (the ``local`` connection, no ``become``, no ``async``) and
its interpreter is the controller's own Python (``ansible_python_interpreter`` is
``ansible_playbook_python``, as it is for the implicit ``localhost``), Ansible builds an AnsiballZ zip,
starts that same Python on it, imports ``ansible.module_utils`` again and compiles the collection's
code from the zip: 0.3-0.5 s a run before the module does anything (docs/performance.md). Here the
worker, which has all of that loaded already, forks; the child runs the same module's ``main()``
with the same arguments (``_update_module_args``, as for a module process) and the task's
``environment:``, its output captured; and the worker parses that output with Ansible's own
``_parse_returned_data``, as it parses a module process's. The module code, its argument checks,
``no_log`` masking, check and diff mode are the same; only the process is.

Anything else runs the module as usual: another connection, ``become``, ``async``, another
interpreter, ``keep_remote_files``, other threads in the worker (a lookup's: a fork copies the locks
they hold), or a task environment that sets what Python reads only when it starts (``PYTHON*``,
``LANG``, ``LC_ALL``, ``LC_CTYPE``; ``TZ`` is applied). ``-vvv`` says which way a task ran. A task's
``timeout:`` ends the fork with the task (a module process would go on unseen).
"""

from __future__ import annotations

import atexit
import importlib
import inspect
import json
import os
import resource
import signal
import sys
import tempfile
import threading
import time
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
        # pylint: disable-next=import-outside-toplevel,no-name-in-module  # a module __getattr__ later
        from ansible.module_utils.common.json import AnsibleJSONEncoder

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


# Read by Python when it starts, not later: a task's environment that sets them needs a new Python.
STARTUP_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE")


def environment_why_not(environment):
    """Why the task's ``environment`` needs a new Python, or None."""
    names = sorted(
        name
        for name in environment
        if name.startswith("PYTHON") or name in STARTUP_VARIABLES
    )
    if names:
        return "the task's environment sets %s, which Python reads when it starts" % (
            ", ".join(names)
        )
    return None


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


class ExitHandlers(list):
    """The exit handlers registered in the child (``atexit.register``), run last in first."""

    def register(self, func, *args, **kwargs):
        self.append((func, args, kwargs))
        return func

    def run(self):
        for func, args, kwargs in reversed(self):
            try:
                func(*args, **kwargs)
            # As atexit does: a failing handler is reported, and the others still run.
            except Exception:  # pylint: disable=broad-exception-caught
                traceback.print_exc()


def run_child(module_name, json_params, environment, outputs, rlimit_nofile=0):
    """In the forked child: the module's ``main()`` on ``json_params``, its stdout and stderr on the
    two descriptors ``outputs``; never returns (``os._exit`` with the module's exit code).
    """
    out_fd, err_fd = outputs
    code = 1
    exit_handlers = ExitHandlers()
    try:
        set_open_files_limit(rlimit_nofile)
        # As a new Python has them: an ignored signal stays ignored, SIGINT raises KeyboardInterrupt.
        for signum, handler in (
            (signal.SIGINT, signal.default_int_handler),
            (signal.SIGTERM, signal.SIG_DFL),
            (signal.SIGALRM, signal.SIG_DFL),
        ):
            if signal.getsignal(signum) != signal.SIG_IGN:
                signal.signal(signum, handler)
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
        time.tzset()  # TZ from the task's environment, as a new process reads it
        # Exit handlers the module registers (AnsibleModule's removal of its tmpdir) run at its exit;
        # the worker's own are not the child's to run.
        setattr(atexit, "register", exit_handlers.register)
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
        if not isinstance(
            exc.code, (int, type(None))
        ):  # sys.exit("text"), as Python reports it
            sys.stderr.write("%s\n" % (exc.code,))
    except BaseException:  # pylint: disable=broad-exception-caught
        traceback.print_exc()
    finally:
        exit_handlers.run()
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

    def _execute_module(  # pylint: disable=arguments-differ  # ActionBase's own, with **kwargs
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
        environment: dict[str, str] = {}
        if why_not is None:
            # The task's environment: what the module process would have in its command line.
            self._compute_environment_string(environment)
            environment = dict((to_text(k), to_text(v)) for k, v in environment.items())
            why_not = environment_why_not(environment) or self._import_module()
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
        return self._execute_forked(task_vars or {}, environment)

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
        if C.config.get_config_value("DEFAULT_KEEP_REMOTE_FILES"):
            return "keep_remote_files"
        # Another thread (a lookup's, say) may hold a lock that would stay held in the fork.
        if threading.active_count() > 1:
            return "the worker process runs other threads"
        host_vars = self._module_host_vars(task_vars)
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
        except ImportError as exc:  # a module_utils of it the controller lacks, for one
            return "it cannot be imported on the controller: %s" % exc
        return None

    def _module_host_vars(self, task_vars):
        """The variables of the host the module runs on (the delegated one's, as AnsiballZ takes them)."""
        if not self._task.delegate_to:
            return task_vars
        return task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to)

    def _open_files_limit(self, task_vars):
        """The open-files limit AnsiballZ would set for the module (``PYTHON_MODULE_RLIMIT_NOFILE``), or 0."""
        limit = C.config.get_config_value(
            "PYTHON_MODULE_RLIMIT_NOFILE", variables=self._module_host_vars(task_vars)
        )
        return int(self._templar.template(limit) or 0)

    def _execute_forked(self, task_vars, environment):
        rlimit_nofile = self._open_files_limit(task_vars)
        module_args = self._task.args.copy()
        self._update_module_args(self._task.action, module_args, task_vars)
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
            texts = {}
            for name, handle in (("stdout", out), ("stderr", err)):
                handle.seek(0)
                texts[name] = to_text(handle.read(), errors="surrogate_then_replace")
        res = {"rc": os.waitstatus_to_exitcode(status)}
        for name, text in texts.items():
            res[name] = text
            res[name + "_lines"] = text.splitlines()
        return self._parsed(res)

    def _parsed(self, res):
        """The child's output as ``_execute_module`` returns a module process's."""
        self._used_interpreter = "#!" + sys.executable
        if "profile" in inspect.signature(self._parse_returned_data).parameters:
            data = self._parse_returned_data(res, PROFILE)
        else:  # pragma: no cover - ansible-core before 2.19
            # pylint: disable-next=no-value-for-parameter
            data = self._parse_returned_data(res)
        if hasattr(data, "remove_internal_keys"):  # ansible-core 2.21 and later
            data.remove_internal_keys()
            return data.as_result_dict(for_round_trip=True)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data
