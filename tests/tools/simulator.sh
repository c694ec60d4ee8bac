#!/usr/bin/env bash
# Copyright (c) Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `make simulator` / `make simulator-stop`: the Bird API simulator with the demo
# seed (tests/simulator/demo_seed.json), in the background, for trying the
# collection by hand.
#
#   tests/tools/simulator.sh start <state-dir> <collections-path>
#   tests/tools/simulator.sh stop <state-dir>
#
# start (re)starts it on a free port and prints, on stdout, the export lines
# that point ansible at it and at this checkout (so `eval "$(make -s simulator)"`
# works too); everything else goes to stderr. Its log is <state-dir>/simulator.log.
set -euo pipefail

action=${1:-}
state=${2:-}
[[ -n "$state" ]] || { echo "usage: $0 start|stop <state-dir> [<collections-path>]" >&2; exit 2; }
pidfile="$state/simulator.pid"

stop() {
    if [[ -f "$pidfile" ]]; then
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            echo "stopped the simulator (pid $pid)" >&2
        fi
        rm -f "$pidfile"
    fi
}

case $action in
    stop)
        stop
        ;;
    start)
        collections=${3:?collections path}
        root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
        stop
        mkdir -p "$state"
        rm -f "$state/url"
        # setsid: the simulator outlives this make run; `make simulator-stop` ends it.
        setsid python "$root/tests/simulator/bird_simulator.py" \
            --seed "$root/tests/simulator/demo_seed.json" --port 0 --url-file "$state/url" \
            >"$state/simulator.log" 2>&1 </dev/null &
        echo $! >"$pidfile"
        for _ in $(seq 100); do [[ -s "$state/url" ]] && break; sleep 0.1; done
        if [[ ! -s "$state/url" ]]; then
            echo "the simulator did not start:" >&2
            cat "$state/simulator.log" >&2
            stop
            exit 1
        fi
        cat >&2 <<EOF
The Bird API simulator runs at $(cat "$state/url") (pid $(cat "$pidfile"), log $state/simulator.log),
with the demo seed: access key demo-access-key-not-secret, workspaces
  a1b2c3d4-0001-4000-8000-000000000001  numbers +31201230101 .. +31201230104 (+31201230199: SMS only)
  a1b2c3d4-0002-4000-8000-000000000002  numbers +31201230201 .. +31201230203
Paste these lines into your shell (or run: eval "\$(make -s simulator)"); stop it with: make simulator-stop
EOF
        cat <<EOF
export PATH="$root/.venv/bin:\$PATH"
export ANSIBLE_COLLECTIONS_PATH="$collections"
export BIRD_API_URL="$(cat "$state/url")"
export BIRD_ACCESS_KEY=demo-access-key-not-secret
export BIRD_WORKSPACE_ID=a1b2c3d4-0001-4000-8000-000000000001
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
EOF
        ;;
    *)
        echo "usage: $0 start|stop <state-dir> [<collections-path>]" >&2
        exit 2
        ;;
esac
