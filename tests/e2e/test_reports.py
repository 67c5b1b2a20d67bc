"""End to end: the replication_gate role writes a JUnit report a CI system reads - checked with a JUnit
parser (junitparser), not with our own writer's idea of the format - and the same as JSON beside it."""

import json
import os
import subprocess
import sys

import pytest
from junitparser import Error, Failure, JUnitXml
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator  # the installed simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BIN = os.path.dirname(sys.executable)
KEY = DEFAULT_CREDENTIALS['aksk'][0]
BROKEN_INSTANCE = '01010101010101010101010101010101in17'
HEALTHY_INSTANCE = '02020202020202020202020202020202in17'
MISSING_INSTANCE = 'ffffffffffffffffffffffffffffffffin17'
ALTER_ERROR = 'ALTER TABLE users ADD COLUMN discount VARCHAR(32) failed: lock wait timeout'
SCENARIO = {'instances': [
    {'id': BROKEN_INSTANCE, 'tasks': [
        {'task_name': 'orders_db', 'source_database': 'orders', 'target_database': 'orders_sr'},
        {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr', 'status': 'No',
         'config': {'last_error_of_alter_table': ALTER_ERROR}},
        {'task_name': 'audit_db', 'source_database': 'audit', 'target_database': 'audit_sr', 'stage': 'paused',
         'percentage': 37}]},
    {'id': HEALTHY_INSTANCE, 'tasks': [{'task_name': 'a_db'}, {'task_name': 'b_db'}]}]}


@pytest.fixture(scope='module')
def collections_path(tmp_path_factory):
    """The checkout as an installed collection (a link is enough for ansible-playbook)."""
    path = tmp_path_factory.mktemp('collections')
    os.makedirs(str(path / 'ansible_collections' / 'taurusdb'))
    os.symlink(ROOT, str(path / 'ansible_collections' / 'taurusdb' / 'htap'))
    return str(path)


def gate(collections_path, sim, tmp_path, instances, report, ready_polls=1):  # pylint: disable=redefined-outer-name
    playbook = tmp_path / 'gate.yml'
    playbook.write_text('- hosts: localhost\n  gather_facts: false\n  roles:\n'
                        '    - role: taurusdb.htap.replication_gate\n'
                        '      replication_gate_instances: %s\n'
                        '      replication_gate_wait_timeout: 0\n'
                        '      replication_gate_ready_polls: %d\n'
                        '      replication_gate_report_file: %s\n' % (json.dumps(instances), ready_polls, report))
    (tmp_path / 'inventory').write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n'
                                        % sys.executable)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=collections_path, TAURUSDB_ENDPOINT=sim.url, HUAWEICLOUD_SDK_AK=KEY['ak'],
               HUAWEICLOUD_SDK_SK=KEY['sk'], HUAWEICLOUD_SDK_PROJECT_ID=DEFAULT_PROJECT)
    return subprocess.run(['ansible-playbook', '-i', str(tmp_path / 'inventory'), str(playbook)], env=env,
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=600, check=False)


