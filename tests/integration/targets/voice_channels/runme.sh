#!/usr/bin/env bash
# Integration test of the bird.engagements.voice_channels role against the Bird API simulator.
set -eux
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --seed seed.json
# Credentials from BIRD_ACCESS_KEY / BIRD_API_URL only, as AWX injects them.
sim_playbook role role.yml --diff "$@"
sim_playbook refused refused.yml "$@"
sim_playbook hosts hosts.yml -i inventory.yml "$@"
sim_playbook adopt adopt.yml "$@"
# Credentials in voice_channels_access_key / voice_channels_api_url only, at
# -vvvv: the access key must not appear anywhere in the output.
(
    unset BIRD_ACCESS_KEY BIRD_API_URL
    sim_playbook credentials credentials.yml -vvvv "$@"
)
