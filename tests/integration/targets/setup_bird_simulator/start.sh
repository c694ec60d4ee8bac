# shellcheck shell=bash
# Shared helper of the bird.engagements integration targets (not a test of
# its own). A target lists `needs/target/setup_bird_simulator` in its aliases
# and its runme.sh sources this file, without arguments:
#
#   source ../setup_bird_simulator/start.sh
#   sim_start --seed seed.json --channel-delay 0.3   # any simulator flags
#   sim_admin POST /_sim/config '{"page_size_max": 1}'
#   sim_playbook present playbook.yml "$@"           # "$@": ansible-test's -v...
#
# - sim_start runs tests/simulator/bird_simulator.py of this collection on a
#   free port and exports BIRD_API_URL and BIRD_ACCESS_KEY (and SIM_API_URL, the
#   same URL, which sim_admin and vars.yml use even where a playbook unsets
#   BIRD_API_URL); an EXIT trap stops it.
# - Access keys: the seed is rewritten with every "@SECRET@" replaced by a
#   random "it-secret-key-<hex>" (SIM_SECRET), so a seed's keys are "@SECRET@"
#   (exported as BIRD_ACCESS_KEY), "@SECRET@-readonly", "@SECRET@-ws2only"...:
#   all of them contain SIM_SECRET; a playbook gets it with
#   lookup('ansible.builtin.env', 'SIM_SECRET'). The secret never goes into a
#   command line (xtrace is off wherever it is used).
# - vars.yml (vars_files: ../setup_bird_simulator/vars.yml) gives playbooks the
#   simulator's live counters and state (sim_stats, sim_state, ...).
# - Sourcing this file runs the runme a second time as a child whose whole
#   output (ansible, admin calls; xtrace too under `bash -x`) is captured, and
#   fails if SIM_SECRET appears anywhere in it. sim_playbook also checks each
#   playbook's output.
# - The runme scripts run without xtrace (set -eu), so the log shows what the
#   playbooks do. Debugging with `bash -x runme.sh` is safe: the few lines
#   that handle the secret switch xtrace off around themselves.

SIM_TARGET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIM_PYTHON=${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3 || command -v python)}
export SIM_PYTHON

# Around the lines that handle the secret: xtrace off, then back as it was.
_sim_xtrace_off() {
    case $- in *x*) _sim_xtrace=1 ;; *) _sim_xtrace= ;; esac
    { set +x; } 2>/dev/null
}

_sim_xtrace_restore() {
    if [ -n "$_sim_xtrace" ]; then set -x; fi
}

# sim_assert_no_secret FILE...: fail if the access key secret is in any FILE
# (prints the offending line numbers, never the secret).
sim_assert_no_secret() {
    _sim_xtrace_off
    local file found=0
    for file in "$@"; do
        if grep -q -F -- "$SIM_SECRET" "$file"; then
            echo "SECRET LEAK: the access key appears in $file on lines:" \
                "$(grep -n -F -- "$SIM_SECRET" "$file" | cut -d: -f1 | tr '\n' ' ')" >&2
            found=1
        fi
    done
    _sim_xtrace_restore
    return "$found"
}

# The random secret every seeded access key contains (never printed).
if [ -z "${SIM_SECRET+set}" ]; then
    _sim_xtrace_off
    SIM_SECRET="it-secret-key-$("$SIM_PYTHON" -c 'import secrets; print(secrets.token_hex(12))')"
    export SIM_SECRET
    _sim_xtrace_restore
fi

if [ -z "${SIM_RUNME_CAPTURE+set}" ]; then
    SIM_RUNME_CAPTURE=$(mktemp "${TMPDIR:-/tmp}/bird-it-output.XXXXXX")
    export SIM_RUNME_CAPTURE
    trap 'rm -f "$SIM_RUNME_CAPTURE"' EXIT
    set +e
    "$0" "$@" 2>&1 | tee "$SIM_RUNME_CAPTURE"
    _sim_rc=${PIPESTATUS[0]}
    if ! sim_assert_no_secret "$SIM_RUNME_CAPTURE"; then
        echo "$0: FAILED: the access key appeared in the output" >&2
        _sim_rc=1
    else
        echo "$0: exit status $_sim_rc; the access key is not in its $(wc -l < "$SIM_RUNME_CAPTURE") lines of output"
    fi
    exit "$_sim_rc"
fi

# ---- from here on: the captured run ------------------------------------------

sim_stop() {
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=
    fi
}

_sim_exit() {
    local rc=$?
    sim_stop
    if [ "$rc" -ne 0 ] && [ -n "$SIM_LOG" ] && [ -f "$SIM_LOG" ]; then
        echo "=== last lines of the simulator log ($SIM_LOG):" >&2
        tail -n 40 "$SIM_LOG" >&2 || true
    fi
    rm -rf "$SIM_WORKDIR"
    return "$rc"
}

SIM_WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/bird-it.XXXXXX")
SIM_PID=
SIM_LOG=
export SIM_WORKDIR
trap _sim_exit EXIT

