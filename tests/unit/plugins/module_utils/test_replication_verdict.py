"""Fields of the wrong type: a task named by anything but text is never ready, and says why."""

import fnmatch
import re

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.taurusdb.htap.plugins.module_utils import replication_verdict
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    IDENTITY_FIELDS, TERMINAL_STAGES, NormalizedRows, ReadinessRule, all_passed, as_results, failed_instance,
    instance_passed, instance_state_failed, instance_state_reasons, is_broken, judged_instance_state, needs_explaining,
    normalize, query_failed, task_key, unknown_instance_state, verdict, with_instance_state)

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE, CountedName, counted_names


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


# --- what the mutation run found untested ----------------------------------------------------
def judged(rows, **rule):
    listing = {'total': len(rows), 'items': rows, 'request_ids': ['rid'], 'complete': True, 'consistent': True,
               'problems': []}
    return verdict(INSTANCE, listing, ReadinessRule(**rule))


def test_a_boolean_percentage_is_no_number():
    assert normalize(row(percentage=True))['percentage'] is None
    assert normalize(row(percentage=False))['percentage'] is None
    assert normalize(row(percentage='42%'))['percentage'] == 42.0


def test_a_field_of_the_wrong_type_is_shown_as_json():
    task = normalize(row(task_name=['orders_db'], stage={'s': 1}))
    assert task['task_name'] == '["orders_db"]' and task['stage'] == '{"s": 1}' and not task['ready']


def test_a_nameless_task_matches_no_pattern_but_a_catch_all():
    nameless = row(task_name=None, status='No')
    assert judged([row(), nameless], task_patterns=['X*'])['summary']['total'] == 0
    assert judged([row(), nameless], task_patterns=['*'])['summary']['total'] == 2


def test_the_rule_by_default_judges_every_task_needs_one_and_ignores_catch_up():
    rule = ReadinessRule()
    assert (rule.task_names, rule.task_patterns, rule.expected_tasks, rule.min_tasks, rule.require_catchup) == \
        ([], [], [], 1, False)
    assert ReadinessRule(min_tasks=None).min_tasks == 1 and ReadinessRule(min_tasks=0).min_tasks == 0
    assert judged([row(catchup_stage='full')])['all_ready']
    assert not judged([])['all_ready']


def test_the_summary_counts_ready_tasks_and_tasks_without_stage_or_status():
    result = judged([row(), row(task_name='other_db', stage=None, status=None),
                     row(task_name='third_db', stage=None, status=None)])
    assert result['summary'] == {'total': 3, 'ready': 1, 'not_ready': 2,
                                 'by_stage': {'incremental': 1, 'none': 2}, 'by_status': {'yes': 1, 'none': 2}}


def test_missing_tasks_say_whether_they_were_expected_or_named():
    result = judged([row()], expected_tasks=['gone_db'], task_names=['orders_db', 'lost_db'])
    assert result['problems'] == ['expected task gone_db is missing', 'named task lost_db is missing']
    assert result['missing_tasks'] == ['gone_db', 'lost_db']


# --- what the verdict decides for the wait, the watch, the reports and the filters ----------------------
def test_broken_means_status_no_or_a_stage_a_task_does_not_leave():
    assert TERMINAL_STAGES == ('cancelled', 'paused')
    for task, broken in (({'status': 'no', 'stage': 'incremental'}, True), ({'status': 'yes', 'stage': 'paused'}, True),
                         ({'status': 'yes', 'stage': 'cancelled'}, True), ({'status': 'yes', 'stage': 'full'}, False),
                         ({'status': 'yes', 'stage': 'incremental'}, False), ({}, False)):
        assert is_broken(task) is broken, task


def test_only_a_failed_task_needs_explaining():
    assert needs_explaining({'status': 'no', 'stage': 'full'}) is True
    assert needs_explaining({'status': 'yes', 'stage': 'paused'}) is False
    assert needs_explaining({}) is False


def test_a_task_is_its_name_with_its_databases():
    assert IDENTITY_FIELDS == ('task_name', 'source_database', 'target_database')
    assert task_key({'task_name': 'a', 'source_database': 's', 'target_database': 't', 'status': 'x'}) == ('a', 's', 't')
    assert task_key({}) == (None, None, None)


