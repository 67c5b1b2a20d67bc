"""The heartbeat copier (htapsim/heartbeat.py): the simulator copies the heartbeat table from a source database
to a target one with the scenario's lag, and stops while the task that carries it is paused or broken.

Against a real MariaDB server (the ``mariadb`` fixture in tests/simulator/conftest.py). Time is driven by
the API requests that advance the scenario's phases, the rows' own timestamps and the copier's counters;
the waits below only poll those counters, with a generous safety net.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator, load_scenario
from htapsim.heartbeat import HeartbeatError, check_config, parse_endpoint

INSTANCE = '01010101010101010101010101010101in17'
USER = DEFAULT_CREDENTIALS['users'][0]
SAFETY_NET = 60  # seconds; the copier works in rounds of 0.05 s
HTAPSIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules['htapsim'].__file__)))


def scenario_with(heartbeat, steps=None):
    """One instance, one task orders_db (with these steps), the heartbeat carried as ``heartbeat`` says."""
    task = {'task_name': 'orders_db', 'stage': 'Incremental'}
    if steps:
        task['steps'] = steps
    return {'name': 'heartbeat-test', 'heartbeat': heartbeat, 'instances': [{'id': INSTANCE, 'tasks': [task]}]}


def list_tasks(sim):
    """One listing request: it moves the instance's scenario to its next phase."""
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': USER['name'], 'password': USER['password'], 'domain': {'name': USER['domain']}}}},
        'scope': {'project': {'id': DEFAULT_PROJECT}}}}
    token = requests.post(sim.url + '/v3/auth/tokens', json=body, timeout=10).headers['X-Subject-Token']
    answer = requests.get('%s/v3/%s/instances/%s/starrocks/databases/replication' % (sim.url, DEFAULT_PROJECT, INSTANCE),
                          headers={'X-Auth-Token': token}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()['replications']


def copier(sim):
    return sim.stats()['heartbeat']


def wait_for(sim, condition, what):
    """Poll the copier's counters until ``condition(counters)``; fail with them after the safety net."""
    deadline = time.monotonic() + SAFETY_NET
    while not condition(copier(sim)):
        if time.monotonic() > deadline:
            pytest.fail('waited %ss for %s; the copier: %s' % (SAFETY_NET, what, copier(sim)))
        time.sleep(0.02)
    return copier(sim)


def two_more_rounds(sim, key='rounds'):
    """Wait until two more rounds have ended: the second began after this call, so it saw what was written before."""
    start = copier(sim)[key]
    return wait_for(sim, lambda counters: counters[key] >= start + 2, 'two more rounds (%s)' % key)


def rows(run):
    return dict(run('SELECT id, ts FROM taurusdb_htap_heartbeat'))


# --- copying ---------------------------------------------------------------------------------------
def test_lag_zero_copies_a_row_and_says_so(heartbeat_databases):
    dbs = heartbeat_databases
    with Simulator('healthy', heartbeat=dbs['config']) as sim:
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6))')
        counters = wait_for(sim, lambda counters: counters['rows_copied'] >= 1, 'the row to be copied')
        assert rows(dbs['target_sql']) == rows(dbs['source_sql'])
        assert counters['copying'] is True and counters['lag'] == 0 and counters['errors'] == 0
        assert counters['last_copied']['id'] == 1 and counters['last_copy']
        assert counters['table'] == 'taurusdb_htap_heartbeat'
        assert counters['source'].endswith('/' + dbs['names']['source'])
        dbs['source_sql']('UPDATE taurusdb_htap_heartbeat SET ts = ts - INTERVAL 1 SECOND')
        wait_for(sim, lambda counters: counters['rows_copied'] >= 2, 'the change to be copied')
        assert rows(dbs['target_sql']) == rows(dbs['source_sql'])


def test_a_lag_copies_only_rows_older_than_it_by_the_source_clock(heartbeat_databases):
    dbs = heartbeat_databases
    with Simulator(scenario_with({'lag': 3600}), heartbeat=dbs['config']) as sim:
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6)), (2, UTC_TIMESTAMP(6) - INTERVAL 2 HOUR)')
        wait_for(sim, lambda counters: counters['rows_copied'] >= 1, 'the old row to be copied')
        two_more_rounds(sim)
        assert sorted(rows(dbs['target_sql'])) == [2]  # the row written now waits for its hour
        counters = copier(sim)
        assert counters['lag'] == 3600 and counters['pending'] == 1 and counters['rows_copied'] == 1