# The collection root: ansible-test copies the targets to
# <collection>/tests/output/.tmp/integration/<target>-XXX/tests/integration/targets/,
# so walk up until the simulator is found (then try ANSIBLE_COLLECTIONS_PATH).
_sim_find_root() {
    local dir=$SIM_TARGET_DIR entry
    while [ "$dir" != "/" ]; do
        if [ -f "$dir/galaxy.yml" ] && [ -f "$dir/tests/simulator/bird_simulator.py" ]; then
            echo "$dir"
            return 0
        fi
        dir=$(dirname "$dir")
    done
    IFS=: read -r -a _sim_paths <<< "${ANSIBLE_COLLECTIONS_PATH:-}"
    for entry in "${_sim_paths[@]}"; do
        if [ -f "$entry/ansible_collections/bird/engagements/tests/simulator/bird_simulator.py" ]; then
            echo "$entry/ansible_collections/bird/engagements"
            return 0
        fi
    done
    echo "setup_bird_simulator: cannot find the collection root (tests/simulator/bird_simulator.py)" >&2
    return 1
}
SIM_COLLECTION_ROOT=$(_sim_find_root)
SIM_SIMULATOR="$SIM_COLLECTION_ROOT/tests/simulator/bird_simulator.py"
export SIM_COLLECTION_ROOT

# Outside ansible-test: make the collection importable.
if [ -z "${ANSIBLE_TEST_PYTHON_INTERPRETER:-}" ]; then
    mkdir -p "$SIM_WORKDIR/collections/ansible_collections/bird"
    ln -s "$SIM_COLLECTION_ROOT" "$SIM_WORKDIR/collections/ansible_collections/bird/engagements"
    export ANSIBLE_COLLECTIONS_PATH="$SIM_WORKDIR/collections"
fi
# ansible-test's inventory when there is one; the plays run on the implicit localhost.
SIM_INVENTORY_ARGS=()
if [ -n "${INVENTORY_PATH:-}" ]; then SIM_INVENTORY_ARGS=(-i "$INVENTORY_PATH"); fi
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
# async tasks and async_status must agree on where job files live; "~" may be
# $HOME for one and the passwd home for the other, so name the place.
export ANSIBLE_ASYNC_DIR="$SIM_WORKDIR/async"


# sim_start [--seed FILE] [simulator flags...]: (re)start the simulator.
# FILE is rewritten with "@SECRET@" replaced; a seed without "@SECRET@" (the
# default: tests/simulator/demo_seed.json) gets SIM_SECRET as an extra full key.
sim_start() {
    sim_stop
    local args=() seed="$SIM_COLLECTION_ROOT/tests/simulator/demo_seed.json" i
    while [ $# -gt 0 ]; do
        case $1 in
            --seed) seed=$2; shift 2 ;;
            --seed=*) seed=${1#--seed=}; shift ;;
            *) args+=("$1"); shift ;;
        esac
    done
    _sim_count=$((${_sim_count:-0} + 1))
    local url_file="$SIM_WORKDIR/sim$_sim_count.url" seed_out="$SIM_WORKDIR/seed$_sim_count.json"
    SIM_LOG="$SIM_WORKDIR/simulator$_sim_count.log"
    SIM_SEED_IN=$seed SIM_SEED_OUT=$seed_out "$SIM_PYTHON" - <<'PY'
import json, os
secret = os.environ['SIM_SECRET']
with open(os.environ['SIM_SEED_IN'], encoding='utf-8') as handle:
    seed = json.loads(handle.read().replace('@SECRET@', secret))
if not any(k.get('key') == secret for k in seed.get('access_keys') or []):
    seed.setdefault('access_keys', []).insert(0, {'key': secret, 'workspaces': '*', 'write': True})
with open(os.environ['SIM_SEED_OUT'], 'w', encoding='utf-8') as handle:
    json.dump(seed, handle)
PY
    _sim_xtrace_off
    export BIRD_ACCESS_KEY=$SIM_SECRET
    _sim_xtrace_restore
    "$SIM_PYTHON" "$SIM_SIMULATOR" --seed "$seed_out" --port 0 --url-file "$url_file" "${args[@]}" \
        >"$SIM_LOG" 2>&1 &
    SIM_PID=$!
    for i in $(seq 100); do
        if [ -s "$url_file" ] || ! kill -0 "$SIM_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ ! -s "$url_file" ]; then
        echo "setup_bird_simulator: the simulator did not start (waited $i tenths of a second):" >&2
        cat "$SIM_LOG" >&2
        return 1
    fi
    BIRD_API_URL=$(cat "$url_file")
    SIM_API_URL=$BIRD_API_URL
    export BIRD_API_URL SIM_API_URL
    echo "setup_bird_simulator: simulator $_sim_count at $BIRD_API_URL (pid $SIM_PID)"
}

# sim_admin METHOD PATH [JSON]: call the simulator's admin API (/_sim/...);
# prints the response body, fails on a non-2xx answer.
sim_admin() {
    "$SIM_PYTHON" - "$@" <<'PY'
import os, sys, urllib.error, urllib.request
method, path = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode('utf-8') if len(sys.argv) > 3 else None
request = urllib.request.Request(os.environ['SIM_API_URL'] + path, data=data, method=method,
                                 headers={'Content-Type': 'application/json'})
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        print(response.read().decode('utf-8'))
except urllib.error.HTTPError as err:
    sys.stderr.write('sim_admin %s %s: HTTP %s %s\n' % (method, path, err.code, err.read().decode('utf-8')))
    sys.exit(1)
PY
}

# sim_playbook NAME PLAYBOOK [ansible-playbook args...]: run a playbook on
# localhost, keep its output in $SIM_WORKDIR/NAME.log (also shown), fail if it
# fails or if its output holds the access key.
sim_playbook() {
    local name=$1 rc
    shift
    local log="$SIM_WORKDIR/$name.log" started=$SECONDS
    set +e
    ansible-playbook "${SIM_INVENTORY_ARGS[@]}" "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    echo "sim_playbook $name: status $rc after $((SECONDS - started)) s"
    sim_assert_no_secret "$log"
    if [ "$rc" -ne 0 ]; then
        echo "sim_playbook $name: ansible-playbook failed with status $rc" >&2
        return "$rc"
    fi
}
