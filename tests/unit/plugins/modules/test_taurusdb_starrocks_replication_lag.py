"""The lag module in-process: real AnsibleModule argument handling and JSON output, PyMySQL's connect replaced by
two fake servers (tests/unit/fake_mysql.py) that copy the heartbeat at once, so nothing waits."""

import json

import pymysql
import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.taurusdb.htap.plugins.module_utils import heartbeat
from ansible_collections.taurusdb.htap.plugins.modules import taurusdb_starrocks_replication_lag as module
from ansible_collections.taurusdb.htap.tests.unit.fake_mysql import (
    SOURCE_DB, TABLE, TARGET_DB, FakeClock, FakeServers)

SOURCE = dict(login_host='127.0.0.1', login_user='hb', login_password='s0urce-password', database=SOURCE_DB)
TARGET = dict(login_host='127.0.0.2', login_port=9030, login_user='hb', login_password='t4rget-password',
              database=TARGET_DB)


@pytest.fixture
def servers(monkeypatch):
    fake = FakeServers(FakeClock(), lag=0.0, statement_time=0.0)
    monkeypatch.setattr(heartbeat.pymysql, 'connect', fake.connect)
    return fake


def run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    out = capsys.readouterr().out
    return exit_info.value.code, json.loads(out), out


def args_for(**extra):
    args = dict(source=dict(SOURCE), target=dict(TARGET))
    args.update(extra)
    return args


def test_caught_up_writes_and_is_changed(servers, capsys):
    code, result, _out = run(args_for(), capsys)
    assert code == 0 and result['changed'] is True
    assert result['wrote'] is True and result['seen'] is True and result['within_max_lag'] is True
    assert result['lag_seconds'] == 0 and result['max_lag'] == 10.0 and result['table'] == TABLE
    assert set(result) >= {'lag_seconds', 'within_max_lag', 'max_lag', 'wrote', 'created', 'seen', 'written_at',
                           'target_holds', 'measured_at', 'gave_up_after', 'polls', 'problem', 'table'}
    source, target = servers.connections
    assert target.arguments['port'] == 9030 and source.arguments['port'] == 3306  # community.mysql's default
    assert source.arguments['connect_timeout'] == 10.0 and 'ssl' not in source.arguments


def test_without_write_nothing_changes(servers, capsys):
    servers.tables[TARGET_DB][TABLE][1] = servers.at(-30)
    code, result, _out = run(args_for(write=False, max_lag=20), capsys)
    assert code == 0 and result['changed'] is False and result['wrote'] is False
    assert result['within_max_lag'] is False and result['lag_seconds'] == 30  # beyond max_lag is a result
    assert result['problem'] == 'the lag, 30.0 s, is more than max_lag, 20.0 s'


def test_check_mode_neither_writes_nor_creates(servers, capsys):
    del servers.tables[SOURCE_DB][TABLE]
    servers.tables[TARGET_DB][TABLE][1] = servers.at(-1)
    code, result, _out = run(args_for(create=True, _ansible_check_mode=True), capsys)
    assert code == 0 and result['changed'] is False and result['wrote'] is False and result['created'] is False
    assert not [s for s in servers.executed() if s.startswith(('REPLACE', 'CREATE'))]
    assert result['lag_seconds'] == 1 and result['seen'] is True


def test_create_is_a_change(servers, capsys):
    del servers.tables[SOURCE_DB][TABLE]
    code, result, _out = run(args_for(create=True), capsys)
    assert code == 0 and result['created'] is True and result['changed'] is True


def test_wrong_password_is_a_clear_failure_without_the_password(servers, capsys):
    servers.connect_error[SOURCE_DB] = pymysql.err.OperationalError(
        1045, "Access denied for user 'hb'@'localhost' (using password: YES) s0urce-password")
    code, result, out = run(args_for(), capsys)
    assert code == 1 and result['failed'] is True
    assert result['side'] == 'source' and result['host'] == '127.0.0.1' and result['port'] == 3306
    assert result['error_code'] == 1045
    assert result['msg'].startswith('source 127.0.0.1:3306 (database %s): cannot connect: MySQL error 1045: '
                                    'Access denied' % SOURCE_DB)
    assert 's0urce-password' not in out and 't4rget-password' not in out and '********' in out
    assert 'Traceback' not in out and 'exception' not in result


