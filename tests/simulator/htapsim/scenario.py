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
}
TASK_FIELDS = ('source_database', 'target_database', 'task_name', 'status', 'stage',
               'percentage', 'catchup_stage', 'catchup_percentage')
FAULT_KINDS = ('latency', 'throttle', 'error', 'reset', 'slow_body', 'truncated_json',
               'html_error', 'total_drift')


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
        for rule in data['faults'] + inst['faults']:
            if rule.get('kind') not in FAULT_KINDS:
                raise ScenarioError('unknown fault kind %r (known: %s)' % (rule.get('kind'), ', '.join(FAULT_KINDS)))
    return data


def _generate(spec):
    if not spec:
        return []
    out = []
    for i in range(int(spec['count'])):
        task = {'task_name': spec.get('name', 'task_{i:05d}').format(i=i),
                'source_database': spec.get('source_database', 'src_{i:05d}').format(i=i),
                'target_database': spec.get('target_database', 'dst_{i:05d}').format(i=i)}
        for field in ('status', 'stage', 'percentage', 'catchup_stage', 'catchup_percentage', 'sync'):
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
    return task


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
        self.instance_faults = {
            inst['id']: [FaultRule(spec, self.rng) for spec in inst['faults']]
            for inst in scenario['instances']}
        self.requests = {inst_id: 0 for inst_id in self.instances}
        self.lock = threading.Lock()  # handler threads share the counters and the rng
        # Wire items of tasks that never change are built once, here, not for every page:
        # per instance a list of (wire item, None) or (None, task) for tasks with a timeline.
        self.plans = {}
        for inst in scenario['instances']:
            loose = bool(inst.get('loose_types', scenario['loose_types']))
            plan = [(None, task) if is_dynamic(task) else (wire_item(task_state(task, 0, 0), loose), None)
                    for task in inst['tasks']]
            static = None if any(item is None for item, _task in plan) else [item for item, _task in plan]
            self.plans[inst['id']] = (loose, plan, static)

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
