"""Bad input found by attacking the options: refused before any request, clearly, without echoing secrets.
(The checks of one file's own options are with that file's tests: test_ids, test_endpoints, test_auth,
test_auth_aksk.)"""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.module_base import generate_argspec
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import ReplicationQuery
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC
from ansible_collections.taurusdb.htap.plugins.modules import taurusdb_starrocks_replication_info as module

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, KEY, settings_with

NOT_FINITE = [float('nan'), float('inf'), float('-inf'), 'nan', 'inf', '-Infinity']


def module_number_options():
    spec = generate_argspec(instance_id=dict(type='str', required=True), **REPLICATION_SPEC)
    return sorted(name for name, option in spec.items() if option.get('type') in ('int', 'float'))


@pytest.mark.parametrize('name', ['connect_timeout', 'read_timeout', 'retry_max_time', 'retry_backoff'])
@pytest.mark.parametrize('value', NOT_FINITE[:3])
def test_connection_settings_refuse_a_timeout_that_is_not_finite(name, value):
    # before: nan went to requests, and every poll failed "unexpectedly"
    with pytest.raises(OptionError, match='%s must be a finite number' % name):
        settings_with({name: value})


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
