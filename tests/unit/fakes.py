# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted stand-in for ``requests.Session`` for unit tests of the client."""

from __future__ import annotations

import json

import requests


def response(status, body=None, headers=None):
    """A real ``requests.Response`` with a JSON body."""
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers or {})
    if body is not None:
        resp._content = json.dumps(body).encode()
        resp.headers.setdefault('Content-Type', 'application/json')
    else:
        resp._content = b''
    return resp


class FakeSession(requests.Session):
    """Answers each request with the next scripted item: a Response, or an exception to raise.

    ``script`` is a list, or a function ``(method, url, params, json) -> item``.
    """

    def __init__(self, script):
        super().__init__()
        self.script = script
        self.calls = []

    def request(self, method, url, params=None, json=None, timeout=None, verify=None,  # pylint: disable=arguments-differ
                **kwargs):
        self.calls.append(dict(method=method, url=url, params=dict(params or {}), json=json, timeout=timeout,
                               verify=verify, headers=dict(self.headers)))
        if callable(self.script):
            item = self.script(method, url, params, json)
        else:
            item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item
