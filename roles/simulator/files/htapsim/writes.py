"""The write side of the StarRocks data synchronization API, and its jobs (huaweicloudsdkgaussdb 3.1.219).

Create (POST), change (PUT) and delete (DELETE) on .../starrocks/databases/replication, pause and resume
(POST .../replication/pause and .../resume) each answer a ``job_id``; ``GET /v3/{project_id}/jobs?id=``
shows the job. A write changes nothing at once: its job moves Pending -> Running -> Completed (or Failed)
by requests for it (or by the scenario's clock), and only when it completes do the listing and the
configuration API show the change. See docs/simulator.md, "Writes and jobs".
"""

import copy
import json
import re
import threading
import uuid
from urllib.parse import parse_qs

from .scenario import TIMELINE_KEYS, ScenarioError, deep_merge, default_config, task_state

WRITE_RE = re.compile(r'^/v3/(?P<project>[^/]+)/instances/(?P<instance>[^/]+)/starrocks/databases/replication'
                      r'(?P<action>/pause|/resume)?/?$')
JOBS_RE = re.compile(r'^/v3/(?P<project>[^/]+)/jobs/?$')
# (method, path suffix) -> the write's action; its route name in /__sim__/stats is replication_<action>
ACTIONS = {('POST', None): 'create', ('PUT', None): 'change', ('DELETE', None): 'delete',
           ('POST', '/pause'): 'pause', ('POST', '/resume'): 'resume'}
ROUTES = tuple('replication_%s' % action for action in ACTIONS.values())
# The job's name: the SDK's request model of the write, without "Request" (the simulator's choice).
JOB_NAMES = {'create': 'CreateStarRocksDataReplication', 'change': 'ModifyDataSync',
             'delete': 'DeleteStarRocksDataReplication', 'pause': 'PauseStarRocksDataReplication',
             'resume': 'ResumeStarRocksDataReplication'}
JOB_STATUSES = ('Pending', 'Running', 'Completed', 'Failed')
TASK_NOT_FOUND = ('DBS.270022', 'The data synchronization task does not exist.')
INVALID = 'DBS.200001'
NAME_RE = re.compile(r'^[A-Za-z0-9_]{3,128}$')  # task_name, target_database(_name): the SDK's rule
SOURCE_DATABASE_RE = re.compile(r'^[A-Za-z0-9_]{3,1024}$')  # source_database(_name): ModifyDataSyncConfigRequestV3
SOURCE_INSTANCE_RE = re.compile(r'^[A-Za-z0-9]{32}in07$')
SOURCE_NODE_RE = re.compile(r'^[A-Za-z0-9]{32}no07$')
CREATE_FIELDS = ('source_instance_id', 'source_node_id', 'source_database', 'target_database', 'task_name')
CHANGE_FIELDS = ('source_instance_id', 'source_node_id', 'source_database_name', 'task_name', 'db_configs',
                 'tables_configs', 'table_repl_config', 'target_database_name', 'is_instance_level_sync',
                 'database_repl_scope', 'is_support_reg_exp')
CHOICES = {'is_instance_level_sync': ('true', 'false'), 'database_repl_scope': ('all', 'part'),
           'is_support_reg_exp': ('true', 'false')}
REPL_CHOICES = {'repl_type': ('include_tables', 'exclude_tables'), 'repl_scope': ('all', 'part')}
LIST_ITEMS = {'db_configs': ('param_name', 'value'), 'tables_configs': ('table_name', 'table_config')}
# The scenario's `writes` key, its defaults.
WRITES_DEFAULTS = {'job': {'pending': 1, 'running': 1, 'by': 'requests'},
                   'created': {'sync': {'full': 2}},
                   'failures': []}
CREATED_KEYS = ('status', 'stage', 'percentage', 'catchup_stage', 'catchup_percentage', 'sync', 'steps')
FAILURE_KEYS = ('route', 'fail_job', 'error_after_apply', 'code', 'message')


class WriteError(Exception):
    """A write refused before anything is done: (status, error code, message)."""


