#!/usr/bin/env bash
# Integration test of bird.engagements.bird_voice_connector against the Bird
# API simulator (tests/simulator), run twice: once with the simulator's
# defaults, once with the other answer to every point the API notes mark
# "unverified".
set -eu
# shellcheck source-path=SCRIPTDIR
source ../setup_bird_simulator/start.sh

# 1. Duplicate 409, template filter honoured, nextPageToken left out on the
#    last page, both ids in list items, "channel": null while pending, numbers
#    with "number", capabilities as a list, delete 204.
sim_start --seed seed.json --channel-delay 0.3
sim_playbook cycle cycle.yml --diff "$@"
sim_playbook faults faults.yml "$@"
sim_playbook race race.yml "$@"
sim_playbook bad-input bad_input.yml "$@"

# 2. The other side of each: duplicate 422, template filter ignored (so the
#    seeded sms-messagebird:1 connectors come back and must be filtered out),
#    "nextPageToken": "" on the last page, list items with only one of the
#    two ids (alternating), no "channel" key while pending, numbers with
#    "phoneNumber", capabilities as a dict, delete 200 with a body.
sim_start --seed seed.json --channel-delay 0.3 \
    --duplicate-status 422 --template-filter-param '' --last-page-token empty \
    --list-item-ids alternate --pending-channel absent --number-field phoneNumber \
    --capabilities-format dict --delete-status 200
sim_admin GET /_sim/config | "$SIM_PYTHON" -c '
import json, sys
config = json.load(sys.stdin)
expected = {"duplicate_status": 422, "template_filter_param": "", "last_page_token": "empty",
            "list_item_ids": "alternate", "pending_channel": "absent", "number_field": "phoneNumber",
            "capabilities_format": "dict", "delete_status": 200}
wrong = {k: config[k] for k, v in expected.items() if config[k] != v}
assert not wrong, "simulator not configured as expected: %r" % wrong
'
sim_playbook cycle-other cycle.yml --diff "$@"
sim_playbook pagination-other faults.yml --tags pagination "$@"
sim_playbook race-other race.yml "$@"
