# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the voice_channels role against a per-number loop of bird_voice_connector.

Runs against the bundled simulator with Bird's default rate limits (50 GET/s
and 500 POST/s per workspace), 20 ms latency per request and a 1 s channel
assignment delay, and prints, for each scenario, wall time, requests by method,
writes and 429s. Not part of the test suite: `make bench`.

    python tests/bench/bench.py [--workspaces 10] [--numbers 100] [--loop-numbers N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'simulator'))

import bird_simulator  # noqa: E402  pylint: disable=wrong-import-position

KEY = 'bench-access-key'

ROLE_PLAY = """---
- name: Role
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Provision with the role
      ansible.builtin.include_role:
        name: bird.engagements.voice_channels
      vars:
        voice_channels_workspaces: "{{ lookup('ansible.builtin.file', 'workspaces.json') | from_json }}"
"""

LOOP_PLAY = """---
- name: Loop
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Provision number by number
      bird.engagements.bird_voice_connector:
        workspace_id: "{{ item.workspace_id }}"
        phone_number: "{{ item.phone_number | default(omit) }}"
        phone_number_id: "{{ item.phone_number_id | default(omit) }}"
      loop: "{{ lookup('ansible.builtin.file', 'items.json') | from_json }}"
      loop_control:
        label: "{{ item.phone_number | default(item.phone_number_id) }}"
"""


def admin(url, method, path):
    request = urllib.request.Request(url + path, method=method, data=b'' if method == 'POST' else None)
    with urllib.request.urlopen(request, timeout=30) as response:  # nosec - local simulator only
        return json.loads(response.read() or b'null')


def start_simulator(work, args):
    url_file = os.path.join(work, 'url')
    cmd = [sys.executable, os.path.join(ROOT, 'tests', 'simulator', 'bird_simulator.py'), '--port', '0',
           '--generate-workspaces', str(args.workspaces), '--numbers-per-workspace', str(args.numbers),
           '--access-key', KEY, '--latency', str(args.latency), '--channel-delay', str(args.channel_delay),
           '--rate-get', '50', '--rate-post', '500', '--url-file', url_file, '--quiet']
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)  # pylint: disable=consider-using-with
    deadline = time.time() + 30
    while not os.path.exists(url_file):
        if time.time() > deadline or proc.poll() is not None:
            raise SystemExit('the simulator did not start')
        time.sleep(0.05)
    with open(url_file, encoding='utf-8') as handle:
        return proc, handle.read().strip()


def run_playbook(work, env, play, label):
    path = os.path.join(work, 'play.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(play)
    start = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), path], cwd=work,
                          env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit('%s failed' % label)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--workspaces', type=int, default=10)
    parser.add_argument('--numbers', type=int, default=100, help='numbers per workspace')
    parser.add_argument('--loop-numbers', type=int, default=None,
                        help='run the per-number loop over only the first N numbers (default: all)')
    parser.add_argument('--latency', type=float, default=0.02)
    parser.add_argument('--channel-delay', type=float, default=1.0)
    parser.add_argument('--skip-loop', action='store_true', help='only run the role')
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix='bird-bench-')
    collections = os.path.join(work, 'collections', 'ansible_collections', 'bird')
    os.makedirs(collections)
    os.symlink(ROOT, os.path.join(collections, 'engagements'))
    sim, url = start_simulator(work, args)
    try:
        generated = bird_simulator.generated_ids(args.workspaces, args.numbers)
        workspaces, items = [], []
        for workspace in generated:
            numbers = []
            for index, number in enumerate(workspace['numbers']):
                # Half by E.164, half by id: both lookups are exercised.
                entry = {'phone_number': number['number']} if index % 2 == 0 else {'phone_number_id': number['id']}
                numbers.append(entry)
                items.append(dict(entry, workspace_id=workspace['id']))
            workspaces.append({'workspace_id': workspace['id'], 'numbers': numbers})
        total = len(items)
        loop_items = items[:args.loop_numbers] if args.loop_numbers else items
        with open(os.path.join(work, 'workspaces.json'), 'w', encoding='utf-8') as handle:
            json.dump(workspaces, handle)
        with open(os.path.join(work, 'items.json'), 'w', encoding='utf-8') as handle:
            json.dump(loop_items, handle)

        env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'BIRD_'))}
        env.update(BIRD_API_URL=url, BIRD_ACCESS_KEY=KEY, ANSIBLE_COLLECTIONS_PATH=os.path.join(work, 'collections'),
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))

        scenarios = [('role, fresh', ROLE_PLAY, total), ('role, converged', ROLE_PLAY, total)]
        if not args.skip_loop:
            scenarios += [('reset', None, 0), ('loop, fresh', LOOP_PLAY, len(loop_items)),
                          ('loop, converged', LOOP_PLAY, len(loop_items))]
        rows = []
        for label, play, count in scenarios:
            if play is None:
                admin(url, 'POST', '/_sim/reset')
                continue
            admin(url, 'POST', '/_sim/reset-stats')
            elapsed = run_playbook(work, env, play, label)
            stats = admin(url, 'GET', '/_sim/stats')
            rows.append(dict(scenario=label, numbers=count, seconds=round(elapsed, 2),
                             ms_per_number=round(1000 * elapsed / count, 1), GET=stats['by_method'].get('GET', 0),
                             POST=stats['by_method'].get('POST', 0), DELETE=stats['by_method'].get('DELETE', 0),
                             writes=stats['writes'], http_429=stats['by_status'].get('429', 0),
                             connectors=sum(len(ws['connectors']) for ws in admin(url, 'GET', '/_sim/state')
                                            ['workspaces'].values())))
    finally:
        sim.terminate()
        sim.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    print('Bird voice_channels benchmark: %d workspaces x %d numbers, %.0f ms latency, %.1f s channel delay, '
          'rate limits 50 GET/s and 500 POST/s per workspace'
          % (args.workspaces, args.numbers, args.latency * 1000, args.channel_delay))
    print('machine: %s, %d cores, Python %s, %s'
          % (platform.machine(), os.cpu_count(), platform.python_version(), _ansible_version()))
    columns = ['scenario', 'numbers', 'seconds', 'ms_per_number', 'GET', 'POST', 'DELETE', 'writes', 'http_429',
               'connectors']
    print('| ' + ' | '.join(columns) + ' |')
    print('|' + '---|' * len(columns))
    for row in rows:
        print('| ' + ' | '.join(str(row[c]) for c in columns) + ' |')
    by = dict((r['scenario'], r) for r in rows)
    if 'loop, fresh' in by:
        for kind in ('fresh', 'converged'):
            ratio = by['loop, %s' % kind]['ms_per_number'] / by['role, %s' % kind]['ms_per_number']
            print('role is %.0fx faster per number than the loop (%s)' % (ratio, kind))
    converged = by['role, converged']
    print('role, converged: %d writes, %.1f reads per workspace'
          % (converged['writes'], converged['GET'] / args.workspaces))


def _ansible_version():
    try:
        from ansible.release import __version__  # pylint: disable=import-outside-toplevel
        return 'ansible-core %s' % __version__
    except ImportError:
        return 'ansible-core ?'


if __name__ == '__main__':
    main()