@pytest.mark.parametrize('result, failed, passed', [
    ({'all_ready': True}, False, True),
    ({'all_ready': False}, False, False),
    ({'all_ready': 'true'}, False, False),  # only a real true passes
    ({'all_ready': True, 'failed': True}, True, False),  # a failure turned off with failed_when: false
    ({'failed': False, 'msg': 'no verdict'}, True, False),
    (None, True, False),
    ('text', True, False),
])
def test_a_result_passes_only_as_a_verdict_that_is_all_ready(result, failed, passed):
    assert query_failed(result) is failed and instance_passed(result) is passed


def test_the_gate_passes_only_when_every_result_passes_and_there_is_one():
    assert all_passed([{'all_ready': True}, {'all_ready': True}])
    assert not all_passed([{'all_ready': True}, {'all_ready': False}])
    assert not all_passed([{'all_ready': False}, {'all_ready': True}])
    assert not all_passed([])


def test_what_a_filter_is_handed_becomes_results():
    one = {'all_ready': True}
    assert as_results(one) == [one] and as_results([one, one]) == [one, one] and as_results((one,)) == [one]
    assert as_results(None) == [] and as_results('text') == [] and as_results(b'x') == [] and as_results(5) == []
    assert as_results(iter([one])) == [one]


# --- the StarRocks instance's own state (issue 19) ------------------------------------------
def htap_entry(status='normal', code='', message='', restart=False, frozen=False, actions=None, **extra):
    """An entry of the HTAP instance listing as the SDK's HtapInstanceListInstances types it."""
    entry = {'id': INSTANCE, 'instance_state': {'instance_status': status, 'create_fail_error_code': code,
                                                'fail_message': message, 'wait_restart_for_params': restart},
             'is_frozen': frozen, 'current_actions': [] if actions is None else actions}
    entry.update(extra)
    return entry


def test_a_normal_instance_state_has_no_reasons_in_any_spelling():
    for status in ('normal', 'Normal', ' NORMAL '):
        assert instance_state_reasons(htap_entry(status)) == []
    assert instance_state_reasons(htap_entry(restart='false', frozen=0, actions=None)) == []
    assert instance_state_reasons({'instance_state': {'instance_status': 'normal'}}) == []  # flags absent: not set


@pytest.mark.parametrize('entry, reason', [
    (htap_entry('rebooting'), "status is 'rebooting'"),
    (htap_entry('abnormal', message='node 2 lost'), "status is 'abnormal' (fail_message 'node 2 lost')"),
    (htap_entry('createfail', code='DBS.280238'), "status is 'createfail'"),
    (htap_entry('createfail', code='DBS.280238'), "creation failed (create_fail_error_code 'DBS.280238')"),
    (htap_entry(''), 'status is missing'),
    (htap_entry(None), 'status is missing'),
    (htap_entry(7), 'status is 7, not text'),
    (htap_entry(restart=True), 'a restart is pending for parameter changes (wait_restart_for_params)'),
    (htap_entry(restart='maybe'), "wait_restart_for_params is 'maybe', not a boolean"),
    (htap_entry(frozen=True), 'frozen (is_frozen)'),
    (htap_entry(frozen=1), 'frozen (is_frozen)'),
    (htap_entry(frozen=2), 'is_frozen is 2, not a boolean'),
    (htap_entry(actions=[{'action': 'RESTART', 'status': 'running'}, {'action': 'RESIZE_FLAVOR'}]),
     'running actions: RESTART (running), RESIZE_FLAVOR (current_actions)'),
    (htap_entry(actions='RESTART'), "current_actions is 'RESTART', not a list"),
    ({'id': INSTANCE}, 'the instance has no instance_state'),
    ({'id': INSTANCE, 'instance_state': 'normal'}, 'the instance has no instance_state'),
    (htap_entry('re\x1b[2Jboot'), "status is 're\\x1b[2Jboot'"),
])
def test_an_instance_state_that_is_not_normal_says_why(entry, reason):
    assert reason in instance_state_reasons(entry)
    assert judged_instance_state(entry, 'T')['normal'] is False


