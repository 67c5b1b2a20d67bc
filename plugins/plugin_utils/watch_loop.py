# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The loop behind the event source ``taurusdb.htap.replication_watch``: its ``main`` awaits ``run_watch``.

Every instance is polled on its own schedule (``interval`` seconds after its last poll ended,
longer while its queries fail) with the same client, query and readiness rule as the modules.
``Watch`` (watch_state) holds the state and turns results into events (no I/O); ``Poller`` does the
blocking API calls, in daemon worker threads (daemon_threads), so the event loop never blocks and a
rulebook shutting down is never held by a request; ``run_watch`` runs the schedule and puts every
event on the rulebook's queue through ``event_out``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import asyncio
import logging
import os
import time

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import HeartbeatError, measure_lag
from ansible_collections.taurusdb.htap.plugins.module_utils.htap_instances import instance_states
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import ReplicationQuery, query_instance
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import EXPLAIN_LIMIT, explain
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    needs_explaining, unknown_instance_state, with_instance_state)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.daemon_threads import DaemonThreadExecutor
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import FreshnessCheck
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_freshness import LagWatch
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_options import WatchOptionError, watch_options
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_state import (
    TASK_EVENTS, DiscoveryState, Watch, event_out)

LOG = logging.getLogger('taurusdb.htap.replication_watch')


class Poller(object):
    """The blocking calls, made in worker threads: each touches only the state object it is given."""

    def __init__(self, client, query, watch, session, explain_failures=True):
        self.client, self.query, self.watch, self.session = client, query, watch, session
        self.explain_failures = explain_failures
        # TaurusDB instance -> {StarRocks instance: its own state}, as its last discovery read it (or could not)
        self.states = {}

    def _instance_state(self, instance_id):
        """A StarRocks instance's own state from the last discovery that listed it; None if none did."""
        for states in list(self.states.values()):
            if instance_id in states:
                return states[instance_id]
        return None

    def _error(self, exc, what):
        error = self.session.failure(exc, what)
        return dict((name, value) for name, value in error.items() if value is not None)

    def poll(self, state):
        try:
            result = query_instance(self.client, state.instance_id, self.query)
        except Exception as exc:  # pylint: disable=broad-except  # a failed query is an event, never the end
            return self.watch.failed(state, self._error(exc, 'Querying instance %s' % state.instance_id))
        known = self._instance_state(state.instance_id)  # judged as the wait judges it: not normal is a problem
        events = self.watch.observe(state, result if known is None else with_instance_state(result, known))
        if self.explain_failures:
            self._explain(state.instance_id, events)
        return events

    def _explain(self, instance_id, events):
        """Why tasks broke, when they come to need explaining (at most EXPLAIN_LIMIT a poll), into their events."""
        broken = [event for event in events if event['type'] in TASK_EVENTS and event.get('new')
                  and needs_explaining(event['new']) and not needs_explaining(event.get('old') or {})]
        tasks = [event['task'] for event in broken[:EXPLAIN_LIMIT]]
        if not tasks:
            return
        for event, entry in zip(broken, explain(self.client, instance_id, tasks, limit=EXPLAIN_LIMIT)):
            event['explanation'] = dict((name, entry.get(name)) for name in
                                        ('last_error_of_alter_table', 'failing_checks', 'error') if name in entry)

    def discover(self, discovery):
        """(events, instance ids or None) of one TaurusDB instance."""
        try:
            found = instance_states(self.client, discovery.instance_id)
            if found['problems']:
                raise ApiError('The HTAP instance list of TaurusDB instance %s cannot be trusted: %s'
                               % (discovery.instance_id, '; '.join(found['problems'])), request_id=found['request_id'])
            ids = [check_instance_id(instance_id) for instance_id in found['states']]
        except Exception as exc:  # pylint: disable=broad-except  # said in an event; the last instances stay watched
            # their state is unknown until a discovery answers again (one stable reason: the event has the error)
            why = 'it could not be read: listing the HTAP instances of TaurusDB instance %s failed' % discovery.instance_id
            self.states[discovery.instance_id] = dict(
                (instance_id, unknown_instance_state(discovery.instance_id, why)) for instance_id in discovery.members)
            return self.watch.discovery_failed(discovery, self._error(
                exc, 'Listing the HTAP instances of TaurusDB instance %s' % discovery.instance_id)), None
        self.states[discovery.instance_id] = found['states']
        return [], ids


async def run_watch(queue, args, environ=None, clock=time.monotonic):
    """Watch until cancelled, putting every event on ``queue`` (through ``event_out``). Bad options raise
    WatchOptionError before any request; API errors never end the watch."""
    environ = os.environ if environ is None else environ
    params, session = watch_options(args, environ)
    scrubber = session.scrubber
    concurrency = params['instance_concurrency']
    try:
        query = ReplicationQuery(params)
        client = session.open_client(concurrency * query.concurrency)
    except ValueError as exc:
        raise WatchOptionError('replication_watch: %s' % scrubber.text(str(exc))) from None
    watch = Watch(params['instance_ids'], params['taurusdb_instance_ids'], params['interval'],
                  params['max_backoff'], params['initial_state'], clock)
    poller = Poller(client, query, watch, session, params['explain_failures'])
    lag = None if params.get('heartbeat') is None else LagWatch(FreshnessCheck(
        params['heartbeat'], params['max_lag'], measure_lag, HeartbeatError, scrub=scrubber.text), params['interval'],
        clock())
    executor = DaemonThreadExecutor(concurrency, 'replication_watch')
    loop = asyncio.get_running_loop()
    in_flight = {}
    LOG.info('replication_watch: watching %d instance(s) and the StarRocks instances of %d TaurusDB instance(s) '
             'every %gs', len(watch.instances), len(watch.discoveries), params['interval'])
    try:
        while True:
            discoveries, instances = watch.due(clock())
            for item, work in [(d, poller.discover) for d in discoveries] + [(s, poller.poll) for s in instances]:
                item.in_flight = True
                in_flight[loop.run_in_executor(executor, work, item)] = item
            if lag is not None and lag.due(clock()):
                lag.in_flight = True
                in_flight[loop.run_in_executor(executor, lag.measure)] = lag
            wake = watch.next_due()
            if lag is not None and not lag.in_flight:
                wake = lag.next_due if wake is None else min(wake, lag.next_due)
            timeout = params['interval'] if wake is None else max(0.0, wake - clock())
            if in_flight:
                done, _pending = await asyncio.wait(list(in_flight), timeout=timeout,
                                                    return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(timeout)
                done = ()
            for future in done:
                item = in_flight.pop(future)
                item.in_flight = False
                events = future.result()
                if item is lag:
                    events = lag.observed(events, clock())
                elif isinstance(item, DiscoveryState):
                    events, found = events
                    if found is not None:
                        events = events + watch.discovered(item, found)
                elif watch.instances.get(item.instance_id) is not item:
                    continue  # no longer watched: what it found is of no interest
                for event in events:
                    await queue.put(event_out(event, scrubber))
    finally:
        # a request in flight ends after its current attempt, with no retry; nobody waits for it
        client.transport.deadline = time.monotonic()
        executor.shutdown(wait=False)
        client.close()
        LOG.info('replication_watch: stopped')
