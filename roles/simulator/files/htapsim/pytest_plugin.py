"""pytest fixtures: ``simulator`` (HTTP) and ``tls_simulator`` (HTTPS), both reset per test;
``adversary`` (HTTP) and ``tls_adversary`` (HTTPS), each with an empty script per test.

Enable with ``pytest_plugins = ['htapsim.pytest_plugin']`` once htapsim is installed (pip install ./tests/simulator).
"""

import ipaddress
import socket

import pytest

from .adversary import Adversary
from .server import Simulator


@pytest.fixture(scope='session')
def _sim_http():
    with Simulator('healthy') as sim:
        yield sim


@pytest.fixture(scope='session')
def _sim_https():
    with Simulator('healthy', tls=True) as sim:
        yield sim


@pytest.fixture
def simulator(_sim_http):
    """A running HTTP simulator on the ``healthy`` scenario; ``simulator.load(name)`` switches."""
    _sim_http.load('healthy')
    return _sim_http


@pytest.fixture
def tls_simulator(_sim_https):
    """A running HTTPS simulator (``tls_simulator.ca_path`` is its CA bundle)."""
    _sim_https.load('healthy')
    return _sim_https


@pytest.fixture(scope='session')
def _adv_http():
    with Adversary() as adv:
        yield adv


@pytest.fixture(scope='session')
def _adv_https():
    with Adversary(tls=True) as adv:
        yield adv


@pytest.fixture
def adversary(_adv_http):
    """A running HTTP adversary with an empty script and log; ``adversary.play([...])`` scripts it."""
    return _adv_http.play([])


@pytest.fixture
def tls_adversary(_adv_https):
    """A running HTTPS adversary (``tls_adversary.ca_path`` is its CA bundle), empty script and log."""
    return _adv_https.play([])


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
    """Nothing in a test may reach the real cloud-server metadata service (169.254.0.0/16)."""
    monkeypatch.setattr(socket.socket, 'connect', _guarded_connect)
