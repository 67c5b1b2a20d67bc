# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gate: every instance queried at once each round until the Waiter's verdict, with progress lines,
the instances' own state, the heartbeat and the report. Shared by the wait action and the
replication action's ``wait: true``: one concept of ready."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time
from concurrent.futures import ThreadPoolExecutor

from ansible.utils.display import Display

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import HeartbeatError, measure_lag
from ansible_collections.taurusdb.htap.plugins.module_utils.htap_instances import instance_states, list_htap_instances
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import (
    ReplicationQuery, is_missing_instance, query_instance)
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import explain_results
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    all_passed, unknown_instance_state, with_instance_state)
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import shown
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import WAIT_OPTIONS
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import (
    FRESHNESS_SPEC, FreshnessCheck, heartbeat_passed)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate_text import (
    gate_report, missing_line, progress_line, round_line)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import REASONS, Appearances, Waiter, not_there_yet

display = Display()

# The gate's options: the connection, the wait's, and the data-freshness check (the heartbeat's databases,
# as the lag module takes them, and the lag allowed).
GATE_SPEC = dict(CONNECTION_SPEC, **WAIT_OPTIONS)
GATE_SPEC.update(FRESHNESS_SPEC)


def appended(ordered, items):
    """``ordered`` with the items it does not hold yet added, in order: a set finds them, so a thousand instances
    are not a million comparisons a round."""
    seen = set(ordered)
    for item in items:
        if item not in seen:
            seen.add(item)
            ordered.append(item)
    return ordered


class NoHtapInstances(OptionError):
    """A TaurusDB instance without StarRocks instances (yet)."""