def test_only_a_failed_creation_is_a_failed_instance_state():
    assert instance_state_failed(htap_entry('createfail')) and instance_state_failed(htap_entry('x', code='E1'))
    for entry in (htap_entry(), htap_entry('abnormal'), htap_entry('rebooting', restart=True, frozen=True), {}):
        assert not instance_state_failed(entry)


def test_the_judged_state_carries_the_fields_typed():
    state = judged_instance_state(htap_entry('Rebooting', restart='true', actions=[{'action': 'RESTART'}]), 'T')
    assert state == {'taurusdb_instance_id': 'T', 'status': 'rebooting', 'create_fail_error_code': None,
                     'fail_message': None, 'wait_restart_for_params': True, 'is_frozen': False,
                     'current_actions': ['RESTART'], 'normal': False, 'failed': False,
                     'reasons': ["status is 'Rebooting'",
                                 'a restart is pending for parameter changes (wait_restart_for_params)',
                                 'running actions: RESTART (current_actions)']}


def test_a_ready_instance_whose_state_is_not_normal_does_not_pass():
    ready = judged([row()])
    assert instance_passed(ready)
    normal = with_instance_state(ready, judged_instance_state(htap_entry(), 'T'))
    assert instance_passed(normal) and normal['problems'] == [] and normal['instance_state']['normal']
    for state in (judged_instance_state(htap_entry('rebooting'), 'T'), unknown_instance_state('T', 'unreadable'),
                  dict(judged_instance_state(htap_entry(), 'T'), normal=None, reasons=[])):
        result = with_instance_state(ready, state)
        assert not instance_passed(result) and not all_passed([result])
        assert result['problems'] and result['problems'][0].startswith('instance state: ')
    assert ready['problems'] == [] and ready['all_ready']  # the result judged without the state is left alone


def test_a_failed_query_stays_failed_with_its_state():
    failed = {'instance_id': INSTANCE, 'failed': True, 'msg': 'HTTP 503'}
    result = with_instance_state(failed, unknown_instance_state('T', 'unreadable'))
    assert query_failed(result) and 'problems' not in result and result['instance_state']['reasons'] == ['unreadable']
    assert failed_instance(with_instance_state(judged([row()]), judged_instance_state(htap_entry('createfail'), 'T')))
    assert not failed_instance(judged([row()])) and not failed_instance(None)


def test_what_the_mutation_run_found_untested_in_the_instance_state():
    actions = [{'action': 'A%d' % number} for number in range(6)]
    assert instance_state_reasons(htap_entry(actions=actions)) == [
        'running actions: A0, A1, A2, A3, A4 and 1 more (current_actions)']
    assert instance_state_reasons(htap_entry(actions=actions[:5]))[0].endswith('A4 (current_actions)')
    odd = ['RESTART', {'action': '', 'status': 'running'}, {'action': 'X', 'status': 7}]
    assert instance_state_reasons(htap_entry(actions=odd)) == [
        "running actions: 'RESTART', an unnamed action (running), X (current_actions)"]
    assert instance_state_failed({'instance_state': None}) is False and instance_state_failed(htap_entry()) is False
    state = judged_instance_state(htap_entry('createfail', code='E1', message='no room', frozen=True,
                                             actions=[{'action': 'CREATE'}, 'x', {'action': 3}]), 'T')
    assert (state['create_fail_error_code'], state['fail_message'], state['is_frozen'], state['current_actions'],
            state['failed']) == ('E1', 'no room', True, ['CREATE'], True)
    assert judged_instance_state(htap_entry(code=42), 'T')['create_fail_error_code'] == '42'
    assert unknown_instance_state('T', 'why') == {
        'taurusdb_instance_id': 'T', 'status': None, 'create_fail_error_code': None, 'fail_message': None,
        'wait_restart_for_params': None, 'is_frozen': None, 'current_actions': [], 'normal': False, 'failed': False,
        'reasons': ['why']}
    with_problem = dict(judged([row()]), problems=['listing incomplete'], all_ready=False)
    assert with_instance_state(with_problem, unknown_instance_state('T', 'why'))['problems'] == [
        'listing incomplete', 'instance state: why']
    doubtful = with_instance_state(judged([row()]), dict(judged_instance_state(htap_entry(), 'T'), normal=None))
    assert doubtful['problems'] == ['instance state: state unknown'] and not doubtful['all_ready']


