"""Offline stand-in for ansible-test's ``get-pip.py`` bootstrap script.

bird-engagements get_pip stand-in (marker used by tests/tools/ansible-test.sh; keep this line)

ansible-test creates its sanity/test virtual environments with ``--without-pip``
and bootstraps pip into them by running ``get-pip-<version>.py``, downloaded
from a host that this project's machines cannot reach.  Before downloading it
looks for a cached copy at ``~/.ansible/test/cache/get_pip_<version>.py``
(dots replaced by underscores).  tests/tools/ansible-test.sh copies this file
there when no such file exists.

ansible-test runs the cached file with runpy as ``__main__`` and argv like::

    get-pip.py --disable-pip-version-check pip==25.2 --no-setuptools --no-wheel

This stand-in:

1. installs the pip bundled with the interpreter (``ensurepip``), and
2. runs ``python -m pip install --upgrade <the same arguments>`` (minus
   ``--no-setuptools`` / ``--no-wheel``, which only get-pip.py understands),
   so the exact pip (and setuptools/wheel) versions ansible-test asked for are
   installed from the package index configured on the machine.

``ensurepip`` sets ``PIP_CONFIG_FILE=/dev/null`` in ``os.environ`` (to isolate
its own pip run); the environment is saved and restored around it so the
second step still sees the machine's pip configuration (index, certs, ...).
"""

from __future__ import annotations

import os
import subprocess
import sys

# Options of get-pip.py itself that pip does not understand.
GET_PIP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel', '--no-pip'))


def main() -> int:
    """Bootstrap pip into the running interpreter's environment."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]

    saved_environ = dict(os.environ)
    try:
        import ensurepip  # pylint: disable=import-outside-toplevel

        ensurepip.bootstrap(upgrade=True, default_pip=True)
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)

    if not args:
        return 0

    command = [sys.executable, '-m', 'pip', 'install', '--upgrade'] + args
    return subprocess.call(command)


if __name__ == '__main__':
    sys.exit(main())
