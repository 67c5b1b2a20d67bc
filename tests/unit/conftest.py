"""Unit-test fixtures: the simulator (real HTTP on 127.0.0.1) and a no-wait sleep recorder."""

import pytest

from ansible_collections.taurusdb.htap.tests.unit.helpers import Simulator


@pytest.fixture(scope='session')
def _sim():
    with Simulator('healthy') as sim:
        yield sim


@pytest.fixture(scope='session')
def _tls_sim():
    with Simulator('healthy', tls=True) as sim:
        yield sim


@pytest.fixture
def sim(_sim):
    _sim.load('healthy')
    return _sim


@pytest.fixture
def tls_sim(_tls_sim):
    _tls_sim.load('healthy')
    return _tls_sim


@pytest.fixture
def sleeps(monkeypatch):
    """Record the client's retry waits instead of sleeping them."""
    from ansible_collections.taurusdb.htap.plugins.module_utils import client
    recorded = []
    monkeypatch.setattr(client.Client, 'sleep', staticmethod(recorded.append))
    return recorded
