#!/usr/bin/env bash
# The lookup and the replication_gate role against the simulator over HTTPS: every verdict, its reports,
# request counts, on_missing, option sources, and the role's argument validation.
set -eu
source ../setup_simulator/files/simulator.sh healthy
set -x

# The lookup reads credentials from the controller's environment, like the official SDK.
export HUAWEICLOUD_SDK_AK=SIMAK0000000000000001
export HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001
export HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef

# Results are plain data: storing them with set_fact must not warn about their type.
out=$(ansible-playbook -i ../../inventory lookup.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@" 2>&1) || { echo "$out"; exit 1; }
echo "$out"
if echo "$out" | grep -q 'unsupported in variable storage'; then echo "a result type warned in set_fact"; exit 1; fi
ansible-playbook -i ../../inventory gate.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"
ansible-playbook -i ../../inventory reports.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"
ansible-playbook -i ../../inventory bounds.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"
ansible-playbook -i ../../inventory reports_flapping.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"

# replication_gate_resume_paused: the role says which tasks it resumed, and no task name ever ran as a template.
trap_dir=$(mktemp -d)
out=$(ansible-playbook -i ../../inventory resume.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA trap_dir=$trap_dir" "$@" 2>&1) \
    || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q "resumed: task orders_db of instance 01010101010101010101010101010101in17"
[ -z "$(ls -A "$trap_dir")" ] || { echo "a task name ran as a template"; exit 1; }
rm -rf "$trap_dir"

# A failed gate stops the play: nothing after it runs, and the exit code says so.
sim_scenario one-broken
set +e
out=$(ansible-playbook -i ../../inventory stop.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ]
echo "$out" | grep -q 'users_db (users -> users_sr): status No, stage incremental, 100% - status is No (abnormal)'
if echo "$out" | grep -q 'AFTER THE GATE'; then echo "a task after the failed gate ran"; exit 1; fi

# One report: the role prints it once, and the failure ([ERROR] and fatal:) says only its first line,
# with the default callback and with the YAML one.
for format in json yaml; do
    out=$(ANSIBLE_CALLBACK_RESULT_FORMAT=$format ansible-playbook -i ../../inventory stop.yml \
        -e "sim_url=$SIM_URL sim_ca=$SIM_CA" 2>&1) && { echo "$out"; exit 1; }
    times=$(echo "$out" | grep -c 'users_db (users -> users_sr): status No, stage incremental' || true)
    [ "$times" -eq 1 ] || { echo "$out"; echo "the report is printed $times times ($format)"; exit 1; }
    echo "$out" | grep -q '^\[ERROR\]: .*Replication gate failed: 1 of 1 instance(s) not ready. The report is above.$'
done
