"""The option specs: logic-free data that every entry point shares."""

import ast
import inspect

from ansible_collections.taurusdb.htap.plugins.module_utils import specs
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import (
    CONNECTION_BASE_SPEC, RANGES, REPLICATION_SPEC, WAIT_OPTIONS, WAIT_SPEC, WATCH_QUERY_OPTIONS, WATCH_SPEC)

ALL_SPECS = dict(CONNECTION_SPEC, **dict(REPLICATION_SPEC, **dict(WAIT_SPEC, **WATCH_SPEC)))


def test_every_number_option_has_a_range_and_every_range_an_option():
    numbers = set(name for name, option in ALL_SPECS.items() if option['type'] in ('int', 'float'))
    assert numbers == set(RANGES)
    for low, high in RANGES.values():
        assert high is None or low < high


def test_an_option_in_several_specs_has_one_type():
    for name in set(WAIT_SPEC) & set(WATCH_SPEC):
        assert WAIT_SPEC[name]['type'] == WATCH_SPEC[name]['type'], name


def test_the_wait_explains_failures_by_default_and_the_module_does_not():
    assert WAIT_OPTIONS['explain_failures']['default'] is True
    assert REPLICATION_SPEC['explain_failures']['default'] is False
    assert set(WAIT_OPTIONS) == set(REPLICATION_SPEC) | set(WAIT_SPEC)


def test_the_watch_takes_a_part_of_the_query_options_never_a_partial_listing():
    assert set(WATCH_QUERY_OPTIONS) < set(REPLICATION_SPEC)
    assert not set(WATCH_QUERY_OPTIONS) & set(['limit', 'offset', 'return_raw'])


def test_the_connection_spec_is_the_base_and_the_auth_methods_options():
    assert set(CONNECTION_BASE_SPEC) < set(CONNECTION_SPEC)
    assert 'access_key' in CONNECTION_SPEC and 'access_key' not in CONNECTION_BASE_SPEC


def test_specs_hold_no_logic():
    # data only: no function or class, and nothing imported but env_fallback (an API unit may import it)
    tree = ast.parse(inspect.getsource(specs))
    assert not [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    imported = [alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names]
    assert imported == ['absolute_import', 'division', 'print_function', 'env_fallback']
