"""The client over real HTTP against the simulator: auth, endpoints, retries, errors, TLS."""

import time

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import errors as api
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import resolve_endpoints
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import API_PATH, HINTS, query_instance

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_CREDENTIALS, DEFAULT_PROJECT, INSTANCE, KEY, base_params, make_client, query_of, resolve_auth)

PATH = API_PATH % (DEFAULT_PROJECT, INSTANCE)
QUERY = [('limit', '100'), ('offset', '0')]
USER = DEFAULT_CREDENTIALS['users'][0]
TEMP = DEFAULT_CREDENTIALS['aksk'][1]


def one_instance(sim, tasks=None, faults=(), scenario_faults=(), **extra):
    sim.load(dict({'faults': list(scenario_faults), 'instances': [
        {'id': INSTANCE, 'tasks': tasks or [{'task_name': 'a_db'}], 'faults': list(faults)}]}, **extra))


def get(sim, **extra):
    with make_client(base_params(sim, **extra)) as client:
        return client.get_json(PATH, QUERY, 'Querying')


# --- endpoints and credentials -------------------------------------------------------------
def test_region_table_and_sdk_override():
    assert resolve_endpoints('cn-north-4', environ={}) == ['https://gaussdb.cn-north-4.myhuaweicloud.com']
    assert resolve_endpoints('tr-west-1', environ={}) == ['https://gaussdbformysql.tr-west-1.myhuaweicloud.com']
    assert resolve_endpoints('af-south-1', environ={}) == ['https://gaussdb-mysql.af-south-1.myhuaweicloud.com']
    env = {'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4': 'https://a.example:8443/, https://b.example'}
    assert resolve_endpoints('cn-north-4', environ=env) == ['https://a.example:8443', 'https://b.example']
    assert resolve_endpoints('cn-north-4', 'http://127.0.0.1:1/', environ=env) == ['http://127.0.0.1:1']


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(OptionError) as err:
        resolve_endpoints('mars-1', environ={})
    assert 'mars-1' in str(err.value) and 'cn-north-4' in str(err.value) and 'ap-southeast-1' in str(err.value)
    with pytest.raises(OptionError, match='http'):
        resolve_endpoints(endpoint='ftp://x', environ={})
    with pytest.raises(OptionError, match='region'):
        resolve_endpoints(environ={})


def test_conflicting_credentials_say_what_to_set():
    with pytest.raises(OptionError, match='conflicting credentials: access_key/secret_key and auth_token'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b', 'auth_token': 't', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='secret_key is missing'):
        resolve_auth({'access_key': 'a', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='project_id is required'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b'})
    with pytest.raises(OptionError, match='missing: iam_domain'):
        resolve_auth({'iam_user': 'u', 'iam_password': 'p', 'region': 'cn-north-4'})


def test_no_credentials_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(OptionError, match='no credentials: set access_key and secret_key'):
        resolve_auth({'project_id': DEFAULT_PROJECT})


def test_credentials_file(tmp_path, sim):
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = %s\nsk = %s\nproject_id = %s\n' % (KEY['ak'], KEY['sk'], DEFAULT_PROJECT))
    params = base_params(sim, access_key=None, secret_key=None, project_id=None, credentials_file=str(path))
    with make_client(params) as client:
        payload, request_id = client.get_json(PATH, QUERY, 'Querying')
    assert payload['total_count'] == '3' and request_id
    path.write_text('[other]\nak = x\n')
    with pytest.raises(OptionError, match='no \\[basic\\] section'):
        resolve_auth({'credentials_file': str(path)})
    with pytest.raises(OptionError, match='cannot read credentials file'):
        resolve_auth({'credentials_file': str(tmp_path / 'absent')})


# --- auth methods over HTTP ----------------------------------------------------------------
def test_aksk_and_temporary_credentials(sim):
    assert get(sim)[0]['total_count'] == '3'
    assert get(sim, access_key=TEMP['ak'], secret_key=TEMP['sk'], security_token=TEMP['security_token'])[0]
    assert sim.stats()['auth'] == {'aksk': 1, 'aksk-temporary': 1}


def test_token_auth(sim):
    token = _token(sim)
    assert get(sim, access_key=None, secret_key=None, auth_token=token)[0]['total_count'] == '3'


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
        get(sim, **{k: v for k, v in params.items() if k not in ('endpoint',)})
    text = str(err.value)
    assert 'HTTP 401' in text and 'The username or password is wrong.' in text
    assert 'not-the-password-123' not in text and 'credentials were rejected' in text


def test_bad_signature_is_401_with_hint_and_request_id(sim):
    with pytest.raises(api.ApiError) as err:
        get(sim, secret_key='wrong-secret-key-value')
    exc = err.value
    assert exc.status == 401 and exc.error_code == 'APIGW.0301' and exc.request_id
    assert 'credentials were rejected' in str(exc) and 'wrong-secret-key-value' not in str(exc)
    assert exc.attempts == 1  # 401 is never retried


def test_foreign_project_is_403(sim):
    with make_client(base_params(sim)) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(API_PATH % ('f' * 32, INSTANCE), QUERY, 'Querying', HINTS)
    assert err.value.status == 403 and 'gaussdbformysql:htapInstance:getReplication' in str(err.value)


def test_unknown_instance_is_not_retried(sim):
    with make_client(base_params(sim)) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(API_PATH % (DEFAULT_PROJECT, 'f' * 32 + 'in17'), QUERY, 'Querying', HINTS)
    exc = err.value
    assert (exc.status, exc.error_code, exc.error_msg) == (400, 'DBS.200022', 'Instance not found.')
    assert str(exc) == ('Querying failed: HTTP 400 DBS.200022 "Instance not found." (request id %s). Check instance_id '
                        'and that the instance is in this project and region.' % exc.request_id)
    assert sim.stats()['total'] == 1


# --- retries ------------------------------------------------------------------------------
def test_throttling_honours_retry_after(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'first': 2, 'retry_after': 3}])
    assert get(sim)[0]['total_count'] == '1'
    assert sleeps == [3.0, 3.0]
    assert sim.stats()['statuses'] == {'429': 2, '200': 1}


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_server_errors_are_retried_with_growing_backoff(sim, sleeps, status):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': status, 'first': 3}])
    assert get(sim, retry_backoff=1.0)[0]
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]  # 0, 2, 4 plus up to 1 s of jitter each


