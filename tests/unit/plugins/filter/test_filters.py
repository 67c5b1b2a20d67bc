"""The filters and the Jinja test, as Ansible calls them."""

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.taurusdb.htap.plugins.filter.replication import FilterModule, poll_done
from ansible_collections.taurusdb.htap.plugins.test.replication import TestModule as JinjaTests

FILTERS = FilterModule().filters()
TESTS = JinjaTests().tests()
READY = {'instance_id': 'i-1', 'all_ready': True, 'summary': {'ready': 1, 'total': 1}, 'not_ready': [], 'problems': []}
NOT_READY = dict(READY, all_ready=False, problems=['only 0 tasks, at least 1 required (min_tasks)'])


def test_replication_ready_is_false_on_nothing_and_on_any_failure():
    ready = TESTS['replication_ready']
    assert ready([READY]) and ready(READY) and ready((READY, READY))
    assert not ready([]) and not ready([READY, NOT_READY]) and not ready([{'failed': True, 'msg': 'x'}])
    assert not ready([dict(READY, all_ready='true')])  # only a real true counts


def test_filters_are_registered_and_work():
    assert FILTERS['replication_progress'](READY) == '1/1 ready'
    assert FILTERS['replication_report'](READY) == 'Replication gate passed: all 1 instance(s) ready.'
    assert FILTERS['replication_report']([]) == 'Replication gate failed: no instances were checked.'
    assert FILTERS['replication_poll_done'](NOT_READY, 0) is True  # the deadline has passed
    assert FILTERS['replication_poll_done'](NOT_READY, 10 ** 12) is False


def test_nothing_to_judge_is_not_ready_and_never_an_exception():
    # before: None (a lookup with errors='ignore') raised "'NoneType' object is not iterable"
    ready = TESTS['replication_ready']
    for nothing in (None, [], [None], [None, READY], (), 'all_ready', 5, {}):
        assert ready(nothing) is False, nothing
    assert ready(iter([READY])) is True  # a generator (a Jinja map or select) is still a list of results


def test_the_filters_never_raise_on_none():
    # before: replication_report(None) raised "'NoneType' object is not iterable"
    assert FILTERS['replication_report'](None) == 'Replication gate failed: no instances were checked.'
    assert 'unexpected result None' in FILTERS['replication_report']([None, READY])
    assert FILTERS['replication_progress'](None).startswith('query failed')
    assert FILTERS['replication_poll_done'](None, 10 ** 12) is True  # nothing to wait for: a failed query


def test_a_deadline_that_is_not_a_finite_time_is_a_clear_error():
    # before: a nan deadline was never reached (polling went on to the loop's end); None was a TypeError
    for deadline, shown in ((float('nan'), 'nan'), ('inf', 'inf'), (None, 'NoneType'), ('soon', 'str')):
        with pytest.raises(AnsibleFilterError, match='deadline must be a finite Unix time, got %s$' % shown):
            FILTERS['replication_poll_done'](NOT_READY, deadline)
    assert FILTERS['replication_poll_done'](NOT_READY, '0') is True


def test_poll_done_stops_on_ready_on_failure_and_at_the_deadline():
    failed = {'failed': True, 'msg': 'x'}
    assert poll_done(READY, 100, 50) and poll_done(failed, 100, 50)
    assert not poll_done(NOT_READY, 100, 50) and poll_done(NOT_READY, 100, 100)


def test_replication_poll_done_is_deprecated_for_the_wait_action():
    root = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..')
    with open(os.path.join(root, 'meta', 'runtime.yml')) as handle:
        deprecation = yaml.safe_load(handle)['plugin_routing']['filter']['replication_poll_done']['deprecation']
    assert deprecation['removal_version'] == '1.0.0'
    assert 'taurusdb.htap.taurusdb_starrocks_replication_wait' in deprecation['warning_text']


# --- replication_paused and replication_resumed (the role's replication_gate_resume_paused) ---------------
SR = '0a1b2c3d4e5f60718293a4b5c6d7e8f9in17'
SR2 = '1a1b2c3d4e5f60718293a4b5c6d7e8f9in17'
HOSTILE = 'x_{{ lookup("pipe","id") }}'


def task(name, stage='paused'):
    return {'task_name': name, 'stage': stage, 'status': 'yes'}


def instance(instance_id, *tasks):
    return {'instance_id': instance_id, 'replications': list(tasks)}


