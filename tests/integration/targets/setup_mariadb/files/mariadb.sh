#!/usr/bin/env bash
# Sourced by integration targets: a MariaDB server of the target's own, on 127.0.0.1 on a free port, in a
# temporary data directory, stopped (by its PID) and removed on exit. Two databases stand for TaurusDB (the
# source) and StarRocks (the target), each with a user of its own:
#   MARIADB_HOST MARIADB_PORT MARIADB_SOCKET MARIADB_DIR
#   MARIADB_SOURCE_DB MARIADB_SOURCE_USER MARIADB_SOURCE_PASSWORD  (SELECT, INSERT, DELETE, CREATE there)
#   MARIADB_TARGET_DB MARIADB_TARGET_USER MARIADB_TARGET_PASSWORD  (SELECT there)
#   mariadb_sql SQL : runs SQL as MariaDB's root (over the socket), printing rows tab-separated
# Usage: source ../setup_mariadb/files/mariadb.sh   (after setup_simulator's simulator.sh, whose exit trap it keeps)
#
# MariaDB is Debian's mariadb-server (tests/run-all.sh installs it, as root). Where it cannot be had, the
# target fails saying so - unless the file $HOME/taurusdb-mariadb-skip holds the reason (tests/run-all.sh and
# tests/ansible-test.sh write it from TAURUSDB_MARIADB_SKIP: ansible-test passes no environment variables on),
# and then the target is skipped, saying so.
mariadb_missing() {
    local tool
    for tool in mariadbd mariadb-install-db mariadb mariadb-admin; do
        command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null 2>&1 ||
            { echo "$tool"; return; }
    done
}
MARIADB_LACKS=$(mariadb_missing)
if [ -n "$MARIADB_LACKS" ]; then
    if [ -s "$HOME/taurusdb-mariadb-skip" ]; then
        printf '\n!!! SKIPPED: %s needs MariaDB (%s is missing): %s !!!\n\n' "$(basename "$PWD")" "$MARIADB_LACKS" \
            "$(head -c 300 "$HOME/taurusdb-mariadb-skip")"
        exit 0
    fi
    echo "MariaDB is not installed ($MARIADB_LACKS is missing): apt-get install mariadb-server (tests/run-all.sh does, as" \
        "root), or set TAURUSDB_MARIADB_SKIP to the reason it cannot be had" >&2
    exit 1
fi
export PATH="$PATH:/usr/sbin:/sbin"  # mariadbd is in /usr/sbin

MARIADB_DIR=$(mktemp -d /tmp/taurusdb-mariadb.XXXXXX)  # /tmp: the socket's path must stay short
MARIADB_SOCKET=$MARIADB_DIR/mysqld.sock
MARIADB_HOST=127.0.0.1
MARIADB_PORT=$("${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" -c \
    'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
MARIADB_PID=

mariadb_stop() {
    if [ -n "$MARIADB_PID" ]; then
        kill "$MARIADB_PID" 2>/dev/null
        wait "$MARIADB_PID" 2>/dev/null
    fi
    rm -rf "$MARIADB_DIR"
}
# keep the exit trap a script already set (simulator.sh's), run after ours
MARIADB_PREVIOUS_TRAP=$(trap -p EXIT)
MARIADB_PREVIOUS_TRAP=${MARIADB_PREVIOUS_TRAP#trap -- \'}
MARIADB_PREVIOUS_TRAP=${MARIADB_PREVIOUS_TRAP%\' EXIT}
# shellcheck disable=SC2064  # the previous trap's command is fixed now, on purpose
trap "mariadb_stop; $MARIADB_PREVIOUS_TRAP" EXIT

mariadb_fail() {
    echo "MariaDB could not be started: $1" >&2
    cat "$MARIADB_DIR/install.log" "$MARIADB_DIR/error.log" 2>/dev/null | tail -n 30 >&2
    exit 1
}

mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$MARIADB_DIR/data" --skip-test-db \
    --auth-root-authentication-method=normal > "$MARIADB_DIR/install.log" 2>&1 || mariadb_fail "mariadb-install-db failed"
mariadbd --no-defaults --user="$(id -un)" --datadir="$MARIADB_DIR/data" --socket="$MARIADB_SOCKET" \
    --port="$MARIADB_PORT" --bind-address=127.0.0.1 --pid-file="$MARIADB_DIR/mariadbd.pid" --tmpdir="$MARIADB_DIR" \
    --log-error="$MARIADB_DIR/error.log" --skip-name-resolve --innodb-buffer-pool-size=16M > /dev/null 2>&1 &
MARIADB_PID=$!
for _ in $(seq 600); do  # a safety net of a minute on a busy machine; it is up in about a second
    mariadb-admin --no-defaults --socket="$MARIADB_SOCKET" -uroot ping > /dev/null 2>&1 && break
    kill -0 "$MARIADB_PID" 2>/dev/null || mariadb_fail "mariadbd exited"
    sleep 0.1
done
mariadb-admin --no-defaults --socket="$MARIADB_SOCKET" -uroot ping > /dev/null 2>&1 || mariadb_fail "no answer in a minute"

mariadb_sql() {
    mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot --batch --skip-column-names -e "$1"
}

MARIADB_SOURCE_DB=taurus_app
MARIADB_SOURCE_USER=hb_source
MARIADB_SOURCE_PASSWORD=src-Pw-$RANDOM$RANDOM
MARIADB_TARGET_DB=starrocks_app
MARIADB_TARGET_USER=hb_target
MARIADB_TARGET_PASSWORD=tgt-Pw-$RANDOM$RANDOM
mariadb_sql "
CREATE DATABASE $MARIADB_SOURCE_DB;
CREATE DATABASE $MARIADB_TARGET_DB;
CREATE USER '$MARIADB_SOURCE_USER'@'127.0.0.1' IDENTIFIED BY '$MARIADB_SOURCE_PASSWORD';
CREATE USER '$MARIADB_TARGET_USER'@'127.0.0.1' IDENTIFIED BY '$MARIADB_TARGET_PASSWORD';
GRANT SELECT, INSERT, DELETE, CREATE ON $MARIADB_SOURCE_DB.* TO '$MARIADB_SOURCE_USER'@'127.0.0.1';
GRANT SELECT ON $MARIADB_TARGET_DB.* TO '$MARIADB_TARGET_USER'@'127.0.0.1';
" || mariadb_fail "the databases and users could not be made"
export MARIADB_HOST MARIADB_PORT MARIADB_SOCKET MARIADB_DIR MARIADB_SOURCE_DB MARIADB_SOURCE_USER \
    MARIADB_SOURCE_PASSWORD MARIADB_TARGET_DB MARIADB_TARGET_USER MARIADB_TARGET_PASSWORD
