# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the replication watch remembers, and the events its changes make: no I/O, no threads, no asyncio.

What a poll found is compared with the last state of each task, and only changes become events; a failing
poll sets the instance's next poll further off (``interval``, doubled per failure, up to ``max_backoff``).
Only the last state of each task is kept, so memory stays flat however long the watch runs.

An event is handed to ansible-rulebook, which hands it to playbooks as trusted extra vars: every
event leaves through ``event_out``, so no text a server chose can render as a template there, reach
a terminal with control characters, or make an event grow without bound.

Kept apart from the loop (``watch_loop``) so that every rule here is tested with plain data and an
explicit clock, never with threads or time.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import time

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    IDENTITY_FIELDS, is_broken, task_key)
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import inert

MAX_INITIAL_NOT_READY = 100  # not-ready tasks listed in one initial_state event (each also has its own event)
EVENT_ITEMS = 100  # items of any list or mapping in an event (failing checks, problems...): the rest are counted

TASK_EVENTS = ('task_not_ready', 'task_ready', 'task_changed', 'task_appeared', 'task_vanished')
EVENT_TYPES = TASK_EVENTS + ('initial_state', 'problems_changed', 'query_failed', 'query_recovered',
                             'instance_appeared', 'instance_vanished', 'discovery_failed', 'discovery_recovered',
                             'lag_exceeded', 'lag_ok')  # the last two: watch_freshness, with heartbeat and max_lag

TaskState = collections.namedtuple('TaskState', 'status stage percentage ready broken reasons')


def task_state(task):
    return TaskState(task.get('status'), task.get('stage'), task.get('percentage'), bool(task.get('ready')),
                     is_broken(task), tuple(task.get('reasons') or ()))


def state_dict(state):
    if state is None:
        return None
    return dict(status=state.status, stage=state.stage, percentage=state.percentage, ready=state.ready,
                broken=state.broken, reasons=list(state.reasons))


def _error_key(error):
    return (error.get('status'), error.get('error_code'), error.get('error_msg') if error.get('status') else error.get('msg'))


class InstanceState(object):
    """What the watch remembers of one StarRocks instance: the last state of each task, nothing more."""

    __slots__ = ('instance_id', 'tasks', 'problems', 'seen', 'report_first', 'failures', 'error', 'failed_since',
                 'next_due', 'in_flight', 'polls', 'members')

    def __init__(self, instance_id, report_first, now):
        self.instance_id = instance_id
        self.tasks = {}  # task_key -> TaskState
        self.problems = ()
        self.seen = False  # a complete listing was seen
        self.report_first = report_first  # report the first state seen (initial_state, or found later)
        self.failures = 0  # consecutive failed polls
        self.error = None
        self.failed_since = None
        self.next_due = now
        self.in_flight = False
        self.polls = 0
        self.members = set()  # 'given' and/or the TaurusDB instances it was found under


class DiscoveryState(object):
    """One TaurusDB instance whose StarRocks instances are watched."""

    __slots__ = ('instance_id', 'members', 'seen', 'failures', 'error', 'next_due', 'in_flight')

    def __init__(self, instance_id, now):
        self.instance_id = instance_id
        self.members = ()
        self.seen = False
        self.failures = 0
        self.error = None
        self.next_due = now
        self.in_flight = False


def event_out(event, scrubber):
    """An event as it leaves the watch: no secret, every string (keys too) in the one form server text
    takes (no template opener, no control character, cut), no list or mapping of more than EVENT_ITEMS."""
    return inert(_bounded(scrubber.data(event)))


def _bounded(value):
    """JSON-like data with at most EVENT_ITEMS items in each list and mapping, and a note of how many more."""
    if isinstance(value, dict):
        items = list(value.items())
        kept = dict((key, _bounded(item)) for key, item in items[:EVENT_ITEMS])
        if len(items) > EVENT_ITEMS:
            kept['(%d more)' % (len(items) - EVENT_ITEMS)] = None
        return kept
    if isinstance(value, (list, tuple)):
        kept = [_bounded(item) for item in value[:EVENT_ITEMS]]
        if len(value) > EVENT_ITEMS:
            kept.append('(%d more)' % (len(value) - EVENT_ITEMS))
        return kept
    return value


def _event(kind, instance_id, task_name=None, **fields):
    event = {'type': kind, 'instance_id': instance_id, 'task_name': task_name}
    event.update(fields)
    return event


def _task_event(kind, state, key, old, new, initial=False):
    task = dict(zip(IDENTITY_FIELDS, key))
    return _event(kind, state.instance_id, key[0], task=task, old=state_dict(old), new=state_dict(new),
                  initial=initial)


