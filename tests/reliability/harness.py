# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared machinery of the fault-injection suite.

Used by the quick pytest files (tests/functional/test_faults.py, test_races.py,
test_bad_input.py, test_tls_proxy.py, test_secrets.py) and by the larger
randomized campaign (tests/reliability/run.py), so both check the same things
the same way:

- simulators: in-process (``start_sim``) or out-of-process on a fixed port with a
  state file, to be killed and restarted mid-run (``ExternalSimulator``);
- ``intercept`` / ``RaceGate``: hold chosen API requests inside the in-process
  simulator, so that races and lost-response windows happen every time instead
  of by luck;
- playbooks written as JSON (valid YAML), started several at once, each saving
  its registered result to a JSON file;
- invariants read from the simulator: connectors per number (duplicates), writes;
- ``find_leaks``: every output searched for the access key and for any
  10-character piece of it;
- ``Proxy``: a small, bounded HTTP proxy (CONNECT tunnels and http forwarding);
- the bad-input tables for the module and for the role.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import conftest  # noqa: E402  pylint: disable=wrong-import-position
from conftest import DEMO_SEED, adhoc, bird_simulator  # noqa: E402  pylint: disable=wrong-import-position

ansible_env = conftest.ansible_env  # the tests and the campaign use it from here

SIMULATOR_PATH = os.path.join(conftest.SIMULATOR_DIR, 'bird_simulator.py')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

MODULE = 'bird.engagements.bird_voice_connector'
ROLE = 'bird.engagements.voice_channels'
WS1 = 'a1b2c3d4-0001-4000-8000-000000000001'
WS2 = 'a1b2c3d4-0002-4000-8000-000000000002'
UNKNOWN_WS = 'a1b2c3d4-0009-4000-8000-000000000009'
SMS_ONLY = '+31201230199'
WS1_VOICE = ['+31201230101', '+31201230102', '+31201230103', '+31201230104']
WS2_VOICE = ['+31201230201', '+31201230202', '+31201230203']


def number_id(e164):
    """The demo seed's id of a demo number: +3120123WNNN -> b1b2c3d4-000W-4000-8000-000000000NNN."""
    return 'b1b2c3d4-000%s-4000-8000-000000000%s' % (e164[-3], e164[-3:])


# -- keys and seeds ------------------------------------------------------------

def canary_key():
    """A random, distinctive access key: any piece of it in an output is a leak."""
    return 'bk-canary-%s' % uuid.uuid4().hex


def seed_with_key(key, base=DEMO_SEED):
    """The demo seed (or ``base``, a path or a dict) with ``key`` as its only access key."""
    if isinstance(base, str):
        with open(base, encoding='utf-8') as handle:
            seed = json.load(handle)
    else:
        seed = json.loads(json.dumps(base))
    seed['access_keys'] = [{'key': key, 'workspaces': '*', 'write': True}]
    return seed


def start_sim(**config):
    """A started, quiet in-process simulator (demo seed unless ``seed`` is given); the caller stops it."""
    config.setdefault('seed', DEMO_SEED)
    config.setdefault('quiet', True)
    sim = bird_simulator.BirdSimulator(config)
    sim.start()
    return sim


def ansible_core_version():
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel
    return __version__


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# -- reading the simulator -------------------------------------------------------

def connectors_by_number(state):
    """``{(workspace id, phone number id): [connector ids]}`` of the Voice connectors in ``state``."""
    found = {}
    for ws_id, workspace in state['workspaces'].items():
        for connector in workspace['connectors']:
            if connector.get('connectorTemplateRef') != 'voice-messagebird:1':
                continue
            number = (connector.get('arguments') or {}).get('phoneNumberId')
            found.setdefault((ws_id, number), []).append(connector['id'])
    return found


def duplicates(state):
    """The numbers that have more than one Voice connector: ``{(ws, number id): [ids]}``."""
    return dict((k, v) for k, v in connectors_by_number(state).items() if len(v) > 1)


def connector_count(state):
    return sum(len(v) for v in connectors_by_number(state).values())


class Snapshot(object):
    """What a simulator recorded, kept after it stops; read with the simulator's own method names."""

    def __init__(self, sim):
        self._stats = sim.stats()
        self._state = sim.state()
        self._requests = sim.requests(limit=1000)

    def stats(self):
        return self._stats

    def state(self):
        return self._state

    def requests(self, limit=1000):
        return self._requests[-limit:]


