# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors, and keeping the access key out of them. Internal to the collection.

Nothing else is raised for an expected problem: :class:`InputError` (input that cannot work,
found before any request), :class:`BirdAPIError` (a call failed, or Bird's answer was malformed);
:class:`Failure` is why one entry of a report failed.
"""

import json

REDACTED = "********"

HINTS = {
    401: (
        "Check the access key (option access_key or environment variable BIRD_ACCESS_KEY) "
        "and that api_url points at the Bird API"
    ),
    403: (
        "The access key is valid but its role or policy does not allow this call "
        "in this workspace: grant it the connectors and numbers permissions"
    ),
    404: (
        "Check workspace_id and the ids given, and that api_url is the API's base URL (no path): "
        "the API does not know this resource"
    ),
    429: "Bird rate limited the request and the retries ran out: raise retries or lower concurrency",
    500: "Bird had a server error and the retries ran out: try again later or raise retries",
}

# A redirect is no answer of the API; the client does not follow it.
REDIRECT_HINT = (
    "The API does not redirect: check that api_url is the API's base URL (https://api.bird.com), "
    "or the gateway in between; nothing was done"
)


def hint_for(status):
    """What a person can do about an HTTP status, or None."""
    if status is not None and status >= 500:
        return HINTS[500]
    if status is not None and 300 <= status < 400:
        return REDIRECT_HINT
    return HINTS.get(status)


def secret_forms(secret):
    """``secret`` as given and as a text may carry it escaped: a repr() (a control character),
    and JSON (a quote, a backslash, a slash, non-ASCII), longest first."""
    forms = {
        secret,
        secret.encode("unicode_escape").decode("ascii"),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    forms |= {form.replace("/", "\\/") for form in forms}
    return sorted(forms, key=len, reverse=True)


def scrub_secret(value, secret):
    """``value`` (str, dict or list, recursively) with every occurrence of ``secret`` masked,
    in every form of :func:`secret_forms`."""
    if not secret:
        return value
    return _scrub(value, secret_forms(secret))


def _scrub(value, forms):
    if isinstance(value, str):
        for form in forms:
            value = value.replace(form, REDACTED)
        return value
    if isinstance(value, dict):
        return {_scrub(k, forms): _scrub(v, forms) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, forms) for v in value]
    return value


def api_fields(error):
    """The result fields of Bird's answer behind a failure; all None without a :class:`BirdAPIError`."""
    return dict(
        status=getattr(error, "status", None),
        api_code=getattr(error, "code", None),
        api_message=getattr(error, "api_message", None),
        api_details=getattr(error, "details", None),
        request_id=getattr(error, "request_id", None),
    )


class InputError(Exception):
    """Input that cannot work, found before any request; ``errors`` lists every problem."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


class BirdAPIError(Exception):
    """A failed call to the Bird API, with everything a person needs to act on it.

    ``maybe_applied`` is true when a write may have been applied even though it
    failed (a 5xx, a lost connection or a timeout after the request was sent):
    the caller must look the result up before trying again. ``transient`` is true
    for connection problems that may heal by themselves.
    """

    def __init__(
        self,
        message,
        status=None,
        code=None,
        api_message=None,
        details=None,
        request_id=None,
        method=None,
        path=None,
        maybe_applied=False,
        hint=None,
        transient=False,
    ):
        super().__init__(message)
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

    @classmethod
    def malformed(cls, method, path, what, request_id=None):
        """Bird answered something the API does not allow: never read as "nothing there"."""
        return cls(
            "malformed answer: %s" % what,
            method=method,
            path=path,
            request_id=request_id,
            hint="The API answered outside its documented shape, so nothing was concluded from it; "
            "try again, and report it to Bird with the request id if it persists",
        )

    def __str__(self):
        where = (
            "%s %s: " % (self.method, self.path) if self.method and self.path else ""
        )
        if self.status is not None:
            text = "HTTP %s" % self.status
            if self.code:
                text += " %s" % self.code
            if self.api_message:
                text += ": %s" % self.api_message
        else:
            text = self.message
        if self.details:
            text += "; details: %s" % (self.details,)
        if self.retries:
            text += " (after %d retries)" % self.retries
        if self.request_id:
            text += "; request id: %s" % self.request_id
        if self.hint:
            text += ". %s" % self.hint
        return where + text


class Failure:
    """Why one entry failed: ``message`` for people, ``api_error`` (or None) for Bird's own words."""

    __slots__ = ("message", "api_error")

    def __init__(self, message, api_error=None):
        self.message = message
        self.api_error = api_error

    @classmethod
    def from_api(cls, error, context=""):
        return cls("%s%s" % (context, error), api_error=error)

    def result_fields(self):
        """``msg`` plus Bird's status, code, message, details and request id (None when not from Bird)."""
        return dict(msg=self.message, **api_fields(self.api_error))

    def __repr__(self):
        return "Failure(%r)" % self.message