class Watch(object):
    """The state of every watched instance, and the events its changes make."""

    def __init__(self, instance_ids=(), taurusdb_instance_ids=(), interval=60.0, max_backoff=600.0,
                 initial_state=True, clock=time.monotonic):
        self.interval = interval
        self.max_backoff = max(interval, max_backoff)
        self.initial_state = initial_state
        self.clock = clock
        now = clock()
        self.instances = collections.OrderedDict()
        self.discoveries = collections.OrderedDict(
            (instance_id, DiscoveryState(instance_id, now)) for instance_id in taurusdb_instance_ids)
        for instance_id in instance_ids:
            self._track(instance_id, 'given', initial_state, now)

    def _track(self, instance_id, member, report_first, now):
        state = self.instances.get(instance_id)
        if state is None:
            state = self.instances[instance_id] = InstanceState(instance_id, report_first, now)
        state.members.add(member)
        return state

    # --- scheduling ---------------------------------------------------------------------------
    def delay(self, failures):
        """Seconds to the next poll: the interval, doubled for each failure in a row, at most max_backoff."""
        if not failures:
            return self.interval
        return min(self.max_backoff, self.interval * 2 ** min(failures, 40))

    def due(self, now):
        """(discoveries, instances) due for a poll and not being polled."""
        return ([d for d in self.discoveries.values() if not d.in_flight and d.next_due <= now],
                [s for s in self.instances.values() if not s.in_flight and s.next_due <= now])

    def next_due(self):
        """When the next poll that is not in flight is due (None if every one is)."""
        times = [item.next_due for item in list(self.discoveries.values()) + list(self.instances.values())
                 if not item.in_flight]
        return min(times) if times else None

    # --- instances ------------------------------------------------------------------------------
    def observe(self, state, result):
        """Events for a poll that answered; the instance's state becomes what it found."""
        now = self.clock()
        events = []
        state.polls += 1
        if state.failures:
            events.append(_event('query_recovered', state.instance_id, failures=state.failures, error=state.error,
                                 failed_for=round(now - state.failed_since, 3)))
        state.failures, state.error, state.failed_since = 0, None, None
        state.next_due = now + self.delay(0)
        all_ready = bool(result.get('all_ready'))
        problems = tuple(result.get('problems') or ())
        if not (result.get('complete') and result.get('consistent')):
            # an incomplete listing says nothing about the tasks it lacks, and one with two different rows
            # for a task nothing about that task (the module's rule too): keep their last state
            if problems != state.problems:
                events.append(_event('problems_changed', state.instance_id, old=list(state.problems),
                                     new=list(problems), all_ready=all_ready))
                state.problems = problems
            return events
        tasks = collections.OrderedDict()
        for task in result.get('replications') or []:
            tasks[task_key(task)] = task_state(task)
        if not state.seen:
            state.seen = True
            state.problems = problems
            state.tasks = tasks
            if state.report_first:
                not_ready = [dict(task=dict(zip(IDENTITY_FIELDS, key)),
                                  **state_dict(task)) for key, task in tasks.items() if not task.ready]
                events.append(_event('initial_state', state.instance_id, all_ready=all_ready,
                                     total_count=result.get('total_count'), summary=result.get('summary'),
                                     problems=list(problems), not_ready=not_ready[:MAX_INITIAL_NOT_READY],
                                     not_ready_count=len(not_ready)))
                events.extend(dict(_task_event('task_not_ready', state, key, None, task, initial=True),
                                   all_ready=all_ready)
                              for key, task in tasks.items() if not task.ready)
            return events
        changes = []
        for key, new in tasks.items():
            old = state.tasks.get(key)
            if old is None:
                changes.append(_task_event('task_appeared', state, key, None, new))
            elif old.ready and not new.ready:
                changes.append(_task_event('task_not_ready', state, key, old, new))
            elif new.ready and not old.ready:
                changes.append(_task_event('task_ready', state, key, old, new))
            elif not new.ready and (old.status, old.stage, old.broken) != (new.status, new.stage, new.broken):
                changes.append(_task_event('task_changed', state, key, old, new))
        changes.extend(_task_event('task_vanished', state, key, old, None)
                       for key, old in state.tasks.items() if key not in tasks)
        state.tasks = tasks
        if problems != state.problems:
            changes.append(_event('problems_changed', state.instance_id, old=list(state.problems),
                                  new=list(problems)))
            state.problems = problems
        for event in changes:
            event['all_ready'] = all_ready
        return events + changes

    def failed(self, state, error):
        """Events for a poll that failed: one when the instance starts failing or its error changes."""
        now = self.clock()
        state.polls += 1
        state.failures += 1
        retry_in = self.delay(state.failures)
        state.next_due = now + retry_in
        changed = state.error is None or _error_key(state.error) != _error_key(error)
        if state.failed_since is None:
            state.failed_since = now
        state.error = error
        if not changed:
            return []
        return [_event('query_failed', state.instance_id, error=error, consecutive_failures=state.failures,
                       retry_in=retry_in)]

    # --- discovery ------------------------------------------------------------------------------
    def discovered(self, discovery, instance_ids):
        """Events for a discovery that answered; instances found start being watched, those gone stop."""
        now = self.clock()
        events = []
        if discovery.failures:
            events.append(_event('discovery_recovered', discovery.instance_id, taurusdb_instance_id=discovery.instance_id,
                                 failures=discovery.failures, error=discovery.error))
        discovery.failures, discovery.error = 0, None
        discovery.next_due = now + self.delay(0)
        first = not discovery.seen
        discovery.seen = True
        for instance_id in instance_ids:
            if instance_id in discovery.members:
                continue
            known = instance_id in self.instances
            self._track(instance_id, discovery.instance_id, self.initial_state if first else True, now)
            if not first and not known:
                events.append(_event('instance_appeared', instance_id, taurusdb_instance_id=discovery.instance_id))
        for instance_id in discovery.members:
            if instance_id in instance_ids:
                continue
            state = self.instances.get(instance_id)
            if state is None:
                continue
            state.members.discard(discovery.instance_id)
            if not state.members:
                del self.instances[instance_id]
                events.append(_event('instance_vanished', instance_id, taurusdb_instance_id=discovery.instance_id,
                                     tasks=len(state.tasks)))
        discovery.members = tuple(instance_ids)
        return events

    def discovery_failed(self, discovery, error):
        now = self.clock()
        discovery.failures += 1
        retry_in = self.delay(discovery.failures)
        discovery.next_due = now + retry_in
        changed = discovery.error is None or _error_key(discovery.error) != _error_key(error)
        discovery.error = error
        if not changed:
            return []
        return [_event('discovery_failed', discovery.instance_id, taurusdb_instance_id=discovery.instance_id,
                       error=error, consecutive_failures=discovery.failures, retry_in=retry_in,
                       watching=list(discovery.members))]