def test_changes_wait_their_turn_a_newer_one_does_not_hide_an_older_one_whose_time_has_come(heartbeat_databases):
    """Each change waits for its own time, as in a replication's backlog: the source row now holds a change
    too young to copy, but the older change it replaced is due, and arrives."""
    dbs = heartbeat_databases
    with Simulator(scenario_with({'lag': 3600}), heartbeat=dbs['config']) as sim:
        sim.heartbeat_lag('stopped')
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6) - INTERVAL 2 HOUR)')
        two_more_rounds(sim, 'stopped_rounds')  # seen while not copying
        older = rows(dbs['source_sql'])
        dbs['source_sql']('UPDATE taurusdb_htap_heartbeat SET ts = UTC_TIMESTAMP(6)')
        assert two_more_rounds(sim, 'stopped_rounds')['pending'] == 2
        sim.heartbeat_lag(None)  # the scenario's lag: an hour
        counters = wait_for(sim, lambda counters: counters['rows_copied'] >= 1, 'the older change')
        assert rows(dbs['target_sql']) == older and counters['pending'] == 1
        two_more_rounds(sim)
        assert rows(dbs['target_sql']) == older and copier(sim)['rows_copied'] == 1


@pytest.mark.parametrize('phase, reason', [
    ({'stage': 'paused'}, 'task orders_db is in stage paused'),
    ({'status': 'No'}, 'task orders_db has status No'),
    ({'present': False}, 'task orders_db is not listed'),
])
def test_copying_stops_while_the_task_is_paused_or_broken_and_resumes_after(heartbeat_databases, phase, reason):
    dbs = heartbeat_databases
    back = {'stage': 'Incremental', 'status': 'Yes', 'present': True}
    scenario = scenario_with({'task': 'orders_db'}, steps=[dict(phase, at=2), dict(back, at=4)])
    with Simulator(scenario, heartbeat=dbs['config']) as sim:
        list_tasks(sim)  # request 1: ready
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR)')
        wait_for(sim, lambda counters: counters['rows_copied'] >= 1, 'the row while the task is ready')
        list_tasks(sim)  # request 2: paused / broken / gone
        counters = wait_for(sim, lambda counters: counters['copying'] is False, 'the copy to stop')
        assert counters['reason'] == reason
        dbs['source_sql']('UPDATE taurusdb_htap_heartbeat SET ts = UTC_TIMESTAMP(6) - INTERVAL 30 MINUTE')
        two_more_rounds(sim, 'stopped_rounds')
        list_tasks(sim)  # request 3: still so
        two_more_rounds(sim, 'stopped_rounds')
        assert rows(dbs['target_sql']) != rows(dbs['source_sql'])
        assert copier(sim)['rows_copied'] == 1 and copier(sim)['pending'] == 1
        list_tasks(sim)  # request 4: ready again
        counters = wait_for(sim, lambda counters: counters['rows_copied'] >= 2, 'the copy to resume')
        assert rows(dbs['target_sql']) == rows(dbs['source_sql'])
        assert counters['copying'] is True and counters['reason'] is None


def test_a_task_changed_at_run_time_stops_the_copy_too(heartbeat_databases):
    dbs = heartbeat_databases
    with Simulator(scenario_with({'task': 'orders_db'}), heartbeat=dbs['config']) as sim:
        sim.change_task(INSTANCE, 'orders_db', set={'status': 'No'})
        counters = wait_for(sim, lambda counters: counters['copying'] is False, 'the copy to stop')
        assert counters['reason'] == 'task orders_db has status No'


def test_bundled_heartbeat_lagging_catches_up_from_the_fourth_request(heartbeat_databases):
    dbs = heartbeat_databases
    with Simulator('heartbeat-lagging', heartbeat=dbs['config']) as sim:
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6))')
        for _request in range(3):
            list_tasks(sim)
            counters = two_more_rounds(sim)
            assert counters['lag'] == 3600 and counters['rows_copied'] == 0
        assert rows(dbs['target_sql']) == {}
        list_tasks(sim)
        counters = wait_for(sim, lambda counters: counters['rows_copied'] >= 1, 'the heartbeat to catch up')
        assert counters['lag'] == 0 and rows(dbs['target_sql']) == rows(dbs['source_sql'])


