# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gate's wait: rounds that query every instance at once, until one round sees all of them
ready (``ready_polls`` rounds in a row), a task that cannot recover by itself is seen in
``fail_fast_polls`` rounds in a row, a query fails, or the deadline comes.

No I/O of its own: ``poll()`` returns one result per instance (a failed query is a dict with
``failed`` and ``msg``); the clock and the sleep can be replaced, so tests drive it by rounds.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    all_passed, failed_instance, is_broken, query_failed, task_key)

REASONS = {
    'passed': 'every instance was ready',
    'fail fast': 'a task with status No, or paused or cancelled, or a StarRocks instance whose creation failed, '
                 'cannot recover by itself',
    'query failed': 'a query failed',
    'timed out': 'wait_timeout was reached',
}


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

    def __init__(self, passed, reason, results, rounds, elapsed):
        self.passed, self.reason, self.results, self.rounds, self.elapsed = passed, reason, results, rounds, elapsed


class Waiter(object):

    def __init__(self, poll, wait_timeout, wait_sleep, ready_polls=1, fail_fast=True, fail_fast_polls=2,
                 clock=time.monotonic, sleep=time.sleep, on_round=None):
        self.poll = poll
        self.wait_timeout, self.wait_sleep = wait_timeout, wait_sleep
        self.ready_polls, self.fail_fast, self.fail_fast_polls = ready_polls, fail_fast, fail_fast_polls
        self.clock, self.sleep = clock, sleep
        self.on_round = on_round or (lambda number, elapsed, results: None)

    def run(self, start=None):
        start = self.clock() if start is None else start
        deadline = start + self.wait_timeout
        rounds = ready_streak = 0
        seen_terminal = {}  # task -> consecutive rounds it was seen terminal
        while True:
            rounds += 1
            results = self.poll()
            elapsed = self.clock() - start
            self.on_round(rounds, elapsed, results)
            ready_streak = ready_streak + 1 if all_passed(results) else 0
            current = set()
            for result in results:
                current |= broken_tasks(result)
            seen_terminal = dict((task, seen_terminal.get(task, 0) + 1) for task in current)
            if ready_streak >= self.ready_polls:
                return WaitOutcome(True, 'passed', results, rounds, elapsed)
            if any(query_failed(result) for result in results):
                # the deadline cuts the queries in flight (the client is bounded by it): a query that failed
                # in a round that ran into the deadline was ended by the deadline, not by the API
                timed_out = self.wait_timeout > 0 and self.clock() >= deadline
                return WaitOutcome(False, 'timed out' if timed_out else 'query failed', results, rounds, elapsed)
            if self.fail_fast and any(count >= self.fail_fast_polls for count in seen_terminal.values()):
                return WaitOutcome(False, 'fail fast', results, rounds, elapsed)
            # a round must start early enough to finish before the deadline
            if self.clock() + self.wait_sleep >= deadline:
                return WaitOutcome(False, 'timed out', results, rounds, elapsed)
            self.sleep(self.wait_sleep)