def test_a_failed_gate_leaves_a_junit_report_with_one_failure_per_broken_task(collections_path, tmp_path):  # pylint: disable=redefined-outer-name
    with Simulator(SCENARIO) as sim:
        proc = gate(collections_path, sim, tmp_path, [BROKEN_INSTANCE, HEALTHY_INSTANCE, MISSING_INSTANCE],
                    'reports/replication.xml')  # relative: to where ansible-playbook runs, as in a CI job
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert 'Replication gate failed' in out and KEY['sk'] not in out
    report = JUnitXml.fromfile(str(tmp_path / 'reports' / 'replication.xml'))
    suites = dict((suite.name, suite) for suite in report)
    assert list(suites) == [BROKEN_INSTANCE, HEALTHY_INSTANCE, MISSING_INSTANCE, 'replication_gate']

    broken = suites[BROKEN_INSTANCE]
    cases = dict((case.name, case) for case in broken)
    assert list(cases) == ['orders_db (orders -> orders_sr)', 'users_db (users -> users_sr)',
                           'audit_db (audit -> audit_sr)']
    assert all(case.classname == BROKEN_INSTANCE for case in broken)
    assert cases['orders_db (orders -> orders_sr)'].is_passed
    users = cases['users_db (users -> users_sr)'].result
    assert len(users) == 1 and isinstance(users[0], Failure)
    assert users[0].message == 'status is No (abnormal); last ALTER TABLE failed: ' + ALTER_ERROR
    assert 'status No, stage incremental, 100%' in users[0].text and ALTER_ERROR in users[0].text
    audit = cases['audit_db (audit -> audit_sr)'].result
    assert len(audit) == 1 and isinstance(audit[0], Failure) and audit[0].message == 'stage is paused (37%)'
    assert (broken.tests, broken.failures, broken.errors) == (3, 2, 0)

    healthy = suites[HEALTHY_INSTANCE]
    assert (healthy.tests, healthy.failures, healthy.errors) == (2, 0, 0)
    assert all(case.is_passed for case in healthy)

    missing = list(suites[MISSING_INSTANCE])
    assert len(missing) == 1 and missing[0].name == 'query' and isinstance(missing[0].result[0], Error)
    assert 'DBS.200022' in missing[0].result[0].message and 'request_id: ' in missing[0].result[0].text

    # the gate's own verdict: it could not judge, as a query failed
    gate_case = list(suites['replication_gate'])
    assert len(gate_case) == 1 and gate_case[0].name == 'gate' and isinstance(gate_case[0].result[0], Error)
    assert gate_case[0].result[0].message == 'the gate failed: a query failed'

    # one failure per broken task, in all; the failed query and the gate are errors
    failures = [case.name for suite in report for case in suite if case.is_failure]
    assert failures == ['users_db (users -> users_sr)', 'audit_db (audit -> audit_sr)']
    report.update_statistics()
    assert (report.tests, report.failures, report.errors) == (7, 2, 2)

    with open(str(tmp_path / 'reports' / 'replication.json')) as handle:
        same = json.load(handle)
    assert (same['tests'], same['failures'], same['errors'], same['passed']) == (7, 2, 2, False)
    assert [suite['name'] for suite in same['suites']] == list(suites)


def test_a_passing_gate_leaves_a_report_too(collections_path, tmp_path):  # pylint: disable=redefined-outer-name
    with Simulator(SCENARIO) as sim:
        proc = gate(collections_path, sim, tmp_path, [HEALTHY_INSTANCE], str(tmp_path / 'junit.xml'))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = JUnitXml.fromfile(str(tmp_path / 'junit.xml'))
    report.update_statistics()
    assert (report.tests, report.failures, report.errors) == (3, 0, 0)
    assert all(case.is_passed for suite in report for case in suite)
    assert json.loads((tmp_path / 'junit.json').read_text())['passed'] is True


def test_a_gate_whose_deadline_came_after_a_ready_round_is_a_failed_test(collections_path, tmp_path):  # pylint: disable=redefined-outer-name
    # every task is ready in the only round there is time for, but two ready rounds in a row are asked for
    with Simulator(SCENARIO) as sim:
        proc = gate(collections_path, sim, tmp_path, [HEALTHY_INSTANCE], 'junit.xml', ready_polls=2)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert 'Replication gate failed: all 1 instance(s) ready in the last round, but the wait did not pass.' in out
    assert 'Replication gate passed' not in out
    report = JUnitXml.fromfile(str(tmp_path / 'junit.xml'))
    report.update_statistics()
    assert (report.tests, report.failures, report.errors) == (3, 1, 0)  # what a CI system counts: one failed test
    suites = dict((suite.name, suite) for suite in report)
    assert all(case.is_passed for case in suites[HEALTHY_INSTANCE])
    gate_case = list(suites['replication_gate'])[0]
    assert gate_case.name == 'gate' and isinstance(gate_case.result[0], Failure)
    assert gate_case.result[0].message == ('the gate failed: wait_timeout was reached after a ready round, '
                                           'before ready_polls ready rounds in a row')
    assert 'before 2 ready rounds in a row (ready_polls)' in gate_case.result[0].text
    same = json.loads((tmp_path / 'junit.json').read_text())
    assert (same['tests'], same['failures'], same['errors'], same['passed'], same['reason']) == (3, 1, 0, False,
                                                                                                 'timed out')
