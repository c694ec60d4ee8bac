# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Bird API simulator.

A small, standard-library-only HTTP(S) server that behaves like the parts of the
Bird channels API (https://api.bird.com) that the bird.engagements collection
drives: connectors, channels and numbers. Every behaviour that Bird does not
document (see the API notes, shared/bird-api.md: the points marked "unverified") is a
configuration key, so clients can be tested against every variant.

Run it as ``python tests/simulator/bird_simulator.py --help`` or import it:

    from bird_simulator import run_simulator
    with run_simulator(seed='tests/simulator/demo_seed.json') as sim:
        print(sim.url, sim.stats())

See tests/simulator/README.md for the full reference.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import contextlib
import copy
import datetime
import http.server
import ipaddress
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    'BirdSimulator',
    'CONFIG_DEFAULTS',
    'GENERATED_NAMESPACE',
    'generate_self_signed_cert',
    'generated_ids',
    'main',
    'run_simulator',
]

# Namespace of every generated id (see generated_ids and the README).
GENERATED_NAMESPACE = uuid.UUID('6d1f3a52-7c1e-4b8f-9a60-5b1d2e3c4f70')

REGION = 'eu-west-1'
VOICE_TEMPLATE_PREFIX = 'voice-messagebird'
DEFAULT_TEMPLATE = 'voice-messagebird:1'
DEFAULT_ACCESS_KEY = 'simulator-access-key'
CREATE_PROPERTIES = ('name', 'connectorTemplateRef', 'arguments', 'channelConversationalStatusEnabled', 'securityArguments', 'invitationToken')
WRITE_METHODS = ('POST', 'DELETE')
FAULT_KINDS = ('status', 'drop', 'drop_after_apply', 'delay')
FAULT_RULE_KEYS = ('method', 'path', 'kind', 'status', 'body', 'count', 'skip', 'probability', 'retry_after', 'delay', 'echo_headers')
NO_BODY_STATUSES = (204, 304)
REQUEST_LOG_SIZE = 1000

ERROR_CODES = {
    400: 'InvalidPayload',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    422: 'InvalidPayload',
    429: 'TooManyRequests',
    500: 'InternalServerError',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
}

# resource -> (methods on the collection, methods on one item)
API_ROUTES = {
    'connectors': (('GET', 'POST'), ('GET', 'DELETE')),
    'channels': (('GET',), ('GET',)),
    'numbers': (('GET',), ('GET',)),
}


# ---------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------

def _as_int(key, value, minimum=None, maximum=None):
    if isinstance(value, bool):
        raise ValueError(f'{key}: expected an integer, got {value!r}')
    try:
        result = int(value)
        if isinstance(value, float) and value != result:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f'{key}: expected an integer, got {value!r}') from None
    if minimum is not None and result < minimum:
        raise ValueError(f'{key}: must be >= {minimum}, got {result}')
    if maximum is not None and result > maximum:
        raise ValueError(f'{key}: must be <= {maximum}, got {result}')
    return result


def _as_float(key, value, minimum=None, maximum=None):
    if isinstance(value, bool):
        raise ValueError(f'{key}: expected a number, got {value!r}')
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f'{key}: expected a number, got {value!r}') from None
    if math.isnan(result):
        raise ValueError(f'{key}: expected a number, got {value!r}')
    if minimum is not None and result < minimum:
        raise ValueError(f'{key}: must be >= {minimum}, got {result}')
    if maximum is not None and result > maximum:
        raise ValueError(f'{key}: must be <= {maximum}, got {result}')
    return result


def _as_bool(key, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'yes', 'on', '1', 'false', 'no', 'off', '0'):
        return value.lower() in ('true', 'yes', 'on', '1')
    raise ValueError(f'{key}: expected a boolean, got {value!r}')


def _as_choice(key, value, choices):
    if value not in choices:
        raise ValueError(f'{key}: must be one of {", ".join(repr(c) for c in choices)}, got {value!r}')
    return value


def _check_pending_channel(key, value):
    if value is None:
        value = 'null'
    return _as_choice(key, value, ('null', 'no_id', 'absent'))


def _check_template_filter_param(key, value):
    if value is None:
        return ''
    if not isinstance(value, str):
        raise ValueError(f'{key}: expected a string, got {value!r}')
    return value


def _check_string(key, value):
    if not isinstance(value, str) or not value:
        raise ValueError(f'{key}: expected a non-empty string, got {value!r}')
    return value


def _check_faults(key, value):
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f'{key}: expected a list of fault rules')
    return [_FaultRule(rule).spec() for rule in value]


# key -> (default, validator(key, value) -> normalised value)
CONFIG_SPEC = {
    'page_size': (10, lambda k, v: _as_int(k, v, 1)),
    'page_size_max': (100, lambda k, v: _as_int(k, v, 1)),
    'channel_delay': (0.0, _as_float),
    'pending_channel': ('null', _check_pending_channel),
    'duplicate_status': (409, lambda k, v: _as_int(k, v, 400, 599)),
    'duplicate_code': ('ConnectorAlreadyExists', _check_string),
    'delete_status': (204, lambda k, v: _as_choice(k, _as_int(k, v), (200, 204))),
    'template_filter_param': ('templateRef', _check_template_filter_param),
    'last_page_token': ('omit', lambda k, v: _as_choice(k, v, ('omit', 'empty'))),
    'list_item_ids': ('both', lambda k, v: _as_choice(k, v, ('both', 'arguments', 'number', 'alternate'))),
    'number_field': ('number', lambda k, v: _as_choice(k, v, ('number', 'phoneNumber', 'both'))),
    'capabilities_format': ('list', lambda k, v: _as_choice(k, v, ('list', 'dict'))),
    'extra_fields': (True, _as_bool),
    'latency': (0.0, lambda k, v: _as_float(k, v, 0.0)),
    'rate_get': (50, lambda k, v: _as_int(k, v, 0)),
    'rate_post': (500, lambda k, v: _as_int(k, v, 0)),
    'retry_after_header': (False, _as_bool),
    'rate_limit_share': (0.0, lambda k, v: _as_float(k, v, 0.0, 1.0)),
    'faults': ([], _check_faults),
    'random_seed': (0, _as_int),
    'quiet': (False, _as_bool),
}

CONFIG_DEFAULTS = {key: copy.deepcopy(spec[0]) for key, spec in CONFIG_SPEC.items()}

# Options that only matter when the simulator starts (not changeable at runtime).
SERVER_OPTIONS = {
    'seed': None,                  # path to a seed JSON file, or the seed itself as a dict
    'generate_workspaces': 0,
    'numbers_per_workspace': 1,
    'access_key': None,
    'state_file': None,
    'host': '127.0.0.1',
    'port': 0,
    'https': False,
    'cert': None,
    'key': None,
    'cert_out': None,
    'url_file': None,
}


def validate_config(values):
    """Validate and normalise a partial runtime configuration; raises ValueError."""
    if not isinstance(values, dict):
        raise ValueError('configuration must be a JSON object')
    result = {}
    for key, value in values.items():
        if key not in CONFIG_SPEC:
            raise ValueError(f'unknown configuration key {key!r}; known keys: {", ".join(sorted(CONFIG_SPEC))}')
        result[key] = CONFIG_SPEC[key][1](key, value)
    return result


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _iso(epoch):
    stamp = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return stamp.strftime('%Y-%m-%dT%H:%M:%S.') + f'{stamp.microsecond // 1000:03d}Z'


def _slug(template):
    return template.split(':', 1)[0]


def _error_body(status, message, details=None, code=None):
    body = {'code': code or ERROR_CODES.get(status, 'Error'), 'message': message}
    if details:
        body['details'] = details
    return body