def check_scenario(data):
    """The scenario's `writes` key with its defaults; raises ScenarioError."""
    writes = data.get('writes') or {}
    if not isinstance(writes, dict) or set(writes) - set(WRITES_DEFAULTS):
        raise ScenarioError('writes is a mapping of %s' % ', '.join(WRITES_DEFAULTS))
    job = dict(WRITES_DEFAULTS['job'], **(writes.get('job') or {}))
    if set(job) - set(WRITES_DEFAULTS['job']) or job['by'] not in ('requests', 'seconds') \
            or not all(isinstance(job[key], (int, float)) and job[key] >= 0 for key in ('pending', 'running')):
        raise ScenarioError('writes.job is a mapping of pending and running (numbers >= 0) '
                            'and by (requests or seconds)')
    created = writes.get('created', WRITES_DEFAULTS['created'])
    if not isinstance(created, dict) or set(created) - set(CREATED_KEYS):
        raise ScenarioError('writes.created is a mapping of %s' % ', '.join(CREATED_KEYS))
    return {'job': job, 'created': copy.deepcopy(created), 'failures': check_failures(writes.get('failures') or [])}


def check_failures(failures):
    """Failure rules (scenario `writes.failures`, POST /__sim__/writes); raises ScenarioError."""
    if not isinstance(failures, list):
        raise ScenarioError('failures is a list')
    for rule in failures:
        if not isinstance(rule, dict) or set(rule) - set(FAILURE_KEYS) \
                or ('fail_job' in rule) == ('error_after_apply' in rule) \
                or rule.get('route', 'any') not in tuple(JOB_NAMES) + ('any',):
            raise ScenarioError('a write failure is a mapping with route (%s or any) and one of fail_job (a reason) '
                                'or error_after_apply (an HTTP status), and code, message'
                                % ', '.join(JOB_NAMES))
    return [dict(rule) for rule in failures]


