# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Replication as code: one data synchronization task, keyed by its name, brought to the state declared.

``read_task`` reads what is there (the complete, consistent listing, then the task's configuration);
``plan`` says what to send (create, change, pause, resume, delete), only what differs; ``Applier`` sends
each step and waits for its job. A write is never sent again blindly: when its outcome is unknown (a 5xx,
a timeout, a lost answer), the task is read first and the write is sent again only if its effect is not
there - so a retry never creates a second task. The write APIs' facts are in docs/api-write.md.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.hints import ApiHints
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import (
    API_PATH, ReplicationQuery, list_replications)
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import get_config
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import NAME_LIMIT, shown
from ansible_collections.taurusdb.htap.plugins.module_utils.transport import WriteOutcomeUnknown

JOB_PATH = '/v3/%s/jobs'
JOB_FINAL = ('Completed', 'Failed')
JOB_KNOWN = ('Pending', 'Running') + JOB_FINAL
TASK_NOT_FOUND = 'DBS.270022'
# The SDK's rules (huaweicloudsdkgaussdb 3.1.219), checked before any request.
NAME_RE = re.compile(r'[A-Za-z0-9_]{3,128}\Z')
SOURCE_DATABASE_RE = re.compile(r'[A-Za-z0-9_]{3,1024}\Z')
SOURCE_INSTANCE_RE = re.compile(r'[A-Za-z0-9]{32}in07\Z')
SOURCE_NODE_RE = re.compile(r'[A-Za-z0-9]{32}no07\Z')
CREATE_NEEDS = ('source_instance_id', 'source_database', 'target_database')
# declared option -> the change body's field (ModifyDataSyncConfigRequestV3)
CHANGE_FIELDS = (('source_instance_id', 'source_instance_id'), ('source_node_id', 'source_node_id'),
                 ('source_database', 'source_database_name'), ('target_database', 'target_database_name'))
HINTS = ApiHints(permission='gaussdbformysql:htapInstance:*Replication',
                 codes={'DBS.200022': 'Check instance_id (the StarRocks instance) and that it is in this project '
                                      'and region.',
                        TASK_NOT_FOUND: 'The task is gone: read it again (run the task again).'})


class JobFailed(ApiError):
    """A write's job ended Failed, or did not end in time."""


def check_declared(params):
    """The declared task, checked before any request (the SDK's rules); raises OptionError."""
    check_instance_id(params['instance_id'])
    _check(params, 'task_name', NAME_RE, '3 to 128 letters, digits or underscores')
    _check(params, 'target_database', NAME_RE, '3 to 128 letters, digits or underscores')
    _check(params, 'source_database', SOURCE_DATABASE_RE, '3 to 1024 letters, digits or underscores')
    _check(params, 'source_instance_id', SOURCE_INSTANCE_RE, '32 letters or digits followed by "in07"')
    if params.get('source_node_id'):
        _check(params, 'source_node_id', SOURCE_NODE_RE, '32 letters or digits followed by "no07"')
    scope = params.get('table_repl_config')
    if scope and scope.get('tables') is not None:
        for table in scope['tables']:
            if not isinstance(table, str) or not table.strip():
                raise OptionError('table_repl_config.tables must be table names, got %r' % (table,))
        if scope.get('repl_scope') == 'all' and scope['tables']:
            raise OptionError('table_repl_config: repl_scope all replicates every table, so tables must be empty '
                              '(for some tables give repl_scope part)')


def _check(params, name, pattern, rule):
    value = params.get(name)
    if value is not None and not pattern.match(value):
        raise OptionError('%s must be %s, got %r' % (name, rule, value))


# --- what is there -------------------------------------------------------------------------------
def read_task(client, instance_id, task_name):
    """The task as the read APIs show it now, or None when the instance has no task of that name.

    From the complete, consistent listing (a partial one decides nothing: it is an error) and, for a task
    that is there, its configuration: dict(task_name, state (present or paused), stage, status,
    source_instance_id, source_node_id, source_database, target_database, table_repl_config)."""
    listing, _verdict = list_replications(client, instance_id, ReplicationQuery({}), proven=True)
    if listing['problems'] or not listing['complete'] or not listing['consistent']:
        raise ApiError('The task list of instance %s cannot be trusted, so nothing is changed: %s'
                       % (instance_id, '; '.join(listing['problems']) or 'incomplete'),
                       hint='Run the task again; the list changed while it was read.')
    rows = [row for row in listing['items'] if row.get('task_name') == task_name]
    if len(rows) > 1:
        raise OptionError('instance %s has %d tasks named %s; this module manages a task by its name, so it changes '
                          'none of them' % (instance_id, len(rows), task_name))
    if not rows:
        return None
    row = rows[0]
    try:
        config, _request_id = get_config(client, instance_id, task_name)
    except ApiError as exc:
        if exc.error_code == TASK_NOT_FOUND:  # deleted between the two reads
            return None
        raise
    stage = row.get('stage')
    return {
        'task_name': task_name,
        'state': 'paused' if isinstance(stage, str) and stage.strip().lower() == 'paused' else 'present',
        'stage': _text(stage),
        'status': _text(row.get('status')),
        'source_instance_id': config['source_instance_id'],
        'source_node_id': config['source_node_id'],
        'source_database': config['source_database'] or _text(row.get('source_database')),
        'target_database': config['target_database'] or _text(row.get('target_database')),
        'table_repl_config': config['table_repl_config'],
    }


def _text(value):
    return None if value is None else shown(value if isinstance(value, str) else str(value), NAME_LIMIT)


# --- what to send --------------------------------------------------------------------------------
def plan(declared, current):
    """The steps that bring ``current`` (read_task) to ``declared``: [(action, body)], empty when it is
    there. Only what is declared is compared; what a read API does not show is not declared here."""
    name = declared['task_name']
    if declared['state'] == 'absent':
        return [('delete', {'task_name': name})] if current is not None else []
    steps = []
    if current is None:
        missing = [option for option in CREATE_NEEDS if not declared.get(option)]
        if missing:
            raise OptionError('task %s does not exist; to create it give %s' % (name, ', '.join(missing)))
        body = dict((option, declared[option]) for option in CREATE_NEEDS + ('task_name',))
        if declared.get('source_node_id'):
            body['source_node_id'] = declared['source_node_id']
        steps.append(('create', body))
        current = created_view(declared)
    change = changes(declared, current)
    if change:
        steps.append(('change', dict(change, task_name=name)))
    if declared['state'] == 'paused' and current['state'] != 'paused':
        steps.append(('pause', {'task_name': name}))
    if declared['state'] == 'present' and current['state'] == 'paused':
        steps.append(('resume', {'task_name': name}))
    return steps


def created_view(declared):
    """What a task created from ``declared`` shows: running, with the API's default table scope."""
    return {'task_name': declared['task_name'], 'state': 'present', 'stage': None, 'status': None,
            'source_instance_id': declared.get('source_instance_id'),
            'source_node_id': declared.get('source_node_id') or None,
            'source_database': declared.get('source_database'), 'target_database': declared.get('target_database'),
            'table_repl_config': None}


def changes(declared, current):
    """The change body's fields (ModifyDataSyncConfigRequestV3 names) for what is declared and differs."""
    body = {}
    for option, field in CHANGE_FIELDS:
        wanted = declared.get(option)
        if wanted and wanted != current.get(option):  # source_node_id "" (the primary) is not compared
            body[field] = wanted
    scope = scope_change(declared.get('table_repl_config'), current.get('table_repl_config'))
    if scope is not None:
        body['table_repl_config'] = scope
    return body


def scope_change(wanted, current):
    """The table scope to send, or None when the declared keys hold already (tables compared as a set)."""
    if not wanted:
        return None
    wanted = dict((key, value) for key, value in wanted.items() if value is not None)
    current = current or {}
    differs = [key for key, value in wanted.items()
               if (set(value) if key == 'tables' else value)
               != (set(current.get(key) or []) if key == 'tables' else current.get(key))]
    if not differs:
        return None
    merged = dict((key, current.get(key)) for key in ('repl_type', 'repl_scope', 'tables') if current.get(key) is not None)
    merged.update(wanted)
    if merged.get('repl_scope') == 'all' and 'tables' not in wanted:
        merged['tables'] = []  # every table: the list read for part of them no longer applies
    if 'tables' in merged:
        merged['tables'] = sorted(set(merged['tables']), key=str)  # a server may have put a null among them
    return merged


def expected_after(declared, current):
    """The task as it will read after the plan is applied (None: absent)."""
    if declared['state'] == 'absent':
        return None
    after = dict(current or created_view(declared))
    for option, _field in CHANGE_FIELDS:
        if declared.get(option):
            after[option] = declared[option]
    scope = scope_change(declared.get('table_repl_config'), after.get('table_repl_config'))
    if scope is not None:
        after['table_repl_config'] = scope
    after['state'] = declared['state']
    return after


def diff_view(task):
    """A task as --diff shows it: what can be declared, and its state. What is not known (a new task's node and
    table scope, which the API chooses) is left out rather than shown as null."""
    if task is None:
        return {'state': 'absent'}
    keys = ('task_name', 'state', 'source_instance_id', 'source_node_id', 'source_database', 'target_database',
            'table_repl_config')
    return dict((key, task.get(key)) for key in keys if task.get(key) is not None)


def effect_there(action, body, task):
    """Whether the effect of a write is visible in ``task`` (read_task after it)."""
    if action == 'create':
        return task is not None
    if action == 'delete':
        return task is None
    if task is None:
        return False
    if action == 'pause':
        return task['state'] == 'paused'
    if action == 'resume':
        return task['state'] != 'paused'
    declared = dict((option, body.get(field)) for option, field in CHANGE_FIELDS)
    declared['table_repl_config'] = body.get('table_repl_config')
    return not changes(declared, task)


# --- sending, and the jobs -----------------------------------------------------------------------
WRITES = {'create': ('POST', ''), 'change': ('PUT', ''), 'delete': ('DELETE', ''),
          'pause': ('POST', '/pause'), 'resume': ('POST', '/resume')}
DOING = {'create': 'Creating', 'change': 'Changing', 'delete': 'Deleting', 'pause': 'Pausing', 'resume': 'Resuming'}


class Applier(object):
    """Sends the steps for one task and waits for each job, by ``deadline`` (time.monotonic()), polling every
    ``poll_interval`` seconds. ``clock`` and ``sleep`` are replaceable so tests drive it by requests."""

    def __init__(self, client, instance_id, deadline, poll_interval, clock=time.monotonic, sleep=time.sleep):
        self.client, self.instance_id = client, instance_id
        self.deadline, self.poll_interval = deadline, poll_interval
        self.clock, self.sleep = clock, sleep
        self.warnings = []
        self.done = []  # one dict a step begun: also after a failure, what was sent is known

    def apply(self, steps):
        """Each step sent and its job waited for, in order; returns what was done, one dict a step."""
        for action, body in steps:
            self.step(action, body)
        return self.done

    def step(self, action, body):
        done = dict(action=action, job_id=None, job_status=None, request_id=None, answer_lost=False, sent=0)
        self.done.append(done)
        answer = self._send(action, body, done)
        if answer is None:  # the write was done, its answer lost: there is no job to wait for
            return done
        job_id = answer.get('job_id') if isinstance(answer, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise ApiError('The %s of task %s was accepted without a job id (answer %s)'
                           % (action, body['task_name'], shown(repr(answer), NAME_LIMIT)),
                           request_id=done['request_id'],
                           hint='Read the task (taurusdb_starrocks_replication_info) before running this again.')
        done['job_id'] = shown(job_id, NAME_LIMIT)
        job = self.wait_job(job_id, action, body['task_name'], done)
        done['job_status'] = job['status']
        return done

    def _send(self, action, body, done):
        """The write's answer; None when its answer was lost but its effect is there. An unknown outcome is
        followed by a read, and the write is sent again (``retries`` times at most) only if its effect is not
        there. A create sent again and refused is a create whose first job is still running: its task is
        waited for. A delete sent again and refused as not found, its task gone, was done by the first."""
        method, suffix = WRITES[action]
        path = API_PATH % (self.client.api_project_id(), self.instance_id) + suffix
        what = '%s task %s of instance %s' % (DOING[action], body['task_name'], self.instance_id)
        lost = None
        for _attempt in range(self.client.settings.retries + 1):
            try:
                done['sent'] += 1
                answer, done['request_id'] = self.client.write_json(method, path, body, what, HINTS)
                return answer
            except WriteOutcomeUnknown as exc:
                lost = exc
                if effect_there(action, body, read_task(self.client, self.instance_id, body['task_name'])):
                    done.update(answer_lost=True, request_id=shown(exc.request_id, NAME_LIMIT))
                    exc.hint = None  # its advice (retry later) is what was done instead
                    self.warnings.append('%s: the answer was lost (%s), and the task read afterwards shows it done; '
                                         'it was not sent again' % (what, shown(str(exc))))
                    return None
            except ApiError as exc:
                if lost is not None and action == 'create' and exc.status == 400:
                    return self._await_creation(body, exc, done)
                if lost is not None and action == 'delete' and exc.error_code == TASK_NOT_FOUND \
                        and read_task(self.client, self.instance_id, body['task_name']) is None:
                    done['answer_lost'] = True  # the first delete's job ended meanwhile
                    self.warnings.append('%s: the answer was lost and the delete sent again was refused (%s); the '
                                         'task is gone' % (what, shown(str(exc))))
                    return None
                raise
            self.sleep(min(self.client.settings.retry_backoff, max(0.0, self.deadline - self.clock())))
        raise lost

    def _await_creation(self, body, refused, done):
        """A create whose answer was lost, sent again and refused (the name is taken): the first create's job
        is still running. Its task is waited for; the create is never sent a third time."""
        while True:
            if effect_there('create', body, read_task(self.client, self.instance_id, body['task_name'])):
                done['answer_lost'] = True
                self.warnings.append('Creating task %s: the answer was lost and the create sent again was refused '
                                     '(%s); the task created by the first one appeared'
                                     % (body['task_name'], shown(str(refused))))
                return None
            if self.clock() + self.poll_interval >= self.deadline:
                raise JobFailed('Creating task %s: the answer was lost, the create sent again was refused (%s), and '
                                'the task did not appear before wait_timeout' % (body['task_name'], shown(str(refused))),
                                hint='Read the task (taurusdb_starrocks_replication_info) before running this again.')
            self.sleep(self.poll_interval)

    def wait_job(self, job_id, action, task_name, done=None):
        """The job when it is Completed; JobFailed when it failed or did not end before the deadline."""
        while True:
            job = self.get_job(job_id)
            if done is not None:
                done.update(job_status=job['status'], fail_reason=job['fail_reason'])
            if job['status'] == 'Completed':
                return job
            if job['status'] == 'Failed':
                raise JobFailed('The %s of task %s failed: job %s ended Failed: %s'
                                % (action, task_name, job['id'], job['fail_reason'] or 'no reason given'),
                                hint='Fix the cause; nothing was changed by this job.')
            if self.clock() + self.poll_interval >= self.deadline:
                raise JobFailed('The %s of task %s did not end before wait_timeout: job %s is %s%s'
                                % (action, task_name, job['id'], job['status'],
                                   ' (%s)' % job['process'] if job['process'] else ''),
                                hint='The job goes on in the cloud; run the task again later to see the result.')
            self.sleep(self.poll_interval)

    def get_job(self, job_id):
        """One read of a job: dict(id, status, fail_reason, process), its text shown safely. A status the
        API does not document is not final (it is waited for, and named at the deadline)."""
        path = JOB_PATH % self.client.api_project_id()
        payload, request_id = self.client.get_json(path, [('id', job_id)], 'Reading job %s' % job_id)
        job = payload.get('job') if isinstance(payload, dict) else None
        if not isinstance(job, dict) or job.get('id') not in (None, job_id):
            raise ApiError('The answer about job %s has an unexpected shape' % job_id, request_id=request_id,
                           hint='Report it with the request id.')
        status = job.get('status')
        return {'id': shown(job_id, NAME_LIMIT),
                'status': status if status in JOB_KNOWN else 'unknown status %s' % shown(repr(status), NAME_LIMIT),
                'fail_reason': shown(str(job['fail_reason'])) if job.get('fail_reason') else None,
                'process': _text(job.get('process')) or ''}
