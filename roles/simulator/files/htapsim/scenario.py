"""Scenario files: instances, their tasks and timelines, credentials and faults.

See docs/simulator.md for the format. A scenario is plain data; ``World`` holds the mutable
state of one run (clock start, per-instance request counts, fault counters).
"""

import copy
import json
import os
import random
import threading

import yaml

SCENARIO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'scenarios')

DEFAULT_PROJECT = '0123456789abcdef0123456789abcdef'
DEFAULT_CREDENTIALS = {
    'aksk': [
        {'ak': 'SIMAK0000000000000001', 'sk': 'simsk-secret-0000000000000000000000001',
         'project_id': DEFAULT_PROJECT},
        {'ak': 'SIMAKTEMP00000000001', 'sk': 'simsk-temporary-00000000000000000001',
         'project_id': DEFAULT_PROJECT, 'security_token': 'sim-security-token-0001'},
    ],
    'users': [
        {'name': 'sim-user', 'password': 'sim-password-1', 'domain': 'sim-domain',
         'projects': {'cn-north-4': DEFAULT_PROJECT}},
    ],
    'token_ttl': 86400,
    # The account's IAM projects, as GET /v3/projects?name=<region> lists them to any of its credentials.
    'projects': [
        {'id': DEFAULT_PROJECT, 'name': 'cn-north-4'},
        {'id': 'e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3', 'name': 'cn-east-3'},
    ],
}
# The cloud-server metadata service: temporary AK/SK valid `ttl` seconds of the simulator's clock, for
# `project_id`; `agency: false` is a server without an agency, `require_token: true` one that answers
# securitykey only with a session token (X-Metadata-Token).
METADATA_DEFAULTS = {'ttl': 3600, 'agency': True, 'require_token': False, 'project_id': DEFAULT_PROJECT}
TASK_FIELDS = ('source_database', 'target_database', 'task_name', 'status', 'stage',
               'percentage', 'catchup_stage', 'catchup_percentage')
# POST /__sim__/task: its keys, the fields `set` may change, and the timeline keys a change drops.
TASK_CHANGE_KEYS = ('instance_id', 'task_name', 'source_database', 'target_database', 'set', 'add', 'delete')
TASK_SETTABLE = tuple(field for field in TASK_FIELDS if field != 'task_name') + ('config',)
TIMELINE_KEYS = ('sync', 'steps', 'appear_after', 'vanish_after', 'appear_by', 'vanish_by')
FAULT_KINDS = ('latency', 'throttle', 'error', 'reset', 'slow_body', 'truncated_json',
               'html_error', 'total_drift')
FAULT_ROUTES = ('api', 'iam', 'metadata', 'all')
# The TaurusDB instance a StarRocks instance replicates from, when the scenario names none, and
# its node (TaurusDB node ids end in no07).
DEFAULT_SOURCE_INSTANCE = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
MAX_HTAP_INSTANCES = 4  # max_htap_instance_num_of_taurus unless a TaurusDB instance says otherwise
# Fields of HtapInstanceListInstances (huaweicloudsdkgaussdb 3.1.219) a StarRocks instance may set
# directly; `status`, `create_fail_error_code`, `fail_message` and `wait_restart_for_params` go
# into its `instance_state`.
HTAP_DISPLAY_DEFAULTS = {
    'engine_name': 'star-rocks', 'engine_version': '3.1.6', 'create_at': 1735689600000,
    'is_frozen': False, 'ha_mode': 'Cluster', 'pay_model': '0', 'order_id': '', 'alter_order_id': '',
    'data_vip': '192.168.0.10', 'readable_node_infos': [], 'proxy_ips': [], 'data_vip_v6': '',
    'port': 9030, 'available_zones': [{'code': 'cn-north-4a', 'description': 'AZ1', 'az_type': 'single'}],
    'current_actions': [], 'volume_type': 'ULTRAHIGH', 'server_type': 'x86', 'enterprise_project_id': '0',
    'dedicated_resource_id': '',
    'network': {'vpc_id': '5c5c5c5c-0000-4000-8000-000000000001', 'sub_net_id': '5c5c5c5c-0000-4000-8000-000000000002',
                'security_group_id': '5c5c5c5c-0000-4000-8000-000000000003'},
    'ch_master_node_id': '', 'node_num': 3,
}
INSTANCE_STATE_DEFAULTS = {'status': 'normal', 'create_fail_error_code': '', 'fail_message': '',
                           'wait_restart_for_params': False}
