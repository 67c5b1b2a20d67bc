"""The wait judges each StarRocks instance's own state, read afresh every round from its TaurusDB instance's
HTAP listing, when it gates through taurusdb_instance_ids: a state that is not normal, or cannot be read, is
not ready and says why in the report and its JUnit and JSON files; only a failed creation fails fast. Rounds
are driven by the simulator's request counts (state_steps count the HTAP listings), never by the clock."""

import json
import xml.etree.ElementTree as ET

import pytest
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT

from ansible_collections.taurusdb.htap.plugins.plugin_utils import options
from ansible_collections.taurusdb.htap.plugins.plugin_utils import report_files as junit
from ansible_collections.taurusdb.htap.tests.unit.helpers import run_wait_action

TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
SR = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]


def family(**instance):
    """One TaurusDB instance with one StarRocks instance (one ready task) whose state the arguments set."""
    return {'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}],
            'instances': [dict({'id': SR, 'tasks': [{'task_name': 'orders_db'}]}, **instance)]}


@pytest.fixture(autouse=True)
def without_module_defaults(monkeypatch):
    """module_defaults need a play around the task; they are not under test here."""
    monkeypatch.setattr(options, '_apply_action_arg_defaults', None)


def run_wait(sim, report, **args):
    return run_wait_action(dict(dict(
        taurusdb_instance_ids=[TAURUS], endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
        secret_key=KEY['sk'], retry_backoff=0.01, wait_timeout=0, wait_sleep=0.1, report_file=str(report)), **args))


def report_texts(report):
    """The JUnit XML's failure messages and the JSON report's case messages."""
    root = ET.parse(str(report)).getroot()
    xml_messages = [failure.get('message') for failure in root.iter('failure')]
    with open(junit.report_paths(str(report))[1]) as handle:
        json_messages = [case.get('message') for suite in json.load(handle)['suites'] for case in suite['cases']]
    return xml_messages, json_messages


def test_an_instance_restarting_then_normal_is_waited_for(sim, tmp_path):
    # rebooting, a restart pending, for the discovery listing and the first two rounds; normal from the third
    sim.load(family(status='rebooting', wait_restart_for_params=True,
                    state_steps=[{'at': 4, 'status': 'normal', 'wait_restart_for_params': False}]))
    result = run_wait(sim, tmp_path / 'r.xml', wait_timeout=600)
    assert result['passed'] is True and not result.get('failed') and result['rounds'] == 3
    state = result['instances'][0]['instance_state']
    assert (state['status'], state['normal'], state['reasons'], state['taurusdb_instance_id']) == (
        'normal', True, [], TAURUS)
    assert sim.stats()['routes']['htap_instances'] == 4  # discovery, then once a round


def test_an_abnormal_instance_fails_the_gate_on_its_deadline_and_says_why(sim, tmp_path):
    sim.load(family(status='abnormal', fail_message='BE node 2 is down', is_frozen=True))
    report = tmp_path / 'r.xml'
    result = run_wait(sim, report)
    assert result['failed'] and result['passed'] is False and result['reason'] == 'timed out'
    problems = ["instance state: status is 'abnormal' (fail_message 'BE node 2 is down')",
                'instance state: frozen (is_frozen)']
    assert result['instances'][0]['problems'] == problems
    assert result['instances'][0]['summary']['ready'] == 1  # its tasks are ready: the state alone holds it back
    assert all('    problem: %s' % problem in result['report'].splitlines() for problem in problems)
    xml_messages, json_messages = report_texts(report)
    assert all(problem in xml_messages and problem in json_messages for problem in problems)


def test_a_failed_creation_fails_fast(sim, tmp_path):
    sim.load(family(status='createfail', create_fail_error_code='DBS.280111', fail_message='Insufficient resources.'))
    result = run_wait(sim, tmp_path / 'r.xml', wait_timeout=600)
    assert result['reason'] == 'fail fast' and result['rounds'] == 2
    assert "instance state: creation failed (create_fail_error_code 'DBS.280111')" in result['instances'][0]['problems']
    assert result['report'].endswith('a StarRocks instance whose creation failed, cannot recover by itself.')


def test_a_state_that_cannot_be_read_is_not_ready(sim, tmp_path):
    scenario = family()
    scenario['taurusdb_instances'][0]['faults'] = [{'kind': 'error', 'status': 400, 'code': 'DBS.200001',
                                                    'message': 'Bad request.', 'after': 1}]
    sim.load(scenario)
    result = run_wait(sim, tmp_path / 'r.xml')
    assert result['passed'] is False and result['reason'] == 'timed out'
    problem, = result['instances'][0]['problems']
    assert problem.startswith('instance state: it could not be read: Listing the HTAP instances of TaurusDB instance')
    assert 'DBS.200001' in problem and result['instances'][0]['instance_state']['status'] is None