# --- as many names as tasks: the verdict's work grows with them, not with their square --------------------
@pytest.mark.parametrize('rule', [
    lambda names, absent: dict(task_names=names),
    lambda names, absent: dict(expected_tasks=names, task_patterns=['none_*']),
    lambda names, absent: dict(task_names=names, expected_tasks=names),
    lambda names, absent: dict(task_names=absent, expected_tasks=absent),  # every one missing
], ids=['named', 'expected', 'named and expected', 'missing'])
def test_names_cost_comparisons_in_proportion_to_the_tasks_not_their_square(rule):
    # before: task_names, expected_tasks and the missing ones were lists searched for every task (about
    # count * count / 2 comparisons: 2 million here; 0.6 s a verdict at 10,000 names and tasks, 3.7 s at 20,000)
    count = 2000
    rows = [row(task_name='task_%04d' % number) for number in range(count)]
    result = judged(rows, **rule(counted_names('task', count), counted_names('gone', count)))
    assert CountedName.comparisons[0] <= 4 * count
    assert len(result['replications']) + len(result['missing_tasks']) == count


def test_a_name_is_tried_only_against_the_wildcard_patterns_it_begins_like(monkeypatch):
    # before: every name was tried against every pattern (fnmatch 2,000 * 1,000 times here); a pattern
    # without a wildcard matches only itself, so it is looked up as a name
    calls, original = [], fnmatch.fnmatchcase

    def fnmatchcase(name, pattern):
        calls.append((name, pattern))
        return original(name, pattern)

    monkeypatch.setattr(replication_verdict.fnmatch, 'fnmatchcase', fnmatchcase)
    count = 2000
    rows = [row(task_name='task_%04d' % number) for number in range(count)]
    patterns = ['task_%04d*' % number for number in range(0, count, 2)] + ['other_*', 'task_0001', 'task_0003']
    result = judged(rows, task_patterns=patterns)
    assert len(calls) <= count and all(pattern.endswith('*') for _name, pattern in calls)
    assert [task['task_name'] for task in result['replications']] == \
        ['task_%04d' % number for number in range(count) if number % 2 == 0 or number in (1, 3)]


WILD_TEXT = st.text(alphabet='ab-[]!*?', max_size=4)


@settings(deadline=None, derandomize=True, database=None, max_examples=300)
@given(st.lists(WILD_TEXT, max_size=6), st.lists(WILD_TEXT, max_size=3), st.lists(WILD_TEXT, max_size=4))
def test_names_and_patterns_select_what_fnmatch_says_trying_only_patterns_a_name_begins_like(rows, names, patterns):
    # before: every name was tried against every pattern, wildcards or none, whatever it began with
    calls, original = [], fnmatch.fnmatchcase

    def fnmatchcase(name, pattern):
        calls.append((name, pattern))
        return original(name, pattern)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(replication_verdict.fnmatch, 'fnmatchcase', fnmatchcase)
        result = judged([row(task_name=name) for name in rows], task_names=names, task_patterns=patterns)
    assert [task['task_name'] for task in result['replications']] == \
        [name for name in rows if (not names and not patterns) or name in names
         or any(original(name, pattern) for pattern in patterns)]
    for name, pattern in calls:
        literal = re.split(r'[*?[]', pattern)[0]
        assert literal != pattern and name.startswith(literal), (name, pattern)


def test_a_row_normalized_ahead_is_taken_only_for_that_very_row():
    rule = ReadinessRule()
    ahead = NormalizedRows(rule)
    row = {'task_name': 'task_a', 'source_database': 'src', 'target_database': 'dst', 'status': 'Yes',
           'stage': 'Incremental'}
    ahead.add([row])
    assert ahead.task(row) is ahead.task(row) and ahead.task(row)['ready']
    alike_but_another = dict(row, status='No')
    assert not ahead.task(alike_but_another)['ready']
    listing = dict(items=[row, alike_but_another], problems=[], total=2, complete=True, consistent=True,
                   request_ids=['rid'])
    assert verdict(INSTANCE, listing, rule, normalized=ahead) == verdict(INSTANCE, listing, rule)
