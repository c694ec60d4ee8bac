# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A property-based test of the collection against the simulator: a hypothesis rule-based state machine.

Each example starts one simulator (HTTP, in this process) whose only access key is a fresh canary
key, and runs a random sequence of steps:

- module runs: ``bird_voice_connector`` (one number) or ``bird_voice_connectors`` (several, with
  ``exclusive``, ``all_voice_numbers`` and ``max_deletions``), present or absent, real or check mode,
  each number given by E.164, by id, by both, or by both disagreeing; the module's real ``main()``
  runs in this process (``in_process``: only the retry backoff is shorter);
- role runs: ``bird.engagements.voice_channels`` through a real ``ansible-playbook`` process, under
  the play's ``become`` (which cannot work here), sometimes at ``-vvvv`` or with ``--diff``: a minority;
- changes behind the collection's back (the admin API): a connector deleted, a Voice connector
  added, one of another version of the template added, a connector of another platform added, a
  channel's status changed (failed, deleted, inactive, warning, a status Bird may add later);
- faults armed for the next run: 429s, 5xx, lost responses (applied, then the connection drops),
  dropped requests, malformed list answers; and the API's unverified variants switched (list items
  without number ids or template fields, duplicate status and scope, delete status, page sizes,
  number field names, capability shapes, pending channels).

After every run (:meth:`BirdMachine.judge`):

1. at most one Voice connector per number (any version of the template);
2. check mode wrote nothing, and its ``changed`` is true exactly when Bird was not as asked;
3. ``changed`` is true exactly when Bird's state changed (the Voice connectors per number and
   ``writes_applied``), for the run and for each entry; nothing else was touched;
4. a run that reports success left Bird as asked: a present number has one Voice connector with its
   channel id (the one reported), an absent one none; ``exclusive`` leaves no other Voice connector
   in the workspace; ``all_voice_numbers`` gives every voice number one;
5. input that cannot work fails before any write, saying ``nothing was changed``; a run whose faults
   are all retryable within its retries succeeds; any other failure says what went wrong and never
   denies a change it made;
6. a converged re-run (right after a real success, without faults) writes nothing and reports no change;
7. the key is in no output;
8. channels: a present number whose existing channel is failed or deleted fails the run before any
   write, unless ``replace_failed`` (then it gets a new connector, within ``max_deletions``); a run
   that reports success reports each present number's channel status as Bird has it, and none is
   still setting up, failed or deleted.

Faults are bounded: at most ``MAX_FAULTS`` fired answers per run, fewer than the ``retries`` of the
run, so that runs converge; a malformed list answer is not retried, and its run must fail honestly.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import sys
import tempfile
import time

from hypothesis import HealthCheck
from hypothesis import configuration as hypothesis_configuration
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ansible_collections.bird.engagements.tests.support import ansible_runs as runs
from ansible_collections.bird.engagements.tests.support.in_process import run_in_process
from ansible_collections.bird.engagements.tests.support.leaks import (
    canary_key,
    find_leaks,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    SMS_ONLY,
    VOICE_SLUG,
    WS1,
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    duplicates,
    number_id,
    seed_with_key,
    start_sim,
)
from ansible_collections.bird.engagements.tests.support.stateful_model import (
    BROKEN,
    NUMBERS,
    VOICE,
    Block,
    Entry,
    batch_outcome,
    channel_ids,
    expectation,
    other_map,
    single_outcome,
    status_map,
    voice_map,
)

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    # Even without a database, hypothesis keeps a cache (of constants) in .hypothesis/ of the current directory:
    # keep it with the other caches, which git and the collection build ignore.
    hypothesis_configuration.set_hypothesis_home_dir(
        os.path.join(runs.ROOT, ".cache", "hypothesis")
    )

FOREIGN = {WS1: WS2_VOICE[0], WS2: WS1_VOICE[0]}
E164_OF = dict((number_id(n), n) for ns in NUMBERS.values() for n in ns)
OTHER_PLATFORM = "sms-messagebird:1"
RETRIES = 5
MAX_FAULTS = (
    4  # fired answers per run, fewer than RETRIES: every request still gets through
)
NOTHING_CHANGED = "nothing was changed: "

