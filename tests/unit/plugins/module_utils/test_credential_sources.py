"""Credentials and endpoints found the way the official SDK finds them: the project id from IAM, the IAM
endpoint, cloud-server metadata credentials, a proxy, client certificates and endpoint fail-over -
over real HTTP(S) against the simulator (and the adversary where a server must misbehave)."""

import base64
import socket
import threading
from urllib.parse import quote

import pytest
import requests

from ansible_collections.taurusdb.htap.plugins.module_utils import auth_metadata
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_metadata import (
    DEFAULT_METADATA_URL, MetadataAuth, parse_credential, parse_expires_at)
from ansible_collections.taurusdb.htap.plugins.module_utils.client import Client
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings, secrets_of
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import (
    DEFAULT_IAM_ENDPOINT, IAM_ENDPOINTS, check_proxy, proxy_secrets, resolve_endpoints, resolve_iam_endpoint)
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import REDACTED, ApiError, OptionError, Scrubber
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import API_PATH, query_instances
from ansible_collections.taurusdb.htap.plugins.module_utils.transport import connection_failed

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_CREDENTIALS, DEFAULT_PROJECT, INSTANCE, KEY, base_params, closed_port, query_of, resolve_auth)

PATH = API_PATH % (DEFAULT_PROJECT, INSTANCE)
QUERY = [('limit', '100'), ('offset', '0')]


def client_for(params, environ=None, concurrency=4):
    return Client(ConnectionSettings(params, environ=environ if environ is not None else {}), concurrency=concurrency)


def instances(count):
    return ['%032din17' % number for number in range(1, count + 1)]


def fleet(sim, count, **extra):
    sim.load(dict({'instances': [{'id': instance_id, 'tasks': [{'task_name': 'a_db'}]}
                                 for instance_id in instances(count)]}, **extra))


def discovering(sim, **extra):
    """AK/SK and a region, no project id: the project is found from IAM (the simulator)."""
    return base_params(sim, **dict(dict(project_id=None, region='cn-north-4', iam_endpoint=sim.url), **extra))


# --- the IAM endpoint, as the SDK finds it ---------------------------------------------------
def test_iam_endpoint_option_then_file_then_environment_then_table_then_global():
    env = {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'https://iam.env.example'}
    assert resolve_iam_endpoint('cn-north-4', 'https://iam.option.example/', env, 'https://iam.file.example') == \
        'https://iam.option.example'
    assert resolve_iam_endpoint('cn-north-4', None, env, 'https://iam.file.example') == 'https://iam.file.example'
    assert resolve_iam_endpoint('cn-north-4', None, env) == 'https://iam.env.example'
    assert resolve_iam_endpoint('cn-north-4', None, {}) == 'https://iam.cn-north-4.myhuaweicloud.com'
    assert resolve_iam_endpoint('ap-southeast-1', None, {}) == IAM_ENDPOINTS['ap-southeast-1']
    # a region the SDK's table does not list (the API has it) goes to the global endpoint, as in the SDK
    assert 'cn-southwest-3' not in IAM_ENDPOINTS
    assert resolve_iam_endpoint('cn-southwest-3', None, {}) == DEFAULT_IAM_ENDPOINT == 'https://iam.myhuaweicloud.com'
    assert resolve_iam_endpoint(None, None, {}) == DEFAULT_IAM_ENDPOINT


def test_the_iam_table_is_the_sdks():
    from huaweicloudsdkcore.auth import endpoint as sdk_endpoint
    for region, url in IAM_ENDPOINTS.items():
        assert sdk_endpoint.get_iam_endpoint_by_id(region) == url
    assert len(IAM_ENDPOINTS) == len(getattr(sdk_endpoint, '__IAM_ENDPOINT_DICT'))


