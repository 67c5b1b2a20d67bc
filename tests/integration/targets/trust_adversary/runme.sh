#!/usr/bin/env bash
# Trust: an adversarial server never gets a green light through the module, the lookup or the role;
# secrets it echoes never appear in any output at -vvvv; a dribbled answer is cut in time.
set -eu
source ../setup_simulator/files/simulator.sh healthy
source ../setup_simulator/files/adversary.sh
set -x

# Credentials as the SDK reads them; the adversary does not check them.
export HUAWEICLOUD_SDK_AK=SIMAK0000000000000001
export HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001
export HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef

"$SIM_PY" cases.py > cases.json
ansible-playbook -i ../../inventory trust.yml -e "adv_url=$ADV_URL" "$@"

# Names with terminal control characters (a faked "gate passed" line) and a 2 MB name: the output at -v
# has no escape character, no carriage return, no faked line, and stays small (it was 46 MB).
ANSIBLE_NOCOLOR=1 ansible-playbook -i ../../inventory display.yml -e "adv_url=$ADV_URL" -v > "$ADV_DIR/display.out" 2>&1
"$SIM_PY" - "$ADV_DIR/display.out" <<'CHECK'
import sys
out = open(sys.argv[1], 'rb').read()
assert b'\x1b' not in out and b'\r' not in out, 'a control character reached the terminal'
assert not any(line.lstrip().startswith(b'Replication gate passed') for line in out.splitlines()), 'a faked line'
assert b'NOT READY' in out and b'x1b[2K' in out, 'the report names the task, escaped'
assert len(out) < 1000000, 'output of %d bytes' % len(out)
CHECK

# A body dribbled one byte a second: two attempts of at most connect_timeout + read_timeout (2 + 2 s)
# within retry_max_time (3 s) plus one attempt. Before, this ran for over 14 minutes.
"$SIM_PY" fuzz_secrets.py "$ADV_URL" --script '[{"path": "replication$", "json": {"total_count": 0, "replications": []}, "dribble": 1}]'
start=$(date +%s)
if ansible localhost -i ../../inventory -m taurusdb.htap.taurusdb_starrocks_replication_info \
        -a "instance_id=01010101010101010101010101010101in17 endpoint=$ADV_URL connect_timeout=2 read_timeout=2 retries=1 retry_max_time=3" \
        > "$ADV_DIR/dribble.out" 2>&1; then
    echo "the module passed on a dribbled answer"; exit 1
fi
elapsed=$(( $(date +%s) - start ))
grep -q 'took longer than 4 s' "$ADV_DIR/dribble.out"
# generous for a busy machine: the point is that it ends, and long before the old 14 minutes
[ "$elapsed" -lt 60 ]

# Random secrets echoed into every field, through every entry point, at -vvvv.
"$SIM_PY" fuzz_secrets.py "$ADV_URL"
