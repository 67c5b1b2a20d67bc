"""transport.py: the route a request takes - the proxy option and the environment's proxies, a client
certificate (mutual TLS), fail-over across endpoints - over real HTTP(S) against the simulator and the
adversary; and connection.py's checks of the client certificate files."""

import pytest
import requests

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import query_instances
from ansible_collections.taurusdb.htap.plugins.module_utils.transport import connection_failed

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, INSTANCE, LISTING, PATH, QUERY, base_params, client_for, closed_port, fleet, instances, proxy_url,
    query_of)


# --- proxies ---------------------------------------------------------------------------------
def test_a_proxy_option_carries_every_request_even_to_a_host_that_does_not_resolve(sim):
    fleet(sim, 3, proxy={'user': 'proxy-user', 'password': 'pr0xy:p@ss w0rd'})
    params = base_params(sim, endpoint='http://gaussdb.cn-north-4.example.invalid', ca_path=None, project_id=None,
                         region='cn-north-4', iam_endpoint='http://iam.example.invalid', proxy=proxy_url(sim))
    with client_for(params) as client:
        results = query_instances(client, instances(3), query_of(params), concurrency=3, missing_ok=False)
    assert all(result['all_ready'] for result in results)
    stats = sim.stats()
    assert stats['proxied'] == 4 and stats['routes'] == {'iam_projects': 1, 'replication': 3}


def test_an_internationalized_endpoint_is_signed_and_sent_with_its_ascii_host(sim, adversary):
    # before, its Host header held the name itself: refused when not Latin-1 ("check the credentials"), sent as
    # Latin-1 bytes otherwise, while the request line named the punycode host
    params = base_params(sim, endpoint='http://数据库.example.invalid', ca_path=None, proxy=sim.url)
    with client_for(params) as client:  # the simulator checks the signature against the Host it receives
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'
    assert sim.stats()['proxied'] == 1
    adversary.play([{'path': LISTING, 'json': {'total_count': 0, 'replications': []}}])
    with client_for(base_params(adversary, endpoint='http://bücher.example.invalid', ca_path=None,
                                proxy=adversary.url)) as client:
        client.get_json(PATH, QUERY, 'Querying')
    assert adversary.log()[0]['headers']['Host'] == 'xn--bcher-kva.example.invalid'


def test_environment_proxies_work_without_the_option(sim, monkeypatch):
    for name in ('HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HTTP_PROXY', sim.url)
    monkeypatch.setenv('http_proxy', sim.url)
    params = base_params(sim, endpoint='http://gaussdb.example.invalid', ca_path=None)
    with client_for(params) as client:
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'
    assert sim.stats()['proxied'] == 1
    monkeypatch.setenv('NO_PROXY', '127.0.0.1')
    monkeypatch.setenv('no_proxy', '127.0.0.1')
    with client_for(base_params(sim)) as client:
        client.get_json(PATH, QUERY, 'Querying')
    assert sim.stats()['proxied'] == 1 and sim.stats()['total'] == 2


def test_the_environment_is_read_once_an_endpoint_and_still_decides_the_route(sim, monkeypatch):
    """requests reads the proxies from all of os.environ on every request; a session reads them once an
    endpoint, with requests' own rules, so NO_PROXY and the proxy variables still decide."""
    for name in ('HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HTTP_PROXY', sim.url)
    monkeypatch.setenv('http_proxy', sim.url)
    reads = []
    real = requests.sessions.get_environ_proxies
    monkeypatch.setattr(requests.sessions, 'get_environ_proxies', lambda *args, **kwargs: (
        reads.append(args[0]), real(*args, **kwargs))[1])
    params = base_params(sim, endpoint='http://gaussdb.example.invalid', ca_path=None)
    with client_for(params) as client:
        for _request in range(3):
            client.get_json(PATH, QUERY, 'Querying')
    assert sim.stats()['proxied'] == 3 and len(reads) == 1


# --- client certificates ---------------------------------------------------------------------
@pytest.fixture(scope='module')
def mtls_sim():
    from htapsim import Simulator
    with Simulator('healthy', client_certs=True) as sim:
        yield sim


def test_mutual_tls_needs_the_client_certificate(mtls_sim):
    params = base_params(mtls_sim, retries=0)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert 'TLS error' in str(err.value) or 'connection failed' in str(err.value)
    assert 'client_cert' in str(err.value)
    params = base_params(mtls_sim, client_cert=mtls_sim.client_cert_path, client_key=mtls_sim.client_key_path)
    with client_for(params) as client:
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'


