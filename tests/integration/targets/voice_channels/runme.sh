#!/usr/bin/env bash
# Integration test of the bird.engagements.voice_channels role against the Bird API simulator.
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --seed seed.json
# Credentials from BIRD_ACCESS_KEY / BIRD_API_URL only, as AWX injects them.
sim_playbook role role.yml --diff "$@"
sim_playbook refused refused.yml "$@"
sim_playbook hosts hosts.yml -i inventory.yml "$@"
sim_playbook adopt adopt.yml "$@"
# A failed run with no rescue: one fatal error, the module's, and the line per workspace still shown.
if sim_playbook unrescued unrescued.yml "$@"; then
    echo "unrescued.yml should have failed" >&2
    exit 1
fi
grep -qE '^ +"e1b2c3d4-0002-4000-8000-000000000002: 0 created, 0 deleted, 0 unchanged, 1 failed, 2 not carried out \(the run stopped before any write\)",?$' "$SIM_WORKDIR/unrescued.log"
[ "$(grep -c '^fatal:' "$SIM_WORKDIR/unrescued.log")" -eq 1 ]
# Credentials in voice_channels_access_key / voice_channels_api_url only, at
# -vvvv: the access key must not appear anywhere in the output.
(
    unset BIRD_ACCESS_KEY BIRD_API_URL
    sim_playbook credentials credentials.yml -vvvv "$@"
)
