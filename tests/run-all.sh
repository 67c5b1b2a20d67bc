#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine; ends with pytest's summary line and the check that the
# run left nothing in /tmp or the home.
#
#  1. ansible-core 2.19 on $PYTHON (default python3, 3.11+): ansible-test sanity (every test, no
#     ignore file), units and integration; ansible-lint (production profile); antsibull-docs and
#     antsibull-changelog lint.
#  2. ansible-core 2.20 and 2.21 on the newest Python 3.12+ found (PYTHON_NEWEST, python3.13/3.12 on
#     PATH, or ~/.pyenv/versions): sanity, units and integration each. Skipped, saying so, when there
#     is none.
#  3. pytest: the simulator's tests and the end-to-end tests (the demo, the built and installed
#     collection, galaxy-importer, an execution environment context, the HTML docs site).
#
# Environment: PYTHON, PYTHON_NEWEST, TAURUSDB_VENV (default .venv in the checkout; the 2.20 and
# 2.21 virtualenvs are its name plus -2.20 and -newest), TAURUSDB_WORK (where collection copies and the suite's HOME
# go, kept afterwards; default a temporary directory, removed at the end).
#
# The suite runs with HOME=$TAURUSDB_WORK/home and so leaves the real home as it found it:
# ansible-test keeps its get-pip.py (our offline stand-in), virtualenvs and SSH key under
# ~/.ansible/test, antsibull-docs appends to ~/antsibull.log, the Huawei Cloud SDK writes
# ~/.huaweicloud/application_id, all of them there; and no ~/.ansible.cfg or
# ~/.huaweicloud/credentials of the user's changes what the tests see. From the real home it still
# reads pip's configuration (XDG_CONFIG_HOME, ~/.pip/pip.conf) and pyenv's Pythons, and the tools'
# caches (pip's, ansible-lint's) stay in XDG_CACHE_HOME, as they would outside the suite.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${TAURUSDB_VENV:-$ROOT/.venv}
if [ -n "${TAURUSDB_WORK:-}" ]; then
    WORK=$TAURUSDB_WORK
else
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
# Nothing left behind: every tool's temporary files go to $WORK/tmp, and the end checks that the run
# added nothing to /tmp or to the real home (tools that ignore TMPDIR, processes that never clean up).
REAL_HOME=$HOME
top_entries() { find /tmp "$REAL_HOME" -mindepth 1 -maxdepth 1 2>/dev/null | sort; }
ENTRIES_BEFORE=$(top_entries)
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"
CORE_PRIMARY='ansible-core>=2.19,<2.20'
CORE_MIDDLE='ansible-core>=2.20,<2.21'
CORE_NEWEST='ansible-core>=2.21,<2.22'

step() { printf '\n=== %s ===\n' "$*"; }

