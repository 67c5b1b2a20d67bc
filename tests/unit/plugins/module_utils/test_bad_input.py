"""Bad input found by attacking the options: refused before any request, clearly, without echoing secrets."""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import resolve_endpoints
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.module_base import generate_argspec
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import ReplicationQuery
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC
from ansible_collections.taurusdb.htap.plugins.modules import taurusdb_starrocks_replication_info as module

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, INSTANCE, KEY, base_params, make_client, resolve_auth)

SIM_URL = 'http://127.0.0.1:1'


def validate(params):
    """The settings a client would be built from (credentials checked and cleaned)."""
    return ConnectionSettings(dict(dict(endpoint=SIM_URL, access_key='AK', secret_key='SK-value',
                                        project_id=DEFAULT_PROJECT), **params))


@pytest.mark.parametrize('instance_id', [INSTANCE + '\n', INSTANCE + '\r\n', ' ' + INSTANCE, INSTANCE[:-4] + 'in18'])
def test_an_instance_id_with_a_trailing_newline_is_refused(instance_id):
    # before: '$' matched before a trailing newline, which then went into the URL path
    with pytest.raises(OptionError, match='not a StarRocks instance id'):
        check_instance_id(instance_id)


def test_a_project_id_with_a_trailing_newline_is_refused():
    with pytest.raises(OptionError, match='project_id contains a line break'):
        validate({'project_id': DEFAULT_PROJECT + '\nX'})
    with pytest.raises(OptionError, match='project_id must be 32 letters or digits'):
        validate({'project_id': DEFAULT_PROJECT + 'X'})
    # surrounding whitespace alone is stripped, as for every credential
    assert validate({'project_id': DEFAULT_PROJECT + '\n'}).auth.project_id == DEFAULT_PROJECT


@pytest.mark.parametrize('endpoint, message', [
    ('https://user:pw@gaussdb.example', 'must not hold a user name or password'),
    ('https://gaussdb.example/?x=1', 'without a path, query or fragment'),
    ('https://gaussdb.example?', 'without a path, query or fragment'),
    ('https://gaussdb.example#top', 'without a path, query or fragment'),
    ('https://gaussdb.example/prefix', 'without a path, query or fragment'),
    ('https://gaussdb.example:99999', 'invalid port'),
    ('https://gaussdb .example', 'without spaces or line breaks'),
    ('https://gaussdb.example\n/x', 'without spaces or line breaks'),
    ('https://', 'must be an http(s) URL'),
])
def test_an_endpoint_that_is_not_scheme_host_port_is_refused(endpoint, message):
    # before: user:pw@ made requests send Basic auth instead of the signature; ?q and #f went to '/'
    with pytest.raises(OptionError) as err:
        resolve_endpoints(endpoint=endpoint, environ={})
    assert message in str(err.value)
    if 'pw@' in endpoint:
        assert 'pw' not in str(err.value)


def test_an_endpoint_with_surrounding_whitespace_or_a_slash_is_fine():
    assert resolve_endpoints(endpoint=' https://gaussdb.example:8443/\n', environ={}) == ['https://gaussdb.example:8443']


@pytest.mark.parametrize('name', ['secret_key', 'security_token', 'auth_token', 'iam_password', 'access_key'])
def test_a_credential_with_a_line_break_inside_is_refused_without_echoing_it(name):
    secret = 'abc-secret-\n-value'
    with pytest.raises(OptionError) as err:
        validate({name: secret, 'access_key': None, 'secret_key': None} if name in ('auth_token', 'iam_password')
                 else {name: secret})
    assert name in str(err.value) and 'secret' not in str(err.value).replace(name, '')


def test_a_credential_from_a_yaml_block_is_stripped_and_works(sim):
    # before: a token ending in a newline was printed in clear by requests' InvalidHeader message
    params = base_params(sim, access_key=KEY['ak'] + '\n', secret_key='  ' + KEY['sk'] + '\n')
    with make_client(params) as client:
        payload, _rid = client.get_json('/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, INSTANCE),
                                        [('limit', '100'), ('offset', '0')], 'Querying')
    assert payload['total_count'] == '3'


