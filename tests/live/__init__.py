# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make live``: the collection against the real Bird API, on one spare voice number.

``live.py`` is the command (it checks the environment before anything else); the rest is
imported by its collection name, ``ansible_collections.bird.engagements.tests.live``:

- ``probe``: the client's requests as observations (status, body, request id), every write
  checked to touch the spare number only, the shapes of what Bird answers;
- ``workspace``: the workspace before and after (connectors and channels), and whether the
  spare number is spare;
- ``raw_cycle``: one install, watched and probed with raw requests (the unverified points);
- ``module_cycle``: one install through the collection's modules (idempotency, check mode, absent);
- ``report``: the report (``tests/output/live/report.json``) and the summary;
- ``checker``: the order of it all, and the cleanup that runs whatever happened.
"""
