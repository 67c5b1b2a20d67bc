"""The simulator's stand-ins for where credentials and endpoints come from: IAM projects, the cloud-server
metadata service, an HTTP proxy and mutual TLS.

Requests are signed by the official SDK (huaweicloudsdkcore), never by the collection; the SDK's own
project discovery and metadata accessor are run against the simulator to prove it answers as they expect.
"""

import base64

import pytest
import requests
from huaweicloudsdkcore.auth import internal
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator

INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
LISTING = '/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, INSTANCE)


def signed(url, path, query=(), key=None, project_id=None, headers=None):
    """(url, headers) signed by the official SDK's Signer; X-Project-Id only when given."""
    key = key or KEY
    header_params = {'Content-Type': 'application/json'}
    if project_id:
        header_params['X-Project-Id'] = project_id
    if key.get('security_token'):
        header_params['X-Security-Token'] = key['security_token']
    header_params.update(headers or {})
    request = SdkRequest(method='GET', schema=url.split(':')[0], host=url.split('://', 1)[1], resource_path=path,
                         query_params=list(query), header_params=header_params, body='')
    Signer(BasicCredentials(key['ak'], key['sk'])).sign(request)
    return url + request.uri, dict(request.header_params)


def get_signed(sim, path, query=(), **kwargs):
    url, headers = signed(sim.url, path, query, **kwargs)
    return requests.get(url, headers=headers, timeout=10, verify=sim.ca_path or True)


# --- IAM projects --------------------------------------------------------------------------
def test_projects_by_name_signed_without_project_header(simulator):
    resp = get_signed(simulator, '/v3/projects', [('name', 'cn-north-4')])
    assert resp.status_code == 200 and resp.headers['X-IAM-Trace-Id']
    projects = resp.json()['projects']
    assert [(p['id'], p['name']) for p in projects] == [(DEFAULT_PROJECT, 'cn-north-4')]
    assert get_signed(simulator, '/v3/projects', [('name', 'mars-1')]).json()['projects'] == []
    assert len(get_signed(simulator, '/v3/projects').json()['projects']) == 2
    assert simulator.stats()['routes'] == {'iam_projects': 3} and simulator.stats()['auth'] == {'aksk': 3}


def test_projects_refuse_bad_signatures_and_a_project_header(simulator):
    assert requests.get(simulator.url + '/v3/projects?name=cn-north-4', timeout=10).status_code == 401
    resp = get_signed(simulator, '/v3/projects', [('name', 'cn-north-4')], key=dict(KEY, sk='wrong-secret-key'))
    assert resp.status_code == 401 and resp.json()['error']['error_code'] == 'APIGW.0301'
    resp = get_signed(simulator, '/v3/projects', [('name', 'cn-north-4')], project_id=DEFAULT_PROJECT)
    assert resp.status_code == 400 and 'X-Project-Id' in resp.json()['error']['message']


def test_a_scenario_may_name_two_projects_alike(simulator):
    simulator.load({'instances': [], 'credentials': dict(DEFAULT_CREDENTIALS, projects=[
        {'id': 'a' * 32, 'name': 'cn-north-4'}, {'id': 'b' * 32, 'name': 'cn-north-4'}])})
    assert [p['id'] for p in get_signed(simulator, '/v3/projects', [('name', 'cn-north-4')]).json()['projects']] == \
        ['a' * 32, 'b' * 32]


def test_the_official_sdk_finds_its_project_here(simulator, monkeypatch):
    from huaweicloudsdkcore.region.region import Region
    from huaweicloudsdkgaussdb.v3 import GaussDBClient, ListStarRocksDataReplicationsRequest
    monkeypatch.setenv('HUAWEICLOUD_SDK_IAM_ENDPOINT', simulator.url)
    BasicCredentials._CACHE.clear()  # the SDK caches project ids per AK and region for the process
    client = GaussDBClient.new_builder().with_credentials(BasicCredentials(KEY['ak'], KEY['sk'])) \
        .with_region(Region('cn-north-4', simulator.url)).build()
    response = client.list_star_rocks_data_replications(ListStarRocksDataReplicationsRequest(instance_id=INSTANCE))
    assert str(response.total_count) == '3'
    assert simulator.stats()['routes'] == {'iam_projects': 1, 'replication': 1}
    BasicCredentials._CACHE.clear()


# --- cloud-server metadata -------------------------------------------------------------------
def security_key(sim, token=None):
    headers = {'X-Metadata-Token': token} if token else {}
    return requests.get(sim.url + '/openstack/latest/securitykey', headers=headers, timeout=10)


def as_key(answer):
    credential = answer['credential']
    return {'ak': credential['access'], 'sk': credential['secret'], 'security_token': credential['securitytoken']}


