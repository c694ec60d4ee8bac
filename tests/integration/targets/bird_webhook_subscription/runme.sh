#!/usr/bin/env bash
# Integration test of bird.engagements.bird_webhook_subscription (and its _info
# module) against the Bird API simulator (tests/simulator), run twice: once with
# the simulator returning signing keys in its answers, as Bird's examples do,
# once keeping them to itself. The signing key contains SIM_SECRET, so the
# shared leak check of setup_bird_simulator also proves it never shows.
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --channel-delay 0
for echo in true false; do
    sim_admin POST /_sim/config "{\"echo_signing_key\": $echo}" >/dev/null
    sim_playbook "cycle-echo-$echo" cycle.yml --diff -e "echo_signing_key=$echo" "$@"
done
