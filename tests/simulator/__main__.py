# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""``python -m ansible_collections.bird.engagements.tests.simulator``: the same as bird_simulator.py."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
