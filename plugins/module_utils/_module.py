# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AnsibleModule of the collection: connection options, the client, and one way of
turning a report (or any failure) into ``exit_json``/``fail_json``. Internal."""

import traceback

from ansible.module_utils.basic import (
    AnsibleFallbackNotFound,
    AnsibleModule,
    missing_required_lib,
)

from ansible_collections.bird.engagements.plugins.module_utils._connection import (
    ENV_WORKSPACE_ID,
    check_connection,
    connection_argument_spec,
    env_value,
    make_client,
)
from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    DEFAULT_CONCURRENCY,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    InputError,
    api_fields,
    scrub_secret,
    secret_forms,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    check_template_ref,
    check_uuid,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    check_e164,
)
from ansible_collections.bird.engagements.plugins.module_utils._parallel import (
    Executor,
)
from ansible_collections.bird.engagements.plugins.module_utils._service import run
from ansible_collections.bird.engagements.plugins.module_utils._throttle import Throttle

# How many warnings a task shows before saying how many more there are.
MAX_WARNINGS = 25


def workspace_option():
    """The ``workspace_id`` option of the modules that work in one workspace (doc fragment WORKSPACE)."""
    return dict(type="str", required=True, fallback=(env_fallback, [ENV_WORKSPACE_ID]))


def env_fallback(*names):
    """Like Ansible's env_fallback, but an empty variable counts as unset (AWX injects "")."""
    value = env_value(*names)
    if value is None:
        raise AnsibleFallbackNotFound
    return value


class BirdModule(AnsibleModule):
    """An AnsibleModule with the connection options and a Bird API client. ``secrets`` names the
    options besides ``access_key`` that hold secrets (a webhook signing key), masked as the key is.
    """

    def __init__(self, argument_spec, secrets=(), **kwargs):
        spec = connection_argument_spec(env_fallback)
        spec.update(argument_spec)
        super().__init__(argument_spec=spec, **kwargs)
        self.secrets = [
            self.params[name]
            for name in secrets
            if self.params.get(name) and self.params[name].strip()
        ]
        for secret in self.secrets:
            self.no_log_values.update(secret_forms(secret))
        if not HAS_REQUESTS:
            self.fail_json(
                msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR
            )

    def scrub(self, value):
        for secret in [self.params.get("access_key")] + self.secrets:
            value = scrub_secret(value, secret)
        return value

    def client(self, concurrency=1):
        """Check the connection options (failing before any request) and make the client."""
        given = self.params["access_key"]
        try:
            warnings = check_connection(self.params)
        except InputError as err:
            self.fail_json(
                msg="nothing was changed: %s" % "; ".join(err.errors), errors=err.errors
            )
        # Ansible masks the key as given; also mask it as used (a key pasted with a trailing
        # newline is used without it) and as a text may carry it escaped (JSON, repr).
        for key in (given, self.params["access_key"]):
            if key:
                self.no_log_values.update(secret_forms(key))
        for warning in warnings:
            self.warn(warning)
        return make_client(
            self.params, throttle=Throttle(concurrency), secrets=self.secrets
        )

    def check_options(self, uuids=(), e164s=(), templates=()):
        """Fail, naming each option, if the given ones are not UUIDs, E.164 numbers or template refs."""
        checks = [
            (check_uuid, uuids),
            (check_e164, e164s),
            (check_template_ref, templates),
        ]
        errors = [
            check(self.params[name], name)
            for check, names in checks
            for name in names
            if self.params.get(name) is not None
        ]
        errors = [e for e in errors if e]
        if errors:
            self.fail_json(msg="; ".join(errors))

    def call(self, func, *args, **kwargs):
        """``func(*args, **kwargs)``; an API error, an input error or a bug fails the module."""
        try:
            return func(*args, **kwargs)
        except BirdAPIError as err:
            self.fail_api(err)
        except InputError as err:
            self.fail_json(msg=self.scrub("; ".join(err.errors)))
        # pylint: disable-next=broad-exception-caught  # a bug: say so, never with the key
        except Exception as err:
            self.fail_unexpected(err)
        return None  # not reached: fail_json exits

    def ask(self, question, *args, **kwargs):
        """Run a read-only question (``_info``) with the client; its failure fails the module."""
        client = self.client(DEFAULT_CONCURRENCY)
        with Executor(DEFAULT_CONCURRENCY) as executor:
            return self.call(question, client, *args, pmap=executor, **kwargs)

    def fail_unexpected(self, error):
        """Fail on a bug (an exception no layer expected): its type, text and traceback, scrubbed."""
        self.fail_json(
            msg=self.scrub("unexpected %s: %s" % (type(error).__name__, error)),
            exception=self.scrub(traceback.format_exc()),
        )

    def fail_api(self, error):
        """Fail with an API error: what happened, what to do, Bird's words and request id, nothing secret."""
        self.fail_json(msg=self.scrub(str(error)), **self.scrub(api_fields(error)))

    def run_request(self, req, single=False):
        """Run a write request through the service and exit with its report."""
        client = self.client(req.concurrency)
        report = self.call(run, client, req)
        for warning in report.warnings[:MAX_WARNINGS]:
            self.warn(self.scrub(warning))
        if len(report.warnings) > MAX_WARNINGS:
            self.warn(
                "and %d more warnings like these"
                % (len(report.warnings) - MAX_WARNINGS)
            )
        failed, msg, fields = report.result(single=single)
        # Texts from Bird were scrubbed by the client; exit_json and fail_json mask every no_log
        # value (the key as given and as stripped) in the whole result once more.
        if failed:
            self.fail_json(msg=self.scrub(msg), **fields)
        self.exit_json(**fields)
