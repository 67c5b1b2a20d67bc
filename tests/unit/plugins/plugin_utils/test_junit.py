"""The gate's JUnit XML and JSON reports (read back with the standard library here; the end-to-end
test reads a real gate's report with a JUnit parser)."""

import json
import os
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.taurusdb.htap.plugins.plugin_utils.junit import (
    gate_model, junit_xml, report_paths, write_reports)


def task(name, ready=True, status='yes', stage='incremental', percentage=100.0, reasons=()):
    return {'task_name': name, 'source_database': name[:-3], 'target_database': name[:-3] + '_sr', 'status': status,
            'stage': stage, 'percentage': percentage, 'ready': ready, 'reasons': list(reasons)}


BROKEN = task('users_db', False, status='no', reasons=['status is No (abnormal)'])
SYNCING = task('clicks_db', False, stage='full', percentage=42.0, reasons=['stage is full (42%)'])
READY = {'instance_id': 'i-ready', 'all_ready': True, 'total_count': 2, 'request_ids': ['r1'], 'problems': [],
         'replications': [task('orders_db'), task('billing_db')], 'not_ready': []}
NOT_READY = {'instance_id': 'i-bad', 'all_ready': False, 'total_count': 3, 'request_ids': ['r2', 'r3'],
             'problems': ['expected task ledger_db is missing'],
             'replications': [task('orders_db'), BROKEN, SYNCING],
             'not_ready': [dict((k, v) for k, v in t.items() if k != 'ready') for t in (BROKEN, SYNCING)],
             'explanations': [{'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr',
                               'last_error_of_alter_table': 'ALTER TABLE users ADD COLUMN x failed',
                               'failing_checks': ['table users: failed: no primary key']}]}
FAILED = {'instance_id': 'i-err', 'failed': True, 'msg': 'Querying failed: HTTP 503 SYS.0503 "busy" (request id q9)',
          'status': 503, 'error_code': 'SYS.0503', 'error_msg': 'busy', 'request_id': 'q9', 'hint': 'retry later'}
OUTCOME = {'passed': False, 'reason': 'fail fast', 'rounds': 2, 'elapsed': 3.25, 'report': 'Replication gate failed',
           'instances': [READY, NOT_READY, FAILED]}


def parse(model):
    return ET.fromstring(junit_xml(model))


def test_a_suite_per_instance_a_case_per_task_a_failure_per_task_not_ready():
    model = gate_model(OUTCOME, timestamp='2026-01-02T03:04:05')
    root = parse(model)
    assert root.tag == 'testsuites'
    assert (root.get('tests'), root.get('failures'), root.get('errors'), root.get('time')) == ('7', '3', '1', '3.250')
    suites = dict((suite.get('name'), suite) for suite in root.findall('testsuite'))
    assert list(suites) == ['i-ready', 'i-bad', 'i-err']
    ready = suites['i-ready']
    assert [case.get('name') for case in ready.findall('testcase')] == ['orders_db (orders -> orders_sr)',
                                                                        'billing_db (billing -> billing_sr)']
    assert ready.get('failures') == '0' and not ready.findall('.//failure')
    props = dict((p.get('name'), p.get('value')) for p in ready.find('properties'))
    assert props == {'all_ready': 'true', 'total_count': '2', 'request_ids': 'r1', 'passed': 'false',
                     'reason': 'fail fast'}
    bad = suites['i-bad']
    assert (bad.get('tests'), bad.get('failures'), bad.get('errors')) == ('4', '3', '0')
    assert bad.get('timestamp') == '2026-01-02T03:04:05'
    failures = dict((case.get('name'), case.find('failure')) for case in bad.findall('testcase')
                    if case.find('failure') is not None)
    assert list(failures) == ['users_db (users -> users_sr)', 'clicks_db (clicks -> clicks_sr)',
                              'expected task ledger_db is missing']
    users = failures['users_db (users -> users_sr)']
    assert users.get('message') == 'status is No (abnormal); last ALTER TABLE failed: ALTER TABLE users ADD COLUMN x failed'
    assert users.text.splitlines() == [
        'status no, stage incremental, 100%', 'reason: status is No (abnormal)',
        'why: last ALTER TABLE failed: ALTER TABLE users ADD COLUMN x failed', 'why: table users: failed: no primary key']
    assert failures['clicks_db (clicks -> clicks_sr)'].get('message') == 'stage is full (42%)'
    error = suites['i-err'].find('testcase/error')
    assert error.get('message') == FAILED['msg'] and 'request_id: q9' in error.text and 'error_code: SYS.0503' in error.text
    assert suites['i-err'].find('testcase').get('name') == 'query'


