# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The replication verdict: each task normalized and judged, and the instance's result; what makes a
task ready, broken, worth explaining, and the same task; and when instance results pass the gate.

A task is ready when its status is Yes and its stage incremental, compared case-insensitively with
surrounding whitespace ignored (what README and the module docs say); unknown values and fields of
the wrong type are not ready. An instance is ready only when its listing is
complete and consistent, every named or expected task exists, there are at least ``min_tasks``
judged tasks, and every judged task is ready.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import math
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


def _selected(task, names, patterns):
    if not names and not patterns:
        return True
    name = task['task_name'] or ''
    return name in names or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


class ReadinessRule(object):
    """What the user asks of an instance: which tasks are judged, which must exist, how many at least."""

    def __init__(self, task_names=(), task_patterns=(), expected_tasks=(), min_tasks=1, require_catchup=False):
        self.task_names = list(task_names or [])
        self.task_patterns = list(task_patterns or [])
        self.expected_tasks = list(expected_tasks or [])
        self.min_tasks = 1 if min_tasks is None else min_tasks
        self.require_catchup = bool(require_catchup)


def verdict(instance_id, listing, rule, return_raw=False):
    """The per-instance result: tasks, summary, all_ready and every reason it is not."""
    names, patterns, expected = rule.task_names, rule.task_patterns, rule.expected_tasks
    tasks = [normalize(item, rule.require_catchup, return_raw) for item in listing['items']]
    present = set(task['task_name'] for task in tasks)
    selected = [t for t in tasks if _selected(t, names, patterns) or t['task_name'] in expected]
    problems = list(listing['problems'])
    missing = []
    for name, kind in [(name, 'expected') for name in expected] + [(name, 'named') for name in names]:
        if name not in present and name not in missing:
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