def test_missing_table_on_the_target(servers, capsys):
    del servers.tables[TARGET_DB][TABLE]
    code, result, _out = run(args_for(), capsys)
    assert code == 1 and result['side'] == 'target' and 'synchronization task' in result['hint']
    assert 'table taurusdb_htap_heartbeat does not exist' in result['msg'] and result['hint'] in result['msg']


def test_a_table_name_injection_is_refused_before_connecting(servers, capsys):
    code, result, _out = run(args_for(table='t`; DROP TABLE users; -- '), capsys)
    assert code == 1 and result['msg'].startswith('table must be a letter')
    assert servers.connections == []


@pytest.mark.parametrize('extra, message', [
    (dict(max_lag='nan'), 'max_lag must be a finite number'),
    (dict(wait_timeout=-1), 'wait_timeout must be at least 0'),
    (dict(target=dict(TARGET, login_port=70000)), 'target.login_port must be between 1 and 65535'),
])
def test_bad_numbers_are_refused_before_connecting(servers, capsys, extra, message):
    code, result, _out = run(args_for(**extra), capsys)
    assert code == 1 and result['msg'].startswith(message)
    assert servers.connections == []


def test_a_missing_side_option_is_ansibles_own_error(servers, capsys):
    code, result, _out = run(args_for(target=dict(login_host='h')), capsys)
    assert code == 1 and 'database' in result['msg'] and servers.connections == []


def test_without_pymysql_missing_required_lib(monkeypatch, capsys):
    monkeypatch.setattr(module, 'HAS_PYMYSQL', False)
    monkeypatch.setattr(module, 'PYMYSQL_IMPORT_ERROR', 'ModuleNotFoundError: No module named pymysql')
    code, result, _out = run(args_for(), capsys)
    assert code == 1 and 'Failed to import the required Python library (PyMySQL)' in result['msg']


def test_an_unexpected_error_is_a_failure_not_a_traceback(servers, capsys, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError('boom with s0urce-password')
    monkeypatch.setattr(module, 'measure_lag', broken)
    code, result, out = run(args_for(), capsys)
    assert code == 1
    assert result['msg'] == 'Measuring the heartbeat lag failed unexpectedly: RuntimeError: boom with ********'
    assert 's0urce-password' not in out


def test_the_spec_is_the_heartbeat_options_plus_the_modules_own():
    assert sorted(module.ARGUMENT_SPEC) == sorted(list(heartbeat.HEARTBEAT_OPTIONS) + ['max_lag', 'wait_timeout'])


def assert_documented(documented, spec, where=''):
    assert sorted(documented) == sorted(spec), where
    for name, option in spec.items():
        doc = documented[name]
        for key in ('type', 'default', 'required', 'aliases', 'no_log'):
            expected = option.get(key)
            if key == 'required':
                expected = expected or None
            if key == 'no_log':
                continue  # a documentation key only by its absence
            assert doc.get(key) == expected, (where + name, key)
        if 'options' in option:
            assert_documented(doc['suboptions'], option['options'], where + name + '.')


def test_every_option_and_suboption_is_documented_as_the_spec_says():
    import yaml
    from ansible_collections.taurusdb.htap.plugins.doc_fragments.heartbeat import ModuleDocFragment
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc['extends_documentation_fragment'] == ['taurusdb.htap.heartbeat']  # the heartbeat's options, written once
    options = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'], **doc['options'])
    assert_documented(options, module.ARGUMENT_SPEC)


def test_the_wait_documents_the_same_heartbeat_options_under_heartbeat():
    import yaml
    from ansible_collections.taurusdb.htap.plugins.doc_fragments.heartbeat import ModuleDocFragment
    gate = yaml.safe_load(ModuleDocFragment.GATE)['options']['heartbeat']['suboptions']
    assert_documented(gate, heartbeat.HEARTBEAT_OPTIONS, 'heartbeat.')
