#!/usr/bin/env bash
# Why a task broke: the configuration module against the simulator over HTTPS.
set -eu
source ../setup_simulator/files/simulator.sh broken-with-explanation
set -x
ansible-playbook -i ../../inventory main.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"
