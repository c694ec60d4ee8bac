# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP client for Bird's channels platform (https://api.bird.com).

Internal to the collection: no compatibility promise for other collections.

One :class:`BirdClient` per module run owns one ``requests`` session, the
``AccessKey`` authorization, the User-Agent, timeouts, TLS settings, retries
with capped and jittered exponential backoff, pagination over
``nextPageToken`` and the mapping of every failure to :class:`BirdAPIError`.
Nothing secret ever goes into an error: every text that leaves this module is
scrubbed of the access key.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import random
import threading
import time
import traceback

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised through missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible.module_utils.six.moves.urllib.parse import quote, urlsplit

COLLECTION_NAME = 'bird.engagements'
COLLECTION_VERSION = '0.1.0'
DEFAULT_API_URL = 'https://api.bird.com'
REQUEST_ID_HEADER = 'Messagebird-Request-Id'
REDACTED = '********'

# Retry policy: the first retry waits about BACKOFF_BASE seconds, each one after
# that doubles, capped at BACKOFF_CAP; "full jitter" spreads concurrent clients.
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
RETRY_AFTER_CAP = 60.0
RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])

# Retry modes of a request.
RETRY_READ = 'read'        # idempotent: retry 429, 5xx, connection errors, timeouts
RETRY_CREATE = 'create'    # not idempotent: retry only 429 (Bird: not processed)


