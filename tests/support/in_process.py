# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's real ``main()`` in this process, against a simulator, with the collection's backoff shortened.

No ansible process is started: the module parses its arguments, talks HTTP to the simulator
(``api_url``) with its own client, and prints its result, which is parsed (:func:`run_module`,
which the unit tests use too). Only the waits between retries and between looks for a
connector are shorter (:func:`quick_backoff`); the decisions are the module's own.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:  # ansible-core 2.19 and later
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover - older cores
    patch_module_args = None

from ansible_collections.bird.engagements.plugins.module_utils import _backoff

MODULES = "ansible_collections.bird.engagements.plugins.modules.%s"


@contextlib.contextmanager
def module_args(args):
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    # Before ansible-core 2.19, a module reads its arguments from this private variable.
    # pylint: disable=protected-access
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


def run_module(main, args, check=False, diff=False):
    """Run a module's ``main()`` with ``args``; return the result it printed (``failed`` set on failure)."""
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    out = io.StringIO()
    with module_args(args), contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit:
            pass
    return json.loads(out.getvalue())


@contextlib.contextmanager
def quick_backoff(factor=10.0):
    """The retry and lookup backoff ``factor`` times shorter (the channel polls and the pacing stay as they are)."""
    policies = (_backoff.REQUEST_RETRY, _backoff.LOOKUP)
    saved = [(policy, policy.first, policy.cap) for policy in policies]
    for policy, first, cap in saved:
        policy.first, policy.cap = first / factor, cap / factor
    try:
        yield
    finally:
        for policy, first, cap in saved:
            policy.first, policy.cap = first, cap


def run_in_process(module, args, check=False, diff=False):
    """Run ``bird.engagements.<module>``'s ``main()`` with ``args``; ``(result, printed text)``.

    ``result`` is what the module printed, parsed (``failed`` is set on failure)."""
    main = importlib.import_module(MODULES % module).main
    with quick_backoff(), contextlib.redirect_stderr(io.StringIO()) as stderr:
        result = run_module(main, args, check=check, diff=diff)
    return result, stderr.getvalue()