class Gate(object):
    """One wait; ``check_mode``: the heartbeat only measures (it writes and creates nothing)."""

    def __init__(self, check_mode=False):
        self.check_mode = check_mode

    def run(self, params, session, start):
        """The wait over ``params`` (the wait's validated options); returns its result fields."""
        query = ReplicationQuery(params)
        scrubber = session.scrubber
        deadline = start + params['wait_timeout'] if params['wait_timeout'] > 0 else None
        concurrency = params['instance_concurrency']
        on_missing = params['on_missing']
        appearances = Appearances(query.rule.expected_tasks + query.rule.task_names)
        with session.client(concurrency * query.concurrency, deadline) as client:
            owners = {}  # StarRocks instance -> the TaurusDB instance it was found through: its state is judged
            # with on_missing=wait the StarRocks instances of taurusdb_instance_ids are looked for each round
            instance_ids = [] if on_missing == 'wait' else self._instances(client, params, owners)

            def poll():
                absent = []
                if on_missing == 'wait':  # an instance once found stays in the gate, also if a later list leaves it out
                    found, absent = self._instances_now(client, params, session, owners)
                    appended(instance_ids, found)
                if not instance_ids:
                    return absent
                states = self._states(client, owners, session)
                with ThreadPoolExecutor(max_workers=min(concurrency, len(instance_ids))) as pool:
                    results = list(pool.map(lambda instance_id: self._one(client, instance_id, query, session,
                                                                          on_missing), instance_ids))
                return [with_instance_state(result, states[instance_id]) if instance_id in states else result
                        for instance_id, result in zip(instance_ids, results)] + absent

            def on_round(number, elapsed, results):
                appearances.see(results, params['taurusdb_instance_ids'])
                measured = None if freshness is None else (waiter.heartbeat, params['max_lag'])
                display.display(scrubber.text(round_line(number, elapsed, results, freshness=measured)))
                for item in results:
                    display.v(scrubber.text('  %s: %s' % (item.get('instance_id'), progress_line(item))))

            freshness = None if params['heartbeat'] is None else FreshnessCheck(
                self._heartbeat_settings(params['heartbeat']), params['max_lag'], measure_lag, HeartbeatError,
                scrub=scrubber.text)
            waiter = Waiter(poll, params['wait_timeout'], params['wait_sleep'], params['ready_polls'],
                            params['fail_fast'], params['fail_fast_polls'], on_round=on_round,
                            fail_fast_after=params['fail_fast_after'], freshness=freshness)
            outcome = waiter.run(start)
            if not outcome.passed and params['explain_failures']:  # once, after the wait, not every round
                settings = client.settings
                client.transport.deadline = time.monotonic() + settings.connect_timeout + settings.read_timeout
                explain_results(client, outcome.results)
        measured = None if freshness is None else (outcome.heartbeat, params['max_lag'])
        report = gate_report(outcome.results, outcome.passed, measured)
        missing = appearances.missing(outcome.results)
        if not outcome.passed:
            report += '\nStopped after %d round(s) in %ds: %s.' % (
                outcome.rounds, int(outcome.elapsed), self._why_stopped(outcome, params['ready_polls'], measured))
            report += ' ' + missing_line(missing) if missing else ''
        found = dict(passed=outcome.passed, reason=outcome.reason, instances=outcome.results, report=report,
                     rounds=outcome.rounds, elapsed=round(outcome.elapsed, 3), instance_ids=instance_ids,
                     never_appeared=[what for what, never_there in missing if never_there])
        if freshness is not None:
            found.update(heartbeat=outcome.heartbeat, max_lag=params['max_lag'])
        return found

    def _heartbeat_settings(self, heartbeat):
        """In check mode the heartbeat only measures (the age of what the target holds): it writes and creates
        nothing, as the lag module does, so that --check changes no database."""
        if self.check_mode:
            return dict(heartbeat, write=False, create=False)
        return heartbeat

    @staticmethod
    def _why_stopped(outcome, ready_polls, freshness=None):
        """Why a wait that did not pass stopped; also when its last round was ready (a flapping task, or
        too few ready rounds in a row before the deadline)."""
        if outcome.reason == 'timed out' and freshness is not None and not heartbeat_passed(*freshness) \
                and all_passed(outcome.results):
            return '%s with the heartbeat lag not within max_lag' % REASONS[outcome.reason]
        if outcome.reason == 'timed out' and all_passed(outcome.results):
            return '%s after a ready round, before %d ready rounds in a row (ready_polls)' % (
                REASONS[outcome.reason], ready_polls)
        return REASONS[outcome.reason]

    @staticmethod
    def _instances(client, params, owners=None):
        """The StarRocks instances to gate on: those given, and those of the TaurusDB instances given (each
        noted in ``owners`` with its TaurusDB instance)."""
        instance_ids = [check_instance_id(instance_id) for instance_id in params['instance_ids']]
        for taurusdb_id in params['taurusdb_instance_ids']:
            found = list_htap_instances(client, taurusdb_id)
            if found['problems']:
                raise OptionError('the HTAP instance list of TaurusDB instance %s cannot be trusted: %s'
                                  % (taurusdb_id, '; '.join(found['problems'])))
            if not found['htap_instances']:
                raise NoHtapInstances('TaurusDB instance %s has no StarRocks (HTAP) instances to gate on' % taurusdb_id)
            instance_ids.extend(instance['id'] for instance in found['htap_instances'])
            if owners is not None:
                owners.update((instance['id'], taurusdb_id) for instance in found['htap_instances'])
        return appended([], [check_instance_id(instance_id) for instance_id in instance_ids])

    def _instances_now(self, client, params, session, owners=None):
        """With on_missing=wait, in each round: (the StarRocks instances given and found now, a result for each
        TaurusDB instance not there yet - not found, or without StarRocks instances yet - or whose list failed)."""
        instance_ids = self._instances(client, dict(params, taurusdb_instance_ids=[]))
        absent = []
        for taurusdb_id in params['taurusdb_instance_ids']:
            try:
                found = self._instances(client, dict(params, instance_ids=[], taurusdb_instance_ids=[taurusdb_id]),
                                        owners)
            except NoHtapInstances:
                absent.append(not_there_yet(taurusdb_id, 'no StarRocks (HTAP) instances yet',
                                            'StarRocks instances of TaurusDB instance'))
                continue
            except Exception as exc:  # pylint: disable=broad-except  # a result, so a deadline that cut it is a timeout
                if is_missing_instance(exc):
                    absent.append(not_there_yet(taurusdb_id, 'TaurusDB instance not found (DBS.200022)',
                                                'TaurusDB instance'))
                else:
                    absent.append(dict(session.failure(exc, 'Listing the HTAP instances of TaurusDB instance %s'
                                                       % taurusdb_id), instance_id=taurusdb_id, failed=True))
                continue
            appended(instance_ids, found)
        return instance_ids, absent

    @staticmethod
    def _states(client, owners, session):
        """The own state of each StarRocks instance in ``owners``, read afresh each round (it can change
        during the wait) from its TaurusDB instance's HTAP listing, one request each. A state that cannot be
        read, or an instance the listing no longer has, is unknown: not ready, and the reason says why."""
        states = {}
        for taurusdb_id in sorted(set(owners.values())):
            try:
                listed = instance_states(client, taurusdb_id)
                found, problems = listed['states'], listed['problems']
                why = 'the HTAP instance list of TaurusDB instance %s cannot be trusted: %s' % (
                    taurusdb_id, '; '.join(problems)) if problems else None
            except Exception as exc:  # pylint: disable=broad-except  # an unreadable state is a reason, not a crash
                found, why = {}, 'it could not be read: %s' % session.failure(
                    exc, 'Listing the HTAP instances of TaurusDB instance %s' % taurusdb_id)['msg']
            for instance_id in [key for key, owner in owners.items() if owner == taurusdb_id]:
                if why or instance_id not in found:
                    states[instance_id] = unknown_instance_state(  # server text, bounded and inert
                        taurusdb_id, shown(why or 'the HTAP instance list of TaurusDB instance %s no longer has it'
                                           % taurusdb_id))
                else:
                    states[instance_id] = found[instance_id]
        return states

    @staticmethod
    def _one(client, instance_id, query, session, on_missing='fail'):
        try:
            return query_instance(client, instance_id, query)
        except Exception as exc:  # pylint: disable=broad-except  # a failed query is a result the report shows
            if on_missing == 'wait' and is_missing_instance(exc):  # not a failure: not there yet
                return not_there_yet(instance_id, 'instance not found (DBS.200022)')
            return dict(session.failure(exc, 'Querying instance %s' % instance_id),
                        instance_id=instance_id, failed=True)