def scrub_secret(value, secret):
    """Return ``value`` (str, dict or list, recursively) with every occurrence of ``secret`` masked."""
    if not secret:
        return value
    if isinstance(value, str):
        # Also the escaped form a repr() shows, should the key hold a control character.
        for form in (secret, secret.encode('unicode_escape').decode('ascii')):
            value = value.replace(form, REDACTED)
        return value
    if isinstance(value, dict):
        return dict((scrub_secret(k, secret), scrub_secret(v, secret)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [scrub_secret(v, secret) for v in value]
    return value


def quote_id(value):
    """Quote an identifier for use as one path segment."""
    return quote(str(value), safe='')


class BirdAPIError(Exception):
    """A failed call to the Bird API, with everything a person needs to act on it.

    ``maybe_applied`` is true when a write may have been applied even though it
    failed (a 5xx, a lost connection or a timeout after the request was sent):
    the caller must look up the result before trying again.
    """

    def __init__(self, message, status=None, code=None, api_message=None, details=None,
                 request_id=None, method=None, path=None, maybe_applied=False, hint=None, transient=False):
        super(BirdAPIError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.api_message = api_message
        self.details = details
        self.request_id = request_id
        self.method = method
        self.path = path
        self.maybe_applied = maybe_applied
        self.hint = hint
        self.transient = transient
        self.retries = 0

    def __str__(self):
        where = '%s %s: ' % (self.method, self.path) if self.method and self.path else ''
        if self.status is not None:
            text = 'HTTP %s' % self.status
            if self.code:
                text += ' %s' % self.code
            if self.api_message:
                text += ': %s' % self.api_message
        else:
            text = self.message
        if self.details:
            text += '; details: %s' % (self.details,)
        if self.retries:
            text += ' (after %d retries)' % self.retries
        if self.request_id:
            text += '; request id: %s' % self.request_id
        if self.hint:
            text += '. %s' % self.hint
        return where + text

    def to_result(self):
        """The fields a module adds to its failure result."""
        return dict(
            status=self.status,
            api_code=self.code,
            api_message=self.api_message,
            api_details=self.details,
            request_id=self.request_id,
        )


def _hint_for(status):
    if status == 401:
        return ('Check the access key (option access_key or environment variable BIRD_ACCESS_KEY) '
                'and that api_url points at the Bird API')
    if status == 403:
        return ('The access key is valid but its role or policy does not allow this call '
                'in this workspace: grant it the connectors and numbers permissions')
    if status == 404:
        return 'Check workspace_id and the ids given: the API does not know this resource'
    if status == 429:
        return 'Bird rate limited the request and the retries ran out: raise retries or lower concurrency'
    if status is not None and status >= 500:
        return 'Bird had a server error and the retries ran out: try again later or raise retries'
    return None


class _RateLimiter(object):
    """Spaces requests so that at most ``rate`` start in any second (thread-safe)."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self):
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class BirdClient(object):
    """A session with the Bird API.

    :param rate_limits: optional ``{'GET': n, 'POST': n}`` requests per second
        and per workspace that this client keeps under (Bird's defaults are 50
        and 500); DELETE counts as POST. 429s are retried either way.
    """

    def __init__(self, api_url, access_key, timeout=30, retries=5, validate_certs=True,
                 ca_path=None, rate_limits=None, sleep=time.sleep, session=None):
        if not HAS_REQUESTS:
            raise RuntimeError('the Python library requests is required')
        self.api_url = api_url.rstrip('/')
        self._access_key = access_key
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self._sleep = sleep
        self._rate_limits = dict(rate_limits or {})
        self._limiters = {}
        self._limiters_lock = threading.Lock()
        self.session = session or requests.Session()
        self.session.headers.update({
            'Authorization': 'AccessKey %s' % access_key,
            'Accept': 'application/json',
            'User-Agent': '%s/%s (Ansible collection; python-requests/%s)' % (
                COLLECTION_NAME, COLLECTION_VERSION, requests.__version__),
        })
        # Passed with every request: a session-level setting would lose to REQUESTS_CA_BUNDLE.
        # validate_certs=false wins over ca_path, as in Ansible's own URL handling.
        self.verify = (ca_path or True) if validate_certs else False
        self.session.verify = self.verify
        if not validate_certs:
            try:
                import urllib3
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except Exception:  # pragma: no cover - best effort only
                pass
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        self.stats = {'requests': 0, 'retries': 0}
        self._stats_lock = threading.Lock()

    # -- secrets ---------------------------------------------------------
    def scrub(self, value):
        """Return ``value`` with every occurrence of the access key masked (recursively)."""
        return scrub_secret(value, self._access_key)

    # -- low level -------------------------------------------------------
    def _limiter(self, method, path):
        kind = 'GET' if method == 'GET' else 'POST'
        rate = self._rate_limits.get(kind)
        if not rate:
            return None
        segments = path.split('/')
        scope = segments[2] if len(segments) > 2 and segments[1] == 'workspaces' else ''
        with self._limiters_lock:
            limiter = self._limiters.get((kind, scope))
            if limiter is None:
                limiter = self._limiters[(kind, scope)] = _RateLimiter(rate, sleep=self._sleep)
        return limiter

    def _delay(self, attempt, response=None):
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if response is not None:
            retry_after = parse_retry_after(response.headers.get('Retry-After'))
            if retry_after is not None:
                return min(retry_after, RETRY_AFTER_CAP) + random.uniform(0, 0.25)
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2.0, ceiling)

    def _error_from_response(self, method, path, response):
        status = response.status_code
        code = api_message = details = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = body.get('code')
            api_message = body.get('message')
            details = body.get('details')
        elif response.text:
            # Scrub before cutting: a cut could split the key and hide it from the scrub.
            api_message = self.scrub(response.text)[:500]
        request_id = response.headers.get(REQUEST_ID_HEADER)
        return BirdAPIError(
            'HTTP %s' % status, status=status, code=self.scrub(code),
            api_message=self.scrub(api_message), details=self.scrub(details),
            request_id=request_id, method=method, path=path,
            maybe_applied=(method != 'GET' and status >= 500), hint=_hint_for(status))

    def _error_from_exception(self, method, path, exc):
        hint = None
        if isinstance(exc, requests.exceptions.SSLError):
            if 'CERTIFICATE_VERIFY_FAILED' in str(exc).upper().replace(' ', '_'):
                hint = ('TLS verification failed: give the CA bundle that signs the API certificate with ca_path, '
                        'or set validate_certs to false for a test endpoint you trust')
            else:
                hint = 'The TLS handshake failed: check that api_url is right (https:// only for a TLS endpoint)'
            kind, maybe_applied = 'TLS error', False
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
            kind, maybe_applied = 'connection timed out', False
            hint = 'Check api_url, the network and proxy settings (HTTPS_PROXY, NO_PROXY)'
        elif isinstance(exc, requests.exceptions.Timeout):
            kind, maybe_applied = 'no response within the timeout', True
            hint = 'The API did not answer within timeout seconds: raise timeout or try again'
        elif isinstance(exc, requests.exceptions.ProxyError):
            kind, maybe_applied = 'proxy error', False
            hint = 'Check the proxy settings (HTTPS_PROXY, NO_PROXY)'
        elif isinstance(exc, (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL,
                              requests.exceptions.MissingSchema)):
            # Refused before anything was sent (e.g. a key with a newline in it).
            kind, maybe_applied = 'invalid request', False
            hint = 'Check access_key and api_url for stray characters'
        elif isinstance(exc, requests.exceptions.ConnectionError):
            # The request may have reached the server before the connection broke.
            kind, maybe_applied = 'connection error', True
            hint = 'Check api_url and the network; the API may be down'
        else:
            kind, maybe_applied = 'request error', True
        message = self.scrub('%s: %s' % (kind, exc))
        # A TLS or proxy misconfiguration will not heal by itself: do not retry it.
        transient = not isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ProxyError,
                                         requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL,
                                         requests.exceptions.MissingSchema))
        return BirdAPIError(message, method=method, path=path, maybe_applied=(method != 'GET' and maybe_applied),
                            hint=hint, transient=transient)

    def request(self, method, path, params=None, body=None, retry=RETRY_READ, accept_status=None):
        """Send one API call and return an :class:`ApiResponse`.

        ``retry`` is RETRY_READ (retry 429, 5xx, connection errors and timeouts:
        only for calls that are safe to repeat) or RETRY_CREATE (retry only 429,
        which Bird documents as not processed). ``accept_status`` lists error
        statuses returned to the caller instead of raised (e.g. 404 on delete).
        """
        url = self.api_url + path
        attempt = 0
        uncertain = False
        while True:
            limiter = self._limiter(method, path)
            if limiter:
                limiter.acquire()
            with self._stats_lock:
                self.stats['requests'] += 1
            response = error = None
            try:
                response = self.session.request(method, url, params=params, json=body, timeout=self.timeout,
                                                verify=self.verify)
            except requests.exceptions.RequestException as exc:
                error = self._error_from_exception(method, path, exc)
            if response is not None:
                if response.status_code < 400 or (accept_status and response.status_code in accept_status):
                    return ApiResponse(response.status_code, _json_or_none(response), attempt, uncertain)
                error = self._error_from_response(method, path, response)
            retryable = self._retryable(retry, response, error)
            if not retryable or attempt >= self.retries:
                error.retries = attempt
                raise error
            attempt += 1
            uncertain = uncertain or error.maybe_applied
            with self._stats_lock:
                self.stats['retries'] += 1
            self._sleep(self._delay(attempt, response))

    @staticmethod
    def _retryable(retry, response, error):
        if response is not None:
            if response.status_code == 429:
                return True
            return retry == RETRY_READ and response.status_code in RETRYABLE_STATUS
        if retry == RETRY_READ:
            # Connection problems and timeouts: safe to repeat an idempotent call.
            return error.transient
        return False

    # -- conveniences ----------------------------------------------------
    def get(self, path, params=None):
        """GET one JSON object; anything else is an error."""
        body = self.request('GET', path, params=params).body
        if not isinstance(body, dict):
            raise BirdAPIError('unexpected response: expected a JSON object, got %s' % type(body).__name__,
                               method='GET', path=path)
        return body

    def paginate(self, path, params=None, limit=None):
        """Yield every item of a list endpoint, following ``nextPageToken`` to the end."""
        params = dict(params or {})
        if limit:
            params['limit'] = limit
        seen_tokens = set()
        while True:
            page = self.get(path, params=params)
            results = page.get('results') or []
            if not isinstance(results, list):
                raise BirdAPIError('unexpected response: "results" is not a list', method='GET', path=path)
            yield from results
            token = page.get('nextPageToken')
            if not token:
                return
            if token in seen_tokens:
                raise BirdAPIError('the API returned the page token %r twice; stopping to avoid a loop' % token,
                                   method='GET', path=path)
            seen_tokens.add(token)
            params['pageToken'] = token


class ApiResponse(object):
    """A successful (or accepted) response: status, decoded JSON body, how many retries it took, and
    whether an earlier attempt may have been applied (it failed in a way that does not rule that out)."""

    def __init__(self, status, body, retries, uncertain=False):
        self.status = status
        self.body = body
        self.retries = retries
        self.uncertain = uncertain


def _json_or_none(response):
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def parse_retry_after(value):
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def check_api_url(api_url):
    """Return ``(error, warning)`` for an API URL: only http(s) with a host is accepted."""
    if not api_url:
        return 'api_url is empty: set it, or BIRD_API_URL, or leave both unset for %s' % DEFAULT_API_URL, None
    try:
        parts = urlsplit(api_url)
        parts.port  # pylint: disable=pointless-statement  # raises on a malformed port
    except ValueError as exc:
        return 'api_url %r is not a valid URL (%s): use the form https://api.bird.com' % (api_url, exc), None
    if parts.scheme not in ('https', 'http') or not parts.netloc:
        return ('api_url %r is not an http(s) URL: use the form https://api.bird.com' % api_url), None
    if parts.query or parts.fragment:
        return 'api_url %r must not have a query or fragment' % api_url, None
    if parts.scheme == 'http':
        return None, ('api_url uses plain http: the access key travels unencrypted. '
                      'Use https except against a local test endpoint')
    return None, None
