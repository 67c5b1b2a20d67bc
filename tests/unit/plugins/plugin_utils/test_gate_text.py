"""The gate's progress line, failure report and stop rule."""

from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate_text import gate_report, progress_line

READY = {'instance_id': 'i-ready', 'all_ready': True, 'summary': {'ready': 3, 'total': 3}, 'not_ready': [],
         'problems': []}
WAITING = {'instance_id': 'i-wait', 'all_ready': False, 'summary': {'ready': 3, 'total': 5}, 'problems': [],
           'not_ready': [{'task_name': 'orders_db', 'source_database': 'orders', 'target_database': 'orders_sr',
                          'status': 'yes', 'stage': 'full', 'percentage': 42.0, 'reasons': ['stage is full (42%)']},
                         {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr',
                          'status': 'no', 'stage': 'incremental', 'percentage': None,
                          'reasons': ['status is No (abnormal)']}]}
EMPTY = {'instance_id': 'i-empty', 'all_ready': False, 'summary': {'ready': 0, 'total': 0}, 'not_ready': [],
         'problems': ['only 0 tasks, at least 1 required (min_tasks)']}
FAILED = {'failed': False, 'msg': 'Querying failed: HTTP 401 APIGW.0301', 'instance_id': 'i-err'}


def test_progress_lines():
    assert progress_line(READY) == '3/3 ready'
    assert progress_line(WAITING) == '3/5 ready; waiting on orders_db (full 42%), users_db (status No)'
    assert progress_line(EMPTY) == '0/0 ready; only 0 tasks, at least 1 required (min_tasks)'
    assert progress_line(FAILED) == 'query failed: Querying failed: HTTP 401 APIGW.0301'


def test_progress_line_sums_up_long_lists():
    many = dict(WAITING, not_ready=WAITING['not_ready'] * 4)
    assert progress_line(many, limit=2).endswith('and 6 more')


def test_report_names_every_blocker():
    report = gate_report([READY, WAITING, EMPTY, FAILED])
    assert report.splitlines() == [
        'Replication gate failed: 3 of 4 instance(s) not ready.',
        '- i-ready: ready',
        '- i-wait: NOT READY, 3/5 tasks ready',
        '    task orders_db (orders -> orders_sr): status Yes, stage full, 42% - stage is full (42%)',
        '    task users_db (users -> users_sr): status No, stage incremental, no percentage - status is No (abnormal)',
        '- i-empty: NOT READY, 0/0 tasks ready',
        '    problem: only 0 tasks, at least 1 required (min_tasks)',
        '- i-err: query failed',
        '    error: Querying failed: HTTP 401 APIGW.0301',
    ]
    assert gate_report([READY]) == 'Replication gate passed: all 1 instance(s) ready.'
    assert gate_report([]) == 'Replication gate failed: no instances were checked.'


def test_the_report_quotes_why_a_task_broke_or_that_it_could_not_be_read():
    broken = dict(WAITING, explanations=[
        {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr',
         'last_error_of_alter_table': 'ALTER TABLE users ADD COLUMN x BLOB failed', 'failing_checks': ['table users: failed']}])
    report = gate_report([broken])
    assert '      why: last ALTER TABLE failed: ALTER TABLE users ADD COLUMN x BLOB failed' in report
    assert '      why: table users: failed' in report
    unread = dict(WAITING, explanations=[{'task_name': 'users_db', 'source_database': 'users',
                                          'target_database': 'users_sr', 'error': 'HTTP 503'}])
    assert '      why: the explanation could not be read: HTTP 503' in gate_report([unread])


def test_a_wait_that_did_not_pass_never_reports_passed():
    # the deadline after a round that happened to be ready (ready_polls not reached, a flapping task)
    assert gate_report([READY, READY], passed=False) == (
        'Replication gate failed: all 2 instance(s) ready in the last round, but the wait did not pass.')
    assert gate_report([READY, WAITING], passed=False) == gate_report([READY, WAITING])
    assert gate_report([], passed=False) == gate_report([])
    assert gate_report([READY], passed=True) == gate_report([READY]) == 'Replication gate passed: all 1 instance(s) ready.'


FRESH = {'measured': True, 'lag_seconds': 0.42, 'seen': True, 'wrote': True, 'within_max_lag': True}
STALE = {'measured': True, 'lag_seconds': 35.2, 'seen': True, 'wrote': False, 'within_max_lag': False}


def test_a_gate_with_a_heartbeat_passes_only_when_it_is_fresh_and_says_the_lag():
    from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate_text import round_line
    assert gate_report([READY], True, (FRESH, 5)) == \
        'Replication gate passed: all 1 instance(s) ready; heartbeat lag 0.42 s (max_lag 5 s).'
    assert gate_report([READY], True, (STALE, 5)) == \
        'Replication gate failed: all 1 instance(s) ready, but heartbeat lag 35 s exceeds max_lag 5 s.'
    assert gate_report([READY], False, (dict(FRESH, lag_seconds=float('nan')), 5)).startswith(
        'Replication gate failed: all 1 instance(s) ready, but heartbeat lag unknown')
    failed = {'measured': False, 'failed': True, 'msg': 'target 127.0.0.1:9030: (1045) Access denied'}
    assert gate_report([READY], False, (failed, 5)).endswith('but heartbeat failed: target 127.0.0.1:9030: '
                                                             '(1045) Access denied.')
    report = gate_report([READY, WAITING], False, ({'measured': False}, 5))
    assert report.startswith('Replication gate failed: 1 of 2') and report.endswith(
        '\n- heartbeat not measured: the tasks were not all ready')
    assert round_line(2, 12, [READY], freshness=(FRESH, 5)) == \
        'round 2, 12s: 1/1 instance(s) ready; heartbeat lag 0.42 s (max_lag 5 s)'
    assert round_line(2, 12, [READY, WAITING], freshness=({'measured': False}, 5)).endswith('(status No)')


def test_an_instance_not_there_yet_is_said_so_never_as_a_failed_query():
    # on_missing=wait: each round says it is not there yet; the report says it is not there, never "query failed"
    from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate_text import missing_line, round_line
    from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import not_there_yet
    absent = not_there_yet('i-new', 'instance not found (DBS.200022)')
    assert progress_line(absent) == 'not there yet: instance not found (DBS.200022)'
    assert round_line(2, 3.5, [READY, absent]) == ('round 2, 3s: 1/2 instance(s) ready; waiting on i-new: not there '
                                                   'yet (instance not found (DBS.200022))')
    report = gate_report([READY, absent])
    assert report.splitlines() == ['Replication gate failed: 1 of 2 instance(s) not ready.', '- i-ready: ready',
                                   '- i-new: NOT THERE, instance not found (DBS.200022)']
    missing = [('instance i-new', True), ('task a of instance i-1', False), ('task b of instance i-1', True)]
    assert missing_line(missing) == ('Never appeared: instance i-new; task b of instance i-1. '
                                     'Missing again: task a of instance i-1.')
    assert missing_line([]) == ''
