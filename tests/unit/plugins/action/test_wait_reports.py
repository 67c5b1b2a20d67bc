"""The wait action's verdict and its JUnit and JSON reports, run as Ansible runs the action (its run())
against the simulator: whatever a round showed, a wait that did not pass never reports passed, and
its reports always count a failure or an error. Rounds are driven by the simulator's request counts,
and the deterministic deadline is wait_timeout: 0 (one round), so no test depends on the machine's speed."""

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT

from ansible_collections.taurusdb.htap.plugins.plugin_utils import options
from ansible_collections.taurusdb.htap.plugins.plugin_utils import report_files as junit
from ansible_collections.taurusdb.htap.tests.unit.helpers import run_wait_action

INSTANCE = '01010101010101010101010101010101in17'
FAIL_FAST = ('a task with status No, or paused or cancelled, or a StarRocks instance whose creation failed, '
             'cannot recover by itself')
KEY = DEFAULT_CREDENTIALS['aksk'][0]
# orders_db flaps: ready at the instance's listing requests 1, 3 and 5, syncing at 2 and 4, then status No.
FLAPPING = {'instances': [{'id': INSTANCE, 'tasks': [
    {'task_name': 'orders_db', 'source_database': 'orders', 'target_database': 'orders_sr', 'steps': [
        {'at': 2, 'stage': 'full', 'percentage': 50}, {'at': 3, 'stage': 'Incremental', 'percentage': 100},
        {'at': 4, 'stage': 'full', 'percentage': 60}, {'at': 5, 'stage': 'Incremental', 'percentage': 100},
        {'at': 6, 'status': 'No'}]},
    {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr'}]}]}


@pytest.fixture(autouse=True)
def without_module_defaults(monkeypatch):
    """module_defaults need a play around the task; they are not under test here."""
    monkeypatch.setattr(options, '_apply_action_arg_defaults', None)


def run_wait(sim, report, **args):
    return run_wait_action(dict(dict(
        instance_ids=[INSTANCE], endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
        secret_key=KEY['sk'], retry_backoff=0.01, wait_timeout=0, wait_sleep=0.1, report_file=str(report)), **args))


def reports(path):
    """The JUnit XML counts, its gate case, and the JSON beside it."""
    root = ET.parse(str(path)).getroot()
    counts = tuple(int(root.get(name)) for name in ('tests', 'failures', 'errors'))
    gate = root.findall('testsuite')[-1].find('testcase')
    with open(junit.report_paths(str(path))[1]) as handle:
        same = json.load(handle)
    assert (same['tests'], same['failures'], same['errors']) == counts  # the pair describes one run
    return counts, gate, same


def assert_failed(result, report, headline, stopped):
    assert result['failed'] and result['passed'] is False and not result['msg'].startswith('Replication gate passed')
    lines = result['msg'].splitlines()
    assert (lines[0], re.sub(r' in \d+s: ', ' in Ns: ', lines[-1])) == (headline, stopped)
    assert result['report'] == result['msg']
    (_tests, failures, errors), gate, same = reports(report)
    assert failures + errors > 0 and same['passed'] is False
    assert (gate.get('name'), list(gate)[0].tag) == ('gate', 'failure')
    return list(gate)[0].get('message')


def test_a_flapping_task_never_leaves_a_green_report(sim, tmp_path):
    sim.load(FLAPPING)
    report = tmp_path / 'reports' / 'replication.xml'

    # round 1 is ready, but two ready rounds in a row are asked for and the deadline comes first
    result = run_wait(sim, report, ready_polls=2)
    message = assert_failed(
        result, report, 'Replication gate failed: all 1 instance(s) ready in the last round, but the wait did not pass.',
        'Stopped after 1 round(s) in Ns: wait_timeout was reached after a ready round, before 2 ready rounds in a row '
        '(ready_polls).')
    assert result['reason'] == 'timed out' and result['instances'][0]['all_ready'] is True
    assert message == ('the gate failed: wait_timeout was reached after a ready round, '
                       'before ready_polls ready rounds in a row')
    assert reports(report)[0] == (3, 1, 0)  # two ready tasks, the gate failed

    # round 2: orders_db is syncing again
    result = run_wait(sim, report, ready_polls=2)
    assert assert_failed(result, report, 'Replication gate failed: 1 of 1 instance(s) not ready.',
                         'Stopped after 1 round(s) in Ns: wait_timeout was reached.') == \
        'the gate failed: wait_timeout was reached'
    assert reports(report)[0] == (3, 2, 0)

    # round 3: ready, and one ready round is all that is asked
    result = run_wait(sim, report, ready_polls=1)
    assert result['passed'] is True and not result.get('failed')
    assert result['report'] == 'Replication gate passed: all 1 instance(s) ready.'
    counts, gate, same = reports(report)
    assert counts == (3, 0, 0) and not list(gate) and same['passed'] is True

    # rounds 4 to 7 in one wait: syncing, ready, status No twice - it fails fast, never two ready rounds in a row
    result = run_wait(sim, report, ready_polls=2, wait_timeout=600, explain_failures=False)
    assert assert_failed(
        result, report, 'Replication gate failed: 1 of 1 instance(s) not ready.',
        'Stopped after 4 round(s) in Ns: %s.' % FAIL_FAST) == 'the gate failed: %s' % FAIL_FAST
    assert reports(report)[0] == (3, 2, 0)


def test_a_passing_wait_whose_report_cannot_be_written_did_not_pass(sim, tmp_path, monkeypatch):
    report = tmp_path / 'replication.xml'
    assert run_wait(sim, report)['passed'] is True  # an earlier run's passing reports
    assert sorted(os.listdir(str(tmp_path))) == ['replication.json', 'replication.xml']

    def cannot(model):
        raise ValueError('cannot encode')

    monkeypatch.setattr(junit, 'json_report', cannot)
    result = run_wait(sim, report)
    problem = 'the report could not be written to %s: cannot encode' % report
    assert result['failed'] and result['passed'] is False and result['reason'] == 'report not written'
    assert result['msg'] == result['report'] == 'Replication gate failed: every instance was ready, but %s.' % problem
    assert result['report_error'] == problem and 'report_files' not in result
    assert os.listdir(str(tmp_path)) == []  # the earlier passing reports do not speak for this run


def test_invalid_options_leave_an_erroring_report(sim, tmp_path):
    report = tmp_path / 'replication.xml'
    result = run_wait(sim, report, ready_polls=0)
    assert result['failed'] and not result['msg'].startswith('Replication gate passed')
    counts, gate, same = reports(report)
    assert counts == (1, 0, 1) and same['passed'] is False and same['reason'] == 'invalid options'
    assert list(gate)[0].tag == 'error' and list(gate)[0].get('message') == 'invalid options: ' + result['msg']


@pytest.mark.parametrize('return_all_tasks', [False, True])
def test_every_task_is_returned_only_when_asked_and_always_reported(sim, tmp_path, return_all_tasks):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 't%02d' % number} for number in range(30)] + [
        {'task_name': 'late_db', 'stage': 'full', 'percentage': 40}]}]})
    result = run_wait(sim, tmp_path / 'r.xml', return_all_tasks=return_all_tasks)
    instance = result['instances'][0]
    assert [task['task_name'] for task in instance['not_ready']] == ['late_db']
    assert instance['summary']['total'] == 31 and instance['all_ready'] is False
    assert ('replications' in instance) is return_all_tasks
    assert len(instance.get('replications', [])) == (31 if return_all_tasks else 0)
    cases = [case for suite in reports(tmp_path / 'r.xml')[2]['suites'] for case in suite['cases']]
    assert len(cases) == 31 + 1  # every task, and the gate's own case
