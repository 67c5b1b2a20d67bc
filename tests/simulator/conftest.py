import ipaddress
import socket

import pytest

pytest_plugins = ['htapsim.pytest_plugin']

_connect = socket.socket.connect


def _guarded_connect(sock, address, *args):
    """Nothing in these tests may reach the real cloud-server metadata service (169.254.0.0/16)."""
    host = address[0] if isinstance(address, tuple) else None
    try:
        if host and ipaddress.ip_address(host) in ipaddress.ip_network('169.254.0.0/16'):
            raise OSError('a test tried to connect to %s (link-local metadata address); refused' % host)
    except ValueError:
        pass
    return _connect(sock, address, *args)


@pytest.fixture(autouse=True)
def _no_metadata_address(monkeypatch):
    monkeypatch.setattr(socket.socket, 'connect', _guarded_connect)
