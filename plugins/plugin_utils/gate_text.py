# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Words for people, on the controller: the gate's progress lines and its report over instance
results. Whether results pass is the verdict's to say (``replication_verdict``); this only words it.
Used by the wait, the filters and the role; never part of a module's payload."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    IDENTITY_FIELDS, instance_passed, query_failed)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import heartbeat_line, heartbeat_passed
from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import is_not_there


def shown_status(task):
    """The task's status as the API and users spell it ('Yes', 'No'); the result's field stays lower-case."""
    return (task.get('status') or 'missing').capitalize()


def _task_state(task):
    """'full 42%', 'status No', 'paused' ... what keeps one task from being ready, briefly."""
    parts = []
    if task.get('status') != 'yes':
        parts.append('status %s' % shown_status(task))
    if task.get('stage') != 'incremental':
        pct = task.get('percentage')
        parts.append((task.get('stage') or 'no stage') + ('' if pct is None else ' %g%%' % pct))
    return ', '.join(parts) or '; '.join(task.get('reasons') or [])


def progress_line(result, limit=5):
    """One line about one instance: '3/5 ready; waiting on orders_db (full 42%)'."""
    if query_failed(result):
        return 'query failed: %s' % (result.get('msg') if isinstance(result, dict) else result)
    if is_not_there(result):
        return 'not there yet: %s' % '; '.join(result.get('problems') or [])
    summary = result.get('summary') or {}
    line = '%s/%s ready' % (summary.get('ready', 0), summary.get('total', 0))
    waiting = ['%s (%s)' % (task.get('task_name'), _task_state(task)) for task in result.get('not_ready') or []]
    if waiting:
        more = len(waiting) - limit
        line += '; waiting on ' + ', '.join(waiting[:limit]) + (' and %d more' % more if more > 0 else '')
    if result.get('problems'):
        line += '; ' + '; '.join(result['problems'])
    return line


def gate_report(results, passed=None, freshness=None):
    """The gate's verdict over several instance results (or failed module results), one block each.

    ``passed=False``: the wait did not pass, even if these results are all ready (its deadline came
    before ready_polls ready rounds in a row); the report then never says passed. The caller says why.
    ``freshness``: (heartbeat, max_lag) when the gate measures the heartbeat lag too: its line follows."""
    report = _instances_report(results, passed, freshness)
    if freshness is None or not results:
        return report
    heartbeat, max_lag = freshness
    line = heartbeat_line(heartbeat, max_lag)
    if all(instance_passed(result) for result in results) and not heartbeat_passed(heartbeat, max_lag):
        return 'Replication gate failed: all %d instance(s) ready, but %s.' % (len(results), line)
    if report.startswith('Replication gate passed'):
        return '%s; %s.' % (report[:-1], line)
    return '%s\n- %s' % (report, line)


def _instances_report(results, passed, freshness):
    if not results:
        return 'Replication gate failed: no instances were checked.'
    blocked = len([r for r in results if not instance_passed(r)])
    if not blocked and freshness is not None and not heartbeat_passed(*freshness):
        return ''  # gate_report says it
    if not blocked and passed is False:
        return 'Replication gate failed: all %d instance(s) ready in the last round, but the wait did not pass.' \
            % len(results)
    if not blocked:
        return 'Replication gate passed: all %d instance(s) ready.' % len(results)
    lines = ['Replication gate failed: %d of %d instance(s) not ready.' % (blocked, len(results))]
    for result in results:
        if not isinstance(result, dict):
            lines.append('- ?: unexpected result %r' % (result,))
            continue
        instance_id = result.get('instance_id', '?')
        if instance_passed(result):
            lines.append('- %s: ready' % instance_id)
        elif query_failed(result):
            lines.append('- %s: query failed' % instance_id)
            lines.append('    error: %s' % result.get('msg'))
        elif is_not_there(result):
            lines.append('- %s: NOT THERE, %s' % (instance_id, '; '.join(result.get('problems') or [])))
        else:
            summary = result.get('summary') or {}
            counts = (summary.get('ready', 0), summary.get('total', 0))
            lines.append('- %s: NOT READY, %s/%s tasks ready' % ((instance_id,) + counts))
            lines.extend('    problem: %s' % problem for problem in result.get('problems') or [])
            for task in result.get('not_ready') or []:
                lines.append('    task %s' % _task_line(task))
                lines.extend('      why: %s' % why for why in explanation_lines(task, result.get('explanations')))
    return '\n'.join(lines)


def _task_line(task):
    pct = task.get('percentage')
    return '%s (%s -> %s): status %s, stage %s, %s - %s' % (
        task.get('task_name'), task.get('source_database'), task.get('target_database'), shown_status(task),
        task.get('stage'), 'no percentage' if pct is None else '%g%%' % pct, '; '.join(task.get('reasons') or []))


def explanation_lines(task, explanations):
    """What the configuration API said about a broken task, if it was read (the report's and JUnit's "why")."""
    for entry in explanations or []:
        if all(entry.get(key) == task.get(key) for key in IDENTITY_FIELDS):
            if entry.get('error'):
                return ['the explanation could not be read: %s' % entry['error']]
            found = ['last ALTER TABLE failed: %s' % entry['last_error_of_alter_table']] \
                if entry.get('last_error_of_alter_table') else []
            return found + list(entry.get('failing_checks') or []) or ['no ALTER TABLE error and no failing check']
    return []


def round_line(number, elapsed, results, limit=3, freshness=None):
    """One line a round: 'round 3, 4s: 1/2 instance(s) ready; waiting on <id>: users_db (full 33%) ...'.
    ``freshness``: (heartbeat, max_lag) when the gate measures the heartbeat lag: the line ends with it."""
    line = _round_line(number, elapsed, results, limit)
    heartbeat = freshness[0] if freshness is not None else None
    if isinstance(heartbeat, dict) and (heartbeat.get('measured') or heartbeat.get('failed')):
        line += '; ' + heartbeat_line(*freshness)
    return line


def _round_line(number, elapsed, results, limit):
    ready = [result for result in results if instance_passed(result)]
    line = 'round %d, %ds: %d/%d instance(s) ready' % (number, int(elapsed), len(ready), len(results))
    parts, shown, hidden = [], 0, 0
    for result in results:
        if instance_passed(result):
            continue
        instance_id = result.get('instance_id', '?') if isinstance(result, dict) else '?'
        if query_failed(result):
            parts.append('%s: query failed' % instance_id)
            continue
        if is_not_there(result):
            parts.append('%s: not there yet (%s)' % (instance_id, '; '.join(result.get('problems') or [])))
            continue
        names = []
        for task in result.get('not_ready') or []:
            if shown < limit:
                names.append('%s (%s)' % (task.get('task_name'), _task_state(task)))
                shown += 1
            else:
                hidden += 1
        problems = result.get('problems') or []
        parts.append('%s: %s' % (instance_id, ', '.join(names) if names else (problems[0] if problems else 'not ready')))
    if parts:
        line += '; waiting on ' + '; '.join(parts) + (' and %d more task(s)' % hidden if hidden else '')
    return line


def missing_line(missing):
    """What the last round did not find (``waiter.Appearances.missing``), in one line: 'Never appeared:
    instance X; task t of instance Y.' and 'Missing again: ...' for what was there in an earlier round."""
    never = [what for what, never_there in missing if never_there]
    again = [what for what, never_there in missing if not never_there]
    titled = (('Never appeared', never), ('Missing again', again))
    return ' '.join('%s: %s.' % (title, '; '.join(whats)) for title, whats in titled if whats)
