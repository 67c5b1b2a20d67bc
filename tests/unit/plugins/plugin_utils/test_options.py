"""Options of the entry points that are not modules: environment fallbacks, then the argument spec."""

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.options import apply_env_fallbacks, validate_options


def test_fallbacks_fill_only_what_was_left_out_first_variable_first():
    environ = {'TAURUSDB_REGION': 'cn-north-4', 'HUAWEICLOUD_SDK_AK': 'AK-NEW', 'CLOUD_SDK_AK': 'AK-OLD',
               'TAURUSDB_ENDPOINT': ''}
    args = apply_env_fallbacks(CONNECTION_SPEC, {'region': None, 'project_id': 'given'}, environ)
    assert args['region'] == 'cn-north-4'
    assert args['project_id'] == 'given'
    first = [name for name in CONNECTION_SPEC['access_key']['fallback'][1] if environ.get(name)][0]
    assert args['access_key'] == environ[first]
    assert 'endpoint' not in args  # an empty variable is not a value


def test_validation_applies_types_defaults_and_reports_every_error():
    spec = dict(CONNECTION_SPEC, count=dict(type='int', default=3), names=dict(type='list', elements='str', default=[]))
    params, error = validate_options(spec, {'names': 'one', 'read_timeout': '7'}, {})
    assert error is None
    assert params['names'] == ['one'] and params['read_timeout'] == 7.0 and params['count'] == 3
    _params, error = validate_options(spec, {'count': 'many', 'bogus': 1}, {})
    assert 'count' in error and 'bogus' in error
