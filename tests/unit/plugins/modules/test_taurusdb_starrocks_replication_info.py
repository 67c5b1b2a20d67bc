"""The module end to end in-process: real AnsibleModule argument handling and JSON output."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.taurusdb.htap.plugins.modules import taurusdb_starrocks_replication_info as module

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, INSTANCE, KEY

ENV_NAMES = ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_PROJECT_ID', 'HUAWEICLOUD_SDK_SECURITY_TOKEN',
             'CLOUD_SDK_AK', 'CLOUD_SDK_SK', 'TAURUSDB_ENDPOINT', 'TAURUSDB_REGION', 'TAURUSDB_AUTH_TOKEN',
             'HUAWEICLOUD_SDK_CREDENTIALS_FILE', 'HUAWEICLOUD_SDK_IAM_ENDPOINT', 'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4',
             'TAURUSDB_METADATA_CREDENTIALS', 'TAURUSDB_METADATA_URL', 'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY',
             'https_proxy', 'ALL_PROXY', 'all_proxy']


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HOME', str(tmp_path))  # no ~/.huaweicloud/credentials from the machine


def run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    out = capsys.readouterr().out
    return exit_info.value.code, json.loads(out), out


def args_for(sim, **extra):
    args = dict(endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
                instance_id=INSTANCE, retry_backoff=0.01)
    args.update(extra)
    return args


def test_success_shape(sim, capsys):
    code, result, _out = run(args_for(sim), capsys)
    assert code == 0 and result['changed'] is False and result['all_ready'] is True
    assert set(result) >= {'instance_id', 'total_count', 'complete', 'replications', 'summary', 'all_ready',
                           'not_ready', 'missing_tasks', 'problems', 'request_ids'}
    assert result['total_count'] == 3 and result['replications'][0]['stage'] == 'incremental'
    assert 'ansible_facts' not in result


def test_the_listings_ext_text_is_returned(sim, capsys):
    assert run(args_for(sim), capsys)[1]['ext_text'] is None
    sim.load({'ext_text': 'pages: 2', 'page_size': 1, 'instances': [
        {'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}, {'task_name': 'b_db'}]}]})
    code, result, _out = run(args_for(sim), capsys)
    assert code == 0 and result['all_ready'] and result['ext_text'] == 'pages: 2'


def test_check_mode_queries_too(sim, capsys):
    code, result, _out = run(args_for(sim, _ansible_check_mode=True), capsys)
    assert code == 0 and result['all_ready'] and sim.stats()['total'] == 1


def test_credentials_from_sdk_environment(sim, capsys, monkeypatch):
    monkeypatch.setenv('HUAWEICLOUD_SDK_AK', KEY['ak'])
    monkeypatch.setenv('HUAWEICLOUD_SDK_SK', KEY['sk'])
    monkeypatch.setenv('HUAWEICLOUD_SDK_PROJECT_ID', DEFAULT_PROJECT)
    monkeypatch.setenv('TAURUSDB_ENDPOINT', sim.url)
    code, result, _out = run({'instance_id': INSTANCE}, capsys)
    assert code == 0 and result['all_ready']


def test_reference_page_environment_names(sim, capsys, monkeypatch):
    monkeypatch.setenv('CLOUD_SDK_AK', KEY['ak'])
    monkeypatch.setenv('CLOUD_SDK_SK', KEY['sk'])
    code, result, _out = run({'instance_id': INSTANCE, 'endpoint': sim.url, 'project_id': DEFAULT_PROJECT}, capsys)
    assert code == 0 and result['total_count'] == 3


def test_api_error_is_a_clear_failure_without_secrets(sim, capsys):
    code, result, out = run(args_for(sim, instance_id='f' * 32 + 'in17'), capsys)
    assert code == 1 and result['failed']
    assert (result['status'], result['error_code'], result['error_msg']) == (400, 'DBS.200022', 'Instance not found.')
    assert result['request_id'] and result['request_id'] in result['msg']
    assert KEY['sk'] not in out


def test_rejected_signature_never_shows_the_secret(sim, capsys):
    code, result, out = run(args_for(sim, secret_key='my-very-secret-value'), capsys)
    assert code == 1 and result['status'] == 401 and 'credentials were rejected' in result['msg']
    assert 'my-very-secret-value' not in out


def test_iam_password_never_shown(sim, capsys):
    user = DEFAULT_CREDENTIALS['users'][0]
    code, result, out = run(dict(endpoint=sim.url, iam_endpoint=sim.url, project_id=DEFAULT_PROJECT, instance_id=INSTANCE,
                                 iam_user=user['name'], iam_password='wrong-password-xyz', iam_domain=user['domain']),
                            capsys)
    assert code == 1 and 'The username or password is wrong.' in result['msg']
    assert 'wrong-password-xyz' not in out


@pytest.mark.parametrize('extra, message', [
    ({'limit': 0}, 'limit must be between 1 and 100, got 0'),
    ({'limit': 101}, 'limit must be between 1 and 100, got 101'),
    ({'offset': -1}, 'offset must be at least 0, got -1'),
    ({'instance_id': 'abc'}, 'is not a StarRocks instance id'),
    ({'project_id': 'short'}, 'project_id must be 32 letters or digits'),
    ({'retry_max_time': 9000}, 'retry_max_time must be between 0 and 600'),
    ({'endpoint': 'gaussdb.example'}, 'endpoint must be an http(s) URL'),
    ({'auth_token': 'tok-123456'}, 'conflicting credentials'),
    ({'metadata_credentials': True}, 'conflicting credentials: access_key/secret_key and metadata_credentials'),
    ({'endpoint': ['https://ok.example', 'https://bad.example/path']}, 'without a path, query or fragment'),
    ({'client_key': '/nonexistent/key.pem'}, 'client_key needs client_cert'),
    ({'proxy': 'socks5://user:proxy-secret@proxy.example'}, 'proxy must be an http:// or https:// URL'),
    ({'proxy': 'http://user:proxy-secret\uff20x@proxy.example'}, 'proxy must be an http:// or https:// URL'),
    ({'language': 'fr-fr'}, 'value of language must be one of'),
])
def test_bad_input_fails_before_any_request(sim, capsys, extra, message):
    code, result, _out = run(args_for(sim, **extra), capsys)
    assert code == 1 and message in result['msg']
    assert sim.stats()['total'] == 0


def test_not_ready_is_data_not_failure(sim, capsys):
    sim.load('one-broken')
    code, result, _out = run(args_for(sim), capsys)
    assert code == 0 and result['all_ready'] is False
    assert result['not_ready'][0]['task_name'] == 'users_db'
    assert result['not_ready'][0]['reasons'] == ['status is No (abnormal)']


def test_only_the_sdks_environment_with_a_region(sim, capsys, monkeypatch):
    # AK/SK, the IAM endpoint and the region's endpoint as the official SDK reads them; no project id anywhere
    monkeypatch.setenv('HUAWEICLOUD_SDK_AK', KEY['ak'])
    monkeypatch.setenv('HUAWEICLOUD_SDK_SK', KEY['sk'])
    monkeypatch.setenv('HUAWEICLOUD_SDK_IAM_ENDPOINT', sim.url)
    monkeypatch.setenv('HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4', sim.url)
    code, result, out = run({'instance_id': INSTANCE, 'region': 'cn-north-4'}, capsys)
    assert code == 0 and result['all_ready'] and KEY['sk'] not in out
    assert sim.stats()['routes'] == {'iam_projects': 1, 'replication': 1}


def test_metadata_credentials_from_the_environment(sim, capsys, monkeypatch):
    monkeypatch.setenv('TAURUSDB_METADATA_CREDENTIALS', 'true')
    monkeypatch.setenv('TAURUSDB_METADATA_URL', sim.url)
    code, result, out = run({'instance_id': INSTANCE, 'endpoint': sim.url, 'project_id': DEFAULT_PROJECT}, capsys)
    assert code == 0 and result['all_ready']
    assert sim.stats()['auth']['aksk-metadata'] == 1 and 'simmeta-sk-' not in out and 'simmeta-token-' not in out


def test_the_proxy_password_is_in_no_output(sim, capsys):
    sim.load({'proxy': {'user': 'proxy-user', 'password': 'proxy-secret-1'}, 'instances': []})
    proxy = 'http://proxy-user:wrong-proxy-secret@%s' % sim.url.split('://', 1)[1]
    code, result, out = run(args_for(sim, endpoint='http://gaussdb.example.invalid', proxy=proxy, retries=0), capsys)
    assert code == 1 and result['status'] == 407 and 'proxy' in result['msg']
    assert 'wrong-proxy-secret' not in out
    if 'invocation' in result:  # ansible-core 2.21 no longer returns the invocation
        assert result['invocation']['module_args']['proxy'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
