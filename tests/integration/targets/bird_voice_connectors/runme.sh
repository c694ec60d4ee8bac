#!/usr/bin/env bash
# Integration test of bird.engagements.bird_voice_connectors: exclusive workspaces
# (with the deletion guard) and every voice number, each check -> apply -> check -> apply,
# against a simulator whose numbers describe their capabilities as objects of objects
# and whose list items name no number (the module must read them one by one).
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --seed seed.json --capabilities-format objects --list-item-ids none --channel-delay 0.3
sim_playbook exclusive exclusive.yml --diff "$@"
sim_playbook every_voice_number every_voice_number.yml --diff "$@"
