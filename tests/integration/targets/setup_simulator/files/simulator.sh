#!/usr/bin/env bash
# Sourced by integration targets: starts the simulator over HTTPS on 127.0.0.1 and stops it on exit.
# Sets SIM_URL, SIM_CA and SIM_DIR. Usage: source ../setup_simulator/files/simulator.sh [scenario]
# ansible-test runs targets from a copy of tests/integration only; the collection itself is
# on ANSIBLE_COLLECTIONS_PATH. Outside ansible-test, the relative path works.
SIM_SOURCE=""
IFS=: read -r -a _sim_paths <<< "${ANSIBLE_COLLECTIONS_PATH:-}"
for _sim_path in "${_sim_paths[@]}" "$(dirname "${BASH_SOURCE[0]}")/../../../../.."; do
    for _sim_candidate in "$_sim_path/ansible_collections/taurusdb/htap/tests/simulator" "$_sim_path/tests/simulator"; do
        if [ -d "$_sim_candidate/htapsim" ]; then SIM_SOURCE=$(cd "$_sim_candidate" && pwd); break 2; fi
    done
done
[ -n "$SIM_SOURCE" ] || { echo "simulator not found (tests/simulator)"; exit 1; }
SIM_DIR=$(mktemp -d)
SIM_PY=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
PYTHONPATH="$SIM_SOURCE" "$SIM_PY" -m htapsim --tls --port 0 --scenario "${1:-healthy}" \
    --cert-dir "$SIM_DIR" --url-file "$SIM_DIR/url" > "$SIM_DIR/log" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; rm -rf "$SIM_DIR"' EXIT
for _ in $(seq 100); do
    [ -s "$SIM_DIR/url" ] && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$SIM_DIR/log"; exit 1; }
    sleep 0.1
done
SIM_URL=$(cat "$SIM_DIR/url")
SIM_CA="$SIM_DIR/htapsim-ca.pem"
export SIM_URL SIM_CA SIM_DIR

# sim_scenario NAME: load a bundled scenario (also resets the counters and the clock).
sim_scenario() {
    PYTHONPATH="$SIM_SOURCE" "$SIM_PY" -m htapsim.control "$SIM_URL" scenario "$1" --ca "$SIM_CA" > /dev/null
}
