"""auth_metadata.py: temporary credentials from the cloud-server metadata service, as the SDK gets them: never
tried unless asked, never through a proxy, refreshed before they expire (once for every thread), scrubbed
from the moment they arrive; a clear error off the cloud or without an agency."""

import socket
import threading
from urllib.parse import quote

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import auth_metadata
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_metadata import (
    DEFAULT_METADATA_URL, MetadataAuth, parse_credential, parse_expires_at)
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import REDACTED, ApiError, OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import query_instances

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, INSTANCE, PATH, QUERY, base_params, client_for, closed_port, fleet, instances, query_of,
    resolve_auth)


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


def test_the_metadata_default_is_never_contacted_in_tests():
    with pytest.raises(OSError, match='link-local metadata address'):
        socket.create_connection(('169.254.169.254', 80), timeout=1)
    assert auth_metadata.DEFAULT_METADATA_URL == 'http://169.254.169.254'


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
