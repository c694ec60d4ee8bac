# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: appends one JSON line per task start (its action and wall-clock time), and
one at the end of the plays, to ``$BIRD_BENCH_TASK_LOG``; a task's time is from its start to the
next one's (every host's result, and the strategy's work in between, included).
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timer
type: aggregate
short_description: task start times for the bird.engagements benchmark
description: Writes one JSON line per task start (its action), and one at the end, to $BIRD_BENCH_TASK_LOG.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, action):
        path = os.environ.get("BIRD_BENCH_TASK_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"action": action, "time": time.time()}) + "\n")

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._write(task.action)

    def v2_playbook_on_stats(self, stats):
        self._write(None)
