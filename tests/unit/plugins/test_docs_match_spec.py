"""The documented options of every module, lookup and the role match the one argument spec."""

import os

import pytest
import yaml

from ansible_collections.taurusdb.htap.plugins.doc_fragments import connection, heartbeat, replication, starrocks_instance
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC, WAIT_OPTIONS
from ansible_collections.taurusdb.htap.plugins.modules import (
    taurusdb_htap_instance_info, taurusdb_starrocks_replication_config_info, taurusdb_starrocks_replication_info,
    taurusdb_starrocks_replication_wait)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import FRESHNESS_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_options import SPEC as WATCH_OPTIONS
from ansible_collections.taurusdb.htap.tests.unit.helpers import run_event_source

FRAGMENT = yaml.safe_load(connection.ModuleDocFragment.DOCUMENTATION)['options']
PLUGINS = yaml.safe_load(connection.ModuleDocFragment.PLUGINS)['options']
REPLICATION = yaml.safe_load(replication.ModuleDocFragment.DOCUMENTATION)['options']
HEARTBEAT_GATE = yaml.safe_load(heartbeat.ModuleDocFragment.GATE)['options']
STARROCKS_INSTANCE = yaml.safe_load(starrocks_instance.ModuleDocFragment.DOCUMENTATION)['options']
ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
ROLE_SPECS = os.path.join(ROOT, 'roles', 'replication_gate', 'meta', 'argument_specs.yml')


def documented_options(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get('options') or {})
    fragments = {'taurusdb.htap.connection': FRAGMENT, 'taurusdb.htap.replication': REPLICATION,
                 'taurusdb.htap.heartbeat.gate': HEARTBEAT_GATE, 'taurusdb.htap.starrocks_instance': STARROCKS_INSTANCE}
    for name in doc.get('extends_documentation_fragment', []):
        for option, value in fragments.get(name, {}).items():  # attributes fragments hold no options
            options.setdefault(option, value)  # a module's own documentation of an option wins
    return options


def assert_matches(documented, spec):
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        assert documented[name]['type'] == option['type'], name
        assert documented[name].get('default') == option.get('default'), name
        assert documented[name].get('choices') == option.get('choices'), name
        assert documented[name].get('aliases') == option.get('aliases'), name
        assert documented[name].get('elements') == option.get('elements'), name


@pytest.mark.parametrize('module, own_spec', [
    (taurusdb_starrocks_replication_info, dict(instance_id=dict(type='str', required=True), **REPLICATION_SPEC)),
    (taurusdb_starrocks_replication_config_info, dict(instance_id=dict(type='str', required=True),
                                                      task_name=dict(type='str', required=True))),
    (taurusdb_htap_instance_info, taurusdb_htap_instance_info.ARGUMENT_SPEC),
    (taurusdb_starrocks_replication_wait, dict(WAIT_OPTIONS, **FRESHNESS_SPEC)),
])
def test_every_module_option_is_documented_with_its_type_and_default(module, own_spec):
    assert_matches(documented_options(module), dict(CONNECTION_SPEC, **own_spec))


def test_lookup_environment_variables_are_the_modules_fallbacks():
    assert sorted(PLUGINS) == sorted(CONNECTION_SPEC)
    for name, option in CONNECTION_SPEC.items():
        fallback = list(option['fallback'][1]) if 'fallback' in option else []
        # plugins take the last variable found, the module the first: the lists are reversed
        assert [e['name'] for e in PLUGINS[name].get('env', [])] == fallback[::-1], name
        assert PLUGINS[name]['vars'] == [{'name': 'taurusdb_' + name}]
        if option.get('no_log'):
            assert 'ini' not in PLUGINS[name], '%s is a secret and must not be read from ansible.cfg' % name


def test_replication_options_are_shared():
    assert_matches(REPLICATION, REPLICATION_SPEC)


def test_the_roles_connection_variables_are_connection_options():
    with open(ROLE_SPECS) as handle:
        role = yaml.safe_load(handle)['argument_specs']['main']['options']
    given = dict((name[len('replication_gate_'):], option) for name, option in role.items())
    connection_vars = dict((name, option) for name, option in given.items() if name in CONNECTION_SPEC)
    # every connection option is there, with the spec's type and secrecy
    wanted = set(CONNECTION_SPEC)
    assert wanted <= set(connection_vars), sorted(wanted - set(connection_vars))
    for name, option in connection_vars.items():
        assert option['type'] == CONNECTION_SPEC[name]['type'], name
        assert bool(option.get('no_log')) == bool(CONNECTION_SPEC[name].get('no_log')), name


def test_the_event_source_documents_every_option_it_takes():
    source = run_event_source()
    doc = yaml.safe_load(source['DOCUMENTATION'])
    assert doc['short_description'] and doc['description']
    assert_matches(doc['options'], WATCH_OPTIONS)
    for name, option in doc['options'].items():
        assert option['description'], name
    for example in yaml.safe_load(source['EXAMPLES']):  # every example is a rulebook using the source
        watch = [s['taurusdb.htap.replication_watch'] for s in example['sources']]
        assert watch and set(watch[0]) <= set(WATCH_OPTIONS)
