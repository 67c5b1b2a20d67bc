"""The wait action with heartbeat and max_lag, in-process against the simulator, the measurement replaced
(the real one runs against MariaDB in the integration target gate_freshness): the gate passes only with a
lag measured within max_lag, says the lag everywhere, and never shows a database password."""

import json
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.taurusdb.htap.plugins.plugin_utils import options
from ansible_collections.taurusdb.htap.plugins.action import taurusdb_starrocks_replication_wait as wait
from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import HeartbeatError
from ansible_collections.taurusdb.htap.plugins.plugin_utils import gate
from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, KEY, run_wait_action

PASSWORD = 'hb-Pa55word-not-for-output'
HEARTBEAT = {'source': {'login_host': '127.0.0.1', 'login_port': 3306, 'login_user': 'hb', 'login_password': PASSWORD,
                        'database': 'orders'},
             'target': {'login_host': '127.0.0.1', 'login_port': 9030, 'login_user': 'sr', 'login_password': PASSWORD,
                        'database': 'orders_sr'}}
FRESH = {'lag_seconds': 0.25, 'within_max_lag': True, 'seen': True, 'wrote': True, 'table': 'taurusdb_htap_heartbeat',
         'written_at': '2026-11-28T00:00:00.000000+00:00'}


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setattr(options, '_apply_action_arg_defaults', None)
    monkeypatch.setenv('HOME', str(tmp_path))


class Measure(object):
    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def __call__(self, settings, max_lag, wait_timeout, deadline=None):
        self.calls.append((settings, max_lag, wait_timeout, deadline))
        if isinstance(self.answer, Exception):
            raise self.answer
        return dict(self.answer)


def run_action(sim, monkeypatch, measure, check_mode=False, **extra):
    monkeypatch.setattr(gate, 'measure_lag', measure)
    args = dict(instance_ids=[INSTANCE], endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
                secret_key=KEY['sk'], wait_timeout=0, retry_backoff=0.01, heartbeat=HEARTBEAT, max_lag=5)
    args.update(extra)
    return run_wait_action(args, check_mode=check_mode)


def junit_case(path, suite):
    root = ET.parse(str(path)).getroot()
    return [s for s in root.findall('testsuite') if s.get('name') == suite][0].find('testcase')


def test_ready_and_fresh_passes_and_says_the_lag(sim, monkeypatch, tmp_path):
    measure = Measure(FRESH)
    result = run_action(sim, monkeypatch, measure, report_file=str(tmp_path / 'r.xml'))
    assert result['passed'] and not result.get('failed') and result['heartbeat']['within_max_lag'] is True
    assert result['report'] == 'Replication gate passed: all 1 instance(s) ready; heartbeat lag 0.25 s (max_lag 5 s).'
    settings, max_lag, wait_timeout, _deadline = measure.calls[0]
    assert settings['source']['database'] == 'orders' and max_lag == 5 and wait_timeout == 6
    assert list(junit_case(tmp_path / 'r.xml', 'heartbeat')) == []  # a passed case
    assert PASSWORD not in json.dumps(result)


def test_ready_but_late_fails_with_the_lag_in_the_report_and_the_reports(sim, monkeypatch, tmp_path):
    late = dict(FRESH, lag_seconds=42.0, within_max_lag=False)
    result = run_action(sim, monkeypatch, Measure(late), report_file=str(tmp_path / 'r.xml'))
    assert result['failed'] and result['passed'] is False and result['reason'] == 'timed out'
    assert result['msg'].splitlines()[0] == \
        'Replication gate failed: all 1 instance(s) ready, but heartbeat lag 42 s exceeds max_lag 5 s.'
    assert result['msg'].splitlines()[-1].endswith('wait_timeout was reached with the heartbeat lag not within max_lag.')
    case = junit_case(tmp_path / 'r.xml', 'heartbeat')
    assert case.find('failure').get('message') == 'heartbeat lag 42 s exceeds max_lag 5 s'
    assert junit_case(tmp_path / 'r.xml', 'replication_gate').find('failure') is not None