# `state_steps` of a StarRocks instance change these fields as its HTAP listings go on (e.g. restarting, then normal).
STATE_STEP_FIELDS = ('name',) + tuple(HTAP_DISPLAY_DEFAULTS) + tuple(INSTANCE_STATE_DEFAULTS)


class ScenarioError(ValueError):
    pass


def scenario_names():
    return sorted(name[:-4] for name in os.listdir(SCENARIO_DIR) if name.endswith('.yml'))


def load_scenario(source):
    """Load a scenario from a bundled name, a YAML/JSON file path, or a dict."""
    if isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        path = source
        if not os.path.exists(path):
            path = os.path.join(SCENARIO_DIR, '%s.yml' % source)
        if not os.path.exists(path):
            raise ScenarioError('no scenario file or bundled scenario named %r (bundled: %s)'
                                % (source, ', '.join(scenario_names())))
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        data = json.loads(text) if path.endswith('.json') else yaml.safe_load(text)
    return validate(data)


def validate(data):
    if not isinstance(data, dict) or not isinstance(data.get('instances'), list):
        raise ScenarioError('a scenario is a mapping with an "instances" list')
    data.setdefault('name', 'custom')
    data.setdefault('page_size', 50)
    data.setdefault('loose_types', False)
    data.setdefault('faults', [])
    data.setdefault('clock', 'real')
    if data['clock'] not in ('real', 'manual'):
        raise ScenarioError('clock is real or manual, got %r' % (data['clock'],))
    data['credentials'] = data.get('credentials') or copy.deepcopy(DEFAULT_CREDENTIALS)
    data['credentials'].setdefault('projects', copy.deepcopy(DEFAULT_CREDENTIALS['projects']))
    metadata = data.get('metadata') or {}
    if not isinstance(metadata, dict) or set(metadata) - set(METADATA_DEFAULTS):
        raise ScenarioError('metadata is a mapping of %s' % ', '.join(sorted(METADATA_DEFAULTS)))
    data['metadata'] = dict(METADATA_DEFAULTS, **metadata)
    proxy = data.get('proxy') or {}
    if not isinstance(proxy, dict) or set(proxy) - {'user', 'password'}:
        raise ScenarioError('proxy is a mapping of user and password (proxy authentication)')
    data['proxy'] = proxy
    seen = set()
    for inst in data['instances']:
        if 'id' not in inst:
            raise ScenarioError('every instance needs an "id"')
        if inst['id'] in seen:
            raise ScenarioError('instance %s is listed twice' % inst['id'])
        seen.add(inst['id'])
        inst.setdefault('project_id', DEFAULT_PROJECT)
        inst.setdefault('faults', [])
        tasks = list(inst.get('tasks') or [])
        tasks.extend(_generate(inst.get('generate')))
        inst['tasks'] = [_task(t) for t in tasks]
        _check_state_steps(inst)
        _check_faults(data['faults'] + inst['faults'])
    _check_faults(data['faults'])
    _taurusdb_instances(data, seen)
    from .heartbeat import check_scenario  # pylint: disable=import-outside-toplevel  # it imports this module
    data['heartbeat'] = check_scenario(data)
    # it imports this module
    from .writes import check_scenario as check_writes  # pylint: disable=import-outside-toplevel
    data['writes'] = check_writes(data)
    return data


