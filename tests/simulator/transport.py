# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""In-memory transport: ``requests`` calls answered by a BirdSimulator without a server or sockets.

    from ansible_collections.bird.engagements.tests.simulator import IN_MEMORY_URL, BirdSimulator
    from ansible_collections.bird.engagements.tests.simulator.transport import mount

    sim = BirdSimulator({'seed': 'tests/simulator/demo_seed.json', 'quiet': True})   # no start()
    session = sim.session('demo-access-key-not-secret')    # or: mount(any_requests_session, sim)
    session.get(IN_MEMORY_URL + '/workspaces/<ws>/numbers')

Each request takes the same path through the simulator as over HTTP (auth, rate limits, latency,
faults, stats, request log): ``drop`` and ``drop_after_apply`` raise requests.exceptions.ConnectionError
(the latter after applying), and a latency or ``delay`` longer than the request's read timeout raises
requests.exceptions.ReadTimeout once the caller has waited that timeout and the request has been applied.
This is the only module of the simulator that imports requests.
"""

from __future__ import annotations

import datetime
import http
import io
import time
from email.utils import formatdate
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from .config import IN_MEMORY_URL
from .server import is_admin_path, response_bytes
from .shapes import NO_BODY_STATUSES


def _read_timeout(timeout):
    """The read timeout (seconds or None) of a requests timeout: a number, a (connect, read) pair, or None."""
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    if timeout is None:
        return None
    return float(timeout)


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        return _body_bytes(body.read())
    return b"".join(
        _body_bytes(chunk) for chunk in body
    )  # a generator (chunked upload)


class SimulatorAdapter(BaseAdapter):
    """A requests transport adapter that hands every request to ``simulator`` (a BirdSimulator, started or not)."""

    def __init__(self, simulator):
        super().__init__()
        self.simulator = simulator

    def send(
        self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None
    ):  # pylint: disable=too-many-arguments
        sim = self.simulator
        started = time.monotonic()
        parts = urlsplit(request.url)
        path = parts.path or "/"
        raw_body = _body_bytes(request.body)
        if is_admin_path(path):
            response = sim.handle_admin(request.method, path, parts.query, raw_body)
            timed_out = False
        else:
            with sim.caller_waits(_read_timeout(timeout)) as waited:
                response = sim.handle_api(
                    request.method, path, parts.query, request.headers, raw_body
                )
            timed_out = waited.timed_out
        elapsed = time.monotonic() - started
        status = (
            "TIMEOUT"
            if timed_out
            else ("DROPPED" if response.drop else response.status)
        )
        sim.log(
            f'in-memory "{request.method} {request.path_url}" {status} {elapsed * 1000:.1f}ms'
        )
        if timed_out:
            raise requests.exceptions.ReadTimeout(
                f"in-memory simulator: no answer within the read timeout ({timeout})",
                request=request,
            )
        if response.drop:
            raise requests.exceptions.ConnectionError(
                "in-memory simulator: connection closed without a response",
                request=request,
            )
        return self._build_response(request, response, elapsed)

    def _build_response(self, request, answer, elapsed):
        data = response_bytes(answer)
        headers = CaseInsensitiveDict(answer.headers)
        headers["Server"] = "BirdSimulator/1.0"
        headers["Date"] = formatdate(usegmt=True)
        if answer.status not in NO_BODY_STATUSES:
            if data and "Content-Type" not in headers:
                headers["Content-Type"] = "application/json"
            headers["Content-Length"] = str(len(data))
        response = requests.Response()
        response.status_code = answer.status
        try:
            response.reason = http.HTTPStatus(answer.status).phrase
        except ValueError:
            response.reason = ""
        response.headers = headers
        response.raw = io.BytesIO(data)
        response._content = data  # pylint: disable=protected-access
        response.encoding = get_encoding_from_headers(headers)
        response.url = request.url
        response.request = request
        response.connection = self  # type: ignore[assignment]  # what the response came through
        response.elapsed = datetime.timedelta(seconds=elapsed)
        return response

    def close(self):
        """Nothing to close: there are no connections."""


def mount(session, simulator, base_url=IN_MEMORY_URL):
    """Route the requests of ``session`` to base_url (default http://bird.simulator) into simulator; returns session."""
    session.mount(base_url.rstrip("/") + "/", SimulatorAdapter(simulator))
    return session


def session(simulator, access_key=None, base_url=IN_MEMORY_URL):
    """A new requests.Session mounted on simulator (see mount), with ``Authorization: AccessKey <access_key>`` if given."""
    result = mount(requests.Session(), simulator, base_url)
    if access_key:
        result.headers["Authorization"] = f"AccessKey {access_key}"
    return result
