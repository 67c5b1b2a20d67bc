"""The wait action's options in-process: every number option finite and in range, refused before any request."""

import pytest

from ansible_collections.taurusdb.htap.plugins.plugin_utils import options
from ansible_collections.taurusdb.htap.plugins.action import taurusdb_starrocks_replication_wait as wait

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, KEY, run_wait_action

NUMBER_OPTIONS = sorted(name for name, option in wait.SPEC.items() if option['type'] in ('int', 'float'))


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setattr(options, '_apply_action_arg_defaults', None)  # no play: the task's args are all there is
    monkeypatch.setenv('HOME', str(tmp_path))
    for name in ('HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'TAURUSDB_ENDPOINT', 'TAURUSDB_REGION'):
        monkeypatch.delenv(name, raising=False)


def run_action(args):
    return run_wait_action(args)


def args_for(sim, **extra):
    args = dict(instance_ids=[INSTANCE], endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
                secret_key=KEY['sk'], wait_timeout=0, retry_backoff=0.01)
    args.update(extra)
    return args


def test_the_action_runs_in_process(sim):
    result = run_action(args_for(sim))
    assert result['passed'] and result['rounds'] == 1 and sim.stats()['total'] == 1


def test_each_instance_result_has_the_listings_ext_text_as_server_text(sim):
    sim.load({'ext_text': 'note\x1b[2K {{ x }}', 'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}]})
    result = run_action(args_for(sim))
    assert result['passed'] and result['instances'][0]['ext_text'] == 'note\\x1b[2K \\x7b{ x }}'


@pytest.mark.parametrize('name', NUMBER_OPTIONS)
@pytest.mark.parametrize('value', [float('nan'), float('inf'), float('-inf'), 'nan', '-inf'])
def test_a_number_option_that_is_not_finite_is_refused_before_any_request(sim, name, value):
    # before: wait_timeout nan waited past any deadline (wait_sleep nan: a ValueError from time.sleep after
    # the first round); a nan timeout made every poll fail "unexpectedly"; an infinite whole number was
    # ansible-core's OverflowError
    assert {'wait_timeout', 'wait_sleep', 'read_timeout', 'instance_concurrency', 'min_tasks'} <= set(NUMBER_OPTIONS)
    result = run_action(args_for(sim, **{name: value}))
    assert result['failed'] and 'rounds' not in result  # refused: no round
    assert result['msg'] == '%s must be a finite number, got %s' % (name, float(value))
    assert sim.stats()['total'] == 0


@pytest.mark.parametrize('name, value, words', [
    ('wait_sleep', 86401, 'wait_sleep must be between 0.1 and 86400, got 86401'),
    ('wait_sleep', 0, 'wait_sleep must be between 0.1 and 86400, got 0'),
    ('wait_timeout', -1, 'wait_timeout must be at least 0, got -1'),
    ('instance_concurrency', 33, 'instance_concurrency must be between 1 and 32, got 33'),
    ('connect_timeout', 0, 'connect_timeout must be between 0.1 and 600, got 0'),
    ('limit', 0, 'limit must be between 1 and 100, got 0'),
    ('fail_fast_after', -1, 'fail_fast_after must be at least 0, got -1'),
    ('task_patterns', ['a_*', ''], 'task_patterns must not contain empty entries'),
])
def test_every_range_is_checked_before_any_request(sim, name, value, words):
    # before: wait_sleep had no upper bound (time.sleep overflowed); connection and query options were only
    # checked in the wait, as a "query failed"
    result = run_action(args_for(sim, **{name: value}))
    assert result['failed'] and words in result['msg'] and 'rounds' not in result
    assert sim.stats()['total'] == 0


def test_expected_tasks_given_as_an_empty_string_are_none(sim):
    # before: "" became [''], a nameless expected task that never exists: the gate never passed
    result = run_action(args_for(sim, expected_tasks='', task_names='', task_patterns=''))
    assert result['passed'] and result['instances'][0]['missing_tasks'] == [] and sim.stats()['total'] == 1
