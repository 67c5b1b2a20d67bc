"""Unit-test fixtures: the simulator (real HTTP on 127.0.0.1) and a no-wait sleep recorder."""

import os
import sys

import pytest

SIMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'simulator')
sys.path.insert(0, SIMULATOR_DIR)

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator  # noqa: E402  pylint: disable=wrong-import-position

INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]


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


def base_params(sim, **extra):
    params = dict(endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
                  language='en-us', validate_certs=True, ca_path=sim.ca_path, connect_timeout=5.0,
                  read_timeout=5.0, retries=5, retry_max_time=60.0, retry_backoff=0.01, page_concurrency=4,
                  listing_attempts=3, task_names=[], task_patterns=[], expected_tasks=[], min_tasks=1,
                  require_catchup=False, limit=None, offset=None)
    params.update(extra)
    return params
