# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The replication verdict: each task normalized and judged, and the instance's result; what makes a
task ready, broken, worth explaining, and the same task; and when instance results pass the gate.

A task is ready when its status is Yes and its stage incremental, compared case-insensitively with
surrounding whitespace ignored (what README and the module docs say); unknown values and fields of
the wrong type are not ready. An instance is ready only when its listing is
complete and consistent, every named or expected task exists, there are at least ``min_tasks``
judged tasks, and every judged task is ready; and, when its StarRocks instance's own state is judged
(``with_instance_state``), only when that state is normal (``instance_state_reasons``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import math
import re
from collections.abc import Iterable, Mapping

from ansible_collections.taurusdb.htap.plugins.module_utils.paging import canonical
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import (
    NAME_LIMIT, carriable, name_problems, repr_text, shown)

KNOWN_STAGES = ('wait', 'incremental', 'full', 'cancelled', 'paused')
TEXT_FIELDS = ('task_name', 'source_database', 'target_database', 'status', 'stage', 'catchup_stage')
BRIEF_FIELDS = ('task_name', 'source_database', 'target_database', 'status', 'stage', 'percentage', 'reasons')
# A task is its name with its databases (two tasks may share a name).
IDENTITY_FIELDS = ('task_name', 'source_database', 'target_database')
# Stages a task does not leave by itself.
TERMINAL_STAGES = ('cancelled', 'paused')
# A StarRocks instance's status when it is normal, as the HTAP instance listing spells it (lower-case, like
# the Terraform provider's wait for "normal"); and the status of one whose creation failed, which it does not
# leave by itself. Other statuses (creating, abnormal, rebooting...) are not normal but may pass.
NORMAL_INSTANCE_STATUS = 'normal'
FAILED_INSTANCE_STATUSES = ('createfail',)
ACTIONS_SHOWN = 5
# What makes an fnmatch pattern more than the one name it spells.
WILDCARD_RE = re.compile(r'[*?[]')


def task_key(task):
    """A task's identity as a tuple (name, source database, target database)."""
    return tuple(task.get(field) for field in IDENTITY_FIELDS)


def is_broken(task):
    """Whether a judged task cannot become ready without someone acting: status No (abnormal), or a
    stage it does not leave by itself (paused, cancelled). The wait fails fast on it; the watch says so."""
    return task.get('status') == 'no' or task.get('stage') in TERMINAL_STAGES


def needs_explaining(task):
    """Whether the configuration API can say why a judged task is not ready: status No (it failed). A
    paused or cancelled task was stopped by someone, and a syncing one has nothing to explain."""
    return task.get('status') == 'no'


def query_failed(result):
    """Whether an instance result is a failed query (a module result whose failure was turned off, with
    failed_when: false, too): anything that is not a verdict."""
    return not isinstance(result, dict) or bool(result.get('failed')) or 'all_ready' not in result


def instance_passed(result):
    """Whether one instance result passes the gate."""
    return not query_failed(result) and result.get('all_ready') is True


def all_passed(results):
    """The gate over several instance results: never true when nothing was checked."""
    return bool(results) and all(instance_passed(result) for result in results)


def as_results(value):
    """Instance results as a list, from what a user hands a filter or test: one result (a dict), several, or
    nothing to judge - None (what a lookup with errors='ignore' gives), text or anything else that is not a
    list of results is no results."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return list(value)
    return []


def to_percentage(value):
    """Numbers, numeric strings (with or without '%') or null; None when not numeric."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().rstrip('%'))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _flag(value):
    """An API flag as True or False (absent or null: not set); None when it is neither, so in doubt. The
    listing sends booleans; 0 and 1 are taken too (the instance details API sends is_frozen so)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
        return value.strip().lower() == 'true'
    return None


def _value(value):
    """A server value quoted for a message: text quoted and shown safely, anything else as JSON."""
    return repr_text(value) if isinstance(value, str) else shown(canonical(value), NAME_LIMIT)


def _actions(actions):
    """The running actions, briefly: 'RESTART (running), RESIZE_FLAVOR'."""
    words = []
    for action in actions[:ACTIONS_SHOWN]:
        if not isinstance(action, Mapping):
            words.append(_value(action))
            continue
        name, status = action.get('action'), action.get('status')
        word = shown(name, NAME_LIMIT) if isinstance(name, str) and name else 'an unnamed action'
        words.append(word + (' (%s)' % shown(status, NAME_LIMIT) if isinstance(status, str) and status else ''))
    more = len(actions) - ACTIONS_SHOWN
    return ', '.join(words) + (' and %d more' % more if more > 0 else '')


def instance_state_failed(item):
    """Whether a StarRocks instance (an entry of the HTAP instance listing) failed to be created: status
    createfail or a create_fail_error_code. It does not become normal by itself: the wait fails fast on it."""
    state = item.get('instance_state') if isinstance(item, Mapping) else None
    if not isinstance(state, Mapping):
        return False
    status = state.get('instance_status')
    return (isinstance(status, str) and status.strip().lower() in FAILED_INSTANCE_STATUSES) \
        or state.get('create_fail_error_code') not in (None, '')


def instance_state_reasons(item):
    """Why a StarRocks instance (an entry of the HTAP instance listing) is not in a normal state; none when it
    is: status normal, no creation failure, no restart pending for parameters, not frozen, no running actions.
    A state that is missing or of the wrong type is not normal (in doubt, not ready)."""
    state = item.get('instance_state') if isinstance(item, Mapping) else None
    if not isinstance(state, Mapping):
        return ['the instance has no instance_state']
    reasons = []
    status, message = state.get('instance_status'), state.get('fail_message')
    detail = ' (fail_message %s)' % _value(message) if message not in (None, '') else ''
    if status is None or status == '':
        reasons.append('status is missing%s' % detail)
    elif not isinstance(status, str):
        reasons.append('status is %s, not text%s' % (_value(status), detail))
    elif status.strip().lower() != NORMAL_INSTANCE_STATUS:
        reasons.append('status is %s%s' % (_value(status.strip()), detail))
    if state.get('create_fail_error_code') not in (None, ''):
        reasons.append('creation failed (create_fail_error_code %s)' % _value(state['create_fail_error_code']))
    for container, name, why in ((state, 'wait_restart_for_params', 'a restart is pending for parameter changes'),
                                 (item, 'is_frozen', 'frozen')):
        flag = _flag(container.get(name))
        if flag is None:
            reasons.append('%s is %s, not a boolean' % (name, _value(container.get(name))))
        elif flag:
            reasons.append('%s (%s)' % (why, name))
    actions = item.get('current_actions')
    if isinstance(actions, list) and actions:
        reasons.append('running actions: %s (current_actions)' % _actions(actions))
    elif actions is not None and not isinstance(actions, list):
        reasons.append('current_actions is %s, not a list' % _value(actions))
    return reasons


def judged_instance_state(item, taurusdb_instance_id):
    """A StarRocks instance's own state as a result carries it (``instance_state``): the API's fields, typed,
    with ``normal``, ``failed`` (creation failed) and the ``reasons`` it is not normal."""
    state = item.get('instance_state') if isinstance(item.get('instance_state'), Mapping) else {}
    status = state.get('instance_status')
    actions = item.get('current_actions') if isinstance(item.get('current_actions'), list) else []
    reasons = instance_state_reasons(item)
    return {
        'taurusdb_instance_id': taurusdb_instance_id,
        'status': _lower(status) if isinstance(status, str) else None,
        'create_fail_error_code': _text_or_none(state.get('create_fail_error_code')),
        'fail_message': _text_or_none(state.get('fail_message')),
        'wait_restart_for_params': _flag(state.get('wait_restart_for_params')),
        'is_frozen': _flag(item.get('is_frozen')),
        'current_actions': [shown(action.get('action'), NAME_LIMIT) for action in actions
                            if isinstance(action, Mapping) and isinstance(action.get('action'), str)],
        'normal': not reasons,
        'failed': instance_state_failed(item),
        'reasons': reasons,
    }


def unknown_instance_state(taurusdb_instance_id, reason):
    """The state of a StarRocks instance that could not be read this round: not normal, and why."""
    return {'taurusdb_instance_id': taurusdb_instance_id, 'status': None, 'create_fail_error_code': None,
            'fail_message': None, 'wait_restart_for_params': None, 'is_frozen': None, 'current_actions': [],
            'normal': False, 'failed': False, 'reasons': [reason]}


def with_instance_state(result, state):
    """An instance result with its StarRocks instance's own state (``judged_instance_state`` or
    ``unknown_instance_state``): not ready unless that state is normal, each reason a problem."""
    if query_failed(result):
        return dict(result, instance_state=state)
    reasons = list(state.get('reasons') or []) or ([] if state.get('normal') is True else ['state unknown'])
    return dict(result, instance_state=state, all_ready=result.get('all_ready') is True and not reasons,
                problems=list(result.get('problems') or []) + ['instance state: %s' % reason for reason in reasons])


def failed_instance(result):
    """Whether an instance result says its StarRocks instance failed to be created (see instance_state_failed)."""
    state = result.get('instance_state') if isinstance(result, Mapping) else None
    return isinstance(state, Mapping) and state.get('failed') is True


def _text_or_none(value):
    if value in (None, ''):
        return None
    return shown(value) if isinstance(value, str) else _value(value)


def _lower(value):
    """A status or stage as compared: stripped, lower-case, then shown safely (server text)."""
    if value is None:
        return None
    return shown(value.strip().lower(), NAME_LIMIT) or None


def _field(item, name, reasons):
    """A text field as text; a field of the wrong type (a number too: the API sends text) is shown as
    JSON and makes the task not ready."""
    value = item.get(name)
    if value is None or isinstance(value, str):
        return value
    reasons.append('%s is %s, not text' % (name, type(value).__name__))
    return canonical(value)


def normalize(item, require_catchup=False, return_raw=False):
    """Typed, lower-cased view of one task with its own readiness verdict (and the row as sent, if asked)."""
    reasons = []
    fields = dict((name, _field(item, name, reasons)) for name in TEXT_FIELDS)
    status, stage, catchup = _lower(fields['status']), _lower(fields['stage']), _lower(fields['catchup_stage'])
    task = dict([
        ('task_name', shown(fields['task_name'], NAME_LIMIT)),
        ('source_database', shown(fields['source_database'], NAME_LIMIT)),
        ('target_database', shown(fields['target_database'], NAME_LIMIT)),
        ('status', status),
        ('stage', stage),
        ('percentage', to_percentage(item.get('percentage'))),
        ('catchup_stage', catchup),
        ('catchup_percentage', to_percentage(item.get('catchup_percentage'))),
    ])
    if not (fields['task_name'] or '').strip():
        reasons.append('the task has no name')
    reasons.extend(name_problems(item))
    if status != 'yes':
        if status == 'no':
            reasons.append('status is No (abnormal)')
        else:
            reasons.append('unknown status %s' % _quoted(fields['status']))
    if stage != 'incremental':
        if stage in KNOWN_STAGES:
            reasons.append('stage is %s%s' % (stage, _pct(task['percentage'])))
        elif stage is None:
            reasons.append('stage is missing')
        else:
            reasons.append('unknown stage %s' % _quoted(fields['stage']))
    if require_catchup and catchup not in (None, 'incremental'):
        reasons.append('catch-up stage is %s%s' % (catchup, _pct(task['catchup_percentage'])))
    task['ready'] = not reasons
    task['reasons'] = reasons
    if return_raw:
        task['original'] = carriable(dict(item))
    return task


def _quoted(text):
    return 'None' if text is None else repr_text(text)


def _pct(value):
    return '' if value is None else ' (%s%%)' % ('%g' % value)


class TaskMatcher(object):
    """``task_names`` and ``task_patterns`` (fnmatch-style) as a task's name is matched against them, in time
    that does not grow with how many there are: names, and patterns without a wildcard (each matches only
    itself), in a set; the other patterns by the literal text before their first wildcard, so that a name is
    tried only against the patterns it begins like. Neither given: every task matches."""

    def __init__(self, names=(), patterns=()):
        self.every_task = not names and not patterns
        self.exact = set(names)
        self.by_prefix = {}
        for pattern in patterns:
            wildcard = WILDCARD_RE.search(pattern)
            if wildcard is None:
                self.exact.add(pattern)
            else:
                self.by_prefix.setdefault(pattern[:wildcard.start()], set()).add(pattern)
        self.prefix_lengths = sorted(set(len(prefix) for prefix in self.by_prefix))

    def matches(self, name):
        if self.every_task or name in self.exact:
            return True
        for length in self.prefix_lengths:
            if length > len(name):
                break
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in self.by_prefix.get(name[:length], ())):
                return True
        return False


class ReadinessRule(object):
    """What the user asks of an instance: which tasks are judged, which must exist, how many at least."""

    def __init__(self, task_names=(), task_patterns=(), expected_tasks=(), min_tasks=1, require_catchup=False):
        self.task_names = list(task_names or [])
        self.task_patterns = list(task_patterns or [])
        self.expected_tasks = list(expected_tasks or [])
        self.min_tasks = 1 if min_tasks is None else min_tasks
        self.require_catchup = bool(require_catchup)


class NormalizedRows(object):
    """Rows normalized ahead of their verdict (as their pages arrive), found again by the row itself: a
    verdict takes a row's task from here when it is that very row, and normalizes any other."""

    def __init__(self, rule, return_raw=False):
        self.require_catchup, self.return_raw = rule.require_catchup, return_raw
        self._tasks = {}  # id(row): (row, task); the row is kept, so its id names no other row meanwhile

    def add(self, rows):
        for row in rows:
            self._tasks[id(row)] = (row, normalize(row, self.require_catchup, self.return_raw))

    def task(self, row):
        known = self._tasks.get(id(row))
        if known is not None and known[0] is row:
            return known[1]
        return normalize(row, self.require_catchup, self.return_raw)