def test_replication_paused_chooses_each_paused_task_by_instance_and_name():
    chosen = FILTERS['replication_paused']([
        instance(SR, task('orders_db'), task('users_db', 'incremental'), task('audit_db', 'cancelled')),
        instance(SR2, task('billing_db'), task('ledger_db', 'full'))])
    assert chosen == {'resume': [{'instance_id': SR, 'task_name': 'orders_db'},
                                 {'instance_id': SR2, 'task_name': 'billing_db'}], 'skipped': []}


def test_replication_paused_never_chooses_a_name_the_api_does_not_allow():
    # the wait's results hold names as shown (a template opener as \x7b): such a name is server text,
    # and must not become a module argument; nor may a raw one given to the filter directly
    names = [HOSTILE, 'x_\\x7b{ lookup("pipe","id") }}', 'ab', 'a' * 129, 'bad-name', 'ok\\n', '', None, 5]
    chosen = FILTERS['replication_paused']([instance(SR, *[task(name) for name in names] + [task('good_db')])])
    assert chosen['resume'] == [{'instance_id': SR, 'task_name': 'good_db'}]
    assert len(chosen['skipped']) == len(names)
    assert set(skip['reason'] for skip in chosen['skipped']) == {
        'its name is not one the API allows (3 to 128 letters, digits or underscores)'}
    assert '{{' not in repr(chosen)  # what is said of a hostile name is shown safely


def test_replication_paused_skips_a_name_several_tasks_share():
    # two tasks may share a name (with other databases); a resume names one task, so neither is resumed
    chosen = FILTERS['replication_paused']([instance(SR, task('orders_db'), task('orders_db', 'incremental'),
                                                     task('users_db'))])
    assert chosen['resume'] == [{'instance_id': SR, 'task_name': 'users_db'}]
    assert chosen['skipped'] == [{'instance_id': SR, 'task_name': 'orders_db', 'reason':
                                  '2 tasks of the instance have this name, and a task is resumed by its name'}]


def test_replication_paused_takes_nothing_from_a_failed_query_or_a_bad_instance_id():
    failed = {'instance_id': SR, 'failed': True, 'msg': 'HTTP 503'}
    chosen = FILTERS['replication_paused']([failed, None, 'x', instance('not-an-id', task('orders_db'))])
    assert chosen['resume'] == []
    assert [skip['reason'] for skip in chosen['skipped']] == ['the instance id is not a StarRocks instance id']
    for nothing in (None, {}, 'x', 5):
        assert FILTERS['replication_paused'](nothing) == {'resume': [], 'skipped': []}


def test_replication_resumed_says_what_each_resume_did():
    def result(name, **outcome):
        return dict(outcome, item={'instance_id': SR, 'task_name': name})
    skipped = [{'instance_id': SR, 'task_name': 'ab', 'reason': 'its name is not one the API allows'}]
    done = FILTERS['replication_resumed'](
        [result('orders_db', changed=True, planned=['resume'], actions=[{'action': 'resume', 'job_status': 'Completed'}]),
         result('users_db', changed=False, planned=[], actions=[]),
         result('billing_db', failed=True, changed=False, msg='The resume of task billing_db failed: \x1b[2Jboom')],
        skipped)
    assert done['resumed'] == [{'instance_id': SR, 'task_name': 'orders_db'}]
    assert [(task['task_name'], task['reason']) for task in done['not_resumed']] == [
        ('billing_db', 'The resume of task billing_db failed: \\x1b[2Jboom'), ('ab', 'its name is not one the API allows')]
    assert done['lines'] == [
        'resumed: task orders_db of instance %s' % SR,
        'not resumed: task users_db of instance %s - it was running again already' % SR,
        'not resumed: task billing_db of instance %s - The resume of task billing_db failed: \\x1b[2Jboom' % SR,
        'not resumed: task ab of instance %s - its name is not one the API allows' % SR]


def test_replication_resumed_in_check_mode_resumes_nothing_and_says_what_it_would():
    # check mode: the module plans the resume and sends nothing (ansible_check_mode would not say a task's check_mode)
    done = FILTERS['replication_resumed']([{'item': {'instance_id': SR, 'task_name': 'orders_db'}, 'changed': True,
                                            'planned': ['resume'], 'actions': []}], [])
    assert done == {'resumed': [], 'not_resumed': [],
                    'lines': ['would resume: task orders_db of instance %s (check mode: nothing sent)' % SR]}
    assert FILTERS['replication_resumed']([], [])['lines'] == ['no paused task to resume']
    assert FILTERS['replication_resumed'](None)['lines'] == ['no paused task to resume']
