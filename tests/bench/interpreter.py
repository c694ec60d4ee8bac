# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's module interpreter: it runs the real Python on the same arguments as a child and
appends one JSON line about that child to ``$BIRD_BENCH_MODULE_LOG``.

The benchmark copies this file under a shebang naming the real Python and points
``ansible_python_interpreter`` at the copy, so every module Ansible runs goes through it. The line
holds the module name (from ``AnsiballZ_<name>.py``), the child's wall-clock start and end
(``time.time()``, comparable with the simulator's clock), its peak RSS (``ru_maxrss`` from
``wait4``, KiB on Linux), its CPU seconds and the bytes it wrote to stdout (the module's result JSON),
which the wrapper passes on unchanged. Start-up of this wrapper adds about 20 ms to each module run.
With ``$BIRD_BENCH_PROFILE_DIR`` set (``bench.py --profile DIR``) the module runs under cProfile, which
writes ``<module>-<pid>.prof`` there.
"""

import json
import os
import sys
import time

PROFILE = """
import cProfile, runpy, sys
out, sys.argv = sys.argv[1], sys.argv[2:]
profiler = cProfile.Profile()
try:
    profiler.runcall(runpy.run_path, sys.argv[0], run_name='__main__')
finally:
    profiler.dump_stats(out)
"""


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main():
    real = sys.executable
    args = sys.argv[1:]
    script = os.path.basename(args[0]) if args else ""
    name = (
        script[len("AnsiballZ_") : -len(".py")]
        if script.startswith("AnsiballZ_")
        else script
    )
    profile_dir = os.environ.get("BIRD_BENCH_PROFILE_DIR")
    if profile_dir and name:
        # --profile: the module under cProfile. Not `-m cProfile`: AnsiballZ drops the directory of
        # __main__.__file__ from sys.path, which would then be the standard library's.
        args = [
            "-c",
            PROFILE,
            os.path.join(profile_dir, "%s-%d.prof" % (name, os.getpid())),
        ] + args
    read_end, write_end = os.pipe()
    start = time.time()
    pid = os.fork()
    if pid == 0:  # the child: the module, with stdout into the pipe
        os.dup2(write_end, 1)
        os.close(read_end)
        os.close(write_end)
        os.execv(real, [real] + args)
    os.close(write_end)
    out_bytes = 0
    while True:
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        out_bytes += len(chunk)
        _write_all(1, chunk)
    dummy, status, usage = os.wait4(pid, 0)
    end = time.time()
    log = os.environ.get("BIRD_BENCH_MODULE_LOG")
    if log:
        line = (
            json.dumps(
                {
                    "module": name,
                    "start": start,
                    "end": end,
                    "maxrss_kib": usage.ru_maxrss,
                    "cpu": usage.ru_utime + usage.ru_stime,
                    "stdout_bytes": out_bytes,
                    "status": os.waitstatus_to_exitcode(status),
                }
            )
            + "\n"
        )
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            _write_all(fd, line.encode())
        finally:
            os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