def _check_state_steps(inst):
    steps = inst.get('state_steps') or []
    if not isinstance(steps, list):
        raise ScenarioError('state_steps of instance %s is a list' % inst['id'])
    for step in steps:
        if not isinstance(step, dict) or 'at' not in step or step.get('by', 'requests') not in ('requests', 'seconds') \
                or set(step) - set(STATE_STEP_FIELDS + ('at', 'by')):
            raise ScenarioError('a state step of instance %s is a mapping of at, by (requests or seconds) and fields '
                                'of its HTAP listing entry (%s)' % (inst['id'], ', '.join(STATE_STEP_FIELDS)))


def instance_now(instance, seconds, reads):
    """A StarRocks instance with its `state_steps` applied: a step applies from the instance's `at`-th HTAP
    listing on (`by: requests`, the default), or from `at` seconds of the clock on (`by: seconds`)."""
    now = dict(instance)
    for step in instance.get('state_steps') or []:
        if (seconds if step.get('by') == 'seconds' else reads) >= float(step['at']):
            now.update((name, value) for name, value in step.items() if name not in ('at', 'by'))
    return now


def _check_faults(rules):
    for rule in rules:
        if rule.get('kind') not in FAULT_KINDS:
            raise ScenarioError('unknown fault kind %r (known: %s)' % (rule.get('kind'), ', '.join(FAULT_KINDS)))
        if rule.get('route', 'api') not in FAULT_ROUTES:
            raise ScenarioError('unknown fault route %r (known: %s)' % (rule.get('route'), ', '.join(FAULT_ROUTES)))
        handshake = rule.get('handshake', 0)
        if rule['kind'] == 'latency' and (isinstance(handshake, bool) or not isinstance(handshake, (int, float))
                                          or handshake < 0):
            raise ScenarioError('a latency rule\'s handshake is a number of round trips (0 or more), got %r'
                                % (handshake,))


def _taurusdb_instances(data, starrocks_ids):
    """Check `taurusdb_instances` and give each StarRocks instance its source instance."""
    data['taurusdb_instances'] = data.get('taurusdb_instances') or []
    if not isinstance(data['taurusdb_instances'], list):
        raise ScenarioError('taurusdb_instances is a list')
    by_id = {inst['id']: inst for inst in data['instances']}
    owner, seen = {}, set()
    for taurus in data['taurusdb_instances']:
        if not isinstance(taurus, dict) or 'id' not in taurus:
            raise ScenarioError('every TaurusDB instance needs an "id"')
        if taurus['id'] in seen or taurus['id'] in starrocks_ids:
            raise ScenarioError('instance %s is listed twice' % taurus['id'])
        seen.add(taurus['id'])
        taurus.setdefault('project_id', DEFAULT_PROJECT)
        taurus.setdefault('faults', [])
        taurus.setdefault('max_htap_instance_num_of_taurus', MAX_HTAP_INSTANCES)
        taurus['htap'] = list(taurus.get('htap') or [])
        _check_faults(taurus['faults'])
        for htap_id in taurus['htap']:
            if htap_id not in starrocks_ids:
                raise ScenarioError('TaurusDB instance %s lists HTAP instance %s, which is not in "instances"'
                                    % (taurus['id'], htap_id))
            if htap_id in owner:
                raise ScenarioError('HTAP instance %s is listed under both %s and %s' % (htap_id, owner[htap_id], taurus['id']))
            if by_id[htap_id]['project_id'] != taurus['project_id']:
                raise ScenarioError('HTAP instance %s is in another project than its TaurusDB instance %s'
                                    % (htap_id, taurus['id']))
            owner[htap_id] = taurus['id']
    for inst in data['instances']:
        inst.setdefault('source_instance_id', owner.get(inst['id'], DEFAULT_SOURCE_INSTANCE))
        inst.setdefault('source_node_id', inst['source_instance_id'][:-4] + 'no07')


def _generate(spec):
    if not spec:
        return []
    out = []
    for i in range(int(spec['count'])):
        task = {'task_name': spec.get('name', 'task_{i:05d}').format(i=i),
                'source_database': spec.get('source_database', 'src_{i:05d}').format(i=i),
                'target_database': spec.get('target_database', 'dst_{i:05d}').format(i=i)}
        for field in ('status', 'stage', 'percentage', 'catchup_stage', 'catchup_percentage', 'sync', 'config'):
            if field in spec:
                task[field] = spec[field]
        out.append(task)
    return out


