#!/usr/bin/env bash
# Sourced by integration targets: starts the adversary (htapsim.adversary, a server scripted to give
# the worst answers) over HTTP on 127.0.0.1, stopped on exit with the simulators. Needs simulator.sh
# sourced first. Sets ADV_URL. Scripts are POSTed to $ADV_URL/__adv__/script.
ADV_DIR=$(mktemp -d)
"$SIM_PY" -m htapsim.adversary --port 0 --url-file "$ADV_DIR/url" > "$ADV_DIR/log" 2>&1 &
ADV_PID=$!
SIM_PIDS+=("$ADV_PID")
SIM_DIRS+=("$ADV_DIR")
for _ in $(seq 100); do
    [ -s "$ADV_DIR/url" ] && break
    kill -0 "$ADV_PID" 2>/dev/null || { cat "$ADV_DIR/log"; exit 1; }
    sleep 0.1
done
ADV_URL=$(cat "$ADV_DIR/url")
export ADV_URL ADV_DIR
