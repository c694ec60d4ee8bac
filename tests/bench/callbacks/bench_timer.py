# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: appends one JSON line per task (name, wall-clock start and end) to
``$BIRD_BENCH_TASK_LOG``, so the benchmark can tell the time Ansible spends around a module.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timer
type: aggregate
short_description: task start and end times for the bird.engagements benchmark
description: Writes one JSON line per task to $BIRD_BENCH_TASK_LOG.
"""


def task_id(task):
    """The task's identity within the run (Ansible keeps it private)."""
    return task._uuid  # pylint: disable=protected-access


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("BIRD_BENCH_TASK_LOG")
        self._started = {}

    def _write(self, record):
        if self._path:
            with open(self._path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    def v2_playbook_on_start(self, playbook):
        self._write({"event": "playbook_start", "time": time.time()})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task_id(task)] = time.time()

    def _done(self, result, status):
        task = result._task  # pylint: disable=protected-access
        self._write(
            {
                "event": "task",
                "name": task.get_name(),
                "action": task.action,
                "status": status,
                "start": self._started.get(task_id(task)),
                "end": time.time(),
            }
        )

    def v2_runner_on_ok(self, result):
        self._done(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        self._write({"event": "stats", "time": time.time()})
