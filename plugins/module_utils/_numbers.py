# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Phone numbers as Bird describes them: E.164 form and voice capability. Internal."""

import re

E164_RE = re.compile(r"^\+[1-9][0-9]{7,14}$")

# Words a capability status may use; anything else says nothing.
_YES = frozenset(["active", "enabled", "available", "true", "yes", "on"])
_NO = frozenset(["inactive", "disabled", "unavailable", "false", "no", "off", "none"])
_DIRECTIONS = ("inbound", "outbound")


def check_e164(value, field):
    """An error naming ``field`` if ``value`` is not an E.164 number, else None."""
    if isinstance(value, str) and E164_RE.match(value):
        return None
    hint = ""
    if str(value).isdigit() and not str(value).startswith("0"):
        hint = (
            ' (an E.164 number starts with "+"; YAML reads an unquoted +%s as the number %s, so'
            ' write it quoted, "+%s")' % (value, value, value)
        )
    return (
        '%s must be an E.164 phone number: "+" and 8 to 15 digits, no spaces '
        "(for example +31201234567), got %r%s" % (field, value, hint)
    )


def e164_form(value):
    """A phone number as Bird gives it, in E.164 form (Bird may leave out the "+"), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return value if value.startswith("+") else "+" + value


def number_e164(number):
    """The E.164 form of a number object (field ``number`` or ``phoneNumber``), or None."""
    number = number if isinstance(number, dict) else {}
    return e164_form(number.get("number")) or e164_form(number.get("phoneNumber"))


def number_id(number):
    """The id of a number object, lower case, or None."""
    value = number.get("id") if isinstance(number, dict) else None
    return value.lower() if isinstance(value, str) and value else None


def _says(value):
    """What one capability value says about being usable: True, False or None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in _YES else False if word in _NO else None
    if isinstance(value, dict):
        for key in ("status", "enabled", "available", "active"):
            if key in value:
                return _says(value[key])
        return _combine(
            _direction(value.get(direction))
            for direction in _DIRECTIONS
            if direction in value
        )
    return None


def _direction(value):
    """What one direction (inbound, outbound) says: a null direction is one the number does not have."""
    return False if value is None else _says(value)


def _combine(answers):
    """Any direction usable: True; every known direction unusable: False; nothing known: None."""
    answers = [a for a in answers if a is not None]
    if any(answers):
        return True
    return False if answers else None


def _voice_in_string(caps):
    # "mms-inbound,sms-outbound,voice-inbound": an enumeration; no voice token means no voice.
    tokens = [t.strip().lower() for t in caps.replace(";", ",").split(",") if t.strip()]
    if not tokens:
        return None
    return any(
        t == "voice" or t.startswith(("voice-", "voice_", "voice.")) for t in tokens
    )


def _voice_in_list(caps):
    # ["sms", "voice"] or [{"name": "voice", "inbound": {"status": "active"}, ...}]: an enumeration.
    named = False
    answers = []
    for cap in caps:
        if isinstance(cap, str):
            named = True
            word = cap.strip().lower()
            if word == "voice" or word.startswith("voice-"):
                answers.append(True)
        elif isinstance(cap, dict):
            name = cap.get("name") or cap.get("type") or cap.get("capability")
            if not isinstance(name, str):
                continue
            named = True
            if name.strip().lower() != "voice":
                continue
            directions = [_direction(cap[d]) for d in _DIRECTIONS if d in cap]
            status = _says(cap["status"]) if "status" in cap else None
            if directions:
                answers.append(_combine(directions))
            elif status is not None:
                answers.append(status)
            else:
                answers.append(True)  # listed, and nothing says it is off
    if answers:
        return _combine(answers) if any(a is not None for a in answers) else None
    return False if named else None


def number_voice(number):
    """Whether a number object can carry voice: True, False, or None when it does not say.

    Bird documents several shapes of ``capabilities`` and does not say which one the numbers
    list uses, so each is read: a comma-separated string, an object of objects
    (``{"voice": {"inbound": .., "outbound": ..}}``), a list of objects
    (``[{"name": "voice", "inbound": {"status": ..}}]``), a list of names and ``{"voice": true}``.
    """
    if not isinstance(number, dict):
        return None
    caps = number.get("capabilities")
    if isinstance(caps, str):
        return _voice_in_string(caps)
    if isinstance(caps, list):
        return _voice_in_list(caps)
    if isinstance(caps, dict):
        for key, value in caps.items():
            if isinstance(key, str) and key.strip().lower() == "voice":
                return _says(value) if not isinstance(value, dict) or value else None
        return None
    return None
