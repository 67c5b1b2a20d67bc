"""The wait action with on_missing: an instance not found (DBS.200022), a TaurusDB instance without StarRocks
instances yet, and expected tasks not yet listed, run as Ansible runs the action against the simulator.

Rounds are driven by the simulator's request counts (a fault rule answers "Instance not found." to an
instance's first requests, as the API does before the instance exists) or by the rounds themselves (the
waiter's sleep, replaced, loads the next scenario instead of sleeping); a wait that must reach its deadline
has wait_timeout 0 (one round). No test depends on the machine's speed."""

import functools
import json
import xml.etree.ElementTree as ET

import pytest
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT

from ansible_collections.taurusdb.htap.plugins.plugin_utils import options
from ansible_collections.taurusdb.htap.plugins.action import taurusdb_starrocks_replication_wait as wait_action
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import all_passed
from ansible_collections.taurusdb.htap.plugins.plugin_utils import gate
from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import Waiter
from ansible_collections.taurusdb.htap.tests.unit.helpers import run_wait_action

INSTANCE = '01010101010101010101010101010101in17'
OTHER = '02020202020202020202020202020202in17'
TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
NOT_FOUND = {'kind': 'error', 'status': 400, 'code': 'DBS.200022', 'message': 'Instance not found.'}
READY = [{'task_name': 'orders_db', 'source_database': 'orders', 'target_database': 'orders_sr'}]


def scenario(first_not_found=0, taurus_not_found=0, htap=(INSTANCE,)):
    """INSTANCE with one ready task, not found for its first requests; TAURUS with ``htap``, not found for its first."""
    faults = [dict(NOT_FOUND, first=first_not_found)] if first_not_found else []
    taurus_faults = [dict(NOT_FOUND, first=taurus_not_found)] if taurus_not_found else []
    return {'instances': [{'id': INSTANCE, 'faults': faults, 'tasks': READY}],
            'taurusdb_instances': [{'id': TAURUS, 'htap': list(htap), 'faults': taurus_faults}]}


@pytest.fixture(autouse=True)
def without_module_defaults(monkeypatch):
    """module_defaults need a play around the task; they are not under test here."""
    monkeypatch.setattr(options, '_apply_action_arg_defaults', None)


@pytest.fixture
def lines(monkeypatch):
    """The progress lines the action prints, one a round."""
    shown = []
    monkeypatch.setattr(wait_action.display, 'display', shown.append)
    return shown


def run_wait(sim, **args):
    return run_wait_action(dict(dict(
        instance_ids=[INSTANCE], endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
        secret_key=KEY['sk'], retry_backoff=0.01, wait_timeout=600, wait_sleep=0.1, explain_failures=False), **args))


def rounds_load(monkeypatch, sim, scenarios):
    """The waiter's sleep after round N loads ``scenarios[N - 1]`` (when there is one) instead of sleeping."""
    pending = list(scenarios)

    def next_round(_seconds):
        if pending:
            sim.load(pending.pop(0))

    monkeypatch.setattr(gate, 'Waiter', functools.partial(Waiter, sleep=next_round))


def test_by_default_an_instance_not_found_ends_the_wait_in_its_first_round(sim, lines):
    # today's behaviour, kept: on_missing=fail
    sim.load(scenario(first_not_found=5))
    result = run_wait(sim)
    assert result['failed'] and result['reason'] == 'query failed' and result['rounds'] == 1
    assert 'DBS.200022' in result['msg'] and result['never_appeared'] == []
    assert lines == ['round 1, 0s: 0/1 instance(s) ready; waiting on %s: query failed' % INSTANCE]


def test_with_wait_an_instance_that_appears_later_is_waited_for(sim, lines):
    # before: on_missing was an unknown option
    sim.load(scenario(first_not_found=2))
    result = run_wait(sim, on_missing='wait')
    assert result['passed'] is True and not result.get('failed') and result['rounds'] == 3
    assert result['never_appeared'] == [] and result['instance_ids'] == [INSTANCE]
    assert [line.split(': ', 1)[1] for line in lines[:2]] == [
        '0/1 instance(s) ready; waiting on %s: not there yet (instance not found (DBS.200022))' % INSTANCE] * 2


def test_with_wait_an_instance_that_never_appears_times_out_saying_so(sim, lines, tmp_path):
    sim.load(scenario())
    report = tmp_path / 'replication.xml'
    result = run_wait(sim, instance_ids=[INSTANCE, OTHER], on_missing='wait', wait_timeout=0, report_file=str(report))
    assert result['failed'] and result['passed'] is False and result['reason'] == 'timed out'
    assert result['never_appeared'] == ['instance %s' % OTHER]
    lines_of_report = result['msg'].splitlines()
    assert lines_of_report[0] == 'Replication gate failed: 1 of 2 instance(s) not ready.'
    assert '- %s: NOT THERE, instance not found (DBS.200022)' % OTHER in lines_of_report
    assert lines_of_report[-1].endswith('wait_timeout was reached. Never appeared: instance %s.' % OTHER)
    assert 'query failed' not in result['msg']
    root = ET.parse(str(report)).getroot()
    cases = [(suite.get('name'), case.get('name'), [child.get('type') for child in case])
             for suite in root.findall('testsuite') for case in suite.findall('testcase')]
    assert (OTHER, 'instance not found (DBS.200022)', ['NotFound']) in cases
    with open(str(tmp_path / 'replication.json')) as handle:
        assert json.load(handle)['never_appeared'] == ['instance %s' % OTHER]


def test_a_missing_instance_is_never_ready_not_even_when_no_task_is_required(sim):
    # min_tasks 0 lets an instance with no tasks pass; an instance that is not there is not one with no tasks
    sim.load(scenario())
    result = run_wait(sim, instance_ids=[OTHER], on_missing='wait', wait_timeout=0, min_tasks=0)
    assert result['passed'] is False and result['reason'] == 'timed out'
    assert not all_passed(result['instances']) and result['instances'][0]['all_ready'] is False


