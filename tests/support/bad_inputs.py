# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input tables of the module and of the role, the playbook that tries them, and the judging.

Each case: its id, the module arguments (or role variables), the texts the error must contain,
and whether the run may read the API first. Every case must fail, and its simulator must record
zero writes; cases with ``reads=False`` must not send any request at all. Problems the service
layer finds in the input say ``nothing was changed: ...``; Ansible's own argument checks (types,
choices, unknown options) speak for themselves.
"""

from __future__ import annotations

import json

from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    MODULE,
    ROLE,
    UNCLEAR_MARKERS,
    write_playbook,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    SMS_ONLY,
    UNKNOWN_WS,
    WS1,
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    number_id,
)

NOTHING_CHANGED = "nothing was changed"
NEITHER_FORM = "give phone_number (E.164) or phone_number_id (UUID)"


def _case(case_id, args, expect, reads, checked_by):
    """``checked_by``: ``service`` (the message starts "nothing was changed: "), or ``ansible`` (Ansible's
    argument checks), or ``connection`` (the connection options' checks) for the others.
    """
    return dict(
        id=case_id, args=args, expect=expect, reads=reads, checked_by=checked_by
    )


def _m(case_id, args, expect, reads=False, checked_by="service"):
    base = dict(
        workspace_id=WS1,
        phone_number=WS1_VOICE[0],
        timeout=5,
        retries=1,
        wait_timeout=10,
    )
    for name, value in args.items():
        if value is OMIT:
            base.pop(name, None)
        else:
            base[name] = value
    return _case(case_id, base, expect, reads, checked_by)


OMIT = object()

BAD_MODULE_INPUTS = [
    _m(
        "workspace-not-uuid",
        dict(workspace_id="not-a-uuid"),
        ["workspace_id", "UUID", "not-a-uuid"],
    ),
    _m("workspace-empty", dict(workspace_id=""), ["workspace_id", "UUID"]),
    _m(
        "workspace-uuid-too-short",
        dict(workspace_id=WS1[:-1]),
        ["workspace_id", "UUID", WS1[:-1]],
    ),
    _m(
        "number-id-not-uuid",
        dict(phone_number=OMIT, phone_number_id="b1b2c3d4-0001-4000-8000-00000000010g"),
        ["phone_number_id", "UUID"],
    ),
    _m(
        "e164-no-plus",
        dict(phone_number="0201230101"),
        ["phone_number", "E.164", "0201230101"],
    ),
    _m(
        "e164-spaces",
        dict(phone_number="+31 20 123 0101"),
        ["phone_number", "E.164", "+31 20 123 0101"],
    ),
    _m(
        "e164-leading-zero", dict(phone_number="+0201230101"), ["phone_number", "E.164"]
    ),
    _m(
        "e164-too-long",
        dict(phone_number="+3120123010112345678"),
        ["phone_number", "E.164"],
    ),
    _m("e164-letters", dict(phone_number="+31-20-CALL-ME"), ["phone_number", "E.164"]),
    _m(
        "e164-as-int",
        dict(phone_number=31201230101),
        ["phone_number", "E.164", "write it quoted"],
    ),
    _m("e164-as-list", dict(phone_number=["+31201230101"]), ["phone_number"]),
    # Both forms may be given: the id identifies the number, and its E.164 form must be the one given.
    _m(
        "both-number-forms-disagree",
        dict(phone_number_id=number_id(WS1_VOICE[1])),
        [
            "phone_number %s does not match phone_number_id %s, which is %s"
            % (WS1_VOICE[0], number_id(WS1_VOICE[1]), WS1_VOICE[1])
        ],
        reads=True,
    ),
    _m(
        "no-number",
        dict(phone_number=OMIT),
        ["give phone_number (E.164) or phone_number_id (UUID)"],
    ),
    # A misspelled option is named as such, not taken for a missing number.
    _m(
        "misspelled-option",
        dict(phone_number=OMIT, phone_numbr=WS1_VOICE[0]),
        ["Unsupported parameters", "phone_numbr"],
        checked_by="ansible",
    ),
    _m(
        "wait-timeout-not-int",
        dict(wait_timeout="soon"),
        ["wait_timeout"],
        checked_by="ansible",
    ),
    _m("wait-timeout-negative", dict(wait_timeout=-5), ["wait_timeout"]),
    _m("timeout-zero", dict(timeout=0), ["timeout"], checked_by="connection"),
    _m("retries-negative", dict(retries=-1), ["retries"], checked_by="connection"),
    _m(
        "conversational-not-bool",
        dict(conversational="maybe"),
        ["conversational"],
        checked_by="ansible",
    ),
    _m(
        "validate-certs-not-bool",
        dict(validate_certs="perhaps"),
        ["validate_certs"],
        checked_by="ansible",
    ),
    _m("state-unknown", dict(state="gone"), ["state", "gone"], checked_by="ansible"),
    _m("name-empty", dict(name="  "), ["name", "empty"]),
    _m("template-empty", dict(connector_template_ref=""), ["connector_template_ref"]),
    _m(
        "empty-key",
        dict(access_key=""),
        ["access_key", "empty"],
        checked_by="connection",
    ),
    _m("unknown-option", dict(colour="red"), ["colour"], checked_by="ansible"),
    _m(
        "url-ftp",
        dict(api_url="ftp://127.0.0.1/bird"),
        ["api_url", "ftp://127.0.0.1/bird"],
        checked_by="connection",
    ),
    _m(
        "url-no-scheme",
        dict(api_url="api.bird.com"),
        ["api_url", "api.bird.com"],
        checked_by="connection",
    ),
    _m(
        "url-with-query",
        dict(api_url="{url}/?x=1"),
        ["api_url", "query"],
        checked_by="connection",
    ),
    _m(
        "url-newer-platform",
        dict(api_url="https://eu-west-1.platform.bird.com/v1"),
        ["api_url", "newer platform", "https://api.bird.com"],
        checked_by="connection",
    ),
    _m(
        "key-with-scheme",
        dict(access_key="AccessKey pasted-with-its-scheme"),
        ["access_key", "starts with 'AccessKey '", "give the key alone"],
        checked_by="connection",
    ),
    _m(
        "unknown-workspace",
        dict(workspace_id=UNKNOWN_WS),
        [UNKNOWN_WS, "404", "workspace_id"],
        reads=True,
    ),
    _m(
        "number-of-other-workspace",
        dict(phone_number=WS2_VOICE[0]),
        [WS2_VOICE[0], "not a number of workspace", WS1],
        reads=True,
    ),
    _m(
        "number-id-of-other-workspace",
        dict(phone_number=OMIT, phone_number_id=number_id(WS2_VOICE[0])),
        [number_id(WS2_VOICE[0]), "not a number of workspace"],
        reads=True,
    ),
    _m(
        "number-without-voice",
        dict(phone_number=SMS_ONLY),
        [SMS_ONLY, "no voice capability"],
        reads=True,
    ),
    _m(
        "number-id-without-voice",
        dict(phone_number=OMIT, phone_number_id=number_id(SMS_ONLY)),
        [number_id(SMS_ONLY), "no voice capability"],
        reads=True,
    ),
    _m(
        "wrong-key",
        dict(access_key="bk-not-a-key-of-this-api"),
        ["401", "access_key"],
        reads=True,
    ),
]


def _r(case_id, variables, expect, reads=False, checked_by="service"):
    base = dict(
        voice_channels_workspaces=[
            dict(workspace_id=WS1, numbers=[dict(phone_number=WS1_VOICE[0])])
        ],
        voice_channels_timeout=5,
        voice_channels_retries=1,
        voice_channels_wait_timeout=10,
    )
    base.update(variables)
    return _case(case_id, base, expect, reads, checked_by)


def _ws(*numbers, **kwargs):
    return [dict(workspace_id=kwargs.get("workspace_id", WS1), numbers=list(numbers))]


BAD_ROLE_INPUTS = [
    _r(
        "workspace-not-uuid",
        dict(
            voice_channels_workspaces=_ws(
                dict(phone_number=WS1_VOICE[0]), workspace_id="ws-1"
            )
        ),
        ["workspaces[0].workspace_id", "UUID", "ws-1"],
    ),
    _r(
        "e164-spaces",
        dict(voice_channels_workspaces=_ws(dict(phone_number="+31 20 123 0101"))),
        ["workspaces[0].numbers[0].phone_number", "E.164"],
    ),
    _r(
        "e164-as-int",
        dict(
            voice_channels_workspaces=_ws(
                dict(phone_number=WS1_VOICE[0]), dict(phone_number=31201230102)
            )
        ),
        ["workspaces[0].numbers[1].phone_number", "E.164"],
    ),
    _r(
        "number-id-not-uuid",
        dict(voice_channels_workspaces=_ws(dict(phone_number_id="b1b2c3d4-0001"))),
        ["workspaces[0].numbers[0].phone_number_id", "UUID"],
    ),
    _r(
        "both-number-forms-disagree",
        dict(
            voice_channels_workspaces=_ws(
                dict(phone_number=WS1_VOICE[0], phone_number_id=number_id(WS1_VOICE[1]))
            )
        ),
        [
            "workspaces[0].numbers[0]",
            "phone_number %s does not match phone_number_id %s"
            % (WS1_VOICE[0], number_id(WS1_VOICE[1])),
        ],
        reads=True,
    ),
    _r(
        "no-number",
        dict(voice_channels_workspaces=_ws(dict(name="nameless"))),
        ["workspaces[0].numbers[0]: " + NEITHER_FORM],
    ),
    _r(
        "numbers-not-a-list",
        dict(voice_channels_workspaces=[dict(workspace_id=WS1, numbers=WS1_VOICE[0])]),
        ["numbers"],
        checked_by="ansible",
    ),
    _r(
        "workspaces-not-a-list",
        dict(voice_channels_workspaces="all"),
        ["voice_channels_workspaces"],
        checked_by="ansible",
    ),
    _r(
        "unknown-number-option",
        dict(
            voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0], colour="red"))
        ),
        ["colour"],
        checked_by="ansible",
    ),
    _r(
        "state-unknown",
        dict(
            voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0], state="gone"))
        ),
        ["state", "gone"],
        checked_by="ansible",
    ),
    _r(
        "wait-timeout-not-int",
        dict(voice_channels_wait_timeout="soon"),
        ["voice_channels_wait_timeout"],
        checked_by="ansible",
    ),
    _r(
        "validate-certs-not-bool",
        dict(voice_channels_validate_certs="perhaps"),
        ["voice_channels_validate_certs"],
        checked_by="ansible",
    ),
    _r("concurrency-zero", dict(voice_channels_concurrency=0), ["concurrency"]),
    _r(
        "empty-key",
        dict(voice_channels_access_key=""),
        ["access_key", "empty"],
        checked_by="connection",
    ),
    _r(
        "url-ftp",
        dict(voice_channels_api_url="ftp://127.0.0.1/bird"),
        ["api_url", "ftp://127.0.0.1/bird"],
        checked_by="connection",
    ),
    _r(
        "same-number-twice",
        dict(
            voice_channels_workspaces=_ws(
                dict(phone_number=WS1_VOICE[0]), dict(phone_number=WS1_VOICE[0])
            )
        ),
        ["workspaces[0].numbers[1]", "also listed", "list each number once"],
    ),
    _r(
        "unknown-workspace",
        dict(
            voice_channels_workspaces=_ws(
                dict(phone_number=WS1_VOICE[0]), workspace_id=UNKNOWN_WS
            )
        ),
        [UNKNOWN_WS, "404"],
        reads=True,
    ),
    _r(
        "number-of-other-workspace",
        dict(voice_channels_workspaces=_ws(dict(phone_number=WS2_VOICE[0]))),
        ["workspaces[0].numbers[0]", WS2_VOICE[0], "not a number of workspace"],
        reads=True,
    ),
    _r(
        "number-without-voice",
        dict(voice_channels_workspaces=_ws(dict(phone_number=SMS_ONLY))),
        ["workspaces[0].numbers[0]", SMS_ONLY, "no voice capability"],
        reads=True,
    ),
    # One bad entry among good ones: nothing at all is written, the good ones included.
    _r(
        "one-bad-among-good",
        dict(
            voice_channels_workspaces=[
                dict(
                    workspace_id=WS1,
                    numbers=[dict(phone_number=n) for n in WS1_VOICE]
                    + [dict(phone_number=SMS_ONLY)],
                ),
                dict(
                    workspace_id=WS2, numbers=[dict(phone_number=n) for n in WS2_VOICE]
                ),
            ]
        ),
        ["workspaces[0].numbers[4]", SMS_ONLY, "no voice capability"],
        reads=True,
    ),
]


def _with_url(value, url):
    """Put the simulator URL into '{url}' placeholders of a case."""
    if isinstance(value, str):
        return value.replace("{url}", url)
    if isinstance(value, dict):
        return dict((k, _with_url(v, url)) for k, v in value.items())
    if isinstance(value, list):
        return [_with_url(v, url) for v in value]
    return value


def bad_input_playbook(path, out, cases, urls, role=False):
    """One playbook trying every case against its own simulator (``urls[i]``); results saved to ``out``.

    Module cases run as tasks with ``ignore_errors``; role cases each in a block whose rescue keeps
    ``ansible_failed_result``. The saved file maps each case id to its result."""
    tasks = []
    for index, (case, url) in enumerate(zip(cases, urls)):
        variable = "case_%d" % index
        args = _with_url(case["args"], url)
        if not role:
            args = dict(args)
            args.setdefault("api_url", url)
            tasks.append(
                {
                    "name": case["id"],
                    MODULE: args,
                    "register": variable,
                    "ignore_errors": True,
                }
            )
        else:
            args = dict(args)
            args.setdefault("voice_channels_api_url", url)
            tasks.append(
                {
                    "name": case["id"],
                    "block": [
                        {
                            "name": "Run the role",
                            "ansible.builtin.include_role": {"name": ROLE},
                            "vars": args,
                        },
                        {
                            "name": "Note success",
                            "ansible.builtin.set_fact": {
                                variable: {"failed": False, "msg": "no error"}
                            },
                        },
                    ],
                    "rescue": [
                        {
                            "name": "Keep the error",
                            "ansible.builtin.set_fact": {
                                variable: "{{ ansible_failed_result }}"
                            },
                        },
                    ],
                }
            )
    saved = "{{ {%s} | to_json }}" % ", ".join(
        "'%s': case_%d" % (c["id"], i) for i, c in enumerate(cases)
    )
    tasks.append(
        {
            "name": "Save the results",
            "ansible.builtin.copy": {"content": saved, "dest": out, "mode": "0600"},
            "check_mode": False,
            "diff": False,
        }
    )
    return write_playbook(path, tasks, name="bad input")


def judge_bad_input(case, result, stats):
    """Problems of one bad-input case: it must fail, name the field, write nothing (and read nothing if so)."""
    problems = []
    if not isinstance(result, dict):
        return ["no result saved"]
    if not result.get("failed"):
        problems.append("did not fail: %s" % json.dumps(result)[:400])
    msg = str(result.get("msg") or "")
    if "argument_errors" in result:
        msg += " " + " ".join(str(e) for e in result["argument_errors"])
    if case["checked_by"] == "service" and not msg.startswith(NOTHING_CHANGED + ": "):
        problems.append(
            "an input problem, but the message does not start with %r: %s"
            % (NOTHING_CHANGED, msg[:600])
        )
    for text in case["expect"]:
        if text not in msg:
            problems.append("message does not contain %r: %s" % (text, msg[:600]))
    if any(marker in msg for marker in UNCLEAR_MARKERS):
        problems.append("unclear message: %s" % msg[:600])
    if stats["writes"] != 0:
        problems.append("%d writes sent" % stats["writes"])
    if not case["reads"] and stats["total"] != 0:
        problems.append(
            "%d requests sent for an input that can be refused before any request"
            % stats["total"]
        )
    return problems