def verdict(instance_id, listing, rule, return_raw=False, normalized=None):
    """The per-instance result: tasks, summary, all_ready and every reason it is not. ``normalized``: the
    NormalizedRows of this rule and return_raw that holds rows normalized already."""
    names, patterns, expected = rule.task_names, rule.task_patterns, rule.expected_tasks
    normalized = normalized or NormalizedRows(rule, return_raw)
    tasks = [normalized.task(item) for item in listing['items']]
    present = set(task['task_name'] for task in tasks)
    matcher, expected_names = TaskMatcher(names, patterns), set(expected)
    selected = [t for t in tasks if matcher.matches(t['task_name'] or '') or t['task_name'] in expected_names]
    problems = list(listing['problems'])
    missing, reported = [], set()
    for name, kind in [(name, 'expected') for name in expected] + [(name, 'named') for name in names]:
        if name not in present and name not in reported:
            reported.add(name)
            missing.append(name)
            problems.append('%s task %s is missing' % (kind, name))
    if len(selected) < rule.min_tasks:
        what = 'matching tasks' if names or patterns else 'tasks'
        problems.append('only %d %s, at least %d required (min_tasks)' % (len(selected), what, rule.min_tasks))
    not_ready = [dict((key, task[key]) for key in BRIEF_FIELDS) for task in selected if not task['ready']]
    by_stage, by_status = {}, {}
    for task in selected:
        by_stage[task['stage'] or 'none'] = by_stage.get(task['stage'] or 'none', 0) + 1
        by_status[task['status'] or 'none'] = by_status.get(task['status'] or 'none', 0) + 1
    return {
        'instance_id': instance_id,
        'total_count': listing['total'],
        'ext_text': shown(listing.get('ext_text')),
        'complete': listing['complete'],
        'consistent': bool(listing.get('consistent')),
        'replications': selected,
        'summary': {'total': len(selected), 'ready': len(selected) - len(not_ready), 'not_ready': len(not_ready),
                    'by_stage': by_stage, 'by_status': by_status},
        'all_ready': not problems and not not_ready and listing['complete'] and bool(listing.get('consistent')),
        'not_ready': not_ready,
        'missing_tasks': missing,
        'problems': problems,
        'request_ids': [rid for rid in listing['request_ids'] if rid],
    }
