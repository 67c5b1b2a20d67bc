#!/usr/bin/env bash
# Credentials and endpoints found the way the official SDK finds them, through real Ansible: the project id
# from IAM, the IAM endpoint, cloud-server metadata credentials, a proxy, client certificates and endpoint
# fail-over - in the module, the lookup, the wait action and the role - and never a secret in the output.
set -eu
source ../setup_simulator/files/simulator.sh healthy   # HTTPS: SIM_URL, SIM_CA
sim_start PLAIN --scenario healthy                      # plain HTTP (and an HTTP proxy): PLAIN_URL
sim_start MTLS --mtls --scenario healthy                # mutual TLS: MTLS_URL, its CA and a client certificate in MTLS_DIR
DEAD_URL="http://127.0.0.1:$(sim_free_port)"            # nothing listens there: connections are refused
INSTANCE=01010101010101010101010101010101in17
for name in HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK HUAWEICLOUD_SDK_PROJECT_ID HUAWEICLOUD_SDK_SECURITY_TOKEN CLOUD_SDK_AK \
        CLOUD_SDK_SK TAURUSDB_ENDPOINT TAURUSDB_REGION TAURUSDB_AUTH_TOKEN HUAWEICLOUD_SDK_CREDENTIALS_FILE \
        HUAWEICLOUD_SDK_IAM_ENDPOINT TAURUSDB_METADATA_CREDENTIALS TAURUSDB_METADATA_URL HTTP_PROXY http_proxy \
        HTTPS_PROXY https_proxy ALL_PROXY all_proxy NO_PROXY no_proxy; do
    unset "$name"
done
export HOME="$SIM_DIR/home"   # no ~/.huaweicloud/credentials of the machine
mkdir -p "$HOME"
set -x

# 1. Only the official SDK's environment: AK/SK, the IAM endpoint and the region's endpoint; region and
#    instance on the command line. The project id is found from IAM with one request.
(
    export HUAWEICLOUD_SDK_AK=SIMAK0000000000000001
    export HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001
    export HUAWEICLOUD_SDK_IAM_ENDPOINT="$PLAIN_URL"
    export HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4="$PLAIN_URL"
    out=$(ansible localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \
        -a "region=cn-north-4 instance_id=01010101010101010101010101010101in17")
    echo "$out" | grep -q '"all_ready": true'
    echo "$out" | grep -q '"total_count": 3'
    sim_check "$PLAIN_URL" "s['routes'] == {'iam_projects': 1, 'replication': 1} and s['auth'] == {'aksk': 2}"

    # The same override listing a dead endpoint first: it is passed over, and the one that worked is used.
    sim_scenario healthy "$PLAIN_URL"
    export HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4="$DEAD_URL,$PLAIN_URL"
    ansible localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \
        -a "region=cn-north-4 instance_id=$INSTANCE" | grep -q '"all_ready": true'
    sim_check "$PLAIN_URL" "s['routes'] == {'iam_projects': 1, 'replication': 1}"

    # No project of that name: a clear error naming the region, from the module, at -vvvv without the secret key.
    set +e
    out=$(ansible -vvvv localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \
        -a "region=cn-east-5 instance_id=$INSTANCE endpoint=$PLAIN_URL" 2>&1)
    rc=$?
    set -e
    [ "$rc" -ne 0 ]
    echo "$out" | grep -q 'IAM has no project named cn-east-5'
    if echo "$out" | grep -q 'simsk-secret-0000000000000000000000001'; then echo "secret key leaked"; exit 1; fi
)

# 2. Playbooks: the module, the lookup and the wait action; then the role.
VARS=(-e "sim_url=$SIM_URL" -e "sim_ca=$SIM_CA" -e "plain_url=$PLAIN_URL" -e "mtls_url=$MTLS_URL"
      -e "mtls_dir=$MTLS_DIR" -e "dead_url=$DEAD_URL" -e "work_dir=$SIM_DIR")
ansible-playbook -i ../../inventory main.yml "${VARS[@]}" "$@"
ansible-playbook -i ../../inventory gate.yml "${VARS[@]}" "$@"

# 3. A proxy whose password is wrong, at -vvvv: a clear error and the password in no form.
"$SIM_PY" -c 'import json, sys, urllib.request
body = json.dumps({"scenario": {"proxy": {"user": "gate", "password": "right-proxy-pass"},
                                "instances": [{"id": sys.argv[2], "tasks": [{"task_name": "a_db"}]}]}}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/__sim__/scenario", data=body, method="POST"), timeout=10)' \
    "$PLAIN_URL" "$INSTANCE"
PROXY_PASSWORD='wr0ng:pr0xy@pass'
PROXY_URL="http://gate:wr0ng%3Apr0xy%40pass@${PLAIN_URL#http://}"
set +e
out=$(ansible -vvvv localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \
    -a "instance_id=$INSTANCE endpoint=http://gaussdb.example.invalid project_id=0123456789abcdef0123456789abcdef access_key=SIMAK0000000000000001 secret_key=simsk-secret-0000000000000000000000001 retries=0 proxy=$PROXY_URL" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ]
echo "$out" | grep -q 'HTTP 407'
echo "$out" | grep -q 'check the user and password in the proxy option'
basic=$(printf '%s' "gate:$PROXY_PASSWORD" | base64)
for form in "$PROXY_PASSWORD" 'wr0ng%3Apr0xy%40pass' "$basic" "$PROXY_URL"; do
    if echo "$out" | grep -qF -- "$form"; then echo "the proxy password leaked as $form"; exit 1; fi
done
sim_check "$PLAIN_URL" "s['routes'] == {'proxy_auth': 1} and s['proxied'] == 1"

# 4. Metadata credentials asked for through the environment, off the cloud: fails at once, clearly.
set +e
out=$(TAURUSDB_METADATA_CREDENTIALS=true TAURUSDB_METADATA_URL="$DEAD_URL" ansible localhost \
    -m taurusdb.htap.taurusdb_starrocks_replication_info \
    -a "instance_id=$INSTANCE endpoint=$PLAIN_URL project_id=0123456789abcdef0123456789abcdef" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ]
echo "$out" | grep -q 'Getting temporary credentials from the cloud-server metadata service'
echo "$out" | grep -q 'exist only on a Huawei Cloud server'
