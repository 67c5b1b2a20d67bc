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
