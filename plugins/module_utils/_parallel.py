# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One bounded pool of threads for a whole run. Internal.

Reads nest (workspaces, then the connectors of each that must be read one by one), and
each level maps a function over items. A pool per call would multiply threads with the
workspaces; one fixed pool would deadlock when every thread waits for work queued behind
it. So :meth:`Executor.map` hands its items to the shared pool and also runs, in the
calling thread, every item no thread has started yet; it then waits only for items
another thread is already running, which always finish. At most ``limit`` threads of the
pool, plus the callers, ever exist.
"""

import threading
from concurrent.futures import ThreadPoolExecutor


def serial(func, items):
    """``func`` over ``items`` in this thread: the map of a caller that has no executor."""
    return [func(item) for item in items]


class _Task:
    """One item of a map: run at most once, by whichever thread claims it first."""

    __slots__ = ("func", "item", "lock", "claimed", "done", "result", "error")

    def __init__(self, func, item):
        self.func = func
        self.item = item
        self.lock = threading.Lock()
        self.claimed = False
        self.done = threading.Event()
        self.result = None
        self.error = None

    def run(self):
        with self.lock:
            if self.claimed:
                return
            self.claimed = True
        try:
            self.result = self.func(self.item)
        # pylint: disable-next=broad-exception-caught  # map re-raises it in the caller
        except BaseException as err:
            self.error = err
        finally:
            self.done.set()


class Executor:
    """``map(func, items)``: ``func`` over ``items`` on a pool shared by the whole run, results in order."""

    def __init__(self, limit):
        self.limit = max(1, int(limit))
        self._pool = (
            ThreadPoolExecutor(max_workers=self.limit) if self.limit > 1 else None
        )

    def map(self, func, items):
        tasks = [_Task(func, item) for item in items]
        if self._pool is not None:
            for task in tasks[1:]:
                self._pool.submit(task.run)
        for task in tasks:
            task.run()
        for task in tasks:
            task.done.wait()
        for task in tasks:
            if task.error is not None:
                raise task.error
        return [task.result for task in tasks]

    __call__ = map

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
