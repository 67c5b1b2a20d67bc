"""Unit-test fixtures: the simulator (real HTTP on 127.0.0.1) and a no-wait sleep recorder."""

import pytest

# helpers puts tests/simulator on sys.path; the fixtures are the simulator's own pytest plugin's.
from ansible_collections.taurusdb.htap.tests.unit import helpers  # noqa: F401  pylint: disable=unused-import
from htapsim.pytest_plugin import (  # noqa: F401  pylint: disable=unused-import
    _adv_http, _adv_https, _sim_http, _sim_https, adversary, simulator, tls_adversary, tls_simulator)


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
