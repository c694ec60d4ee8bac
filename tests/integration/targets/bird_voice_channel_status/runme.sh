#!/usr/bin/env bash
# Integration test of channel status and of Bird's documented shapes, through
# bird.engagements.bird_voice_connectors: channels that set up, fail, degrade or
# carry a status Bird may add; replace_failed; connectors that name no number,
# opaque page tokens with strict limits, each DELETE answer, a lost create that
# Bird lists late. Each part check -> apply -> check -> apply.
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

sim_start --channel-delay 0.2
sim_playbook statuses statuses.yml --diff "$@"
sim_playbook shapes shapes.yml --diff "$@"