ROUTES = {
    "list connectors": ("GET", "/connectors$"),
    "get connector": ("GET", "/connectors/[^/]+$"),
    "list numbers": ("GET", "/numbers$"),
    "get number": ("GET", "/numbers/[^/]+$"),
    "create": ("POST", "/connectors$"),
    "delete": ("DELETE", "/connectors/[^/]+$"),
}
LISTS = ("list connectors", "list numbers")
# The routes of faults, the ones every run uses more often.
COMMON_ROUTES = (
    "list connectors",
    "list connectors",
    "create",
    "create",
    "get connector",
    "list numbers",
    "get number",
    "delete",
)
# Malformed list answers the client must refuse; "endless" is left out: refusing it takes 1,000 pages.
MALFORMED = (
    "no_results",
    "empty_object",
    "results_not_list",
    "not_object",
    "token_loop",
    "items_without_id",
)
API_VARIANTS: dict = dict(
    list_item_ids=["both", "arguments", "number", "alternate", "none", "mixed"],
    list_item_template=["full", "ref", "slug", "none"],
    duplicate_status=[409, 422],
    duplicate_code=["ConnectorAlreadyExists", "InvalidPayload"],
    # Worded as a duplicate, or not (then a 422 could be a validation error too).
    duplicate_message=[
        "connector already exists",
        "a connector is installed for this number",
    ],
    duplicate_scope=["platform", "template"],
    delete_status=[204, 200],
    template_filter_param=["templateRef", ""],
    last_page_token=["omit", "empty"],
    page_size_max=[100, 3, 2],
    number_field=["number", "phoneNumber", "both"],
    # Every shape that says something about voice ("absent" leaves it to Bird, which refuses at the write).
    capabilities_format=["list", "dict", "string", "objects", "endpoint"],
    channel_delay=[0.0, 0.1, 0.3],
    pending_channel=["null", "no_id", "absent"],
    channel_setup_seconds=[0.0, 0.2],
    # How new channels end: degraded or unknown statuses are kept, with a warning.
    channel_final_status=["active", "active", "inactive", "warning", "suspended"],
)
# What a channel may become behind the collection's back.
CHANNEL_CHANGES = ["failed", "deleted", "inactive", "warning", "suspended", "active"]
NOT_DONE = ("pending", "setting-up")


class Figures:
    """What the machine did, summed over examples: steps, runs, faults, and the violations found."""

    def __init__(self):
        self.counts: collections.Counter = collections.Counter()
        self.faults: collections.Counter = collections.Counter()
        self.seconds: collections.Counter = collections.Counter()

    def add(self, name, value=1):
        self.counts[name] += value

    def reset(self):
        self.counts.clear()
        self.faults.clear()
        self.seconds.clear()


FIGURES = Figures()


# -- the machine ---------------------------------------------------------------------------


def pick(data, items, label):
    """One of ``items`` (which depend on Bird's state), or None; the draw itself does not depend on them,
    as hypothesis needs: the same choices always draw the same way."""
    index = data.draw(st.integers(0, 255), label=label)
    return items[index % len(items)] if items else None


