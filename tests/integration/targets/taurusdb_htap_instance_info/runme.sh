#!/usr/bin/env bash
# Which StarRocks instances a TaurusDB instance has: the discovery module against the simulator.
set -eu
source ../setup_simulator/files/simulator.sh htap-family
set -x
ansible-playbook -i ../../inventory main.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"
