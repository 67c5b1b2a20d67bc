"""Unit-test fixtures: the simulator (real HTTP on 127.0.0.1), a no-wait sleep recorder, and a guard that
refuses every connection to the link-local metadata address (169.254.0.0/16)."""


import pytest
from hypothesis import settings

# No example database: the suite leaves nothing behind in the tree it runs in.
settings.register_profile('taurusdb', database=None)
settings.load_profile('taurusdb')

# The fixtures are the installed simulator's own pytest plugin's (pip install ./tests/simulator).
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
