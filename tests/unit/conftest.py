"""Unit-test fixtures: the simulator (real HTTP on 127.0.0.1), a no-wait sleep recorder, and a guard that
refuses every connection to the link-local metadata address (169.254.0.0/16)."""

import ipaddress
import socket

import pytest

# The fixtures are the installed simulator's own pytest plugin's (pip install ./tests/simulator).
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


_connect = socket.socket.connect


def _guarded_connect(sock, address, *args):
    host = address[0] if isinstance(address, tuple) else None
    try:
        if host and ipaddress.ip_address(host) in ipaddress.ip_network('169.254.0.0/16'):
            raise OSError('a test tried to connect to %s (link-local metadata address); refused' % host)
    except ValueError:
        pass
    return _connect(sock, address, *args)


@pytest.fixture(autouse=True)
def no_metadata_address(monkeypatch):
    """Nothing in these tests may reach the real cloud-server metadata service."""
    monkeypatch.setattr(socket.socket, 'connect', _guarded_connect)