def test_metadata_credentials_sign_requests_until_they_expire(simulator):
    simulator.load({'metadata': {'ttl': 600}, 'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}]})
    answer = security_key(simulator).json()
    assert set(answer['credential']) == {'access', 'secret', 'securitytoken', 'expires_at'}
    assert answer['credential']['expires_at'].endswith('Z')
    key = as_key(answer)
    assert get_signed(simulator, LISTING, project_id=DEFAULT_PROJECT, key=key).status_code == 200
    without_token = dict(key, security_token=None)
    assert get_signed(simulator, LISTING, project_id=DEFAULT_PROJECT, key=without_token).status_code == 401
    simulator.advance_clock(601)
    resp = get_signed(simulator, LISTING, project_id=DEFAULT_PROJECT, key=key)
    assert resp.status_code == 401 and 'expired' in resp.json()['error_msg']
    fresh = as_key(security_key(simulator).json())
    assert fresh['ak'] != key['ak'] and get_signed(simulator, LISTING, project_id=DEFAULT_PROJECT, key=fresh).ok
    assert simulator.stats()['auth']['aksk-metadata'] == 2 and simulator.stats()['routes']['metadata_securitykey'] == 2


def test_metadata_without_an_agency_or_without_a_session_token(simulator):
    simulator.load({'metadata': {'agency': False}, 'instances': []})
    resp = security_key(simulator)
    assert resp.status_code == 401 and 'Please configure Cloud Service Agency first' in resp.text
    simulator.load({'metadata': {'require_token': True}, 'instances': []})
    assert security_key(simulator).status_code == 401
    assert requests.put(simulator.url + '/meta-data/latest/api/token', timeout=10).status_code == 400
    token = requests.put(simulator.url + '/meta-data/latest/api/token',
                         headers={'X-Metadata-Token-Ttl-Seconds': '21600'}, timeout=10).text
    assert security_key(simulator, token).status_code == 200
    with pytest.raises(ValueError, match='metadata is a mapping'):
        simulator.load({'metadata': {'ttl_seconds': 5}, 'instances': []})


def test_the_official_sdk_metadata_accessor_reads_it(simulator, monkeypatch):
    # the accessor's address is patched to the simulator: nothing may ever reach 169.254.169.254
    monkeypatch.setattr(internal.MetadataAccessor, '_METADATA_ENDPOINT', simulator.url)
    assert internal.MetadataAccessor._METADATA_ENDPOINT == simulator.url
    credential = internal.MetadataAccessor().get_credential()
    assert credential.access.startswith('SIMMETA') and credential.security_token and credential.expire_at > 0
    assert simulator.stats()['routes'] == {'metadata_token': 1, 'metadata_securitykey': 1}


# --- an HTTP proxy ---------------------------------------------------------------------------
def test_absolute_form_targets_are_answered_and_counted_as_proxied(simulator):
    url, headers = signed('http://gaussdb.cn-north-4.example.invalid', LISTING, [('limit', '100')],
                          project_id=DEFAULT_PROJECT)
    resp = requests.get(url, headers=headers, proxies={'http': simulator.url}, timeout=10)
    assert resp.status_code == 200 and resp.json()['total_count'] == '3'
    assert get_signed(simulator, LISTING, [('limit', '100')], project_id=DEFAULT_PROJECT).ok
    stats = simulator.stats()
    assert stats['proxied'] == 1 and stats['total'] == 2 and stats['log'][0]['proxied']
    assert stats['log'][0]['target'] == 'http://gaussdb.cn-north-4.example.invalid'


def test_proxy_authentication(simulator):
    simulator.load({'proxy': {'user': 'proxy-user', 'password': 'proxy-pass:word'}, 'instances': []})
    target = 'http://gaussdb.example.invalid/v3/projects'
    resp = requests.get(target, proxies={'http': simulator.url}, timeout=10)
    assert resp.status_code == 407 and resp.headers['Proxy-Authenticate'].startswith('Basic')
    wrong = 'http://proxy-user:nope@' + simulator.url.split('://', 1)[1]
    assert requests.get(target, proxies={'http': wrong}, timeout=10).status_code == 407
    right = 'http://proxy-user:proxy-pass%3Aword@' + simulator.url.split('://', 1)[1]
    assert requests.get(target, proxies={'http': right}, timeout=10).status_code == 401  # through: IAM wants a signature
    good = base64.b64encode(b'proxy-user:proxy-pass:word').decode()
    assert requests.get(target, headers={'Proxy-Authorization': 'Basic ' + good}, timeout=10,
                        proxies={'http': simulator.url}).status_code == 401
    assert simulator.stats()['routes'] == {'proxy_auth': 2, 'iam_projects': 2} and simulator.stats()['proxied'] == 4
    # direct requests are not proxied, and need no proxy authentication
    assert requests.get(simulator.url + '/v3/projects', timeout=10).status_code == 401


# --- mutual TLS ----------------------------------------------------------------------------
def test_mutual_tls_wants_a_client_certificate_of_its_ca():
    with Simulator('healthy', client_certs=True) as sim:
        assert sim.tls and sim.url.startswith('https://')
        with pytest.raises(requests.exceptions.RequestException):
            get_signed(sim, LISTING, project_id=DEFAULT_PROJECT)
        url, headers = signed(sim.url, LISTING, project_id=DEFAULT_PROJECT)
        resp = requests.get(url, headers=headers, timeout=10, verify=sim.ca_path,
                            cert=(sim.client_cert_path, sim.client_key_path))
        assert resp.status_code == 200 and resp.json()['total_count'] == '3'
