"""auth_password.py: an IAM user and password, exchanged for one token per run as IAM expects it, scoped by
the project id or else the region; an answer without a usable token or project refused clearly, without the
password; only an expired token renewed."""

import json

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.auth_password import PasswordAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, EMPTY, LISTING, PATH, QUERY, base_params, client_for, resolve_auth)

PASSWORD = 'pass-word-0001'
TOKEN = 'iam-token-0001'
ANSWER = {'path': LISTING, 'json': EMPTY}


def password_params(server, **extra):
    return base_params(server, **dict(dict(access_key=None, secret_key=None, iam_user='user-1', iam_password=PASSWORD,
                                           iam_domain='domain-1', iam_endpoint=server.url, retries=0), **extra))


def token_answer(token=TOKEN, project=DEFAULT_PROJECT):
    payload = {'token': {'project': {'id': project, 'name': 'cn-north-4'}}} if project else {'token': {}}
    return {'method': 'POST', 'path': 'auth/tokens$', 'status': 201, 'json': payload,
            'headers': {'X-Subject-Token': token, 'X-Request-Id': 'token-request-1'}}


@pytest.mark.parametrize('given, scope', [({}, {'id': DEFAULT_PROJECT}),
                                          ({'project_id': None, 'region': 'cn-north-4'}, {'name': 'cn-north-4'})])
def test_one_token_request_as_iam_expects_it_then_the_token_on_every_request(adversary, given, scope):
    adversary.play([token_answer(), ANSWER])
    with client_for(password_params(adversary, **given)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        client.get_json(PATH, QUERY, 'Querying')
    token_request, first, second = adversary.log()
    assert token_request['method'] == 'POST' and token_request['path'] == '/v3/auth/tokens'
    assert json.loads(token_request['body']) == {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'user-1', 'password': PASSWORD, 'domain': {'name': 'domain-1'}}}},
        'scope': {'project': scope}}}
    assert first['headers']['X-Auth-Token'] == second['headers']['X-Auth-Token'] == TOKEN
    assert first['path'] == PATH


@pytest.mark.parametrize('token', [None, '', 'two words', 'a\ttab'])
def test_an_answer_without_a_usable_token_is_a_clear_error(adversary, token):
    adversary.play([token_answer(token=token)])
    with client_for(password_params(adversary)) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert str(err.value).startswith('Getting an IAM token failed: the answer has no usable X-Subject-Token header')
    assert err.value.status == 201 and err.value.request_id == 'token-request-1' and PASSWORD not in str(err.value)
    assert len(adversary.log()) == 1  # the API was never asked


@pytest.mark.parametrize('project, message', [
    (None, 'the answer names no project; set project_id'),
    ('short', 'the project id in the answer is not 32 letters or digits; set project_id'),
    (DEFAULT_PROJECT + '\n', 'the project id in the answer is not 32 letters or digits'),
])
def test_a_token_scoped_by_region_must_name_a_good_project(adversary, project, message):
    adversary.play([token_answer(project=project)])
    with client_for(password_params(adversary, project_id=None, region='cn-north-4')) as client:
        with pytest.raises(ApiError, match='^Getting an IAM token failed: ' + message):
            client.api_project_id()


def test_the_project_of_a_token_scoped_by_region_goes_into_the_paths(adversary):
    project = 'b' * 32
    adversary.play([token_answer(project=project), ANSWER])
    with client_for(password_params(adversary, project_id=None, region='cn-north-4')) as client:
        assert client.api_project_id() == project
    assert len(adversary.log()) == 1


def test_only_an_expired_token_is_renewed(adversary):
    expired = {'path': LISTING, 'status': 401, 'times': 1,
               'json': {'error_code': 'APIGW.0307', 'error_msg': 'The token expires.'}}
    adversary.play([token_answer(), expired, ANSWER])
    with client_for(password_params(adversary)) as client:
        assert client.get_json(PATH, QUERY, 'Querying')[0] == EMPTY
    assert [entry['path'] for entry in adversary.log()] == ['/v3/auth/tokens', PATH, '/v3/auth/tokens', PATH]
    refused = dict(expired, json={'error_code': 'APIGW.0301', 'error_msg': 'Incorrect IAM authentication information'})
    adversary.play([token_answer(), refused, ANSWER])
    with client_for(password_params(adversary)) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert err.value.error_code == 'APIGW.0301'
    assert [entry['path'] for entry in adversary.log()] == ['/v3/auth/tokens', PATH]


@pytest.mark.parametrize('given, message', [
    ({'iam_password': None}, 'IAM password authentication needs iam_user, iam_password and iam_domain; missing: '
                             'iam_password'),
    ({'iam_domain': None}, 'missing: iam_domain'),
    ({'iam_user': None}, 'missing: iam_user'),
    ({'project_id': None}, 'IAM password authentication needs project_id or region (to scope the token)'),
])
def test_what_is_missing_is_named_before_any_request(given, message):
    params = dict(iam_user='user-1', iam_password=PASSWORD, iam_domain='domain-1', project_id=DEFAULT_PROJECT)
    params.update(given)
    with pytest.raises(OptionError) as err:
        resolve_auth(params)
    assert message in str(err.value) and PASSWORD not in str(err.value)


def test_a_refused_password_is_named_as_the_token_request_without_the_password(adversary):
    adversary.play([{'method': 'POST', 'path': 'auth/tokens$', 'status': 401,
                     'json': {'error': {'code': 401, 'message': 'The username or password is wrong.'}}}])
    with client_for(password_params(adversary)) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert str(err.value).startswith('Getting an IAM token failed: HTTP 401') and PASSWORD not in str(err.value)


def test_the_iam_endpoint_is_the_regions_unless_given():
    params = dict(iam_user='user-1', iam_password=PASSWORD, iam_domain='domain-1', region='cn-north-4')
    assert resolve_auth(params).iam_endpoint == 'https://iam.cn-north-4.myhuaweicloud.com'
    assert resolve_auth(dict(params, iam_endpoint='https://iam.example/')).iam_endpoint == 'https://iam.example'


def test_the_password_is_a_secret_and_so_is_the_token(adversary):
    params = password_params(adversary)
    assert PasswordAuth.OPTIONS['iam_password']['no_log'] is True
    assert resolve_auth(params).secrets() == [PASSWORD]
    echo = {'error_code': 'DBS.200022', 'error_msg': 'echo {{header:X-Auth-Token}}'}
    adversary.play([token_answer(), {'path': LISTING, 'status': 400, 'json': echo}])
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert TOKEN not in str(err.value) and 'echo ' in str(err.value)
