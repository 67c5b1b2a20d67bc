#!/usr/bin/env bash
# ansible-test on a copy of this checkout, as tests/run-all.sh runs it, for one slice of the suite:
#
#   bash tests/ansible-test.sh sanity [PATH...]        # every sanity test (no ignore file), or only PATHs
#   bash tests/ansible-test.sh units [PATH...]
#   bash tests/ansible-test.sh integration [TARGET...]
#
# ansible-test wants the collection at .../ansible_collections/taurusdb/htap and resolves symlinks,
# so it runs in a copy. The copy and ansible-test's home (its virtualenvs, our get-pip stand-in) are
# in a temporary directory, removed afterwards. ansible-test and the Python it tests are the ones on
# PATH: a virtualenv with ansible-core and tests/requirements-test.txt (see CONTRIBUTING.md).
#
# tests/run-all.sh sources this file for copy_collection and use_own_home.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# copy_collection DEST : the checkout as DEST/ansible_collections/taurusdb/htap, without what tools and
# pip install ./roles/simulator/files leave in it; prints that path
copy_collection() {
    local dest="$1/ansible_collections/taurusdb/htap"
    rm -rf "$dest" && mkdir -p "$dest"
    tar -C "$ROOT" --exclude=./.git --exclude='./.venv*' --exclude=./tests/output --exclude=__pycache__ \
        --exclude=.pytest_cache --exclude='*.pyc' --exclude=./tests/integration/inventory \
        --exclude=./roles/simulator/files/build --exclude='./roles/simulator/files/*.egg-info' -cf - . \
        | tar -C "$dest" -xf -
    echo "$dest"
}

# use_own_home DIR : HOME=DIR for the tools that follow, so they leave the real home as they found
# it; pip's configuration and caches and pyenv's Pythons are still found in the real one. ansible-test
# downloads get-pip.py from a host some networks cannot reach: it gets our stand-in.
use_own_home() {
    local real=$HOME version
    export XDG_CONFIG_HOME=${XDG_CONFIG_HOME:-$real/.config} XDG_CACHE_HOME=${XDG_CACHE_HOME:-$real/.cache}
    if [ -z "${PIP_CONFIG_FILE:-}" ] && [ -f "$real/.pip/pip.conf" ]; then
        export PIP_CONFIG_FILE=$real/.pip/pip.conf
    fi
    if [ -z "${PYENV_ROOT:-}" ] && [ -d "$real/.pyenv" ]; then
        export PYENV_ROOT=$real/.pyenv  # pyenv's shims look for it under $HOME otherwise
    fi
    export HOME=$1
    mkdir -p "$HOME/.ansible/test/cache"
    for version in 24_2 25_2; do
        cp "$ROOT/.ci/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${version}.py"
    done
    pass_mariadb_skip
}

# pass_mariadb_skip : TAURUSDB_MARIADB_SKIP (why MariaDB cannot be had here) as the file the heartbeat's
# integration target reads (tests/integration/targets/setup_mariadb): ansible-test passes no environment on.
pass_mariadb_skip() {
    if [ -n "${TAURUSDB_MARIADB_SKIP:-}" ]; then
        printf '%s\n' "$TAURUSDB_MARIADB_SKIP" > "$HOME/taurusdb-mariadb-skip"
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    if [ $# -lt 1 ]; then
        sed -n '2,6p' "$0" >&2
        exit 2
    fi
    PYTHON_VERSION=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    TEST_WORK=$(mktemp -d)
    trap 'rm -rf "$TEST_WORK"' EXIT
    export TMPDIR=$TEST_WORK/tmp  # ansible-test's own temporary files, removed with the copy
    mkdir -p "$TMPDIR"
    use_own_home "$TEST_WORK/home"
    cd "$(copy_collection "$TEST_WORK")"
    ansible-test "$1" --local --python "$PYTHON_VERSION" --color no "${@:2}"
fi