def test_bundled_heartbeat_stopped_is_ready_by_the_api_but_copies_nothing(heartbeat_databases):
    dbs = heartbeat_databases
    with Simulator('heartbeat-stopped', heartbeat=dbs['config']) as sim:
        assert {task['status'] for task in list_tasks(sim)} == {'Yes'}
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR)')
        counters = two_more_rounds(sim, 'stopped_rounds')
        assert counters['reason'] == 'the scenario stops the copy' and rows(dbs['target_sql']) == {}


# --- the control endpoint --------------------------------------------------------------------------
def test_the_control_endpoint_stops_sets_the_lag_and_resumes(heartbeat_databases):
    dbs = heartbeat_databases
    with Simulator('healthy', heartbeat=dbs['config']) as sim:
        answer = requests.post(sim.url + '/__sim__/heartbeat', json={'lag': 'stopped'}, timeout=10)
        assert answer.status_code == 200 and answer.json()['override'] == 'stopped'
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR), (2, UTC_TIMESTAMP(6))')
        counters = two_more_rounds(sim, 'stopped_rounds')
        assert counters['reason'] == 'stopped by POST /__sim__/heartbeat' and rows(dbs['target_sql']) == {}
        requests.post(sim.url + '/__sim__/heartbeat', json={'lag': 1800}, timeout=10)
        wait_for(sim, lambda counters: counters['rows_copied'] >= 1, 'the old row')
        two_more_rounds(sim)
        assert sorted(rows(dbs['target_sql'])) == [1]
        answer = requests.post(sim.url + '/__sim__/heartbeat', json={'lag': None}, timeout=10)
        assert answer.json()['override'] is None
        wait_for(sim, lambda counters: counters['rows_copied'] >= 2, 'the new row, at the scenario lag (0)')
        assert rows(dbs['target_sql']) == rows(dbs['source_sql'])
        sim.heartbeat_lag('stopped')
        sim.reset()  # a reset (or a scenario load) follows the scenario again
        assert requests.get(sim.url + '/__sim__/heartbeat', timeout=10).json()['override'] is None


@pytest.mark.parametrize('body', [{'lag': -1}, {'lag': 'later'}, {'lag': True}, {}, {'lag': 1, 'task': 'x'}, []])
def test_the_control_endpoint_refuses_a_bad_lag(heartbeat_databases, body):
    with Simulator('healthy', heartbeat=heartbeat_databases['config']) as sim:
        answer = requests.post(sim.url + '/__sim__/heartbeat', json=body, timeout=10)
        assert answer.status_code == 400 and answer.json()['error']
        assert copier(sim)['override'] is None


def test_without_a_copier_the_control_endpoint_says_so_and_stats_have_no_heartbeat(simulator):
    answer = requests.post(simulator.url + '/__sim__/heartbeat', json={'lag': 0}, timeout=10)
    assert answer.status_code == 409 and '--heartbeat-source' in answer.json()['error']
    assert 'heartbeat' not in simulator.stats()


# --- errors ---------------------------------------------------------------------------------------
def test_a_copier_error_shows_in_stats_and_the_log_and_the_copier_recovers(heartbeat_databases, capfd):
    dbs = heartbeat_databases
    dbs['target_sql']('DROP TABLE taurusdb_htap_heartbeat')
    with Simulator('healthy', heartbeat=dbs['config']) as sim:
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6))')
        counters = wait_for(sim, lambda counters: counters['errors'] >= 2, 'the error')
        assert counters['failing'] is True and counters['rows_copied'] == 0
        target = '127.0.0.1:%d/%s' % (dbs['mariadb']['port'], dbs['names']['target'])
        assert counters['last_error'].startswith('target %s: ' % target)
        assert "taurusdb_htap_heartbeat' doesn't exist" in counters['last_error']
        dbs['target_sql']('CREATE TABLE taurusdb_htap_heartbeat (id INT PRIMARY KEY, ts DATETIME(6))')
        counters = wait_for(sim, lambda counters: counters['rows_copied'] >= 1, 'the copy after the table came')
        assert counters['failing'] is False and counters['last_error']  # the last error stays for the record
    log = capfd.readouterr().err
    assert log.count("doesn't exist") == 1, log  # said once, not every round
    assert 'htapsim heartbeat: copying with a lag of 0' in log
    assert dbs['mariadb']['password'] not in log + json.dumps(counters)


def test_a_wrong_password_is_an_error_that_never_shows_the_password(heartbeat_databases):
    config = dict(heartbeat_databases['config'])
    config['source'] = dict(config['source'], password='not-the-password-4711')
    with Simulator('healthy', heartbeat=config) as sim:
        counters = wait_for(sim, lambda counters: counters['errors'] >= 1, 'the error')
        assert counters['last_error'].startswith('source ') and 'Access denied' in counters['last_error']
        assert 'not-the-password-4711' not in json.dumps(counters)


