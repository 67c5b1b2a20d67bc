"""The event source's heartbeat: an event when the lag crosses max_lag, none while it stays on one side."""

from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_freshness import LAG_EVENTS, LagWatch

FRESH = {'measured': True, 'lag_seconds': 0.4, 'seen': True, 'wrote': True, 'within_max_lag': True}
STALE = {'measured': True, 'lag_seconds': 40.0, 'seen': True, 'wrote': False, 'within_max_lag': False}
FAILED = {'measured': False, 'failed': True, 'msg': 'target 127.0.0.1:9030: (1045) Access denied'}


class Check(object):
    max_lag = 5

    def __init__(self, *heartbeats):
        self.heartbeats, self.calls = list(heartbeats), []

    def check(self, ready, deadline=None):
        self.calls.append(ready)
        return self.heartbeats.pop(0)


def types(events):
    return [event['type'] for event in events]


def test_events_only_when_the_lag_crosses_max_lag_and_the_first_always():
    check = Check(FRESH, FRESH, STALE, STALE, FAILED, FRESH)
    watch = LagWatch(check, 60, now=0)
    seen = []
    for now in range(0, 360, 60):
        assert watch.due(now)
        seen.append(types(watch.observed(watch.measure(), now)))
    assert seen == [['lag_ok'], [], ['lag_exceeded'], [], [], ['lag_ok']]
    assert check.calls == [True] * 6 and set(LAG_EVENTS) == {'lag_ok', 'lag_exceeded'}


def test_a_first_measurement_that_proves_nothing_is_lag_exceeded_with_why():
    watch = LagWatch(Check(), 60, now=0)
    event, = watch.observed(dict(FRESH, lag_seconds=float('nan')), 0)
    assert event['type'] == 'lag_exceeded' and event['initial'] is True and event['max_lag'] == 5
    event, = LagWatch(Check(), 60, now=0).observed(FAILED, 0)
    assert event['type'] == 'lag_exceeded' and event['message'] == 'heartbeat failed: ' + FAILED['msg']


def test_the_next_measurement_is_an_interval_after_one_ends_and_never_while_one_runs():
    watch = LagWatch(Check(), 30, now=10)
    assert not watch.due(9) and watch.due(10)
    watch.in_flight = True
    assert not watch.due(100)
    watch.in_flight = False
    watch.observed(FRESH, 50)
    assert not watch.due(79) and watch.due(80)