def test_a_bad_iam_endpoint_names_where_it_came_from():
    with pytest.raises(OptionError, match='HUAWEICLOUD_SDK_IAM_ENDPOINT must be an http'):
        resolve_iam_endpoint('cn-north-4', None, {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'iam.example'})
    with pytest.raises(OptionError, match='iam_endpoint in credentials file /x/credentials must not hold a user'):
        resolve_iam_endpoint('cn-north-4', None, {}, 'https://u:p@iam.example', '/x/credentials')
    # checked before any request, only when it is needed (no project id)
    with pytest.raises(OptionError, match='HUAWEICLOUD_SDK_IAM_ENDPOINT'):
        ConnectionSettings(dict(region='cn-north-4', access_key='AK', secret_key='SK-value'),
                           environ={'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'ftp://iam.example'})
    assert ConnectionSettings(dict(region='cn-north-4', access_key='AK', secret_key='SK-value', project_id=DEFAULT_PROJECT),
                              environ={'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'ftp://iam.example'}).auth.finder is None


def test_the_credentials_files_iam_endpoint_is_used_for_its_credentials(tmp_path, sim):
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = %s\nsk = %s\niam_endpoint = %s\n' % (KEY['ak'], KEY['sk'], sim.url))
    path.chmod(0o600)
    params = base_params(sim, access_key=None, secret_key=None, project_id=None, region='cn-north-4',
                         credentials_file=str(path))
    with client_for(params, {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'http://127.0.0.1:%d' % closed_port()}) as client:
        assert client.auth.finder.iam_endpoint == sim.url
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'
    assert sim.stats()['routes'] == {'iam_projects': 1, 'replication': 1}
    # credentials given otherwise: the file is not read, so neither is its iam_endpoint
    with client_for(discovering(sim, iam_endpoint=None, credentials_file=str(path)),
                    {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'https://iam.env.example'}) as client:
        assert client.auth.finder.iam_endpoint == 'https://iam.env.example'


# --- the project id from IAM -----------------------------------------------------------------
def test_one_iam_request_for_fifty_instances_and_their_pages(sim):
    fleet(sim, 50)
    params = discovering(sim)
    with client_for(params, concurrency=32) as client:
        results = query_instances(client, instances(50), query_of(params), concurrency=8, missing_ok=False)
        assert client.api_project_id() == DEFAULT_PROJECT
    assert [result['all_ready'] for result in results] == [True] * 50
    stats = sim.stats()
    assert stats['routes'] == {'iam_projects': 1, 'replication': 50}
    iam = [entry for entry in stats['log'] if entry['route'] == 'iam_projects'][0]
    assert iam['query'] == 'name=cn-north-4' and iam['status'] == 200 and iam['auth'] == 'aksk'


def test_discovery_with_the_environments_iam_endpoint(sim):
    params = base_params(sim, project_id=None, region='cn-north-4')
    with client_for(params, {'HUAWEICLOUD_SDK_IAM_ENDPOINT': sim.url}) as client:
        assert client.get_json(API_PATH % (client.api_project_id(), INSTANCE), QUERY, 'Querying')[0]
    assert sim.stats()['routes'] == {'iam_projects': 1, 'replication': 1}


def test_the_iam_request_carries_no_project_header(adversary):
    adversary.play([{'path': '^/v3/projects$', 'json': {'projects': [{'id': DEFAULT_PROJECT, 'name': 'cn-north-4'}]}}])
    params = base_params(adversary, project_id=None, region='cn-north-4', iam_endpoint=adversary.url)
    with client_for(params) as client:
        assert client.api_project_id() == DEFAULT_PROJECT
    request = adversary.log()[0]
    headers = dict((name.lower(), value) for name, value in request['headers'].items())
    assert request['method'] == 'GET' and request['query'] == {'name': 'cn-north-4'}
    assert 'x-project-id' not in headers and headers['authorization'].startswith('SDK-HMAC-SHA256 Access=' + KEY['ak'])
    assert 'x-project-id' not in headers['authorization'].split('SignedHeaders=')[1].split(',')[0]


@pytest.mark.parametrize('projects, message', [
    ([], 'IAM has no project named cn-north-4'),
    ([{'id': 'e3' * 16, 'name': 'cn-east-3'}], 'IAM has no project named cn-north-4'),
    ([{'id': 'a' * 32, 'name': 'cn-north-4'}, {'id': 'b' * 32, 'name': 'cn-north-4'}],
     'IAM has 2 projects named cn-north-4 (%s, %s)' % ('a' * 32, 'b' * 32)),
    ([{'id': 'short', 'name': 'cn-north-4'}], 'the project id IAM gave for cn-north-4 is not 32 letters or digits'),
    ([{'id': 'a' * 31 + '\n', 'name': 'cn-north-4'}], 'is not 32 letters or digits'),
])
def test_no_project_several_or_a_bad_id_is_a_clear_error_naming_the_region(sim, projects, message):
    sim.load({'instances': [], 'credentials': dict(DEFAULT_CREDENTIALS, projects=projects)})
    with client_for(discovering(sim)) as client:
        with pytest.raises(ApiError) as err:
            client.api_project_id()
        with pytest.raises(ApiError):
            client.api_project_id()  # the failure is kept: IAM is not asked again
    text = str(err.value)
    assert message in text and 'Finding the project id of region cn-north-4 from IAM' in text
    assert 'project_id' in text and err.value.request_id
    assert sim.stats()['routes'] == {'iam_projects': 1}


def test_iam_refusing_the_listing_says_to_set_the_project(sim):
    with client_for(discovering(sim, secret_key='wrong-secret-key-value')) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert err.value.status == 401 and 'credentials were rejected' in str(err.value)
    assert 'wrong-secret-key-value' not in str(err.value)
    assert sim.stats()['routes'] == {'iam_projects': 1}  # the API itself was never asked
    forbidden = [{'kind': 'error', 'status': 403, 'code': 'IAM.0003', 'message': 'Forbidden', 'route': 'iam'}]
    sim.load({'instances': [], 'faults': forbidden})
    with client_for(discovering(sim)) as client:
        with pytest.raises(ApiError, match='iam:projects:listProjects'):
            client.api_project_id()


def test_concurrent_threads_wait_for_the_one_iam_request(sim):
    sim.load({'instances': [], 'faults': [{'kind': 'latency', 'seconds': 0.3, 'route': 'iam'}]})
    found, start = [], threading.Event()
    with client_for(discovering(sim)) as client:
        def one():
            start.wait()
            found.append(client.api_project_id())
        threads = [threading.Thread(target=one) for _number in range(8)]
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join(30)
    assert found == [DEFAULT_PROJECT] * 8 and sim.stats()['routes'] == {'iam_projects': 1}


def test_without_region_or_project_it_says_what_to_set():
    with pytest.raises(OptionError, match='project_id is required .*, or region to find it from IAM'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b'})
    with pytest.raises(OptionError, match='project_id is required'):
        resolve_auth({'auth_token': 'token-value'})


# --- cloud-server metadata credentials -------------------------------------------------------
def metadata_params(sim, **extra):
    params = dict(access_key=None, secret_key=None, metadata_credentials=True, metadata_url=sim.url)
    params.update(extra)
    return base_params(sim, **params)


def test_metadata_credentials_sign_and_find_the_project(sim):
    fleet(sim, 6)
    params = metadata_params(sim, project_id=None, region='cn-north-4', iam_endpoint=sim.url)
    with client_for(params, concurrency=8) as client:
        results = query_instances(client, instances(6), query_of(params), concurrency=6, missing_ok=False)
    assert all(result['all_ready'] for result in results)
    stats = sim.stats()
    assert stats['routes'] == {'metadata_token': 1, 'metadata_securitykey': 1, 'iam_projects': 1, 'replication': 6}
    assert stats['auth']['aksk-metadata'] == 7


def test_metadata_is_never_tried_by_default(tmp_path, monkeypatch, sim):
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(OptionError) as err:
        ConnectionSettings(dict(endpoint=sim.url, project_id=DEFAULT_PROJECT), environ={})
    assert 'no credentials' in str(err.value) and 'metadata_credentials=true' in str(err.value)
    assert sim.stats()['total'] == 0
    assert MetadataAuth.OPTIONS['metadata_credentials']['default'] is False
    assert MetadataAuth.OPTIONS['metadata_url']['default'] == DEFAULT_METADATA_URL == 'http://169.254.169.254'


def test_metadata_with_other_credentials_conflicts():
    with pytest.raises(OptionError, match='conflicting credentials: access_key/secret_key and metadata_credentials'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b', 'metadata_credentials': True, 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='metadata_url must not hold a user name'):
        resolve_auth({'metadata_credentials': True, 'metadata_url': 'http://u:p@meta.example',
                      'project_id': DEFAULT_PROJECT})


def test_metadata_off_the_cloud_fails_fast_and_clearly(sim):
    params = metadata_params(sim, metadata_url='http://127.0.0.1:%d' % closed_port(), retries=5)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    text = str(err.value)
    assert 'Getting temporary credentials from the cloud-server metadata service' in text
    assert 'connection failed' in text and 'exist only on a Huawei Cloud server' in text
    assert err.value.attempts == 1 and sim.stats()['total'] == 0  # no retries, and the API was never asked


def test_metadata_without_an_agency(sim):
    sim.load({'instances': [], 'metadata': {'agency': False}})
    with client_for(metadata_params(sim)) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert 'Please configure Cloud Service Agency first' in str(err.value) and 'attach one' in str(err.value)
    assert sim.stats()['routes'] == {'metadata_token': 1, 'metadata_securitykey': 1}


def test_metadata_session_token_when_the_service_wants_one(sim, adversary):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}], 'metadata': {'require_token': True}})
    with client_for(metadata_params(sim)) as client:
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '1'
    # a service without session tokens (404 to the PUT) is used without one, as the SDK does
    answer = {'credential': {'access': 'AKMETA', 'secret': 'meta-secret-0001', 'securitytoken': 'meta-token-0001',
                             'expires_at': '2999-01-01T00:00:00.000000Z'}}
    adversary.play([{'method': 'PUT', 'status': 404, 'json': {}}, {'path': 'securitykey', 'json': answer}])
    auth = resolve_auth({'metadata_credentials': True, 'metadata_url': adversary.url, 'project_id': DEFAULT_PROJECT})
    with client_for(base_params(sim, access_key=None, secret_key=None, metadata_credentials=True,
                                metadata_url=adversary.url)) as client:
        assert client.auth.credentials(client) == ('AKMETA', 'meta-secret-0001', 'meta-token-0001')
    assert isinstance(auth, MetadataAuth)
    assert [entry['method'] for entry in adversary.log()] == ['PUT', 'GET']
    assert 'X-Metadata-Token' not in adversary.log()[1]['headers']


class Clock(object):
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_metadata_credentials_are_refreshed_before_they_expire_once_for_all_threads(sim, monkeypatch):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}], 'metadata': {'ttl': 7200}})
    import time
    clock = Clock(time.time())
    monkeypatch.setattr(MetadataAuth, 'clock', staticmethod(clock))
    with client_for(metadata_params(sim), concurrency=8) as client:
        first = client.auth.credentials(client)
        clock.now += 7200 - 40 * 60 - 5  # still more than 40 minutes left: kept
        assert client.auth.credentials(client) == first and client.auth.fetches == 1
        clock.now += 10  # under 40 minutes left (the SDK's threshold): refreshed, once for 8 threads at once
        seen, start = [], threading.Event()

        def one():
            start.wait()
            seen.append(client.auth.credentials(client))
            client.get_json(PATH, QUERY, 'Querying')
        threads = [threading.Thread(target=one) for _number in range(8)]
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join(30)
    assert client.auth.fetches == 2 and len(set(seen)) == 1 and seen[0] != first
    assert sim.stats()['routes']['metadata_securitykey'] == 2 and sim.stats()['auth']['aksk-metadata'] == 8


