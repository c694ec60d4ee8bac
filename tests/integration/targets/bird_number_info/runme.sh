#!/usr/bin/env bash
# Integration test of bird.engagements.bird_number_info: every page of numbers, in each
# capabilities shape Bird documents, compared with what the simulator holds.
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --page-size-max 2
for shape in string objects endpoint list; do
    sim_admin POST /_sim/config "{\"capabilities_format\": \"$shape\"}" >/dev/null
    sim_playbook "numbers_$shape" numbers.yml -e "shape=$shape" "$@"
done
