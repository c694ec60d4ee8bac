# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The seed: its file, its numbers, and the workspaces --generate-workspaces makes (generated_ids)."""

from __future__ import annotations

import copy
import json
import os
import uuid

from .checks import as_int

# Namespace of every generated id (see generated_ids and the README).
GENERATED_NAMESPACE = uuid.UUID("6d1f3a52-7c1e-4b8f-9a60-5b1d2e3c4f70")
DEFAULT_TEMPLATE = "voice-messagebird:1"
DEFAULT_ACCESS_KEY = "simulator-access-key"
# The organization every workspace belongs to, unless the seed's "organization_id" says otherwise.
DEFAULT_ORGANIZATION = "c1b2c3d4-0000-4000-8000-000000000001"
VOICE_TEMPLATE_PREFIX = "voice-messagebird"
VOICE = ["sms", "voice"]
VOICELESS = ["sms"]


def is_voiceless(index, voiceless_every):
    """Whether generated number ``index`` (0-based) has SMS only: every K-th one, index % K == K - 1."""
    return bool(voiceless_every) and index % voiceless_every == voiceless_every - 1


def generated_ids(n_workspaces, n_numbers, voiceless_every=0):
    """Return the workspaces and numbers --generate-workspaces N --numbers-per-workspace M creates.

    The result is a list of workspaces in the seed format::

        [{"id": uuid5(GENERATED_NAMESPACE, "workspace-<i>"), "name": "Generated workspace <i>",
          "numbers": [{"id": uuid5(GENERATED_NAMESPACE, "workspace-<i>-number-<j>"),
                       "number": "+3120" + 7 digits of (1000000 + i * M + j),
                       "country": "NL", "capabilities": ["sms", "voice"]}, ...]}, ...]

    with 0-based i and j. With voiceless_every K > 0, every number with j % K == K - 1 has ["sms"] only.
    The ids are stable between runs; the numbers are unique across workspaces.
    """
    n_workspaces = as_int("n_workspaces", n_workspaces, 0)
    n_numbers = as_int("n_numbers", n_numbers, 0)
    voiceless_every = as_int("voiceless_every", voiceless_every, 0)
    if n_workspaces * n_numbers > 8999999:
        raise ValueError("too many generated numbers (at most 8999999)")
    workspaces = []
    for i in range(n_workspaces):
        numbers = []
        for j in range(n_numbers):
            numbers.append(
                {
                    "id": str(
                        uuid.uuid5(GENERATED_NAMESPACE, f"workspace-{i}-number-{j}")
                    ),
                    "number": f"+3120{1000000 + i * n_numbers + j:07d}",
                    "country": "NL",
                    "capabilities": list(
                        VOICELESS if is_voiceless(j, voiceless_every) else VOICE
                    ),
                }
            )
        workspaces.append(
            {
                "id": str(uuid.uuid5(GENERATED_NAMESPACE, f"workspace-{i}")),
                "name": f"Generated workspace {i}",
                "numbers": numbers,
            }
        )
    return workspaces


def load_seed(seed):
    if isinstance(seed, (str, os.PathLike)):
        with open(seed, encoding="utf-8") as handle:
            seed = json.load(handle)
    seed = copy.deepcopy(seed) if seed else {}
    if not isinstance(seed, dict):
        raise ValueError("the seed must be a JSON object")
    unknown = sorted(set(seed) - {"access_keys", "workspaces", "organization_id"})
    if unknown:
        raise ValueError(f'unknown seed key(s): {", ".join(unknown)}')
    return seed


def make_number(ws_id, number, seq):
    """A number record from its seed form (raises ValueError)."""
    if not isinstance(number, dict) or not number.get("id") or not number.get("number"):
        raise ValueError(f'workspace {ws_id}: every number needs "id" and "number"')
    capabilities = number.get("capabilities", VOICE)
    if not isinstance(capabilities, list):
        raise ValueError(f"workspace {ws_id}: number capabilities must be a list")
    voice_status = number.get("voice_status", "active")
    if not isinstance(voice_status, str) or not voice_status:
        raise ValueError(f"workspace {ws_id}: voice_status must be a non-empty string")
    record = {
        "id": str(number["id"]),
        "number": str(number["number"]),
        "country": number.get("country", "NL"),
        "capabilities": [str(c) for c in capabilities],
        "status": number.get("status", "active"),
        "seq": seq,
    }
    # Only a voice that is not active (yet) is recorded, so a number keeps its documented shape otherwise.
    if voice_status != "active":
        record["voice_status"] = voice_status
    return record