def test_short_lived_metadata_credentials_are_refreshed_at_half_life(sim, monkeypatch):
    sim.load({'instances': [], 'metadata': {'ttl': 600}})
    import time
    clock = Clock(time.time())
    monkeypatch.setattr(MetadataAuth, 'clock', staticmethod(clock))
    with client_for(metadata_params(sim)) as client:
        client.auth.credentials(client)
        clock.now += 290
        client.auth.credentials(client)
        assert client.auth.fetches == 1
        clock.now += 20
        client.auth.credentials(client)
        assert client.auth.fetches == 2


def test_metadata_credentials_already_expired_say_check_the_clock(sim):
    sim.load({'instances': [], 'metadata': {'ttl': 600}})
    sim.advance_clock(-7200)  # the service's clock is two hours behind ours
    with client_for(metadata_params(sim)) as client:
        with pytest.raises(ApiError, match="expired .* ago .*Check this host's clock"):
            client.auth.credentials(client)


def test_metadata_secrets_are_scrubbed_from_the_moment_they_arrive(sim, adversary):
    adversary.play([{'status': 400, 'json': {'error_code': 'DBS.200001',
                                             'error_msg': 'bad token {{header:X-Security-Token}}'}}])
    params = base_params(sim, endpoint=adversary.url, access_key=None, secret_key=None, metadata_credentials=True,
                         metadata_url=sim.url)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
        token = client.auth.credentials(client)[2]
        secret = client.auth.credentials(client)[1]
    assert token.startswith('simmeta-token-') and token not in str(err.value) and REDACTED in str(err.value)
    assert client.scrubber.text('%s %s' % (secret, quote(token, safe=''))) == '%s %s' % (REDACTED, REDACTED)


