"""replication_gate_resume_paused: off by default, and when on, the role resumes the paused tasks the gate
judges with taurusdb_starrocks_replication given only the instance, the task name and the connection settings.

Read from the role's own files, rendered as Ansible renders them (integration: tests/integration/targets/
replication_gate, resume.yml)."""

import os

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.tests.unit.helpers import COLLECTION

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates every string
    def trust_as_template(value):
        return value

ROLE = os.path.join(COLLECTION, 'roles', 'replication_gate')
VARIABLE = 'replication_gate_resume_paused'
WAIT = 'taurusdb.htap.taurusdb_starrocks_replication_wait'
RESUME = 'taurusdb.htap.taurusdb_starrocks_replication'
ITEM = {'instance_id': '0a1b2c3d4e5f60718293a4b5c6d7e8f9in17', 'task_name': 'orders_db'}
# the wait's options that say which tasks the gate judges: the look for paused tasks takes the same
SELECTION = ('instance_ids', 'taurusdb_instance_ids', 'task_names', 'task_patterns', 'expected_tasks', 'on_missing')


def role_yaml(*path):
    with open(os.path.join(ROLE, *path), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


MAIN = role_yaml('tasks', 'main.yml')
RESUME_TASKS = role_yaml('tasks', 'resume.yml')
DEFAULTS = role_yaml('defaults', 'main.yml')
SPEC = role_yaml('meta', 'argument_specs.yml')['argument_specs']['main']['options']


def module_task(tasks, name):
    found = [task for task in tasks if name in task]
    assert len(found) == 1, name
    return found[0]


def rendered(args, variables):
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.template(dict((name, trust_as_template(value) if isinstance(value, str) else value)
                                 for name, value in args.items()))


def every_role_variable():
    return dict((variable, 'value of %s' % variable) for variable in SPEC)


def test_the_variable_is_off_by_default_and_documented_as_a_bool():
    assert DEFAULTS[VARIABLE] is False
    assert SPEC[VARIABLE]['type'] == 'bool' and SPEC[VARIABLE]['default'] is False


def test_the_resume_runs_only_when_asked_and_before_the_wait():
    includes = [task for task in MAIN if task.get('ansible.builtin.include_tasks') == 'resume.yml']
    assert len(includes) == 1
    assert MAIN.index(includes[0]) < MAIN.index(module_task(MAIN, WAIT))
    templar = Templar(loader=DataLoader(), variables=dict(DEFAULTS))
    condition = includes[0]['when']
    assert templar.template(trust_as_template('{{ %s }}' % condition)) is False
    templar = Templar(loader=DataLoader(), variables=dict(DEFAULTS, **{VARIABLE: True}))
    assert templar.template(trust_as_template('{{ %s }}' % condition)) is True


def test_a_resume_names_only_the_instance_and_the_task_so_nothing_else_is_changed():
    args = module_task(RESUME_TASKS, RESUME)[RESUME]
    assert rendered(args, dict(DEFAULTS, item=ITEM)) == dict(ITEM, state='present')


def test_a_resume_gets_every_connection_setting_the_wait_gets():
    given = dict(every_role_variable(), item=ITEM)
    resume = rendered(module_task(RESUME_TASKS, RESUME)[RESUME], given)
    wait = rendered(module_task(MAIN, WAIT)[WAIT], given)
    assert set(resume) == set(CONNECTION_SPEC) | {'instance_id', 'task_name', 'state'}
    assert dict((name, resume[name]) for name in CONNECTION_SPEC) == dict((name, wait[name]) for name in CONNECTION_SPEC)


def test_the_look_for_paused_tasks_selects_what_the_gate_judges_and_checks_once():
    given = every_role_variable()
    look = rendered(module_task(RESUME_TASKS, WAIT)[WAIT], given)
    wait = rendered(module_task(MAIN, WAIT)[WAIT], given)
    for name in SELECTION + tuple(CONNECTION_SPEC):
        assert look[name] == wait[name], name
    assert look['wait_timeout'] == 0 and look['min_tasks'] == 0  # one look; a verdict is the gate's
    assert 'report_file' not in look and 'heartbeat' not in look  # the look writes and measures nothing
