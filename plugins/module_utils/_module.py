# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module of the collection shares: the connection options, their
environment fallbacks, input checks and the API client. Internal."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ansible_collections.bird.engagements.plugins.module_utils._client import (
    DEFAULT_API_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    BirdAPIError,
    BirdClient,
    check_api_url,
    scrub_secret,
)
from ansible_collections.bird.engagements.plugins.module_utils._voice import PlanError, check_uuid

# The environment variables read as fallbacks. The AWX credential type in
# meta/awx-credential-type.yml injects exactly these; a unit test keeps the two in step.
ENV_ACCESS_KEY = 'BIRD_ACCESS_KEY'
ENV_API_URL = 'BIRD_API_URL'
ENV_WORKSPACE_ID = 'BIRD_WORKSPACE_ID'

# Per-workspace request rates this collection keeps under (Bird's defaults are
# 50 GET/s and 500 POST/s); a 429 is retried anyway.
CLIENT_RATE_LIMITS = {'GET': 45, 'POST': 400}


def env_fallback(*names):
    """Like ansible's env_fallback, but an empty variable counts as unset: AWX injects an empty
    string for an optional credential field left blank."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def connection_argument_spec():
    return dict(
        access_key=dict(type='str', required=True, no_log=True, fallback=(env_fallback, [ENV_ACCESS_KEY])),
        api_url=dict(type='str', fallback=(env_fallback, [ENV_API_URL])),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=5),
    )


class BirdModule(AnsibleModule):
    """An AnsibleModule with the connection options and a Bird API client."""

    def __init__(self, argument_spec, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        super(BirdModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self._client = None

    def check_connection_options(self):
        """Fail on connection options that cannot work, before any request."""
        params = self.params
        key = (params['access_key'] or '').strip()
        if not key:
            self.fail_json(msg='access_key is empty: set it, or the environment variable %s, to a Bird access key'
                           % ENV_ACCESS_KEY)
        if key != params['access_key']:
            # A key pasted with a trailing newline: use it without, and mask that form too.
            self.no_log_values.add(key)
            params['access_key'] = key
        if not all(33 <= ord(char) <= 126 for char in key):
            self.fail_json(msg='access_key holds a space, a control character or a non-ASCII character, which no '
                           'access key contains: copy the key again (the value is not shown here)')
        if params['api_url'] is None:
            params['api_url'] = DEFAULT_API_URL
        error, warning = check_api_url(params['api_url'])
        if error:
            self.fail_json(msg=error)
        if warning:
            self.warn(warning)
        if params['ca_path'] and not os.path.isfile(params['ca_path']):
            self.fail_json(msg='ca_path %r is not a file: give the path of a PEM CA bundle' % params['ca_path'])
        if params['timeout'] < 1:
            self.fail_json(msg='timeout must be at least 1 second, got %d' % params['timeout'])
        if params['retries'] < 0:
            self.fail_json(msg='retries must be 0 or more, got %d' % params['retries'])
        if not params['validate_certs'] and params['api_url'].startswith('https'):
            self.warn('validate_certs is false: the TLS certificate of %s is not verified' % params['api_url'])

    def check_uuid_option(self, name):
        value = self.params.get(name)
        if value is not None:
            error = check_uuid(value, name)
            if error:
                self.fail_json(msg=error)

    @property
    def client(self):
        if self._client is None:
            params = self.params
            self._client = BirdClient(
                api_url=params['api_url'], access_key=params['access_key'], timeout=params['timeout'],
                retries=params['retries'], validate_certs=params['validate_certs'], ca_path=params['ca_path'],
                rate_limits=CLIENT_RATE_LIMITS)
        return self._client

    def scrub(self, value):
        return scrub_secret(value, self.params.get('access_key'))

    def fail_api(self, error, **result):
        """Fail with an API error (or a plan error): what happened, what to do, nothing secret."""
        if isinstance(error, BirdAPIError):
            result.update(error.to_result())
            msg = str(error)
        elif isinstance(error, PlanError):
            result['errors'] = error.errors
            if error.api_error is not None:
                result.update(error.api_error.to_result())
            msg = 'nothing was changed: %s' % '; '.join(error.errors)
        else:
            msg = str(error)
        self.fail_json(msg=self.scrub(msg), **self.scrub(result))
