# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event source's heartbeat: measured every ``interval`` seconds (with ``heartbeat`` and ``max_lag``),
an event only when the lag crosses ``max_lag`` - ``lag_exceeded`` or ``lag_ok``. No I/O of its own: ``measure``
runs in a worker thread of the loop, ``observed`` turns its result into events with an explicit clock.

The first measurement always makes an event (the state before it is unknown); a measurement that fails
(a database error) or proves nothing (no row on the target, the heartbeat not seen) is ``lag_exceeded``:
when in doubt, not fresh.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import heartbeat_line, heartbeat_passed

LAG_EVENTS = ('lag_exceeded', 'lag_ok')


class LagWatch(object):

    def __init__(self, check, interval, now):
        self.check, self.interval = check, interval  # check: freshness.FreshnessCheck
        self.next_due, self.in_flight = now, False
        self.fresh = None  # unknown until the first measurement

    def due(self, now):
        return not self.in_flight and now >= self.next_due

    def measure(self):
        """The blocking measurement (in a worker thread): always, whatever the tasks say."""
        return self.check.check(True)

    def observed(self, heartbeat, now):
        """Events for a measurement: one when the lag crossed max_lag (or on the first), else none."""
        self.next_due = now + self.interval
        fresh = heartbeat_passed(heartbeat, self.check.max_lag)
        if fresh is self.fresh:
            return []
        initial, self.fresh = self.fresh is None, fresh
        return [{'type': 'lag_ok' if fresh else 'lag_exceeded', 'instance_id': None, 'task_name': None,
                 'initial': initial, 'max_lag': self.check.max_lag, 'heartbeat': heartbeat,
                 'message': heartbeat_line(heartbeat, self.check.max_lag)}]