def channel_of(state, ws_id, phone_number_id):
    """The channel id of the (single) connector of a number, or None."""
    for connector in state['workspaces'][ws_id]['connectors']:
        if (connector.get('arguments') or {}).get('phoneNumberId') == phone_number_id:
            return (connector.get('channel') or {}).get('channelId')
    return None


def request_gaps_after(sim, status):
    """Seconds from each response with ``status`` to the next request's response (one client at a time)."""
    log = sim.requests(limit=1000)
    times = [datetime.datetime.fromisoformat(r['time'].replace('Z', '+00:00')).timestamp() for r in log]
    return [times[i + 1] - times[i] for i, r in enumerate(log[:-1]) if r['status'] == status]


# -- holding requests inside the in-process simulator ----------------------------

def intercept(sim, before):
    """Call ``before(method, path, query)`` in the simulator's handler thread before each API request.

    It may block (to hold a request) and runs without the simulator's lock.
    Returns a function that removes the hook.
    """
    original = sim.handle_api

    def handle_api(method, path, query, headers, raw_body):
        before(method, path, query)
        return original(method, path, query, headers, raw_body)

    sim.handle_api = handle_api

    def restore():
        sim.handle_api = original
    return restore


class RaceGate(object):
    """Hold requests until ``parties`` of them with the same key have arrived, then release them together.

    ``key(method, path, query)`` gives the key of a request, or None for requests that pass freely.
    Only the first ``parties`` arrivals of a key wait; later ones (retries) pass. A gate whose
    parties do not all arrive within ``timeout`` seconds opens anyway and is counted in ``broken``.
    """

    def __init__(self, sim, parties, key, timeout=30.0):
        self.parties = parties
        self.key = key
        self.timeout = timeout
        self.barriers = {}
        self.arrived = {}
        self.released = {}
        self.broken = 0
        self._lock = threading.Lock()
        self.remove = intercept(sim, self._before)

    def _before(self, method, path, query):
        key = self.key(method, path, query)
        if key is None:
            return
        with self._lock:
            seen = self.arrived[key] = self.arrived.get(key, 0) + 1
            if seen > self.parties:
                return
            barrier = self.barriers.setdefault(key, threading.Barrier(self.parties))
        try:
            barrier.wait(self.timeout)
        except threading.BrokenBarrierError:
            with self._lock:
                self.broken += 1
            return
        with self._lock:
            self.released[key] = self.released.get(key, 0) + 1


def numbers_search_key(method, path, query):
    """Race key of a module run: its search of the workspace's numbers (after it read the connectors)."""
    if method == 'GET' and path.endswith('/numbers'):
        term = re.search(r'searchTerm=([^&]*)', query or '')
        return (path, term.group(1) if term else '*')
    return None


class HoldCreateUntilLookup(object):
    """Hold the first create until the client, having timed out, has looked the connector up; then apply it.

    This makes the worst case of a slow create happen every time: the create is applied after
    the client's lookup found nothing and before the client sends the create again.
    """

    def __init__(self, sim, timeout=20.0):
        self.lookup_seen = threading.Event()
        self.create_started = threading.Event()
        self.held = 0
        self.timeout = timeout
        self.remove = intercept(sim, self._before)

    def _before(self, method, path, query):
        if method == 'POST' and path.endswith('/connectors') and not self.create_started.is_set():
            self.create_started.set()
            self.held += 1
            self.lookup_seen.wait(self.timeout)
            time.sleep(0.1)  # let the lookup's (empty) answer go out first
        elif method == 'GET' and path.endswith('/connectors') and self.create_started.is_set():
            self.lookup_seen.set()


# -- the simulator out of process (for restarts) ----------------------------------

