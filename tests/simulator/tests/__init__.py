# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Tests of the Bird API simulator: PYTHONPATH=.cache/collections python -m pytest tests/simulator -q"""
