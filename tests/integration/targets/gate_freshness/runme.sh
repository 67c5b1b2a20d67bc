#!/usr/bin/env bash
# The gate with max_lag against a real MariaDB (two databases standing for TaurusDB and StarRocks) and the
# simulator's heartbeat copier, which copies the heartbeat table as its scenario's task would: through the
# wait action (wait.yml: pass, wait then pass, a configured lag measured, copy stopped, bad credentials) and
# the replication_gate role (role.yml), then a bad password at -vvvv (no password in the output).
set -eu
PY=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
source ../setup_simulator/files/simulator.sh healthy
source ../setup_mariadb/files/mariadb.sh

# The heartbeat table on both sides (the synchronization task would create it on the target), and a user of
# the copier's own: it reads the source and writes the target, which the gate's target user only reads.
TABLE=taurusdb_htap_heartbeat
COPIER_PASSWORD=copier-Pw-$RANDOM$RANDOM
mariadb_sql "
CREATE TABLE $MARIADB_SOURCE_DB.$TABLE (id INT NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL);
CREATE TABLE $MARIADB_TARGET_DB.$TABLE (id INT NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL);
CREATE USER 'hb_copier'@'127.0.0.1' IDENTIFIED BY '$COPIER_PASSWORD';
GRANT SELECT ON $MARIADB_SOURCE_DB.* TO 'hb_copier'@'127.0.0.1';
GRANT SELECT, INSERT, DELETE ON $MARIADB_TARGET_DB.* TO 'hb_copier'@'127.0.0.1';"
HTAPSIM_HEARTBEAT_SOURCE_USER=hb_copier HTAPSIM_HEARTBEAT_SOURCE_PASSWORD=$COPIER_PASSWORD \
    HTAPSIM_HEARTBEAT_TARGET_USER=hb_copier HTAPSIM_HEARTBEAT_TARGET_PASSWORD=$COPIER_PASSWORD \
    sim_start HB --scenario healthy --heartbeat-source "127.0.0.1:$MARIADB_PORT/$MARIADB_SOURCE_DB" \
    --heartbeat-target "127.0.0.1:$MARIADB_PORT/$MARIADB_TARGET_DB"
set -x

ansible-playbook -i ../../inventory wait.yml -e "sim_url=$HB_URL" "$@"
ansible-playbook -i ../../inventory role.yml -e "sim_url=$HB_URL" "$@"

# A wrong password at -vvvv: the failure names the side and host; neither password shows anywhere.
set +e
out=$(ansible-playbook -i ../../inventory role.yml -e "sim_url=$HB_URL" -e '{"only_bad_password": true}' -vvvv 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "$out"; echo "rc $rc"; exit 1; }
echo "$out" | grep -q "heartbeat failed: target 127.0.0.1:$MARIADB_PORT" || { echo "$out"; exit 1; }
for secret in "$MARIADB_SOURCE_PASSWORD" "$MARIADB_TARGET_PASSWORD" wrong-Pw-0123456789; do
    if echo "$out" | grep -qF -- "$secret"; then echo "a database password is in the output"; exit 1; fi
done

# The freshness guide's gate playbook, as written: the cloud API from the environment, the databases from
# variables, with users of the names it uses.
# the collection under test (ansible-test runs this target from a copy of tests/integration only)
COLLECTION=$(ansible-galaxy collection list taurusdb.htap --format json | "$PY" -c \
    'import json, sys; print([p for p, c in json.load(sys.stdin).items() if "taurusdb.htap" in c][0])')
GUIDE=$COLLECTION/taurusdb/htap/docs/docsite/rst/guide_freshness.rst
"$PY" - "$GUIDE" > guide_gate.yml <<'PYTHON'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read().split('\nA gate with max_lag\n', 1)[1]
block = text.split('.. code-block:: yaml+jinja\n', 1)[1]
lines = [line[3:] for line in re.match(r'\n((?:   .*\n|\n)+)', block).group(1).splitlines()]
print('\n'.join(lines))
PYTHON
READER_PASSWORD=reader-Pw-$RANDOM$RANDOM
mariadb_sql "
CREATE USER 'heartbeat'@'127.0.0.1' IDENTIFIED BY '$MARIADB_SOURCE_PASSWORD';
GRANT SELECT, INSERT, DELETE ON $MARIADB_SOURCE_DB.$TABLE TO 'heartbeat'@'127.0.0.1';
CREATE USER 'heartbeat_reader'@'127.0.0.1' IDENTIFIED BY '$READER_PASSWORD';
GRANT SELECT ON $MARIADB_TARGET_DB.$TABLE TO 'heartbeat_reader'@'127.0.0.1';"
"$PY" -m htapsim.control "$HB_URL" scenario healthy > /dev/null
out=$(TAURUSDB_ENDPOINT=$HB_URL HUAWEICLOUD_SDK_AK=SIMAK0000000000000001 \
    HUAWEICLOUD_SDK_SK=simsk-secret-0000000000000000000000001 \
    HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef \
    ansible-playbook -i ../../inventory guide_gate.yml -e starrocks_instance=01010101010101010101010101010101in17 \
    -e "taurusdb_host=127.0.0.1 taurusdb_port=$MARIADB_PORT starrocks_host=127.0.0.1 starrocks_port=$MARIADB_PORT" \
    -e "source_database=$MARIADB_SOURCE_DB target_database=$MARIADB_TARGET_DB" \
    -e "heartbeat_password=$MARIADB_SOURCE_PASSWORD heartbeat_reader_password=$READER_PASSWORD" 2>&1) ||
    { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q 'round 1, 0s: 1/1 instance(s) ready; heartbeat lag .* (max_lag 5 s)'
echo "$out" | grep -q 'StarRocks is [0-9.]* s behind: deploying'