class ExternalSimulator(object):
    """``bird_simulator.py`` as a process on a fixed port with a state file, so it can be killed and restarted."""

    def __init__(self, workdir, seed, port=None, config=None, extra_args=()):
        self.workdir = workdir
        self.port = port or free_port()
        self.seed_file = os.path.join(workdir, 'seed.json')
        self.state_file = os.path.join(workdir, 'state.json')
        self.config_file = os.path.join(workdir, 'config.json')
        with open(self.seed_file, 'w', encoding='utf-8') as handle:
            json.dump(seed, handle)
        with open(self.config_file, 'w', encoding='utf-8') as handle:
            json.dump(dict(config or {}), handle)
        self.extra_args = list(extra_args)
        self.proc = None
        self.url = 'http://127.0.0.1:%d' % self.port
        self.starts = 0

    def start(self, timeout=15.0):
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, SIMULATOR_PATH, '--seed', self.seed_file, '--port', str(self.port),
             '--state-file', self.state_file, '--config', self.config_file, '--quiet'] + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.admin('/_sim/health')
                self.starts += 1
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError('simulator exited: %s' % self.proc.stderr.read())
                time.sleep(0.05)
        raise RuntimeError('simulator did not start on port %d' % self.port)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None:
            self.proc.stdout.close()
            self.proc.stderr.close()
        self.proc = None

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method='POST' if data else 'GET',
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=5) as response:  # nosec - local test server
            return json.loads(response.read().decode() or 'null')

    def state(self):
        return self.admin('/_sim/state')

    def stats(self):
        return self.admin('/_sim/stats')


# -- playbooks ----------------------------------------------------------------------

