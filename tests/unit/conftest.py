"""Unit-test fixtures: the simulator (real HTTP on 127.0.0.1), a no-wait sleep recorder, and a guard that
refuses every connection to the link-local metadata address (169.254.0.0/16).

It also makes the checkout importable as ``ansible_collections.taurusdb.htap``, with Ansible's own
collection loader, so plain ``pytest tests/unit`` runs from a checkout of any name, as ansible-test
units does from its copy."""

import atexit
import os
import shutil
import sys
import tempfile

import pytest
from hypothesis import settings

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION = ('ansible_collections', 'taurusdb', 'htap')


def collections_dir():
    """A directory whose ansible_collections/taurusdb/htap is this checkout: the tree it already sits in
    (ansible-test's copy, the mutation runner's) or one on sys.path (a symlink of the user's), else a
    temporary one made for this run."""
    here = os.path.realpath(CHECKOUT)
    for candidate in [os.path.dirname(os.path.dirname(os.path.dirname(here)))] + sys.path:
        if candidate and os.path.realpath(os.path.join(candidate, *COLLECTION)) == here:
            return candidate
    made = tempfile.mkdtemp(prefix='taurusdb-htap-tests-')
    atexit.register(shutil.rmtree, made, True)  # removes the link, never what it points to
    os.makedirs(os.path.join(made, *COLLECTION[:-1]))
    os.symlink(here, os.path.join(made, *COLLECTION))
    return made


def install_collection_loader():
    """Ansible's collection loader, finding this checkout first (ansible-test units installs its own); and the
    directory on sys.path, for the Python processes a test starts with this sys.path."""
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    if AnsibleCollectionConfig.collection_finder is None:
        from ansible.plugins.loader import init_plugin_loader
        found = collections_dir()
        init_plugin_loader([found])
        if found not in sys.path:
            sys.path.insert(0, found)


def keep_temporary_files_in_the_copy():
    """ansible-test units passes no TMPDIR on: the temporary files of its tests (the simulator's certificates and
    client keys, which its forked test processes exit without removing; pytest's own) go to ansible-test's
    tests/output/.tmp of the copy it runs in, removed with the copy, instead of /tmp."""
    if os.environ.get('TMPDIR') or 'ansible_forked' not in os.environ.get('PYTEST_PLUGINS', ''):
        return
    own = os.path.join(CHECKOUT, 'tests', 'output', '.tmp', 'units')
    os.makedirs(own, exist_ok=True)
    os.environ['TMPDIR'] = tempfile.tempdir = own  # this process and those it starts (xdist's workers)


keep_temporary_files_in_the_copy()
install_collection_loader()

# No example database: the suite leaves nothing behind in the tree it runs in.
settings.register_profile('taurusdb', database=None)
settings.load_profile('taurusdb')

# The fixtures are the installed simulator's own pytest plugin's (pip install ./roles/simulator/files).
from htapsim.pytest_plugin import (  # noqa: F401  pylint: disable=unused-import
    _adv_http, _adv_https, _sim_http, _sim_https, adversary, no_metadata_address, simulator, tls_adversary,
    tls_simulator)


@pytest.fixture
def sim(simulator):  # pylint: disable=redefined-outer-name
    return simulator


@pytest.fixture
def tls_sim(tls_simulator):  # pylint: disable=redefined-outer-name
    return tls_simulator


@pytest.fixture
def sleeps(monkeypatch):
    """Record the client's retry waits instead of sleeping them."""
    from ansible_collections.taurusdb.htap.plugins.module_utils import transport
    recorded = []
    monkeypatch.setattr(transport.Transport, 'sleep', staticmethod(recorded.append))
    return recorded
