#!/usr/bin/env bash
# The module against the simulator over HTTPS: every auth method, request counts, failures,
# and ad-hoc runs (also at -vvvv, checking that no secret is printed).
set -eu
source ../setup_simulator/files/simulator.sh healthy
set -x

ansible-playbook -i ../../inventory main.yml -e "sim_url=$SIM_URL sim_ca=$SIM_CA" "$@"

sim_scenario healthy

# Ad hoc, credentials from the environment as the official SDK reads them.
export HUAWEICLOUD_SDK_AK=SIMAK0000000000000001
export HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001
export HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef
export TAURUSDB_ENDPOINT="$SIM_URL"
out=$(ansible localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \
    -a "instance_id=01010101010101010101010101010101in17 ca_path=$SIM_CA")
echo "$out" | grep -q '"all_ready": true'
echo "$out" | grep -q '"total_count": 3'

# A failure at -vvvv: clear message, and neither the secret key nor the IAM password anywhere.
set +e
out=$(HUAWEICLOUD_SDK_SK=wrong-secret-value-0001 ansible -vvvv localhost \
    -m taurusdb.htap.taurusdb_starrocks_replication_info \
    -a "instance_id=01010101010101010101010101010101in17 ca_path=$SIM_CA" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ]
echo "$out" | grep -q 'credentials were rejected'
echo "$out" | grep -q 'APIGW.0301'
if echo "$out" | grep -q 'wrong-secret-value-0001'; then echo "secret leaked at -vvvv"; exit 1; fi

unset HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK
set +e
out=$(ansible -vvvv localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \
    -a "instance_id=01010101010101010101010101010101in17 ca_path=$SIM_CA iam_endpoint=$SIM_URL iam_user=sim-user iam_domain=sim-domain iam_password=leaky-password-0002" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ]
echo "$out" | grep -q 'The username or password is wrong'
if echo "$out" | grep -q 'leaky-password-0002'; then echo "password leaked at -vvvv"; exit 1; fi
