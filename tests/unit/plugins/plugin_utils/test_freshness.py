"""The gate's freshness check: a heartbeat passes only as a finite lag, seen, within max_lag."""

import pytest

from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import (
    NOT_MEASURED, FreshnessCheck, heartbeat_line, heartbeat_passed)


class DatabaseDown(Exception):
    def __init__(self, msg, side='target', host='db:9030'):
        super(DatabaseDown, self).__init__(msg)
        self.side, self.host = side, host


def measured(**fields):
    heartbeat = dict(measured=True, lag_seconds=0.5, seen=True, wrote=True, within_max_lag=True, max_lag=5)
    heartbeat.update(fields)
    return heartbeat


@pytest.mark.parametrize('heartbeat', [
    measured(lag_seconds=6.0),  # over max_lag although the flag says within
    measured(lag_seconds=float('nan')),
    measured(lag_seconds=float('inf')),
    measured(lag_seconds=-1.0),
    measured(lag_seconds=None),
    measured(lag_seconds=True),
    measured(lag_seconds='0.5'),
    measured(seen=False),
    measured(within_max_lag=False),
    measured(within_max_lag='yes'),
    measured(measured=False),
    dict(measured(), failed=True),
    None, 'fresh', [],
])
def test_anything_but_a_finite_lag_seen_within_max_lag_is_not_fresh(heartbeat):
    assert not heartbeat_passed(heartbeat, 5)


def test_a_finite_lag_seen_within_max_lag_is_fresh():
    assert heartbeat_passed(measured(), 5) and heartbeat_passed(measured(lag_seconds=5), 5)
    assert heartbeat_passed(measured(lag_seconds=0), 5)


def test_lines_say_the_lag_or_why_not():
    assert heartbeat_line(measured(lag_seconds=0.4213), 5) == 'heartbeat lag 0.421 s (max_lag 5 s)'
    assert heartbeat_line(measured(lag_seconds=35.2, within_max_lag=False, wrote=False), 5) == \
        'heartbeat lag 35 s exceeds max_lag 5 s'
    assert 'was not seen on the target' in heartbeat_line(measured(lag_seconds=40.0, seen=False), 5)
    assert 'holds no heartbeat row' in heartbeat_line(measured(lag_seconds=None, seen=False), 5)
    assert heartbeat_line({'measured': False, 'failed': True, 'msg': 'target db:9030: access denied'}, 5) == \
        'heartbeat failed: target db:9030: access denied'
    assert heartbeat_line({'measured': False, 'msg': NOT_MEASURED}, 5) == 'heartbeat ' + NOT_MEASURED
    assert heartbeat_line(None, 5) == 'heartbeat ' + NOT_MEASURED


class Measure(object):
    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def __call__(self, settings, max_lag, wait_timeout, deadline=None):
        self.calls.append((settings, max_lag, wait_timeout, deadline))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_not_ready_rounds_measure_nothing():
    measure = Measure()
    heartbeat = FreshnessCheck({'table': 't'}, 5, measure, DatabaseDown).check(False, deadline=100)
    assert measure.calls == [] and heartbeat == {'measured': False, 'msg': NOT_MEASURED, 'max_lag': 5}


def test_a_ready_round_measures_waiting_at_most_max_lag_and_never_past_the_deadline():
    measure = Measure(dict(lag_seconds=0.2, seen=True, wrote=True, within_max_lag=True), dict(
        lag_seconds=0.2, seen=True, wrote=True, within_max_lag=True))
    check = FreshnessCheck({'table': 't'}, 5, measure, DatabaseDown, clock=lambda: 98.0)
    assert check.check(True, deadline=200)['within_max_lag'] is True
    assert check.check(True, deadline=100)['measured'] is True
    assert [call[2] for call in measure.calls] == [6.0, 2.0]
    assert [call[3] for call in measure.calls] == [200, 100]


def test_the_check_recomputes_within_max_lag():
    measure = Measure(dict(lag_seconds=9.0, seen=True, wrote=True, within_max_lag=True))
    heartbeat = FreshnessCheck({}, 5, measure, DatabaseDown).check(True)
    assert heartbeat['within_max_lag'] is False and not heartbeat_passed(heartbeat, 5)


def test_a_database_error_is_a_scrubbed_failure_naming_the_side():
    measure = Measure(DatabaseDown('target db:9030: Access denied for user sr (password s3cret)'))
    check = FreshnessCheck({}, 5, measure, DatabaseDown, scrub=lambda text: text.replace('s3cret', '********'))
    heartbeat = check.check(True)
    assert heartbeat['failed'] and heartbeat['side'] == 'target' and heartbeat['host'] == 'db:9030'
    assert 's3cret' not in heartbeat['msg'] and 'Access denied' in heartbeat['msg']
    assert not heartbeat_passed(heartbeat, 5)


def test_other_exceptions_are_not_swallowed_as_database_errors():
    with pytest.raises(KeyError):
        FreshnessCheck({}, 5, Measure(KeyError('bug')), DatabaseDown).check(True)


def test_a_failure_after_a_measurement_says_the_one_before_and_never_passes():
    late = dict(lag_seconds=9.0, seen=False, wrote=True, within_max_lag=False)
    check = FreshnessCheck({}, 5, Measure(late, DatabaseDown('target db:9030: the deadline passed before connecting')),
                           DatabaseDown)
    check.check(True)
    heartbeat = check.check(True)
    assert heartbeat['failed'] and heartbeat['previous']['lag_seconds'] == 9.0 and not heartbeat_passed(heartbeat, 5)
    assert heartbeat_line(heartbeat, 5) == (
        'heartbeat failed: target db:9030: the deadline passed before connecting; the measurement before: heartbeat '
        'lag over 5 s (max_lag 5 s): the heartbeat written was not seen on the target; what it holds is 9 s old')


def test_a_lag_below_zero_is_worded_as_a_row_from_the_future_not_as_exceeding():
    line = heartbeat_line(measured(lag_seconds=-3600.0, seen=False, wrote=False, within_max_lag=False), 5)
    assert line == ('heartbeat lag unknown (max_lag 5 s): the target holds a heartbeat from the future (written in '
                    'another time zone than UTC, or a wrong clock)')


def test_settings_no_longer_usable_are_a_failed_measurement_not_an_exception():
    # before: OptionError (a ca_cert file gone) escaped and ended the event source's watch
    from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
    check = FreshnessCheck({}, 5, Measure(OptionError('source.ca_cert /x/ca.pem is not a readable file')),
                           DatabaseDown)
    heartbeat = check.check(True)
    assert heartbeat['failed'] and 'is not a readable file' in heartbeat['msg'] and not heartbeat_passed(heartbeat, 5)
