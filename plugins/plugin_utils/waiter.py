# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gate's wait: rounds that query every instance at once, until one round sees all of them
ready (``ready_polls`` rounds in a row), a task that cannot recover by itself is seen in
``fail_fast_polls`` rounds in a row and for ``fail_fast_after`` seconds (both), a query fails, or the
deadline comes.

No I/O of its own: ``poll()`` returns one result per instance (a failed query is a dict with
``failed`` and ``msg``; with ``on_missing: wait`` an instance not there yet is ``not_there_yet``); the
clock and the sleep can be replaced, so tests drive it by rounds.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    all_passed, failed_instance, is_broken, query_failed, task_key)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import heartbeat_passed

REASONS = {
    'passed': 'every instance was ready',
    'fail fast': 'a task with status No, or paused or cancelled, or a StarRocks instance whose creation failed, '
                 'cannot recover by itself',
    'query failed': 'a query failed',
    'heartbeat failed': 'the heartbeat could not be measured',
    'timed out': 'wait_timeout was reached',
}


def not_there_yet(instance_id, problem, what='instance'):
    """An instance that is not there yet (``on_missing: wait``), as a result: a verdict, not a failed query, so
    the wait goes on; never ready, so the gate cannot pass while it lasts. ``not_found`` says what is missing
    ('instance', 'TaurusDB instance', 'StarRocks instances of TaurusDB instance')."""
    return {'instance_id': instance_id, 'not_found': what, 'all_ready': False, 'complete': False, 'consistent': False,
            'total_count': 0, 'replications': [], 'not_ready': [], 'missing_tasks': [], 'problems': [problem],
            'summary': {'total': 0, 'ready': 0, 'not_ready': 0, 'by_stage': {}, 'by_status': {}}, 'request_ids': []}


def is_not_there(result):
    return isinstance(result, dict) and bool(result.get('not_found')) and not query_failed(result)


class Appearances(object):
    """What the wait looks for and whether it was ever there, so the report can say what never appeared:
    the instances (found, or for a TaurusDB instance its StarRocks instances found) and the named or
    expected tasks of each instance (``missing_tasks`` of its verdict)."""

    def __init__(self, task_names=()):
        self.task_names = list(task_names)
        self.appeared = set()

    def see(self, results, looked_for=()):
        """One round's results; ``looked_for``: ids that may be not there (a TaurusDB instance whose
        StarRocks instances were found has no result of its own: having none is being there)."""
        by_id = dict((result.get('instance_id'), result) for result in results if isinstance(result, dict))
        for instance_id in set(looked_for) | set(by_id):
            result = by_id.get(instance_id)
            if result is None:
                self.appeared.add(instance_id)
            elif not query_failed(result) and not is_not_there(result):
                self.appeared.add(instance_id)
                missing = set(result.get('missing_tasks') or [])  # a set: as many names as tasks stay linear
                self.appeared.update((instance_id, name) for name in self.task_names if name not in missing)

    def missing(self, results):
        """What one round (the last) did not find, as (what, whether it was never there) pairs."""
        found = []
        for result in results:
            if not isinstance(result, dict) or query_failed(result):
                continue
            instance_id = result.get('instance_id')
            if is_not_there(result):
                found.append(('%s %s' % (result['not_found'], instance_id), instance_id not in self.appeared))
            found.extend(('task %s of instance %s' % (name, instance_id), (instance_id, name) not in self.appeared)
                         for name in result.get('missing_tasks') or [])
        return found


def broken_tasks(result):
    """The tasks of one result that will not recover without someone acting; and its StarRocks instance
    when that failed to be created (a state that is only not normal may pass: the wait waits for it)."""
    if query_failed(result):
        return set()
    broken = set((result.get('instance_id'),) + task_key(task) for task in result.get('not_ready') or []
                 if is_broken(task))
    if failed_instance(result):
        broken.add((result.get('instance_id'), 'instance state'))
    return broken