def _task(raw):
    task = {'status': 'Yes', 'stage': 'incremental', 'percentage': 100, 'catchup_stage': None,
            'catchup_percentage': 0, 'source_database': raw.get('task_name'),
            'target_database': raw.get('task_name')}
    task.update(raw)
    if not task.get('task_name'):
        raise ScenarioError('every task needs a task_name')
    if not isinstance(task.get('config') or {}, dict):
        raise ScenarioError('the config of task %s is a mapping' % task['task_name'])
    return task


def default_config(instance, state):
    """The replication configuration of a task (its state now) before its `config` overrides."""
    repl = {'repl_type': 'exclude_tables', 'repl_scope': 'all', 'tables': []}
    return {
        'source_instance_id': instance['source_instance_id'],
        'source_node_id': instance['source_node_id'],
        'database_info': {
            'database_name': state['source_database'],
            'db_config_check_results': [
                {'param_name': 'binlog_format', 'value': 'ROW', 'check_result': 'success'},
                {'param_name': 'binlog_row_image', 'value': 'FULL', 'check_result': 'success'},
                {'param_name': 'log_bin', 'value': 'ON', 'check_result': 'success'},
                {'param_name': 'binlog_expire_logs_seconds', 'value': '604800', 'check_result': 'success'},
            ]},
        'table_infos': [
            {'table_name': 'orders', 'table_config': 'ENGINE=InnoDB; PRIMARY KEY (id)', 'check_result': 'success'},
            {'table_name': 'customers', 'table_config': 'ENGINE=InnoDB; PRIMARY KEY (id)', 'check_result': 'success'},
        ],
        'table_repl_config': dict(repl),
        'new_table_repl_config': dict(repl),
        'target_database_name': state['target_database'],
        'is_tables_change': False,
        'last_error_of_alter_table': '',
    }


def deep_merge(base, overrides):
    """`base` with `overrides` laid over it: mappings merge key by key, anything else (lists too) replaces."""
    out = copy.deepcopy(base)
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def htap_instance(instance):
    """A StarRocks instance as ListHtapInstanceInfo shows it: every HtapInstanceListInstances field."""
    item = {'id': instance['id'], 'name': instance.get('name', 'starrocks-%s' % instance['id'][:8])}
    for field, default in HTAP_DISPLAY_DEFAULTS.items():
        item[field] = copy.deepcopy(instance.get(field, default))
    item['project_id'] = instance['project_id']
    state = {name: instance.get(name, default) for name, default in INSTANCE_STATE_DEFAULTS.items()}
    item['instance_state'] = {'instance_status': state['status'],
                              'create_fail_error_code': state['create_fail_error_code'],
                              'fail_message': state['fail_message'],
                              'wait_restart_for_params': state['wait_restart_for_params']}
    return item


def is_dynamic(task):
    """Whether the task can change between requests (the same tests as task_state makes)."""
    return bool(task.get('sync') or task.get('steps')
                or task.get('appear_after') is not None or task.get('vanish_after') is not None)


def task_state(task, seconds, requests):
    """The task's fields at this moment, or None when it is absent.

    Timelines count the instance's listing requests unless they say ``by: seconds``.
    """
    def now_by(by):
        return seconds if by == 'seconds' else requests

    state = {field: task.get(field) for field in TASK_FIELDS}
    present = True
    sync = task.get('sync')
    if sync:
        now = now_by(sync.get('by'))
        wait, full = float(sync.get('wait', 0)), float(sync.get('full', 0))
        if now < wait:
            state.update(stage=sync.get('wait_stage', 'wait'), percentage=0)
        elif now < wait + full:
            state.update(stage='full', percentage=int(100 * (now - wait) / full) if full else 100)
        else:
            state.update(stage=sync.get('done_stage', 'Incremental'), percentage=100)
    for step in task.get('steps') or []:
        now = now_by(step.get('by'))
        if now >= float(step['at']):
            changes = {k: v for k, v in step.items() if k not in ('at', 'by', 'present')}
            state.update(changes)
            if 'present' in step:
                present = bool(step['present'])
    if task.get('appear_after') is not None:
        present = now_by(task.get('appear_by')) > float(task['appear_after'])
    if task.get('vanish_after') is not None:
        if now_by(task.get('vanish_by')) > float(task['vanish_after']):
            present = False
    return state if present else None


