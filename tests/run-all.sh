#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: builds a virtualenv, places a copy of the
# checkout at ansible_collections/taurusdb/htap, then runs ansible-test sanity (every test,
# no ignore file), units and integration, ansible-lint, the docs lint, and finally pytest over
# the simulator's tests and the end-to-end tests. The last line is pytest's summary.
#
# Environment: PYTHON (interpreter, default python3), TAURUSDB_VENV (virtualenv path, default
# .venv in the checkout), TAURUSDB_WORK (where the collection copy goes, default a temp dir).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${TAURUSDB_VENV:-$ROOT/.venv}
WORK=${TAURUSDB_WORK:-$(mktemp -d)}

step() { printf '\n=== %s ===\n' "$*"; }

step "virtualenv $VENV"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/tests/requirements-dev.txt"
export PATH="$VENV/bin:$PATH"
PYV=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible --version | head -1

# ansible-test downloads get-pip.py from a host this network cannot reach; give it ours.
mkdir -p "$HOME/.ansible/test/cache"
for version in 24_2 25_2; do
    cp "$ROOT/.ci/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${version}.py"
done

step "collection copy in $WORK"
COLLECTION="$WORK/ansible_collections/taurusdb/htap"
rm -rf "$COLLECTION" && mkdir -p "$COLLECTION"
tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude=./tests/output --exclude=__pycache__ \
    --exclude=.pytest_cache --exclude='*.pyc' --exclude=./tests/integration/inventory -cf - . \
    | tar -C "$COLLECTION" -xf -
cd "$COLLECTION"

step "ansible-test sanity"
ansible-test sanity --local --python "$PYV" --color no

step "ansible-test units"
ansible-test units --local --python "$PYV" --color no

step "ansible-test integration"
ansible-test integration --local --python "$PYV" --color no

step "ansible-lint (production profile)"
ANSIBLE_COLLECTIONS_PATH="$WORK" ansible-lint --offline --nocolor

step "antsibull-docs lint"
antsibull-docs lint-collection-docs --plugin-docs .

step "simulator and end-to-end tests"
ANSIBLE_COLLECTIONS_PATH="$WORK" python -m pytest -p no:cacheprovider -q tests/simulator/tests tests/e2e
