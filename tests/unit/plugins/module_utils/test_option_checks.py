"""Number options: finite, and within the one range each has (specs.RANGES)."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import (
    check_range, check_ranges, non_finite_numbers)
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import RANGES

NOT_FINITE = [float('nan'), float('inf'), float('-inf')]


def test_check_range_refuses_what_is_not_finite_naming_the_option():
    # before issue 16: NaN passed every comparison, so every range check
    for value in NOT_FINITE:
        with pytest.raises(OptionError, match=r'^read_timeout must be a finite number, got (nan|inf|-inf)$'):
            check_range({'read_timeout': value}, 'read_timeout', 0.1, 600)
        with pytest.raises(OptionError, match='offset must be a finite number'):
            check_range({'offset': value}, 'offset', 0)
    check_range({'offset': 10 ** 30}, 'offset', 0)  # big, but finite


def test_check_range_says_the_bounds_and_the_value():
    with pytest.raises(OptionError, match=r'^limit must be between 1 and 100, got 101$'):
        check_range({'limit': 101}, 'limit', 1, 100)
    with pytest.raises(OptionError, match=r'^offset must be at least 0, got -1$'):
        check_range({'offset': -1}, 'offset', 0)
    check_range({'limit': 1}, 'limit', 1, 100)
    check_range({'limit': 100}, 'limit', 1, 100)
    check_range({'limit': None}, 'limit', 1, 100)
    check_range({}, 'limit', 1, 100)


@pytest.mark.parametrize('name', sorted(RANGES))
def test_every_range_is_applied_at_both_ends(name):
    low, high = RANGES[name]
    check_ranges({name: low}, [name])
    with pytest.raises(OptionError, match='^%s must be ' % name):
        check_ranges({name: low - 0.05}, [name])
    if high is not None:
        check_ranges({name: high}, [name])
        with pytest.raises(OptionError, match='^%s must be between %s and %s' % (name, low, high)):
            check_ranges({name: high + 1}, [name])


def test_check_ranges_checks_only_the_names_asked_for_and_skips_options_without_a_range():
    check_ranges({'limit': 0, 'region': 'x'}, ['region', 'offset'])
    with pytest.raises(OptionError, match='limit'):
        check_ranges({'limit': 0}, {'limit': {}, 'region': {}})  # a spec (a dict) names them too


def test_the_same_option_has_the_same_range_everywhere():
    # before issue 17: instance_concurrency was 1-16 in the lookup and 1-32 in the wait and the event source
    assert RANGES['instance_concurrency'] == (1, 32)


def test_non_finite_numbers_finds_them_by_name_and_alias_also_as_text():
    spec = {'wait_timeout': {'type': 'float', 'aliases': ['timeout']}, 'retries': {'type': 'int'},
            'region': {'type': 'str'}}
    found = non_finite_numbers(spec, {'timeout': 'nan', 'retries': '1e999', 'region': 'inf'})
    assert found == {'timeout': 'timeout must be a finite number, got nan',
                     'retries': 'retries must be a finite number, got inf'}
    assert non_finite_numbers(spec, {'wait_timeout': 5.0, 'retries': 'three', 'region': float('nan')}) == {}
    assert non_finite_numbers(spec, {'wait_timeout': b'-inf'}) == {
        'wait_timeout': 'wait_timeout must be a finite number, got -inf'}