class WaitOutcome(object):
    """How the wait ended: ``passed``, ``reason`` (passed, fail fast, query failed, timed out), the
    last round's results, the number of rounds and the seconds it took."""

    def __init__(self, passed, reason, results, rounds, elapsed, heartbeat=None):
        self.passed, self.reason, self.results, self.rounds, self.elapsed = passed, reason, results, rounds, elapsed
        self.heartbeat = heartbeat  # the last round's heartbeat measurement (with freshness only)


class Waiter(object):

    def __init__(self, poll, wait_timeout, wait_sleep, ready_polls=1, fail_fast=True, fail_fast_polls=2,
                 clock=time.monotonic, sleep=time.sleep, on_round=None, fail_fast_after=0, freshness=None):
        self.poll = poll
        self.wait_timeout, self.wait_sleep = wait_timeout, wait_sleep
        self.ready_polls, self.fail_fast, self.fail_fast_polls = ready_polls, fail_fast, fail_fast_polls
        self.fail_fast_after = fail_fast_after
        self.clock, self.sleep = clock, sleep
        self.on_round = on_round or (lambda number, elapsed, results: None)
        # freshness.FreshnessCheck: a round passes only when the heartbeat it measures is within max_lag too
        self.freshness = freshness
        self.heartbeat = None  # the current round's measurement, for on_round

    def run(self, start=None):
        start = self.clock() if start is None else start
        deadline = start + self.wait_timeout
        rounds = ready_streak = 0
        seen_terminal = {}  # task -> (consecutive rounds it was seen terminal, when the first of them ended)
        while True:
            rounds += 1
            results = self.poll()
            ready = all_passed(results)
            if self.freshness is not None:
                self.heartbeat = self.freshness.check(ready, deadline if self.wait_timeout > 0 else None)
                ready = ready and heartbeat_passed(self.heartbeat, self.freshness.max_lag)
            now = self.clock()
            elapsed = now - start
            self.on_round(rounds, elapsed, results)
            ready_streak = ready_streak + 1 if ready else 0
            current = set()
            for result in results:
                current |= broken_tasks(result)
            seen_terminal = dict((task, self._seen_again(seen_terminal.get(task), now)) for task in current)
            outcome = self._ended(ready_streak, results, seen_terminal, deadline, now)
            if outcome is not None:
                return WaitOutcome(outcome[0], outcome[1], results, rounds, elapsed, self.heartbeat)
            self.sleep(self.wait_sleep)

    def _ended(self, ready_streak, results, seen_terminal, deadline, now):
        """(passed, reason) when this round (ended ``now``) ends the wait, else None."""
        if ready_streak >= self.ready_polls:
            return True, 'passed'
        # the deadline cuts the queries in flight (the client is bounded by it): a query that failed
        # in a round that ran into the deadline was ended by the deadline, not by the API
        timed_out = self.wait_timeout > 0 and self.clock() >= deadline
        if any(query_failed(result) for result in results):
            return False, 'timed out' if timed_out else 'query failed'
        if isinstance(self.heartbeat, dict) and self.heartbeat.get('failed'):
            return False, 'timed out' if timed_out else 'heartbeat failed'
        if self.fail_fast and any(self._gives_up(count, now - since) for count, since in seen_terminal.values()):
            return False, 'fail fast'
        # a round must start early enough to finish before the deadline: with the heartbeat, its measurement too
        reserve = 0.0 if self.freshness is None else self.freshness.max_lag + 1.0
        if self.clock() + self.wait_sleep + reserve >= deadline:
            return False, 'timed out'
        return None

    @staticmethod
    def _seen_again(seen, now):
        """(rounds in a row, when the first of them was) of a task seen broken again in the round ending ``now``."""
        rounds, since = seen or (0, now)
        return rounds + 1, since

    def _gives_up(self, rounds, seconds):
        """Whether a task seen broken in ``rounds`` rounds in a row, ``seconds`` apart from the first to the
        last, has stayed broken long enough: both thresholds are minimums, so each one a user sets holds."""
        return rounds >= self.fail_fast_polls and seconds >= self.fail_fast_after