@pytest.mark.parametrize('text, seconds', [
    ('1970-01-01T00:00:10.000000Z', 10),
    ('1970-01-01T00:00:10Z', 10),
    ('1970-01-01T01:00:10+01:00', 10),
    ('2026-13-01T00:00:00Z', None),
    ('yesterday', None),
    (None, None),
])
def test_expires_at_formats(text, seconds):
    assert parse_expires_at(text) == seconds


def test_credential_field_names_the_sdk_accepts():
    assert parse_credential({'credentials': {'accessKeyId': 'A', 'secretAccessKey': 'S', 'securityToken': 'T',
                                             'expiration': '1970-01-01T00:00:10Z'}}) == ('A', 'S', 'T', 10)
    assert parse_credential({'credential': {'access': 'A', 'secret': 'S\n', 'securitytoken': 'T'}}) is None
    assert parse_credential({'credential': {'access': 'A', 'secret': 'S\nX', 'securitytoken': 'T',
                                            'expires_at': '1970-01-01T00:00:10Z'}}) is None
    assert parse_credential(['x']) is None


# --- a proxy ---------------------------------------------------------------------------------
def proxy_url(sim, user='proxy-user', password='pr0xy:p@ss w0rd'):
    return 'http://%s:%s@%s' % (quote(user, safe=''), quote(password, safe=''), sim.url.split('://', 1)[1])


