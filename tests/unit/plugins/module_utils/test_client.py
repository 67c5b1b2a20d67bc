"""The client over real HTTP against the simulator: a client with each auth method, the project id it uses,
credentials renewed once, and errors that hold no secret."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import errors as api
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import API_PATH, HINTS, query_instance

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_CREDENTIALS, DEFAULT_PROJECT, INSTANCE, PATH, QUERY, base_params, get_listing, make_client, query_of)

USER = DEFAULT_CREDENTIALS['users'][0]
TEMP = DEFAULT_CREDENTIALS['aksk'][1]


def test_aksk_and_temporary_credentials(sim):
    assert get_listing(sim)[0]['total_count'] == '3'
    assert get_listing(sim, access_key=TEMP['ak'], secret_key=TEMP['sk'], security_token=TEMP['security_token'])[0]
    assert sim.stats()['auth'] == {'aksk': 1, 'aksk-temporary': 1}


def test_token_auth(sim):
    token = _token(sim)
    assert get_listing(sim, access_key=None, secret_key=None, auth_token=token)[0]['total_count'] == '3'


def _token(sim):
    import requests
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': USER['name'], 'password': USER['password'], 'domain': {'name': USER['domain']}}}},
        'scope': {'project': {'id': DEFAULT_PROJECT}}}}
    return requests.post(sim.url + '/v3/auth/tokens', json=body, timeout=5).headers['X-Subject-Token']


def password_params(sim, **extra):
    settings = dict(access_key=None, secret_key=None, iam_user=USER['name'], iam_password=USER['password'],
                    iam_domain=USER['domain'], iam_endpoint=sim.url)
    settings.update(extra)
    return base_params(sim, **settings)


def test_iam_password_gets_one_token_for_many_pages(sim):
    sim.load('many-tasks')
    with make_client(password_params(sim)) as client:
        result = query_instance(client, INSTANCE, query_of(password_params(sim)))
    assert result['total_count'] == 2000 and result['all_ready']
    assert sim.stats()['routes'] == {'iam_token': 1, 'replication': 80}


def test_iam_password_scopes_by_region_without_project_id(sim):
    params = password_params(sim, project_id=None, region='cn-north-4')
    with make_client(params) as client:
        result = query_instance(client, INSTANCE, query_of(params))
    assert result['all_ready'] and client.api_project_id() == DEFAULT_PROJECT


def test_expired_iam_token_is_renewed_once(sim):
    with make_client(password_params(sim)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        sim.advance_clock(90000)  # past the token's 24 h
        payload, _rid = client.get_json(PATH, QUERY, 'Querying')
    assert payload['total_count'] == '3'
    assert sim.stats()['routes'] == {'iam_token': 2, 'replication': 3}


def test_wrong_password_is_reported_without_the_password(sim):
    params = password_params(sim, iam_password='not-the-password-123')
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, **{k: v for k, v in params.items() if k not in ('endpoint',)})
    text = str(err.value)
    assert 'HTTP 401' in text and 'The username or password is wrong.' in text
    assert 'not-the-password-123' not in text and 'credentials were rejected' in text


def test_bad_signature_is_401_with_hint_and_request_id(sim):
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, secret_key='wrong-secret-key-value')
    exc = err.value
    assert exc.status == 401 and exc.error_code == 'APIGW.0301' and exc.request_id
    assert 'credentials were rejected' in str(exc) and 'wrong-secret-key-value' not in str(exc)
    assert exc.attempts == 1  # 401 is never retried


def test_foreign_project_is_403(sim):
    with make_client(base_params(sim)) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(API_PATH % ('f' * 32, INSTANCE), QUERY, 'Querying', HINTS)
    assert err.value.status == 403 and 'gaussdbformysql:htapInstance:getReplication' in str(err.value)
