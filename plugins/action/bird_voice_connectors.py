# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``bird_voice_connectors`` module, run in a fork of Ansible's worker when the task runs on the
controller with the controller's Python, and as a module process otherwise.

The module's work for a few numbers or thousands is one run, so the 0.3-0.5 s a module process
costs before it starts is most of a converged run's time above its floor (docs/performance.md).
How and when: ``plugins/plugin_utils/_forked_module.py``. The documentation is the module's.
"""

from __future__ import annotations

from ansible_collections.bird.engagements.plugins.plugin_utils._forked_module import (
    ForkedModuleAction,
)


class ActionModule(
    ForkedModuleAction
):  # pylint: disable=too-many-ancestors  # ActionBase's
    """See ``plugins/modules/bird_voice_connectors.py`` for the documentation."""

    MODULE = "bird_voice_connectors"
