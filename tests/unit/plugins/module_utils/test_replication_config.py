"""The replication configuration, normalized, and explanations that never change a verdict."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, Scrubber
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import (
    EXPLAIN_LIMIT, explain, explain_results, get_config, normalize_config)

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, make_client

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


def instance(instance_id, *tasks):
    return {'instance_id': instance_id, 'all_ready': False, 'not_ready': list(tasks)}


def test_explaining_reads_only_tasks_with_status_no_and_at_most_ten_over_all_instances():
    client = FakeClient(dict(('t%02d' % i, CONFIG) for i in range(30)))
    paused = dict(task('paused_one'), status='yes', stage='paused')
    first = instance(INSTANCE, *[task('t%02d' % i) for i in range(6)] + [paused])
    failed = {'instance_id': INSTANCE, 'failed': True, 'msg': 'query failed'}
    second = instance(INSTANCE, *[task('t%02d' % i) for i in range(10, 20)])
    explain_results(client, [first, failed, None, second, instance(INSTANCE, task('t25'))])
    assert [entry['task_name'] for entry in first['explanations']] == ['t%02d' % i for i in range(6)]
    assert [entry['task_name'] for entry in second['explanations']] == ['t10', 't11', 't12', 't13']
    assert 'explanations' not in failed and len(client.asked) == EXPLAIN_LIMIT
    assert first['explanations'][0]['last_error_of_alter_table'].startswith('ALTER TABLE notes')


def test_an_instance_with_nothing_to_explain_says_so_with_an_empty_list():
    client = FakeClient({})
    ready = {'instance_id': INSTANCE, 'all_ready': True, 'not_ready': []}
    explain_results(client, [ready, instance(INSTANCE, dict(task('slow'), status='yes', stage='full'))])
    assert ready['explanations'] == [] and client.asked == []


def test_explanations_from_the_api_through_the_module_rule(sim):
    from ansible_collections.taurusdb.htap.plugins.module_utils.replication import query_instance
    from ansible_collections.taurusdb.htap.tests.unit.helpers import base_params, make_client, query_of
    sim.load('broken-with-explanation')
    params = base_params(sim, explain_failures=True)
    with make_client(params) as client:
        result = query_instance(client, INSTANCE, query_of(params))
        explain_results(client, [result])
    assert [entry['task_name'] for entry in result['explanations']] == ['orders_db']
    assert result['explanations'][0]['last_error_of_alter_table'].startswith('ALTER TABLE orders ADD COLUMN')


def test_a_task_the_configuration_api_does_not_know_says_what_to_do(adversary):
    adversary.play([{'path': 'configuration', 'status': 400,
                     'json': {'error_code': 'DBS.270022', 'error_msg': 'The task does not exist.'}}])
    params = dict(endpoint=adversary.url, project_id=DEFAULT_PROJECT, access_key='AK' * 10, secret_key='sk' * 20,
                  retries=0)
    with make_client(params) as client:
        with pytest.raises(ApiError) as error:
            get_config(client, INSTANCE, 'orders_db')
    assert error.value.error_code == 'DBS.270022' and 'check the task name' in error.value.hint