def test_retries_give_up_with_the_last_error(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 503, 'code': 'SYS.0503', 'message': 'busy'}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retries=2)
    exc = err.value
    assert (exc.status, exc.error_code, exc.attempts) == (503, 'SYS.0503', 3)
    assert 'after 3 attempts' in str(exc) and exc.request_id
    assert sim.stats()['total'] == 3


def test_retry_after_beyond_the_time_budget_is_not_waited(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'retry_after': 3600}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retry_max_time=30)
    assert err.value.status == 429 and sleeps == [] and sim.stats()['total'] == 1
    assert 'throttling' in str(err.value)


def test_retries_zero_means_one_attempt(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 500, 'first': 1}])
    with pytest.raises(api.ApiError):
        get(sim, retries=0)
    assert sim.stats()['total'] == 1


def test_connection_reset_is_retried(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'reset', 'first': 2}])
    assert get(sim)[0]['total_count'] == '1'
    assert sim.stats()['total'] == 3


def test_read_timeout_on_a_slow_body_is_retried(sim):
    one_instance(sim, scenario_faults=[{'kind': 'slow_body', 'delay': 1.5, 'first': 1}])
    assert get(sim, read_timeout=0.3)[0]['total_count'] == '1'
    deadline = time.monotonic() + 5
    while sim.stats()['total'] < 2 and time.monotonic() < deadline:  # the slow answer is counted when it ends
        time.sleep(0.05)
    assert sim.stats()['statuses'] == {'200': 2} and sim.stats()['faults'] == {'slow_body': 1}


def test_truncated_json_is_retried_then_reported(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'truncated_json', 'first': 1}])
    assert get(sim)[0]['total_count'] == '1'
    one_instance(sim, scenario_faults=[{'kind': 'truncated_json'}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retries=1)
    assert 'not valid JSON' in str(err.value) and err.value.request_id and err.value.attempts == 2


def test_html_error_page_is_reported_plainly(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'html_error', 'status': 502}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retries=1)
    assert err.value.status == 502 and 'non-JSON answer (text/html)' in str(err.value)


def test_unreachable_endpoint(sleeps):
    import socket
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    params = dict(endpoint='http://127.0.0.1:%d' % port, project_id=DEFAULT_PROJECT, access_key='a',
                  secret_key='super-secret-sk', retries=1, retry_max_time=5, retry_backoff=0.01)
    with make_client(params) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    text = str(err.value)
    assert 'connection failed' in text and 'after 2 attempts' in text and 'super-secret-sk' not in text


# --- TLS ----------------------------------------------------------------------------------
def test_tls_with_ca_path(tls_sim):
    assert get(tls_sim)[0]['total_count'] == '3'


def test_tls_without_the_ca_fails_with_a_hint(tls_sim, sleeps):
    with pytest.raises(api.ApiError) as err:
        get(tls_sim, ca_path=None, retries=0)
    assert 'TLS error' in str(err.value) and 'ca_path' in str(err.value)
    assert 'CERTIFICATE_VERIFY_FAILED' in str(err.value) and '(str:' not in str(err.value)


def test_tls_validate_certs_false(tls_sim):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert get(tls_sim, ca_path=None, validate_certs=False)[0]['total_count'] == '3'


def test_error_body_shapes():
    assert api.parse_error_body({'error_code': 'A', 'error_msg': 'b'}) == ('A', 'b')
    assert api.parse_error_body({'errorCode': 'A', 'errorMsg': 'b'}) == ('A', 'b')
    assert api.parse_error_body({'code': 'A', 'message': 'b'}) == ('A', 'b')
    assert api.parse_error_body({'error': {'code': 401, 'message': 'm'}}) == (None, 'm')
    assert api.parse_error_body({'error': {'code': 401, 'title': 'Unauthorized', 'message': 'm'}}) == ('Unauthorized', 'm')
    assert api.parse_error_body({'error_code': ['A'], 'error_msg': {'b': 1}}) == ('["A"]', '{"b": 1}')
    assert api.parse_error_body(['x']) == (None, None)


def test_an_iam_shaped_401_reads_plainly_with_a_hint():
    # before: "HTTP 401 401" and no hint
    code, message = api.parse_error_body({'error': {'code': 401, 'message': 'The username or password is wrong.'}})
    text = str(api.ApiError('Getting an IAM token failed', status=401, error_code=code, error_msg=message,
                            hint=api.hint_for(401, code)))
    assert 'HTTP 401 "The username or password is wrong."' in text and 'credentials were rejected' in text
