# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What tests/functional and tests/reliability share, each helper once.

Imported by its collection name, ``ansible_collections.bird.engagements.tests.support``:
outside ansible-test that takes ``PYTHONPATH=.cache/collections`` and the link
``.cache/collections/ansible_collections/bird/engagements -> ../../../..``.

- ``ansible_runs``: paths, the environment of ansible processes (credentials injected as
  AWX does), ad hoc and playbook runs, playbooks written as JSON, several runs at once, and
  judging whether a failure is clear;
- ``simulators``: the demo seed's workspaces and numbers, in-process and external simulators,
  hooks that hold requests (races, slow creates), and what the simulator's state says
  (connectors by number, duplicates);
- ``leaks``: random canary keys and the search of every output for them;
- ``proxy``: a small HTTP proxy;
- ``bad_inputs``: the bad-input tables of the module and the role, and how a case is judged;
- ``in_process``: a module's ``main()`` run in this process, with shorter backoff;
- ``stateful``: the property-based state machine (needs ``hypothesis``; imported only by its users).
"""
