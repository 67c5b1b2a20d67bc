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


def test_every_number_option_that_is_not_finite_is_refused_by_name():
    # before: nan passed validation (and every range check after it); an infinite whole number was an
    # OverflowError from ansible-core's own conversion
    spec = dict(CONNECTION_SPEC, count=dict(type='int', default=3), brand_new=dict(type='float'))
    numbers = [name for name, option in spec.items() if option['type'] in ('int', 'float')]
    assert {'brand_new', 'count', 'read_timeout', 'retries'} <= set(numbers)  # a new option is covered by its type
    for name in numbers:
        for value in (float('nan'), float('inf'), float('-inf'), 'nan', ' inf', '-Infinity', '1e999'):
            params, error = validate_options(spec, {name: value}, {})
            assert error == '%s must be a finite number, got %s' % (name, float(value)), (name, value, error)
            assert params.get(name) == spec[name].get('default')  # left out: what can be used has its default
    _params, error = validate_options(spec, {'brand_new': 'nan', 'count': 'many'}, {})
    assert error.startswith('brand_new must be a finite number, got nan; ') and "'count'" in error  # every error


def test_a_number_option_from_the_environment_is_checked_too():
    spec = dict(timeout=dict(type='float', fallback=(None, ['MY_TIMEOUT'])))
    _params, error = validate_options(spec, {}, {'MY_TIMEOUT': 'nan'})
    assert error == 'timeout must be a finite number, got nan'
    params, error = validate_options(spec, {}, {'MY_TIMEOUT': '2.5'})
    assert error is None and params['timeout'] == 2.5