def _timestamp(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S+0000')


def _shifted(template, requests, seconds):
    """The created task's timeline, counted from the moment it is created rather than from the scenario's start."""
    task = copy.deepcopy(template)
    if task.get('sync'):
        offset = seconds if task['sync'].get('by') == 'seconds' else requests
        task['sync']['wait'] = float(task['sync'].get('wait', 0)) + offset
    for step in task.get('steps') or []:
        step['at'] = float(step['at']) + (seconds if step.get('by') == 'seconds' else requests)
    return task


class Writes:
    """The jobs of one simulator run and the write failures still to come; reset with the scenario."""

    def __init__(self, scenario, world, seconds, utcnow):
        self.config = scenario['writes']
        self.world = world
        self.seconds, self.utcnow = seconds, utcnow
        self.failures = list(self.config['failures'])
        self.jobs = {}
        self.lock = threading.Lock()

    # --- jobs --------------------------------------------------------------------------------
    def _new_job(self, action, instance, change, fail_reason=None):
        job = {'id': str(uuid.uuid4()), 'name': JOB_NAMES[action], 'action': action, 'change': change,
               'instance': {'id': instance['id'], 'name': instance.get('name', 'starrocks-%s' % instance['id'][:8])},
               'project_id': instance['project_id'], 'created': _timestamp(self.utcnow()),
               'created_at': self.seconds(), 'polls': 0, 'status': 'Pending', 'ended': '',
               'fail_reason': fail_reason}
        self.jobs[job['id']] = job
        return job

    def _status_now(self, job):
        """Pending for `pending` polls of the job (or seconds since it began), Running for `running` more, then done."""
        steps = self.config['job']
        if steps['by'] == 'seconds':
            elapsed = self.seconds() - job['created_at']
            pending, running = elapsed < steps['pending'], elapsed < steps['pending'] + steps['running']
        else:
            pending, running = job['polls'] <= steps['pending'], job['polls'] <= steps['pending'] + steps['running']
        if pending:
            return 'Pending'
        if running:
            return 'Running'
        return 'Failed' if job['fail_reason'] else 'Completed'

    def _advance(self, job):
        if job['status'] in ('Completed', 'Failed'):
            return
        job['status'] = self._status_now(job)
        if job['status'] in ('Completed', 'Failed'):
            self._finish(job)

    def _finish(self, job):
        job['ended'] = _timestamp(self.utcnow())
        if job['status'] == 'Completed':
            reason = self.world.edit_tasks(job['instance']['id'], job['change'])
            if reason:  # the world changed under the job (a control request): it fails, as a real one would
                job['status'], job['fail_reason'] = 'Failed', reason

    def settle(self):
        """Finish the jobs whose time has come (``by: seconds``): before any read, so reads see their changes."""
        if self.config['job']['by'] != 'seconds':
            return
        with self.lock:
            for job in list(self.jobs.values()):
                self._advance(job)

    def show_job(self, project_id, job_id):
        """GET /v3/{project_id}/jobs?id=: one poll of the job (it moves by polls), as ShowGaussMySqlJobInfoResponse."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job['project_id'] != project_id:
                return None
            job['polls'] += 1
            self._advance(job)
            status = job['status']
            return {'job': {'id': job['id'], 'name': job['name'], 'status': status, 'created': job['created'],
                            'ended': job['ended'], 'process': '50%' if status == 'Running' else '',
                            'instance': dict(job['instance']), 'entities': {},
                            'fail_reason': job['fail_reason'] or ''}}

    def job_counts(self):
        with self.lock:
            counts = dict.fromkeys(JOB_STATUSES, 0)
            for job in self.jobs.values():
                counts[job['status']] += 1
            return counts

    def snapshot(self):
        """GET /__sim__/writes: every job (without its change) and the failures still to come."""
        with self.lock:
            jobs = [{key: value for key, value in job.items() if key != 'change'} for job in self.jobs.values()]
            return {'jobs': jobs, 'failures': list(self.failures)}

    def add_failures(self, failures):
        with self.lock:
            self.failures.extend(check_failures(failures))

    # --- writes --------------------------------------------------------------------------------
    def write(self, action, instance, body):
        """Validate and accept one write: returns (status, answer). Raises WriteError when refused."""
        self.settle()
        fields = CREATE_FIELDS if action == 'create' else CHANGE_FIELDS if action == 'change' else ('task_name',)
        request = _json_object(body, fields)
        name = request.get('task_name')
        if action == 'create':
            _check_create(request, instance)
        else:
            _check_name('task_name', name)
            if action == 'change':
                _check_change(request, instance)
        with self.lock:
            task, present = self._task_now(instance, name)
            if action == 'create' and (present is not None or self._creating(instance, name)):
                raise WriteError(400, INVALID, 'Invalid parameter: a data synchronization task named %s exists' % name)
            if action != 'create' and present is None:
                raise WriteError(400, *TASK_NOT_FOUND)
            failure = self._next_failure(action)
            change = Change(action, request, self.config['created'], self.seconds)
            job = self._new_job(action, instance, change, (failure or {}).get('fail_job'))
            if failure and 'error_after_apply' in failure:  # done at once, then the answer is lost
                job['status'] = 'Completed'
                self._finish(job)
                raise WriteError(int(failure['error_after_apply']), failure.get('code', 'DBS.200000'),
                                 failure.get('message', 'Internal server error.'))
        answer = {'job_id': job['id']}
        if action == 'change':
            answer = dict(_change_answer(instance, task, present, request), job_id=job['id'])
        return 200, answer

    def _next_failure(self, action):
        for index, rule in enumerate(self.failures):
            if rule.get('route', 'any') in (action, 'any'):
                return self.failures.pop(index)
        return None

    def _creating(self, instance, name):
        return any(job['action'] == 'create' and job['instance']['id'] == instance['id']
                   and job['status'] in ('Pending', 'Running') and not job['fail_reason']
                   and job['change'].task_name == name for job in self.jobs.values())

    def _task_now(self, instance, name):
        """The task named so and its fields as the instance's last listing showed it, or (None, None)."""
        listed = self.world.requests[instance['id']]
        for task in instance['tasks']:
            if task['task_name'] == name:
                state = task_state(task, self.seconds(), listed)
                if state is not None:
                    return task, state
        return None, None


class Change:
    """What a completed job does to the instance's task list (World.edit_tasks calls it under its lock).

    Returns None when done, or the fail_reason of a job that cannot be done any more."""

    def __init__(self, action, request, created, seconds):
        self.action, self.request, self.created, self.seconds = action, request, created, seconds
        self.task_name = request['task_name']

    def __call__(self, tasks, requests):
        seconds = self.seconds()
        present = [task for task in tasks if task['task_name'] == self.task_name
                   and task_state(task, seconds, requests) is not None]
        if self.action == 'create':
            if present:
                return 'a data synchronization task named %s exists' % self.task_name
            tasks.append(self._new_task(requests, seconds))
            return None
        if not present:
            return TASK_NOT_FOUND[1]
        task = present[0]
        if self.action == 'delete':
            tasks.remove(task)
            return None
        if self.action != 'change':  # a change of names or table scope does not stop the copy in progress
            _freeze(task, seconds, requests)
        getattr(self, '_' + self.action)(task)
        return None

    def _new_task(self, requests, seconds):
        task = {'task_name': self.task_name, 'source_database': self.request['source_database'],
                'target_database': self.request['target_database'], 'status': 'Yes', 'stage': 'full',
                'percentage': 0, 'catchup_stage': None, 'catchup_percentage': 0}
        if self.request.get('source_node_id'):  # a read-only node; none: the instance's primary
            task['config'] = {'source_node_id': self.request['source_node_id']}
        task.update(_shifted(self.created, requests, seconds))
        return task

    @staticmethod
    def _pause(task):
        if str(task.get('stage')).lower() != 'paused':
            task['resume_stage'] = task.get('stage')
            task['stage'] = 'paused'

    @staticmethod
    def _resume(task):
        if str(task.get('stage')).lower() == 'paused':
            task['stage'] = task.pop('resume_stage', None) or 'Incremental'

    def _change(self, task):
        request = self.request
        task['source_database'] = request.get('source_database_name', task['source_database'])
        task['target_database'] = request.get('target_database_name', task['target_database'])
        if request.get('source_node_id'):
            task['config'] = deep_merge(task.get('config') or {}, {'source_node_id': request['source_node_id']})
        if 'table_repl_config' in request:
            scope = request['table_repl_config']
            scopes = {'table_repl_config': scope, 'new_table_repl_config': scope, 'is_tables_change': False}
            task['config'] = deep_merge(task.get('config') or {}, scopes)
        options = {key: request[key] for key in CHANGE_FIELDS if key in request and key in CHOICES}
        task['sync_options'] = dict(task.get('sync_options') or {}, **options)  # accepted; no read API shows them


def _change_answer(instance, task, state, request):
    """ModifyDataSyncResponse without job_id: the task's names as they will be, and its checks."""
    config = deep_merge(default_config(instance, state), task.get('config'))
    return {'source_database_name': request.get('source_database_name', state['source_database']),
            'target_database_name': request.get('target_database_name', state['target_database']),
            'source_db_config_check_results': config['database_info']['db_config_check_results'],
            'tbl_config_check_results': config['table_infos'],
            'task_name': state['task_name']}


def _freeze(task, seconds, requests):
    """The task is what it shows now from here on: a write ends its timeline."""
    task.update(task_state(task, seconds, requests))
    for key in TIMELINE_KEYS:
        task.pop(key, None)


def _json_object(body, fields):
    try:
        request = json.loads(body or b'null')
    except ValueError:
        request = None
    if not isinstance(request, dict):
        raise WriteError(400, INVALID, 'Invalid parameter: the body is not a JSON object')
    unknown = sorted(set(request) - set(fields))
    if unknown:  # the simulator's strictness: a field the API does not know is a client's bug
        raise WriteError(400, INVALID, 'Invalid parameter: unknown field(s) %s' % ', '.join(unknown))
    return request


def _check_name(field, value, pattern=NAME_RE, rule='3 to 128 letters, digits or underscores'):
    if value is None:
        raise WriteError(400, INVALID, 'Invalid parameter: %s is required' % field)
    if not isinstance(value, str) or not pattern.match(value):
        raise WriteError(400, INVALID, 'Invalid parameter: %s must be %s' % (field, rule))


def _check_source(request, instance, required):
    if required or 'source_instance_id' in request:
        _check_name('source_instance_id', request.get('source_instance_id'), SOURCE_INSTANCE_RE,
                    '36 letters or digits ending in in07 (a TaurusDB instance)')
        if request['source_instance_id'] != instance['source_instance_id']:
            raise WriteError(400, INVALID, 'Invalid parameter: source_instance_id is not the TaurusDB instance of '
                                           'StarRocks instance %s' % instance['id'])
    if request.get('source_node_id'):  # empty: the primary node
        _check_name('source_node_id', request['source_node_id'], SOURCE_NODE_RE,
                    '36 letters or digits ending in no07 (a TaurusDB node)')


def _check_create(request, instance):
    _check_name('task_name', request.get('task_name'))
    _check_source(request, instance, required=True)
    _check_name('source_database', request.get('source_database'), SOURCE_DATABASE_RE,
                '3 to 1024 letters, digits or underscores')
    _check_name('target_database', request.get('target_database'))


def _check_change(request, instance):
    _check_source(request, instance, required=False)
    if 'source_database_name' in request:
        _check_name('source_database_name', request['source_database_name'], SOURCE_DATABASE_RE,
                    '3 to 1024 letters, digits or underscores')
    if 'target_database_name' in request:
        _check_name('target_database_name', request['target_database_name'])
    for field, choices in CHOICES.items():
        if field in request and request[field] not in choices:
            raise WriteError(400, INVALID, 'Invalid parameter: %s must be one of %s' % (field, ', '.join(choices)))
    for field, keys in LIST_ITEMS.items():
        if field in request and not _list_of_objects(request[field], keys):
            raise WriteError(400, INVALID, 'Invalid parameter: %s is a list of objects of %s'
                             % (field, ', '.join(keys)))
    if 'table_repl_config' in request:
        _check_table_repl_config(request['table_repl_config'])


def _list_of_objects(value, keys):
    return isinstance(value, list) and all(
        isinstance(item, dict) and not set(item) - set(keys) and all(isinstance(v, str) for v in item.values())
        for item in value)


def _check_table_repl_config(scope):
    if not isinstance(scope, dict) or set(scope) - {'repl_type', 'repl_scope', 'tables'}:
        raise WriteError(400, INVALID, 'Invalid parameter: table_repl_config is an object of repl_type, repl_scope, '
                                       'tables')
    for field, choices in REPL_CHOICES.items():
        if field in scope and scope[field] not in choices:
            raise WriteError(400, INVALID, 'Invalid parameter: table_repl_config.%s must be one of %s'
                             % (field, ', '.join(choices)))
    tables = scope.get('tables', [])
    if not isinstance(tables, list) or not all(isinstance(table, str) and table for table in tables):
        raise WriteError(400, INVALID, 'Invalid parameter: table_repl_config.tables is a list of table names')


def write_counts(routes):
    """/__sim__/stats `writes`: write requests per action (every answer counted, refusals too), and their total."""
    counts = {action: routes.get('replication_%s' % action, 0) for action in JOB_NAMES}
    counts['total'] = sum(counts.values())
    return counts


def control(writes, method, body):
    """GET /__sim__/writes: jobs and failures to come; POST {"failures": [...]}: more failures. (status, answer)"""
    if method == 'POST':
        try:
            request = json.loads(body or b'{}')
            writes.add_failures(request['failures'] if isinstance(request, dict) else None)
        except (ValueError, KeyError) as exc:  # ScenarioError is a ValueError
            return 400, {'error': str(exc)}
    return 200, writes.snapshot()


class WriteRoutes:
    """Handler methods for the write routes and the jobs route (mixed into server.Handler)."""

    def _write_route(self, method, parts, body):
        """Answer a write or jobs request and return True, or return False for any other request."""
        match = WRITE_RE.match(parts.path)
        action = match and ACTIONS.get((method, match.group('action')))
        if action:
            self.entry.update(route='replication_%s' % action, instance=match.group('instance'))
            self._write(action, parts, match, body)
            return True
        match = JOBS_RE.match(parts.path)
        if match and method == 'GET':
            self.entry['route'] = 'jobs'
            self._job(parts, match, body)
            return True
        return False

    def _write(self, action, parts, match, body):
        found = self._starrocks_instance(parts, match, body)
        if found is None:
            return
        instance, fault = found
        try:
            status, answer = self.state.writes.write(action, instance, body)
        except WriteError as exc:
            self._error(*exc.args)
            return
        self._send(status, answer, fault=fault)

    def _job(self, parts, match, body):
        fault = self._gate(parts, match, body)
        if fault is True:
            return
        job_id = (parse_qs(parts.query, keep_blank_values=True).get('id') or [''])[-1]
        if not job_id:
            self._error(400, INVALID, 'Invalid parameter: id is required')
            return
        answer = self.state.writes.show_job(match.group('project'), job_id)
        if answer is None:
            self._error(400, INVALID, 'Invalid parameter: job %s does not exist' % job_id)
            return
        self._send(200, answer, fault=fault)
