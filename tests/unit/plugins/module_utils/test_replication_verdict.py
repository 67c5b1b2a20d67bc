"""Fields of the wrong type: a task named by anything but text is never ready, and says why."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    ReadinessRule, normalize, verdict)

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE


def row(**fields):
    data = {'task_name': 'orders_db', 'source_database': 'orders', 'target_database': 'orders_sr', 'status': 'Yes',
            'stage': 'Incremental'}
    data.update(fields)
    return data


@pytest.mark.parametrize('name, reason', [
    (True, 'task_name is bool, not text'),
    (False, 'task_name is bool, not text'),
    (7, 'task_name is int, not text'),
    (2.5, 'task_name is float, not text'),
    (['orders_db'], 'task_name is list, not text'),
    ({'name': 'orders_db'}, 'task_name is dict, not text'),
    (None, 'the task has no name'),
    ('  ', 'the task has no name'),
])
def test_a_task_named_by_anything_but_text_is_not_ready_and_says_why(name, reason):
    # before: a number was taken for text, so a task named 7 was ready; a boolean named 'True' would be too
    task = normalize(row(task_name=name))
    assert not task['ready'] and reason in task['reasons']
    assert task['task_name'] != 'True'
    result = verdict(INSTANCE, {'total': 1, 'items': [row(task_name=name)], 'request_ids': [], 'complete': True,
                                'consistent': True, 'problems': []}, ReadinessRule())
    assert not result['all_ready'] and reason in result['not_ready'][0]['reasons']


@pytest.mark.parametrize('field', ['source_database', 'target_database', 'status', 'stage', 'catchup_stage'])
def test_every_text_field_of_another_type_is_not_ready(field):
    task = normalize(row(**{field: 1}), require_catchup=True)
    assert not task['ready'] and '%s is int, not text' % field in task['reasons']
