#!/usr/bin/env bash
# Replication as code through real Ansible against the simulator: create, again (nothing sent), check mode (no
# write), diff, pause, resume, absent, a failing job, a 503 on create (one task all the same), ad hoc, and the guide
# "Replication as code" as written (inventory, playbook, commands, output). Each case's requests are recorded from
# the simulator's counters (sent.py), checked, and printed as a table at the end.
set -eu
PY=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
source ../setup_simulator/files/simulator.sh healthy
ROWS=$(mktemp -d)
SIM_DIRS+=("$ROWS")
set -x

sent() { "$PY" sent.py "$SIM_URL" "$SIM_CA" "$ROWS" "$@"; }

# run_case TAG EXPRESSION [ansible-playbook options]: the tag of main.yml; its requests checked against EXPRESSION
# (r: requests per route, w: writes per action, seq: in order; see sent.py) and added to the table.
run_case() {
    local tag=$1 expression=$2
    shift 2
    sent mark
    ansible-playbook -i ../../inventory main.yml --tags "$tag" -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"
    sent row "$tag" "$expression"
}

# Read before (list, and the configuration of a task that is there), write, its job polled until Completed (3
# polls: Pending, Running, Completed), read after.
run_case create "r == {'replication': 2, 'replication_config': 1, 'replication_create': 1, 'jobs': 3} and w['total'] == 1"
run_case again "r == {'replication': 1, 'replication_config': 1} and w['total'] == 0"
run_case check "r == {'replication': 3, 'replication_config': 2} and w['total'] == 0"

# --diff: the task before and after, as Ansible prints it.
sent mark
out=$(ansible-playbook -i ../../inventory main.yml --tags diff --diff -e "sim_url=$SIM_URL sim_ca=$SIM_CA" 2>&1) ||
    { echo "$out"; exit 1; }
echo "$out"
sent row diff "r == {'replication': 3, 'replication_config': 3, 'replication_change': 1, 'jobs': 3} and w['total'] == 1"
diff_text=$(echo "$out" | sed -n '/^--- before$/,/^changed: /p')
for line in '^\+\+\+ after$' '^ +"task_name": "sales_db"$' '^ +"table_repl_config": \{$' \
        '^- +"repl_scope": "all",$' '^- +"repl_type": "exclude_tables",$' '^- +"tables": \[\]$' \
        '^\+ +"repl_scope": "part",$' '^\+ +"repl_type": "include_tables",$' '^\+ +"tables": \[$' \
        '^\+ +"sales",$' '^\+ +"sales_lines"$'; do
    echo "$diff_text" | grep -Eq -- "$line" || { echo "the diff has no line matching $line"; exit 1; }
done
[ "$(echo "$out" | grep -c '^--- before$')" -eq 1 ] || { echo "a diff for the task that did not change"; exit 1; }

run_case pause "r == {'replication': 2, 'replication_config': 2, 'replication_pause': 1, 'jobs': 3} and w['total'] == 1"
run_case pause_again "r == {'replication': 1, 'replication_config': 1} and w['total'] == 0"
run_case resume "r == {'replication': 2, 'replication_config': 2, 'replication_resume': 1, 'jobs': 3} and w['total'] == 1"
run_case absent "r == {'replication': 2, 'replication_config': 1, 'replication_delete': 1, 'jobs': 3} and w['total'] == 1"
run_case absent_again "r == {'replication': 1} and w['total'] == 0"
# the job fails at its third poll; the task is not read again (nothing changed)
run_case fail_job "r == {'replication': 1, 'replication_create': 1, 'jobs': 3} and w['total'] == 1"
run_case fail_job_listing "r == {'replication': 1}"
# the create is done and answered 503: read (list and configuration) instead of sent again, then read after
run_case lost_answer "seq == ['GET replication', 'POST replication_create 503', 'GET replication', 'GET replication_config',
                             'GET replication', 'GET replication_config'] and w['create'] == 1 and w['total'] == 1"
run_case lost_answer_listing "r == {'replication': 1}"
run_case lost_answer_again "r == {'replication': 1, 'replication_config': 1} and w['total'] == 0"

# Ad hoc, credentials from the environment: check mode (nothing sent), then the create and the gate (wait=true),
# then again.
export HUAWEICLOUD_SDK_AK=SIMAK0000000000000001
export HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001
export HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef
ADHOC="instance_id=01010101010101010101010101010101in17 task_name=adhoc_db source_instance_id=0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07"
ADHOC="$ADHOC source_database=adhoc target_database=adhoc_sr endpoint=$SIM_URL ca_path=$SIM_CA wait_sleep=0.1"
adhoc() {
    local expected=$1 name=$2 expression=$3
    shift 3
    sent mark
    out=$(ansible localhost -m taurusdb.htap.taurusdb_starrocks_replication -a "$ADHOC" "$@" 2>&1) ||
        { echo "$out"; exit 1; }
    echo "$out"
    echo "$out" | grep -q "^localhost | $expected => {" || { echo "not $expected"; exit 1; }
    sent row "$name" "$expression"
}
adhoc CHANGED "ad hoc --check" "r == {'replication': 1} and w['total'] == 0" --check
echo "$out" | grep -q '"planned": \[$' && echo "$out" | grep -q '"actions": \[\]'
adhoc CHANGED "ad hoc, wait=true" "r['replication_create'] == 1 and r['jobs'] == 3 and w['total'] == 1" -a "$ADHOC wait=true"
echo "$out" | grep -q '"job_status": "Completed"'
echo "$out" | grep -q '"report": "Replication gate passed: all 1 instance(s) ready."'
adhoc SUCCESS "ad hoc again" "r == {'replication': 1, 'replication_config': 1} and w['total'] == 0"

# The guide, as written: its inventory (polling every 0.1 s), its playbook, its commands and the output it shows,
# against a simulator holding its instances, with the credentials and endpoint from the environment (HTTP: the
# environment has no CA option).
COLLECTION=$(ansible-galaxy collection list taurusdb.htap --format json | "$PY" -c \
    'import json, sys; print([p for p, c in json.load(sys.stdin).items() if "taurusdb.htap" in c][0])')
GUIDE=$COLLECTION/taurusdb/htap/docs/docsite/rst/guide_replication_as_code.rst
sim_start GUIDE --scenario "$PWD/guide_scenario.yml"
PLAY=$(mktemp -d)
SIM_DIRS+=("$PLAY")
"$PY" guide.py "$GUIDE" files "$PLAY"
sed -i 's/^    replication_poll_seconds: 10$/    replication_poll_seconds: 0.1/' "$PLAY/inventory/replication.yml"
grep -q '^    replication_poll_seconds: 0.1$' "$PLAY/inventory/replication.yml"
[ "$("$PY" guide.py "$GUIDE" commands)" -eq 3 ]
guide_step() {
    local number=$1 name=$2 expression=$3
    "$PY" sent.py "$GUIDE_URL" - "$ROWS" mark
    TAURUSDB_ENDPOINT=$GUIDE_URL "$PY" guide.py "$GUIDE" run "$number" "$PLAY"
    "$PY" sent.py "$GUIDE_URL" - "$ROWS" row "$name" "$expression"
}
guide_step 0 "guide: --check --diff --tags apply" "w['total'] == 0"
guide_step 1 "guide: apply and gate" \
    "w == {'create': 1, 'change': 1, 'delete': 1, 'pause': 0, 'resume': 1, 'total': 4} and r['jobs'] == 12"
guide_step 2 "guide: --tags apply again" "w['total'] == 0"

set +x
sent table
