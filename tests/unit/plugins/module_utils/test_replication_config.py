"""The replication configuration, normalized, and explanations that never change a verdict."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, Scrubber
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import EXPLAIN_LIMIT, explain, normalize_config

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE

CONFIG = {
    'source_instance_id': '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07', 'source_node_id': 'node-1',
    'database_info': {'database_name': 'orders', 'db_config_check_results': [
        {'param_name': 'binlog_format', 'value': 'ROW', 'check_result': 'success'},
        {'param_name': 'binlog_row_image', 'value': 'MINIMAL', 'check_result': 'failed: must be FULL'}]},
    'table_infos': [{'table_name': 'orders', 'table_config': 'pk', 'check_result': 'Success'},
                    {'table_name': 'notes', 'table_config': 'no pk', 'check_result': 'failed: no primary key'},
                    {'table_name': 'odd', 'table_config': None, 'check_result': None}],
    'table_repl_config': {'repl_type': 'all', 'repl_scope': 'database', 'tables': ['orders', 'notes']},
    'new_table_repl_config': None, 'target_database_name': 'orders_sr', 'is_tables_change': False,
    'last_error_of_alter_table': 'ALTER TABLE notes ADD COLUMN x BLOB failed: unsupported type',
}


def test_a_configuration_is_normalized_with_every_failing_check_named():
    config = normalize_config(INSTANCE, 'orders_db', CONFIG)
    assert (config['source_database'], config['target_database']) == ('orders', 'orders_sr')
    assert config['last_error_of_alter_table'].startswith('ALTER TABLE notes')
    assert config['failing_checks'] == ['database setting binlog_row_image = MINIMAL: failed: must be FULL',
                                        'table notes: failed: no primary key', 'table odd: None']
    assert [check['passed'] for check in config['table_checks']] == [True, False, False]
    assert config['table_repl_config'] == {'repl_type': 'all', 'repl_scope': 'database', 'tables': ['orders', 'notes']}
    assert config['new_table_repl_config'] is None and config['is_tables_change'] is False


def test_an_empty_alter_table_error_is_none_and_odd_shapes_do_not_break():
    config = normalize_config(INSTANCE, 't', {'last_error_of_alter_table': '', 'database_info': 'x', 'table_infos': [1]})
    assert config['last_error_of_alter_table'] is None and config['failing_checks'] == []
    with pytest.raises(ApiError, match='expected a JSON object'):
        normalize_config(INSTANCE, 't', ['x'])


class FakeClient(object):
    """Answers the configuration API from a dict by task name; a missing task fails like the API."""

    def __init__(self, configs):
        self.configs, self.asked, self.scrubber = configs, [], Scrubber(['hidden-secret-1'])

    def api_project_id(self):
        return '0123456789abcdef0123456789abcdef'

    def get_json(self, path, query, what, hints=None):
        name = dict(query)['task_name']
        self.asked.append(name)
        if name not in self.configs:
            raise ApiError(what + ' failed', status=400, error_code='DBS.280001', error_msg='no such task hidden-secret-1')
        return self.configs[name], 'rid-' + name


def task(name):
    return {'task_name': name, 'source_database': name, 'target_database': name + '_sr', 'status': 'no'}


def test_explanations_are_fetched_for_at_most_ten_tasks_and_failures_are_said():
    client = FakeClient(dict(('t%02d' % i, CONFIG) for i in range(12) if i != 3))
    entries = explain(client, INSTANCE, [task('t%02d' % i) for i in range(12)])
    assert len(entries) == EXPLAIN_LIMIT == len(client.asked)
    assert entries[0]['last_error_of_alter_table'].startswith('ALTER TABLE') and len(entries[0]['failing_checks']) == 3
    assert 'DBS.280001' in entries[3]['error'] and 'hidden-secret-1' not in entries[3]['error']
    assert explain(client, INSTANCE, []) == []
