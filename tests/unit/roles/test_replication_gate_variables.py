"""The role replication_gate has a variable for every option of the wait action, and each reaches it.

Read from the role's own files (meta/argument_specs.yml, defaults/main.yml, tasks/main.yml, README.md) and
the action's one spec: an option added to the action without a role variable fails here, by name."""

import os
import re

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.taurusdb.htap.plugins.action.taurusdb_starrocks_replication_wait import SPEC
from ansible_collections.taurusdb.htap.tests.unit.helpers import COLLECTION

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates every string
    def trust_as_template(value):
        return value

ROLE = os.path.join(COLLECTION, 'roles', 'replication_gate')
WAIT = 'taurusdb.htap.taurusdb_starrocks_replication_wait'
# The two options whose role variables do not follow replication_gate_<option>.
RENAMED = {'instance_ids': 'replication_gate_instances', 'taurusdb_instance_ids': 'replication_gate_taurusdb_instances'}
# The role's own variables, which no option of the wait action takes (tests/unit/roles/test_replication_gate_resume.py).
ROLE_ONLY = {'replication_gate_resume_paused'}
ADD_ONE = ('add it to roles/replication_gate: meta/argument_specs.yml, tasks/main.yml (the wait task: '
           '"{{ %s | default(omit) }}" unless the role has a default), defaults/main.yml (only with a default) '
           'and README.md')


def role_file(*path):
    with open(os.path.join(ROLE, *path), encoding='utf-8') as handle:
        return handle.read()


def variable_of(option):
    return RENAMED.get(option, 'replication_gate_' + option)


ROLE_OPTIONS = yaml.safe_load(role_file('meta', 'argument_specs.yml'))['argument_specs']['main']['options']
ROLE_DEFAULTS = yaml.safe_load(role_file('defaults', 'main.yml')) or {}
WAIT_ARGS = [task for task in yaml.safe_load(role_file('tasks', 'main.yml')) if WAIT in task][0][WAIT]


def rendered_args(variables):
    """The wait task's arguments as Ansible renders them with these variables (omitted ones left out)."""
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.template(dict((name, trust_as_template(value) if isinstance(value, str) else value)
                                 for name, value in WAIT_ARGS.items()))


def test_every_option_of_the_wait_action_has_a_role_variable():
    missing = ['%s (for the option %s)' % (variable_of(option), option) for option in sorted(SPEC)
               if variable_of(option) not in ROLE_OPTIONS]
    assert not missing, 'no role variable: %s; %s' % (', '.join(missing), ADD_ONE % 'replication_gate_<option>')


def test_every_role_variable_is_an_option_of_the_wait_action():
    options = set(variable_of(option) for option in SPEC)
    assert sorted(set(ROLE_OPTIONS) - options - ROLE_ONLY) == [], 'role variables that no option of the wait action takes'


def test_each_variable_reaches_its_option_as_given():
    given = dict((variable, 'value of %s' % variable) for variable in ROLE_OPTIONS)
    args = rendered_args(given)
    wrong = ['%s (the task passes %s %r)' % (variable_of(option), option, args.get(option)) for option in sorted(SPEC)
             if variable_of(option) in ROLE_OPTIONS and args.get(option) != given[variable_of(option)]]
    assert not wrong, 'role variables that do not reach the wait action: %s' % ', '.join(wrong)


def test_a_variable_without_a_default_is_omitted_so_module_defaults_and_the_environment_apply():
    args = rendered_args(dict(ROLE_DEFAULTS))  # what the task passes when the user sets nothing
    for option in sorted(SPEC):
        variable = variable_of(option)
        if variable not in ROLE_OPTIONS:
            continue  # said by the first test
        if ROLE_OPTIONS[variable].get('default') in (None, ''):
            assert option not in args, ('%s is unset but the task passes %s=%r: an unset variable must be omitted '
                                        '(default(omit))' % (variable, option, args[option]))
        else:
            assert args[option] == ROLE_OPTIONS[variable]['default'], variable


@pytest.mark.parametrize('option', sorted(SPEC))
def test_a_variable_has_its_options_type_choices_and_default(option):
    variable = variable_of(option)
    if variable not in ROLE_OPTIONS:
        pytest.skip('%s is missing (said by test_every_option_of_the_wait_action_has_a_role_variable)' % variable)
    role, action = ROLE_OPTIONS[variable], SPEC[option]
    for key in ('type', 'elements', 'choices'):
        assert role.get(key) == action.get(key), '%s: %s is %r, the option %s has %r' % (
            variable, key, role.get(key), option, action.get(key))
    assert bool(role.get('no_log')) == bool(action.get('no_log')), '%s: no_log differs from %s' % (variable, option)
    # A default the role documents is the one it sets and the action's own (the empty report_file is none).
    assert ROLE_DEFAULTS.get(variable) == role.get('default'), (
        '%s: defaults/main.yml has %r, meta/argument_specs.yml documents %r' % (
            variable, ROLE_DEFAULTS.get(variable), role.get('default')))
    if role.get('default') not in (None, ''):
        assert role['default'] == action.get('default'), '%s: the role defaults to %r, the option %s to %r' % (
            variable, role['default'], option, action.get('default'))


def test_the_readme_names_every_variable():
    readme = role_file('README.md')
    named = set(re.findall(r'`(replication_gate_\w+)`', readme))
    listed = set('replication_gate_' + name for name in re.findall(r'`(\w+)`', readme))
    missing = sorted(variable for variable in ROLE_OPTIONS if variable not in named | listed)
    assert not missing, 'roles/replication_gate/README.md does not name %s' % ', '.join(missing)
