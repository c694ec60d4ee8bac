# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""A number's capabilities, and the shapes Bird writes them in (``capabilities_format``).

A number holds its capabilities as a list of tokens: ``sms``, ``mms``, ... and for voice ``voice``
(both directions), ``voice-inbound`` or ``voice-outbound`` (that direction only) or ``voice-none``
(a voice entry whose directions are both null: no voice). Each shape says as much of that as it
can: the string shape names the directions, the object shapes put null in a missing direction.

A number's voice also has a status (``voice_status``, default ``active``; ``pending`` until Bird
activates it). Only the endpoint shape has a place for it; the other shapes show voice only while
it is active, and only then does the simulator let a Voice connector onto the number.
"""

from __future__ import annotations

# capabilities_format: the shapes, in the order "cycle" goes through them (by a number's position in its workspace).
CAPABILITY_FORMATS = ("list", "dict", "string", "objects", "endpoint", "absent")
CAPABILITY_FORMAT_CHOICES = CAPABILITY_FORMATS + ("cycle",)

# token -> (inbound, outbound)
VOICE_TOKENS = {
    "voice": (True, True),
    "voice-inbound": (True, False),
    "voice-outbound": (False, True),
    "voice-none": (False, False),
}


def voice_directions(capabilities):
    """(inbound, outbound) of the voice tokens among capabilities, or None when there is none at all."""
    found = None
    for cap in capabilities:
        if cap in VOICE_TOKENS:
            inbound, outbound = VOICE_TOKENS[cap]
            if found is not None:
                inbound, outbound = inbound or found[0], outbound or found[1]
            found = (inbound, outbound)
    return found


def can_carry_voice(number):
    """Whether the simulator lets a Voice connector onto a number record: active voice, in any direction."""
    return number.get("voice_status", "active") == "active" and any(
        voice_directions(number["capabilities"]) or ()
    )


def capability_format(fmt, number):
    """The concrete shape for number: fmt itself, or for "cycle" the one of the number's position."""
    if fmt == "cycle":
        return CAPABILITY_FORMATS[(number["seq"] - 1) % len(CAPABILITY_FORMATS)]
    return fmt


def render_capabilities(capabilities, fmt, voice_status="active"):
    """capabilities (tokens such as ["sms", "voice"]) in one of CAPABILITY_FORMATS other than "absent".

    voice_status: the status of the voice directions in the endpoint shape (the one shape that has a status).
    """
    directions = voice_directions(capabilities)
    others = [cap for cap in capabilities if cap not in VOICE_TOKENS]
    if fmt == "dict":
        flags = {"sms": False, "voice": False, "mms": False}
        flags.update({cap: True for cap in others})
        flags["voice"] = any(directions or ())
        return flags
    if fmt == "string":
        # A missing direction has no token; "voice-none" has none at all.
        tokens = {f"{cap}-{way}" for cap in others for way in ("inbound", "outbound")}
        tokens.update(
            f"voice-{way}"
            for way, present in zip(("inbound", "outbound"), directions or ())
            if present
        )
        return ",".join(sorted(tokens))
    if fmt == "objects":
        # The long-code shape: voice and sms are always there, both directions false when the number lacks them;
        # a voice token without a direction makes that direction null.
        names = ["voice", "sms"] + [cap for cap in others if cap != "sms"]
        objects: dict = {
            name: {"inbound": name in others, "outbound": name in others}
            for name in names
        }
        if directions is not None:
            objects["voice"] = {
                "inbound": True if directions[0] else None,
                "outbound": True if directions[1] else None,
            }
        return objects
    if fmt == "endpoint":
        items = []
        if directions is not None:
            state = {"status": voice_status, "issues": []}
            items.append(
                {
                    "name": "voice",
                    "inbound": dict(state) if directions[0] else None,
                    "outbound": dict(state) if directions[1] else None,
                }
            )
        active = {"status": "active", "issues": []}
        items.extend(
            {"name": name, "inbound": dict(active), "outbound": dict(active)}
            for name in dict.fromkeys(others)
        )
        return items
    # list: the tokens as they are, without the voice entry that says "no voice" (a list cannot hold a null).
    return [cap for cap in capabilities if cap != "voice-none"]


def add_capabilities(target, number, fmt):
    """Set target["capabilities"] for number in shape fmt (nothing at all for "absent")."""
    fmt = capability_format(fmt, number)
    if fmt == "absent":
        return target
    capabilities = number["capabilities"]
    voice_status = number.get("voice_status", "active")
    if voice_status != "active" and fmt != "endpoint":
        # No place for a status in this shape: voice that is not active yet is not there.
        capabilities = [cap for cap in capabilities if cap not in VOICE_TOKENS]
    target["capabilities"] = render_capabilities(capabilities, fmt, voice_status)
    return target