# --- the command line -------------------------------------------------------------------------------
def run_cli(args, env=None, preamble=''):
    code = preamble + 'import sys; from htapsim.__main__ import main; sys.exit(main(sys.argv[1:]))'
    return subprocess.run([sys.executable, '-c', code] + args, capture_output=True, text=True, timeout=SAFETY_NET,
                          env=dict(os.environ, PYTHONPATH=HTAPSIM_DIR, **(env or {})), check=False)


def test_the_command_line_copies_with_credentials_from_a_file(heartbeat_databases, tmp_path):
    dbs = heartbeat_databases
    source, target = dbs['config']['source'], dbs['config']['target']
    secrets = tmp_path / 'heartbeat.yml'
    secrets.write_text(json.dumps({side: {'user': dbs['config'][side]['user'],
                                          'password': dbs['config'][side]['password']} for side in ('source', 'target')}))
    args = ['--port', '0', '--lifetime', str(SAFETY_NET),
            '--heartbeat-source', '%s:%s/%s' % (source['host'], source['port'], source['database']),
            '--heartbeat-target', '%s:%s/%s' % (target['host'], target['port'], target['database']),
            '--heartbeat-credentials', str(secrets)]
    code = 'import sys; from htapsim.__main__ import main; sys.exit(main(sys.argv[1:]))'
    proc = subprocess.Popen([sys.executable, '-c', code] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=HTAPSIM_DIR))
    try:
        url = proc.stdout.readline().decode().strip()
        assert url.startswith('http://'), proc.stderr.read()
        dbs['source_sql']('INSERT INTO taurusdb_htap_heartbeat VALUES (1, UTC_TIMESTAMP(6))')
        deadline = time.monotonic() + SAFETY_NET
        while requests.get(url + '/__sim__/stats', timeout=10).json()['heartbeat']['rows_copied'] < 1:
            assert time.monotonic() < deadline, requests.get(url + '/__sim__/stats', timeout=10).json()['heartbeat']
            time.sleep(0.02)
        assert rows(dbs['target_sql']) == rows(dbs['source_sql'])
        requests.post(url + '/__sim__/stop', timeout=10)
        assert proc.wait(SAFETY_NET) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert source['password'] not in proc.stderr.read().decode()


def test_the_command_line_refuses_to_start_without_pymysql():
    result = run_cli(['--port', '0', '--heartbeat-source', '127.0.0.1:1/a', '--heartbeat-target', '127.0.0.1:1/b'],
                     preamble="sys_modules = __import__('sys').modules; sys_modules['pymysql'] = None; ")
    assert result.returncode == 2 and result.stdout == ''
    assert 'needs the Python package PyMySQL: pip install PyMySQL' in result.stderr
    assert 'Traceback' not in result.stderr


@pytest.mark.parametrize('args, message', [
    (['--heartbeat-source', '127.0.0.1:1/a'], 'needs both --heartbeat-source and --heartbeat-target'),
    (['--heartbeat-table', 't'], 'need --heartbeat-source and --heartbeat-target'),
    (['--heartbeat-source', '127.0.0.1:1', '--heartbeat-target', '127.0.0.1:1/b'], 'is HOST:PORT/DATABASE'),
    (['--heartbeat-source', 'h/a', '--heartbeat-target', 'h/b', '--heartbeat-table', 'a;b'], 'the heartbeat table'),
    (['--heartbeat-source', 'h/a', '--heartbeat-target', 'h/b', '--heartbeat-credentials', '/nonexistent'],
     'cannot read the heartbeat credentials file'),
])
def test_the_command_line_refuses_bad_heartbeat_settings(args, message):
    result = run_cli(['--port', '0'] + args)
    assert result.returncode == 2 and message in result.stderr and 'Traceback' not in result.stderr