def test_client_certificate_files_are_checked_before_any_request(tmp_path, mtls_sim):
    cert, key = mtls_sim.client_cert_path, mtls_sim.client_key_path
    before = mtls_sim.stats()['total']
    with pytest.raises(OptionError, match='client_key needs client_cert'):
        ConnectionSettings(base_params(mtls_sim, client_key=key), environ={})
    with pytest.raises(OptionError, match='is not a readable file'):
        ConnectionSettings(base_params(mtls_sim, client_cert=str(tmp_path / 'absent.pem')), environ={})
    combined = tmp_path / 'combined.pem'
    combined.write_bytes(open(key, 'rb').read() + open(cert, 'rb').read())
    assert ConnectionSettings(base_params(mtls_sim, client_cert=str(combined)), environ={}).client_cert == str(combined)
    with pytest.raises(OptionError, match='cannot be used for TLS'):
        ConnectionSettings(base_params(mtls_sim, client_cert=cert, client_key=mtls_sim.ca_path), environ={})
    from cryptography.hazmat.primitives import serialization
    private = serialization.load_pem_private_key(open(key, 'rb').read(), password=None)
    encrypted = tmp_path / 'encrypted.pem'
    encrypted.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.BestAvailableEncryption(b'key-password')))
    with pytest.raises(OptionError, match='must not be encrypted'):
        ConnectionSettings(base_params(mtls_sim, client_cert=cert, client_key=str(encrypted)), environ={})
    assert mtls_sim.stats()['total'] == before


# --- several endpoints -----------------------------------------------------------------------
def test_a_refused_endpoint_moves_on_and_the_one_that_worked_is_kept(sim, monkeypatch):
    dead = 'http://127.0.0.1:%d' % closed_port()
    params = base_params(sim, endpoint=[dead, sim.url], retries=0)
    tried = []
    with client_for(params) as client:
        original = client.transport._send

        def send(method, base, *args):
            tried.append(base)
            return original(method, base, *args)
        monkeypatch.setattr(client.transport, '_send', send)
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'
        assert client.endpoint == sim.url
        client.get_json(PATH, QUERY, 'Querying')
    assert tried == [dead, sim.url, sim.url]
    assert sim.stats()['total'] == 2


def test_when_every_endpoint_fails_each_is_named_with_its_reason(sleeps):
    dead = ['http://127.0.0.1:%d' % closed_port() for _number in range(2)]
    params = dict(endpoint=','.join(dead), project_id=DEFAULT_PROJECT, access_key='AK', secret_key='sk-secret-value',
                  retries=1, retry_backoff=0.01)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    text = str(err.value)
    assert 'none of the 2 endpoints could be connected to' in text and 'after 2 attempts' in text
    for url in dead:
        assert '%s: connection failed (' % url in text
    assert 'ConnectionRefused' in text or 'NewConnectionError' in text


def test_an_http_error_does_not_move_on(sim, adversary):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}],
              'faults': [{'kind': 'error', 'status': 503}]})
    params = base_params(sim, endpoint=[sim.url, adversary.url], retries=1)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert err.value.status == 503 and adversary.log() == [] and sim.stats()['total'] == 2


def test_a_reset_connection_moves_on(sim, adversary):
    sim.load({'instances': [], 'faults': [{'kind': 'reset'}]})
    adversary.play([{'json': {'total_count': '0', 'replications': []}}])
    with client_for(base_params(sim, endpoint=[sim.url, adversary.url], retries=0)) as client:
        assert client.get_json(PATH, QUERY, 'Querying')[0] == {'total_count': '0', 'replications': []}
        assert client.endpoint == adversary.url
    assert len(adversary.log()) == 1


def test_which_failures_move_on():
    from urllib3.exceptions import NameResolutionError, NewConnectionError, ProtocolError
    dns = requests.exceptions.ConnectionError(NameResolutionError('gaussdb.invalid', None, 'Name or service not known'))
    refused = requests.exceptions.ConnectionError(NewConnectionError(None, 'Connection refused'))
    reset = requests.exceptions.ConnectionError(ProtocolError('Connection aborted.', ConnectionResetError(104, 'reset')))
    for error in (dns, refused, reset, requests.exceptions.ConnectTimeout(), requests.exceptions.SSLError('handshake')):
        assert connection_failed(error), error
    for error in (requests.exceptions.ReadTimeout(), requests.exceptions.ProxyError('proxy down'),
                  requests.exceptions.ConnectionError('something else'), requests.exceptions.ChunkedEncodingError()):
        assert not connection_failed(error), error
