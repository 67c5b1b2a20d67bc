# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gate's data-freshness check: the heartbeat lag (module_utils/heartbeat.py measures it), judged
against ``max_lag`` and worded for the report, the progress lines and the events.

A round measures the lag only when every instance was ready (a broken task stops the copy anyway, and a
measurement that writes can take up to ``max_lag``). The verdict never trusts a single flag: the lag must be
a finite number, seen on the target, and within ``max_lag``; anything else is not fresh.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import time

from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import HEARTBEAT_OPTIONS, SIDES, check_settings

# The options of the wait and the event source that measure the lag (the lag module takes HEARTBEAT_OPTIONS at the top).
FRESHNESS_SPEC = dict(heartbeat=dict(type='dict', options=HEARTBEAT_OPTIONS), max_lag=dict(type='float'))
NOT_MEASURED = 'not measured: the tasks were not all ready'


def heartbeat_passed(heartbeat, max_lag):
    """Whether a measurement proves the target fresh: a finite lag, seen, within max_lag."""
    if not isinstance(heartbeat, dict) or heartbeat.get('failed') or not heartbeat.get('measured'):
        return False
    lag = heartbeat.get('lag_seconds')
    if isinstance(lag, bool) or not isinstance(lag, (int, float)) or not math.isfinite(lag) or lag < 0:
        return False
    return heartbeat.get('seen') is True and heartbeat.get('within_max_lag') is True and lag <= max_lag


def _seconds(value):
    return '%.3g s' % value if value < 10 else '%d s' % round(value)


def heartbeat_line(heartbeat, max_lag):
    """One line for people: 'heartbeat lag 0.42 s (max_lag 5 s)', or why it is not fresh."""
    limit = '(max_lag %s)' % _seconds(max_lag)
    if not isinstance(heartbeat, dict):
        return 'heartbeat %s' % NOT_MEASURED
    if heartbeat.get('failed'):
        previous = heartbeat.get('previous')
        return 'heartbeat failed: %s%s' % (str(heartbeat.get('msg')).rstrip('.'), '' if not isinstance(previous, dict) else
                                           '; the measurement before: %s' % heartbeat_line(previous, max_lag))
    if not heartbeat.get('measured'):
        return 'heartbeat %s' % (heartbeat.get('msg') or NOT_MEASURED)
    lag = heartbeat.get('lag_seconds')
    if heartbeat_passed(heartbeat, max_lag):
        return 'heartbeat lag %s %s' % (_seconds(lag), limit)
    if not isinstance(lag, (int, float)) or isinstance(lag, bool) or not math.isfinite(lag):
        return 'heartbeat lag unknown %s: the target holds no heartbeat row' % limit
    if lag < 0:
        return 'heartbeat lag unknown %s: the target holds a heartbeat from the future (written in another ' \
               'time zone than UTC, or a wrong clock)' % limit
    if heartbeat.get('wrote') and not heartbeat.get('seen'):
        return 'heartbeat lag over %s %s: the heartbeat written was not seen on the target; ' \
               'what it holds is %s old' % (_seconds(max_lag), limit, _seconds(lag))
    return 'heartbeat lag %s exceeds max_lag %s' % (_seconds(lag), _seconds(max_lag))


def heartbeat_secrets(options):
    """The databases' passwords among options (validated or as given), for the scrubber."""
    heartbeat = (options or {}).get('heartbeat')
    sides = [heartbeat.get(side) for side in SIDES] if isinstance(heartbeat, dict) else []
    return [side['login_password'] for side in sides
            if isinstance(side, dict) and isinstance(side.get('login_password'), str) and side['login_password']]


def freshness_problem(params, has_driver, who):
    """What is wrong with the heartbeat options, if anything, before any request: both or neither, what an
    argument spec cannot say (heartbeat.check_settings), and the driver to measure."""
    if (params.get('heartbeat') is None) != (params.get('max_lag') is None):
        return 'heartbeat and max_lag go together: the heartbeat lag is judged against max_lag (seconds)'
    if params.get('heartbeat') is None:
        return None
    try:
        check_settings(params['heartbeat'], params['max_lag'], 0)
    except ValueError as exc:  # OptionError
        return 'heartbeat: %s' % exc
    if not has_driver:
        return ('the heartbeat needs the Python library PyMySQL where %s runs (pip install PyMySQL); '
                'without heartbeat and max_lag it is not needed' % who)
    return None


class FreshnessCheck(object):
    """Measures the heartbeat lag for a round: ``check(ready, deadline)`` returns the heartbeat dict the
    results carry (``measured``; the measurement; or ``failed`` and ``msg`` with the database error).

    ``measure`` is heartbeat.measure_lag; ``error_class`` the exception it raises for a database failure
    (both given so this module needs no database driver); ``scrub`` cleans an error's text of secrets."""

    def __init__(self, settings, max_lag, measure, error_class, scrub=lambda text: text, clock=time.monotonic):
        # plain Python data, as a module gets its options: the database driver refuses ansible-core's tagged
        # values (a templated port is an _AnsibleTaggedInt, which PyMySQL does not take for an int)
        self.settings, self.max_lag = json.loads(json.dumps(settings)), max_lag
        self.measure, self.error_class, self.scrub, self.clock = measure, error_class, scrub, clock
        self.last = None  # the last measurement made, for a failure to refer to

    def check(self, ready, deadline=None):
        if not ready:
            return {'measured': False, 'msg': NOT_MEASURED, 'max_lag': self.max_lag}
        # waiting for the heartbeat to arrive longer than max_lag proves nothing more: it is late either way
        wait_timeout = self.max_lag + 1.0
        if deadline is not None:
            wait_timeout = max(0.0, min(wait_timeout, deadline - self.clock()))
        try:
            found = self.measure(self.settings, self.max_lag, wait_timeout, deadline=deadline)
        except (self.error_class, ValueError) as exc:  # ValueError: settings no longer usable (a ca_cert gone)
            # the one before, when there was one: a measurement the deadline cut still leaves the lag known
            return {'measured': False, 'failed': True, 'msg': self.scrub(str(exc)), 'max_lag': self.max_lag,
                    'side': getattr(exc, 'side', None), 'host': getattr(exc, 'host', None), 'previous': self.last}
        heartbeat = dict(found, measured=True, max_lag=self.max_lag)
        heartbeat['within_max_lag'] = heartbeat_passed(heartbeat, self.max_lag)
        self.last = heartbeat
        return heartbeat
