"""The gate's JUnit XML and JSON reports (read back with the standard library here; the end-to-end
test reads a real gate's report with a JUnit parser)."""

import json
import os
import stat
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.taurusdb.htap.plugins.plugin_utils import report_files as junit
from ansible_collections.taurusdb.htap.plugins.plugin_utils.report_files import (
    ReportError, gate_model, junit_xml, report_paths, write_reports)


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


def gate_case(root):
    """The gate's own test case (the last suite's only case) of a parsed report."""
    suite = root.findall('testsuite')[-1]
    assert suite.get('name') == 'replication_gate' and len(suite.findall('testcase')) == 1
    return suite.find('testcase')


def test_a_suite_per_instance_a_case_per_task_a_failure_per_task_not_ready():
    model = gate_model(OUTCOME, timestamp='2026-01-02T03:04:05')
    root = parse(model)
    assert root.tag == 'testsuites'
    assert (root.get('tests'), root.get('failures'), root.get('errors'), root.get('time')) == ('8', '4', '1', '3.250')
    suites = dict((suite.get('name'), suite) for suite in root.findall('testsuite'))
    assert list(suites) == ['i-ready', 'i-bad', 'i-err', 'replication_gate']
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
        'status No, stage incremental, 100%', 'reason: status is No (abnormal)',
        'why: last ALTER TABLE failed: ALTER TABLE users ADD COLUMN x failed', 'why: table users: failed: no primary key']
    assert failures['clicks_db (clicks -> clicks_sr)'].get('message') == 'stage is full (42%)'
    error = suites['i-err'].find('testcase/error')
    assert error.get('message') == FAILED['msg'] and 'request_id: q9' in error.text and 'error_code: SYS.0503' in error.text
    assert suites['i-err'].find('testcase').get('name') == 'query'
    gate = gate_case(root).find('failure')
    assert (gate.get('type'), gate.get('message')) == (
        'GateFailed', 'the gate failed: a task with status No, or paused or cancelled, or a StarRocks instance whose '
                      'creation failed, cannot recover by itself')
    assert gate.text == 'Replication gate failed'


