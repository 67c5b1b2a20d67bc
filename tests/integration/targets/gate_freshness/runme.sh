#!/usr/bin/env bash
# The gate with max_lag against a real MariaDB (two databases standing for TaurusDB and StarRocks) and the
# simulator's heartbeat copier, which copies the heartbeat table as its scenario's task would: through the
# wait action (wait.yml: pass, wait then pass, a configured lag measured, copy stopped, bad credentials) and
# the replication_gate role (role.yml), then a bad password at -vvvv (no password in the output).
set -eu
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