def test_the_json_is_the_same_report():
    model = gate_model(OUTCOME)
    assert json.loads(json.dumps(model)) == model  # plain data
    assert (model['tests'], model['failures'], model['errors'], model['passed']) == (7, 3, 1, False)
    bad = model['suites'][1]
    assert [case['status'] for case in bad['cases']] == ['passed', 'failed', 'failed', 'failed']
    assert bad['cases'][1]['task'] == {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr'}


def test_a_gate_that_failed_before_any_instance_is_one_error():
    model = gate_model({'passed': False, 'reason': 'query failed', 'instances': [], 'rounds': 0, 'elapsed': 0.1,
                        'report': 'TaurusDB instance 0a0a...in07 has no StarRocks (HTAP) instances to gate on'})
    root = parse(model)
    assert root.get('errors') == '1' and root.find('testsuite').get('name') == 'replication_gate'
    assert 'has no StarRocks' in root.find('testsuite/testcase/error').get('message')
    options = parse(gate_model({'passed': False, 'reason': 'invalid options', 'msg': 'wait_sleep must be at least 0.1'}))
    assert options.find('testsuite/testcase/error').get('message') == 'wait_sleep must be at least 0.1'


def test_a_passing_gate_has_no_failure():
    root = parse(gate_model({'passed': True, 'reason': 'passed', 'instances': [READY], 'rounds': 1, 'elapsed': 0.2}))
    assert (root.get('tests'), root.get('failures'), root.get('errors')) == ('2', '0', '0')


def test_text_xml_cannot_hold_is_replaced_and_markup_is_escaped():
    odd = dict(NOT_READY, instance_id='i-<odd>&"', problems=['bad\x00byte\x1b[31m and <tag>'],
               replications=[task('we\x07ird_db', False, reasons=['a\x0bb'])], not_ready=[], explanations=[])
    text = junit_xml(gate_model({'passed': False, 'instances': [odd]}))
    root = ET.fromstring(text)  # well-formed
    suite = root.find('testsuite')
    assert suite.get('name') == 'i-<odd>&"'
    names = [case.get('name') for case in suite.findall('testcase')]
    assert names == ['we\ufffdird_db (we\ufffdird -> we\ufffdird_sr)', 'bad\ufffdbyte\ufffd[31m and <tag>']
    assert suite.find('testcase/failure').get('message') == 'a\ufffdb'


def test_paths_and_writing(tmp_path):
    assert report_paths(str(tmp_path / 'r.xml')) == (str(tmp_path / 'r.xml'), str(tmp_path / 'r.json'))
    assert report_paths(str(tmp_path / 'junit')) == (str(tmp_path / 'junit'), str(tmp_path / 'junit.json'))
    target = tmp_path / 'reports' / 'deep' / 'replication.XML'
    xml_path, json_path = write_reports(str(target), gate_model(OUTCOME))
    assert xml_path == str(target) and json_path == str(tmp_path / 'reports' / 'deep' / 'replication.json')
    assert ET.parse(xml_path).getroot().get('failures') == '3'
    with open(json_path) as handle:
        assert json.load(handle)['failures'] == 3
    assert sorted(os.listdir(str(target.parent))) == ['replication.XML', 'replication.json']  # no temporary left
    (tmp_path / 'file').write_text('x')
    with pytest.raises(OSError):
        write_reports(str(tmp_path / 'file' / 'r.xml'), gate_model(OUTCOME))
