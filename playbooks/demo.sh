#!/usr/bin/env bash
# The gate demo from a checkout: runs the playbook taurusdb.htap.demo (playbooks/demo.yml) with the
# checkout as the collection. It starts the collection's simulator, gates a deployment whose replication
# is still syncing (it waits, shows progress, passes), then one with a broken task (it fails fast with
# its report), and stops the simulator. Exits 0 when both outcomes are the expected ones.
# An installed collection runs the same with: ansible-playbook taurusdb.htap.demo
#
# Environment: PYTHON (default python3), TAURUSDB_VENV (default .venv in the checkout; ansible-core and
# requests are installed there when it lacks them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${TAURUSDB_VENV:-$ROOT/.venv}

if [ ! -x "$VENV/bin/ansible-playbook" ] || ! "$VENV/bin/python" -c 'import requests' 2>/dev/null; then
    echo "Installing ansible-core and requests into $VENV ..."
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'ansible-core>=2.19,<2.20' -r "$ROOT/requirements.txt"
fi
export PATH="$VENV/bin:$PATH"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The checkout as the collection taurusdb.htap.
mkdir -p "$WORK/ansible_collections/taurusdb"
ln -s "$ROOT" "$WORK/ansible_collections/taurusdb/htap"
# An explicit local inventory: the implicit localhost makes ansible-playbook warn.
printf 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n' > "$WORK/inventory"
export ANSIBLE_COLLECTIONS_PATH="$WORK" ANSIBLE_INVENTORY="$WORK/inventory" ANSIBLE_CALLBACK_RESULT_FORMAT=yaml \
    ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-}

ansible-playbook taurusdb.htap.demo