# make_venv DIR PYTHON REQUIREMENT... : a virtualenv with these requirements
make_venv() {
    local dir=$1 python=$2
    shift 2
    [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
    # the simulator, as an installed package (from a copy: pip builds in the source tree)
    rm -rf "$WORK/htapsim-src" && cp -r "$ROOT/roles/simulator/files" "$WORK/htapsim-src"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$WORK/htapsim-src"
}

# copy_collection DEST (the checkout as DEST/ansible_collections/taurusdb/htap, for ansible-test) and
# use_own_home DIR (the suite's own HOME, see above)
source "$ROOT/tests/ansible-test.sh"

# ansible_test VENV : sanity, units and integration with that virtualenv's ansible-core
ansible_test() {
    local pyv
    pyv=$("$1/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    step "$("$1/bin/ansible" --version | sed -n 1p) on Python $pyv: ansible-test sanity"
    PATH="$1/bin:$PATH" ansible-test sanity --local --python "$pyv" --color no
    step "ansible-test units (Python $pyv)"
    PATH="$1/bin:$PATH" ansible-test units --local --python "$pyv" --color no
    step "ansible-test integration (Python $pyv)"
    PATH="$1/bin:$PATH" ansible-test integration --local --python "$pyv" --color no
}

newest_python() {
    local candidate
    for candidate in ${PYTHON_NEWEST:-} python3.13 python3.12 \
            "$PYENV"/versions/3.13*/bin/python3.13 "$PYENV"/versions/3.12*/bin/python3.12; do
        # pyenv shims exist for versions that are not installed: only a Python that runs counts
        if command -v "$candidate" >/dev/null 2>&1 &&
                "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
}

PYENV=${PYENV_ROOT:-$HOME/.pyenv}
use_own_home "$WORK/home"

# --- MariaDB: the heartbeat's integration target (taurusdb_starrocks_replication_lag) -------------------
# The target starts a MariaDB server of its own (tests/integration/targets/setup_mariadb). Debian's
# mariadb-server is installed when missing (as root, with apt-get), as Java is for ansible-rulebook below,
# with its service kept from starting (policy-rc.d): nothing is left running. Only where none can be had,
# TAURUSDB_MARIADB_SKIP says why, and that target is skipped, loudly.
mariadb_present() {
    PATH="$PATH:/usr/sbin:/sbin" command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1
}
step "MariaDB for the heartbeat's integration target"
if ! mariadb_present && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    NO_SERVICES=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && NO_SERVICES=1
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server) >/dev/null 2>&1 ||
        echo "mariadb-server could not be installed"
    if [ -n "$NO_SERVICES" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
if mariadb_present; then
    echo "MariaDB: $(PATH="$PATH:/usr/sbin" mariadbd --version)"
else
    export TAURUSDB_MARIADB_SKIP="no MariaDB here, and none could be installed (that needs root and apt-get)"
    printf '\n!!! %s: the heartbeat integration target will be SKIPPED !!!\n' "$TAURUSDB_MARIADB_SKIP"
    pass_mariadb_skip
fi
# --- end of the MariaDB block ------------------------------------------------------------------------

step "virtualenv $VENV ($CORE_PRIMARY)"
make_venv "$VENV" "$PYTHON" "$CORE_PRIMARY" -r "$ROOT/tests/requirements-dev.txt"
export PATH="$VENV/bin:$PATH"  # the tools call ansible, ansible-galaxy ... by name
COLLECTION=$(copy_collection "$WORK/primary")
cd "$COLLECTION"
ansible_test "$VENV"

step "ansible-lint (production profile)"
ANSIBLE_COLLECTIONS_PATH="$WORK/primary" ansible-lint --offline --nocolor

step "antsibull-docs lint, antsibull-changelog lint"
antsibull-docs lint-collection-docs --plugin-docs .
antsibull-changelog lint

NEWEST=$(newest_python)
if [ -n "$NEWEST" ]; then
    step "virtualenv $VENV-2.20 ($CORE_MIDDLE, $NEWEST)"
    make_venv "$VENV-2.20" "$NEWEST" "$CORE_MIDDLE" -r "$ROOT/tests/requirements-test.txt"
    cd "$(copy_collection "$WORK/middle")"
    ansible_test "$VENV-2.20"
    step "virtualenv $VENV-newest ($CORE_NEWEST, $NEWEST)"
    make_venv "$VENV-newest" "$NEWEST" "$CORE_NEWEST" -r "$ROOT/tests/requirements-test.txt"
    cd "$(copy_collection "$WORK/newest")"
    ansible_test "$VENV-newest"
    cd "$COLLECTION"
else
    step "no Python 3.12+ here: $CORE_MIDDLE and $CORE_NEWEST not tested"
fi

# --- Event-Driven Ansible: ansible-rulebook for tests/e2e/test_eda_rulebook.py ------------------
# ansible-rulebook runs on a Java 17 runtime: installed from Debian's packages when missing (as root,
# with apt-get). ansible-rulebook gets a virtualenv of its own ($VENV-eda, tests/requirements-eda.txt).
# Only where no Java 17 can be had, TAURUSDB_EDA_SKIP says why, and those tests are skipped, loudly.
eda_java_major() {
    command -v java >/dev/null 2>&1 || { echo 0; return; }
    java -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9][0-9]*\).*/\2/p' | head -n 1 | grep . || echo 0
}
step "ansible-rulebook: Java 17 and virtualenv $VENV-eda"
if [ "$(eda_java_major)" -lt 17 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }) >/dev/null 2>&1 ||
        echo "openjdk-17-jre-headless could not be installed"
fi
if [ "$(eda_java_major)" -ge 17 ]; then
    make_venv "$VENV-eda" "$PYTHON" -r "$ROOT/tests/requirements-eda.txt"
    export TAURUSDB_EDA_VENV="$VENV-eda"
else
    export TAURUSDB_EDA_SKIP="no Java 17 runtime here, and none could be installed (that needs root and apt-get)"
    printf '\n!!! %s: the ansible-rulebook tests will be SKIPPED !!!\n' "$TAURUSDB_EDA_SKIP"
fi
# --- end of the Event-Driven Ansible block ------------------------------------------------------

step "simulator and end-to-end tests"
ANSIBLE_COLLECTIONS_PATH="$WORK/primary" python -m pytest -p no:cacheprovider -q --basetemp "$WORK/pytest" \
    tests/simulator/tests tests/e2e

# Nothing left in /tmp or the real home (said only when something is: pytest's summary stays the last line)
# (pip's and ansible-lint's caches are meant to outlive the run: see above; /tmp/hsperfdata_<user> is the
# Java runtime's own per-user directory, which every JVM of the user shares and empties as it exits)
LEFT_BEHIND=$(comm -13 <(echo "$ENTRIES_BEFORE") <(top_entries) \
    | grep -vxF -e "$WORK" -e "$XDG_CACHE_HOME" -e "/tmp/hsperfdata_$(id -un)" || true)
if [ -n "$LEFT_BEHIND" ]; then
    printf '\n!!! FAILED: the suite left these behind:\n%s\n' "$LEFT_BEHIND" >&2
    exit 1
fi
