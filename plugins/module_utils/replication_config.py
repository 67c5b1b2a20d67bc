# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API that says why a task broke: the configuration of one data synchronization task,
normalized (checks judged, the last ALTER TABLE error), and explanations of failed tasks: one step,
after a query, for whatever reads replication (the module, the lookup, the wait, the watch)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, failure_result
from ansible_collections.taurusdb.htap.plugins.module_utils.hints import ApiHints
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    IDENTITY_FIELDS, needs_explaining, query_failed, task_key)
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import is_api_name, shown

CONFIG_PATH = '/v3/%s/instances/%s/starrocks/databases/replication/configuration'
HINTS = ApiHints(codes={
    'DBS.200022': 'Check instance_id (the StarRocks instance) and that it is in this project and region.'})
# check_result values that mean a check passed; anything else (an error text, an unknown word) failed.
PASSED = ('success', 'succeeded', 'succeed', 'pass', 'passed', 'ok', 'normal', 'true')
EXPLAIN_LIMIT = 10  # tasks explained in one step: the reads stay few however many tasks failed


def _text(value):
    """Server text as text, shown safely."""
    if value is None:
        return value
    return shown(value if isinstance(value, str) else str(value))


def _passed(check_result):
    return isinstance(check_result, str) and check_result.strip().lower() in PASSED


def _checks(items, name_key, value_key):
    checks = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        result = _text(item.get('check_result'))
        checks.append({'name': _text(item.get(name_key)), 'value': _text(item.get(value_key)),
                       'check_result': result, 'passed': _passed(result)})
    return checks


def _repl_config(value):
    if not isinstance(value, dict):
        return None
    tables = value.get('tables')
    return {'repl_type': _text(value.get('repl_type')), 'repl_scope': _text(value.get('repl_scope')),
            'tables': [_text(table) for table in tables] if isinstance(tables, list) else []}


def normalize_config(instance_id, task_name, payload):
    """The configuration as one dict, with every failing check and the last ALTER TABLE error named."""
    if not isinstance(payload, dict):
        raise ApiError('The replication configuration has an unexpected shape: expected a JSON object, got %s'
                       % type(payload).__name__)
    database = payload.get('database_info') if isinstance(payload.get('database_info'), dict) else {}
    database_checks = _checks(database.get('db_config_check_results'), 'param_name', 'value')
    table_checks = _checks(payload.get('table_infos'), 'table_name', 'table_config')
    last_error = _text(payload.get('last_error_of_alter_table')) or None
    failing = ['database setting %s = %s: %s' % (c['name'], c['value'], c['check_result'])
               for c in database_checks if not c['passed']]
    failing += ['table %s: %s' % (c['name'], c['check_result']) for c in table_checks if not c['passed']]
    return {
        'instance_id': instance_id,
        'task_name': task_name,
        'source_instance_id': _text(payload.get('source_instance_id')),
        'source_node_id': _text(payload.get('source_node_id')),
        'source_database': _text(database.get('database_name')),
        'target_database': _text(payload.get('target_database_name')),
        'database_checks': database_checks,
        'table_checks': table_checks,
        'failing_checks': failing,
        'table_repl_config': _repl_config(payload.get('table_repl_config')),
        'new_table_repl_config': _repl_config(payload.get('new_table_repl_config')),
        'is_tables_change': payload.get('is_tables_change') is True,
        'last_error_of_alter_table': last_error,
    }


def get_config(client, instance_id, task_name):
    """One task's configuration; returns (normalized config, request id)."""
    check_instance_id(instance_id)
    path = CONFIG_PATH % (client.api_project_id(), instance_id)
    what = 'Reading the configuration of task %s of instance %s' % (task_name, instance_id)
    payload, request_id = client.get_json(path, [('task_name', task_name)], what, HINTS)
    return normalize_config(instance_id, task_name, payload), request_id


def explain(client, instance_id, tasks, concurrency=4, limit=EXPLAIN_LIMIT):
    """Why these tasks broke, fetched concurrently (at most ``limit``). Failing to fetch one is said
    in its entry and never raised: an explanation never changes a verdict."""
    def one(task):
        entry = dict(zip(IDENTITY_FIELDS, task_key(task)))
        if not is_api_name(task['task_name']):
            entry['error'] = 'not read: the task name is not one the API allows, so no configuration can be asked for'
            return entry
        try:
            config, _request_id = get_config(client, instance_id, task['task_name'])
        except Exception as exc:  # pylint: disable=broad-except  # said in the entry, never fatal
            entry['error'] = failure_result(exc, client.scrubber, 'Reading the configuration')['msg']
            return entry
        entry.update(last_error_of_alter_table=config['last_error_of_alter_table'],
                     failing_checks=config['failing_checks'])
        return entry

    chosen = [task for task in tasks if task.get('task_name')][:limit]
    if not chosen:
        return []
    with ThreadPoolExecutor(max_workers=min(concurrency, len(chosen))) as pool:
        return list(pool.map(one, chosen))


def explain_results(client, results, concurrency=4, limit=EXPLAIN_LIMIT):
    """Why the tasks that need it (``needs_explaining``) failed, into each instance result's
    ``explanations``, for at most ``limit`` tasks over all results. A failed query is left as it is."""
    for result in results:
        if result is None or query_failed(result):
            continue
        tasks = [task for task in result.get('not_ready') or [] if needs_explaining(task)]
        result['explanations'] = explain(client, result['instance_id'], tasks, concurrency, limit) if limit > 0 else []
        limit -= len(result['explanations'])