def _atomic_write(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _encode_token(resource, seq):
    raw = f'{resource}:{seq}'.encode('ascii')
    return base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')


def _decode_token(resource, token):
    """Return the sequence number encoded in token, or None if it is not valid for resource."""
    try:
        raw = base64.b64decode(token + '=' * (-len(token) % 4), altchars=b'-_', validate=True).decode('ascii')
    except (binascii.Error, ValueError):
        return None
    name, sep, seq = raw.partition(':')
    if not sep or name != resource or not seq.isdigit():
        return None
    return int(seq)


def generated_ids(n_workspaces, n_numbers):
    """Return the workspaces and numbers --generate-workspaces N --numbers-per-workspace M creates.

    The result is a list of workspaces in the seed format::

        [{"id": uuid5(GENERATED_NAMESPACE, "workspace-<i>"), "name": "Generated workspace <i>",
          "numbers": [{"id": uuid5(GENERATED_NAMESPACE, "workspace-<i>-number-<j>"),
                       "number": "+3120" + 7 digits of (1000000 + i * M + j),
                       "country": "NL", "capabilities": ["sms", "voice"]}, ...]}, ...]

    with 0-based i and j. The ids are stable between runs; the numbers are unique across workspaces.
    """
    n_workspaces = _as_int('n_workspaces', n_workspaces, 0)
    n_numbers = _as_int('n_numbers', n_numbers, 0)
    if n_workspaces * n_numbers > 8999999:
        raise ValueError('too many generated numbers (at most 8999999)')
    workspaces = []
    for i in range(n_workspaces):
        numbers = []
        for j in range(n_numbers):
            numbers.append({
                'id': str(uuid.uuid5(GENERATED_NAMESPACE, f'workspace-{i}-number-{j}')),
                'number': f'+3120{1000000 + i * n_numbers + j:07d}',
                'country': 'NL',
                'capabilities': ['sms', 'voice'],
            })
        workspaces.append({
            'id': str(uuid.uuid5(GENERATED_NAMESPACE, f'workspace-{i}')),
            'name': f'Generated workspace {i}',
            'numbers': numbers,
        })
    return workspaces


# ---------------------------------------------------------------------------
# TLS certificates
# ---------------------------------------------------------------------------

def _cert_hosts(hosts):
    names, addresses = ['localhost'], ['127.0.0.1', '::1']
    for host in hosts or ():
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            if host and host not in names:
                names.append(host)
            continue
        if address not in addresses and address not in ('0.0.0.0', '::'):
            addresses.append(address)
    return names, addresses


def _generate_cert_cryptography(directory, hosts):
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    names, addresses = _cert_hosts(hosts)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Bird API simulator test CA')])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(name) for name in names] + [x509.IPAddress(ipaddress.ip_address(addr)) for addr in addresses]
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    cert_path = os.path.join(directory, 'cert.pem')
    key_path = os.path.join(directory, 'key.pem')
    ca_path = os.path.join(directory, 'ca.pem')
    with open(cert_path, 'wb') as handle:
        handle.write(leaf_cert.public_bytes(pem) + ca_pem)
    with open(key_path, 'wb') as handle:
        handle.write(leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(ca_path, 'wb') as handle:
        handle.write(ca_pem)
    return cert_path, key_path, ca_path


def _generate_cert_openssl(directory, hosts):
    openssl = shutil.which('openssl')
    if not openssl:
        raise RuntimeError('cannot generate a certificate: neither the cryptography package nor the openssl command is available')
    names, addresses = _cert_hosts(hosts)
    san = ','.join([f'DNS:{name}' for name in names] + [f'IP:{addr}' for addr in addresses])
    cnf = os.path.join(directory, 'openssl.cnf')
    with open(cnf, 'w', encoding='utf-8') as handle:
        handle.write(
            '[req]\ndistinguished_name = dn\nprompt = no\n'
            '[dn]\nCN = Bird API simulator test CA\n'
            '[v3_ca]\nbasicConstraints = critical,CA:TRUE,pathlen:0\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n'
            '[v3_leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n'
            f'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\nsubjectAltName = {san}\n'
        )
    ca_key = os.path.join(directory, 'ca.key')
    ca_path = os.path.join(directory, 'ca.pem')
    key_path = os.path.join(directory, 'key.pem')
    csr = os.path.join(directory, 'leaf.csr')
    leaf = os.path.join(directory, 'leaf.pem')
    cert_path = os.path.join(directory, 'cert.pem')
    commands = [
        [openssl, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', ca_key],
        [openssl, 'req', '-new', '-x509', '-config', cnf, '-key', ca_key, '-out', ca_path, '-days', '3650', '-sha256',
         '-extensions', 'v3_ca', '-subj', '/CN=Bird API simulator test CA'],
        [openssl, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key_path],
        [openssl, 'req', '-new', '-config', cnf, '-key', key_path, '-out', csr, '-subj', '/CN=localhost'],
        [openssl, 'x509', '-req', '-in', csr, '-CA', ca_path, '-CAkey', ca_key, '-set_serial', str(random.SystemRandom().getrandbits(63)),
         '-days', '825', '-sha256', '-extfile', cnf, '-extensions', 'v3_leaf', '-out', leaf],
    ]
    for command in commands:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if result.returncode != 0:
            raise RuntimeError(f'openssl failed ({" ".join(command[1:3])}): {result.stderr.decode("utf-8", "replace").strip()}')
    with open(cert_path, 'wb') as out, open(leaf, 'rb') as leaf_in, open(ca_path, 'rb') as ca_in:
        out.write(leaf_in.read() + ca_in.read())
    return cert_path, key_path, ca_path


def generate_self_signed_cert(directory, hosts=None, backend='auto'):
    """Create a test CA and a server certificate for localhost/127.0.0.1 (and hosts) in directory.

    Returns (cert_path, key_path, ca_path): cert_path holds the server certificate followed by the CA,
    ca_path only the CA (use it as a client CA bundle). backend is 'auto' (cryptography, else the
    openssl command), 'cryptography' or 'openssl'.
    """
    if backend not in ('auto', 'cryptography', 'openssl'):
        raise ValueError(f'unknown certificate backend {backend!r}')
    if backend != 'openssl':
        try:
            return _generate_cert_cryptography(directory, hosts)
        except ImportError:
            if backend == 'cryptography':
                raise
    return _generate_cert_openssl(directory, hosts)


# ---------------------------------------------------------------------------
# fault rules
# ---------------------------------------------------------------------------

class _FaultRule:
    """One fault injection rule (see the README for the format)."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError('a fault rule must be a JSON object')
        unknown = sorted(set(spec) - set(FAULT_RULE_KEYS))
        if unknown:
            raise ValueError(f'unknown fault rule key(s) {", ".join(unknown)}; known keys: {", ".join(FAULT_RULE_KEYS)}')
        self.method = str(spec.get('method') or '*').upper()
        self.path = str(spec.get('path') or '.*')
        try:
            self.regex = re.compile(self.path)
        except re.error as exc:
            raise ValueError(f'fault rule path {self.path!r} is not a valid regular expression: {exc}') from None
        self.kind = _as_choice('kind', spec.get('kind', 'status'), FAULT_KINDS)
        self.status = _as_int('status', spec.get('status', 503), 100, 599)
        self.body = copy.deepcopy(spec.get('body'))
        try:
            json.dumps(self.body)
        except (TypeError, ValueError):
            raise ValueError('fault rule body must be JSON') from None
        self.count = None if spec.get('count') is None else _as_int('count', spec['count'], 0)
        self.skip = _as_int('skip', spec.get('skip') or 0, 0)
        self.probability = _as_float('probability', 1.0 if spec.get('probability') is None else spec['probability'], 0.0, 1.0)
        self.retry_after = None if spec.get('retry_after') is None else _as_float('retry_after', spec['retry_after'], 0.0)
        self.delay = _as_float('delay', spec.get('delay') or 0.0, 0.0)
        self.echo_headers = _as_bool('echo_headers', spec.get('echo_headers', False))
        self.seen = 0
        self.fired = 0

    def spec(self):
        return {
            'method': self.method, 'path': self.path, 'kind': self.kind, 'status': self.status, 'body': copy.deepcopy(self.body),
            'count': self.count, 'skip': self.skip, 'probability': self.probability, 'retry_after': self.retry_after,
            'delay': self.delay, 'echo_headers': self.echo_headers,
        }

    def describe(self):
        result = self.spec()
        result.update(seen=self.seen, fired=self.fired)
        return result

    def matches(self, method, path):
        return (self.method in ('*', method)) and self.regex.search(path) is not None

    def retry_after_header(self):
        if self.retry_after is None:
            return None
        value = self.retry_after
        return str(int(value)) if value == int(value) else str(value)


# ---------------------------------------------------------------------------
# the simulator
# ---------------------------------------------------------------------------

class _Response:
    __slots__ = ('status', 'body', 'headers', 'drop')

    def __init__(self, status, body=None, headers=None, drop=False):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.drop = drop


def _error(status, message, details=None, code=None, headers=None):
    return _Response(status, _error_body(status, message, details, code), headers)


class _Context:
    __slots__ = ('method', 'path', 'query', 'route', 'workspace', 'auth_ok', 'applied', 'fault')

    def __init__(self, method, path, query):
        self.method = method
        self.path = path
        self.query = query
        self.route = f'{method} <unknown>'
        self.workspace = None
        self.auth_ok = False
        self.applied = False
        self.fault = None


def _new_stats():
    return {
        'total': 0,
        'by_method': {'GET': 0, 'POST': 0, 'DELETE': 0},
        'writes': 0,
        'writes_applied': 0,
        'by_route': {},
        'by_status': {},
        'by_workspace': {},
        'faults_fired': {'status': 0, 'drop': 0, 'drop_after_apply': 0, 'delay': 0, 'rate_limited': 0},
    }


class BirdSimulator:
    """In-process Bird API simulator.

    config: a dict with any runtime configuration key (CONFIG_DEFAULTS) and any start-up option
    (seed, generate_workspaces, numbers_per_workspace, access_key, state_file, host, port, https,
    cert, key, cert_out, url_file). ``seed`` may be a file path or the seed itself as a dict.
    """

    def __init__(self, config=None):
        config = dict(config or {})
        unknown = sorted(set(config) - set(CONFIG_SPEC) - set(SERVER_OPTIONS))
        if unknown:
            raise ValueError(f'unknown simulator option(s): {", ".join(unknown)}')
        self.options = {key: config.get(key, default) for key, default in SERVER_OPTIONS.items()}
        runtime = dict(CONFIG_DEFAULTS)
        runtime.update(validate_config({k: v for k, v in config.items() if k in CONFIG_SPEC}))
        self._config = runtime
        self._faults = [_FaultRule(rule) for rule in runtime['faults']]
        self._rng = random.Random(runtime['random_seed'])
        self._lock = threading.Lock()
        self._persist_lock = threading.Lock()
        self._version = 0
        self._persisted_version = 0
        self._seq = 0
        self._stats = _new_stats()
        self._request_log = collections.deque(maxlen=REQUEST_LOG_SIZE)
        self._windows = {}
        self._server = None
        self._thread = None
        self._tempdir = None
        self.url = None
        self.ca_file = None
        self._access_keys = {}
        self._workspaces = {}
        self._seed_connectors = {}
        self._load_seed()
        self._reset_state_to_seed()
        if self.options['state_file']:
            self._load_state_file()

    # -- seed and state ------------------------------------------------------

    def _load_seed(self):
        seed = self.options['seed']
        if isinstance(seed, (str, os.PathLike)):
            with open(seed, encoding='utf-8') as handle:
                seed = json.load(handle)
        seed = copy.deepcopy(seed) if seed else {}
        if not isinstance(seed, dict):
            raise ValueError('the seed must be a JSON object')
        unknown = sorted(set(seed) - {'access_keys', 'workspaces'})
        if unknown:
            raise ValueError(f'unknown seed key(s): {", ".join(unknown)}')
        workspaces = list(seed.get('workspaces') or [])
        generate = _as_int('generate_workspaces', self.options['generate_workspaces'] or 0, 0)
        if generate:
            workspaces.extend(generated_ids(generate, self.options['numbers_per_workspace'] or 0))
        for ws_index, ws in enumerate(workspaces):
            self._add_workspace(ws_index, ws)
        for entry in seed.get('access_keys') or []:
            if not isinstance(entry, dict) or not isinstance(entry.get('key'), str) or not entry['key']:
                raise ValueError('every seed access key needs a non-empty "key"')
            allowed = entry.get('workspaces', '*')
            if allowed != '*':
                if not isinstance(allowed, list):
                    raise ValueError('access key "workspaces" must be "*" or a list of workspace ids')
                allowed = frozenset(str(ws_id) for ws_id in allowed)
            self._access_keys[entry['key']] = {'workspaces': allowed, 'write': _as_bool('write', entry.get('write', True))}
        if self.options['access_key']:
            self._access_keys[str(self.options['access_key'])] = {'workspaces': '*', 'write': True}
        if not self._access_keys:
            self._access_keys[DEFAULT_ACCESS_KEY] = {'workspaces': '*', 'write': True}

    def _add_workspace(self, ws_index, ws):
        if not isinstance(ws, dict) or not ws.get('id'):
            raise ValueError('every seed workspace needs an "id"')
        ws_id = str(ws['id'])
        if ws_id in self._workspaces:
            raise ValueError(f'duplicate workspace id {ws_id}')
        numbers = {}
        for num_index, number in enumerate(ws.get('numbers') or []):
            if not isinstance(number, dict) or not number.get('id') or not number.get('number'):
                raise ValueError(f'workspace {ws_id}: every number needs "id" and "number"')
            capabilities = number.get('capabilities', ['sms', 'voice'])
            if not isinstance(capabilities, list):
                raise ValueError(f'workspace {ws_id}: number capabilities must be a list')
            number_id = str(number['id'])
            if number_id in numbers:
                raise ValueError(f'workspace {ws_id}: duplicate number id {number_id}')
            numbers[number_id] = {
                'id': number_id,
                'number': str(number['number']),
                'country': number.get('country', 'NL'),
                'capabilities': [str(c) for c in capabilities],
                'status': number.get('status', 'active'),
                'seq': num_index + 1,
            }
        self._workspaces[ws_id] = {'id': ws_id, 'name': ws.get('name', ws_id), 'index': ws_index, 'numbers': numbers, 'connectors': {}, 'channels': {}}
        self._seed_connectors[ws_id] = list(ws.get('connectors') or [])

    def _reset_state_to_seed(self):
        """(lock held or not yet shared) Drop all connectors and channels and re-create the seeded ones."""
        self._seq = 0
        for ws_id, ws in self._workspaces.items():
            ws['connectors'] = {}
            ws['channels'] = {}
            for index, entry in enumerate(self._seed_connectors[ws_id]):
                if not isinstance(entry, dict):
                    raise ValueError(f'workspace {ws_id}: seed connectors must be objects')
                template = entry.get('connectorTemplateRef') or entry.get('template') or DEFAULT_TEMPLATE
                arguments = copy.deepcopy(entry.get('arguments') or {})
                if entry.get('phoneNumberId'):
                    arguments['phoneNumberId'] = entry['phoneNumberId']
                number = ws['numbers'].get(arguments.get('phoneNumberId'))
                self._create_connector(
                    ws_id, entry.get('name') or f'Seeded connector {index}', template, arguments, entry.get('channelConversationalStatusEnabled'),
                    number, 0.0,
                    connector_id=str(entry.get('id') or uuid.uuid5(GENERATED_NAMESPACE, f'seed-connector-{ws_id}-{index}')),
                    channel_id=str(entry.get('channelId') or uuid.uuid5(GENERATED_NAMESPACE, f'seed-channel-{ws_id}-{index}')),
                )
        self._version += 1

    def _load_state_file(self):
        path = self.options['state_file']
        if not os.path.exists(path):
            self._persist()
            return
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
        for ws_id, ws in self._workspaces.items():
            saved = (data.get('workspaces') or {}).get(ws_id)
            if saved is None:
                continue
            ws['connectors'] = {c['id']: c for c in saved.get('connectors') or []}
            ws['channels'] = {c['id']: c for c in saved.get('channels') or []}
        self._seq = max([int(data.get('seq') or 0)] + [c['seq'] for ws in self._workspaces.values() for c in ws['connectors'].values()])
        self._version += 1
        self._persisted_version = self._version

    def _snapshot_state(self):
        """(lock held) The persistent state as JSON text."""
        return json.dumps({
            'version': 1,
            'seq': self._seq,
            'workspaces': {
                ws_id: {'connectors': list(ws['connectors'].values()), 'channels': list(ws['channels'].values())}
                for ws_id, ws in self._workspaces.items()
            },
        }, sort_keys=True, separators=(',', ':'))

    def _persist(self):
        """Write the state file if state changed since the last write (never holds the main lock while writing)."""
        path = self.options['state_file']
        if not path:
            return
        with self._persist_lock:
            with self._lock:
                if self._version == self._persisted_version and os.path.exists(path):
                    return
                version = self._version
                text = self._snapshot_state()
            _atomic_write(path, text)
            self._persisted_version = version

    def _create_connector(self, ws_id, name, template, arguments, conv_status, number, delay, connector_id=None, channel_id=None):
        """(lock held) Insert a connector and its (possibly not yet visible) channel."""
        ws = self._workspaces[ws_id]
        now = time.time()
        self._seq += 1
        connector_id = connector_id or str(uuid.uuid4())
        channel_id = channel_id or str(uuid.uuid4())
        if delay == 0:
            ready_at = now
        elif delay > 0:
            ready_at = now + delay
        else:
            ready_at = None
        connector = {
            'id': connector_id,
            'workspaceId': ws_id,
            'name': name,
            'connectorTemplateRef': template,
            'arguments': copy.deepcopy(arguments),
            'phoneNumberId': number['id'] if number else None,
            'createdAt': now,
            'seq': self._seq,
            'channelId': channel_id,
            'channelReadyAt': ready_at,
        }
        if conv_status is not None:
            connector['channelConversationalStatusEnabled'] = conv_status
        ws['connectors'][connector_id] = connector
        ws['channels'][channel_id] = {
            'id': channel_id,
            'platformId': _slug(template),
            'name': name,
            'connectorId': connector_id,
            'identifier': number['number'] if number else None,
            'status': 'active',
            'seq': self._seq,
            'readyAt': ready_at,
        }
        self._version += 1
        return connector

    # -- rendering -------------------------------------------------------------

    def _render_capabilities(self, capabilities):
        if self._config['capabilities_format'] == 'dict':
            result = {'sms': False, 'voice': False, 'mms': False}
            result.update({cap: True for cap in capabilities})
            return result
        return list(capabilities)

    def _render_number(self, number):
        result = {'id': number['id']}
        field = self._config['number_field']
        if field in ('number', 'both'):
            result['number'] = number['number']
        if field in ('phoneNumber', 'both'):
            result['phoneNumber'] = number['number']
        result['country'] = number['country']
        result['status'] = number['status']
        result['capabilities'] = self._render_capabilities(number['capabilities'])
        return result

    @staticmethod
    def _ready(ready_at, now):
        return ready_at is not None and ready_at <= now

    def _render_connector(self, connector, now, ids='both'):
        """(lock held) The API view of a connector; ids is the list_item_ids mode for this item."""
        cfg = self._config
        ws = self._workspaces[connector['workspaceId']]
        template = connector['connectorTemplateRef']
        ready = self._ready(connector['channelReadyAt'], now)
        result = {
            'id': connector['id'],
            'workspaceId': connector['workspaceId'],
            'name': connector['name'],
            'region': REGION,
            'connectorTemplateRef': template,
            'connectorTemplateSlug': _slug(template),
        }
        arguments = copy.deepcopy(connector['arguments'])
        if ids == 'number':
            arguments.pop('phoneNumberId', None)
            if arguments:
                result['arguments'] = arguments
        else:
            result['arguments'] = arguments
        if ready:
            result['channel'] = {'channelId': connector['channelId'], 'platform': _slug(template)}
        elif cfg['pending_channel'] == 'null':
            result['channel'] = None
        elif cfg['pending_channel'] == 'no_id':
            result['channel'] = {'platform': _slug(template)}
        number = ws['numbers'].get(connector['phoneNumberId']) if connector['phoneNumberId'] else None
        if number is None:
            result['number'] = None
        else:
            rendered = {'numberId': number['id'], 'phoneNumber': number['number'],
                        'capabilities': self._render_capabilities(number['capabilities']), 'country': number['country']}
            if ids == 'arguments':
                del rendered['numberId']
            result['number'] = rendered
        result['createdAt'] = _iso(connector['createdAt'])
        updated = connector['createdAt']
        if ready:
            updated = max(updated, connector['channelReadyAt'])
        result['updatedAt'] = _iso(updated)
        if cfg['extra_fields']:
            result['extraUnknownField'] = {}
        return result

    @staticmethod
    def _render_channel(channel):
        return {
            'id': channel['id'],
            'platformId': channel['platformId'],
            'name': channel['name'],
            'connectorId': channel['connectorId'],
            'identifier': channel['identifier'],
            'status': channel['status'],
            'createdAt': _iso(channel['readyAt']),
            'updatedAt': _iso(channel['readyAt']),
        }

    # -- API -------------------------------------------------------------------

    def handle_api(self, method, path, query, headers, raw_body):
        """Handle one API request; returns a _Response (used by the HTTP handler)."""
        ctx = _Context(method, path, query)
        latency = self._config['latency']
        if latency > 0:
            time.sleep(latency)
        try:
            response = self._api(ctx, headers, raw_body)
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            response = _error(500, f'simulator error: {exc}')
        response.headers['Messagebird-Request-Id'] = str(uuid.uuid4())
        if ctx.applied:
            self._persist()
        self._record(ctx, response)
        return response

    def _record(self, ctx, response):
        status_key = 'dropped' if response.drop else str(response.status)
        with self._lock:
            stats = self._stats
            stats['total'] += 1
            stats['by_method'][ctx.method] = stats['by_method'].get(ctx.method, 0) + 1
            if ctx.method in WRITE_METHODS:
                stats['writes'] += 1
                if ctx.applied:
                    stats['writes_applied'] += 1
            stats['by_route'][ctx.route] = stats['by_route'].get(ctx.route, 0) + 1
            stats['by_status'][status_key] = stats['by_status'].get(status_key, 0) + 1
            if ctx.workspace is not None:
                per_ws = stats['by_workspace'].setdefault(ctx.workspace, {'GET': 0, 'POST': 0, 'DELETE': 0})
                per_ws[ctx.method] = per_ws.get(ctx.method, 0) + 1
            self._request_log.append({
                'time': _iso(time.time()),
                'method': ctx.method,
                'path': ctx.path,
                'query': ctx.query,
                'route': ctx.route,
                'workspace': ctx.workspace,
                'status': None if response.drop else response.status,
                'dropped': response.drop,
                'fault': ctx.fault,
                'applied': ctx.applied,
                'auth_ok': ctx.auth_ok,
                'request_id': response.headers.get('Messagebird-Request-Id'),
            })

    def _authenticate(self, headers):
        value = headers.get('Authorization')
        if not value:
            return None, 'missing Authorization header (expected "AccessKey <key>")'
        scheme, _sep, key = value.strip().partition(' ')
        if scheme.lower() != 'accesskey' or not key.strip():
            return None, 'unsupported Authorization scheme (expected "AccessKey <key>")'
        entry = self._access_keys.get(key.strip())
        if entry is None:
            return None, 'the access key is not valid'
        return entry, None

    def _api(self, ctx, headers, raw_body):
        method = ctx.method
        segments = [unquote(s) for s in ctx.path.split('/') if s]
        key_entry, auth_error = self._authenticate(headers)
        ctx.auth_ok = key_entry is not None
        if not (3 <= len(segments) <= 4 and segments[0] == 'workspaces' and segments[2] in API_ROUTES):
            return _error(404, f'no such endpoint: {ctx.path}')
        ws_id, resource = segments[1], segments[2]
        item_id = segments[3] if len(segments) == 4 else None
        ctx.route = f'{method} /workspaces/{{ws}}/{resource}' + ('/{id}' if item_id is not None else '')
        allowed = API_ROUTES[resource][item_id is not None]
        if key_entry is None:
            return _error(401, auth_error)
        if method not in allowed:
            return _error(405, f'method {method} is not allowed here', headers={'Allow': ', '.join(allowed)})
        ws = self._workspaces.get(ws_id)
        if ws is None:
            return _error(404, f'workspace {ws_id} not found')
        ctx.workspace = ws_id
        if key_entry['workspaces'] != '*' and ws_id not in key_entry['workspaces']:
            return _error(403, 'the access key is not allowed to access this workspace')
        if method in WRITE_METHODS and not key_entry['write']:
            return _error(403, 'the access key is not allowed to modify this workspace')

        cfg = self._config
        delay, rule = 0.0, None
        with self._lock:
            retry_after = self._rate_check(ws_id, method, cfg)
            if retry_after is None and cfg['rate_limit_share'] > 0 and self._rng.random() < cfg['rate_limit_share']:
                retry_after = 1
            if retry_after is not None:
                self._stats['faults_fired']['rate_limited'] += 1
                ctx.fault = 'rate_limited'
            else:
                delay, rule = self._decide_faults(method, ctx.path)
        if retry_after is not None:
            extra = {'Retry-After': str(retry_after)} if cfg['retry_after_header'] else None
            return _error(429, 'too many requests; the request was not processed', headers=extra)
        if delay > 0:
            ctx.fault = 'delay'
            time.sleep(delay)
        if rule is not None:
            ctx.fault = rule.kind
            if rule.kind == 'status':
                return self._fault_response(rule, headers)
            if rule.kind == 'drop':
                return _Response(0, drop=True)

        response = self._dispatch_resource(ctx, ws, resource, item_id, raw_body)
        if rule is not None and rule.kind == 'drop_after_apply':
            response.drop = True
        return response

    def _rate_check(self, ws_id, method, cfg):
        """(lock held) None if allowed (and counted), else the Retry-After value in seconds."""
        cls = 'GET' if method == 'GET' else 'WRITE'
        limit = cfg['rate_get'] if cls == 'GET' else cfg['rate_post']
        if limit <= 0:
            return None
        now = time.monotonic()
        window = self._windows.get((ws_id, cls))
        if window is None:
            window = self._windows[(ws_id, cls)] = collections.deque()
        cutoff = now - 1.0
        while window and window[0] <= cutoff:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(window[0] + 1.0 - now))
        window.append(now)
        return None

    def _decide_faults(self, method, path):
        """(lock held) Return (total delay, terminal rule or None) for a request."""
        delay = 0.0
        for rule in self._faults:
            if not rule.matches(method, path):
                continue
            rule.seen += 1
            if rule.seen <= rule.skip:
                continue
            if rule.count is not None and rule.fired >= rule.count:
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            rule.fired += 1
            self._stats['faults_fired'][rule.kind] += 1
            if rule.kind == 'delay':
                delay += rule.delay
                continue
            return delay, rule
        return delay, None

    @staticmethod
    def _fault_response(rule, headers):
        status = rule.status
        extra = {}
        retry_after = rule.retry_after_header()
        if retry_after is not None:
            extra['Retry-After'] = retry_after
        if status in NO_BODY_STATUSES or status < 200:
            return _Response(status, None, extra)
        if rule.body is not None:
            body = copy.deepcopy(rule.body)
        else:
            body = _error_body(status, f'injected fault: HTTP {status}')
        if rule.echo_headers and isinstance(body, dict):
            details = body.get('details') if isinstance(body.get('details'), dict) else {}
            for name, value in headers.items():
                details.setdefault(name, []).append(value)
            body['details'] = details
        return _Response(status, body, extra)

    def _dispatch_resource(self, ctx, ws, resource, item_id, raw_body):
        query = parse_qs(ctx.query, keep_blank_values=True)
        params = {key: values[0] for key, values in query.items()}
        if resource == 'connectors':
            if item_id is None:
                if ctx.method == 'POST':
                    return self._api_create_connector(ctx, ws, raw_body)
                return self._api_list_connectors(ws, params)
            if ctx.method == 'DELETE':
                return self._api_delete_connector(ctx, ws, item_id)
            return self._api_get_connector(ws, item_id)
        if resource == 'channels':
            if item_id is None:
                return self._api_list_channels(ws, params)
            return self._api_get_channel(ws, item_id)
        if item_id is None:
            return self._api_list_numbers(ws, params)
        number = ws['numbers'].get(item_id)
        if number is None:
            return _error(404, f'number {item_id} not found')
        return _Response(200, self._render_number(number))

    @staticmethod
    def _parse_limit(params, default, minimum, maximum, clamp, cap=None):
        """Return (limit, error response). ``cap`` (page_size_max) bounds every page, as a server may."""
        cap = min(maximum, cap or maximum)
        if 'limit' not in params:
            return min(default, cap), None
        raw = params['limit']
        try:
            limit = int(raw)
        except ValueError:
            return None, _error(400, 'limit must be an integer', {'limit': [f'expected an integer between {minimum} and {maximum}']})
        if limit < minimum or (limit > maximum and not clamp):
            return None, _error(400, f'limit must be between {minimum} and {maximum}', {'limit': [f'expected an integer between {minimum} and {maximum}']})
        return min(limit, cap), None

    def _page(self, resource, items, params, limit):
        """items: (seq, rendered-later object) sorted by seq. Returns (page items, envelope extras) or an error response."""
        token = params.get('pageToken')
        if token:
            after = _decode_token(resource, token)
            if after is None:
                return None, _error(400, 'invalid pageToken', {'pageToken': ['the page token is not valid']})
            items = [item for item in items if item[0] > after]
        page = items[:limit]
        extra = {}
        if len(items) > limit:
            extra['nextPageToken'] = _encode_token(resource, page[-1][0])
        elif self._config['last_page_token'] == 'empty':
            extra['nextPageToken'] = ''
        return (page, extra), None

    def _api_create_connector(self, ctx, ws, raw_body):
        try:
            body = json.loads(raw_body.decode('utf-8')) if raw_body else None
        except (UnicodeDecodeError, ValueError):
            return _error(400, 'the request body is not valid JSON')
        if body is None and not raw_body:
            return _error(400, 'the request body is not valid JSON (empty body)')
        if not isinstance(body, dict):
            return _error(422, 'the request body must be a JSON object', {'$': ['must be an object']})
        details = {}
        for key in body:
            if key not in CREATE_PROPERTIES:
                details[key] = [f'unknown property; allowed: {", ".join(CREATE_PROPERTIES)}']
        name = body.get('name')
        if not isinstance(name, str) or not name.strip():
            details['name'] = ['required: a non-empty string']
        template = body.get('connectorTemplateRef')
        if not isinstance(template, str) or not template:
            details['connectorTemplateRef'] = ['required: a string']
        arguments = body.get('arguments', {})
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            details['arguments'] = ['must be an object']
            arguments = {}
        conv_status = body.get('channelConversationalStatusEnabled')
        if conv_status is not None and not isinstance(conv_status, bool):
            details['channelConversationalStatusEnabled'] = ['must be a boolean']
        if details:
            return _error(422, 'the request body is not valid', details)
        phone_number_id = arguments.get('phoneNumberId')
        number = None
        if template.startswith(VOICE_TEMPLATE_PREFIX):
            field = 'arguments.phoneNumberId'
            if not isinstance(phone_number_id, str) or not phone_number_id:
                details[field] = ['required for this connector template: the id of a number of the workspace']
            else:
                number = ws['numbers'].get(phone_number_id)
                if number is None:
                    details[field] = [f'phone number {phone_number_id} was not found in this workspace']
                elif 'voice' not in number['capabilities']:
                    details[field] = [f'phone number {number["number"]} does not have the voice capability']
            if details:
                return _error(422, 'the connector arguments are not valid', details)
        elif isinstance(phone_number_id, str):
            number = ws['numbers'].get(phone_number_id)
        cfg = self._config
        rendered = None
        with self._lock:
            if not (isinstance(phone_number_id, str) and phone_number_id and self._find_connectors(ws['id'], template, phone_number_id)):
                connector = self._create_connector(ws['id'], name, template, arguments, conv_status, number, cfg['channel_delay'])
                ctx.applied = True
                rendered = self._render_connector(connector, time.time())
        if rendered is None:
            return _error(cfg['duplicate_status'], 'connector already exists', code=cfg['duplicate_code'])
        return _Response(201, rendered)

    def _find_connectors(self, ws_id, template, phone_number_id):
        """(lock held) Connectors of ws_id with this template and phoneNumberId."""
        return [c for c in self._workspaces[ws_id]['connectors'].values()
                if c['connectorTemplateRef'] == template and c['arguments'].get('phoneNumberId') == phone_number_id]

    def _api_get_connector(self, ws, connector_id):
        with self._lock:
            connector = ws['connectors'].get(connector_id)
            rendered = self._render_connector(connector, time.time()) if connector else None
        if rendered is None:
            return _error(404, f'connector {connector_id} not found')
        return _Response(200, rendered)

    def _api_list_connectors(self, ws, params):
        cfg = self._config
        limit, error = self._parse_limit(params, cfg['page_size'], 1, cfg['page_size_max'], clamp=True)
        if error:
            return error
        wanted = params.get(cfg['template_filter_param']) if cfg['template_filter_param'] else None
        mode = cfg['list_item_ids']
        with self._lock:
            now = time.time()
            items = []
            for connector in ws['connectors'].values():
                template = connector['connectorTemplateRef']
                if wanted and template != wanted and not (':' not in wanted and _slug(template) == wanted):
                    continue
                items.append((connector['seq'], connector))
            items.sort(key=lambda item: item[0])
            result, error = self._page('connectors', items, params, limit)
            if error:
                return error
            page, extra = result
            results = []
            for seq, connector in page:
                item_mode = mode if mode != 'alternate' else ('arguments' if seq % 2 else 'number')
                results.append(self._render_connector(connector, now, item_mode))
        body = {'results': results}
        body.update(extra)
        return _Response(200, body)

    def _api_delete_connector(self, ctx, ws, connector_id):
        with self._lock:
            connector = ws['connectors'].get(connector_id)
            if connector is None:
                rendered = None
            else:
                rendered = self._render_connector(connector, time.time())
                del ws['connectors'][connector_id]
                ws['channels'].pop(connector['channelId'], None)
                self._version += 1
                ctx.applied = True
        if rendered is None:
            return _error(404, f'connector {connector_id} not found')
        if self._config['delete_status'] == 200:
            return _Response(200, rendered)
        return _Response(204)

    def _api_get_channel(self, ws, channel_id):
        with self._lock:
            channel = ws['channels'].get(channel_id)
            rendered = self._render_channel(channel) if channel and self._ready(channel['readyAt'], time.time()) else None
        if rendered is None:
            return _error(404, f'channel {channel_id} not found')
        return _Response(200, rendered)

    def _api_list_channels(self, ws, params):
        limit, error = self._parse_limit(params, self._config['page_size'], 1, 1000, clamp=False,
                                         cap=self._config['page_size_max'])
        if error:
            return error
        platform = params.get('platform') or None
        status = params.get('status') or None
        with self._lock:
            now = time.time()
            items = sorted(((c['seq'], c) for c in ws['channels'].values()
                            if self._ready(c['readyAt'], now) and platform in (None, c['platformId']) and status in (None, c['status'])),
                           key=lambda item: item[0])
            result, error = self._page('channels', items, params, limit)
            if error:
                return error
            page, extra = result
            body = {'results': [self._render_channel(channel) for _seq, channel in page]}
        body.update(extra)
        return _Response(200, body)

    def _api_list_numbers(self, ws, params):
        limit, error = self._parse_limit(params, self._config['page_size'], 1, 99, clamp=False,
                                         cap=self._config['page_size_max'])
        if error:
            return error
        term = (params.get('searchTerm') or '').replace(' ', '').lstrip('+')
        status = params.get('status') or None
        items = [(n['seq'], n) for n in ws['numbers'].values() if term in n['number'] and status in (None, n['status'])]
        result, error = self._page('numbers', items, params, limit)
        if error:
            return error
        page, extra = result
        body = {'results': [self._render_number(number) for _seq, number in page]}
        body.update(extra)
        return _Response(200, body)

    # -- admin -----------------------------------------------------------------

    def handle_admin(self, method, path, query, raw_body):
        """Handle one /_sim request; returns a _Response."""
        route = path.rstrip('/')[len('/_sim'):] or '/'
        routes = {
            '/health': ('GET',),
            '/stats': ('GET',),
            '/reset-stats': ('POST',),
            '/reset': ('POST',),
            '/state': ('GET',),
            '/config': ('GET', 'POST'),
            '/faults': ('GET', 'POST', 'DELETE'),
            '/connectors': ('POST',),
            '/requests': ('GET',),
        }
        if route not in routes:
            return _error(404, f'no such admin endpoint: {path}; known: {", ".join("/_sim" + r for r in routes)}')
        if method not in routes[route]:
            return _error(405, f'method {method} is not allowed here', headers={'Allow': ', '.join(routes[route])})
        body = None
        if method == 'POST' and route in ('/config', '/faults', '/connectors'):
            try:
                body = json.loads(raw_body.decode('utf-8')) if raw_body else None
            except (UnicodeDecodeError, ValueError):
                return _error(400, 'the request body is not valid JSON')
        params = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
        try:
            return self._admin(method, route, body, params)
        except ValueError as exc:
            return _error(400, str(exc))

    def _admin(self, method, route, body, params):
        # pylint: disable=too-many-return-statements
        if route == '/health':
            return _Response(200, {'ok': True})
        if route == '/stats':
            return _Response(200, self.stats())
        if route == '/reset-stats':
            self.reset_stats()
            return _Response(200, {'ok': True})
        if route == '/reset':
            self.reset()
            return _Response(200, {'ok': True})
        if route == '/state':
            return _Response(200, self.state())
        if route == '/config':
            if method == 'POST':
                self.update_config(body or {})
            return _Response(200, self.config())
        if route == '/faults':
            if method == 'POST':
                self.add_faults(body)
            elif method == 'DELETE':
                self.clear_faults()
            return _Response(200, {'faults': self.faults()})
        if route == '/connectors':
            if not isinstance(body, dict):
                raise ValueError('expected a JSON object with workspace_id, phone_number_id, name, template, force')
            unknown = sorted(set(body) - {'workspace_id', 'phone_number_id', 'name', 'template', 'force', 'channel_delay'})
            if unknown:
                raise ValueError(f'unknown key(s): {", ".join(unknown)}')
            try:
                connector = self.insert_connector(
                    body.get('workspace_id'), body.get('phone_number_id'), name=body.get('name'), template=body.get('template') or DEFAULT_TEMPLATE,
                    force=_as_bool('force', body.get('force', False)), channel_delay=body.get('channel_delay', 0.0))
            except LookupError as exc:
                return _error(409 if 'already exists' in str(exc) else 404, str(exc.args[0]))
            return _Response(201, connector)
        limit = _as_int('limit', params.get('limit', 50), 0)
        return _Response(200, self.requests(limit))

    # -- public accessors --------------------------------------------------------

    def config(self):
        """The current runtime configuration."""
        return copy.deepcopy(self._config)

    def update_config(self, values=None, **kwargs):
        """Update runtime configuration keys (validated); returns the new configuration."""
        changes = dict(values or {})
        changes.update(kwargs)
        changes = validate_config(changes)
        with self._lock:
            new = dict(self._config)
            new.update(changes)
            if 'faults' in changes:
                self._faults = [_FaultRule(rule) for rule in changes['faults']]
            if 'random_seed' in changes:
                self._rng = random.Random(changes['random_seed'])
            self._config = new
        return self.config()

    def faults(self):
        """The fault rules with their seen/fired counters."""
        with self._lock:
            return [rule.describe() for rule in self._faults]

    def add_faults(self, rules):
        """Append one rule (dict) or several (list)."""
        if isinstance(rules, dict):
            rules = [rules]
        if not isinstance(rules, list):
            raise ValueError('expected a fault rule object or a list of them')
        new = [_FaultRule(rule) for rule in rules]
        with self._lock:
            self._faults.extend(new)
            config = dict(self._config)
            config['faults'] = [rule.spec() for rule in self._faults]
            self._config = config

    def clear_faults(self):
        with self._lock:
            self._faults = []
            config = dict(self._config)
            config['faults'] = []
            self._config = config

    def stats(self):
        """The API request counters (see the README for the shape)."""
        with self._lock:
            return copy.deepcopy(self._stats)

    def reset_stats(self):
        with self._lock:
            self._stats = _new_stats()
            self._request_log.clear()

    def reset(self):
        """Reset the stats, the rate limit windows and all connectors/channels to the seed."""
        with self._lock:
            self._stats = _new_stats()
            self._request_log.clear()
            self._windows = {}
            self._reset_state_to_seed()
        self._persist()

    def state(self):
        """All connectors (API view) and visible channels per workspace, plus the pending channels."""
        with self._lock:
            now = time.time()
            result = {}
            for ws_id, ws in self._workspaces.items():
                connectors = sorted(ws['connectors'].values(), key=lambda c: c['seq'])
                result[ws_id] = {
                    'name': ws['name'],
                    'connectors': [self._render_connector(c, now) for c in connectors],
                    'channels': [self._render_channel(ch) for ch in sorted(ws['channels'].values(), key=lambda c: c['seq'])
                                 if self._ready(ch['readyAt'], now)],
                    'pending_channels': [{'channelId': c['channelId'], 'connectorId': c['id'],
                                          'readyAt': None if c['channelReadyAt'] is None else _iso(c['channelReadyAt'])}
                                         for c in connectors if not self._ready(c['channelReadyAt'], now)],
                }
            return {'workspaces': result}

    def requests(self, limit=50):
        """The last limit API requests, oldest first."""
        with self._lock:
            entries = list(self._request_log)
        return copy.deepcopy(entries[-limit:]) if limit else []

    def insert_connector(self, workspace_id, phone_number_id, name=None, template=DEFAULT_TEMPLATE, force=False, channel_delay=0.0):
        """Insert a connector directly (as if someone else installed it); returns its API view.

        Raises LookupError for an unknown workspace/number, or when one exists and force is false.
        """
        ws = self._workspaces.get(str(workspace_id))
        if ws is None:
            raise LookupError(f'workspace {workspace_id} not found')
        number = ws['numbers'].get(str(phone_number_id)) if phone_number_id else None
        if phone_number_id and number is None:
            raise LookupError(f'number {phone_number_id} not found in workspace {workspace_id}')
        channel_delay = _as_float('channel_delay', channel_delay)
        arguments = {'phoneNumberId': number['id']} if number else {}
        with self._lock:
            if number and not force and self._find_connectors(ws['id'], template, number['id']):
                raise LookupError('connector already exists (use force to insert a duplicate)')
            connector = self._create_connector(ws['id'], name or (f'Voice {number["number"]}' if number else 'Inserted connector'),
                                               template, arguments, None, number, channel_delay)
            rendered = self._render_connector(connector, time.time())
        self._persist()
        return rendered

    @property
    def workspaces(self):
        """Seeded workspaces: {id: {"name": ..., "numbers": [{"id", "number", "country", "capabilities", "status"}]}}."""
        return {ws_id: {'name': ws['name'], 'numbers': [{k: v for k, v in n.items() if k != 'seq'} for n in ws['numbers'].values()]}
                for ws_id, ws in self._workspaces.items()}

    @property
    def access_keys(self):
        return list(self._access_keys)

    # -- server ------------------------------------------------------------------

    def _ssl_context(self):
        cert, key = self.options['cert'], self.options['key']
        if bool(cert) != bool(key):
            raise ValueError('--cert and --key must be given together')
        if cert:
            ca_file = cert
        else:
            self._tempdir = tempfile.mkdtemp(prefix='bird-simulator-tls-')
            cert, key, ca_file = generate_self_signed_cert(self._tempdir, [self.options['host']])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        if self.options['cert_out']:
            with open(ca_file, encoding='ascii') as handle:
                _atomic_write(self.options['cert_out'], handle.read())
            self.ca_file = self.options['cert_out']
        else:
            self.ca_file = ca_file
        return context

    def start(self):
        """Start serving in a background thread; returns the base URL."""
        if self._server is not None:
            return self.url
        host = self.options['host'] or '127.0.0.1'
        context = self._ssl_context() if self.options['https'] else None
        server = _Server((host, _as_int('port', self.options['port'] or 0, 0, 65535)), self, context)
        port = server.server_address[1]
        url_host = '127.0.0.1' if host in ('0.0.0.0', '') else ('localhost' if host == '::' else host)
        if ':' in url_host:
            url_host = f'[{url_host}]'
        self.url = f'{"https" if context else "http"}://{url_host}:{port}'
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, name='bird-simulator', daemon=True)
        self._thread.start()
        if self.options['url_file']:
            _atomic_write(self.options['url_file'], self.url + '\n')
        return self.url

    def stop(self):
        """Stop serving (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
            self._thread.join(timeout=5)
            self._thread = None
        self._persist()
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def log(self, line):
        if not self._config['quiet']:
            sys.stderr.write(line + '\n')
            sys.stderr.flush()


@contextlib.contextmanager
def run_simulator(**config):
    """Start a simulator (quiet unless quiet=False is given), yield it, stop it afterwards."""
    config.setdefault('quiet', True)
    simulator = BirdSimulator(config)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------

class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, simulator, ssl_context=None):
        self.simulator = simulator
        self.ssl_context = ssl_context
        self.connections = set()
        self.connections_lock = threading.Lock()
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self):
        # Skip HTTPServer.server_bind's getfqdn() (a reverse DNS lookup).
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = self.server_address[1]

    def get_request(self):
        sock, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake happens in the handler thread, so a slow client cannot block accept().
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def close_connections(self):
        """Shut down the open (keep-alive) client connections so a stopped simulator serves nothing more."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            self.simulator.log(f'{client_address[0]} connection error: {exc}')
            return
        super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'BirdSimulator/1.0'
    timeout = 300

    def setup(self):
        super().setup()
        with contextlib.suppress(OSError):
            # Headers and body are written separately: without this, Nagle + delayed ACK add ~40 ms per response.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def handle(self):
        server = self.server
        with server.connections_lock:
            server.connections.add(self.connection)
        try:
            super().handle()
        finally:
            with server.connections_lock:
                server.connections.discard(self.connection)

    def log_request(self, code='-', size='-'):
        """Logged by _dispatch instead (without headers)."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        self.server.simulator.log(f'{self.address_string()} - {format % args}')

    def do_GET(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_POST(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_DELETE(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_PUT(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_PATCH(self):  # pylint: disable=invalid-name
        self._dispatch()

    def _read_body(self):
        """Return the request body bytes, or None if it cannot be read (the connection is then closed)."""
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b';', 1)[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = self.headers.get('Content-Length')
        if not length:
            return b''
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0:
            return None
        data = self.rfile.read(size)
        return data if len(data) == size else None

    def _dispatch(self):
        started = time.monotonic()
        simulator = self.server.simulator
        method = self.command
        parts = urlsplit(self.path)
        path = parts.path or '/'
        raw_body = self._read_body()
        if raw_body is None:
            self.close_connection = True
            response = _error(400, 'the request body could not be read')
            response.headers['Messagebird-Request-Id'] = str(uuid.uuid4())
        elif path == '/_sim' or path.startswith('/_sim/'):
            response = simulator.handle_admin(method, path, parts.query, raw_body)
            response.headers['Messagebird-Request-Id'] = str(uuid.uuid4())
        else:
            response = simulator.handle_api(method, path, parts.query, self.headers, raw_body)
        self._send(response)
        elapsed = (time.monotonic() - started) * 1000
        status = 'DROPPED' if response.drop else response.status
        simulator.log(f'{self.address_string()} "{method} {self.path}" {status} {elapsed:.1f}ms')

    def _send(self, response):
        if response.drop:
            self.close_connection = True
            return
        data = b''
        if response.body is not None and response.status not in NO_BODY_STATUSES:
            data = json.dumps(response.body).encode('utf-8')
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status not in NO_BODY_STATUSES:
                if data:
                    self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
        except OSError:
            self.close_connection = True


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def _json_arg(value):
    """A JSON value, or @FILE holding one."""
    try:
        if value.startswith('@'):
            with open(value[1:], encoding='utf-8') as handle:
                return json.load(handle)
        return json.loads(value)
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f'not JSON or @FILE of JSON: {exc}') from None


def build_parser():
    parser = argparse.ArgumentParser(
        prog='bird_simulator.py',
        description='Bird API simulator (connectors, channels, numbers) for testing the bird.engagements collection.')
    server = parser.add_argument_group('server')
    server.add_argument('--host', default=None, help='address to bind (default 127.0.0.1)')
    server.add_argument('--port', type=int, default=None, help='port to bind; 0 (default) picks a free one')
    server.add_argument('--https', action='store_true', default=None, help='serve TLS')
    server.add_argument('--cert', help='PEM certificate (chain) for --https')
    server.add_argument('--key', help='PEM private key for --https')
    server.add_argument('--cert-out', help='write the CA certificate (or --cert) PEM here, for clients to use as a CA bundle')
    server.add_argument('--url-file', help='also write the base URL to this file (atomically)')
    server.add_argument('--quiet', action=argparse.BooleanOptionalAction, default=None, help='do not log one line per request to stderr')
    server.add_argument('--config', help='JSON file of configuration keys (flags override it)')
    data = parser.add_argument_group('data')
    data.add_argument('--seed', help='seed JSON file (access keys, workspaces, numbers, connectors)')
    data.add_argument('--generate-workspaces', type=int, default=None, metavar='N', help='generate N deterministic workspaces')
    data.add_argument('--numbers-per-workspace', type=int, default=None, metavar='M', help='numbers per generated workspace (default 1)')
    data.add_argument('--access-key', help='add an access key allowed to read and write every workspace')
    data.add_argument('--state-file', help='load connectors/channels from this file and save them after every change')
    behaviour = parser.add_argument_group('behaviour (runtime configuration keys)')
    behaviour.add_argument('--page-size', type=int, help='default page size of connector/channel/number lists (10)')
    behaviour.add_argument('--page-size-max', type=int, help='largest connectors limit; larger ones are clamped (100)')
    behaviour.add_argument('--channel-delay', type=float, help='seconds until a new connector gets its channel; 0 = at once, <0 = never (0)')
    behaviour.add_argument('--pending-channel', choices=('null', 'no_id', 'absent'), help='connector "channel" before assignment (null)')
    behaviour.add_argument('--duplicate-status', type=int, help='status of the duplicate connector refusal (409)')
    behaviour.add_argument('--duplicate-code', help='error code of the duplicate connector refusal (ConnectorAlreadyExists)')
    behaviour.add_argument('--delete-status', type=int, choices=(200, 204), help='status of a connector delete (204)')
    behaviour.add_argument('--template-filter-param', help='query parameter of the connector template filter; "" = ignore filters (templateRef)')
    behaviour.add_argument('--last-page-token', choices=('omit', 'empty'), help='nextPageToken on the last page (omit)')
    behaviour.add_argument('--list-item-ids', choices=('both', 'arguments', 'number', 'alternate'), help='ids in connector list items (both)')
    behaviour.add_argument('--number-field', choices=('number', 'phoneNumber', 'both'), help='field(s) of the E.164 in number items (number)')
    behaviour.add_argument('--capabilities-format', choices=('list', 'dict'), help='number capabilities format (list)')
    behaviour.add_argument('--extra-fields', action=argparse.BooleanOptionalAction, default=None, help='add an unknown field to connectors (on)')
    behaviour.add_argument('--latency', type=float, help='seconds added to every API request (0)')
    behaviour.add_argument('--rate-get', type=int, help='GET requests per second per workspace; 0 = unlimited (50)')
    behaviour.add_argument('--rate-post', type=int, help='POST+DELETE requests per second per workspace; 0 = unlimited (500)')
    behaviour.add_argument('--retry-after-header', action=argparse.BooleanOptionalAction, default=None, help='send Retry-After with 429 (off)')
    behaviour.add_argument('--rate-limit-share', type=float, help='share (0..1) of API requests answered 429 at random (0)')
    behaviour.add_argument('--faults', type=_json_arg, help='fault rules: JSON list/object or @FILE')
    behaviour.add_argument('--random-seed', type=int, help='seed of the random generator (0)')
    return parser


def config_from_args(args):
    """Turn parsed arguments into a BirdSimulator config dict (defaults < --config file < flags)."""
    config = {}
    if args.config:
        with open(args.config, encoding='utf-8') as handle:
            loaded = json.load(handle)
        if not isinstance(loaded, dict):
            raise ValueError('--config must hold a JSON object')
        config.update(loaded)
    for key in list(CONFIG_SPEC) + list(SERVER_OPTIONS):
        value = getattr(args, key, None)
        if value is not None:
            config[key] = value
    return config


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        simulator = BirdSimulator(config_from_args(args))
        url = simulator.start()
    except (OSError, ValueError, RuntimeError) as exc:
        sys.stderr.write(f'bird_simulator: error: {exc}\n')
        return 2
    stop = threading.Event()

    def _on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    sys.stdout.write(f'BIRD_API_URL={url}\n')
    sys.stdout.flush()
    while not stop.is_set():
        stop.wait(0.5)
    simulator.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
