"""The documented options of the module and lookup match the one argument spec."""

import yaml

from ansible_collections.taurusdb.htap.plugins.doc_fragments import connection, query
from ansible_collections.taurusdb.htap.plugins.module_utils.options import CONNECTION_SPEC, QUERY_SPEC, module_argument_spec
from ansible_collections.taurusdb.htap.plugins.modules import taurusdb_starrocks_replication_info as module

FRAGMENT = yaml.safe_load(connection.ModuleDocFragment.DOCUMENTATION)['options']
PLUGINS = yaml.safe_load(connection.ModuleDocFragment.PLUGINS)['options']
QUERY = yaml.safe_load(query.ModuleDocFragment.DOCUMENTATION)['options']


def test_every_option_is_documented_with_its_type_and_default():
    documented = dict(FRAGMENT, **QUERY)
    documented.update(yaml.safe_load(module.DOCUMENTATION)['options'])
    spec = module_argument_spec()
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        assert documented[name]['type'] == option['type'], name
        assert documented[name].get('default') == option.get('default'), name
        assert documented[name].get('choices') == option.get('choices'), name
        assert documented[name].get('aliases') == option.get('aliases'), name


def test_lookup_environment_variables_are_the_modules_fallbacks():
    assert sorted(PLUGINS) == sorted(CONNECTION_SPEC)
    for name, option in CONNECTION_SPEC.items():
        fallback = list(option['fallback'][1]) if 'fallback' in option else []
        # plugins take the last variable found, the module the first: the lists are reversed
        assert [e['name'] for e in PLUGINS[name].get('env', [])] == fallback[::-1], name
        assert PLUGINS[name]['vars'] == [{'name': 'taurusdb_' + name}]
        if option.get('no_log'):
            assert 'ini' not in PLUGINS[name], '%s is a secret and must not be read from ansible.cfg' % name


def test_query_options_are_shared():
    assert sorted(QUERY) == sorted(QUERY_SPEC)