def wire_item(state, loose):
    """One task as the API sends it: strings by default, numbers and nulls when loose."""
    item = dict(state)
    for field in ('percentage', 'catchup_percentage'):
        value = item.get(field)
        if not loose:
            item[field] = None if value is None else str(value)
    return item


class FaultRule:
    """One fault rule with its own counter of requests it has seen."""

    def __init__(self, spec, rng):
        self.spec = spec
        self.rng = rng
        self.seen = 0

    def applies(self, route):
        if self.spec.get('route', 'api') not in (route, 'all'):
            return False
        self.seen += 1
        spec = self.spec
        if 'first' in spec:
            return self.seen <= int(spec['first'])
        if 'after' in spec:
            return self.seen > int(spec['after'])
        if 'every' in spec:
            return self.seen % int(spec['every']) == 0
        if 'rate' in spec:
            return self.rng.random() < float(spec['rate'])
        return True


class World:
    """The mutable state of one simulator run."""

    def __init__(self, scenario, seed=None):
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.instances = {inst['id']: inst for inst in scenario['instances']}
        self.scenario_faults = [FaultRule(spec, self.rng) for spec in scenario['faults']]
        self.taurusdb = {inst['id']: inst for inst in scenario['taurusdb_instances']}
        self.instance_faults = {
            inst['id']: [FaultRule(spec, self.rng) for spec in inst['faults']]
            for inst in scenario['instances'] + scenario['taurusdb_instances']}
        self.requests = {inst_id: 0 for inst_id in self.instances}  # listing requests: they drive timelines
        self.config_requests = {inst_id: 0 for inst_id in self.instances}  # configuration requests: they do not
        self.state_reads = {inst_id: 0 for inst_id in self.instances}  # HTAP listings showing it: they drive state_steps
        self.lock = threading.Lock()  # handler threads share the counters and the rng
        # Wire items of tasks that never change are built once, here, not for every page:
        # per instance a list of (wire item, None) or (None, task) for tasks with a timeline.
        self.plans = {}
        for inst in scenario['instances']:
            self._plan(inst)

    def _plan(self, inst):
        loose = bool(inst.get('loose_types', self.scenario['loose_types']))
        plan = [(None, task) if is_dynamic(task) else (wire_item(task_state(task, 0, 0), loose), None)
                for task in inst['tasks']]
        static = None if any(item is None for item, _task in plan) else [item for item, _task in plan]
        self.plans[inst['id']] = (loose, plan, static)  # one assignment: a listing sees the old plan or the new

    def change_task(self, request):
        """POST /__sim__/task: change, add or delete one task of an instance now (see docs/simulator.md).

        Returns the task's fields as the listing now sends them (None when deleted); raises
        ScenarioError (400), KeyError (404) or ValueError (409).
        """
        if not isinstance(request, dict):
            raise ScenarioError('the body is a JSON object')
        unknown = sorted(set(request) - set(TASK_CHANGE_KEYS))
        if unknown:
            raise ScenarioError('unknown keys %s (known: %s)' % (', '.join(unknown), ', '.join(TASK_CHANGE_KEYS)))
        changes = request.get('set') or {}
        if not isinstance(changes, dict) or sorted(set(changes) - set(TASK_SETTABLE)):
            raise ScenarioError('set is a mapping of %s' % ', '.join(TASK_SETTABLE))
        if not isinstance(changes.get('config') or {}, dict):
            raise ScenarioError('config is a mapping')
        instance = self.instances.get(request.get('instance_id'))
        if instance is None:
            raise KeyError('no instance %r in this scenario' % (request.get('instance_id'),))
        name = request.get('task_name')
        if not isinstance(name, str) or not name:
            raise ScenarioError('task_name is required')
        with self.lock:
            matches = [task for task in instance['tasks'] if task['task_name'] == name
                       and all(task.get(key) == request[key] for key in ('source_database', 'target_database')
                               if key in request)]
            if request.get('add'):
                if matches:
                    raise ValueError('instance %s already has task %s' % (instance['id'], name))
                raw = dict((key, request[key]) for key in ('source_database', 'target_database') if key in request)
                raw.update(changes, task_name=name)
                task = _task(raw)
                instance['tasks'].append(task)
            else:
                if not matches:
                    raise KeyError('instance %s has no task %s' % (instance['id'], name))
                if len(matches) > 1:
                    raise ScenarioError('instance %s has %d tasks named %s: give source_database and target_database'
                                        % (instance['id'], len(matches), name))
                task = matches[0]
                if request.get('delete'):
                    instance['tasks'].remove(task)
                    task = None
                else:
                    for key in TIMELINE_KEYS:  # the task is what `set` says from now on
                        task.pop(key, None)
                    task.update(changes)
            self._plan(instance)
        return None if task is None else task_state(task, 0, 0)

    def edit_tasks(self, instance_id, edit):
        """``edit(tasks, listing_count)`` changes the instance's task list in place, under the lock (a completed
        job of the write APIs, see writes.py); returns what ``edit`` returns."""
        instance = self.instances[instance_id]
        with self.lock:
            result = edit(instance['tasks'], self.requests[instance_id])
            self._plan(instance)
        return result

    def faults_for(self, route, instance_id=None):
        """The fault rules that fire for this request (each rule counts it once)."""
        rules = list(self.scenario_faults)
        if instance_id in self.instance_faults:
            rules += self.instance_faults[instance_id]
        with self.lock:
            return [rule.spec for rule in rules if rule.applies(route)]

    def listing(self, instance_id, seconds):
        """Count one request to the instance and return its present tasks as wire items, in order.

        The list may be shared between requests: callers slice it and never change it.
        """
        with self.lock:
            self.requests[instance_id] += 1
            count = self.requests[instance_id]
        loose, plan, static = self.plans[instance_id]
        if static is not None:
            return static
        items = []
        for item, task in plan:
            if task is not None:
                state = task_state(task, seconds, count)
                if state is None:
                    continue
                item = wire_item(state, loose)
            items.append(item)
        return items

    def replication_config(self, instance_id, task_name, seconds):
        """Count one configuration request; return the task's configuration, or None if it has no such task now.

        The task is looked at as the instance's last listing request saw it (its listing count is
        read, never advanced), so tasks appear, vanish and change here as they do in the listing.
        """
        with self.lock:
            self.config_requests[instance_id] += 1
            listed = self.requests[instance_id]
        instance = self.instances[instance_id]
        for task in instance['tasks']:
            if task['task_name'] != task_name:
                continue
            state = task_state(task, seconds, listed)
            if state is not None:
                return deep_merge(default_config(instance, state), task.get('config'))
        return None

    def htap_instances(self, taurusdb_id, seconds=0):
        """The StarRocks instances of a TaurusDB instance, as ListHtapInstanceInfo answers (each counts one
        state read, which moves its `state_steps`)."""
        taurus = self.taurusdb[taurusdb_id]
        with self.lock:
            for htap_id in taurus['htap']:
                self.state_reads[htap_id] += 1
            reads = dict((htap_id, self.state_reads[htap_id]) for htap_id in taurus['htap'])
        items = [htap_instance(instance_now(self.instances[htap_id], seconds, reads[htap_id]))
                 for htap_id in taurus['htap']]
        return {'total': len(items), 'instances': items,
                'max_htap_instance_num_of_taurus': int(taurus['max_htap_instance_num_of_taurus'])}
