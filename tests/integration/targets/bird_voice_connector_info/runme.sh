#!/usr/bin/env bash
# Integration test of bird.engagements.bird_voice_connector_info against the Bird API simulator,
# with every list served one item per page; once with the simulator's defaults
# and once with the other answer to each unverified API point.
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --seed seed.json --page-size 1 --page-size-max 1
sim_playbook info info.yml "$@"

sim_start --seed seed.json --page-size 1 --page-size-max 1 \
    --template-filter-param '' --last-page-token empty --list-item-ids alternate \
    --pending-channel absent --number-field phoneNumber --capabilities-format dict
sim_playbook info-other info.yml "$@"
