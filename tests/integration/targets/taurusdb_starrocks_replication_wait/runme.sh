#!/usr/bin/env bash
# The controller-side wait: module_defaults, the environment keyword, check mode, a string instance,
# the deadline cutting a slow server, the explanation of a broken task, and live progress.
set -eu
source ../setup_simulator/files/simulator.sh healthy
set -x

export HUAWEICLOUD_SDK_AK=SIMAK0000000000000001
export HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001
export HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef

ansible-playbook -i ../../inventory main.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"

# Live progress at the default verbosity: one line a round, with task names and percentages.
sim_scenario syncing-then-ready
out=$(ansible-playbook -i ../../inventory progress.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" 2>&1)
echo "$out"
echo "$out" | grep -Eq 'round 1, [0-9]+s: 0/1 instance\(s\) ready; waiting on 01010101010101010101010101010101in17: users_db \((wait|full) [0-9]+%\)'
echo "$out" | grep -Eq 'round [0-9]+, [0-9]+s: 1/1 instance\(s\) ready$'