def write_playbook(path, tasks, name='fault-injection'):
    """Write a one-play playbook on localhost (JSON is YAML); return its path."""
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump([{'name': name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], handle, indent=1)
    return path


def save_task(variable, dest):
    """A task writing a registered variable to a JSON file (also after a failure, in an ``always``)."""
    return {'name': 'Save %s' % variable, 'ansible.builtin.copy': {
        'content': "{{ (%s | default({'missing': true})) | to_json }}" % variable, 'dest': dest, 'mode': '0600'},
        'check_mode': False, 'diff': False}


def module_race_playbook(path, out, workspace_id, numbers, extra=None):
    """The single module on each number in turn, the registered loop result saved to ``out``."""
    args = dict(workspace_id=workspace_id, phone_number='{{ item }}', timeout=25, retries=5, wait_timeout=60)
    args.update(extra or {})
    return write_playbook(path, [
        {'name': 'Ensure the connectors', MODULE: args, 'loop': list(numbers), 'register': 'r',
         'ignore_errors': True},
        save_task('r', out),
    ])


def role_playbook(path, out, workspaces, role_vars=None):
    """The role on ``workspaces``, its module result (voice_channels_result) saved to ``out`` in any case."""
    role_vars = dict(role_vars or {})
    role_vars['voice_channels_workspaces'] = workspaces
    return write_playbook(path, [{
        'name': 'Provision', 'block': [{'name': 'Run the role', 'ansible.builtin.include_role': {'name': ROLE},
                                        'vars': role_vars}],
        'always': [save_task('voice_channels_result', out)],
    }])


class Run(object):
    """One finished ansible process: return code, outputs, and the JSON result it saved (or parsed)."""

    def __init__(self, proc, result=None, out_file=None, seconds=0.0):
        self.rc = proc.returncode
        self.stdout = proc.stdout or ''
        self.stderr = proc.stderr or ''
        self.seconds = seconds
        self.out_file = out_file
        self.file_text = ''
        if out_file and os.path.exists(out_file):
            with open(out_file, encoding='utf-8') as handle:
                self.file_text = handle.read()
            try:
                result = json.loads(self.file_text)
            except ValueError:
                result = None
        self.result = result

    @property
    def texts(self):
        """Every output of the run, to search for leaks."""
        return {'stdout': self.stdout, 'stderr': self.stderr, 'saved result': self.file_text,
                'parsed result': json.dumps(self.result)}

    def __repr__(self):
        return 'Run(rc=%s, result=%s, stdout=%s, stderr=%s)' % (
            self.rc, json.dumps(self.result)[:1500], self.stdout[-1500:], self.stderr[-1500:])


def run_playbook(path, env, out_file=None, args=()):
    started = time.monotonic()
    proc = conftest.playbook(path, env, *args)
    return Run(proc, out_file=out_file, seconds=time.monotonic() - started)


def run_adhoc(module_args, env, module=MODULE, oneline=True, **kwargs):
    """``ansible localhost -m module`` with JSON arguments; returns a :class:`Run`.

    ``oneline=False`` uses the default callback, which (unlike ``-o``) also prints warnings."""
    started = time.monotonic()
    if oneline:
        proc, result = adhoc(module, json.dumps(module_args), env, **kwargs)
    else:
        args = [os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-m', module,
                '-a', json.dumps(module_args)]
        args += ['--check'] if kwargs.get('check') else []
        args += ['--diff'] if kwargs.get('diff') else []
        args += ['-' + 'v' * kwargs['verbosity']] if kwargs.get('verbosity') else []
        proc = conftest.run(args, env)
        result = None
        match = re.search(r'^localhost \| [A-Z!]+ => (\{.*?^\})$', proc.stdout, re.M | re.S)
        if match:
            try:
                result = json.loads(match.group(1))
            except ValueError:
                result = None
    return Run(proc, result=result, seconds=time.monotonic() - started)


def start_playbooks(jobs, timeout=300):
    """Start several ansible-playbook processes at once: ``jobs`` is ``[(playbook, env, out_file)]``.

    Returns their :class:`Run` results in order."""
    started = time.monotonic()
    procs = []
    for path, env, dummy in jobs:
        procs.append(subprocess.Popen(  # pylint: disable=consider-using-with
            [ANSIBLE_PLAYBOOK, path], env=env, cwd=conftest.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))
    runs = []
    for proc, (dummy, dummy2, out_file) in zip(procs, jobs):
        try:
            stdout, stderr = proc.communicate(timeout=max(1, timeout - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        runs.append(Run(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), out_file=out_file,
                        seconds=time.monotonic() - started))
    return runs


def parallel(func, items, workers=3):
    """``[func(item) for item in items]``, ``workers`` at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


# -- judging results ----------------------------------------------------------------

UNCLEAR_MARKERS = ('Traceback', 'MODULE FAILURE', 'NoneType', 'KeyError', 'AttributeError', 'TypeError',
                   'unexpected error', 'simulator error')


def failure_message(run):
    """The failure message of a run's result (a module result, a loop result or a role result)."""
    result = run.result if isinstance(run.result, dict) else {}
    if 'results' in result and 'msg' not in result:
        return ' | '.join(str(r.get('msg')) for r in result['results'] if isinstance(r, dict) and r.get('failed'))
    return str(result.get('msg') or '')


def is_clear_failure(run):
    """A failed run whose message says what went wrong, without a traceback or an internal error."""
    msg = failure_message(run)
    result = run.result if isinstance(run.result, dict) else {}
    return (run.rc != 0 and bool(msg.strip()) and 'module_stderr' not in result
            and not any(marker in msg for marker in UNCLEAR_MARKERS))


def find_leaks(key, texts, window=10):
    """Where ``key`` (or any ``window``-character piece of its random part) occurs in ``texts``.

    ``texts`` is ``{name: text}``; returns ``[(name, piece, context)]``.
    """
    secret = key.split('-')[-1] if key.startswith('bk-canary-') else key
    pieces = [key] + [secret[i:i + window] for i in range(0, max(1, len(secret) - window + 1))]
    leaks = []
    for name, text in texts.items():
        text = text or ''
        for piece in pieces:
            index = text.find(piece)
            if index >= 0:
                leaks.append((name, piece, text[max(0, index - 80):index + 80]))
                break
    return leaks


# -- a tiny HTTP proxy ----------------------------------------------------------------

class Proxy(object):
    """An HTTP proxy on 127.0.0.1 for tests: CONNECT tunnels (https) and absolute-form forwarding (http).

    Bounded: daemon threads, socket timeouts, an idle timeout per connection and a cap on what is
    kept of each stream. ``tunnels`` lists the CONNECT targets; ``forwarded`` the request lines
    seen in forwarded plain-http streams (absolute-form, e.g. ``GET http://127.0.0.1:1234/... HTTP/1.1``).
    """

    IDLE = 15.0
    KEEP = 1 << 20

    def __init__(self):
        self.tunnels = []
        self.forwarded = []
        self.refused = 0
        self._active = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self._thread = threading.Thread(target=self._accept, name='test-proxy', daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, dummy = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._active += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        upstream = None
        try:
            client.settimeout(self.IDLE)
            head = b''
            while b'\r\n\r\n' not in head and len(head) < 65536:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            line = head.split(b'\r\n', 1)[0].decode('latin-1')
            method, target = line.split(' ')[:2]
            if method == 'CONNECT':
                host, port = target.rsplit(':', 1)
                upstream = socket.create_connection((host, int(port)), timeout=self.IDLE)
                with self._lock:
                    self.tunnels.append(target)
                client.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
                rest = head.split(b'\r\n\r\n', 1)[1]
                if rest:
                    upstream.sendall(rest)
                self._pipe(client, upstream, None)
            else:
                match = re.match(r'^http://([^/:]+):(\d+)/', target)
                if not match:
                    self.refused += 1
                    client.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
                    return
                upstream = socket.create_connection((match.group(1), int(match.group(2))), timeout=self.IDLE)
                upstream.sendall(head)
                stream = bytearray(head)
                self._pipe(client, upstream, stream)
                lines = re.findall(rb'(?:^|\r\n)((?:GET|POST|DELETE|PUT|PATCH) http://\S+ HTTP/1\.[01])\r\n', bytes(stream))
                with self._lock:
                    self.forwarded.extend(x.decode('latin-1') for x in lines)
        except (OSError, ValueError):
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass
            with self._lock:
                self._active -= 1

    def _pipe(self, client, upstream, stream):
        peers = {client: upstream, upstream: client}
        while not self._stop.is_set():
            readable, dummy, dummy2 = select.select(list(peers), [], [], self.IDLE)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
                if stream is not None and sock is client and len(stream) < self.KEEP:
                    stream.extend(data)

    def wait_idle(self, timeout=10.0):
        """Wait until no connection is open (the client has exited); True if so."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._active == 0:
                    return True
            time.sleep(0.05)
        return False

    def close(self):
        self._stop.set()
        self._sock.close()
        self._thread.join(5)


def proxy_env(env, https_proxy=None, http_proxy=None, no_proxy=None):
    """``env`` without any inherited proxy setting, plus the given ones (upper and lower case, as requests reads)."""
    env = dict((k, v) for k, v in env.items() if not k.lower().endswith('_proxy'))
    for name, value in (('https_proxy', https_proxy), ('http_proxy', http_proxy), ('no_proxy', no_proxy)):
        if value is not None:
            env[name] = env[name.upper()] = value
    return env


# -- bad input ------------------------------------------------------------------------
# Each case: (id, module arguments or role variables, texts the error must contain, whether the
# run may read the API first). Every case must fail, and the simulator must record zero writes;
# cases with reads=False must not send any request at all.

def _m(case_id, args, expect, reads=False):
    base = dict(workspace_id=WS1, phone_number=WS1_VOICE[0], timeout=5, retries=1, wait_timeout=10)
    for name, value in args.items():
        if value is OMIT:
            base.pop(name, None)
        else:
            base[name] = value
    return dict(id=case_id, args=base, expect=expect, reads=reads)


OMIT = object()

BAD_MODULE_INPUTS = [
    _m('workspace-not-uuid', dict(workspace_id='not-a-uuid'), ['workspace_id', 'UUID', 'not-a-uuid']),
    _m('workspace-empty', dict(workspace_id=''), ['workspace_id', 'UUID']),
    _m('workspace-uuid-too-short', dict(workspace_id=WS1[:-1]), ['workspace_id', 'UUID', WS1[:-1]]),
    _m('number-id-not-uuid', dict(phone_number=OMIT, phone_number_id='b1b2c3d4-0001-4000-8000-00000000010g'),
       ['phone_number_id', 'UUID']),
    _m('e164-no-plus', dict(phone_number='0201230101'), ['phone_number', 'E.164', '0201230101']),
    _m('e164-spaces', dict(phone_number='+31 20 123 0101'), ['phone_number', 'E.164', '+31 20 123 0101']),
    _m('e164-leading-zero', dict(phone_number='+0201230101'), ['phone_number', 'E.164']),
    _m('e164-too-long', dict(phone_number='+3120123010112345678'), ['phone_number', 'E.164']),
    _m('e164-letters', dict(phone_number='+31-20-CALL-ME'), ['phone_number', 'E.164']),
    _m('e164-as-int', dict(phone_number=31201230101), ['phone_number', 'E.164', 'quote it']),
    _m('e164-as-list', dict(phone_number=['+31201230101']), ['phone_number']),
    _m('both-number-forms', dict(phone_number_id=number_id(WS1_VOICE[0])), ['phone_number_id', 'phone_number',
                                                                            'mutually exclusive']),
    _m('no-number', dict(phone_number=OMIT), ['phone_number_id', 'phone_number', 'required']),
    _m('wait-timeout-not-int', dict(wait_timeout='soon'), ['wait_timeout']),
    _m('wait-timeout-negative', dict(wait_timeout=-5), ['wait_timeout']),
    _m('timeout-zero', dict(timeout=0), ['timeout']),
    _m('retries-negative', dict(retries=-1), ['retries']),
    _m('conversational-not-bool', dict(conversational='maybe'), ['conversational']),
    _m('validate-certs-not-bool', dict(validate_certs='perhaps'), ['validate_certs']),
    _m('state-unknown', dict(state='gone'), ['state', 'gone']),
    _m('name-empty', dict(name='  '), ['name', 'empty']),
    _m('template-empty', dict(connector_template_ref=''), ['connector_template_ref']),
    _m('empty-key', dict(access_key=''), ['access_key', 'empty']),
    _m('unknown-option', dict(colour='red'), ['colour']),
    _m('url-ftp', dict(api_url='ftp://127.0.0.1/bird'), ['api_url', 'ftp://127.0.0.1/bird']),
    _m('url-no-scheme', dict(api_url='api.bird.com'), ['api_url', 'api.bird.com']),
    _m('url-with-query', dict(api_url='{url}/?x=1'), ['api_url', 'query']),
    _m('unknown-workspace', dict(workspace_id=UNKNOWN_WS), [UNKNOWN_WS, '404', 'workspace_id'], reads=True),
    _m('number-of-other-workspace', dict(phone_number=WS2_VOICE[0]), [WS2_VOICE[0], 'not a number of workspace', WS1],
       reads=True),
    _m('number-id-of-other-workspace', dict(phone_number=OMIT, phone_number_id=number_id(WS2_VOICE[0])),
       [number_id(WS2_VOICE[0]), 'not a number of workspace'], reads=True),
    _m('number-without-voice', dict(phone_number=SMS_ONLY), [SMS_ONLY, 'no voice capability'], reads=True),
    _m('number-id-without-voice', dict(phone_number=OMIT, phone_number_id=number_id(SMS_ONLY)),
       [number_id(SMS_ONLY), 'no voice capability'], reads=True),
    _m('wrong-key', dict(access_key='bk-not-a-key-of-this-api'), ['401', 'access_key'], reads=True),
]


def _r(case_id, variables, expect, reads=False):
    base = dict(voice_channels_workspaces=[dict(workspace_id=WS1, numbers=[dict(phone_number=WS1_VOICE[0])])],
                voice_channels_timeout=5, voice_channels_retries=1, voice_channels_wait_timeout=10)
    base.update(variables)
    return dict(id=case_id, args=base, expect=expect, reads=reads)


def _ws(*numbers, **kwargs):
    return [dict(workspace_id=kwargs.get('workspace_id', WS1), numbers=list(numbers))]


BAD_ROLE_INPUTS = [
    _r('workspace-not-uuid', dict(voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0]), workspace_id='ws-1')),
       ['workspaces[0].workspace_id', 'UUID', 'ws-1']),
    _r('e164-spaces', dict(voice_channels_workspaces=_ws(dict(phone_number='+31 20 123 0101'))),
       ['workspaces[0].numbers[0].phone_number', 'E.164']),
    _r('e164-as-int', dict(voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0]), dict(phone_number=31201230102))),
       ['workspaces[0].numbers[1].phone_number', 'E.164']),
    _r('number-id-not-uuid', dict(voice_channels_workspaces=_ws(dict(phone_number_id='b1b2c3d4-0001'))),
       ['workspaces[0].numbers[0].phone_number_id', 'UUID']),
    _r('both-number-forms', dict(voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0],
                                                                    phone_number_id=number_id(WS1_VOICE[0])))),
       ['workspaces[0].numbers[0]', 'exactly one of phone_number']),
    _r('no-number', dict(voice_channels_workspaces=_ws(dict(name='nameless'))),
       ['workspaces[0].numbers[0]', 'exactly one of phone_number']),
    _r('numbers-not-a-list', dict(voice_channels_workspaces=[dict(workspace_id=WS1, numbers=WS1_VOICE[0])]),
       ['numbers']),
    _r('workspaces-not-a-list', dict(voice_channels_workspaces='all'), ['voice_channels_workspaces']),
    _r('unknown-number-option', dict(voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0], colour='red'))),
       ['colour']),
    _r('state-unknown', dict(voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0], state='gone'))),
       ['state', 'gone']),
    _r('wait-timeout-not-int', dict(voice_channels_wait_timeout='soon'), ['voice_channels_wait_timeout']),
    _r('validate-certs-not-bool', dict(voice_channels_validate_certs='perhaps'), ['voice_channels_validate_certs']),
    _r('concurrency-zero', dict(voice_channels_concurrency=0), ['concurrency']),
    _r('empty-key', dict(voice_channels_access_key=''), ['access_key', 'empty']),
    _r('url-ftp', dict(voice_channels_api_url='ftp://127.0.0.1/bird'), ['api_url', 'ftp://127.0.0.1/bird']),
    _r('same-number-twice', dict(voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0]),
                                                               dict(phone_number=WS1_VOICE[0]))),
       ['workspaces[0].numbers[1]', 'already listed']),
    _r('unknown-workspace', dict(voice_channels_workspaces=_ws(dict(phone_number=WS1_VOICE[0]), workspace_id=UNKNOWN_WS)),
       [UNKNOWN_WS, '404'], reads=True),
    _r('number-of-other-workspace', dict(voice_channels_workspaces=_ws(dict(phone_number=WS2_VOICE[0]))),
       ['workspaces[0].numbers[0]', WS2_VOICE[0], 'not a number of workspace'], reads=True),
    _r('number-without-voice', dict(voice_channels_workspaces=_ws(dict(phone_number=SMS_ONLY))),
       ['workspaces[0].numbers[0]', SMS_ONLY, 'no voice capability'], reads=True),
    # One bad entry among good ones: nothing at all is written, the good ones included.
    _r('one-bad-among-good', dict(voice_channels_workspaces=[
        dict(workspace_id=WS1, numbers=[dict(phone_number=n) for n in WS1_VOICE] + [dict(phone_number=SMS_ONLY)]),
        dict(workspace_id=WS2, numbers=[dict(phone_number=n) for n in WS2_VOICE])]),
       ['workspaces[0].numbers[4]', SMS_ONLY, 'no voice capability'], reads=True),
]


def _with_url(value, url):
    """Put the simulator URL into '{url}' placeholders of a case."""
    if isinstance(value, str):
        return value.replace('{url}', url)
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
        variable = 'case_%d' % index
        args = _with_url(case['args'], url)
        if not role:
            args = dict(args)
            args.setdefault('api_url', url)
            tasks.append({'name': case['id'], MODULE: args, 'register': variable, 'ignore_errors': True})
        else:
            args = dict(args)
            args.setdefault('voice_channels_api_url', url)
            tasks.append({'name': case['id'], 'block': [
                {'name': 'Run the role', 'ansible.builtin.include_role': {'name': ROLE}, 'vars': args},
                {'name': 'Note success', 'ansible.builtin.set_fact': {variable: {'failed': False, 'msg': 'no error'}}},
            ], 'rescue': [
                {'name': 'Keep the error', 'ansible.builtin.set_fact': {variable: '{{ ansible_failed_result }}'}},
            ]})
    saved = '{{ {%s} | to_json }}' % ', '.join("'%s': case_%d" % (c['id'], i) for i, c in enumerate(cases))
    tasks.append({'name': 'Save the results', 'ansible.builtin.copy': {'content': saved, 'dest': out, 'mode': '0600'},
                  'check_mode': False, 'diff': False})
    return write_playbook(path, tasks, name='bad input')


def judge_bad_input(case, result, stats):
    """Problems of one bad-input case: it must fail, name the field, write nothing (and read nothing if so)."""
    problems = []
    if not isinstance(result, dict):
        return ['no result saved']
    if not result.get('failed'):
        problems.append('did not fail: %s' % json.dumps(result)[:400])
    msg = str(result.get('msg') or '')
    if 'argument_errors' in result:
        msg += ' ' + ' '.join(str(e) for e in result['argument_errors'])
    for text in case['expect']:
        if text not in msg:
            problems.append('message does not contain %r: %s' % (text, msg[:600]))
    if any(marker in msg for marker in UNCLEAR_MARKERS):
        problems.append('unclear message: %s' % msg[:600])
    if stats['writes'] != 0:
        problems.append('%d writes sent' % stats['writes'])
    if not case['reads'] and stats['total'] != 0:
        problems.append('%d requests sent for an input that can be refused before any request' % stats['total'])
    return problems