def test_the_json_is_the_same_report():
    model = gate_model(OUTCOME)
    assert json.loads(json.dumps(model)) == model  # plain data
    assert (model['tests'], model['failures'], model['errors'], model['passed']) == (8, 4, 1, False)
    bad = model['suites'][1]
    assert [case['status'] for case in bad['cases']] == ['passed', 'failed', 'failed', 'failed']
    assert bad['cases'][1]['task'] == {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr'}


def test_a_gate_that_failed_before_any_instance_is_one_error():
    model = gate_model({'passed': False, 'reason': 'query failed', 'instances': [], 'rounds': 0, 'elapsed': 0.1,
                        'report': 'TaurusDB instance 0a0a...in07 has no StarRocks (HTAP) instances to gate on'})
    root = parse(model)
    assert root.get('errors') == '1' and len(root.findall('testsuite')) == 1
    assert gate_case(root).get('name') == 'gate'
    assert 'has no StarRocks' in gate_case(root).find('error').get('message')
    options = parse(gate_model({'passed': False, 'reason': 'invalid options', 'msg': 'wait_sleep must be at least 0.1'}))
    assert gate_case(options).find('error').get('message') == 'invalid options: wait_sleep must be at least 0.1'


def test_a_passing_gate_has_no_failure():
    model = gate_model({'passed': True, 'reason': 'passed', 'instances': [READY], 'rounds': 1, 'elapsed': 0.2})
    root = parse(model)
    assert (root.get('tests'), root.get('failures'), root.get('errors')) == ('3', '0', '0')
    assert gate_case(root).get('name') == 'gate' and not list(gate_case(root)) and model['passed'] is True


ALL_READY_ROUND = 'the gate failed: wait_timeout was reached after a ready round, before ready_polls ready rounds in a row'


@pytest.mark.parametrize('outcome, kind, message', [
    # the deadline after a round that happened to be ready (ready_polls not reached, a flapping task)
    ({'passed': False, 'reason': 'timed out', 'instances': [READY]}, 'failure', ALL_READY_ROUND),
    ({'passed': False, 'reason': 'timed out', 'instances': [NOT_READY]}, 'failure',
     'the gate failed: wait_timeout was reached'),
    ({'passed': False, 'reason': 'fail fast', 'instances': [READY, NOT_READY]}, 'failure',
     'the gate failed: a task with status No, or paused or cancelled, or a StarRocks instance whose creation failed, '
     'cannot recover by itself'),
    ({'passed': False, 'reason': 'query failed', 'instances': [READY, FAILED]}, 'error', 'the gate failed: a query failed'),
    ({'passed': False, 'reason': 'query failed', 'instances': [], 'report': 'Waiting for replication failed: boom'},
     'error', 'query failed: Waiting for replication failed: boom'),
    ({'passed': False, 'reason': 'invalid options', 'msg': 'ready_polls must be at least 1, got 0'}, 'error',
     'invalid options: ready_polls must be at least 1, got 0'),
    ({'passed': False, 'instances': [READY]}, 'failure', 'the gate failed: it did not pass'),
    # a wait that claims a pass over results that do not pass, or over nothing: not ready
    ({'passed': True, 'reason': 'passed', 'instances': [dict(READY, all_ready=False)]}, 'failure',
     'the gate failed: its last round was not all ready'),
    ({'passed': True, 'reason': 'passed', 'instances': []}, 'error', 'passed: no instances were checked'),
])
def test_a_gate_that_did_not_pass_is_never_a_report_without_failures(outcome, kind, message):
    model = gate_model(dict(outcome, rounds=3, elapsed=1.0))
    root = parse(model)
    assert model['passed'] is False and int(root.get('failures')) + int(root.get('errors')) > 0
    assert (model['failures'], model['errors']) == (int(root.get('failures')), int(root.get('errors')))
    assert gate_case(root).find(kind).get('message') == message
    assert dict((p.get('name'), p.get('value')) for p in root.findall('testsuite/properties/property')
                if p.get('name') == 'passed') == {'passed': 'false'}


READY_EMPTY = dict(READY, replications=[])  # ready with no task to judge (min_tasks: 0)
RESULTS = st.sampled_from([READY, READY_EMPTY, NOT_READY, FAILED, dict(READY, all_ready=False), 'not a dict'])


@settings(max_examples=200, deadline=None)
@given(passed=st.booleans(),
       reason=st.sampled_from([None, 'passed', 'timed out', 'fail fast', 'query failed', 'invalid options', 'other']),
       instances=st.lists(RESULTS, max_size=4), report=st.one_of(st.none(), st.text(max_size=20)))
def test_the_reports_pass_exactly_when_the_gate_passed_and_nothing_failed(passed, reason, instances, report):
    model = gate_model({'passed': passed, 'reason': reason, 'instances': instances, 'report': report})
    root = parse(model)
    bad = int(root.get('failures')) + int(root.get('errors'))
    assert model['passed'] == (bad == 0)
    assert model['passed'] == (passed and bool(instances) and all(i is READY or i is READY_EMPTY for i in instances))
    assert (model['tests'], model['failures'], model['errors']) == tuple(
        int(root.get(name)) for name in ('tests', 'failures', 'errors'))
    assert json.loads(junit.json_report(model).decode('utf-8'))['passed'] == model['passed']


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
    xml_path, json_path = write_reports(str(target), OUTCOME)
    assert xml_path == str(target) and json_path == str(tmp_path / 'reports' / 'deep' / 'replication.json')
    assert ET.parse(xml_path).getroot().get('failures') == '4'
    with open(json_path) as handle:
        assert json.load(handle)['failures'] == 4
    assert sorted(os.listdir(str(target.parent))) == ['replication.XML', 'replication.json']  # no temporary left
    (tmp_path / 'file').write_text('x')
    with pytest.raises(ReportError, match='the report could not be written to .*/file/r.xml: .*File exists'):
        write_reports(str(tmp_path / 'file' / 'r.xml'), OUTCOME)


PASSED = {'passed': True, 'reason': 'passed', 'instances': [READY], 'rounds': 1, 'elapsed': 0.2}


def passing_reports(tmp_path):
    """An earlier run's passing reports in tmp_path/ci; their paths."""
    paths = write_reports(str(tmp_path / 'ci' / 'r.xml'), PASSED)
    with open(paths[1]) as handle:
        assert json.load(handle)['passed'] is True
    return paths


def test_a_lone_surrogate_a_server_sent_is_written_in_both_reports(tmp_path):
    odd = task(u'bad\ud800name_db', False, reasons=[u'reason \udcff'])
    outcome = dict(OUTCOME, instances=[dict(NOT_READY, replications=[odd], not_ready=[], problems=[u'x\udfff'])])
    passing_reports(tmp_path)
    xml_path, json_path = write_reports(str(tmp_path / 'ci' / 'r.xml'), outcome)
    with open(json_path, encoding='utf-8') as handle:
        same = json.load(handle)
    names = [case['name'] for case in same['suites'][0]['cases']]
    assert names == [u'bad\ufffdname_db (bad\ufffdname -> bad\ufffdname_sr)', u'x\ufffd']
    assert [case.get('name') for case in ET.parse(xml_path).getroot().find('testsuite').findall('testcase')] == names
    assert same['passed'] is False and same['suites'][0]['cases'][0]['message'] == u'reason \ufffd'


def test_reports_that_cannot_be_rendered_leave_no_earlier_report(tmp_path):
    xml_path, json_path = passing_reports(tmp_path)
    with pytest.raises(ReportError, match='the report could not be written to .*r.xml: .*not JSON serializable'):
        write_reports(xml_path, dict(OUTCOME, rounds={'not', 'json'}))  # XML renders it, JSON cannot
    assert sorted(os.listdir(str(tmp_path / 'ci'))) == []


def test_a_failure_between_the_two_files_leaves_neither(tmp_path, monkeypatch):
    xml_path, json_path = passing_reports(tmp_path)
    replace = os.replace

    def json_fails(source, target):
        if target == json_path:
            raise OSError(28, 'No space left on device')
        replace(source, target)

    monkeypatch.setattr(junit.os, 'replace', json_fails)
    with pytest.raises(ReportError, match='No space left on device'):
        write_reports(xml_path, OUTCOME)
    assert sorted(os.listdir(str(tmp_path / 'ci'))) == []  # not the new XML, not the old JSON, no temporary


def test_an_earlier_report_that_cannot_be_removed_is_named(tmp_path, monkeypatch):
    xml_path, json_path = passing_reports(tmp_path)
    os.remove(json_path)
    os.mkdir(json_path)  # a directory where the JSON goes: neither replaced nor removed
    with pytest.raises(ReportError) as caught:
        write_reports(xml_path, OUTCOME)
    assert str(caught.value).endswith('; the earlier %s could not be removed and is not from this run' % json_path)
    assert os.listdir(str(tmp_path / 'ci')) == ['r.json']


def test_a_symlink_planted_where_a_temporary_file_goes_is_not_followed(tmp_path):
    shared = tmp_path / 'shared'
    shared.mkdir()
    victim = tmp_path / 'victim'
    victim.write_text('precious')
    xml_path, json_path = str(shared / 'replication.xml'), str(shared / 'replication.json')
    planted = {}
    for path in (xml_path, json_path):
        name = os.path.basename(path)
        for link in ('%s.tmp-%d' % (path, os.getpid()), path + '.tmp', str(shared / ('.%s.tmp' % name)),
                     str(shared / ('.%s' % name)), path + '~'):
            os.symlink(str(victim), link)
            planted[link] = str(victim)
        os.symlink(str(tmp_path / 'created'), '%s.tmp-%d' % (path, os.getpid() + 1))  # dangling
        planted['%s.tmp-%d' % (path, os.getpid() + 1)] = str(tmp_path / 'created')
    write_reports(xml_path, OUTCOME)
    assert victim.read_text() == 'precious' and not (tmp_path / 'created').exists()
    assert dict((link, os.readlink(link)) for link in planted) == planted
    for path in (xml_path, json_path):
        assert stat.S_ISREG(os.lstat(path).st_mode)
    assert ET.parse(xml_path).getroot().get('failures') == '4'
    assert sorted(os.listdir(str(shared))) == sorted([os.path.basename(p) for p in planted] +
                                                     ['replication.xml', 'replication.json'])


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_umask_decides_the_mode_of_the_reports(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        paths = write_reports(str(tmp_path / 'r.xml'), PASSED)
    finally:
        os.umask(old)
    assert [stat.S_IMODE(os.stat(path).st_mode) for path in paths] == [mode, mode]


FRESH = {'measured': True, 'lag_seconds': 0.42, 'seen': True, 'wrote': True, 'within_max_lag': True,
         'table': 'taurusdb_htap_heartbeat'}


@pytest.mark.parametrize('heartbeat, kind, message', [
    (dict(FRESH, lag_seconds=35.0, within_max_lag=False), 'failure', 'heartbeat lag 35 s exceeds max_lag 5 s'),
    (dict(FRESH, lag_seconds=0.5, within_max_lag=True, seen=False), 'failure', None),
    (dict(FRESH, lag_seconds=float('nan')), 'failure', None),
    ({'measured': False, 'failed': True, 'msg': 'source db:3306: Access denied'}, 'error',
     'heartbeat failed: source db:3306: Access denied'),
    (None, 'failure', 'heartbeat not measured: the tasks were not all ready'),
])
def test_a_heartbeat_that_is_not_fresh_fails_the_reports_even_when_the_wait_says_passed(heartbeat, kind, message):
    for passed in (True, False):
        model = gate_model({'passed': passed, 'reason': 'passed' if passed else 'timed out', 'instances': [READY],
                            'heartbeat': heartbeat, 'max_lag': 5})
        root = parse(model)
        assert model['passed'] is False and gate_case(root).find('failure') is not None
        suite = [s for s in root.findall('testsuite') if s.get('name') == 'heartbeat'][0]
        found = suite.find('testcase/' + kind)
        assert found is not None and (message is None or found.get('message') == message)


def test_a_fresh_heartbeat_is_a_passing_case_with_the_lag():
    model = gate_model({'passed': True, 'reason': 'passed', 'instances': [READY], 'heartbeat': FRESH, 'max_lag': 5})
    root = parse(model)
    assert model['passed'] is True and root.get('failures') == '0' and root.get('errors') == '0'
    properties = dict((p.get('name'), p.get('value')) for p in root.findall("testsuite[@name='heartbeat']/properties/"
                                                                            "property"))
    assert properties['lag_seconds'] == '0.42' and properties['max_lag'] == '5'
    assert json.loads(junit.json_report(model).decode('utf-8'))['suites'][1]['properties']['lag_seconds'] == 0.42


def test_an_instance_not_there_is_a_not_found_failure_and_what_never_appeared_is_reported():
    # on_missing=wait: an instance not found is a failure of its own type, never passed, never a query error
    from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import not_there_yet
    absent = not_there_yet('i-new', 'instance not found (DBS.200022)')
    outcome = dict(OUTCOME, reason='timed out', instances=[READY, absent], never_appeared=['instance i-new'])
    model = gate_model(outcome)
    assert model['never_appeared'] == ['instance i-new'] and model['passed'] is False
    root = parse(model)
    suite = [suite for suite in root.findall('testsuite') if suite.get('name') == 'i-new'][0]
    failures = suite.findall('.//failure')
    assert [(f.get('type'), f.get('message')) for f in failures] == [('NotFound', 'instance not found (DBS.200022)')]
    assert (suite.get('failures'), suite.get('errors')) == ('1', '0')
    gate = root.findall('testsuite')[-1]
    assert {p.get('name'): p.get('value') for p in gate.iter('property')}['never_appeared'] == 'instance i-new'
    assert gate_model(OUTCOME)['never_appeared'] == []
