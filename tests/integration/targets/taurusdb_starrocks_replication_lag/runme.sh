#!/usr/bin/env bash
# The heartbeat module (taurusdb_starrocks_replication_lag) against a real MariaDB, two databases standing for
# TaurusDB and StarRocks: main.yml (create, missing table, no row, beyond max_lag, caught up, check mode, wrong
# password, closed port, a server that never answers, SQL injection in the table name), lagging.yml (a copy that
# lags, made here), then ad hoc at -vvvv (no password in the output) and without PyMySQL.
set -eu
source ../setup_mariadb/files/mariadb.sh
PY=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
MODULE=taurusdb.htap.taurusdb_starrocks_replication_lag

# A closed port, and one that accepts connections and never answers (stopped on exit, by PID, with MariaDB).
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
CLOSED_PORT=$(free_port)
SILENT_PORT=$(free_port)
"$PY" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8); time.sleep(600)' "$SILENT_PORT" &
SILENT_PID=$!
COPIER_PID=
stop_helpers() {
    kill "$SILENT_PID" ${COPIER_PID:+"$COPIER_PID"} 2>/dev/null || true
    wait "$SILENT_PID" ${COPIER_PID:+"$COPIER_PID"} 2>/dev/null || true
}
# shellcheck disable=SC2064  # mariadb.sh's exit trap is fixed now, on purpose, and runs after ours
trap "stop_helpers; $(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT$/\1/")" EXIT
export CLOSED_PORT SILENT_PORT
set -x

ansible-playbook -i ../../inventory main.yml "$@"

# A synchronization that lags LAG seconds: every 0.1 s, the heartbeats at least LAG seconds old reach the target.
export LAG=1.5
TABLE=taurusdb_htap_heartbeat
set +x
while :; do
    mariadb_sql "REPLACE INTO $MARIADB_TARGET_DB.$TABLE SELECT id, ts FROM $MARIADB_SOURCE_DB.$TABLE
                 WHERE ts <= UTC_TIMESTAMP(6) - INTERVAL $LAG SECOND" || true
    sleep 0.1
done &
COPIER_PID=$!
set -x
ansible-playbook -i ../../inventory lagging.yml "$@"
kill "$COPIER_PID" && wait "$COPIER_PID" 2>/dev/null || true
COPIER_PID=

# Ad hoc at -vvvv: a wrong password is a clear failure, and no password (wrong or right) is in the output.
args() {  # args SOURCE_PASSWORD TARGET_PASSWORD: the module's arguments as JSON (max_lag 0.001: no waiting to speak of)
    printf '{"source": {"login_host": "%s", "login_port": %s, "login_user": "%s", "login_password": "%s", "database": "%s"},
              "target": {"login_host": "%s", "login_port": %s, "login_user": "%s", "login_password": "%s", "database": "%s"}, "max_lag": 0.001}' \
        "$MARIADB_HOST" "$MARIADB_PORT" "$MARIADB_SOURCE_USER" "$1" "$MARIADB_SOURCE_DB" \
        "$MARIADB_HOST" "$MARIADB_PORT" "$MARIADB_TARGET_USER" "$2" "$MARIADB_TARGET_DB"
}
set +x
out=$(ansible -vvvv localhost -m "$MODULE" -a "$(args leaky-Wrong-0004 "$MARIADB_TARGET_PASSWORD")" 2>&1) && exit 1
echo "$out" | grep -q "source 127.0.0.1:$MARIADB_PORT (database $MARIADB_SOURCE_DB): cannot connect: MySQL error 1045"
for secret in leaky-Wrong-0004 "$MARIADB_TARGET_PASSWORD"; do
    if echo "$out" | grep -qF -- "$secret"; then echo "a password is in the output at -vvvv"; exit 1; fi
done
out=$(ansible -vvvv localhost -m "$MODULE" -a "$(args "$MARIADB_SOURCE_PASSWORD" "$MARIADB_TARGET_PASSWORD")" 2>&1)
echo "$out" | grep -q '"wrote": true'
for secret in "$MARIADB_SOURCE_PASSWORD" "$MARIADB_TARGET_PASSWORD"; do
    if echo "$out" | grep -qF -- "$secret"; then echo "a password is in the output at -vvvv"; exit 1; fi
done

# Without PyMySQL: the module on a Python that lacks it fails with missing_required_lib, saying what to install.
NO_PYMYSQL=
for candidate in /usr/bin/python3 /usr/local/bin/python3; do
    if [ -x "$candidate" ] && ! "$candidate" -c 'import pymysql' 2>/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null; then
        NO_PYMYSQL=$candidate
        break
    fi
done
if [ -n "$NO_PYMYSQL" ]; then
    out=$(ansible localhost -m "$MODULE" -a "$(args "$MARIADB_SOURCE_PASSWORD" "$MARIADB_TARGET_PASSWORD")" \
        -e "ansible_python_interpreter=$NO_PYMYSQL" 2>&1) && exit 1
    echo "$out" | grep -q 'Failed to import the required Python library (PyMySQL)'
    echo "checked: without PyMySQL ($NO_PYMYSQL), the module fails with missing_required_lib"
else
    echo "NOT CHECKED here: no Python without PyMySQL to run the module on (the unit tests check missing_required_lib)"
fi
