#!/usr/bin/env bash
# Integration test of the bird.engagements.voice_channel_id lookup, with the key and the
# workspace only in the environment (as AWX injects them), at -vvvv: the key must not appear.
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --channel-delay 0.2
export BIRD_WORKSPACE_ID=a1b2c3d4-0001-4000-8000-000000000001
sim_playbook lookup lookup.yml -vvvv "$@"