def test_a_proxy_option_carries_every_request_even_to_a_host_that_does_not_resolve(sim):
    fleet(sim, 3, proxy={'user': 'proxy-user', 'password': 'pr0xy:p@ss w0rd'})
    params = base_params(sim, endpoint='http://gaussdb.cn-north-4.example.invalid', ca_path=None, project_id=None,
                         region='cn-north-4', iam_endpoint='http://iam.example.invalid', proxy=proxy_url(sim))
    with client_for(params) as client:
        results = query_instances(client, instances(3), query_of(params), concurrency=3, missing_ok=False)
    assert all(result['all_ready'] for result in results)
    stats = sim.stats()
    assert stats['proxied'] == 4 and stats['routes'] == {'iam_projects': 1, 'replication': 3}


def test_the_proxy_password_never_shows(sim, adversary):
    sim.load({'instances': [], 'proxy': {'user': 'proxy-user', 'password': 'right-password'}})
    password = 'pr0xy:p@ss w0rd'
    params = base_params(sim, endpoint='http://gaussdb.example.invalid', ca_path=None, proxy=proxy_url(sim, password=password),
                         retries=0)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert err.value.status == 407 and 'proxy authentication required' in str(err.value)
    # a proxy that echoes what it was sent, in every header
    adversary.play([{'status': 502, 'json': {'error_code': 'PROXY.0502', 'error_msg': 'refused {{header:Proxy-Authorization}}'},
                     'headers': {'X-Echo': '{{header:Proxy-Authorization}}'}}])
    params = base_params(sim, endpoint='http://gaussdb.example.invalid', ca_path=None,
                         proxy=proxy_url(adversary, password=password), retries=0)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    echoed = adversary.log()[0]['headers']['Proxy-Authorization']
    assert echoed.startswith('Basic ') and err.value.status == 502
    text = str(err.value) + repr(err.value.to_result())
    basic = base64.b64encode(('proxy-user:' + password).encode()).decode()
    for form in (password, quote(password, safe=''), basic, echoed, params['proxy']):
        assert form not in text
    scrubber = Scrubber(secrets_of(params))
    for form in (password, quote(password, safe=''), quote(password), basic, params['proxy'], 'proxy-user:' + password):
        assert form not in scrubber.text('x %s y' % form), form


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