def test_a_measurement_that_lies_about_being_within_max_lag_fails(sim, monkeypatch):
    result = run_action(sim, monkeypatch, Measure(dict(FRESH, lag_seconds=float('nan'))))
    assert result['failed'] and result['passed'] is False and result['heartbeat']['within_max_lag'] is False


def test_a_database_error_ends_the_wait_naming_the_side_without_the_password(sim, monkeypatch):
    error = HeartbeatError('target', '127.0.0.1', 'target 127.0.0.1:9030: (1045) Access denied for user sr '
                           '(using password %s)' % PASSWORD, port=9030, error_code=1045)
    result = run_action(sim, monkeypatch, Measure(error), wait_timeout=600, wait_sleep=1)
    assert result['failed'] and result['reason'] == 'heartbeat failed' and result['rounds'] == 1
    assert 'heartbeat failed: target 127.0.0.1:9030: (1045) Access denied' in result['msg']
    assert result['heartbeat']['side'] == 'target' and PASSWORD not in json.dumps(result)


def test_a_round_not_ready_measures_nothing(sim, monkeypatch):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'orders_db', 'source_database': 'orders',
                                                        'target_database': 'orders_sr', 'stage': 'full'}]}]})
    measure = Measure(FRESH)
    result = run_action(sim, monkeypatch, measure)
    assert result['failed'] and measure.calls == [] and result['heartbeat']['measured'] is False
    assert result['msg'].splitlines()[-2] == '- heartbeat not measured: the tasks were not all ready'


@pytest.mark.parametrize('extra, words', [
    ({'max_lag': None}, 'heartbeat and max_lag go together'),
    ({'heartbeat': None}, 'heartbeat and max_lag go together'),
    ({'max_lag': -1}, 'max_lag must be at least 0, got -1'),
    ({'max_lag': float('nan')}, 'max_lag must be a finite number'),
    ({'heartbeat': dict(HEARTBEAT, table='t; DROP TABLE x')}, 'heartbeat: table must be a letter'),
    ({'heartbeat': dict(HEARTBEAT, source=dict(HEARTBEAT['source'], login_port=70000))},
     'heartbeat: source.login_port must be between 1 and 65535'),
    ({'heartbeat': dict(HEARTBEAT, target={'login_password': PASSWORD})}, 'heartbeat'),
])
def test_bad_heartbeat_options_are_refused_before_any_request(sim, monkeypatch, extra, words):
    measure = Measure(FRESH)
    result = run_action(sim, monkeypatch, measure, **extra)
    assert result['failed'] and words in result['msg'] and 'rounds' not in result
    assert sim.stats()['total'] == 0 and measure.calls == [] and PASSWORD not in json.dumps(result)


def test_without_pymysql_the_heartbeat_says_what_to_install(sim, monkeypatch):
    monkeypatch.setattr(wait, 'HAS_PYMYSQL', False)
    result = run_action(sim, monkeypatch, Measure(FRESH))
    assert result['failed'] and 'needs the Python library PyMySQL' in result['msg'] and sim.stats()['total'] == 0
    result = run_action(sim, monkeypatch, Measure(FRESH), heartbeat=None, max_lag=None)
    assert result['passed']  # the gate without a heartbeat needs no PyMySQL


def test_check_mode_measures_without_writing_or_creating(sim, monkeypatch):
    # before: --check ran REPLACE INTO (and CREATE TABLE with create) on the source and said changed: false
    measure = Measure(dict(FRESH, wrote=False))
    result = run_action(sim, monkeypatch, measure, check_mode=True, heartbeat=dict(HEARTBEAT, create=True))
    settings = measure.calls[0][0]
    assert (settings['write'], settings['create']) == (False, False) and result['changed'] is False
    run_action(sim, monkeypatch, measure, heartbeat=dict(HEARTBEAT, create=True))
    assert (measure.calls[1][0]['write'], measure.calls[1][0]['create']) == (True, True)
