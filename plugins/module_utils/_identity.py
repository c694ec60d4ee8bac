# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a Voice connector is. Internal.

A Voice connector is identified by its workspace, its template's *slug* (``voice-messagebird``
of ``voice-messagebird:1``) and its phone number id: a number carries at most one channel of a
platform, so a connector of another version of the template is that number's Voice connector.
Names are no identity. The readers below tolerate missing and unknown fields.
"""

import re

from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    e164_form,
)

DEFAULT_TEMPLATE = "voice-messagebird:1"
TEMPLATE_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*):([A-Za-z0-9._-]+)$")
UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def check_uuid(value, field):
    """An error naming ``field`` if ``value`` is not a UUID, else None."""
    if isinstance(value, str) and UUID_RE.match(value):
        return None
    return "%s must be a UUID such as 2cffb55c-120e-91a8-8f10-ed9d1b412d29, got %r" % (
        field,
        value,
    )


def check_template_ref(value, field="connector_template_ref"):
    """An error naming ``field`` unless ``value`` looks like ``<slug>:<version>``."""
    if isinstance(value, str) and TEMPLATE_RE.match(value.strip()):
        return None
    return (
        "%s must be a connector template reference <slug>:<version> such as %s, got %r; leave it out for %s"
        % (field, DEFAULT_TEMPLATE, value, DEFAULT_TEMPLATE)
    )


def template_slug(template_ref):
    """``voice-messagebird`` for ``voice-messagebird:1``."""
    return template_ref.split(":", 1)[0] if isinstance(template_ref, str) else None


def _dict(value):
    return value if isinstance(value, dict) else {}


def _text(value):
    return value if isinstance(value, str) and value else None


def _lower(value):
    return value.lower() if _text(value) else None


def connector_id(connector):
    return _text(connector.get("id"))


def connector_number_id(connector):
    """The phone number id (``arguments.phoneNumberId`` or ``number.numberId``), lower case, or None."""
    return _lower(_dict(connector.get("arguments")).get("phoneNumberId")) or _lower(
        _dict(connector.get("number")).get("numberId")
    )


def connector_phone_number(connector):
    """The E.164 number the connector echoes (``number.phoneNumber``), or None."""
    return e164_form(_dict(connector.get("number")).get("phoneNumber"))


def connector_channel_id(connector):
    """The channel id, or None while Bird has not assigned it (``channel`` null, or without an id)."""
    return _text(_dict(_dict(connector).get("channel")).get("channelId"))


def connector_template_ref(connector):
    return _text(connector.get("connectorTemplateRef"))


def connector_slug(connector):
    """The template slug, from the ref, the slug field or the channel's platform; None if none is given."""
    ref = connector_template_ref(connector)
    if ref:
        return template_slug(ref)
    return _text(connector.get("connectorTemplateSlug")) or _text(
        _dict(connector.get("channel")).get("platform")
    )


def needs_detail(connector, slug):
    """True for a list item to read on its own: it does not say its template, or it is a
    connector of ``slug`` that does not say its number. Other platforms' items never are.
    """
    known = connector_slug(connector)
    return known is None or (known == slug and connector_number_id(connector) is None)


def describe_template(connector):
    """The connector's template as people should read it (the ref, else the slug)."""
    return (
        connector_template_ref(connector)
        or connector_slug(connector)
        or "an unknown template"
    )
