#!/usr/bin/env bash
# Runs the demo: starts the bundled Bird API simulator, provisions Voice
# channels with demo.yml, prints their channel ids, then runs the playbook
# again to show that nothing changes. Used by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${VENV:-$root/.venv}
work=$(mktemp -d)
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# ansible finds the collection as ansible_collections/bird/engagements.
mkdir -p "$work/collections/ansible_collections/bird"
ln -s "$root" "$work/collections/ansible_collections/bird/engagements"

"$venv/bin/python" tests/simulator/bird_simulator.py --seed tests/simulator/demo_seed.json \
  --channel-delay 1 --page-size 3 --port 0 --https --cert-out "$work/ca.pem" --url-file "$work/url" --quiet >"$work/simulator.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "the simulator did not start:"; cat "$work/simulator.log"; exit 1; }

export BIRD_API_URL; BIRD_API_URL=$(cat "$work/url")
export BIRD_ACCESS_KEY=demo-access-key-not-secret
# The simulator serves TLS with its own test CA; requests trusts it through this.
export REQUESTS_CA_BUNDLE="$work/ca.pem"
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_PYTHON_INTERPRETER="$venv/bin/python"
export PATH="$venv/bin:$PATH"

echo "== Bird API simulator at $BIRD_API_URL"
echo "== First run: creates the Voice connectors and waits for their channel ids"
ansible-playbook demo/demo.yml | tee "$work/run1.log"
echo "== Second run: everything is in place, so nothing changes"
ansible-playbook demo/demo.yml | tee "$work/run2.log"

if grep -Eq 'changed=[1-9]' "$work/run2.log"; then
  echo "DEMO FAILED: the second run changed something" >&2
  exit 1
fi
echo "== Demo done: the second run reported changed=0"