def test_with_wait_a_taurusdb_instance_not_found_then_found_is_waited_for(sim):
    sim.load(scenario(taurus_not_found=2))
    result = run_wait(sim, instance_ids=[], taurusdb_instance_ids=[TAURUS], on_missing='wait')
    assert result['passed'] is True and result['rounds'] == 3 and result['instance_ids'] == [INSTANCE]


def test_with_wait_a_taurusdb_instance_without_starrocks_instances_waits_for_them(sim, monkeypatch):
    # before: "has no StarRocks (HTAP) instances to gate on" ended the wait before its first round
    sim.load(scenario(htap=()))
    rounds_load(monkeypatch, sim, [scenario(htap=()), scenario()])  # its StarRocks instance is listed from round 3
    result = run_wait(sim, instance_ids=[], taurusdb_instance_ids=[TAURUS], on_missing='wait')
    assert result['passed'] is True and result['rounds'] == 3 and result['instance_ids'] == [INSTANCE]


def test_with_wait_a_starrocks_instance_once_found_stays_in_the_gate(sim, monkeypatch):
    # round 1: TAURUS lists INSTANCE (ready) and OTHER (syncing); round 2: only INSTANCE, and OTHER is gone -
    # were it dropped, round 2 would pass; round 3: INSTANCE broke, which ends the wait (fail_fast_polls 1)
    syncing = {'id': OTHER, 'tasks': [{'task_name': 'events_db', 'stage': 'full', 'percentage': 40}]}
    sim.load(dict(scenario(htap=(INSTANCE, OTHER)), instances=scenario()['instances'] + [syncing]))
    broken = scenario()
    broken['instances'][0]['tasks'] = [dict(READY[0], status='No')]
    rounds_load(monkeypatch, sim, [scenario(), broken])
    result = run_wait(sim, instance_ids=[], taurusdb_instance_ids=[TAURUS], on_missing='wait', fail_fast_polls=1)
    assert result['passed'] is False and result['reason'] == 'fail fast' and result['rounds'] == 3
    assert result['instance_ids'] == [INSTANCE, OTHER] and result['instances'][1]['not_found'] == 'instance'
    assert result['never_appeared'] == [] and result['msg'].endswith('Missing again: instance %s.' % OTHER)


def test_with_wait_a_taurusdb_instance_whose_starrocks_instances_never_come_times_out_saying_so(sim):
    sim.load(scenario(htap=()))
    result = run_wait(sim, instance_ids=[], taurusdb_instance_ids=[TAURUS], on_missing='wait', wait_timeout=0)
    assert result['passed'] is False and result['reason'] == 'timed out'
    assert '- %s: NOT THERE, no StarRocks (HTAP) instances yet' % TAURUS in result['msg']
    assert result['never_appeared'] == ['StarRocks instances of TaurusDB instance %s' % TAURUS]
    result = run_wait(sim, instance_ids=[], taurusdb_instance_ids=[TAURUS])  # on_missing=fail: as before
    assert result['failed'] and result['reason'] == 'query failed' and result['rounds'] == 0
    assert 'has no StarRocks (HTAP) instances to gate on' in result['msg']


def test_an_expected_task_that_never_appears_is_said_either_way(sim):
    # a missing expected task is not ready, never fail fast: the wait goes on to its deadline (as before)
    sim.load(scenario())
    for on_missing in ('fail', 'wait'):
        result = run_wait(sim, on_missing=on_missing, wait_timeout=0, expected_tasks=['orders_db', 'ledger_db'])
        assert result['reason'] == 'timed out'
        assert result['never_appeared'] == ['task ledger_db of instance %s' % INSTANCE]
        assert result['msg'].endswith('Never appeared: task ledger_db of instance %s.' % INSTANCE)


def test_an_expected_task_that_appears_later_passes(sim, monkeypatch):
    sim.load(scenario())
    appears = {'instances': [{'id': INSTANCE, 'tasks': READY + [{'task_name': 'ledger_db'}]}]}
    rounds_load(monkeypatch, sim, [scenario(), appears])
    result = run_wait(sim, on_missing='wait', expected_tasks=['ledger_db'])
    assert result['passed'] is True and result['rounds'] == 3


def test_a_task_that_vanished_is_missing_again_not_never_appeared(sim, monkeypatch):
    # round 1 lists ledger_db (syncing); round 2 does not, and orders_db broke: the wait fails fast there
    sim.load({'instances': [{'id': INSTANCE, 'tasks': READY + [{'task_name': 'ledger_db', 'stage': 'full'}]}]})
    rounds_load(monkeypatch, sim, [{'instances': [{'id': INSTANCE, 'tasks': [dict(READY[0], status='No')]}]}])
    result = run_wait(sim, expected_tasks=['ledger_db'], task_names=['orders_db', 'gone_db'], fail_fast_polls=1)
    assert result['passed'] is False and result['reason'] == 'fail fast' and result['rounds'] == 2
    assert result['never_appeared'] == ['task gone_db of instance %s' % INSTANCE]
    assert result['msg'].endswith('Never appeared: task gone_db of instance %s. Missing again: task ledger_db of '
                                  'instance %s.' % (INSTANCE, INSTANCE))


@pytest.mark.parametrize('value', ['', 'skip', 'WAIT'])
def test_on_missing_is_fail_or_wait(sim, value):
    result = run_wait(sim, on_missing=value)
    assert result['failed'] and 'rounds' not in result
    assert 'value of on_missing must be one of: fail, wait, got: %s' % value in result['msg']
    assert sim.stats()['total'] == 0
