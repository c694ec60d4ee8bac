"""Offline stand-in for ansible-test's ``get-pip.py`` bootstrap script.

bird-engagements get_pip stand-in (marker used by noxfile.py; keep this line)

ansible-test creates its sanity/test virtual environments with ``--without-pip``
and bootstraps pip into them by running ``get-pip-<version>.py``, downloaded
from a host that this project's machines cannot reach.  Before downloading it
looks for a cached copy at ``~/.ansible/test/cache/get_pip_<version>.py``
(dots replaced by underscores).  The ansible-test sessions of noxfile.py copy
this file there when no such file exists.

ansible-test runs the cached file with runpy as ``__main__`` and argv like::

    get-pip.py --disable-pip-version-check pip==25.2 --no-setuptools --no-wheel

This stand-in:

1. makes pip quiet in that environment (its progress lines are noise in the
   test logs; warnings and errors stay),
2. installs the pip bundled with the interpreter (``python -m ensurepip``,
   whose output is shown only if it fails), and
3. runs ``python -m pip install --upgrade <the same arguments>`` (minus
   ``--no-setuptools`` / ``--no-wheel``, which only get-pip.py understands),
   so the exact pip (and setuptools/wheel) versions ansible-test asked for are
   installed from the package index configured on the machine.

``ensurepip`` runs in a child process, so the last step still sees the
machine's pip configuration (index, certs, ...).
"""

from __future__ import annotations

import os
import subprocess
import sys

# Options of get-pip.py itself that pip does not understand.
GET_PIP_ONLY_OPTIONS = frozenset(("--no-setuptools", "--no-wheel", "--no-pip"))


def quiet_pip() -> None:
    """Make pip quiet in this environment (ansible-test's throw-away venvs).

    ansible-test prints the whole output of every pip run that fills its
    sanity and unit test environments. A site configuration file of the
    environment (``<sys.prefix>/pip.conf``, read by every pip run there)
    keeps pip's errors and drops the rest: its progress lines, and the
    warnings a machine's own pip configuration can cause on every package
    (an extra index that lacks it, for example). Only inside a virtual
    environment, never for a system Python.
    """
    if sys.prefix == sys.base_prefix:
        return
    path = os.path.join(sys.prefix, "pip.conf")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(
                "# written by the bird-engagements get_pip stand-in\n[global]\nquiet = 2\n"
            )


def main() -> int:
    """Bootstrap pip into the running interpreter's environment."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    quiet_pip()

    # ensurepip prints pip's own output; show it for a failure only.
    command = [sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.returncode

    if not args:
        return 0

    command = [sys.executable, "-m", "pip", "install", "--upgrade"] + args
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