class BirdMachine(RuleBasedStateMachine):
    """Random runs, changes behind the collection's back and faults, against one simulator per example."""

    ROLE_RUNS = 1  # per example: each is an ansible-playbook process

    def __init__(self):
        super().__init__()
        self.key = canary_key()
        self.sim = start_sim(seed=seed_with_key(self.key))
        self.tmp = tempfile.mkdtemp(prefix="bird-stateful-")
        self.role_runs = 0
        FIGURES.add("sequences")

    def teardown(self):
        self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @invariant()
    def at_most_one_voice_connector_per_number(self):
        """After every step, also the changes behind the collection's back (which never make a duplicate)."""
        found = duplicates(self.sim.state())
        assert found == {}, "more than one Voice connector for %s" % found

    # -- drawing requests ------------------------------------------------------------------------
    def draw_entries(self, data, ws, most):
        """Up to ``most`` entries of distinct numbers: mostly the workspace's voice numbers, sometimes its
        number without voice or another workspace's number."""
        chosen = []
        for dummy in range(data.draw(st.integers(1, most), label="entries")):
            kind = data.draw(st.integers(0, 9), label="which number")
            pool = (
                [SMS_ONLY]
                if kind == 0 and ws == WS1
                else [FOREIGN[ws]] if kind == 1 else VOICE[ws]
            )
            e164 = pick(data, [n for n in pool if n not in chosen], "number")
            if e164 is not None:
                chosen.append(e164)
        entries = []
        for e164 in chosen:
            state = (
                "absent"
                if data.draw(st.integers(0, 9), label="state") < 4
                else "present"
            )
            form = [
                "e164",
                "id",
                "both",
                "e164",
                "id",
                "both",
                "e164",
                "id",
                "both",
                "mismatch",
            ][data.draw(st.integers(0, 9), label="form")]
            wrong = pick(data, [n for n in VOICE[ws] if n != e164], "wrong E.164")
            if form == "mismatch" and e164 not in NUMBERS[ws]:
                # The id of another workspace's number: nothing in this workspace to compare the E.164 form with.
                form = "both"
            entries.append(
                Entry(ws, e164, form, state, wrong if form == "mismatch" else None)
            )
        return entries

    def draw_blocks(self, data):
        spaces = [[WS1], [WS2], [WS1, WS2], [WS2, WS1]][
            data.draw(st.integers(0, 3), label="workspaces")
        ]
        blocks = []
        for ws in spaces:
            entries = self.draw_entries(data, ws, 3)
            exclusive = data.draw(st.integers(0, 4), label="exclusive") == 0
            every = data.draw(st.integers(0, 5), label="all_voice_numbers") == 0
            limit = (
                [10, 10, 1, 0][data.draw(st.integers(0, 3), label="max_deletions")]
                if exclusive
                else 10
            )
            replace = data.draw(st.integers(0, 3), label="replace_failed") == 0
            blocks.append(Block(ws, tuple(entries), exclusive, every, limit, replace))
        return blocks

    @staticmethod
    def draw_faults(data):
        """No fault (half the runs), or up to 3 rules firing at most ``MAX_FAULTS`` times in all."""
        rules: list = []
        fired = 0
        if data.draw(st.booleans(), label="faults"):
            return rules
        for dummy in range(data.draw(st.integers(1, 3), label="fault rules")):
            kind = data.draw(
                st.sampled_from(["429", "5xx", "lost", "dropped", "malformed"]),
                label="fault",
            )
            count = (
                1
                if kind == "malformed"
                else data.draw(st.integers(1, 2), label="count")
            )
            skip = [0, 0, 0, 1, 2][data.draw(st.integers(0, 4), label="skip")]
            if kind == "malformed":
                method, path = ROUTES[data.draw(st.sampled_from(LISTS), label="list")]
                mode = data.draw(st.sampled_from(MALFORMED), label="mode")
                rule_ = dict(kind="malformed", malformed=mode)
                if mode == "token_loop":
                    # A loop is a loop only if it goes on: once, it is a page answered twice.
                    fired += 1
                    rules.append(
                        dict(rule_, method=method, path=path, count=None, skip=skip)
                    )
                    continue
            elif kind == "lost":
                method, path = ROUTES[
                    data.draw(st.sampled_from(["create", "delete"]), label="route")
                ]
                rule_ = dict(kind="drop_after_apply")
            else:
                method, path = ROUTES[
                    data.draw(st.sampled_from(COMMON_ROUTES), label="route")
                ]
                status = data.draw(st.sampled_from([500, 502, 503]), label="status")
                rule_ = (
                    dict(kind="drop")
                    if kind == "dropped"
                    else dict(kind="status", status=429 if kind == "429" else status)
                )
            if fired + count > MAX_FAULTS:
                break
            fired += count
            rules.append(dict(rule_, method=method, path=path, count=count, skip=skip))
        return rules

    # -- rules: runs --------------------------------------------------------------------------------
    @rule(data=st.data(), check=st.booleans(), key_in_env=st.booleans())
    def run_single_module(self, data, check, key_in_env):
        FIGURES.add("steps")
        ws = [WS1, WS2][data.draw(st.integers(0, 1), label="workspace")]
        entry = self.draw_entries(data, ws, 1)[0]
        replace = data.draw(st.integers(0, 3), label="replace_failed") == 0
        args = dict(
            entry.options(),
            workspace_id=ws,
            replace_failed=replace,
            api_url=self.sim.url,
            timeout=5,
            retries=RETRIES,
            wait_timeout=15,
        )
        if not key_in_env:
            args["access_key"] = self.key

        def execute():
            result, printed = self._in_process(
                "bird_voice_connector", args, check, key_in_env
            )
            return single_outcome(result, printed, entry)

        self.judge(
            "module",
            [Block(ws, (entry,), False, False, 1, replace)],
            check,
            self.draw_faults(data),
            execute,
        )

    @rule(data=st.data(), check=st.booleans(), diff=st.booleans())
    def run_batch_module(self, data, check, diff):
        FIGURES.add("steps")
        blocks = self.draw_blocks(data)
        args = dict(
            workspaces=[b.options() for b in blocks],
            api_url=self.sim.url,
            access_key=self.key,
            timeout=5,
            retries=RETRIES,
            wait_timeout=15,
            concurrency=[8, 1, 32][data.draw(st.integers(0, 2))],
        )

        def execute():
            result, printed = self._in_process(
                "bird_voice_connectors", args, check, False, diff
            )
            return batch_outcome(
                "batch", result, {"result": json.dumps(result), "stderr": printed}
            )

        self.judge("batch", blocks, check, self.draw_faults(data), execute)

    @precondition(lambda self: self.role_runs < self.ROLE_RUNS)
    @rule(data=st.data(), check=st.booleans(), key_in_vars=st.booleans())
    def run_role(self, data, check, key_in_vars):
        FIGURES.add("steps")
        self.role_runs += 1
        blocks = self.draw_blocks(data)
        path, out, extra = self._role_playbook(blocks, key_in_vars)
        verbose, diff = data.draw(st.integers(0, 3), label="-vvvv") == 0, data.draw(
            st.booleans(), label="--diff"
        )
        args = ["-vvvv"] if verbose else []
        args += ["--diff"] if diff else []
        args += ["--check"] if check else []
        env = runs.ansible_env(self.sim, access_key=None if key_in_vars else self.key)

        def execute():
            run = runs.run_playbook(path, env, out_file=out, args=args + extra)
            saved = run.result if isinstance(run.result, dict) else {}
            outcome = batch_outcome("role", saved.get("result"), run.texts)
            if not outcome.failed and run.rc != 0:
                outcome.failed, outcome.msg = True, "ansible-playbook exited %d: %s" % (
                    run.rc,
                    run.stdout[-1500:],
                )
            if not outcome.failed:
                # Each host's fact is its own rows: the play has one host.
                assert saved.get("provisioned") == outcome.rows, (
                    saved.get("provisioned"),
                    outcome.rows,
                )
            # The play's become really is on, and cannot work: the role succeeded without it.
            assert (saved.get("probe") or {}).get("failed"), (
                "the become probe did not fail: %s" % saved
            )
            return outcome

        rerun = dict(
            workspaces=[b.options() for b in blocks],
            api_url=self.sim.url,
            access_key=self.key,
            timeout=5,
            retries=RETRIES,
            wait_timeout=15,
        )
        self.judge(
            "role",
            blocks,
            check,
            self.draw_faults(data),
            execute,
            rerun=lambda: run_in_process("bird_voice_connectors", rerun),
        )

    # -- rules: Bird changed behind the collection's back, the API's variants -----------------------
    @rule(data=st.data())
    def change_bird_behind_its_back(self, data):
        """Delete a connector, or add a Voice connector (version 1 or 2, its channel at once or soon),
        or add a connector of another platform, as someone else would in Bird's app."""
        FIGURES.add("steps")
        change = data.draw(
            st.sampled_from(
                ["delete", "voice-messagebird:1", "voice-messagebird:2", OTHER_PLATFORM]
            ),
            label="change",
        )
        state = self.sim.state()
        if change == "delete":
            found = sorted(
                (
                    ws,
                    c.get("connectorTemplateRef"),
                    (c.get("arguments") or {}).get("phoneNumberId"),
                    c["id"],
                )
                for ws, w in state["workspaces"].items()
                for c in w["connectors"]
            )
            chosen = pick(data, found, "connector")
            if chosen is not None:
                self.sim.delete_connector(chosen[0], chosen[3])
                FIGURES.add("admin: connector deleted")
            return
        if change == OTHER_PLATFORM:
            taken = set(
                (ws, (c.get("arguments") or {}).get("phoneNumberId"))
                for ws, w in state["workspaces"].items()
                for c in w["connectors"]
                if c.get("connectorTemplateRef") == OTHER_PLATFORM
            )
            free = [
                (ws, n)
                for ws in (WS1, WS2)
                for n in NUMBERS[ws]
                if (ws, number_id(n)) not in taken
            ]
        else:
            voice = voice_map(state)
            free = [
                (ws, n)
                for ws in (WS1, WS2)
                for n in VOICE[ws]
                if (ws, number_id(n)) not in voice
            ]
        chosen = pick(data, free, "number")
        pending = data.draw(st.booleans(), label="channel pending")
        if chosen is not None:
            self.sim.insert_connector(
                chosen[0],
                number_id(chosen[1]),
                template=change,
                channel_delay=0.3 if pending and change != OTHER_PLATFORM else 0.0,
            )
            FIGURES.add("admin: %s connector added" % change)

    @rule(data=st.data())
    def change_a_channel_behind_its_back(self, data):
        """A Voice connector's channel fails, is deleted, degrades or comes back, as in Bird."""
        FIGURES.add("steps")
        state = self.sim.state()
        channels = sorted(
            (ws, channel) for (ws, dummy), channel in channel_ids(state).items()
        )
        chosen = pick(data, channels, "channel")
        status = data.draw(st.sampled_from(CHANNEL_CHANGES), label="status")
        if chosen is not None:
            self.sim.set_channel_status(chosen[1], status)
            FIGURES.add("admin: channel %s" % status)

    @rule(data=st.data())
    def switch_an_api_variant(self, data):
        FIGURES.add("steps")
        name = data.draw(st.sampled_from(sorted(API_VARIANTS)), label="variant")
        value = data.draw(st.sampled_from(API_VARIANTS[name]), label=name)
        self.sim.update_config({name: value})
        FIGURES.add("API variants switched")

    # -- running and judging ----------------------------------------------------------------------------
    def _in_process(self, module, args, check, key_in_env, diff=False):
        saved = dict(
            (name, os.environ.get(name))
            for name in ("BIRD_ACCESS_KEY", "BIRD_API_URL", "BIRD_WORKSPACE_ID")
        )
        try:
            for name in saved:
                os.environ.pop(name, None)
            if key_in_env:
                os.environ["BIRD_ACCESS_KEY"] = self.key
            return run_in_process(module, args, check=check, diff=diff)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def _role_playbook(self, blocks, key_in_vars):
        index = self.role_runs
        out = os.path.join(self.tmp, "role%d.json" % index)
        role_vars = dict(
            voice_channels_workspaces=[b.options() for b in blocks],
            voice_channels_retries=RETRIES,
            voice_channels_timeout=5,
            voice_channels_wait_timeout=15,
        )
        extra = []
        if key_in_vars:
            # As from a vault: a variables file, never the command line.
            secrets = os.path.join(self.tmp, "secrets%d.json" % index)
            with open(secrets, "w", encoding="utf-8") as handle:
                json.dump({"bird_key": self.key}, handle)
            role_vars["voice_channels_access_key"] = "{{ bird_key }}"
            extra = ["-e", "@" + secrets]
        saved = (
            "{{ {'result': voice_channels_result | default(None), 'provisioned': voice_channels_provisioned "
            "| default(None), 'probe': become_probe | default(None)} | to_json }}"
        )
        play = {
            "name": "Voice channels under the play's become",
            "hosts": "localhost",
            "gather_facts": False,
            "become": True,
            # No become works here: a role task that used it would fail.
            "become_user": "nobody",
            "vars": {
                "ansible_become_exe": "/nonexistent/become",
                "ansible_become_method": "sudo",
            },
            "tasks": [
                {
                    "name": "Show that become is on and fails here",
                    "ansible.builtin.command": "true",
                    "register": "become_probe",
                    "ignore_errors": True,
                    "check_mode": False,
                },
                {
                    "name": "Run the role",
                    "block": [
                        {
                            "name": "Provision",
                            "ansible.builtin.include_role": {"name": runs.ROLE},
                            "vars": role_vars,
                        }
                    ],
                    "rescue": [
                        {
                            "name": "Keep going",
                            "ansible.builtin.debug": {"msg": "the role failed"},
                        }
                    ],
                    "always": [
                        {
                            "name": "Save",
                            "become": False,
                            "check_mode": False,
                            "diff": False,
                            "ansible.builtin.copy": {
                                "content": saved,
                                "dest": out,
                                "mode": "0600",
                            },
                        }
                    ],
                },
            ],
        }
        path = runs.write_plays(os.path.join(self.tmp, "role%d.yml" % index), [play])
        return path, out, extra

    def judge(self, kind, blocks, check, faults, execute, rerun=None):
        """Run ``execute()`` once with ``faults`` armed and check every property; re-run a real success
        without faults (``rerun()``, or ``execute()`` again)."""
        FIGURES.add("runs")
        FIGURES.add("runs: %s%s" % (kind, " (check mode)" if check else ""))
        FIGURES.add("fault rules armed", len(faults))
        for block in blocks:
            FIGURES.add("asked: exclusive", block.exclusive)
            FIGURES.add("asked: all_voice_numbers", block.all_voice_numbers)
            for entry in block.entries:
                FIGURES.add(
                    "asked: numbers by %s"
                    % {
                        "e164": "E.164",
                        "id": "id",
                        "both": "both forms",
                        "mismatch": "both forms disagreeing",
                    }[entry.form]
                )
        self.sim.clear_faults()
        if faults:
            self.sim.add_faults(faults)
        before_state, before_stats = self.sim.state(), self.sim.stats()
        voice, others = voice_map(before_state), other_map(before_state)
        statuses = status_map(before_state)
        unusable, unmet, over = expectation(blocks, voice, statuses)
        started = time.monotonic()
        outcome = execute()
        outcome.seconds = time.monotonic() - started
        FIGURES.seconds[kind] += outcome.seconds
        after_state, after_stats = self.sim.state(), self.sim.stats()
        self.sim.clear_faults()
        voice_after = voice_map(after_state)
        fired = dict(
            (k, after_stats["faults_fired"][k] - before_stats["faults_fired"].get(k, 0))
            for k in after_stats["faults_fired"]
        )
        FIGURES.faults.update(dict((k, v) for k, v in fired.items() if v))
        writes = after_stats["writes"] - before_stats["writes"]
        applied = after_stats["writes_applied"] - before_stats["writes_applied"]
        changed_numbers = set(
            k
            for k in set(voice) | set(voice_after)
            if voice.get(k) != voice_after.get(k)
        )
        where = "%s run (check=%s), faults %s, fired %s: %r" % (
            kind,
            check,
            faults,
            fired,
            outcome,
        )

        # 1, 7: no duplicate, no leak; other platforms untouched.
        assert (
            duplicates(after_state) == {}
        ), "duplicate Voice connectors %s after %s" % (duplicates(after_state), where)
        leaks = find_leaks(self.key, outcome.texts)
        assert leaks == [], "the key leaked: %s in %s" % (leaks, where)
        assert other_map(after_state) == others, (
            "a connector of another platform was touched by %s" % where
        )
        assert (applied > 0) == bool(
            changed_numbers
        ), "writes_applied %d but changed %s: %s" % (
            applied,
            sorted(changed_numbers),
            where,
        )
        # 2: check mode writes nothing.
        if check:
            assert (
                writes == 0 and not changed_numbers
            ), "%d writes in check mode: %s" % (writes, where)
        # 5: unusable input fails before any write, saying so.
        if unusable or over:
            FIGURES.add("runs: refused input")
            assert outcome.failed, "input that cannot work (%s) did not fail: %s" % (
                unusable + over,
                where,
            )
            assert writes == 0, "input that cannot work wrote %d times: %s" % (
                writes,
                where,
            )
            assert outcome.msg.startswith(NOTHING_CHANGED), (
                "unclear refusal: %s" % where
            )
            return
        retryable = all(rule_["kind"] != "malformed" for rule_ in faults)
        if retryable:
            assert not outcome.failed, (
                "bounded, retryable faults, and the run failed: %s" % where
            )
        if fired.get("malformed"):
            assert outcome.failed, (
                "a malformed list answer was taken for an answer: %s" % where
            )
        if outcome.failed:
            FIGURES.add("runs: failed honestly")
            assert runs.is_clear_message(outcome.msg), "unclear failure: %s" % where
            assert fired.get("malformed"), (
                "a failure without a fault that explains it: %s" % where
            )
            if changed_numbers:
                assert (
                    outcome.changed
                ), "a failed run denies the change it made (%s): %s" % (
                    sorted(changed_numbers),
                    where,
                )
            self._never_denied(outcome.rows, changed_numbers, where)
            return
        FIGURES.add("runs: succeeded")
        # 2, 3: changed is exactly what changed (check mode: what would).
        expected = unmet if check else changed_numbers
        assert bool(outcome.changed) == bool(expected), "changed=%s, but %s: %s" % (
            outcome.changed,
            sorted(expected) or "nothing changed",
            where,
        )
        for row in outcome.rows:
            key = (row["workspace_id"], row.get("phone_number_id"))
            if row.get("phone_number_id") is None:
                assert not row["changed"], (
                    "a row without a number reports a change: %s" % where
                )
                continue
            assert bool(row["changed"]) == (
                key in expected
            ), "row %s: changed=%s: %s" % (key, row["changed"], where)
        if check:
            return
        # 4: left Bird as asked, and changed only what had to change.
        assert changed_numbers == unmet, "changed %s, but %s had to change: %s" % (
            sorted(changed_numbers),
            sorted(unmet),
            where,
        )
        statuses_after = status_map(after_state)
        assert expectation(blocks, voice_after, statuses_after)[1] == set(), (
            "Bird is not as asked after a success: %s" % where
        )
        # 8: each present number's channel status, as Bird has it, and past setting up.
        for row in outcome.rows:
            key = (row["workspace_id"], row.get("phone_number_id"))
            if row["state"] != "present" or key not in statuses_after:
                continue
            assert (
                row.get("channel_status") == statuses_after[key]
            ), "row %s: channel_status %s, Bird has %s: %s" % (
                key,
                row.get("channel_status"),
                statuses_after[key],
                where,
            )
            assert (
                statuses_after[key] not in BROKEN + NOT_DONE
            ), "row %s succeeded with its channel %s: %s" % (
                key,
                statuses_after[key],
                where,
            )
        for row in outcome.rows:
            key = (row["workspace_id"], row.get("phone_number_id"))
            if row["state"] == "present" and row.get("phone_number_id") in E164_OF:
                channel = self._channel(after_state, key)
                assert (
                    channel and row.get("channel_id") == channel
                ), "row %s: channel %s, Bird has %s: %s" % (
                    key,
                    row.get("channel_id"),
                    channel,
                    where,
                )
        # 6: a converged re-run writes nothing.
        self._rerun(kind, rerun, execute, where)

    def _never_denied(self, rows, changed_numbers, where):
        for row in rows:
            key = (row.get("workspace_id"), row.get("phone_number_id"))
            if key in changed_numbers:
                assert row.get(
                    "changed"
                ), "row %s changed in Bird but reports changed=false: %s" % (key, where)

    @staticmethod
    def _channel(state, key):
        for connector in state["workspaces"][key[0]]["connectors"]:
            if (connector.get("connectorTemplateRef") or "").split(":")[
                0
            ] == VOICE_SLUG and (connector.get("arguments") or {}).get(
                "phoneNumberId"
            ) == key[
                1
            ]:
                return (connector.get("channel") or {}).get("channelId")
        return None

    def _rerun(self, kind, rerun, execute, where):
        FIGURES.add("converged re-runs")
        before = self.sim.stats()["writes"]
        if rerun is not None:
            result, printed = rerun()
            again = batch_outcome(
                kind, result, {"result": json.dumps(result), "stderr": printed}
            )
        else:
            again = execute()
        writes = self.sim.stats()["writes"] - before
        assert (
            not again.failed and not again.changed and writes == 0
        ), "the re-run of a converged %s run: %r, %d writes (first: %s)" % (
            kind,
            again,
            writes,
            where,
        )
        assert find_leaks(self.key, again.texts) == [], (
            "the key leaked in a re-run of %s" % where
        )


# -- profiles ---------------------------------------------------------------------------------


def profile(examples, steps, derandomize=True, shrink=False):
    """Settings of a run of the machine: ``examples`` sequences of up to ``steps`` steps."""
    from hypothesis import Phase  # pylint: disable=import-outside-toplevel

    phases = [Phase.explicit, Phase.reuse, Phase.generate] + (
        [Phase.shrink] if shrink else []
    )
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=derandomize,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )


BOUNDED = profile(examples=6, steps=20)


def machine_with(role_runs):
    """The machine with ``role_runs`` ansible-playbook role runs per example."""
    return type("BirdMachine%d" % role_runs, (BirdMachine,), {"ROLE_RUNS": role_runs})


def print_figures(out=sys.stdout):
    for name, value in sorted(FIGURES.counts.items()):
        out.write("  %-44s %6s\n" % (name, value))
    for name, value in sorted(FIGURES.faults.items()):
        out.write("  %-44s %6s\n" % ("faults fired: " + name, value))