def test_credentials_come_from_the_environment_never_the_command_line(monkeypatch):
    pytest.importorskip('pymysql')
    monkeypatch.setenv('HTAPSIM_HEARTBEAT_SOURCE_USER', 'reader')
    monkeypatch.setenv('HTAPSIM_HEARTBEAT_SOURCE_PASSWORD', 's3cret')
    monkeypatch.delenv('HTAPSIM_HEARTBEAT_TARGET_USER', raising=False)
    monkeypatch.delenv('HTAPSIM_HEARTBEAT_TARGET_PASSWORD', raising=False)
    from htapsim.__main__ import main  # pylint: disable=import-outside-toplevel
    seen = {}

    def simulator(*_args, **kwargs):
        seen.update(kwargs)
        raise OSError('seen')

    monkeypatch.setattr('htapsim.__main__.Simulator', simulator)
    with pytest.raises(SystemExit):
        main(['--heartbeat-source', '[::1]:3307/src', '--heartbeat-target', 'db.example/dst'])
    assert seen['heartbeat'] == {
        'table': 'taurusdb_htap_heartbeat',
        'source': {'host': '::1', 'port': 3307, 'database': 'src', 'user': 'reader', 'password': 's3cret'},
        'target': {'host': 'db.example', 'port': 3306, 'database': 'dst'}}


def test_the_python_api_without_pymysql_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'pymysql', None)
    with pytest.raises(HeartbeatError, match='pip install PyMySQL'):
        Simulator('healthy', heartbeat={'source': {'host': 'h', 'database': 'a'}, 'target': {'host': 'h', 'database': 'b'}})


# --- settings and scenario keys --------------------------------------------------------------------
def test_endpoints_and_settings_are_checked():
    assert parse_endpoint('[::1]/db', 'source') == {'host': '::1', 'port': 3306, 'database': 'db'}
    for bad in ('', 'host', 'host:port/db', 'host:1/db/x', 'a b:1/db'):
        with pytest.raises(HeartbeatError):
            parse_endpoint(bad, 'source')
    assert check_config({'source': {'host': 'h', 'database': 'a'}, 'target': {'unix_socket': '/s', 'database': 'b'}}) \
        == {'table': 'taurusdb_htap_heartbeat', 'interval': 0.05,
            'source': {'host': 'h', 'port': 3306, 'user': 'root', 'password': '', 'database': 'a'},
            'target': {'unix_socket': '/s', 'port': 3306, 'user': 'root', 'password': '', 'database': 'b'}}
    for bad in ({'source': {'host': 'h'}, 'target': {'host': 'h', 'database': 'b'}},
                {'source': {'host': 'h', 'database': 'a', 'ssl': 1}, 'target': {'host': 'h', 'database': 'b'}},
                {'source': {'host': 'h', 'database': 'a'}}):
        with pytest.raises(HeartbeatError):
            check_config(bad)


def test_the_scenario_key_names_the_task_its_instance_and_the_lag_by_phase():
    plan = load_scenario(scenario_with({'task': 'orders_db', 'lag': 5, 'steps': [{'at': 3, 'lag': 'stopped'}]}))
    assert plan['heartbeat'] == {'task': 'orders_db', 'instance': INSTANCE, 'lag': 5.0,
                                 'steps': [{'at': 3.0, 'by': 'requests', 'lag': 'stopped'}]}
    assert load_scenario('healthy')['heartbeat'] == {'task': None, 'instance': INSTANCE, 'lag': 0.0, 'steps': []}


@pytest.mark.parametrize('heartbeat, message', [
    ({'task': 'nope'}, 'heartbeat task nope: not a task of any instance'),
    ({'instance': 'nope'}, 'heartbeat instance nope is not in "instances"'),
    ({'lag': -1}, 'heartbeat lag is a number of seconds'),
    ({'lag': 'soon'}, 'heartbeat lag is a number of seconds'),
    ({'steps': [{'at': 'one', 'lag': 0}]}, 'a heartbeat step is'),
    ({'steps': [{'at': 1, 'lag': 0, 'by': 'minutes'}]}, 'a heartbeat step is'),
    ({'tasks': 'orders_db'}, 'heartbeat is a mapping of task, instance, lag, steps'),
])
def test_the_scenario_key_is_checked(heartbeat, message):
    with pytest.raises(ValueError, match=message):
        load_scenario(scenario_with(heartbeat))


def test_a_task_of_several_instances_needs_its_instance():
    scenario = {'heartbeat': {'task': 'orders_db'}, 'instances': [
        {'id': 'a' * 32 + 'in17', 'tasks': [{'task_name': 'orders_db'}]},
        {'id': 'b' * 32 + 'in17', 'tasks': [{'task_name': 'orders_db'}]}]}
    with pytest.raises(ValueError, match='a task of several instances: name its instance'):
        load_scenario(scenario)
    scenario['heartbeat']['instance'] = 'b' * 32 + 'in17'
    assert load_scenario(scenario)['heartbeat']['instance'] == 'b' * 32 + 'in17'