def test_a_credentials_file_with_percent_signs_and_unicode_is_read_raw(tmp_path):
    # before: '%' broke ConfigParser interpolation and the error printed the rest of the secret
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = AK1\nsk = s%%3kr%%(e)t-äö\nproject_id = %s\n' % DEFAULT_PROJECT, encoding='utf-8')
    path.chmod(0o600)
    warnings = []
    auth = resolve_auth({'credentials_file': str(path)}, warn=warnings.append)
    assert auth.secret_key == 's%3kr%(e)t-äö' and warnings == []


def test_a_credentials_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    # before: UnicodeDecodeError ended the module with a traceback
    path = tmp_path / 'credentials'
    path.write_bytes(b'[basic]\nak = AK1\nsk = \xff\xfe-secret\n')
    with pytest.raises(OptionError, match='is not UTF-8 text') as err:
        resolve_auth({'credentials_file': str(path)})
    assert 'secret' not in str(err.value)


def test_a_credentials_file_others_can_read_is_used_with_a_warning(tmp_path):
    # before: accepted silently
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = AK1\nsk = SK1-secret\nproject_id = %s\n' % DEFAULT_PROJECT)
    os.chmod(str(path), 0o644)
    warnings = []
    resolve_auth({'credentials_file': str(path)}, warn=warnings.append)
    assert len(warnings) == 1 and 'can be read by other users (mode 0o644)' in warnings[0] and 'chmod 600' in warnings[0]


NOT_FINITE = [float('nan'), float('inf'), float('-inf'), 'nan', 'inf', '-Infinity']


def module_number_options():
    spec = generate_argspec(instance_id=dict(type='str', required=True), **REPLICATION_SPEC)
    return sorted(name for name, option in spec.items() if option.get('type') in ('int', 'float'))


@pytest.mark.parametrize('name', ['connect_timeout', 'read_timeout', 'retry_max_time', 'retry_backoff'])
@pytest.mark.parametrize('value', NOT_FINITE[:3])
def test_connection_settings_refuse_a_timeout_that_is_not_finite(name, value):
    # before: nan went to requests, and every poll failed "unexpectedly"
    with pytest.raises(OptionError, match='%s must be a finite number' % name):
        validate({name: value})


@pytest.mark.parametrize('name', module_number_options())
@pytest.mark.parametrize('value', NOT_FINITE)
def test_the_module_refuses_every_number_option_not_finite_before_any_request(sim, capsys, monkeypatch, tmp_path,
                                                                              name, value):
    # before: nan passed (and a nan timeout failed "unexpectedly" in requests); an infinite whole number
    # was a traceback of ansible-core's own conversion (OverflowError)
    monkeypatch.setenv('HOME', str(tmp_path))
    args = {'endpoint': sim.url, 'project_id': DEFAULT_PROJECT, 'access_key': KEY['ak'], 'secret_key': KEY['sk'],
            'instance_id': INSTANCE, name: value}
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    result = json.loads(capsys.readouterr().out)
    assert exit_info.value.code == 1 and result['failed']
    assert result['msg'] == '%s must be a finite number, got %s' % (name, float(value))
    assert sim.stats()['total'] == 0


@pytest.mark.parametrize('value', [[''], [' '], ' '])  # what Ansible makes of "" and " "
def test_an_empty_list_option_means_none(value):
    # before: "" became [''], an expected (or named) task with no name that never exists: never ready
    query = ReplicationQuery({'expected_tasks': value, 'task_names': value, 'task_patterns': value})
    assert (query.rule.expected_tasks, query.rule.task_names, query.rule.task_patterns) == ([], [], [])


@pytest.mark.parametrize('name', ['expected_tasks', 'task_names', 'task_patterns'])
def test_an_empty_entry_among_names_is_refused(name):
    # before: 'orders_db,' (a stray comma) gave a nameless expected task that never exists
    with pytest.raises(OptionError, match='%s must not contain empty entries' % name):
        ReplicationQuery({name: ['orders_db', '']})


def test_the_module_with_expected_tasks_given_as_an_empty_string_judges_every_task(sim, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    args = {'endpoint': sim.url, 'project_id': DEFAULT_PROJECT, 'access_key': KEY['ak'], 'secret_key': KEY['sk'],
            'instance_id': INSTANCE, 'expected_tasks': '', 'task_names': ''}
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    result = json.loads(capsys.readouterr().out)
    assert result['all_ready'] is True and result['missing_tasks'] == [] and result['summary']['total'] == 3
