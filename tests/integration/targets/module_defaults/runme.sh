#!/usr/bin/env bash
# All three modules with their credentials from module_defaults
# (group/bird.engagements.bird), the BIRD_* environment variables unset.
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

# The demo seed, with the random access key added.
sim_start --seed "$SIM_COLLECTION_ROOT/tests/simulator/demo_seed.json"
(
    unset BIRD_ACCESS_KEY BIRD_API_URL
    sim_playbook module-defaults module_defaults.yml "$@"
)