def test_the_metadata_service_is_never_reached_through_a_proxy(sim, monkeypatch):
    dead = 'http://127.0.0.1:%d' % closed_port()
    for name in ('HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'):
        monkeypatch.setenv(name, dead)
    for name in ('NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    params = metadata_params(sim, proxy=dead)
    with client_for(params) as client:
        assert client.auth.credentials(client)[0].startswith('SIMMETA')
    assert sim.stats()['routes'] == {'metadata_token': 1, 'metadata_securitykey': 1} and sim.stats()['proxied'] == 0


@pytest.mark.parametrize('proxy, message', [
    ('socks5://u:secret-pw@proxy.example:1080', 'must be an http:// or https:// URL'),
    ('http://u:secret-pw@proxy.example:1080/path', 'without a path, query or fragment'),
    ('http://u:secret-pw@proxy.example:99999', 'invalid port'),
    ('http://u:secret-pw@proxy .example', 'without spaces or line breaks'),
])
def test_a_bad_proxy_is_refused_without_showing_it(proxy, message):
    with pytest.raises(OptionError) as err:
        check_proxy(proxy)
    assert message in str(err.value) and 'secret-pw' not in str(err.value) and 'proxy.example' not in str(err.value)


def test_proxy_secrets_cover_every_form():
    forms = proxy_secrets('http://us%40er:p%3Ass@proxy.example:3128')
    assert 'p%3Ass' in forms and 'p:ss' in forms and base64.b64encode(b'us@er:p:ss').decode() in forms
    assert 'http://us%40er:p%3Ass@proxy.example:3128' in forms
    assert proxy_secrets('http://proxy.example:3128') == [] and proxy_secrets('http://user@proxy.example') == []


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


def test_the_sdks_comma_separated_override_is_tried_in_order(sim):
    dead = 'http://127.0.0.1:%d' % closed_port()
    env = {'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4': '%s, %s,' % (dead, sim.url)}
    params = base_params(sim, endpoint=None, region='cn-north-4')
    with client_for(params, env) as client:
        assert client.endpoints.urls == [dead, sim.url]
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'


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


@pytest.mark.parametrize('endpoints, message', [
    (['https://gaussdb.example', 'https://u:p@other.example'], 'endpoint must not hold a user name'),
    ('https://gaussdb.example, ftp://other.example', 'endpoint must be an http(s) URL'),
    (['https://gaussdb.example/path'], 'without a path'),
])
def test_every_endpoint_is_checked(endpoints, message):
    with pytest.raises(OptionError, match=message.replace('(', '\\(').replace(')', '\\)')):
        resolve_endpoints(endpoint=endpoints, environ={})
    env = {'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4': 'https://ok.example,http://bad.example/x'}
    with pytest.raises(OptionError, match='HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4 must be scheme://host'):
        resolve_endpoints('cn-north-4', environ=env)


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


def test_the_metadata_default_is_never_contacted_in_tests():
    with pytest.raises(OSError, match='link-local metadata address'):
        socket.create_connection(('169.254.169.254', 80), timeout=1)
    assert auth_metadata.DEFAULT_METADATA_URL == 'http://169.254.169.254'
