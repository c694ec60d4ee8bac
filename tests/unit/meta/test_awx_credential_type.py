# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential type (meta/awx-credential-type.yml) injects exactly the
environment variables that the modules fall back to, and it is one that AWX
accepts and renders the way the modules need.

The modules' fallbacks are read from the argument specs the modules really
build: each module's ``main()`` runs until AnsibleModule is created, which
records the spec and stops.
"""

import glob
import importlib
import os
import re

import pytest
import yaml
from ansible.module_utils.basic import AnsibleModule
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.bird.engagements.plugins.module_utils import _connection
from ansible_collections.bird.engagements.plugins.module_utils._connection import (
    DEFAULT_API_URL,
)
from ansible_collections.bird.engagements.plugins.module_utils._module import (
    env_fallback,
)
from ansible_collections.bird.engagements.tests.unit.helpers import ROOT

CONNECTION_SPEC = _connection.connection_argument_spec(env_fallback)
CREDENTIAL_TYPE = os.path.join(ROOT, "meta", "awx-credential-type.yml")
CREATE_PLAYBOOK = os.path.join(ROOT, "docs", "awx", "create_credential_type.yml")
# The modules that talk to Bird: every module but the documentation of a controller-side action
# (plugins/action/<name>.py, such as bird_voice_connectors_fact), which takes no credentials.
CONTROLLER_ACTIONS = {
    os.path.splitext(os.path.basename(path))[0]
    for path in glob.glob(os.path.join(ROOT, "plugins", "action", "*.py"))
}
MODULE_NAMES = sorted(
    os.path.splitext(os.path.basename(path))[0]
    for path in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
    if not os.path.basename(path).startswith("_")
    and os.path.splitext(os.path.basename(path))[0] not in CONTROLLER_ACTIONS
)
DOC_FILES = sorted(
    glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
    + glob.glob(os.path.join(ROOT, "plugins", "doc_fragments", "*.py"))
)

# What AWX accepts in a custom credential type (awx/main/fields.py,
# CredentialTypeInputField and CredentialTypeInjectorField).
AWX_FIELD_KEYS = {
    "id",
    "label",
    "type",
    "format",
    "choices",
    "help_text",
    "multiline",
    "secret",
    "ask_at_runtime",
    "default",
}
AWX_NAME_RE = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")


class _SpecCaptured(Exception):
    pass


@pytest.fixture(scope="module")
def credential_type():
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def module_specs():
    """``{module name: the argument_spec its main() gives AnsibleModule}``."""
    specs: dict = {}
    original = AnsibleModule.__init__

    def capture(self, argument_spec, **kwargs):
        specs[current[0]] = argument_spec
        raise _SpecCaptured()

    current: list = [None]
    AnsibleModule.__init__ = capture
    try:
        for name in MODULE_NAMES:
            current[0] = name
            module = importlib.import_module(
                "ansible_collections.bird.engagements.plugins.modules.%s" % name
            )
            with pytest.raises(_SpecCaptured):
                module.main()
    finally:
        AnsibleModule.__init__ = original
    return specs


def env_fallbacks(spec):
    """``{environment variable: option name}`` of every fallback in ``spec``, suboptions included."""
    found = {}
    for option, details in spec.items():
        fallback = details.get("fallback")
        if fallback:
            for name in fallback[1]:
                found[name] = option
        if details.get("options"):
            found.update(env_fallbacks(details["options"]))
    return found


def render(template, namespace, strict=False):
    """Render an injector template the way AWX does (a sandboxed Jinja environment)."""
    kwargs = dict(undefined=StrictUndefined) if strict else {}
    return (
        ImmutableSandboxedEnvironment(**kwargs)
        .from_string(template)
        .render(**namespace)
    )


def awx_namespace(credential_type, inputs):
    """AWX leaves credential inputs that are empty out of the namespace it renders injectors with."""
    defined = set(field["id"] for field in credential_type["inputs"]["fields"])
    return dict(
        (key, value) for key, value in inputs.items() if key in defined and value != ""
    )


def test_every_module_was_inspected(module_specs):
    assert MODULE_NAMES and sorted(module_specs) == MODULE_NAMES
    for spec in module_specs.values():
        # The shared connection options are part of every module's spec.
        assert set(CONNECTION_SPEC) <= set(spec)


def test_injected_variables_are_exactly_the_module_fallbacks(
    credential_type, module_specs
):
    fallbacks = env_fallbacks(CONNECTION_SPEC)
    for spec in module_specs.values():
        fallbacks.update(env_fallbacks(spec))
    assert set(fallbacks) == {
        _connection.ENV_ACCESS_KEY,
        _connection.ENV_API_URL,
        _connection.ENV_WORKSPACE_ID,
        _connection.ENV_ORGANIZATION_ID,
    }
    assert set(credential_type["injectors"]["env"]) == set(fallbacks)
    # Nothing reaches a job in any other way (extra_vars would show in the job's variables).
    assert set(credential_type["injectors"]) == {"env"}


def test_each_variable_carries_the_input_of_the_same_name(
    credential_type, module_specs
):
    fallbacks = {}
    for spec in module_specs.values():
        fallbacks.update(env_fallbacks(spec))
    inputs = dict(
        (field["id"], "value-of-%s" % field["id"])
        for field in credential_type["inputs"]["fields"]
    )
    namespace = awx_namespace(credential_type, inputs)
    for variable, option in fallbacks.items():
        assert option in inputs, "no credential input named like the option %s" % option
        assert (
            render(credential_type["injectors"]["env"][variable], namespace)
            == inputs[option]
        )


def test_secret_options_are_secret_inputs(credential_type, module_specs):
    fields = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
    secret_options = set(
        option
        for spec in module_specs.values()
        for option, details in spec.items()
        if details.get("no_log") and details.get("fallback")
    )
    assert secret_options == {"access_key"}
    for option in secret_options:
        assert fields[option].get("secret") is True
    assert [field["id"] for field in fields.values() if field.get("secret")] == [
        "access_key"
    ]
    assert "access_key" in credential_type["inputs"]["required"]


def test_api_url_defaults_to_the_public_api(credential_type):
    fields = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
    assert fields["api_url"]["default"] == DEFAULT_API_URL
    env = credential_type["injectors"]["env"]
    # A credential saved without an API URL still points the modules at the public API ...
    assert (
        render(
            env[_connection.ENV_API_URL],
            awx_namespace(credential_type, {"access_key": "k"}),
        )
        == DEFAULT_API_URL
    )
    assert (
        render(
            env[_connection.ENV_API_URL],
            awx_namespace(credential_type, {"api_url": ""}),
        )
        == DEFAULT_API_URL
    )
    # ... and an optional workspace left empty is injected as an empty string (see docs/docsite/rst/user_guide.rst).
    assert (
        render(
            env[_connection.ENV_WORKSPACE_ID],
            awx_namespace(credential_type, {"access_key": "k"}),
        )
        == ""
    )


def test_awx_accepts_the_credential_type(credential_type):
    assert credential_type["name"] and credential_type["kind"] in ("cloud", "net")
    fields = credential_type["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids)) and "tower" not in ids
    for field in fields:
        assert set(field) <= AWX_FIELD_KEYS, field
        assert AWX_NAME_RE.match(field["id"]) and field["label"]
        assert field.get("type", "string") in ("string", "boolean")
        assert field.get("format") in (None, "ssh_private_key", "url")
        if "default" in field:
            assert isinstance(
                field["default"],
                {"string": str, "boolean": bool}[field.get("type", "string")],
            )
    assert set(credential_type["inputs"]["required"]) <= set(ids)
    assert set(credential_type["inputs"]) <= {"fields", "required"}
    # AWX validates injectors by rendering them strictly with every input set.
    namespace = dict((field_id, "EXAMPLE") for field_id in ids)
    for variable, template in credential_type["injectors"]["env"].items():
        assert AWX_NAME_RE.match(variable) and not variable.startswith("ANSIBLE_")
        assert render(template, namespace, strict=True) == "EXAMPLE"


def test_module_docs_name_the_same_variables(module_specs):
    documented = set()
    for path in DOC_FILES:
        with open(path, encoding="utf-8") as handle:
            documented.update(re.findall(r"E\((BIRD_[A-Z_]+)\)", handle.read()))
    fallbacks = set()
    for spec in module_specs.values():
        fallbacks.update(env_fallbacks(spec))
    assert documented == fallbacks


def test_create_playbook_reads_this_file(credential_type):
    with open(CREATE_PLAYBOOK, encoding="utf-8") as handle:
        play = yaml.safe_load(handle)[0]
    path = play["vars"]["bird_credential_type_file"].replace(
        "{{ playbook_dir }}", os.path.dirname(CREATE_PLAYBOOK)
    )
    assert os.path.samefile(path, CREDENTIAL_TYPE)
    task = next(task for task in play["tasks"] if "awx.awx.credential_type" in task)
    args = task["awx.awx.credential_type"]
    for key in ("name", "kind", "inputs", "injectors"):
        assert args[key] == "{{ bird_credential_type.%s }}" % key
    credential = next(task for task in play["tasks"] if "awx.awx.credential" in task)
    assert credential.get("no_log") is True
    assert set(credential["awx.awx.credential"]["inputs"]) <= set(
        f["id"] for f in credential_type["inputs"]["fields"]
    )


def test_the_lookup_reads_the_same_variables(credential_type):
    path = os.path.join(ROOT, "plugins", "lookup", "voice_channel_id.py")
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    options = yaml.safe_load(
        re.search(r"DOCUMENTATION = r('''|\"\"\")(.*?)\1", source, re.S).group(2)  # type: ignore[union-attr]
    )["options"]
    variables = {
        env["name"]: option
        for option, details in options.items()
        for env in details.get("env", [])
    }
    assert variables == {
        _connection.ENV_ACCESS_KEY: "access_key",
        _connection.ENV_API_URL: "api_url",
        _connection.ENV_WORKSPACE_ID: "workspace_id",
    }
    # The lookup works in one workspace; only the webhook subscription modules need the organization.
    assert set(variables) | {_connection.ENV_ORGANIZATION_ID} == set(
        credential_type["injectors"]["env"]
    )
