#!/usr/bin/env bash
# The gate demo: starts the bundled simulator, runs taurusdb.htap.gate_demo against a
# deployment whose replication is still syncing (it waits, shows progress, passes), then
# against one with a broken task (it fails with its report), and stops the simulator.
# Exits 0 when both outcomes are the expected ones.
#
# Environment: PYTHON (default python3), TAURUSDB_VENV (default .venv in the checkout).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${TAURUSDB_VENV:-$ROOT/.venv}

WORK=$(mktemp -d)
if [ ! -x "$VENV/bin/ansible-playbook" ] || ! "$VENV/bin/python" -c 'import htapsim' 2>/dev/null; then
    echo "Installing ansible-core, requests and the simulator (htapsim) into $VENV ..."
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'ansible-core>=2.19,<2.20' -r "$ROOT/requirements.txt"
    cp -r "$ROOT/tests/simulator" "$WORK/htapsim-src"  # pip builds in the source tree: build from a copy
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$WORK/htapsim-src"
fi
export PATH="$VENV/bin:$PATH"

# The checkout as the collection taurusdb.htap.
mkdir -p "$WORK/ansible_collections/taurusdb"
ln -s "$ROOT" "$WORK/ansible_collections/taurusdb/htap"
# An explicit local inventory: the implicit localhost makes ansible-playbook warn.
printf 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n' > "$WORK/inventory"
export ANSIBLE_COLLECTIONS_PATH="$WORK" ANSIBLE_INVENTORY="$WORK/inventory" ANSIBLE_CALLBACK_RESULT_FORMAT=yaml \
    ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-}

python -m htapsim --port 0 --scenario syncing-then-ready \
    --url-file "$WORK/url" > "$WORK/simulator.log" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
[ -s "$WORK/url" ] || { cat "$WORK/simulator.log"; exit 1; }

# The simulator's demo credentials, read as the official SDK reads them.
export TAURUSDB_ENDPOINT HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK HUAWEICLOUD_SDK_PROJECT_ID
TAURUSDB_ENDPOINT=$(cat "$WORK/url")
HUAWEICLOUD_SDK_AK=SIMAK0000000000000001
HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001
HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef

printf '\n### 1. Replication still syncing: the gate waits, shows progress, and passes\n'
ansible-playbook taurusdb.htap.gate_demo

printf '\n### 2. One broken task: the gate fails fast, with its report\n'
python -m htapsim.control "$TAURUSDB_ENDPOINT" scenario broken-with-explanation > /dev/null
if ansible-playbook taurusdb.htap.gate_demo; then
    echo "DEMO FAILED: the gate passed on a broken replication task"
    exit 1
fi
printf '\nDemo finished: the gate passed on healthy replication and stopped the deployment on a broken task.\n'
