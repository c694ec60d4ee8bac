# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Execution environments: what the collection declares for ansible-builder
(meta/execution-environment.yml), and the example EE definition
(docs/execution-environment.yml) turned into a build context.

No container engine is needed: the collection is built into a tarball and
installed the way the EE's galaxy stage does it, ansible-builder introspects it
the way its builder stage does, and `ansible-builder create` writes the
Containerfile and the build context.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    BIN,
    COLLECTIONS,
    ROOT,
    ansible_env,
    run,
)

EE_DOC = os.path.join(ROOT, "docs", "execution-environment.yml")
REQUESTS_FROM_COLLECTION = "requests  # from collection bird.engagements"


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


GALAXY = load_yaml(os.path.join(ROOT, "galaxy.yml"))
TARBALL = "%s-%s-%s.tar.gz" % (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])


def requirement_lines(path):
    with open(path, encoding="utf-8") as handle:
        return [
            line.split("#", 1)[0].strip()
            for line in handle
            if line.split("#", 1)[0].strip()
        ]


def clean_env(**extra):
    return ansible_env(None, access_key=None, **extra)


def checked(args, env=None, **kwargs):
    proc = run(args, env or clean_env(), **kwargs)
    assert proc.returncode == 0, "%s failed:\n%s\n%s" % (
        " ".join(args),
        proc.stdout,
        proc.stderr,
    )
    return proc


def introspect(collections_path):
    proc = checked(
        [
            os.path.join(BIN, "ansible-builder"),
            "introspect",
            "--sanitize",
            collections_path,
        ]
    )
    return yaml.safe_load(proc.stdout)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """The collection tarball, built from what git would commit (like `make importer`)."""
    top = tmp_path_factory.mktemp("artifact")
    src = top / "src"
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode("utf-8")
        .split("\0")
    )
    for name in files:
        path = os.path.join(ROOT, name)
        if name and os.path.isfile(path):
            os.makedirs(os.path.dirname(str(src / name)), exist_ok=True)
            shutil.copy2(path, str(src / name))
    checked(
        [
            os.path.join(BIN, "ansible-galaxy"),
            "collection",
            "build",
            str(src),
            "--output-path",
            str(top),
        ]
    )
    tarball = top / TARBALL
    assert tarball.is_file()
    return tarball


def test_collection_declares_requests_only():
    ee = load_yaml(os.path.join(ROOT, "meta", "execution-environment.yml"))
    assert ee["version"] == 1
    assert set(ee["dependencies"]) == {"python"}
    assert requirement_lines(os.path.join(ROOT, ee["dependencies"]["python"])) == [
        "requests"
    ]


def test_builder_introspection_of_the_checkout_finds_requests_only():
    # The collections path the tests import the collection from: .cache/collections/ansible_collections/bird/
    # engagements -> the checkout.
    assert introspect(COLLECTIONS) == {
        "python": [REQUESTS_FROM_COLLECTION],
        "system": [],
    }


def test_builder_introspection_of_the_installed_tarball_finds_requests_only(
    artifact, tmp_path
):
    collections = tmp_path / "collections"
    # Only the target on the collections path: the checkout's tree would count as "already installed".
    checked(
        [
            os.path.join(BIN, "ansible-galaxy"),
            "collection",
            "install",
            str(artifact),
            "-p",
            str(collections),
        ],
        env=clean_env(ANSIBLE_COLLECTIONS_PATH=str(collections)),
    )
    installed = (
        collections / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    )
    assert (installed / "meta" / "execution-environment.yml").is_file()
    assert introspect(str(collections)) == {
        "python": [REQUESTS_FROM_COLLECTION],
        "system": [],
    }


def test_the_example_ee_definition_builds_a_context_that_installs_the_tarball(
    artifact, tmp_path
):
    definition = load_yaml(EE_DOC)
    assert definition["version"] == 3
    base_image = definition["images"]["base_image"]["name"]
    assert base_image.startswith(
        ("quay.io/ansible/awx-ee:", "registry.redhat.io/ansible-automation-platform")
    )
    # The definition names the tarball of the current version, at ../build/ from docs/.
    sources = [entry["src"] for entry in definition["additional_build_files"]]
    assert sources == ["../build/%s" % TARBALL]

    # Lay out docs/ and build/ as in the checkout after `ansible-galaxy collection build --output-path build .`.
    (tmp_path / "docs").mkdir()
    (tmp_path / "build").mkdir()
    shutil.copy(EE_DOC, str(tmp_path / "docs"))
    shutil.copy(str(artifact), str(tmp_path / "build"))
    context = tmp_path / "context"
    proc = checked(
        [
            os.path.join(BIN, "ansible-builder"),
            "create",
            "-f",
            str(tmp_path / "docs" / "execution-environment.yml"),
            "--context",
            str(context),
            "--output-filename",
            "Containerfile",
        ]
    )
    assert "No matches" not in proc.stdout + proc.stderr

    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="%s"' % base_image in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert "COPY _build /build" in containerfile
    assert (
        "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml"
        in containerfile
    )
    assert "introspect.py introspect --user-pip=requirements.txt" in containerfile

    build = context / "_build"
    assert requirement_lines(str(build / "requirements.txt")) == ["requests"]
    assert load_yaml(str(build / "requirements.yml")) == {
        "collections": [{"name": "collections/%s" % TARBALL, "type": "file"}]
    }
    assert filecmp.cmp(
        str(build / "collections" / TARBALL), str(artifact), shallow=False
    )

    # The galaxy stage: `COPY _build /build`, `WORKDIR /build`, then the install.
    share = tmp_path / "usr-share-ansible" / "collections"
    env = clean_env(
        ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1", ANSIBLE_COLLECTIONS_PATH=str(share)
    )
    proc = run(
        [
            os.path.join(BIN, "ansible-galaxy"),
            "collection",
            "install",
            "-r",
            "requirements.yml",
            "--collections-path",
            str(share),
        ],
        env,
        cwd=str(build),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = (
        share
        / "ansible_collections"
        / GALAXY["namespace"]
        / GALAXY["name"]
        / "MANIFEST.json"
    )
    with open(str(manifest), encoding="utf-8") as handle:
        assert json.load(handle)["collection_info"]["version"] == GALAXY["version"]

    # The builder stage: introspect the installed collections plus the user's requirements.
    written = tmp_path / "out" / "requirements.txt"
    proc = run(
        [
            sys.executable,
            str(build / "scripts" / "introspect.py"),
            "introspect",
            "--user-pip=requirements.txt",
            "--write-pip=%s" % written,
            str(share),
        ],
        env,
        cwd=str(build),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert written.read_text().splitlines() == [
        REQUESTS_FROM_COLLECTION,
        "requests  # from collection user",
    ]
