"""The watch's loop: options a watch cannot start with are refused before any request."""

import asyncio

import pytest

from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_loop import run_watch
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_options import SPEC, WatchOptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, KEY


@pytest.mark.parametrize('name', sorted(name for name, option in SPEC.items() if option['type'] in ('int', 'float')))
@pytest.mark.parametrize('value', [float('nan'), float('inf'), float('-inf'), 'nan'])
def test_a_number_option_that_is_not_finite_is_refused_before_any_request(sim, name, value):
    # before: interval nan polled once and then spun the CPU, silent; a nan timeout made every poll fail
    # "unexpectedly"; an infinite whole number was ansible-core's OverflowError
    args = {'instance_ids': [INSTANCE], 'endpoint': sim.url, 'project_id': DEFAULT_PROJECT, 'access_key': KEY['ak'],
            'secret_key': KEY['sk'], name: value}

    async def watch():
        await asyncio.wait_for(run_watch(asyncio.Queue(), args, environ={}), 10)  # a safety net only

    with pytest.raises(WatchOptionError) as caught:
        asyncio.run(watch())
    assert str(caught.value) == 'replication_watch: %s must be a finite number, got %s' % (name, float(value))
    assert sim.stats()['total'] == 0


PASSWORD = 'hb-Pa55word-not-for-events'
HEARTBEAT = {'source': {'login_host': '127.0.0.1', 'login_password': PASSWORD, 'database': 'orders'},
             'target': {'login_host': '127.0.0.1', 'login_port': 9030, 'login_password': PASSWORD,
                        'database': 'orders_sr'}}


def test_the_heartbeat_makes_an_event_when_the_lag_crosses_max_lag(monkeypatch):
    from htapsim import Simulator
    from ansible_collections.taurusdb.htap.plugins.plugin_utils import watch_loop
    answers = [{'lag_seconds': 0.2, 'seen': True, 'wrote': True, 'within_max_lag': True}]
    late = {'lag_seconds': 30.0, 'seen': False, 'wrote': True, 'within_max_lag': False,
            'problem': 'not arrived (password %s)' % PASSWORD}
    calls = []

    def measure(settings, max_lag, wait_timeout, deadline=None):
        calls.append(settings['source']['login_password'])
        return dict(answers.pop(0) if answers else late)

    monkeypatch.setattr(watch_loop, 'measure_lag', measure)
    # a simulator of its own: a poll in flight when the watch is cancelled must not reach another test's
    with Simulator('healthy') as sim:
        first, second = _lag_events(sim)
    assert (first['type'], first['initial']) == ('lag_ok', True)
    assert (second['type'], second['initial']) == ('lag_exceeded', False)
    assert second['heartbeat']['lag_seconds'] == 30.0 and second['max_lag'] == 5
    assert PASSWORD not in repr([first, second]) and calls[0] == PASSWORD and len(calls) >= 2


def _lag_events(sim):
    """The first two lag events of a watch with a heartbeat every 0.1 s."""
    args = {'instance_ids': [INSTANCE], 'endpoint': sim.url, 'project_id': DEFAULT_PROJECT, 'access_key': KEY['ak'],
            'secret_key': KEY['sk'], 'interval': 0.1, 'heartbeat': HEARTBEAT, 'max_lag': 5}

    async def watch():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(run_watch(queue, args, environ={}))
        lag_events = []
        try:
            while len(lag_events) < 2:
                event = await asyncio.wait_for(queue.get(), 30)  # a safety net only
                if event['type'].startswith('lag_'):
                    lag_events.append(event)
        finally:
            task.cancel()
        return lag_events

    return asyncio.run(watch())


@pytest.mark.parametrize('extra, words', [
    ({'max_lag': 5}, 'heartbeat and max_lag go together'),
    ({'heartbeat': HEARTBEAT}, 'heartbeat and max_lag go together'),
    ({'heartbeat': dict(HEARTBEAT, table='x`; DROP'), 'max_lag': 5}, 'heartbeat: table must be'),
])
def test_bad_heartbeat_options_stop_the_watch_before_any_request(sim, extra, words):
    args = dict({'instance_ids': [INSTANCE], 'endpoint': sim.url, 'project_id': DEFAULT_PROJECT,
                 'access_key': KEY['ak'], 'secret_key': KEY['sk']}, **extra)
    with pytest.raises(WatchOptionError) as caught:
        asyncio.run(asyncio.wait_for(run_watch(asyncio.Queue(), args, environ={}), 10))
    assert words in str(caught.value) and PASSWORD not in str(caught.value) and sim.stats()['total'] == 0
