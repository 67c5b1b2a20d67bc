# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that put replication results into words, and choose the paused tasks to resume (the
replication_gate role uses them)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
from collections import Counter
import time

from ansible.errors import AnsibleFilterError

from ansible_collections.taurusdb.htap.plugins.module_utils.ids import STARROCKS_INSTANCE_RE
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    as_results, instance_passed, query_failed)
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import NAME_LIMIT, is_api_name, shown
from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate_text import gate_report, progress_line


def replication_progress(result, limit=5):
    return progress_line(result, limit)


def replication_report(results):
    return gate_report(as_results(results))


def poll_done(result, deadline, now):
    """Whether a loop stops polling an instance: it passed, the query failed, or time is up."""
    return query_failed(result) or instance_passed(result) or now >= deadline


def replication_poll_done(result, deadline):  # deprecated in meta/runtime.yml, which Ansible warns from
    problem = 'replication_poll_done: deadline must be a finite Unix time, got %s'
    try:
        seconds = float(deadline)
    except (TypeError, ValueError):
        raise AnsibleFilterError(problem % type(deadline).__name__) from None
    if not math.isfinite(seconds):  # NaN is never reached: polling would go on to the loop's end
        raise AnsibleFilterError(problem % seconds)
    return poll_done(result, seconds, time.time())


def replication_paused(instances):
    """The paused tasks of the gate's instance results that a resume can name: dict(resume, skipped).

    ``resume``: dict(instance_id, task_name) for each paused task; ``skipped``: the paused tasks that cannot be
    named safely, each with a reason - a name the API does not allow (it would be refused, or it is server text
    that must not reach a module's arguments) or one that several tasks of the instance share (the module
    manages a task by its name). A query that failed has no tasks to choose from: the gate judges it."""
    resume, skipped = [], []
    for result in instances if isinstance(instances, (list, tuple)) else []:
        tasks = result.get('replications') if isinstance(result, dict) else None
        if not isinstance(tasks, list):
            continue
        sharing = Counter(task.get('task_name') for task in tasks
                          if isinstance(task, dict) and isinstance(task.get('task_name'), str))
        for task in tasks:
            if not isinstance(task, dict) or task.get('stage') != 'paused':
                continue
            instance_id, name = result.get('instance_id'), task.get('task_name')
            reason = _unnamable(instance_id, name, sharing[name])
            if reason:
                skipped.append(dict(instance_id=shown(instance_id, NAME_LIMIT), task_name=shown(name, NAME_LIMIT),
                                    reason=reason))
            else:
                resume.append(dict(instance_id=instance_id, task_name=name))
    return dict(resume=resume, skipped=skipped)


def _unnamable(instance_id, name, sharing):
    """Why a paused task cannot be resumed by its name (None when it can)."""
    if not isinstance(instance_id, str) or not STARROCKS_INSTANCE_RE.match(instance_id):
        return 'the instance id is not a StarRocks instance id'
    if not is_api_name(name):
        return 'its name is not one the API allows (3 to 128 letters, digits or underscores)'
    if sharing > 1:
        return '%d tasks of the instance have this name, and a task is resumed by its name' % sharing
    return None


def replication_resumed(results, skipped=()):
    """What the resume loop did, from its results (each with ``item``, from replication_paused) and the
    tasks replication_paused skipped: dict(resumed, not_resumed, lines). A task is resumed only when its
    resume was sent and its job completed; in check mode the module plans the resume and sends nothing."""
    resumed, not_resumed, lines = [], [], []
    for result in results if isinstance(results, (list, tuple)) else []:
        item = result.get('item') if isinstance(result, dict) else None
        if not isinstance(item, dict):
            continue
        what = 'task %s of instance %s' % (shown(item.get('task_name'), NAME_LIMIT),
                                           shown(item.get('instance_id'), NAME_LIMIT))
        sent = [action for action in result.get('actions') or [] if isinstance(action, dict)]
        if result.get('failed'):
            reason = shown(str(result.get('msg') or 'the resume failed'))
            not_resumed.append(dict(item, reason=reason))
            lines.append('not resumed: %s - %s' % (what, reason))
        elif any(action.get('action') == 'resume' for action in sent):
            resumed.append(dict(item))
            lines.append('resumed: %s' % what)
        elif 'resume' in (result.get('planned') or []):
            lines.append('would resume: %s (check mode: nothing sent)' % what)
        else:
            lines.append('not resumed: %s - it was running again already' % what)
    for task in skipped if isinstance(skipped, (list, tuple)) else []:
        not_resumed.append(dict(task))
        lines.append('not resumed: task %s of instance %s - %s'
                     % (task.get('task_name'), task.get('instance_id'), task.get('reason')))
    return dict(resumed=resumed, not_resumed=not_resumed, lines=lines or ['no paused task to resume'])


class FilterModule(object):

    def filters(self):
        return {
            'replication_progress': replication_progress,
            'replication_report': replication_report,
            'replication_poll_done': replication_poll_done,
            'replication_paused': replication_paused,
            'replication_resumed': replication_resumed,
        }
