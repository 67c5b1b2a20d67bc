#!/usr/bin/env bash
# Sourced by integration targets: starts the simulator over HTTPS on 127.0.0.1 and stops it on exit.
# Sets SIM_URL, SIM_CA and SIM_DIR. Usage: source ../setup_simulator/files/simulator.sh [scenario]
# The simulator is the installed package htapsim (pip install ./roles/simulator/files; tests/run-all.sh does).
SIM_DIR=$(mktemp -d)
SIM_PY=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
"$SIM_PY" -c 'import htapsim' 2>/dev/null || { echo "htapsim is not installed for $SIM_PY: pip install ./roles/simulator/files"; exit 1; }
"$SIM_PY" -m htapsim --tls --port 0 --scenario "${1:-healthy}" \
    --cert-dir "$SIM_DIR" --url-file "$SIM_DIR/url" > "$SIM_DIR/log" 2>&1 &
SIM_PID=$!
SIM_PIDS=("$SIM_PID")
SIM_DIRS=("$SIM_DIR")
sim_stop_all() {
    local pid
    for pid in "${SIM_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "${SIM_DIRS[@]}"
}
trap sim_stop_all EXIT
for _ in $(seq 100); do
    [ -s "$SIM_DIR/url" ] && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$SIM_DIR/log"; exit 1; }
    sleep 0.1
done
SIM_URL=$(cat "$SIM_DIR/url")
SIM_CA="$SIM_DIR/htapsim-ca.pem"
export SIM_URL SIM_CA SIM_DIR

# sim_scenario NAME [URL [CA]]: load a bundled scenario (also resets the counters and the clock).
sim_scenario() {
    "$SIM_PY" -m htapsim.control "${2:-$SIM_URL}" scenario "$1" --ca "${3:-$SIM_CA}" > /dev/null
}

# sim_start NAME [htapsim options...]: one more simulator, plain HTTP unless --tls or --mtls is given, stopped on
# exit like the first. Sets and exports NAME_URL and NAME_DIR (with --tls/--mtls: htapsim-ca.pem there, and with
# --mtls htapsim-client.pem and htapsim-client-key.pem).
sim_start() {
    local name=$1 dir pid
    shift
    dir=$(mktemp -d)
    "$SIM_PY" -m htapsim --port 0 --cert-dir "$dir" --url-file "$dir/url" "$@" > "$dir/log" 2>&1 &
    pid=$!
    SIM_PIDS+=("$pid")
    SIM_DIRS+=("$dir")
    for _ in $(seq 100); do
        [ -s "$dir/url" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$dir/log"; exit 1; }
        sleep 0.1
    done
    printf -v "${name}_URL" '%s' "$(cat "$dir/url")"
    printf -v "${name}_DIR" '%s' "$dir"
    export "${name?}_URL" "${name?}_DIR"
}

# sim_stats [URL [CA]]: the counters of a simulator (default: the first) as JSON on stdout.
sim_stats() {
    "$SIM_PY" - "${1:-$SIM_URL}" "${2:-$SIM_CA}" <<'PYTHON'
import ssl, sys, urllib.request
url, ca = sys.argv[1], sys.argv[2]
context = ssl.create_default_context(cafile=ca) if url.startswith('https') else None
with urllib.request.urlopen(url + '/__sim__/stats', context=context, timeout=10) as answer:
    sys.stdout.write(answer.read().decode())
PYTHON
}

# sim_check [URL [CA]] PYTHON-EXPRESSION: fails (printing the counters) unless the expression holds for them (`s`).
sim_check() {
    local url=$SIM_URL ca=$SIM_CA
    if [ $# -gt 1 ]; then url=$1; shift; fi
    if [ $# -gt 1 ]; then ca=$1; shift; fi
    sim_stats "$url" "$ca" | "$SIM_PY" -c 'import json, sys
s = json.load(sys.stdin)
s.pop("log", None)
if not eval(sys.argv[1]):
    sys.exit("simulator counters do not satisfy %s: %s" % (sys.argv[1], json.dumps(s, sort_keys=True)))' "$1"
}

# sim_free_port: a local port nothing listens on (connections to it are refused).
sim_free_port() {
    "$SIM_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
