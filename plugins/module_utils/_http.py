# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP to Bird's channels platform (https://api.bird.com). Internal to the collection.

One :class:`BirdClient` per run: the key, TLS, retries with the collection's backoff, the
request rates (``_throttle``), pagination, and every failure as a :class:`BirdAPIError`.
Every text that leaves this module is scrubbed of the key.
"""

import email.utils
import os
import random
import time
import traceback
from collections import namedtuple
from urllib.parse import quote

try:
    import requests
    import urllib3  # a dependency of requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised through missing_required_lib
    requests = None  # type: ignore[assignment]
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.bird.engagements.plugins.module_utils._backoff import (
    REQUEST_RETRY,
    RETRY_AFTER_CAP,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    hint_for,
    scrub_secret,
)
from ansible_collections.bird.engagements.plugins.module_utils._throttle import Throttle

COLLECTION_NAME = "bird.engagements"
COLLECTION_VERSION = "0.1.0"
REQUEST_ID_HEADER = "Messagebird-Request-Id"
RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])
# A list that needs more pages than this (99,000 connectors at 99 a page) is taken for a server
# that never stops paging.
MAX_PAGES = 1000

# Retry modes of a request.
RETRY_READ = "read"  # idempotent: retry 429, 5xx, connection errors, timeouts
RETRY_CREATE = "create"  # not idempotent: retry only 429 (Bird: not processed)


def quote_id(value):
    return quote(str(value), safe="")


def workspace_path(workspace_id, *parts):
    """``/workspaces/<id>/<part>/...`` with every segment quoted."""
    return "/workspaces/" + "/".join(quote_id(p) for p in (workspace_id,) + parts)


# A successful (or accepted) response. ``uncertain``: an earlier attempt failed in a way that
# does not rule out that it was applied (a lost response, a 5xx to a write).
ApiResponse = namedtuple("ApiResponse", "status body uncertain request_id")


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


def _json_or_none(response):
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


class BirdClient:
    """A session with the Bird API; without a ``throttle``, Bird's default request rates and
    ``concurrency`` requests in flight."""

    def __init__(
        self,
        api_url,
        access_key,
        timeout=30,
        retries=5,
        validate_certs=True,
        ca_path=None,
        concurrency=32,
        throttle=None,
        sleep=time.sleep,
        session=None,
        secrets=(),
    ):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library requests is required")
        self.api_url = api_url.rstrip("/")
        # Masked in every text the client keeps: the key, and other secrets of the caller's.
        self._secrets = [access_key] + [s for s in secrets if s]
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.sleep = sleep
        self.throttle = throttle or Throttle(concurrency, sleep=sleep)
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Authorization": "AccessKey %s" % access_key,
                "Accept": "application/json",
                "User-Agent": "%s/%s (Ansible collection; python-requests/%s)"
                % (COLLECTION_NAME, COLLECTION_VERSION, requests.__version__),
            }
        )
        # Passed with every request: a session-level setting would lose to REQUESTS_CA_BUNDLE.
        # validate_certs=false wins over ca_path, as in Ansible's own URL handling. The CA bundle
        # and proxies of the environment are read once, here: left to requests, it reads them for
        # every request, and ~/.netrc could replace the Authorization header.
        environment_ca = environment_ca_bundle()[1]
        self.verify = (ca_path or environment_ca or True) if validate_certs else False
        self.session.verify = self.verify
        self.session.proxies = requests.utils.get_environ_proxies(self.api_url)
        self.session.trust_env = False
        if not validate_certs:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        pool = max(4, self.throttle.concurrency)
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def scrub(self, value):
        """``value`` with every occurrence of the access key (and the other secrets) masked."""
        for secret in self._secrets:
            value = scrub_secret(value, secret)
        return value

    # -- failures -----------------------------------------------------------
    def _delay(self, attempt, response=None):
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                return min(retry_after, RETRY_AFTER_CAP) + random.uniform(0, 0.25)
        return REQUEST_RETRY.delay(attempt)

    def _error_from_response(self, method, path, response):
        status = response.status_code
        code = api_message = details = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = body.get("code")
            api_message = body.get("message")
            details = body.get("details")
        elif "html" in response.headers.get("Content-Type", "").lower():
            # A gateway or proxy in front of Bird (a 502 or 504 page): its markup tells nobody anything.
            api_message = "an HTML page instead of Bird's JSON, from a gateway or proxy in front of Bird"
        elif response.text:
            # Scrub before cutting: a cut could split the key and hide it from the scrub.
            api_message = self.scrub(response.text)[:500]
        return BirdAPIError(
            "HTTP %s" % status,
            status=status,
            code=self.scrub(code),
            api_message=self.scrub(api_message),
            details=self.scrub(details),
            request_id=response.headers.get(REQUEST_ID_HEADER),
            method=method,
            path=path,
            maybe_applied=(method != "GET" and status >= 500),
            hint=hint_for(status),
        )

    def _error_from_exception(self, method, path, exc):
        exceptions = requests.exceptions
        hint = None
        # A TLS or proxy misconfiguration, or a request refused before sending, will not heal.
        transient = False
        if isinstance(exc, exceptions.SSLError):
            if "CERTIFICATE_VERIFY_FAILED" in str(exc).upper().replace(" ", "_"):
                hint = (
                    "TLS verification failed: give the CA bundle that signs the API certificate with ca_path, "
                    "or set validate_certs to false for a test endpoint you trust"
                )
            else:
                hint = "The TLS handshake failed: check that api_url is right (https:// only for a TLS endpoint)"
            kind, maybe_applied = "TLS error", False
        elif isinstance(exc, exceptions.ConnectTimeout):
            kind, maybe_applied, transient = "connection timed out", False, True
            hint = (
                "Check api_url, the network and proxy settings (HTTPS_PROXY, NO_PROXY)"
            )
        elif isinstance(exc, exceptions.Timeout):
            kind, maybe_applied, transient = (
                "no response within the timeout",
                True,
                True,
            )
            hint = "The API did not answer within timeout seconds: raise timeout or try again"
        elif isinstance(exc, exceptions.ProxyError):
            kind, maybe_applied = "proxy error", False
            hint = "Check the proxy settings (HTTPS_PROXY, NO_PROXY)"
        elif isinstance(
            exc,
            (exceptions.InvalidHeader, exceptions.InvalidURL, exceptions.MissingSchema),
        ):
            # Refused before anything was sent (e.g. a key with a newline in it).
            kind, maybe_applied = "invalid request", False
            hint = "Check access_key and api_url for stray characters"
        elif isinstance(exc, exceptions.ConnectionError):
            # The request may have reached the server before the connection broke.
            kind, maybe_applied, transient = "connection error", True, True
            hint = "Check api_url and the network; the API may be down"
        else:
            kind, maybe_applied, transient = "request error", True, True
        return BirdAPIError(
            self.scrub("%s: %s" % (kind, exc)),
            method=method,
            path=path,
            maybe_applied=(method != "GET" and maybe_applied),
            hint=hint,
            transient=transient,
        )

    @staticmethod
    def _retryable(retry, response, error):
        if response is not None:
            if response.status_code == 429:
                return True
            return retry == RETRY_READ and response.status_code in RETRYABLE_STATUS
        # Connection problems and timeouts: safe to repeat an idempotent call only.
        return retry == RETRY_READ and error.transient

    # -- requests -----------------------------------------------------------
    def _send(self, method, path, params, body):
        """One attempt: ``(response, None)`` or ``(None, BirdAPIError)``, within the throttle."""
        # The workspace whose rate limits apply (also under /organizations/<org>/workspaces/<ws>/...).
        segments = path.split("/")
        workspace = (
            segments[segments.index("workspaces") + 1]
            if "workspaces" in segments[:-1]
            else ""
        )
        # The pace first: waiting for it holds no place in flight.
        self.throttle.pacer(workspace, method).acquire()
        with self.throttle.in_flight:
            try:
                response = self.session.request(
                    method,
                    self.api_url + path,
                    params=params,
                    json=body,
                    timeout=self.timeout,
                    verify=self.verify,
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as exc:
                return None, self._error_from_exception(method, path, exc)
        return response, None

    def request(
        self, method, path, params=None, body=None, retry=RETRY_READ, accept_status=None
    ):
        """Send one API call and return an :class:`ApiResponse`, or raise :class:`BirdAPIError`.

        ``retry`` is RETRY_READ (retry 429, 5xx, connection errors and timeouts: only
        for calls that are safe to repeat) or RETRY_CREATE (retry only 429, which Bird
        documents as not processed). ``accept_status`` lists error statuses returned to
        the caller instead of raised (e.g. 404 on delete).
        """
        attempt = 0
        uncertain = False
        while True:
            response, error = self._send(method, path, params, body)
            if response is not None:
                status = response.status_code
                # Only a 2xx is an answer: a 3xx is no part of the API (redirects are not followed,
                # so that neither the key nor a write goes anywhere else) and says nothing was done.
                if 200 <= status < 300 or (accept_status and status in accept_status):
                    return ApiResponse(
                        status,
                        _json_or_none(response),
                        uncertain,
                        response.headers.get(REQUEST_ID_HEADER),
                    )
                error = self._error_from_response(method, path, response)
            if not self._retryable(retry, response, error) or attempt >= self.retries:
                error.retries = attempt
                raise error
            attempt += 1
            uncertain = uncertain or error.maybe_applied
            self.sleep(self._delay(attempt, response))

    def get(self, path, params=None):
        """GET one JSON object; anything else is a malformed answer."""
        response = self.request("GET", path, params=params)
        if not isinstance(response.body, dict):
            raise BirdAPIError.malformed(
                "GET",
                path,
                "expected a JSON object, got %s" % _kind(response.body),
                request_id=response.request_id,
            )
        return response.body

    def list_all(self, path, params=None, limit=None):
        """Every item of a list endpoint, following ``nextPageToken`` to the end. A malformed
        page is an error, never "no items" (every resource Bird lists has an ``id``)."""
        params = dict(params or {})
        if limit:
            params["limit"] = limit
        items: list = []
        seen_tokens: set = set()
        seen_ids: set = set()
        request_id = None

        def require(ok, what):
            if not ok:
                raise BirdAPIError.malformed("GET", path, what, request_id)

        for dummy in range(MAX_PAGES):
            response = self.request("GET", path, params=params)
            page, request_id = response.body, response.request_id
            require(
                isinstance(page, dict),
                "a list page must be a JSON object, got %s" % _kind(page),
            )
            results = page.get("results")
            require(
                isinstance(results, list),
                'a list page without a "results" list (got %s)' % _kind(results),
            )
            for item in results:
                require(
                    isinstance(item, dict),
                    "a list item must be a JSON object, got %s" % _kind(item),
                )
                key = item.get("id")
                require(
                    isinstance(key, str) and key,
                    "a list item without an id (%s)" % _keys(item),
                )
                # An item seen on an earlier page (a page answered twice) is the same resource.
                if key not in seen_ids:
                    seen_ids.add(key)
                    items.append(item)
            token = page.get("nextPageToken")
            if not token:
                return items
            require(
                isinstance(token, str),
                "nextPageToken must be a string, got %s" % _kind(token),
            )
            require(
                token not in seen_tokens,
                "the page token %r came back a second time; stopped to avoid a loop"
                % token,
            )
            seen_tokens.add(token)
            params["pageToken"] = token
        raise BirdAPIError.malformed(
            "GET",
            path,
            "still a nextPageToken after %d pages; stopped" % MAX_PAGES,
            request_id,
        )


def environment_ca_bundle():
    """``(variable, path)`` of the CA bundle the environment names, as requests reads it
    (``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``), or ``(None, None)``."""
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(variable):
            return variable, os.environ[variable]
    return None, None


def _kind(value):
    if value is None:
        return "nothing"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _keys(item):
    """An item's field names, for an error about it (names only: values may be anything)."""
    names = sorted(str(name) for name in item)
    if not names:
        return "an empty object"
    more = " and %d more" % (len(names) - 8) if len(names) > 8 else ""
    return "its fields: %s%s" % (", ".join(names[:8]), more)
