# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options every module and the lookup share: names, environment
fallbacks, checks, and the client they make. Internal.

The environment variables are named once, here; the AWX credential type in
``meta/awx-credential-type.yml`` injects exactly these, and a test keeps the two in step.
"""

import os
from urllib.parse import urlsplit

from ansible_collections.bird.engagements.plugins.module_utils._errors import InputError
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    BirdClient,
    environment_ca_bundle,
)

DEFAULT_API_URL = "https://api.bird.com"
ENV_ACCESS_KEY = "BIRD_ACCESS_KEY"
ENV_API_URL = "BIRD_API_URL"
ENV_WORKSPACE_ID = "BIRD_WORKSPACE_ID"
ENV_ORGANIZATION_ID = "BIRD_ORGANIZATION_ID"

# Bird's newer platform, whose keys look like bk_...: it has no connectors (bird-api.md).
NEWER_PLATFORM_DOMAIN = "platform.bird.com"
NEWER_PLATFORM_KEY_PREFIX = "bk_"
# What a key pasted with its Authorization scheme starts with.
AUTH_SCHEMES = ("accesskey", "bearer")

DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 5


def env_value(*names):
    """The first of these environment variables that is set and not empty, else None (AWX
    injects an empty string for an optional credential field left blank)."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


def connection_argument_spec(env_fallback):
    """The argument spec of the connection options; ``env_fallback`` is the module's fallback function."""
    return dict(
        # Not required=True: a missing key is named with its environment variable by check_connection.
        access_key=dict(
            type="str",
            no_log=True,
            fallback=(env_fallback, [ENV_ACCESS_KEY]),
        ),
        api_url=dict(type="str", fallback=(env_fallback, [ENV_API_URL])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="int", default=DEFAULT_TIMEOUT),
        retries=dict(type="int", default=DEFAULT_RETRIES),
    )


def check_api_url(api_url):
    """``(error, warning)`` for an API URL: only http(s) with a host is accepted."""
    if not api_url:
        return (
            "api_url is empty: set it, or BIRD_API_URL, or leave both unset for %s"
            % DEFAULT_API_URL,
            None,
        )
    try:
        parts = urlsplit(api_url)
        parts.port  # pylint: disable=pointless-statement  # raises on a malformed port
    except ValueError as exc:
        return (
            "api_url %r is not a valid URL (%s): use the form https://api.bird.com"
            % (api_url, exc),
            None,
        )
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return (
            "api_url %r is not an http(s) URL: use the form https://api.bird.com"
            % api_url
        ), None
    if parts.query or parts.fragment:
        return "api_url %r must not have a query or fragment" % api_url, None
    host = (parts.hostname or "").lower().rstrip(".")
    if host == NEWER_PLATFORM_DOMAIN or host.endswith("." + NEWER_PLATFORM_DOMAIN):
        return (
            "api_url %r is on Bird's newer platform (*.%s), which has no connectors: use %s, "
            "or leave api_url and BIRD_API_URL unset"
            % (api_url, NEWER_PLATFORM_DOMAIN, DEFAULT_API_URL)
        ), None
    if parts.scheme == "http":
        return None, (
            "api_url uses plain http: the access key travels unencrypted. "
            "Use https except against a local test endpoint"
        )
    return None, None


def check_connection(options):
    """Normalise the connection options in place; return warnings, or raise :class:`InputError`.
    The key is stripped of surrounding white space (a pasted newline) but never shown.
    """
    errors, warnings = [], []
    key = (options.get("access_key") or "").strip()
    if not key:
        errors.append(
            "access_key is %s: give it, or set the environment variable %s, to a Bird access key"
            % (
                "missing" if options.get("access_key") is None else "empty",
                ENV_ACCESS_KEY,
            )
        )
    elif len(key.split(None, 1)) == 2 and key.split(None, 1)[0].lower() in AUTH_SCHEMES:
        errors.append(
            "access_key starts with %r: give the key alone; it is sent as "
            "'Authorization: AccessKey <key>' (the value is not shown here)"
            % (key.split(None, 1)[0] + " ")
        )
    elif not all(33 <= ord(char) <= 126 for char in key):
        errors.append(
            "access_key holds a space, a control character or a non-ASCII character, which no access "
            "key contains: copy the key again (the value is not shown here)"
        )
    options["access_key"] = key
    if options.get("api_url") is None:
        options["api_url"] = DEFAULT_API_URL
    error, warning = check_api_url(options["api_url"])
    errors.extend([error] if error else [])
    warnings.extend([warning] if warning else [])
    if options.get("ca_path") and not os.path.isfile(options["ca_path"]):
        errors.append(
            "ca_path %r is not a file: give the path of a PEM CA bundle"
            % options["ca_path"]
        )
    elif options["validate_certs"] and not options.get("ca_path"):
        # What the client uses instead, checked as ca_path is.
        variable, bundle = environment_ca_bundle()
        if bundle and not os.path.exists(bundle):
            errors.append(
                "the environment variable %s is %r, which does not exist: fix or unset it,"
                " or give ca_path" % (variable, bundle)
            )
    if options["timeout"] < 1:
        errors.append("timeout must be at least 1 second, got %d" % options["timeout"])
    if options["retries"] < 0:
        errors.append("retries must be 0 or more, got %d" % options["retries"])
    if errors:
        raise InputError(errors)
    if key.startswith(NEWER_PLATFORM_KEY_PREFIX):
        warnings.append(
            "access_key starts with %s, as the keys of Bird's newer platform do, which the channels API "
            "may not accept: if Bird answers 401, use an access key made for %s"
            % (NEWER_PLATFORM_KEY_PREFIX, DEFAULT_API_URL)
        )
    if not options["validate_certs"] and options["api_url"].startswith("https"):
        warnings.append(
            "validate_certs is false: the TLS certificate of %s is not verified"
            % options["api_url"]
        )
    return warnings


def make_client(options, throttle=None, secrets=()):
    """The client for checked connection options; ``secrets`` are masked as the key is."""
    return BirdClient(
        api_url=options["api_url"],
        access_key=options["access_key"],
        timeout=options["timeout"],
        retries=options["retries"],
        validate_certs=options["validate_certs"],
        ca_path=options.get("ca_path"),
        throttle=throttle,
        secrets=secrets,
    )
